//! The shared application state: the persisted [`Db`], the uploads (memory
//! only), and the settings every handler needs.

use crate::date::iso8601;
use crate::messages::Msg;
use crate::reply::Reply;
use crate::rsakey::LoginKey;
use crate::store::{self, Db, Lockout, TokenUse, UserRec};
use crate::token::{self, Claims, Kind};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Largest accepted upload: 10 MiB.
pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;
/// Uploads are kept in memory up to this many bytes in all; the oldest are
/// dropped first. They are not written to `--state`: photos are large, and a
/// bound face is remembered by the digest of its bytes instead.
pub const UPLOADS_CAP: usize = 128 * 1024 * 1024;
/// Where uploaded files are served, under the base URL.
pub const UPLOADS_PATH: &str = "/__dev/uploads/";

/// Uploaded files by key, oldest first for eviction.
#[derive(Default)]
pub struct Uploads {
    files: HashMap<String, Vec<u8>>,
    order: VecDeque<String>,
    total: usize,
}

impl Uploads {
    pub fn insert(&mut self, key: String, bytes: Vec<u8>) {
        self.total += bytes.len();
        self.order.push_back(key.clone());
        if let Some(old) = self.files.insert(key, bytes) {
            self.total -= old.len();
        }
        while self.total > UPLOADS_CAP {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(b) = self.files.remove(&oldest) {
                self.total -= b.len();
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.files.get(key).map(Vec::as_slice)
    }
}

/// How a second-factor check failed (see [`AppState::second_factor`]).
pub enum Refusal {
    /// The answer itself was wrong (code, recovery code, face): it counts
    /// toward the lockout.
    Wrong(Msg),
    /// Anything else (a bad argument, nothing bound, a phone that is not the
    /// user's…): answered as is and not counted.
    Other(Reply),
}

impl From<Reply> for Refusal {
    fn from(r: Reply) -> Refusal {
        Refusal::Other(r)
    }
}

pub struct Inner {
    pub db: Mutex<Db>,
    pub uploads: Mutex<Uploads>,
    pub state_file: Option<PathBuf>,
    pub pool_name: String,
    pub user_pool_id: String,
    pub base_url: String,
    pub lockout: Lockout,
    /// The parsed `.well-known` key, once needed (see
    /// [`AppState::login_key`]); the state holds its stored form.
    pub rsa: Mutex<Option<Arc<LoginKey>>>,
    /// The last requests, masked, for the console (see [`crate::console`]).
    pub requests: Mutex<crate::console::RequestLog>,
}

/// Cheap to clone; one per server.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub(crate) fn new(
        db: Db,
        state_file: Option<PathBuf>,
        pool_name: String,
        user_pool_id: String,
        base_url: String,
        lockout: Lockout,
    ) -> AppState {
        AppState(Arc::new(Inner {
            db: Mutex::new(db),
            uploads: Mutex::new(Uploads::default()),
            state_file,
            pool_name,
            user_pool_id,
            base_url,
            lockout,
            rsa: Mutex::new(None),
            requests: Mutex::new(crate::console::RequestLog::default()),
        }))
    }

    /// A handler that panicked while holding the lock must not take the
    /// whole server down with it: the state is still usable.
    fn lock_db(&self) -> MutexGuard<'_, Db> {
        self.db.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn requests(&self) -> MutexGuard<'_, crate::console::RequestLog> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn uploads(&self) -> MutexGuard<'_, Uploads> {
        self.uploads.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs a read-only step under the lock.
    pub fn read<R>(&self, f: impl FnOnce(&Db) -> Result<R, Reply>) -> Result<R, Reply> {
        f(&self.lock_db())
    }

    /// Runs a changing step under the lock and, when it succeeds and
    /// `--state` is set, writes the state before answering, so an answered
    /// change is on disk. A failed step changes nothing by construction
    /// (handlers check before they mutate) and is not written.
    pub fn change<R>(&self, f: impl FnOnce(&mut Db) -> Result<R, Reply>) -> Result<R, Reply> {
        let mut db = self.lock_db();
        let out = f(&mut db)?;
        self.persist(&db)?;
        Ok(out)
    }

    /// The frame of every endpoint that finishes a login with a second
    /// factor (TOTP, recovery code, SMS, email, face), under one lock:
    ///
    /// 1. the mfaToken (from the [`crate::reply::WithBearer`] extractor) must
    ///    be valid, unexpired and unspent;
    /// 2. while the user's second factor is locked, everything is refused
    ///    with 2005, before `check` runs, so nothing is tried or used up;
    /// 3. `check` judges the answer and, only on success, applies its own
    ///    changes (it checks before it mutates);
    /// 4. success resets the failure count, spends the mfaToken and logs
    ///    in; [`Refusal::Wrong`] counts a failure, and the one that reaches
    ///    the limit locks the factor and is answered with 2005 instead;
    ///    [`Refusal::Other`] changes nothing.
    ///
    /// Both a success and a counted failure are written to `--state` before
    /// the answer. Returns the logged-in user and what `check` returned.
    pub fn second_factor<R>(
        &self,
        token: &str,
        ip: &str,
        check: impl FnOnce(&mut Db, usize, i64, &Claims) -> Result<R, Refusal>,
    ) -> Result<(Value, R), Reply> {
        let mut db = self.lock_db();
        let now = db.now();
        let (i, claims) = db.authenticate_claims(token, TokenUse::Mfa, now)?;
        if db.users[i].mfa_guard.locked_until(now).is_some() {
            return Err(Msg::MfaLocked.into());
        }
        match check(&mut db, i, now, &claims) {
            Ok(out) => {
                db.users[i].mfa_guard.record_success(&claims, now);
                let user = self.login(&mut db, i, ip);
                self.persist(&db)?;
                Ok((user, out))
            }
            Err(Refusal::Other(reply)) => Err(reply),
            Err(Refusal::Wrong(msg)) => {
                let locked = db.users[i].mfa_guard.record_failure(now, self.lockout);
                self.persist(&db)?;
                Err(if locked { Msg::MfaLocked } else { msg }.into())
            }
        }
    }

    pub(crate) fn persist(&self, db: &Db) -> Result<(), Reply> {
        if let Some(path) = &self.state_file {
            if let Err(e) = store::save(path, db) {
                eprintln!("authing-mfa-devserver: cannot write the state file: {e}");
                return Err(Reply::bare(Msg::Internal));
            }
        }
        Ok(())
    }

    /// The user as Authing's API returns it, with `token`/`tokenExpiredAt`
    /// when one was just issued. `lastIp` beside `lastIP` and `isRoot` are
    /// there on purpose: the SDK's typings lack them, and clients must pass
    /// unknown fields through.
    pub fn user_json(&self, u: &UserRec, token: Option<(&str, i64)>) -> Value {
        json!({
            "id": u.id,
            "arn": format!("arn:cn:authing:{}:user:{}", self.user_pool_id, u.id),
            "userPoolId": self.user_pool_id,
            "status": "Activated",
            "username": u.username,
            "email": u.email,
            "emailVerified": u.email_verified,
            "phone": u.phone,
            "phoneVerified": u.phone_verified,
            "phoneCountryCode": u.phone_country_code,
            "nickname": u.nickname,
            "photo": u.photo,
            "token": token.map(|t| t.0),
            "tokenExpiredAt": token.map(|t| iso8601(t.1)),
            "loginsCount": u.logins_count,
            "lastLogin": u.last_login.map(iso8601),
            "lastIP": u.last_ip,
            "lastIp": u.last_ip,
            "signedUp": iso8601(u.created_at),
            "blocked": false,
            "isRoot": false,
            "createdAt": iso8601(u.created_at),
            "updatedAt": iso8601(u.updated_at),
        })
    }

    /// Ends a login: counts it, stamps it, and answers the user with a fresh
    /// user token.
    pub fn login(&self, db: &mut Db, i: usize, ip: &str) -> Value {
        let now = db.now();
        let (token, exp) = token::issue(&db.key(), &db.users[i].id, Kind::User, now);
        let u = &mut db.users[i];
        u.logins_count += 1;
        u.last_login = Some(now);
        u.last_ip = Some(ip.to_owned());
        u.updated_at = now;
        self.user_json(u, Some((&token, exp)))
    }

    /// An upload key, also accepted as the full URL the upload answered.
    pub fn upload_key<'a>(&self, s: &'a str) -> &'a str {
        s.strip_prefix(self.base_url.as_str())
            .and_then(|rest| rest.strip_prefix(UPLOADS_PATH))
            .unwrap_or(s)
    }
}
