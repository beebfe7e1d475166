//! The floor: the same `verifyTotpMfa` request sent with plain reqwest 0.13
//! (the HTTP client the library is built on, with the same features) on a
//! two-worker tokio runtime (the library's), without any of the library's
//! layers (argument checks, the C boundary, envelope decoding, result
//! strings, the operation registry): what reqwest alone costs for the same
//! request. The target is for the library to stay within 10 % of it at the
//! same concurrency.
//!
//! Usage: `floor --url URL --id ROW [--inflight 1] [--calls N] [--secs S]
//! [--warmup-calls W] [--drive task|block-on]`. With `task` (the floor)
//! `inflight` loops run as tasks on the runtime; `block-on` is described at
//! `blocking_phase`. Runs W calls first (not counted, they open the
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

/// What one phase did.
struct Phase {
    ok: u64,
    errors: u64,
    elapsed: Duration,
    /// CPU seconds the whole process used meanwhile (all threads).
    cpu_s: f64,
}

/// CPU seconds (user + system) this process has used, from /proc/self/stat
/// (fields 14 and 15, in USER_HZ ticks, 100 per second on Linux).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // The command name (field 2) may hold spaces: count from after its `)`.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // `after` starts at field 3, so fields 14 and 15 are at 11 and 12.
    (ticks(11) + ticks(12)) / 100.0
}

#[derive(Default)]
struct Counts {
    claimed: AtomicU64,
    ok: AtomicU64,
    errors: AtomicU64,
}

/// Runs `inflight` loops that each claim a call number, until `calls` are
/// claimed or `deadline` passes.
async fn phase(target: &Arc<Target>, inflight: usize, calls: u64, secs: f64) -> Phase {
    let counts = Arc::new(Counts::default());
    let cpu0 = cpu_seconds();
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
    Phase {
        ok: counts.ok.load(Ordering::Relaxed),
        errors: counts.errors.load(Ordering::Relaxed),
        elapsed: start.elapsed(),
        cpu_s: cpu_seconds() - cpu0,
    }
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
    let blocking = match args.str("drive").unwrap_or("task") {
        "task" => false,
        "block-on" => true,
        other => return Err(format!("`--drive` is `task` or `block-on`, not `{other}`")),
    };
    if inflight == 0 || (blocking && inflight != 1) {
        return Err("`--inflight` must be at least 1, and 1 with `--drive block-on`".into());
    }

    // `block-on` drives a current-thread runtime from the calling thread, as
    // the library's lanes do; the floor proper runs on two workers.
    let runtime = if blocking {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
    }
    .map_err(|e| format!("cannot start tokio: {e}"))?;
    let http = {
        // reqwest's connector wants a runtime context when it is built.
        let _guard = runtime.enter();
        reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .user_agent("authing-mfa/0.1.0")
            .build()
            .map_err(|e| format!("cannot build the reqwest client: {e}"))?
    };
    let target = Arc::new(Target {
        http,
        url: format!("{}/api/v2/mfa/totp/verify", base.trim_end_matches('/')),
        headers: headers(),
        expect: format!(r#""id":"{USER_ID}""#),
    });
    let warm_secs = secs.max(1.0);
    let (warm, run) = if blocking {
        let warm = blocking_phase(&runtime, &target, warmup, warm_secs);
        (warm, blocking_phase(&runtime, &target, calls, secs))
    } else {
        runtime.block_on(async {
            let warm = phase(&target, inflight, warmup, warm_secs).await;
            (warm, phase(&target, inflight, calls, secs).await)
        })
    };
    let errors = run.errors + warm.errors;
    println!(
        "RESULT {id} calls={} errors={errors} secs={:.4} cpu_s={:.4} requested={calls} inflight={inflight}",
        run.ok + run.errors,
        run.elapsed.as_secs_f64(),
        run.cpu_s,
    );
    let ok = run.ok;
    Ok(errors == 0 && ok > 0)
}

/// `--drive block-on`: what the library's blocking calls do (a lane, see
/// `src/core/runtime.rs`), with nothing of the library: one
/// `Runtime::block_on` per call on a current-thread runtime, so the calling
/// thread drives the connection itself. Not the issue's floor: an extra
/// row that separates the cost of blocking from the cost of the library's
/// own code.
fn blocking_phase(runtime: &tokio::runtime::Runtime, target: &Target, calls: u64, secs: f64) -> Phase {
    let (mut ok, mut errors) = (0, 0);
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    while Instant::now() < deadline && ok + errors < calls {
        if runtime.block_on(target.call()) {
            ok += 1;
        } else {
            errors += 1;
        }
    }
    Phase {
        ok,
        errors,
        elapsed: start.elapsed(),
        cpu_s: cpu_seconds() - cpu0,
    }
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
