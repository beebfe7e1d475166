//! The console: its page and assets, the state it polls (users with their
//! current TOTP code, the outbox, the policies, the clock, the requests),
//! the masked request log and its bound, and resetting a user's MFA.

mod common;

use authing_mfa_devserver::REQUEST_LOG_CAP;
use common::{assert_code, totp_at, Dev};
use serde_json::{json, Value};

async fn state(dev: &Dev) -> Value {
    let (s, v) = dev.get("/__dev/console/state", None).await;
    assert_eq!((s, v["code"].as_i64()), (200, Some(200)), "{v}");
    v["data"].clone()
}

async fn fetch(dev: &Dev, path: &str) -> (u16, String, String) {
    let resp = dev.http.get(format!("{}{path}", dev.url)).send().await.unwrap();
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ctype, resp.text().await.unwrap())
}

#[tokio::test]
async fn the_page_is_served_with_its_assets() {
    let dev = Dev::start().await;
    let (s, ctype, html) = fetch(&dev, "/__dev/console").await;
    assert_eq!(s, 200);
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(html.contains("Development tool"), "the page says what it is");
    for asset in ["/__dev/console/console.css", "/__dev/console/console.js"] {
        assert!(html.contains(asset), "the page links {asset}");
        let (s, ctype, body) = fetch(&dev, asset).await;
        assert_eq!(s, 200, "{asset}");
        assert!(!body.is_empty());
        let want = if asset.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(ctype.starts_with(want), "{asset}: {ctype}");
    }
    // Nothing from elsewhere: no CDN, no remote font.
    assert!(!html.contains("https://") && !html.contains("http://"));
    let (_, _, js) = fetch(&dev, "/__dev/console/console.js").await;
    assert!(js.contains("/__dev/console/state"));
    assert!(!js.contains("https://") && !js.contains("http://"));
}

#[tokio::test]
async fn another_host_name_is_refused() {
    let dev = Dev::start().await;
    for path in ["/__dev/console", "/__dev/console/state", "/__dev/requests"] {
        let resp = dev
            .http
            .get(format!("{}{path}", dev.url))
            .header("Host", "attacker.example:80")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 404, "{path}");
    }
    // Every dev route, not only the console's: the outbox shows codes, the
    // user routes show TOTP secrets, POSTs change state.
    let alice = dev.user("alice").await;
    for path in [
        "/__dev/outbox",
        "/__dev/users",
        &format!("/__dev/users/{}", alice.id),
    ] {
        let resp = dev
            .http
            .get(format!("{}{path}", dev.url))
            .header("Host", "rebound.example")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 404, "{path}");
    }
    // A page of another site posting to 127.0.0.1 (a local Host, but the
    // browser says where the page came from): refused, and read requests
    // too; the console's own origin and programs (no Origin) are served.
    for origin in ["https://evil.example", "null", "http://127.0.0.1.evil.example:80"] {
        let resp = dev
            .http
            .post(format!("{}/__dev/reset", dev.url))
            .header("Origin", origin)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 404, "{origin}");
    }
    assert_eq!(
        dev.get(&format!("/__dev/users/{}", alice.id), None).await.0,
        200,
        "the reset was refused: alice is still there"
    );
    let resp = dev
        .http
        .get(format!("{}/__dev/outbox", dev.url))
        .header("Origin", dev.url.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "the console's own origin");
    let before = dev.now().await;
    let resp = dev
        .http
        .post(format!("{}/__dev/clock", dev.url))
        .header("Host", "rebound.example")
        .body(r#"{"advanceSeconds": 86400}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert!(dev.now().await - before < 3600, "the clock did not move");
    let resp = dev
        .http
        .get(format!("{}/__dev/console", dev.url))
        .header("Host", "localhost:1234")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}

#[tokio::test]
async fn state_lists_users_outbox_policies_clock_and_requests() {
    let dev = Dev::start().await;
    let alice = dev.user("alice").await;
    let (s, v) = dev
        .post(
            "/__dev/users",
            None,
            json!({"phone": "13900000123", "password": "pw"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_code(
        &dev.post("/api/v2/sms/send", None, json!({"phone": "13900000123"}))
            .await,
        200,
        200,
    );
    assert_code(
        &dev.post("/__dev/apps/*/mfa", None, json!({"factors": ["SMS", "OTP"]}))
            .await,
        200,
        200,
    );
    dev.advance(90).await;

    let st = state(&dev).await;
    let users = st["users"].as_array().unwrap();
    assert_eq!(users.len(), 2);
    assert_eq!(users[0]["id"], alice.id.as_str());
    assert_eq!(users[0]["account"], "alice@example.com");
    assert_eq!(users[0]["totp"]["state"], "none");
    assert_eq!(users[0]["factors"]["totp"], "none");
    assert_eq!(users[0]["lockout"]["locked"], false);
    assert!(users[0].get("passwordHash").is_none() && users[0].get("password").is_none());
    let outbox = st["outbox"].as_array().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (outbox[0]["channel"].as_str(), outbox[0]["to"].as_str()),
        (Some("sms"), Some("13900000123"))
    );
    assert_eq!(outbox[0]["code"].as_str().unwrap().len(), 6);
    let apps = st["apps"].as_array().unwrap();
    assert_eq!(apps[0]["appId"], "*");
    assert_eq!(apps[0]["mfaPolicy"], json!(["SMS", "OTP"]));
    assert_eq!(st["clockOffsetSeconds"], 90);
    assert_eq!(st["requestLogCap"], REQUEST_LOG_CAP);
    let paths: Vec<&str> = st["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    // Newest first; the console's own polling is not there.
    assert_eq!(paths[0], "/__dev/clock");
    assert!(paths.contains(&"/api/v2/sms/send"));
    assert!(!paths.iter().any(|p| p.starts_with("/__dev/console")));

    // A second message comes first.
    dev.post("/api/v2/sms/send", None, json!({"phone": "13900000123"}))
        .await;
    let st = state(&dev).await;
    let outbox = st["outbox"].as_array().unwrap();
    assert_eq!(outbox.len(), 2);
    assert_eq!(outbox[1]["used"], false);
    assert!(outbox[0]["sentAt"].as_str() >= outbox[1]["sentAt"].as_str());
    assert_eq!(
        outbox[0]["code"].as_str().unwrap(),
        dev.last_code("13900000123").await
    );
}

#[tokio::test]
async fn the_current_totp_code_is_the_one_at_the_servers_clock() {
    let dev = Dev::start().await;
    let bob = dev.user("bob").await;
    // A shifted clock: the code is the one at the server's time, not the
    // system's.
    dev.advance(12_345).await;
    let (secret, _) = dev.bind_totp(&bob).await;
    for _ in 0..2 {
        let st = state(&dev).await;
        let now = st["now"].as_i64().unwrap();
        let t = &st["users"][0]["totp"];
        assert_eq!(t["state"], "bound");
        assert_eq!(t["secret"], secret.as_str());
        assert_eq!(t["code"].as_str().unwrap(), totp_at(&secret, now));
        assert_eq!(
            t["code"].as_str().unwrap(),
            authing_mfa::totp::generate(&secret, now).unwrap()
        );
        assert_eq!(t["secondsLeft"].as_i64().unwrap(), 30 - now.rem_euclid(30));
        assert!(t["qr"].as_str().unwrap().starts_with("data:image/png;base64,"));
        assert!(t["uri"].as_str().unwrap().contains(&secret));
        assert_eq!(st["users"][0]["factors"]["v3"][0]["factorType"], "OTP");
        dev.advance(30).await;
    }

    // The code shown logs in.
    let mfa = dev.mfa_token(&bob).await;
    let st = state(&dev).await;
    let code = st["users"][0]["totp"]["code"].as_str().unwrap().to_owned();
    let (s, v) = dev
        .post("/api/v2/mfa/totp/verify", Some(&mfa), json!({"totp": code}))
        .await;
    assert_eq!((s, v["code"].as_i64()), (200, Some(200)), "{v}");
}

#[tokio::test]
async fn a_pending_binding_shows_its_code_too() {
    let dev = Dev::start().await;
    let carol = dev.user("carol").await;
    let token = dev.user_token(&carol).await;
    let (_, v) = dev
        .post(
            "/api/v2/mfa/totp/associate",
            Some(&token),
            json!({"authenticator_type": "totp", "source": "SELF"}),
        )
        .await;
    let secret = v["data"]["secret"].as_str().unwrap().to_owned();
    let st = state(&dev).await;
    let t = &st["users"][0]["totp"];
    assert_eq!(t["state"], "pending");
    assert_eq!(
        t["code"].as_str().unwrap(),
        totp_at(&secret, st["now"].as_i64().unwrap())
    );
    assert_eq!(st["users"][0]["factors"]["totp"], "pending");
}

#[tokio::test]
async fn the_request_log_masks_credentials_codes_and_bodies() {
    let dev = Dev::start().await;
    let dave = dev.user("dave").await;
    let (secret, _) = dev.bind_totp(&dave).await;
    let login = dev.login(&dave).await;
    let mfa = login["data"]["mfaToken"].as_str().unwrap().to_owned();
    let code = totp_at(&secret, dev.now().await);
    let (_, v) = dev
        .post("/api/v2/mfa/totp/verify", Some(&mfa), json!({"totp": code}))
        .await;
    let user_token = v["data"]["token"].as_str().unwrap().to_owned();
    dev.post("/api/v2/sms/send", None, json!({"phone": "13900000999"}))
        .await;
    let sms = dev.last_code("13900000999").await;
    // Secrets in a query string, as a careless client might send them.
    let (s, _) = dev
        .get(
            &format!("/__dev/outbox?to=13900000999&token={user_token}&code={sms}"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    dev.get(&format!("/__dev/outbox?{mfa}"), None).await;

    let (s, v) = dev.get("/__dev/requests", None).await;
    assert_eq!(s, 200);
    let log = v["data"].clone();
    let text = log.to_string();
    for secret_text in [
        dave.password.as_str(),
        &mfa,
        &user_token,
        &code,
        &sms,
        &secret,
        "Bearer ey",
    ] {
        assert!(
            !text.contains(secret_text),
            "the request log shows {secret_text}: {text}"
        );
    }
    let list = log.as_array().unwrap();
    let verify = list
        .iter()
        .find(|r| r["path"] == "/api/v2/mfa/totp/verify")
        .unwrap();
    assert_eq!(verify["authorization"], "Bearer •••");
    assert_eq!(verify["method"], "POST");
    assert_eq!(
        (verify["status"].as_u64(), verify["code"].as_str()),
        (Some(200), Some("200"))
    );
    assert!(verify["durationMs"].as_f64().unwrap() >= 0.0);
    assert!(verify["bodyBytes"].as_u64().unwrap() > 0);
    assert!(verify["time"].as_str().unwrap().ends_with('Z'));
    let outbox = list
        .iter()
        .find(|r| r["path"] == "/__dev/outbox" && r["query"].as_str().unwrap().contains("token"))
        .unwrap();
    assert_eq!(outbox["query"], "to=•••&token=•••&code=•••");
    assert_eq!(list[0]["query"], "•••");
    // Newest first, and `limit` cuts.
    assert!(list[0]["seq"].as_u64() > list[1]["seq"].as_u64());
    let (_, v) = dev.get("/__dev/requests?limit=2", None).await;
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    // The state carries the same masked log.
    let st = state(&dev).await;
    assert!(!st["requests"].to_string().contains(&user_token));
}

#[tokio::test]
async fn the_request_log_is_bounded() {
    let dev = Dev::start().await;
    let n = REQUEST_LOG_CAP + 25;
    for i in 0..n {
        dev.get(&format!("/__dev/clock?i={i}"), None).await;
    }
    let (_, v) = dev.get("/__dev/requests", None).await;
    let list = v["data"].as_array().unwrap();
    assert_eq!(list.len(), REQUEST_LOG_CAP);
    let newest = list[0]["seq"].as_u64().unwrap();
    let oldest = list[REQUEST_LOG_CAP - 1]["seq"].as_u64().unwrap();
    assert_eq!(newest - oldest + 1, REQUEST_LOG_CAP as u64);
    assert_eq!(newest, n as u64);
}

#[tokio::test]
async fn reset_mfa_removes_every_factor_and_the_lock() {
    let dev = Dev::start_with(authing_mfa_devserver::Config {
        log_requests: false,
        max_failures: 1,
        ..Default::default()
    })
    .await;
    let erin = dev.user("erin").await;
    let (secret, _) = dev.bind_totp(&erin).await;
    dev.post(&format!("/__dev/users/{}/mfa/sms", erin.id), None, json!({}))
        .await;
    let mfa = dev.mfa_token(&erin).await;
    let wrong = common::wrong_code(&secret, dev.now().await);
    dev.post("/api/v2/mfa/totp/verify", Some(&mfa), json!({"totp": wrong}))
        .await;
    let st = state(&dev).await;
    assert_eq!(st["users"][0]["lockout"]["locked"], true);
    assert_eq!(st["users"][0]["factors"]["sms"], true);

    let (s, v) = dev
        .post(&format!("/__dev/users/{}/mfa/reset", erin.id), None, json!({}))
        .await;
    assert_eq!((s, v["code"].as_i64()), (200, Some(200)), "{v}");
    let st = state(&dev).await;
    let u = &st["users"][0];
    assert_eq!(u["totp"]["state"], "none");
    assert_eq!(
        (u["factors"]["sms"].as_bool(), u["factors"]["email"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(u["lockout"]["locked"], false);
    assert_eq!(u["lockout"]["failures"], 0);
    // No factor left: the login goes through.
    let v = dev.login(&erin).await;
    assert_eq!(v["code"], 200, "{v}");
    assert_code(
        &dev.post("/__dev/users/nobody/mfa/reset", None, json!({})).await,
        200,
        2004,
    );
}
