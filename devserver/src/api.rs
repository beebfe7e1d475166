//! The Authing endpoints, at the paths and with the body keys of the wire
//! spec (`authing-mfa-wire.md`).

use crate::crypto;
use crate::date::iso8601;
use crate::messages::Msg;
use crate::qr;
use crate::reply::{ApiResult, Bearer, ClientIp, JsonObject, Reply, WithBearer};
use crate::state::{AppState, Refusal, MAX_UPLOAD, UPLOADS_PATH};
use crate::store::{FaceRec, TokenUse, TotpRec};
use crate::token::{Claims, Kind};
use authing_mfa::totp;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;

/// How many TOTP steps either side of now a code may be from (±30 s), as
/// Authing allows for clock drift.
pub const TOTP_SKEW: u8 = 1;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/mfa/authenticator", get(list_authenticators))
        .route("/api/v2/mfa/totp/associate", post(associate).delete(unbind))
        .route("/api/v2/mfa/totp/associate/confirm", post(confirm))
        .route("/api/v2/mfa/totp/verify", post(verify_totp))
        .route("/api/v2/mfa/totp/recovery", post(recovery))
        .route("/api/v2/applications/mfa/sms/verify", post(verify_sms))
        .route("/api/v2/applications/mfa/email/verify", post(verify_email))
        .route("/api/v2/applications/mfa/check", post(check_bindable))
        .route("/api/v2/sms/send", post(send_sms))
        .route("/api/v2/email/send", post(send_email))
        .route(
            "/api/v2/upload",
            // Room for the multipart framing around a file of MAX_UPLOAD bytes;
            // the file itself is capped exactly in the handler.
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024)),
        )
        .route("/api/v2/mfa/face/associate", post(face_associate))
        .route("/api/v2/mfa/face/verify", post(face_verify))
}

/// `authenticator_type` is optional, but when sent it must be `totp`: the
/// only type this API binds.
fn check_type(body: &JsonObject) -> Result<(), Reply> {
    match body.opt_str("authenticator_type")?.as_deref() {
        None | Some("totp") => Ok(()),
        Some(_) => Err(Reply::invalid("authenticator_type")),
    }
}

fn authenticator_json(user_id: &str, a: &TotpRec) -> Value {
    json!({
        "id": a.id,
        "createdAt": iso8601(a.created_at),
        "updatedAt": iso8601(a.updated_at),
        "userId": user_id,
        "enable": true,
        "secret": a.secret,
        "authenticatorType": "totp",
        "recoveryCode": a.recovery_code,
        "source": a.source,
    })
}

/// `GET /api/v2/mfa/authenticator?type=totp&source=…`: the enabled
/// authenticators of that type (a pending association is not listed, since
/// MFA is not enforced until confirm).
///
/// With an mfaToken, `secret` and `recoveryCode` are blanked (`""`): the
/// caller has passed only the first factor, and the secret of the bound
/// authenticator (or its recovery code) is exactly what the second factor
/// asks for, so handing it out would finish the login without it. The
/// mfaToken still tells Guard's MFA stage whether TOTP is bound. Read them
/// with a user token.
async fn list_authenticators(
    State(app): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    Bearer(token): Bearer,
) -> ApiResult {
    app.read(|db| {
        let (i, claims) = db.authenticate_claims(&token, TokenUse::Any, db.now())?;
        let ty = q
            .get("type")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Reply::invalid("type"))?;
        let source = q.get("source").filter(|s| !s.is_empty());
        let u = &db.users[i];
        let list: Vec<Value> = match &u.totp {
            Some(a) if ty == "totp" && source.is_none_or(|s| *s == a.source) => {
                let mut a = authenticator_json(&u.id, a);
                if claims.kind == Kind::Mfa {
                    a["secret"] = Value::from("");
                    a["recoveryCode"] = Value::from("");
                }
                vec![a]
            }
            _ => Vec::new(),
        };
        Ok(Reply::ok(Msg::Ok, Value::Array(list)))
    })
}

/// `POST /api/v2/mfa/totp/associate`: a fresh pending secret, its QR code and
/// recovery code. A second call while pending replaces the pending one.
async fn associate(
    State(app): State<AppState>,
    WithBearer(token, body): WithBearer<JsonObject>,
) -> ApiResult {
    app.change(|db| {
        let now = db.now();
        let i = db.authenticate(&token, TokenUse::Any, now)?;
        check_type(&body)?;
        let source = body.opt_str("source")?.unwrap_or_else(|| "SELF".to_owned());
        if db.users[i].totp.is_some() {
            return Err(Msg::TotpAlreadyBound.into());
        }
        let secret = crypto::new_totp_secret();
        let recovery_code = crypto::new_recovery_code();
        let uri = totp::authing_uri(&app.pool_name, &db.users[i].account_name(), &secret);
        let data_url = qr::data_url(&uri).map_err(|_| Reply::bare(Msg::Internal))?;
        db.users[i].pending_totp = Some(TotpRec {
            id: crypto::new_id(),
            secret: secret.clone(),
            recovery_code: recovery_code.clone(),
            source,
            created_at: now,
            updated_at: now,
        });
        Ok(Reply::ok(
            Msg::TotpAssociated,
            json!({
                "authenticator_type": "totp",
                "secret": secret,
                "qrcode_uri": uri,
                "qrcode_data_url": data_url,
                "recovery_code": recovery_code,
            }),
        ))
    })
}

/// `POST /api/v2/mfa/totp/associate/confirm`: a current code for the pending
/// secret enables TOTP MFA. The code's step is not recorded for replay: the
/// secret is brand new, and a client that confirms and then logs in within
/// the same 30 s must not be refused.
async fn confirm(State(app): State<AppState>, WithBearer(token, body): WithBearer<JsonObject>) -> ApiResult {
    app.change(|db| {
        let now = db.now();
        let i = db.authenticate(&token, TokenUse::Any, now)?;
        check_type(&body)?;
        let code = body.req_str("totp")?;
        let u = &mut db.users[i];
        let pending = u.pending_totp.as_ref().ok_or(Reply::bare(Msg::NoPendingTotp))?;
        if !matches!(totp::verify(&pending.secret, &code, now, TOTP_SKEW), Ok(Some(_))) {
            return Err(Msg::WrongTotpAtConfirm.into());
        }
        let mut rec = u.pending_totp.take().ok_or(Reply::bare(Msg::NoPendingTotp))?;
        rec.updated_at = now;
        u.totp = Some(rec);
        u.last_totp_step = None;
        u.updated_at = now;
        Ok(Reply::bare(Msg::TotpBound))
    })
}

/// `DELETE /api/v2/mfa/totp/associate` (user token only): unbinds TOTP,
/// enabled or pending.
async fn unbind(State(app): State<AppState>, Bearer(token): Bearer) -> ApiResult {
    app.change(|db| {
        let now = db.now();
        let i = db.authenticate(&token, TokenUse::User, now)?;
        let u = &mut db.users[i];
        if u.totp.is_none() && u.pending_totp.is_none() {
            return Err(Msg::TotpNotBound.into());
        }
        u.totp = None;
        u.pending_totp = None;
        u.last_totp_step = None;
        u.updated_at = now;
        Ok(Reply::bare(Msg::TotpUnbound))
    })
}

/// `POST /api/v2/mfa/totp/verify` (mfaToken only): a current code whose step
/// is newer than the last accepted one finishes the login. A wrong or
/// replayed code counts toward the lockout.
async fn verify_totp(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    WithBearer(token, body): WithBearer<JsonObject>,
) -> ApiResult {
    let (user, ()) = app.second_factor(&token, &ip, |db, i, now, _| {
        let code = body.req_str("totp")?;
        let u = &mut db.users[i];
        let rec = u.totp.as_ref().ok_or(Reply::bare(Msg::TotpNotBound))?;
        let step = match totp::verify(&rec.secret, &code, now, TOTP_SKEW) {
            Ok(Some(step)) if u.last_totp_step.is_none_or(|last| step > last) => step,
            _ => return Err(Refusal::Wrong(Msg::WrongTotp)),
        };
        u.last_totp_step = Some(step);
        Ok(())
    })?;
    Ok(Reply::ok(Msg::LoginOk, user))
}

/// `POST /api/v2/mfa/totp/recovery` (mfaToken only): the current recovery
/// code logs in once and is replaced; the new one travels at the top level
/// of the envelope, beside `data`, as Authing sends it.
async fn recovery(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    WithBearer(token, body): WithBearer<JsonObject>,
) -> ApiResult {
    let (user, fresh) = app.second_factor(&token, &ip, |db, i, now, _| {
        let given = body.req_str("recoveryCode")?.trim().to_ascii_lowercase();
        let rec = db.users[i].totp.as_mut().ok_or(Reply::bare(Msg::TotpNotBound))?;
        if !crypto::ct_eq(given.as_bytes(), rec.recovery_code.as_bytes()) {
            return Err(Refusal::Wrong(Msg::WrongRecoveryCode));
        }
        let fresh = crypto::new_recovery_code();
        rec.recovery_code = fresh.clone();
        rec.updated_at = now;
        Ok(fresh)
    })?;
    Ok(Reply::ok(Msg::LoginOk, user).with_extra("recoveryCode", Value::String(fresh)))
}

/// An SMS or email second factor is accepted only when the challenge that
/// issued the mfaToken offered it (its `applicationMfa`: the application's
/// policy and the user's own SMS/email factors); otherwise anyone with the
/// password could bind their own phone to a TOTP-only user and pass. A
/// token without the claim (signed before it existed) falls back to the
/// user's own factors. Refused with 403 before the code is read, so it
/// burns no code and counts toward no lockout.
fn offered(claims: &Claims, factor: &str, users_own: bool) -> Result<(), Refusal> {
    let ok = match &claims.factors {
        Some(factors) => factors.iter().any(|f| f == factor),
        None => users_own,
    };
    if ok {
        Ok(())
    } else {
        Err(Reply::bare(Msg::FactorNotEnabled).into())
    }
}

/// `POST /api/v2/applications/mfa/sms/verify` (mfaToken only). A user with a
/// phone must verify that phone; a user without one binds it on success.
/// Mismatch and conflict are checked before the code, so they never burn it
/// (nor count toward the lockout).
async fn verify_sms(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    WithBearer(token, body): WithBearer<JsonObject>,
) -> ApiResult {
    let (user, ()) = app.second_factor(&token, &ip, |db, i, now, claims| {
        offered(claims, "SMS", db.users[i].sms_mfa())?;
        let phone = body.req_bounded("phone")?;
        let code = body.req_str("code")?;
        let country = body.opt_bounded("phoneCountryCode")?;
        match &db.users[i].phone {
            Some(p) if *p != phone => return Err(Reply::bare(Msg::PhoneMismatch).into()),
            None if db.phone_taken(&phone, Some(i)) => return Err(Reply::bare(Msg::PhoneTaken).into()),
            _ => {}
        }
        if !db.consume_code("sms", &phone, &code, now) {
            return Err(Refusal::Wrong(Msg::WrongVerifyCode));
        }
        let u = &mut db.users[i];
        if u.phone.is_none() {
            u.phone = Some(phone);
            u.phone_country_code = country.or_else(|| u.phone_country_code.take());
        }
        u.phone_verified = true;
        Ok(())
    })?;
    Ok(Reply::ok(Msg::LoginOk, user))
}

/// `POST /api/v2/applications/mfa/email/verify` (mfaToken only): as SMS.
async fn verify_email(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    WithBearer(token, body): WithBearer<JsonObject>,
) -> ApiResult {
    let (user, ()) = app.second_factor(&token, &ip, |db, i, now, claims| {
        offered(claims, "EMAIL", db.users[i].email_mfa())?;
        let email = body.req_bounded("email")?;
        let code = body.req_str("code")?;
        match &db.users[i].email {
            Some(e) if !e.eq_ignore_ascii_case(&email) => return Err(Reply::bare(Msg::EmailMismatch).into()),
            None if db.email_taken(&email, Some(i)) => return Err(Reply::bare(Msg::EmailTaken).into()),
            _ => {}
        }
        if !db.consume_code("email", &email, &code, now) {
            return Err(Refusal::Wrong(Msg::WrongVerifyCode));
        }
        let u = &mut db.users[i];
        if u.email.is_none() {
            u.email = Some(email);
        }
        u.email_verified = true;
        Ok(())
    })?;
    Ok(Reply::ok(Msg::LoginOk, user))
}

/// `POST /api/v2/applications/mfa/check` (mfaToken only): `true` when every
/// given phone/email is free or already this user's.
async fn check_bindable(
    State(app): State<AppState>,
    WithBearer(token, body): WithBearer<JsonObject>,
) -> ApiResult {
    app.read(|db| {
        let i = db.authenticate(&token, TokenUse::Mfa, db.now())?;
        let phone = body.opt_str("phone")?;
        let email = body.opt_str("email")?;
        if phone.is_none() && email.is_none() {
            return Err(Reply::invalid("phone/email"));
        }
        let ok = phone.is_none_or(|p| !db.phone_taken(&p, Some(i)))
            && email.is_none_or(|e| !db.email_taken(&e, Some(i)));
        Ok(Reply::ok(Msg::Ok, Value::Bool(ok)))
    })
}

/// `POST /api/v2/sms/send {"phone", "phoneCountryCode"?, "scene"?}` (the
/// SDK's `sendSmsCode`; `scene` is e.g. `login` or `mfa-verify`): no token
/// needed, as Authing's. The code goes to the outbox (`GET /__dev/outbox`,
/// with its scene), never to the log. Any scene's code serves any check that
/// reads the outbox: this server does not bind codes to scenes.
async fn send_sms(State(app): State<AppState>, body: JsonObject) -> ApiResult {
    let phone = body.req_bounded("phone")?;
    let country = body.opt_bounded("phoneCountryCode")?;
    let scene = body.opt_bounded("scene")?;
    app.change(|db| {
        db.send_code("sms", phone, country, scene);
        Ok(Reply::bare(Msg::CodeSent))
    })
}

/// `POST /api/v2/email/send`.
async fn send_email(State(app): State<AppState>, body: JsonObject) -> ApiResult {
    let email = body.req_bounded("email")?;
    let scene = body.opt_bounded("scene")?;
    app.change(|db| {
        db.send_code("email", email, None, scene);
        Ok(Reply::bare(Msg::CodeSent))
    })
}

fn safe_folder(f: &str) -> bool {
    !f.is_empty()
        && f.len() <= 64
        && f.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn extension(file_name: Option<&str>) -> String {
    file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e.len() <= 5 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "jpg".to_owned())
}

/// `POST /api/v2/upload?folder=face-photo&private=true`, multipart field
/// `file`. No token needed (the JS SDK sends none). Files live in memory and
/// are served back under `/__dev/uploads/`.
async fn upload(
    State(app): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult {
    let folder = q.get("folder").map_or("face-photo", String::as_str);
    if !safe_folder(folder) {
        return Err(Reply::invalid("folder"));
    }
    let mut multipart = multipart.map_err(|_| Reply::invalid("file"))?;
    let too_large = |status: StatusCode| {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Reply::bare(Msg::FileTooLarge)
        } else {
            Reply::invalid("file")
        }
    };
    let mut file = None;
    while let Some(mut field) = multipart.next_field().await.map_err(|e| too_large(e.status()))? {
        if field.name() != Some("file") || file.is_some() {
            continue;
        }
        let ext = extension(field.file_name());
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| too_large(e.status()))? {
            if bytes.len() + chunk.len() > MAX_UPLOAD {
                return Err(Msg::FileTooLarge.into());
            }
            bytes.extend_from_slice(&chunk);
        }
        file = Some((ext, bytes));
    }
    let (ext, bytes) = file.ok_or_else(|| Reply::invalid("file"))?;
    let key = format!("{folder}/{}.{ext}", crypto::random_hex(16));
    let url = format!("{}{UPLOADS_PATH}{key}", app.base_url);
    app.uploads().insert(key.clone(), bytes);
    Ok(Reply::ok(Msg::Uploaded, json!({"key": key, "url": url})))
}

/// `POST /api/v2/mfa/face/associate`. No face recognition runs here, so the
/// stand-in rule is: two uploaded photos match when their bytes are
/// identical; with `isExternal: true` the two strings must be identical.
async fn face_associate(
    State(app): State<AppState>,
    WithBearer(token, body): WithBearer<JsonObject>,
) -> ApiResult {
    app.change(|db| {
        let now = db.now();
        let (i, claims) = db.authenticate_claims(&token, TokenUse::Any, now)?;
        // An mfaToken proves only the first factor. Binding a face with it
        // is how a user without a second factor sets one up during login;
        // replacing a bound face with it would let whoever knows the
        // password swap in their own face and pass the second factor. So,
        // as v3's enrolment (1706) and TOTP associate (6003) refuse, a
        // bound face can be replaced only with a user token.
        if claims.kind == Kind::Mfa && db.users[i].face.is_some() {
            return Err(Msg::FaceAlreadyBound.into());
        }
        let a = body.req_str("photoA")?;
        let b = body.req_str("photoB")?;
        let face = if body.opt_bool("isExternal")?.unwrap_or(false) {
            if a != b {
                return Err(Msg::FaceMismatch.into());
            }
            FaceRec::External { url: a }
        } else {
            let uploads = app.uploads();
            let pa = uploads
                .get(app.upload_key(&a))
                .ok_or(Reply::bare(Msg::PhotoNotFound))?;
            let pb = uploads
                .get(app.upload_key(&b))
                .ok_or(Reply::bare(Msg::PhotoNotFound))?;
            if pa != pb {
                return Err(Msg::FaceMismatch.into());
            }
            FaceRec::Upload {
                sha256: crypto::sha256_hex(pa),
            }
        };
        let u = &mut db.users[i];
        u.face = Some(face);
        u.updated_at = now;
        Ok(Reply::ok(Msg::FaceBound, app.user_json(u, None)))
    })
}

/// `POST /api/v2/mfa/face/verify` (mfaToken only): the photo must be the
/// bound face: an upload with the same bytes, or the same external URL. A
/// photo that does not match counts toward the lockout.
async fn face_verify(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    WithBearer(token, body): WithBearer<JsonObject>,
) -> ApiResult {
    let (user, ()) = app.second_factor(&token, &ip, |db, i, _, _| {
        let photo = body.req_str("photo")?;
        let face = db.users[i].face.as_ref().ok_or(Reply::bare(Msg::FaceNotBound))?;
        let matched = match face {
            FaceRec::External { url } => *url == photo,
            FaceRec::Upload { sha256 } => {
                let uploads = app.uploads();
                let bytes = uploads
                    .get(app.upload_key(&photo))
                    .ok_or(Reply::bare(Msg::PhotoNotFound))?;
                crypto::sha256_hex(bytes) == *sha256
            }
        };
        if !matched {
            return Err(Refusal::Wrong(Msg::FaceVerifyFailed));
        }
        Ok(())
    })?;
    Ok(Reply::ok(Msg::LoginOk, user))
}
