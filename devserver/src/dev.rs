//! Control endpoints for tests, all under the reserved prefix `/__dev/`:
//! fixtures (users, login), the outbox of "sent" codes, the clock, reset.
//! Authing has no such paths, so they cannot collide with the real API.

use crate::crypto;
use crate::date::iso8601;
use crate::login::{application_mfa_json, By, Stage};
use crate::messages::Msg;
use crate::password;
use crate::reply::{ApiResult, ClientIp, JsonObject, RawBody, Reply, MAX_FIELD};
use crate::state::{AppState, Uploads};
use crate::store::{self, Db, TotpRec, UserRec, APP_MFA_FACTORS, MAX_CLOCK_OFFSET};
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/__dev/users", post(create_user).get(list_users))
        .route("/__dev/users/{id}", get(get_user).delete(delete_user))
        .route("/__dev/users/{id}/mfa/{factor}", post(set_factor))
        .route("/__dev/login", post(login))
        .route("/__dev/apps/{app_id}", get(get_app).post(set_app))
        .route("/__dev/apps/{app_id}/mfa", get(get_app_mfa).post(set_app_mfa))
        .route("/__dev/outbox", get(outbox))
        .route("/__dev/clock", get(get_clock).post(shift_clock))
        .route("/__dev/reset", post(reset))
        .route("/__dev/uploads/{*key}", get(get_upload))
}

/// `POST /__dev/users {"username"?, "email"?, "phone"?, "password", …}`.
/// The password is kept only as its Argon2id hash, computed off the lock.
async fn create_user(State(app): State<AppState>, body: JsonObject) -> ApiResult {
    let username = body.opt_bounded("username")?;
    let email = body.opt_bounded("email")?;
    let phone = body.opt_bounded("phone")?;
    let nickname = body.opt_bounded("nickname")?;
    let country = body.opt_bounded("phoneCountryCode")?;
    let password = body.req_str("password")?;
    if username.is_none() && email.is_none() && phone.is_none() {
        return Err(Reply::invalid("username/email/phone"));
    }
    let hash = tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|_| Reply::bare(Msg::Internal))?;
    app.change(|db| {
        let taken = username.as_deref().is_some_and(|n| db.username_taken(n, None))
            || email.as_deref().is_some_and(|e| db.email_taken(e, None))
            || phone.as_deref().is_some_and(|p| db.phone_taken(p, None));
        if taken {
            return Err(Msg::UserExists.into());
        }
        let mut user = UserRec::new(hash, db.now());
        user.phone_verified = phone.is_some();
        user.phone_country_code = country.or_else(|| phone.as_ref().map(|_| "+86".to_owned()));
        user.nickname = nickname;
        user.username = username;
        user.email = email;
        user.phone = phone;
        let json = app.user_json(&user, None);
        db.users.push(user);
        Ok(Reply::ok(Msg::UserCreated, json))
    })
}

/// A user as the `/__dev/` listing shows it: the user object (no token),
/// its factors, and the lockout state at the server's `now`.
pub(crate) fn dev_user_json(app: &AppState, u: &UserRec, now: i64) -> Value {
    let g = &u.mfa_guard;
    let locked_until = g.locked_until(now);
    let mut v = app.user_json(u, None);
    if let Some(o) = v.as_object_mut() {
        o.insert("mfa".into(), mfa_status(u));
        o.insert(
            "lockout".into(),
            json!({
                "failures": g.failures(now),
                "maxFailures": app.lockout.max_failures,
                "locked": locked_until.is_some(),
                "lockedUntil": locked_until.map(iso8601),
            }),
        );
    }
    v
}

/// `GET /__dev/users`: every user, oldest first, with factors and lockout.
async fn list_users(State(app): State<AppState>) -> ApiResult {
    app.read(|db| {
        let now = db.now();
        let list = db.users.iter().map(|u| dev_user_json(&app, u, now)).collect();
        Ok(Reply::ok(Msg::Ok, Value::Array(list)))
    })
}

/// `GET /__dev/users/{id}`: one user, as in the listing.
async fn get_user(State(app): State<AppState>, Path(id): Path<String>) -> ApiResult {
    app.read(|db| {
        let i = db.user_index(&id).ok_or(Reply::bare(Msg::UserNotFound))?;
        Ok(Reply::ok(Msg::Ok, dev_user_json(&app, &db.users[i], db.now())))
    })
}

/// `DELETE /__dev/users/{id}`: tokens already issued to the user then fail
/// with 2207 (unknown user).
async fn delete_user(State(app): State<AppState>, Path(id): Path<String>) -> ApiResult {
    app.change(|db| {
        let i = db.user_index(&id).ok_or(Reply::bare(Msg::UserNotFound))?;
        db.users.remove(i);
        Ok(Reply::bare(Msg::UserDeleted))
    })
}

fn mfa_status(u: &UserRec) -> Value {
    json!({
        "totpMfaEnabled": u.totp.is_some(),
        "faceMfaEnabled": u.face.is_some(),
        "applicationMfa": u.application_mfa(),
    })
}

/// `POST /__dev/users/{id}/mfa/{factor}`: switch a factor on or off without
/// going through its flow.
/// - `sms`, `email`: `{"enabled"?: bool}` (default true) sets the
///   application MFA policy;
/// - `totp`: `{"secret"?: base32, "enabled"?: bool}` binds an enabled TOTP
///   authenticator at once (a random secret when none is given), or unbinds;
/// - `face`: `{"enabled": false}` unbinds the face;
/// - `reset`: removes every factor of the user (TOTP bound or pending, face,
///   SMS and email whether v3 factors or application switches, unfinished
///   v3 enrolments) and ends a lockout. Spent mfaTokens stay spent.
async fn set_factor(
    State(app): State<AppState>,
    Path((id, factor)): Path<(String, String)>,
    body: JsonObject,
) -> ApiResult {
    let enabled = body.opt_bool("enabled")?.unwrap_or(true);
    let secret = body.opt_str("secret")?;
    if let Some(s) = &secret {
        authing_mfa::totp::decode_secret(s).map_err(|_| Reply::invalid("secret"))?;
    }
    app.change(|db| {
        let now = db.now();
        let i = db.user_index(&id).ok_or(Reply::bare(Msg::UserNotFound))?;
        let u = &mut db.users[i];
        let mut extra = json!({});
        match factor.as_str() {
            "sms" => u.app_sms_mfa = enabled,
            "email" => u.app_email_mfa = enabled,
            "totp" if enabled => {
                let secret = secret.clone().unwrap_or_else(crypto::new_totp_secret);
                let recovery_code = crypto::new_recovery_code();
                extra = json!({
                    "secret": secret,
                    "recoveryCode": recovery_code,
                    "qrcodeUri": authing_mfa::totp::authing_uri(&app.pool_name, &u.account_name(), &secret),
                });
                u.totp = Some(TotpRec {
                    id: crypto::new_id(),
                    secret,
                    recovery_code,
                    source: "SELF".to_owned(),
                    created_at: now,
                    updated_at: now,
                });
                u.pending_totp = None;
                u.last_totp_step = None;
            }
            "totp" => {
                u.totp = None;
                u.pending_totp = None;
                u.last_totp_step = None;
            }
            "face" if !enabled => u.face = None,
            "reset" => {
                u.totp = None;
                u.pending_totp = None;
                u.last_totp_step = None;
                u.face = None;
                u.face_factor_id = None;
                u.app_sms_mfa = false;
                u.app_email_mfa = false;
                u.sms_factor = None;
                u.email_factor = None;
                u.mfa_guard.failures = 0;
                u.mfa_guard.locked_until = None;
                let uid = u.id.clone();
                db.enrollments.retain(|e| e.user_id != uid);
                let u = &mut db.users[i];
                u.updated_at = now;
                return Ok(Reply::ok(Msg::Ok, mfa_status(u)));
            }
            "face" => return Err(Reply::invalid("enabled")),
            _ => return Err(Msg::NotFound.into()),
        }
        u.updated_at = now;
        let mut data = mfa_status(u);
        if let (Some(d), Some(e)) = (data.as_object_mut(), extra.as_object()) {
            d.extend(e.clone());
        }
        Ok(Reply::ok(Msg::Ok, data))
    })
}

/// `POST /__dev/login {"account", "password"}`: a password login without
/// the RSA step, for fixtures. A user with any MFA factor gets code 1635
/// and an mfaToken (see [`Stage::Dev`]); others get the user with a user
/// token. The mfaToken is the one Authing's logins mint, with the same rules.
async fn login(State(app): State<AppState>, ClientIp(ip): ClientIp, body: JsonObject) -> ApiResult {
    let account = body.req_str("account")?;
    let password = body.req_str("password")?;
    app.password_login(By::Any, &account, &password, &ip, &Stage::Dev)
        .await
}

/// The registry entry of an application as `/__dev/apps/{appId}` shows it:
/// whether it has a secret (never the secret), the factors it has enabled
/// (`factorsSet` false: the default, from `*` or all four), and its MFA
/// policy (`/__dev/apps/{appId}/mfa`).
fn app_json(db: &Db, app_id: &str) -> Value {
    let rec = db.apps.get(app_id);
    let policy = db.app_mfa.get(app_id).cloned().unwrap_or_default();
    json!({
        "appId": app_id,
        "registered": rec.is_some(),
        "hasSecret": rec.is_some_and(|a| a.app_secret_sha256.is_some()),
        "tokenEndPointAuthMethods": if rec.is_some_and(|a| a.app_secret_sha256.is_some()) {
            json!(["client_secret_post", "client_secret_basic"])
        } else {
            json!(["none", "client_secret_post", "client_secret_basic"])
        },
        "factors": db.app_factors(Some(app_id)),
        "factorsSet": rec.is_some_and(|a| a.factors.is_some()),
        "mfaPolicy": policy,
    })
}

/// `GET /__dev/apps/{appId}`: the application in the registry.
async fn get_app(State(app): State<AppState>, Path(app_id): Path<String>) -> ApiResult {
    app.read(|db| Ok(Reply::ok(Msg::Ok, app_json(db, &app_id))))
}

/// `POST /__dev/apps/{appId} {"appSecret"?: string|null, "factors"?: [..]|null}`:
/// registers or updates an application for the v3 API. `appSecret` makes
/// it a confidential client whose `/api/v3/signin` must authenticate
/// (`client_secret_post` or `client_secret_basic`); `null` makes it public
/// (`none`). `factors` are the MFA factors it has enabled (what
/// `list-factors-to-enroll` offers and `send-enroll-factor-request`
/// accepts), `null` back to the default. A key left out keeps its value.
/// Only the secret's SHA-256 is kept; it is never answered.
async fn set_app(State(app): State<AppState>, Path(app_id): Path<String>, body: JsonObject) -> ApiResult {
    if app_id.is_empty() || app_id.chars().count() > MAX_FIELD {
        return Err(Reply::invalid("appId"));
    }
    let secret = match body.0.get("appSecret") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= MAX_FIELD => {
            Some(Some(crypto::sha256_hex(s.as_bytes())))
        }
        Some(_) => return Err(Reply::invalid("appSecret")),
    };
    let factors = match body.0.get("factors") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Array(list)) => Some(Some(factor_list(list)?)),
        Some(_) => return Err(Reply::invalid("factors")),
    };
    app.change(|db| {
        let rec = db.apps.entry(app_id.clone()).or_default();
        if let Some(s) = secret {
            rec.app_secret_sha256 = s;
        }
        if let Some(f) = factors {
            rec.factors = f;
        }
        Ok(Reply::ok(Msg::Ok, app_json(db, &app_id)))
    })
}

/// Factor names, upper-cased, each one of [`APP_MFA_FACTORS`], no repeats.
fn factor_list(list: &[Value]) -> Result<Vec<String>, Reply> {
    let mut factors: Vec<String> = Vec::new();
    for f in list {
        let f = f
            .as_str()
            .map(str::to_ascii_uppercase)
            .filter(|f| APP_MFA_FACTORS.contains(&f.as_str()) && !factors.contains(f))
            .ok_or_else(|| Reply::invalid("factors"))?;
        factors.push(f);
    }
    Ok(factors)
}

/// `GET /__dev/apps/{appId}/mfa`: the application's MFA policy.
async fn get_app_mfa(State(app): State<AppState>, Path(app_id): Path<String>) -> ApiResult {
    app.read(|db| Ok(Reply::ok(Msg::Ok, app_mfa_json(db, &app_id))))
}

/// `POST /__dev/apps/{appId}/mfa {"factors": ["SMS", "EMAIL", "OTP", "FACE"]}`:
/// the factors the application asks of every login that passes its first
/// factor (Authing's "enterprise MFA", answered 1636), in order; `[]`
/// removes the policy. `appId` `*` applies to every application without a
/// policy of its own, and to requests without `x-authing-app-id`.
async fn set_app_mfa(State(app): State<AppState>, Path(app_id): Path<String>, body: JsonObject) -> ApiResult {
    let Some(Value::Array(list)) = body.0.get("factors") else {
        return Err(Reply::invalid("factors"));
    };
    let factors = factor_list(list)?;
    if app_id.is_empty() || app_id.chars().count() > MAX_FIELD {
        return Err(Reply::invalid("appId"));
    }
    app.change(|db| {
        if factors.is_empty() {
            db.app_mfa.remove(&app_id);
        } else {
            db.app_mfa.insert(app_id.clone(), factors);
        }
        Ok(Reply::ok(Msg::Ok, app_mfa_json(db, &app_id)))
    })
}

fn app_mfa_json(db: &Db, app_id: &str) -> Value {
    let factors = db.app_mfa.get(app_id).cloned().unwrap_or_default();
    json!({
        "appId": app_id,
        "factors": factors,
        "applicationMfa": application_mfa_json(&factors),
    })
}

/// `GET /__dev/outbox?to=…`: the codes "sent", oldest first, newest last.
async fn outbox(State(app): State<AppState>, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    app.read(|db| {
        let to = q.get("to").filter(|t| !t.is_empty());
        let list: Vec<Value> = db
            .outbox
            .iter()
            .filter(|m| {
                to.is_none_or(|t| {
                    if m.channel == "email" {
                        m.to.eq_ignore_ascii_case(t)
                    } else {
                        m.to == *t
                    }
                })
            })
            .map(store::OutboxMsg::to_json)
            .collect();
        Ok(Reply::ok(Msg::Ok, Value::Array(list)))
    })
}

fn clock_json(db: &Db) -> Value {
    json!({"now": db.now(), "offsetSeconds": db.clock_offset_seconds})
}

/// `GET /__dev/clock`.
async fn get_clock(State(app): State<AppState>) -> ApiResult {
    app.read(|db| Ok(Reply::ok(Msg::Ok, clock_json(db))))
}

/// `POST /__dev/clock {"advanceSeconds": N}`: shifts the clock used for TOTP,
/// token expiry and code expiry. Shifts add up; N may be negative.
async fn shift_clock(State(app): State<AppState>, body: JsonObject) -> ApiResult {
    let n = body
        .opt_i64("advanceSeconds")?
        .ok_or_else(|| Reply::invalid("advanceSeconds"))?;
    app.change(|db| {
        let offset = db.clock_offset_seconds.saturating_add(n);
        if offset.unsigned_abs() > MAX_CLOCK_OFFSET.unsigned_abs() {
            return Err(Reply::invalid("advanceSeconds"));
        }
        db.clock_offset_seconds = offset;
        Ok(Reply::ok(Msg::Ok, clock_json(db)))
    })
}

/// `POST /__dev/reset`: no users, no outbox, no uploads, no app MFA
/// policies, clock offset 0, and a new signing key, so every token issued
/// before is refused (2207). The `.well-known` RSA key stays: SDK clients
/// cache it, and a new one would turn their next logins into wrong
/// passwords.
async fn reset(State(app): State<AppState>) -> ApiResult {
    app.change(|db| {
        let rsa_private_key = db.rsa_private_key.take();
        *db = Db::fresh();
        db.rsa_private_key = rsa_private_key;
        *app.uploads() = Uploads::default();
        Ok(Reply::bare(Msg::StateReset))
    })
}

/// `GET /__dev/uploads/{key}`: the bytes of an upload, at the `url` the
/// upload answered.
async fn get_upload(State(app): State<AppState>, Path(key): Path<String>) -> Response {
    let uploads = app.uploads();
    let Some(bytes) = uploads.get(&key) else {
        return Reply::bare(Msg::NotFound).into_response();
    };
    let mime = match key.rsplit_once('.').map(|(_, e)| e) {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    };
    let mut resp = ([(CONTENT_TYPE, mime)], bytes.to_vec()).into_response();
    resp.extensions_mut().insert(RawBody);
    resp
}
