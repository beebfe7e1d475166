//! Reading an answer: Authing's envelope (`{code, message, data}` of the
//! v2 API; `{statusCode, apiCode, message, data}` of v3) becomes an
//! [`Answer`] or the one error shape. Pure: bytes in, result out (the fuzz
//! harness drives it through `decode_for_fuzzing`). How each kind of answer
//! is read is checked against the real JS SDK by `tests/answers.rs`.

use crate::core::error::{Error, ErrorKind};
use crate::core::secret::{scrub, Secret};
use hyper::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// A successful envelope. (Debug prints no field values: `data` may hold a
/// user token.)
pub(crate) struct Answer {
    pub code: i64,
    pub message: String,
    pub data: Box<RawValue>,
    /// The top-level `recoveryCode` Authing adds when it rotates one.
    pub recovery_code: Option<Secret>,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answer")
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    code: Option<Value>,
    #[serde(default, rename = "statusCode")]
    status_code: Option<Value>,
    #[serde(default, rename = "apiCode")]
    api_code: Option<Value>,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    data: Option<Box<RawValue>>,
    #[serde(default, rename = "recoveryCode")]
    recovery_code: Option<Value>,
    /// v3 only (`decode_v3`).
    #[serde(default, rename = "requestId")]
    request_id: Option<Value>,
}

fn as_code(v: &Option<Value>) -> Option<i64> {
    v.as_ref().and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
    })
}

fn null_raw() -> Box<RawValue> {
    RawValue::from_string("null".to_owned()).expect("null is JSON")
}

/// Decodes a status and body as the transport would, returning the result
/// `data` text. For the fuzz harness and tests only.
#[doc(hidden)]
pub fn decode_for_fuzzing(status: u16, body: &[u8]) -> Result<String, Error> {
    let status = StatusCode::from_u16(status).map_err(|_| Error::invalid_argument("bad status"))?;
    decode(status, None, body, &[]).map(|a| a.data.get().to_owned())
}

/// Turns a status and body into an answer or the one error shape. The
/// caller scrubs the whole message of an error; `secrets` is for the server
/// text quoted only in part here.
pub(crate) fn decode(
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
    secrets: &[Secret],
) -> Result<Answer, Error> {
    let http = Some(status.as_u16());
    // An envelope is an object; serde would also accept an array as the
    // struct's "sequence form", which no server means.
    let is_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let envelope: Option<Envelope> = if is_object {
        serde_json::from_slice(body).ok()
    } else {
        None
    };
    let message_of = |env: &Envelope| {
        env.message
            .as_ref()
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
    };

    if !status.is_success() {
        let (code, message, data) = match &envelope {
            Some(env) => (
                as_code(&env.code).or(as_code(&env.api_code)),
                message_of(env),
                env.data.clone(),
            ),
            None => (None, None, None),
        };
        let mut text = message.unwrap_or_else(|| {
            format!(
                "the server answered HTTP {} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
            .trim_end()
            .to_owned()
        });
        if status.is_redirection() {
            text.push_str(" (redirects are not followed)");
        }
        return Err(Error::from_server(ErrorKind::HttpStatus, text, code, http, data));
    }

    let Some(env) = envelope else {
        let what = match serde_json::from_slice::<Value>(body) {
            Ok(_) => "an Authing envelope".to_owned(),
            Err(_) if body.is_empty() => "an Authing envelope (the body is empty)".to_owned(),
            // Scrubbed before it is cut short: a secret cut in half would
            // no longer be found by the scrubbing of the whole message.
            Err(_) => format!(
                "JSON (content-type {})",
                content_type
                    .map(|c| scrub(c, secrets).chars().take(80).collect::<String>())
                    .unwrap_or_else(|| "none".into())
            ),
        };
        return Err(Error::from_server(
            ErrorKind::Decode,
            format!("the answer (HTTP {}) is not {what}", status.as_u16()),
            None,
            http,
            None,
        ));
    };
    if env.code.as_ref().is_some_and(|c| !c.is_number()) {
        return Err(Error::from_server(
            ErrorKind::Decode,
            "the answer's `code` is not a number",
            None,
            http,
            None,
        ));
    }
    let code = as_code(&env.code);
    let status_code = as_code(&env.status_code);
    let message = message_of(&env);
    if code == Some(200) || status_code == Some(200) {
        let recovery_code = env
            .recovery_code
            .as_ref()
            .and_then(Value::as_str)
            .map(Secret::from);
        return Ok(Answer {
            code: 200,
            message: message.unwrap_or_default(),
            data: env.data.unwrap_or_else(null_raw),
            recovery_code,
        });
    }
    let code = code.or(as_code(&env.api_code)).or(status_code);
    match code {
        Some(code) => Err(Error::from_server(
            ErrorKind::Api,
            message.unwrap_or_else(|| format!("Authing answered code {code}")),
            Some(code),
            http,
            env.data,
        )),
        None => Err(Error::from_server(
            ErrorKind::Decode,
            format!(
                "the answer (HTTP {}) is not an Authing envelope: it has no code",
                status.as_u16()
            ),
            None,
            http,
            None,
        )),
    }
}

/// The v3 envelope (`{statusCode, message, apiCode?, requestId?, data?}`,
/// wire contract `authing-factors-v3-wire.md` §2): only `statusCode` 200 is
/// success. The v3 SDK returns failures instead of throwing; this library
/// makes them the one error shape: `code` is `apiCode` when present, else
/// `statusCode`, and the `requestId` is kept. A non-2xx HTTP status is read
/// as for v2.
pub(crate) fn decode_v3(
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
    secrets: &[Secret],
) -> Result<Answer, Error> {
    let is_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let envelope: Option<Envelope> = if is_object {
        serde_json::from_slice(body).ok()
    } else {
        None
    };
    let request_id = envelope
        .as_ref()
        .and_then(|e| e.request_id.as_ref())
        .and_then(Value::as_str)
        .map(str::to_owned);
    if !status.is_success() {
        // Read as for v2 (message, data), but the v3 code is `apiCode`, else
        // `statusCode`: a 401 `{"statusCode":401,"message":"Unauthorized"}`
        // (a bad or expired access token) has no `code` at all.
        let v3_code = envelope
            .as_ref()
            .and_then(|e| as_code(&e.api_code).or(as_code(&e.status_code)));
        return decode(status, content_type, body, secrets)
            .map_err(|e| e.or_code(v3_code).with_request_id(request_id));
    }
    let http = Some(status.as_u16());
    let Some(env) = envelope.filter(|e| e.status_code.is_some()) else {
        return Err(Error::from_server(
            ErrorKind::Decode,
            format!(
                "the answer (HTTP {}) is not an Authing v3 envelope: it has no statusCode",
                status.as_u16()
            ),
            None,
            http,
            None,
        ));
    };
    let status_code = as_code(&env.status_code);
    let message = env
        .message
        .as_ref()
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    if status_code == Some(200) {
        return Ok(Answer {
            code: 200,
            message: message.unwrap_or_default(),
            data: env.data.unwrap_or_else(null_raw),
            recovery_code: None,
        });
    }
    let code = as_code(&env.api_code).or(status_code);
    Err(Error::from_server(
        ErrorKind::Api,
        message.unwrap_or_else(|| match code {
            Some(code) => format!("Authing answered code {code}"),
            None => "Authing answered a failure without a code".to_owned(),
        }),
        code,
        http,
        env.data,
    )
    .with_request_id(request_id))
}

/// An answer that is not enveloped (`/mfa/token/introspection`): a JSON
/// object is the result as it is. A non-2xx HTTP status is read as for v2.
pub(crate) fn decode_raw(
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
    secrets: &[Secret],
) -> Result<Answer, Error> {
    if !status.is_success() {
        return decode(status, content_type, body, secrets);
    }
    let is_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let data = std::str::from_utf8(body)
        .ok()
        .filter(|_| is_object)
        .and_then(|text| RawValue::from_string(text.trim().to_owned()).ok());
    match data {
        Some(data) => Ok(Answer {
            code: 200,
            message: String::new(),
            data,
            recovery_code: None,
        }),
        None => Err(Error::from_server(
            ErrorKind::Decode,
            format!("the answer (HTTP {}) is not a JSON object", status.as_u16()),
            None,
            Some(status.as_u16()),
            None,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(status: u16, body: &str) -> Result<Answer, Error> {
        decode(
            StatusCode::from_u16(status).unwrap(),
            Some("application/json"),
            body.as_bytes(),
            &[],
        )
    }

    #[test]
    fn envelopes() {
        let a = dec(200, r#"{"code":200,"message":"ok","data":{"b":1,"a":[1.50,2]}}"#).unwrap();
        assert_eq!(
            a.data.get(),
            r#"{"b":1,"a":[1.50,2]}"#,
            "data passes through byte for byte"
        );
        let a = dec(200, r#"{"statusCode":200,"apiCode":0,"data":true}"#).unwrap();
        assert_eq!(a.data.get(), "true");
        let a = dec(200, r#"{"code":200}"#).unwrap();
        assert_eq!(a.data.get(), "null");
        let e = dec(200, r#"{"code":6001,"message":"wrong","data":null}"#).unwrap_err();
        assert_eq!(
            (e.kind(), e.code(), e.http_status(), e.message()),
            (ErrorKind::Api, Some(6001), Some(200), "wrong")
        );
        let e = dec(200, r#"{"statusCode":400,"apiCode":2020,"message":"x"}"#).unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::Api, Some(2020)));
    }

    #[test]
    fn http_status_keeps_envelope() {
        let e = dec(400, r#"{"code":400,"message":"安全码错误，请重新输入"}"#).unwrap_err();
        assert_eq!(
            (e.kind(), e.code(), e.http_status()),
            (ErrorKind::HttpStatus, Some(400), Some(400))
        );
        assert_eq!(e.message(), "安全码错误，请重新输入");
        let e = dec(500, "").unwrap_err();
        assert_eq!(
            (e.kind(), e.code(), e.http_status()),
            (ErrorKind::HttpStatus, None, Some(500))
        );
        assert_eq!(e.message(), "the server answered HTTP 500 Internal Server Error");
    }

    #[test]
    fn undecodable_answers() {
        for body in [
            "<html>",
            "",
            "[]",
            "{}",
            r#"{"code":"200"}"#,
            "{\"code\":200,\"data\":",
        ] {
            assert_eq!(dec(200, body).unwrap_err().kind(), ErrorKind::Decode, "{body}");
        }
    }

    #[test]
    fn a_quoted_content_type_is_scrubbed_before_it_is_cut() {
        let secrets = [Secret::from("eyJ-mfa-1234-token")];
        let e = decode(StatusCode::OK, Some("eyJ-mfa-1234-token"), b"<html>", &secrets).unwrap_err();
        assert_eq!(
            e.message(),
            "the answer (HTTP 200) is not JSON (content-type <redacted>)"
        );
        let long = format!("x/{}", "t".repeat(200));
        let e = decode(
            StatusCode::OK,
            Some(&long),
            b"<html>",
            &[Secret::from(long.as_str())],
        )
        .unwrap_err();
        assert_eq!(
            e.message(),
            "the answer (HTTP 200) is not JSON (content-type <redacted>)"
        );
    }
}
