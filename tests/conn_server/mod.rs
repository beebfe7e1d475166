//! A keep-alive HTTP/1.1 server on 127.0.0.1 that counts connections
//! (opened and closed) and requests in flight, and a C-API client for it:
//! shared by the connection tests (`connections.rs`, `lane_sweep.rs`,
//! `http2.rs`, which brings its own HTTPS server).

#![allow(dead_code)]

use authing_mfa::ffi::asynk::*;
use authing_mfa::ffi::client::*;
use authing_mfa::ffi::ops::authing_mfa_call;
use authing_mfa::ffi::status::*;
use authing_mfa::ffi::strings::authing_mfa_string_free;
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

pub const ENVELOPE: &str = r#"{"code":200,"message":"ok","data":{"id":"u1"}}"#;

#[derive(Default)]
pub struct Counts {
    pub connections: AtomicUsize,
    /// Connections the client closed (or that failed).
    pub closed: AtomicUsize,
    pub requests: AtomicUsize,
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
}

pub struct Server {
    pub url: String,
    pub counts: Arc<Counts>,
    _rt: tokio::runtime::Runtime,
}

/// `idle_close`: close a connection that has been idle this long (None:
/// never). `hold_until`: answer no request until this many are in flight
/// at once (or 10 s passed, then answer HTTP 500 so the test fails).
pub fn server(idle_close: Option<Duration>, hold_until: usize) -> Server {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let counts = Arc::new(Counts::default());
    let gate = Arc::new(Notify::new());
    let c = counts.clone();
    rt.spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            c.connections.fetch_add(1, Ordering::SeqCst);
            let c = c.clone();
            let gate = gate.clone();
            tokio::spawn(async move {
                serve(sock, c.clone(), gate, idle_close, hold_until).await;
                c.closed.fetch_add(1, Ordering::SeqCst);
            });
        }
    });
    Server { url, counts, _rt: rt }
}

async fn serve(
    mut sock: TcpStream,
    counts: Arc<Counts>,
    gate: Arc<Notify>,
    idle_close: Option<Duration>,
    hold_until: usize,
) {
    let mut buf = Vec::new();
    loop {
        // Read one request head and its Content-Length body.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            let read = match idle_close {
                Some(idle) => match tokio::time::timeout(idle, sock.read(&mut chunk)).await {
                    Ok(r) => r,
                    // Idle too long: close, as a keep-alive timeout does.
                    Err(_) => return,
                },
                None => sock.read(&mut chunk).await,
            };
            match read {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 4096];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + len);
        counts.requests.fetch_add(1, Ordering::SeqCst);
        let now = counts.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        counts.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let mut status = "200 OK";
        if hold_until > 1 {
            if now >= hold_until {
                gate.notify_waiters();
            } else {
                let wait = gate.notified();
                tokio::pin!(wait);
                wait.as_mut().enable();
                // Re-check: the last one may have arrived meanwhile.
                if counts.max_in_flight.load(Ordering::SeqCst) < hold_until
                    && tokio::time::timeout(Duration::from_secs(10), wait).await.is_err()
                {
                    status = "500 Internal Server Error";
                }
            }
        }
        counts.in_flight.fetch_sub(1, Ordering::SeqCst);
        let answer = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{ENVELOPE}",
            ENVELOPE.len()
        );
        if sock.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

pub struct Client(*mut authing_mfa_client);
// SAFETY: the handle is documented thread-safe.
unsafe impl Send for Client {}
unsafe impl Sync for Client {}

impl Client {
    pub fn new(url: &str) -> Client {
        Client::with_options(&format!(r#"{{"appHost":"{url}","userPoolId":"p1"}}"#))
    }

    /// A client for these options (a JSON object), which must be valid.
    pub fn with_options(options_json: &str) -> Client {
        let opts = CString::new(options_json).unwrap();
        let mut c = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        let s = unsafe { authing_mfa_client_new(opts.as_ptr(), &mut c, &mut err) };
        assert_eq!(s, AUTHING_MFA_OK);
        Client(c)
    }

    /// The C handle, for calls this helper does not wrap.
    pub fn ptr(&self) -> *const authing_mfa_client {
        self.0
    }

    /// A blocking verifyTotpMfa: the status and the result or error JSON.
    pub fn verify(&self) -> (i32, String) {
        let method = CString::new("verifyTotpMfa").unwrap();
        let params = CString::new(r#"{"totp":"123456","mfaToken":"m"}"#).unwrap();
        let (mut out, mut err) = (std::ptr::null_mut(), std::ptr::null_mut());
        let s = unsafe { authing_mfa_call(self.0, method.as_ptr(), params.as_ptr(), &mut out, &mut err) };
        let text = if s == AUTHING_MFA_OK { out } else { err };
        let json = unsafe { CStr::from_ptr(text) }.to_str().unwrap().to_owned();
        unsafe {
            authing_mfa_string_free(out);
            authing_mfa_string_free(err);
        }
        (s, json)
    }

    /// The same call through the async API, waited for.
    pub fn verify_async(&self) -> (i32, String) {
        self.verify_async_many(1).remove(0)
    }

    /// `n` such async calls started at once (all in flight together), each
    /// waited for: their statuses and JSON, in the order they finished.
    pub fn verify_async_many(&self, n: usize) -> Vec<(i32, String)> {
        unsafe extern "C" fn done(user: *mut c_void, status: i32, json: *const c_char) {
            let tx = unsafe { Box::from_raw(user as *mut std::sync::mpsc::Sender<(i32, String)>) };
            let json = unsafe { CStr::from_ptr(json) }.to_str().unwrap().to_owned();
            let _ = tx.send((status, json));
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let method = CString::new("verifyTotpMfa").unwrap();
        let params = CString::new(r#"{"totp":"123456","mfaToken":"m"}"#).unwrap();
        for _ in 0..n {
            let user = Box::into_raw(Box::new(tx.clone())) as *mut c_void;
            let s = unsafe {
                authing_mfa_call_async(
                    self.0,
                    method.as_ptr(),
                    params.as_ptr(),
                    Some(done),
                    user,
                    std::ptr::null_mut(),
                )
            };
            assert_eq!(s, AUTHING_MFA_OK);
        }
        (0..n)
            .map(|_| rx.recv_timeout(Duration::from_secs(30)).unwrap())
            .collect()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        unsafe { authing_mfa_client_free(self.0) };
    }
}

/// The tests here count connections, and blocking calls share the
/// process's lanes: a call of another test could take the lane a
/// sequential test expects to reuse. So they run one at a time.
pub fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

pub fn assert_ok((status, json): (i32, String)) {
    assert_eq!(status, AUTHING_MFA_OK, "{json}");
    assert!(json.contains(r#""id":"u1""#), "{json}");
}
