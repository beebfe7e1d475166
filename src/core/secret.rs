//! A string that must never be printed: tokens, mfaTokens, TOTP codes and
//! secrets, recovery codes.

use crate::core::error::Error;
use serde_json::{Map, Value};
use std::fmt;
use zeroize::Zeroize;

/// Owns a secret string, zeroes its bytes on drop, and prints as `<redacted>`
/// through both `Debug` and `Display`, so a stray `{:?}` in a log line cannot
/// leak it. Reading the value is explicit: [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Takes ownership of the string.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A caller's JSON object that carries a secret (the v3 `passwordPayload`,
/// `passCodePayload` and `enrollmentData`, which hold a password or a
/// code): `Debug` names only its keys, and every string inside is zeroed on
/// drop, as [`Secret`] does for one string. Read it with
/// [`SecretMap::expose`].
#[derive(Clone, Default)]
pub struct SecretMap(Map<String, Value>);

impl SecretMap {
    /// Takes ownership of the object.
    pub fn new(map: Map<String, Value>) -> SecretMap {
        SecretMap(map)
    }

    /// The object, for the one place that must send it.
    pub fn expose(&self) -> &Map<String, Value> {
        &self.0
    }
}

impl Drop for SecretMap {
    fn drop(&mut self) {
        self.0.values_mut().for_each(zeroize_value);
    }
}

impl fmt::Debug for SecretMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretMap")
            .field("keys", &self.0.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Zeroes every string inside a JSON value (numbers and booleans are left:
/// serde_json keeps them inline, and no secret here is one).
pub(crate) fn zeroize_value(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(zeroize_value),
        Value::Object(map) => map.values_mut().for_each(zeroize_value),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret::new(s)
    }
}

/// Replaces every secret of the request found in `text` by `<redacted>`.
///
/// Longest first: a short secret that also occurs inside a longer one (a
/// 4-digit SMS code inside an mfaToken) would otherwise be replaced inside
/// it first, and the rest of the longer secret would no longer match and be
/// shown. Secrets shorter than 4 characters are left alone: that would
/// mangle ordinary words for no protection.
pub(crate) fn scrub(text: &str, secrets: &[Secret]) -> String {
    let mut found: Vec<&str> = secrets
        .iter()
        .map(Secret::expose)
        .filter(|s| s.len() >= 4 && text.contains(s))
        .collect();
    if found.is_empty() {
        return text.to_owned();
    }
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_owned();
    for s in found {
        out = out.replace(s, "<redacted>");
    }
    out
}

pub(crate) fn scrub_error(e: Error, secrets: &[Secret]) -> Error {
    let message = scrub(e.message(), secrets);
    let request_id = e.request_id().map(|id| scrub(id, secrets));
    Error::from_server(
        e.kind(),
        message,
        e.code(),
        e.http_status(),
        e.data().map(|d| d.to_owned()),
    )
    .with_request_id(request_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new("hunter2-token");
        assert_eq!(format!("{s:?} {s}"), "<redacted> <redacted>");
        assert_eq!(s.expose(), "hunter2-token");
    }

    #[test]
    fn scrubbing() {
        let secrets = [
            Secret::from("1234"),
            Secret::from("eyJ-mfa-1234-token"),
            Secret::from("123"),
        ];
        assert_eq!(
            scrub("token eyJ-mfa-1234-token and code 1234, 123", &secrets),
            "token <redacted> and code <redacted>, 123",
            "longest first; shorter than 4 left alone"
        );
    }
}
