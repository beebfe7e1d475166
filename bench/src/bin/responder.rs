//! A fast loopback HTTP/1.1 responder: every request, whatever its method or
//! path, gets the same ~300-byte Authing envelope with a user in `data`, the
//! shape `verifyTotpMfa` answers on success.
//!
//! It exists so that the benchmark measures the clients, not a server: no
//! parsing, no state, no logging, keep-alive on. It listens on 127.0.0.1
//! only and prints its URL on the first stdout line.
//!
//! Usage: `responder [--port 0] [--threads 2] [--exit-on-stdin-close]`.
//! With `--exit-on-stdin-close` it exits when its stdin reaches EOF, so a
//! crashed bench script never leaks it. On exit it prints the number of
//! requests served to stderr.

use authing_mfa_bench::Args;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;

/// The answer: code 200 and a plausible user (with the `token` that a real
/// verifyTotpMfa returns). About 300 bytes, like a trimmed Authing user.
const ANSWER: &str = concat!(
    r#"{"code":200,"message":"ok","data":{"id":"bench-user","arn":"arn:cn:authing:bench-pool:user:bench-user","#,
    r#""userPoolId":"bench-pool","username":"bench","email":"bench@example.com","emailVerified":true,"#,
    r#""phone":null,"token":"bench-user-token","tokenExpiredAt":"2030-01-01T00:00:00.000Z","#,
    r#""loginsCount":42}}"#
);

static SERVED: AtomicU64 = AtomicU64::new(0);

fn main() {
    let args = match Args::parse(&["exit-on-stdin-close"]) {
        Ok(a) => a,
        Err(e) => fail(&e),
    };
    let port: u16 = args.num("port", 0).unwrap_or_else(|e| fail(&e));
    let threads: usize = args.num("threads", 2).unwrap_or_else(|e| fail(&e));
    if threads == 0 {
        fail("`--threads` must be at least 1");
    }

    if args.flag("exit-on-stdin-close") {
        std::thread::spawn(|| {
            let mut stdin = std::io::stdin();
            let mut buf = [0u8; 256];
            while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
            eprintln!(
                "responder: stdin closed, {} requests served",
                SERVED.load(Ordering::Relaxed)
            );
            std::process::exit(0);
        });
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("cannot start tokio: {e}")));
    runtime.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap_or_else(|e| fail(&format!("cannot listen on 127.0.0.1:{port}: {e}")));
        let addr = listener.local_addr().unwrap_or_else(|e| fail(&e.to_string()));
        let mut out = std::io::stdout();
        let _ = writeln!(out, "http://{addr}");
        let _ = out.flush();
        serve(listener).await;
    });
}

async fn serve(listener: TcpListener) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors, most likely: wait for some to be
                // released rather than spinning or dying mid-benchmark.
                eprintln!("responder: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service_fn(answer))
                .await;
        });
    }
}

async fn answer(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    // Read the whole request body, as a real server would; hyper would
    // otherwise close the connection instead of keeping it alive.
    let _ = req.into_body().collect().await;
    SERVED.fetch_add(1, Ordering::Relaxed);
    let mut resp = Response::new(Full::new(Bytes::from_static(ANSWER.as_bytes())));
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    Ok(resp)
}

fn fail(message: &str) -> ! {
    eprintln!("responder: {message}");
    std::process::exit(2);
}

#[cfg(test)]
mod tests {
    use super::ANSWER;

    #[test]
    fn answer_is_an_envelope_of_about_300_bytes() {
        assert!((280..=320).contains(&ANSWER.len()), "{}", ANSWER.len());
        assert!(ANSWER.starts_with(r#"{"code":200,"#));
        assert!(ANSWER.contains(r#""id":"bench-user""#));
    }
}
