//! The console: one page at `GET /__dev/console` that shows, and refreshes
//! every second, what a person testing an app by hand wants to see: the
//! users and their factors (with the current TOTP code, so nobody needs a
//! phone), the outbox, the applications' MFA policies, the clock, and the
//! last requests. Its HTML, CSS and JS are compiled into the binary.
//!
//! The request log ([`RequestLog`]) is a ring buffer of the last
//! [`REQUEST_LOG_CAP`] requests, filled by the [`crate::reply::envelope`]
//! middleware. It is masked when recorded, not when shown: method, path,
//! query *names* (values replaced by `•••`), whether an `Authorization`
//! header came (its scheme, never the credential), the body's length
//! (never the body), the answer's status and code and the duration. So no
//! password, token, mfaToken or code can reach it.

use crate::date::iso8601;
use crate::messages::Msg;
use crate::reply::{ApiResult, RawBody, Reply};
use crate::state::AppState;
use crate::store::{Db, UserRec};
use axum::extract::{Query, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How many requests the log keeps; older ones are dropped first.
pub const REQUEST_LOG_CAP: usize = 300;
/// What stands for a masked value.
pub const MASK: &str = "•••";
/// Longest path kept in the log (longer ones are cut, marked with `…`).
const MAX_PATH: usize = 200;

const PAGE: &str = include_str!("console/console.html");
const CSS: &str = include_str!("console/console.css");
const JS: &str = include_str!("console/console.js");

/// Only the page's own resources: no inline script, nothing from elsewhere.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__dev/console", get(page))
        .route("/__dev/console/console.css", get(css))
        .route("/__dev/console/console.js", get(js))
        .route("/__dev/console/state", get(state))
        .route("/__dev/requests", get(requests))
}

/// Whether a path is the console's own (its page, assets, state and the
/// request log): a `GET` of one is neither logged nor recorded, or the
/// page's polling would push everything else out of the ring buffer.
fn is_console_poll(method: &axum::http::Method, path: &str) -> bool {
    (method == axum::http::Method::GET || method == axum::http::Method::HEAD)
        && (path == "/__dev/console" || path.starts_with("/__dev/console/") || path == "/__dev/requests")
}

/// The console is for a browser on this machine: a `Host` other than
/// 127.0.0.1, localhost or [::1] (a DNS rebinding page) is refused. The
/// envelope middleware applies it to every `/__dev/` route.
pub(crate) fn local_host(headers: &HeaderMap) -> Result<(), Reply> {
    let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if is_local(host) {
        Ok(())
    } else {
        Err(Reply::bare(Msg::NotFound))
    }
}

/// Whether `host[:port]` (a `Host` header, or an origin without its
/// scheme) names this machine: 127.0.0.1, localhost or [::1].
pub(crate) fn is_local(host_port: &str) -> bool {
    let name = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']')
            .next()
            .map(|h| format!("[{h}]"))
            .unwrap_or_default()
    } else {
        host_port
            .rsplit_once(':')
            .map_or(host_port, |(h, _)| h)
            .to_owned()
    };
    matches!(
        name.to_ascii_lowercase().as_str(),
        "127.0.0.1" | "localhost" | "[::1]"
    )
}

fn asset(headers: &HeaderMap, mime: &'static str, body: &'static str) -> Response {
    if let Err(r) = local_host(headers) {
        return r.into_response();
    }
    let mut resp = (
        [
            (CONTENT_TYPE, mime),
            (CACHE_CONTROL, "no-store"),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (axum::http::header::CONTENT_SECURITY_POLICY, CSP),
            (axum::http::header::X_FRAME_OPTIONS, "DENY"),
        ],
        body,
    )
        .into_response();
    resp.extensions_mut().insert(RawBody);
    resp
}

/// `GET /__dev/console`: the page.
async fn page(headers: HeaderMap) -> Response {
    asset(&headers, "text/html; charset=utf-8", PAGE)
}

async fn css(headers: HeaderMap) -> Response {
    asset(&headers, "text/css; charset=utf-8", CSS)
}

async fn js(headers: HeaderMap) -> Response {
    asset(&headers, "text/javascript; charset=utf-8", JS)
}

/// One request as recorded: masked at the door.
#[derive(Clone, Debug)]
pub struct Seen {
    /// Milliseconds since the epoch, by the server's clock.
    at_ms: u128,
    method: String,
    path: String,
    query: Option<String>,
    authorization: Option<String>,
    body_bytes: Option<u64>,
    app_id: Option<String>,
}

impl Seen {
    /// What the log keeps of a request, or `None` for the console's own
    /// polling. Its time is on the server's clock (shifted by
    /// `clock_offset_seconds`), like every other time the console shows.
    pub fn of(req: &Request, clock_offset_seconds: i64) -> Option<Seen> {
        let path = req.uri().path();
        if is_console_poll(req.method(), path) {
            return None;
        }
        let headers = req.headers();
        let authorization = headers.get(axum::http::header::AUTHORIZATION).map(|v| {
            match v.to_str().ok().and_then(|s| s.trim().split_once(' ')) {
                Some((scheme, _))
                    if scheme.len() <= 16 && scheme.chars().all(|c| c.is_ascii_alphabetic()) =>
                {
                    format!("{scheme} {MASK}")
                }
                _ => MASK.to_owned(),
            }
        });
        let body_bytes = headers
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let app_id = headers
            .get("x-authing-app-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(|v| cut(v, 64));
        Some(Seen {
            at_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis())
                .saturating_add_signed(i128::from(clock_offset_seconds) * 1000),
            method: req.method().as_str().to_owned(),
            path: cut(path, MAX_PATH),
            query: req.uri().query().map(mask_query),
            authorization,
            body_bytes,
            app_id,
        })
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// `a=1&b=&c` → `a=•••&b=&•••`: names that look like names stay, every
/// value and anything else is masked.
pub fn mask_query(q: &str) -> String {
    let name_like = |k: &str| {
        !k.is_empty()
            && k.len() <= 64
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'))
    };
    let parts: Vec<String> = q
        .split('&')
        .filter(|p| !p.is_empty())
        .take(32)
        .map(|p| match p.split_once('=') {
            Some((k, v)) if name_like(k) => {
                if v.is_empty() {
                    format!("{k}=")
                } else {
                    format!("{k}={MASK}")
                }
            }
            _ => MASK.to_owned(),
        })
        .collect();
    parts.join("&")
}

#[derive(Clone, Debug)]
struct Entry {
    seq: u64,
    seen: Seen,
    status: u16,
    code: String,
    duration: Duration,
}

/// The last [`REQUEST_LOG_CAP`] requests, oldest first. Memory only.
#[derive(Default)]
pub struct RequestLog {
    entries: VecDeque<Entry>,
    next_seq: u64,
}

impl RequestLog {
    pub fn push(&mut self, seen: Seen, status: u16, code: String, duration: Duration) {
        self.next_seq += 1;
        if self.entries.len() >= REQUEST_LOG_CAP {
            self.entries.pop_front();
        }
        self.entries.push_back(Entry {
            seq: self.next_seq,
            seen,
            status,
            code,
            duration,
        });
    }

    /// Newest first, at most `limit`.
    fn to_json(&self, limit: usize) -> Value {
        Value::Array(
            self.entries
                .iter()
                .rev()
                .take(limit)
                .map(|e| {
                    let ms = e.seen.at_ms;
                    let secs = i64::try_from(ms / 1000).unwrap_or(0);
                    let time = iso8601(secs).replace(".000Z", &format!(".{:03}Z", ms % 1000));
                    json!({
                        "seq": e.seq,
                        "time": time,
                        "method": e.seen.method,
                        "path": e.seen.path,
                        "query": e.seen.query,
                        "authorization": e.seen.authorization,
                        "bodyBytes": e.seen.body_bytes,
                        "appId": e.seen.app_id,
                        "status": e.status,
                        "code": e.code,
                        "durationMs": (e.duration.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
                    })
                })
                .collect(),
        )
    }
}

fn limit_of(q: &HashMap<String, String>) -> usize {
    q.get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .map_or(REQUEST_LOG_CAP, |l| l.min(REQUEST_LOG_CAP))
}

/// `GET /__dev/requests?limit=N`: the request log, newest first.
async fn requests(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    local_host(&headers)?;
    let list = app.requests().to_json(limit_of(&q));
    Ok(Reply::ok(Msg::Ok, list))
}

/// The TOTP part of a user's card: which authenticator (bound, else the
/// pending one of an unfinished binding), its QR code, and the code of the
/// current step at the server's clock with the seconds it has left.
fn totp_json(app: &AppState, u: &UserRec, now: i64) -> Value {
    let (state, rec) = match (&u.totp, &u.pending_totp) {
        (Some(t), _) => ("bound", t),
        (None, Some(p)) => ("pending", p),
        (None, None) => return json!({"state": "none"}),
    };
    let uri = authing_mfa::totp::authing_uri(&app.pool_name, &u.account_name(), &rec.secret);
    let period = i64::try_from(authing_mfa::totp::PERIOD).unwrap_or(30);
    json!({
        "state": state,
        "secret": rec.secret,
        "uri": uri,
        "qr": crate::qr::data_url(&uri).ok(),
        "code": authing_mfa::totp::generate(&rec.secret, now).ok(),
        "secondsLeft": period - now.rem_euclid(period),
        "period": period,
        "source": rec.source,
        "createdAt": iso8601(rec.created_at),
    })
}

fn user_card(app: &AppState, db: &Db, u: &UserRec, now: i64) -> Value {
    let mut v = crate::dev::dev_user_json(app, u, now);
    let pending: Vec<Value> = db
        .enrollments
        .iter()
        .filter(|e| e.user_id == u.id && e.expires_at > now)
        .map(|e| json!({"factorType": e.factor_type, "expiresAt": iso8601(e.expires_at)}))
        .collect();
    if let Some(o) = v.as_object_mut() {
        o.insert("account".into(), u.account_name().into());
        o.insert("totp".into(), totp_json(app, u, now));
        o.insert(
            "factors".into(),
            json!({
                "totp": if u.totp.is_some() { "bound" } else if u.pending_totp.is_some() { "pending" } else { "none" },
                "sms": u.sms_mfa(),
                "email": u.email_mfa(),
                "face": u.face.is_some(),
                "appSmsPolicy": u.app_sms_mfa,
                "appEmailPolicy": u.app_email_mfa,
                "v3": crate::v3::enrolled(u),
                "v3Pending": pending,
            }),
        );
    }
    v
}

/// `GET /__dev/console/state`: everything the page shows, at one instant
/// of the server's clock.
async fn state(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    local_host(&headers)?;
    let requests = app.requests().to_json(limit_of(&q));
    app.read(|db| {
        let now = db.now();
        let users: Vec<Value> = db.users.iter().map(|u| user_card(&app, db, u, now)).collect();
        let outbox: Vec<Value> = db
            .outbox
            .iter()
            .rev()
            .map(crate::store::OutboxMsg::to_json)
            .collect();
        let mut app_ids: Vec<&String> = db.app_mfa.keys().chain(db.apps.keys()).collect();
        app_ids.sort();
        app_ids.dedup();
        let apps: Vec<Value> = app_ids
            .into_iter()
            .map(|id| {
                let rec = db.apps.get(id);
                json!({
                    "appId": id,
                    "mfaPolicy": db.app_mfa.get(id).cloned().unwrap_or_default(),
                    "registered": rec.is_some(),
                    "hasSecret": rec.is_some_and(|a| a.app_secret_sha256.is_some()),
                    "factors": db.app_factors(Some(id)),
                })
            })
            .collect();
        Ok(Reply::ok(
            Msg::Ok,
            json!({
                "now": now,
                "nowIso": iso8601(now),
                "clockOffsetSeconds": db.clock_offset_seconds,
                "lockout": {"maxFailures": app.lockout.max_failures, "seconds": app.lockout.seconds},
                "poolName": app.pool_name,
                "users": users,
                "outbox": outbox,
                "apps": apps,
                "requests": requests,
                "requestLogCap": REQUEST_LOG_CAP,
            }),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_masked() {
        assert_eq!(mask_query("to=a%40b.c&limit="), "to=•••&limit=");
        assert_eq!(mask_query("eyJhbGciOi.x.y"), MASK);
        assert_eq!(mask_query("a=1&&b=2"), "a=•••&b=•••");
        assert_eq!(mask_query("token%3D=1"), MASK);
    }

    #[test]
    fn the_log_is_bounded() {
        let mut log = RequestLog::default();
        let seen = Seen {
            at_ms: 0,
            method: "GET".into(),
            path: "/".into(),
            query: None,
            authorization: None,
            body_bytes: None,
            app_id: None,
        };
        for _ in 0..REQUEST_LOG_CAP + 5 {
            log.push(seen.clone(), 200, "200".into(), Duration::ZERO);
        }
        assert_eq!(log.entries.len(), REQUEST_LOG_CAP);
        assert_eq!(log.entries.front().map(|e| e.seq), Some(6));
    }
}
