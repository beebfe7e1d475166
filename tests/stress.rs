//! 64 threads share one client, change its token as they go, and make
//! 100 000 calls (AUTHING_MFA_STRESS_CALLS overrides the count): zero
//! failures, and every request carries a whole token, never a torn one.
//! Memory use is printed for information (the benchmark measures it; no
//! test asserts on timing or RSS).

mod common;

use authing_mfa::Client;
use common::*;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn sixty_four_threads_one_client_many_calls() {
    let total: usize = std::env::var("AUTHING_MFA_STRESS_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let threads = 64;
    let rt = server_runtime();
    // Thread i's token is one character of its own, repeated 8 + i times:
    // any two tokens differ at every position and in length, so a value torn
    // between any two of them (or cut short, or run long) is none of them.
    const CHARS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let token = |i: usize| char::from(CHARS[i]).to_string().repeat(8 + i);
    let tokens: HashSet<String> = (0..threads).map(token).collect();
    // The server's check (below) is "one of these tokens": it sees every
    // tear of one token by another, at any point, and every cut-short token.
    for a in 0..threads {
        for b in (0..threads).filter(|&b| b != a) {
            let (a, b) = (token(a), token(b));
            for cut in 1..a.len() {
                let torn = format!("{}{}", &a[..cut], b.get(cut..).unwrap_or(""));
                assert!(!tokens.contains(&torn), "a torn token passes the check: {torn}");
            }
        }
    }
    let torn = Arc::new(AtomicUsize::new(0));
    let t = torn.clone();
    let rec = Recorder::start_with(&rt, false, move |r| {
        let auth = r.header("authorization").unwrap_or("");
        let is_whole = auth
            .strip_prefix("Bearer ")
            .is_some_and(|tok| tokens.contains(tok));
        if !is_whole {
            t.fetch_add(1, Ordering::Relaxed);
        }
        Reply::Json(200, ok("[]"))
    });
    let c = Client::from_json(Some(&format!(
        r#"{{"appHost":"{}","token":"{}"}}"#,
        rec.url,
        token(0)
    )))
    .unwrap();
    let before = rss_kib();
    let failures = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for i in 0..threads {
            let c = c.clone();
            let (failures, done) = (&failures, &done);
            s.spawn(move || {
                let token = token(i);
                let share = total / threads + usize::from(i < total % threads);
                for n in 0..share {
                    if n % 16 == 0 {
                        c.set_token(Some(&token)).unwrap();
                    }
                    let params = if n % 2 == 0 {
                        None
                    } else {
                        Some(r#"{"type":"totp"}"#)
                    };
                    match block(c.call("getMfaAuthenticators", params)) {
                        Ok(r) if r == "[]" => {}
                        _ => {
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    let after = rss_kib();
    let calls = done.load(Ordering::Relaxed);
    eprintln!("stress: {calls} calls from {threads} threads; RSS before {before:?} KiB, after {after:?} KiB");
    assert_eq!(calls, total);
    assert_eq!(failures.load(Ordering::Relaxed), 0);
    assert_eq!(torn.load(Ordering::Relaxed), 0);
}
