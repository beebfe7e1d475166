//! Authing's v3 factor API, as authing-node-sdk 4.x speaks it
//! (`authing-factors-v3-wire.md`): `/api/v3/signin`, the factor endpoints
//! (`send-enroll-factor-request`, `enroll-factor`, `reset-factor`,
//! `list-enrolled-factors`, `get-factor`, `list-factors-to-enroll`,
//! `mfa-totp-verify`), `/mfa/token/introspection` and `/api/v3/system`.
//!
//! There is one user store for both generations: a TOTP enrolled here is
//! the `totp` authenticator v2 logins ask for (1635) and v2 verify checks,
//! a face is the v2 face, and `mfa-totp-verify` shares v2's replay step and
//! lockout counter. What differs is the transport (spec §1, §2): the access
//! token comes raw in `authorization` (`Bearer <token>` is accepted too),
//! and answers are `{statusCode, message, apiCode?, requestId, data?}` with
//! HTTP 200, only `statusCode` 200 meaning success.

use crate::api::TOTP_SKEW;
use crate::crypto;
use crate::login::{By, Stage};
use crate::messages::{Lang, Msg};
use crate::qr;
use crate::reply::{ApiResult, ClientIp, JsonObject, LogCode, RawBody, Reply};
use crate::state::AppState;
use crate::store::{
    Db, Enrollment, FaceRec, FactorMeta, TokenUse, TotpRec, UserRec, APP_MFA_FACTORS, ENROLLMENT_TTL,
    ENROLL_MAX_FAILURES,
};
use crate::token::{self, MFA_TOKEN_TTL, USER_TOKEN_TTL};
use authing_mfa::totp;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The outbox `scene` of enrolment codes, and what the one-per-minute limit
/// counts: Authing's SMS channel for binding an MFA factor (spec §4.2).
pub const ENROLL_SCENE: &str = "CHANNEL_BIND_MFA";
/// One enrolment code per phone or email per this many seconds (spec §3.1).
pub const SEND_INTERVAL: i64 = 60;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v3/signin", post(signin))
        .route(
            "/api/v3/send-enroll-factor-request",
            post(send_enroll_factor_request),
        )
        .route("/api/v3/enroll-factor", post(enroll_factor))
        .route("/api/v3/reset-factor", post(reset_factor))
        .route("/api/v3/list-enrolled-factors", get(list_enrolled_factors))
        .route("/api/v3/get-factor", get(get_factor))
        .route("/api/v3/list-factors-to-enroll", get(list_factors_to_enroll))
        .route("/api/v3/mfa-totp-verify", post(mfa_totp_verify))
        .route("/mfa/token/introspection", post(introspect))
        .route("/api/v3/system", get(system))
}

/// `statusCode` and `apiCode` of a message in the v3 envelope. The
/// `statusCode` follows the classes of Authing's error table (spec §2: 400
/// bad argument, 401 not authenticated, 403 forbidden, 404, 409 conflict,
/// 422 invalid operation, 500); an `apiCode` is sent only for codes Authing
/// documents (its v3 apiCode list, its v2 codes 2001/2206/2207, and 2080 of
/// its MFA component), never for this server's own v2 codes (2000, 6005,
/// 60xx…), whose numbers mean other things in Authing's v3 list.
pub fn meta(msg: Msg) -> (u16, Option<i64>) {
    use Msg::*;
    match msg {
        NotLoggedIn | LoginExpired | TokenInvalid | MfaTokenUsed => (401, Some(msg.code())),
        ClientAuthFailed => (401, None),
        // The MFA stage: not a success (only 200 is), but a step to take;
        // 403 as OAuth servers answer "mfa_required".
        MfaRequired | AppMfaRequired | MfaLocked => (403, Some(msg.code())),
        FactorNotEnabled => (403, None),
        UserNotFound => (404, Some(msg.code())),
        FactorNotFound | NotFound => (404, None),
        FactorAlreadyEnrolled | PhoneTaken | EmailTaken | UserExists => (409, None),
        FaceAlreadyBound => (409, Some(msg.code())),
        SendTooOften => (422, Some(msg.code())),
        WrongPassword | WrongVerifyCode | WrongTotp | WrongRecoveryCode | FacePhotoMissing
        | TotpCodeMissing => (400, Some(msg.code())),
        BodyTooLarge => (413, None),
        MethodNotAllowed => (405, None),
        Internal => (500, None),
        m if m.code() == 200 => (200, None),
        _ => (400, None),
    }
}

/// The v3 envelope of `r` (see [`Reply::render`]). Every answer carries a
/// fresh `requestId` (the SDK's DTOs declare it, GenAuth's samples show it
/// on successes too), shaped like Authing's: a UUID.
pub fn render(r: &Reply, lang: Lang) -> Value {
    let (status, api_code) = meta(r.msg);
    let mut m = Map::new();
    m.insert("statusCode".into(), status.into());
    m.insert("message".into(), r.msg.text(lang, r.field.as_deref()).into());
    if let Some(c) = api_code {
        m.insert("apiCode".into(), c.into());
    }
    m.insert("requestId".into(), request_id().into());
    if let Some(d) = &r.data {
        m.insert("data".into(), (**d).clone());
    }
    Value::Object(m)
}

fn request_id() -> String {
    let h = crypto::random_hex(16);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn v3(r: ApiResult) -> ApiResult {
    r.map(Reply::into_v3).map_err(Reply::into_v3)
}

/// The user's token from `authorization`: raw, as the v3 SDK sends it
/// (spec §1), or `Bearer <token>`, as the OAS declares it. Nothing, an
/// empty value or another scheme (`Basic …`) is "not logged in" (2020).
fn access_token(headers: &HeaderMap) -> Result<String, Reply> {
    let value = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map_or("", str::trim);
    let token = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        Some(_) => "",
        // `Bearer` with nothing after it names no token.
        None if value.eq_ignore_ascii_case("bearer") => "",
        None => value,
    };
    if token.is_empty() {
        return Err(Msg::NotLoggedIn.into());
    }
    Ok(token.to_owned())
}

fn app_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-authing-app-id")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A nested object argument (`passwordPayload`, `profile`, …) as a
/// [`JsonObject`]; absent or `null` is `None`, any other non-object is
/// 2000 naming it.
fn sub_object(body: &JsonObject, key: &str) -> Result<Option<JsonObject>, Reply> {
    match body.0.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(JsonObject(m.clone()))),
        Some(_) => Err(Reply::invalid(key)),
    }
}

fn factor_type(body: &JsonObject) -> Result<String, Reply> {
    let t = body.req_str("factorType")?;
    if APP_MFA_FACTORS.contains(&t.as_str()) {
        Ok(t)
    } else {
        Err(Reply::invalid("factorType"))
    }
}

// ---- sign-in ---------------------------------------------------------------

/// The client credentials a sign-in carries: `Authorization: Basic` for
/// `client_secret_basic`, `client_id`/`client_secret` in the body for
/// `client_secret_post`, nothing for `none`.
fn client_credentials(headers: &HeaderMap, body: &JsonObject) -> Result<Option<(String, String)>, Reply> {
    let basic = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"));
    if let Some((_, b64)) = basic {
        let decoded = B64
            .decode(b64.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or(Reply::bare(Msg::ClientAuthFailed))?;
        let (id, secret) = decoded
            .split_once(':')
            .ok_or(Reply::bare(Msg::ClientAuthFailed))?;
        return Ok(Some((id.to_owned(), secret.to_owned())));
    }
    let id = body.opt_str("client_id")?;
    let secret = body.opt_str("client_secret")?;
    Ok(match (id, secret) {
        (None, None) => None,
        (id, secret) => Some((id.unwrap_or_default(), secret.unwrap_or_default())),
    })
}

/// Client authentication (`tokenEndPointAuthMethod`). An app registered
/// with a secret must present it (Basic or body) under its own id; a public
/// app (registered without a secret) and an app the registry does not know
/// need none. Credentials that name another app are refused everywhere.
fn authenticate_client(db: &Db, app_id: &str, creds: Option<&(String, String)>) -> Result<(), Reply> {
    if let Some((id, _)) = creds {
        if id != app_id {
            return Err(Msg::ClientAuthFailed.into());
        }
    }
    let Some(digest) = db.apps.get(app_id).and_then(|a| a.app_secret_sha256.as_deref()) else {
        return Ok(());
    };
    match creds {
        Some((_, secret))
            if crypto::ct_eq(
                crypto::sha256_hex(secret.as_bytes()).as_bytes(),
                digest.as_bytes(),
            ) =>
        {
            Ok(())
        }
        _ => Err(Msg::ClientAuthFailed.into()),
    }
}

/// `POST /api/v3/signin` (`signInByCredentials` and its wrappers): PASSWORD
/// or PASSCODE. A user who must pass a second factor gets the MFA stage of
/// v2's logins instead of tokens: `statusCode` 403 with `apiCode` 1635
/// (their own factor) or 1636 (the application's policy) and `data` with the
/// `mfaToken`; Authing says this endpoint does "not support MFA" and leaves
/// open what it then answers (spec §4.1, §7), and handing out tokens that
/// skip the second factor is the one answer a stand-in must not give.
async fn signin(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Result<JsonObject, Reply>,
) -> ApiResult {
    v3(signin_inner(&app, &ip, &headers, body).await)
}

async fn signin_inner(
    app: &AppState,
    ip: &str,
    headers: &HeaderMap,
    body: Result<JsonObject, Reply>,
) -> ApiResult {
    let app_id = app_id(headers).ok_or(Reply::bare(Msg::AppIdMissing))?;
    let body = body?;
    let creds = client_credentials(headers, &body)?;
    app.read(|db| authenticate_client(db, &app_id, creds.as_ref()))?;
    let options = sub_object(&body, "options")?;
    let scope = match &options {
        Some(o) => o.opt_str("scope")?,
        None => None,
    }
    .unwrap_or_else(|| "openid profile".to_owned());
    let stage = Stage::App(Some(app_id.clone()));
    let connection = body.req_str("connection")?;
    let reply = match connection.as_str() {
        "PASSWORD" => {
            let p = sub_object(&body, "passwordPayload")?.ok_or_else(|| Reply::invalid("passwordPayload"))?;
            let password = p.req_str("password")?;
            let (by, account) = [
                ("email", By::Email),
                ("username", By::Username),
                ("phone", By::Phone),
                ("account", By::Any),
            ]
            .into_iter()
            .find_map(|(k, by)| p.opt_str(k).transpose().map(|v| v.map(|v| (by, v))))
            .transpose()?
            .ok_or_else(|| Reply::invalid("passwordPayload.account"))?;
            let encrypt = match &options {
                Some(o) => o.opt_str("passwordEncryptType")?,
                None => None,
            };
            let password = match encrypt.as_deref() {
                None | Some("none") => password,
                // The `.well-known` key and PKCS#1 v1.5, as v2: the v3 SDK
                // leaves the padding to the caller (spec §4.4, §7).
                Some("rsa") => app.decrypt_password(&password)?,
                Some(_) => {
                    return Err(Reply {
                        field: Some("options.passwordEncryptType".to_owned()),
                        ..Reply::bare(Msg::UnsupportedValue)
                    })
                }
            };
            app.password_login(by, &account, &password, ip, &stage).await?
        }
        "PASSCODE" => {
            let p = sub_object(&body, "passCodePayload")?.ok_or_else(|| Reply::invalid("passCodePayload"))?;
            let code = p.req_str("passCode")?;
            let (channel, to) = match (p.opt_str("email")?, p.opt_str("phone")?) {
                (Some(e), _) => ("email", e),
                (None, Some(ph)) => ("sms", ph),
                (None, None) => return Err(Reply::invalid("passCodePayload.email/phone")),
            };
            app.code_login(channel, &to, &code, ip, &stage)?
        }
        _ => {
            return Err(Reply {
                field: Some(format!("connection {connection}")),
                ..Reply::bare(Msg::UnsupportedValue)
            })
        }
    };
    if reply.msg != Msg::LoginOk {
        // The MFA stage (1635/1636): not a success in v3 terms.
        return Err(reply);
    }
    let user = reply.data.map(|d| *d).unwrap_or(Value::Null);
    let access_token = user["token"].as_str().unwrap_or_default().to_owned();
    let user_id = user["id"].as_str().unwrap_or_default().to_owned();
    let id_token = app.read(|db| {
        let claims = json!({
            "email": user["email"],
            "email_verified": user["emailVerified"],
            "phone_number": user["phone"],
            "phone_number_verified": user["phoneVerified"],
            "username": user["username"],
            "nickname": user["nickname"],
            "picture": user["photo"],
        });
        Ok(token::issue_id_token(
            &db.key(),
            &user_id,
            &app_id,
            &claims,
            db.now(),
        ))
    })?;
    Ok(Reply::ok(
        Msg::LoginOk,
        json!({
            "scope": scope,
            "access_token": access_token,
            "id_token": id_token,
            "token_type": "bearer",
            // The DTO's (and the OAS's) spelling, and OAuth's beside it.
            "expire_in": USER_TOKEN_TTL,
            "expires_in": USER_TOKEN_TTL,
        }),
    ))
}

// ---- factors -----------------------------------------------------------------

fn factor_json(factor_id: &str, factor_type: &str, profile: Value) -> Value {
    json!({"factorId": factor_id, "factorType": factor_type, "profile": profile})
}

/// The user's factors as v3 `FactorDto`s, whichever generation bound them.
pub(crate) fn enrolled(u: &UserRec) -> Vec<Value> {
    let mut v = Vec::new();
    if let Some(t) = &u.totp {
        v.push(factor_json(&t.id, "OTP", json!({})));
    }
    if let Some(f) = &u.sms_factor {
        v.push(factor_json(
            &f.id,
            "SMS",
            json!({"phoneNumber": u.phone, "phoneCountryCode": u.phone_country_code}),
        ));
    }
    if let Some(f) = &u.email_factor {
        v.push(factor_json(&f.id, "EMAIL", json!({"email": u.email})));
    }
    if let Some(id) = u.face_factor_id() {
        v.push(factor_json(&id, "FACE", json!({})));
    }
    v
}

fn has_factor(u: &UserRec, factor_type: &str) -> bool {
    match factor_type {
        "OTP" => u.totp.is_some(),
        "SMS" => u.sms_factor.is_some(),
        "EMAIL" => u.email_factor.is_some(),
        _ => u.face.is_some(),
    }
}

/// Refuses a second factor of a type the user has.
fn not_enrolled(u: &UserRec, factor_type: &str) -> Result<(), Reply> {
    match factor_type {
        "FACE" if u.face.is_some() => Err(Msg::FaceAlreadyBound.into()),
        t if has_factor(u, t) => Err(Msg::FactorAlreadyEnrolled.into()),
        _ => Ok(()),
    }
}

/// A phone (email) can be enrolled when it is the user's own, or the user
/// has none and no one else has it: the rules of v2's SMS/email verify, so
/// that an enrolled phone is the one v2 verify then accepts.
fn contact_usable(db: &Db, i: usize, factor_type: &str, to: &str) -> Result<(), Reply> {
    let u = &db.users[i];
    match factor_type {
        "SMS" => match &u.phone {
            Some(p) if p != to => Err(Msg::PhoneMismatch.into()),
            None if db.phone_taken(to, Some(i)) => Err(Msg::PhoneTaken.into()),
            _ => Ok(()),
        },
        _ => match &u.email {
            Some(e) if !e.eq_ignore_ascii_case(to) => Err(Msg::EmailMismatch.into()),
            None if db.email_taken(to, Some(i)) => Err(Msg::EmailTaken.into()),
            _ => Ok(()),
        },
    }
}

/// `POST /api/v3/send-enroll-factor-request {factorType, profile}`: starts
/// an enrolment and answers its `enrollmentToken` (60 s, single use). SMS
/// and EMAIL send a code to the outbox (one per address per minute, else
/// 2080); OTP answers a new secret as `otpData`.
async fn send_enroll_factor_request(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Result<JsonObject, Reply>,
) -> ApiResult {
    v3(send_enroll_inner(&app, &headers, body))
}

fn send_enroll_inner(app: &AppState, headers: &HeaderMap, body: Result<JsonObject, Reply>) -> ApiResult {
    let token = access_token(headers)?;
    let app_id = app_id(headers);
    app.change(|db| {
        let now = db.now();
        let i = db.authenticate(&token, TokenUse::User, now)?;
        let body = body?;
        let ty = factor_type(&body)?;
        let profile = sub_object(&body, "profile")?;
        if !db.app_factors(app_id.as_deref()).contains(&ty) {
            return Err(Msg::FactorNotEnabled.into());
        }
        not_enrolled(&db.users[i], &ty)?;
        let user_id = db.users[i].id.clone();
        let mut e = Enrollment {
            token_sha256: String::new(),
            user_id: user_id.clone(),
            factor_type: ty.clone(),
            expires_at: now.saturating_add(ENROLLMENT_TTL),
            secret: None,
            recovery_code: None,
            phone: None,
            phone_country_code: None,
            email: None,
            failures: 0,
        };
        let mut otp_data = None;
        match ty.as_str() {
            "SMS" | "EMAIL" => {
                let p = profile.ok_or_else(|| Reply::invalid("profile"))?;
                let (channel, key) = if ty == "SMS" {
                    ("sms", "phoneNumber")
                } else {
                    ("email", "email")
                };
                let to = p
                    .req_bounded(key)
                    .map_err(|_| Reply::invalid(&format!("profile.{key}")))?;
                contact_usable(db, i, &ty, &to)?;
                let recent = db.outbox.iter().any(|m| {
                    m.channel == channel
                        && m.scene.as_deref() == Some(ENROLL_SCENE)
                        && (if channel == "email" {
                            m.to.eq_ignore_ascii_case(&to)
                        } else {
                            m.to == to
                        })
                        && now - m.sent_at < SEND_INTERVAL
                });
                if recent {
                    return Err(Msg::SendTooOften.into());
                }
                let country = if ty == "SMS" {
                    Some(
                        p.opt_bounded("phoneCountryCode")?
                            .unwrap_or_else(|| "+86".to_owned()),
                    )
                } else {
                    None
                };
                db.send_code(
                    channel,
                    to.clone(),
                    country.clone(),
                    Some(ENROLL_SCENE.to_owned()),
                );
                if ty == "SMS" {
                    e.phone = Some(to);
                    e.phone_country_code = country;
                } else {
                    e.email = Some(to);
                }
            }
            "OTP" => {
                let secret = crypto::new_totp_secret();
                let recovery_code = crypto::new_recovery_code();
                let uri = totp::authing_uri(&app.pool_name, &db.users[i].account_name(), &secret);
                let data_url = qr::data_url(&uri).map_err(|_| Reply::bare(Msg::Internal))?;
                otp_data = Some(json!({
                    "qrCodeUri": uri,
                    "qrCodeDataUrl": data_url,
                    "recoveryCode": recovery_code,
                }));
                e.secret = Some(secret);
                e.recovery_code = Some(recovery_code);
            }
            _ => {}
        }
        let mut raw = [0u8; 32];
        rand::fill(&mut raw);
        let enrollment_token = B64.encode(raw);
        e.token_sha256 = crypto::sha256_hex(enrollment_token.as_bytes());
        // Expired enrolments go, and a new request replaces the user's
        // pending one of the same type: at most four per user are kept.
        db.enrollments
            .retain(|x| x.expires_at > now && !(x.user_id == user_id && x.factor_type == ty));
        db.enrollments.push(e);
        let mut data = json!({"enrollmentToken": enrollment_token});
        if let (Some(d), Some(otp)) = (data.as_object_mut(), otp_data) {
            d.insert("otpData".into(), otp);
        }
        Ok(Reply::ok(Msg::EnrollStarted, data))
    })
}

/// `POST /api/v3/enroll-factor {factorType, enrollmentToken, enrollmentData}`:
/// the code (SMS, EMAIL, the OTP's current code) or the photo (FACE)
/// finishes the enrolment. The token is spent by success; a wrong passCode
/// leaves it (until [`ENROLL_MAX_FAILURES`]) and does not count toward the
/// login lockout, as v2's confirm: nothing here unlocks a login.
async fn enroll_factor(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Result<JsonObject, Reply>,
) -> ApiResult {
    v3(enroll_inner(&app, &headers, body))
}

fn enroll_inner(app: &AppState, headers: &HeaderMap, body: Result<JsonObject, Reply>) -> ApiResult {
    let token = access_token(headers)?;
    // Ok(Err(..)) carries a refusal that changed the state (a counted wrong
    // code), which must be saved as well.
    app.change(|db| Ok(enroll_step(app, db, &token, body)))?
}

fn enroll_step(app: &AppState, db: &mut Db, token: &str, body: Result<JsonObject, Reply>) -> ApiResult {
    let now = db.now();
    let i = db.authenticate(token, TokenUse::User, now)?;
    let body = body?;
    let ty = factor_type(&body)?;
    let given = body.req_str("enrollmentToken")?;
    let data = sub_object(&body, "enrollmentData")?.ok_or_else(|| Reply::invalid("enrollmentData"))?;
    let digest = crypto::sha256_hex(given.as_bytes());
    let user_id = db.users[i].id.clone();
    let n = db
        .enrollments
        .iter()
        .position(|e| {
            crypto::ct_eq(e.token_sha256.as_bytes(), digest.as_bytes())
                && e.user_id == user_id
                && e.factor_type == ty
                && now < e.expires_at
        })
        .ok_or(Reply::bare(Msg::EnrollmentTokenInvalid))?;
    // A factor of this type may have been bound since (through v2).
    not_enrolled(&db.users[i], &ty)?;
    let e = db.enrollments[n].clone();
    let id = crypto::new_id();
    let wrong = |db: &mut Db, msg: Msg| -> ApiResult {
        let e = &mut db.enrollments[n];
        e.failures += 1;
        if e.failures >= ENROLL_MAX_FAILURES {
            db.enrollments.remove(n);
        }
        Err(msg.into())
    };
    match ty.as_str() {
        "OTP" => {
            let code = data
                .req_str("passCode")
                .map_err(|_| Reply::invalid("enrollmentData.passCode"))?;
            let secret = e.secret.clone().unwrap_or_default();
            if !matches!(totp::verify(&secret, &code, now, TOTP_SKEW), Ok(Some(_))) {
                return wrong(db, Msg::WrongTotp);
            }
            let u = &mut db.users[i];
            u.totp = Some(TotpRec {
                id,
                secret,
                recovery_code: e.recovery_code.clone().unwrap_or_else(crypto::new_recovery_code),
                source: "SELF".to_owned(),
                created_at: now,
                updated_at: now,
            });
            // As v2's confirm: a v2 association left pending must not later
            // replace this one, and the step is not recorded, so a client
            // may enroll and verify within the same 30 s.
            u.pending_totp = None;
            u.last_totp_step = None;
        }
        "SMS" | "EMAIL" => {
            let code = data
                .req_str("passCode")
                .map_err(|_| Reply::invalid("enrollmentData.passCode"))?;
            let (channel, to) = if ty == "SMS" {
                ("sms", e.phone.clone().unwrap_or_default())
            } else {
                ("email", e.email.clone().unwrap_or_default())
            };
            contact_usable(db, i, &ty, &to)?;
            if !db.consume_code(channel, &to, &code, now) {
                return wrong(db, Msg::WrongVerifyCode);
            }
            let u = &mut db.users[i];
            let meta = Some(FactorMeta { id, created_at: now });
            if ty == "SMS" {
                if u.phone.is_none() {
                    u.phone = Some(to);
                    u.phone_country_code = e.phone_country_code.clone();
                }
                u.phone_verified = true;
                u.sms_factor = meta;
            } else {
                if u.email.is_none() {
                    u.email = Some(to);
                }
                u.email_verified = true;
                u.email_factor = meta;
            }
        }
        _ => {
            // The v2 stand-in rule for faces: an uploaded photo is its
            // bytes (kept as their SHA-256), an external one its URL.
            let photo = data.opt_str("photo")?.ok_or(Reply::bare(Msg::FacePhotoMissing))?;
            let face = if data.opt_bool("isExternalPhoto")?.unwrap_or(false) {
                FaceRec::External { url: photo }
            } else {
                let uploads = app.uploads();
                let bytes = uploads
                    .get(app.upload_key(&photo))
                    .ok_or(Reply::bare(Msg::FacePhotoMissing))?;
                FaceRec::Upload {
                    sha256: crypto::sha256_hex(bytes),
                }
            };
            let u = &mut db.users[i];
            u.face = Some(face);
            u.face_factor_id = Some(id);
        }
    }
    db.users[i].updated_at = now;
    db.enrollments.remove(n);
    Ok(Reply::bare(Msg::FactorEnrolled))
}

/// `POST /api/v3/reset-factor {factorId}`: unbinds one of the user's
/// factors, whichever generation bound it (a TOTP reset is v2's unbind).
async fn reset_factor(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Result<JsonObject, Reply>,
) -> ApiResult {
    v3((|| {
        let token = access_token(&headers)?;
        app.change(|db| {
            let now = db.now();
            let i = db.authenticate(&token, TokenUse::User, now)?;
            let id = body?.req_str("factorId")?;
            let u = &mut db.users[i];
            if u.totp.as_ref().is_some_and(|t| t.id == id) {
                u.totp = None;
                u.pending_totp = None;
                u.last_totp_step = None;
            } else if u.sms_factor.as_ref().is_some_and(|f| f.id == id) {
                u.sms_factor = None;
            } else if u.email_factor.as_ref().is_some_and(|f| f.id == id) {
                u.email_factor = None;
            } else if u.face_factor_id().as_deref() == Some(id.as_str()) {
                u.face = None;
                u.face_factor_id = None;
            } else {
                return Err(Msg::FactorNotFound.into());
            }
            u.updated_at = now;
            Ok(Reply::bare(Msg::FactorReset))
        })
    })())
}

/// `GET /api/v3/list-enrolled-factors`: `data` is an array of `FactorDto`.
async fn list_enrolled_factors(State(app): State<AppState>, headers: HeaderMap) -> ApiResult {
    v3((|| {
        let token = access_token(&headers)?;
        app.read(|db| {
            let i = db.authenticate(&token, TokenUse::User, db.now())?;
            Ok(Reply::ok(Msg::V3Ok, Value::Array(enrolled(&db.users[i]))))
        })
    })())
}

/// `GET /api/v3/get-factor?factorId=…`: one `FactorDto`.
async fn get_factor(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    v3((|| {
        let token = access_token(&headers)?;
        app.read(|db| {
            let i = db.authenticate(&token, TokenUse::User, db.now())?;
            let id = q
                .get("factorId")
                .filter(|s| !s.is_empty())
                .ok_or_else(|| Reply::invalid("factorId"))?;
            enrolled(&db.users[i])
                .into_iter()
                .find(|f| f["factorId"] == **id)
                .map(|f| Reply::ok(Msg::V3Ok, f))
                .ok_or(Reply::bare(Msg::FactorNotFound))
        })
    })())
}

/// `GET /api/v3/list-factors-to-enroll`: the factors the application (of
/// `x-authing-app-id`) has enabled that the user has not bound.
async fn list_factors_to_enroll(State(app): State<AppState>, headers: HeaderMap) -> ApiResult {
    v3((|| {
        let token = access_token(&headers)?;
        let app_id = app_id(&headers);
        app.read(|db| {
            let i = db.authenticate(&token, TokenUse::User, db.now())?;
            let list = db
                .app_factors(app_id.as_deref())
                .into_iter()
                .filter(|f| !has_factor(&db.users[i], f))
                .map(|f| json!({"factorType": f}))
                .collect();
            Ok(Reply::ok(Msg::V3Ok, Value::Array(list)))
        })
    })())
}

/// `POST /api/v3/mfa-totp-verify {totp}`: checks a code of the user's bound
/// TOTP, answering `data: {verified}`. It is v2's TOTP verify without the
/// login: the same ±30 s window, the same replay step (a code accepted here
/// is refused by v2 verify and the reverse), and the same lockout counter
/// (a wrong code counts, the one reaching the limit and every call while
/// locked answer 2005, a success resets the count). It takes a user token
/// or an mfaToken (Authing's MFA component once called it with one, spec
/// §3.7) and spends neither.
async fn mfa_totp_verify(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Result<JsonObject, Reply>,
) -> ApiResult {
    v3((|| {
        let token = access_token(&headers)?;
        app.change(|db| {
            let now = db.now();
            let i = match db.authenticate(&token, TokenUse::Any, now) {
                Ok(i) => i,
                Err(r) => return Ok(Err(r)),
            };
            Ok(totp_verify_step(&app, db, i, now, body))
        })?
    })())
}

fn totp_verify_step(
    app: &AppState,
    db: &mut Db,
    i: usize,
    now: i64,
    body: Result<JsonObject, Reply>,
) -> ApiResult {
    let code = body?.opt_str("totp")?.ok_or(Reply::bare(Msg::TotpCodeMissing))?;
    let u = &mut db.users[i];
    if u.mfa_guard.locked_until(now).is_some() {
        return Err(Msg::MfaLocked.into());
    }
    let rec = u.totp.as_ref().ok_or(Reply::bare(Msg::TotpNotBound))?;
    match totp::verify(&rec.secret, &code, now, TOTP_SKEW) {
        Ok(Some(step)) if u.last_totp_step.is_none_or(|last| step > last) => {
            u.last_totp_step = Some(step);
            u.mfa_guard.failures = 0;
            u.mfa_guard.locked_until = None;
            Ok(Reply::ok(Msg::V3Ok, json!({"verified": true})))
        }
        _ => {
            if u.mfa_guard.record_failure(now, app.lockout) {
                Err(Msg::MfaLocked.into())
            } else {
                Ok(Reply::ok(Msg::TotpNotVerified, json!({"verified": false})))
            }
        }
    }
}

/// A JSON answer outside any envelope (introspection, system info), logged
/// with `code`.
fn raw_json(v: Value, code: i64) -> Response {
    let mut resp = Json(v).into_response();
    resp.extensions_mut().insert(RawBody);
    resp.extensions_mut().insert(LogCode(code));
    resp
}

/// `application/x-www-form-urlencoded` decoding of one value.
fn form_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = (bytes.next()? as char).to_digit(16)?;
                let lo = (bytes.next()? as char).to_digit(16)?;
                out.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            b => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

/// The `token` of an introspection body: the OAS's form (`token=…`), or a
/// JSON object `{"token": …}` for clients that send JSON.
fn introspected_token(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim();
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
        || text.starts_with('{');
    let token = if json {
        serde_json::from_str::<Value>(text)
            .ok()?
            .get("token")?
            .as_str()?
            .to_owned()
    } else {
        text.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "token")
            .and_then(|(_, v)| form_decode(v))?
    };
    Some(token).filter(|t| !t.is_empty())
}

/// `POST /mfa/token/introspection` (form `token=<mfaToken>`, or JSON): not
/// enveloped, `{active: false}` unless the token is an mfaToken of this
/// server that is unexpired, unspent and of an existing user, then
/// `{active: true, userPoolId, userId, exp, iat}` (seconds). The node SDK
/// sends no body (spec §6.1), so through it the answer is always inactive;
/// the `authorization` header is not read as the token: the OAS puts the
/// token in the body and declares no security for this path.
async fn introspect(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let inactive = || raw_json(json!({"active": false}), 200);
    let Some(token) = introspected_token(&headers, &body) else {
        return inactive();
    };
    let active = app.read(|db| {
        let (i, claims) = db.authenticate_claims(&token, TokenUse::Mfa, db.now())?;
        Ok((db.users[i].id.clone(), claims))
    });
    match active {
        Ok((user_id, claims)) => raw_json(
            json!({
                "active": true,
                "userPoolId": app.user_pool_id,
                "userId": user_id,
                "exp": claims.exp,
                // Every mfaToken lives MFA_TOKEN_TTL from its issue.
                "iat": claims.exp - MFA_TOKEN_TTL,
            }),
            200,
        ),
        Err(_) => inactive(),
    }
}

/// `GET /api/v3/system` (`getSystemInfo`): not enveloped; `rsa.publicKey` is
/// the `.well-known` key `passwordEncryptType: "rsa"` is decrypted with.
/// SM2 is not supported, so its key is null.
async fn system(State(app): State<AppState>) -> Result<Response, Reply> {
    let key = app.login_key().map_err(Reply::into_v3)?;
    let version = env!("CARGO_PKG_VERSION");
    Ok(raw_json(
        json!({
            "rsa": {"publicKey": key.public_pem()},
            "sm2": {"publicKey": null},
            "version": {"server": version, "console": version, "login": version},
            "publicIps": ["127.0.0.1"],
        }),
        200,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Kind;

    #[test]
    fn raw_and_bearer_tokens_are_read_and_other_schemes_are_not() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(AUTHORIZATION, v.parse().unwrap());
            m
        };
        assert_eq!(access_token(&h("abc.def.ghi")).unwrap(), "abc.def.ghi");
        assert_eq!(access_token(&h("Bearer abc.def.ghi")).unwrap(), "abc.def.ghi");
        assert_eq!(access_token(&h("bearer  x ")).unwrap(), "x");
        for bad in ["", "  ", "Basic YTpi", "Bearer "] {
            assert_eq!(
                access_token(&h(bad)).unwrap_err().msg,
                Msg::NotLoggedIn,
                "{bad:?}"
            );
        }
        assert_eq!(access_token(&HeaderMap::new()).unwrap_err().msg, Msg::NotLoggedIn);
    }

    #[test]
    fn the_form_body_and_json_both_carry_the_token() {
        let none = HeaderMap::new();
        assert_eq!(
            introspected_token(&none, b"token=a.b.c").as_deref(),
            Some("a.b.c")
        );
        assert_eq!(
            introspected_token(&none, b"x=1&token=a%2Eb+c").as_deref(),
            Some("a.b c")
        );
        assert_eq!(
            introspected_token(&none, br#"{"token":"t"}"#).as_deref(),
            Some("t")
        );
        for empty in [&b""[..], b"token=", b"{}", b"x=1", b"%%%"] {
            assert_eq!(introspected_token(&none, empty), None);
        }
    }

    #[test]
    fn only_documented_codes_become_api_codes() {
        assert_eq!(meta(Msg::V3Ok), (200, None));
        assert_eq!(meta(Msg::LoginOk), (200, None));
        assert_eq!(meta(Msg::MfaRequired), (403, Some(1635)));
        assert_eq!(meta(Msg::AppMfaRequired), (403, Some(1636)));
        assert_eq!(meta(Msg::NotLoggedIn), (401, Some(2020)));
        assert_eq!(meta(Msg::SendTooOften), (422, Some(2080)));
        assert_eq!(meta(Msg::InvalidArgument), (400, None));
        assert_eq!(meta(Msg::TotpNotBound), (400, None));
        assert_eq!(meta(Msg::TotpAlreadyBound), (400, None));
        for m in Msg::ALL {
            let (status, _) = meta(*m);
            assert_eq!(status == 200, m.code() == 200, "{m:?}");
        }
    }

    #[test]
    fn request_ids_look_like_uuids() {
        let id = request_id();
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
        assert_ne!(id, request_id());
    }

    #[test]
    fn kinds_other_than_user_and_mfa_are_refused() {
        let key = b"0123456789abcdef0123456789abcdef";
        let id = token::issue_id_token(key, "u", "app", &json!({"email": "a@b"}), 1000);
        assert_eq!(token::decode(key, &id), None);
        let (t, _) = token::issue(key, "u", Kind::User, 1000);
        assert!(token::decode(key, &t).is_some());
    }
}
