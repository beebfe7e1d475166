//! The whole journey through the library's own operations, against the dev
//! server, as an application meets it (issues #12 and #13):
//! - v2: `loginByEmail` (password RSA-encrypted with the server's key) ->
//!   bind TOTP -> `loginByEmail` answered 1635 with `data.mfaToken` ->
//!   `verifyTotpMfa` -> `logout`;
//! - v3: `signIn` -> `listFactorsToEnroll` -> `sendEnrollFactorRequest` OTP
//!   -> `enrollFactor` with a real code -> `listEnrolledFactors` ->
//!   `mfaOtpVerify` -> v2 `loginByEmail` now answers 1635 -> `resetFactor`
//!   -> v2 login needs no second factor.
//!
//! The dev server runs on its own runtime; the library's calls are made
//! from the plain test thread (blocking, as a C caller would).

mod common;

use authing_mfa::core::runtime::block_on;
use authing_mfa::{Client, ErrorKind};
use common::{totp_at, Dev};
use serde_json::{json, Value};

fn call(c: &Client, method: &str, params: Value) -> Result<Value, authing_mfa::Error> {
    let params = params.to_string();
    let p = (params != "null").then_some(params.as_str());
    block_on(c.call(method, p))
        .expect("the call ran")
        .map(|out| serde_json::from_str(&out).unwrap())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn v2_password_login_to_second_factor_through_the_library() {
    let rt = runtime();
    let dev = rt.block_on(Dev::start());
    let u = rt.block_on(dev.user("lena"));
    let c = Client::from_json(Some(&json!({"appHost": dev.url, "lang": "en-US"}).to_string())).unwrap();
    let login = json!({"email": u.email, "password": u.password});

    let user = call(&c, "loginByEmail", login.clone()).unwrap();
    assert_eq!(user["email"], u.email);
    assert!(c.has_token(), "the login set the current user");

    let assoc = call(&c, "assosicateMfaAuthenticator", Value::Null).unwrap();
    let secret = assoc["secret"].as_str().unwrap().to_owned();
    let now = rt.block_on(dev.now());
    let ok = call(
        &c,
        "confirmAssosicateMfaAuthenticator",
        json!({"authenticatorType": "totp", "totp": totp_at(&secret, now)}),
    )
    .unwrap();
    assert_eq!(ok["code"], 200);

    let wrong = call(&c, "loginByEmail", json!({"email": u.email, "password": "nope"})).unwrap_err();
    assert_eq!((wrong.kind(), wrong.code()), (ErrorKind::Api, Some(2333)));

    let e = call(&c, "loginByEmail", login.clone()).unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Api, Some(1635)),
        "{}",
        e.to_json()
    );
    assert_eq!(
        e.message(),
        "Please enter the secondary authentication security code"
    );
    let data: Value = serde_json::from_str(e.data().unwrap().get()).unwrap();
    let mfa_token = data["mfaToken"].as_str().unwrap().to_owned();

    rt.block_on(dev.advance(30));
    let now = rt.block_on(dev.now());
    let user = call(
        &c,
        "verifyTotpMfa",
        json!({"totp": totp_at(&secret, now), "mfaToken": mfa_token}),
    )
    .unwrap();
    assert!(user["token"].is_string());
    c.set_current_user_json(&user.to_string()).unwrap();

    let out = call(&c, "logout", Value::Null).unwrap();
    assert_eq!(out["code"], 200);
    assert!(!c.has_token(), "cleared once the server agreed");
}

#[test]
fn v3_factor_story_through_the_library_shares_users_with_v2() {
    let rt = runtime();
    let dev = rt.block_on(Dev::start());
    let u = rt.block_on(dev.user("vera"));
    let c = Client::from_json(Some(&json!({"appHost": dev.url, "appId": "app-v3"}).to_string())).unwrap();

    let e = call(&c, "listEnrolledFactors", Value::Null).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "no access token yet");

    let signed = call(
        &c,
        "signIn",
        json!({"connection": "PASSWORD", "passwordPayload": {"email": u.email, "password": u.password}}),
    )
    .unwrap();
    assert!(signed["access_token"].is_string());
    assert!(c.has_access_token());

    let to_enroll = call(&c, "listFactorsToEnroll", Value::Null).unwrap();
    assert!(
        to_enroll
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["factorType"] == "OTP"),
        "{to_enroll}"
    );

    let req = call(
        &c,
        "sendEnrollFactorRequest",
        json!({"factorType": "OTP", "profile": {}}),
    )
    .unwrap();
    let uri = req["otpData"]["qrCodeUri"].as_str().unwrap();
    let secret = authing_mfa::totp::parse_uri(uri).unwrap().secret;
    let now = rt.block_on(dev.now());
    let enrolled = call(
        &c,
        "enrollFactor",
        json!({
            "factorType": "OTP",
            "enrollmentToken": req["enrollmentToken"],
            "enrollmentData": {"passCode": totp_at(&secret, now)},
        }),
    )
    .unwrap();
    assert_eq!(enrolled["statusCode"], 200);
    let spent = call(
        &c,
        "enrollFactor",
        json!({"factorType": "OTP", "enrollmentToken": req["enrollmentToken"], "enrollmentData": {"passCode": "000000"}}),
    )
    .unwrap_err();
    assert_eq!(spent.kind(), ErrorKind::Api, "an enrollment token is single-use");
    assert!(spent.request_id().is_some(), "{}", spent.to_json());

    let factors = call(&c, "listEnrolledFactors", Value::Null).unwrap();
    let otp = factors
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["factorType"] == "OTP")
        .unwrap_or_else(|| panic!("{factors}"))
        .clone();
    let one = call(&c, "getFactor", json!({"factorId": otp["factorId"]})).unwrap();
    assert_eq!(one["factorId"], otp["factorId"]);

    rt.block_on(dev.advance(30));
    let now = rt.block_on(dev.now());
    let verified = call(&c, "mfaOtpVerify", json!({"totp": totp_at(&secret, now)})).unwrap();
    assert_eq!(verified["verified"], true);

    // The factor bound through v3 is the one v2's login asks for.
    let v2 = Client::from_json(Some(&json!({"appHost": dev.url}).to_string())).unwrap();
    let login = json!({"email": u.email, "password": u.password});
    let e = call(&v2, "loginByEmail", login.clone()).unwrap_err();
    assert_eq!(e.code(), Some(1635));
    let data: Value = serde_json::from_str(e.data().unwrap().get()).unwrap();
    let introspected = call(&c, "verifyMfaToken", json!({"token": data["mfaToken"]})).unwrap();
    assert_eq!(introspected["active"], true, "{introspected}");

    let reset = call(&c, "resetFactor", json!({"factorId": otp["factorId"]})).unwrap();
    assert_eq!(reset["statusCode"], 200);
    call(&v2, "loginByEmail", login).expect("no second factor after the reset");
}
