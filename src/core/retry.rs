//! When a request is tried again, and after how long. Pure, apart from the
//! jitter: the transport asks [`next_wait`] after every attempt.
//!
//! Only an idempotent GET without a body is ever retried (after a network
//! failure or an answer of 429, 502, 503 or 504), since repeating it changes
//! nothing on the server. A POST or DELETE is sent once: a retried verify
//! could burn a recovery code or count twice towards a lockout (the dev
//! server's lockout test counts exactly the calls made).

use std::time::Duration;

/// Answers after which an idempotent GET is tried again.
const RETRY_STATUSES: [u16; 4] = [429, 502, 503, 504];
/// The first wait; doubled each attempt.
const BACKOFF_BASE: Duration = Duration::from_millis(100);
/// No wait is longer than this, whatever `Retry-After` asks.
const BACKOFF_CAP: Duration = Duration::from_secs(5);

/// What one attempt gave, as far as retrying is concerned.
pub(crate) enum Attempt {
    /// An answer with this HTTP status and `Retry-After` (in seconds).
    Answered(u16, Option<Duration>),
    /// No answer: connect, TLS, reset.
    NetworkFailure,
    /// Anything else (a local error, an unreadable answer): never retried.
    Other,
}

/// How long to wait before the next attempt, or `None` to stop with what
/// this attempt gave. `made` attempts were made so far (1 after the
/// first); `left` is the time until the call's deadline: a wait that would
/// end past it is not started.
pub(crate) fn next_wait(
    retryable: bool,
    attempt: Attempt,
    made: u32,
    max_retries: u32,
    left: Duration,
) -> Option<Duration> {
    if !retryable || made > max_retries {
        return None;
    }
    let retry_after = match attempt {
        Attempt::Answered(status, retry_after) if RETRY_STATUSES.contains(&status) => retry_after,
        Attempt::NetworkFailure => None,
        _ => return None,
    };
    let wait = backoff(made - 1, retry_after);
    (wait < left).then_some(wait)
}

/// Exponential backoff with full jitter (a random wait up to the doubled
/// base, so that many clients failing at once do not retry in lockstep),
/// or the server's `Retry-After`, both capped.
fn backoff(attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(ra) = retry_after {
        return ra.min(BACKOFF_CAP);
    }
    let ceiling = BACKOFF_BASE
        .saturating_mul(1u32 << attempt.min(6))
        .min(BACKOFF_CAP);
    let ms = ceiling.as_millis() as u64;
    Duration::from_millis(ms / 2 + crate::core::http::random_u64() % (ms / 2 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOTS: Duration = Duration::from_secs(60);

    #[test]
    fn only_gets_after_the_listed_failures_within_the_budget() {
        let wait = |retryable, attempt, made| next_wait(retryable, attempt, made, 2, LOTS);
        assert!(wait(true, Attempt::Answered(503, None), 1).is_some());
        assert!(wait(true, Attempt::NetworkFailure, 2).is_some());
        assert_eq!(
            wait(true, Attempt::NetworkFailure, 3),
            None,
            "maxRetries 2: three attempts"
        );
        assert_eq!(
            wait(false, Attempt::Answered(503, None), 1),
            None,
            "a POST is sent once"
        );
        assert_eq!(wait(true, Attempt::Answered(500, None), 1), None);
        assert_eq!(wait(true, Attempt::Answered(200, None), 1), None);
        assert_eq!(wait(true, Attempt::Other, 1), None);
        assert_eq!(
            next_wait(
                true,
                Attempt::Answered(429, Some(Duration::from_secs(2))),
                1,
                2,
                LOTS
            ),
            Some(Duration::from_secs(2)),
            "Retry-After honoured"
        );
        assert_eq!(
            next_wait(
                true,
                Attempt::Answered(429, Some(Duration::from_secs(60))),
                1,
                2,
                LOTS
            ),
            Some(BACKOFF_CAP),
            "and capped"
        );
        assert_eq!(
            next_wait(
                true,
                Attempt::Answered(429, Some(Duration::from_secs(2))),
                1,
                2,
                Duration::from_secs(1)
            ),
            None,
            "no wait past the deadline"
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        for attempt in 0..10 {
            let ceiling = (BACKOFF_BASE * (1 << attempt.min(6))).min(BACKOFF_CAP);
            let w = backoff(attempt, None);
            assert!(w >= ceiling / 2 && w <= ceiling, "{attempt}: {w:?}");
        }
    }
}
