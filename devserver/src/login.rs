//! First-factor logins (password, SMS code, email code), registration, the
//! MFA stage that may follow a login, logout, and the RSA key the SDK
//! encrypts passwords with: what `authing-login-v2-wire.md` describes. The
//! GraphQL front end ([`crate::graphql`]) and the REST endpoints here share
//! this logic, and so does the dev-only `/__dev/login`, so an mfaToken is
//! the same token, with the same single-use and lockout rules, whichever
//! way the login came.

use crate::messages::Msg;
use crate::password;
use crate::reply::{ApiResult, AppId, Bearer, ClientIp, JsonObject, Reply};
use crate::rsakey::LoginKey;
use crate::state::AppState;
use crate::store::{Db, SpentToken, TokenUse, UserRec};
use crate::token;
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/.well-known", get(well_known))
        .route("/api/v2/login/account", post(login_account))
        .route("/api/v2/login/email-code", post(login_email_code))
        .route("/api/v2/login/phone-code", post(login_phone_code))
        .route("/api/v2/logout", get(logout))
}

/// Which field of the user an account name is matched against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    /// `loginByEmail` (any case).
    Email,
    /// `loginByUsername`.
    Username,
    /// `loginByPhonePassword`.
    Phone,
    /// `/api/v2/login/account` and `/__dev/login`: username, email or phone.
    Any,
}

fn find(db: &Db, by: By, account: &str) -> Option<usize> {
    match by {
        By::Email => db.find_email(account),
        By::Username => db.find_username(account),
        By::Phone => db.find_phone(account),
        By::Any => db.find_account(account),
    }
}

/// What a successful first factor leads to.
#[derive(Clone, Debug)]
pub enum Stage {
    /// `/__dev/login`, as it always answered: code 1635 for a user with any
    /// factor (TOTP, face, or the per-user app SMS/email switches), so the
    /// fixtures and suites built on it keep working.
    Dev,
    /// Authing's endpoints, for the application named by
    /// `x-authing-app-id`: 1635 when the user bound a factor of their own
    /// (TOTP or face: "personal MFA"), else 1636 when an application MFA
    /// policy applies (the app's policy from `/__dev/apps/{appId}/mfa`, or
    /// the per-user app SMS/email switches, which stand for "the
    /// application's MFA covers this user"), as Authing's v3 error table and
    /// Guard tell the two apart (spec §3).
    App(Option<String>),
}

impl From<AppId> for Stage {
    fn from(a: AppId) -> Stage {
        Stage::App(a.0)
    }
}

/// `applicationMfa` of a challenge: the policy's factors in order, then the
/// user's own SMS/email factors (v3 enrolments or the dev switches) not already named, numbered by `sort`.
fn application_mfa(u: &UserRec, policy: &[String]) -> Vec<String> {
    let mut factors: Vec<String> = policy.to_vec();
    for (on, f) in [(u.sms_mfa(), "SMS"), (u.email_mfa(), "EMAIL")] {
        if on && !factors.iter().any(|p| p == f) {
            factors.push(f.to_owned());
        }
    }
    factors
}

/// Factor names as Guard's `applicationMfa` entries.
pub fn application_mfa_json(factors: &[String]) -> Value {
    Value::Array(
        factors
            .iter()
            .enumerate()
            .map(|(sort, f)| json!({"mfaPolicy": f, "status": 1, "sort": sort}))
            .collect(),
    )
}

impl AppState {
    /// The `.well-known` key: from the cache, else from the state, else a
    /// new one, saved in the state before it is served (so `--state` keeps
    /// it across restarts, and a key served is a key remembered).
    pub fn login_key(&self) -> Result<Arc<LoginKey>, Reply> {
        let mut cache = self.rsa.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(k) = cache.as_ref() {
            return Ok(Arc::clone(k));
        }
        let key = self.change(|db| {
            let internal = |_| Reply::bare(Msg::Internal);
            match &db.rsa_private_key {
                Some(stored) => LoginKey::from_stored(stored).map_err(internal),
                None => {
                    let key = LoginKey::generate().map_err(internal)?;
                    db.rsa_private_key = Some(key.to_stored().map_err(internal)?);
                    Ok(key)
                }
            }
        })?;
        let key = Arc::new(key);
        *cache = Some(Arc::clone(&key));
        Ok(key)
    }

    /// The password inside an SDK-encrypted one. One that does not decrypt
    /// is a wrong password (2333), never a distinct error: the server must
    /// not tell a bad ciphertext from a bad password.
    pub fn decrypt_password(&self, encrypted: &str) -> Result<String, Reply> {
        self.login_key()?
            .decrypt_password(encrypted)
            .ok_or(Reply::bare(Msg::WrongPassword))
    }

    /// A password login. The Argon2id check runs on a blocking thread
    /// without the state's lock (it is slow on purpose); the login then
    /// completes under the lock only if the user still has that hash.
    pub async fn password_login(
        &self,
        by: By,
        account: &str,
        password: &str,
        ip: &str,
        stage: &Stage,
    ) -> ApiResult {
        let found = self.read(|db| {
            Ok(find(db, by, account).map(|i| {
                let u = &db.users[i];
                (
                    u.id.clone(),
                    u.password_hash.clone(),
                    u.legacy_password_salt.clone(),
                )
            }))
        })?;
        let Some((id, hash, salt)) = found else {
            return Err(Msg::WrongPassword.into());
        };
        let (pw, phc) = (password.to_owned(), hash.clone());
        let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &phc, salt.as_deref()))
            .await
            .unwrap_or(false);
        if !ok {
            return Err(Msg::WrongPassword.into());
        }
        self.change(|db| {
            let i = db
                .user_index(&id)
                .filter(|&i| db.users[i].password_hash == hash)
                .ok_or(Reply::bare(Msg::WrongPassword))?;
            Ok(self.after_first_factor(db, i, ip, stage))
        })
    }

    /// A login with a code from the outbox (`channel` `sms` or `email`).
    /// An unknown account is 2004 before the code is looked at, so it burns
    /// nothing; a wrong code is 2001. Success proves the phone (email).
    pub fn code_login(&self, channel: &str, to: &str, code: &str, ip: &str, stage: &Stage) -> ApiResult {
        self.change(|db| {
            let now = db.now();
            let i = match channel {
                "email" => db.find_email(to),
                _ => db.find_phone(to),
            }
            .ok_or(Reply::bare(Msg::UserNotFound))?;
            if !db.consume_code(channel, to, code, now) {
                return Err(Msg::WrongVerifyCode.into());
            }
            let u = &mut db.users[i];
            if channel == "email" {
                u.email_verified = true;
            } else {
                u.phone_verified = true;
            }
            Ok(self.after_first_factor(db, i, ip, stage))
        })
    }

    /// What follows a good first factor: the MFA stage (an mfaToken and the
    /// code of [`Stage`]) or the end of the login (a user token).
    pub fn after_first_factor(&self, db: &mut Db, i: usize, ip: &str, stage: &Stage) -> Reply {
        let u = &db.users[i];
        let (msg, factors) = match stage {
            Stage::Dev if u.mfa_enabled() => (Msg::MfaRequired, application_mfa(u, &[])),
            Stage::Dev => return Reply::ok(Msg::LoginOk, self.login(db, i, ip)),
            Stage::App(app) => {
                let factors = application_mfa(u, db.app_policy(app.as_deref()));
                if u.personal_mfa() {
                    (Msg::MfaRequired, factors)
                } else if !factors.is_empty() {
                    (Msg::AppMfaRequired, factors)
                } else {
                    return Reply::ok(Msg::LoginOk, self.login(db, i, ip));
                }
            }
        };
        // The offered factors travel in the token: SMS/email verify accepts
        // only a factor the challenge named (spec §3's applicationMfa). The
        // dev-only `/__dev/login` is a test shortcut (it already skips the
        // RSA and GraphQL of a real login): its token accepts SMS and email
        // whatever was offered, so that fixtures can try every factor.
        let offered = match stage {
            Stage::Dev => vec!["SMS".to_owned(), "EMAIL".to_owned()],
            Stage::App(_) => factors.clone(),
        };
        let (mfa_token, _) = token::issue_mfa(&db.key(), &u.id, &offered, db.now());
        // Guard's GuardMFAInitData names these (spec §3); Authing's docs
        // show mfaToken, nickname, email, username and avatar.
        let data = json!({
            "mfaToken": mfa_token,
            "nickname": u.nickname,
            "email": u.email,
            "phone": u.phone,
            "phoneCountryCode": u.phone_country_code,
            "username": u.username,
            "avatar": u.photo,
            "totpMfaEnabled": u.totp.is_some(),
            "faceMfaEnabled": u.face.is_some(),
            "applicationMfa": application_mfa_json(&factors),
        });
        Reply::ok(msg, data)
    }

    /// `registerByEmail`: a new user with that email; with `login` (the
    /// SDK's `forceLogin` or `generateToken`) the answer carries a user
    /// token, as Authing's, else `token` is null. Registration never stops
    /// at the MFA stage: the new user has bound nothing.
    pub async fn register_by_email(
        &self,
        fields: Registration,
        password: &str,
        login: bool,
        ip: &str,
    ) -> ApiResult {
        let pw = password.to_owned();
        let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
            .await
            .map_err(|_| Reply::bare(Msg::Internal))?;
        self.change(|db| {
            let taken = db.email_taken(&fields.email, None)
                || fields
                    .username
                    .as_deref()
                    .is_some_and(|n| db.username_taken(n, None));
            if taken {
                return Err(Msg::UserExists.into());
            }
            let mut u = UserRec::new(hash, db.now());
            u.email = Some(fields.email);
            u.username = fields.username;
            u.nickname = fields.nickname;
            db.users.push(u);
            let i = db.users.len() - 1;
            let user = if login {
                self.login(db, i, ip)
            } else {
                self.user_json(&db.users[i], None)
            };
            Ok(Reply::ok(Msg::UserCreated, user))
        })
    }
}

/// The profile of a registration.
#[derive(Debug)]
pub struct Registration {
    pub email: String,
    pub username: Option<String>,
    pub nickname: Option<String>,
}

/// REST answers of the MFA stage also carry the code as `apiCode`, the
/// field Guard's envelope reads it from (spec §6); the SDK's `HttpClient`
/// reads `code`. Where Authing puts it is not pinned down (spec §8), so both
/// are sent.
fn rest(reply: Reply) -> Reply {
    match reply.msg {
        Msg::MfaRequired | Msg::AppMfaRequired => {
            let code = reply.msg.code();
            reply.with_extra("apiCode", Value::from(code))
        }
        _ => reply,
    }
}

fn rest_result(r: ApiResult) -> ApiResult {
    r.map(rest)
}

/// `GET /api/v2/.well-known`: `{"publicKey": "-----BEGIN PUBLIC KEY-----…"}`,
/// which is all the SDK reads (`body.data.publicKey`, spec §1.6). What else
/// Authing's answer holds is not pinned down (spec §8).
async fn well_known(State(app): State<AppState>) -> ApiResult {
    let key = app.login_key()?;
    Ok(Reply::ok(Msg::Ok, json!({"publicKey": key.public_pem()})))
}

/// `POST /api/v2/login/account {"account", "password": <encrypted>, …}`
/// (Guard's password login, spec §6): username, email or phone.
async fn login_account(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    app_id: AppId,
    body: JsonObject,
) -> ApiResult {
    let account = body.req_str("account")?;
    let encrypted = body.req_str("password")?;
    let password = app.decrypt_password(&encrypted)?;
    rest_result(
        app.password_login(By::Any, &account, &password, &ip, &app_id.into())
            .await,
    )
}

/// `POST /api/v2/login/email-code {"email", "code", …}` (the SDK's
/// `loginByEmailCode`).
async fn login_email_code(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    app_id: AppId,
    body: JsonObject,
) -> ApiResult {
    let email = body.req_str("email")?;
    let code = body.req_str("code")?;
    rest_result(app.code_login("email", &email, &code, &ip, &app_id.into()))
}

/// `POST /api/v2/login/phone-code {"phone", "code", "phoneCountryCode"?, …}`
/// (Guard's code login).
async fn login_phone_code(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    app_id: AppId,
    body: JsonObject,
) -> ApiResult {
    let phone = body.req_str("phone")?;
    let code = body.req_str("code")?;
    rest_result(app.code_login("sms", &phone, &code, &ip, &app_id.into()))
}

/// How many logged-out tokens a user keeps (a bound for `--state`).
const MAX_REVOKED: usize = 64;

/// `GET /api/v2/logout?app_id=…` with the user token: the token stops
/// working (2207) from now on; the SDK clears its own copy only after this
/// 200. A missing, expired or invalid token is answered as every token
/// endpoint answers it (2020, 2206, 2207): Authing's behaviour there is not
/// documented.
async fn logout(State(app): State<AppState>, Bearer(token): Bearer) -> ApiResult {
    app.change(|db| {
        let now = db.now();
        let (i, claims) = db.authenticate_claims(&token, TokenUse::User, now)?;
        // Kept by count, not pruned by the clock: `/__dev/clock` can move
        // time back, and a revoked token dropped as expired would then work
        // again. The oldest goes once a user has MAX_REVOKED.
        let revoked = &mut db.users[i].revoked_tokens;
        if revoked.len() >= MAX_REVOKED {
            revoked.remove(0);
        }
        revoked.push(SpentToken {
            jti: claims.jti,
            exp: claims.exp,
        });
        Ok(Reply::bare(Msg::LoggedOut))
    })
}
