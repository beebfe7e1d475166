//! Authing's v3 factor API (issue #13): one `extern "C"` function per
//! operation, over the table in `core::ops`; the v3 transport rules live in
//! `core::factors` and `core::envelope::decode_v3`.

use crate::core::ops::Operation;
use crate::ffi::client::authing_mfa_client;
use crate::ffi::ops::{call_blocking, Which};
use crate::ffi::status::authing_mfa_status;
use std::ffi::c_char;

/// Signs in through Authing's v3 API (JS, authing-node-sdk: `signInByCredentials`; `signIn` is accepted by `authing_mfa_call`).
///
/// Sends `POST /api/v3/signin` with the caller's `{connection, passwordPayload, passCodePayload, options}`; the application authenticates as the `tokenEndPointAuthMethod` option says (`client_secret_post`: `client_id` and `client_secret` added to the body; `client_secret_basic`: `Authorization: Basic`; `none`, the default without `appSecret`: a public client, nothing).
///
/// `params_json`: `{"connection": "PASSWORD" | "PASSCODE" | ..., "passwordPayload"?: {"email" | "username" | "phone" | "account", "password"}, "passCodePayload"?: {"email" | "phone", "passCode", "phoneCountryCode"?}, "options"?: object}`.
///
/// Result: the answer's `data` (`{access_token, id_token, token_type, expire_in, ...}`); its `access_token` becomes the client's access token for the factor calls below (a success without one clears the previous token). Failures are `AUTHING_MFA_ERR_API` (`AUTHING_MFA_ERR_HTTP_STATUS` for a non-2xx answer) with `code` = the v3 `apiCode`, else `statusCode`, and `requestId` in the error JSON.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_sign_in(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::SignInByCredentials),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Starts enrolling an MFA factor (v3: `sendEnrollFactorRequest`).
///
/// Sends `POST /api/v3/send-enroll-factor-request` with `{factorType, profile}`. Token: the access token, raw in `authorization` (none set: `AUTHING_MFA_ERR_INVALID_ARGUMENT` before any request).
///
/// `params_json`: `{"factorType": "OTP" | "SMS" | "EMAIL" | "FACE", "profile"?: {"phoneNumber", "phoneCountryCode"?} | {"email"}}`.
///
/// Result: `data`: `{enrollmentToken (valid one minute), otpData?: {qrCodeUri, qrCodeDataUrl, recoveryCode}}`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_send_enroll_factor_request(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::SendEnrollFactorRequest),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Enrolls the factor with its code (v3: `enrollFactor`).
///
/// Sends `POST /api/v3/enroll-factor` with `{factorType, enrollmentToken, enrollmentData}`. Token: the access token.
///
/// `params_json`: `{"factorType": string, "enrollmentToken": string, "enrollmentData": {"passCode"} | {"photo", "isExternalPhoto"}}`.
///
/// Result: `{"statusCode": 200, "message": "..."}` (the answer has no `data`).
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_enroll_factor(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::EnrollFactor),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Unbinds an enrolled factor (v3: `resetFactor`).
///
/// Sends `POST /api/v3/reset-factor` with `{factorId}`. Token: the access token.
///
/// `params_json`: `{"factorId": string}`.
///
/// Result: `{"statusCode": 200, "message": "..."}`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_reset_factor(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::ResetFactor),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Lists the user's enrolled factors (v3: `listEnrolledFactors`).
///
/// Sends `GET /api/v3/list-enrolled-factors`. Token: the access token.
///
/// `params_json`: none: NULL, `"null"` or `"{}"`.
///
/// Result: `data`: `[{factorId, factorType, profile}]`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_list_enrolled_factors(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::ListEnrolledFactors),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// One enrolled factor (v3: `getFactor`).
///
/// Sends `GET /api/v3/get-factor?factorId=`. Token: the access token.
///
/// `params_json`: `{"factorId": string}`.
///
/// Result: `data`: `{factorId, factorType, profile}`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_get_factor(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::GetFactor),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// The factors the application enables that the user has not enrolled (v3: `listFactorsToEnroll`).
///
/// Sends `GET /api/v3/list-factors-to-enroll`. Token: the access token.
///
/// `params_json`: none: NULL, `"null"` or `"{}"`.
///
/// Result: `data`: `[{factorType}]`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_list_factors_to_enroll(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::ListFactorsToEnroll),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Checks a code of the user's OTP factor (v3: `mfaOtpVerify`).
///
/// Sends `POST /api/v3/mfa-totp-verify` with `{totp}`. Token: the access token.
///
/// `params_json`: `{"totp": string}`.
///
/// Result: `data`: `{"verified": true | false}`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_otp_verify(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::MfaOtpVerify),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Introspects an mfaToken (v3: `verifyMfaToken`).
///
/// Sends `POST /mfa/token/introspection` with the form body `token=<mfaToken>` the OpenAPI file requires (the SDK forgets the body: a deliberate fix). Needs no token; the stored access token, if any, goes along as the SDK sends it.
///
/// `params_json`: `{"token": string}`.
///
/// Result: the answer as it is (not enveloped): `{active, userPoolId?, userId?, exp?, iat?}`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_verify_mfa_token(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::VerifyMfaToken),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}
