//! HTTP/2 over TLS where the server offers it: the client negotiates h2 by
//! ALPN, reuses one connection for sequential calls, and multiplexes
//! concurrent async calls over it.

mod common;

use authing_mfa::ffi::asynk::*;
use authing_mfa::ffi::client::*;
use authing_mfa::ffi::ops::authing_mfa_call;
use authing_mfa::ffi::status::*;
use authing_mfa::ffi::strings::authing_mfa_string_free;
use common::{ok, server_runtime, tls_server_config, USER};
use http_body_util::Full;
use hyper::body::Bytes;
use std::ffi::{c_char, c_void, CStr, CString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Seen {
    /// The protocol ALPN settled on, per TLS connection.
    protocols: Mutex<Vec<String>>,
    requests: AtomicUsize,
}

/// An HTTPS server on 127.0.0.1 offering h2 and http/1.1 by ALPN; it speaks
/// HTTP/2 only, so a client that did not pick h2 gets no answer (and the
/// recorded protocol says why).
fn h2_server(rt: &tokio::runtime::Runtime) -> (String, String, Arc<Seen>) {
    let (ca_pem, mut config) = tls_server_config();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let s = seen.clone();
    rt.spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (acceptor, seen) = (acceptor.clone(), s.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(sock).await else {
                    return;
                };
                let alpn = tls
                    .get_ref()
                    .1
                    .alpn_protocol()
                    .map(|p| String::from_utf8_lossy(p).into_owned());
                let alpn = alpn.unwrap_or_else(|| "none".to_owned());
                seen.protocols.lock().unwrap().push(alpn.clone());
                if alpn != "h2" {
                    return;
                }
                let service = hyper::service::service_fn(move |_req| {
                    seen.requests.fetch_add(1, Ordering::SeqCst);
                    async move {
                        Ok::<_, std::convert::Infallible>(
                            hyper::Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from(ok(USER))))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (url, ca_pem, seen)
}

fn client(url: &str, ca_pem: &str) -> *mut authing_mfa_client {
    let opts = serde_json::json!({ "appHost": url, "caCertPem": ca_pem, "timeout": 10000 }).to_string();
    let opts = CString::new(opts).unwrap();
    let mut c = std::ptr::null_mut();
    let s = unsafe { authing_mfa_client_new(opts.as_ptr(), &mut c, std::ptr::null_mut()) };
    assert_eq!(s, AUTHING_MFA_OK);
    c
}

const METHOD: &str = "verifyTotpMfa";
const PARAMS: &str = r#"{"totp":"123456","mfaToken":"m"}"#;

fn blocking_call(c: *const authing_mfa_client) {
    let (m, p) = (CString::new(METHOD).unwrap(), CString::new(PARAMS).unwrap());
    let (mut out, mut err) = (std::ptr::null_mut(), std::ptr::null_mut());
    let s = unsafe { authing_mfa_call(c, m.as_ptr(), p.as_ptr(), &mut out, &mut err) };
    let text = unsafe { CStr::from_ptr(if s == AUTHING_MFA_OK { out } else { err }) };
    assert_eq!(s, AUTHING_MFA_OK, "{}", text.to_str().unwrap());
    assert_eq!(text.to_str().unwrap(), USER);
    unsafe {
        authing_mfa_string_free(out);
        authing_mfa_string_free(err);
    }
}

/// Starts `n` async calls at once and waits for all of them; returns the
/// statuses with the answers.
fn async_calls(c: *const authing_mfa_client, n: usize) -> Vec<(i32, String)> {
    unsafe extern "C" fn done(user: *mut c_void, status: i32, json: *const c_char) {
        let tx = unsafe { Box::from_raw(user as *mut std::sync::mpsc::Sender<(i32, String)>) };
        let json = unsafe { CStr::from_ptr(json) }.to_str().unwrap().to_owned();
        let _ = tx.send((status, json));
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let (m, p) = (CString::new(METHOD).unwrap(), CString::new(PARAMS).unwrap());
    for _ in 0..n {
        let user = Box::into_raw(Box::new(tx.clone())) as *mut c_void;
        let s = unsafe {
            authing_mfa_call_async(c, m.as_ptr(), p.as_ptr(), Some(done), user, std::ptr::null_mut())
        };
        assert_eq!(s, AUTHING_MFA_OK);
    }
    (0..n)
        .map(|_| rx.recv_timeout(Duration::from_secs(30)).unwrap())
        .collect()
}

#[test]
fn http2_is_negotiated_reused_and_multiplexed() {
    let rt = server_runtime();
    let (url, ca_pem, seen) = h2_server(&rt);
    let c = client(&url, &ca_pem);

    // Async calls: one connection, h2, for sequential calls and for 32
    // calls in flight at once (multiplexed as streams, not 32 connections).
    for _ in 0..5 {
        let r = async_calls(c, 1);
        assert_eq!(r[0].0, AUTHING_MFA_OK, "{}", r[0].1);
    }
    for (status, json) in async_calls(c, 32) {
        assert_eq!(status, AUTHING_MFA_OK, "{json}");
        assert_eq!(json, USER);
    }
    assert_eq!(*seen.protocols.lock().unwrap(), vec!["h2".to_owned()]);

    // Blocking calls from one thread: their lane's own connection, h2 too,
    // reused from call to call.
    for _ in 0..5 {
        blocking_call(c);
    }
    assert_eq!(
        *seen.protocols.lock().unwrap(),
        vec!["h2".to_owned(), "h2".to_owned()]
    );
    assert_eq!(seen.requests.load(Ordering::SeqCst), 5 + 32 + 5);
    unsafe { authing_mfa_client_free(c) };
}
