//! Authing's GraphQL endpoint (`POST /graphql/v2`), as the JS SDK's
//! `GraphqlClient` uses it (wire contract: `authing-login-v2-wire.md` §1.3).
//!
//! Two things differ from plain GraphQL and from the REST envelope: the
//! answer's `data.<root field>` is the result, and an error is
//! `errors[0].message` as an **object** `{code, message, data}` (HTTP 200),
//! which becomes the one error shape with that code and data (so a login
//! that needs a second factor is `Api` with code 1635 and `data.mfaToken`,
//! exactly as for a REST envelope). The JS SDK's default `onError` throws
//! the first error; so does this.

use crate::core::envelope::{decode, Answer};
use crate::core::error::{Error, ErrorKind};
use crate::core::secret::Secret;
use hyper::StatusCode;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::collections::BTreeMap;

/// The body the JS SDK posts: `{"query": <document>, "variables": {...}}`.
pub(crate) fn body(document: &str, variables_json: &str) -> String {
    let mut out = String::with_capacity(document.len() + variables_json.len() + 32);
    out.push_str("{\"query\":");
    out.push_str(&serde_json::to_string(document).expect("a string serializes"));
    out.push_str(",\"variables\":");
    out.push_str(variables_json);
    out.push('}');
    out
}

#[derive(Deserialize)]
struct GraphQlAnswer {
    #[serde(default)]
    data: Option<BTreeMap<String, Box<RawValue>>>,
    #[serde(default)]
    errors: Option<Vec<GraphQlError>>,
}

#[derive(Deserialize)]
struct GraphQlError {
    #[serde(default)]
    message: Option<Value>,
}

#[derive(Deserialize)]
struct AuthingError {
    #[serde(default)]
    code: Option<Value>,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    data: Option<Box<RawValue>>,
}

/// Reads a GraphQL answer whose result is `data.<root>`. A non-2xx status is
/// read as any other HTTP failure (`decode`). The caller scrubs messages.
pub(crate) fn decode_graphql(
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
    root: &str,
    secrets: &[Secret],
) -> Result<Answer, Error> {
    if !status.is_success() {
        return decode(status, content_type, body, secrets);
    }
    let http = Some(status.as_u16());
    let not_graphql = |why: &str| {
        Error::from_server(
            ErrorKind::Decode,
            format!(
                "the answer (HTTP {}) is not a GraphQL answer: {why}",
                status.as_u16()
            ),
            None,
            http,
            None,
        )
    };
    let is_object = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !is_object {
        return Err(not_graphql("not a JSON object"));
    }
    let answer: GraphQlAnswer =
        serde_json::from_slice(body).map_err(|_| not_graphql("not valid JSON of that shape"))?;
    if let Some(first) = answer.errors.as_ref().and_then(|e| e.first()) {
        return Err(graphql_error(first, http));
    }
    let data = answer
        .data
        .and_then(|mut d| d.remove(root))
        .filter(|d| d.get() != "null")
        .ok_or_else(|| not_graphql(&format!("it has no `data.{root}`")))?;
    Ok(Answer {
        code: 200,
        message: String::new(),
        data,
        recovery_code: None,
    })
}

/// `errors[0].message`: Authing's `{code, message, data}` object, or (from
/// a GraphQL server that is not Authing's, or a syntax error) a string.
fn graphql_error(error: &GraphQlError, http: Option<u16>) -> Error {
    let authing = error
        .message
        .as_ref()
        .filter(|m| m.is_object())
        .and_then(|m| AuthingError::deserialize(m).ok());
    match authing {
        Some(e) => {
            let code = e.code.as_ref().and_then(|c| {
                c.as_i64()
                    .or_else(|| c.as_str().and_then(|s| s.trim().parse().ok()))
            });
            let message = e
                .message
                .as_ref()
                .and_then(Value::as_str)
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .unwrap_or_else(|| match code {
                    Some(code) => format!("Authing answered code {code}"),
                    None => "Authing answered a GraphQL error".to_owned(),
                });
            Error::from_server(ErrorKind::Api, message, code, http, e.data)
        }
        None => {
            let text = error
                .message
                .as_ref()
                .and_then(Value::as_str)
                .filter(|m| !m.is_empty())
                .unwrap_or("a GraphQL error without a message");
            Error::from_server(ErrorKind::Api, text.to_owned(), None, http, None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(status: u16, body: &str) -> Result<Answer, Error> {
        decode_graphql(
            StatusCode::from_u16(status).unwrap(),
            Some("application/json"),
            body.as_bytes(),
            "loginByEmail",
            &[],
        )
    }

    #[test]
    fn the_root_field_is_the_result() {
        let a = dec(200, r#"{"data":{"loginByEmail":{"id":"u","token":"t"}}}"#).unwrap();
        assert_eq!(a.data.get(), r#"{"id":"u","token":"t"}"#);
        let e = dec(200, r#"{"data":{"other":{}}}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.message().contains("data.loginByEmail"));
        assert_eq!(
            dec(200, r#"{"data":{"loginByEmail":null}}"#).unwrap_err().kind(),
            ErrorKind::Decode
        );
        assert_eq!(dec(200, "[]").unwrap_err().kind(), ErrorKind::Decode);
        assert_eq!(dec(200, "").unwrap_err().kind(), ErrorKind::Decode);
    }

    #[test]
    fn authing_errors_are_api_errors_with_code_and_data() {
        let e = dec(
            200,
            r#"{"data":null,"errors":[{"message":{"code":1635,"message":"请输入二次认证安全码","data":{"mfaToken":"m","applicationMfa":[]}}},{"message":{"code":1}}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Api);
        assert_eq!(e.code(), Some(1635));
        assert_eq!(e.message(), "请输入二次认证安全码");
        assert_eq!(e.data().unwrap().get(), r#"{"mfaToken":"m","applicationMfa":[]}"#);
        let e = dec(200, r#"{"errors":[{"message":"Syntax Error"}]}"#).unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::Api, None));
        assert_eq!(e.message(), "Syntax Error");
        let e = dec(
            200,
            r#"{"errors":[{"message":{"code":"2333","message":"账号或密码错误"}}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), Some(2333));
    }

    #[test]
    fn http_failures_are_read_as_for_rest() {
        let e = dec(502, "bad gateway").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::HttpStatus);
    }

    #[test]
    fn bodies_are_query_then_variables() {
        assert_eq!(
            body("query q {\n x }", r#"{"a":1}"#),
            r#"{"query":"query q {\n x }","variables":{"a":1}}"#
        );
    }
}
