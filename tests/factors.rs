//! Authing's v3 factor API against loopback servers: the v3 SDK's headers
//! (only `x-authing-app-id` of the `x-authing-*` ones, the access token raw
//! in `authorization`), the `statusCode` envelope made the one error shape
//! (`code` = `apiCode`, else `statusCode`; `requestId` kept), calls without
//! an access token refused before any request, `signIn`'s three ways of
//! authenticating the application, and the introspection's form body.

mod common;

use authing_mfa::{Client, ErrorKind};
use common::*;
use serde_json::Value;

fn v3_ok(data: &str) -> String {
    format!(r#"{{"statusCode":200,"message":"ok","requestId":"r-1","data":{data}}}"#)
}

fn client(url: &str, extra: &str) -> Client {
    Client::from_json(Some(&format!(
        r#"{{"appHost":"{url}","appId":"app-1","userPoolId":"pool-1","tenantId":"t-1"{extra}}}"#
    )))
    .unwrap()
}

#[test]
fn factor_calls_send_the_v3_headers_and_the_raw_access_token() {
    let rt = server_runtime();
    let server = Recorder::start(&rt, |r| match r.target.as_str() {
        "/api/v3/list-enrolled-factors" => Reply::Json(
            200,
            v3_ok(r#"[{"factorId":"f1","factorType":"OTP","profile":{}}]"#),
        ),
        "/api/v3/enroll-factor" | "/api/v3/reset-factor" => {
            Reply::Json(200, r#"{"statusCode":200,"message":"绑定成功"}"#.into())
        }
        _ => Reply::Json(200, v3_ok(r#"{"verified":true}"#)),
    });
    let c = client(&server.url, r#","accessToken":"at-123""#);
    assert_eq!(
        block(c.call("listEnrolledFactors", None)).unwrap(),
        r#"[{"factorId":"f1","factorType":"OTP","profile":{}}]"#
    );
    assert_eq!(
        block(c.call(
            "enrollFactor",
            Some(r#"{"factorType":"OTP","enrollmentToken":"et-1","enrollmentData":{"passCode":"123456"}}"#)
        ))
        .unwrap(),
        r#"{"statusCode":200,"message":"绑定成功"}"#
    );
    assert_eq!(
        block(c.call("resetFactor", Some(r#"{"factorId":"f1"}"#))).unwrap(),
        r#"{"statusCode":200,"message":"绑定成功"}"#
    );
    assert_eq!(
        block(c.call("mfaOtpVerify", Some(r#"{"totp":"123456"}"#))).unwrap(),
        r#"{"verified":true}"#
    );
    block(c.call("getFactor", Some(r#"{"factorId":"f 1"}"#))).unwrap();
    let reqs = server.take();
    for r in &reqs {
        assert_eq!(r.header("authorization"), Some("at-123"), "raw, no Bearer");
        assert_eq!(r.header("x-authing-app-id"), Some("app-1"));
        for absent in [
            "x-authing-userpool-id",
            "x-authing-app-tenant-id",
            "x-authing-lang",
            "x-authing-sdk-version",
            "x-authing-request-from",
        ] {
            assert_eq!(r.header(absent), None, "{absent} on {}", r.target);
        }
    }
    assert_eq!(
        reqs[1].body_str(),
        r#"{"factorType":"OTP","enrollmentToken":"et-1","enrollmentData":{"passCode":"123456"}}"#
    );
    assert_eq!(reqs[2].body_str(), r#"{"factorId":"f1"}"#);
    assert_eq!(reqs[3].target, "/api/v3/mfa-totp-verify");
    assert_eq!(reqs[4].target, "/api/v3/get-factor?factorId=f+1");
}

#[test]
fn failures_are_the_one_error_shape_with_api_code_and_request_id() {
    let rt = server_runtime();
    let server = Recorder::start(&rt, |r| {
        if r.target == "/api/v3/mfa-totp-verify" {
            Reply::Json(
                200,
                r#"{"statusCode":400,"apiCode":6001,"message":"安全码错误 echo 654321","requestId":"req-9"}"#
                    .into(),
            )
        } else if r.target == "/api/v3/list-enrolled-factors" {
            Reply::Json(
                200,
                r#"{"statusCode":401,"message":"未登录","requestId":"req-10"}"#.into(),
            )
        } else if r.target.starts_with("/api/v3/get-factor") {
            // A gateway's answer to a bad access token: HTTP 401, no apiCode.
            Reply::Json(
                401,
                r#"{"statusCode":401,"message":"Unauthorized","requestId":"req-11"}"#.into(),
            )
        } else {
            Reply::Json(200, r#"{"code":200,"message":"v2 shape","data":[]}"#.into())
        }
    });
    let c = client(&server.url, r#","accessToken":"at-1""#);
    let e = block(c.call("mfaOtpVerify", Some(r#"{"totp":"654321"}"#))).unwrap_err();
    assert_eq!(
        (e.kind(), e.code(), e.http_status()),
        (ErrorKind::Api, Some(6001), Some(200))
    );
    assert_eq!(e.request_id(), Some("req-9"));
    let json: Value = serde_json::from_str(&e.to_json()).unwrap();
    assert_eq!(json["requestId"], "req-9");
    assert!(
        !e.message().contains("654321"),
        "the code is scrubbed: {}",
        e.message()
    );
    let e = block(c.call("listEnrolledFactors", None)).unwrap_err();
    assert_eq!(e.code(), Some(401), "no apiCode: the statusCode");
    // The same over HTTP 401: the code is still the statusCode.
    let e = block(c.call("getFactor", Some(r#"{"factorId":"f1"}"#))).unwrap_err();
    assert_eq!(
        (e.kind(), e.code(), e.http_status(), e.request_id()),
        (ErrorKind::HttpStatus, Some(401), Some(401), Some("req-11"))
    );
    assert_eq!(e.message(), "Unauthorized");
    // A v2 envelope (`code` 200 without `statusCode`) is not a v3 success.
    let e = block(c.call("listFactorsToEnroll", None)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

#[test]
fn no_access_token_is_refused_before_any_request() {
    let rt = server_runtime();
    let server = Recorder::answering(&rt, &v3_ok("[]"));
    let c = client(&server.url, "");
    for (m, p) in [
        ("listEnrolledFactors", None),
        ("listFactorsToEnroll", None),
        (
            "sendEnrollFactorRequest",
            Some(r#"{"factorType":"OTP","profile":{}}"#),
        ),
        ("mfaOtpVerify", Some(r#"{"totp":"1"}"#)),
    ] {
        let e = block(c.call(m, p)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{m}");
        assert!(e.message().contains("access token"), "{}", e.message());
    }
    assert!(server.take().is_empty());
    c.set_access_token(Some("late")).unwrap();
    block(c.call("listEnrolledFactors", None)).unwrap();
    assert_eq!(server.take()[0].header("authorization"), Some("late"));
}

#[test]
fn sign_in_authenticates_the_app_three_ways_and_keeps_the_access_token() {
    let rt = server_runtime();
    let server = Recorder::answering(
        &rt,
        &v3_ok(r#"{"access_token":"at-new","id_token":"it","token_type":"bearer","expire_in":7200}"#),
    );
    let params = r#"{"connection":"PASSWORD","passwordPayload":{"email":"a@b.c","password":"pw-SECRET-1"},"options":{"passwordEncryptType":"none"}}"#;

    let public = client(&server.url, "");
    block(public.call("signIn", Some(params))).unwrap();
    assert!(public.has_access_token());
    let post = client(&server.url, r#","appSecret":"app-SECRET-2""#);
    block(post.call("signInByCredentials", Some(params))).unwrap();
    let basic = client(
        &server.url,
        r#","appSecret":"app-SECRET-2","tokenEndPointAuthMethod":"client_secret_basic""#,
    );
    block(basic.call("signInByCredentials", Some(params))).unwrap();
    block(basic.call("listEnrolledFactors", None)).unwrap();

    let reqs = server.take();
    assert_eq!(reqs[0].target, "/api/v3/signin");
    assert_eq!(
        reqs[0].body_str(),
        r#"{"connection":"PASSWORD","passwordPayload":{"email":"a@b.c","password":"pw-SECRET-1"},"options":{"passwordEncryptType":"none"}}"#
    );
    assert_eq!(
        reqs[0].header("authorization"),
        None,
        "a public client sends nothing"
    );
    assert!(reqs[1]
        .body_str()
        .ends_with(r#","client_id":"app-1","client_secret":"app-SECRET-2"}"#));
    assert_eq!(reqs[1].header("authorization"), None);
    assert_eq!(
        reqs[2].header("authorization"),
        Some("Basic YXBwLTE6YXBwLVNFQ1JFVC0y"),
        "base64(app-1:app-SECRET-2)"
    );
    assert!(!reqs[2].body_str().contains("client_secret"));
    assert_eq!(
        reqs[3].header("authorization"),
        Some("at-new"),
        "the token from signIn"
    );

    // A success without an access_token clears the previous one.
    let bare = Recorder::answering(&rt, &v3_ok(r#"{"token_type":"bearer","expire_in":7200}"#));
    let c = client(&bare.url, r#","accessToken":"at-previous-user""#);
    assert!(c.has_access_token());
    block(c.call("signIn", Some(params))).unwrap();
    assert!(!c.has_access_token(), "the previous user's token is gone");

    // A secret-holding method without appId or appSecret is refused.
    assert_eq!(
        Client::from_json(Some(r#"{"tokenEndPointAuthMethod":"client_secret_basic"}"#))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    let no_app = Client::from_json(Some(&format!(
        r#"{{"appHost":"{}","appSecret":"s"}}"#,
        server.url
    )))
    .unwrap();
    assert_eq!(
        block(no_app.call("signIn", Some(params))).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn secrets_of_sign_in_are_scrubbed_from_server_messages() {
    let rt = server_runtime();
    let echo = Recorder::start(&rt, |r| {
        let seen = format!("{} {}", r.body_str(), r.header("authorization").unwrap_or(""));
        Reply::Json(
            200,
            serde_json::json!({"statusCode": 400, "apiCode": 2333, "message": format!("got {seen}")})
                .to_string(),
        )
    });
    let c = client(
        &echo.url,
        r#","appSecret":"app-SECRET-2","tokenEndPointAuthMethod":"client_secret_basic""#,
    );
    let e = block(c.call(
        "signIn",
        Some(r#"{"connection":"PASSCODE","passCodePayload":{"phone":"138","passCode":"PASSCODE-77"},"passwordPayload":{"password":"pw-SECRET-1"}}"#),
    ))
    .unwrap_err();
    let shown = format!("{e}\n{e:?}\n{}", e.to_json());
    for secret in ["PASSCODE-77", "pw-SECRET-1", "YXBwLTE6YXBwLVNFQ1JFVC0y"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("138"), "not everything is scrubbed: {shown}");
}

#[test]
fn introspection_posts_the_form_body_and_reads_the_bare_answer() {
    let rt = server_runtime();
    let server = Recorder::answering(
        &rt,
        r#"{"active":true,"userPoolId":"p","userId":"u","exp":2,"iat":1}"#,
    );
    let c = client(&server.url, r#","accessToken":"at-1""#);
    c.set_token(Some("v2-token")).unwrap();
    let out = block(c.call("verifyMfaToken", Some(r#"{"token":"mfa+tok/en="}"#))).unwrap();
    assert_eq!(
        out,
        r#"{"active":true,"userPoolId":"p","userId":"u","exp":2,"iat":1}"#
    );
    let r = &server.take()[0];
    assert_eq!(
        (r.method.as_str(), r.target.as_str()),
        ("POST", "/mfa/token/introspection")
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(r.body_str(), "token=mfa%2Btok%2Fen%3D");
    // The stored access token goes along, as the v3 SDK sends it on every
    // call (tests/wire_v3.rs); never the v2 user token.
    assert_eq!(r.header("authorization"), Some("at-1"));
    let bad = Recorder::answering(&rt, "not json");
    let c = client(&bad.url, "");
    assert_eq!(
        block(c.call("verifyMfaToken", Some(r#"{"token":"t"}"#)))
            .unwrap_err()
            .kind(),
        ErrorKind::Decode
    );
}
