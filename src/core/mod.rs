//! The pure-Rust core: no `unsafe`, no C types. Rust programs can use it
//! directly; the `ffi` layer only converts pointers and strings around it.

pub mod error;
pub mod secret;
pub mod totp;
