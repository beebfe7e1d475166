//! The C ABI. Every function here only converts: C strings in (checked for
//! NULL and strict UTF-8), JSON strings out, errors as a status plus optional
//! error JSON, panics caught. No MFA logic lives here.
//!
//! cbindgen reads this module to write `include/authing_mfa.h`; the doc
//! comments below are the header's reference manual.

pub mod android;
pub mod asynk;
pub mod boundary;
pub mod client;
pub mod factors;
pub mod log;
pub mod login;
pub mod ops;
pub mod status;
pub mod strings;
pub mod totp;
