//! End to end through the library's exported C functions (the same symbols a
//! C program links), against this dev server: every operation's success and
//! failure, in both languages of messages.
//!
//! The dev server runs on its own tokio runtime; the C calls are made from
//! the plain test thread, as a C program would make them (a blocking call
//! from inside a runtime would rightly get AUTHING_MFA_ERR_WOULD_DEADLOCK).

mod common;

use authing_mfa::ffi::client::*;
use authing_mfa::ffi::ops::authing_mfa_call;
use authing_mfa::ffi::status::*;
use authing_mfa::ffi::strings::authing_mfa_string_free;
use common::*;
use serde_json::{json, Value};
use std::ffi::{c_char, CStr, CString};

struct C {
    ptr: *mut authing_mfa_client,
}

impl C {
    fn new(url: &str, lang: &str) -> C {
        let opts =
            CString::new(json!({"appHost": url, "lang": lang, "userPoolId": "p"}).to_string()).unwrap();
        let mut ptr = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        let s = unsafe { authing_mfa_client_new(opts.as_ptr(), &mut ptr, &mut err) };
        assert_eq!(s, AUTHING_MFA_OK);
        C { ptr }
    }

    fn set_token(&self, t: Option<&str>) {
        let t = t.map(|t| CString::new(t).unwrap());
        let s = unsafe {
            authing_mfa_client_set_token(self.ptr, t.as_ref().map_or(std::ptr::null(), |t| t.as_ptr()))
        };
        assert_eq!(s, AUTHING_MFA_OK);
    }

    /// `Ok(result)` or `Err((status, error JSON))`.
    fn call(&self, method: &str, params: Option<Value>) -> Result<Value, (i32, Value)> {
        let m = CString::new(method).unwrap();
        let p = params.map(|p| CString::new(p.to_string()).unwrap());
        let mut out: *mut c_char = std::ptr::null_mut();
        let mut err: *mut c_char = std::ptr::null_mut();
        let s = unsafe {
            authing_mfa_call(
                self.ptr,
                m.as_ptr(),
                p.as_ref().map_or(std::ptr::null(), |p| p.as_ptr()),
                &mut out,
                &mut err,
            )
        };
        let take = |p: *mut c_char| {
            let v: Value = serde_json::from_str(unsafe { CStr::from_ptr(p) }.to_str().unwrap()).unwrap();
            unsafe { authing_mfa_string_free(p) };
            v
        };
        if s == AUTHING_MFA_OK {
            assert!(err.is_null());
            Ok(take(out))
        } else {
            assert!(out.is_null());
            let e = take(err);
            assert_eq!(
                e["status"],
                unsafe { CStr::from_ptr(authing_mfa::ffi::status::authing_mfa_status_name(s)) }
                    .to_str()
                    .unwrap()
            );
            Err((s, e))
        }
    }
}

impl Drop for C {
    fn drop(&mut self) {
        unsafe { authing_mfa_client_free(self.ptr) };
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Is `message` in the expected language? zh-CN messages contain CJK
/// characters; en-US messages are ASCII.
fn in_lang(message: &str, lang: &str) -> bool {
    let cjk = message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if lang == "zh-CN" {
        cjk
    } else {
        !cjk && message.is_ascii()
    }
}

#[track_caller]
fn api_err(r: Result<Value, (i32, Value)>, status: i32, code: i64, http: i64, lang: &str) -> Value {
    let (s, e) = r.expect_err("the call must fail");
    assert_eq!(
        (s, e["code"].as_i64(), e["httpStatus"].as_i64()),
        (status, Some(code), Some(http)),
        "{e}"
    );
    let msg = e["message"].as_str().unwrap();
    assert!(in_lang(msg, lang), "message not in {lang}: {msg}");
    e
}

fn the_whole_story(lang: &str) {
    let rt = rt();
    let dev = rt.block_on(Dev::start());
    let name = format!("story-{}", lang.to_lowercase());
    let u = rt.block_on(dev.user(&name));
    let c = C::new(&dev.url, lang);

    // Without a token: 2020.
    api_err(
        c.call("getMfaAuthenticators", None),
        AUTHING_MFA_ERR_API,
        2020,
        200,
        lang,
    );
    // A garbled token: 2207.
    c.set_token(Some("not.a.jwt"));
    api_err(
        c.call("assosicateMfaAuthenticator", None),
        AUTHING_MFA_ERR_API,
        2207,
        200,
        lang,
    );

    let token = rt.block_on(dev.user_token(&u));
    c.set_token(Some(&token));
    assert_eq!(c.call("getMfaAuthenticators", None).unwrap(), json!([]));

    // Bind TOTP: associate, a wrong confirm (HTTP 400), a right one.
    let assoc = c.call("assosicateMfaAuthenticator", None).unwrap();
    let secret = assoc["secret"].as_str().unwrap().to_owned();
    let recovery = assoc["recovery_code"].as_str().unwrap().to_owned();
    assert!(assoc["qrcode_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    assert!(assoc["qrcode_data_url"]
        .as_str()
        .unwrap()
        .starts_with("data:image/png;base64,"));
    let parsed = authing_mfa::totp::parse_uri(assoc["qrcode_uri"].as_str().unwrap()).unwrap();
    assert_eq!(parsed.secret, secret);
    rt.block_on(dev.align_to_step_start());
    let now = rt.block_on(dev.now());
    let bad = wrong_code(&secret, now);
    api_err(
        c.call(
            "confirmAssosicateMfaAuthenticator",
            Some(json!({"authenticatorType": "totp", "totp": bad})),
        ),
        AUTHING_MFA_ERR_HTTP_STATUS,
        400,
        400,
        lang,
    );
    let ok = c
        .call(
            "confirmAssosicateMfaAuthenticator",
            Some(json!({"authenticatorType": "totp", "totp": totp_at(&secret, now)})),
        )
        .unwrap();
    assert_eq!(ok["code"], 200);
    assert!(in_lang(ok["message"].as_str().unwrap(), lang), "{ok}");
    let list = c
        .call("getMfaAuthenticators", Some(json!({"type": "totp"})))
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["enable"], true);

    // Log in again: 1635 with an mfaToken.
    let login = rt.block_on(dev.login(&u));
    assert_eq!(login["code"], 1635);
    let mfa = login["data"]["mfaToken"].as_str().unwrap().to_owned();

    // Verify: missing mfaToken is refused locally; wrong code 6001; right code logs in; replay 6001.
    let (s, e) = c
        .call("verifyTotpMfa", Some(json!({"totp": "123456"})))
        .unwrap_err();
    assert_eq!(s, AUTHING_MFA_ERR_INVALID_ARGUMENT, "{e}");
    rt.block_on(dev.advance(30));
    let now = rt.block_on(dev.now());
    api_err(
        c.call(
            "verifyTotpMfa",
            Some(json!({"totp": wrong_code(&secret, now), "mfaToken": mfa})),
        ),
        AUTHING_MFA_ERR_API,
        6001,
        200,
        lang,
    );
    let code = totp_at(&secret, now);
    let user = c
        .call("verifyTotpMfa", Some(json!({"totp": code, "mfaToken": mfa})))
        .unwrap();
    assert_eq!(user["id"], u.id);
    assert!(user["token"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        user.get("lastIp").is_some() && user.get("isRoot").is_some(),
        "unknown fields pass through: {user}"
    );
    // The spent mfaToken cannot complete a second login: 2207.
    api_err(
        c.call("verifyTotpMfa", Some(json!({"totp": code, "mfaToken": mfa}))),
        AUTHING_MFA_ERR_API,
        2207,
        200,
        lang,
    );
    let mfa = rt.block_on(dev.mfa_token(&u));
    api_err(
        c.call("verifyTotpMfa", Some(json!({"totp": code, "mfaToken": mfa}))),
        AUTHING_MFA_ERR_API,
        6001,
        200,
        lang,
    );

    // Recovery: wrong code 6002; right code logs in and rotates; the old one is dead.
    let mfa = rt.block_on(dev.mfa_token(&u));
    api_err(
        c.call(
            "verifyTotpRecoveryCode",
            Some(json!({"recoveryCode": "0000-0000-0000-0000-0000-0000", "mfaToken": mfa})),
        ),
        AUTHING_MFA_ERR_API,
        6002,
        200,
        lang,
    );
    let r = c
        .call(
            "verifyTotpRecoveryCode",
            Some(json!({"recoveryCode": recovery, "mfaToken": mfa})),
        )
        .unwrap();
    assert_eq!(r["user"]["id"], u.id);
    let rotated = r["recoveryCode"].as_str().unwrap().to_owned();
    assert_ne!(rotated, recovery);
    let mfa = rt.block_on(dev.mfa_token(&u));
    api_err(
        c.call(
            "verifyTotpRecoveryCode",
            Some(json!({"recoveryCode": recovery, "mfaToken": mfa})),
        ),
        AUTHING_MFA_ERR_API,
        6002,
        200,
        lang,
    );
    c.call(
        "verifyTotpRecoveryCode",
        Some(json!({"recoveryCode": rotated, "mfaToken": mfa})),
    )
    .unwrap();

    // An expired mfaToken: 2206.
    let mfa = rt.block_on(dev.mfa_token(&u));
    rt.block_on(dev.advance(361));
    let now = rt.block_on(dev.now());
    api_err(
        c.call(
            "verifyTotpMfa",
            Some(json!({"totp": totp_at(&secret, now), "mfaToken": mfa})),
        ),
        AUTHING_MFA_ERR_API,
        2206,
        200,
        lang,
    );

    // Phone/email: bindable, SMS and email codes from the outbox.
    let mfa = rt.block_on(dev.mfa_token(&u));
    let phone = format!("1380000{}", if lang == "en-US" { "0001" } else { "0002" });
    assert_eq!(
        c.call(
            "phoneOrEmailBindable",
            Some(json!({"phone": phone, "mfaToken": mfa}))
        )
        .unwrap(),
        json!(true)
    );
    rt.block_on(dev.post("/api/v2/sms/send", None, json!({"phone": phone})));
    let sms = rt.block_on(dev.last_code(&phone));
    let wrong_sms = if sms == "000000" { "111111" } else { "000000" };
    let e = c
        .call(
            "verifyAppSmsMfa",
            Some(json!({"phone": phone, "code": wrong_sms, "mfaToken": mfa})),
        )
        .unwrap_err();
    assert_eq!(e.0, AUTHING_MFA_ERR_API);
    let user = c
        .call(
            "verifyAppSmsMfa",
            Some(json!({"phone": phone, "code": sms, "mfaToken": mfa, "phoneCountryCode": "+86"})),
        )
        .unwrap();
    assert_eq!(user["phone"], phone);
    let mfa = rt.block_on(dev.mfa_token(&u));
    rt.block_on(dev.post("/api/v2/email/send", None, json!({"email": u.email})));
    let mail = rt.block_on(dev.last_code(&u.email));
    let user = c
        .call(
            "verifyAppEmailMfa",
            Some(json!({"email": u.email, "code": mail, "mfaToken": mfa})),
        )
        .unwrap();
    assert_eq!(user["email"], u.email);
    let mfa = rt.block_on(dev.mfa_token(&u));
    api_err(
        c.call(
            "verifyAppEmailMfa",
            Some(json!({"email": u.email, "code": mail, "mfaToken": mfa})),
        ),
        AUTHING_MFA_ERR_API,
        2001,
        200,
        lang,
    );

    // Face: by files (identical bytes match), by URL, verify.
    let dir = std::env::temp_dir().join(format!("authing-e2e-{}-{lang}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b, other) = (dir.join("a.jpg"), dir.join("b.jpg"), dir.join("c.jpg"));
    std::fs::write(&a, b"face-bytes-1").unwrap();
    std::fs::write(&b, b"face-bytes-1").unwrap();
    std::fs::write(&other, b"face-bytes-2").unwrap();
    let face_user = rt.block_on(dev.user(&format!("{name}-face")));
    let fresh = rt.block_on(dev.user_token(&face_user));
    c.set_token(Some(&fresh));
    let e = c
        .call(
            "associateFaceByLocalFile",
            Some(json!({"baseFace": a, "compareFace": other})),
        )
        .unwrap_err();
    assert_eq!(e.0, AUTHING_MFA_ERR_API, "different faces do not match: {}", e.1);
    let user = c
        .call(
            "associateFaceByLocalFile",
            Some(json!({"baseFace": a, "compareFace": b})),
        )
        .unwrap();
    assert!(user["id"].is_string());
    let e = c
        .call(
            "associateFaceByLocalFile",
            Some(json!({"baseFace": dir.join("missing.jpg")})),
        )
        .unwrap_err();
    assert_eq!(e.0, AUTHING_MFA_ERR_IO);
    std::fs::remove_dir_all(&dir).unwrap();
    // Face is now this user's second factor: log in, upload a photo, verify.
    let mfa = rt.block_on(dev.mfa_token(&face_user));
    let upload = |bytes: &'static [u8]| -> String {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name("me.jpg"));
        let url = format!("{}/api/v2/upload?folder=face-photo&private=true", dev.url);
        let v: Value = rt.block_on(async {
            dev.http
                .post(url)
                .multipart(form)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        });
        v["data"]["key"].as_str().unwrap().to_owned()
    };
    let stranger = upload(b"face-bytes-2");
    let e = c
        .call("verifyFaceMfa", Some(json!({"photo": stranger, "mfaToken": mfa})))
        .unwrap_err();
    assert_eq!(e.0, AUTHING_MFA_ERR_API, "{}", e.1);
    let me = upload(b"face-bytes-1");
    let user = c
        .call("verifyFaceMfa", Some(json!({"photo": me, "mfaToken": mfa})))
        .unwrap();
    assert!(user["token"].as_str().is_some_and(|t| !t.is_empty()), "{user}");
    // Re-associating from URLs (external photos) replaces the stored face.
    c.call(
        "associateFaceByUrl",
        Some(json!({"baseFace": "https://img.example/x.jpg", "compareFace": "https://img.example/x.jpg"})),
    )
    .unwrap();

    // Unbind with the user token; then MFA is off and login returns a token.
    c.set_token(Some(&token));
    let r = c.call("deleteMfaAuthenticator", None).unwrap();
    assert_eq!(r["code"], 200);
    assert!(in_lang(r["message"].as_str().unwrap(), lang), "{r}");
    let again = rt.block_on(dev.login(&u));
    assert_ne!(again["code"], 1635, "{again}");
}

#[test]
fn the_mfa_story_in_chinese() {
    the_whole_story("zh-CN");
}

#[test]
fn the_mfa_story_in_english() {
    the_whole_story("en-US");
}
