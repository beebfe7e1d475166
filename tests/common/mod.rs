//! A raw HTTP/1.1 server on 127.0.0.1 for the tests: it records every request
//! byte for byte (method, target, headers in order, body) and answers with
//! whatever the test scripts, including answers no well-behaved server gives
//! (never answering, garbage, oversized bodies, redirects).
//!
//! Written on plain tokio sockets rather than a web framework so that the
//! tests see exactly what went over the wire and can misbehave freely.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    /// Names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn body_str(&self) -> &str {
        std::str::from_utf8(&self.body).expect("utf-8 body")
    }
}

/// What the server does with a request.
pub enum Reply {
    /// A normal answer with Content-Length.
    Json(u16, String),
    /// Status, extra headers and body, Content-Length added.
    Full(u16, Vec<(String, String)>, Vec<u8>),
    /// These exact bytes, then close the connection.
    Raw(Vec<u8>),
    /// Accept the request and never answer (the connection stays open).
    Hang,
    /// A JSON answer (as `Json`) sent only after this long.
    SlowJson(Duration, u16, String),
}

type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

pub struct Recorder {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    _task: tokio::task::JoinHandle<()>,
}

impl Recorder {
    /// Starts a server on 127.0.0.1 (a free port) on the library's own
    /// runtime-independent test runtime.
    pub fn start(
        rt: &tokio::runtime::Runtime,
        handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> Recorder {
        Recorder::start_with(rt, true, handler)
    }

    /// Like `start`, but keeps no copy of the requests (for load tests).
    pub fn start_with(
        rt: &tokio::runtime::Runtime,
        record: bool,
        handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> Recorder {
        let handler: Arc<Handler> = Arc::new(handler);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let reqs = requests.clone();
        let task = rt.spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let reqs = reqs.clone();
                tokio::spawn(async move {
                    let _ = serve(sock, handler, reqs, record).await;
                });
            }
        });
        Recorder {
            url,
            requests,
            _task: task,
        }
    }

    /// A recorder that answers every request with this envelope.
    pub fn answering(rt: &tokio::runtime::Runtime, body: &str) -> Recorder {
        let body = body.to_owned();
        Recorder::start(rt, move |_| Reply::Json(200, body.clone()))
    }

    pub fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }
}

async fn serve(
    mut sock: TcpStream,
    handler: Arc<Handler>,
    reqs: Arc<Mutex<Vec<Recorded>>>,
    record: bool,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 8192];
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap_or("").split(' ');
        let method = first.next().unwrap_or("").to_owned();
        let target = first.next().unwrap_or("").to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        buf.drain(..head_end + 4);
        let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        let body = if let Some(len) = get("content-length") {
            let len: usize = len.parse().unwrap();
            while buf.len() < len {
                let mut chunk = [0u8; 8192];
                let n = sock.read(&mut chunk).await?;
                if n == 0 {
                    return Ok(());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            buf.drain(..len).collect()
        } else if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            read_chunked(&mut sock, &mut buf).await?
        } else {
            Vec::new()
        };
        let rec = Recorded {
            method,
            target,
            headers,
            body,
        };
        if record {
            reqs.lock().unwrap().push(rec.clone());
        }
        let reply = match handler(&rec) {
            Reply::SlowJson(wait, status, body) => {
                tokio::time::sleep(wait).await;
                Reply::Json(status, body)
            }
            reply => reply,
        };
        match reply {
            Reply::SlowJson(..) => unreachable!("made a Json above"),
            Reply::Json(status, body) => {
                write_full(
                    &mut sock,
                    status,
                    &[("content-type".into(), "application/json".into())],
                    body.as_bytes(),
                )
                .await?
            }
            Reply::Full(status, hs, body) => write_full(&mut sock, status, &hs, &body).await?,
            Reply::Raw(bytes) => {
                sock.write_all(&bytes).await?;
                sock.shutdown().await?;
                return Ok(());
            }
            Reply::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return Ok(());
            }
        }
    }
}

async fn read_chunked(sock: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(i) = find(buf, b"\r\n") {
                break i;
            }
            let mut chunk = [0u8; 8192];
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(body);
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let size = usize::from_str_radix(String::from_utf8_lossy(&buf[..line_end]).trim(), 16).unwrap_or(0);
        buf.drain(..line_end + 2);
        while buf.len() < size + 2 {
            let mut chunk = [0u8; 8192];
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(body);
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        body.extend(buf.drain(..size));
        buf.drain(..2);
        if size == 0 {
            return Ok(body);
        }
    }
}

async fn write_full(
    sock: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    sock.write_all(head.as_bytes()).await?;
    sock.write_all(body).await?;
    sock.flush().await
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A runtime for the test's servers, separate from the library's own.
pub fn server_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Blocks on a library future from a plain test thread.
pub fn block<F: std::future::Future>(f: F) -> F::Output {
    authing_mfa::core::runtime::block_on(f).expect("not inside a runtime")
}

/// Headers that legitimately differ between Node/axios and this library:
/// `user-agent` and `x-authing-sdk-version` name the client itself (the
/// library says `authing-mfa/0.1.0` and `c:0.1.0`, checked exactly by the
/// wire tests), `host` (the port) and `connection` belong to the connection.
pub const CLIENT_SPECIFIC: &[&str] = &["host", "connection", "user-agent", "x-authing-sdk-version"];

pub const USER: &str = r#"{"id":"u1","arn":"arn:cn:authing:p1:user:u1","userPoolId":"p1","lastIp":"1.2.3.4","lastIP":"1.2.3.4","isRoot":false,"salt":null,"n":1.50}"#;

pub fn ok(data: &str) -> String {
    format!(r#"{{"code":200,"message":"ok","data":{data}}}"#)
}

/// A TLS set-up for a test server on 127.0.0.1: a CA made here, which no
/// system trusts (its PEM, for `caCertPem`), and a server configuration
/// with a certificate for 127.0.0.1 and localhost signed by it (no ALPN).
pub fn tls_server_config() -> (String, rustls::ServerConfig) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap();
    (ca_cert.pem(), config)
}
