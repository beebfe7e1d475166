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
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::Notify;

/// Worker threads: two are plenty for an I/O-bound HTTP client, and a library
/// should not start one thread per core inside someone else's process.
const WORKER_THREADS: usize = 2;

/// Tasks a runtime thread runs before it looks at timers and I/O again
/// (tokio's default is 61). Each connection task yields after a bounded
/// amount of reading (`http::Guarded`), but a thread that ran 61 of those
/// polls in a row before looking at its timers would let a deadline pass by
/// 61 of them when servers keep a connection busy (a flood of interim
/// responses). The same for the queue of tasks started from outside the
/// runtime (every async call's task starts there): 31 polls by default,
/// behind which a call to a healthy server waited while other connections
/// kept both threads busy. A thread with nothing ready looks at once
/// anyway, so this costs only when tasks are always ready; measured with
/// `bench/run.sh`.
const EVENT_INTERVAL: u32 = 4;

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
static SHUTDOWN: AtomicBool = AtomicBool::new(false);
static REGISTRY: std::sync::LazyLock<Registry> = std::sync::LazyLock::new(|| Registry {
    ops: Mutex::new(OpMap::default()),
    idle: Condvar::new(),
    next_id: AtomicU64::new(1),
});

fn shutdown_error() -> Error {
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
fn check_not_forked() -> Result<(), Error> {
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
            .global_queue_interval(EVENT_INTERVAL)
            .enable_all()
            .build()?;
        rt.spawn(sweep_lanes_forever());
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
    let lane = Lane::take()?;
    let shared;
    let rt: &Runtime = match &lane {
        Some(lane) => &lane.lane.rt,
        None => {
            shared = handle()?;
            &shared
        }
    };
    if let Some(lane) = lane.as_ref().filter(|l| l.idle >= CATCH_UP_AFTER) {
        catch_up(&lane.lane.rt);
    }
    let token = register(None)?;
    // Boxed so that the several-kilobyte future is not copied again by
    // each layer it is moved through.
    let fut = Box::pin(fut);
    let result = rt.block_on(async {
        tokio::select! {
            biased;
            e = token.stopped() => Err(e),
            out = fut => Ok(out),
        }
    });
    deregister(token.id);
    drop(lane);
    result
}

/// At most this many blocking calls run on lanes at once; more run on the
/// multi-thread runtime. Also the number of per-lane HTTP clients a client
/// may hold (`Transport::http`).
pub(crate) const MAX_LANES: usize = 64;

/// A lane: a current-thread runtime with no thread of its own, driven by
/// the one blocking call that holds it.
///
/// Why: a blocking call that waits on the multi-thread runtime has its
/// future on the caller's thread and its connection's task on a worker, so
/// every step of an exchange is a wake-up across threads (9-10 context
/// switches per call, measured with `perf stat`). On a lane the calling
/// thread drives its connection itself and sleeps once per call, in
/// `epoll_wait`, as a plain async loop does. One runtime driven by many
/// threads (tokio allows it) was tried: one thread then drives everyone's
/// I/O and hands every answer over, and 64 threads fell from 13.5k to 10k
/// calls/s; hence one lane per concurrent call.
///
/// A connection's task lives on the runtime that opened it, so each client
/// keeps one HTTP client (and connection pool) per lane it was used on,
/// indexed by [`Lane::id`]. Lanes are made on demand, reused, and kept
/// until [`shutdown`]. A lane nobody holds is not driven, so what happened
/// to its idle connections meanwhile (closed by the server, or left behind
/// by a freed client) is handled when it is next taken
/// (`catch_up`), or by the sweep of idle lanes every 15 s
/// ([`sweep_lanes_forever`]), whichever comes first.
pub(crate) struct Lane {
    id: usize,
    rt: Runtime,
}

struct Lanes {
    /// Free lanes, with when each was given back.
    free: Vec<(Arc<Lane>, Instant)>,
    made: usize,
    /// Every lane made, for [`shutdown`].
    all: Vec<Arc<Lane>>,
}

static LANES: Mutex<Lanes> = Mutex::new(Lanes {
    free: Vec::new(),
    made: 0,
    all: Vec::new(),
});

thread_local! {
    /// The lane the calling thread holds, if any (read by the transport to
    /// pick the HTTP client of that lane).
    static CURRENT_LANE: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// The lane this thread is driving, if it is inside a blocking call on one.
pub(crate) fn current_lane() -> Option<usize> {
    CURRENT_LANE.with(|c| c.get())
}

/// A lane taken for one call; given back when dropped (also on a panic).
struct HeldLane {
    lane: Arc<Lane>,
    /// How long nobody drove it before this call (zero when new).
    idle: Duration,
}

/// A lane idle for less than this is not caught up (`catch_up`):
/// in a tight loop of calls the catching up would be a few percent of each
/// call for nothing, and a close that arrived in the last millisecond is a
/// race any client can lose.
const CATCH_UP_AFTER: Duration = Duration::from_millis(1);

impl Lane {
    /// A free lane, a new one if fewer than [`MAX_LANES`] exist, or `None`.
    fn take() -> Result<Option<HeldLane>, Error> {
        check_not_forked()?;
        let mut lanes = LANES.lock().unwrap_or_else(|p| p.into_inner());
        if SHUTDOWN.load(Ordering::Acquire) {
            return Err(shutdown_error());
        }
        let (lane, idle) = match lanes.free.pop() {
            Some((lane, since)) => (lane, since.elapsed()),
            None if lanes.made < MAX_LANES => {
                let rt = Builder::new_current_thread()
                    .event_interval(EVENT_INTERVAL)
                    .enable_all()
                    .build()
                    .map_err(|e| {
                        Error::new(
                            ErrorKind::Network,
                            format!("could not start the I/O runtime: {e}"),
                        )
                    })?;
                let lane = Arc::new(Lane { id: lanes.made, rt });
                lanes.made += 1;
                lanes.all.push(lane.clone());
                (lane, Duration::ZERO)
            }
            None => return Ok(None),
        };
        drop(lanes);
        CURRENT_LANE.with(|c| c.set(Some(lane.id)));
        Ok(Some(HeldLane { lane, idle }))
    }
}

/// Lets the lane handle what happened while nobody drove it, before the
/// call starts: above all a server closing an idle keep-alive
/// connection. Otherwise the pool would still think that connection
/// open, the call would be written to it and fail with "connection
/// closed before message completed" (a POST is never retried once
/// sent). Tokio's current-thread scheduler polls the `block_on` future
/// first, then the ready tasks, and collects I/O events when it runs out
/// of them: the first yield collects the events (waking the
/// connection's task), the second lets that task run and see the close,
/// which takes the connection out of the pool. A third for good
/// measure; each costs one `epoll_wait` with a zero timeout.
fn catch_up(rt: &Runtime) {
    rt.block_on(async {
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
    });
}

/// How often idle lanes are driven by [`sweep_lanes_forever`].
const SWEEP_EVERY: Duration = Duration::from_secs(15);

/// Every [`SWEEP_EVERY`], catches up the lanes that have been idle at least
/// that long, on a blocking-pool thread (a runtime may not be blocked on
/// from an async task). That thread exits 10 s after each sweep (tokio's
/// keep-alive), so between sweeps the library runs only its two I/O
/// threads.
///
/// Why: a lane nobody holds is not driven, and the free list hands out the
/// most recently used lane first, so in steady use the others can sit idle
/// for good, and with them their idle connections: closed by the server
/// but still holding a descriptor (CLOSE_WAIT), past the pool's 90 s idle
/// timeout, or left behind by a freed client. Driving them lets the
/// connections' tasks see the close and the pool's reaper run. Cheap: a
/// few microseconds per idle lane every 15 s.
async fn sweep_lanes_forever() {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let any_stale = LANES
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .free
            .iter()
            .any(|(_, since)| since.elapsed() >= SWEEP_EVERY);
        if any_stale && tokio::task::spawn_blocking(sweep_lanes).await.is_err() {
            return;
        }
    }
}

/// One sweep: takes the lanes idle for [`SWEEP_EVERY`] or more off the free
/// list (so no call can take them meanwhile), catches each up, and puts
/// them back at the cold end of the list with their old idle times.
fn sweep_lanes() {
    let stale: Vec<(Arc<Lane>, Instant)> = {
        let mut lanes = LANES.lock().unwrap_or_else(|p| p.into_inner());
        let (stale, fresh) = std::mem::take(&mut lanes.free)
            .into_iter()
            .partition(|(_, since)| since.elapsed() >= SWEEP_EVERY);
        lanes.free = fresh;
        stale
    };
    for (lane, _) in &stale {
        catch_up(&lane.rt);
    }
    let mut lanes = LANES.lock().unwrap_or_else(|p| p.into_inner());
    if !SHUTDOWN.load(Ordering::Acquire) {
        lanes.free.splice(0..0, stale);
    }
}

impl Drop for HeldLane {
    fn drop(&mut self) {
        CURRENT_LANE.with(|c| c.set(None));
        let mut lanes = LANES.lock().unwrap_or_else(|p| p.into_inner());
        if !SHUTDOWN.load(Ordering::Acquire) {
            lanes.free.push((self.lane.clone(), Instant::now()));
        }
    }
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
    // Lanes have no threads; dropping one closes its connections and stops
    // its blocking-pool threads (DNS lookups, file reads). A lane still held
    // by a returning call is dropped by that call.
    let lanes = {
        let mut lanes = LANES.lock().unwrap_or_else(|p| p.into_inner());
        lanes.free.clear();
        std::mem::take(&mut lanes.all)
    };
    for lane in lanes {
        if let Ok(lane) = Arc::try_unwrap(lane) {
            lane.rt
                .shutdown_timeout(deadline.saturating_duration_since(Instant::now()));
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
