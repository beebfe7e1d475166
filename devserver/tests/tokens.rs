//! Token rules: 2020 without a bearer token, 2207 for anything forged,
//! malformed, of the wrong kind or for an unknown user, 2206 once expired by
//! the server's clock.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use common::{assert_code, Dev};
use reqwest::Method;
use serde_json::{json, Value};

/// Every token-protected endpoint, with a body that would otherwise be valid
/// enough to get past argument checks.
fn protected() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/api/v2/mfa/authenticator?type=totp", None),
        (
            Method::POST,
            "/api/v2/mfa/totp/associate",
            Some(json!({"authenticator_type": "totp"})),
        ),
        (
            Method::POST,
            "/api/v2/mfa/totp/associate/confirm",
            Some(json!({"authenticator_type": "totp", "totp": "123456"})),
        ),
        (Method::DELETE, "/api/v2/mfa/totp/associate", None),
        (
            Method::POST,
            "/api/v2/mfa/totp/verify",
            Some(json!({"totp": "123456"})),
        ),
        (
            Method::POST,
            "/api/v2/mfa/totp/recovery",
            Some(json!({"recoveryCode": "0000-0000-0000-0000-0000-0000"})),
        ),
        (
            Method::POST,
            "/api/v2/applications/mfa/sms/verify",
            Some(json!({"phone": "13800000000", "code": "123456"})),
        ),
        (
            Method::POST,
            "/api/v2/applications/mfa/email/verify",
            Some(json!({"email": "x@example.com", "code": "123456"})),
        ),
        (
            Method::POST,
            "/api/v2/applications/mfa/check",
            Some(json!({"phone": "13800000000"})),
        ),
        (
            Method::POST,
            "/api/v2/mfa/face/associate",
            Some(json!({"photoA": "a", "photoB": "a", "isExternal": true})),
        ),
        (
            Method::POST,
            "/api/v2/mfa/face/verify",
            Some(json!({"photo": "a"})),
        ),
    ]
}

/// Endpoints that take only an mfaToken.
const MFA_ONLY: [&str; 6] = [
    "/api/v2/mfa/totp/verify",
    "/api/v2/mfa/totp/recovery",
    "/api/v2/applications/mfa/sms/verify",
    "/api/v2/applications/mfa/email/verify",
    "/api/v2/applications/mfa/check",
    "/api/v2/mfa/face/verify",
];

async fn call_raw_auth(
    dev: &Dev,
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = dev.http.request(method, format!("{}{path}", dev.url));
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn no_bearer_token_is_2020_on_every_protected_endpoint() {
    let dev = Dev::start().await;
    for (m, path, body) in protected() {
        for auth in [None, Some("Basic dXNlcjpwdw=="), Some("Bearer "), Some("Bearer")] {
            let got = call_raw_auth(&dev, m.clone(), path, auth, body.clone()).await;
            assert_code(&got, 200, 2020);
            assert!(got.1.get("data").is_none(), "{path}: {}", got.1);
        }
    }
}

#[tokio::test]
async fn malformed_and_forged_tokens_are_2207() {
    let dev = Dev::start().await;
    let u = dev.user("alice").await;
    let good = dev.user_token(&u).await;
    let parts: Vec<&str> = good.split('.').collect();
    // One character of the signature changed.
    let mut sig: Vec<char> = parts[2].chars().collect();
    sig[5] = if sig[5] == 'A' { 'B' } else { 'A' };
    let bad_sig = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        sig.into_iter().collect::<String>()
    );
    // A payload naming the same user with a later expiry, old signature kept.
    let mut payload: Value = serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
    payload["exp"] = json!(payload["exp"].as_i64().unwrap() + 1000);
    let forged = format!("{}.{}.{}", parts[0], B64.encode(payload.to_string()), parts[2]);
    // A token signed by another server (another key).
    let other = Dev::start().await;
    let other_user = other.user("alice").await;
    let foreign = other.user_token(&other_user).await;

    for token in [
        "undefined",
        "null",
        "a.b.c",
        "not-a-jwt",
        &bad_sig,
        &forged,
        &foreign,
    ] {
        let got = dev.get("/api/v2/mfa/authenticator?type=totp", Some(token)).await;
        assert_code(&got, 200, 2207);
    }
    // The genuine token still works: the refusals above were about the token.
    assert_code(
        &dev.get("/api/v2/mfa/authenticator?type=totp", Some(&good)).await,
        200,
        200,
    );
}

#[tokio::test]
async fn tokens_are_hs256_jwts_naming_the_user_kind_and_expiry() {
    let dev = Dev::start().await;
    let u = dev.user("bob").await;
    dev.post(&format!("/__dev/users/{}/mfa/sms", u.id), None, json!({}))
        .await;
    let now = dev.now().await;
    let mfa = dev.mfa_token(&u).await;
    let parts: Vec<&str> = mfa.split('.').collect();
    assert_eq!(parts.len(), 3);
    let header: Value = serde_json::from_slice(&B64.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "HS256");
    let claims: Value = serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["sub"], u.id.as_str());
    assert_eq!(claims["kind"], "mfa");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        360
    );
    assert!((claims["iat"].as_i64().unwrap() - now).abs() <= 2);
}

#[tokio::test]
async fn wrong_kind_of_token_is_2207() {
    let dev = Dev::start().await;
    let plain = dev.user("plain").await;
    let user_token = dev.user_token(&plain).await;
    for (m, path, body) in protected() {
        if MFA_ONLY.contains(&path) {
            let got = dev.call_full(m, path, Some(&user_token), body, None).await;
            assert_code(&got, 200, 2207);
        }
    }
    let with_mfa = dev.user("guarded").await;
    dev.bind_totp(&with_mfa).await;
    let mfa = dev.mfa_token(&with_mfa).await;
    // DELETE takes only a user token.
    assert_code(
        &dev.delete("/api/v2/mfa/totp/associate", Some(&mfa)).await,
        200,
        2207,
    );
    // "mfaToken if given, else user": both kinds work on these.
    assert_code(
        &dev.get("/api/v2/mfa/authenticator?type=totp", Some(&mfa)).await,
        200,
        200,
    );
    assert_code(
        &dev.get("/api/v2/mfa/authenticator?type=totp", Some(&user_token))
            .await,
        200,
        200,
    );
}

#[tokio::test]
async fn mfa_token_expires_after_360_seconds_of_server_time() {
    let dev = Dev::start().await;
    let u = dev.user("carol").await;
    let (secret, _) = dev.bind_totp(&u).await;
    let mfa = dev.mfa_token(&u).await;
    dev.advance(355).await;
    assert_code(
        &dev.get("/api/v2/mfa/authenticator?type=totp", Some(&mfa)).await,
        200,
        200,
    );
    dev.advance(10).await;
    assert_code(
        &dev.get("/api/v2/mfa/authenticator?type=totp", Some(&mfa)).await,
        200,
        2206,
    );
    let code = common::totp_at(&secret, dev.now().await);
    assert_code(
        &dev.post("/api/v2/mfa/totp/verify", Some(&mfa), json!({"totp": code}))
            .await,
        200,
        2206,
    );
    // Turning the clock back makes it valid again: expiry is judged by the
    // server's clock, not stored as a flag.
    dev.advance(-10).await;
    assert_code(
        &dev.get("/api/v2/mfa/authenticator?type=totp", Some(&mfa)).await,
        200,
        200,
    );
}

#[tokio::test]
async fn user_token_lasts_fifteen_days() {
    let dev = Dev::start().await;
    let u = dev.user("dave").await;
    let v = dev.login(&u).await;
    let token = v["data"]["token"].as_str().unwrap().to_owned();
    assert!(v["data"]["tokenExpiredAt"].as_str().unwrap().ends_with('Z'));
    dev.advance(15 * 86_400 - 30).await;
    assert_code(
        &dev.get("/api/v2/mfa/authenticator?type=totp", Some(&token)).await,
        200,
        200,
    );
    dev.advance(60).await;
    assert_code(
        &dev.get("/api/v2/mfa/authenticator?type=totp", Some(&token)).await,
        200,
        2206,
    );
}

#[tokio::test]
async fn token_of_a_deleted_user_is_2207() {
    let dev = Dev::start().await;
    let u = dev.user("erin").await;
    let token = dev.user_token(&u).await;
    assert_code(
        &dev.delete(&format!("/__dev/users/{}", u.id), None).await,
        200,
        200,
    );
    assert_code(
        &dev.get("/api/v2/mfa/authenticator?type=totp", Some(&token)).await,
        200,
        2207,
    );
    assert_code(
        &dev.delete(&format!("/__dev/users/{}", u.id), None).await,
        200,
        2004,
    );
}

#[tokio::test]
async fn reset_invalidates_every_token() {
    let dev = Dev::start().await;
    let u = dev.user("frank").await;
    let token = dev.user_token(&u).await;
    assert_code(&dev.post("/__dev/reset", None, json!({})).await, 200, 200);
    assert_code(
        &dev.get("/api/v2/mfa/authenticator?type=totp", Some(&token)).await,
        200,
        2207,
    );
    // Same names can be created again: the users are gone.
    dev.user("frank").await;
}
