//! The logins that lead to MFA, against loopback servers that answer as
//! Authing does (`.well-known` with a test key, GraphQL and REST): the
//! password travels RSA-encrypted and decrypts with the server's private
//! key, a needed second factor is the one error shape with the server's
//! data, a login sets the current user, logout clears it only when the
//! server agreed, bad input is refused before any request, and the
//! password shows nowhere. Wire fidelity (the SDK's exact bytes) is
//! `tests/wire.rs`.

mod common;

use authing_mfa::{Client, ErrorKind};
use base64ct::{Base64, Encoding};
use common::*;
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey};
use serde_json::Value;
use std::time::Duration;

const PUBLIC: &str = include_str!("fixtures/test_rsa_1024_public.pem");
const PRIVATE: &str = include_str!("fixtures/test_rsa_1024_private.pem");

fn well_known() -> String {
    serde_json::json!({"code": 200, "message": "", "data": {"publicKey": PUBLIC}}).to_string()
}

fn decrypt(b64: &str) -> String {
    let key = RsaPrivateKey::from_pkcs8_pem(PRIVATE).unwrap();
    let bytes = Base64::decode_vec(b64).unwrap();
    assert_eq!(bytes.len(), 128, "the ciphertext has the modulus's length");
    String::from_utf8(key.decrypt(Pkcs1v15Encrypt, &bytes).unwrap()).unwrap()
}

fn body_json(r: &Recorded) -> Value {
    serde_json::from_str(r.body_str()).unwrap()
}

/// An Authing that serves the key and answers GraphQL with `graphql`.
fn authing(rt: &tokio::runtime::Runtime, graphql: &'static str) -> Recorder {
    Recorder::start(rt, move |r| {
        if r.target == "/api/v2/.well-known" {
            Reply::Json(200, well_known())
        } else {
            Reply::Json(200, graphql.to_owned())
        }
    })
}

fn client(url: &str) -> Client {
    Client::from_json(Some(&format!(r#"{{"appHost":"{url}","appId":"app1"}}"#))).unwrap()
}

#[test]
fn login_by_email_encrypts_the_password_sets_the_user_and_caches_the_key() {
    let rt = server_runtime();
    let server = authing(
        &rt,
        r#"{"data":{"loginByEmail":{"id":"u1","token":"tok-u1","customData":[{"key":"age","value":"30","dataType":"NUMBER"}]}}}"#,
    );
    let c = client(&server.url);
    for _ in 0..2 {
        let user = block(c.call(
            "loginByEmail",
            Some(r#"{"email":"a@example.com","password":"p@ss 密码","customData":{"k":"v"},"context":{"ip":"1"}}"#),
        ))
        .unwrap();
        let user: Value = serde_json::from_str(&user).unwrap();
        assert_eq!(user["id"], "u1");
        assert_eq!(
            user["customData"]["age"], 30,
            "customData converted as the SDK does"
        );
    }
    let reqs = server.take();
    let paths: Vec<&str> = reqs.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(
        paths,
        ["/api/v2/.well-known", "/graphql/v2", "/graphql/v2"],
        "the key is fetched once per client"
    );
    let body = body_json(&reqs[1]);
    let input = &body["variables"]["input"];
    assert_eq!(input["email"], "a@example.com");
    assert_eq!(decrypt(input["password"].as_str().unwrap()), "p@ss 密码");
    assert_eq!(input["autoRegister"], false);
    assert_eq!(input["params"], r#"[{"key":"k","value":"v"}]"#);
    assert_eq!(input["context"], r#"{"ip":"1"}"#);
    assert!(body["query"].as_str().unwrap().contains("mutation loginByEmail("));
    assert!(!reqs[1].body_str().contains("p@ss"), "never the clear password");
    // The first login sent no token; the second sent the first one's.
    assert_eq!(reqs[1].header("authorization"), None);
    assert_eq!(reqs[2].header("authorization"), Some("Bearer tok-u1"));
    assert!(c.has_token());
    let current: Value = serde_json::from_str(&c.current_user_json().unwrap()).unwrap();
    assert_eq!(current["token"], "tok-u1");
}

#[test]
fn a_second_factor_is_the_one_error_shape_over_graphql_and_rest() {
    let rt = server_runtime();
    let graphql = authing(
        &rt,
        r#"{"data":null,"errors":[{"message":{"code":1635,"message":"请输入二次认证安全码","data":{"mfaToken":"mfa-1","totpMfaEnabled":true}},"locations":[]}]}"#,
    );
    let c = client(&graphql.url);
    for (method, params) in [
        ("loginByEmail", r#"{"email":"a@b.c","password":"pw"}"#),
        ("loginByUsername", r#"{"username":"alice","password":"pw"}"#),
        (
            "loginByPhonePassword",
            r#"{"phone":"13800000000","password":"pw"}"#,
        ),
        ("loginByPhoneCode", r#"{"phone":"13800000000","code":"1234"}"#),
    ] {
        let e = block(c.call(method, Some(params))).unwrap_err();
        assert_eq!((e.kind(), e.code()), (ErrorKind::Api, Some(1635)), "{method}");
        assert_eq!(
            e.data().unwrap().get(),
            r#"{"mfaToken":"mfa-1","totpMfaEnabled":true}"#
        );
        assert_eq!(e.message(), "请输入二次认证安全码");
        assert!(!c.has_token(), "{method}: no user on the MFA stage");
    }
    let rest = Recorder::answering(
        &rt,
        r#"{"code":1636,"message":"需要二次认证","data":{"mfaToken":"mfa-2","applicationMfa":[{"mfaPolicy":"SMS","status":1,"sort":0}]}}"#,
    );
    let c = client(&rest.url);
    c.set_token(Some("stale")).unwrap();
    let e = block(c.call("loginByEmailCode", Some(r#"{"email":"a@b.c","code":"1234"}"#))).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Api, Some(1636)));
    let data: Value = serde_json::from_str(e.data().unwrap().get()).unwrap();
    assert_eq!(data["applicationMfa"][0]["mfaPolicy"], "SMS");
    let req = &rest.take()[0];
    assert_eq!(req.target, "/api/v2/login/email-code");
    assert_eq!(
        req.header("authorization"),
        None,
        "loginByEmailCode never sends a token"
    );
    assert_eq!(
        req.body_str(),
        r#"{"email":"a@b.c","code":"1234","params":null,"context":null}"#
    );
}

#[test]
fn wrong_password_and_bad_keys() {
    let rt = server_runtime();
    let server = authing(
        &rt,
        r#"{"data":null,"errors":[{"message":{"code":2333,"message":"账号或密码错误"}}]}"#,
    );
    let e = block(client(&server.url).call("loginByEmail", Some(r#"{"email":"a@b.c","password":"nope"}"#)))
        .unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Api, Some(2333)));

    for key in [
        r#""not a key""#,
        "12",
        r#""-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----""#,
    ] {
        let body = format!(r#"{{"code":200,"data":{{"publicKey":{key}}}}}"#);
        let server = Recorder::answering(&rt, &body);
        let e = block(client(&server.url).call("loginByEmail", Some(r#"{"email":"a@b.c","password":"pw"}"#)))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode, "{key}");
        assert!(e.message().contains("publicKey"), "{}", e.message());
        assert_eq!(server.take().len(), 1, "no login request after a bad key");
    }
}

#[test]
fn bad_input_is_refused_before_any_request() {
    let rt = server_runtime();
    let server = authing(&rt, r#"{"data":{"loginByEmail":{"id":"u"}}}"#);
    let c = client(&server.url);
    let too_long = format!(r#"{{"email":"a@b.c","password":"{}"}}"#, "x".repeat(600));
    for (params, kind) in [
        (r#"{"password":"pw"}"#, ErrorKind::InvalidArgument),
        (r#"{"email":"a@b.c"}"#, ErrorKind::InvalidArgument),
        (r#"{"email":"a@b.c","password":""}"#, ErrorKind::InvalidArgument),
        (
            r#"{"email":"a@b.c","password":"pw","autoRegister":"yes"}"#,
            ErrorKind::InvalidJson,
        ),
        (
            r#"{"email":"a@b.c","password":"pw","customData":[1]}"#,
            ErrorKind::InvalidJson,
        ),
        (
            r#"{"email":"a@b.c","password":"pw","pasword":"typo"}"#,
            ErrorKind::InvalidArgument,
        ),
        (too_long.as_str(), ErrorKind::InvalidArgument),
    ] {
        let e = block(c.call("loginByEmail", Some(params))).unwrap_err();
        assert_eq!(e.kind(), kind, "{params}");
    }
    assert!(server.take().is_empty(), "nothing was sent");
    // A password the server's key cannot carry: refused after the key, before the login.
    let e = block(c.call(
        "loginByEmail",
        Some(&format!(
            r#"{{"email":"a@b.c","password":"{}"}}"#,
            "y".repeat(200)
        )),
    ))
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("1024-bit"), "{}", e.message());
    let reqs = server.take();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].target, "/api/v2/.well-known");
    // The publicKey option skips the fetch; garbage there is refused at construction.
    let with_key = Client::from_json(Some(
        &serde_json::json!({"appHost": server.url, "publicKey": PUBLIC}).to_string(),
    ))
    .unwrap();
    block(with_key.call("loginByEmail", Some(r#"{"email":"a@b.c","password":"pw"}"#))).unwrap();
    let reqs = server.take();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].target, "/graphql/v2");
    let e = Client::from_json(Some(r#"{"publicKey":"garbage"}"#)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn logout_clears_the_user_only_when_the_server_agreed() {
    let rt = server_runtime();
    let refusing = Recorder::answering(&rt, r#"{"code":2020,"message":"尚未登录"}"#);
    let c = client(&refusing.url);
    c.set_current_user_json(r#"{"id":"u1","token":"tok"}"#).unwrap();
    let e = block(c.call("logout", None)).unwrap_err();
    assert_eq!(e.code(), Some(2020));
    assert!(c.has_token(), "kept after a refused logout");
    let req = &refusing.take()[0];
    assert_eq!(
        (req.method.as_str(), req.target.as_str()),
        ("GET", "/api/v2/logout?app_id=app1")
    );
    assert_eq!(req.header("authorization"), Some("Bearer tok"));

    let agreeing = Recorder::answering(&rt, r#"{"code":200,"message":"退出成功"}"#);
    let c = client(&agreeing.url);
    c.set_current_user_json(r#"{"id":"u1","token":"tok"}"#).unwrap();
    let out = block(c.call("logout", Some("{}"))).unwrap();
    assert_eq!(out, r#"{"code":200,"message":"退出成功"}"#);
    assert!(!c.has_token() && c.current_user_json().is_none());
}

/// A user who logged in on another thread while a logout of the previous
/// session was on the wire keeps their session: the server ended only the
/// old one.
#[test]
fn logout_does_not_erase_a_login_made_meanwhile() {
    let rt = server_runtime();
    let slow = Recorder::start(&rt, |_| {
        Reply::SlowJson(
            Duration::from_millis(600),
            200,
            r#"{"code":200,"message":"退出成功"}"#.into(),
        )
    });
    let c = std::sync::Arc::new(client(&slow.url));
    c.set_current_user_json(r#"{"id":"old","token":"tok-old"}"#)
        .unwrap();
    let other = std::sync::Arc::clone(&c);
    let login = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        other
            .set_current_user_json(r#"{"id":"new","token":"tok-new"}"#)
            .unwrap();
    });
    block(c.call("logout", None)).unwrap();
    login.join().unwrap();
    assert_eq!(
        slow.take()[0].header("authorization"),
        Some("Bearer tok-old"),
        "the old session was the one ended"
    );
    assert_eq!(
        c.current_user_json().as_deref(),
        Some(r#"{"id":"new","token":"tok-new"}"#)
    );
    assert!(c.has_token());
}

#[test]
fn send_code_and_check_login_status_shapes() {
    let rt = server_runtime();
    let server = Recorder::start(&rt, |r| {
        if r.target == "/api/v2/sms/send" {
            Reply::Json(200, ok(r#"{"sent":true}"#))
        } else if r.body_str().contains("sendEmail") {
            Reply::Json(
                200,
                r#"{"data":{"sendEmail":{"message":"发送成功","code":200}}}"#.into(),
            )
        } else {
            Reply::Json(
                200,
                r#"{"data":{"checkLoginStatus":{"code":200,"message":"ok","status":true,"exp":1,"iat":0,"data":{"id":"u","userPoolId":"p","arn":"a"}}}}"#
                    .into(),
            )
        }
    });
    let c = client(&server.url);
    assert_eq!(
        block(c.call(
            "sendSmsCode",
            Some(r#"{"phone":"138","phoneCountryCode":"","scene":"mfa-verify"}"#)
        ))
        .unwrap(),
        r#"{"sent":true}"#
    );
    assert_eq!(
        block(c.call(
            "sendEmail",
            Some(r#"{"email":"a@b.c","scene":"MFA_VERIFY_CODE"}"#)
        ))
        .unwrap(),
        r#"{"message":"发送成功","code":200}"#
    );
    let status = block(c.call("checkLoginStatus", Some(r#"{"token":"tok-x"}"#))).unwrap();
    assert!(status.contains(r#""status":true"#));
    block(c.call("checkLoginStatus", None)).unwrap();
    let reqs = server.take();
    assert_eq!(
        reqs[0].body_str(),
        r#"{"phone":"138","scene":"mfa-verify"}"#,
        "empty phoneCountryCode left out"
    );
    assert_eq!(
        body_json(&reqs[1])["variables"],
        serde_json::json!({"email":"a@b.c","scene":"MFA_VERIFY_CODE"})
    );
    assert_eq!(
        body_json(&reqs[2])["variables"],
        serde_json::json!({"token":"tok-x"})
    );
    assert_eq!(
        body_json(&reqs[3])["variables"],
        serde_json::json!({}),
        "no token: left out"
    );
    let e = block(c.call("sendEmail", Some(r#"{"email":"a@b.c"}"#))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
}

/// A first login sends two requests (the key, then the login); the client's
/// `timeout` bounds the whole call, not each request: two answers that each
/// take 70% of it make the login time out.
#[test]
fn one_timeout_bounds_the_key_fetch_and_the_login_together() {
    let rt = server_runtime();
    let wait = Duration::from_millis(700);
    let server = Recorder::start(&rt, move |r| {
        if r.target == "/api/v2/.well-known" {
            Reply::SlowJson(wait, 200, well_known())
        } else {
            Reply::SlowJson(
                wait,
                200,
                r#"{"data":{"loginByEmail":{"id":"u1","token":"t"}}}"#.into(),
            )
        }
    });
    let c = Client::from_json(Some(&format!(
        r#"{{"appHost":"{}","appId":"app1","timeout":1000}}"#,
        server.url
    )))
    .unwrap();
    let started = std::time::Instant::now();
    let e = block(c.call("loginByEmail", Some(r#"{"email":"a@b.c","password":"pw"}"#))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(e.message().contains("1000 ms"), "{}", e.message());
    // Both requests were sent: it is the sum that was too long.
    assert_eq!(server.requests.lock().unwrap().len(), 2);
    // Generous: a per-request deadline would have let it run 1.4 s and succeed.
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(c.current_user_json().is_none(), "no user from a timed-out login");
}

#[test]
fn the_password_never_shows() {
    let rt = server_runtime();
    // A server that echoes the whole request body into its error message,
    // and one whose key is unusable.
    let echo = Recorder::start(&rt, |r| {
        if r.target == "/api/v2/.well-known" {
            Reply::Json(200, well_known())
        } else {
            Reply::Json(
                200,
                format!(
                    r#"{{"errors":[{{"message":{{"code":2333,"message":"got {}"}}}}]}}"#,
                    r.body_str().replace('"', "'")
                ),
            )
        }
    });
    let password = "PLANTED-password-e5";
    let c = client(&echo.url);
    let e = block(c.call(
        "loginByEmail",
        Some(&format!(r#"{{"email":"a@b.c","password":"{password}"}}"#)),
    ))
    .unwrap_err();
    let long = format!("{password}{}", "z".repeat(600));
    let e2 = block(c.call(
        "loginByEmail",
        Some(&format!(r#"{{"email":"a@b.c","password":"{long}"}}"#)),
    ))
    .unwrap_err();
    let e3 = block(c.call(
        "loginByEmail",
        Some(&format!(r#"{{"email":"a@b.c","password":"{password}""#)),
    ))
    .unwrap_err();
    for e in [e, e2, e3] {
        let shown = format!("{e}\n{e:?}\n{}", e.to_json());
        assert!(!shown.contains(password), "{shown}");
        assert!(!shown.contains("zzzz"), "{shown}");
    }
}
