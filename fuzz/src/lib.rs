//! The invariants the three fuzz targets check, kept out of the target files
//! so each target is a few lines and the checks can be read in one place.
//!
//! Every check is a property the C API documents (include/authing_mfa.h), not
//! merely "it did not crash":
//! - every error serialises to the one error JSON, with exactly the five keys
//!   `status, message, code, httpStatus, data`, `status` naming its kind;
//! - local errors (bad options, bad parameters) carry no server fields, are
//!   short, and never quote a secret value;
//! - an answer decodes as success only for a 2xx envelope whose `code` (or
//!   `statusCode`) is 200, and the result text is the envelope's `data`;
//! - parameters reach the transport if and only if they are valid, checked
//!   against an independent table of the JS SDK's argument keys below.
//!
//! A failed check panics; libFuzzer's panic hook turns that into a crash with
//! the input saved as an artifact.

use authing_mfa::{Error, ErrorKind};
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::sync::OnceLock;

/// A local error message longer than this would mean some input is being
/// echoed into it (the longest fixed message, listing the 13 option keys,
/// is about 200 bytes, and quoted keys are cut at 64 characters).
const MAX_LOCAL_MESSAGE: usize = 512;

/// Put in front of every secret value in a second run of each input: it must
/// never come back in an error message, `Display` or `Debug`.
const SECRET_MARK: &str = "QzX9secretMARK";

/// Checks the error JSON of the C API against the `Error` it came from, and
/// returns its fields (with `data` as null: compare `e.data()` as text).
///
/// `data` is the server's JSON passed through byte for byte, which is valid
/// RFC 8259 JSON text but may hold what serde_json's `Value` refuses (a lone
/// surrogate escape such as "\ud800", a number like 1e400; JavaScript's
/// JSON.parse accepts both). So the error JSON is checked as
/// `<fixed fields>,"data":<data>}` with `data` checked by the independent
/// grammar check [`is_json_text`].
pub fn check_error(e: &Error) -> Map<String, Value> {
    let text = e.to_json();
    let data = e.data().map_or("null", |d| d.get());
    let tail = format!(",\"data\":{data}}}");
    let head = text
        .strip_suffix(&tail)
        .unwrap_or_else(|| panic!("error JSON does not end with its data: {text}"));
    assert!(is_json_text(data), "error data is not JSON text: {data}");
    let fixed = format!("{head},\"data\":null}}");
    let v: Value = serde_json::from_str(&fixed)
        .unwrap_or_else(|err| panic!("error JSON does not parse ({err}): {text}"));
    let Value::Object(obj) = v else {
        panic!("error JSON is not an object: {text}")
    };
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["status", "message", "code", "httpStatus", "data"],
        "error JSON keys: {text}"
    );
    assert_eq!(obj["status"], e.kind().name(), "status is the kind's name");
    assert!(e.kind().name().starts_with("AUTHING_MFA_ERR_"));
    assert_eq!(ErrorKind::from_status(e.kind().status()), Some(e.kind()));
    assert_eq!(obj["message"], e.message());
    assert!(!e.message().is_empty(), "an error has a message: {text}");
    assert_eq!(obj["code"], e.code().map_or(Value::Null, Value::from));
    assert_eq!(
        obj["httpStatus"],
        e.http_status().map_or(Value::Null, Value::from)
    );
    // Display and Debug never show `data` (for code 1635 it holds an
    // mfaToken). Only checked when the text is long enough not to occur in
    // the rest of the output by chance.
    if let Some(d) = e.data().map(|d| d.get()) {
        let shown = format!("{e} {:?} {}", e.message(), e.kind().name());
        if d.len() >= 16 && !shown.contains(d) {
            assert!(!format!("{e:?}").contains(d), "Debug shows data: {e:?}");
            assert!(!format!("{e}").contains(d), "Display shows data: {e}");
        }
    }
    obj
}

/// Whether `text` is one JSON value per RFC 8259's grammar (whitespace
/// around it allowed). Written here rather than borrowed from serde_json so
/// that the library's parser is not checked against itself; escapes are
/// checked for form only (`\ud800` alone is grammatical), numbers for
/// syntax only (1e400 is grammatical).
pub fn is_json_text(text: &str) -> bool {
    struct P<'a> {
        b: &'a [u8],
        i: usize,
    }
    impl P<'_> {
        fn peek(&self) -> Option<u8> {
            self.b.get(self.i).copied()
        }
        fn ws(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.i += 1;
            }
        }
        fn eat(&mut self, c: u8) -> bool {
            let ok = self.peek() == Some(c);
            self.i += usize::from(ok);
            ok
        }
        fn lit(&mut self, word: &[u8]) -> bool {
            let ok = self.b[self.i..].starts_with(word);
            if ok {
                self.i += word.len();
            }
            ok
        }
        fn digits(&mut self) -> usize {
            let start = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            self.i - start
        }
        fn number(&mut self) -> bool {
            self.eat(b'-');
            match self.peek() {
                Some(b'0') => self.i += 1,
                Some(b'1'..=b'9') => {
                    self.digits();
                }
                _ => return false,
            }
            if self.eat(b'.') && self.digits() == 0 {
                return false;
            }
            if matches!(self.peek(), Some(b'e' | b'E')) {
                self.i += 1;
                if matches!(self.peek(), Some(b'+' | b'-')) {
                    self.i += 1;
                }
                if self.digits() == 0 {
                    return false;
                }
            }
            true
        }
        fn string(&mut self) -> bool {
            if !self.eat(b'"') {
                return false;
            }
            loop {
                match self.peek() {
                    None => return false,
                    Some(b'"') => {
                        self.i += 1;
                        return true;
                    }
                    Some(b'\\') => {
                        self.i += 1;
                        match self.peek() {
                            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                            Some(b'u') => {
                                self.i += 1;
                                for _ in 0..4 {
                                    if !matches!(self.peek(), Some(c) if c.is_ascii_hexdigit()) {
                                        return false;
                                    }
                                    self.i += 1;
                                }
                            }
                            _ => return false,
                        }
                    }
                    Some(0x00..=0x1f) => return false,
                    // The input is a &str: multi-byte characters are whole.
                    Some(_) => self.i += 1,
                }
            }
        }
        fn value(&mut self, depth: usize) -> bool {
            if depth > 10_000 {
                return false;
            }
            self.ws();
            let ok = match self.peek() {
                Some(b'{') => {
                    self.i += 1;
                    self.ws();
                    if self.eat(b'}') {
                        true
                    } else {
                        loop {
                            self.ws();
                            if !self.string() {
                                break false;
                            }
                            self.ws();
                            if !self.eat(b':') || !self.value(depth + 1) {
                                break false;
                            }
                            if self.eat(b'}') {
                                break true;
                            }
                            if !self.eat(b',') {
                                break false;
                            }
                        }
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    self.ws();
                    if self.eat(b']') {
                        true
                    } else {
                        loop {
                            if !self.value(depth + 1) {
                                break false;
                            }
                            if self.eat(b']') {
                                break true;
                            }
                            if !self.eat(b',') {
                                break false;
                            }
                        }
                    }
                }
                Some(b'"') => self.string(),
                Some(b't') => self.lit(b"true"),
                Some(b'f') => self.lit(b"false"),
                Some(b'n') => self.lit(b"null"),
                Some(b'-' | b'0'..=b'9') => self.number(),
                _ => false,
            };
            self.ws();
            ok
        }
    }
    let mut p = P {
        b: text.as_bytes(),
        i: 0,
    };
    p.value(0) && p.i == p.b.len()
}

/// An error made on this side, before any server was involved.
fn check_local_error(e: &Error) {
    check_error(e);
    assert_eq!(
        (e.code(), e.http_status(), e.data().is_some()),
        (None, None, false),
        "a local error has no server fields: {e:?}"
    );
    assert!(
        e.message().len() <= MAX_LOCAL_MESSAGE,
        "local error message of {} bytes echoes input: {e:?}",
        e.message().len()
    );
}

/// `Err(kind)` when JSON-level validation must fail with `kind`, `Ok(map)`
/// when the text is an object (or `Ok(None)` for absent / `null`).
fn parse_object(text: Option<&str>) -> Result<Option<Map<String, Value>>, ErrorKind> {
    let Some(text) = text else { return Ok(None) };
    match serde_json::from_str::<Value>(text) {
        Err(_) => Err(ErrorKind::InvalidJson),
        Ok(Value::Null) => Ok(None),
        Ok(Value::Object(m)) => Ok(Some(m)),
        Ok(_) => Err(ErrorKind::InvalidJson),
    }
}

/// Whether a token may travel in an `Authorization` header: visible ASCII.
fn header_safe(s: &str) -> bool {
    s.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// Runs `f` on `text` with [`SECRET_MARK`] put in front of every non-empty
/// string value of `secret_keys` (when `text` is an object holding any), and
/// checks that the mark appears in no error text.
fn check_no_secret_echo<T>(
    text: Option<&str>,
    secret_keys: &[&str],
    f: impl FnOnce(Option<&str>) -> Result<T, Error>,
) {
    let Ok(Some(mut map)) = parse_object(text) else {
        return;
    };
    let mut marked = false;
    for k in secret_keys {
        if let Some(Value::String(s)) = map.get_mut(*k) {
            if !s.is_empty() {
                *s = format!("{SECRET_MARK}{s}");
                marked = true;
            }
        }
    }
    if !marked {
        return;
    }
    let text = Value::Object(map).to_string();
    if let Err(e) = f(Some(&text)) {
        let all = format!("{e} {e:?} {}", e.to_json());
        assert!(!all.contains(SECRET_MARK), "a secret is echoed: {all}");
    }
}

// ---------------------------------------------------------------- options

/// Option keys and what each must be (the header's `authing_mfa_client_new`).
const OPTION_STRINGS: &[&str] = &[
    "userPoolId",
    "appId",
    "tenantId",
    "appHost",
    "host",
    "lang",
    "requestFrom",
    "token",
    "caCertPem",
    "publicKey",
    "accessToken",
    "appSecret",
    "tokenEndPointAuthMethod",
];
const OPTION_NUMBERS: &[(&str, u64, u64)] = &[
    ("timeout", 0, 86_400_000),
    ("maxResponseBytes", 1, 1 << 30),
    ("maxRetries", 0, 10),
];
const OPTION_BOOLS: &[&str] = &["allowInsecureHttp"];

/// The `options` target: `authing_mfa_client_new`'s options JSON.
pub fn check_options(json: &str) {
    let result = authing_mfa::fuzzing::options(json);
    if let Err(e) = &result {
        check_local_error(e);
        assert!(
            matches!(e.kind(), ErrorKind::InvalidJson | ErrorKind::InvalidArgument),
            "options fail only as InvalidJson or InvalidArgument: {e:?}"
        );
    }
    let map = match parse_object(Some(json)) {
        Err(kind) => {
            let e = result.expect_err("options that are not a JSON object must be refused");
            assert_eq!(e.kind(), kind, "{e:?}");
            return;
        }
        // `null` gives the defaults (Authing's public https host).
        Ok(None) => {
            assert!(result.is_ok(), "null options are the defaults: {result:?}");
            return;
        }
        Ok(Some(map)) => map,
    };
    let known = |k: &str| {
        OPTION_STRINGS.contains(&k)
            || OPTION_BOOLS.contains(&k)
            || OPTION_NUMBERS.iter().any(|(n, ..)| *n == k)
    };
    if map.keys().any(|k| !known(k)) {
        let e = result.expect_err("an unknown option key must be refused");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e:?}");
        return;
    }
    // Everything below is "Ok implies valid": each value the library
    // accepted must be of the documented type and range.
    let mut valid = true;
    for (k, v) in &map {
        valid &= match v {
            Value::Null => true,
            Value::String(s) if OPTION_STRINGS.contains(&k.as_str()) => match k.as_str() {
                "lang" => matches!(s.as_str(), "" | "zh-CN" | "en-US"),
                "token" | "accessToken" => header_safe(s),
                "tokenEndPointAuthMethod" => match s.as_str() {
                    "" | "none" => true,
                    // These need an appSecret.
                    "client_secret_post" | "client_secret_basic" => {
                        matches!(map.get("appSecret"), Some(Value::String(secret)) if !secret.is_empty())
                    }
                    _ => false,
                },
                _ => true,
            },
            Value::Bool(_) => OPTION_BOOLS.contains(&k.as_str()),
            Value::Number(n) => OPTION_NUMBERS
                .iter()
                .any(|(name, lo, hi)| name == k && n.as_u64().is_some_and(|n| n >= *lo && n <= *hi)),
            _ => false,
        };
    }
    if !valid {
        assert!(result.is_err(), "invalid options were accepted: {json}");
    }
    check_no_secret_echo(Some(json), &["token", "accessToken", "appSecret"], |t| {
        authing_mfa::fuzzing::options(t.expect("marked text"))
    });
}

// ---------------------------------------------------------------- params

/// One method of the JS SDK's MFA module, written down here independently of
/// the library's own table so that the two are checked against each other.
struct Spec {
    names: &'static [&'static str],
    /// Called with no argument (or `null`), it uses defaults; otherwise it
    /// needs a parameter object.
    needs_args: bool,
    required: &'static [&'static str],
    optional: &'static [&'static str],
    /// Secret keys: never quoted, and an empty string is refused.
    secrets: &'static [&'static str],
    /// Local file paths (associateFaceByLocalFile / associateFaceByBlob).
    files: bool,
    /// Keys that are not strings: each with what it must be.
    typed: &'static [(&'static str, Kind)],
}

/// What a key that is not a string must hold.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Bool,
    Object,
    /// Any JSON value (the logins' `context` and `params`).
    Any,
}

/// The logins' options, flattened into the parameter object.
const LOGIN_TYPED: &[(&str, Kind)] = &[
    ("autoRegister", Kind::Bool),
    ("customData", Kind::Object),
    ("context", Kind::Any),
    ("params", Kind::Any),
];

/// The longest password RSA with any key Authing uses (4096 bits) carries,
/// in JSEncrypt's bytes (each UTF-16 unit as 1 to 3 bytes).
const MAX_PASSWORD_BYTES: usize = 501;

fn jsencrypt_len(s: &str) -> usize {
    s.encode_utf16()
        .map(|u| match u {
            0..=0x7f => 1,
            0x80..=0x7ff => 2,
            _ => 3,
        })
        .sum()
}

const SPECS: &[Spec] = &[
    Spec {
        names: &["getMfaAuthenticators"],
        needs_args: false,
        required: &[],
        optional: &["type", "mfaToken", "source"],
        secrets: &["mfaToken"],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["assosicateMfaAuthenticator", "associateMfaAuthenticator"],
        needs_args: false,
        required: &[],
        optional: &["authenticatorType", "mfaToken", "source"],
        secrets: &["mfaToken"],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["deleteMfaAuthenticator"],
        needs_args: false,
        required: &[],
        optional: &[],
        secrets: &[],
        files: false,
        typed: &[],
    },
    Spec {
        names: &[
            "confirmAssosicateMfaAuthenticator",
            "confirmAssociateMfaAuthenticator",
        ],
        // `totp` is required (a deliberate fix: the JS SDK would send a
        // confirm that cannot succeed).
        needs_args: true,
        required: &["totp"],
        optional: &["authenticatorType", "source", "mfaToken"],
        secrets: &["totp", "mfaToken"],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["verifyTotpMfa"],
        needs_args: true,
        required: &["totp", "mfaToken"],
        optional: &[],
        secrets: &["totp", "mfaToken"],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["verifyTotpRecoveryCode"],
        needs_args: true,
        required: &["recoveryCode", "mfaToken"],
        optional: &[],
        secrets: &["recoveryCode", "mfaToken"],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["verifyAppSmsMfa"],
        needs_args: true,
        required: &["phone", "code", "mfaToken"],
        optional: &["phoneCountryCode"],
        secrets: &["code", "mfaToken"],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["verifyAppEmailMfa"],
        needs_args: true,
        required: &["email", "code", "mfaToken"],
        optional: &[],
        secrets: &["code", "mfaToken"],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["phoneOrEmailBindable"],
        needs_args: true,
        required: &["mfaToken"],
        optional: &["phone", "email"],
        secrets: &["mfaToken"],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["associateFaceByUrl"],
        needs_args: true,
        required: &["baseFace", "compareFace"],
        optional: &["mfaToken"],
        secrets: &["mfaToken"],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["associateFaceByLocalFile", "associateFaceByBlob"],
        needs_args: true,
        required: &["baseFace"],
        optional: &["compareFace", "mfaToken"],
        secrets: &["mfaToken"],
        files: true,
        typed: &[],
    },
    Spec {
        names: &["verifyFaceMfa"],
        needs_args: true,
        required: &["photo", "mfaToken"],
        optional: &[],
        secrets: &["mfaToken"],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["loginByEmail"],
        needs_args: true,
        required: &["email", "password"],
        optional: &["captchaCode", "clientIp"],
        secrets: &["password"],
        files: false,
        typed: LOGIN_TYPED,
    },
    Spec {
        names: &["loginByUsername"],
        needs_args: true,
        required: &["username", "password"],
        optional: &["captchaCode", "clientIp"],
        secrets: &["password"],
        files: false,
        typed: LOGIN_TYPED,
    },
    Spec {
        names: &["loginByPhonePassword"],
        needs_args: true,
        required: &["phone", "password"],
        optional: &["captchaCode", "clientIp"],
        secrets: &["password"],
        files: false,
        typed: LOGIN_TYPED,
    },
    Spec {
        names: &["loginByPhoneCode"],
        needs_args: true,
        required: &["phone", "code"],
        optional: &["phoneCountryCode", "clientIp"],
        secrets: &["code"],
        files: false,
        typed: &[
            ("customData", Kind::Object),
            ("context", Kind::Any),
            ("params", Kind::Any),
        ],
    },
    Spec {
        names: &["loginByEmailCode"],
        needs_args: true,
        required: &["email", "code"],
        optional: &["phoneCountryCode", "clientIp"],
        secrets: &["code"],
        files: false,
        typed: &[
            ("customData", Kind::Object),
            ("context", Kind::Any),
            ("params", Kind::Any),
        ],
    },
    Spec {
        names: &["sendSmsCode"],
        needs_args: true,
        required: &["phone"],
        optional: &["phoneCountryCode", "scene"],
        secrets: &[],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["sendEmail"],
        needs_args: true,
        required: &["email", "scene"],
        optional: &[],
        secrets: &[],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["logout"],
        needs_args: false,
        required: &[],
        optional: &[],
        secrets: &[],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["signInByCredentials", "signIn"],
        needs_args: true,
        required: &["connection"],
        optional: &[],
        secrets: &[],
        files: false,
        typed: &[
            ("passwordPayload", Kind::Object),
            ("passCodePayload", Kind::Object),
            ("options", Kind::Object),
        ],
    },
    Spec {
        names: &["sendEnrollFactorRequest"],
        needs_args: true,
        required: &["factorType"],
        optional: &[],
        secrets: &[],
        files: false,
        typed: &[("profile", Kind::Object)],
    },
    Spec {
        names: &["enrollFactor"],
        needs_args: true,
        required: &["factorType", "enrollmentToken", "enrollmentData"],
        optional: &[],
        secrets: &["enrollmentToken"],
        files: false,
        typed: &[("enrollmentData", Kind::Object)],
    },
    Spec {
        names: &["resetFactor", "getFactor"],
        needs_args: true,
        required: &["factorId"],
        optional: &[],
        secrets: &[],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["listEnrolledFactors", "listFactorsToEnroll"],
        needs_args: false,
        required: &[],
        optional: &[],
        secrets: &[],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["mfaOtpVerify"],
        needs_args: true,
        required: &["totp"],
        optional: &[],
        secrets: &["totp"],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["verifyMfaToken"],
        needs_args: true,
        required: &["token"],
        optional: &[],
        secrets: &["token"],
        files: false,
        typed: &[],
    },
    Spec {
        names: &["checkLoginStatus"],
        needs_args: false,
        required: &[],
        optional: &["token"],
        secrets: &["token"],
        files: false,
        typed: &[],
    },
];

/// A small regular file and a directory, in the temp dir (run.sh points
/// TMPDIR at its scratch directory, so they are removed with it).
fn face_paths() -> &'static (PathBuf, PathBuf) {
    static PATHS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    PATHS.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("authing-mfa-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("face.jpg");
        // The first bytes of a JPEG: the library only reads and uploads it.
        std::fs::write(
            &file,
            [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0],
        )
        .expect("temp file");
        (file, dir)
    })
}

/// The face-file methods read the paths they are given. The harness never
/// lets fuzzed paths through: every non-empty path becomes the fixed small
/// file, or the fixed directory when it ends in `/` (which exercises the
/// "not a regular file" refusal). Text that is not a JSON object is passed
/// unchanged: the library parses it with the same serde_json and fails
/// before touching the file system.
fn pin_face_paths(params: Option<&str>) -> Option<String> {
    let params = params?;
    let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(params) else {
        return Some(params.to_owned());
    };
    let (file, dir) = face_paths();
    for key in ["baseFace", "compareFace"] {
        if let Some(Value::String(s)) = map.get_mut(key) {
            if !s.is_empty() {
                let pinned = if s.ends_with('/') { dir } else { file };
                *s = pinned.to_str().expect("UTF-8 temp path").to_owned();
            }
        }
    }
    Some(Value::Object(map).to_string())
}

/// What the library must do with a method name and parameters.
#[derive(Debug, PartialEq)]
enum Expect {
    /// Refused with this kind (or either validation kind when `None`).
    Refused(Option<ErrorKind>),
    /// Accepted, but a face path is a directory: `Io`.
    NotAFile,
    /// Accepted and sent to the transport, which refuses plain http to a
    /// non-loopback host without connecting: `Network`.
    Sent,
}

fn expect_call(method: &str, params: Option<&str>) -> Expect {
    let Some(spec) = SPECS.iter().find(|s| s.names.contains(&method)) else {
        return Expect::Refused(Some(ErrorKind::InvalidArgument));
    };
    let map = match parse_object(params) {
        Err(kind) => return Expect::Refused(Some(kind)),
        Ok(None) if spec.needs_args => return Expect::Refused(Some(ErrorKind::InvalidArgument)),
        Ok(None) => return Expect::Sent,
        Ok(Some(map)) => map,
    };
    let allowed = |k: &str| {
        spec.required.contains(&k) || spec.optional.contains(&k) || spec.typed.iter().any(|(t, _)| *t == k)
    };
    if map.keys().any(|k| !allowed(k)) {
        return Expect::Refused(Some(ErrorKind::InvalidArgument));
    }
    let is_typed = |k: &str| spec.typed.iter().any(|(t, _)| *t == k);
    for key in spec.required.iter().chain(spec.optional).filter(|k| !is_typed(k)) {
        let ok = match map.get(*key) {
            None | Some(Value::Null) => !spec.required.contains(key),
            Some(Value::String(s)) => {
                let empty_ok = !spec.required.contains(key) && !spec.secrets.contains(key);
                (empty_ok || !s.is_empty()) && (*key != "mfaToken" || header_safe(s))
            }
            Some(_) => false,
        };
        if !ok {
            return Expect::Refused(None);
        }
    }
    for (key, kind) in spec.typed {
        let ok = match (map.get(*key), kind) {
            (None | Some(Value::Null), _) if spec.required.contains(key) => {
                return Expect::Refused(Some(ErrorKind::InvalidArgument))
            }
            (None | Some(Value::Null), _) | (_, Kind::Any) => true,
            (Some(Value::Bool(_)), Kind::Bool) | (Some(Value::Object(_)), Kind::Object) => true,
            _ => false,
        };
        if !ok {
            return Expect::Refused(Some(ErrorKind::InvalidJson));
        }
    }
    if let Some(Value::String(p)) = map.get("password") {
        if jsencrypt_len(p) > MAX_PASSWORD_BYTES {
            return Expect::Refused(Some(ErrorKind::InvalidArgument));
        }
    }
    if spec.files {
        // The paths were pinned already: the directory or the small file.
        let dir = face_paths().1.to_str().expect("UTF-8 temp path");
        let is_dir = |k: &str| matches!(map.get(k), Some(Value::String(s)) if s == dir);
        if is_dir("baseFace") || is_dir("compareFace") {
            return Expect::NotAFile;
        }
    }
    Expect::Sent
}

/// The `params` target: a method name and its parameter JSON, as
/// `authing_mfa_call` takes them.
pub fn check_call(method: &str, params: Option<&str>) {
    let files = SPECS.iter().any(|s| s.files && s.names.contains(&method));
    let pinned = if files {
        pin_face_paths(params)
    } else {
        params.map(str::to_owned)
    };
    let params = pinned.as_deref();

    let result = authing_mfa::fuzzing::call(method, params);
    // The client points at plain http://192.0.2.1, which the transport
    // refuses before connecting: nothing can succeed.
    let e = match result {
        Ok(out) => panic!("a call succeeded without a server: {out}"),
        Err(e) => e,
    };
    check_local_error(&e);
    let expected = expect_call(method, params);
    match expected {
        Expect::Refused(kind) => {
            assert!(
                matches!(e.kind(), ErrorKind::InvalidJson | ErrorKind::InvalidArgument),
                "invalid parameters must be refused before sending: {e:?}"
            );
            if let Some(kind) = kind {
                assert_eq!(e.kind(), kind, "{e:?}");
            }
        }
        Expect::NotAFile => {
            assert_eq!(e.kind(), ErrorKind::Io, "{e:?}");
            assert!(e.message().contains("is not a regular file"), "{e:?}");
        }
        Expect::Sent => {
            assert_eq!(
                e.kind(),
                ErrorKind::Network,
                "valid parameters must reach the transport: {e:?}"
            );
            assert!(e.message().starts_with("refusing plain http://"), "{e:?}");
        }
    }
    if let Some(spec) = SPECS.iter().find(|s| s.names.contains(&method)) {
        check_no_secret_echo(params, spec.secrets, |p| authing_mfa::fuzzing::call(method, p));
    }
}

// ---------------------------------------------------------------- envelope

/// The envelope as a lenient server-side reader sees it: the fields the
/// library reads, `data` kept as raw text (it is passed through byte for
/// byte), other fields skipped. A duplicated field or a broken value in a
/// read field makes the body "not an envelope".
///
/// The parse itself is serde_json's, like the library's; what this model
/// checks independently is everything after it: which answers succeed,
/// which kind, code, message and data each error carries.
#[derive(serde::Deserialize)]
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
    data: Option<Box<serde_json::value::RawValue>>,
    #[serde(default, rename = "recoveryCode")]
    #[allow(dead_code)]
    recovery_code: Option<Value>,
}

/// The body as an envelope: a JSON object (an array would also fill the
/// struct, by position, which no server means).
fn envelope_of(body: &[u8]) -> Option<Envelope> {
    let first = body.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if first != Some(&b'{') {
        return None;
    }
    serde_json::from_slice(body).ok()
}

/// A business code as the library reads one: an integer, or a float without
/// a fraction (JavaScript servers send `200.0` as `200`).
fn as_code(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
    })
}

fn non_empty_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The data text the library must hand over: the envelope's, or `null`.
fn data_text(env: &Envelope) -> &str {
    env.data.as_deref().map_or("null", |d| d.get())
}

/// The `envelope` target: an HTTP status and body as the transport decodes
/// them.
pub fn check_envelope(status: u16, body: &[u8]) {
    static SELF_TEST: std::sync::Once = std::sync::Once::new();
    SELF_TEST.call_once(self_test_json_grammar);
    let result = authing_mfa::fuzzing::envelope(status, body);
    if !(100..=999).contains(&status) {
        let e = result.expect_err("an impossible HTTP status");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        return;
    }
    if let Err(e) = &result {
        check_error(e);
        assert_eq!(e.http_status(), Some(status), "{e:?}");
    }
    if let Ok(data) = &result {
        assert!((200..=299).contains(&status), "only a 2xx answer can succeed");
        assert!(is_json_text(data), "result data is not JSON text: {data}");
        // Passed through byte for byte, so it is part of the body.
        let body_text = String::from_utf8_lossy(body);
        assert!(
            data == "null" || body_text.contains(data.as_str()),
            "data not from the body: {data}"
        );
    }
    let env = envelope_of(body);
    let err_data = |e: &Error| e.data().map(|d| d.get().to_owned());
    let env_data = |env: &Envelope| env.data.as_deref().map(|d| d.get().to_owned());

    if !(200..=299).contains(&status) {
        let e = result.expect_err("only a 2xx answer can succeed");
        assert_eq!(e.kind(), ErrorKind::HttpStatus, "{e:?}");
        let (code, data, message) = match &env {
            Some(env) => (
                as_code(env.code.as_ref()).or(as_code(env.api_code.as_ref())),
                env_data(env),
                non_empty_str(env.message.as_ref()),
            ),
            None => (None, None, None),
        };
        assert_eq!(e.code(), code, "{e:?}");
        assert_eq!(err_data(&e), data, "{e:?}");
        match message {
            Some(m) => assert!(e.message().starts_with(m), "{e:?}"),
            None => assert!(
                e.message()
                    .starts_with(&format!("the server answered HTTP {status}")),
                "{e:?}"
            ),
        }
        if (300..=399).contains(&status) {
            assert!(e.message().ends_with("(redirects are not followed)"), "{e:?}");
        }
        return;
    }

    let Some(env) = env else {
        let e = result.expect_err("a 2xx body that is not an envelope object");
        assert_eq!(
            (e.kind(), e.code(), e.data().is_some()),
            (ErrorKind::Decode, None, false),
            "{e:?}"
        );
        return;
    };
    if env.code.as_ref().is_some_and(|c| !c.is_number()) {
        let e = result.expect_err("a non-numeric code");
        assert_eq!(e.kind(), ErrorKind::Decode, "{e:?}");
        return;
    }
    let code = as_code(env.code.as_ref());
    let status_code = as_code(env.status_code.as_ref());
    if code == Some(200) || status_code == Some(200) {
        match &result {
            Ok(data) => assert_eq!(data, data_text(&env), "the result is the envelope's data"),
            Err(e) => panic!("a 2xx envelope with code 200 failed: {e:?}"),
        }
        return;
    }
    let e = result.expect_err("a 2xx envelope whose code is not 200");
    match code.or(as_code(env.api_code.as_ref())).or(status_code) {
        Some(c) => {
            assert_eq!((e.kind(), e.code()), (ErrorKind::Api, Some(c)), "{e:?}");
            assert_eq!(err_data(&e), env_data(&env), "{e:?}");
            let want = non_empty_str(env.message.as_ref())
                .map(str::to_owned)
                .unwrap_or_else(|| format!("Authing answered code {c}"));
            assert_eq!(e.message(), want, "{e:?}");
        }
        None => assert_eq!((e.kind(), e.code()), (ErrorKind::Decode, None), "{e:?}"),
    }
}

/// The grammar check must be right for its verdicts to mean anything:
/// checked once per process, on texts whose verdict RFC 8259 settles.
fn self_test_json_grammar() {
    let good = [
        "null",
        " true ",
        "false",
        "0",
        "-0",
        "1.5e-3",
        "1E+400",
        "-12.0",
        "\"\"",
        "\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud800\"",
        "\"\u{7528}\"",
        "[]",
        "[ 1 , [ {} ] ]",
        "{\"a\":{\"b\":[null]},\"a\":1}",
        "\n\t\r {} ",
    ];
    let bad = [
        "",
        " ",
        "nul",
        "True",
        "01",
        "1.",
        ".5",
        "1e",
        "+1",
        "-",
        "0x1",
        "NaN",
        "Infinity",
        "\"",
        "\"\\x\"",
        "\"\\u12G4\"",
        "\"\u{1}\"",
        "[1,]",
        "[,1]",
        "{\"a\"}",
        "{\"a\":1,}",
        "{a:1}",
        "{1:1}",
        "[1 2]",
        "1 2",
        "\u{c}1",
        "'a'",
        "[",
        "{",
    ];
    for t in good {
        assert!(is_json_text(t), "grammar check refuses {t:?}");
    }
    for t in bad {
        assert!(!is_json_text(t), "grammar check accepts {t:?}");
    }
}
