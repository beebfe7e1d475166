//! Hostile input at the C boundary: 16 MiB strings and JSON nested 100 000
//! deep in every string argument. Each gets its documented status, an error
//! JSON of bounded size, and no crash.

use authing_mfa::ffi::client::*;
use authing_mfa::ffi::ops::*;
use authing_mfa::ffi::status::*;
use authing_mfa::ffi::strings::authing_mfa_string_free;
use authing_mfa::ffi::totp::*;
use std::ffi::{c_char, CStr, CString};

const SIXTEEN_MIB: usize = 16 * 1024 * 1024;

/// Takes an error string, checks its shape and size, frees it.
fn check_error(err: *mut c_char, status: i32) {
    assert!(!err.is_null());
    let text = unsafe { CStr::from_ptr(err) }.to_str().unwrap().to_owned();
    unsafe { authing_mfa_string_free(err) };
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let name = unsafe { CStr::from_ptr(authing_mfa_status_name(status)) }
        .to_str()
        .unwrap();
    assert_eq!(v["status"], name);
    assert!(
        text.len() < 4096,
        "the error must not echo the input: {} bytes",
        text.len()
    );
}

fn client() -> *mut authing_mfa_client {
    // Plain http to a non-loopback address: refused before connecting, so
    // well-formed huge input ends in AUTHING_MFA_ERR_NETWORK without traffic.
    let o = CString::new(r#"{"appHost":"http://192.0.2.1"}"#).unwrap();
    let mut c = std::ptr::null_mut();
    assert_eq!(
        unsafe { authing_mfa_client_new(o.as_ptr(), &mut c, std::ptr::null_mut()) },
        AUTHING_MFA_OK
    );
    c
}

#[test]
fn sixteen_mib_strings_everywhere() {
    let c = client();
    let big = "a".repeat(SIXTEEN_MIB);
    let cases: Vec<(String, i32)> = vec![
        // A 16 MiB host name is a valid URL (URLs do not cap label length;
        // resolving it would fail later), so the client is made.
        (format!(r#"{{"appHost":"http://{big}"}}"#), AUTHING_MFA_OK),
        (
            format!(r#"{{"appHost":"{big}"}}"#),
            AUTHING_MFA_ERR_INVALID_ARGUMENT,
        ),
        (format!(r#"{{"{big}":1}}"#), AUTHING_MFA_ERR_INVALID_ARGUMENT),
        (format!(r#"{{"userPoolId":"{big}"}}"#), AUTHING_MFA_OK),
        (
            format!("[{}]", "1,".repeat(SIXTEEN_MIB / 2) + "1"),
            AUTHING_MFA_ERR_INVALID_JSON,
        ),
        (format!(r#"{{"lang":"{big}"}}"#), AUTHING_MFA_ERR_INVALID_ARGUMENT),
    ];
    for (options, want) in &cases {
        let o = CString::new(options.as_str()).unwrap();
        let mut cl = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        let s = unsafe { authing_mfa_client_new(o.as_ptr(), &mut cl, &mut err) };
        assert_eq!(s, *want, "options starting {}", &options[..40.min(options.len())]);
        if s == AUTHING_MFA_OK {
            unsafe { authing_mfa_client_free(cl) };
        } else {
            assert!(cl.is_null());
            check_error(err, s);
        }
    }
    let params: Vec<(String, i32)> = vec![
        (
            format!(r#"{{"totp":"{big}","mfaToken":"m"}}"#),
            AUTHING_MFA_ERR_NETWORK,
        ),
        (
            format!(r#"{{"totp":"1","mfaToken":"{big}"}}"#),
            AUTHING_MFA_ERR_NETWORK,
        ),
        (
            format!(r#"{{"totp":"1","mfaToken":"m","{big}":0}}"#),
            AUTHING_MFA_ERR_INVALID_ARGUMENT,
        ),
        (
            format!(r#"{{"totp":"1","mfaToken":"m {big}"}}"#),
            AUTHING_MFA_ERR_INVALID_ARGUMENT,
        ),
    ];
    for (p, want) in &params {
        let p = CString::new(p.as_str()).unwrap();
        let mut out = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        let s = unsafe { authing_mfa_verify_totp(c, p.as_ptr(), &mut out, &mut err) };
        assert_eq!(s, *want);
        assert!(out.is_null());
        check_error(err, s);
    }
    // A 16 MiB method name, token, user and TOTP secret.
    let big_c = CString::new(big.as_str()).unwrap();
    let mut out = std::ptr::null_mut();
    let mut err = std::ptr::null_mut();
    let s = unsafe { authing_mfa_call(c, big_c.as_ptr(), std::ptr::null(), &mut out, &mut err) };
    assert_eq!(s, AUTHING_MFA_ERR_INVALID_ARGUMENT);
    check_error(err, s);
    assert_eq!(
        unsafe { authing_mfa_client_set_token(c, big_c.as_ptr()) },
        AUTHING_MFA_OK
    );
    let user = CString::new(format!(r#"{{"id":"u","token":"t","pad":"{big}"}}"#)).unwrap();
    assert_eq!(
        unsafe { authing_mfa_client_set_current_user(c, user.as_ptr(), std::ptr::null_mut()) },
        AUTHING_MFA_OK
    );
    let mut back = std::ptr::null_mut();
    assert_eq!(
        unsafe { authing_mfa_client_get_current_user(c, &mut back) },
        AUTHING_MFA_OK
    );
    assert_eq!(
        unsafe { CStr::from_ptr(back) }.to_bytes().len(),
        user.as_bytes().len()
    );
    unsafe { authing_mfa_string_free(back) };
    let mut code = std::ptr::null_mut();
    let secret = CString::new("A".repeat(SIXTEEN_MIB)).unwrap();
    let s = unsafe { authing_mfa_totp_generate(secret.as_ptr(), 59, &mut code, std::ptr::null_mut()) };
    assert_eq!(s, AUTHING_MFA_OK, "a long but valid base32 secret works");
    unsafe { authing_mfa_string_free(code) };
    let s = unsafe { authing_mfa_totp_parse_uri(big_c.as_ptr(), &mut code, &mut err) };
    assert_eq!(s, AUTHING_MFA_ERR_INVALID_ARGUMENT);
    check_error(err, s);
    unsafe { authing_mfa_client_free(c) };
}

#[test]
fn json_nested_100000_deep_everywhere() {
    let c = client();
    let deep_array = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
    for deep in [&deep_array, &deep_object] {
        let d = CString::new(deep.as_str()).unwrap();
        let mut err = std::ptr::null_mut();
        let mut cl = std::ptr::null_mut();
        let s = unsafe { authing_mfa_client_new(d.as_ptr(), &mut cl, &mut err) };
        assert_eq!(s, AUTHING_MFA_ERR_INVALID_JSON);
        check_error(err, s);
        let mut out = std::ptr::null_mut();
        let s = unsafe { authing_mfa_get_authenticators(c, d.as_ptr(), &mut out, &mut err) };
        assert_eq!(s, AUTHING_MFA_ERR_INVALID_JSON);
        check_error(err, s);
        let s = unsafe { authing_mfa_client_set_current_user(c, d.as_ptr(), &mut err) };
        assert_eq!(s, AUTHING_MFA_ERR_INVALID_JSON);
        check_error(err, s);
        // Nested inside a valid key: a wrong type, also refused.
        let p = CString::new(format!(r#"{{"type":{deep}}}"#)).unwrap();
        let s = unsafe { authing_mfa_get_authenticators(c, p.as_ptr(), &mut out, &mut err) };
        assert_eq!(s, AUTHING_MFA_ERR_INVALID_JSON);
        check_error(err, s);
    }
    unsafe { authing_mfa_client_free(c) };
}
