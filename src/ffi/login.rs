//! The logins that lead to MFA, and the calls around them (issue #12): one
//! `extern "C"` function each, over the table in `core::ops`; the wire
//! shapes live in `core::login`.

use crate::core::ops::Operation;
use crate::ffi::client::authing_mfa_client;
use crate::ffi::ops::{call_blocking, Which};
use crate::ffi::status::authing_mfa_status;
use std::ffi::c_char;

/// Logs in with email and password: the first factor (JS: `loginByEmail`).
///
/// Sends `GET /api/v2/.well-known` once per client (unless the `publicKey` option is set) for the RSA key, then `POST /graphql/v2` with the SDK's `loginByEmail` mutation; the password travels RSA-encrypted (PKCS#1 v1.5, base64). Token: the stored user token, if any.
///
/// `params_json`: `{"email": string, "password": string, "autoRegister"?: bool, "captchaCode"?: string, "clientIp"?: string, "customData"?: object, "context"?: any, "params"?: any}`.
///
/// Result: the user, with `token`; it becomes the client's current user and its token the user token. A user who must pass a second factor fails with `AUTHING_MFA_ERR_API`, `code` 1635 (the user's own MFA) or 1636 (the application's), and `data` as the server sent it (`mfaToken`, `applicationMfa`, ...): call `authing_mfa_verify_totp` and the others with `data.mfaToken`. A wrong password is the server's code (2333). A password longer than the key allows is `AUTHING_MFA_ERR_INVALID_ARGUMENT` before the login request; a `.well-known` key that is not a usable RSA key is `AUTHING_MFA_ERR_DECODE`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_login_by_email(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::LoginByEmail),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Logs in with username and password (JS: `loginByUsername`).
///
/// As `authing_mfa_login_by_email`, with the `loginByUsername` mutation.
///
/// `params_json`: `{"username": string, "password": string}` and the same options as `authing_mfa_login_by_email`.
///
/// Result: as `authing_mfa_login_by_email`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_login_by_username(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::LoginByUsername),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Logs in with phone number and password (JS: `loginByPhonePassword`).
///
/// As `authing_mfa_login_by_email`, with the `loginByPhonePassword` mutation.
///
/// `params_json`: `{"phone": string, "password": string}` and the same options as `authing_mfa_login_by_email`.
///
/// Result: as `authing_mfa_login_by_email`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_login_by_phone_password(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::LoginByPhonePassword),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Logs in with phone number and SMS code (JS: `loginByPhoneCode`; send the code with `authing_mfa_send_sms_code`, scene `login`).
///
/// Sends `POST /graphql/v2` with the SDK's `loginByPhoneCode` mutation. Token: the stored user token, if any.
///
/// `params_json`: `{"phone": string, "code": string, "phoneCountryCode"?: string, "clientIp"?: string, "customData"?: object, "context"?: any, "params"?: any}`.
///
/// Result: as `authing_mfa_login_by_email`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_login_by_phone_code(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::LoginByPhoneCode),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Logs in with email and emailed code (JS: `loginByEmailCode`; send the code with `authing_mfa_send_email`, scene `LOGIN_VERIFY_CODE`).
///
/// Sends `POST /api/v2/login/email-code` with `{email, code, phoneCountryCode, clientIp, params, context}`. Token: none, even when one is stored (as the SDK).
///
/// `params_json`: `{"email": string, "code": string, "phoneCountryCode"?: string, "clientIp"?: string, "customData"?: object, "context"?: any, "params"?: any}`.
///
/// Result: as `authing_mfa_login_by_email`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_login_by_email_code(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::LoginByEmailCode),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Sends a one-time code by SMS (JS: `sendSmsCode`).
///
/// Sends `POST /api/v2/sms/send` with `{phone, phoneCountryCode, scene}` (empty ones left out). Token: the stored user token, if any.
///
/// `params_json`: `{"phone": string, "phoneCountryCode"?: string, "scene"?: "mfa-verify" | "login" | ...}`.
///
/// Result: the envelope's `data` (the SDK declares `{code, message}` but returns `data`).
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_send_sms_code(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::SendSmsCode),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Sends a one-time code by email (JS: `sendEmail`).
///
/// Sends `POST /graphql/v2` with the SDK's `sendEmail` mutation. Token: the stored user token, if any.
///
/// `params_json`: `{"email": string, "scene": "MFA_VERIFY_CODE" | "LOGIN_VERIFY_CODE" | ...}`.
///
/// Result: `{message, code}` as the server sent it.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_send_email(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::SendEmail),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Logs out on the server (JS: `logout`).
///
/// Sends `GET /api/v2/logout?app_id=<appId option>`. Token: the stored user token.
///
/// `params_json`: none: NULL, `"null"` or `"{}"`.
///
/// Result: the server's `{"code": 200, "message": "..."}`; the current user and token are cleared only then (on failure they are kept).
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_logout(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::Logout),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Checks whether a token is valid (JS: `checkLoginStatus`).
///
/// Sends `POST /graphql/v2` with the SDK's `checkLoginStatus` query. Token: the stored user token, if any.
///
/// `params_json`: `{"token"?: string}`; NULL checks the stored token on the server side.
///
/// Result: `{code, message, status, exp, iat, data}` as the server sent it.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_check_login_status(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::CheckLoginStatus),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}
