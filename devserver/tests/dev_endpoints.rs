//! The `/__dev/` control endpoints, the envelope for unknown paths and bad
//! bodies, and messages in both languages.

mod common;

use authing_mfa_devserver::Msg;
use common::{assert_code, Dev};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn users_are_unique_by_username_email_and_phone() {
    let dev = Dev::start().await;
    let (s, v) = dev
        .post("/__dev/users", None, json!({"username": "alice", "email": "Alice@Example.com", "phone": "13900000000", "password": "pw", "nickname": "Al"}))
        .await;
    assert_eq!((s, v["code"].as_i64()), (200, Some(200)), "{v}");
    let d = &v["data"];
    assert_eq!(d["id"].as_str().unwrap().len(), 24);
    assert_eq!(
        (d["nickname"].as_str(), d["phoneCountryCode"].as_str()),
        (Some("Al"), Some("+86"))
    );
    assert!(
        d.get("password").is_none() && d.get("passwordHash").is_none() && d.get("passwordSalt").is_none()
    );
    for dup in [
        json!({"username": "alice", "password": "pw"}),
        json!({"email": "alice@example.com", "password": "pw"}),
        json!({"phone": "13900000000", "password": "pw"}),
    ] {
        assert_code(&dev.post("/__dev/users", None, dup).await, 409, 2026);
    }
    assert_code(
        &dev.post("/__dev/users", None, json!({"username": "bob"})).await,
        400,
        2000,
    );
    assert_code(
        &dev.post("/__dev/users", None, json!({"password": "pw"})).await,
        400,
        2000,
    );
    assert_code(
        &dev.post(
            "/__dev/users",
            None,
            json!({"username": "x".repeat(300), "password": "pw"}),
        )
        .await,
        400,
        2000,
    );
}

#[tokio::test]
async fn login_by_any_account_name_and_wrong_password() {
    let dev = Dev::start().await;
    dev.post("/__dev/users", None, json!({"username": "carol", "email": "carol@example.com", "phone": "13900000001", "password": "s3cret"}))
        .await;
    for account in ["carol", "CAROL@example.com", "13900000001"] {
        let v = dev
            .post(
                "/__dev/login",
                None,
                json!({"account": account, "password": "s3cret"}),
            )
            .await
            .1;
        assert_eq!(v["code"], 200, "{account}: {v}");
        assert_eq!(v["data"]["username"], "carol");
    }
    let zh = dev
        .post(
            "/__dev/login",
            None,
            json!({"account": "carol", "password": "nope"}),
        )
        .await;
    assert_eq!(
        (zh.0, &zh.1),
        (200, &json!({"code": 2333, "message": "账号或密码错误"}))
    );
    let en = dev
        .call_full(
            Method::POST,
            "/__dev/login",
            None,
            Some(json!({"account": "ghost", "password": "s3cret"})),
            Some("en-US"),
        )
        .await;
    assert_eq!(
        en.1,
        json!({"code": 2333, "message": "Incorrect account or password"})
    );
    assert_code(
        &dev.post("/__dev/login", None, json!({"account": "carol"})).await,
        400,
        2000,
    );
}

#[tokio::test]
async fn clock_shifts_add_up_and_can_go_back() {
    let dev = Dev::start().await;
    let (_, v) = dev.get("/__dev/clock", None).await;
    let start = v["data"]["now"].as_i64().unwrap();
    assert_eq!(v["data"]["offsetSeconds"], 0);
    let system = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((start - system).abs() <= 2);
    let v = dev.advance(3600).await;
    assert_eq!(v["data"]["offsetSeconds"], 3600);
    let v = dev.advance(-7200).await;
    assert_eq!(v["data"]["offsetSeconds"], -3600);
    assert!((v["data"]["now"].as_i64().unwrap() - (start - 3600)).abs() <= 2);
    assert_code(&dev.post("/__dev/clock", None, json!({})).await, 400, 2000);
    assert_code(
        &dev.post("/__dev/clock", None, json!({"advanceSeconds": "10"}))
            .await,
        400,
        2000,
    );
    assert_code(
        &dev.post("/__dev/clock", None, json!({"advanceSeconds": i64::MAX}))
            .await,
        400,
        2000,
    );
    // i64::MIN has no absolute value in i64: refused, not a panic.
    assert_code(
        &dev.post("/__dev/clock", None, json!({"advanceSeconds": i64::MIN}))
            .await,
        400,
        2000,
    );
    assert_eq!(
        dev.get("/__dev/clock", None).await.1["data"]["offsetSeconds"],
        -3600
    );
}

#[tokio::test]
async fn outbox_filters_by_recipient() {
    let dev = Dev::start().await;
    dev.post("/api/v2/sms/send", None, json!({"phone": "13900000002"}))
        .await;
    dev.post("/api/v2/email/send", None, json!({"email": "dan@example.com"}))
        .await;
    dev.post(
        "/api/v2/sms/send",
        None,
        json!({"phone": "13900000002", "phoneCountryCode": "+852"}),
    )
    .await;
    let all = dev.get("/__dev/outbox", None).await.1["data"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(all.len(), 3);
    let sms = dev.get("/__dev/outbox?to=13900000002", None).await.1["data"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(sms.len(), 2);
    assert_eq!(sms[1]["phoneCountryCode"], "+852", "newest last");
    assert!(sms[0]["sentAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        dev.get("/__dev/outbox?to=nobody", None).await.1["data"],
        json!([])
    );
}

#[tokio::test]
async fn reset_empties_everything() {
    let dev = Dev::start().await;
    let u = dev.user("erin").await;
    dev.post("/api/v2/sms/send", None, json!({"phone": "13900000003"}))
        .await;
    dev.advance(500).await;
    assert_eq!(
        dev.post("/__dev/reset", None, json!({})).await.1,
        json!({"code": 200, "message": "状态已清空"})
    );
    assert_eq!(dev.login(&u).await["code"], 2333, "the user is gone");
    assert_eq!(dev.get("/__dev/outbox", None).await.1["data"], json!([]));
    assert_eq!(dev.get("/__dev/clock", None).await.1["data"]["offsetSeconds"], 0);
}

#[tokio::test]
async fn set_factor_enables_totp_directly_and_validates_input() {
    let dev = Dev::start().await;
    let u = dev.user("fay").await;
    let (_, v) = dev
        .post(&format!("/__dev/users/{}/mfa/totp", u.id), None, json!({}))
        .await;
    let secret = v["data"]["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 16);
    assert_eq!(v["data"]["totpMfaEnabled"], true);
    assert_eq!(
        v["data"]["qrcodeUri"],
        authing_mfa::totp::authing_uri("authing-mfa-devserver", &u.email, &secret)
    );
    let mfa = dev.mfa_token(&u).await;
    let code = common::totp_at(&secret, dev.now().await);
    assert_code(
        &dev.post("/api/v2/mfa/totp/verify", Some(&mfa), json!({"totp": code}))
            .await,
        200,
        200,
    );
    assert_code(
        &dev.post(
            &format!("/__dev/users/{}/mfa/totp", u.id),
            None,
            json!({"secret": "not base32!"}),
        )
        .await,
        400,
        2000,
    );
    assert_code(
        &dev.post(
            &format!("/__dev/users/{}/mfa/totp", u.id),
            None,
            json!({"enabled": false}),
        )
        .await,
        200,
        200,
    );
    assert_eq!(dev.login(&u).await["code"], 200);
    assert_code(
        &dev.post(&format!("/__dev/users/{}/mfa/fingerprint", u.id), None, json!({}))
            .await,
        404,
        404,
    );
    assert_code(
        &dev.post("/__dev/users/000000000000000000000000/mfa/sms", None, json!({}))
            .await,
        200,
        2004,
    );
}

#[tokio::test]
async fn unknown_paths_methods_and_bodies_get_envelopes() {
    let dev = Dev::start().await;
    assert_eq!(
        dev.get("/api/v2/nothing", None).await,
        (404, json!({"code": 404, "message": "接口不存在"}))
    );
    let en = dev
        .call_full(Method::PUT, "/__dev/reset", None, None, Some("en-US"))
        .await;
    assert_eq!(en, (405, json!({"code": 405, "message": "Method not allowed"})));
    let resp = dev
        .http
        .post(format!("{}/__dev/login", dev.url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["code"], 2000);
    let resp = dev
        .http
        .post(format!("{}/__dev/login", dev.url))
        .body("[1,2]")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<serde_json::Value>().await.unwrap()["message"],
        "请求体不是有效的 JSON 对象"
    );
    let huge = format!("{{\"account\":\"{}\"}}", "a".repeat(3 * 1024 * 1024));
    let resp = dev
        .http
        .post(format!("{}/__dev/login", dev.url))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 413);
    assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["code"], 413);
}

/// Every message the server can send reaches the client in the language the
/// header asks for: spot-check each token code in both languages.
#[tokio::test]
async fn token_errors_follow_x_authing_lang() {
    let dev = Dev::start().await;
    let u = dev.user("gil").await;
    let token = dev.user_token(&u).await;
    let path = "/api/v2/mfa/authenticator?type=totp";
    for (lang, pick) in [
        (None, Msg::zh as fn(Msg) -> &'static str),
        (Some("zh-CN"), Msg::zh),
        (Some("en-US"), Msg::en),
    ] {
        let got = dev.call_full(Method::GET, path, None, None, lang).await;
        assert_eq!(got.1["message"], pick(Msg::NotLoggedIn));
        let got = dev.call_full(Method::GET, path, Some("x.y.z"), None, lang).await;
        assert_eq!(got.1["message"], pick(Msg::TokenInvalid));
        let got = dev.call_full(Method::GET, path, Some(&token), None, lang).await;
        assert_eq!(got.1["message"], pick(Msg::Ok));
    }
    dev.advance(16 * 86_400).await;
    let got = dev
        .call_full(Method::GET, path, Some(&token), None, Some("en-US"))
        .await;
    assert_eq!(
        got.1,
        json!({"code": 2206, "message": "Login has expired, please log in again"})
    );
    let got = dev.call_full(Method::GET, path, Some(&token), None, None).await;
    assert_eq!(
        got.1,
        json!({"code": 2206, "message": "登录信息已过期，请重新登录"})
    );
}

#[tokio::test]
async fn user_listing_shows_factors_and_lockout() {
    let dev = Dev::start().await;
    assert_eq!(dev.get("/__dev/users", None).await.1["data"], json!([]));
    let u = dev.user("lisa").await;
    dev.post(&format!("/__dev/users/{}/mfa/sms", u.id), None, json!({}))
        .await;
    let (_, all) = dev.get("/__dev/users", None).await;
    assert_eq!(all["data"].as_array().unwrap().len(), 1);
    let one = dev.get(&format!("/__dev/users/{}", u.id), None).await;
    assert_code(&one, 200, 200);
    let d = &one.1["data"];
    assert_eq!(*d, all["data"][0]);
    assert_eq!(
        (d["id"].as_str(), d["token"].as_str()),
        (Some(u.id.as_str()), None)
    );
    assert_eq!(d["mfa"]["applicationMfa"][0]["mfaPolicy"], "SMS");
    assert_eq!(
        d["lockout"],
        json!({"failures": 0, "maxFailures": 5, "locked": false, "lockedUntil": null})
    );
    assert_code(
        &dev.get("/__dev/users/000000000000000000000000", None).await,
        200,
        2004,
    );
}
