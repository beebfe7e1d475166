//! The floor: the same `verifyTotpMfa` request sent with plain reqwest 0.13
//! (the HTTP client the library is built on, with the same features) on a
//! two-worker tokio runtime (the library's), without any of the library's
//! layers (argument checks, the C boundary, envelope decoding, result
//! strings, the operation registry). The library cannot be faster than this;
//! the target is to stay within 10 % of it.
//!
//! Usage: `floor --url URL --id ROW [--inflight 1] [--calls N] [--secs S]
//! [--warmup-calls W]`. Runs W calls first (not counted, they open the
//! connections), then until N calls or S seconds, whichever comes first, and
//! prints `RESULT <row> calls= errors= secs=`. Exits 1 if any call failed.

use authing_mfa_bench::{Args, MFA_TOKEN, REQUEST_BODY, USER_ID};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Target {
    http: reqwest::Client,
    url: String,
    headers: HeaderMap,
    /// What a correct answer contains (the user id), so that a wrong answer
    /// counts as an error and not as a fast call.
    expect: String,
}

impl Target {
    /// One call: POST, status 200, whole body read, user id present.
    async fn call(&self) -> bool {
        let sent = self
            .http
            .post(&self.url)
            .headers(self.headers.clone())
            .body(REQUEST_BODY)
            .send()
            .await;
        let Ok(resp) = sent else { return false };
        if resp.status() != reqwest::StatusCode::OK {
            return false;
        }
        match resp.bytes().await {
            Ok(body) => body
                .windows(self.expect.len())
                .any(|w| w == self.expect.as_bytes()),
            Err(_) => false,
        }
    }
}

#[derive(Default)]
struct Counts {
    claimed: AtomicU64,
    ok: AtomicU64,
    errors: AtomicU64,
}

/// Runs `inflight` loops that each claim a call number, until `calls` are
/// claimed or `deadline` passes. Returns (ok, errors, elapsed).
async fn phase(target: &Arc<Target>, inflight: usize, calls: u64, secs: f64) -> (u64, u64, Duration) {
    let counts = Arc::new(Counts::default());
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut tasks = Vec::with_capacity(inflight);
    for _ in 0..inflight {
        let (target, counts) = (target.clone(), counts.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline && counts.claimed.fetch_add(1, Ordering::Relaxed) < calls {
                let which = if target.call().await {
                    &counts.ok
                } else {
                    &counts.errors
                };
                which.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        if t.await.is_err() {
            counts.errors.fetch_add(1, Ordering::Relaxed);
        }
    }
    (
        counts.ok.load(Ordering::Relaxed),
        counts.errors.load(Ordering::Relaxed),
        start.elapsed(),
    )
}

fn headers() -> HeaderMap {
    // The headers the library sends for verifyTotpMfa with
    // {userPoolId, appId}: same count and sizes, so the bytes on the wire
    // match.
    let mut h = HeaderMap::new();
    for (name, value) in [
        ("x-authing-userpool-id", "bench-pool"),
        ("x-authing-app-id", "bench-app"),
        ("x-authing-request-from", "sdk"),
        ("x-authing-sdk-version", "c:0.1.0"),
        ("x-authing-lang", "zh-CN"),
    ] {
        h.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    h.insert(
        ACCEPT,
        HeaderValue::from_static("application/json, text/plain, */*"),
    );
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let mut auth = HeaderValue::from_str(&format!("Bearer {MFA_TOKEN}")).expect("ASCII");
    auth.set_sensitive(true);
    h.insert(AUTHORIZATION, auth);
    h
}

/// The library's TLS set-up for a plain-http client: the ring provider and
/// an empty trust store (nothing is ever handshaken on http://).
fn tls_config() -> Result<rustls::ClientConfig, String> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("TLS set-up failed: {e}"))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn run(args: &Args) -> Result<bool, String> {
    let base = args.str("url").ok_or("`--url` is required")?;
    let id = args.str("id").ok_or("`--id` is required")?.to_owned();
    let inflight: usize = args.num("inflight", 1)?;
    let calls: u64 = args.num("calls", 1_000)?;
    let secs: f64 = args.num("secs", 10.0)?;
    let warmup: u64 = args.num("warmup-calls", 0)?;
    if inflight == 0 {
        return Err("`--inflight` must be at least 1".into());
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    runtime.block_on(async move {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .user_agent("authing-mfa/0.1.0")
            .build()
            .map_err(|e| format!("cannot build the reqwest client: {e}"))?;
        let target = Arc::new(Target {
            http,
            url: format!("{}/api/v2/mfa/totp/verify", base.trim_end_matches('/')),
            headers: headers(),
            expect: format!(r#""id":"{USER_ID}""#),
        });
        let (_, warm_errors, _) = phase(&target, inflight, warmup, secs.max(1.0)).await;
        let (ok, errors, elapsed) = phase(&target, inflight, calls, secs).await;
        let errors = errors + warm_errors;
        println!(
            "RESULT {id} calls={} errors={errors} secs={:.4} requested={calls} inflight={inflight}",
            ok + errors,
            elapsed.as_secs_f64()
        );
        Ok(errors == 0 && ok > 0)
    })
}

fn main() {
    let outcome = Args::parse(&[]).and_then(|a| run(&a));
    match outcome {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("floor: {e}");
            std::process::exit(2);
        }
    }
}
