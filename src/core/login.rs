//! The first factor, up to the MFA stage: the hand-written methods of the
//! login operations in the table (`ops.rs`), password encryption, and what
//! a successful login does to the client (wire contract:
//! `../shared/spec/authing-login-v2-wire.md`, cited below by its keys).
//!
//! - Passwords are encrypted as the JS SDK's JSEncrypt does (§1.6): RSA
//!   PKCS#1 v1.5 with the key of `GET /api/v2/.well-known` (`data.publicKey`,
//!   fetched once per client and cached; the `publicKey` option skips the
//!   fetch), the password as CESU-8 (JSEncrypt's own UTF-16 to bytes, equal
//!   to UTF-8 outside astral characters), standard base64. One deliberate
//!   difference: the ciphertext always has the modulus's length (JSEncrypt
//!   drops a leading zero byte about once in 256; a strict server would
//!   refuse those).
//! - A login that needs a second factor fails with `Api`, code 1635 or
//!   1636 and the server's `data` (`mfaToken`, ...), from a GraphQL error
//!   or a REST envelope alike (`graphql.rs`, `envelope.rs`).
//! - A successful login makes the user the client's current user and its
//!   token the user token (`setCurrentUser`, `AC:584`); `logout` clears
//!   them only after the server agreed (`AC:1573-1589`).

use crate::core::client::Client;
use crate::core::error::{Error, ErrorKind};
use crate::core::graphql;
use crate::core::graphql_documents as doc;
use crate::core::operation::{json_object, ServerStatus, Shape, WireValue};
use crate::core::ops::{
    EmailCodeLoginParams, EmailLoginParams, PhoneCodeLoginParams, PhonePasswordLoginParams,
    UsernameLoginParams,
};
use crate::core::secret::Secret;
use crate::core::transport::{Auth, Body, Expect, Request};
use base64ct::{Base64, Encoding};
use hyper::Method;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, RsaPublicKey};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The longest password accepted before any request, whatever the key: a
/// 4096-bit key takes at most 501 bytes. The exact bound is checked against
/// the key itself.
const MAX_PASSWORD_BYTES: usize = 501;

/// A value sent as JSON `null` when absent, where the JS SDK sends `null`
/// rather than leaving the key out (`params`, `context`).
pub(crate) struct Nullable<'a>(pub Option<&'a str>);

impl WireValue for Nullable<'_> {
    fn write_json(&self, out: &mut Vec<u8>) -> bool {
        match self.0 {
            Some(s) => s.to_owned().write_json(out),
            None => {
                out.extend_from_slice(b"null");
                true
            }
        }
    }
}

/// Reads an RSA public key as JSEncrypt accepts it (PEM, or bare base64
/// DER; SPKI `PUBLIC KEY`), and PKCS#1 `RSA PUBLIC KEY` too. The error says
/// what is wrong, never quoting the key.
pub(crate) fn parse_public_key(text: &str) -> Result<RsaPublicKey, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("it is empty".into());
    }
    let key = if text.starts_with("-----BEGIN") {
        RsaPublicKey::from_public_key_pem(text)
            .or_else(|_| RsaPublicKey::from_pkcs1_pem(text))
            .map_err(|_| "it is PEM but not an RSA public key (SPKI or PKCS#1)".to_owned())?
    } else {
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = Base64::decode_vec(&compact).map_err(|_| "it is neither PEM nor base64 DER".to_owned())?;
        RsaPublicKey::from_public_key_der(&der)
            .or_else(|_| RsaPublicKey::from_pkcs1_der(&der))
            .map_err(|_| "it is base64 but not an RSA public key in DER (SPKI or PKCS#1)".to_owned())?
    };
    if key.size() < 64 {
        return Err(format!("the key has {} bits, fewer than 512", key.size() * 8));
    }
    Ok(key)
}

/// JSEncrypt's bytes for a string (`JSE:2712-2726`): each UTF-16 unit as 1,
/// 2 or 3 bytes, so a character outside the BMP is two 3-byte sequences.
fn cesu8(s: &str) -> Zeroizing<Vec<u8>> {
    // The exact upper bound (a 4-byte UTF-8 character becomes 6 bytes, the
    // rest keep their length): the buffer never grows, so no copy of the
    // password is left behind in a freed allocation.
    let mut out = Zeroizing::new(Vec::with_capacity(s.len() + s.len() / 2));
    for unit in s.encode_utf16() {
        let c = u32::from(unit);
        if c < 0x80 {
            out.push(c as u8);
        } else if c < 0x800 {
            out.push(0xc0 | (c >> 6) as u8);
            out.push(0x80 | (c & 0x3f) as u8);
        } else {
            out.push(0xe0 | (c >> 12) as u8);
            out.push(0x80 | ((c >> 6) & 0x3f) as u8);
            out.push(0x80 | (c & 0x3f) as u8);
        }
    }
    out
}

/// Checks a password's length before any request: `InvalidArgument` when
/// no RSA key Authing uses could carry it.
pub(crate) fn check_password(password: &Secret) -> Result<(), Error> {
    let len = cesu8(password.expose()).len();
    if len > MAX_PASSWORD_BYTES {
        return Err(Error::invalid_argument(format!(
            "`password` is {len} bytes long; RSA encryption carries at most {MAX_PASSWORD_BYTES}"
        )));
    }
    Ok(())
}

/// Encrypts a password with `key`: standard base64 of the PKCS#1 v1.5
/// ciphertext. `InvalidArgument` when the password is longer than the key
/// allows (k - 11 bytes).
pub(crate) fn encrypt_password(key: &RsaPublicKey, password: &Secret) -> Result<Secret, Error> {
    let bytes = cesu8(password.expose());
    let room = key.size().saturating_sub(11);
    if bytes.len() > room {
        return Err(Error::invalid_argument(format!(
            "`password` is {} bytes long; the server's {}-bit RSA key carries at most {room}",
            bytes.len(),
            key.size() * 8
        )));
    }
    let cipher = key
        .encrypt(&mut rsa::rand_core::OsRng, Pkcs1v15Encrypt, &bytes)
        // Unreachable in practice (the length is checked above and the key
        // when it was read): the server's key, hence `Decode` like the
        // other key problems.
        .map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!("RSA encryption with the server's key failed: {e}"),
            )
        })?;
    Ok(Secret::new(Base64::encode_string(&cipher)))
}

/// `JSON.stringify(convertObjectToKeyValueList(customData))` (`UT:354-365`),
/// else `JSON.stringify(params)`, else absent (`AC:556-562`), written as the
/// SDK would write the caller's JSON once `JSON.parse`d (`js_stringify`).
fn extra_params(custom_data: &Option<Map<String, Value>>, params: &Option<Value>) -> Option<String> {
    if let Some(data) = custom_data {
        let mut out = String::from("[");
        for (i, (key, value)) in js_key_order(data).into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"key\":");
            out.push_str(&serde_json::to_string(key).expect("a string serializes"));
            out.push_str(",\"value\":");
            write_js(value, &mut out);
            out.push('}');
        }
        out.push(']');
        return Some(out);
    }
    params.as_ref().map(js_stringify)
}

/// `JSON.stringify(JSON.parse(text))` for the value parsed from the
/// caller's `text`: what the JS SDK sends for `customData`, `params` and
/// `context`. Two things differ from serde_json's own writing: an object's
/// array-index keys (`"0"`, `"7"`, ... below 2^32 - 1) come first,
/// ascending, then the other keys in their order (ECMAScript
/// OrdinaryOwnPropertyKeys); and numbers are doubles written as
/// JavaScript writes them (`2.0` is `2`, `-0` is `0`, `1e21` is `1e+21`,
/// integers beyond 2^53 rounded).
pub(crate) fn js_stringify(value: &Value) -> String {
    let mut out = String::new();
    write_js(value, &mut out);
    out
}

fn write_js(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            out.push('{');
            for (i, (key, v)) in js_key_order(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).expect("a string serializes"));
                out.push(':');
                write_js(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_js(v, out);
            }
            out.push(']');
        }
        Value::Number(n) => match n.as_f64() {
            Some(f) => out.push_str(&js_number(f)),
            None => out.push_str(&n.to_string()),
        },
        other => out.push_str(&other.to_string()),
    }
}

/// An object's entries in JavaScript's property order.
fn js_key_order(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let array_index = |k: &str| -> Option<u32> {
        if k.is_empty() || (k.len() > 1 && k.starts_with('0')) || !k.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        k.parse::<u32>().ok().filter(|&i| i != u32::MAX)
    };
    let mut indexed: Vec<(u32, &String, &Value)> = Vec::new();
    let mut named: Vec<(&String, &Value)> = Vec::new();
    for (k, v) in map {
        match array_index(k) {
            Some(i) => indexed.push((i, k, v)),
            None => named.push((k, v)),
        }
    }
    indexed.sort_by_key(|(i, _, _)| *i);
    indexed.into_iter().map(|(_, k, v)| (k, v)).chain(named).collect()
}

/// `Number.prototype.toString()` of a finite double (ECMAScript
/// Number::toString): the shortest round-trip digits, in plain notation for
/// exponents from -7 to 20, else as `d.ddde+x` / `d.ddde-x`.
fn js_number(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        return "0".into();
    }
    let sign = if f < 0.0 { "-" } else { "" };
    // `{:e}` gives the shortest round-trip digits: "1.2345e-7", "1e21".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` has an exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let n = exp.parse::<i32>().expect("`{:e}` exponent") + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e = if e < 0 {
            format!("-{}", -e)
        } else {
            format!("+{e}")
        };
        if k == 1 {
            format!("{digits}e{e}")
        } else {
            format!("{}.{}e{e}", &digits[..1], &digits[1..])
        }
    };
    format!("{sign}{body}")
}

/// The user of a login answer as the JS SDK returns it: `customData`, a
/// list of `{key, value, dataType}`, becomes an object, `NUMBER`,
/// `BOOLEAN` and `OBJECT` values parsed (`UT:215-241`; `DATETIME` values
/// stay the server's text: JSON has no dates).
fn shape_user(user: Box<RawValue>) -> Result<String, Error> {
    let not_user = || Error::new(ErrorKind::Decode, "the login answer's user is not a JSON object");
    if !user.get().contains("\"customData\"") {
        return if user.get().trim_start().starts_with('{') {
            Ok(Box::<str>::from(user).into_string())
        } else {
            Err(not_user())
        };
    }
    let mut map: Map<String, Value> = serde_json::from_str(user.get()).map_err(|_| not_user())?;
    if let Some(Value::Array(items)) = map.get("customData") {
        let mut object = Map::new();
        for item in items {
            let Some(key) = item.get("key").and_then(Value::as_str) else {
                continue;
            };
            let value = item.get("value").cloned().unwrap_or(Value::Null);
            let parsed = match (item.get("dataType").and_then(Value::as_str), &value) {
                (Some("NUMBER" | "BOOLEAN" | "OBJECT"), Value::String(text)) => {
                    serde_json::from_str(text).unwrap_or(value)
                }
                _ => value,
            };
            object.insert(key.to_owned(), parsed);
        }
        map.insert("customData".into(), Value::Object(object));
    }
    Ok(Value::Object(map).to_string())
}

/// What the three password logins' parameters share; the account key is
/// what differs.
struct PasswordLogin<'a> {
    account: (&'static str, &'a String),
    password: &'a Secret,
    auto_register: Option<bool>,
    captcha_code: &'a Option<String>,
    client_ip: &'a Option<String>,
    custom_data: &'a Option<Map<String, Value>>,
    params: &'a Option<Value>,
    context: &'a Option<Value>,
}

macro_rules! password_login_parts {
    ($($params:ident => $field:ident as $key:literal;)*) => {$(
        impl $params {
            fn parts(&self) -> PasswordLogin<'_> {
                PasswordLogin {
                    account: ($key, &self.$field),
                    password: &self.password,
                    auto_register: self.auto_register,
                    captcha_code: &self.captcha_code,
                    client_ip: &self.client_ip,
                    custom_data: &self.custom_data,
                    params: &self.params,
                    context: &self.context,
                }
            }
        }
    )*};
}

password_login_parts! {
    EmailLoginParams => email as "email";
    UsernameLoginParams => username as "username";
    PhonePasswordLoginParams => phone as "phone";
}

impl Client {
    /// The RSA key passwords are encrypted with: the `publicKey` option, or
    /// `data.publicKey` of `GET /api/v2/.well-known`, fetched once and kept
    /// (`PKM:57-73`). A key that is not usable is `Decode`, naming why.
    async fn public_key(&self) -> Result<Arc<RsaPublicKey>, Error> {
        if let Some(key) = self.cached_public_key() {
            return Ok(key);
        }
        let req = Request {
            method: Method::GET,
            path: Cow::Borrowed("/api/v2/.well-known"),
            body: Body::Empty,
            auth: Auth::User,
            secrets: vec![],
            expect: Expect::Envelope,
        };
        let data = self.send(req).await?.data;
        let text = serde_json::from_str::<Value>(data.get())
            .ok()
            .and_then(|d| d.get("publicKey").and_then(Value::as_str).map(str::to_owned))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Decode,
                    "the /api/v2/.well-known answer has no `data.publicKey` string",
                )
            })?;
        let key = parse_public_key(&text).map_err(|why| {
            Error::new(
                ErrorKind::Decode,
                format!("the /api/v2/.well-known `publicKey` is not a usable RSA public key: {why}"),
            )
        })?;
        Ok(self.cache_public_key(key))
    }

    /// A GraphQL login: `{"input": <input>}` to `data.<root>`, then the
    /// user becomes the current user.
    async fn graphql_login(
        &self,
        document: &'static str,
        root: &'static str,
        input: String,
        secrets: Vec<Secret>,
    ) -> Result<Box<RawValue>, Error> {
        let variables = format!("{{\"input\":{input}}}");
        let req = Request {
            method: Method::POST,
            path: Cow::Borrowed("/graphql/v2"),
            body: Body::Json(graphql::body(document, &variables)),
            // The JS SDK sends the stored token, if any (`GQ:311`).
            auth: Auth::User,
            secrets,
            expect: Expect::GraphQl(root),
        };
        let user = self.send(req).await?.data;
        self.adopt_user(user)
    }

    /// Makes a login's user the current user (`setCurrentUser`).
    fn adopt_user(&self, user: Box<RawValue>) -> Result<Box<RawValue>, Error> {
        let json = shape_user(user)?;
        self.set_current_user_json(&json).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!("the login answer's user cannot be stored: {}", e.message()),
            )
        })?;
        RawValue::from_string(json).map_err(|_| Error::new(ErrorKind::Decode, "the user is not JSON"))
    }

    /// Encrypts a password login's password, checking its length first.
    async fn encrypted(&self, password: &Secret) -> Result<Secret, Error> {
        check_password(password)?;
        let key = self.public_key().await?;
        encrypt_password(&key, password)
    }

    /// The three password logins (`AC:542-585`, `631-666`, `837-872`):
    /// `{"input": {<account>, password, autoRegister, captchaCode,
    /// clientIp, params, context}}`, the password encrypted; only
    /// `loginByPhonePassword` puts `captchaCode` before `autoRegister`.
    async fn password_login(
        &self,
        p: PasswordLogin<'_>,
        document: &'static str,
        root: &'static str,
        captcha_first: bool,
    ) -> Result<Box<RawValue>, Error> {
        // Up to two requests (the key, then the login): one deadline.
        self.within_timeout(self.password_login_steps(p, document, root, captcha_first))
            .await
    }

    async fn password_login_steps(
        &self,
        p: PasswordLogin<'_>,
        document: &'static str,
        root: &'static str,
        captcha_first: bool,
    ) -> Result<Box<RawValue>, Error> {
        let password = self.encrypted(p.password).await?;
        let params = extra_params(p.custom_data, p.params);
        let context = p.context.as_ref().map(js_stringify);
        let auto_register = (
            "autoRegister",
            &p.auto_register.unwrap_or(false) as &dyn WireValue,
        );
        let captcha_code = ("captchaCode", p.captcha_code as &dyn WireValue);
        let (third, fourth) = if captcha_first {
            (captcha_code, auto_register)
        } else {
            (auto_register, captcha_code)
        };
        let input = json_object(&[
            (p.account.0, p.account.1 as &dyn WireValue),
            ("password", &password),
            third,
            fourth,
            ("clientIp", p.client_ip),
            ("params", &Nullable(params.as_deref())),
            ("context", &Nullable(context.as_deref())),
        ]);
        let secrets = vec![p.password.clone(), password];
        self.graphql_login(document, root, input, secrets).await
    }

    /// `loginByEmail(email, password, options)` (`AC:542-585`).
    pub async fn login_by_email(&self, p: EmailLoginParams) -> Result<Box<RawValue>, Error> {
        self.password_login(p.parts(), doc::LOGIN_BY_EMAIL, "loginByEmail", false)
            .await
    }

    /// `loginByUsername(username, password, options)` (`AC:631-666`).
    pub async fn login_by_username(&self, p: UsernameLoginParams) -> Result<Box<RawValue>, Error> {
        self.password_login(p.parts(), doc::LOGIN_BY_USERNAME, "loginByUsername", false)
            .await
    }

    /// `loginByPhonePassword(phone, password, options)` (`AC:837-872`).
    pub async fn login_by_phone_password(&self, p: PhonePasswordLoginParams) -> Result<Box<RawValue>, Error> {
        self.password_login(
            p.parts(),
            doc::LOGIN_BY_PHONE_PASSWORD,
            "loginByPhonePassword",
            true,
        )
        .await
    }

    /// `loginByPhoneCode(phone, code, options)` (`AC:697-728`; no
    /// `autoRegister`, as in the SDK).
    pub async fn login_by_phone_code(&self, p: PhoneCodeLoginParams) -> Result<Box<RawValue>, Error> {
        let params = extra_params(&p.custom_data, &p.params);
        let context = p.context.as_ref().map(js_stringify);
        let input = json_object(&[
            ("phone", &p.phone),
            ("code", &p.code),
            ("phoneCountryCode", &p.phone_country_code),
            ("clientIp", &p.client_ip),
            ("params", &Nullable(params.as_deref())),
            ("context", &Nullable(context.as_deref())),
        ]);
        self.graphql_login(doc::LOGIN_BY_PHONE_CODE, "loginByPhoneCode", input, vec![p.code])
            .await
    }

    /// `loginByEmailCode(email, code, options)`: REST, without the stored
    /// token (`AC:774-795`). The JS SDK builds this URL from the raw
    /// `appHost` option (a relative URL with only `host` set); the client's
    /// base URL is used here, as for every other call.
    pub async fn login_by_email_code(&self, p: EmailCodeLoginParams) -> Result<Box<RawValue>, Error> {
        let params = extra_params(&p.custom_data, &p.params);
        let context = p.context.as_ref().map(js_stringify);
        let body = json_object(&[
            ("email", &p.email),
            ("code", &p.code),
            ("phoneCountryCode", &p.phone_country_code),
            ("clientIp", &p.client_ip),
            ("params", &Nullable(params.as_deref())),
            ("context", &Nullable(context.as_deref())),
        ]);
        let req = Request {
            method: Method::POST,
            path: Cow::Borrowed("/api/v2/login/email-code"),
            body: Body::Json(body),
            auth: Auth::None,
            secrets: vec![p.code],
            expect: Expect::Envelope,
        };
        let user = self.send(req).await?.data;
        self.adopt_user(user)
    }

    /// `logout()`: `GET /api/v2/logout?app_id=<appId>` with the user token;
    /// the current user and token are cleared only after the server agreed
    /// (`AC:1573-1589`). Without an `appId` option the JS SDK sends
    /// `app_id=undefined`; this sends `app_id=` (empty).
    pub async fn logout(&self) -> Result<ServerStatus, Error> {
        // Percent-encoded as axios encodes query values (an appId is hex in
        // practice, so this matches the SDK's unencoded URL byte for byte).
        let query = crate::core::transport::query(&[("app_id", Some(self.app_id().unwrap_or("")))]);
        let req = Request {
            method: Method::GET,
            path: Cow::Owned(format!("/api/v2/logout{query}")),
            body: Body::Empty,
            auth: Auth::User,
            secrets: vec![],
            expect: Expect::Envelope,
        };
        let answer = self.send_then_clear_user(req).await?;
        ServerStatus::shape(answer, "logout")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::EncodePublicKey;
    use rsa::RsaPrivateKey;

    fn key_pair() -> (RsaPrivateKey, String) {
        let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).unwrap();
        let pem = RsaPublicKey::from(&private)
            .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap();
        (private, pem)
    }

    #[test]
    fn passwords_decrypt_with_the_private_key_as_jsencrypt_would_encode_them() {
        let (private, pem) = key_pair();
        let key = parse_public_key(&pem).unwrap();
        for password in ["p@ssw0rd", "密码", "🔑key", ""] {
            let c = encrypt_password(&key, &Secret::from(password)).unwrap();
            let bytes = Base64::decode_vec(c.expose()).unwrap();
            assert_eq!(bytes.len(), 128, "always the modulus length");
            let plain = private.decrypt(Pkcs1v15Encrypt, &bytes).unwrap();
            assert_eq!(plain, *cesu8(password));
        }
        // Bare base64 DER works too, PEM armour or not.
        let der: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(parse_public_key(&der).is_ok());
    }

    #[test]
    fn cesu8_is_utf8_in_the_bmp_and_two_triples_outside() {
        assert_eq!(*cesu8("aé密"), "aé密".as_bytes().to_vec());
        assert_eq!(*cesu8("🔑"), vec![0xed, 0xa0, 0xbd, 0xed, 0xb4, 0x91]);
        // The buffer is sized once: it never reallocates (which would leave
        // a copy of the password in freed memory), whatever the mix.
        for s in ["🔑🔑🔑🔑🔑🔑🔑🔑🔑", "a🔑é密🔑", "plain", "", "é"] {
            let out = cesu8(s);
            assert!(
                out.len() <= out.capacity() && out.capacity() <= s.len() * 3 / 2 + 1,
                "{s}"
            );
            assert_eq!(out.capacity(), s.len() + s.len() / 2, "{s}");
        }
    }

    #[test]
    fn too_long_passwords_and_bad_keys_are_named() {
        let (_, pem) = key_pair();
        let key = parse_public_key(&pem).unwrap();
        let e = encrypt_password(&key, &Secret::from("x".repeat(118).as_str())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains("1024-bit") && !e.message().contains("xxx"));
        assert!(encrypt_password(&key, &Secret::from("x".repeat(117).as_str())).is_ok());
        assert_eq!(
            check_password(&Secret::from("x".repeat(502).as_str()))
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidArgument
        );
        for bad in [
            "",
            "not a key",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
            "AAAA",
        ] {
            assert!(parse_public_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn custom_data_becomes_an_object_as_in_the_sdk() {
        let user = RawValue::from_string(
            r#"{"id":"u","customData":[{"key":"n","value":"1.5","dataType":"NUMBER","label":null},{"key":"b","value":"true","dataType":"BOOLEAN"},{"key":"s","value":"x","dataType":"STRING"}]}"#.into(),
        )
        .unwrap();
        assert_eq!(
            shape_user(user).unwrap(),
            r#"{"id":"u","customData":{"n":1.5,"b":true,"s":"x"}}"#
        );
        let plain = RawValue::from_string(r#"{"id":"u","token":"t"}"#.into()).unwrap();
        assert_eq!(shape_user(plain).unwrap(), r#"{"id":"u","token":"t"}"#);
        let not_user = RawValue::from_string("[1]".into()).unwrap();
        assert_eq!(shape_user(not_user).unwrap_err().kind(), ErrorKind::Decode);
    }

    #[test]
    fn extra_params_follow_the_sdk() {
        let mut data = Map::new();
        data.insert("a".into(), Value::from(1));
        assert_eq!(
            extra_params(&Some(data), &Some(Value::from("ignored"))).unwrap(),
            r#"[{"key":"a","value":1}]"#
        );
        assert_eq!(
            extra_params(&None, &Some(serde_json::json!({"x":true}))).unwrap(),
            r#"{"x":true}"#
        );
        assert_eq!(extra_params(&None, &None), None);
    }

    #[test]
    fn json_is_written_as_json_stringify_of_json_parse_writes_it() {
        let v: Value = serde_json::from_str(
            r#"{"b":1,"10":2.0,"2":3,"01":4,"4294967295":5,"4294967294":6,"x":[-0.0,1e21,1e-7,1.5e-6,123.456,12345678901234567890,-2.5e30,100,0.1]}"#,
        )
        .unwrap();
        assert_eq!(
            js_stringify(&v),
            r#"{"2":3,"10":2,"4294967294":6,"b":1,"01":4,"4294967295":5,"x":[0,1e+21,1e-7,0.0000015,123.456,12345678901234567000,-2.5e+30,100,0.1]}"#
        );
        for (f, js) in [
            (1e20, "100000000000000000000"),
            (123e-20, "1.23e-18"),
            (-1.0, "-1"),
        ] {
            assert_eq!(js_number(f), js);
        }
    }
}
