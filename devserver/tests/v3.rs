//! Authing's v3 factor API over HTTP (`authing-factors-v3-wire.md`): sign-in
//! and client authentication, the enrolment of every factor, verify, reset,
//! introspection, and the one user store v2 and v3 share.

mod common;

use authing_mfa_devserver::Config;
use base64::Engine;
use common::{totp_at, Dev, User};
use reqwest::Method;
use serde_json::{json, Value};

const APP: &str = "app-v3-test";

/// A v3 call: the token raw in `authorization` (as the node SDK sends it),
/// `x-authing-app-id` always. Asserts HTTP 200 and the envelope's shape.
async fn v3(dev: &Dev, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Value {
    v3_with(dev, method, path, token.map(str::to_owned), body, APP).await
}

async fn v3_with(
    dev: &Dev,
    method: Method,
    path: &str,
    authorization: Option<String>,
    body: Option<Value>,
    app_id: &str,
) -> Value {
    let mut req = dev.http.request(method, format!("{}{path}", dev.url));
    if !app_id.is_empty() {
        req = req.header("x-authing-app-id", app_id);
    }
    if let Some(a) = authorization {
        req = req.header("authorization", a);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200, "every v3 answer is HTTP 200");
    let v: Value = resp.json().await.unwrap();
    assert!(v["statusCode"].is_i64(), "{v}");
    assert!(v["message"].is_string(), "{v}");
    assert!(v["requestId"].as_str().is_some_and(|r| r.len() == 36), "{v}");
    assert!(v.get("code").is_none(), "no v2 code in a v3 envelope: {v}");
    if v["statusCode"] == 200 {
        assert!(v.get("apiCode").is_none(), "success carries no apiCode: {v}");
    }
    v
}

async fn sign_in(dev: &Dev, u: &User) -> Value {
    v3(
        dev,
        Method::POST,
        "/api/v3/signin",
        None,
        Some(
            json!({"connection": "PASSWORD", "passwordPayload": {"email": u.email, "password": u.password}}),
        ),
    )
    .await
}

async fn access_token(dev: &Dev, u: &User) -> String {
    let v = sign_in(dev, u).await;
    assert_eq!(v["statusCode"], 200, "{v}");
    v["data"]["access_token"].as_str().unwrap().to_owned()
}

/// send-enroll-factor-request + enroll-factor for OTP; returns the secret.
async fn enroll_otp(dev: &Dev, token: &str) -> String {
    let v = v3(
        dev,
        Method::POST,
        "/api/v3/send-enroll-factor-request",
        Some(token),
        Some(json!({"factorType": "OTP", "profile": {}})),
    )
    .await;
    assert_eq!(v["statusCode"], 200, "{v}");
    let otp = &v["data"]["otpData"];
    let uri = otp["qrCodeUri"].as_str().unwrap();
    let parsed = authing_mfa::totp::parse_uri(uri).unwrap();
    let secret = parsed.secret.clone();
    let code = totp_at(&secret, dev.now().await);
    let v = v3(
        dev,
        Method::POST,
        "/api/v3/enroll-factor",
        Some(token),
        Some(json!({"factorType": "OTP", "enrollmentToken": v["data"]["enrollmentToken"], "enrollmentData": {"passCode": code}})),
    )
    .await;
    assert_eq!(v["statusCode"], 200, "{v}");
    assert!(v.get("data").is_none(), "{v}");
    secret
}

async fn v2_login(dev: &Dev, u: &User) -> Value {
    dev.login(u).await
}

#[tokio::test]
async fn the_whole_v3_story_shares_one_totp_with_v2() {
    let dev = Dev::start().await;
    let u = dev.user("ada").await;
    let t0 = dev.align_to_step_start().await;

    let v = sign_in(&dev, &u).await;
    assert_eq!(v["statusCode"], 200, "{v}");
    let d = &v["data"];
    assert_eq!(d["token_type"], "bearer");
    assert!(
        d["expire_in"].as_i64().unwrap() > 0 && d["expires_in"] == d["expire_in"],
        "{v}"
    );
    assert!(d["id_token"].as_str().unwrap().split('.').count() == 3);
    let token = d["access_token"].as_str().unwrap().to_owned();
    // The access token is a user token of the token module: v2 takes it.
    let (_, v) = dev.get("/api/v2/mfa/authenticator?type=totp", Some(&token)).await;
    assert_eq!(v["code"], 200, "{v}");
    // The id token grants nothing.
    let v = v3(
        &dev,
        Method::GET,
        "/api/v3/list-enrolled-factors",
        d["id_token"].as_str(),
        None,
    )
    .await;
    assert_eq!(
        (v["statusCode"].as_i64(), v["apiCode"].as_i64()),
        (Some(401), Some(2207)),
        "{v}"
    );

    let v = v3(
        &dev,
        Method::GET,
        "/api/v3/list-factors-to-enroll",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        v["data"],
        json!([{"factorType": "SMS"}, {"factorType": "EMAIL"}, {"factorType": "OTP"}, {"factorType": "FACE"}])
    );

    // OTP enrolment: the QR code is a real PNG of the URI.
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/send-enroll-factor-request",
        Some(&token),
        Some(json!({"factorType": "OTP", "profile": {}})),
    )
    .await;
    assert_eq!(v["statusCode"], 200, "{v}");
    let otp = &v["data"]["otpData"];
    let uri = otp["qrCodeUri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let png = base64::engine::general_purpose::STANDARD
        .decode(
            otp["qrCodeDataUrl"]
                .as_str()
                .unwrap()
                .strip_prefix("data:image/png;base64,")
                .unwrap(),
        )
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let recovery = otp["recoveryCode"].as_str().unwrap().to_owned();
    assert_eq!(recovery.len(), 29);
    let secret = authing_mfa::totp::parse_uri(uri).unwrap().secret;
    let enrollment = v["data"]["enrollmentToken"].as_str().unwrap().to_owned();
    // A wrong code first: 6001, and the token survives it.
    let wrong = format!(
        "{:06}",
        (totp_at(&secret, t0).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/enroll-factor",
        Some(&token),
        Some(json!({"factorType": "OTP", "enrollmentToken": enrollment, "enrollmentData": {"passCode": wrong}})),
    )
    .await;
    assert_eq!(
        (v["statusCode"].as_i64(), v["apiCode"].as_i64()),
        (Some(400), Some(6001)),
        "{v}"
    );
    let body = json!({"factorType": "OTP", "enrollmentToken": enrollment, "enrollmentData": {"passCode": totp_at(&secret, t0)}});
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/enroll-factor",
        Some(&token),
        Some(body.clone()),
    )
    .await;
    assert_eq!(v["statusCode"], 200, "{v}");
    // Single use.
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/enroll-factor",
        Some(&token),
        Some(body),
    )
    .await;
    assert_eq!(v["statusCode"], 400, "{v}");
    assert!(v.get("apiCode").is_none(), "{v}");

    let v = v3(
        &dev,
        Method::GET,
        "/api/v3/list-enrolled-factors",
        Some(&token),
        None,
    )
    .await;
    let list = v["data"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{v}");
    assert_eq!(list[0]["factorType"], "OTP");
    let factor_id = list[0]["factorId"].as_str().unwrap().to_owned();
    let v = v3(
        &dev,
        Method::GET,
        &format!("/api/v3/get-factor?factorId={factor_id}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(v["data"]["factorId"], factor_id.as_str(), "{v}");
    let v = v3(
        &dev,
        Method::GET,
        "/api/v3/list-factors-to-enroll",
        Some(&token),
        None,
    )
    .await;
    assert!(
        !v["data"]
            .as_array()
            .unwrap()
            .contains(&json!({"factorType": "OTP"})),
        "{v}"
    );

    // mfa-totp-verify: a code of the next step is verified, the same again
    // is a replay, a wrong one is not verified.
    let next = totp_at(&secret, t0 + 30);
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/mfa-totp-verify",
        Some(&token),
        Some(json!({"totp": next})),
    )
    .await;
    assert_eq!(
        (v["statusCode"].as_i64(), &v["data"]),
        (Some(200), &json!({"verified": true})),
        "{v}"
    );
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/mfa-totp-verify",
        Some(&token),
        Some(json!({"totp": next})),
    )
    .await;
    assert_eq!(v["data"], json!({"verified": false}), "{v}");
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/mfa-totp-verify",
        Some(&token),
        Some(json!({})),
    )
    .await;
    assert_eq!(v["apiCode"], 6003, "{v}");

    // v2 sees the same TOTP: login stops at 1635 and v2 verify accepts a
    // fresh code and the v3 recovery code.
    let v = v2_login(&dev, &u).await;
    assert_eq!(v["code"], 1635, "{v}");
    assert_eq!(v["data"]["totpMfaEnabled"], true);
    let mfa = v["data"]["mfaToken"].as_str().unwrap().to_owned();
    // Introspection: form body and JSON body; no token is inactive.
    let intro = |body: Option<(&'static str, String)>| {
        let mut req = dev.http.post(format!("{}/mfa/token/introspection", dev.url));
        if let Some((ct, b)) = body {
            req = req.header("content-type", ct).body(b);
        }
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let v = intro(Some((
        "application/x-www-form-urlencoded",
        format!("token={mfa}"),
    )))
    .await;
    assert_eq!(v["active"], true, "{v}");
    assert_eq!(v["userId"], u.id.as_str());
    assert_eq!(v["userPoolId"], authing_mfa_devserver::DEFAULT_USER_POOL_ID);
    assert_eq!(v["exp"].as_i64().unwrap() - v["iat"].as_i64().unwrap(), 360);
    let v = intro(Some(("application/json", json!({"token": mfa}).to_string()))).await;
    assert_eq!(v["active"], true, "{v}");
    assert_eq!(intro(None).await, json!({"active": false}));
    let v = intro(Some((
        "application/x-www-form-urlencoded",
        format!("token={token}"),
    )))
    .await;
    assert_eq!(v, json!({"active": false}), "a user token is no mfaToken");
    let (_, v) = dev
        .post(
            "/api/v2/mfa/totp/recovery",
            Some(&mfa),
            json!({"recoveryCode": recovery}),
        )
        .await;
    assert_eq!(v["code"], 200, "the v3 recovery code is v2's: {v}");
    let v = intro(Some((
        "application/x-www-form-urlencoded",
        format!("token={mfa}"),
    )))
    .await;
    assert_eq!(v, json!({"active": false}), "a spent mfaToken is inactive");

    // v3 sign-in of a user with MFA is the MFA stage, not tokens.
    let v = sign_in(&dev, &u).await;
    assert_eq!(
        (v["statusCode"].as_i64(), v["apiCode"].as_i64()),
        (Some(403), Some(1635)),
        "{v}"
    );
    assert!(v["data"]["mfaToken"].is_string(), "{v}");
    assert!(v["data"].get("access_token").is_none());

    // reset-factor: v2 login no longer stops.
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/reset-factor",
        Some(&token),
        Some(json!({"factorId": factor_id})),
    )
    .await;
    assert_eq!(v["statusCode"], 200, "{v}");
    assert!(v.get("data").is_none());
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/reset-factor",
        Some(&token),
        Some(json!({"factorId": factor_id})),
    )
    .await;
    assert_eq!(v["statusCode"], 404, "{v}");
    let v = v2_login(&dev, &u).await;
    assert_eq!(v["code"], 200, "{v}");
    let v = v3(
        &dev,
        Method::GET,
        "/api/v3/list-enrolled-factors",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(v["data"], json!([]));
}

#[tokio::test]
async fn a_totp_bound_through_v2_is_listed_and_reset_through_v3() {
    let dev = Dev::start().await;
    let u = dev.user("bob").await;
    let token = access_token(&dev, &u).await;
    let (secret, _) = dev.bind_totp(&u).await;
    let v = v3(
        &dev,
        Method::GET,
        "/api/v3/list-enrolled-factors",
        Some(&token),
        None,
    )
    .await;
    let list = v["data"].as_array().unwrap().clone();
    assert_eq!(list.len(), 1, "{v}");
    assert_eq!(list[0]["factorType"], "OTP");
    // v3 verify accepts the v2 secret's code; v2 verify then refuses the
    // same code as a replay (one replay step for both).
    let t = dev.align_to_step_start().await;
    let code = totp_at(&secret, t);
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/mfa-totp-verify",
        Some(&token),
        Some(json!({"totp": code})),
    )
    .await;
    assert_eq!(v["data"]["verified"], true, "{v}");
    let mfa = dev.mfa_token(&u).await;
    let (_, v) = dev
        .post("/api/v2/mfa/totp/verify", Some(&mfa), json!({"totp": code}))
        .await;
    assert_eq!(v["code"], 6001, "{v}");
    // Enrolling OTP again is refused while one is bound.
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/send-enroll-factor-request",
        Some(&token),
        Some(json!({"factorType": "OTP", "profile": {}})),
    )
    .await;
    assert_eq!(v["statusCode"], 409, "{v}");
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/reset-factor",
        Some(&token),
        Some(json!({"factorId": list[0]["factorId"]})),
    )
    .await;
    assert_eq!(v["statusCode"], 200, "{v}");
    assert_eq!(v2_login(&dev, &u).await["code"], 200);
    let (_, v) = dev.delete("/api/v2/mfa/totp/associate", Some(&token)).await;
    assert_eq!(v["code"], 6005, "v2 sees it gone: {v}");
}

#[tokio::test]
async fn v3_verify_shares_the_v2_lockout_counter() {
    let dev = Dev::start_with(Config {
        log_requests: false,
        max_failures: 3,
        ..Config::default()
    })
    .await;
    let u = dev.user("cy").await;
    let token = access_token(&dev, &u).await;
    let secret = enroll_otp(&dev, &token).await;
    let t = dev.align_to_step_start().await;
    let good = totp_at(&secret, t);
    let bad = format!("{:06}", (good.parse::<u32>().unwrap() + 7) % 1_000_000);
    // One wrong answer through v2, two through v3: the third locks.
    let mfa = dev.mfa_token(&u).await;
    let (_, v) = dev
        .post("/api/v2/mfa/totp/verify", Some(&mfa), json!({"totp": bad}))
        .await;
    assert_eq!(v["code"], 6001);
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/mfa-totp-verify",
        Some(&token),
        Some(json!({"totp": bad})),
    )
    .await;
    assert_eq!(v["data"]["verified"], false, "{v}");
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/mfa-totp-verify",
        Some(&token),
        Some(json!({"totp": bad})),
    )
    .await;
    assert_eq!(
        (v["statusCode"].as_i64(), v["apiCode"].as_i64()),
        (Some(403), Some(2005)),
        "{v}"
    );
    // Locked for both, the right code included.
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/mfa-totp-verify",
        Some(&token),
        Some(json!({"totp": good})),
    )
    .await;
    assert_eq!(v["apiCode"], 2005, "{v}");
    let (_, v) = dev
        .post("/api/v2/mfa/totp/verify", Some(&mfa), json!({"totp": good}))
        .await;
    assert_eq!(v["code"], 2005);
    dev.advance(300).await;
    let code = totp_at(&secret, dev.now().await);
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/mfa-totp-verify",
        Some(&token),
        Some(json!({"totp": code})),
    )
    .await;
    assert_eq!(v["data"]["verified"], true, "{v}");
    let (_, v) = dev.get(&format!("/__dev/users/{}", u.id), None).await;
    assert_eq!(
        v["data"]["lockout"]["failures"], 0,
        "a success resets the count: {v}"
    );
}

#[tokio::test]
async fn enrollment_tokens_expire_after_a_minute() {
    let dev = Dev::start().await;
    let u = dev.user("dee").await;
    let token = access_token(&dev, &u).await;
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/send-enroll-factor-request",
        Some(&token),
        Some(json!({"factorType": "OTP", "profile": {}})),
    )
    .await;
    let secret = authing_mfa::totp::parse_uri(v["data"]["otpData"]["qrCodeUri"].as_str().unwrap())
        .unwrap()
        .secret;
    dev.advance(61).await;
    let code = totp_at(&secret, dev.now().await);
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/enroll-factor",
        Some(&token),
        Some(json!({"factorType": "OTP", "enrollmentToken": v["data"]["enrollmentToken"], "enrollmentData": {"passCode": code}})),
    )
    .await;
    assert_eq!(v["statusCode"], 400, "{v}");
    assert!(v["message"].as_str().unwrap().contains("enrollmentToken"), "{v}");
    // Another user cannot use someone's token either.
    let other = dev.user("eve").await;
    let other_token = access_token(&dev, &other).await;
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/send-enroll-factor-request",
        Some(&token),
        Some(json!({"factorType": "OTP", "profile": {}})),
    )
    .await;
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/enroll-factor",
        Some(&other_token),
        Some(json!({"factorType": "OTP", "enrollmentToken": v["data"]["enrollmentToken"], "enrollmentData": {"passCode": "000000"}})),
    )
    .await;
    assert_eq!(v["statusCode"], 400, "{v}");
}

#[tokio::test]
async fn sms_and_email_enrolment_use_the_outbox_once_a_minute() {
    let dev = Dev::start().await;
    let u = dev.user("fay").await;
    let token = access_token(&dev, &u).await;
    let send = |ty: &'static str, profile: Value| {
        let token = token.clone();
        let dev = &dev;
        async move {
            v3(
                dev,
                Method::POST,
                "/api/v3/send-enroll-factor-request",
                Some(&token),
                Some(json!({"factorType": ty, "profile": profile})),
            )
            .await
        }
    };
    let v = send(
        "SMS",
        json!({"phoneNumber": "13800000001", "phoneCountryCode": "+86"}),
    )
    .await;
    assert_eq!(v["statusCode"], 200, "{v}");
    assert!(v["data"].get("otpData").is_none());
    let first = v["data"]["enrollmentToken"].as_str().unwrap().to_owned();
    let v = send("SMS", json!({"phoneNumber": "13800000001"})).await;
    assert_eq!(
        (v["statusCode"].as_i64(), v["apiCode"].as_i64()),
        (Some(422), Some(2080)),
        "{v}"
    );
    let v = send("SMS", json!({})).await;
    assert_eq!(v["statusCode"], 400, "{v}");
    // A phone or email longer than 256 characters is refused, not kept.
    for (ty, profile) in [
        ("SMS", json!({"phoneNumber": "1".repeat(257)})),
        (
            "SMS",
            json!({"phoneNumber": "13800000002", "phoneCountryCode": "1".repeat(257)}),
        ),
        (
            "EMAIL",
            json!({"email": format!("{}@example.com", "a".repeat(250))}),
        ),
    ] {
        let v = send(ty, profile).await;
        assert_eq!(v["statusCode"], 400, "{v}");
    }
    let (_, outbox) = dev.get("/__dev/outbox?to=13800000001", None).await;
    let msgs = outbox["data"].as_array().unwrap();
    assert_eq!(msgs.len(), 1, "{outbox}");
    assert_eq!(msgs[0]["scene"], "CHANNEL_BIND_MFA");
    let code = dev.last_code("13800000001").await;
    let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let enroll = |ty: &'static str, et: String, pass: String| {
        let token = token.clone();
        let dev = &dev;
        async move {
            v3(
                dev,
                Method::POST,
                "/api/v3/enroll-factor",
                Some(&token),
                Some(json!({"factorType": ty, "enrollmentToken": et, "enrollmentData": {"passCode": pass}})),
            )
            .await
        }
    };
    let v = enroll("SMS", first.clone(), wrong).await;
    assert_eq!(
        (v["statusCode"].as_i64(), v["apiCode"].as_i64()),
        (Some(400), Some(2001)),
        "{v}"
    );
    let v = enroll("EMAIL", first.clone(), code.clone()).await;
    assert_eq!(v["statusCode"], 400, "another factorType's token: {v}");
    let v = enroll("SMS", first, code).await;
    assert_eq!(v["statusCode"], 200, "{v}");

    // A minute later the same phone may be sent to again (by another user
    // it is taken, though).
    dev.advance(60).await;
    let v = send("EMAIL", json!({"email": "someone-else@example.com"})).await;
    assert_eq!(v["statusCode"], 400, "not the user's email: {v}");
    let v = send("EMAIL", json!({"email": u.email})).await;
    assert_eq!(v["statusCode"], 200, "{v}");
    let code = dev.last_code(&u.email).await;
    let v = enroll(
        "EMAIL",
        v["data"]["enrollmentToken"].as_str().unwrap().to_owned(),
        code,
    )
    .await;
    assert_eq!(v["statusCode"], 200, "{v}");

    let v = v3(
        &dev,
        Method::GET,
        "/api/v3/list-enrolled-factors",
        Some(&token),
        None,
    )
    .await;
    let list = v["data"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{v}");
    assert_eq!(
        list[0]["profile"],
        json!({"phoneNumber": "13800000001", "phoneCountryCode": "+86"})
    );
    assert_eq!(list[1]["profile"], json!({"email": u.email}));
    // The user's own factors: v2 login stops at 1635 and offers SMS and
    // EMAIL; v2 SMS verify accepts the enrolled phone.
    let v = v2_login(&dev, &u).await;
    assert_eq!(v["code"], 1635, "{v}");
    let policies: Vec<&str> = v["data"]["applicationMfa"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["mfaPolicy"].as_str().unwrap())
        .collect();
    assert_eq!(policies, ["SMS", "EMAIL"]);
    let mfa = v["data"]["mfaToken"].as_str().unwrap().to_owned();
    let (_, v) = dev
        .post(
            "/api/v2/sms/send",
            None,
            json!({"phone": "13800000001", "scene": "mfa-verify"}),
        )
        .await;
    assert_eq!(v["code"], 200);
    let code = dev.last_code("13800000001").await;
    let (_, v) = dev
        .post(
            "/api/v2/applications/mfa/sms/verify",
            Some(&mfa),
            json!({"phone": "13800000001", "code": code}),
        )
        .await;
    assert_eq!(v["code"], 200, "{v}");
}

#[tokio::test]
async fn face_enrolment_follows_the_v2_stand_in_rule() {
    let dev = Dev::start().await;
    let u = dev.user("gus").await;
    let token = access_token(&dev, &u).await;
    let start = || async {
        let v = v3(
            &dev,
            Method::POST,
            "/api/v3/send-enroll-factor-request",
            Some(&token),
            Some(json!({"factorType": "FACE", "profile": {}})),
        )
        .await;
        assert_eq!(v["statusCode"], 200, "{v}");
        v["data"]["enrollmentToken"].as_str().unwrap().to_owned()
    };
    let et = start().await;
    let enroll = |et: String, data: Value| {
        let dev = &dev;
        let token = token.clone();
        async move {
            v3(
                dev,
                Method::POST,
                "/api/v3/enroll-factor",
                Some(&token),
                Some(json!({"factorType": "FACE", "enrollmentToken": et, "enrollmentData": data})),
            )
            .await
        }
    };
    let v = enroll(
        et.clone(),
        json!({"photo": "face-photo/nothing.jpg", "isExternalPhoto": false}),
    )
    .await;
    assert_eq!(v["apiCode"], 1700, "{v}");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"face bytes".to_vec()).file_name("me.jpg"),
    );
    let up: Value = dev
        .http
        .post(format!(
            "{}/api/v2/upload?folder=face-photo&private=true",
            dev.url
        ))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = up["data"]["key"].as_str().unwrap();
    let v = enroll(et, json!({"photo": key, "isExternalPhoto": false})).await;
    assert_eq!(v["statusCode"], 200, "{v}");
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/send-enroll-factor-request",
        Some(&token),
        Some(json!({"factorType": "FACE", "profile": {}})),
    )
    .await;
    assert_eq!(
        (v["statusCode"].as_i64(), v["apiCode"].as_i64()),
        (Some(409), Some(1706)),
        "{v}"
    );
    // v2 face verify accepts the same bytes.
    let mfa = dev.mfa_token(&u).await;
    let (_, v) = dev
        .post("/api/v2/mfa/face/verify", Some(&mfa), json!({"photo": key}))
        .await;
    assert_eq!(v["code"], 200, "{v}");
}

#[tokio::test]
async fn factor_endpoints_need_a_valid_access_token() {
    let dev = Dev::start().await;
    // A path or method v3 does not have still answers as v3 (HTTP 200 with
    // statusCode; `v3_with` checks the envelope), never a v2 404/405.
    let v = v3_with(&dev, Method::GET, "/api/v3/no-such-endpoint", None, None, APP).await;
    assert_eq!(v["statusCode"], 404, "{v}");
    let v = v3_with(
        &dev,
        Method::DELETE,
        "/api/v3/list-enrolled-factors",
        None,
        None,
        APP,
    )
    .await;
    assert_eq!(v["statusCode"], 405, "{v}");
    let u = dev.user("hal").await;
    let token = access_token(&dev, &u).await;
    for (method, path) in [
        (Method::GET, "/api/v3/list-enrolled-factors"),
        (Method::GET, "/api/v3/list-factors-to-enroll"),
        (Method::GET, "/api/v3/get-factor?factorId=x"),
        (Method::POST, "/api/v3/send-enroll-factor-request"),
        (Method::POST, "/api/v3/enroll-factor"),
        (Method::POST, "/api/v3/reset-factor"),
        (Method::POST, "/api/v3/mfa-totp-verify"),
    ] {
        let body = (method == Method::POST).then(|| json!({}));
        let v = v3_with(&dev, method.clone(), path, None, body.clone(), APP).await;
        assert_eq!(
            (v["statusCode"].as_i64(), v["apiCode"].as_i64()),
            (Some(401), Some(2020)),
            "{path}: {v}"
        );
        let v = v3_with(
            &dev,
            method.clone(),
            path,
            Some("not-a-token".into()),
            body.clone(),
            APP,
        )
        .await;
        assert_eq!(
            (v["statusCode"].as_i64(), v["apiCode"].as_i64()),
            (Some(401), Some(2207)),
            "{path}: {v}"
        );
        let v = v3_with(
            &dev,
            method.clone(),
            path,
            Some("Basic YTpi".into()),
            body.clone(),
            APP,
        )
        .await;
        assert_eq!(v["apiCode"], 2020, "{path}: {v}");
        // `Bearer <token>` works as well as the raw token.
        let v = v3_with(&dev, method, path, Some(format!("Bearer {token}")), body, APP).await;
        assert_ne!(v["statusCode"], 401, "{path}: {v}");
    }
    // An mfaToken is not an access token (mfa-totp-verify aside).
    let (_, v) = dev
        .post(&format!("/__dev/users/{}/mfa/totp", u.id), None, json!({}))
        .await;
    assert_eq!(v["code"], 200, "{v}");
    let mfa = dev.mfa_token(&u).await;
    let v = v3(
        &dev,
        Method::GET,
        "/api/v3/list-enrolled-factors",
        Some(&mfa),
        None,
    )
    .await;
    assert_eq!(v["apiCode"], 2207, "{v}");
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/mfa-totp-verify",
        Some(&mfa),
        Some(json!({"totp": "000000"})),
    )
    .await;
    assert_eq!(v["statusCode"], 200, "{v}");
    dev.advance(15 * 86400 + 1).await;
    let v = v3(
        &dev,
        Method::GET,
        "/api/v3/list-enrolled-factors",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(v["apiCode"], 2206, "{v}");
}

#[tokio::test]
async fn sign_in_authenticates_the_client() {
    let dev = Dev::start().await;
    let u = dev.user("ida").await;
    let (_, v) = dev
        .post(
            &format!("/__dev/apps/{APP}"),
            None,
            json!({"appSecret": "s3cret", "factors": ["OTP", "EMAIL"]}),
        )
        .await;
    assert_eq!(v["code"], 200, "{v}");
    assert_eq!(v["data"]["hasSecret"], true);
    assert!(
        !v.to_string().contains("s3cret"),
        "the secret is never answered: {v}"
    );
    let payload = json!({"email": u.email, "password": u.password});
    let signin = |auth: Option<String>, extra: Value| {
        let mut body = json!({"connection": "PASSWORD", "passwordPayload": payload});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let dev = &dev;
        async move { v3_with(dev, Method::POST, "/api/v3/signin", auth, Some(body), APP).await }
    };
    let basic = |id: &str, secret: &str| {
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        ))
    };
    // client_secret_post
    let v = signin(None, json!({"client_id": APP, "client_secret": "s3cret"})).await;
    assert_eq!(v["statusCode"], 200, "{v}");
    let v = signin(None, json!({"client_id": APP, "client_secret": "wrong"})).await;
    assert_eq!(v["statusCode"], 401, "{v}");
    let v = signin(None, json!({"client_id": "other", "client_secret": "s3cret"})).await;
    assert_eq!(v["statusCode"], 401, "{v}");
    // client_secret_basic
    let v = signin(basic(APP, "s3cret"), json!({})).await;
    assert_eq!(v["statusCode"], 200, "{v}");
    let v = signin(basic(APP, "nope"), json!({})).await;
    assert_eq!(v["statusCode"], 401, "{v}");
    // none: refused for a confidential app, accepted once it is public.
    let v = signin(None, json!({})).await;
    assert_eq!(v["statusCode"], 401, "{v}");
    let (_, v) = dev
        .post(&format!("/__dev/apps/{APP}"), None, json!({"appSecret": null}))
        .await;
    assert_eq!(
        (v["data"]["hasSecret"].as_bool(), &v["data"]["factors"]),
        (Some(false), &json!(["OTP", "EMAIL"]))
    );
    let v = signin(None, json!({})).await;
    assert_eq!(v["statusCode"], 200, "{v}");
    let token = v["data"]["access_token"].as_str().unwrap().to_owned();
    // The registry's factors are what can be enrolled.
    let v = v3(
        &dev,
        Method::GET,
        "/api/v3/list-factors-to-enroll",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(v["data"], json!([{"factorType": "OTP"}, {"factorType": "EMAIL"}]));
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/send-enroll-factor-request",
        Some(&token),
        Some(json!({"factorType": "SMS", "profile": {"phoneNumber": "13900000000"}})),
    )
    .await;
    assert_eq!(v["statusCode"], 403, "{v}");
    // Wrong password, missing app id, other connections.
    let v = signin(
        None,
        json!({"passwordPayload": {"email": u.email, "password": "bad"}}),
    )
    .await;
    assert_eq!(
        (v["statusCode"].as_i64(), v["apiCode"].as_i64()),
        (Some(400), Some(2333)),
        "{v}"
    );
    let v = v3_with(
        &dev,
        Method::POST,
        "/api/v3/signin",
        None,
        Some(json!({"connection": "PASSWORD"})),
        "",
    )
    .await;
    assert_eq!(v["statusCode"], 400, "{v}");
    let v = signin(None, json!({"connection": "LDAP"})).await;
    assert_eq!(v["statusCode"], 400, "{v}");
    // Username, account, and RSA-encrypted passwords.
    let v = signin(
        None,
        json!({"passwordPayload": {"username": "ida", "password": u.password}}),
    )
    .await;
    assert_eq!(v["statusCode"], 200, "{v}");
    let v = signin(
        None,
        json!({"passwordPayload": {"account": u.email, "password": u.password}}),
    )
    .await;
    assert_eq!(v["statusCode"], 200, "{v}");
    let encrypted = dev.encrypt(&u.password).await;
    let v = signin(
        None,
        json!({"passwordPayload": {"email": u.email, "password": encrypted}, "options": {"passwordEncryptType": "rsa"}}),
    )
    .await;
    assert_eq!(v["statusCode"], 200, "{v}");
    let v = signin(
        None,
        json!({"passwordPayload": {"email": u.email, "password": u.password}, "options": {"passwordEncryptType": "sm2"}}),
    )
    .await;
    assert_eq!(v["statusCode"], 400, "{v}");
}

#[tokio::test]
async fn pass_code_sign_in_takes_an_outbox_code() {
    let dev = Dev::start().await;
    let u = dev.user("jo").await;
    let (_, v) = dev
        .post(
            "/api/v2/email/send",
            None,
            json!({"email": u.email, "scene": "LOGIN_VERIFY_CODE"}),
        )
        .await;
    assert_eq!(v["code"], 200);
    let code = dev.last_code(&u.email).await;
    let body = json!({"connection": "PASSCODE", "passCodePayload": {"email": u.email, "passCode": code}});
    let v = v3(&dev, Method::POST, "/api/v3/signin", None, Some(body.clone())).await;
    assert_eq!(v["statusCode"], 200, "{v}");
    let v = v3(&dev, Method::POST, "/api/v3/signin", None, Some(body)).await;
    assert_eq!(
        (v["statusCode"].as_i64(), v["apiCode"].as_i64()),
        (Some(400), Some(2001)),
        "used: {v}"
    );
}

#[tokio::test]
async fn enrolments_and_apps_survive_a_restart_with_state() {
    let dir = std::env::temp_dir().join(format!("devserver-v3-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    let _ = std::fs::remove_file(&path);
    let config = || Config {
        log_requests: false,
        state_file: Some(path.clone()),
        ..Config::default()
    };
    let (token, enrollment, secret, u);
    {
        let dev = Dev::start_with(config()).await;
        u = dev.user("kim").await;
        // A secret with a `~`: no base64 or hex in the state file (keys,
        // hashes) can contain it by chance, as a short one like "k3y" could.
        let (_, v) = dev
            .post(
                &format!("/__dev/apps/{APP}"),
                None,
                json!({"appSecret": "app-SECRET~k3y"}),
            )
            .await;
        assert_eq!(v["code"], 200);
        let v = v3(
            &dev,
            Method::POST,
            "/api/v3/signin",
            None,
            Some(json!({"connection": "PASSWORD", "passwordPayload": {"email": u.email, "password": u.password}, "client_id": APP, "client_secret": "app-SECRET~k3y"})),
        )
        .await;
        token = v["data"]["access_token"].as_str().unwrap().to_owned();
        let v = v3(
            &dev,
            Method::POST,
            "/api/v3/send-enroll-factor-request",
            Some(&token),
            Some(json!({"factorType": "OTP", "profile": {}})),
        )
        .await;
        enrollment = v["data"]["enrollmentToken"].as_str().unwrap().to_owned();
        secret = authing_mfa::totp::parse_uri(v["data"]["otpData"]["qrCodeUri"].as_str().unwrap())
            .unwrap()
            .secret;
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("app-SECRET~k3y") && !text.contains(&enrollment),
        "no secret or token in the file"
    );
    let dev = Dev::start_with(config()).await;
    let code = totp_at(&secret, dev.now().await);
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/enroll-factor",
        Some(&token),
        Some(
            json!({"factorType": "OTP", "enrollmentToken": enrollment, "enrollmentData": {"passCode": code}}),
        ),
    )
    .await;
    assert_eq!(v["statusCode"], 200, "{v}");
    let v = v3(
        &dev,
        Method::POST,
        "/api/v3/signin",
        None,
        Some(
            json!({"connection": "PASSWORD", "passwordPayload": {"email": u.email, "password": u.password}}),
        ),
    )
    .await;
    assert_eq!(v["statusCode"], 401, "the app secret survived: {v}");
    let v = v3(
        &dev,
        Method::GET,
        "/api/v3/list-enrolled-factors",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(v["data"].as_array().unwrap().len(), 1, "{v}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn system_info_serves_the_rsa_key_for_encrypted_passwords() {
    let dev = Dev::start().await;
    let v: Value = dev
        .http
        .get(format!("{}/api/v3/system", dev.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pem = v["rsa"]["publicKey"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{v}");
    let (_, wk) = dev.get("/api/v2/.well-known", None).await;
    assert_eq!(wk["data"]["publicKey"], pem);
}
