//! HTTP: where every request is built, sent and read, and where every answer
//! becomes either an `Answer` or an [`Error`].
//!
//! What it guarantees, whatever the caller or the server does:
//! - the `x-authing-*` headers of the JS SDK, with empty ones dropped, and an
//!   `Authorization` header only when there is a token;
//! - one deadline (`timeout`) for the whole exchange, body included;
//! - redirects are never followed, so a token never reaches another host;
//! - a response body larger than `maxResponseBytes` is refused before it is
//!   buffered (by `Content-Length`) or as soon as it grows past the cap;
//! - plain `http://` only to loopback unless `allowInsecureHttp` is set;
//! - error messages never contain the request's secrets, even when a server
//!   echoes them back.

use crate::core::error::{Error, ErrorKind};
use crate::core::http::{self as http_client, HttpClient};
use crate::core::log::{self, Level};
use crate::core::options::Options;
use crate::core::runtime;
use crate::core::secret::Secret;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER,
    USER_AGENT as USER_AGENT_HEADER,
};
use hyper::{Method, StatusCode, Uri};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;
use url::Url;

/// What this library calls itself in `x-authing-sdk-version`, the way the JS
/// SDK sends `js:<version>`.
pub const SDK_VERSION_HEADER: &str = concat!("c:", env!("CARGO_PKG_VERSION"));
/// Our `User-Agent` (the JS SDK on Node sends axios's, `axios/0.28.0`; a
/// library should name itself so server logs can tell clients apart).
pub const USER_AGENT: &str = concat!("authing-mfa/", env!("CARGO_PKG_VERSION"));
/// The JS SDK's `Accept` (axios's default), sent verbatim.
pub const ACCEPT_VALUE: &str = "application/json, text/plain, */*";
/// The JS SDK's `Content-Type` for JSON bodies (axios's default).
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// Which token a request carries.
pub(crate) enum Auth {
    /// `Bearer <mfaToken>`, never the user token.
    Mfa(Secret),
    /// The client's stored user token, if any.
    User,
}

pub(crate) enum Body {
    Empty,
    Json(String),
    /// A `multipart/form-data` body and its content type (with boundary).
    Multipart {
        content_type: String,
        bytes: Vec<u8>,
    },
}

/// One request of one operation.
pub(crate) struct Request {
    pub method: Method,
    /// Path and query, appended to the base URL as a string (as the JS SDK
    /// does). A fixed path is borrowed, and its URL parsed once per client.
    pub path: Cow<'static, str>,
    pub body: Body,
    pub auth: Auth,
    /// Values to scrub from any message a server sends back (codes, tokens).
    pub secrets: Vec<Secret>,
}

/// A successful envelope. (Debug prints no field values: `data` may hold a
/// user token.)
pub(crate) struct Answer {
    pub code: i64,
    pub message: String,
    pub data: Box<RawValue>,
    /// The top-level `recoveryCode` Authing adds when it rotates one.
    pub recovery_code: Option<Secret>,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

pub(crate) struct Transport {
    /// The TLS set-up every HTTP client of this transport is built with.
    tls: rustls::ClientConfig,
    /// The HTTP client (and so the connection pool) of calls on the
    /// multi-thread runtime (async calls, and blocking calls when every lane
    /// is taken), built on first use.
    http_shared: OnceLock<HttpClient>,
    /// One per lane of blocking calls (`runtime::Lane`), made on first use.
    /// Separate because a connection's task lives on the runtime that opened
    /// it: a connection of one runtime used from another would only make
    /// progress while its own runtime happens to be driven.
    /// Boxed: a pooled client is a few hundred bytes inline, and 64 slots
    /// per client made every client 22 KiB larger (1 000 clients: +21 MiB).
    http_lanes: OnceLock<Box<[OnceLock<Box<HttpClient>>]>>,
    /// The parsed URL of every fixed path used so far: parsing a URL (host
    /// name rules included) was 5-7% of a call's CPU. At most one entry per
    /// operation, so it never grows past a dozen.
    urls: RwLock<Vec<(&'static str, Uri)>>,
    base: String,
    headers: HeaderMap,
    timeout: Duration,
    max_body: usize,
    max_retries: u32,
    /// Why requests are refused (insecure URL), decided once at construction.
    refused: Option<String>,
}

impl Transport {
    /// The client's deadline for one call.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn new(options: &Options) -> Result<Transport, Error> {
        let base = options.base_url().to_owned();
        let which = if options.app_host.is_some() {
            "appHost"
        } else {
            "host"
        };
        let url = Url::parse(&base)
            .map_err(|_| Error::invalid_argument(format!("options: `{which}` is not a valid URL")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(Error::invalid_argument(format!(
                "options: `{which}` must be an http:// or https:// URL with a host"
            )));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::invalid_argument(format!(
                "options: `{which}` must not have a query or a fragment"
            )));
        }
        let loopback = is_loopback(&url);
        let refused = (url.scheme() == "http" && !loopback && !options.allow_insecure_http).then(|| {
            format!(
                "refusing plain http:// to {} (tokens would travel unencrypted); use https:// or set allowInsecureHttp",
                url.host_str().unwrap_or("")
            )
        });

        let mut headers = HeaderMap::new();
        let mut put = |name: &'static str, value: Option<&str>, option: &str| -> Result<(), Error> {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                let hv = HeaderValue::from_str(v).map_err(|_| {
                    Error::invalid_argument(format!(
                        "options: `{option}` contains characters not allowed in an HTTP header"
                    ))
                })?;
                headers.insert(HeaderName::from_static(name), hv);
            }
            Ok(())
        };
        put(
            "x-authing-userpool-id",
            options.user_pool_id.as_deref(),
            "userPoolId",
        )?;
        put("x-authing-app-id", options.app_id.as_deref(), "appId")?;
        put(
            "x-authing-app-tenant-id",
            options.tenant_id.as_deref(),
            "tenantId",
        )?;
        put(
            "x-authing-request-from",
            Some(options.request_from.as_deref().unwrap_or("sdk")),
            "requestFrom",
        )?;
        put("x-authing-sdk-version", Some(SDK_VERSION_HEADER), "")?;
        put("x-authing-lang", Some(options.lang.as_str()), "lang")?;
        headers.insert(ACCEPT, HeaderValue::from_static(ACCEPT_VALUE));
        headers.insert(USER_AGENT_HEADER, HeaderValue::from_static(USER_AGENT));

        let tls = tls_config(url.scheme() == "https", options.ca_cert_pem.as_deref())?;
        Ok(Transport {
            tls,
            http_shared: OnceLock::new(),
            http_lanes: OnceLock::new(),
            urls: RwLock::new(Vec::new()),
            base,
            headers,
            timeout: options.effective_timeout(),
            max_body: options.effective_max_response_bytes(),
            max_retries: options.effective_max_retries(),
            refused,
        })
    }

    /// The HTTP client for the runtime this runs on (see the fields), built
    /// on first use.
    fn http(&self) -> &HttpClient {
        let build = || http_client::client(self.tls.clone());
        let Some(lane) = runtime::current_lane() else {
            return self.http_shared.get_or_init(build);
        };
        let lanes = self.http_lanes.get_or_init(|| {
            (0..runtime::MAX_LANES)
                .map(|_| OnceLock::new())
                .collect::<Vec<_>>()
                .into_boxed_slice()
        });
        lanes[lane].get_or_init(|| Box::new(build()))
    }

    /// The base URL followed by `path`, parsed; from the cache for a fixed
    /// path.
    // The `Cow` itself, not a `&str`: which variant it is tells a fixed
    // path (cached) from a built one.
    #[allow(clippy::ptr_arg)]
    fn url(&self, path: &Cow<'static, str>) -> Result<Uri, Error> {
        // Through the WHATWG parser first (as the JS SDK's URL handling
        // does: it normalizes and percent-encodes), then into hyper's type.
        let parse = || {
            Url::parse(&format!("{}{}", self.base, path))
                .ok()
                .and_then(|url| Uri::try_from(url.as_str()).ok())
                .ok_or_else(|| Error::invalid_argument("the request URL is not valid"))
        };
        let Cow::Borrowed(fixed) = path else {
            return parse();
        };
        let cached =
            |urls: &[(&'static str, Uri)]| urls.iter().find(|(p, _)| p == fixed).map(|(_, u)| u.clone());
        if let Some(url) = cached(&self.urls.read().unwrap_or_else(|p| p.into_inner())) {
            return Ok(url);
        }
        let url = parse()?;
        let mut urls = self.urls.write().unwrap_or_else(|p| p.into_inner());
        if cached(&urls).is_none() {
            urls.push((fixed, url.clone()));
        }
        Ok(url)
    }

    /// Sends one request and reads its envelope. `user_token` is the client's
    /// stored token at the moment of sending.
    ///
    /// Only a GET without a body is ever retried (after a network failure or
    /// an answer of 429, 502, 503 or 504), since repeating it changes
    /// nothing on the server. A POST or DELETE is sent once: a retried
    /// verify could burn a recovery code or count twice towards a lockout.
    /// The `timeout` bounds the whole call, retries and waits included.
    pub(crate) async fn send(&self, req: Request, user_token: Option<Secret>) -> Result<Answer, Error> {
        let mut secrets = req.secrets;
        if let Some(reason) = &self.refused {
            return Err(Error::new(ErrorKind::Network, reason.clone()));
        }
        let http = self.http();
        let url = self.url(&req.path)?;
        let token = match req.auth {
            Auth::Mfa(t) => Some(t),
            Auth::User => user_token,
        };
        let mut headers = self.headers.clone();
        if let Some(token) = token {
            // From the String itself: `from_str` would copy it once more.
            let mut hv = HeaderValue::try_from(format!("Bearer {}", token.expose())).map_err(|_| {
                Error::invalid_argument("the token contains characters not allowed in an HTTP header")
            })?;
            hv.set_sensitive(true);
            headers.insert(AUTHORIZATION, hv);
            secrets.push(token);
        }
        let retryable = req.method == Method::GET && matches!(req.body, Body::Empty);
        let method = req.method;
        let mut body = Some(req.body);
        let deadline = tokio::time::Instant::now() + self.timeout;
        let started = std::time::Instant::now();
        if log::enabled(Level::Debug) {
            log::log(Level::Debug, || describe_request(&method, &req.path, &headers));
        }

        let mut parts = Some((url, headers));
        let attempts = async {
            let mut attempt: u32 = 0;
            loop {
                // Only a retryable request (a GET) is built more than once;
                // any other moves its URL and headers into its one attempt.
                let (url, headers) = match &parts {
                    Some((u, h)) if retryable => (u.clone(), h.clone()),
                    _ => parts.take().expect("a request that is not retried is built once"),
                };
                let mut headers = headers;
                let bytes = match body.take().unwrap_or(Body::Empty) {
                    Body::Empty => Bytes::new(),
                    Body::Json(json) => {
                        headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
                        Bytes::from(json)
                    }
                    Body::Multipart { content_type, bytes } => {
                        let value = HeaderValue::try_from(content_type)
                            .map_err(|_| Error::invalid_argument("bad multipart content type"))?;
                        headers.insert(CONTENT_TYPE, value);
                        Bytes::from(bytes)
                    }
                };
                let mut request = hyper::Request::new(Full::new(bytes));
                *request.method_mut() = method.clone();
                *request.uri_mut() = url;
                *request.headers_mut() = headers;
                let outcome = self.exchange(http, request).await;
                let retry_after = match &outcome {
                    Ok(raw) if retryable && RETRY_STATUSES.contains(&raw.status.as_u16()) => {
                        Some(raw.retry_after)
                    }
                    Err(e) if retryable && e.kind() == ErrorKind::Network => Some(None),
                    _ => None,
                };
                if let Some(retry_after) = retry_after {
                    if attempt < self.max_retries {
                        let wait = backoff(attempt, retry_after);
                        if tokio::time::Instant::now() + wait < deadline {
                            attempt += 1;
                            log::log(Level::Warn, || {
                                let why = match &outcome {
                                    Ok(raw) => format!("HTTP {}", raw.status.as_u16()),
                                    Err(e) => scrub(e.message(), &secrets),
                                };
                                format!(
                                    "retrying {method} {} after {why}: attempt {} of {} in {} ms",
                                    req.path,
                                    attempt + 1,
                                    self.max_retries + 1,
                                    wait.as_millis()
                                )
                            });
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    }
                }
                return outcome;
            }
        };
        let raw = match tokio::time::timeout_at(deadline, attempts).await {
            Ok(result) => result,
            Err(_) => Err(Error::new(
                ErrorKind::Timeout,
                format!("no complete answer within {} ms", self.timeout.as_millis()),
            )),
        };
        // Every message that leaves here is scrubbed, whatever part of the
        // server's answer it quotes (a message, a content type, a reason
        // for a failed connection): before it is logged and returned.
        let result = raw
            .and_then(|raw| decode(raw.status, raw.content_type.as_deref(), &raw.body, &secrets))
            .map_err(|e| scrub_error(e, &secrets));
        log::log(if result.is_ok() { Level::Info } else { Level::Warn }, || {
            let outcome = match &result {
                Ok(_) => "ok".to_owned(),
                Err(e) => format!(
                    "{} (code {}, HTTP {}): {}",
                    e.kind().name(),
                    e.code().map_or("none".into(), |c| c.to_string()),
                    e.http_status().map_or("none".into(), |c| c.to_string()),
                    e.message()
                ),
            };
            format!(
                "{method} {} -> {outcome} in {} ms",
                req.path,
                started.elapsed().as_millis()
            )
        });
        result
    }

    /// One request, one answer read in full (up to the cap).
    async fn exchange(
        &self,
        http: &HttpClient,
        request: hyper::Request<http_client::Body>,
    ) -> Result<RawAnswer, Error> {
        let max = self.max_body;
        let resp = http.request(request).await.map_err(|e| network_error(&e))?;
        let status = resp.status();
        let header = |name: HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(CONTENT_TYPE);
        let retry_after = header(RETRY_AFTER)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let content_length = header(hyper::header::CONTENT_LENGTH).and_then(|v| v.trim().parse::<u64>().ok());
        if content_length.is_some_and(|n| n > max as u64) {
            return Err(too_large(max, status));
        }
        let mut incoming = resp.into_body();
        let mut body = Vec::new();
        while let Some(frame) = incoming.frame().await {
            let frame = frame.map_err(|e| {
                Error::from_server(
                    ErrorKind::Network,
                    format!("the connection failed while reading the answer: {}", chain(&e)),
                    None,
                    Some(status.as_u16()),
                    None,
                )
            })?;
            // Trailers (HTTP/2) carry nothing the library reads.
            let Ok(chunk) = frame.into_data() else { continue };
            if body.len() + chunk.len() > max {
                return Err(too_large(max, status));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawAnswer {
            status,
            content_type,
            retry_after,
            body,
        })
    }
}

impl Drop for Transport {
    /// In a child forked after the library's first use, the HTTP clients'
    /// connection pools are the parent's, copied: dropping them could touch
    /// sockets and an epoll instance the parent still uses. They are leaked
    /// instead (memory only; the child has no use for them).
    fn drop(&mut self) {
        if runtime::in_forked_child() {
            std::mem::forget(self.http_shared.take());
            std::mem::forget(self.http_lanes.take());
        }
    }
}

struct RawAnswer {
    status: StatusCode,
    content_type: Option<String>,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

/// Answers after which an idempotent GET is tried again.
const RETRY_STATUSES: [u16; 4] = [429, 502, 503, 504];
/// The first wait; doubled each attempt.
const BACKOFF_BASE: Duration = Duration::from_millis(100);
/// No wait is longer than this, whatever `Retry-After` asks.
const BACKOFF_CAP: Duration = Duration::from_secs(5);

/// Exponential backoff with full jitter (a random wait up to the doubled
/// base, so that many clients failing at once do not retry in lockstep),
/// or the server's `Retry-After`, both capped.
fn backoff(attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(ra) = retry_after {
        return ra.min(BACKOFF_CAP);
    }
    let ceiling = BACKOFF_BASE
        .saturating_mul(1u32 << attempt.min(6))
        .min(BACKOFF_CAP);
    let ms = ceiling.as_millis() as u64;
    Duration::from_millis(ms / 2 + http_client::random_u64() % (ms / 2 + 1))
}

/// A request line and its headers for the debug log, the token redacted.
fn describe_request(method: &Method, path: &str, headers: &HeaderMap) -> String {
    let mut out = format!("{method} {path}");
    for (name, value) in headers {
        let shown = if name == AUTHORIZATION {
            "Bearer <redacted>"
        } else {
            value.to_str().unwrap_or("<binary>")
        };
        out.push_str(&format!("; {name}: {shown}"));
    }
    out
}

fn too_large(max: usize, status: StatusCode) -> Error {
    Error::from_server(
        ErrorKind::Decode,
        format!("the answer is larger than maxResponseBytes ({max} bytes)"),
        None,
        Some(status.as_u16()),
        None,
    )
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The error and its causes, one sentence. (No error of the HTTP stack
/// quotes the URL; the request's path and query never reach a message.)
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn network_error(e: &hyper_util::client::legacy::Error) -> Error {
    let kind = ErrorKind::Network;
    let what = if e.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    };
    let detail = match std::error::Error::source(e) {
        Some(s) => chain(s),
        None => "no further detail".to_owned(),
    };
    Error::new(kind, format!("{what}: {detail}"))
}

/// Replaces every secret of the request found in `text` by `<redacted>`.
///
/// Longest first: a short secret that also occurs inside a longer one (a
/// 4-digit SMS code inside an mfaToken) would otherwise be replaced inside
/// it first, and the rest of the longer secret would no longer match and be
/// shown. Secrets shorter than 4 characters are left alone: that would
/// mangle ordinary words for no protection.
fn scrub(text: &str, secrets: &[Secret]) -> String {
    let mut found: Vec<&str> = secrets
        .iter()
        .map(Secret::expose)
        .filter(|s| s.len() >= 4 && text.contains(s))
        .collect();
    if found.is_empty() {
        return text.to_owned();
    }
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_owned();
    for s in found {
        out = out.replace(s, "<redacted>");
    }
    out
}

fn scrub_error(e: Error, secrets: &[Secret]) -> Error {
    let message = scrub(e.message(), secrets);
    Error::from_server(
        e.kind(),
        message,
        e.code(),
        e.http_status(),
        e.data().map(|d| d.to_owned()),
    )
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    code: Option<Value>,
    #[serde(default, rename = "statusCode")]
    status_code: Option<Value>,
    #[serde(default, rename = "apiCode")]
    api_code: Option<Value>,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    data: Option<Box<RawValue>>,
    #[serde(default, rename = "recoveryCode")]
    recovery_code: Option<Value>,
}

fn as_code(v: &Option<Value>) -> Option<i64> {
    v.as_ref().and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
    })
}

fn null_raw() -> Box<RawValue> {
    RawValue::from_string("null".to_owned()).expect("null is JSON")
}

/// Decodes a status and body as the transport would, returning the result
/// `data` text. For the fuzz harness and tests only.
#[doc(hidden)]
pub fn decode_for_fuzzing(status: u16, body: &[u8]) -> Result<String, Error> {
    let status = StatusCode::from_u16(status).map_err(|_| Error::invalid_argument("bad status"))?;
    decode(status, None, body, &[]).map(|a| a.data.get().to_owned())
}

/// Turns a status and body into an answer or the one error shape. The
/// caller scrubs the whole message of an error; `secrets` is for the server
/// text quoted only in part here.
fn decode(
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
    secrets: &[Secret],
) -> Result<Answer, Error> {
    let http = Some(status.as_u16());
    // An envelope is an object; serde would also accept an array as the
    // struct's "sequence form", which no server means.
    let is_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let envelope: Option<Envelope> = if is_object {
        serde_json::from_slice(body).ok()
    } else {
        None
    };
    let message_of = |env: &Envelope| {
        env.message
            .as_ref()
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
    };

    if !status.is_success() {
        let (code, message, data) = match &envelope {
            Some(env) => (
                as_code(&env.code).or(as_code(&env.api_code)),
                message_of(env),
                env.data.clone(),
            ),
            None => (None, None, None),
        };
        let mut text = message.unwrap_or_else(|| {
            format!(
                "the server answered HTTP {} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
            .trim_end()
            .to_owned()
        });
        if status.is_redirection() {
            text.push_str(" (redirects are not followed)");
        }
        return Err(Error::from_server(ErrorKind::HttpStatus, text, code, http, data));
    }

    let Some(env) = envelope else {
        let what = match serde_json::from_slice::<Value>(body) {
            Ok(_) => "an Authing envelope".to_owned(),
            Err(_) if body.is_empty() => "an Authing envelope (the body is empty)".to_owned(),
            // Scrubbed before it is cut short: a secret cut in half would
            // no longer be found by the scrubbing of the whole message.
            Err(_) => format!(
                "JSON (content-type {})",
                content_type
                    .map(|c| scrub(c, secrets).chars().take(80).collect::<String>())
                    .unwrap_or_else(|| "none".into())
            ),
        };
        return Err(Error::from_server(
            ErrorKind::Decode,
            format!("the answer (HTTP {}) is not {what}", status.as_u16()),
            None,
            http,
            None,
        ));
    };
    if env.code.as_ref().is_some_and(|c| !c.is_number()) {
        return Err(Error::from_server(
            ErrorKind::Decode,
            "the answer's `code` is not a number",
            None,
            http,
            None,
        ));
    }
    let code = as_code(&env.code);
    let status_code = as_code(&env.status_code);
    let message = message_of(&env);
    if code == Some(200) || status_code == Some(200) {
        let recovery_code = env
            .recovery_code
            .as_ref()
            .and_then(Value::as_str)
            .map(Secret::from);
        return Ok(Answer {
            code: 200,
            message: message.unwrap_or_default(),
            data: env.data.unwrap_or_else(null_raw),
            recovery_code,
        });
    }
    let code = code.or(as_code(&env.api_code)).or(status_code);
    match code {
        Some(code) => Err(Error::from_server(
            ErrorKind::Api,
            message.unwrap_or_else(|| format!("Authing answered code {code}")),
            Some(code),
            http,
            env.data,
        )),
        None => Err(Error::from_server(
            ErrorKind::Decode,
            format!(
                "the answer (HTTP {}) is not an Authing envelope: it has no code",
                status.as_u16()
            ),
            None,
            http,
            None,
        )),
    }
}

/// Encodes query parameters the way axios does (encodeURIComponent, then
/// `: $ , [ ]` put back and spaces as `+`); absent values are left out.
pub(crate) fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        let Some(v) = v else { continue };
        out.push(if out.is_empty() { '?' } else { '&' });
        out.push_str(&axios_encode(k));
        out.push('=');
        out.push_str(&axios_encode(v));
    }
    out
}

fn axios_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => out.push(b as char),
            b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' => out.push(b as char),
            b':' | b'$' | b',' | b'[' | b']' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

static SYSTEM_ROOTS: OnceLock<Arc<rustls::RootCertStore>> = OnceLock::new();

/// The system's trust store, read once per process (it is read from disk and
/// costs milliseconds; a thousand clients must not pay it a thousand times).
/// Where the platform has none that rustls-native-certs can read (iOS,
/// Android), Mozilla's roots from webpki-roots are used instead.
fn system_roots() -> Arc<rustls::RootCertStore> {
    SYSTEM_ROOTS
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
            Arc::new(roots)
        })
        .clone()
}

/// A rustls configuration with the ring provider, TLS 1.2 and 1.3 only. Plain-http clients get an empty trust store, since
/// they never handshake (redirects are not followed) and should not pay for
/// reading the system store.
fn tls_config(https: bool, extra_pem: Option<&str>) -> Result<rustls::ClientConfig, Error> {
    let roots = if !https && extra_pem.is_none() {
        Arc::new(rustls::RootCertStore::empty())
    } else if let Some(pem) = extra_pem {
        let mut roots = (*system_roots()).clone();
        use rustls::pki_types::{pem::PemObject, CertificateDer};
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|_| Error::invalid_argument("options: `caCertPem` is not valid PEM"))?;
            roots.add(cert).map_err(|_| {
                Error::invalid_argument("options: `caCertPem` holds a certificate rustls cannot use")
            })?;
            added += 1;
        }
        if added == 0 {
            return Err(Error::invalid_argument(
                "options: `caCertPem` holds no CERTIFICATE block",
            ));
        }
        Arc::new(roots)
    } else {
        system_roots()
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| Error::new(ErrorKind::Network, format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // ALPN (h2, http/1.1) is set by the connector (`http::client`).
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(status: u16, body: &str) -> Result<Answer, Error> {
        decode(
            StatusCode::from_u16(status).unwrap(),
            Some("application/json"),
            body.as_bytes(),
            &[],
        )
    }

    #[test]
    fn envelopes() {
        let a = dec(200, r#"{"code":200,"message":"ok","data":{"b":1,"a":[1.50,2]}}"#).unwrap();
        assert_eq!(
            a.data.get(),
            r#"{"b":1,"a":[1.50,2]}"#,
            "data passes through byte for byte"
        );
        let a = dec(200, r#"{"statusCode":200,"apiCode":0,"data":true}"#).unwrap();
        assert_eq!(a.data.get(), "true");
        let a = dec(200, r#"{"code":200}"#).unwrap();
        assert_eq!(a.data.get(), "null");
        let e = dec(200, r#"{"code":6001,"message":"wrong","data":null}"#).unwrap_err();
        assert_eq!(
            (e.kind(), e.code(), e.http_status(), e.message()),
            (ErrorKind::Api, Some(6001), Some(200), "wrong")
        );
        let e = dec(200, r#"{"statusCode":400,"apiCode":2020,"message":"x"}"#).unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::Api, Some(2020)));
    }

    #[test]
    fn http_status_keeps_envelope() {
        let e = dec(400, r#"{"code":400,"message":"安全码错误，请重新输入"}"#).unwrap_err();
        assert_eq!(
            (e.kind(), e.code(), e.http_status()),
            (ErrorKind::HttpStatus, Some(400), Some(400))
        );
        assert_eq!(e.message(), "安全码错误，请重新输入");
        let e = dec(500, "").unwrap_err();
        assert_eq!(
            (e.kind(), e.code(), e.http_status()),
            (ErrorKind::HttpStatus, None, Some(500))
        );
        assert_eq!(e.message(), "the server answered HTTP 500 Internal Server Error");
    }

    #[test]
    fn undecodable_answers() {
        for body in [
            "<html>",
            "",
            "[]",
            "{}",
            r#"{"code":"200"}"#,
            "{\"code\":200,\"data\":",
        ] {
            assert_eq!(dec(200, body).unwrap_err().kind(), ErrorKind::Decode, "{body}");
        }
    }

    #[test]
    fn scrubbing() {
        let secrets = [
            Secret::from("1234"),
            Secret::from("eyJ-mfa-1234-token"),
            Secret::from("123"),
        ];
        assert_eq!(
            scrub("token eyJ-mfa-1234-token and code 1234, 123", &secrets),
            "token <redacted> and code <redacted>, 123",
            "longest first; shorter than 4 left alone"
        );
        let e = decode(StatusCode::OK, Some("eyJ-mfa-1234-token"), b"<html>", &secrets).unwrap_err();
        assert_eq!(
            e.message(),
            "the answer (HTTP 200) is not JSON (content-type <redacted>)"
        );
    }

    #[test]
    fn axios_query_encoding() {
        assert_eq!(query(&[("type", Some("totp")), ("source", None)]), "?type=totp");
        assert_eq!(query(&[("a", None)]), "");
        assert_eq!(
            query(&[("t", Some("a b/c:d,e[f]$g&h=i+j~k'l(m)n*o!p"))]),
            "?t=a+b%2Fc:d,e[f]$g%26h%3Di%2Bj~k'l(m)n*o!p"
        );
        assert_eq!(query(&[("t", Some("用"))]), "?t=%E7%94%A8");
    }
}
