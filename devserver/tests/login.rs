//! Issue #12: the first factor as authing-js-sdk sends it (the RSA key of
//! `.well-known`, GraphQL documents, REST logins), and the MFA stage that
//! follows: 1635 for the user's own factor, 1636 for an application policy.

mod common;

use authing_mfa_devserver::Config;
use common::{assert_code, encrypt_with, totp_at, wrong_code, Dev, LOGIN_BY_EMAIL};
use serde_json::{json, Value};

/// The first error of a GraphQL answer, checked for Authing's shape (HTTP
/// 200, `message` an object with `code`, `message`, `data`), and its code.
#[track_caller]
fn gql_error(got: &(u16, Value)) -> (&Value, i64) {
    assert_eq!(got.0, 200, "GraphQL errors travel with HTTP 200: {}", got.1);
    let e = &got.1["errors"][0];
    let m = &e["message"];
    assert!(m.is_object(), "errors[0].message is not an object: {}", got.1);
    assert!(m["message"].is_string() && m.get("data").is_some(), "{}", got.1);
    (e, m["code"].as_i64().unwrap())
}

#[tokio::test]
async fn well_known_serves_a_1024_bit_spki_pem_and_an_encrypted_password_logs_in() {
    use rsa::traits::PublicKeyParts;
    let dev = Dev::start().await;
    let (_, v) = dev.get("/api/v2/.well-known", None).await;
    let pem = v["data"]["publicKey"].as_str().unwrap();
    assert!(
        pem.starts_with("-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ"),
        "{pem}"
    );
    assert!(pem.lines().all(|l| l.len() <= 64), "{pem}");
    let key = dev.public_key().await;
    assert_eq!(key.size() * 8, 1024);
    // The same key every time: the SDK caches it per client.
    assert_eq!(dev.get("/api/v2/.well-known", None).await.1, v);

    let u = dev.user("ada").await;
    let (s, v) = dev.gql_login(&u.email, &u.password, None).await;
    assert_eq!(s, 200);
    assert!(v.get("errors").is_none(), "{v}");
    let user = &v["data"]["loginByEmail"];
    assert_eq!(user["id"], u.id.as_str());
    let token = user["token"].as_str().unwrap();
    assert_code(
        &dev.get("/api/v2/mfa/authenticator?type=totp", Some(token)).await,
        200,
        200,
    );

    // JSEncrypt does not left-pad: a ciphertext that starts with a zero byte
    // arrives one byte short (about one in 256), and must still work.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let short = (0..20_000)
        .map(|_| key.pkcs1v15_encrypt(u.password.as_bytes()).unwrap())
        .find(|ct| ct[0] == 0)
        .expect("no ciphertext with a leading zero byte in 20000 tries");
    let input = json!({"input": {"email": u.email, "password": b64.encode(&short[1..])}});
    let (_, v) = dev.gql(LOGIN_BY_EMAIL, input, None).await;
    assert_eq!(v["data"]["loginByEmail"]["id"], u.id.as_str(), "{v}");

    // REST account login (Guard's), with username, email or phone.
    for account in ["ada", "ADA@example.com"] {
        let body = json!({"account": account, "password": dev.encrypt(&u.password).await});
        let got = dev.post("/api/v2/login/account", None, body).await;
        assert_code(&got, 200, 200);
        assert_eq!(got.1["data"]["id"], u.id.as_str());
        assert!(got.1["data"]["token"].is_string());
    }
}

#[tokio::test]
async fn characters_outside_the_bmp_arrive_as_jsencrypt_sends_them() {
    let dev = Dev::start().await;
    let password = "pa\u{1F600}ss é";
    let (s, v) = dev
        .post(
            "/__dev/users",
            None,
            json!({"email": "emoji@example.com", "password": password}),
        )
        .await;
    assert_eq!((s, v["code"].as_i64()), (200, Some(200)), "{v}");
    // JSEncrypt turns each UTF-16 unit into UTF-8 on its own: CESU-8.
    let mut cesu = Vec::new();
    for unit in password.encode_utf16() {
        let c = u32::from(unit);
        match c {
            0..=0x7f => cesu.push(c as u8),
            0x80..=0x7ff => cesu.extend([0xc0 | (c >> 6) as u8, 0x80 | (c & 0x3f) as u8]),
            _ => cesu.extend([
                0xe0 | (c >> 12) as u8,
                0x80 | ((c >> 6) & 0x3f) as u8,
                0x80 | (c & 0x3f) as u8,
            ]),
        }
    }
    let key = dev.public_key().await;
    use base64::Engine;
    let ct = base64::engine::general_purpose::STANDARD.encode(key.pkcs1v15_encrypt(&cesu).unwrap());
    let input = json!({"input": {"email": "emoji@example.com", "password": ct}});
    let (_, v) = dev.gql(LOGIN_BY_EMAIL, input, None).await;
    assert!(v["data"]["loginByEmail"]["token"].is_string(), "{v}");
    // And plain UTF-8, as other clients send it.
    let (_, v) = dev.gql_login("emoji@example.com", password, None).await;
    assert!(v["data"]["loginByEmail"]["token"].is_string(), "{v}");
}

#[tokio::test]
async fn graphql_answers_only_the_selected_fields_and_never_a_password() {
    let dev = Dev::start().await;
    let u = dev.user("bo").await;
    let doc = "fragment F on User { email } mutation M($input: LoginByEmailInput!) { \
               who: loginByEmail(input: $input) { __typename uid: id ...F ... on User { username } password customData { key } } }";
    let input = json!({"input": {"email": u.email, "password": dev.encrypt(&u.password).await}});
    let (s, v) = dev.gql(doc, input, None).await;
    assert_eq!(s, 200);
    assert_eq!(
        v,
        json!({"data": {"who": {"__typename": "User", "uid": u.id, "email": u.email,
            "username": "bo", "password": null, "customData": null}}})
    );
    // Literal arguments work as well as variables.
    let enc = dev.encrypt(&u.password).await;
    let doc = format!(
        "mutation {{ loginByEmail(input: {{email: \"{}\", password: \"{enc}\", autoRegister: false}}) {{ id }} }}",
        u.email
    );
    let (_, v) = dev.gql(&doc, json!(null), None).await;
    assert_eq!(v["data"]["loginByEmail"]["id"], u.id.as_str(), "{v}");
    // A shorthand query.
    assert_eq!(
        dev.gql("{ __typename }", json!({}), None).await.1,
        json!({"data": {"__typename": "Query"}})
    );
}

#[tokio::test]
async fn a_wrong_password_is_2333_in_the_shape_the_call_came_in() {
    let dev = Dev::start().await;
    let u = dev.user("cy").await;
    for (email, password) in [(u.email.as_str(), "not-it"), ("nobody@example.com", "pw-cy")] {
        let got = dev.gql_login(email, password, None).await;
        let (e, code) = gql_error(&got);
        assert_eq!(code, 2333);
        assert_eq!(e["message"]["message"], "账号或密码错误");
        assert_eq!(e["message"]["data"], Value::Null);
        assert_eq!(e["path"], json!(["loginByEmail"]));
        assert_eq!(e["locations"], json!([{"line": 3, "column": 3}]));
        assert_eq!(e["extensions"]["code"], "INTERNAL_SERVER_ERROR");
        assert_eq!(got.1["data"], json!({"loginByEmail": null}));
    }
    // A password that is not the encryption under the served key: the
    // same answer, whatever is wrong with it.
    for bad in ["pw-cy", "not base64!", "AAAA", &"QUFB".repeat(100)] {
        let input = json!({"input": {"email": u.email, "password": bad}});
        let got = dev.gql(LOGIN_BY_EMAIL, input, None).await;
        assert_eq!(gql_error(&got).1, 2333, "{bad}");
    }
    // English, as x-authing-lang asks.
    let input = json!({"input": {"email": u.email, "password": dev.encrypt("x").await}});
    let resp = dev
        .http
        .post(format!("{}/graphql/v2", dev.url))
        .header("x-authing-lang", "en-US")
        .json(&json!({"query": LOGIN_BY_EMAIL, "variables": input}))
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        v["errors"][0]["message"]["message"],
        "Incorrect account or password"
    );
    // REST: an envelope.
    let body = json!({"account": "cy", "password": dev.encrypt("nope").await});
    assert_code(&dev.post("/api/v2/login/account", None, body).await, 200, 2333);
}

#[tokio::test]
async fn a_bound_totp_is_1635_and_its_mfa_token_finishes_the_login_once() {
    let dev = Dev::start().await;
    let u = dev.user("di").await;
    let (secret, recovery) = dev.bind_totp(&u).await;
    let got = dev.gql_login(&u.email, &u.password, Some("app1")).await;
    let (e, code) = gql_error(&got);
    assert_eq!(code, 1635);
    assert_eq!(e["message"]["message"], "请输入二次认证安全码");
    let data = &e["message"]["data"];
    assert_eq!(data["totpMfaEnabled"], true);
    assert_eq!(data["applicationMfa"], json!([]));
    assert_eq!(data["email"], u.email.as_str());
    let mfa = data["mfaToken"].as_str().unwrap().to_owned();

    let now = dev.align_to_step_start().await;
    let ok = dev
        .post(
            "/api/v2/mfa/totp/verify",
            Some(&mfa),
            json!({"totp": totp_at(&secret, now)}),
        )
        .await;
    assert_code(&ok, 200, 200);
    assert_eq!(ok.1["data"]["id"], u.id.as_str());
    // Single use, as /__dev/login's.
    let again = dev
        .post(
            "/api/v2/mfa/totp/verify",
            Some(&mfa),
            json!({"totp": totp_at(&secret, now + 30)}),
        )
        .await;
    assert_code(&again, 200, 2207);

    // The recovery code, with a fresh mfaToken from the REST login.
    let body = json!({"account": u.email, "password": dev.encrypt(&u.password).await});
    let got = dev.post("/api/v2/login/account", None, body).await;
    assert_code(&got, 200, 1635);
    assert_eq!(got.1["apiCode"], 1635);
    assert_eq!(got.1["message"], "请输入二次认证安全码");
    let mfa = got.1["data"]["mfaToken"].as_str().unwrap();
    let rec = dev
        .post(
            "/api/v2/mfa/totp/recovery",
            Some(mfa),
            json!({"recoveryCode": recovery}),
        )
        .await;
    assert_code(&rec, 200, 200);
}

#[tokio::test]
async fn an_application_policy_is_1636_for_its_app_and_a_users_own_factor_stays_1635() {
    let dev = Dev::start().await;
    let u = dev.user("ed").await;
    // The policy endpoint.
    for bad in [
        json!({}),
        json!({"factors": "SMS"}),
        json!({"factors": ["FAX"]}),
        json!({"factors": ["SMS", "sms"]}),
    ] {
        assert_code(&dev.post("/__dev/apps/app1/mfa", None, bad).await, 400, 2000);
    }
    let set = dev
        .post("/__dev/apps/app1/mfa", None, json!({"factors": ["sms", "EMAIL"]}))
        .await;
    assert_code(&set, 200, 200);
    let expected =
        json!([{"mfaPolicy": "SMS", "status": 1, "sort": 0}, {"mfaPolicy": "EMAIL", "status": 1, "sort": 1}]);
    assert_eq!(
        set.1["data"],
        json!({"appId": "app1", "factors": ["SMS", "EMAIL"], "applicationMfa": expected})
    );
    assert_eq!(
        dev.get("/__dev/apps/app1/mfa", None).await.1["data"],
        set.1["data"]
    );

    let got = dev.gql_login(&u.email, &u.password, Some("app1")).await;
    let (e, code) = gql_error(&got);
    assert_eq!(code, 1636);
    assert_eq!(e["message"]["message"], "请完成多因素认证");
    assert_eq!(e["message"]["data"]["applicationMfa"], expected);
    assert_eq!(e["message"]["data"]["totpMfaEnabled"], false);
    // Another application, or none: no policy, no MFA.
    for app in [Some("app2"), None] {
        let (_, v) = dev.gql_login(&u.email, &u.password, app).await;
        assert!(v["data"]["loginByEmail"]["token"].is_string(), "{app:?}: {v}");
    }
    // "*" covers every app without a policy of its own, and no app at all.
    dev.post("/__dev/apps/*/mfa", None, json!({"factors": ["OTP"]}))
        .await;
    for app in [Some("app2"), None] {
        let got = dev.gql_login(&u.email, &u.password, app).await;
        let (e, code) = gql_error(&got);
        assert_eq!(code, 1636);
        assert_eq!(e["message"]["data"]["applicationMfa"][0]["mfaPolicy"], "OTP");
    }
    // The email factor finishes a 1636 login.
    let got = dev.gql_login(&u.email, &u.password, Some("app1")).await;
    let mfa = gql_error(&got).0["message"]["data"]["mfaToken"]
        .as_str()
        .unwrap()
        .to_owned();
    dev.post(
        "/api/v2/email/send",
        None,
        json!({"email": u.email, "scene": "MFA_VERIFY_CODE"}),
    )
    .await;
    let code = dev.last_code(&u.email).await;
    let ok = dev
        .post(
            "/api/v2/applications/mfa/email/verify",
            Some(&mfa),
            json!({"email": u.email, "code": code}),
        )
        .await;
    assert_code(&ok, 200, 200);

    // A user's own TOTP wins: 1635, with the policy still listed.
    dev.bind_totp(&u).await;
    let got = dev.gql_login(&u.email, &u.password, Some("app1")).await;
    let (e, code) = gql_error(&got);
    assert_eq!(code, 1635);
    assert_eq!(e["message"]["data"]["applicationMfa"], expected);
    // /__dev/login is as it was: 1635, policies ignored.
    assert_eq!(dev.login(&u).await["code"], 1635);
    // Removing the policies; the per-user switch counts as one.
    dev.post("/__dev/apps/app1/mfa", None, json!({"factors": []}))
        .await;
    dev.post("/__dev/apps/*/mfa", None, json!({"factors": []})).await;
    assert_eq!(
        dev.get("/__dev/apps/app1/mfa", None).await.1["data"]["factors"],
        json!([])
    );
    let v = dev.user("fay").await;
    dev.post(&format!("/__dev/users/{}/mfa/sms", v.id), None, json!({}))
        .await;
    let got = dev.gql_login(&v.email, &v.password, Some("app1")).await;
    let (e, code) = gql_error(&got);
    assert_eq!(code, 1636);
    assert_eq!(e["message"]["data"]["applicationMfa"][0]["mfaPolicy"], "SMS");
    assert_eq!(dev.login(&v).await["code"], 1635, "/__dev/login keeps 1635");
    // REST: 1636 with apiCode.
    let body = json!({"account": v.email, "password": dev.encrypt(&v.password).await});
    let got = dev.post("/api/v2/login/account", None, body).await;
    assert_code(&got, 200, 1636);
    assert_eq!(got.1["apiCode"], 1636);
}

#[tokio::test]
async fn unknown_and_broken_documents_are_graphql_errors_not_404() {
    let dev = Dev::start().await;
    let doc = "mutation loginBySubAccount($account: String!) {\n  loginBySubAccount(account: $account, password: \"x\") { id }\n}";
    let got = dev.gql(doc, json!({"account": "a"}), None).await;
    let (e, code) = gql_error(&got);
    assert_eq!(code, 2000);
    assert_eq!(
        e["message"]["message"],
        "不支持的 GraphQL 操作：mutation loginBySubAccount"
    );
    assert_eq!(e["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(e["path"], json!(["loginBySubAccount"]));
    assert_eq!(e["locations"], json!([{"line": 2, "column": 3}]));
    assert_eq!(got.1["data"], json!({"loginBySubAccount": null}));
    // A known field under the wrong operation type.
    let got = dev
        .gql("query { loginByEmail(input: {}) { id } }", json!({}), None)
        .await;
    assert_eq!(gql_error(&got).1, 2000);
    // Documents that do not parse or do not say what to run.
    for doc in [
        "mutation {",
        "query A { __typename } query B { __typename }",
        "type User { id: ID }",
        "",
    ] {
        let got = dev.gql(doc, json!({}), None).await;
        let (e, code) = gql_error(&got);
        assert_eq!(code, 2000, "{doc:?}");
        assert_eq!(e["extensions"]["code"], "GRAPHQL_PARSE_FAILED", "{doc:?}");
        assert_eq!(got.1["data"], Value::Null);
    }
    // operationName picks one of several.
    let got = dev
        .http
        .post(format!("{}/graphql/v2", dev.url))
        .json(&json!({"query": "query A { a: __typename } query B { b: __typename }", "operationName": "B"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.json::<Value>().await.unwrap(),
        json!({"data": {"b": "Query"}})
    );
    // A body that is no GraphQL request.
    for body in [
        "not json",
        "{}",
        "{\"query\": 1}",
        "{\"query\": \"{a}\", \"variables\": []}",
    ] {
        let resp = dev
            .http
            .post(format!("{}/graphql/v2", dev.url))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["errors"][0]["message"]["code"], 2000, "{body}: {v}");
        assert_eq!(v["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    }
    // A missing input is an argument error naming it.
    let got = dev.gql("mutation { loginByEmail { id } }", json!({}), None).await;
    let (e, code) = gql_error(&got);
    assert_eq!(code, 2000);
    assert_eq!(e["message"]["message"], "参数 input 缺失或无效");
}

#[tokio::test]
async fn lockout_and_single_use_apply_to_mfa_tokens_of_every_login() {
    let dev = Dev::start_with(Config {
        log_requests: false,
        max_failures: 3,
        ..Config::default()
    })
    .await;
    let u = dev.user("gil").await;
    let (secret, _) = dev.bind_totp(&u).await;
    let now = dev.align_to_step_start().await;
    let wrong = json!({"totp": wrong_code(&secret, now)});
    let mut got = Vec::new();
    // Each wrong answer with an mfaToken from a different login path: the
    // count is the user's, not the token's.
    for _ in 0..3 {
        let mfa = match got.len() {
            0 => gql_error(&dev.gql_login(&u.email, &u.password, None).await).0["message"]["data"]
                ["mfaToken"]
                .as_str()
                .unwrap()
                .to_owned(),
            1 => {
                let body = json!({"account": "gil", "password": dev.encrypt(&u.password).await});
                dev.post("/api/v2/login/account", None, body).await.1["data"]["mfaToken"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
            _ => dev.mfa_token(&u).await,
        };
        got.push(
            dev.post("/api/v2/mfa/totp/verify", Some(&mfa), wrong.clone())
                .await
                .1["code"]
                .clone(),
        );
    }
    assert_eq!(got, [6001, 6001, 2005]);
    // Locked: even the right code from a fresh GraphQL login is refused.
    let got = dev.gql_login(&u.email, &u.password, None).await;
    let mfa = gql_error(&got).0["message"]["data"]["mfaToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let right = json!({"totp": totp_at(&secret, now)});
    assert_code(
        &dev.post("/api/v2/mfa/totp/verify", Some(&mfa), right).await,
        200,
        2005,
    );
}

#[tokio::test]
async fn register_send_codes_code_logins_check_status_and_logout() {
    let dev = Dev::start().await;
    let register = "mutation registerByEmail($input: RegisterByEmailInput!) { registerByEmail(input: $input) { id email username nickname token } }";
    let input = |force: bool, pw: String| {
        json!({"input": {"email": "hal@example.com", "password": pw,
            "profile": {"nickname": "Hal", "username": "hal"}, "forceLogin": force, "generateToken": false}})
    };
    let (_, v) = dev
        .gql(register, input(false, dev.encrypt("pw-hal").await), None)
        .await;
    let user = &v["data"]["registerByEmail"];
    assert_eq!(
        (&user["email"], &user["username"], &user["nickname"]),
        (&json!("hal@example.com"), &json!("hal"), &json!("Hal")),
        "{v}"
    );
    assert_eq!(
        user["token"],
        Value::Null,
        "no token without forceLogin/generateToken"
    );
    let got = dev
        .gql(register, input(true, dev.encrypt("pw-hal").await), None)
        .await;
    assert_eq!(gql_error(&got).1, 2026);
    // A registration's password must decrypt.
    let got = dev
        .gql(
            register,
            json!({"input": {"email": "ivy@example.com", "password": "plain"}}),
            None,
        )
        .await;
    assert_eq!(gql_error(&got).1, 2000);
    // The registered user logs in with loginByUsername; forceLogin gives a token.
    let doc = "mutation loginByUsername($input: LoginByUsernameInput!) { loginByUsername(input: $input) { id token } }";
    let (_, v) = dev
        .gql(
            doc,
            json!({"input": {"username": "hal", "password": dev.encrypt("pw-hal").await}}),
            None,
        )
        .await;
    let token = v["data"]["loginByUsername"]["token"].as_str().unwrap().to_owned();
    let (_, v) = dev
        .gql(register, json!({"input": {"email": "jo@example.com", "password": dev.encrypt("pw").await, "forceLogin": true}}), None)
        .await;
    assert!(v["data"]["registerByEmail"]["token"].is_string(), "{v}");

    // sendEmail through GraphQL, then the REST email-code login.
    let send = "mutation sendEmail($email: String!, $scene: EmailScene!) { sendEmail(email: $email, scene: $scene) { message code } }";
    let (_, v) = dev
        .gql(
            send,
            json!({"email": "HAL@example.com", "scene": "LOGIN_VERIFY_CODE"}),
            None,
        )
        .await;
    assert_eq!(
        v,
        json!({"data": {"sendEmail": {"message": "验证码发送成功", "code": 200}}})
    );
    let (_, outbox) = dev.get("/__dev/outbox?to=hal@example.com", None).await;
    assert_eq!(outbox["data"][0]["scene"], "LOGIN_VERIFY_CODE");
    let code = dev.last_code("hal@example.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let got = dev
        .post(
            "/api/v2/login/email-code",
            None,
            json!({"email": "hal@example.com", "code": wrong}),
        )
        .await;
    assert_code(&got, 200, 2001);
    let got = dev
        .post(
            "/api/v2/login/email-code",
            None,
            json!({"email": "nobody@example.com", "code": code}),
        )
        .await;
    assert_code(&got, 200, 2004);
    let got = dev
        .post(
            "/api/v2/login/email-code",
            None,
            json!({"email": "hal@example.com", "code": code}),
        )
        .await;
    assert_code(&got, 200, 200);
    assert_eq!(got.1["data"]["emailVerified"], true);
    // Used up.
    let got = dev
        .post(
            "/api/v2/login/email-code",
            None,
            json!({"email": "hal@example.com", "code": code}),
        )
        .await;
    assert_code(&got, 200, 2001);

    // Phone: sendSmsCode (REST, with its scene), GraphQL and REST code logins.
    let (s, v) = dev
        .post(
            "/__dev/users",
            None,
            json!({"phone": "13800000001", "password": "pw-phone"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let sms = json!({"phone": "13800000001", "scene": "login"});
    dev.post("/api/v2/sms/send", None, sms.clone()).await;
    let (_, outbox) = dev.get("/__dev/outbox?to=13800000001", None).await;
    assert_eq!(outbox["data"][0]["scene"], "login");
    let doc = "mutation loginByPhoneCode($input: LoginByPhoneCodeInput!) { loginByPhoneCode(input: $input) { phone token } }";
    let code = dev.last_code("13800000001").await;
    let (_, v) = dev
        .gql(
            doc,
            json!({"input": {"phone": "13800000001", "code": code}}),
            None,
        )
        .await;
    assert!(v["data"]["loginByPhoneCode"]["token"].is_string(), "{v}");
    dev.post("/api/v2/sms/send", None, sms).await;
    let code = dev.last_code("13800000001").await;
    let got = dev
        .post(
            "/api/v2/login/phone-code",
            None,
            json!({"phone": "13800000001", "code": code}),
        )
        .await;
    assert_code(&got, 200, 200);
    // loginByPhonePassword.
    let doc = "mutation loginByPhonePassword($input: LoginByPhonePasswordInput!) { loginByPhonePassword(input: $input) { phone } }";
    let (_, v) = dev
        .gql(
            doc,
            json!({"input": {"phone": "13800000001", "password": dev.encrypt("pw-phone").await}}),
            None,
        )
        .await;
    assert_eq!(v["data"]["loginByPhonePassword"]["phone"], "13800000001", "{v}");

    // checkLoginStatus: the argument, else the bearer token.
    let check = "query checkLoginStatus($token: String) { checkLoginStatus(token: $token) { code message status exp iat data { id userPoolId arn } } }";
    let (_, v) = dev.gql(check, json!({"token": token}), None).await;
    let st = &v["data"]["checkLoginStatus"];
    assert_eq!((&st["code"], &st["status"]), (&json!(200), &json!(true)), "{v}");
    assert_eq!(
        st["exp"].as_i64().unwrap() - st["iat"].as_i64().unwrap(),
        15 * 86400
    );
    assert!(st["data"]["arn"].as_str().unwrap().starts_with("arn:cn:authing:"));
    let (_, v) = dev.gql_full(check, json!({}), None, Some(&token)).await;
    assert_eq!(v["data"]["checkLoginStatus"]["status"], true, "{v}");
    let (_, v) = dev.gql(check, json!({}), None).await;
    assert_eq!(
        v["data"]["checkLoginStatus"],
        json!({"code": 2020, "message": "尚未登录，无权限访问此接口", "status": false, "exp": null, "iat": null, "data": null})
    );
    let (_, v) = dev.gql(check, json!({"token": "forged"}), None).await;
    assert_eq!(v["data"]["checkLoginStatus"]["code"], 2207);

    // Logout ends that token, and only that one.
    let other = dev
        .user_token(&common::User {
            id: String::new(),
            email: "hal@example.com".into(),
            password: "pw-hal".into(),
        })
        .await;
    assert_code(
        &dev.get("/api/v2/logout?app_id=app1", Some(&token)).await,
        200,
        200,
    );
    let (_, v) = dev.gql(check, json!({"token": token}), None).await;
    assert_eq!(v["data"]["checkLoginStatus"]["code"], 2207, "{v}");
    assert_code(&dev.get("/api/v2/logout", Some(&token)).await, 200, 2207);
    assert_code(&dev.get("/api/v2/logout", None).await, 200, 2020);
    let (_, v) = dev.gql(check, json!({"token": other}), None).await;
    assert_eq!(v["data"]["checkLoginStatus"]["status"], true);
}

/// A logged-out token stays dead when the clock moves back: the server
/// forgets revocations by count, not by a clock `/__dev/clock` can rewind.
#[tokio::test]
async fn a_logged_out_token_stays_dead_after_the_clock_moves_back() {
    let dev = Dev::start().await;
    let u = dev.user("ivy").await;
    let old = dev.user_token(&u).await;
    assert_code(&dev.get("/api/v2/logout", Some(&old)).await, 200, 200);
    // Past the old token's expiry, log in and out again (which used to drop
    // the expired revocation), then back to the start.
    dev.advance(40 * 24 * 3600).await;
    let newer = dev.user_token(&u).await;
    assert_code(&dev.get("/api/v2/logout", Some(&newer)).await, 200, 200);
    dev.advance(-40 * 24 * 3600).await;
    assert_code(&dev.get("/api/v2/logout", Some(&old)).await, 200, 2207);
}

#[tokio::test]
async fn reset_keeps_the_rsa_key_and_drops_the_policies() {
    let dev = Dev::start().await;
    let key = dev.public_key().await;
    dev.post("/__dev/apps/app1/mfa", None, json!({"factors": ["SMS"]}))
        .await;
    dev.post("/__dev/reset", None, json!({})).await;
    assert_eq!(dev.public_key().await, key);
    assert_eq!(
        dev.get("/__dev/apps/app1/mfa", None).await.1["data"]["factors"],
        json!([])
    );
    // A client that cached the key before the reset still logs in after it.
    let u = dev.user("kim").await;
    let input = json!({"input": {"email": u.email, "password": encrypt_with(&key, &u.password)}});
    let (_, v) = dev.gql(LOGIN_BY_EMAIL, input, None).await;
    assert!(v["data"]["loginByEmail"]["token"].is_string(), "{v}");
}

/// `n` fragments, each selecting the next one twice: `twice(n, true)` uses
/// two aliased fields (2^n selections however fragments are expanded),
/// `twice(n, false)` two spreads in one selection set.
fn fan_out(n: usize, aliased: bool) -> String {
    let mut doc = String::from("query { checkLoginStatus { ...F0 } }\n");
    for i in 0..n {
        let next = i + 1;
        if aliased {
            doc += &format!(
                "fragment F{i} on JWTTokenStatus {{ a: data {{ ...F{next} }} b: data {{ ...F{next} }} }}\n"
            );
        } else {
            doc += &format!("fragment F{i} on JWTTokenStatus {{ ...F{next} ...F{next} }}\n");
        }
    }
    doc += &format!("fragment F{n} on JWTTokenStatus {{ status }}\n");
    doc
}

#[tokio::test]
async fn fragment_fan_out_is_bounded() {
    let dev = Dev::start().await;
    // 2^20 selections from a 2 KB document: refused at once, with a
    // validation error, instead of seconds of work and 170 MB.
    let doc = fan_out(20, true);
    let got = tokio::time::timeout(std::time::Duration::from_secs(5), dev.gql(&doc, json!({}), None))
        .await
        .expect("the fan-out document was expanded instead of refused");
    let (e, code) = gql_error(&got);
    assert_eq!(code, 2000);
    assert_eq!(e["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    assert!(
        e["message"]["message"].as_str().unwrap().contains("10000"),
        "{}",
        got.1
    );
    assert_eq!(got.1["data"], Value::Null);
    // The same fragment spread twice in one selection set is expanded once,
    // so this deep but narrow document is answered.
    let got = dev.gql(&fan_out(30, false), json!({}), None).await;
    assert_eq!(got.1, json!({"data": {"checkLoginStatus": {"status": false}}}));
    // A wide document under the limit still runs: 2^10 leaves, about 5000
    // selections in all.
    let got = dev.gql(&fan_out(10, true), json!({}), None).await;
    assert!(got.1.get("errors").is_none(), "{}", got.1);
}

/// A code login has no lockout of its own, so each code counts its wrong
/// answers: the fifth voids it, and even the right code then fails. A clock
/// turned back does not make a code younger.
#[tokio::test]
async fn code_logins_cannot_guess_a_code_forever() {
    let dev = Dev::start().await;
    let (s, v) = dev
        .post(
            "/__dev/users",
            None,
            json!({"phone": "13800000009", "password": "pw"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let login = |code: String| {
        let dev = &dev;
        async move {
            dev.post(
                "/api/v2/login/phone-code",
                None,
                json!({"phone": "13800000009", "code": code}),
            )
            .await
        }
    };
    dev.post("/api/v2/sms/send", None, json!({"phone": "13800000009"}))
        .await;
    let code = dev.last_code("13800000009").await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for _ in 0..4 {
        assert_code(&login(wrong.to_owned()).await, 200, 2001);
    }
    // Four wrong answers leave the code usable.
    assert_code(&login(code).await, 200, 200);

    dev.post("/api/v2/sms/send", None, json!({"phone": "13800000009"}))
        .await;
    let code = dev.last_code("13800000009").await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for _ in 0..5 {
        assert_code(&login(wrong.to_owned()).await, 200, 2001);
    }
    assert_code(&login(code).await, 200, 2001);
    let (_, outbox) = dev.get("/__dev/outbox?to=13800000009", None).await;
    assert_eq!(outbox["data"][1]["used"], true, "{outbox}");

    // Sent, then the clock turned back: the code is not live before it was
    // sent.
    dev.post("/api/v2/sms/send", None, json!({"phone": "13800000009"}))
        .await;
    let code = dev.last_code("13800000009").await;
    dev.advance(-60).await;
    assert_code(&login(code.clone()).await, 200, 2001);
    dev.advance(60).await;
    assert_code(&login(code).await, 200, 200);
}
