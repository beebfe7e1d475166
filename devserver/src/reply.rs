//! The envelope, the request log, and the extractors that never answer
//! anything but an envelope.
//!
//! Handlers return a [`Reply`] that does not know the request's language; the
//! [`envelope`] middleware reads `x-authing-lang`, renders the message, and
//! writes the one log line per request. Doing both in one place means a
//! handler cannot forget either, and the log can carry the Authing code
//! without ever touching a body.

use crate::messages::{Lang, Msg};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};
use std::net::SocketAddr;

/// What a handler answers, before the message is put into words.
#[derive(Clone, Debug)]
pub struct Reply {
    pub msg: Msg,
    /// Fills `{field}` in the message.
    pub field: Option<String>,
    /// `None` leaves the `data` key out of the envelope.
    pub data: Option<Box<Value>>,
    /// Keys beside `code`/`message`/`data` (the rotated `recoveryCode`).
    pub extra: Vec<(&'static str, Value)>,
    /// Rendered as the v3 envelope (`{statusCode, message, apiCode?,
    /// requestId, data?}`, always HTTP 200) instead of v2's `{code, …}`;
    /// see [`crate::v3`].
    pub v3: bool,
}

impl Reply {
    /// An envelope with `data`.
    pub fn ok(msg: Msg, data: Value) -> Reply {
        Reply {
            msg,
            field: None,
            data: Some(Box::new(data)),
            extra: Vec::new(),
            v3: false,
        }
    }

    /// An envelope with only `code` and `message`.
    pub fn bare(msg: Msg) -> Reply {
        Reply {
            msg,
            field: None,
            data: None,
            extra: Vec::new(),
            v3: false,
        }
    }

    /// `code` 2000 naming the argument at fault.
    pub fn invalid(field: &str) -> Reply {
        Reply {
            field: Some(field.to_owned()),
            ..Reply::bare(Msg::InvalidArgument)
        }
    }

    /// Adds a top-level key beside `data`.
    pub fn with_extra(mut self, key: &'static str, value: Value) -> Reply {
        self.extra.push((key, value));
        self
    }

    /// The same answer in the v3 envelope.
    pub fn into_v3(mut self) -> Reply {
        self.v3 = true;
        self
    }

    /// The HTTP status the answer travels with: the message's for v2, and
    /// always 200 for v3, whose spec says every answer is HTTP 200 (the v3
    /// SDK throws on any other status and would lose the envelope).
    pub fn http_status(&self) -> u16 {
        if self.v3 {
            200
        } else {
            self.msg.http_status()
        }
    }

    /// What the log line shows: v2's `code`, or v3's `apiCode` when there is
    /// one, else its `statusCode`.
    pub fn log_code(&self) -> i64 {
        if self.v3 {
            let (status, api) = crate::v3::meta(self.msg);
            api.unwrap_or(i64::from(status))
        } else {
            self.msg.code()
        }
    }

    /// The JSON envelope in `lang`.
    pub fn render(&self, lang: Lang) -> Value {
        if self.v3 {
            return crate::v3::render(self, lang);
        }
        let mut m = Map::new();
        m.insert("code".into(), self.msg.code().into());
        m.insert(
            "message".into(),
            self.msg.text(lang, self.field.as_deref()).into(),
        );
        if let Some(d) = &self.data {
            m.insert("data".into(), (**d).clone());
        }
        for (k, v) in &self.extra {
            m.insert((*k).into(), v.clone());
        }
        Value::Object(m)
    }
}

impl From<Msg> for Reply {
    fn from(msg: Msg) -> Reply {
        Reply::bare(msg)
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.http_status()).unwrap_or(StatusCode::OK);
        let mut resp = status.into_response();
        resp.extensions_mut().insert(self);
        resp
    }
}

/// What handlers return; both arms are envelopes.
pub type ApiResult = Result<Reply, Reply>;

/// Marks a response whose body is not an envelope (a stored upload), so the
/// middleware leaves it alone.
#[derive(Clone, Copy, Debug)]
pub struct RawBody;

/// The Authing code a response that is not an envelope carries (a GraphQL
/// answer: 200, or the code of its first error), for the log line.
#[derive(Clone, Copy, Debug)]
pub struct LogCode(pub i64);

/// Renders [`Reply`]s, turns axum's own plain-text errors (404, 405, 413…)
/// into envelopes, and logs `METHOD PATH STATUS CODE` to stderr. The path is
/// logged without its query and nothing from headers or bodies is logged, so
/// tokens, codes and secrets never reach the log. The same request, with its
/// query values masked, goes to the console's ring buffer
/// ([`crate::console::RequestLog`]); the console's own polling is left out
/// of both.
pub async fn envelope(State((log, app)): State<(bool, AppState)>, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let lang = Lang::from_header(req.headers().get("x-authing-lang").and_then(|v| v.to_str().ok()));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let seen = crate::console::Seen::of(&req, app.read(|db| Ok(db.clock_offset_seconds)).unwrap_or(0));
    // The dev routes show codes and secrets and change users: like the
    // console, they answer only a `Host` of this machine, so that a page
    // on another site cannot reach them through DNS rebinding; and a
    // browser request from a page of another origin (a cross-site form or
    // fetch to 127.0.0.1, which carries a local Host) is refused by its
    // `Origin`. Programs send no Origin; the console's own page sends its
    // local one.
    let foreign = path.starts_with("/__dev/")
        && (crate::console::local_host(req.headers()).is_err() || !local_origin(req.headers()));
    let mut resp = if foreign {
        let mut r = StatusCode::NOT_FOUND.into_response();
        r.extensions_mut().insert(Reply::bare(Msg::NotFound));
        r
    } else {
        next.run(req).await
    };
    let status = resp.status();
    let reply = match resp.extensions_mut().remove::<Reply>() {
        Some(r) => Some(r),
        None if resp.extensions().get::<RawBody>().is_some() => None,
        None if status.is_client_error() || status.is_server_error() => {
            let r = Reply::bare(match status.as_u16() {
                404 => Msg::NotFound,
                405 => Msg::MethodNotAllowed,
                413 => Msg::BodyTooLarge,
                s if s >= 500 => Msg::Internal,
                _ => Msg::BadRequest,
            });
            Some(r)
        }
        None => None,
    };
    // Under /api/v3 every answer is v3's (HTTP 200, `statusCode`), also a
    // wrong path or method and a rejected body: the v3 SDK throws away the
    // envelope of any other status.
    let reply = reply.map(|r| {
        if path.starts_with("/api/v3/") {
            r.into_v3()
        } else {
            r
        }
    });
    let code = match (&reply, resp.extensions().get::<LogCode>()) {
        (Some(r), _) => r.log_code().to_string(),
        (None, Some(c)) => c.0.to_string(),
        (None, None) => "-".to_owned(),
    };
    if let Some(r) = reply {
        let status = StatusCode::from_u16(r.http_status()).unwrap_or(status);
        resp = (status, Json(r.render(lang))).into_response();
    }
    if let Some(seen) = seen {
        if log {
            eprintln!("{method} {path} {} {code}", resp.status().as_u16());
        }
        app.requests()
            .push(seen, resp.status().as_u16(), code, started.elapsed());
    }
    resp
}

/// Whether a request's `Origin` is absent (not a browser's cross-origin
/// request) or a page of this machine (`http://127.0.0.1:…`,
/// `http://localhost:…`, `http://[::1]:…`). `null` (a sandboxed or file
/// page) is not.
fn local_origin(headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(axum::http::header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(crate::console::is_local)
}

/// Longest string argument this server keeps (a user's username, email,
/// phone, nickname; an outbox message's address, country code and scene).
/// Bodies may be 2 MB and the outbox holds 1000 messages, so without a
/// bound one client could make the server keep gigabytes; 256 characters
/// is far above any real address and keeps otpauth URIs small enough for a
/// QR code.
pub const MAX_FIELD: usize = 256;

/// The request body as a JSON object. An empty body is `{}` (so a missing
/// argument is reported by name rather than as bad JSON); anything else that
/// is not an object is code 2000. No `Content-Type` is required.
pub struct JsonObject(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = Reply;

    async fn from_request(req: Request, state: &S) -> Result<Self, Reply> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Reply::bare(Msg::BodyTooLarge)
            } else {
                Reply::bare(Msg::InvalidJson)
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonObject(Map::new()));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => Ok(JsonObject(m)),
            _ => Err(Reply::bare(Msg::InvalidJson)),
        }
    }
}

impl JsonObject {
    /// A string argument; absent, `null` and `""` are all "not given", since
    /// SDKs differ in which of them they send for an unset option.
    pub fn opt_str(&self, key: &str) -> Result<Option<String>, Reply> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Reply::invalid(key)),
        }
    }

    /// A required, non-empty string argument.
    pub fn req_str(&self, key: &str) -> Result<String, Reply> {
        self.opt_str(key)?.ok_or_else(|| Reply::invalid(key))
    }

    /// [`opt_str`](Self::opt_str) for a string the server keeps: longer than
    /// [`MAX_FIELD`] characters is code 2000 naming it, as any other invalid
    /// argument.
    pub fn opt_bounded(&self, key: &str) -> Result<Option<String>, Reply> {
        match self.opt_str(key)? {
            Some(s) if s.chars().count() > MAX_FIELD => Err(Reply::invalid(key)),
            v => Ok(v),
        }
    }

    /// [`req_str`](Self::req_str) bounded as [`opt_bounded`](Self::opt_bounded).
    pub fn req_bounded(&self, key: &str) -> Result<String, Reply> {
        self.opt_bounded(key)?.ok_or_else(|| Reply::invalid(key))
    }

    /// A boolean argument.
    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, Reply> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Reply::invalid(key)),
        }
    }

    /// An integer argument.
    pub fn opt_i64(&self, key: &str) -> Result<Option<i64>, Reply> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| Reply::invalid(key)),
        }
    }
}

/// The token of an `Authorization: Bearer …` header. No header, another
/// scheme, or an empty token all mean "not logged in" (2020); what the token
/// says is judged later, against the state (`Db::authenticate`), under the
/// same lock as the change it guards.
pub struct Bearer(pub String);

impl Bearer {
    fn from_headers(headers: &HeaderMap) -> Result<Bearer, Reply> {
        let value = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(Reply::bare(Msg::NotLoggedIn))?;
        let (scheme, token) = value
            .trim()
            .split_once(' ')
            .ok_or(Reply::bare(Msg::NotLoggedIn))?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
            return Err(Reply::bare(Msg::NotLoggedIn));
        }
        Ok(Bearer(token.to_owned()))
    }
}

/// For endpoints without a body.
impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = Reply;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Reply> {
        Bearer::from_headers(&parts.headers)
    }
}

/// The bearer token and the body `T` (a [`JsonObject`]), for endpoints that
/// take both. The body is read first, so its refusals (2000, 413) come
/// before a missing token's 2020. A [`Bearer`] argument ahead of the body
/// would answer 2020 first instead, since axum runs header extractors before
/// the body's.
pub struct WithBearer<T>(pub String, pub T);

impl<S: Send + Sync, T: FromRequest<S, Rejection = Reply>> FromRequest<S> for WithBearer<T> {
    type Rejection = Reply;

    async fn from_request(req: Request, state: &S) -> Result<Self, Reply> {
        let bearer = Bearer::from_headers(req.headers());
        let body = T::from_request(req, state).await?;
        Ok(WithBearer(bearer?.0, body))
    }
}

/// The peer's IP, for `lastIP`. Falls back to 127.0.0.1 when the router runs
/// without connection info (in-process use through `tower::ServiceExt`).
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "127.0.0.1".to_owned(), |c| c.0.ip().to_string()),
        ))
    }
}

/// The `x-authing-app-id` header, when sent and not empty: which
/// application's MFA policy applies to a login.
pub struct AppId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for AppId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(AppId(
            parts
                .headers
                .get("x-authing-app-id")
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
        ))
    }
}

/// The bearer token when one is sent, for endpoints where it is optional
/// (`checkLoginStatus` falls back to it).
pub fn optional_bearer(headers: &HeaderMap) -> Option<String> {
    Bearer::from_headers(headers).ok().map(|b| b.0)
}
