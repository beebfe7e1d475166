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
use crate::core::lanes::{self, HeldLane};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::Notify;

/// Worker threads: two are plenty for an I/O-bound HTTP client, and a library
/// should not start one thread per core inside someone else's process.
const WORKER_THREADS: usize = 2;

/// Tasks a runtime thread runs before it looks at timers and I/O again:
/// tokio's default, stated here because the flood defence was once built on
/// a smaller value.
///
/// A connection flooded with interim responses is always ready to read;
/// its task yields after a bounded amount of reading (`http::Guarded`), and
/// it yields with `tokio::task::yield_now`, which has the runtime wake it
/// only after the thread has run its other ready tasks and looked at its
/// timers and I/O. So a flooded connection runs at most once per look at
/// the timers, whatever this interval, and deadlines hold (measured in
/// `tests/interim_flood.rs`: 1-5 ms late in a release build, as with the
/// earlier interval of 4).
///
/// Why not 4 any more: with every task woken straight back into the run
/// queue, 4 was what kept deadlines (61 let them slip by 8-13 ms), but it
/// made a thread with many ready tasks look at I/O every 4 polls: with
/// 1 024 calls in flight, 0.48 `epoll_wait` per call instead of 0.03, twice
/// the context switches, and 15-20 % more CPU per call in the process (and
/// in the server, which got its requests in smaller batches); see the
/// README's "Performance".
pub(crate) const EVENT_INTERVAL: u32 = 61;

/// Tasks a runtime thread runs before it looks at the queue of tasks started
/// from outside the runtime (tokio's default). A flooded connection's task
/// does not hold a thread past it: it is woken only after the thread ran
/// out of other work (see [`EVENT_INTERVAL`]), and a thread with no local
/// work takes from that queue at once.
const GLOBAL_QUEUE_INTERVAL: u32 = 31;

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
        self.complete_with(|| result)
    }

    /// As `complete`, making the result only if the completion is called.
    fn complete_with(&self, result: impl FnOnce() -> Result<String, Error>) -> bool {
        let completion = self.completion.lock().unwrap_or_else(|p| p.into_inner()).take();
        match completion {
            Some(f) => {
                f(result());
                true
            }
            None => false,
        }
    }
}

/// Operation ids are unique counters: hashing them with SipHash (the
/// default, built against collision attacks on untrusted keys) is wasted
/// work on every call.
#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        // Spread the counter's low bits over the whole word (Fibonacci
        // hashing), since hashbrown takes its bucket from the top bits.
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type OpMap = HashMap<u64, Arc<OpToken>, std::hash::BuildHasherDefault<IdHasher>>;

struct Registry {
    ops: Mutex<OpMap>,
    idle: Condvar,
    next_id: AtomicU64,
}

static RUNTIME: RwLock<Option<Arc<Runtime>>> = RwLock::new(None);
pub(crate) static SHUTDOWN: AtomicBool = AtomicBool::new(false);
static REGISTRY: std::sync::LazyLock<Registry> = std::sync::LazyLock::new(|| Registry {
    ops: Mutex::new(OpMap::default()),
    idle: Condvar::new(),
    next_id: AtomicU64::new(1),
});

pub(crate) fn shutdown_error() -> Error {
    Error::new(
        ErrorKind::Shutdown,
        "the library was shut down (authing_mfa_shutdown)",
    )
}

/// The process that first used the library (0 before that).
static OWNER_PID: AtomicU32 = AtomicU32::new(0);

/// Refuses with `Forked` in a child forked after the library's first use.
///
/// Why a refusal rather than a fresh start: the child inherits the parent's
/// runtime, lanes and connections as copied memory, without the threads
/// that drive them, and shares the parent's epoll instance and sockets.
/// Anything the child does with them changes the parent's (deregistering a
/// socket from the shared epoll instance broke the parent's next call), a
/// lock a parent thread held at the fork is held for good in the child, and
/// an async call would wait for threads that do not exist there. So the
/// check comes before any lock or I/O, and in the child every entry into
/// the runtime stops here (clients dropped there leak their connections'
/// memory rather than touch them: see `Transport`'s `Drop`).
///
/// One `getpid` system call per call (glibc no longer caches it), about
/// 50 ns against the tens of microseconds of a call.
pub(crate) fn check_not_forked() -> Result<(), Error> {
    let pid = std::process::id();
    match OWNER_PID.compare_exchange(0, pid, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => Ok(()),
        Err(owner) if owner == pid => Ok(()),
        Err(_) => Err(Error::new(
            ErrorKind::Forked,
            "this process is a fork of the one that first used authing-mfa: the library's I/O threads and connections belong to the parent and cannot be used here (exec in the child, or load the library only after the fork)",
        )),
    }
}

/// Whether this is a child forked after the library's first use.
pub(crate) fn in_forked_child() -> bool {
    let owner = OWNER_PID.load(Ordering::Acquire);
    owner != 0 && owner != std::process::id()
}

/// The shared runtime, built on first call; `Shutdown` after [`shutdown`],
/// `Forked` in a forked child.
pub fn handle() -> Result<Arc<Runtime>, Error> {
    check_not_forked()?;
    get_or_build(&RUNTIME, || {
        let rt = Builder::new_multi_thread()
            .worker_threads(WORKER_THREADS)
            .thread_name("authing-mfa-worker")
            .event_interval(EVENT_INTERVAL)
            .global_queue_interval(GLOBAL_QUEUE_INTERVAL)
            .enable_all()
            .build()?;
        rt.spawn(lanes::sweep_forever());
        Ok(rt)
    })
}

fn get_or_build(
    slot: &RwLock<Option<Arc<Runtime>>>,
    build: impl FnOnce() -> std::io::Result<Runtime>,
) -> Result<Arc<Runtime>, Error> {
    if SHUTDOWN.load(Ordering::Acquire) {
        return Err(shutdown_error());
    }
    if let Some(rt) = slot.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
        return Ok(rt.clone());
    }
    let mut slot = slot.write().unwrap_or_else(|p| p.into_inner());
    if SHUTDOWN.load(Ordering::Acquire) {
        return Err(shutdown_error());
    }
    if let Some(rt) = slot.as_ref() {
        return Ok(rt.clone());
    }
    let rt = build().map_err(|e| {
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

/// Enters an operation into the registry, or refuses it with `Shutdown`.
///
/// The flag is read under the registry's lock, the lock `shutdown` takes
/// (after setting the flag) to list what is in flight: so an operation is
/// either refused here or in that list, and its completion fires either
/// way. Checking the flag anywhere else (as `handle()` does) leaves a gap
/// in which an operation is accepted after shutdown listed the others, and
/// its task is then dropped with the runtime without calling back.
fn register(completion: Option<Completion>) -> Result<Arc<OpToken>, Error> {
    let id = REGISTRY.next_id.fetch_add(1, Ordering::Relaxed);
    let mut ops = REGISTRY.ops.lock().unwrap_or_else(|p| p.into_inner());
    if SHUTDOWN.load(Ordering::Acquire) {
        // The completion is dropped uncalled: the caller is told by the
        // returned error instead.
        return Err(shutdown_error());
    }
    let token = Arc::new(OpToken::new(id, completion));
    ops.insert(id, token.clone());
    Ok(token)
}

fn deregister(id: u64) {
    let mut ops = REGISTRY.ops.lock().unwrap_or_else(|p| p.into_inner());
    ops.remove(&id);
    // Only `shutdown` waits on `idle`, and it sets SHUTDOWN before taking
    // this lock, so under the lock the flag is seen whenever it matters. (A
    // notify costs a futex system call even with nobody waiting: one per
    // call, measured.)
    if ops.is_empty() && SHUTDOWN.load(Ordering::Acquire) {
        REGISTRY.idle.notify_all();
    }
}

/// Runs `fut` to completion on the calling thread, registered so that
/// [`shutdown`] can stop it (it then returns `Shutdown`).
///
/// The call runs on a free lane (see `Lane`) where the calling thread
/// drives its own connection; only when all `MAX_LANES` lanes are taken
/// does it run on the multi-thread runtime, with its connection's task on a
/// worker.
///
/// Refuses with `WouldDeadlock` on a thread that runs async tasks: blocking
/// there would stall the very threads the answer must arrive on.
pub fn block_on<F: Future>(fut: F) -> Result<F::Output, Error> {
    if on_async_thread() {
        return Err(would_deadlock());
    }
    let lane = HeldLane::take()?;
    let token = register(None)?;
    // Boxed so that the several-kilobyte future is not copied again by
    // each layer it is moved through.
    let fut = Box::pin(fut);
    let guarded = async {
        tokio::select! {
            biased;
            e = token.stopped() => Err(e),
            out = fut => Ok(out),
        }
    };
    let result = match &lane {
        Some(lane) => lane.block_on(guarded),
        None => handle()?.block_on(guarded),
    };
    deregister(token.id);
    drop(lane);
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
    let token = register(Some(Box::new(completion)))?;
    let finish = Finish(token.clone());
    // Boxed: an operation's future is several kilobytes, and tokio would
    // otherwise copy it into the task and again on every move (memmove was
    // the largest single symbol in a profile of the async benchmark).
    let fut = Box::pin(fut);
    rt.spawn(async move {
        let result = tokio::select! {
            biased;
            e = finish.0.stopped() => Err(e),
            out = fut => out,
        };
        finish.0.complete(result);
    });
    Ok(token)
}

/// Owned by an async operation's task: when the task ends, however it ends,
/// the operation leaves the registry, and if the task ended without calling
/// back (it panicked, or its runtime dropped it unfinished) the completion
/// fires now, with `Panic` or `Shutdown`. `complete` does nothing if the
/// completion already fired, so the normal path pays one uncontended lock.
struct Finish(Arc<OpToken>);

impl Drop for Finish {
    fn drop(&mut self) {
        let panicking = std::thread::panicking();
        self.0.complete_with(|| {
            Err(if panicking {
                Error::new(
                    ErrorKind::Panic,
                    "the operation panicked inside the library (a bug: please report it)",
                )
            } else {
                shutdown_error()
            })
        });
        deregister(self.0.id);
    }
}

/// Cancels every operation in flight (their completions fire with
/// `Shutdown`), waits up to `timeout` for them to end, fires the completions
/// of any that did not, and stops the runtime. Idempotent; afterwards every
/// call fails with `Shutdown`. Refused with `WouldDeadlock` from a thread
/// that runs async tasks (such as a callback), and with `Forked` (doing
/// nothing: the runtime is the parent's) in a forked child.
pub fn shutdown(timeout: Duration) -> Result<(), Error> {
    check_not_forked()?;
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
    lanes::shutdown(deadline);
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
    fn a_panicking_operation_still_calls_back_once_with_panic() {
        let (tx, rx) = std::sync::mpsc::channel();
        spawn(
            async {
                if std::hint::black_box(true) {
                    panic!("a bug inside an operation");
                }
                Ok(String::new())
            },
            move |r| tx.send(r.map_err(|e| e.kind())).unwrap(),
        )
        .unwrap();
        assert_eq!(
            rx.recv_timeout(Duration::from_secs(5)).unwrap(),
            Err(ErrorKind::Panic)
        );
        assert!(
            rx.recv_timeout(Duration::from_millis(200)).is_err(),
            "exactly once"
        );
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
