//! `authing_mfa_call_async` racing `authing_mfa_shutdown`: every call that
//! returned `AUTHING_MFA_OK` must call back exactly once, whatever the
//! interleaving. Shutdown is for good, so each round is a fresh process: this
//! test binary runs itself again as the child (`race_child`), 300 times.

use authing_mfa::ffi::asynk::*;
use authing_mfa::ffi::client::*;
use authing_mfa::ffi::status::*;
use std::ffi::{c_char, c_void, CString};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "AUTHING_MFA_SHUTDOWN_RACE_CHILD";
const ROUNDS: usize = 300;
const CALLERS: usize = 8;

static FIRED: AtomicUsize = AtomicUsize::new(0);
/// Callbacks that came with a status other than the two this race allows.
static ODD: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn on_done(_user: *mut c_void, status: i32, _json: *const c_char) {
    // Parameters that fail validation, or the shutdown: nothing else.
    if status != AUTHING_MFA_ERR_INVALID_ARGUMENT && status != AUTHING_MFA_ERR_SHUTDOWN {
        ODD.fetch_add(1, Ordering::SeqCst);
    }
    FIRED.fetch_add(1, Ordering::SeqCst);
}

/// One round: 8 threads start async calls in a loop (their parameters fail
/// validation at once, so no network is involved) while the main thread
/// shuts the library down. Prints what it counted.
#[test]
fn race_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let opts = CString::new(r#"{"appHost":"http://127.0.0.1:9"}"#).unwrap();
    let mut c = std::ptr::null_mut();
    assert_eq!(
        unsafe { authing_mfa_client_new(opts.as_ptr(), &mut c, std::ptr::null_mut()) },
        AUTHING_MFA_OK
    );
    let client = c as usize;
    let accepted = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let callers: Vec<_> = (0..CALLERS)
        .map(|_| {
            let accepted = accepted.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let m = CString::new("verifyTotpMfa").unwrap();
                let p = CString::new("{}").unwrap();
                let mut refused = 0;
                // Go on until well after the shutdown (the refusals after it
                // are part of the race too).
                while refused < 200 && !stop.load(Ordering::Relaxed) {
                    let s = unsafe {
                        authing_mfa_call_async(
                            client as *const authing_mfa_client,
                            m.as_ptr(),
                            p.as_ptr(),
                            Some(on_done),
                            std::ptr::null_mut(),
                            std::ptr::null_mut(),
                        )
                    };
                    match s {
                        AUTHING_MFA_OK => {
                            accepted.fetch_add(1, Ordering::SeqCst);
                        }
                        AUTHING_MFA_ERR_SHUTDOWN => refused += 1,
                        other => panic!("call_async returned {other}"),
                    }
                }
            })
        })
        .collect();
    // Let the callers get going, then shut down in the middle of them.
    let pause = std::env::var(CHILD_ENV).unwrap().parse::<u64>().unwrap_or(0) % 3000;
    std::thread::sleep(Duration::from_micros(pause));
    assert_eq!(authing_mfa_shutdown(0), AUTHING_MFA_OK);
    std::thread::sleep(Duration::from_millis(20));
    stop.store(true, Ordering::Relaxed);
    for t in callers {
        t.join().unwrap();
    }
    // A callback that a worker had already started may still be running.
    let deadline = Instant::now() + Duration::from_secs(2);
    while FIRED.load(Ordering::SeqCst) < accepted.load(Ordering::SeqCst) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    println!(
        "RACE accepted={} fired={} odd={}",
        accepted.load(Ordering::SeqCst),
        FIRED.load(Ordering::SeqCst),
        ODD.load(Ordering::SeqCst)
    );
}

#[test]
fn every_accepted_call_calls_back_once_across_300_shutdown_races() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut lost = Vec::new();
    let mut accepted_total = 0;
    // Two children at a time: one per core.
    let rounds: Vec<usize> = (0..ROUNDS).collect();
    for pair in rounds.chunks(2) {
        let children: Vec<_> = pair
            .iter()
            .map(|round| {
                let child = std::process::Command::new(&exe)
                    .args(["--exact", "race_child", "--nocapture", "--test-threads=1"])
                    .env(CHILD_ENV, (round * 7919).to_string())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap();
                (*round, child)
            })
            .collect();
        for (round, child) in children {
            let out = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "round {round}: child failed: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let line = stdout
                .lines()
                .find_map(|l| l.find("RACE ").map(|at| &l[at..]))
                .unwrap_or_else(|| panic!("round {round}: no result in {stdout}"));
            let field = |name: &str| -> usize {
                line.split_whitespace()
                    .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                    .unwrap()
                    .parse()
                    .unwrap()
            };
            let (accepted, fired, odd) = (field("accepted"), field("fired"), field("odd"));
            accepted_total += accepted;
            assert_eq!(odd, 0, "round {round}: unexpected statuses: {line}");
            if accepted != fired {
                lost.push(format!("round {round}: {line}"));
            }
        }
    }
    assert!(
        accepted_total > ROUNDS,
        "the callers were hardly ever accepted ({accepted_total} in {ROUNDS} rounds): no race was run"
    );
    assert!(lost.is_empty(), "callbacks lost or doubled:\n{}", lost.join("\n"));
}
