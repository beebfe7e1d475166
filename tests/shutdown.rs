//! `authing_mfa_shutdown` with calls in flight. One test in its own binary:
//! shutdown is process-wide and final.

mod common;

use authing_mfa::ffi::asynk::*;
use authing_mfa::ffi::client::*;
use authing_mfa::ffi::status::*;
use common::*;
use std::ffi::{c_char, c_void, CString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static FIRED: [AtomicUsize; 64] = [const { AtomicUsize::new(0) }; 64];
static SHUTDOWN_STATUS: AtomicUsize = AtomicUsize::new(0);
static SHUTDOWN_FROM_CALLBACK: AtomicUsize = AtomicUsize::new(usize::MAX);

unsafe extern "C" fn count(user: *mut c_void, status: i32, _json: *const c_char) {
    let i = user as usize;
    FIRED[i].fetch_add(1, Ordering::SeqCst);
    if status == AUTHING_MFA_ERR_SHUTDOWN {
        SHUTDOWN_STATUS.fetch_add(1, Ordering::SeqCst);
    }
}

unsafe extern "C" fn try_shutdown(_user: *mut c_void, _status: i32, _json: *const c_char) {
    SHUTDOWN_FROM_CALLBACK.store(authing_mfa_shutdown(0) as usize, Ordering::SeqCst);
}

#[test]
fn shutdown_stops_everything_in_flight_exactly_once() {
    let rt = server_runtime();
    let fast = Recorder::answering(&rt, &ok("[]"));
    let hang = Recorder::start(&rt, |_| Reply::Hang);
    let opts = CString::new(format!(r#"{{"appHost":"{}"}}"#, hang.url)).unwrap();
    let mut c = std::ptr::null_mut();
    assert_eq!(
        unsafe { authing_mfa_client_new(opts.as_ptr(), &mut c, std::ptr::null_mut()) },
        AUTHING_MFA_OK
    );
    let fast_opts = CString::new(format!(r#"{{"appHost":"{}"}}"#, fast.url)).unwrap();
    let mut fc = std::ptr::null_mut();
    assert_eq!(
        unsafe { authing_mfa_client_new(fast_opts.as_ptr(), &mut fc, std::ptr::null_mut()) },
        AUTHING_MFA_OK
    );
    let m = CString::new("getMfaAuthenticators").unwrap();

    // Shutdown from a callback is refused (it would wait on itself).
    let s = unsafe {
        authing_mfa_call_async(
            fc,
            m.as_ptr(),
            std::ptr::null(),
            Some(try_shutdown),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    assert_eq!(s, AUTHING_MFA_OK);
    let t0 = Instant::now();
    while SHUTDOWN_FROM_CALLBACK.load(Ordering::SeqCst) == usize::MAX
        && t0.elapsed() < Duration::from_secs(10)
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        SHUTDOWN_FROM_CALLBACK.load(Ordering::SeqCst),
        AUTHING_MFA_ERR_WOULD_DEADLOCK as usize
    );

    // 40 async calls hang on the server, one blocking call too.
    for i in 0..40usize {
        let s = unsafe {
            authing_mfa_call_async(
                c,
                m.as_ptr(),
                std::ptr::null(),
                Some(count),
                i as *mut c_void,
                std::ptr::null_mut(),
            )
        };
        assert_eq!(s, AUTHING_MFA_OK);
    }
    let cc = c as usize;
    let blocking = std::thread::spawn(move || {
        let m = CString::new("getMfaAuthenticators").unwrap();
        let mut out = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        let s = unsafe {
            authing_mfa::ffi::ops::authing_mfa_call(
                cc as *const _,
                m.as_ptr(),
                std::ptr::null(),
                &mut out,
                &mut err,
            )
        };
        unsafe { authing_mfa::ffi::strings::authing_mfa_string_free(err) };
        s
    });
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    assert_eq!(authing_mfa_shutdown(5000), AUTHING_MFA_OK);
    assert!(start.elapsed() < Duration::from_secs(6));
    assert_eq!(blocking.join().unwrap(), AUTHING_MFA_ERR_SHUTDOWN);
    std::thread::sleep(Duration::from_millis(200));
    for (i, f) in FIRED.iter().enumerate().take(40) {
        assert_eq!(f.load(Ordering::SeqCst), 1, "op {i}");
    }
    assert_eq!(SHUTDOWN_STATUS.load(Ordering::SeqCst), 40);

    // Afterwards: refused at once, idempotent.
    assert_eq!(authing_mfa_shutdown(0), AUTHING_MFA_OK);
    let s = unsafe {
        authing_mfa_call_async(
            c,
            m.as_ptr(),
            std::ptr::null(),
            Some(count),
            63 as *mut c_void,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(s, AUTHING_MFA_ERR_SHUTDOWN);
    let mut out = std::ptr::null_mut();
    let s = unsafe {
        authing_mfa::ffi::ops::authing_mfa_call(
            fc,
            m.as_ptr(),
            std::ptr::null(),
            &mut out,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(s, AUTHING_MFA_ERR_SHUTDOWN);
    assert_eq!(FIRED[63].load(Ordering::SeqCst), 0);
    unsafe { authing_mfa_client_free(c) };
    unsafe { authing_mfa_client_free(fc) };
}
