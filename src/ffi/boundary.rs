//! The one boundary helper every `extern "C"` body runs in: it sets the error
//! out-pointer to NULL, catches panics (a panic unwinding out of `extern "C"`
//! would abort the host process), and turns an `Error` into a status plus
//! error JSON.

use crate::core::error::{Error, ErrorKind};
use crate::ffi::status::{authing_mfa_status, AUTHING_MFA_OK};
use crate::ffi::strings::to_c;
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `body`. `out_error` may be NULL (the caller does not want details).
///
/// # Safety
/// `out_error` is NULL or valid for writing one pointer.
pub(crate) unsafe fn run(
    out_error: *mut *mut c_char,
    body: impl FnOnce() -> Result<(), Error>,
) -> authing_mfa_status {
    if !out_error.is_null() {
        // SAFETY: non-NULL and writable per the caller's contract.
        unsafe { *out_error = std::ptr::null_mut() };
    }
    // AssertUnwindSafe: after a panic nothing the closure touched is used
    // again except through locks that tolerate poisoning.
    let result = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(Error::new(
            ErrorKind::Panic,
            format!("internal error in authing-mfa (please report): {what}"),
        ))
    });
    match result {
        Ok(()) => AUTHING_MFA_OK,
        Err(e) => {
            if !out_error.is_null() {
                if let Ok(json) = to_c(e.to_json()) {
                    // SAFETY: as above.
                    unsafe { *out_error = json };
                }
            }
            e.kind().status()
        }
    }
}

/// For functions without an error out-pointer.
pub(crate) fn run_no_error(body: impl FnOnce() -> Result<(), Error>) -> authing_mfa_status {
    // SAFETY: a NULL out_error is never written.
    unsafe { run(std::ptr::null_mut(), body) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn panics_become_a_status_and_error_json() {
        let mut err: *mut c_char = std::ptr::null_mut();
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let status = unsafe { run(&mut err, || panic!("boom")) };
        std::panic::set_hook(prev);
        assert_eq!(status, ErrorKind::Panic.status());
        let json = unsafe { CStr::from_ptr(err) }.to_str().unwrap().to_owned();
        assert!(json.contains("AUTHING_MFA_ERR_PANIC") && json.contains("boom"));
        unsafe { crate::ffi::strings::authing_mfa_string_free(err) };
    }
}
