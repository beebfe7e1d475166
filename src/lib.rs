//! authing-mfa: the MFA module of Authing's official JavaScript SDK
//! (`authing-js-sdk` 4.23.55, `authenticationClient.mfa`) for native programs.

pub mod core;

pub use crate::core::error::{Error, ErrorKind};
pub use crate::core::secret::Secret;
pub use crate::core::totp;
