//! Lanes: how a blocking call drives its own connection on its own thread.
//!
//! One type to the rest of the library: [`HeldLane`] (take one, run a
//! future on it, give it back by dropping it), and [`PerLane`], a value kept
//! once per lane plus once for the shared multi-thread runtime (each
//! client's HTTP client, since a connection lives on the runtime that
//! opened it). Which slot a `PerLane` gives is decided by the future being
//! run (a task-local set by [`HeldLane::block_on`] around exactly that
//! future), not by the thread: nothing else running on the thread, and
//! nothing left over from an earlier call, can pick the wrong pool.

use crate::core::error::{Error, ErrorKind};
use crate::core::runtime::{check_not_forked, shutdown_error, EVENT_INTERVAL, SHUTDOWN};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::runtime::{Builder, Runtime};

tokio::task_local! {
    /// The lane the future being polled runs on (unset on the shared
    /// runtime).
    static CURRENT: usize;
}

/// A value per lane, and one for the shared runtime, each made on first
/// use.
pub(crate) struct PerLane<T> {
    shared: OnceLock<T>,
    /// Boxed: a pooled HTTP client is a few hundred bytes inline, and 64
    /// slots per client made every client 22 KiB larger (1 000 clients:
    /// +21 MiB).
    lanes: OnceLock<Box<[OnceLock<Box<T>>]>>,
}

impl<T> PerLane<T> {
    pub(crate) const fn new() -> PerLane<T> {
        PerLane {
            shared: OnceLock::new(),
            lanes: OnceLock::new(),
        }
    }

    /// The value for the runtime the current future runs on.
    pub(crate) fn get(&self, make: impl FnOnce() -> T) -> &T {
        match CURRENT.try_with(|id| *id) {
            Err(_) => self.shared.get_or_init(make),
            Ok(id) => {
                let lanes = self.lanes.get_or_init(|| {
                    (0..MAX_LANES)
                        .map(|_| OnceLock::new())
                        .collect::<Vec<_>>()
                        .into_boxed_slice()
                });
                lanes[id].get_or_init(|| Box::new(make()))
            }
        }
    }
}

/// Drops every lane (at [`crate::core::runtime::shutdown`]): a lane has no
/// thread; dropping one closes its connections and stops its blocking-pool
/// threads (DNS lookups, file reads). A lane still held by a returning call
/// is dropped by that call.
pub(crate) fn shutdown(deadline: Instant) {
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
/// ([`sweep_forever`]), whichever comes first.
struct Lane {
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

/// A lane taken for one call; given back when dropped (also on a panic).
pub(crate) struct HeldLane {
    lane: Arc<Lane>,
}

/// A lane idle for less than this is not caught up (`catch_up`):
/// in a tight loop of calls the catching up would be a few percent of each
/// call for nothing, and a close that arrived in the last millisecond is a
/// race any client can lose.
const CATCH_UP_AFTER: Duration = Duration::from_millis(1);

impl HeldLane {
    /// A free lane, a new one if fewer than [`MAX_LANES`] exist, or `None`.
    /// A lane nobody drove for a while is caught up first (`catch_up`).
    pub(crate) fn take() -> Result<Option<HeldLane>, Error> {
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
        if idle >= CATCH_UP_AFTER {
            catch_up(&lane.rt);
        }
        Ok(Some(HeldLane { lane }))
    }

    /// Runs `fut` on this lane, on the calling thread. Inside, [`PerLane`]
    /// values resolve to this lane's slot.
    pub(crate) fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.lane.rt.block_on(CURRENT.scope(self.lane.id, fut))
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

/// How often idle lanes are driven by [`sweep_forever`].
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
pub(crate) async fn sweep_forever() {
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
        let mut lanes = LANES.lock().unwrap_or_else(|p| p.into_inner());
        if !SHUTDOWN.load(Ordering::Acquire) {
            lanes.free.push((self.lane.clone(), Instant::now()));
        }
    }
}
