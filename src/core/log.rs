//! Optional diagnostics: one process-wide sink that the transport reports
//! requests, answers and retries to.
//!
//! Messages never carry secrets: no bodies, and the `Authorization` header is
//! shown as `Bearer <redacted>`. Formatting happens only when a sink is set
//! and the level is enabled, so logging costs one atomic load otherwise.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, RwLock};

/// Severity, most severe first. The numbers are the C API's levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

/// A log sink: level and message.
pub type Sink = dyn Fn(Level, &str) + Send + Sync;

/// 0 means no sink: the fast path of `enabled`.
static MAX_LEVEL: AtomicU8 = AtomicU8::new(0);
/// Held for reading while a message is delivered, so that replacing the sink
/// (which takes it for writing) waits for deliveries in progress: after
/// `set_sink` returns, the old sink is never called again.
static SINK: RwLock<Option<Arc<Sink>>> = RwLock::new(None);

thread_local! {
    static DELIVERING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a message at `level` would be delivered.
pub fn enabled(level: Level) -> bool {
    (level as u8) <= MAX_LEVEL.load(Ordering::Relaxed)
}

/// Whether the calling thread is inside the sink right now.
pub fn in_sink() -> bool {
    DELIVERING.with(|d| d.get())
}

/// Sets (or with `None` removes) the sink. Waits for deliveries in progress
/// on other threads. Must not be called from inside the sink (it would wait
/// on itself); callers check [`in_sink`] first.
pub fn set_sink(max_level: u8, sink: Option<Arc<Sink>>) {
    let mut slot = SINK.write().unwrap_or_else(|p| p.into_inner());
    let level = if sink.is_some() {
        max_level.min(Level::Debug as u8)
    } else {
        0
    };
    *slot = sink;
    MAX_LEVEL.store(level, Ordering::Relaxed);
}

/// Delivers the message `make()` builds, if `level` is enabled.
pub fn log(level: Level, make: impl FnOnce() -> String) {
    if !enabled(level) || in_sink() {
        return;
    }
    let slot = SINK.read().unwrap_or_else(|p| p.into_inner());
    if let Some(sink) = slot.as_ref() {
        let message = make();
        DELIVERING.with(|d| d.set(true));
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink(level, &message)));
        DELIVERING.with(|d| d.set(false));
    }
}
