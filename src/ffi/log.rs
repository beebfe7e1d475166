//! The log callback.

use crate::core::error::{Error, ErrorKind};
use crate::core::log::{self, Level};
use crate::ffi::boundary::run_no_error;
use crate::ffi::status::authing_mfa_status;
use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

/// Log level: failures the caller will also see as a status.
pub const AUTHING_MFA_LOG_ERROR: i32 = 1;
/// Log level: failed requests and retries.
pub const AUTHING_MFA_LOG_WARN: i32 = 2;
/// Log level: one line per completed request (method, path, outcome, time).
pub const AUTHING_MFA_LOG_INFO: i32 = 3;
/// Log level: request headers too (`Authorization` shown as `Bearer <redacted>`).
pub const AUTHING_MFA_LOG_DEBUG: i32 = 4;

/// Receives one log line. `message` is borrowed for the call only. Called on
/// the thread that made the request (the caller's thread for blocking calls,
/// a library thread for async ones), possibly on several threads at once.
/// It must return promptly and must not call `authing_mfa_set_log_callback`.
#[allow(non_camel_case_types)]
pub type authing_mfa_log_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: i32, message: *const c_char)>;

struct UserData(*mut c_void);
// SAFETY: only handed back to the caller's callback, which the caller
// declared callable from any thread by installing it.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

/// Installs (or, with a NULL `callback`, removes) the process-wide log
/// callback, which receives messages up to `max_level`
/// (`AUTHING_MFA_LOG_ERROR` 1 to `AUTHING_MFA_LOG_DEBUG` 4; values above 4
/// mean 4). Messages never contain secrets: no request or response bodies,
/// and the Authorization header appears as `Bearer <redacted>`.
///
/// Replacing or removing the callback waits for calls of the old one in
/// progress on other threads: once this returns, the old callback and its
/// `user_data` are no longer used.
///
/// Statuses: `AUTHING_MFA_OK`; `AUTHING_MFA_ERR_INVALID_ARGUMENT`
/// (`max_level` below 1 with a callback); `AUTHING_MFA_ERR_WOULD_DEADLOCK`
/// (called from inside the log callback). Thread-safe.
///
/// # Safety
/// `callback` is NULL or a function that may be called from any thread with
/// `user_data` until it is replaced.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_set_log_callback(
    max_level: i32,
    callback: authing_mfa_log_callback,
    user_data: *mut c_void,
) -> authing_mfa_status {
    run_no_error(|| {
        if log::in_sink() {
            return Err(Error::new(
                ErrorKind::WouldDeadlock,
                "authing_mfa_set_log_callback was called from inside the log callback",
            ));
        }
        let Some(callback) = callback else {
            log::set_sink(0, None);
            return Ok(());
        };
        if max_level < 1 {
            return Err(Error::invalid_argument(
                "max_level must be 1 (error) to 4 (debug)",
            ));
        }
        let user = UserData(user_data);
        let sink = move |level: Level, message: &str| {
            let text = CString::new(message.replace('\0', " ")).unwrap_or_default();
            let user = &user;
            // SAFETY: the caller installed a valid callback for this user_data.
            unsafe { callback(user.0, level as i32, text.as_ptr()) };
        };
        log::set_sink(max_level.min(4) as u8, Some(Arc::new(sink)));
        Ok(())
    })
}
