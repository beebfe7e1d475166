//! A server that answers with an endless stream of interim (1xx) responses
//! must not stretch the call past its `timeout`, nor take the library's I/O
//! threads from other clients' calls.
//!
//! The bounds asserted are loose on purpose (the machines are shared and
//! these are debug builds): they catch what happened before (hyper parsed
//! the flood for seconds in one poll: a 500 ms call ended after 3.3-7 s, and
//! a healthy async call waited 12 s), not the last milliseconds. The
//! figures are printed; in a release build the deadlines held to 1-5 ms.

mod common;

use authing_mfa::{Client, ErrorKind};
use common::*;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How far past its deadline a call may end here (see the module doc).
const SLACK: Duration = Duration::from_millis(1000);

const VERIFY: &str = r#"{"totp":"135792","mfaToken":"PLANTED-mfa-token-7f3a"}"#;

/// A server that reads a request, then writes `HTTP/1.1 100 Continue` (and
/// other 1xx) heads as fast as the socket takes them, forever.
fn flood_server(rt: &tokio::runtime::Runtime) -> String {
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = s.read(&mut buf).await;
                let chunk = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n".repeat(512);
                while s.write_all(&chunk).await.is_ok() {}
            });
        }
    });
    url
}

fn client(url: &str, timeout_ms: u64) -> Client {
    Client::from_json(Some(&format!(r#"{{"appHost":"{url}","timeout":{timeout_ms}}}"#))).unwrap()
}

#[test]
fn blocking_calls_keep_their_deadline() {
    let rt = server_runtime();
    let url = flood_server(&rt);
    for timeout in [500u64, 1500] {
        let c = client(&url, timeout);
        let start = Instant::now();
        let e = block(c.call("verifyTotpMfa", Some(VERIFY))).unwrap_err();
        let took = start.elapsed();
        eprintln!("timeout {timeout} ms: {:?} after {took:?}", e.kind());
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        assert!(
            took < Duration::from_millis(timeout) + SLACK,
            "a {timeout} ms call ended after {took:?}"
        );
    }
}

/// Async calls run on the library's two I/O threads, shared by every client.
fn call_async(c: &Client, params: &'static str) -> mpsc::Receiver<(Result<String, ErrorKind>, Duration)> {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    let c = c.clone();
    authing_mfa::core::runtime::spawn(
        async move { c.call("verifyTotpMfa", Some(params)).await },
        move |r| {
            let _ = tx.send((r.map_err(|e| e.kind()), start.elapsed()));
        },
    )
    .unwrap();
    rx
}

#[test]
fn flooding_servers_neither_overrun_async_deadlines_nor_starve_other_clients() {
    let rt = server_runtime();
    let flood = flood_server(&rt);
    let healthy = common::Recorder::answering(&rt, &ok(USER));
    let flooded = client(&flood, 1000);
    // As many flooded calls as the library has I/O threads, and more.
    let stuck: Vec<_> = (0..3).map(|_| call_async(&flooded, VERIFY)).collect();
    std::thread::sleep(Duration::from_millis(200));
    let good = client(&healthy.url, 5000);
    let mut healthy_took = Vec::new();
    for _ in 0..5 {
        let (r, took) = call_async(&good, VERIFY)
            .recv_timeout(Duration::from_secs(30))
            .unwrap();
        assert!(r.is_ok(), "{r:?}");
        healthy_took.push(took);
    }
    for rx in stuck {
        let (r, took) = rx.recv_timeout(Duration::from_secs(30)).unwrap();
        eprintln!("flooded async call: {r:?} after {took:?}");
        assert_eq!(r, Err(ErrorKind::Timeout));
        assert!(
            took < Duration::from_millis(1000) + SLACK,
            "a 1000 ms call ended after {took:?}"
        );
    }
    eprintln!("healthy calls during the flood took {healthy_took:?}");
    for took in healthy_took {
        assert!(
            took < 2 * SLACK,
            "a call to a healthy server took {took:?} during the flood"
        );
    }
}
