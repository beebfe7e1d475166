//! Application SMS/email MFA: codes "sent" to the outbox, verified once,
//! within 5 minutes, binding the phone/email when the user has none; and the
//! bindable check.

mod common;

use common::{assert_code, Dev, User};
use serde_json::json;

const SMS_VERIFY: &str = "/api/v2/applications/mfa/sms/verify";
const EMAIL_VERIFY: &str = "/api/v2/applications/mfa/email/verify";
const CHECK: &str = "/api/v2/applications/mfa/check";

async fn sms_user(dev: &Dev, name: &str) -> User {
    let u = dev.user(name).await;
    let (_, v) = dev
        .post(&format!("/__dev/users/{}/mfa/sms", u.id), None, json!({}))
        .await;
    assert_eq!(v["data"]["applicationMfa"][0]["mfaPolicy"], "SMS", "{v}");
    u
}

async fn send_sms(dev: &Dev, phone: &str) -> String {
    assert_code(
        &dev.post(
            "/api/v2/sms/send",
            None,
            json!({"phone": phone, "phoneCountryCode": "+86"}),
        )
        .await,
        200,
        200,
    );
    dev.last_code(phone).await
}

#[tokio::test]
async fn login_reports_application_mfa() {
    let dev = Dev::start().await;
    let u = sms_user(&dev, "alice").await;
    dev.post(
        &format!("/__dev/users/{}/mfa/email", u.id),
        None,
        json!({"enabled": true}),
    )
    .await;
    let v = dev.login(&u).await;
    assert_eq!(v["code"], 1635);
    let policies: Vec<&str> = v["data"]["applicationMfa"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["mfaPolicy"].as_str().unwrap())
        .collect();
    assert_eq!(policies, ["SMS", "EMAIL"]);
    assert_eq!(v["data"]["totpMfaEnabled"], false);
    // Switching both off ends MFA for the user.
    dev.post(
        &format!("/__dev/users/{}/mfa/sms", u.id),
        None,
        json!({"enabled": false}),
    )
    .await;
    dev.post(
        &format!("/__dev/users/{}/mfa/email", u.id),
        None,
        json!({"enabled": false}),
    )
    .await;
    assert_eq!(dev.login(&u).await["code"], 200);
}

#[tokio::test]
async fn sms_code_binds_the_phone_and_works_once() {
    let dev = Dev::start().await;
    let u = sms_user(&dev, "bob").await;
    let mfa = dev.mfa_token(&u).await;
    let code = send_sms(&dev, "13800000001").await;
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    let wrong = if code == "000000" { "000001" } else { "000000" };
    assert_code(
        &dev.post(
            SMS_VERIFY,
            Some(&mfa),
            json!({"phone": "13800000001", "code": wrong}),
        )
        .await,
        200,
        2001,
    );
    assert_code(
        &dev.post(SMS_VERIFY, Some(&mfa), json!({"phone": "13800000001"}))
            .await,
        400,
        2000,
    );

    let ok = dev
        .post(
            SMS_VERIFY,
            Some(&mfa),
            json!({"phone": "13800000001", "code": code, "phoneCountryCode": "+86"}),
        )
        .await;
    assert_code(&ok, 200, 200);
    assert_eq!(ok.1["data"]["phone"], "13800000001");
    assert_eq!(ok.1["data"]["phoneVerified"], true);
    assert!(ok.1["data"]["token"].is_string());
    // Used: a second try with the same code (and a fresh mfaToken: the first
    // one is spent) fails, and the outbox says so.
    let mfa = dev.mfa_token(&u).await;
    assert_code(
        &dev.post(
            SMS_VERIFY,
            Some(&mfa),
            json!({"phone": "13800000001", "code": code}),
        )
        .await,
        200,
        2001,
    );
    let (_, out) = dev.get("/__dev/outbox?to=13800000001", None).await;
    assert_eq!(out["data"][0]["used"], true);
    assert_eq!(out["data"][0]["channel"], "sms");
    // Now bound: another phone is a mismatch, even with its own valid code.
    let other = send_sms(&dev, "13800000002").await;
    assert_code(
        &dev.post(
            SMS_VERIFY,
            Some(&mfa),
            json!({"phone": "13800000002", "code": other}),
        )
        .await,
        200,
        6020,
    );
    // Logging in by the bound phone works.
    let v = dev
        .post(
            "/__dev/login",
            None,
            json!({"account": "13800000001", "password": u.password}),
        )
        .await
        .1;
    assert_eq!(v["code"], 1635);
}

#[tokio::test]
async fn only_the_latest_code_within_five_minutes_counts() {
    let dev = Dev::start().await;
    let u = sms_user(&dev, "carol").await;
    let first = send_sms(&dev, "13800000003").await;
    let second = send_sms(&dev, "13800000003").await;
    let (_, out) = dev.get("/__dev/outbox?to=13800000003", None).await;
    assert_eq!(out["data"].as_array().unwrap().len(), 2, "newest last");
    assert_eq!(out["data"][1]["code"], second.as_str());
    let mfa = dev.mfa_token(&u).await;
    if first != second {
        assert_code(
            &dev.post(
                SMS_VERIFY,
                Some(&mfa),
                json!({"phone": "13800000003", "code": first}),
            )
            .await,
            200,
            2001,
        );
    }
    dev.advance(301).await;
    let mfa = dev.mfa_token(&u).await;
    assert_code(
        &dev.post(
            SMS_VERIFY,
            Some(&mfa),
            json!({"phone": "13800000003", "code": second}),
        )
        .await,
        200,
        2001,
    );
    let third = send_sms(&dev, "13800000003").await;
    dev.advance(290).await;
    assert_code(
        &dev.post(
            SMS_VERIFY,
            Some(&mfa),
            json!({"phone": "13800000003", "code": third}),
        )
        .await,
        200,
        200,
    );
}

#[tokio::test]
async fn a_phone_of_another_user_cannot_be_bound() {
    let dev = Dev::start().await;
    let (_, v) = dev
        .post(
            "/__dev/users",
            None,
            json!({"phone": "13800000004", "password": "x"}),
        )
        .await;
    assert_eq!(v["data"]["phone"], "13800000004");
    let u = sms_user(&dev, "dave").await;
    let mfa = dev.mfa_token(&u).await;
    let code = send_sms(&dev, "13800000004").await;
    let got = dev
        .post(
            SMS_VERIFY,
            Some(&mfa),
            json!({"phone": "13800000004", "code": code}),
        )
        .await;
    assert_code(&got, 200, 6022);
    // The refusal did not burn the code (checked before the code).
    let (_, out) = dev.get("/__dev/outbox?to=13800000004", None).await;
    assert_eq!(out["data"][0]["used"], false);

    assert_eq!(
        dev.post(CHECK, Some(&mfa), json!({"phone": "13800000004"}))
            .await
            .1["data"],
        false
    );
    assert_eq!(
        dev.post(CHECK, Some(&mfa), json!({"phone": "13800000099"}))
            .await
            .1["data"],
        true
    );
    assert_eq!(
        dev.post(CHECK, Some(&mfa), json!({"email": "dave@example.com"}))
            .await
            .1["data"],
        true,
        "own email"
    );
    assert_eq!(
        dev.post(
            CHECK,
            Some(&mfa),
            json!({"phone": "13800000099", "email": "nobody@example.com"})
        )
        .await
        .1["data"],
        true
    );
    assert_code(&dev.post(CHECK, Some(&mfa), json!({})).await, 400, 2000);
    let en = dev
        .call_full(
            reqwest::Method::POST,
            CHECK,
            Some(&mfa),
            Some(json!({"phone": ""})),
            Some("en-US"),
        )
        .await;
    assert_eq!(en.1["message"], "Argument phone/email is missing or invalid");
}

#[tokio::test]
async fn email_code_verifies_the_users_email() {
    let dev = Dev::start().await;
    let u = dev.user("erin").await;
    let other = dev.user("frank").await;
    dev.post(&format!("/__dev/users/{}/mfa/email", u.id), None, json!({}))
        .await;
    let mfa = dev.mfa_token(&u).await;
    assert_code(
        &dev.post(
            "/api/v2/email/send",
            None,
            json!({"email": u.email, "scene": "VERIFY_CODE"}),
        )
        .await,
        200,
        200,
    );
    let code = dev.last_code(&u.email).await;
    let (_, out) = dev
        .get(&format!("/__dev/outbox?to={}", common::urlencode(&u.email)), None)
        .await;
    assert_eq!(out["data"][0]["scene"], "VERIFY_CODE");
    let wrong = if code == "111111" { "222222" } else { "111111" };
    assert_code(
        &dev.post(EMAIL_VERIFY, Some(&mfa), json!({"email": u.email, "code": wrong}))
            .await,
        200,
        2001,
    );
    // The other user's email: mismatch for a user who has one.
    assert_code(
        &dev.post(
            EMAIL_VERIFY,
            Some(&mfa),
            json!({"email": other.email, "code": code}),
        )
        .await,
        200,
        6021,
    );
    let ok = dev
        .post(EMAIL_VERIFY, Some(&mfa), json!({"email": u.email, "code": code}))
        .await;
    assert_code(&ok, 200, 200);
    assert_eq!(ok.1["data"]["emailVerified"], true);
    assert_eq!(ok.1["data"]["loginsCount"], 1);
    let mfa = dev.mfa_token(&u).await;
    assert_code(
        &dev.post(EMAIL_VERIFY, Some(&mfa), json!({"email": u.email, "code": code}))
            .await,
        200,
        2001,
    );
    assert_eq!(
        dev.post(CHECK, Some(&mfa), json!({"email": other.email})).await.1["data"],
        false
    );
}

#[tokio::test]
async fn email_is_bound_when_the_user_has_none_unless_taken() {
    let dev = Dev::start().await;
    let (_, v) = dev
        .post("/__dev/users", None, json!({"username": "gus", "password": "pw"}))
        .await;
    let id = v["data"]["id"].as_str().unwrap().to_owned();
    dev.post(&format!("/__dev/users/{id}/mfa/email"), None, json!({}))
        .await;
    dev.user("taken").await;
    let mfa = dev
        .post("/__dev/login", None, json!({"account": "gus", "password": "pw"}))
        .await
        .1["data"]["mfaToken"]
        .as_str()
        .unwrap()
        .to_owned();
    dev.post("/api/v2/email/send", None, json!({"email": "taken@example.com"}))
        .await;
    let code = dev.last_code("taken@example.com").await;
    assert_code(
        &dev.post(
            EMAIL_VERIFY,
            Some(&mfa),
            json!({"email": "taken@example.com", "code": code}),
        )
        .await,
        200,
        6023,
    );
    dev.post("/api/v2/email/send", None, json!({"email": "gus@example.com"}))
        .await;
    let code = dev.last_code("gus@example.com").await;
    let ok = dev
        .post(
            EMAIL_VERIFY,
            Some(&mfa),
            json!({"email": "gus@example.com", "code": code}),
        )
        .await;
    assert_code(&ok, 200, 200);
    assert_eq!(ok.1["data"]["email"], "gus@example.com");
}

#[tokio::test]
async fn sending_needs_an_address() {
    let dev = Dev::start().await;
    assert_code(&dev.post("/api/v2/sms/send", None, json!({})).await, 400, 2000);
    assert_code(
        &dev.post("/api/v2/email/send", None, json!({"email": 42})).await,
        400,
        2000,
    );
    assert_eq!(dev.get("/__dev/outbox", None).await.1["data"], json!([]));
}

/// Every string the server keeps in the outbox or on the user is at most
/// 256 characters: bodies may be 2 MB and the outbox holds 1000 messages,
/// so without the bound a client could make the server keep gigabytes.
#[tokio::test]
async fn kept_strings_are_bounded() {
    let dev = Dev::start().await;
    let long = "1".repeat(257);
    let long_email = format!("{}@example.com", "a".repeat(250));
    for (path, body, field) in [
        ("/api/v2/sms/send", json!({"phone": long}), "phone"),
        (
            "/api/v2/sms/send",
            json!({"phone": "13800000001", "phoneCountryCode": long}),
            "phoneCountryCode",
        ),
        (
            "/api/v2/sms/send",
            json!({"phone": "13800000001", "scene": long}),
            "scene",
        ),
        ("/api/v2/email/send", json!({"email": long_email}), "email"),
        (
            "/api/v2/email/send",
            json!({"email": "a@example.com", "scene": long}),
            "scene",
        ),
    ] {
        let got = dev
            .call_full(reqwest::Method::POST, path, None, Some(body), Some("en-US"))
            .await;
        assert_code(&got, 400, 2000);
        assert!(got.1["message"].as_str().unwrap().contains(field), "{}", got.1);
    }
    // 256 characters are still fine.
    let ok = "1".repeat(256);
    assert_code(
        &dev.post("/api/v2/sms/send", None, json!({"phone": ok})).await,
        200,
        200,
    );
    let (_, outbox) = dev.get("/__dev/outbox", None).await;
    assert_eq!(outbox["data"].as_array().unwrap().len(), 1, "{outbox}");

    // GraphQL sendEmail.
    let got = dev
        .gql(
            "mutation s($email: String!) { sendEmail(email: $email, scene: VERIFY_CODE) { code } }",
            json!({"email": long_email}),
            None,
        )
        .await;
    assert_eq!(got.1["errors"][0]["message"]["code"], 2000, "{}", got.1);
    let (_, outbox) = dev.get("/__dev/outbox", None).await;
    assert_eq!(outbox["data"].as_array().unwrap().len(), 1, "{outbox}");

    // The phone and email a second factor would bind.
    let u = sms_user(&dev, "lena").await;
    dev.post(
        &format!("/__dev/users/{}/mfa/email", u.id),
        None,
        json!({"enabled": true}),
    )
    .await;
    let mfa = dev.mfa_token(&u).await;
    let got = dev
        .post(SMS_VERIFY, Some(&mfa), json!({"phone": long, "code": "123456"}))
        .await;
    assert_code(&got, 400, 2000);
    let got = dev
        .post(
            SMS_VERIFY,
            Some(&mfa),
            json!({"phone": "13800000001", "code": "123456", "phoneCountryCode": long}),
        )
        .await;
    assert_code(&got, 400, 2000);
    let got = dev
        .post(
            EMAIL_VERIFY,
            Some(&mfa),
            json!({"email": long_email, "code": "123456"}),
        )
        .await;
    assert_code(&got, 400, 2000);
}

/// A second factor the challenge did not offer is refused: with only the
/// password, a TOTP user's mfaToken must not let anyone bind their own
/// phone or email and pass by SMS/email. Once the application's policy
/// offers SMS, the same user may (Authing's bind-during-MFA flow).
#[tokio::test]
async fn only_a_factor_the_challenge_offered_finishes_the_login() {
    let dev = Dev::start().await;
    let u = dev.user("tina").await;
    dev.bind_totp(&u).await;
    // Authing's own login (GraphQL loginByEmail), not the dev shortcut.
    let (_, got) = dev.gql_login(&u.email, &u.password, None).await;
    let v = &got["errors"][0]["message"];
    assert_eq!(v["code"], 1635, "{got}");
    assert_eq!(v["data"]["applicationMfa"], json!([]));
    let mfa = v["data"]["mfaToken"].as_str().unwrap().to_owned();

    let code = send_sms(&dev, "13800000077").await;
    let refused = dev
        .post(
            SMS_VERIFY,
            Some(&mfa),
            json!({"phone": "13800000077", "code": code}),
        )
        .await;
    assert_code(&refused, 200, 403);
    dev.post(
        "/api/v2/email/send",
        None,
        json!({"email": "attacker@example.com"}),
    )
    .await;
    let email_code = dev.last_code("attacker@example.com").await;
    assert_code(
        &dev.post(
            EMAIL_VERIFY,
            Some(&mfa),
            json!({"email": "attacker@example.com", "code": email_code}),
        )
        .await,
        200,
        403,
    );
    // Nothing was bound, no code was burnt, and the refusals did not count
    // toward the lockout (the token still works for TOTP's wrong answers).
    let (_, out) = dev.get("/__dev/outbox?to=13800000077", None).await;
    assert_eq!(out["data"][0]["used"], false);
    let (_, users) = dev.get("/__dev/users", None).await;
    let tina = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == u.id.as_str())
        .unwrap()
        .clone();
    assert!(tina["phone"].is_null(), "{tina}");

    // The application's policy offers SMS: the same user may bind a phone
    // during MFA and pass with it.
    dev.post("/__dev/apps/app9/mfa", None, json!({"factors": ["SMS"]}))
        .await;
    let (_, got) = dev.gql_login(&u.email, &u.password, Some("app9")).await;
    let data = &got["errors"][0]["message"]["data"];
    assert_eq!(data["applicationMfa"][0]["mfaPolicy"], "SMS", "{got}");
    let mfa = data["mfaToken"].as_str().unwrap().to_owned();
    let ok = dev
        .post(
            SMS_VERIFY,
            Some(&mfa),
            json!({"phone": "13800000077", "code": code}),
        )
        .await;
    assert_code(&ok, 200, 200);
    assert_eq!(ok.1["data"]["phone"], "13800000077");

    // The dev-only `/__dev/login` is a test shortcut: its token takes SMS
    // and email whatever was offered (documented).
    let v = dev.login(&u).await;
    assert_eq!(v["data"]["applicationMfa"], json!([]));
    let mfa = v["data"]["mfaToken"].as_str().unwrap().to_owned();
    let code = send_sms(&dev, "13800000077").await;
    assert_code(
        &dev.post(
            SMS_VERIFY,
            Some(&mfa),
            json!({"phone": "13800000077", "code": code}),
        )
        .await,
        200,
        200,
    );
}
