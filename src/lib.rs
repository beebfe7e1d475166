//! authing-mfa: the MFA module of Authing's official JavaScript SDK
//! (`authing-js-sdk` 4.23.55, `authenticationClient.mfa`) for native programs.
//!
//! Two layers, visible in the tree:
//! - [`core`]: pure Rust, no `unsafe`: options, the HTTP transport, the one
//!   error shape, token state, the thirteen operations as `async` methods of
//!   [`Client`], and TOTP helpers. Rust programs can use it directly.
//! - `ffi`: the C ABI (`include/authing_mfa.h`), which only converts pointers
//!   and UTF-8 in, JSON out, and catches panics at the boundary.

#![forbid(unsafe_op_in_unsafe_fn)]

pub mod core;
pub mod ffi;

pub use crate::core::client::Client;
pub use crate::core::error::{Error, ErrorKind};
pub use crate::core::ops::*;
pub use crate::core::options::{Lang, Options};
pub use crate::core::secret::Secret;
pub use crate::core::totp;
pub use crate::core::transport::SDK_VERSION_HEADER;
