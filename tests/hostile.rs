//! Hostile and broken servers (all on 127.0.0.1), TLS trust, retries, and
//! the log callback. Each case asserts the status, the error JSON and that
//! the call ends in bounded time.

mod common;

use authing_mfa::{Client, ErrorKind};
use common::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const VERIFY: &str = r#"{"totp":"135792","mfaToken":"PLANTED-mfa-token-7f3a"}"#;
const BOUND: Duration = Duration::from_secs(10);

fn client(url: &str, extra: &str) -> Client {
    Client::from_json(Some(&format!(r#"{{"appHost":"{url}"{extra}}}"#))).unwrap()
}

/// Runs a call and checks it ended within BOUND.
fn timed<T>(f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    assert!(start.elapsed() < BOUND, "took {:?}", start.elapsed());
    out
}

/// A one-shot raw server: reads one request, then runs `script` on the socket.
fn raw_server<F, Fut>(rt: &tokio::runtime::Runtime, script: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let script = Arc::new(script);
    rt.spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let script = script.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = s.read(&mut buf).await;
                script(s).await;
            });
        }
    });
    url
}

#[test]
fn a_reset_in_the_headers_or_the_body_is_a_network_error() {
    let rt = server_runtime();
    let in_headers = raw_server(&rt, |mut s| async move {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-le").await;
        let _ = s.set_zero_linger();
        drop(s);
    });
    let e = timed(|| block(client(&in_headers, "").call("verifyTotpMfa", Some(VERIFY)))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    let in_body = raw_server(&rt, |mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n{\"code\":200,")
            .await;
        let _ = s.set_zero_linger();
        drop(s);
    });
    let e = timed(|| block(client(&in_body, "").call("verifyTotpMfa", Some(VERIFY)))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert_eq!(e.http_status(), Some(200));
    assert!(
        e.message().contains("while reading the answer"),
        "{}",
        e.message()
    );
}

#[test]
fn a_truncated_chunked_body_is_a_network_error() {
    let rt = server_runtime();
    let url = raw_server(&rt, |mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n10\r\n{\"code\":200,\"da")
            .await;
        let _ = s.shutdown().await;
    });
    let e = timed(|| block(client(&url, "").call("verifyTotpMfa", Some(VERIFY)))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
}

#[test]
fn a_close_delimited_http_1_0_answer_is_read_in_full() {
    let rt = server_runtime();
    let url = raw_server(&rt, |mut s| async move {
        let body = ok(USER);
        let _ = s
            .write_all(format!("HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n{body}").as_bytes())
            .await;
        let _ = s.shutdown().await;
    });
    let user = timed(|| block(client(&url, "").call("verifyTotpMfa", Some(VERIFY)))).unwrap();
    assert_eq!(user, USER);
}

#[test]
fn a_64_mib_body_is_cut_off_and_memory_stays_bounded() {
    let rt = server_runtime();
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let url = raw_server(&rt, move |mut s| {
        let counter = counter.clone();
        async move {
            // No Content-Length: the cap must work on the stream itself.
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n")
                .await;
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..1024 {
                if s.write_all(&chunk).await.is_err() {
                    return;
                }
                counter.fetch_add(chunk.len(), Ordering::Relaxed);
            }
        }
    });
    let e = timed(|| block(client(&url, "").call("verifyTotpMfa", Some(VERIFY)))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    std::thread::sleep(Duration::from_millis(200));
    // The client stopped reading near the 4 MiB cap, far from 64 MiB (socket
    // buffers account for the slack).
    assert!(
        sent.load(Ordering::Relaxed) < 16 * 1024 * 1024,
        "sent {}",
        sent.load(Ordering::Relaxed)
    );
}

#[test]
fn an_unresolvable_host_is_a_network_error() {
    let c = client("https://authing-mfa-test.invalid", r#","timeout":8000"#);
    let e = timed(|| block(c.call("verifyTotpMfa", Some(VERIFY)))).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::Network | ErrorKind::Timeout), "{e}");
    assert!(!e.message().contains("PLANTED"));
}

struct Tls {
    url: String,
    ca_pem: String,
}

/// An HTTPS server for 127.0.0.1 whose certificate is signed by a CA made
/// here, which no system trusts.
fn tls_server(rt: &tokio::runtime::Runtime) -> Tls {
    let (ca_pem, config) = tls_server_config();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    rt.spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(s).await else {
                    return;
                };
                let mut buf = vec![0u8; 65536];
                let _ = tls.read(&mut buf).await;
                let body = ok(USER);
                let _ = tls
                    .write_all(
                        format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len()).as_bytes(),
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    Tls { url, ca_pem }
}

#[test]
fn an_untrusted_certificate_is_refused_and_accepted_through_ca_cert_pem() {
    let rt = server_runtime();
    let tls = tls_server(&rt);
    let e = timed(|| block(client(&tls.url, "").call("verifyTotpMfa", Some(VERIFY)))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(
        e.message().to_lowercase().contains("certificate"),
        "{}",
        e.message()
    );
    let pem = serde_json::to_string(&tls.ca_pem).unwrap();
    let c = client(&tls.url, &format!(r#","caCertPem":{pem}"#));
    let user = timed(|| block(c.call("verifyTotpMfa", Some(VERIFY)))).unwrap();
    assert_eq!(user, USER);
    // A PEM without a certificate is refused at construction.
    let e = Client::from_json(Some(
        r#"{"caCertPem":"-----BEGIN NOTHING-----\nAAAA\n-----END NOTHING-----\n"}"#,
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

fn counting(status: u16, retry_after: Option<&'static str>, then_ok: usize) -> impl Fn(&Recorded) -> Reply {
    let n = AtomicUsize::new(0);
    move |_| {
        if n.fetch_add(1, Ordering::SeqCst) < then_ok {
            let mut h = vec![("content-type".to_owned(), "application/json".to_owned())];
            if let Some(ra) = retry_after {
                h.push(("retry-after".into(), ra.into()));
            }
            Reply::Full(status, h, br#"{"code":503,"message":"busy"}"#.to_vec())
        } else {
            Reply::Json(200, ok("[]"))
        }
    }
}

#[test]
fn gets_are_retried_after_429_and_503_honouring_retry_after() {
    let rt = server_runtime();
    for status in [429u16, 502, 503, 504] {
        let rec = Recorder::start(&rt, counting(status, None, 2));
        let r = timed(|| block(client(&rec.url, "").call("getMfaAuthenticators", None))).unwrap();
        assert_eq!(r, "[]");
        assert_eq!(rec.take().len(), 3, "HTTP {status}: two retries then success");
    }
    // Retry-After: 1 makes the client wait about a second.
    let rec = Recorder::start(&rt, counting(503, Some("1"), 1));
    let start = Instant::now();
    block(client(&rec.url, "").call("getMfaAuthenticators", None)).unwrap();
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(rec.take().len(), 2);
    // Out of retries: the last answer is the error.
    let rec = Recorder::start(&rt, counting(503, None, 100));
    let e = timed(|| block(client(&rec.url, r#","maxRetries":1"#).call("getMfaAuthenticators", None)))
        .unwrap_err();
    assert_eq!((e.kind(), e.http_status()), (ErrorKind::HttpStatus, Some(503)));
    assert_eq!(rec.take().len(), 2);
    // maxRetries 0: once.
    let rec = Recorder::start(&rt, counting(503, None, 100));
    block(client(&rec.url, r#","maxRetries":0"#).call("getMfaAuthenticators", None)).unwrap_err();
    assert_eq!(rec.take().len(), 1);
    // A Retry-After beyond the deadline is not waited for.
    let rec = Recorder::start(&rt, counting(503, Some("3"), 100));
    let e = timed(|| block(client(&rec.url, r#","timeout":1000"#).call("getMfaAuthenticators", None)))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::HttpStatus);
    assert_eq!(rec.take().len(), 1);
}

#[test]
fn gets_are_retried_after_a_connection_failure() {
    let rt = server_runtime();
    let attempts = Arc::new(AtomicUsize::new(0));
    let a = attempts.clone();
    let url = raw_server(&rt, move |mut s| {
        let n = a.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                let _ = s.set_zero_linger();
                drop(s);
            } else {
                let body = ok("[]");
                let _ = s
                    .write_all(
                        format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}", body.len()).as_bytes(),
                    )
                    .await;
            }
        }
    });
    let r = timed(|| block(client(&url, "").call("getMfaAuthenticators", None))).unwrap();
    assert_eq!(r, "[]");
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
}

#[test]
fn posts_and_deletes_are_never_retried() {
    let rt = server_runtime();
    let rec = Recorder::start(&rt, counting(503, None, 100));
    let c = client(&rec.url, r#","token":"t""#);
    for (m, p) in [
        ("verifyTotpMfa", Some(VERIFY)),
        (
            "verifyTotpRecoveryCode",
            Some(r#"{"recoveryCode":"aaaa-bbbb-cccc-dddd-eeee-ffff","mfaToken":"m"}"#),
        ),
        ("deleteMfaAuthenticator", None),
        ("assosicateMfaAuthenticator", None),
    ] {
        let e = timed(|| block(c.call(m, p))).unwrap_err();
        assert_eq!(e.http_status(), Some(503));
        assert_eq!(rec.take().len(), 1, "{m} was sent once");
    }
    // A reset after the request was sent: still once.
    let attempts = Arc::new(AtomicUsize::new(0));
    let a = attempts.clone();
    let url = raw_server(&rt, move |s| {
        a.fetch_add(1, Ordering::SeqCst);
        async move {
            let _ = s.set_zero_linger();
            drop(s);
        }
    });
    let e = timed(|| block(client(&url, "").call("verifyTotpMfa", Some(VERIFY)))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
}
