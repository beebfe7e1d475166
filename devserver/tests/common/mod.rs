//! Shared helpers: a server started in-process on 127.0.0.1 for each test
//! (so clock shifts and state never leak between tests), and a thin HTTP
//! client that returns `(HTTP status, envelope)`.
#![allow(dead_code)]

use authing_mfa_devserver::{Config, DevServer, RunningServer};
use reqwest::Method;
use serde_json::{json, Value};

pub struct Dev {
    pub url: String,
    pub http: reqwest::Client,
    _server: RunningServer,
}

/// A plain-HTTP client for 127.0.0.1. reqwest is built with rustls in this
/// workspace (the library enables it without a crypto provider), so one must
/// be installed even though no TLS is ever spoken here.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// A user created for a test, with what the test may need next.
pub struct User {
    pub id: String,
    pub email: String,
    pub password: String,
}

impl Dev {
    pub async fn start() -> Dev {
        Dev::start_with(Config {
            log_requests: false,
            ..Config::default()
        })
        .await
    }

    pub async fn start_with(config: Config) -> Dev {
        let server = DevServer::bind(config).await.unwrap().spawn();
        Dev {
            url: server.base_url().to_owned(),
            http: client(),
            _server: server,
        }
    }

    /// Any call. `lang` sets `x-authing-lang`.
    pub async fn call_full(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        lang: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        if let Some(l) = lang {
            req = req.header("x-authing-lang", l);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
        (status, v)
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        self.call_full(Method::POST, path, token, Some(body), None).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        self.call_full(Method::GET, path, token, None, None).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        self.call_full(Method::DELETE, path, token, None, None).await
    }

    /// Creates a user with an email and password `pw-<name>`.
    pub async fn user(&self, name: &str) -> User {
        let email = format!("{name}@example.com");
        let password = format!("pw-{name}");
        let (s, v) = self
            .post(
                "/__dev/users",
                None,
                json!({"email": email, "username": name, "password": password}),
            )
            .await;
        assert_eq!((s, v["code"].as_i64()), (200, Some(200)), "{v}");
        User {
            id: v["data"]["id"].as_str().unwrap().to_owned(),
            email,
            password,
        }
    }

    pub async fn login(&self, u: &User) -> Value {
        self.post(
            "/__dev/login",
            None,
            json!({"account": u.email, "password": u.password}),
        )
        .await
        .1
    }

    /// Logs in a user without MFA and returns the user token.
    pub async fn user_token(&self, u: &User) -> String {
        let v = self.login(u).await;
        assert_eq!(v["code"], 200, "{v}");
        v["data"]["token"].as_str().unwrap().to_owned()
    }

    /// Logs in a user with MFA and returns the mfaToken.
    pub async fn mfa_token(&self, u: &User) -> String {
        let v = self.login(u).await;
        assert_eq!(v["code"], 1635, "{v}");
        v["data"]["mfaToken"].as_str().unwrap().to_owned()
    }

    /// The server's clock.
    pub async fn now(&self) -> i64 {
        self.get("/__dev/clock", None).await.1["data"]["now"]
            .as_i64()
            .unwrap()
    }

    pub async fn advance(&self, secs: i64) -> Value {
        let (s, v) = self
            .post("/__dev/clock", None, json!({"advanceSeconds": secs}))
            .await;
        assert_eq!(s, 200, "{v}");
        v
    }

    /// Moves the server clock to 1 s into a TOTP step, so a test has 29 s
    /// before the step changes under it.
    pub async fn align_to_step_start(&self) -> i64 {
        let now = self.now().await;
        self.advance(30 - now.rem_euclid(30) + 1).await;
        self.now().await
    }

    /// Associates and confirms TOTP through the real endpoints; returns the
    /// secret and the recovery code.
    pub async fn bind_totp(&self, u: &User) -> (String, String) {
        let token = self.user_token(u).await;
        let (_, v) = self
            .post(
                "/api/v2/mfa/totp/associate",
                Some(&token),
                json!({"authenticator_type": "totp", "source": "SELF"}),
            )
            .await;
        assert_eq!(v["code"], 200, "{v}");
        let secret = v["data"]["secret"].as_str().unwrap().to_owned();
        let recovery = v["data"]["recovery_code"].as_str().unwrap().to_owned();
        let code = totp_at(&secret, self.now().await);
        let (s, v) = self
            .post(
                "/api/v2/mfa/totp/associate/confirm",
                Some(&token),
                json!({"authenticator_type": "totp", "totp": code, "source": "SELF"}),
            )
            .await;
        assert_eq!((s, v["code"].as_i64()), (200, Some(200)), "{v}");
        (secret, recovery)
    }

    /// The newest code in the outbox for `to`.
    pub async fn last_code(&self, to: &str) -> String {
        let (_, v) = self
            .get(&format!("/__dev/outbox?to={}", urlencode(to)), None)
            .await;
        v["data"].as_array().unwrap().last().expect("no message")["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

pub fn totp_at(secret: &str, t: i64) -> String {
    authing_mfa::totp::generate(secret, t).unwrap()
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Asserts an envelope's HTTP status and code.
#[track_caller]
pub fn assert_code(got: &(u16, Value), http: u16, code: i64) {
    assert_eq!((got.0, got.1["code"].as_i64()), (http, Some(code)), "{}", got.1);
}

/// The codes accepted at `now` (steps -1, 0, +1).
pub fn window(secret: &str, now: i64) -> [String; 3] {
    [
        totp_at(secret, now - 30),
        totp_at(secret, now),
        totp_at(secret, now + 30),
    ]
}

/// A well-formed 6-digit code that is not valid at `now`.
pub fn wrong_code(secret: &str, now: i64) -> String {
    let w = window(secret, now);
    (0..1_000_000u32)
        .map(|n| format!("{:06}", (n * 7919 + 123_457) % 1_000_000))
        .find(|c| !w.contains(c))
        .unwrap()
}

/// The SDK's login documents (authing-js-sdk 4.23.55, `graphql.v2.js`),
/// with a shortened selection set: what matters here is the shape of the
/// operation and its `input` variable.
pub const LOGIN_BY_EMAIL: &str = "\n    mutation loginByEmail($input: LoginByEmailInput!) {\n  loginByEmail(input: $input) {\n    id\n    arn\n    email\n    username\n    token\n    tokenExpiredAt\n    password\n  }\n}\n    ";

impl Dev {
    /// The `.well-known` public key.
    pub async fn public_key(&self) -> rsa::PublicKey {
        use rsa::pkcs8::DecodePublicKey;
        let (s, v) = self.get("/api/v2/.well-known", None).await;
        assert_eq!((s, v["code"].as_i64()), (200, Some(200)), "{v}");
        let pem = v["data"]["publicKey"].as_str().unwrap();
        rsa::PublicKey::from_public_key_pem(pem).unwrap()
    }

    /// `password` encrypted as the SDK does: PKCS#1 v1.5 under the served
    /// key, standard base64.
    pub async fn encrypt(&self, password: &str) -> String {
        encrypt_with(&self.public_key().await, password)
    }

    /// A GraphQL request as the SDK sends it, with `x-authing-app-id` when
    /// given. Returns the HTTP status and the body.
    pub async fn gql(&self, query: &str, variables: Value, app_id: Option<&str>) -> (u16, Value) {
        self.gql_full(query, variables, app_id, None).await
    }

    pub async fn gql_full(
        &self,
        query: &str,
        variables: Value,
        app_id: Option<&str>,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("{}/graphql/v2", self.url))
            .json(&json!({"query": query, "variables": variables}));
        if let Some(a) = app_id {
            req = req.header("x-authing-app-id", a);
        }
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }

    /// `loginByEmail` through GraphQL with an encrypted password.
    pub async fn gql_login(&self, email: &str, password: &str, app_id: Option<&str>) -> (u16, Value) {
        let input = json!({"input": {"email": email, "password": self.encrypt(password).await,
            "autoRegister": false, "params": null, "context": null}});
        self.gql(LOGIN_BY_EMAIL, input, app_id).await
    }
}

pub fn encrypt_with(key: &rsa::PublicKey, password: &str) -> String {
    use base64::Engine;
    let ct = key.pkcs1v15_encrypt(password.as_bytes()).unwrap();
    base64::engine::general_purpose::STANDARD.encode(ct)
}
