//! Reading a JSON object argument strictly: the one place where caller JSON
//! becomes typed values, for client options and operation parameters alike.
//!
//! The rules (documented in the header): a string that is not JSON, or JSON
//! that is not an object, or a value of the wrong type, is `InvalidJson`; a key
//! that is not expected, or a required key that is missing, is
//! `InvalidArgument`, and the message names the key so the caller can fix it.
//! `null` counts as "not given", like a key left out.

use crate::core::error::Error;
use crate::core::secret::{Secret, SecretMap};
use serde_json::{Map, Value};

/// At most this many characters of a caller's key are quoted in a message, so
/// a 16 MiB key cannot make a 16 MiB error.
const MAX_QUOTED_KEY: usize = 64;

fn quote_key(key: &str) -> String {
    let mut quoted: String = key.chars().take(MAX_QUOTED_KEY).collect();
    if quoted.len() < key.len() {
        quoted.push('…');
    }
    quoted
}

/// A JSON object being consumed key by key.
pub(crate) struct Args {
    what: &'static str,
    map: Map<String, Value>,
}

impl Args {
    /// Parses `json` as an object whose keys must all be in `allowed`.
    /// `None` and JSON `null` both mean "no argument at all", which the JS
    /// SDK treats differently from `{}` (it applies defaults only then).
    pub(crate) fn parse(
        json: Option<&str>,
        what: &'static str,
        allowed: &[&str],
    ) -> Result<Option<Args>, Error> {
        let Some(text) = json else { return Ok(None) };
        let value: Value = serde_json::from_str(text).map_err(|e| {
            Error::invalid_json(format!("{what}: not valid JSON ({})", json_error_category(&e)))
        })?;
        let map = match value {
            Value::Null => return Ok(None),
            Value::Object(map) => map,
            other => {
                return Err(Error::invalid_json(format!(
                    "{what}: expected a JSON object, got {}",
                    type_name(&other)
                )))
            }
        };
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            let expected = if allowed.is_empty() {
                "it takes no keys".to_owned()
            } else {
                format!("expected one of: {}", allowed.join(", "))
            };
            return Err(Error::invalid_argument(format!(
                "{what}: unknown key `{}` ({expected})",
                quote_key(unknown)
            )));
        }
        Ok(Some(Args { what, map }))
    }

    /// Whether every key has been taken (checked after a parameter struct
    /// has read its keys: none may be left unread).
    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        match self.map.remove(key) {
            Some(Value::Null) | None => None,
            Some(v) => Some(v),
        }
    }

    fn wrong_type(&self, key: &str, expected: &str, got: &Value) -> Error {
        Error::invalid_json(format!(
            "{}: `{key}` must be {expected}, got {}",
            self.what,
            type_name(got)
        ))
    }

    /// An optional string.
    pub(crate) fn opt_str(&mut self, key: &str) -> Result<Option<String>, Error> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong_type(key, "a string", &other)),
        }
    }

    /// A string that must be present and non-empty.
    pub(crate) fn req_str(&mut self, key: &str) -> Result<String, Error> {
        match self.opt_str(key)? {
            Some(s) if !s.is_empty() => Ok(s),
            Some(_) => Err(Error::invalid_argument(format!(
                "{}: `{key}` must not be empty",
                self.what
            ))),
            None => Err(Error::invalid_argument(format!(
                "{}: `{key}` is required",
                self.what
            ))),
        }
    }

    /// An optional secret. An empty string is refused rather than treated as
    /// absent: an empty mfaToken is a caller bug that would otherwise silently
    /// switch the request to the user token.
    pub(crate) fn opt_secret(&mut self, key: &str) -> Result<Option<Secret>, Error> {
        match self.opt_str(key)? {
            Some(s) if s.is_empty() => Err(Error::invalid_argument(format!(
                "{}: `{key}` must not be empty",
                self.what
            ))),
            other => Ok(other.map(Secret::new)),
        }
    }

    /// A secret that must be present and non-empty.
    pub(crate) fn req_secret(&mut self, key: &str) -> Result<Secret, Error> {
        self.req_str(key).map(Secret::new)
    }

    /// A file path that must be present and non-empty.
    pub(crate) fn req_path(&mut self, key: &str) -> Result<std::path::PathBuf, Error> {
        self.req_str(key).map(Into::into)
    }

    /// An optional file path; `""` counts as not given (a binding passing
    /// an empty optional path means "none").
    pub(crate) fn opt_path(&mut self, key: &str) -> Result<Option<std::path::PathBuf>, Error> {
        Ok(self.opt_str(key)?.filter(|s| !s.is_empty()).map(Into::into))
    }

    /// An optional string where `""` counts as not given (the JS SDK tests
    /// such values for truthiness before sending them).
    pub(crate) fn opt_nonempty_str(&mut self, key: &str) -> Result<Option<String>, Error> {
        Ok(self.opt_str(key)?.filter(|s| !s.is_empty()))
    }

    /// Any JSON value, kept as given; a falsy one (`false`, `0`, `""`,
    /// `null`) counts as not given, as `if (value)` in the JS SDK.
    pub(crate) fn opt_truthy_json(&mut self, key: &str) -> Result<Option<Value>, Error> {
        Ok(self.take(key).filter(|v| match v {
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::String(s) => !s.is_empty(),
            _ => true,
        }))
    }

    /// An optional JSON object.
    pub(crate) fn opt_object(&mut self, key: &str) -> Result<Option<Map<String, Value>>, Error> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => Err(self.wrong_type(key, "an object", &other)),
        }
    }

    /// A JSON object that must be present.
    pub(crate) fn req_object(&mut self, key: &str) -> Result<Map<String, Value>, Error> {
        self.opt_object(key)?
            .ok_or_else(|| Error::invalid_argument(format!("{}: `{key}` is required", self.what)))
    }

    /// An optional JSON object that carries a secret (see [`SecretMap`]).
    pub(crate) fn opt_secret_object(&mut self, key: &str) -> Result<Option<SecretMap>, Error> {
        Ok(self.opt_object(key)?.map(SecretMap::new))
    }

    /// A JSON object that carries a secret and must be present.
    pub(crate) fn req_secret_object(&mut self, key: &str) -> Result<SecretMap, Error> {
        Ok(SecretMap::new(self.req_object(key)?))
    }

    /// An optional boolean.
    pub(crate) fn opt_bool(&mut self, key: &str) -> Result<Option<bool>, Error> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(self.wrong_type(key, "true or false", &other)),
        }
    }

    /// An optional non-negative integer.
    pub(crate) fn opt_u64(&mut self, key: &str) -> Result<Option<u64>, Error> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) => Ok(Some(v)),
                None => Err(Error::invalid_argument(format!(
                    "{}: `{key}` must be a non-negative whole number",
                    self.what
                ))),
            },
            Some(other) => Err(self.wrong_type(key, "a number", &other)),
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// serde_json's message, without quoting the input (which may hold secrets).
pub(crate) fn json_error_category(e: &serde_json::Error) -> String {
    // serde_json's Display is "<what> at line L column C"; <what> describes
    // the syntax problem and never echoes string contents.
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    const KEYS: &[&str] = &["totp", "mfaToken", "n", "b"];

    fn parse(s: &str) -> Result<Option<Args>, Error> {
        Args::parse(Some(s), "verifyTotpMfa", KEYS)
    }

    #[test]
    fn null_and_none_mean_no_argument() {
        assert!(parse("null").unwrap().is_none());
        assert!(Args::parse(None, "x", KEYS).unwrap().is_none());
        assert!(parse(" {} ").unwrap().is_some());
    }

    #[test]
    fn shapes_and_types_are_invalid_json() {
        for s in [
            "",
            "{",
            "[1]",
            "\"s\"",
            "3",
            "{\"totp\":1}",
            "{\"n\":\"1\"}",
            "{\"b\":1}",
        ] {
            let r = parse(s).and_then(|a| {
                let mut a = a.unwrap();
                a.opt_str("totp")?;
                a.opt_u64("n")?;
                a.opt_bool("b")?;
                Ok(())
            });
            assert_eq!(r.unwrap_err().kind(), ErrorKind::InvalidJson, "{s}");
        }
    }

    #[test]
    fn unknown_and_missing_keys_are_invalid_arguments_naming_the_key() {
        let e = parse(r#"{"totp":"1","mfatoken":"x"}"#).err().unwrap();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains("`mfatoken`"), "{}", e.message());
        let mut a = parse(r#"{"totp":"1"}"#).unwrap().unwrap();
        let e = a.req_secret("mfaToken").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains("`mfaToken` is required"));
    }

    #[test]
    fn huge_unknown_keys_are_truncated_in_the_message() {
        let key = "k".repeat(100_000);
        let e = parse(&format!("{{\"{key}\":1}}")).err().unwrap();
        assert!(e.message().len() < 400);
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse(&deep).err().unwrap().kind(), ErrorKind::InvalidJson);
    }

    #[test]
    fn secrets_in_bad_json_are_not_echoed() {
        let e = parse(r#"{"totp": "123456", "mfaToken": "eyJhbGciOi.top.secret" "#)
            .err()
            .unwrap();
        assert!(!e.message().contains("eyJhbGciOi"));
        assert!(!e.message().contains("123456"));
    }
}
