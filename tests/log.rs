//! The log callback. In its own test binary: the sink is process-wide, and
//! other tests' requests would otherwise show up in its lines.

mod common;

use authing_mfa::Client;
use common::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const VERIFY: &str = r#"{"totp":"135792","mfaToken":"PLANTED-mfa-token-7f3a"}"#;

fn client(url: &str, extra: &str) -> Client {
    Client::from_json(Some(&format!(r#"{{"appHost":"{url}"{extra}}}"#))).unwrap()
}

/// 503 for the first `fail` requests, then success.
fn failing_first(fail: usize) -> impl Fn(&Recorded) -> Reply {
    let n = AtomicUsize::new(0);
    move |_| {
        if n.fetch_add(1, Ordering::SeqCst) < fail {
            Reply::Full(503, vec![], br#"{"code":503,"message":"busy"}"#.to_vec())
        } else {
            Reply::Json(200, ok("[]"))
        }
    }
}

#[test]
fn the_log_callback_reports_requests_and_retries_without_secrets() {
    use authing_mfa::ffi::log::*;
    use std::ffi::{c_char, c_void, CStr};
    static LINES: Mutex<Vec<(i32, String)>> = Mutex::new(Vec::new());
    unsafe extern "C" fn sink(_u: *mut c_void, level: i32, msg: *const c_char) {
        let msg = unsafe { CStr::from_ptr(msg) }.to_string_lossy().into_owned();
        LINES.lock().unwrap().push((level, msg));
    }
    unsafe extern "C" fn reenter(_u: *mut c_void, level: i32, _msg: *const c_char) {
        let s = unsafe { authing_mfa_set_log_callback(4, None, std::ptr::null_mut()) };
        LINES.lock().unwrap().push((level, format!("reentry status {s}")));
    }
    let rt = server_runtime();
    let rec = Recorder::start(&rt, failing_first(1));
    let c = client(&rec.url, r#","token":"PLANTED-user-token-99""#);
    assert_eq!(
        unsafe { authing_mfa_set_log_callback(AUTHING_MFA_LOG_DEBUG, Some(sink), std::ptr::null_mut()) },
        0
    );
    block(c.call(
        "getMfaAuthenticators",
        Some(r#"{"type":"totp","mfaToken":"PLANTED-mfa-token-7f3a"}"#),
    ))
    .unwrap();
    let verify_rec = Recorder::answering(&rt, r#"{"code":6001,"message":"wrong 135792"}"#);
    block(client(&verify_rec.url, "").call("verifyTotpMfa", Some(VERIFY))).unwrap_err();
    assert_eq!(
        unsafe { authing_mfa_set_log_callback(0, None, std::ptr::null_mut()) },
        0
    );
    block(c.call("getMfaAuthenticators", None)).unwrap();
    let lines = std::mem::take(&mut *LINES.lock().unwrap());
    let all: String = lines.iter().map(|(_, l)| format!("{l}\n")).collect();
    assert!(all.contains("authorization: Bearer <redacted>"), "{all}");
    assert!(
        lines
            .iter()
            .any(|(lv, l)| *lv == AUTHING_MFA_LOG_WARN && l.contains("retrying GET")),
        "{all}"
    );
    assert!(
        lines
            .iter()
            .any(|(lv, l)| *lv == AUTHING_MFA_LOG_INFO && l.contains("-> ok")),
        "{all}"
    );
    assert!(
        lines
            .iter()
            .any(|(_, l)| l.contains("AUTHING_MFA_ERR_API (code 6001")),
        "{all}"
    );
    for secret in ["PLANTED", "135792"] {
        assert!(!all.contains(secret), "{secret} leaked into the log:\n{all}");
    }
    assert_eq!(
        lines
            .iter()
            .filter(|(_, l)| l.contains("/api/v2/mfa/authenticator"))
            .count(),
        lines.len() - 2
    );
    // Removing it stops delivery; calling set from inside the sink is refused.
    assert!(LINES.lock().unwrap().is_empty());
    assert_eq!(
        unsafe { authing_mfa_set_log_callback(AUTHING_MFA_LOG_INFO, Some(reenter), std::ptr::null_mut()) },
        0
    );
    block(c.call("getMfaAuthenticators", None)).unwrap();
    assert_eq!(
        unsafe { authing_mfa_set_log_callback(0, None, std::ptr::null_mut()) },
        0
    );
    let lines = std::mem::take(&mut *LINES.lock().unwrap());
    assert_eq!(
        lines,
        vec![(AUTHING_MFA_LOG_INFO, format!("reentry status {}", 18))]
    );
    assert_eq!(
        unsafe { authing_mfa_set_log_callback(0, Some(sink), std::ptr::null_mut()) },
        4
    );
}
