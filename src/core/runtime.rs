//! The one tokio runtime of the process, and the registry of operations in
//! flight on it.
//!
//! Built lazily on first use and shared by every client. Every operation,
//! blocking or async, is registered with a cancellation token while it runs,
//! so that [`shutdown`] can cancel what is in flight, wait for it, and stop
//! the runtime. The runtime is never dropped on one of its own worker threads
//! (a blocking call or shutdown from a worker is refused with
//! `WouldDeadlock` before anything waits).
//!
//! Completions of async operations fire exactly once: the completion closure
//! sits in the operation's token behind a mutex and whoever takes it first
//! (the task when it finishes or is cancelled, or `shutdown` when the task
//! did not end in time) is the only one to call it.

use crate::core::error::{Error, ErrorKind};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::Notify;

/// Worker threads: two are plenty for an I/O-bound HTTP client, and a library
/// should not start one thread per core inside someone else's process.
const WORKER_THREADS: usize = 2;

/// Why an operation was stopped.
const RUNNING: u8 = 0;
const CANCELLED: u8 = 1;
const SHUT_DOWN: u8 = 2;

type Completion = Box<dyn FnOnce(Result<String, Error>) + Send>;

/// The cancellation token and (for async operations) the completion of one
/// operation in flight.
pub struct OpToken {
    id: u64,
    state: AtomicU8,
    notify: Notify,
    completion: Mutex<Option<Completion>>,
}

impl OpToken {
    fn new(id: u64, completion: Option<Completion>) -> OpToken {
        OpToken {
            id,
            state: AtomicU8::new(RUNNING),
            notify: Notify::new(),
            completion: Mutex::new(completion),
        }
    }

    /// Asks the operation to stop. Idempotent; the first reason wins. An
    /// operation that already completed is unaffected.
    pub fn cancel(&self) {
        self.stop(CANCELLED);
    }

    fn stop(&self, why: u8) {
        let _ = self
            .state
            .compare_exchange(RUNNING, why, Ordering::AcqRel, Ordering::Acquire);
        self.notify.notify_waiters();
    }

    /// Resolves when the operation is cancelled or shut down, with the error.
    async fn stopped(&self) -> Error {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            // Register interest before reading the state, so a cancel between
            // the read and the await is not lost.
            notified.as_mut().enable();
            match self.state.load(Ordering::Acquire) {
                CANCELLED => return Error::new(ErrorKind::Cancelled, "the operation was cancelled"),
                SHUT_DOWN => {
                    return Error::new(
                        ErrorKind::Shutdown,
                        "the library was shut down (authing_mfa_shutdown)",
                    )
                }
                _ => notified.await,
            }
        }
    }

    /// Calls the completion if nobody has yet. Returns whether it was called.
    fn complete(&self, result: Result<String, Error>) -> bool {
        let completion = self.completion.lock().unwrap_or_else(|p| p.into_inner()).take();
        match completion {
            Some(f) => {
                f(result);
                true
            }
            None => false,
        }
    }
}

struct Registry {
    ops: Mutex<HashMap<u64, Arc<OpToken>>>,
    idle: Condvar,
    next_id: AtomicU64,
}

static RUNTIME: RwLock<Option<Arc<Runtime>>> = RwLock::new(None);
static SHUTDOWN: AtomicBool = AtomicBool::new(false);
static REGISTRY: std::sync::LazyLock<Registry> = std::sync::LazyLock::new(|| Registry {
    ops: Mutex::new(HashMap::new()),
    idle: Condvar::new(),
    next_id: AtomicU64::new(1),
});

fn shutdown_error() -> Error {
    Error::new(
        ErrorKind::Shutdown,
        "the library was shut down (authing_mfa_shutdown)",
    )
}

/// The shared runtime, built on first call; `Shutdown` after [`shutdown`].
pub fn handle() -> Result<Arc<Runtime>, Error> {
    if SHUTDOWN.load(Ordering::Acquire) {
        return Err(shutdown_error());
    }
    if let Some(rt) = RUNTIME.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
        return Ok(rt.clone());
    }
    let mut slot = RUNTIME.write().unwrap_or_else(|p| p.into_inner());
    if SHUTDOWN.load(Ordering::Acquire) {
        return Err(shutdown_error());
    }
    if let Some(rt) = slot.as_ref() {
        return Ok(rt.clone());
    }
    let rt = Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .thread_name("authing-mfa-worker")
        .enable_all()
        .build()
        .map_err(|e| {
            Error::new(
                ErrorKind::Network,
                format!("could not start the I/O runtime: {e}"),
            )
        })?;
    let rt = Arc::new(rt);
    *slot = Some(rt.clone());
    Ok(rt)
}

/// Whether the calling thread runs async tasks (a library worker running a
/// callback, or a caller's own tokio runtime): blocking there deadlocks.
fn on_async_thread() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}

fn would_deadlock() -> Error {
    Error::new(
        ErrorKind::WouldDeadlock,
        "a blocking authing-mfa call was made from a thread that runs async tasks (a library callback or a tokio runtime); use the async API there",
    )
}

fn register(completion: Option<Completion>) -> Arc<OpToken> {
    let id = REGISTRY.next_id.fetch_add(1, Ordering::Relaxed);
    let token = Arc::new(OpToken::new(id, completion));
    REGISTRY
        .ops
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, token.clone());
    token
}

fn deregister(id: u64) {
    let mut ops = REGISTRY.ops.lock().unwrap_or_else(|p| p.into_inner());
    ops.remove(&id);
    if ops.is_empty() {
        REGISTRY.idle.notify_all();
    }
}

/// Runs `fut` to completion on the calling thread, registered so that
/// [`shutdown`] can stop it (it then returns `Shutdown`).
///
/// Refuses with `WouldDeadlock` on a thread that runs async tasks: blocking
/// there would stall the very threads the answer must arrive on.
pub fn block_on<F: Future>(fut: F) -> Result<F::Output, Error> {
    if on_async_thread() {
        return Err(would_deadlock());
    }
    let rt = handle()?;
    let token = register(None);
    let result = rt.block_on(async {
        tokio::select! {
            biased;
            e = token.stopped() => Err(e),
            out = fut => Ok(out),
        }
    });
    deregister(token.id);
    result
}

/// Starts `fut` on the runtime and returns at once. `completion` is called
/// exactly once, on a runtime thread, with the result, or with `Cancelled`
/// or `Shutdown` if the operation is stopped first.
pub fn spawn<F>(
    fut: F,
    completion: impl FnOnce(Result<String, Error>) + Send + 'static,
) -> Result<Arc<OpToken>, Error>
where
    F: Future<Output = Result<String, Error>> + Send + 'static,
{
    let rt = handle()?;
    let token = register(Some(Box::new(completion)));
    let task_token = token.clone();
    rt.spawn(async move {
        let result = tokio::select! {
            biased;
            e = task_token.stopped() => Err(e),
            out = fut => out,
        };
        task_token.complete(result);
        deregister(task_token.id);
    });
    Ok(token)
}

/// Cancels every operation in flight (their completions fire with
/// `Shutdown`), waits up to `timeout` for them to end, fires the completions
/// of any that did not, and stops the runtime. Idempotent; afterwards every
/// call fails with `Shutdown`. Refused with `WouldDeadlock` from a thread
/// that runs async tasks (such as a callback).
pub fn shutdown(timeout: Duration) -> Result<(), Error> {
    if on_async_thread() {
        return Err(would_deadlock());
    }
    SHUTDOWN.store(true, Ordering::Release);
    let deadline = Instant::now() + timeout;
    let pending: Vec<Arc<OpToken>> = REGISTRY
        .ops
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .values()
        .cloned()
        .collect();
    for op in &pending {
        op.stop(SHUT_DOWN);
    }
    let mut ops = REGISTRY.ops.lock().unwrap_or_else(|p| p.into_inner());
    while !ops.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        ops = REGISTRY
            .idle
            .wait_timeout(ops, left)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
    let stragglers: Vec<Arc<OpToken>> = ops.drain().map(|(_, op)| op).collect();
    drop(ops);
    for op in stragglers {
        op.complete(Err(shutdown_error()));
    }
    let rt = RUNTIME.write().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(rt) = rt {
        match Arc::try_unwrap(rt) {
            Ok(rt) => rt.shutdown_timeout(deadline.saturating_duration_since(Instant::now())),
            // A blocking call is still returning on its own thread; it holds
            // the last reference and drops the runtime there (never a worker).
            Err(shared) => drop(shared),
        }
    }
    Ok(())
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

    #[test]
    fn cancel_fires_the_completion_once_with_cancelled() {
        let (tx, rx) = std::sync::mpsc::channel();
        let token = spawn(
            async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok("late".to_owned())
            },
            move |r| tx.send(r.map_err(|e| e.kind())).unwrap(),
        )
        .unwrap();
        token.cancel();
        token.cancel();
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            Err(ErrorKind::Cancelled)
        );
        assert!(
            rx.recv_timeout(Duration::from_millis(200)).is_err(),
            "exactly once"
        );
    }
}
