//! The one tokio runtime of the process.
//!
//! Built lazily on first use and never dropped (it lives in a `static`), so it
//! is never torn down on one of its own worker threads, and every client
//! shares its threads and timers instead of starting its own. The operations
//! of the core are `async`; the blocking C functions drive them here.

use crate::core::error::{Error, ErrorKind};
use std::future::Future;
use std::sync::OnceLock;
use tokio::runtime::{Builder, Runtime};

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// Worker threads: two are plenty for an I/O-bound HTTP client, and a library
/// should not start one thread per core inside someone else's process.
const WORKER_THREADS: usize = 2;

/// The shared runtime, built on first call.
pub fn runtime() -> Result<&'static Runtime, Error> {
    RUNTIME
        .get_or_init(|| {
            Builder::new_multi_thread()
                .worker_threads(WORKER_THREADS)
                .thread_name("authing-mfa-worker")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| {
            Error::new(
                ErrorKind::Network,
                format!("could not start the I/O runtime: {e}"),
            )
        })
}

/// Runs `fut` to completion on the calling thread.
///
/// Refuses with `WouldDeadlock` when the caller is already inside a tokio
/// runtime (a library callback, or a Rust caller's async task): blocking there
/// would stall the very threads the answer must arrive on, and tokio would
/// panic.
pub fn block_on<F: Future>(fut: F) -> Result<F::Output, Error> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::new(
            ErrorKind::WouldDeadlock,
            "a blocking authing-mfa call was made from a thread that runs async tasks (a library callback or a tokio runtime); use the async API there",
        ));
    }
    Ok(runtime()?.block_on(fut))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_runs_and_refuses_nesting() {
        assert_eq!(block_on(async { 7 }).unwrap(), 7);
        let inner = block_on(async { block_on(async { 1 }).map_err(|e| e.kind()) }).unwrap();
        assert_eq!(inner, Err(ErrorKind::WouldDeadlock));
    }
}
