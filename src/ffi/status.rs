//! Status codes, the version, and status names.

use crate::core::error::ErrorKind;
use std::ffi::c_char;

/// The result of every fallible function: `AUTHING_MFA_OK` (0) or one of
/// `AUTHING_MFA_ERR_*`. Values are stable forever; a retired value is never
/// reused.
#[allow(non_camel_case_types)]
pub type authing_mfa_status = i32;

/// Success.
pub const AUTHING_MFA_OK: authing_mfa_status = 0;
/// A required pointer argument is NULL.
pub const AUTHING_MFA_ERR_NULL_ARGUMENT: authing_mfa_status = 1;
/// An input string is not valid UTF-8 (it is never silently repaired).
pub const AUTHING_MFA_ERR_INVALID_UTF8: authing_mfa_status = 2;
/// Input is not JSON, not an object, or has the wrong type for a key.
pub const AUTHING_MFA_ERR_INVALID_JSON: authing_mfa_status = 3;
/// Unknown key, missing required key, bad value, or unknown method.
pub const AUTHING_MFA_ERR_INVALID_ARGUMENT: authing_mfa_status = 4;
/// The server answered an envelope whose code is not 200 (e.g. 6001 wrong
/// TOTP, 1635 MFA required); `code`, `message` and `data` are in the error JSON.
pub const AUTHING_MFA_ERR_API: authing_mfa_status = 10;
/// A non-2xx HTTP answer; its envelope's code and message, if any, are kept.
pub const AUTHING_MFA_ERR_HTTP_STATUS: authing_mfa_status = 11;
/// Connect, DNS, TLS, reset, or a refused insecure (plain http) URL.
pub const AUTHING_MFA_ERR_NETWORK: authing_mfa_status = 12;
/// The request outlived the `timeout` option.
pub const AUTHING_MFA_ERR_TIMEOUT: authing_mfa_status = 13;
/// A 2xx answer that is not a readable envelope, or one larger than `maxResponseBytes`.
pub const AUTHING_MFA_ERR_DECODE: authing_mfa_status = 14;
/// A local file could not be read.
pub const AUTHING_MFA_ERR_IO: authing_mfa_status = 15;
/// Reserved for the async API: the operation was cancelled.
pub const AUTHING_MFA_ERR_CANCELLED: authing_mfa_status = 16;
/// Reserved for the async API: the library was shut down.
pub const AUTHING_MFA_ERR_SHUTDOWN: authing_mfa_status = 17;
/// A blocking call was made from a thread of the library's own runtime (for
/// example from inside a library callback); it would never return.
pub const AUTHING_MFA_ERR_WOULD_DEADLOCK: authing_mfa_status = 18;
/// The process was forked after the library's first use and this is the
/// child. Every function that would use the library's I/O threads or
/// connections (which belong to the parent) returns this at once and does
/// nothing; `exec` in the child, or load and use the library only there.
pub const AUTHING_MFA_ERR_FORKED: authing_mfa_status = 19;
/// A bug inside the library, caught at the boundary. Please report it.
pub const AUTHING_MFA_ERR_PANIC: authing_mfa_status = 99;

/// The library version, `"0.1.0"`: a static string, never free it.
/// Thread-safe, never blocks.
#[no_mangle]
pub extern "C" fn authing_mfa_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The operations this library runs, as a JSON array, one object each in
/// the order of the library's table: `{"name": "verifyTotpMfa", "aliases":
/// [], "cFunction": "authing_mfa_verify_totp", "keys": ["totp",
/// "mfaToken"], "http": "POST /api/v2/mfa/totp/verify", "token":
/// "mfaToken", "requiresArgument": true}`. `name` and `aliases` are what
/// `authing_mfa_call` and `authing_mfa_call_async` accept; `keys` are the
/// keys `params_json` may hold; `http` is the (last) request it sends;
/// `token` which token it carries (`"mfaToken"`, `"mfaToken or user
/// token"`, `"user token"`, `"access token"`, `"access token if set"`,
/// `"app credentials"` or `"none"`); `requiresArgument` whether a NULL `params_json` is an error.
/// More fields may be added; read the ones you need. For bindings and tools that check themselves against the library
/// they load (each binding's tests do). A static string, never free it.
/// Thread-safe, never blocks.
#[no_mangle]
pub extern "C" fn authing_mfa_operations() -> *const c_char {
    static CATALOGUE: std::sync::OnceLock<std::ffi::CString> = std::sync::OnceLock::new();
    CATALOGUE
        .get_or_init(|| {
            std::ffi::CString::new(crate::core::ops::Operation::catalogue_json())
                .expect("the catalogue has no NUL")
        })
        .as_ptr()
}

/// The name of a status, e.g. `"AUTHING_MFA_ERR_API"` for 10, `"AUTHING_MFA_OK"`
/// for 0, and `"AUTHING_MFA_UNKNOWN_STATUS"` for a value that names none.
/// A static string, never free it. Thread-safe, never blocks.
#[no_mangle]
pub extern "C" fn authing_mfa_status_name(status: authing_mfa_status) -> *const c_char {
    let name: &'static str = match ErrorKind::from_status(status) {
        Some(kind) => kind.name_nul(),
        None if status == AUTHING_MFA_OK => "AUTHING_MFA_OK\0",
        None => "AUTHING_MFA_UNKNOWN_STATUS\0",
    };
    name.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn names_match_the_core() {
        for k in ErrorKind::ALL {
            let n = unsafe { CStr::from_ptr(authing_mfa_status_name(k.status())) };
            assert_eq!(n.to_str().unwrap(), k.name());
        }
        let ok = unsafe { CStr::from_ptr(authing_mfa_status_name(0)) };
        assert_eq!(ok.to_str().unwrap(), "AUTHING_MFA_OK");
        let consts = [
            AUTHING_MFA_ERR_NULL_ARGUMENT,
            AUTHING_MFA_ERR_INVALID_UTF8,
            AUTHING_MFA_ERR_INVALID_JSON,
            AUTHING_MFA_ERR_INVALID_ARGUMENT,
            AUTHING_MFA_ERR_API,
            AUTHING_MFA_ERR_HTTP_STATUS,
            AUTHING_MFA_ERR_NETWORK,
            AUTHING_MFA_ERR_TIMEOUT,
            AUTHING_MFA_ERR_DECODE,
            AUTHING_MFA_ERR_IO,
            AUTHING_MFA_ERR_CANCELLED,
            AUTHING_MFA_ERR_SHUTDOWN,
            AUTHING_MFA_ERR_WOULD_DEADLOCK,
            AUTHING_MFA_ERR_FORKED,
            AUTHING_MFA_ERR_PANIC,
        ];
        let kinds: Vec<i32> = ErrorKind::ALL.iter().map(|k| k.status()).collect();
        assert_eq!(consts.to_vec(), kinds, "the C constants are the core's kinds");
        let v = unsafe { CStr::from_ptr(authing_mfa_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        let ops = unsafe { CStr::from_ptr(authing_mfa_operations()) };
        let ops: serde_json::Value = serde_json::from_str(ops.to_str().unwrap()).unwrap();
        assert_eq!(
            ops.as_array().unwrap().len(),
            crate::core::ops::Operation::ALL.len()
        );
        assert_eq!(ops[4]["name"], "verifyTotpMfa");
        assert_eq!(ops[4]["cFunction"], "authing_mfa_verify_totp");
        assert_eq!(ops[4]["keys"], serde_json::json!(["totp", "mfaToken"]));
        assert_eq!(
            ops[1]["aliases"],
            serde_json::json!(["associateMfaAuthenticator"])
        );
    }
}
