//! TOTP: associate (secret, URI, QR PNG, recovery code), confirm, list,
//! login with code 1635, verify with replay refusal, recovery-code rotation,
//! unbind, and agreement with RFC 6238 through `authing_mfa::totp`.

mod common;

use authing_mfa_devserver::qr;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use common::{assert_code, totp_at, window, wrong_code, Dev};
use serde_json::{json, Value};

const ASSOC: &str = "/api/v2/mfa/totp/associate";
const CONFIRM: &str = "/api/v2/mfa/totp/associate/confirm";
const VERIFY: &str = "/api/v2/mfa/totp/verify";
const RECOVERY: &str = "/api/v2/mfa/totp/recovery";
const LIST: &str = "/api/v2/mfa/authenticator?type=totp";

fn is_recovery_code(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 6
        && groups.iter().all(|g| {
            g.len() == 4
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

async fn associate(dev: &Dev, token: &str) -> Value {
    let got = dev
        .post(
            ASSOC,
            Some(token),
            json!({"authenticator_type": "totp", "source": "SELF"}),
        )
        .await;
    assert_code(&got, 200, 200);
    got.1["data"].clone()
}

#[tokio::test]
async fn associate_returns_an_authing_shaped_pending_secret() {
    let dev = Dev::start().await;
    let u = dev.user("alice").await;
    let token = dev.user_token(&u).await;
    let d = associate(&dev, &token).await;
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "authenticator_type",
            "secret",
            "qrcode_uri",
            "qrcode_data_url",
            "recovery_code"
        ]
    );
    assert_eq!(d["authenticator_type"], "totp");
    let secret = d["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 16);
    assert!(
        secret
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
        "{secret}"
    );
    assert_eq!(authing_mfa::totp::decode_secret(secret).unwrap().len(), 10);
    assert_eq!(
        d["qrcode_uri"],
        authing_mfa::totp::authing_uri("authing-mfa-devserver", "alice@example.com", secret)
    );
    assert!(
        is_recovery_code(d["recovery_code"].as_str().unwrap()),
        "{}",
        d["recovery_code"]
    );
    // Pending: not listed, and a login is not stopped for MFA yet.
    assert_eq!(dev.get(LIST, Some(&token)).await.1["data"], json!([]));
    assert_eq!(dev.login(&u).await["code"], 200);
}

/// Decodes the PNG of `qrcode_data_url`, reads every module back, and checks
/// it against the matrix for the URI; then a QR decoder reads the URI.
#[tokio::test]
async fn qr_png_decodes_back_to_the_uri() {
    let dev = Dev::start_with(authing_mfa_devserver::Config {
        pool_name: "My Pool".into(),
        log_requests: false,
        ..Default::default()
    })
    .await;
    let u = dev.user("qr").await;
    let token = dev.user_token(&u).await;
    let d = associate(&dev, &token).await;
    let uri = d["qrcode_uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/My%20Pool:qr@example.com?secret="),
        "{uri}"
    );
    let b64 = d["qrcode_data_url"]
        .as_str()
        .unwrap()
        .strip_prefix("data:image/png;base64,")
        .unwrap();
    let png_bytes = B64.decode(b64).unwrap();

    let mut reader = png::Decoder::new(std::io::Cursor::new(&png_bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (w, h) = (info.width as usize, info.height as usize);
    let px = |x: usize, y: usize| buf[y * info.line_size + x];

    let (modules, dark) = qr::modules(uri).unwrap();
    assert_eq!(w, (modules + 2 * qr::QUIET_ZONE) * qr::MODULE_PX);
    assert_eq!(w, h);
    for my in 0..modules {
        for mx in 0..modules {
            let cx = (qr::QUIET_ZONE + mx) * qr::MODULE_PX + qr::MODULE_PX / 2;
            let cy = (qr::QUIET_ZONE + my) * qr::MODULE_PX + qr::MODULE_PX / 2;
            assert_eq!(px(cx, cy) < 128, dark[my * modules + mx], "module ({mx},{my})");
        }
    }
    // The quiet zone is light.
    assert!((0..w).all(|x| px(x, 0) == 255 && px(x, h - 1) == 255));

    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, px);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, content) = grids[0].decode().unwrap();
    assert_eq!(content, uri);
    let parsed = authing_mfa::totp::parse_uri(&content).unwrap();
    assert_eq!(parsed.secret, d["secret"].as_str().unwrap());
    assert_eq!(parsed.issuer.as_deref(), Some("My Pool"));
}

#[tokio::test]
async fn associating_again_while_pending_replaces_the_secret() {
    let dev = Dev::start().await;
    let u = dev.user("bob").await;
    let token = dev.user_token(&u).await;
    let first = associate(&dev, &token).await;
    let second = associate(&dev, &token).await;
    assert_ne!(first["secret"], second["secret"]);
    assert_ne!(first["recovery_code"], second["recovery_code"]);
    let now = dev.align_to_step_start().await;
    // The replaced secret no longer confirms; the new one does.
    let old = totp_at(first["secret"].as_str().unwrap(), now);
    let new = totp_at(second["secret"].as_str().unwrap(), now);
    if old != new {
        assert_code(
            &dev.post(
                CONFIRM,
                Some(&token),
                json!({"authenticator_type": "totp", "totp": old}),
            )
            .await,
            400,
            400,
        );
    }
    assert_code(
        &dev.post(
            CONFIRM,
            Some(&token),
            json!({"authenticator_type": "totp", "totp": new}),
        )
        .await,
        200,
        200,
    );
    // Enabled now: a third associate is refused.
    assert_code(
        &dev.post(ASSOC, Some(&token), json!({"authenticator_type": "totp"}))
            .await,
        200,
        6003,
    );
}

#[tokio::test]
async fn confirm_wrong_code_is_http_400_in_both_languages() {
    let dev = Dev::start().await;
    let u = dev.user("carol").await;
    let token = dev.user_token(&u).await;
    // Nothing pending yet.
    assert_code(
        &dev.post(CONFIRM, Some(&token), json!({"totp": "123456"})).await,
        200,
        6004,
    );
    let d = associate(&dev, &token).await;
    let now = dev.align_to_step_start().await;
    let secret = d["secret"].as_str().unwrap();
    let good = totp_at(secret, now);
    let wrong = wrong_code(secret, now);
    let body = json!({"authenticator_type": "totp", "totp": wrong, "source": "SELF"});
    let zh = dev
        .call_full(
            reqwest::Method::POST,
            CONFIRM,
            Some(&token),
            Some(body.clone()),
            None,
        )
        .await;
    assert_eq!(
        (zh.0, &zh.1),
        (400, &json!({"code": 400, "message": "安全码错误，请重新输入"}))
    );
    let en = dev
        .call_full(
            reqwest::Method::POST,
            CONFIRM,
            Some(&token),
            Some(body),
            Some("en-US"),
        )
        .await;
    assert_eq!(
        (en.0, &en.1),
        (
            400,
            &json!({"code": 400, "message": "Security code error, please re-enter"})
        )
    );
    // A code two steps away is outside the ±1 window.
    let far = totp_at(secret, now + 90);
    if !window(secret, now).contains(&far) {
        assert_code(
            &dev.post(CONFIRM, Some(&token), json!({"totp": far})).await,
            400,
            400,
        );
    }
    assert_code(
        &dev.post(CONFIRM, Some(&token), json!({"totp": "12345"})).await,
        400,
        400,
    );
    // Missing code and a wrong authenticator type are argument errors.
    assert_code(&dev.post(CONFIRM, Some(&token), json!({})).await, 400, 2000);
    assert_code(
        &dev.post(
            CONFIRM,
            Some(&token),
            json!({"authenticator_type": "sms", "totp": good}),
        )
        .await,
        400,
        2000,
    );
    // Still pending: MFA not enforced.
    assert_eq!(dev.login(&u).await["code"], 200);
    let ok = dev
        .post(
            CONFIRM,
            Some(&token),
            json!({"authenticator_type": "totp", "totp": good}),
        )
        .await;
    assert_eq!(ok.1["message"], "TOTP MFA 绑定成功");
    assert_code(&ok, 200, 200);
}

#[tokio::test]
async fn confirm_works_with_an_mfa_token_during_the_mfa_stage() {
    // A user with app SMS MFA binds TOTP before having a user token: the
    // fix for upstream bug 1 needs the server to accept the mfaToken here.
    let dev = Dev::start().await;
    let u = dev.user("dana").await;
    dev.post(
        &format!("/__dev/users/{}/mfa/sms", u.id),
        None,
        json!({"enabled": true}),
    )
    .await;
    let mfa = dev.mfa_token(&u).await;
    let d = associate(&dev, &mfa).await;
    let code = totp_at(d["secret"].as_str().unwrap(), dev.now().await);
    assert_code(
        &dev.post(
            CONFIRM,
            Some(&mfa),
            json!({"authenticator_type": "totp", "totp": code}),
        )
        .await,
        200,
        200,
    );
    let listed = dev.get(LIST, Some(&mfa)).await.1["data"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn list_shows_the_enabled_authenticator_in_camel_case() {
    let dev = Dev::start().await;
    let u = dev.user("eve").await;
    let token = dev.user_token(&u).await;
    let (secret, recovery) = dev.bind_totp(&u).await;
    let (_, v) = dev.get(LIST, Some(&token)).await;
    let list = v["data"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    let a = &list[0];
    let keys: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "createdAt",
            "updatedAt",
            "userId",
            "enable",
            "secret",
            "authenticatorType",
            "recoveryCode",
            "source"
        ]
    );
    assert_eq!(
        (a["userId"].as_str(), a["enable"].as_bool()),
        (Some(u.id.as_str()), Some(true))
    );
    assert_eq!(
        (a["secret"].as_str(), a["recoveryCode"].as_str()),
        (Some(secret.as_str()), Some(recovery.as_str()))
    );
    assert_eq!(a["source"], "SELF");
    assert!(a["createdAt"].as_str().unwrap().ends_with(".000Z"));
    // Other types and other sources: empty.
    assert_eq!(
        dev.get("/api/v2/mfa/authenticator?type=sms", Some(&token))
            .await
            .1["data"],
        json!([])
    );
    assert_eq!(
        dev.get(
            "/api/v2/mfa/authenticator?type=totp&source=APPLICATION",
            Some(&token)
        )
        .await
        .1["data"],
        json!([])
    );
    assert_code(
        &dev.get("/api/v2/mfa/authenticator", Some(&token)).await,
        400,
        2000,
    );
}

/// During the MFA stage the list says TOTP is bound but not its secret or
/// recovery code: either one would pass the second factor it guards.
#[tokio::test]
async fn an_mfa_token_lists_the_authenticator_without_its_secrets() {
    let dev = Dev::start().await;
    let u = dev.user("mia").await;
    let (secret, recovery) = dev.bind_totp(&u).await;
    let mfa = dev.mfa_token(&u).await;
    let (_, v) = dev.get(LIST, Some(&mfa)).await;
    let a = &v["data"][0];
    assert_eq!(
        (a["userId"].as_str(), a["enable"].as_bool()),
        (Some(u.id.as_str()), Some(true)),
        "{v}"
    );
    assert_eq!(
        (a["secret"].as_str(), a["recoveryCode"].as_str()),
        (Some(""), Some("")),
        "{v}"
    );
    // The mfaToken is not spent by listing; the user token still reads them.
    let now = dev.align_to_step_start().await;
    let got = dev
        .post(
            "/api/v2/mfa/totp/verify",
            Some(&mfa),
            json!({"totp": totp_at(&secret, now)}),
        )
        .await;
    assert_code(&got, 200, 200);
    let token = got.1["data"]["token"].as_str().unwrap().to_owned();
    let (_, v) = dev.get(LIST, Some(&token)).await;
    assert_eq!(v["data"][0]["secret"], secret.as_str());
    assert_eq!(v["data"][0]["recoveryCode"], recovery.as_str());
}

#[tokio::test]
async fn login_needs_mfa_once_totp_is_enabled() {
    let dev = Dev::start().await;
    let u = dev.user("frank").await;
    dev.bind_totp(&u).await;
    let (s, v) = dev
        .post(
            "/__dev/login",
            None,
            json!({"account": "frank", "password": u.password}),
        )
        .await;
    assert_eq!((s, v["code"].as_i64()), (200, Some(1635)), "{v}");
    let d = &v["data"];
    assert!(d["mfaToken"].as_str().unwrap().split('.').count() == 3);
    assert_eq!(
        (d["totpMfaEnabled"].as_bool(), d["faceMfaEnabled"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(d["applicationMfa"], json!([]));
    assert_eq!(
        (d["email"].as_str(), d["username"].as_str()),
        (Some("frank@example.com"), Some("frank"))
    );
    assert!(d["avatar"].is_string() && d.get("nickname").is_some());
    assert!(d.get("token").is_none(), "no user token before the second factor");
}

#[tokio::test]
async fn verify_logs_in_once_per_step_and_refuses_replays() {
    let dev = Dev::start().await;
    let u = dev.user("gina").await;
    let (secret, _) = dev.bind_totp(&u).await;
    let now = dev.align_to_step_start().await;
    let mfa = dev.mfa_token(&u).await;

    let current = totp_at(&secret, now);
    let wrong = wrong_code(&secret, now);
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"totp": wrong})).await,
        200,
        6001,
    );
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"totp": "abcdef"})).await,
        200,
        6001,
    );
    assert_code(&dev.post(VERIFY, Some(&mfa), json!({})).await, 400, 2000);

    let ok = dev.post(VERIFY, Some(&mfa), json!({"totp": current})).await;
    assert_code(&ok, 200, 200);
    let user = &ok.1["data"];
    assert_eq!(user["id"], u.id.as_str());
    assert_eq!(user["loginsCount"], 2, "bind_totp logged in once");
    assert!(user["token"].as_str().unwrap().split('.').count() == 3);
    assert!(user["tokenExpiredAt"].is_string() && user["lastLogin"].is_string());
    // The same code again (with a fresh mfaToken: the first one is spent):
    // replay.
    let mfa = dev.mfa_token(&u).await;
    let replay = dev.post(VERIFY, Some(&mfa), json!({"totp": current})).await;
    assert_code(&replay, 200, 6001);
    assert_eq!(replay.1["message"], "安全码错误，请重新输入");

    // The next step's code is accepted (skew +1) and then the current
    // step's code, though inside the window, is older: refused.
    let next = totp_at(&secret, now + 30);
    if next != current {
        assert_code(
            &dev.post(VERIFY, Some(&mfa), json!({"totp": next})).await,
            200,
            200,
        );
        let mfa = dev.mfa_token(&u).await;
        assert_code(
            &dev.post(VERIFY, Some(&mfa), json!({"totp": current})).await,
            200,
            6001,
        );
    }
    // The fresh user token works.
    let token = user["token"].as_str().unwrap();
    assert_code(&dev.get(LIST, Some(token)).await, 200, 200);
}

#[tokio::test]
async fn verify_accepts_one_step_of_skew_and_no_more() {
    let dev = Dev::start().await;
    let u = dev.user("hank").await;
    let (secret, _) = dev.bind_totp(&u).await;
    let now = dev.align_to_step_start().await;
    let mfa = dev.mfa_token(&u).await;
    for far in [now - 90, now - 60, now + 60, now + 90] {
        let code = totp_at(&secret, far);
        if !window(&secret, now).contains(&code) {
            assert_code(
                &dev.post(VERIFY, Some(&mfa), json!({"totp": code})).await,
                200,
                6001,
            );
        }
    }
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"totp": totp_at(&secret, now - 30)}))
            .await,
        200,
        200,
    );
}

/// RFC 6238 appendix B (SHA1 rows, last six digits) against the server,
/// with the secret set directly and the server's clock moved to each time.
#[tokio::test]
async fn server_agrees_with_rfc6238_vectors() {
    let dev = Dev::start().await;
    let u = dev.user("rfc").await;
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"
    let (_, v) = dev
        .post(
            &format!("/__dev/users/{}/mfa/totp", u.id),
            None,
            json!({"secret": secret}),
        )
        .await;
    assert_eq!(v["data"]["secret"], secret);
    // Newest time last: each accepted step must be newer than the one before.
    for (t, code) in [
        (1_111_111_109i64, "081804"),
        (1_234_567_890, "005924"),
        (2_000_000_000, "279037"),
    ] {
        let now = dev.now().await;
        dev.advance(t - now + 1).await;
        let mfa = dev.mfa_token(&u).await;
        assert_eq!(
            totp_at(secret, t),
            code,
            "authing_mfa::totp disagrees with the RFC at {t}"
        );
        assert_code(
            &dev.post(VERIFY, Some(&mfa), json!({"totp": code})).await,
            200,
            200,
        );
    }
}

#[tokio::test]
async fn recovery_code_logs_in_once_and_rotates() {
    let dev = Dev::start().await;
    let u = dev.user("ivy").await;
    let (_, recovery) = dev.bind_totp(&u).await;
    let mfa = dev.mfa_token(&u).await;
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
    assert_code(&dev.post(RECOVERY, Some(&mfa), json!({})).await, 400, 2000);

    let (s, v) = dev
        .post(RECOVERY, Some(&mfa), json!({"recoveryCode": recovery}))
        .await;
    assert_eq!((s, v["code"].as_i64()), (200, Some(200)), "{v}");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["code", "message", "data", "recoveryCode"]);
    let fresh = v["recoveryCode"].as_str().unwrap();
    assert!(is_recovery_code(fresh) && fresh != recovery, "{fresh}");
    assert_eq!(v["data"]["id"], u.id.as_str());
    assert!(v["data"]["token"].is_string());

    // The used code is dead (tried with a fresh mfaToken: the first one is
    // spent); the new one is what the list shows and works once.
    let mfa = dev.mfa_token(&u).await;
    let used = dev
        .post(RECOVERY, Some(&mfa), json!({"recoveryCode": recovery}))
        .await;
    assert_code(&used, 200, 6002);
    let token = v["data"]["token"].as_str().unwrap();
    assert_eq!(
        dev.get(LIST, Some(token)).await.1["data"][0]["recoveryCode"],
        fresh
    );
    let again = dev
        .post(RECOVERY, Some(&mfa), json!({"recoveryCode": fresh}))
        .await;
    assert_code(&again, 200, 200);
    assert_ne!(again.1["recoveryCode"], fresh);
}

#[tokio::test]
async fn unbind_needs_a_user_token_and_turns_mfa_off() {
    let dev = Dev::start().await;
    let u = dev.user("jack").await;
    let token = dev.user_token(&u).await;
    assert_code(&dev.delete(ASSOC, Some(&token)).await, 200, 6005);
    dev.bind_totp(&u).await;
    assert_eq!(dev.login(&u).await["code"], 1635);
    let mfa = dev.mfa_token(&u).await;
    // Verify/recovery for a user without TOTP: 6005 (after unbinding).
    let got = dev
        .call_full(reqwest::Method::DELETE, ASSOC, Some(&token), None, Some("en-US"))
        .await;
    assert_eq!(
        (got.0, &got.1),
        (
            200,
            &json!({"code": 200, "message": "TOTP MFA unbound successfully"})
        )
    );
    let zh = dev.delete(ASSOC, Some(&token)).await;
    assert_eq!(zh.1, json!({"code": 6005, "message": "尚未绑定 TOTP MFA"}));
    assert_eq!(dev.login(&u).await["code"], 200);
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"totp": "123456"})).await,
        200,
        6005,
    );
    assert_code(
        &dev.post(
            RECOVERY,
            Some(&mfa),
            json!({"recoveryCode": "0000-0000-0000-0000-0000-0000"}),
        )
        .await,
        200,
        6005,
    );
    assert_eq!(dev.get(LIST, Some(&token)).await.1["data"], json!([]));
}

#[tokio::test]
async fn the_user_json_carries_fields_the_typings_lack() {
    let dev = Dev::start().await;
    let u = dev.user("kim").await;
    let v = dev.login(&u).await;
    let d = &v["data"];
    for key in [
        "id",
        "arn",
        "userPoolId",
        "username",
        "email",
        "phone",
        "nickname",
        "photo",
        "token",
        "tokenExpiredAt",
        "loginsCount",
        "lastLogin",
        "lastIP",
        "lastIp",
        "isRoot",
    ] {
        assert!(d.get(key).is_some(), "missing {key}: {d}");
    }
    assert_eq!(d["lastIP"], "127.0.0.1");
    assert_eq!(d["lastIp"], d["lastIP"]);
    assert_eq!(d["isRoot"], false);
    assert_eq!(
        d["arn"],
        format!("arn:cn:authing:646576736572766572000000:user:{}", u.id)
    );
    assert_eq!(d["loginsCount"], 1);
    assert_eq!(dev.login(&u).await["data"]["loginsCount"], 2);
}
