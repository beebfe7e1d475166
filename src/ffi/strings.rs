//! Where a C string becomes a Rust string, and a Rust string a C string.
//!
//! Inputs are borrowed only for the duration of the call and copied when
//! kept: the library never holds a caller's pointer. Outputs are allocated
//! here and must be released with `authing_mfa_string_free`, never `free()`.

use crate::core::error::{Error, ErrorKind};
use std::ffi::{c_char, CStr, CString};

/// A required input string: NULL is `NullArgument`, bad UTF-8 `InvalidUtf8`.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn required_str<'a>(p: *const c_char, name: &str) -> Result<&'a str, Error> {
    // SAFETY: forwarded from the caller.
    unsafe { optional_str(p, name) }?
        .ok_or_else(|| Error::new(ErrorKind::NullArgument, format!("`{name}` must not be NULL")))
}

/// An input string where NULL means "not given".
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn optional_str<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>, Error> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL, and the caller promises NUL termination and validity.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes).map(Some).map_err(|e| {
        Error::new(
            ErrorKind::InvalidUtf8,
            format!(
                "`{name}` is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// Hands a Rust string to C. JSON and codes never contain NUL (JSON escapes
/// it), but a NUL would otherwise truncate silently, so it is an error.
pub(crate) fn to_c(s: String) -> Result<*mut c_char, Error> {
    CString::new(s)
        .map(CString::into_raw)
        .map_err(|_| Error::new(ErrorKind::Decode, "the result contains a NUL character"))
}

/// An out-parameter that receives a string: checked for NULL and set to NULL
/// on entry, written only on success.
pub(crate) struct OutStr(*mut *mut c_char);

impl OutStr {
    /// A required out-pointer.
    ///
    /// # Safety
    /// `p` is NULL or valid for writing one pointer.
    pub(crate) unsafe fn required(p: *mut *mut c_char, name: &str) -> Result<OutStr, Error> {
        if p.is_null() {
            return Err(Error::new(
                ErrorKind::NullArgument,
                format!("`{name}` must not be NULL"),
            ));
        }
        // SAFETY: non-NULL and writable per the caller's contract.
        unsafe { *p = std::ptr::null_mut() };
        Ok(OutStr(p))
    }

    /// Stores `s`.
    pub(crate) fn set(self, s: String) -> Result<(), Error> {
        let c = to_c(s)?;
        // SAFETY: checked non-NULL and writable in `required`.
        unsafe { *self.0 = c };
        Ok(())
    }
}

/// Frees a string this library returned (result JSON, error JSON, a TOTP
/// code). NULL is a no-op. Passing any other pointer, or freeing twice, is
/// undefined behaviour. Thread-safe, never blocks.
///
/// # Safety
/// `s` is NULL or a string returned by this library and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn authing_mfa_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: the caller returns a pointer made by `CString::into_raw`.
        drop(unsafe { CString::from_raw(s) });
    }
}
