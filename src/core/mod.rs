//! The pure-Rust core: no `unsafe`, no C types. Rust programs can use it
//! directly; the `ffi` layer only converts pointers and strings around it.
//! No `unsafe` here, enforced: every pointer is converted in `ffi`.

#![forbid(unsafe_code)]

pub(crate) mod args;
pub mod client;
pub(crate) mod envelope;
pub mod error;
pub(crate) mod factors;
pub(crate) mod graphql;
pub(crate) mod graphql_documents;
pub(crate) mod http;
pub(crate) mod lanes;
pub mod log;
pub(crate) mod login;
pub(crate) mod operation;
pub mod ops;
pub mod options;
pub(crate) mod retry;
pub mod runtime;
pub mod secret;
pub(crate) mod tls;
pub mod totp;
pub mod transport;
