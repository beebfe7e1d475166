//! Where a C string becomes a Rust string, and a Rust string a C string.
//!
//! Inputs are borrowed only for the duration of the call and copied when
//! kept: the library never holds a caller's pointer. Outputs are allocated
//! here and must be released with `authing_mfa_string_free`, never `free()`.

use crate::core::error::{Error, ErrorKind};
use std::ffi::{c_char, CStr, CString};

/// A C string argument, read (and checked for UTF-8) when taken; whether
/// NULL is acceptable, and the name in the message, are decided where it is
/// used (`required` / `optional`).
pub(crate) struct CStrArg<'a>(Option<Result<&'a str, usize>>);

/// Reads a C string argument.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for `'a` (the current call).
pub(crate) unsafe fn c_str<'a>(p: *const c_char) -> CStrArg<'a> {
    if p.is_null() {
        return CStrArg(None);
    }
    // SAFETY: non-NULL, and the caller promises NUL termination and validity.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    CStrArg(Some(std::str::from_utf8(bytes).map_err(|e| e.valid_up_to())))
}

impl<'a> CStrArg<'a> {
    /// NULL means "not given"; bad UTF-8 is `InvalidUtf8` naming `name`.
    pub(crate) fn optional(self, name: &str) -> Result<Option<&'a str>, Error> {
        match self.0 {
            None => Ok(None),
            Some(Ok(s)) => Ok(Some(s)),
            Some(Err(offset)) => Err(Error::new(
                ErrorKind::InvalidUtf8,
                format!("`{name}` is not valid UTF-8 (invalid byte at offset {offset})"),
            )),
        }
    }

    /// NULL is `NullArgument`, bad UTF-8 `InvalidUtf8`, both naming `name`.
    pub(crate) fn required(self, name: &str) -> Result<&'a str, Error> {
        self.optional(name)?
            .ok_or_else(|| Error::new(ErrorKind::NullArgument, format!("`{name}` must not be NULL")))
    }
}

/// Hands a Rust string to C. JSON and codes never contain NUL (JSON escapes
/// it), but a NUL would otherwise truncate silently, so it is an error.
pub(crate) fn to_c(s: String) -> Result<*mut c_char, Error> {
    CString::new(s)
        .map(CString::into_raw)
        .map_err(|_| Error::new(ErrorKind::Decode, "the result contains a NUL character"))
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
