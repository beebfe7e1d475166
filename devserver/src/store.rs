//! The server's state (users, authenticators, outbox, signing key, clock
//! offset) and its file format.
//!
//! The whole state is one value behind one mutex: a dev server's traffic is
//! tiny, and one lock makes every request atomic, so tests never see a half
//! applied change. With `--state` it is written after each change, atomically.

use crate::crypto::ct_eq;
use crate::date::iso8601;
use crate::messages::Msg;
use crate::password;
use crate::reply::Reply;
use crate::rsakey::LoginKey;
use crate::token::{self, Claims, Kind};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{self, Write};
use std::path::Path;

/// Version of the state file format. Version 1 files (salted SHA-256
/// password digests) are migrated when loaded and written back as 2.
pub const STATE_VERSION: u32 = 2;
/// How long a sent SMS/email code stays good, as Authing's.
pub const CODE_TTL: i64 = 300;
/// The outbox keeps this many messages, dropping the oldest.
pub const OUTBOX_CAP: usize = 1000;
/// The `photo` of a new user, as Authing's default avatar (never fetched).
pub const DEFAULT_PHOTO: &str = "https://files.authing.co/authing-console/default-user-avatar.png";
/// Clock shifts stay within ±100 years, so arithmetic on times never
/// overflows; a state file beyond it is refused.
pub const MAX_CLOCK_OFFSET: i64 = 100 * 366 * 86_400;
/// No stored time lies further from 1970 than the end of year 9999
/// (9999-12-31T23:59:59Z), which keeps `now - t` and `now + ttl` far from
/// overflow.
pub const MAX_TIME: i64 = 253_402_300_799;

/// The lockout policy (`--max-failures`, `--lockout-seconds`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lockout {
    /// Consecutive wrong second-factor answers that lock the user's second
    /// factor; 0 never locks.
    pub max_failures: u32,
    /// How long a lock lasts, in seconds of the server's (shiftable) clock.
    pub seconds: u32,
}

/// Which token an endpoint accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenUse {
    /// A user token or an mfaToken ("mfaToken if given, else user").
    Any,
    /// Only a user token.
    User,
    /// Only an mfaToken.
    Mfa,
}

/// A TOTP authenticator, pending or enabled. `Debug` leaves out the secret
/// and the recovery code.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TotpRec {
    pub id: String,
    pub secret: String,
    pub recovery_code: String,
    pub source: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl fmt::Debug for TotpRec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpRec")
            .field("id", &self.id)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// A bound face. Uploaded photos are kept as a digest of their bytes (the
/// bytes themselves are not persisted); external URLs as the string.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum FaceRec {
    Upload { sha256: String },
    External { url: String },
}

/// An mfaToken that completed a login, kept until it expires.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SpentToken {
    pub jti: String,
    pub exp: i64,
}

/// What guards a user's second factor: the lockout counter and the
/// mfaTokens already spent. State files written before it existed have none;
/// it then starts empty.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MfaGuard {
    /// Consecutive wrong answers (TOTP code, recovery code, SMS/email code,
    /// face) since the last success or the end of the last lock.
    pub failures: u32,
    /// While the server's clock is before this, every second-factor verify
    /// is refused with 2005, the right answer included.
    pub locked_until: Option<i64>,
    /// mfaTokens that completed a login and have not expired yet.
    pub spent_tokens: Vec<SpentToken>,
    /// mfaTokens whose `exp` is at or before this are refused as expired,
    /// whatever the clock says: spent tokens are forgotten once expired, and
    /// this keeps a clock turned back from reviving them.
    pub expired_through: Option<i64>,
}

impl MfaGuard {
    /// The end of the lock, while it lasts.
    pub fn locked_until(&self, now: i64) -> Option<i64> {
        self.locked_until.filter(|&t| now < t)
    }

    /// The failures that count at `now`: a lock that has ended starts the
    /// count over.
    pub fn failures(&self, now: i64) -> u32 {
        if self.locked_until.is_some_and(|t| now >= t) {
            0
        } else {
            self.failures
        }
    }

    /// Counts a wrong answer (never called while locked); returns whether
    /// it locked the factor.
    pub fn record_failure(&mut self, now: i64, policy: Lockout) -> bool {
        self.failures = self.failures(now).saturating_add(1);
        self.locked_until = None;
        let locks = policy.max_failures > 0 && self.failures >= policy.max_failures;
        if locks {
            self.locked_until = Some(now.saturating_add(i64::from(policy.seconds)));
        }
        locks
    }

    /// A login completed with the mfaToken `spent`: the count starts over
    /// and the token is spent. Spent tokens that have expired are forgotten.
    pub fn record_success(&mut self, spent: &Claims, now: i64) {
        self.failures = 0;
        self.locked_until = None;
        let mut through = self.expired_through;
        self.spent_tokens.retain(|t| {
            let live = now < t.exp;
            if !live {
                through = through.max(Some(t.exp));
            }
            live
        });
        self.expired_through = through;
        self.spent_tokens.push(SpentToken {
            jti: spent.jti.clone(),
            exp: spent.exp,
        });
    }

    /// Why an mfaToken that is valid and unexpired by the clock must still
    /// be refused, if it must.
    pub fn refusal(&self, claims: &Claims) -> Option<Msg> {
        if self.expired_through.is_some_and(|t| claims.exp <= t) {
            Some(Msg::LoginExpired)
        } else if self.spent_tokens.iter().any(|t| t.jti == claims.jti) {
            Some(Msg::MfaTokenUsed)
        } else {
            None
        }
    }
}

/// A user. The password is kept only as an Argon2id hash (see
/// [`crate::password`]); `Debug` shows who the user is and which factors
/// are on, never a hash, secret, code or token id.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRec {
    pub id: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub phone_verified: bool,
    pub phone_country_code: Option<String>,
    pub nickname: Option<String>,
    pub photo: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Only for a user migrated from a version 1 file: the salt of the old
    /// SHA-256 digest, which is what `password_hash` then covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_password_salt: Option<String>,
    /// `passwordSalt` of version 1 files, read once at load and migrated
    /// (see [`load`]); never written.
    #[serde(default, rename = "passwordSalt", skip_serializing)]
    pub v1_password_salt: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub logins_count: u64,
    pub last_login: Option<i64>,
    pub last_ip: Option<String>,
    pub totp: Option<TotpRec>,
    pub pending_totp: Option<TotpRec>,
    /// The step of the last TOTP code accepted at verify: a code of this step
    /// or an older one is a replay.
    pub last_totp_step: Option<u64>,
    pub face: Option<FaceRec>,
    pub app_sms_mfa: bool,
    pub app_email_mfa: bool,
    #[serde(default)]
    pub mfa_guard: MfaGuard,
    /// User tokens ended by `GET /api/v2/logout`: the latest 64, whatever
    /// the clock says (a clock moved back must not revive one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked_tokens: Vec<SpentToken>,
    /// An SMS factor enrolled through v3 (`/api/v3/enroll-factor`): the
    /// user's own factor, on the user's `phone`. Absent in older files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_factor: Option<FactorMeta>,
    /// An EMAIL factor enrolled through v3, on the user's `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_factor: Option<FactorMeta>,
    /// The v3 `factorId` of the bound face, when it was bound through v3; a
    /// face bound through v2 has none and gets one derived from the user id
    /// (see [`UserRec::face_factor_id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_factor_id: Option<String>,
}

/// A v3 factor whose value lives elsewhere in the user (the phone, the
/// email): only its id and when it was enrolled.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FactorMeta {
    pub id: String,
    pub created_at: i64,
}

impl fmt::Debug for UserRec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRec")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("phone", &self.phone)
            .field("totp", &self.totp.is_some())
            .field("face", &self.face.is_some())
            .field("app_sms_mfa", &self.app_sms_mfa)
            .field("app_email_mfa", &self.app_email_mfa)
            .field("sms_factor", &self.sms_factor.is_some())
            .field("email_factor", &self.email_factor.is_some())
            .finish_non_exhaustive()
    }
}

impl UserRec {
    /// A new user with a password hash (from [`password::hash`]) and
    /// nothing else; the caller fills in the names.
    pub fn new(password_hash: String, now: i64) -> UserRec {
        UserRec {
            id: crate::crypto::new_id(),
            username: None,
            email: None,
            email_verified: false,
            phone: None,
            phone_verified: false,
            phone_country_code: None,
            nickname: None,
            photo: DEFAULT_PHOTO.to_owned(),
            password_hash,
            legacy_password_salt: None,
            v1_password_salt: None,
            created_at: now,
            updated_at: now,
            logins_count: 0,
            last_login: None,
            last_ip: None,
            totp: None,
            pending_totp: None,
            last_totp_step: None,
            face: None,
            app_sms_mfa: false,
            app_email_mfa: false,
            mfa_guard: MfaGuard::default(),
            revoked_tokens: Vec::new(),
            sms_factor: None,
            email_factor: None,
            face_factor_id: None,
        }
    }

    /// Whether a login must stop at code 1635.
    pub fn mfa_enabled(&self) -> bool {
        self.personal_mfa() || self.app_sms_mfa || self.app_email_mfa
    }

    /// Whether SMS is one of the user's second factors: enrolled through
    /// v3, or switched on by `/__dev/users/{id}/mfa/sms`.
    pub fn sms_mfa(&self) -> bool {
        self.app_sms_mfa || self.sms_factor.is_some()
    }

    /// Whether email is one of the user's second factors.
    pub fn email_mfa(&self) -> bool {
        self.app_email_mfa || self.email_factor.is_some()
    }

    /// The v3 `factorId` of the bound face. A face bound through v2 has no
    /// stored id, so one is derived from the user id: stable, and unlike
    /// any random id.
    pub fn face_factor_id(&self) -> Option<String> {
        self.face.as_ref()?;
        Some(self.face_factor_id.clone().unwrap_or_else(|| {
            crate::crypto::sha256_hex(format!("{}:FACE", self.id).as_bytes())[..24].to_owned()
        }))
    }

    /// Whether `password` is this user's (an Argon2id verification: slow on
    /// purpose, so callers run it outside the state's lock).
    pub fn password_matches(&self, password: &str) -> bool {
        password::verify(
            password,
            &self.password_hash,
            self.legacy_password_salt.as_deref(),
        )
    }

    /// Whether the user bound a factor of their own (TOTP or face through
    /// v2 or v3, SMS or email through v3): a login then stops at 1635,
    /// Authing's "personal MFA" (bound by the user, not imposed by the
    /// application).
    pub fn personal_mfa(&self) -> bool {
        self.totp.is_some() || self.face.is_some() || self.sms_factor.is_some() || self.email_factor.is_some()
    }

    /// The account name in the otpauth URI: email, else phone, else
    /// username, else id (what Authing shows in authenticator apps).
    pub fn account_name(&self) -> String {
        self.email
            .clone()
            .or_else(|| self.phone.clone())
            .or_else(|| self.username.clone())
            .unwrap_or_else(|| self.id.clone())
    }

    /// `applicationMfa` of a 1635 answer, in Authing's shape.
    pub fn application_mfa(&self) -> Value {
        let mut v = Vec::new();
        if self.sms_mfa() {
            v.push(json!({"mfaPolicy": "SMS", "status": 1, "sort": 0}));
        }
        if self.email_mfa() {
            v.push(json!({"mfaPolicy": "EMAIL", "status": 1, "sort": 1}));
        }
        Value::Array(v)
    }
}

/// A code "sent" by SMS or email. `Debug` leaves out the code.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMsg {
    /// `sms` or `email`.
    pub channel: String,
    pub to: String,
    pub code: String,
    pub phone_country_code: Option<String>,
    pub scene: Option<String>,
    pub sent_at: i64,
    /// Used up: by the right answer, or voided by [`CODE_MAX_FAILURES`]
    /// wrong ones.
    pub used: bool,
    /// Wrong answers given for this code (see [`Db::consume_code`]).
    /// Missing in state files of earlier versions.
    #[serde(default)]
    pub failures: u32,
}

/// Wrong answers a code survives: the one that brings the count to this
/// voids it, as [`ENROLL_MAX_FAILURES`] ends an enrolment. Without it a
/// first-factor code login (which has no lockout) could try all 10^6 codes
/// within the code's 300 s.
pub const CODE_MAX_FAILURES: u32 = 5;

impl fmt::Debug for OutboxMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboxMsg")
            .field("channel", &self.channel)
            .field("to", &self.to)
            .field("scene", &self.scene)
            .field("sent_at", &self.sent_at)
            .field("used", &self.used)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

impl OutboxMsg {
    pub fn to_json(&self) -> Value {
        json!({
            "channel": self.channel,
            "to": self.to,
            "code": self.code,
            "phoneCountryCode": self.phone_country_code,
            "scene": self.scene,
            "sentAt": iso8601(self.sent_at),
            "used": self.used,
        })
    }
}

/// The factors an application's MFA policy may name: Guard's
/// `mfaPolicy` values that have a verify endpoint here (spec §3).
pub const APP_MFA_FACTORS: [&str; 4] = ["SMS", "EMAIL", "OTP", "FACE"];
/// The policy key that applies to every application (and to requests
/// without `x-authing-app-id`) that has no policy of its own.
pub const ANY_APP: &str = "*";

/// Everything the server remembers (uploads aside), as written to `--state`.
/// `Debug` shows counts, never keys, hashes or codes.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Db {
    pub version: u32,
    /// Base64 of the HS256 key; persisted so tokens survive a restart.
    pub signing_key: String,
    /// Base64 PKCS#8 DER of the `.well-known` RSA key, made when first
    /// needed (see [`crate::rsakey`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rsa_private_key: Option<String>,
    pub clock_offset_seconds: i64,
    pub users: Vec<UserRec>,
    pub outbox: Vec<OutboxMsg>,
    /// Application MFA policies by app id ([`ANY_APP`] for every app): the
    /// factors, in order, of `POST /__dev/apps/{appId}/mfa`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub app_mfa: BTreeMap<String, Vec<String>>,
    /// The application registry of `POST /__dev/apps/{appId}`: client
    /// secrets for `/api/v3/signin` and the factors each app has enabled.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub apps: BTreeMap<String, AppRec>,
    /// v3 enrolments started by `send-enroll-factor-request` and not yet
    /// finished, expired ones dropped as new ones start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enrollments: Vec<Enrollment>,
}

/// An application of the registry. `Debug` leaves out the secret's digest.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRec {
    /// SHA-256 (hex) of the app secret; `None` makes a public client
    /// (`tokenEndPointAuthMethod: "none"`). Only the digest is kept, so the
    /// state file does not hand out the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_secret_sha256: Option<String>,
    /// The factors the application has enabled, in order; `None` is every
    /// factor ([`APP_MFA_FACTORS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factors: Option<Vec<String>>,
}

impl fmt::Debug for AppRec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppRec")
            .field("has_secret", &self.app_secret_sha256.is_some())
            .field("factors", &self.factors)
            .finish()
    }
}

/// A v3 enrolment in progress. The enrollmentToken itself is not kept, only
/// its SHA-256, so neither the file nor `Debug` can replay it; `Debug`
/// also leaves out the OTP secret and recovery code.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Enrollment {
    pub token_sha256: String,
    pub user_id: String,
    /// `OTP`, `SMS`, `EMAIL` or `FACE`.
    pub factor_type: String,
    pub expires_at: i64,
    /// OTP: the secret and recovery code handed out with the QR code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<String>,
    /// SMS: where the code went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_country_code: Option<String>,
    /// EMAIL: where the code went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Wrong passCodes so far; the enrolment is dropped at
    /// [`ENROLL_MAX_FAILURES`].
    #[serde(default)]
    pub failures: u32,
}

impl fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enrollment")
            .field("user_id", &self.user_id)
            .field("factor_type", &self.factor_type)
            .field("expires_at", &self.expires_at)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

/// How long an enrollmentToken lives: one minute, as Authing documents.
pub const ENROLLMENT_TTL: i64 = 60;
/// Wrong passCodes an enrolment survives; the next one ends it, so a
/// 6-digit SMS or email code cannot be guessed within the minute.
pub const ENROLL_MAX_FAILURES: u32 = 5;

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db")
            .field("version", &self.version)
            .field("clock_offset_seconds", &self.clock_offset_seconds)
            .field("users", &self.users)
            .field("outbox", &self.outbox.len())
            .field("app_mfa", &self.app_mfa)
            .field("apps", &self.apps)
            .field("enrollments", &self.enrollments)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// An empty state with a fresh random signing key.
    pub fn fresh() -> Db {
        let mut key = [0u8; 32];
        rand::fill(&mut key);
        Db {
            version: STATE_VERSION,
            signing_key: B64.encode(key),
            rsa_private_key: None,
            clock_offset_seconds: 0,
            users: Vec::new(),
            outbox: Vec::new(),
            app_mfa: BTreeMap::new(),
            apps: BTreeMap::new(),
            enrollments: Vec::new(),
        }
    }

    /// The factors the application named by `app_id` has enabled: its own
    /// registry entry's, else those of the `*` entry, else all four.
    pub fn app_factors(&self, app_id: Option<&str>) -> Vec<String> {
        app_id
            .and_then(|id| self.apps.get(id))
            .and_then(|a| a.factors.clone())
            .or_else(|| self.apps.get(ANY_APP).and_then(|a| a.factors.clone()))
            .unwrap_or_else(|| APP_MFA_FACTORS.iter().map(|f| (*f).to_owned()).collect())
    }

    /// The application MFA policy for requests naming `app_id` (the app's
    /// own, else the one for every app), as factor names.
    pub fn app_policy(&self, app_id: Option<&str>) -> &[String] {
        app_id
            .and_then(|id| self.app_mfa.get(id))
            .or_else(|| self.app_mfa.get(ANY_APP))
            .map_or(&[], Vec::as_slice)
    }

    pub fn key(&self) -> Vec<u8> {
        B64.decode(&self.signing_key).unwrap_or_default()
    }

    /// The server's clock: the system clock shifted by `/__dev/clock`.
    pub fn now(&self) -> i64 {
        authing_mfa::totp::now_unix().saturating_add(self.clock_offset_seconds)
    }

    pub fn user_index(&self, id: &str) -> Option<usize> {
        self.users.iter().position(|u| u.id == id)
    }

    /// Judges a bearer token: forged, malformed, wrong kind or unknown user
    /// is 2207; a valid one past its `exp` is 2206; an mfaToken that already
    /// completed a login is 2207 (see [`MfaGuard::refusal`]).
    pub fn authenticate(&self, token: &str, accept: TokenUse, now: i64) -> Result<usize, Reply> {
        self.authenticate_claims(token, accept, now).map(|(i, _)| i)
    }

    /// [`Db::authenticate`], also answering what the token says.
    pub fn authenticate_claims(
        &self,
        token: &str,
        accept: TokenUse,
        now: i64,
    ) -> Result<(usize, Claims), Reply> {
        let invalid = || Reply::bare(Msg::TokenInvalid);
        let claims = token::decode(&self.key(), token).ok_or_else(invalid)?;
        let kind_ok = match accept {
            TokenUse::Any => true,
            TokenUse::User => claims.kind == Kind::User,
            TokenUse::Mfa => claims.kind == Kind::Mfa,
        };
        if !kind_ok {
            return Err(invalid());
        }
        let i = self.user_index(&claims.sub).ok_or_else(invalid)?;
        if now >= claims.exp {
            return Err(Reply::bare(Msg::LoginExpired));
        }
        if claims.kind == Kind::Mfa {
            if let Some(m) = self.users[i].mfa_guard.refusal(&claims) {
                return Err(m.into());
            }
        }
        if claims.kind == Kind::User && self.users[i].revoked_tokens.iter().any(|t| t.jti == claims.jti) {
            return Err(invalid());
        }
        Ok((i, claims))
    }

    /// Finds a user by username, email (any case) or phone.
    pub fn find_account(&self, account: &str) -> Option<usize> {
        self.users.iter().position(|u| {
            u.username.as_deref() == Some(account)
                || u.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(account))
                || u.phone.as_deref() == Some(account)
        })
    }

    /// Finds a user by email (any case).
    pub fn find_email(&self, email: &str) -> Option<usize> {
        self.users
            .iter()
            .position(|u| u.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email)))
    }

    /// Finds a user by phone.
    pub fn find_phone(&self, phone: &str) -> Option<usize> {
        self.users.iter().position(|u| u.phone.as_deref() == Some(phone))
    }

    /// Finds a user by username.
    pub fn find_username(&self, username: &str) -> Option<usize> {
        self.users
            .iter()
            .position(|u| u.username.as_deref() == Some(username))
    }

    /// Whether a user other than `except` has this phone.
    pub fn phone_taken(&self, phone: &str, except: Option<usize>) -> bool {
        self.users
            .iter()
            .enumerate()
            .any(|(i, u)| Some(i) != except && u.phone.as_deref() == Some(phone))
    }

    /// Whether a user other than `except` has this email (any case).
    pub fn email_taken(&self, email: &str, except: Option<usize>) -> bool {
        self.users.iter().enumerate().any(|(i, u)| {
            Some(i) != except && u.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    /// Whether a user other than `except` has this username.
    pub fn username_taken(&self, username: &str, except: Option<usize>) -> bool {
        self.users
            .iter()
            .enumerate()
            .any(|(i, u)| Some(i) != except && u.username.as_deref() == Some(username))
    }

    /// Puts a fresh 6-digit code into the outbox and returns it.
    pub fn send_code(
        &mut self,
        channel: &str,
        to: String,
        phone_country_code: Option<String>,
        scene: Option<String>,
    ) -> String {
        let code = format!("{:06}", rand::random_range(0..1_000_000u32));
        let sent_at = self.now();
        self.outbox.push(OutboxMsg {
            channel: channel.to_owned(),
            to,
            code: code.clone(),
            phone_country_code,
            scene,
            sent_at,
            used: false,
            failures: 0,
        });
        if self.outbox.len() > OUTBOX_CAP {
            let excess = self.outbox.len() - OUTBOX_CAP;
            self.outbox.drain(..excess);
        }
        code
    }

    /// Accepts `code` only if it is the latest one sent to `to` on `channel`,
    /// unused and sent within the last [`CODE_TTL`] seconds; marks it used.
    /// Older codes stop working as soon as a newer one is sent, as with
    /// Authing. A wrong answer for a live code counts against that code and
    /// the [`CODE_MAX_FAILURES`]th voids it, so codes cannot be guessed by
    /// trying them all. A code "sent in the future" (the clock was turned
    /// back with `/__dev/clock`) is stale too: otherwise a rewind would
    /// lengthen its life.
    pub fn consume_code(&mut self, channel: &str, to: &str, code: &str, now: i64) -> bool {
        let latest = self.outbox.iter_mut().rev().find(|m| {
            m.channel == channel
                && if channel == "email" {
                    m.to.eq_ignore_ascii_case(to)
                } else {
                    m.to == to
                }
        });
        let Some(m) = latest else {
            return false;
        };
        let age = now - m.sent_at;
        if m.used || !(0..=CODE_TTL).contains(&age) {
            return false;
        }
        if ct_eq(m.code.as_bytes(), code.as_bytes()) {
            m.used = true;
            return true;
        }
        m.failures += 1;
        if m.failures >= CODE_MAX_FAILURES {
            m.used = true;
        }
        false
    }
}

/// Loads `path`, or starts fresh when it does not exist. A file that exists
/// but cannot be read is an error: silently starting over would lose data.
pub fn load(path: &Path) -> io::Result<Db> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Db::fresh()),
        Err(e) => return Err(e),
    };
    let db: Db = serde_json::from_slice(&bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the state file is not valid: {e}"),
        )
    })?;
    let mut db = db;
    match db.version {
        1 => migrate_v1(&mut db).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the state file is not valid: {e}"),
            )
        })?,
        STATE_VERSION => {}
        v => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the state file has version {v}, this server reads 1 and {STATE_VERSION}"),
            ));
        }
    }
    validate(&db).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the state file is not valid: {e}"),
        )
    })?;
    Ok(db)
}

/// Version 1 kept passwords as salted SHA-256 (`passwordSalt`, and a
/// 64-hex `passwordHash`). Such a digest is as good as the password to
/// anyone holding the file and costs nothing to brute-force, so it is not
/// kept: it is hashed with Argon2id, and the salt stays beside it so that a
/// login can recompute the digest (see [`crate::password`]). The passwords
/// themselves were never stored, so this is the only migration possible that
/// keeps every user able to log in; refusing the file instead would have
/// made people delete their fixtures. The caller writes the file back at
/// start, so no fast digest survives the first start of this server.
fn migrate_v1(db: &mut Db) -> Result<(), String> {
    for (n, u) in db.users.iter_mut().enumerate() {
        let salt = u
            .v1_password_salt
            .take()
            .ok_or_else(|| format!("users[{n}]: a version 1 user without passwordSalt"))?;
        if !is_lower_hex(&u.password_hash, 64) {
            return Err(format!(
                "users[{n}]: passwordHash is not the 64 lowercase hex digits of version 1"
            ));
        }
        u.password_hash = password::hash(&u.password_hash);
        u.legacy_password_salt = Some(salt);
    }
    db.version = STATE_VERSION;
    Ok(())
}

/// Checks every invariant the server relies on, so that a damaged or
/// hand-edited file is refused at start rather than misbehaving later. The
/// message names the record and the problem, never a secret's value.
///
/// There are no references between records to check: authenticators, the
/// face and the [`MfaGuard`] live inside their user, and the outbox names
/// phones and emails, not users.
pub fn validate(db: &Db) -> Result<(), String> {
    if db.key().len() < 32 {
        return Err("signingKey is not the base64 of at least 32 bytes".to_owned());
    }
    if let Some(k) = &db.rsa_private_key {
        LoginKey::from_stored(k)?;
    }
    for (app, factors) in &db.app_mfa {
        if app.is_empty() {
            return Err("appMfa has an empty app id".to_owned());
        }
        if let Some(f) = factors.iter().find(|f| !APP_MFA_FACTORS.contains(&f.as_str())) {
            return Err(format!("appMfa[{app:?}] names an unknown factor {f:?}"));
        }
    }
    for (app, rec) in &db.apps {
        if app.is_empty() {
            return Err("apps has an empty app id".to_owned());
        }
        if rec
            .app_secret_sha256
            .as_deref()
            .is_some_and(|d| !is_lower_hex(d, 64))
        {
            return Err(format!(
                "apps[{app:?}].appSecretSha256 is not 64 lowercase hex digits"
            ));
        }
        if let Some(f) = rec
            .factors
            .iter()
            .flatten()
            .find(|f| !APP_MFA_FACTORS.contains(&f.as_str()))
        {
            return Err(format!("apps[{app:?}] names an unknown factor {f:?}"));
        }
    }
    for (n, e) in db.enrollments.iter().enumerate() {
        check_enrollment(e).map_err(|m| format!("enrollments[{n}]: {m}"))?;
    }
    if db.clock_offset_seconds.unsigned_abs() > MAX_CLOCK_OFFSET.unsigned_abs() {
        return Err(format!(
            "clockOffsetSeconds {} is beyond ±100 years (±{MAX_CLOCK_OFFSET} s)",
            db.clock_offset_seconds
        ));
    }
    let mut ids = HashMap::new();
    let mut usernames = HashMap::new();
    let mut emails = HashMap::new();
    let mut phones = HashMap::new();
    for (n, u) in db.users.iter().enumerate() {
        check_user(u).map_err(|e| format!("users[{n}] (id {:?}): {e}", u.id))?;
        unique(&mut ids, "id", Some(u.id.clone()), n)?;
        unique(&mut usernames, "username", u.username.clone(), n)?;
        // Emails are matched in any case (login, bindable), so they are
        // unique in any case too.
        unique(
            &mut emails,
            "email",
            u.email.as_deref().map(str::to_ascii_lowercase),
            n,
        )?;
        unique(&mut phones, "phone", u.phone.clone(), n)?;
    }
    if db.outbox.len() > OUTBOX_CAP {
        return Err(format!(
            "the outbox holds {} messages, more than {OUTBOX_CAP}",
            db.outbox.len()
        ));
    }
    for (n, m) in db.outbox.iter().enumerate() {
        check_message(m).map_err(|e| format!("outbox[{n}]: {e}"))?;
    }
    Ok(())
}

fn unique(
    seen: &mut HashMap<String, usize>,
    what: &str,
    key: Option<String>,
    n: usize,
) -> Result<(), String> {
    match key {
        Some(k) => match seen.insert(k.clone(), n) {
            Some(first) => Err(format!(
                "users[{n}]: duplicate {what} {k:?} (also users[{first}])"
            )),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Authing's recovery code format, as [`crate::crypto::new_recovery_code`]
/// makes it.
pub fn is_recovery_code(s: &str) -> bool {
    s.len() == 29 && s.split('-').all(|g| is_lower_hex(g, 4))
}

fn check_time(field: &str, t: i64) -> Result<(), String> {
    if t.unsigned_abs() > MAX_TIME.unsigned_abs() {
        return Err(format!("{field} {t} is not a time between years 0 and 9999"));
    }
    Ok(())
}

fn check_totp(field: &str, a: &TotpRec) -> Result<(), String> {
    if authing_mfa::totp::decode_secret(&a.secret).is_err() {
        return Err(format!("{field}.secret is not a base32 TOTP secret"));
    }
    // Recovery compares a lowercased answer with the stored code.
    if !is_recovery_code(&a.recovery_code) {
        return Err(format!(
            "{field}.recoveryCode is not six groups of four lowercase hex digits"
        ));
    }
    check_time(&format!("{field}.createdAt"), a.created_at)?;
    check_time(&format!("{field}.updatedAt"), a.updated_at)
}

fn check_user(u: &UserRec) -> Result<(), String> {
    if !is_lower_hex(&u.id, 24) {
        return Err("id is not 24 lowercase hex digits".to_owned());
    }
    let names = [
        ("username", &u.username),
        ("email", &u.email),
        ("phone", &u.phone),
    ];
    if names.iter().all(|(_, v)| v.is_none()) {
        return Err("the user has no username, email or phone to log in with".to_owned());
    }
    if let Some((field, _)) = names.iter().find(|(_, v)| v.as_deref() == Some("")) {
        return Err(format!("{field} is empty"));
    }
    if u.v1_password_salt.is_some() {
        return Err("passwordSalt belongs to version 1 files".to_owned());
    }
    if !password::is_phc(&u.password_hash) {
        return Err("passwordHash is not an Argon2id PHC string".to_owned());
    }
    if u.legacy_password_salt.as_deref() == Some("") {
        return Err("legacyPasswordSalt is empty".to_owned());
    }
    check_time("createdAt", u.created_at)?;
    check_time("updatedAt", u.updated_at)?;
    if let Some(t) = u.last_login {
        check_time("lastLogin", t)?;
    }
    if let Some(a) = &u.totp {
        check_totp("totp", a)?;
    }
    if let Some(a) = &u.pending_totp {
        check_totp("pendingTotp", a)?;
    }
    match &u.face {
        // Face verify compares the lowercase hex digest of the photo.
        Some(FaceRec::Upload { sha256 }) if !is_lower_hex(sha256, 64) => {
            return Err("face.sha256 is not 64 lowercase hex digits".to_owned());
        }
        Some(FaceRec::External { url }) if url.is_empty() => return Err("face.url is empty".to_owned()),
        _ => {}
    }
    for (name, f, has, what) in [
        ("smsFactor", &u.sms_factor, u.phone.is_some(), "phone"),
        ("emailFactor", &u.email_factor, u.email.is_some(), "email"),
    ] {
        if let Some(f) = f {
            if !is_lower_hex(&f.id, 24) {
                return Err(format!("{name}.id is not 24 lowercase hex digits"));
            }
            if !has {
                return Err(format!("{name} is enrolled but the user has no {what}"));
            }
            check_time(&format!("{name}.createdAt"), f.created_at)?;
        }
    }
    if u.face_factor_id
        .as_deref()
        .is_some_and(|id| !is_lower_hex(id, 24))
    {
        return Err("faceFactorId is not 24 lowercase hex digits".to_owned());
    }
    let g = &u.mfa_guard;
    if let Some(t) = g.locked_until {
        check_time("mfaGuard.lockedUntil", t)?;
    }
    if let Some(t) = g.expired_through {
        check_time("mfaGuard.expiredThrough", t)?;
    }
    for t in &g.spent_tokens {
        if !is_lower_hex(&t.jti, 16) {
            return Err("mfaGuard.spentTokens has a jti that is not 16 lowercase hex digits".to_owned());
        }
        check_time("mfaGuard.spentTokens.exp", t.exp)?;
    }
    for t in &u.revoked_tokens {
        if !is_lower_hex(&t.jti, 16) {
            return Err("revokedTokens has a jti that is not 16 lowercase hex digits".to_owned());
        }
        check_time("revokedTokens.exp", t.exp)?;
    }
    Ok(())
}

fn check_enrollment(e: &Enrollment) -> Result<(), String> {
    if !is_lower_hex(&e.token_sha256, 64) {
        return Err("tokenSha256 is not 64 lowercase hex digits".to_owned());
    }
    if !APP_MFA_FACTORS.contains(&e.factor_type.as_str()) {
        return Err(format!("unknown factorType {:?}", e.factor_type));
    }
    check_time("expiresAt", e.expires_at)?;
    let field = |v: &Option<String>, name: &str| match v {
        Some(s) if !s.is_empty() => Ok(()),
        _ => Err(format!("a {} enrolment without {name}", e.factor_type)),
    };
    match e.factor_type.as_str() {
        "OTP" => {
            field(&e.secret, "secret")?;
            field(&e.recovery_code, "recoveryCode")?;
            if e.secret
                .as_deref()
                .is_some_and(|s| authing_mfa::totp::decode_secret(s).is_err())
            {
                return Err("secret is not a base32 TOTP secret".to_owned());
            }
            if e.recovery_code.as_deref().is_some_and(|c| !is_recovery_code(c)) {
                return Err("recoveryCode is not six groups of four lowercase hex digits".to_owned());
            }
        }
        "SMS" => field(&e.phone, "phone")?,
        "EMAIL" => field(&e.email, "email")?,
        _ => {}
    }
    Ok(())
}

fn check_message(m: &OutboxMsg) -> Result<(), String> {
    if m.channel != "sms" && m.channel != "email" {
        return Err(format!(
            "channel {:?} is neither \"sms\" nor \"email\"",
            m.channel
        ));
    }
    if m.code.len() != 6 || !m.code.bytes().all(|b| b.is_ascii_digit()) {
        return Err("code is not 6 digits".to_owned());
    }
    check_time("sentAt", m.sent_at)
}

/// Writes `db` to `path` so that a crash leaves either the old file or the
/// new one, never a torn one: a temp file in the same directory (same file
/// system, so the rename is atomic), fsync, rename, fsync the directory. The
/// file holds secrets and a signing key, so it is created owner-only.
pub fn save(path: &Path, db: &Db) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(db).map_err(io::Error::other)?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the state path names no file"))?;
    let tmp = dir.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(&json)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{new_recovery_code, random_hex};

    /// A code that is surely not `code`.
    fn other(code: &str) -> String {
        if code == "000000" { "000001" } else { "000000" }.to_owned()
    }

    #[test]
    fn a_code_survives_four_wrong_answers_and_the_fifth_voids_it() {
        let mut db = Db::fresh();
        let code = db.send_code("sms", "13800000001".into(), None, None);
        let now = db.outbox.last().unwrap().sent_at;
        for _ in 1..CODE_MAX_FAILURES {
            assert!(!db.consume_code("sms", "13800000001", &other(&code), now));
        }
        assert!(db.consume_code("sms", "13800000001", &code, now));
        // Used once: a second time fails.
        assert!(!db.consume_code("sms", "13800000001", &code, now));

        let code = db.send_code("email", "a@example.com".into(), None, None);
        for _ in 0..CODE_MAX_FAILURES {
            assert!(!db.consume_code("email", "a@example.com", &other(&code), now));
        }
        assert!(db.outbox.last().unwrap().used);
        assert!(!db.consume_code("email", "a@example.com", &code, now));
        // A fresh code starts with a clean count.
        let code = db.send_code("email", "a@example.com".into(), None, None);
        assert!(db.consume_code("email", "a@example.com", &code, now));
    }

    #[test]
    fn a_code_is_live_only_from_its_sending_to_its_ttl() {
        let mut db = Db::fresh();
        let code = db.send_code("sms", "13800000001".into(), None, None);
        let now = db.outbox.last().unwrap().sent_at;
        // The clock turned back before the sending: stale, not younger.
        assert!(!db.consume_code("sms", "13800000001", &code, now - 1));
        assert!(!db.consume_code("sms", "13800000001", &code, now + CODE_TTL + 1));
        assert!(db.consume_code("sms", "13800000001", &code, now + CODE_TTL));
    }

    #[test]
    fn recovery_codes_have_authings_shape() {
        let c = new_recovery_code();
        assert!(is_recovery_code(&c), "{c}");
        for bad in [
            "",
            "10AF-4f2f-f34f-f224-d21c-bd16",
            "10af-4f2f-f34f-f224-d21c",
            "10af4f2ff34ff224d21cbd16zzzzz",
        ] {
            assert!(!is_recovery_code(bad), "{bad}");
        }
        let groups: Vec<&str> = c.split('-').collect();
        assert_eq!(groups.len(), 6, "{c}");
        for g in groups {
            assert_eq!(g.len(), 4);
            assert!(
                g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{c}"
            );
        }
    }

    fn claims(jti: &str, exp: i64) -> Claims {
        Claims {
            sub: "u".into(),
            kind: Kind::Mfa,
            factors: None,
            exp,
            jti: jti.into(),
        }
    }

    #[test]
    fn the_guard_locks_at_the_limit_until_the_clock_passes() {
        let policy = Lockout {
            max_failures: 3,
            seconds: 100,
        };
        let mut g = MfaGuard::default();
        assert!(!g.record_failure(1000, policy));
        assert!(!g.record_failure(1001, policy));
        assert!(g.record_failure(1002, policy), "the third locks");
        assert_eq!((g.failures(1002), g.locked_until(1002)), (3, Some(1102)));
        assert_eq!(g.locked_until(1101), Some(1102));
        // The end of the lock starts the count over.
        assert_eq!((g.failures(1102), g.locked_until(1102)), (0, None));
        assert!(!g.record_failure(1102, policy));
        assert_eq!((g.failures, g.locked_until), (1, None));
        // A success resets the count; 0 never locks.
        g.record_success(&claims("aaaaaaaaaaaaaaaa", 2000), 1103);
        assert_eq!(g.failures, 0);
        let never = Lockout {
            max_failures: 0,
            seconds: 100,
        };
        assert!((0..100).all(|t| !g.record_failure(t, never)));
    }

    #[test]
    fn spent_tokens_stay_spent_after_they_are_forgotten() {
        let mut g = MfaGuard::default();
        let first = claims("aaaaaaaaaaaaaaaa", 1360);
        g.record_success(&first, 1000);
        assert_eq!(g.refusal(&first), Some(Msg::MfaTokenUsed));
        assert_eq!(g.refusal(&claims("bbbbbbbbbbbbbbbb", 1360)), None);
        // Once expired, the first is forgotten at the next success, and a
        // clock turned back cannot revive it: it stays refused, as expired.
        g.record_success(&claims("cccccccccccccccc", 2360), 2000);
        assert_eq!(g.spent_tokens.len(), 1);
        assert_eq!(g.expired_through, Some(1360));
        assert_eq!(g.refusal(&first), Some(Msg::LoginExpired));
        assert_eq!(g.refusal(&claims("dddddddddddddddd", 1361)), None);
    }

    #[test]
    fn save_is_atomic_and_leaves_no_temp_file() {
        let dir = std::env::temp_dir().join(format!("devserver-store-{}", random_hex(6)));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        let mut db = Db::fresh();
        save(&path, &db).unwrap();
        db.clock_offset_seconds = 42;
        save(&path, &db).unwrap();
        let back = load(&path).unwrap();
        assert_eq!(back.clock_offset_seconds, 42);
        assert_eq!(back.signing_key, db.signing_key);
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "state file readable by others: {mode:o}");
        }
        std::fs::write(&path, b"{ torn").unwrap();
        assert_eq!(load(&path).unwrap_err().kind(), io::ErrorKind::InvalidData);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
