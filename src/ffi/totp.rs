//! TOTP helpers for test automation and tools: the same code the dev server
//! uses to accept codes.

use crate::core::totp;
use crate::ffi::boundary::{run, ErrOut, Out};
use crate::ffi::status::authing_mfa_status;
use crate::ffi::strings::c_str;
use std::ffi::c_char;

/// The 6-digit TOTP code (SHA1, 30 s, as Authing issues them) for a base32
/// secret at `unix_time` (seconds since the epoch). Pass the result of
/// `time(NULL)` for "now". The secret is read case-insensitively, with
/// spaces, dashes and `=` padding ignored.
///
/// On success `*out_code` receives the code (free with
/// `authing_mfa_string_free`). Statuses: `AUTHING_MFA_OK`;
/// `AUTHING_MFA_ERR_NULL_ARGUMENT` (`secret_base32` or `out_code`);
/// `AUTHING_MFA_ERR_INVALID_UTF8`; `AUTHING_MFA_ERR_INVALID_ARGUMENT` (not
/// base32, empty, or a negative time); error JSON in `*out_error_json` when it
/// is not NULL. The error never quotes the secret. Thread-safe, never blocks.
///
/// # Safety
/// Pointers are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_totp_generate(
    secret_base32: *const c_char,
    unix_time: i64,
    out_code: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: pointers as documented, used only during this call.
    let (secret, out, err) = unsafe {
        (
            c_str(secret_base32),
            Out::new(out_code),
            ErrOut::new(out_error_json),
        )
    };
    run(err, || {
        let out = out.required("out_code")?;
        out.set(totp::generate(secret.required("secret_base32")?, unix_time)?)
    })
}

/// Parses an `otpauth://totp/<issuer>:<account>?secret=...` URI (Authing's
/// `qrcode_uri`) into JSON: `{"secret": "BASE32", "issuer": string|null,
/// "account": string, "digits": 6, "period": 30, "algorithm": "SHA1"}`.
/// Missing parameters take the RFC defaults.
///
/// On success `*out_json` receives the JSON (free with
/// `authing_mfa_string_free`). Statuses: `AUTHING_MFA_OK`;
/// `AUTHING_MFA_ERR_NULL_ARGUMENT`; `AUTHING_MFA_ERR_INVALID_UTF8`;
/// `AUTHING_MFA_ERR_INVALID_ARGUMENT` (not an otpauth TOTP URI, bad secret,
/// digits outside 6-8, period 0, unknown algorithm). The error never quotes
/// the URI (it holds the secret). Thread-safe, never blocks.
///
/// # Safety
/// Pointers are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_totp_parse_uri(
    otpauth_uri: *const c_char,
    out_json: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: pointers as documented, used only during this call.
    let (uri, out, err) = unsafe {
        (
            c_str(otpauth_uri),
            Out::new(out_json),
            ErrOut::new(out_error_json),
        )
    };
    run(err, || {
        let out = out.required("out_json")?;
        out.set(totp::parse_uri(uri.required("otpauth_uri")?)?.to_json())
    })
}

/// `authing_mfa_totp_generate` at the current time of the system clock.
/// Same ownership and statuses. Thread-safe, never blocks.
///
/// # Safety
/// Pointers are NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_totp_generate_now(
    secret_base32: *const c_char,
    out_code: *mut *mut c_char,
    out_error_json: *mut *mut c_char,
) -> authing_mfa_status {
    // SAFETY: forwarded.
    unsafe { authing_mfa_totp_generate(secret_base32, totp::now_unix(), out_code, out_error_json) }
}
