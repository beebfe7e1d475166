//! The async C API through its extern "C" functions: every accepted call's
//! callback fires exactly once, whatever races with it.

mod common;

use authing_mfa::ffi::asynk::*;
use authing_mfa::ffi::client::*;
use authing_mfa::ffi::status::*;
use common::*;
use std::collections::HashMap;
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Collects callback firings: op id → (status, json), and counts duplicates.
#[derive(Default)]
struct Collector {
    fired: Mutex<HashMap<usize, Vec<(i32, String)>>>,
    cv: Condvar,
}

impl Collector {
    fn wait_for(&self, n: usize, timeout: Duration) -> HashMap<usize, Vec<(i32, String)>> {
        let guard = self.fired.lock().unwrap();
        let (guard, _) = self
            .cv
            .wait_timeout_while(guard, timeout, |m| m.len() < n)
            .unwrap();
        guard.clone()
    }
}

struct Ticket {
    collector: Arc<Collector>,
    id: usize,
    /// What to do inside the callback, to test re-entrancy.
    reenter: Option<*const authing_mfa_client>,
}

unsafe extern "C" fn on_done(user: *mut c_void, status: i32, json: *const c_char) {
    // Taking the box back makes a second firing a double free, which the
    // test process would not survive: exactly-once is checked twice over.
    let ticket = unsafe { Box::from_raw(user as *mut Ticket) };
    let json = unsafe { CStr::from_ptr(json) }.to_str().unwrap().to_owned();
    let mut extra = String::new();
    if let Some(client) = ticket.reenter {
        let mut out = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        let m = CString::new("getMfaAuthenticators").unwrap();
        let s = unsafe {
            authing_mfa::ffi::ops::authing_mfa_call(client, m.as_ptr(), std::ptr::null(), &mut out, &mut err)
        };
        extra = format!("blocking-from-callback={s}");
        unsafe { authing_mfa::ffi::strings::authing_mfa_string_free(err) };
        assert!(out.is_null());
    }
    let mut fired = ticket.collector.fired.lock().unwrap();
    fired
        .entry(ticket.id)
        .or_default()
        .push((status, format!("{json}{extra}")));
    ticket.collector.cv.notify_all();
}

fn new_client(url: &str) -> *mut authing_mfa_client {
    let opts = CString::new(format!(r#"{{"appHost":"{url}","token":"t"}}"#)).unwrap();
    let mut c = std::ptr::null_mut();
    assert_eq!(
        unsafe { authing_mfa_client_new(opts.as_ptr(), &mut c, std::ptr::null_mut()) },
        AUTHING_MFA_OK
    );
    c
}

fn start(
    c: *const authing_mfa_client,
    method: &str,
    params: Option<&str>,
    col: &Arc<Collector>,
    id: usize,
    want_op: bool,
) -> (i32, *mut authing_mfa_op) {
    let m = CString::new(method).unwrap();
    let p = params.map(|p| CString::new(p).unwrap());
    let ticket = Box::into_raw(Box::new(Ticket {
        collector: col.clone(),
        id,
        reenter: None,
    }));
    let mut op = std::ptr::null_mut();
    let status = unsafe {
        authing_mfa_call_async(
            c,
            m.as_ptr(),
            p.as_ref().map_or(std::ptr::null(), |p| p.as_ptr()),
            Some(on_done),
            ticket.cast(),
            if want_op { &mut op } else { std::ptr::null_mut() },
        )
    };
    if status != AUTHING_MFA_OK {
        drop(unsafe { Box::from_raw(ticket) });
    }
    (status, op)
}

#[test]
fn every_accepted_call_completes_exactly_once() {
    let rt = server_runtime();
    let rec = Recorder::answering(&rt, &ok("[]"));
    let c = new_client(&rec.url);
    let col = Arc::new(Collector::default());
    for id in 0..300 {
        assert_eq!(
            start(c, "getMfaAuthenticators", None, &col, id, false).0,
            AUTHING_MFA_OK
        );
    }
    let fired = col.wait_for(300, Duration::from_secs(30));
    assert_eq!(fired.len(), 300);
    for (id, calls) in &fired {
        assert_eq!(calls.len(), 1, "op {id} fired {} times", calls.len());
        assert_eq!(calls[0], (AUTHING_MFA_OK, "[]".to_owned()));
    }
    unsafe { authing_mfa_client_free(c) };
}

#[test]
fn cancel_racing_completion_still_fires_once() {
    let rt = server_runtime();
    let rec = Recorder::answering(&rt, &ok("[]"));
    let c = new_client(&rec.url);
    let col = Arc::new(Collector::default());
    let n = 400;
    for id in 0..n {
        let (s, op) = start(c, "getMfaAuthenticators", None, &col, id, true);
        assert_eq!(s, AUTHING_MFA_OK);
        if id % 3 != 0 {
            std::thread::sleep(Duration::from_micros((id as u64 * 37) % 400));
        }
        unsafe { authing_mfa_op_cancel(op) };
        unsafe { authing_mfa_op_cancel(op) };
        if id % 2 == 0 {
            unsafe { authing_mfa_op_free(op) };
        } else {
            // Free after the cancel from another thread.
            let op = op as usize;
            std::thread::spawn(move || unsafe { authing_mfa_op_free(op as *mut authing_mfa_op) });
        }
    }
    let fired = col.wait_for(n, Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(200));
    let fired_later = col.fired.lock().unwrap().clone();
    assert_eq!(fired.len(), n);
    let (mut ok_count, mut cancelled) = (0, 0);
    for calls in fired_later.values() {
        assert_eq!(calls.len(), 1);
        match calls[0].0 {
            AUTHING_MFA_OK => ok_count += 1,
            AUTHING_MFA_ERR_CANCELLED => {
                cancelled += 1;
                assert!(calls[0].1.contains("AUTHING_MFA_ERR_CANCELLED"));
            }
            other => panic!("unexpected status {other}: {}", calls[0].1),
        }
    }
    assert_eq!(ok_count + cancelled, n);
    assert!(cancelled > 0, "some cancels must win the race");
    unsafe { authing_mfa_client_free(c) };
}

#[test]
fn cancelling_a_hanging_call_fires_cancelled_promptly() {
    let rt = server_runtime();
    let rec = Recorder::start(&rt, |_| Reply::Hang);
    let c = new_client(&rec.url);
    let col = Arc::new(Collector::default());
    let (s, op) = start(
        c,
        "verifyTotpMfa",
        Some(r#"{"totp":"1","mfaToken":"m"}"#),
        &col,
        1,
        true,
    );
    assert_eq!(s, AUTHING_MFA_OK);
    std::thread::sleep(Duration::from_millis(100));
    // The client can go away while its operation is in flight.
    unsafe { authing_mfa_client_free(c) };
    unsafe { authing_mfa_op_cancel(op) };
    let fired = col.wait_for(1, Duration::from_secs(5));
    assert_eq!(fired[&1][0].0, AUTHING_MFA_ERR_CANCELLED);
    unsafe { authing_mfa_op_free(op) };
}

#[test]
fn many_threads_submit_at_once() {
    let rt = server_runtime();
    let rec = Recorder::answering(&rt, &ok(USER));
    let c = new_client(&rec.url) as usize;
    let col = Arc::new(Collector::default());
    std::thread::scope(|s| {
        for t in 0..8 {
            let col = col.clone();
            s.spawn(move || {
                for i in 0..100 {
                    let id = t * 1000 + i;
                    let p = format!(r#"{{"totp":"{i:06}","mfaToken":"m{t}"}}"#);
                    assert_eq!(
                        start(c as *const _, "verifyTotpMfa", Some(&p), &col, id, false).0,
                        AUTHING_MFA_OK
                    );
                }
            });
        }
    });
    let fired = col.wait_for(800, Duration::from_secs(60));
    assert_eq!(fired.len(), 800);
    assert!(fired
        .values()
        .all(|v| v.len() == 1 && v[0] == (AUTHING_MFA_OK, USER.to_owned())));
    assert_eq!(rec.take().len(), 800);
    unsafe { authing_mfa_client_free(c as *mut _) };
}

#[test]
fn callbacks_may_reenter_but_not_block() {
    let rt = server_runtime();
    let rec = Recorder::answering(&rt, &ok("[]"));
    let c = new_client(&rec.url);
    let col = Arc::new(Collector::default());
    let m = CString::new("getMfaAuthenticators").unwrap();
    let ticket = Box::into_raw(Box::new(Ticket {
        collector: col.clone(),
        id: 7,
        reenter: Some(c),
    }));
    let s = unsafe {
        authing_mfa_call_async(
            c,
            m.as_ptr(),
            std::ptr::null(),
            Some(on_done),
            ticket.cast(),
            std::ptr::null_mut(),
        )
    };
    assert_eq!(s, AUTHING_MFA_OK);
    let fired = col.wait_for(1, Duration::from_secs(10));
    assert_eq!(
        fired[&7][0].1,
        format!("[]blocking-from-callback={AUTHING_MFA_ERR_WOULD_DEADLOCK}")
    );
    unsafe { authing_mfa_client_free(c) };
}

#[test]
fn synchronous_refusals_never_call_back_and_param_errors_do() {
    let c = new_client("http://127.0.0.1:9");
    let col = Arc::new(Collector::default());
    assert_eq!(
        start(c, "verifySmsMfa", None, &col, 1, true).0,
        AUTHING_MFA_ERR_INVALID_ARGUMENT
    );
    assert_eq!(
        start(std::ptr::null(), "verifyTotpMfa", None, &col, 2, true).0,
        AUTHING_MFA_ERR_NULL_ARGUMENT
    );
    let m = CString::new("verifyTotpMfa").unwrap();
    let mut op: *mut authing_mfa_op = std::ptr::dangling_mut();
    let s = unsafe {
        authing_mfa_call_async(
            c,
            m.as_ptr(),
            std::ptr::null(),
            None,
            std::ptr::null_mut(),
            &mut op,
        )
    };
    assert_eq!((s, op.is_null()), (AUTHING_MFA_ERR_NULL_ARGUMENT, true));
    let bad = b"\xff\xfe\0";
    let s = unsafe {
        authing_mfa_call_async(
            c,
            bad.as_ptr().cast(),
            std::ptr::null(),
            Some(on_done),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    assert_eq!(s, AUTHING_MFA_ERR_INVALID_UTF8);
    // Accepted, then failed through the callback.
    assert_eq!(
        start(c, "verifyTotpMfa", Some("{oops"), &col, 3, false).0,
        AUTHING_MFA_OK
    );
    let fired = col.wait_for(1, Duration::from_secs(5));
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[&3][0].0, AUTHING_MFA_ERR_INVALID_JSON);
    unsafe { authing_mfa_op_cancel(std::ptr::null()) };
    unsafe { authing_mfa_op_free(std::ptr::null_mut()) };
    unsafe { authing_mfa_client_free(c) };
}
