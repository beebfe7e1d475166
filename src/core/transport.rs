//! Sending: where every request is built, sent and read, and where every
//! answer becomes either an `Answer` or an [`Error`]. Beside it: `http` (the
//! HTTP client and its guarded connections), `tls` (the rustls set-up),
//! `retry` (when to try again), `envelope` (reading Authing's answer) and
//! `secret` (scrubbing).
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
use crate::core::lanes::PerLane;
use crate::core::log::{self, Level};
use crate::core::options::Options;
use crate::core::retry;
use crate::core::secret::{scrub, scrub_error, Secret};
use crate::core::tls::tls_config;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER,
    USER_AGENT as USER_AGENT_HEADER,
};
use hyper::{Method, StatusCode, Uri};
use std::borrow::Cow;
use std::sync::RwLock;
use std::time::Duration;
use url::Url;

pub use crate::core::envelope::decode_for_fuzzing;
pub(crate) use crate::core::envelope::Answer;
use crate::core::envelope::{decode, decode_raw, decode_v3};
use crate::core::graphql::decode_graphql;

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
    /// No `Authorization` header even when a user token is stored (the JS
    /// SDK's `unSetToken`, e.g. `loginByEmailCode`).
    None,
    /// The v3 access token, raw (no `Bearer `), as the v3 SDK sends it
    /// (`AHC:50-51`).
    Access(Secret),
    /// An `Authorization` value as it is (`Basic <appId:appSecret>` of
    /// `client_secret_basic`).
    Verbatim(Secret),
}

/// How the answer is read.
#[derive(Clone, Copy)]
pub(crate) enum Expect {
    /// Authing's REST envelope (`envelope.rs`).
    Envelope,
    /// A GraphQL answer whose result is `data.<root field>` (`graphql.rs`).
    GraphQl(&'static str),
    /// The v3 envelope (`statusCode`), sent with the v3 SDK's headers.
    V3,
    /// A JSON object without envelope, sent with the v3 SDK's headers
    /// (`/mfa/token/introspection`).
    Raw,
}

impl Expect {
    /// Whether the request goes out as the v3 SDK sends it: only
    /// `x-authing-app-id` of the `x-authing-*` headers (`AHC:17-52`).
    fn v3(self) -> bool {
        matches!(self, Expect::V3 | Expect::Raw)
    }
}

pub(crate) enum Body {
    Empty,
    Json(String),
    /// An `application/x-www-form-urlencoded` body.
    Form(String),
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
    pub expect: Expect,
}

pub(crate) struct Transport {
    /// The TLS set-up every HTTP client of this transport is built with.
    tls: rustls::ClientConfig,
    /// The HTTP client (and so the connection pool) of each runtime this
    /// transport is used on: the shared multi-thread runtime (async calls,
    /// and blocking calls when every lane is taken) and each lane of
    /// blocking calls. Separate because a connection's task lives on the
    /// runtime that opened it: a connection of one runtime used from another
    /// would only make progress while its own runtime happens to be driven.
    http: PerLane<HttpClient>,
    /// The parsed URL of every fixed path used so far: parsing a URL (host
    /// name rules included) was 5-7% of a call's CPU. At most one entry per
    /// operation, so it never grows past a dozen.
    urls: RwLock<Vec<(&'static str, Uri)>>,
    base: String,
    headers: HeaderMap,
    /// The headers of v3 requests: `x-authing-app-id`, `Accept`, `User-Agent`.
    headers_v3: HeaderMap,
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
        let mut headers_v3 = HeaderMap::new();
        for name in ["x-authing-app-id", "accept", "user-agent"] {
            if let Some(v) = headers.get(name) {
                headers_v3.insert(HeaderName::from_static(name), v.clone());
            }
        }

        let tls = tls_config(options.ca_cert_pem.as_deref())?;
        Ok(Transport {
            tls,
            http: PerLane::new(),
            urls: RwLock::new(Vec::new()),
            base,
            headers,
            headers_v3,
            timeout: options.effective_timeout(),
            max_body: options.effective_max_response_bytes(),
            max_retries: options.effective_max_retries(),
            refused,
        })
    }

    /// The HTTP client for the runtime this runs on (see the fields), built
    /// on first use.
    fn http(&self) -> &HttpClient {
        self.http.get(|| http_client::client(self.tls.clone()))
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
    /// The `timeout` bounds the whole call, retries and waits included (see
    /// `retry` for which requests are tried again). Every message that leaves
    /// here is scrubbed of the request's secrets, whatever part of the
    /// server's answer it quotes, before it is logged and returned.
    pub(crate) async fn send(&self, req: Request, user_token: Option<Secret>) -> Result<Answer, Error> {
        if let Some(reason) = &self.refused {
            return Err(Error::new(ErrorKind::Network, reason.clone()));
        }
        let mut secrets = req.secrets;
        let url = self.url(&req.path)?;
        let (token, bearer) = match req.auth {
            Auth::Mfa(t) => (Some(t), true),
            Auth::User => (user_token, true),
            Auth::None => (None, false),
            Auth::Access(t) | Auth::Verbatim(t) => (Some(t), false),
        };
        let mut headers = if req.expect.v3() {
            self.headers_v3.clone()
        } else {
            self.headers.clone()
        };
        if let Some(token) = token {
            // From the String itself: `from_str` would copy it once more.
            let value = if bearer {
                format!("Bearer {}", token.expose())
            } else {
                token.expose().to_owned()
            };
            let mut hv = HeaderValue::try_from(value).map_err(|_| {
                Error::invalid_argument("the token contains characters not allowed in an HTTP header")
            })?;
            hv.set_sensitive(true);
            headers.insert(AUTHORIZATION, hv);
            secrets.push(token);
        }
        let (method, path) = (req.method, req.path);
        let retryable = method == Method::GET && matches!(req.body, Body::Empty);
        let started = std::time::Instant::now();
        if log::enabled(Level::Debug) {
            log::log(Level::Debug, || describe_request(&method, &path, &headers));
        }
        let request = build(method.clone(), url, headers, req.body)?;
        let attempts = self.attempts(request, retryable, started, &path, &secrets);
        let raw = match tokio::time::timeout(self.timeout, attempts).await {
            Ok(result) => result,
            Err(_) => Err(Error::timed_out(self.timeout)),
        };
        let result = raw
            .and_then(|raw| match req.expect {
                Expect::Envelope => decode(raw.status, raw.content_type.as_deref(), &raw.body, &secrets),
                Expect::GraphQl(root) => {
                    decode_graphql(raw.status, raw.content_type.as_deref(), &raw.body, root, &secrets)
                }
                Expect::V3 => decode_v3(raw.status, raw.content_type.as_deref(), &raw.body, &secrets),
                Expect::Raw => decode_raw(raw.status, raw.content_type.as_deref(), &raw.body, &secrets),
            })
            .map_err(|e| scrub_error(e, &secrets));
        log::log(if result.is_ok() { Level::Info } else { Level::Warn }, || {
            describe_outcome(&method, &path, &result, started)
        });
        result
    }

    /// The request's attempts: one, or (a retryable GET) as many as
    /// `retry::next_wait` allows within the deadline counted from
    /// `started`. Only a retryable request is cloned.
    async fn attempts(
        &self,
        request: hyper::Request<http_client::Body>,
        retryable: bool,
        started: std::time::Instant,
        path: &str,
        secrets: &[Secret],
    ) -> Result<RawAnswer, Error> {
        let http = self.http();
        let mut made = 0;
        let mut request = Some(request);
        loop {
            let this = match &request {
                Some(r) if retryable => clone_request(r),
                _ => request
                    .take()
                    .expect("a request that is not retried is sent once"),
            };
            made += 1;
            let outcome = self.exchange(http, this).await;
            let attempt = match &outcome {
                Ok(raw) => retry::Attempt::Answered(raw.status.as_u16(), raw.retry_after),
                Err(e) if e.kind() == ErrorKind::Network => retry::Attempt::NetworkFailure,
                Err(_) => retry::Attempt::Other,
            };
            let left = self.timeout.saturating_sub(started.elapsed());
            let Some(wait) = retry::next_wait(retryable, attempt, made, self.max_retries, left) else {
                return outcome;
            };
            log::log(Level::Warn, || {
                let why = match &outcome {
                    Ok(raw) => format!("HTTP {}", raw.status.as_u16()),
                    Err(e) => scrub(e.message(), secrets),
                };
                format!(
                    "retrying {} {path} after {why}: attempt {} of {} in {} ms",
                    Method::GET,
                    made + 1,
                    self.max_retries + 1,
                    wait.as_millis()
                )
            });
            tokio::time::sleep(wait).await;
        }
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
        if crate::core::runtime::in_forked_child() {
            std::mem::forget(std::mem::replace(&mut self.http, PerLane::new()));
        }
    }
}

struct RawAnswer {
    status: StatusCode,
    content_type: Option<String>,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

/// The HTTP request for a method, URL, headers and body (the body's
/// content type added).
fn build(
    method: Method,
    url: Uri,
    mut headers: HeaderMap,
    body: Body,
) -> Result<hyper::Request<http_client::Body>, Error> {
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Json(json) => {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
            Bytes::from(json)
        }
        Body::Form(form) => {
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
            Bytes::from(form)
        }
        Body::Multipart { content_type, bytes } => {
            let value = HeaderValue::try_from(content_type)
                .map_err(|_| Error::invalid_argument("bad multipart content type"))?;
            headers.insert(CONTENT_TYPE, value);
            Bytes::from(bytes)
        }
    };
    let mut request = hyper::Request::new(Full::new(bytes));
    *request.method_mut() = method;
    *request.uri_mut() = url;
    *request.headers_mut() = headers;
    Ok(request)
}

/// A copy of a request to send again (bodies are in memory: cheap to clone).
fn clone_request(r: &hyper::Request<http_client::Body>) -> hyper::Request<http_client::Body> {
    let mut copy = hyper::Request::new(r.body().clone());
    *copy.method_mut() = r.method().clone();
    *copy.uri_mut() = r.uri().clone();
    *copy.headers_mut() = r.headers().clone();
    copy
}

/// The log line of a finished call (its message is already scrubbed).
fn describe_outcome(
    method: &Method,
    path: &str,
    result: &Result<Answer, Error>,
    started: std::time::Instant,
) -> String {
    let outcome = match result {
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
        "{method} {path} -> {outcome} in {} ms",
        started.elapsed().as_millis()
    )
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

/// The query string of a v3 call: the pairs with a value, encoded as the v3
/// SDK's axios 1.x `buildURL` does (`encodeURIComponent`, then `:` `$` `,`
/// restored and space as `+`). Unlike axios 0.x (`query`, the v2 SDK), `[`
/// and `]` stay percent-encoded.
pub(crate) fn query_v3(pairs: &[(&str, Option<&str>)]) -> String {
    // `query` leaves `[` and `]` bare and writes every other byte of them
    // as `%XX` with hex digits: encoding the bare ones is exactly axios 1.x.
    query(pairs).replace('[', "%5B").replace(']', "%5D")
}

/// An `application/x-www-form-urlencoded` body of the pairs with a value.
pub(crate) fn form(pairs: &[(&str, Option<&str>)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        let Some(v) = v else { continue };
        if !out.is_empty() {
            out.push('&');
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
