//! Uploads and face MFA with the stand-in rule: photos match when their bytes
//! (or, with `isExternal`, their strings) are identical.

mod common;

use common::{assert_code, Dev};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

const ASSOC: &str = "/api/v2/mfa/face/associate";
const VERIFY: &str = "/api/v2/mfa/face/verify";

async fn upload_raw(dev: &Dev, bytes: Vec<u8>, name: &str) -> (u16, Value) {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    let resp = dev
        .http
        .post(format!(
            "{}/api/v2/upload?folder=face-photo&private=true",
            dev.url
        ))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn upload(dev: &Dev, bytes: &[u8]) -> String {
    let got = upload_raw(dev, bytes.to_vec(), "face.jpg").await;
    assert_code(&got, 200, 200);
    got.1["data"]["key"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn upload_answers_a_key_and_a_url_serving_the_bytes() {
    let dev = Dev::start().await;
    let (_, v) = upload_raw(&dev, b"\xff\xd8jpeg bytes".to_vec(), "me.jpg").await;
    let key = v["data"]["key"].as_str().unwrap();
    let url = v["data"]["url"].as_str().unwrap();
    assert!(key.starts_with("face-photo/") && key.ends_with(".jpg"), "{key}");
    assert_eq!(url, format!("{}/__dev/uploads/{key}", dev.url));
    let resp = dev.http.get(url).send().await.unwrap();
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"\xff\xd8jpeg bytes");
    let (_, v2) = upload_raw(&dev, b"png".to_vec(), "x.PNG").await;
    assert!(v2["data"]["key"].as_str().unwrap().ends_with(".png"));
    assert_ne!(v2["data"]["key"], v["data"]["key"]);
    assert_code(
        &dev.get("/__dev/uploads/face-photo/nope.jpg", None).await,
        404,
        404,
    );
}

#[tokio::test]
async fn upload_is_capped_at_ten_mib_and_needs_a_file_field() {
    let dev = Dev::start().await;
    let exact = upload_raw(&dev, vec![7u8; authing_mfa_devserver::MAX_UPLOAD], "big.jpg").await;
    assert_code(&exact, 200, 200);
    let over = upload_raw(&dev, vec![7u8; authing_mfa_devserver::MAX_UPLOAD + 1], "big.jpg").await;
    assert_code(&over, 413, 6030);
    let form = Form::new().text("other", "x");
    let resp = dev
        .http
        .post(format!("{}/api/v2/upload", dev.url))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_code(&(resp.status().as_u16(), resp.json().await.unwrap()), 400, 2000);
    let resp = dev
        .http
        .post(format!("{}/api/v2/upload", dev.url))
        .body("plain")
        .send()
        .await
        .unwrap();
    assert_code(&(resp.status().as_u16(), resp.json().await.unwrap()), 400, 2000);
    let got = dev
        .call_full(
            reqwest::Method::POST,
            "/api/v2/upload?folder=../etc",
            None,
            None,
            None,
        )
        .await;
    assert_code(&got, 400, 2000);
}

#[tokio::test]
async fn face_associate_and_verify_by_uploaded_bytes() {
    let dev = Dev::start().await;
    let u = dev.user("alice").await;
    let token = dev.user_token(&u).await;
    let a = upload(&dev, b"face-of-alice").await;
    let b = upload(&dev, b"face-of-alice").await;
    let c = upload(&dev, b"face-of-mallory").await;
    assert_ne!(a, b, "distinct keys, same bytes");

    assert_code(
        &dev.post(ASSOC, Some(&token), json!({"photoA": a, "photoB": c}))
            .await,
        200,
        6010,
    );
    assert_code(
        &dev.post(
            ASSOC,
            Some(&token),
            json!({"photoA": a, "photoB": "face-photo/missing.jpg"}),
        )
        .await,
        200,
        6011,
    );
    assert_code(
        &dev.post(ASSOC, Some(&token), json!({"photoA": a})).await,
        400,
        2000,
    );
    assert_eq!(dev.login(&u).await["code"], 200, "no face bound yet");

    let ok = dev
        .post(ASSOC, Some(&token), json!({"photoA": a, "photoB": b}))
        .await;
    assert_code(&ok, 200, 200);
    assert_eq!(ok.1["data"]["id"], u.id.as_str());

    let v = dev.login(&u).await;
    assert_eq!(
        (v["code"].as_i64(), v["data"]["faceMfaEnabled"].as_bool()),
        (Some(1635), Some(true))
    );
    let mfa = v["data"]["mfaToken"].as_str().unwrap().to_owned();
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"photo": c})).await,
        200,
        6012,
    );
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"photo": "face-photo/missing.jpg"}))
            .await,
        200,
        6011,
    );
    let fresh = upload(&dev, b"face-of-alice").await;
    let ok = dev.post(VERIFY, Some(&mfa), json!({"photo": fresh})).await;
    assert_code(&ok, 200, 200);
    assert!(ok.1["data"]["token"].is_string());
    // The full URL the upload answered is accepted as well as the key (with
    // a fresh mfaToken: the first one is spent).
    let mfa = dev.mfa_token(&u).await;
    let url = format!("{}/__dev/uploads/{fresh}", dev.url);
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"photo": url})).await,
        200,
        200,
    );
}

#[tokio::test]
async fn face_by_external_url_compares_the_strings() {
    let dev = Dev::start().await;
    let u = dev.user("bob").await;
    let token = dev.user_token(&u).await;
    let url = "https://example.com/bob.jpg";
    assert_code(
        &dev.post(
            ASSOC,
            Some(&token),
            json!({"photoA": url, "photoB": "https://example.com/other.jpg", "isExternal": true}),
        )
        .await,
        200,
        6010,
    );
    assert_code(
        &dev.post(
            ASSOC,
            Some(&token),
            json!({"photoA": url, "photoB": url, "isExternal": true}),
        )
        .await,
        200,
        200,
    );
    let mfa = dev.mfa_token(&u).await;
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"photo": "https://example.com/x.jpg"}))
            .await,
        200,
        6012,
    );
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"photo": url})).await,
        200,
        200,
    );
}

/// An mfaToken proves only the password: it may bind a first face during
/// login, but not replace a bound one (whoever knows the password would
/// swap in their own face). A user token still may.
#[tokio::test]
async fn an_mfa_token_cannot_replace_a_bound_face() {
    let dev = Dev::start().await;
    let u = dev.user("ivy").await;
    let token = dev.user_token(&u).await;
    let mine = "https://example.com/ivy.jpg";
    let theirs = "https://example.com/mallory.jpg";
    let bind = |t: String, url: &'static str| {
        let dev = &dev;
        async move {
            dev.post(
                ASSOC,
                Some(&t),
                json!({"photoA": url, "photoB": url, "isExternal": true}),
            )
            .await
        }
    };
    assert_code(&bind(token.clone(), mine).await, 200, 200);
    let mfa = dev.mfa_token(&u).await;
    assert_code(&bind(mfa.clone(), theirs).await, 200, 1706);
    // Uploads too.
    let key = upload(&dev, b"mallory").await;
    assert_code(
        &dev.post(ASSOC, Some(&mfa), json!({"photoA": key, "photoB": key}))
            .await,
        200,
        1706,
    );
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"photo": theirs})).await,
        200,
        6012,
    );
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"photo": mine})).await,
        200,
        200,
    );
    // With the user token the face can be replaced.
    assert_code(&bind(token, theirs).await, 200, 200);

    // A user whose second factor is TOTP may still add a face during login.
    let v = dev.user("jon").await;
    dev.bind_totp(&v).await;
    let mfa = dev.mfa_token(&v).await;
    assert_code(&bind(mfa, mine).await, 200, 200);
}

#[tokio::test]
async fn face_verify_without_a_bound_face_is_6013() {
    let dev = Dev::start().await;
    let u = dev.user("carol").await;
    dev.post(&format!("/__dev/users/{}/mfa/sms", u.id), None, json!({}))
        .await;
    let mfa = dev.mfa_token(&u).await;
    let key = upload(&dev, b"x").await;
    let got = dev
        .call_full(
            reqwest::Method::POST,
            VERIFY,
            Some(&mfa),
            Some(json!({"photo": key})),
            Some("en-US"),
        )
        .await;
    assert_eq!(got.1, json!({"code": 6013, "message": "No face is bound"}));
    // Face associate during the MFA stage (mfaToken) is allowed.
    assert_code(
        &dev.post(ASSOC, Some(&mfa), json!({"photoA": key, "photoB": key}))
            .await,
        200,
        200,
    );
    assert_code(
        &dev.post(VERIFY, Some(&mfa), json!({"photo": key})).await,
        200,
        200,
    );
}
