//! Issue #10, item 6: consecutive wrong second-factor answers lock the
//! user's second factor (code 2005, even for the right answer) until the
//! server's clock passes the lockout; an mfaToken completes one login only.

mod common;

use authing_mfa_devserver::Config;
use common::{assert_code, totp_at, wrong_code, Dev, User};
use reqwest::Method;
use serde_json::{json, Value};

const VERIFY: &str = "/api/v2/mfa/totp/verify";
const RECOVERY: &str = "/api/v2/mfa/totp/recovery";
const SMS_VERIFY: &str = "/api/v2/applications/mfa/sms/verify";
const EMAIL_VERIFY: &str = "/api/v2/applications/mfa/email/verify";
const FACE_VERIFY: &str = "/api/v2/mfa/face/verify";
const LIST: &str = "/api/v2/mfa/authenticator?type=totp";
const PHONE: &str = "13900000010";
const FACE_URL: &str = "https://example.com/face.jpg";

/// The limit the tests run with (not the default 5, to show the option is
/// honoured), and the lockout period.
const N: u32 = 3;
const LOCK: u32 = 600;

async fn start() -> Dev {
    Dev::start_with(Config {
        log_requests: false,
        max_failures: N,
        lockout_seconds: LOCK,
        ..Config::default()
    })
    .await
}

/// A user with TOTP bound directly (secret and recovery code returned).
async fn totp_user(dev: &Dev, name: &str) -> (User, String, String) {
    let u = dev.user(name).await;
    let (_, v) = dev
        .post(&format!("/__dev/users/{}/mfa/totp", u.id), None, json!({}))
        .await;
    let secret = v["data"]["secret"].as_str().unwrap().to_owned();
    let recovery = v["data"]["recoveryCode"].as_str().unwrap().to_owned();
    (u, secret, recovery)
}

/// The `lockout` object of `GET /__dev/users/{id}`.
async fn lockout(dev: &Dev, u: &User) -> Value {
    let got = dev.get(&format!("/__dev/users/{}", u.id), None).await;
    assert_code(&got, 200, 200);
    got.1["data"]["lockout"].clone()
}

#[tokio::test]
async fn n_wrong_totp_codes_lock_even_the_right_code_until_the_clock_passes() {
    let dev = start().await;
    let (u, secret, _) = totp_user(&dev, "tina").await;
    let now = dev.align_to_step_start().await;
    let mfa = dev.mfa_token(&u).await;
    let wrong = wrong_code(&secret, now);
    for n in 1..N {
        assert_code(
            &dev.post(VERIFY, Some(&mfa), json!({"totp": wrong})).await,
            200,
            6001,
        );
        assert_eq!(lockout(&dev, &u).await["failures"], n);
    }
    // The Nth wrong code locks, and says so.
    let nth = dev.post(VERIFY, Some(&mfa), json!({"totp": wrong})).await;
    assert_eq!(
        (nth.0, &nth.1),
        (
            200,
            &json!({"code": 2005, "message": "用户已被锁定：多因素认证失败次数过多，请稍后再试"})
        )
    );
    let state = lockout(&dev, &u).await;
    assert_eq!(
        (&state["failures"], &state["maxFailures"], &state["locked"]),
        (&json!(N), &json!(N), &json!(true)),
        "{state}"
    );
    assert!(state["lockedUntil"].as_str().unwrap().ends_with(".000Z"));
    // Locked: the right code is refused too, in both languages, and it is
    // not used up by the refusal.
    let right = totp_at(&secret, now);
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"totp": right})).await,
        200,
        2005,
    );
    let en = dev
        .call_full(
            Method::POST,
            VERIFY,
            Some(&mfa),
            Some(json!({"totp": right})),
            Some("en-US"),
        )
        .await;
    assert_eq!(
        en.1,
        json!({"code": 2005, "message": "User locked: too many failed multi-factor attempts, try again later"})
    );
    assert_eq!(
        lockout(&dev, &u).await["failures"],
        N,
        "refusals while locked do not count"
    );

    // Shortly before the end (by the shifted clock): still locked.
    dev.advance(i64::from(LOCK) - 10).await;
    let mfa = dev.mfa_token(&u).await;
    let now = dev.now().await;
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"totp": totp_at(&secret, now)}))
            .await,
        200,
        2005,
    );
    // Past it: the count starts over and the right code logs in.
    dev.advance(10).await;
    let state = lockout(&dev, &u).await;
    assert_eq!((&state["failures"], &state["locked"]), (&json!(0), &json!(false)));
    assert_eq!(state["lockedUntil"], Value::Null);
    let now = dev.now().await;
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"totp": totp_at(&secret, now)}))
            .await,
        200,
        200,
    );
}

#[tokio::test]
async fn a_success_resets_the_count() {
    let dev = start().await;
    let (u, secret, _) = totp_user(&dev, "sam").await;
    let now = dev.align_to_step_start().await;
    let wrong = wrong_code(&secret, now);
    let mfa = dev.mfa_token(&u).await;
    for _ in 1..N {
        assert_code(
            &dev.post(VERIFY, Some(&mfa), json!({"totp": wrong})).await,
            200,
            6001,
        );
    }
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"totp": totp_at(&secret, now)}))
            .await,
        200,
        200,
    );
    assert_eq!(lockout(&dev, &u).await["failures"], 0);
    // N-1 more wrong codes: counted from zero again, so not locked.
    let mfa = dev.mfa_token(&u).await;
    for _ in 1..N {
        assert_code(
            &dev.post(VERIFY, Some(&mfa), json!({"totp": wrong})).await,
            200,
            6001,
        );
    }
    assert_eq!(lockout(&dev, &u).await["locked"], false);
}

#[tokio::test]
async fn n_wrong_recovery_codes_lock_the_right_one_until_the_clock_passes() {
    let dev = start().await;
    let (u, _, recovery) = totp_user(&dev, "rita").await;
    let mfa = dev.mfa_token(&u).await;
    for _ in 1..N {
        assert_code(
            &dev.post(
                RECOVERY,
                Some(&mfa),
                json!({"recoveryCode": "0000-0000-0000-0000-0000-0000"}),
            )
            .await,
            200,
            6002,
        );
    }
    assert_code(
        &dev.post(
            RECOVERY,
            Some(&mfa),
            json!({"recoveryCode": "1111-1111-1111-1111-1111-1111"}),
        )
        .await,
        200,
        2005,
    );
    assert_code(
        &dev.post(RECOVERY, Some(&mfa), json!({"recoveryCode": recovery}))
            .await,
        200,
        2005,
    );
    // Past the lockout the same code works: the refusal did not rotate it.
    dev.advance(i64::from(LOCK) + 1).await;
    let mfa = dev.mfa_token(&u).await;
    let ok = dev
        .post(RECOVERY, Some(&mfa), json!({"recoveryCode": recovery}))
        .await;
    assert_code(&ok, 200, 200);
    assert_ne!(ok.1["recoveryCode"], recovery.as_str());
}

/// The count is per user and shared by every second-factor verify
/// endpoint; another user is not affected.
#[tokio::test]
async fn failures_add_up_across_factors_and_lock_them_all() {
    let dev = start().await;
    let (u, secret, recovery) = totp_user(&dev, "mia").await;
    let (bystander, b_secret, _) = totp_user(&dev, "ben").await;
    dev.post(&format!("/__dev/users/{}/mfa/sms", u.id), None, json!({}))
        .await;
    let now = dev.align_to_step_start().await;
    let mfa = dev.mfa_token(&u).await;
    dev.post("/api/v2/sms/send", None, json!({"phone": PHONE})).await;
    let sms = dev.last_code(PHONE).await;
    let wrong_sms = if sms == "000000" { "111111" } else { "000000" };

    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"totp": wrong_code(&secret, now)}))
            .await,
        200,
        6001,
    );
    assert_code(
        &dev.post(
            RECOVERY,
            Some(&mfa),
            json!({"recoveryCode": "0000-0000-0000-0000-0000-0000"}),
        )
        .await,
        200,
        6002,
    );
    // Refusals that are not a wrong answer do not count (missing argument).
    assert_code(&dev.post(VERIFY, Some(&mfa), json!({})).await, 400, 2000);
    assert_eq!(lockout(&dev, &u).await["failures"], 2);
    assert_code(
        &dev.post(SMS_VERIFY, Some(&mfa), json!({"phone": PHONE, "code": wrong_sms}))
            .await,
        200,
        2005,
    );
    // Every factor is locked now, and the SMS code is not used up.
    assert_code(
        &dev.post(SMS_VERIFY, Some(&mfa), json!({"phone": PHONE, "code": sms}))
            .await,
        200,
        2005,
    );
    assert_code(
        &dev.post(RECOVERY, Some(&mfa), json!({"recoveryCode": recovery}))
            .await,
        200,
        2005,
    );
    let (_, out) = dev.get(&format!("/__dev/outbox?to={PHONE}"), None).await;
    assert_eq!(out["data"][0]["used"], false);

    // The listing shows who is locked; the bystander is not.
    let (_, all) = dev.get("/__dev/users", None).await;
    let locked: Vec<(&str, bool)> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["username"].as_str().unwrap(),
                x["lockout"]["locked"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(locked, [("mia", true), ("ben", false)]);
    let b_mfa = dev.mfa_token(&bystander).await;
    assert_code(
        &dev.post(VERIFY, Some(&b_mfa), json!({"totp": totp_at(&b_secret, now)}))
            .await,
        200,
        200,
    );
}

/// `--max-failures 0` never locks.
#[tokio::test]
async fn zero_max_failures_never_locks() {
    let dev = Dev::start_with(Config {
        log_requests: false,
        max_failures: 0,
        ..Config::default()
    })
    .await;
    let (u, secret, _) = totp_user(&dev, "zed").await;
    let now = dev.align_to_step_start().await;
    let mfa = dev.mfa_token(&u).await;
    let wrong = wrong_code(&secret, now);
    for _ in 0..10 {
        assert_code(
            &dev.post(VERIFY, Some(&mfa), json!({"totp": wrong})).await,
            200,
            6001,
        );
    }
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"totp": totp_at(&secret, now)}))
            .await,
        200,
        200,
    );
}

/// A user with every second factor: a face bound by URL (while the user
/// can still log in without MFA), then TOTP, app SMS and app email.
async fn all_factors_user(dev: &Dev) -> (User, String, String) {
    let u = dev.user("ada").await;
    let token = dev.user_token(&u).await;
    assert_code(
        &dev.post(
            "/api/v2/mfa/face/associate",
            Some(&token),
            json!({"photoA": FACE_URL, "photoB": FACE_URL, "isExternal": true}),
        )
        .await,
        200,
        200,
    );
    for f in ["sms", "email"] {
        dev.post(&format!("/__dev/users/{}/mfa/{f}", u.id), None, json!({}))
            .await;
    }
    let (_, v) = dev
        .post(&format!("/__dev/users/{}/mfa/totp", u.id), None, json!({}))
        .await;
    let secret = v["data"]["secret"].as_str().unwrap().to_owned();
    let recovery = v["data"]["recoveryCode"].as_str().unwrap().to_owned();
    (u, secret, recovery)
}

/// The right answer for each login-completing endpoint, for `u` now (the
/// TOTP code of the next step, newer than any accepted so far).
async fn right_answers(dev: &Dev, u: &User, secret: &str, recovery: &str) -> Vec<(&'static str, Value)> {
    dev.post("/api/v2/sms/send", None, json!({"phone": PHONE})).await;
    dev.post("/api/v2/email/send", None, json!({"email": u.email}))
        .await;
    let sms = dev.last_code(PHONE).await;
    let mail = dev.last_code(&u.email).await;
    let now = dev.now().await;
    vec![
        (VERIFY, json!({"totp": totp_at(secret, now + 30)})),
        (RECOVERY, json!({"recoveryCode": recovery})),
        (SMS_VERIFY, json!({"phone": PHONE, "code": sms})),
        (EMAIL_VERIFY, json!({"email": u.email, "code": mail})),
        (FACE_VERIFY, json!({"photo": FACE_URL})),
    ]
}

#[tokio::test]
async fn a_used_mfa_token_cannot_complete_a_second_login() {
    let dev = start().await;
    let (u, secret, recovery) = all_factors_user(&dev).await;
    let now = dev.now().await;
    let mfa = dev.mfa_token(&u).await;
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"totp": totp_at(&secret, now)}))
            .await,
        200,
        200,
    );
    // Every endpoint that completes a login refuses it now, with the right
    // answer, in both languages; nothing is used up by the refusal.
    for (path, body) in right_answers(&dev, &u, &secret, &recovery).await {
        let zh = dev.post(path, Some(&mfa), body.clone()).await;
        assert_eq!(
            (zh.0, &zh.1),
            (
                200,
                &json!({"code": 2207, "message": "该 mfaToken 已完成过一次登录，请重新登录"})
            ),
            "{path}"
        );
        let en = dev
            .call_full(Method::POST, path, Some(&mfa), Some(body), Some("en-US"))
            .await;
        assert_eq!(
            en.1["message"], "This mfaToken has already completed a login; log in again",
            "{path}"
        );
    }
    // Spent everywhere, not only at verify; and refusals of a spent token
    // are not wrong answers, so nothing was counted.
    assert_code(&dev.get(LIST, Some(&mfa)).await, 200, 2207);
    assert_eq!(lockout(&dev, &u).await["failures"], 0);
    let (_, out) = dev.get("/__dev/outbox", None).await;
    assert!(
        out["data"].as_array().unwrap().iter().all(|m| m["used"] == false),
        "{out}"
    );

    // Each right answer still completes a login, once, with its own
    // mfaToken.
    for (path, body) in right_answers(&dev, &u, &secret, &recovery).await {
        let mfa = dev.mfa_token(&u).await;
        assert_code(&dev.post(path, Some(&mfa), body.clone()).await, 200, 200);
        assert_code(&dev.post(path, Some(&mfa), body).await, 200, 2207);
    }
}

#[tokio::test]
async fn a_wrong_answer_does_not_spend_the_mfa_token() {
    let dev = start().await;
    let (u, secret, recovery) = all_factors_user(&dev).await;
    let wrong: Vec<(&str, Value)> = vec![
        (VERIFY, json!({"totp": wrong_code(&secret, dev.now().await)})),
        (RECOVERY, json!({"recoveryCode": "0000-0000-0000-0000-0000-0000"})),
        (SMS_VERIFY, json!({"phone": PHONE, "code": "x"})),
        (EMAIL_VERIFY, json!({"email": u.email, "code": "x"})),
        (FACE_VERIFY, json!({"photo": "https://example.com/other.jpg"})),
    ];
    let right = right_answers(&dev, &u, &secret, &recovery).await;
    for ((path, bad), (same_path, good)) in wrong.into_iter().zip(right) {
        assert_eq!(path, same_path);
        let mfa = dev.mfa_token(&u).await;
        let got = dev.post(path, Some(&mfa), bad).await;
        assert_ne!(got.1["code"], 200, "{path}: {}", got.1);
        assert_code(&dev.post(path, Some(&mfa), good).await, 200, 200);
    }
}
