//! One `extern "C"` function per MFA operation, and the generic
//! `authing_mfa_call`. Each is a thin wrapper over `Client::call_op`: the
//! wire shapes live in `core::ops`.

use crate::core::ops::Operation;
use crate::core::runtime::block_on;
use crate::ffi::boundary::{run, ErrOut, Out};
use crate::ffi::client::{authing_mfa_client, client_arg};
use crate::ffi::status::authing_mfa_status;
use crate::ffi::strings::{c_str, CStrArg};
use std::ffi::c_char;

/// Which operation a blocking call runs: fixed by the function, or named
/// by the caller (`authing_mfa_call`).
pub(crate) enum Which<'a> {
    Fixed(Operation),
    Named(CStrArg<'a>),
}

/// The body of every blocking operation function.
///
/// # Safety
/// The pointers are NULL or valid as documented on the public functions,
/// for the duration of the call.
pub(crate) unsafe fn call_blocking(
    client: *const authing_mfa_client,
    which: Which<'_>,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded from the public function's contract.
    let (client, params, out, err) = unsafe {
        (
            client_arg(client),
            c_str(params_json),
            Out::new(out_result_json),
            ErrOut::new(out_error_json),
        )
    };
    run(err, || {
        let out = out.required("out_result_json")?;
        let client = client.get()?;
        let op = match which {
            Which::Fixed(op) => op,
            Which::Named(name) => Operation::resolve(name.required("method")?)?,
        };
        let params = params.optional("params_json")?;
        out.set(block_on(client.call_op(op, params))??)
    })
}

/// Lists the user's MFA authenticators.
///
/// Sends `GET /api/v2/mfa/authenticator?type=...&source=...` (absent keys left out of the query).
/// Token: `mfaToken` when given, else the user token.
///
/// `params_json`: `{"type"?: "totp", "mfaToken"?: string, "source"?: "SELF" | "APPLICATION"}`; NULL sends `type=totp&source=SELF` (the JS defaults, applied only when there is no argument at all).
///
/// Result: the envelope's `data`: an array of authenticators `{id, createdAt, updatedAt, userId, enable, secret, authenticatorType, recoveryCode, ...}`, every field the server sent.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_get_authenticators(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::GetMfaAuthenticators),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Starts binding a TOTP authenticator (JS: `assosicateMfaAuthenticator`, sic).
///
/// Sends `POST /api/v2/mfa/totp/associate` with `{"authenticator_type", "source"}`.
/// Token: `mfaToken` when given (binding during the MFA stage), else the user token.
///
/// `params_json`: `{"authenticatorType"?: "totp", "mfaToken"?: string, "source"?: string}`; NULL sends `{"authenticator_type":"totp","source":"SELF"}`.
///
/// Result: `data`: `{authenticator_type, secret, qrcode_uri, qrcode_data_url, recovery_code}`. MFA is not enforced until `authing_mfa_confirm_associate_authenticator` succeeds.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_associate_authenticator(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::AssociateMfaAuthenticator),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Unbinds the user's TOTP authenticator.
///
/// Sends `DELETE /api/v2/mfa/totp/associate` with no body.
/// Token: the user token.
///
/// `params_json`: none: NULL, `"null"` or `"{}"`; any key is `AUTHING_MFA_ERR_INVALID_ARGUMENT`.
///
/// Result: the server's `{"code": 200, "message": "..."}` (the JS SDK returns a hard-coded message instead; this is a deliberate fix).
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_delete_authenticator(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::DeleteMfaAuthenticator),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Confirms a TOTP binding with a first code; from then on MFA is enforced.
///
/// Sends `POST /api/v2/mfa/totp/associate/confirm` with `{"authenticator_type", "totp", "source"}`.
/// Token: `mfaToken` when given, else the user token. (The JS SDK drops the mfaToken here, so binding during the MFA stage fails there; sending it is a deliberate fix.)
///
/// `params_json`: `{"authenticatorType"?: "totp", "totp": "123456", "source"?: string, "mfaToken"?: string}`.
///
/// Result: the server's `{"code": 200, "message": "..."}`.
///
/// Statuses of its own: `totp` is required: NULL, or an object without it, is `AUTHING_MFA_ERR_INVALID_ARGUMENT` before any request (the JS SDK would send a confirm that cannot succeed). A wrong code is `AUTHING_MFA_ERR_HTTP_STATUS` with `httpStatus` 400 and `code` 400.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_confirm_associate_authenticator(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::ConfirmAssociateMfaAuthenticator),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// The second factor at login: verifies a TOTP code.
///
/// Sends `POST /api/v2/mfa/totp/verify` with `{"totp"}`.
/// Token: `mfaToken`, never the user token.
///
/// `params_json`: `{"totp": "123456", "mfaToken": string}`, both required.
///
/// Result: `data`: the user, with `token`.
///
/// Statuses of its own: a missing mfaToken is refused (`AUTHING_MFA_ERR_INVALID_ARGUMENT`) before any request. A wrong or replayed code is `AUTHING_MFA_ERR_API` with `code` 6001.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_verify_totp(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::VerifyTotpMfa),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// The second factor with the single-use recovery code.
///
/// Sends `POST /api/v2/mfa/totp/recovery` with `{"recoveryCode"}`.
/// Token: `mfaToken`.
///
/// `params_json`: `{"recoveryCode": "xxxx-xxxx-xxxx-xxxx-xxxx-xxxx", "mfaToken": string}`, both required.
///
/// Result: `{"user": <data>, "recoveryCode": "<the new code>"}`: the used code is dead and Authing rotated in a new one, which the JS SDK drops (returning it is a deliberate fix); `recoveryCode` is null if the server sent none.
///
/// Statuses of its own: a wrong or used code is `AUTHING_MFA_ERR_API` with `code` 6002.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_verify_totp_recovery_code(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::VerifyTotpRecoveryCode),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// The second factor with an SMS code.
///
/// Sends `POST /api/v2/applications/mfa/sms/verify` with `{"phone", "code", "phoneCountryCode"}`.
/// Token: `mfaToken`.
///
/// `params_json`: `{"phone": string, "code": string, "mfaToken": string, "phoneCountryCode"?: string}`.
///
/// Result: `data`: the user, with `token`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_verify_app_sms(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::VerifyAppSmsMfa),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// The second factor with an email code.
///
/// Sends `POST /api/v2/applications/mfa/email/verify` with `{"email", "code"}`.
/// Token: `mfaToken`.
///
/// `params_json`: `{"email": string, "code": string, "mfaToken": string}`.
///
/// Result: `data`: the user, with `token`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_verify_app_email(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::VerifyAppEmailMfa),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Checks whether a phone number or email can be bound as a second factor.
///
/// Sends `POST /api/v2/applications/mfa/check` with `{"email", "phone"}` (absent keys left out).
/// Token: `mfaToken`.
///
/// `params_json`: `{"phone"?: string, "email"?: string, "mfaToken": string}`.
///
/// Result: `true` or `false`.
///
/// Statuses of its own: a `data` that is not a boolean is `AUTHING_MFA_ERR_DECODE`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_phone_or_email_bindable(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::PhoneOrEmailBindable),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Binds face MFA from two image URLs.
///
/// Sends `POST /api/v2/mfa/face/associate` with `{"photoA": baseFace, "photoB": compareFace, "isExternal": true}`.
/// Token: `mfaToken` when given, else the user token.
///
/// `params_json`: `{"baseFace": url, "compareFace": url, "mfaToken"?: string}`.
///
/// Result: `data`: the user.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_associate_face_by_url(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::AssociateFaceByUrl),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Binds face MFA from local image files (JS: `associateFaceByLocalFile` / `associateFaceByBlob`, which are browser-only there).
///
/// Reads each file, uploads it as multipart field `file` to `POST /api/v2/upload?folder=face-photo&private=true` (answer `data: {key, url}`), then sends `POST /api/v2/mfa/face/associate` with `{"photoA": keyA, "photoB": keyB}`. Without `compareFace` the base image is uploaded once and used for both, as in the JS SDK. Unlike the browser SDK, the uploads carry the same token and `x-authing-*` headers as the association (a native program has no browser session cookie).
/// Token: `mfaToken` when given, else the user token.
///
/// `params_json`: `{"baseFace": path, "compareFace"?: path, "mfaToken"?: string}` (file paths, UTF-8).
///
/// Result: `data`: the user.
///
/// Statuses of its own: an unreadable file, one that is not a regular file, or one larger than 16 MiB is `AUTHING_MFA_ERR_IO` (before anything is sent).
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_associate_face_by_files(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::AssociateFaceByLocalFile),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// The second factor with a face photo (JS: `verifyFaceMfa(photo, mfaToken)`).
///
/// Sends `POST /api/v2/mfa/face/verify` with `{"photo"}`.
/// Token: `mfaToken`.
///
/// `params_json`: `{"photo": string (an uploaded key or URL), "mfaToken": string}`.
///
/// Result: `data`: the user, with `token`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_verify_face(
    client: *const authing_mfa_client,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe {
        call_blocking(
            client,
            Which::Fixed(Operation::VerifyFaceMfa),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}

/// Calls any operation by its JS method name, with its JS argument object as
/// JSON: `getMfaAuthenticators`, `assosicateMfaAuthenticator` (or the
/// corrected `associateMfaAuthenticator`), `deleteMfaAuthenticator`,
/// `confirmAssosicateMfaAuthenticator` (or `confirmAssociateMfaAuthenticator`),
/// `verifyTotpMfa`, `verifyTotpRecoveryCode`, `verifyAppSmsMfa`,
/// `verifyAppEmailMfa`, `phoneOrEmailBindable`, `associateFaceByUrl`,
/// `associateFaceByLocalFile`, `associateFaceByBlob` (both: file paths),
/// `verifyFaceMfa` (`{"photo","mfaToken"}`). Parameters and results are
/// those of the matching `authing_mfa_<operation>` function. An unknown
/// name is `AUTHING_MFA_ERR_INVALID_ARGUMENT`; a NULL `method` is
/// `AUTHING_MFA_ERR_NULL_ARGUMENT`.
///
/// Conventions: see Operations in the header's preamble.
///
/// # Safety
/// Pointers are NULL or valid as described; `client` is a live handle.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_call(
    client: *const authing_mfa_client,
    method: *const c_char,
    params_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded; `method` as documented.
    unsafe {
        call_blocking(
            client,
            Which::Named(c_str(method)),
            params_json,
            out_result_json,
            out_error_json,
        )
    }
}
