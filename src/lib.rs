//! authing-mfa: the MFA module of Authing's official JavaScript SDK
//! (`authing-js-sdk` 4.23.55, `authenticationClient.mfa`) for native programs.
//!
//! Two layers, visible in the tree:
//! - [`core`]: pure Rust, no `unsafe`: options, the HTTP transport, the one
//!   error shape, token state, the operations (the table in `core::ops`) as `async` methods of
//!   [`Client`], and TOTP helpers. Rust programs can use it directly.
//! - `ffi`: the C ABI (`include/authing_mfa.h`), which only converts pointers
//!   and UTF-8 in, JSON out, and catches panics at the boundary.

#![forbid(unsafe_op_in_unsafe_fn)]

pub mod core;
pub mod ffi;

pub use crate::core::client::Client;
pub use crate::core::error::{Error, ErrorKind};
pub use crate::core::operation::NoParams;
pub use crate::core::ops::*;
pub use crate::core::options::{Lang, Options};
pub use crate::core::secret::Secret;
pub use crate::core::totp;
pub use crate::core::transport::SDK_VERSION_HEADER;

/// Entry points for the fuzz harness (`fuzz/`): the three places hostile
/// bytes enter the library. Not part of the API; may change at any time.
#[doc(hidden)]
pub mod fuzzing {
    use crate::core::error::Error;

    /// Options JSON as `authing_mfa_client_new` reads it (no network).
    pub fn options(json: &str) -> Result<(), Error> {
        crate::Client::from_json(Some(json)).map(drop)
    }

    /// A method name and its parameters, parsed and turned into a request
    /// that is then refused before any connection (the client points at a
    /// plain-http non-loopback address, which the transport never contacts).
    pub fn call(method: &str, params: Option<&str>) -> Result<String, Error> {
        thread_local! {
            static CLIENT: crate::Client =
                crate::Client::from_json(Some(r#"{"appHost":"http://192.0.2.1","token":"t","accessToken":"a"}"#)).expect("valid");
        }
        let client = CLIENT.with(|c| c.clone());
        crate::core::runtime::block_on(client.call(method, params))?
    }

    /// An HTTP status and body, decoded as an answer.
    pub fn envelope(status: u16, body: &[u8]) -> Result<String, Error> {
        crate::core::transport::decode_for_fuzzing(status, body)
    }
}
