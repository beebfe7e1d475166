//! The operation table: every method of the JS SDK's
//! `MfaAuthenticationClient` (and, as they land, the rest of the MFA
//! journey), described once. `operation.rs` explains what is made from it;
//! ARCHITECTURE.md says how to add an operation.
//!
//! This is where each request is shaped: method, path, query, body keys in
//! the JS SDK's order, and which token it carries. Keys whose value was not
//! given are left out, never sent as `null`, as `JSON.stringify` does with
//! `undefined`. Defaults apply only when no argument is given at all, as in
//! the JS SDK (`js_default`).
//!
//! Deliberate fixes to upstream behaviour (each also listed in README.md):
//! 1. `confirmAssosicateMfaAuthenticator` sends the mfaToken when given (the
//!    JS SDK builds the header and drops it).
//! 2. `verifyTotpRecoveryCode` returns the rotated recovery code.
//! 3. `deleteMfaAuthenticator` and `confirm…` return the server's code and
//!    message instead of a hard-coded success.
//! 4. A required mfaToken that is missing is refused before any request (the
//!    JS SDK sends `Bearer undefined`); so is a confirm without `totp`, which
//!    can never succeed.

use crate::core::client::Client;
use crate::core::error::{Error, ErrorKind};
use crate::core::operation::{operations, params, NoParams, TokenRule};
pub use crate::core::operation::{RecoveryOutcome, ServerStatus, V3Status};
use crate::core::secret::{Secret, SecretMap};
use crate::core::transport::{Body, Expect, Request};
use hyper::Method;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

params! {
    /// `getMfaAuthenticators` parameters.
    #[derive(Clone, Debug, Default)]
    pub struct GetMfaAuthenticatorsParams {
        pub r#type: Option<String> = opt_str("type"),
        pub mfa_token: Option<Secret> = opt_secret("mfaToken"),
        pub source: Option<String> = opt_str("source"),
    }
    js_default { r#type: Some("totp".into()), source: Some("SELF".into()) }
}

params! {
    /// `assosicateMfaAuthenticator` parameters.
    #[derive(Clone, Debug, Default)]
    pub struct AssociateMfaAuthenticatorParams {
        pub authenticator_type: Option<String> = opt_str("authenticatorType"),
        pub mfa_token: Option<Secret> = opt_secret("mfaToken"),
        pub source: Option<String> = opt_str("source"),
    }
    js_default { authenticator_type: Some("totp".into()), source: Some("SELF".into()) }
}

params! {
    /// `confirmAssosicateMfaAuthenticator` parameters.
    #[derive(Clone, Debug)]
    pub struct ConfirmAssociateMfaAuthenticatorParams {
        pub authenticator_type: Option<String> = opt_str("authenticatorType"),
        pub totp: Secret = req_secret("totp"),
        pub source: Option<String> = opt_str("source"),
        pub mfa_token: Option<Secret> = opt_secret("mfaToken"),
    }
}

params! {
    /// `verifyTotpMfa` parameters.
    #[derive(Clone, Debug)]
    pub struct VerifyTotpMfaParams {
        pub totp: Secret = req_secret("totp"),
        pub mfa_token: Secret = req_secret("mfaToken"),
    }
}

params! {
    /// `verifyTotpRecoveryCode` parameters.
    #[derive(Clone, Debug)]
    pub struct VerifyTotpRecoveryCodeParams {
        pub recovery_code: Secret = req_secret("recoveryCode"),
        pub mfa_token: Secret = req_secret("mfaToken"),
    }
}

params! {
    /// `verifyAppSmsMfa` parameters.
    #[derive(Clone, Debug)]
    pub struct VerifyAppSmsMfaParams {
        pub phone: String = req_str("phone"),
        pub code: Secret = req_secret("code"),
        pub mfa_token: Secret = req_secret("mfaToken"),
        pub phone_country_code: Option<String> = opt_str("phoneCountryCode"),
    }
}

params! {
    /// `verifyAppEmailMfa` parameters.
    #[derive(Clone, Debug)]
    pub struct VerifyAppEmailMfaParams {
        pub email: String = req_str("email"),
        pub code: Secret = req_secret("code"),
        pub mfa_token: Secret = req_secret("mfaToken"),
    }
}

params! {
    /// `phoneOrEmailBindable` parameters.
    #[derive(Clone, Debug)]
    pub struct PhoneOrEmailBindableParams {
        pub phone: Option<String> = opt_str("phone"),
        pub email: Option<String> = opt_str("email"),
        pub mfa_token: Secret = req_secret("mfaToken"),
    }
}

params! {
    /// `associateFaceByUrl` parameters.
    #[derive(Clone, Debug)]
    pub struct AssociateFaceByUrlParams {
        pub base_face: String = req_str("baseFace"),
        pub compare_face: String = req_str("compareFace"),
        pub mfa_token: Option<Secret> = opt_secret("mfaToken"),
    }
}

params! {
    /// `associateFaceByLocalFile` / `associateFaceByBlob` for native
    /// programs: two image files (or one, compared with itself, as the JS SDK
    /// does).
    #[derive(Clone, Debug)]
    pub struct AssociateFaceByFilesParams {
        pub base_face: PathBuf = req_path("baseFace"),
        pub compare_face: Option<PathBuf> = opt_path("compareFace"),
        pub mfa_token: Option<Secret> = opt_secret("mfaToken"),
    }
}

params! {
    /// `verifyFaceMfa(photo, mfaToken)` parameters.
    #[derive(Clone, Debug)]
    pub struct VerifyFaceMfaParams {
        pub photo: String = req_str("photo"),
        pub mfa_token: Secret = req_secret("mfaToken"),
    }
}

params! {
    /// `loginByEmail(email, password, options)` parameters, the options
    /// flattened into the same object (`ACd:340-363`).
    #[derive(Clone, Debug)]
    pub struct EmailLoginParams {
        pub email: String = req_str("email"),
        pub password: Secret = req_secret("password"),
        pub auto_register: Option<bool> = opt_bool("autoRegister"),
        pub captcha_code: Option<String> = opt_str("captchaCode"),
        pub client_ip: Option<String> = opt_str("clientIp"),
        pub custom_data: Option<Map<String, Value>> = opt_object("customData"),
        /// Deprecated in the SDK in favour of `customData`.
        pub params: Option<Value> = opt_truthy_json("params"),
        pub context: Option<Value> = opt_truthy_json("context"),
    }
}

params! {
    /// `loginByUsername(username, password, options)` parameters.
    #[derive(Clone, Debug)]
    pub struct UsernameLoginParams {
        pub username: String = req_str("username"),
        pub password: Secret = req_secret("password"),
        pub auto_register: Option<bool> = opt_bool("autoRegister"),
        pub captcha_code: Option<String> = opt_str("captchaCode"),
        pub client_ip: Option<String> = opt_str("clientIp"),
        pub custom_data: Option<Map<String, Value>> = opt_object("customData"),
        /// Deprecated in the SDK in favour of `customData`.
        pub params: Option<Value> = opt_truthy_json("params"),
        pub context: Option<Value> = opt_truthy_json("context"),
    }
}

params! {
    /// `loginByPhonePassword(phone, password, options)` parameters.
    #[derive(Clone, Debug)]
    pub struct PhonePasswordLoginParams {
        pub phone: String = req_str("phone"),
        pub password: Secret = req_secret("password"),
        pub auto_register: Option<bool> = opt_bool("autoRegister"),
        pub captcha_code: Option<String> = opt_str("captchaCode"),
        pub client_ip: Option<String> = opt_str("clientIp"),
        pub custom_data: Option<Map<String, Value>> = opt_object("customData"),
        /// Deprecated in the SDK in favour of `customData`.
        pub params: Option<Value> = opt_truthy_json("params"),
        pub context: Option<Value> = opt_truthy_json("context"),
    }
}

params! {
    /// `loginByPhoneCode(phone, code, options)` parameters.
    #[derive(Clone, Debug)]
    pub struct PhoneCodeLoginParams {
        pub phone: String = req_str("phone"),
        pub code: Secret = req_secret("code"),
        pub phone_country_code: Option<String> = opt_str("phoneCountryCode"),
        pub client_ip: Option<String> = opt_str("clientIp"),
        pub custom_data: Option<Map<String, Value>> = opt_object("customData"),
        /// Deprecated in the SDK in favour of `customData`.
        pub params: Option<Value> = opt_truthy_json("params"),
        pub context: Option<Value> = opt_truthy_json("context"),
    }
}

params! {
    /// `loginByEmailCode(email, code, options)` parameters.
    #[derive(Clone, Debug)]
    pub struct EmailCodeLoginParams {
        pub email: String = req_str("email"),
        pub code: Secret = req_secret("code"),
        pub phone_country_code: Option<String> = opt_str("phoneCountryCode"),
        pub client_ip: Option<String> = opt_str("clientIp"),
        pub custom_data: Option<Map<String, Value>> = opt_object("customData"),
        /// Deprecated in the SDK in favour of `customData`.
        pub params: Option<Value> = opt_truthy_json("params"),
        pub context: Option<Value> = opt_truthy_json("context"),
    }
}

params! {
    /// `sendSmsCode(phone, phoneCountryCode?, scene?)` parameters; an empty
    /// `phoneCountryCode` or `scene` is left out, as the SDK does.
    #[derive(Clone, Debug)]
    pub struct SendSmsCodeParams {
        pub phone: String = req_str("phone"),
        pub phone_country_code: Option<String> = opt_nonempty_str("phoneCountryCode"),
        pub scene: Option<String> = opt_nonempty_str("scene"),
    }
}

params! {
    /// `sendEmail(email, scene)` parameters (`scene`: `MFA_VERIFY_CODE`,
    /// `LOGIN_VERIFY_CODE`, ...).
    #[derive(Clone, Debug)]
    pub struct SendEmailParams {
        pub email: String = req_str("email"),
        pub scene: String = req_str("scene"),
    }
}

params! {
    /// `checkLoginStatus(token?)` parameters.
    #[derive(Clone, Debug, Default)]
    pub struct CheckLoginStatusParams {
        pub token: Option<Secret> = opt_secret("token"),
    }
    js_default {}
}

params! {
    /// `signInByCredentials(dto)` (v3) parameters: the SDK's
    /// `SigninByCredentialsDto`.
    #[derive(Clone, Debug)]
    pub struct SignInParams {
        /// `PASSWORD`, `PASSCODE`, `LDAP` or `AD`.
        pub connection: String = req_str("connection"),
        /// Holds the password: redacted in `Debug`, zeroed on drop.
        pub password_payload: Option<SecretMap> = opt_secret_object("passwordPayload"),
        /// Holds the code: redacted in `Debug`, zeroed on drop.
        pub pass_code_payload: Option<SecretMap> = opt_secret_object("passCodePayload"),
        pub options: Option<Map<String, Value>> = opt_object("options"),
    }
}

params! {
    /// `sendEnrollFactorRequest` parameters (`factorType` `OTP`, `SMS`,
    /// `EMAIL` or `FACE`; `profile` `{phoneNumber, phoneCountryCode}` or
    /// `{email}`).
    #[derive(Clone, Debug)]
    pub struct SendEnrollFactorRequestParams {
        pub factor_type: String = req_str("factorType"),
        pub profile: Option<Map<String, Value>> = opt_object("profile"),
    }
}

params! {
    /// `enrollFactor` parameters (`enrollmentData` `{passCode}` or `{photo,
    /// isExternalPhoto}`).
    #[derive(Clone, Debug)]
    pub struct EnrollFactorParams {
        pub factor_type: String = req_str("factorType"),
        pub enrollment_token: Secret = req_secret("enrollmentToken"),
        /// Holds the code: redacted in `Debug`, zeroed on drop.
        pub enrollment_data: SecretMap = req_secret_object("enrollmentData"),
    }
}

params! {
    /// `resetFactor` / `getFactor` parameters.
    #[derive(Clone, Debug)]
    pub struct FactorIdParams {
        pub factor_id: String = req_str("factorId"),
    }
}

params! {
    /// `mfaOtpVerify` parameters.
    #[derive(Clone, Debug)]
    pub struct MfaOtpVerifyParams {
        pub totp: Secret = req_secret("totp"),
    }
}

params! {
    /// `verifyMfaToken` parameters.
    #[derive(Clone, Debug)]
    pub struct VerifyMfaTokenParams {
        pub token: Secret = req_secret("token"),
    }
}

operations! {
    /// Lists the user's MFA authenticators.
    GetMfaAuthenticators {
        js: "getMfaAuthenticators",
        aliases: [],
        c: "authing_mfa_get_authenticators",
        http: GET "/api/v2/mfa/authenticator",
        token: mfa_or_user,
        args: optional,
        params: GetMfaAuthenticatorsParams,
        out: Box<RawValue>,
        method: get_mfa_authenticators,
        send: |p| query { "type": p.r#type, "source": p.source } scrub [],
    }

    /// Starts binding a TOTP authenticator (the SDK spells it `assosicate`).
    AssociateMfaAuthenticator {
        js: "assosicateMfaAuthenticator",
        aliases: ["associateMfaAuthenticator"],
        c: "authing_mfa_associate_authenticator",
        http: POST "/api/v2/mfa/totp/associate",
        token: mfa_or_user,
        args: optional,
        params: AssociateMfaAuthenticatorParams,
        out: Box<RawValue>,
        method: associate_mfa_authenticator,
        send: |p| json { "authenticator_type": p.authenticator_type, "source": p.source } scrub [],
    }

    /// Unbinds the user's TOTP authenticator; the server's code and message.
    DeleteMfaAuthenticator {
        js: "deleteMfaAuthenticator",
        aliases: [],
        c: "authing_mfa_delete_authenticator",
        http: DELETE "/api/v2/mfa/totp/associate",
        token: user,
        args: none,
        params: NoParams,
        out: ServerStatus,
        method: delete_mfa_authenticator,
        send: |p| empty {} scrub [],
    }

    /// Confirms a TOTP binding with a first code; the server's code and
    /// message.
    ConfirmAssociateMfaAuthenticator {
        js: "confirmAssosicateMfaAuthenticator",
        aliases: ["confirmAssociateMfaAuthenticator"],
        c: "authing_mfa_confirm_associate_authenticator",
        http: POST "/api/v2/mfa/totp/associate/confirm",
        token: mfa_or_user,
        args: required,
        params: ConfirmAssociateMfaAuthenticatorParams,
        out: ServerStatus,
        method: confirm_associate_mfa_authenticator,
        send: |p| json {
            "authenticator_type": p.authenticator_type,
            "totp": p.totp,
            "source": p.source,
        } scrub [totp],
    }

    /// The second factor with a TOTP code; the logged-in user.
    VerifyTotpMfa {
        js: "verifyTotpMfa",
        aliases: [],
        c: "authing_mfa_verify_totp",
        http: POST "/api/v2/mfa/totp/verify",
        token: mfa,
        args: required,
        params: VerifyTotpMfaParams,
        out: Box<RawValue>,
        method: verify_totp_mfa,
        send: |p| json { "totp": p.totp } scrub [totp],
    }

    /// The second factor with a recovery code; the user and the rotated
    /// recovery code.
    VerifyTotpRecoveryCode {
        js: "verifyTotpRecoveryCode",
        aliases: [],
        c: "authing_mfa_verify_totp_recovery_code",
        http: POST "/api/v2/mfa/totp/recovery",
        token: mfa,
        args: required,
        params: VerifyTotpRecoveryCodeParams,
        out: RecoveryOutcome,
        method: verify_totp_recovery_code,
        send: |p| json { "recoveryCode": p.recovery_code } scrub [recovery_code],
    }

    /// The second factor with an SMS code.
    VerifyAppSmsMfa {
        js: "verifyAppSmsMfa",
        aliases: [],
        c: "authing_mfa_verify_app_sms",
        http: POST "/api/v2/applications/mfa/sms/verify",
        token: mfa,
        args: required,
        params: VerifyAppSmsMfaParams,
        out: Box<RawValue>,
        method: verify_app_sms_mfa,
        send: |p| json {
            "phone": p.phone,
            "code": p.code,
            "phoneCountryCode": p.phone_country_code,
        } scrub [code],
    }

    /// The second factor with an email code.
    VerifyAppEmailMfa {
        js: "verifyAppEmailMfa",
        aliases: [],
        c: "authing_mfa_verify_app_email",
        http: POST "/api/v2/applications/mfa/email/verify",
        token: mfa,
        args: required,
        params: VerifyAppEmailMfaParams,
        out: Box<RawValue>,
        method: verify_app_email_mfa,
        send: |p| json { "email": p.email, "code": p.code } scrub [code],
    }

    /// Whether a phone or email may be bound as a second factor; the
    /// server's boolean.
    PhoneOrEmailBindable {
        js: "phoneOrEmailBindable",
        aliases: [],
        c: "authing_mfa_phone_or_email_bindable",
        http: POST "/api/v2/applications/mfa/check",
        token: mfa,
        args: required,
        params: PhoneOrEmailBindableParams,
        out: bool,
        method: phone_or_email_bindable,
        send: |p| json { "email": p.email, "phone": p.phone } scrub [],
    }

    /// Binds a face from two photo URLs (`isExternal: true`).
    AssociateFaceByUrl {
        js: "associateFaceByUrl",
        aliases: [],
        c: "authing_mfa_associate_face_by_url",
        http: POST "/api/v2/mfa/face/associate",
        token: mfa_or_user,
        args: required,
        params: AssociateFaceByUrlParams,
        out: Box<RawValue>,
        method: associate_face_by_url,
        send: |p| json {
            "photoA": p.base_face,
            "photoB": p.compare_face,
            "isExternal": true,
        } scrub [],
    }

    /// Binds a face from local image files: uploads, then associates.
    AssociateFaceByLocalFile {
        js: "associateFaceByLocalFile",
        aliases: [],
        c: "authing_mfa_associate_face_by_files",
        http: POST "/api/v2/mfa/face/associate",
        token: mfa_or_user,
        args: required,
        params: AssociateFaceByFilesParams,
        out: Box<RawValue>,
        method: associate_face_by_files,
        send: custom
    }

    /// The browser's `Blob` variant: for a native program also file paths.
    AssociateFaceByBlob {
        js: "associateFaceByBlob",
        aliases: [],
        c: "authing_mfa_associate_face_by_files",
        http: POST "/api/v2/mfa/face/associate",
        token: mfa_or_user,
        args: required,
        params: AssociateFaceByFilesParams,
        out: Box<RawValue>,
        method: associate_face_by_files,
        send: custom
    }

    /// The second factor with a face photo.
    VerifyFaceMfa {
        js: "verifyFaceMfa",
        aliases: [],
        c: "authing_mfa_verify_face",
        http: POST "/api/v2/mfa/face/verify",
        token: mfa,
        args: required,
        params: VerifyFaceMfaParams,
        out: Box<RawValue>,
        method: verify_face_mfa,
        send: |p| json { "photo": p.photo } scrub [],
    }

    /// The first factor with email and password (GraphQL; the password
    /// RSA-encrypted with the `.well-known` key). Sets the current user; a
    /// second factor needed is `Api` 1635/1636 with `data.mfaToken`.
    LoginByEmail {
        js: "loginByEmail",
        aliases: [],
        c: "authing_mfa_login_by_email",
        http: POST "/graphql/v2",
        token: user,
        args: required,
        params: EmailLoginParams,
        out: Box<RawValue>,
        method: login_by_email,
        send: custom
    }

    /// The first factor with username and password.
    LoginByUsername {
        js: "loginByUsername",
        aliases: [],
        c: "authing_mfa_login_by_username",
        http: POST "/graphql/v2",
        token: user,
        args: required,
        params: UsernameLoginParams,
        out: Box<RawValue>,
        method: login_by_username,
        send: custom
    }

    /// The first factor with phone number and password.
    LoginByPhonePassword {
        js: "loginByPhonePassword",
        aliases: [],
        c: "authing_mfa_login_by_phone_password",
        http: POST "/graphql/v2",
        token: user,
        args: required,
        params: PhonePasswordLoginParams,
        out: Box<RawValue>,
        method: login_by_phone_password,
        send: custom
    }

    /// The first factor with phone number and SMS code.
    LoginByPhoneCode {
        js: "loginByPhoneCode",
        aliases: [],
        c: "authing_mfa_login_by_phone_code",
        http: POST "/graphql/v2",
        token: user,
        args: required,
        params: PhoneCodeLoginParams,
        out: Box<RawValue>,
        method: login_by_phone_code,
        send: custom
    }

    /// The first factor with email and emailed code (REST, no token).
    LoginByEmailCode {
        js: "loginByEmailCode",
        aliases: [],
        c: "authing_mfa_login_by_email_code",
        http: POST "/api/v2/login/email-code",
        token: none,
        args: required,
        params: EmailCodeLoginParams,
        out: Box<RawValue>,
        method: login_by_email_code,
        send: custom
    }

    /// Sends a code by SMS (`scene` `mfa-verify` for the MFA stage,
    /// `login` for `loginByPhoneCode`); the server's `data`.
    SendSmsCode {
        js: "sendSmsCode",
        aliases: [],
        c: "authing_mfa_send_sms_code",
        http: POST "/api/v2/sms/send",
        token: user,
        args: required,
        params: SendSmsCodeParams,
        out: Box<RawValue>,
        method: send_sms_code,
        send: |p| json {
            "phone": p.phone,
            "phoneCountryCode": p.phone_country_code,
            "scene": p.scene,
        } scrub [],
    }

    /// Sends a code by email (GraphQL `sendEmail`); `{message, code}`.
    SendEmail {
        js: "sendEmail",
        aliases: [],
        c: "authing_mfa_send_email",
        http: POST "/graphql/v2",
        token: user,
        args: required,
        params: SendEmailParams,
        out: Box<RawValue>,
        method: send_email,
        send: |p| graphql(crate::core::graphql_documents::SEND_EMAIL, "sendEmail") {
            "email": p.email,
            "scene": p.scene,
        } scrub [],
    }

    /// Logs out on the server; the current user is cleared once it agreed.
    Logout {
        js: "logout",
        aliases: [],
        c: "authing_mfa_logout",
        http: GET "/api/v2/logout",
        token: user,
        args: none,
        params: NoParams,
        out: ServerStatus,
        method: logout,
        send: custom
    }

    /// Whether a token (or the stored one) is valid: `{code, message,
    /// status, exp, iat, data}`.
    CheckLoginStatus {
        js: "checkLoginStatus",
        aliases: [],
        c: "authing_mfa_check_login_status",
        http: POST "/graphql/v2",
        token: user,
        args: optional,
        params: CheckLoginStatusParams,
        out: Box<RawValue>,
        method: check_login_status,
        send: |p| graphql(crate::core::graphql_documents::CHECK_LOGIN_STATUS, "checkLoginStatus") {
            "token": p.token,
        } scrub [token],
    }

    /// v3 first factor (`POST /api/v3/signin`): the access token for the
    /// factor API, kept by the client.
    SignInByCredentials {
        js: "signInByCredentials",
        aliases: ["signIn"],
        c: "authing_mfa_sign_in",
        http: POST "/api/v3/signin",
        token: app,
        args: required,
        params: SignInParams,
        out: Box<RawValue>,
        method: sign_in,
        send: custom
    }

    /// Starts enrolling a factor (`AC3:3551-3560`): `enrollmentToken`
    /// (valid a minute), and `otpData` for OTP.
    SendEnrollFactorRequest {
        js: "sendEnrollFactorRequest",
        aliases: [],
        c: "authing_mfa_send_enroll_factor_request",
        http: POST "/api/v3/send-enroll-factor-request",
        token: access,
        args: required,
        params: SendEnrollFactorRequestParams,
        out: Box<RawValue>,
        method: send_enroll_factor_request,
        send: |p| json { "factorType": p.factor_type, "profile": p.profile } scrub [],
    }

    /// Enrolls the factor with its code (`AC3:3566-3575`).
    EnrollFactor {
        js: "enrollFactor",
        aliases: [],
        c: "authing_mfa_enroll_factor",
        http: POST "/api/v3/enroll-factor",
        token: access,
        args: required,
        params: EnrollFactorParams,
        out: V3Status,
        method: enroll_factor,
        send: |p| json {
            "factorType": p.factor_type,
            "enrollmentToken": p.enrollment_token,
            "enrollmentData": p.enrollment_data,
        } scrub [enrollment_token, enrollment_data],
    }

    /// Unbinds a factor by its ID (`AC3:3576-3590`).
    ResetFactor {
        js: "resetFactor",
        aliases: [],
        c: "authing_mfa_reset_factor",
        http: POST "/api/v3/reset-factor",
        token: access,
        args: required,
        params: FactorIdParams,
        out: V3Status,
        method: reset_factor,
        send: |p| json { "factorId": p.factor_id } scrub [],
    }

    /// The user's enrolled factors (`AC3:3596-3602`).
    ListEnrolledFactors {
        js: "listEnrolledFactors",
        aliases: [],
        c: "authing_mfa_list_enrolled_factors",
        http: GET "/api/v3/list-enrolled-factors",
        token: access,
        args: none,
        params: NoParams,
        out: Box<RawValue>,
        method: list_enrolled_factors,
        send: |p| empty {} scrub [],
    }

    /// One enrolled factor (`AC3:3608-3622`). Hand-written (`factors.rs`):
    /// its query is encoded as the v3 SDK's axios 1.x does, which differs
    /// from the v2 SDK's axios 0.x (`[` and `]` percent-encoded).
    GetFactor {
        js: "getFactor",
        aliases: [],
        c: "authing_mfa_get_factor",
        http: GET "/api/v3/get-factor",
        token: access,
        args: required,
        params: FactorIdParams,
        out: Box<RawValue>,
        method: get_factor,
        send: custom
    }

    /// The factors the application enables that the user has not enrolled
    /// (`AC3:3628-3634`).
    ListFactorsToEnroll {
        js: "listFactorsToEnroll",
        aliases: [],
        c: "authing_mfa_list_factors_to_enroll",
        http: GET "/api/v3/list-factors-to-enroll",
        token: access,
        args: none,
        params: NoParams,
        out: Box<RawValue>,
        method: list_factors_to_enroll,
        send: |p| empty {} scrub [],
    }

    /// Checks a code of the user's OTP factor: `{verified}`
    /// (`AC3:3640-3649`; the path is `mfa-totp-verify`).
    MfaOtpVerify {
        js: "mfaOtpVerify",
        aliases: [],
        c: "authing_mfa_otp_verify",
        http: POST "/api/v3/mfa-totp-verify",
        token: access,
        args: required,
        params: MfaOtpVerifyParams,
        out: Box<RawValue>,
        method: mfa_otp_verify,
        send: |p| json { "totp": p.totp } scrub [totp],
    }

    /// Introspects an mfaToken: `{active, userPoolId, userId, exp, iat}`.
    /// Sends the form body `token=` the OpenAPI file requires (the SDK sends
    /// none, `AC3:3537-3545`: a deliberate fix). Needs no token; a stored
    /// access token goes along, as the SDK sends it on every call
    /// (`AHC:50-51`). Hand-written (`factors.rs`).
    VerifyMfaToken {
        js: "verifyMfaToken",
        aliases: [],
        c: "authing_mfa_verify_mfa_token",
        http: POST "/mfa/token/introspection",
        token: access_if_set,
        args: required,
        params: VerifyMfaTokenParams,
        out: Box<RawValue>,
        method: verify_mfa_token,
        send: custom
    }
}

impl Operation {
    /// Looks up a JS method name or one of its aliases (the SDK's
    /// misspelling `assosicate…` and the corrected spelling both work).
    pub fn from_js_name(name: &str) -> Option<Operation> {
        Operation::ALL
            .iter()
            .copied()
            .find(|op| op.js_name() == name || op.aliases().contains(&name))
    }

    /// [`Operation::from_js_name`], or the `InvalidArgument` error every
    /// entry point (blocking, async, Rust) gives for an unknown name; the
    /// name is quoted only up to 64 characters.
    pub fn resolve(name: &str) -> Result<Operation, Error> {
        Operation::from_js_name(name).ok_or_else(|| {
            let shown: String = name.chars().take(64).collect();
            Error::invalid_argument(format!("unknown method `{shown}`"))
        })
    }

    /// Every operation as a JSON array, for bindings and tools that check
    /// themselves against the library they load: `[{"name", "aliases",
    /// "cFunction", "keys", "http", "token", "requiresArgument"}, ...]` in
    /// the table's order.
    pub fn catalogue_json() -> String {
        let list: Vec<Value> = Operation::ALL
            .iter()
            .map(|op| {
                let (method, path) = op.http();
                serde_json::json!({
                    "name": op.js_name(),
                    "aliases": op.aliases(),
                    "cFunction": op.c_function(),
                    "keys": op.keys(),
                    "http": format!("{method} {path}"),
                    "token": op.token_rule(),
                    "requiresArgument": op.requires_argument(),
                })
            })
            .collect();
        Value::Array(list).to_string()
    }
}

impl Client {
    /// The generic entry point: a JS method name and its argument as JSON
    /// (`None` or `null` = no argument). Returns the result JSON of the C API.
    pub async fn call(&self, method: &str, params_json: Option<&str>) -> Result<String, Error> {
        self.call_op(Operation::resolve(method)?, params_json).await
    }

    /// `associateFaceByLocalFile` / `associateFaceByBlob` for native
    /// programs: uploads each image as multipart field `file` to
    /// `/api/v2/upload?folder=face-photo&private=true`, then associates the
    /// returned keys (without `isExternal`). With no `compare_face` the base
    /// image is uploaded once and compared with itself, as in the JS SDK.
    pub async fn associate_face_by_files(
        &self,
        p: AssociateFaceByFilesParams,
    ) -> Result<Box<RawValue>, Error> {
        // Up to three requests (two uploads, the binding): one deadline.
        self.within_timeout(self.associate_face_by_files_steps(p)).await
    }

    async fn associate_face_by_files_steps(
        &self,
        p: AssociateFaceByFilesParams,
    ) -> Result<Box<RawValue>, Error> {
        // Refuse a bad mfaToken before reading any file.
        let auth = || p.mfa_token.auth();
        auth()?;
        let limit = self.timeout();
        let read = async {
            let base = read_image(&p.base_face, "baseFace").await?;
            let compare = match &p.compare_face {
                Some(path) => Some(read_image(path, "compareFace").await?),
                None => None,
            };
            Ok::<_, Error>((base, compare))
        };
        let (base, compare) = tokio::time::timeout(limit, read).await.map_err(|_| {
            Error::new(
                ErrorKind::Timeout,
                format!(
                    "reading the face images took longer than {} ms",
                    limit.as_millis()
                ),
            )
        })??;
        let key_a = self.upload_face(base, auth()?).await?;
        let key_b = match compare {
            Some(image) => self.upload_face(image, auth()?).await?,
            None => key_a.clone(),
        };
        let (method, path) = Operation::AssociateFaceByLocalFile.http();
        debug_assert_eq!(method, "POST");
        let body = crate::core::operation::json_object(&[("photoA", &key_a), ("photoB", &key_b)]);
        let req = Request {
            method: Method::POST,
            path: Cow::Borrowed(path),
            body: Body::Json(body),
            auth: auth()?,
            secrets: vec![],
            expect: Expect::Envelope,
        };
        Ok(self.send(req).await?.data)
    }

    async fn upload_face(&self, image: Image, auth: crate::core::transport::Auth) -> Result<String, Error> {
        let (content_type, bytes) =
            crate::core::http::multipart_file("file", &image.file_name, image.mime, &image.bytes);
        let req = Request {
            method: Method::POST,
            path: Cow::Borrowed("/api/v2/upload?folder=face-photo&private=true"),
            body: Body::Multipart { content_type, bytes },
            auth,
            secrets: vec![],
            expect: Expect::Envelope,
        };
        let data = self.send(req).await?.data;
        let key = serde_json::from_str::<Value>(data.get())
            .ok()
            .and_then(|v| v.get("key").and_then(Value::as_str).map(str::to_owned))
            .filter(|k| !k.is_empty());
        key.ok_or_else(|| Error::new(ErrorKind::Decode, "the upload answer has no `data.key`"))
    }
}

struct Image {
    bytes: Vec<u8>,
    file_name: String,
    mime: &'static str,
}

/// The largest image file uploaded for face association. Authing's own
/// upload limit is lower; this bound exists so that a path such as
/// `/dev/zero` or a huge file cannot exhaust memory.
pub const MAX_IMAGE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a local image for upload. The path is the caller's, not a secret, so
/// the message names it (a missing file is the most common mistake).
///
/// The type is checked with `metadata` before the file is opened: opening a
/// FIFO for reading blocks until a writer appears, which could be forever.
/// The caller also bounds the whole read by the call's timeout.
async fn read_image(path: &Path, key: &str) -> Result<Image, Error> {
    use tokio::io::AsyncReadExt;
    let io_error = |e: std::io::Error| {
        Error::new(
            ErrorKind::Io,
            format!("cannot read {key} file {}: {e}", path.display()),
        )
    };
    let not_regular = || {
        Error::new(
            ErrorKind::Io,
            format!("{key} {} is not a regular file", path.display()),
        )
    };
    if !tokio::fs::metadata(path).await.map_err(io_error)?.is_file() {
        return Err(not_regular());
    }
    let file = tokio::fs::File::open(path).await.map_err(io_error)?;
    // Checked again on the open file, in case the path changed in between.
    let meta = file.metadata().await.map_err(io_error)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let mut bytes = Vec::with_capacity(meta.len().min(MAX_IMAGE_BYTES) as usize);
    file.take(MAX_IMAGE_BYTES + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(io_error)?;
    if bytes.len() as u64 > MAX_IMAGE_BYTES {
        return Err(Error::new(
            ErrorKind::Io,
            format!(
                "{key} file {} is larger than {MAX_IMAGE_BYTES} bytes",
                path.display()
            ),
        ));
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "personal.jpeg".into());
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let mime = match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "bmp" => "image/bmp",
        "gif" => "image/gif",
        "webp" => "image/webp",
        _ => "application/octet-stream",
    };
    Ok(Image {
        bytes,
        file_name,
        mime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::operation::json_object;

    /// The v3 payloads hold a password or a code inside a caller's object:
    /// `{:?}` of the parsed parameters must not show them (the header
    /// promises no secret in any Debug output), while the object is still
    /// sent whole.
    #[test]
    fn secret_payloads_are_redacted_in_debug_and_sent_whole() {
        use crate::core::args::Args;
        use crate::core::operation::{OpParams, WireValue};
        let parse = |json: &str, keys: &[&str]| Args::parse(Some(json), "params", keys).unwrap().unwrap();
        let mut args = parse(
            r#"{"connection":"PASSWORD","passwordPayload":{"account":"a@b.c","password":"PLANTED-pw-77"},
                "passCodePayload":{"phone":"1","passCode":"PLANTED-code-88"},"options":{"scope":"openid"}}"#,
            SignInParams::KEYS,
        );
        let sign_in = SignInParams::from_args(&mut args).unwrap();
        let shown = format!("{sign_in:?}");
        assert!(!shown.contains("PLANTED"), "{shown}");
        assert!(shown.contains("password") && shown.contains("openid"), "{shown}");
        let mut out = Vec::new();
        assert!(sign_in.password_payload.write_json(&mut out));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"account":"a@b.c","password":"PLANTED-pw-77"}"#
        );
        let mut args = parse(
            r#"{"factorType":"OTP","enrollmentToken":"PLANTED-et-99","enrollmentData":{"passCode":"PLANTED-code-11"}}"#,
            EnrollFactorParams::KEYS,
        );
        let shown = format!("{:?}", EnrollFactorParams::from_args(&mut args).unwrap());
        assert!(!shown.contains("PLANTED"), "{shown}");
        assert!(shown.contains("passCode"), "{shown}");
    }

    #[test]
    fn names_round_trip_and_aliases() {
        for &op in Operation::ALL {
            assert_eq!(Operation::from_js_name(op.js_name()), Some(op));
        }
        assert_eq!(
            Operation::from_js_name("associateMfaAuthenticator"),
            Some(Operation::AssociateMfaAuthenticator)
        );
        assert_eq!(
            Operation::from_js_name("confirmAssociateMfaAuthenticator"),
            Some(Operation::ConfirmAssociateMfaAuthenticator)
        );
        assert_eq!(Operation::from_js_name("verifySmsMfa"), None);
    }

    #[test]
    fn names_and_c_functions_are_unique_and_keys_are_distinct() {
        let mut names = std::collections::HashSet::new();
        for &op in Operation::ALL {
            assert!(names.insert(op.js_name()), "{}", op.js_name());
            for alias in op.aliases() {
                assert!(names.insert(alias), "{alias}");
            }
            let keys = op.keys();
            let distinct: std::collections::HashSet<_> = keys.iter().collect();
            assert_eq!(distinct.len(), keys.len(), "{}", op.js_name());
            assert!(op.c_function().starts_with("authing_mfa_"));
        }
    }

    #[test]
    fn every_declared_key_is_read() {
        // Every operation given every one of its keys (all string-typed
        // today): `call_op`'s debug assertion fails if one is left unread,
        // and the call must get past parsing to the (refused) request.
        fn sample(key: &str) -> &'static dyn crate::core::operation::WireValue {
            match key {
                "autoRegister" => &true,
                "customData" | "context" | "params" | "profile" | "enrollmentData" | "passwordPayload"
                | "passCodePayload" | "options" => &Object,
                _ => &"x",
            }
        }
        struct Object;
        impl crate::core::operation::WireValue for Object {
            fn write_json(&self, out: &mut Vec<u8>) -> bool {
                out.extend_from_slice(br#"{"a":1}"#);
                true
            }
        }
        let client = Client::from_json(Some(
            r#"{"appHost":"http://192.0.2.1","token":"t","accessToken":"a"}"#,
        ))
        .unwrap();
        for &op in Operation::ALL {
            let json = json_object(&op.keys().iter().map(|k| (*k, sample(k))).collect::<Vec<_>>());
            let e = crate::core::runtime::block_on(client.call_op(op, Some(&json)))
                .unwrap()
                .unwrap_err();
            assert!(
                matches!(e.kind(), ErrorKind::Network | ErrorKind::Io),
                "{}: {e:?}",
                op.js_name()
            );
        }
    }

    #[test]
    fn bodies_keep_js_order_and_drop_absent_keys() {
        let none: Option<String> = None;
        let b = json_object(&[
            ("phone", &"1".to_owned()),
            ("code", &Secret::new("2".to_owned())),
            ("phoneCountryCode", &none),
            ("isExternal", &true),
        ]);
        assert_eq!(b, r#"{"phone":"1","code":"2","isExternal":true}"#);
        assert_eq!(json_object(&[("a", &none)]), "{}");
    }

    #[test]
    fn result_shapes() {
        let r = RecoveryOutcome {
            user: RawValue::from_string(r#"{"id":"u"}"#.into()).unwrap(),
            recovery_code: Some("aaaa-bbbb".into()),
        };
        assert_eq!(r.to_json(), r#"{"user":{"id":"u"},"recoveryCode":"aaaa-bbbb"}"#);
        let s = ServerStatus {
            code: 200,
            message: "解绑\"ok".into(),
        };
        assert_eq!(s.to_json(), r#"{"code":200,"message":"解绑\"ok"}"#);
    }
}
