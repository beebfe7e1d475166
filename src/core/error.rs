//! The one error shape every failure takes.
//!
//! The JS SDK reports failures in three different shapes (a plain object, an
//! axios error, an `Error` whose message is JSON). Callers of a C library need
//! exactly one, so every failure, local or remote, becomes an [`Error`] with an
//! [`ErrorKind`] (which is the C status) and the server's `code`, HTTP status
//! and `data` when there were any.

use serde_json::value::RawValue;
use std::fmt;

/// What went wrong, as a closed set. The discriminants are the C status codes
/// (`AUTHING_MFA_ERR_*`), which are stable forever: a retired value is never
/// reused, so bindings may switch on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ErrorKind {
    /// A required pointer was NULL (only the C layer produces this).
    NullArgument = 1,
    /// An input string was not UTF-8 (only the C layer produces this).
    InvalidUtf8 = 2,
    /// Input was not JSON, not an object, or had the wrong type for a key.
    InvalidJson = 3,
    /// Unknown key, missing required key, bad value, unknown method.
    InvalidArgument = 4,
    /// The server answered an envelope whose code is not 200.
    Api = 10,
    /// A non-2xx HTTP answer.
    HttpStatus = 11,
    /// Connect, DNS, TLS, reset, or a refused insecure URL.
    Network = 12,
    /// The request outlived the `timeout` option.
    Timeout = 13,
    /// A 2xx answer that is not a readable envelope, or one that is too large.
    Decode = 14,
    /// A local file could not be read.
    Io = 15,
    /// The operation was cancelled (async API).
    Cancelled = 16,
    /// The library was shut down (async API).
    Shutdown = 17,
    /// A blocking call was made from a thread of the library's own runtime.
    WouldDeadlock = 18,
    /// The process was forked after the library's first use, and this is
    /// the child: the I/O threads and connections belong to the parent.
    Forked = 19,
    /// A bug inside the library, caught at the boundary.
    Panic = 99,
}

impl ErrorKind {
    /// Every kind, in status order: used for the status-name table and tests.
    pub const ALL: [ErrorKind; 15] = [
        ErrorKind::NullArgument,
        ErrorKind::InvalidUtf8,
        ErrorKind::InvalidJson,
        ErrorKind::InvalidArgument,
        ErrorKind::Api,
        ErrorKind::HttpStatus,
        ErrorKind::Network,
        ErrorKind::Timeout,
        ErrorKind::Decode,
        ErrorKind::Io,
        ErrorKind::Cancelled,
        ErrorKind::Shutdown,
        ErrorKind::WouldDeadlock,
        ErrorKind::Forked,
        ErrorKind::Panic,
    ];

    /// The C status code.
    pub const fn status(self) -> i32 {
        self as i32
    }

    /// The kind for a C status code, if it names one.
    pub fn from_status(status: i32) -> Option<ErrorKind> {
        Self::ALL.iter().copied().find(|k| k.status() == status)
    }

    /// The C constant's name, e.g. `AUTHING_MFA_ERR_API`.
    pub fn name(self) -> &'static str {
        let with_nul = self.name_nul();
        &with_nul[..with_nul.len() - 1]
    }

    /// The name with a trailing NUL, for `authing_mfa_status_name` (which
    /// hands out a static C string): the one list of names.
    pub const fn name_nul(self) -> &'static str {
        match self {
            ErrorKind::NullArgument => "AUTHING_MFA_ERR_NULL_ARGUMENT\0",
            ErrorKind::InvalidUtf8 => "AUTHING_MFA_ERR_INVALID_UTF8\0",
            ErrorKind::InvalidJson => "AUTHING_MFA_ERR_INVALID_JSON\0",
            ErrorKind::InvalidArgument => "AUTHING_MFA_ERR_INVALID_ARGUMENT\0",
            ErrorKind::Api => "AUTHING_MFA_ERR_API\0",
            ErrorKind::HttpStatus => "AUTHING_MFA_ERR_HTTP_STATUS\0",
            ErrorKind::Network => "AUTHING_MFA_ERR_NETWORK\0",
            ErrorKind::Timeout => "AUTHING_MFA_ERR_TIMEOUT\0",
            ErrorKind::Decode => "AUTHING_MFA_ERR_DECODE\0",
            ErrorKind::Io => "AUTHING_MFA_ERR_IO\0",
            ErrorKind::Cancelled => "AUTHING_MFA_ERR_CANCELLED\0",
            ErrorKind::Shutdown => "AUTHING_MFA_ERR_SHUTDOWN\0",
            ErrorKind::WouldDeadlock => "AUTHING_MFA_ERR_WOULD_DEADLOCK\0",
            ErrorKind::Forked => "AUTHING_MFA_ERR_FORKED\0",
            ErrorKind::Panic => "AUTHING_MFA_ERR_PANIC\0",
        }
    }
}

/// A failure of any operation.
///
/// `message` is always a human sentence that contains no secret: messages that
/// come from a server are scrubbed of the request's secrets before they are
/// stored here (see `transport`), and local messages never quote secret values.
#[derive(Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    code: Option<i64>,
    http_status: Option<u16>,
    data: Option<Box<RawValue>>,
    /// The v3 envelope's `requestId`, for support requests.
    request_id: Option<String>,
}

impl Error {
    /// A local error: no server code, HTTP status or data.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            code: None,
            http_status: None,
            data: None,
            request_id: None,
        }
    }

    /// An error that carries what the server answered.
    pub fn from_server(
        kind: ErrorKind,
        message: impl Into<String>,
        code: Option<i64>,
        http_status: Option<u16>,
        data: Option<Box<RawValue>>,
    ) -> Error {
        Error {
            kind,
            message: message.into(),
            code,
            http_status,
            data,
            request_id: None,
        }
    }

    /// The same error with the server's `requestId` (v3 answers).
    /// Sets the code when the error has none yet (a v3 non-2xx answer whose
    /// envelope carries only `statusCode`).
    pub(crate) fn or_code(mut self, code: Option<i64>) -> Error {
        self.code = self.code.or(code);
        self
    }

    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Error {
        self.request_id = request_id;
        self
    }

    /// The v3 API's `requestId` of the failed request, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// `Timeout` for a call that had no complete answer within `limit`
    /// (the `timeout` option): one wording for a single request and for a
    /// call of several.
    pub(crate) fn timed_out(limit: std::time::Duration) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!("no complete answer within {} ms", limit.as_millis()),
        )
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidArgument, message)
    }

    pub(crate) fn invalid_json(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidJson, message)
    }

    /// The kind, which is also the C status.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human sentence (never contains a secret).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Authing's business code, when the server sent one (e.g. 6001, 1635).
    pub fn code(&self) -> Option<i64> {
        self.code
    }

    /// The HTTP status, when there was an HTTP answer.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// The envelope's `data`, exactly as the server sent it. For code 1635 it
    /// holds the `mfaToken` the caller needs for the second factor.
    pub fn data(&self) -> Option<&RawValue> {
        self.data.as_deref()
    }

    /// The error JSON of the C API:
    /// `{"status","message","code","httpStatus","data"}`, keys always present,
    /// and `"requestId"` after them when a v3 answer carried one.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(96 + self.message.len());
        out.push_str("{\"status\":");
        push_json_str(&mut out, self.kind.name());
        out.push_str(",\"message\":");
        push_json_str(&mut out, &self.message);
        out.push_str(",\"code\":");
        match self.code {
            Some(c) => out.push_str(&c.to_string()),
            None => out.push_str("null"),
        }
        out.push_str(",\"httpStatus\":");
        match self.http_status {
            Some(s) => out.push_str(&s.to_string()),
            None => out.push_str("null"),
        }
        out.push_str(",\"data\":");
        match &self.data {
            Some(d) => out.push_str(d.get()),
            None => out.push_str("null"),
        }
        if let Some(id) = &self.request_id {
            out.push_str(",\"requestId\":");
            push_json_str(&mut out, id);
        }
        out.push('}');
        out
    }
}

fn push_json_str(out: &mut String, s: &str) {
    // serde_json's string encoder cannot fail for a &str.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned()));
}

/// Debug shows the kind, code, HTTP status and message, and deliberately not
/// `data`: for code 1635 `data` carries an mfaToken, which must not end up in a
/// log line through `{:?}`.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("code", &self.code)
            .field("http_status", &self.http_status)
            .field("data", &self.data.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)?;
        if let Some(code) = self.code {
            write!(f, " (code {code})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_json_has_every_key() {
        let e = Error::new(ErrorKind::Timeout, "took \"too\" long");
        let v: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
        assert_eq!(v["status"], "AUTHING_MFA_ERR_TIMEOUT");
        assert_eq!(v["message"], "took \"too\" long");
        assert!(v["code"].is_null() && v["httpStatus"].is_null() && v["data"].is_null());
    }

    #[test]
    fn server_error_keeps_raw_data_and_hides_it_from_debug() {
        let data = RawValue::from_string(r#"{"mfaToken":"eyJ.secret"}"#.into()).unwrap();
        let e = Error::from_server(ErrorKind::Api, "need mfa", Some(1635), Some(200), Some(data));
        assert!(e.to_json().contains(r#""data":{"mfaToken":"eyJ.secret"}"#));
        assert!(!format!("{e:?}").contains("eyJ.secret"));
        assert!(!format!("{e}").contains("eyJ.secret"));
    }

    #[test]
    fn kinds_round_trip_through_status() {
        for k in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_status(k.status()), Some(k));
            assert!(k.name().starts_with("AUTHING_MFA_ERR_"));
        }
        assert_eq!(ErrorKind::from_status(0), None);
        assert_eq!(ErrorKind::from_status(5), None);
    }
}
