//! Secrets never show: every secret-bearing input carries a planted value,
//! every operation runs against servers that fail in every way (several echo
//! what they received), and every output the library produces (error
//! messages and JSON minus the server's own `data`, Display, Debug, log
//! lines) is scanned for the planted values.

mod common;

use authing_mfa::{Client, Options};
use common::*;
use std::ffi::{c_char, c_void, CStr};
use std::sync::Mutex;

const PLANTED: &[&str] = &[
    "PLANTED-user-token-a1",
    "PLANTED-option-token-b2",
    "PLANTED-mfa-token-c3",
    "PLANTED-current-user-token-d4",
    "864213",
    "PLANTED-rc-9f9f-1a1a",
    "PLANTED-sms-5151",
    "JBSWY3DPEHPK3PXP",
    "PLANTED-password-e5",
    "PLANTED-login-code-f6",
];

static LOG: Mutex<String> = Mutex::new(String::new());

unsafe extern "C" fn sink(_u: *mut c_void, _level: i32, msg: *const c_char) {
    let m = unsafe { CStr::from_ptr(msg) }.to_string_lossy().into_owned();
    LOG.lock().unwrap().push_str(&(m + "\n"));
}

fn calls() -> Vec<(&'static str, Option<String>)> {
    let m = "PLANTED-mfa-token-c3";
    vec![
        ("getMfaAuthenticators", None),
        (
            "getMfaAuthenticators",
            Some(format!(r#"{{"type":"totp","mfaToken":"{m}"}}"#)),
        ),
        (
            "assosicateMfaAuthenticator",
            Some(format!(r#"{{"mfaToken":"{m}"}}"#)),
        ),
        ("deleteMfaAuthenticator", None),
        (
            "confirmAssosicateMfaAuthenticator",
            Some(format!(r#"{{"totp":"864213","mfaToken":"{m}"}}"#)),
        ),
        (
            "verifyTotpMfa",
            Some(format!(r#"{{"totp":"864213","mfaToken":"{m}"}}"#)),
        ),
        (
            "verifyTotpRecoveryCode",
            Some(format!(
                r#"{{"recoveryCode":"PLANTED-rc-9f9f-1a1a","mfaToken":"{m}"}}"#
            )),
        ),
        (
            "verifyAppSmsMfa",
            Some(format!(
                r#"{{"phone":"138","code":"PLANTED-sms-5151","mfaToken":"{m}"}}"#
            )),
        ),
        (
            "verifyAppEmailMfa",
            Some(format!(
                r#"{{"email":"a@b","code":"PLANTED-sms-5151","mfaToken":"{m}"}}"#
            )),
        ),
        (
            "phoneOrEmailBindable",
            Some(format!(r#"{{"phone":"138","mfaToken":"{m}"}}"#)),
        ),
        (
            "associateFaceByUrl",
            Some(format!(
                r#"{{"baseFace":"a","compareFace":"b","mfaToken":"{m}"}}"#
            )),
        ),
        (
            "verifyFaceMfa",
            Some(format!(r#"{{"photo":"p","mfaToken":"{m}"}}"#)),
        ),
        (
            "loginByEmail",
            Some(r#"{"email":"a@b.c","password":"PLANTED-password-e5"}"#.into()),
        ),
        (
            "loginByPhonePassword",
            Some(r#"{"phone":"138","password":"PLANTED-password-e5"}"#.into()),
        ),
        (
            "loginByPhoneCode",
            Some(r#"{"phone":"138","code":"PLANTED-login-code-f6"}"#.into()),
        ),
        (
            "loginByEmailCode",
            Some(r#"{"email":"a@b.c","code":"PLANTED-login-code-f6"}"#.into()),
        ),
        ("checkLoginStatus", Some(format!(r#"{{"token":"{m}"}}"#))),
        ("logout", None),
        // Local failures that see the secrets too.
        (
            "verifyTotpMfa",
            Some(r#"{"totp":"864213","mfaToken":"PLANTED-mfa-token-c3 with space"}"#.into()),
        ),
        (
            "verifyTotpMfa",
            Some(r#"{"totp":"864213","mfaToken":"PLANTED-mfa-token-c3","x":1}"#.into()),
        ),
        (
            "verifyTotpMfa",
            Some(r#"{"totp":"864213","mfaToken":"PLANTED-mfa-token-c3""#.into()),
        ),
    ]
}

#[test]
fn no_output_of_the_library_contains_a_planted_secret() {
    use authing_mfa::ffi::log::authing_mfa_set_log_callback;
    assert_eq!(
        unsafe { authing_mfa_set_log_callback(4, Some(sink), std::ptr::null_mut()) },
        0
    );
    let rt = server_runtime();
    // Servers that echo everything they received into their messages.
    let echo = |r: &Recorded| {
        let mut seen = r.body_str().replace('"', "'");
        if let Some(a) = r.header("authorization") {
            seen.push_str(a);
        }
        seen
    };
    let servers = vec![
        Recorder::start(&rt, move |r| {
            Reply::Json(200, format!(r#"{{"code":6001,"message":"got {}"}}"#, echo(r)))
        }),
        Recorder::start(&rt, move |r| {
            Reply::Json(500, format!(r#"{{"code":500,"message":"got {}"}}"#, echo(r)))
        }),
        Recorder::start(&rt, |_| {
            Reply::Full(200, vec![], b"<html>not json</html>".to_vec())
        }),
        Recorder::start(&rt, |_| {
            Reply::Raw(b"HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n{".to_vec())
        }),
        Recorder::start(&rt, |_| Reply::Hang),
    ];
    let mut outputs = String::new();
    for server in &servers {
        let options = format!(
            r#"{{"appHost":"{}","token":"PLANTED-option-token-b2","timeout":300,"publicKey":{}}}"#,
            server.url,
            serde_json::to_string(include_str!("fixtures/test_rsa_1024_public.pem")).unwrap()
        );
        let c = Client::from_json(Some(&options)).unwrap();
        outputs.push_str(&format!(
            "{c:?}\n{:?}\n",
            Options::from_json(Some(&options)).unwrap()
        ));
        for round in 0..2 {
            if round == 1 {
                c.set_current_user_json(r#"{"id":"u","token":"PLANTED-current-user-token-d4"}"#)
                    .unwrap();
            } else {
                c.set_token(Some("PLANTED-user-token-a1")).unwrap();
            }
            for (method, params) in calls() {
                if let Err(e) = block(c.call(method, params.as_deref())) {
                    // The server's own `data` is passed through by design
                    // (code 1635 carries an mfaToken); everything else counts.
                    outputs.push_str(&format!("{e}\n{e:?}\n{}\n", e.message()));
                    let mut j: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
                    j["data"] = serde_json::Value::Null;
                    outputs.push_str(&j.to_string());
                }
            }
        }
    }
    // TOTP helpers with a planted secret.
    for bad in [
        "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=99",
        "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP",
    ] {
        let e = authing_mfa::totp::parse_uri(bad).unwrap_err();
        outputs.push_str(&format!("{e}\n{e:?}\n"));
    }
    let parsed = authing_mfa::totp::parse_uri("otpauth://totp/I:a?secret=JBSWY3DPEHPK3PXP").unwrap();
    outputs.push_str(&format!("{parsed:?}\n"));
    let secret = authing_mfa::Secret::new("PLANTED-user-token-a1");
    outputs.push_str(&format!("{secret:?} {secret}\n"));
    assert_eq!(
        unsafe { authing_mfa_set_log_callback(0, None, std::ptr::null_mut()) },
        0
    );
    outputs.push_str(&LOG.lock().unwrap());

    assert!(
        outputs.len() > 10_000,
        "the scan must have material: {} bytes",
        outputs.len()
    );
    assert!(outputs.contains("<redacted>"), "echoed secrets were replaced");
    for secret in PLANTED {
        if let Some(at) = outputs.find(secret) {
            let from = at.saturating_sub(200);
            panic!(
                "{secret} leaked: …{}…",
                &outputs[from..(at + 100).min(outputs.len())]
            );
        }
    }
}

/// Server text that is not the envelope's message is scrubbed too (a
/// content type that echoes the Authorization header), secrets that overlap
/// are scrubbed longest first (a 4-digit code that also occurs inside the
/// mfaToken), and a quoted text cut short is scrubbed before the cut.
#[test]
fn echoes_outside_the_message_and_overlapping_secrets_are_scrubbed() {
    use authing_mfa::ffi::log::authing_mfa_set_log_callback;
    assert_eq!(
        unsafe { authing_mfa_set_log_callback(3, Some(sink), std::ptr::null_mut()) },
        0
    );
    let rt = server_runtime();
    // Echoes the Authorization value as the content type of a body that is
    // not JSON (the library quotes the content type of such an answer).
    let in_content_type = Recorder::start(&rt, |r| {
        let auth = r.header("authorization").unwrap_or("").to_owned();
        Reply::Full(
            200,
            vec![("content-type".into(), auth)],
            b"<html></html>".to_vec(),
        )
    });
    // Echoes the whole request body into the message.
    let in_message = Recorder::start(&rt, |r| {
        Reply::Json(
            200,
            format!(
                r#"{{"code":2001,"message":"got {}"}}"#,
                r.body_str().replace('"', "'")
            ),
        )
    });
    let long_token = format!("PLANTED-long-{}", "x".repeat(120));
    let cases = [
        (&in_content_type, "PLANTED-ct-token-f6".to_owned(), "7315"),
        (&in_content_type, long_token.clone(), "7315"),
        (&in_message, "PLANTED-ovl-7315-token-e5".to_owned(), "7315"),
        (&in_message, "PLANTED-ovl2-73157315".to_owned(), "7315"),
    ];
    let mut outputs = String::new();
    for (server, token, code) in &cases {
        let c = Client::from_json(Some(&format!(r#"{{"appHost":"{}"}}"#, server.url))).unwrap();
        let params = format!(r#"{{"phone":"138","code":"{code}","mfaToken":"{token}"}}"#);
        let e = block(c.call("verifyAppSmsMfa", Some(&params))).unwrap_err();
        outputs.push_str(&format!("{e}\n{e:?}\n{}\n", e.to_json()));
    }
    assert_eq!(
        unsafe { authing_mfa_set_log_callback(0, None, std::ptr::null_mut()) },
        0
    );
    outputs.push_str(&LOG.lock().unwrap());
    assert!(outputs.contains("content-type"), "{outputs}");
    assert!(outputs.contains("got {'phone':'138'"), "{outputs}");
    // Fragments: a token shown with only part of it replaced still leaks.
    for fragment in [
        "PLANTED-ct-token",
        "PLANTED-long",
        "PLANTED-ovl",
        "token-e5",
        "xxxxxxxx",
    ] {
        if let Some(at) = outputs.find(fragment) {
            let from = at.saturating_sub(200);
            panic!(
                "{fragment} leaked: …{}…",
                &outputs[from..(at + 100).min(outputs.len())]
            );
        }
    }
}
