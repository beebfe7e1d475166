//! JWT-shaped tokens (HS256), checked for real.
//!
//! Clients treat tokens as opaque strings, but some decode the payload to show
//! an expiry, and a fake that accepted anything would hide bugs such as
//! sending the user token where the mfaToken belongs. So tokens are signed
//! with the state's key and carry the user id, a kind and `exp`; the server
//! judges `exp` by its own (shiftable) clock.

use crate::crypto::random_hex;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Lifetime of an mfaToken, as Authing's: 6 minutes.
pub const MFA_TOKEN_TTL: i64 = 360;
/// Lifetime of a user token, as Authing's default: 15 days.
pub const USER_TOKEN_TTL: i64 = 15 * 24 * 3600;
/// `iss` of every token.
pub const ISSUER: &str = "authing-mfa-devserver";

/// What a token is good for. An endpoint that wants one kind refuses the
/// other with 2207, as Authing does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Issued at the end of a login.
    User,
    /// Issued by a login that needs a second factor; good only for MFA calls.
    Mfa,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Mfa => "mfa",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        match s {
            "user" => Some(Kind::User),
            "mfa" => Some(Kind::Mfa),
            _ => None,
        }
    }

    /// The lifetime of a token of this kind, in seconds.
    pub fn ttl(self) -> i64 {
        match self {
            Kind::User => USER_TOKEN_TTL,
            Kind::Mfa => MFA_TOKEN_TTL,
        }
    }
}

/// What a validly signed token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub kind: Kind,
    pub exp: i64,
    /// The token's own id (16 hex digits): how a spent mfaToken is
    /// remembered.
    pub jti: String,
    /// An mfaToken's `applicationMfa` factors (`SMS`, `EMAIL`, ...): the
    /// ones beside the user's own TOTP or face that the challenge offered.
    /// `None` in a token without the claim (user tokens, and mfaTokens
    /// signed before the claim existed, kept in a `--state` file).
    pub factors: Option<Vec<String>>,
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; this cannot fail.
    <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC key of any length")
}

/// Signs a token for `user_id`; returns it and its `exp`.
pub fn issue(key: &[u8], user_id: &str, kind: Kind, now: i64) -> (String, i64) {
    let (payload, exp) = claims_of(user_id, kind, now);
    (sign(key, &payload), exp)
}

/// The claims every token of `kind` carries, and its `exp`.
fn claims_of(user_id: &str, kind: Kind, now: i64) -> (Value, i64) {
    let exp = now.saturating_add(kind.ttl());
    let payload = json!({
        "iss": ISSUER,
        "sub": user_id,
        "kind": kind.as_str(),
        "iat": now,
        "exp": exp,
        "jti": random_hex(8),
    });
    (payload, exp)
}

/// An mfaToken for `user_id` whose challenge offered `factors` (see
/// [`Claims::factors`]); returns it and its `exp`.
pub fn issue_mfa(key: &[u8], user_id: &str, factors: &[String], now: i64) -> (String, i64) {
    let (mut payload, exp) = claims_of(user_id, Kind::Mfa, now);
    payload["factors"] = json!(factors);
    (sign(key, &payload), exp)
}

/// The `id_token` of a v3 sign-in: the user's OIDC claims in `claims`
/// (`email`, `phone_number`, …) plus `iss`, `sub`, `aud` (the app id),
/// `iat`, `exp` and `kind: "id"`. That kind is none [`decode`] knows, so an
/// id token is refused wherever a token is taken (2207), as it must be: it
/// says who logged in, it does not grant access.
pub fn issue_id_token(key: &[u8], user_id: &str, app_id: &str, claims: &Value, now: i64) -> String {
    let mut payload = json!({
        "iss": ISSUER,
        "sub": user_id,
        "aud": app_id,
        "kind": "id",
        "iat": now,
        "exp": now.saturating_add(USER_TOKEN_TTL),
        "jti": random_hex(8),
    });
    if let (Some(p), Some(c)) = (payload.as_object_mut(), claims.as_object()) {
        for (k, v) in c {
            p.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    sign(key, &payload)
}

/// `header.payload.signature` of `payload`, HS256 with `key`.
fn sign(key: &[u8], payload: &Value) -> String {
    let header = B64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let signing_input = format!("{header}.{}", B64.encode(payload.to_string()));
    let mut m = mac(key);
    m.update(signing_input.as_bytes());
    let sig = B64.encode(m.finalize().into_bytes().as_slice());
    format!("{signing_input}.{sig}")
}

/// Checks shape, algorithm and signature (constant-time) and reads the
/// claims. `None` for anything malformed or forged; expiry is left to the
/// caller, which knows the clock.
pub fn decode(key: &[u8], token: &str) -> Option<Claims> {
    let mut parts = token.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&B64.decode(h).ok()?).ok()?;
    if header.get("alg")?.as_str()? != "HS256" {
        return None;
    }
    let sig = B64.decode(s).ok()?;
    let mut m = mac(key);
    m.update(h.as_bytes());
    m.update(b".");
    m.update(p.as_bytes());
    m.verify_slice(&sig).ok()?;
    let payload: Value = serde_json::from_slice(&B64.decode(p).ok()?).ok()?;
    Some(Claims {
        sub: payload.get("sub")?.as_str()?.to_owned(),
        kind: Kind::parse(payload.get("kind")?.as_str()?)?,
        exp: payload.get("exp")?.as_i64()?,
        jti: payload.get("jti")?.as_str()?.to_owned(),
        factors: match payload.get("factors") {
            None => None,
            Some(f) => Some(
                f.as_array()?
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()?,
            ),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn round_trip_carries_user_kind_and_exp() {
        let (t, exp) = issue(KEY, "u1", Kind::Mfa, 1000);
        assert_eq!(exp, 1360);
        assert_eq!(t.split('.').count(), 3);
        let c = decode(KEY, &t).unwrap();
        assert_eq!((c.sub.as_str(), c.kind, c.exp), ("u1", Kind::Mfa, exp));
        assert!(
            c.jti.len() == 16 && c.jti.bytes().all(|b| b.is_ascii_hexdigit()),
            "{}",
            c.jti
        );
        let (t2, _) = issue(KEY, "u1", Kind::Mfa, 1000);
        assert_ne!(decode(KEY, &t2).unwrap().jti, c.jti, "every token has its own id");
        let (t, exp) = issue(KEY, "u1", Kind::User, 1000);
        assert_eq!(exp, 1000 + 15 * 86400);
        assert_eq!(decode(KEY, &t).unwrap().kind, Kind::User);
    }

    #[test]
    fn forged_tampered_and_malformed_tokens_are_refused() {
        let (t, _) = issue(KEY, "u1", Kind::User, 1000);
        assert_eq!(decode(b"another key", &t), None);
        // Swap the payload for one naming another user, keep the signature.
        let parts: Vec<&str> = t.split('.').collect();
        let forged = B64.encode(r#"{"sub":"u2","kind":"user","exp":99999999999}"#);
        assert_eq!(decode(KEY, &format!("{}.{forged}.{}", parts[0], parts[2])), None);
        // alg "none" with an empty signature.
        let none = B64.encode(r#"{"alg":"none"}"#);
        assert_eq!(decode(KEY, &format!("{none}.{}.", parts[1])), None);
        for bad in ["", "undefined", "a.b", "a.b.c.d", "!!.??.##"] {
            assert_eq!(decode(KEY, bad), None, "{bad}");
        }
    }
}
