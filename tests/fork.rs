//! fork() after first use: in the child every call that would use the
//! library's I/O threads or connections returns `AUTHING_MFA_ERR_FORKED` at
//! once, and nothing the child does (shutdown, freeing the client) touches
//! the parent, whose calls go on working. Alone in its process: a fork in a
//! test binary with other tests running would copy their state too.

mod conn_server;

use authing_mfa::ffi::asynk::*;
use authing_mfa::ffi::client::*;
use authing_mfa::ffi::ops::authing_mfa_call;
use authing_mfa::ffi::status::*;
use conn_server::*;
use std::ffi::{c_char, c_void, CString};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

unsafe extern "C" fn never(_user: *mut c_void, _status: i32, _json: *const c_char) {
    // Refused calls never call back; if this runs the child ends with 90.
    unsafe { libc::_exit(90) };
}

/// What the child does; its exit code says which step went wrong (0: none).
/// Only the library's C functions and `_exit`: no test harness, no stdout.
fn child(client: &Client) -> i32 {
    let started = Instant::now();
    let (s, json) = client.verify();
    if s != AUTHING_MFA_ERR_FORKED || !json.contains("AUTHING_MFA_ERR_FORKED") {
        return 1;
    }
    let method = CString::new("verifyTotpMfa").unwrap();
    let params = CString::new(r#"{"totp":"123456","mfaToken":"m"}"#).unwrap();
    let mut op = std::ptr::null_mut();
    let mut err = std::ptr::null_mut();
    let s = unsafe {
        authing_mfa_call_async_ex(
            client.ptr(),
            method.as_ptr(),
            params.as_ptr(),
            Some(never),
            std::ptr::null_mut(),
            &mut op,
            &mut err,
        )
    };
    if s != AUTHING_MFA_ERR_FORKED || !op.is_null() || err.is_null() {
        return 2;
    }
    unsafe { authing_mfa::ffi::strings::authing_mfa_string_free(err) };
    let (mut out, mut err) = (std::ptr::null_mut(), std::ptr::null_mut());
    let s = unsafe { authing_mfa_call(client.ptr(), method.as_ptr(), params.as_ptr(), &mut out, &mut err) };
    if s != AUTHING_MFA_ERR_FORKED || !out.is_null() {
        return 3;
    }
    unsafe { authing_mfa::ffi::strings::authing_mfa_string_free(err) };
    let mut other = std::ptr::null_mut();
    let s = unsafe { authing_mfa_client_new(std::ptr::null(), &mut other, std::ptr::null_mut()) };
    if s != AUTHING_MFA_ERR_FORKED || !other.is_null() {
        return 4;
    }
    // What broke the parent before: a shutdown in the child.
    if authing_mfa_shutdown(1000) != AUTHING_MFA_ERR_FORKED {
        return 5;
    }
    // "At once": none of this may wait for the parent's threads.
    if started.elapsed() > Duration::from_secs(5) {
        return 6;
    }
    0
}

#[test]
fn a_forked_child_is_refused_and_cannot_touch_the_parent() {
    let srv = server(None, 1);
    let client = Client::new(&srv.url);
    // First use: blocking and async, so the I/O threads, a lane and both
    // kinds of kept-alive connections exist when the process forks.
    assert_ok(client.verify());
    assert_ok(client.verify_async());
    let requests_before = srv.counts.requests.load(Ordering::SeqCst);

    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = child(&client);
        // Freeing the client in the child must not close the parent's
        // connections or deregister them from the shared epoll instance.
        drop(client);
        unsafe { libc::_exit(code) };
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut status = 0;
    loop {
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            break;
        }
        if Instant::now() > deadline {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            unsafe { libc::waitpid(pid, &mut status, 0) };
            panic!("the child hung");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(libc::WIFEXITED(status), "the child died: status {status}");
    assert_eq!(libc::WEXITSTATUS(status), 0, "the child's step that failed");
    assert_eq!(
        srv.counts.requests.load(Ordering::SeqCst),
        requests_before,
        "the child sent nothing"
    );
    // The parent is unharmed: both kinds of call, on the same client and
    // the same kept-alive connections.
    let connections = srv.counts.connections.load(Ordering::SeqCst);
    for _ in 0..3 {
        assert_ok(client.verify());
        assert_ok(client.verify_async());
    }
    assert_eq!(
        srv.counts.connections.load(Ordering::SeqCst),
        connections,
        "connections reused"
    );
    assert_eq!(authing_mfa_shutdown(2000), AUTHING_MFA_OK);
}
