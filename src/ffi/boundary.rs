//! The boundary every `extern "C"` body goes through.
//!
//! The shape of every public function: its pointers are converted in one
//! `unsafe` statement at the top (`c_str`, `Out::new`, `ErrOut::new`,
//! `client_arg`), each helper stating the contract it relies on; the rest of
//! the body is safe code inside [`run`], which catches panics (a panic
//! unwinding out of `extern "C"` would abort the host process) and turns an
//! `Error` into a status plus error JSON.

use crate::core::error::{Error, ErrorKind};
use crate::ffi::status::{authing_mfa_status, AUTHING_MFA_OK};
use crate::ffi::strings::to_c;
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// An out-pointer of any type (`char *`, a client handle, an operation
/// handle): set to NULL as soon as it is taken, so that it is NULL on every
/// failure, and written only on success.
///
/// Made only by the `unsafe` [`Out::new`], whose contract (NULL or valid
/// for writing one pointer for the rest of the call) is what makes its
/// safe methods sound. Never kept past the call that made it.
pub(crate) struct Out<T>(*mut *mut T);

impl<T> Out<T> {
    /// Takes an out-pointer and sets it to NULL.
    ///
    /// # Safety
    /// `p` is NULL or valid for writing one pointer until the current
    /// `extern "C"` call returns.
    pub(crate) unsafe fn new(p: *mut *mut T) -> Out<T> {
        if !p.is_null() {
            // SAFETY: non-NULL and writable per the caller's contract.
            unsafe { *p = std::ptr::null_mut() };
        }
        Out(p)
    }

    /// The out-pointer, or `NullArgument` naming it if it is NULL.
    pub(crate) fn required(self, name: &str) -> Result<Out<T>, Error> {
        if self.0.is_null() {
            Err(Error::new(
                ErrorKind::NullArgument,
                format!("`{name}` must not be NULL"),
            ))
        } else {
            Ok(self)
        }
    }

    /// Hands `value` to the caller (a no-op for an optional out-pointer the
    /// caller left NULL, in which case `value` is dropped).
    pub(crate) fn put_box(self, value: Box<T>) {
        if !self.0.is_null() {
            // SAFETY: non-NULL and writable per `new`'s contract.
            unsafe { *self.0 = Box::into_raw(value) };
        }
    }
}

impl Out<c_char> {
    /// Hands a string to the caller (free with `authing_mfa_string_free`).
    pub(crate) fn set(self, s: String) -> Result<(), Error> {
        let c = to_c(s)?;
        if self.0.is_null() {
            // An optional string out-pointer left NULL: do not leak.
            // SAFETY: `c` was made by `CString::into_raw` just above.
            drop(unsafe { std::ffi::CString::from_raw(c) });
        } else {
            // SAFETY: non-NULL and writable per `new`'s contract.
            unsafe { *self.0 = c };
        }
        Ok(())
    }
}

/// The error out-pointer of a function: NULL (the caller wants no details)
/// or where the error JSON goes.
pub(crate) struct ErrOut(Out<c_char>);

impl ErrOut {
    /// # Safety
    /// As [`Out::new`].
    pub(crate) unsafe fn new(p: *mut *mut c_char) -> ErrOut {
        // SAFETY: forwarded.
        ErrOut(unsafe { Out::new(p) })
    }

    /// For functions without an error out-pointer.
    pub(crate) fn none() -> ErrOut {
        ErrOut(Out(std::ptr::null_mut()))
    }
}

/// Runs `body`: the status, and the error JSON in `err` on failure.
pub(crate) fn run(err: ErrOut, body: impl FnOnce() -> Result<(), Error>) -> authing_mfa_status {
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
            // A NUL in the error JSON cannot happen (JSON escapes it); if
            // it did, the caller still gets the status.
            let _ = err.0.set(e.to_json());
            e.kind().status()
        }
    }
}

/// [`run`] for functions without an error out-pointer.
pub(crate) fn run_no_error(body: impl FnOnce() -> Result<(), Error>) -> authing_mfa_status {
    run(ErrOut::none(), body)
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
        let status = run(unsafe { ErrOut::new(&mut err) }, || panic!("boom"));
        std::panic::set_hook(prev);
        assert_eq!(status, ErrorKind::Panic.status());
        let json = unsafe { CStr::from_ptr(err) }.to_str().unwrap().to_owned();
        assert!(json.contains("AUTHING_MFA_ERR_PANIC") && json.contains("boom"));
        unsafe { crate::ffi::strings::authing_mfa_string_free(err) };
    }

    #[test]
    fn out_pointers_are_nulled_on_entry_and_optional_ones_do_not_leak() {
        let mut p: *mut c_char = std::ptr::dangling_mut();
        let out = unsafe { Out::new(&mut p) };
        assert!(p.is_null());
        out.set("x".into()).unwrap();
        assert!(!p.is_null());
        unsafe { crate::ffi::strings::authing_mfa_string_free(p) };
        let none: Out<c_char> = unsafe { Out::new(std::ptr::null_mut()) };
        assert_eq!(
            none.required("out").err().unwrap().kind(),
            ErrorKind::NullArgument
        );
        let none: Out<c_char> = unsafe { Out::new(std::ptr::null_mut()) };
        none.set("dropped, not leaked".into()).unwrap();
    }
}
