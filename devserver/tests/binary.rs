//! The binary as scripts use it: the URL as the first stdout line, `--port`,
//! `--state` across restarts, stopping on stdin close or SIGTERM, and a
//! request log that never carries secrets.

mod common;

use base64::Engine;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::timeout;

const BIN: &str = env!("CARGO_BIN_EXE_authing-mfa-devserver");
const WAIT: Duration = Duration::from_secs(20);

struct Proc {
    child: Child,
    url: String,
    first_line: String,
}

fn command(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    c
}

async fn start(args: &[&str]) -> Proc {
    let mut child = command(args).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first_line = timeout(WAIT, lines.next_line())
        .await
        .expect("no URL in time")
        .unwrap()
        .expect("stdout closed");
    Proc {
        child,
        url: first_line.clone(),
        first_line,
    }
}

impl Proc {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let mut req = common::client().request(method, format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap().json().await.unwrap()
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Value {
        self.call(reqwest::Method::POST, path, token, Some(body)).await
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Value {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    /// Closes stdin and waits for the exit; returns the status and stderr.
    async fn close_stdin_and_wait(mut self) -> (ExitStatus, String) {
        drop(self.child.stdin.take());
        self.wait().await
    }

    async fn wait(mut self) -> (ExitStatus, String) {
        let status = timeout(WAIT, self.child.wait())
            .await
            .expect("did not exit")
            .unwrap();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .await
            .unwrap();
        (status, err)
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "devserver-{tag}-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The second stdout line points a person at the console; the first stays
/// the bare URL, and both arrive together.
#[tokio::test]
async fn the_second_line_is_the_console() {
    let mut child = command(&["--port", "0", "--exit-on-stdin-close", "--quiet"])
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = timeout(WAIT, lines.next_line()).await.unwrap().unwrap().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let console = timeout(WAIT, lines.next_line()).await.unwrap().unwrap().unwrap();
    assert_eq!(console, format!("console: {url}/__dev/console"));
    let resp = common::client()
        .get(format!("{url}/__dev/console"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    drop(child.stdin.take());
    let status = timeout(WAIT, child.wait()).await.unwrap().unwrap();
    assert!(status.success());
    assert_eq!(
        timeout(WAIT, lines.next_line()).await.unwrap().unwrap(),
        None,
        "nothing more on stdout"
    );
}

#[tokio::test]
async fn port_0_prints_the_url_first_and_stdin_close_stops_it() {
    let p = start(&["--port", "0", "--exit-on-stdin-close"]).await;
    let port: u16 = p
        .first_line
        .strip_prefix("http://127.0.0.1:")
        .unwrap_or_else(|| panic!("first line: {:?}", p.first_line))
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    assert_eq!(p.get("/__dev/clock", None).await["code"], 200);

    // Traffic whose secrets must stay out of the log.
    let u = p
        .post(
            "/__dev/users",
            None,
            json!({"username": "logcheck", "password": "hunter2-PASSWORD"}),
        )
        .await;
    let id = u["data"]["id"].as_str().unwrap().to_owned();
    let t = p
        .post(&format!("/__dev/users/{id}/mfa/totp"), None, json!({}))
        .await;
    let secret = t["data"]["secret"].as_str().unwrap().to_owned();
    let recovery = t["data"]["recoveryCode"].as_str().unwrap().to_owned();
    let login = p
        .post(
            "/__dev/login",
            None,
            json!({"account": "logcheck", "password": "hunter2-PASSWORD"}),
        )
        .await;
    assert_eq!(login["code"], 1635);
    let mfa = login["data"]["mfaToken"].as_str().unwrap().to_owned();
    let now = p.get("/__dev/clock", None).await["data"]["now"].as_i64().unwrap();
    let code = common::totp_at(&secret, now);
    let ok = p
        .post("/api/v2/mfa/totp/verify", Some(&mfa), json!({"totp": code}))
        .await;
    let token = ok["data"]["token"].as_str().unwrap().to_owned();
    // The same code with a fresh mfaToken: a replay (the used mfaToken itself
    // is spent, 2207).
    let mfa2 = p
        .post(
            "/__dev/login",
            None,
            json!({"account": "logcheck", "password": "hunter2-PASSWORD"}),
        )
        .await["data"]["mfaToken"]
        .as_str()
        .unwrap()
        .to_owned();
    p.post("/api/v2/mfa/totp/verify", Some(&mfa2), json!({"totp": code}))
        .await;
    p.post("/api/v2/mfa/totp/verify", Some(&mfa), json!({"totp": code}))
        .await;

    let (status, err) = p.close_stdin_and_wait().await;
    assert!(status.success(), "{status:?}\n{err}");
    for line in [
        "POST /__dev/users 200 200",
        "POST /__dev/login 200 1635",
        "GET /__dev/clock 200 200",
        "POST /api/v2/mfa/totp/verify 200 200",
        "POST /api/v2/mfa/totp/verify 200 6001",
        "POST /api/v2/mfa/totp/verify 200 2207",
    ] {
        assert!(
            err.lines().any(|l| l == line),
            "missing log line {line:?} in:\n{err}"
        );
    }
    assert!(err.contains("stopped (stdin closed)"), "{err}");
    for secret_text in [
        "hunter2-PASSWORD",
        &secret,
        &recovery,
        &mfa,
        &mfa2,
        &token,
        &code,
        "Bearer",
    ] {
        assert!(
            !err.contains(secret_text),
            "the log leaks {secret_text:?}:\n{err}"
        );
    }
}

#[tokio::test]
async fn explicit_port_is_used() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let p = start(&["--port", &port.to_string(), "--exit-on-stdin-close", "--quiet"]).await;
    assert_eq!(p.first_line, format!("http://127.0.0.1:{port}"));
    assert_eq!(p.get("/__dev/clock", None).await["code"], 200);
    let (status, err) = p.close_stdin_and_wait().await;
    assert!(status.success());
    assert!(!err.contains("GET /__dev/clock"), "--quiet still logs: {err}");
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_stops_it_and_stdin_close_alone_does_not() {
    let mut p = start(&[]).await;
    drop(p.child.stdin.take());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        p.get("/__dev/clock", None).await["code"],
        200,
        "stopped on stdin close without the flag"
    );
    let pid = p.child.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let (status, err) = p.wait().await;
    assert!(status.success(), "{status:?}\n{err}");
    assert!(err.contains("stopped (SIGTERM)"), "{err}");
}

#[tokio::test]
async fn state_file_survives_a_restart() {
    let dir = temp_dir("state");
    let file = dir.join("state.json");
    let file_arg = file.to_str().unwrap();
    let args = ["--state", file_arg, "--exit-on-stdin-close", "--quiet"];

    let p = start(&args).await;
    assert!(file.exists(), "the state file is written at start");
    p.post(
        "/__dev/users",
        None,
        json!({"username": "plain", "password": "pw"}),
    )
    .await;
    let token = p
        .post(
            "/__dev/login",
            None,
            json!({"account": "plain", "password": "pw"}),
        )
        .await["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let u = p
        .post(
            "/__dev/users",
            None,
            json!({"username": "guarded", "password": "pw"}),
        )
        .await;
    let id = u["data"]["id"].as_str().unwrap().to_owned();
    let secret = p
        .post(&format!("/__dev/users/{id}/mfa/totp"), None, json!({}))
        .await["data"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    p.post("/__dev/clock", None, json!({"advanceSeconds": 100})).await;
    let login_guarded = || async {
        p.post(
            "/__dev/login",
            None,
            json!({"account": "guarded", "password": "pw"}),
        )
        .await["data"]["mfaToken"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mfa = login_guarded().await;
    // A second mfaToken, left unused until after the restart.
    let unused = login_guarded().await;
    let now = p.get("/__dev/clock", None).await["data"]["now"].as_i64().unwrap();
    let code = common::totp_at(&secret, now);
    assert_eq!(
        p.post("/api/v2/mfa/totp/verify", Some(&mfa), json!({"totp": code}))
            .await["code"],
        200
    );
    p.post("/api/v2/sms/send", None, json!({"phone": "13700000000"}))
        .await;
    let (status, _) = p.close_stdin_and_wait().await;
    assert!(status.success());

    // Written atomically: one valid JSON file, no temp file beside it.
    assert_eq!(entries(&dir), ["state.json"]);
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["version"], 2);
    assert_eq!(saved["users"].as_array().unwrap().len(), 2);

    let p = start(&args).await;
    assert_eq!(p.get("/__dev/clock", None).await["data"]["offsetSeconds"], 100);
    // The signing key was persisted: both unspent tokens still work.
    assert_eq!(
        p.get("/api/v2/mfa/authenticator?type=totp", Some(&token)).await["code"],
        200
    );
    let list = p.get("/api/v2/mfa/authenticator?type=totp", Some(&unused)).await;
    assert_eq!(list["code"], 200, "{list}");
    assert_eq!(list["data"][0]["userId"], id.as_str());
    // An mfaToken never reads the secret (it would pass the second factor).
    assert_eq!(list["data"][0]["secret"], "");
    // The spent mfaToken was persisted as spent.
    assert_eq!(
        p.post("/api/v2/mfa/totp/verify", Some(&mfa), json!({"totp": code}))
            .await["code"],
        2207
    );
    // The last accepted step was persisted: the code is still a replay.
    assert_eq!(
        p.post("/api/v2/mfa/totp/verify", Some(&unused), json!({"totp": code}))
            .await["code"],
        6001
    );
    assert_eq!(
        p.get("/__dev/outbox?to=13700000000", None).await["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (status, _) = p.close_stdin_and_wait().await;
    assert!(status.success());

    // A damaged state file is refused, not silently replaced.
    std::fs::write(&file, b"{\"version\":1,\"users\":[").unwrap();
    let out = timeout(WAIT, command(&args).output()).await.unwrap().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stdout.is_empty(),
        "printed a URL for a server that did not start"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("state file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), b"{\"version\":1,\"users\":[");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn bad_arguments_exit_2_and_help_exits_0() {
    for args in [
        &["--port", "nope"][..],
        &["--bogus"],
        &["--state"],
        &["--max-failures", "-1"],
        &["--lockout-seconds", "five"],
    ] {
        let out = timeout(WAIT, command(args).output()).await.unwrap().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr).contains("usage:"));
    }
    let out = timeout(WAIT, command(&["--help"]).output())
        .await
        .unwrap()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--port",
        "--state",
        "--pool-name",
        "--user-pool-id",
        "--max-failures",
        "--lockout-seconds",
        "--exit-on-stdin-close",
    ] {
        assert!(help.contains(flag), "{flag}");
    }
}

#[tokio::test]
async fn pool_options_reach_the_uri_and_the_user() {
    let p = start(&[
        "--pool-name",
        "Acme",
        "--user-pool-id",
        "0123456789abcdef01234567",
        "--exit-on-stdin-close",
    ])
    .await;
    let u = p
        .post(
            "/__dev/users",
            None,
            json!({"email": "z@acme.test", "password": "pw"}),
        )
        .await;
    assert_eq!(u["data"]["userPoolId"], "0123456789abcdef01234567");
    let token = p
        .post(
            "/__dev/login",
            None,
            json!({"account": "z@acme.test", "password": "pw"}),
        )
        .await["data"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = p
        .post("/api/v2/mfa/totp/associate", Some(&token), json!({}))
        .await;
    assert!(
        a["data"]["qrcode_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Acme:z@acme.test?"),
        "{a}"
    );
    p.close_stdin_and_wait().await;
}

const ADA_ID: &str = "0123456789abcdef01234567";
const ADA_SECRET: &str = "JBSWY3DPEHPK3PXP";

/// A user record as a version 1 state file holds it, written before the
/// lockout existed (no `mfaGuard`) and before Argon2id (a salted SHA-256
/// digest): loading it must keep working.
fn user_record(id: &str, username: &str, email: &str, phone: Option<&str>) -> Value {
    let salt = "00112233445566778899aabbccddeeff";
    json!({
        "id": id,
        "username": username,
        "email": email,
        "emailVerified": false,
        "phone": phone,
        "phoneVerified": phone.is_some(),
        "phoneCountryCode": phone.map(|_| "+86"),
        "nickname": null,
        "photo": "https://files.authing.co/authing-console/default-user-avatar.png",
        "passwordSalt": salt,
        "passwordHash": authing_mfa_devserver::password::legacy_sha256(salt, "pw"),
        "createdAt": 1_700_000_000,
        "updatedAt": 1_700_000_000,
        "loginsCount": 0,
        "lastLogin": null,
        "lastIp": null,
        "totp": {
            "id": "aaaaaaaaaaaaaaaaaaaaaaaa",
            "secret": ADA_SECRET,
            "recoveryCode": "10af-4f2f-f34f-f224-d21c-bd16",
            "source": "SELF",
            "createdAt": 1_700_000_000,
            "updatedAt": 1_700_000_000,
        },
        "pendingTotp": null,
        "lastTotpStep": null,
        "face": null,
        "appSmsMfa": false,
        "appEmailMfa": false,
    })
}

/// A valid state file: user "ada" (password "pw", TOTP bound) and "bob".
fn valid_state() -> Value {
    json!({
        "version": 1,
        "signingKey": base64::engine::general_purpose::STANDARD.encode([7u8; 32]),
        "clockOffsetSeconds": 0,
        "users": [
            user_record(ADA_ID, "ada", "ada@example.com", Some("13900000001")),
            user_record("0123456789abcdef01234568", "bob", "bob@example.com", None),
        ],
        "outbox": [{
            "channel": "sms", "to": "13900000001", "code": "123456",
            "phoneCountryCode": "+86", "scene": null, "sentAt": 1_700_000_000, "used": false,
        }],
    })
}

/// Issue #10, item 7: a state file that breaks an invariant is refused at
/// start with exit status 1 and a message naming the problem, and is left
/// as it was.
#[tokio::test]
async fn damaged_state_files_are_refused_naming_the_problem() {
    let dir = temp_dir("damaged");
    let file = dir.join("state.json");
    let file_arg = file.to_str().unwrap().to_owned();
    type Damage = fn(&mut Value);
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "duplicate id",
            |s| s["users"][1]["id"] = json!(ADA_ID),
            "users[1]: duplicate id",
        ),
        (
            "duplicate email (any case)",
            |s| s["users"][1]["email"] = json!("ADA@Example.com"),
            "users[1]: duplicate email \"ada@example.com\" (also users[0])",
        ),
        (
            "duplicate username",
            |s| s["users"][1]["username"] = json!("ada"),
            "users[1]: duplicate username",
        ),
        (
            "duplicate phone",
            |s| s["users"][1]["phone"] = json!("13900000001"),
            "users[1]: duplicate phone",
        ),
        (
            "clock offset 10^18",
            |s| s["clockOffsetSeconds"] = json!(1_000_000_000_000_000_000i64),
            "clockOffsetSeconds 1000000000000000000 is beyond ±100 years",
        ),
        (
            "clock offset i64::MAX",
            |s| s["clockOffsetSeconds"] = json!(i64::MAX),
            "clockOffsetSeconds 9223372036854775807 is beyond ±100 years",
        ),
        (
            "clock offset i64::MIN",
            |s| s["clockOffsetSeconds"] = json!(i64::MIN),
            "clockOffsetSeconds -9223372036854775808 is beyond ±100 years",
        ),
        (
            "clock offset 1e18 as a float",
            |s| s["clockOffsetSeconds"] = json!(1e18),
            "state file is not valid",
        ),
        (
            "malformed recovery code",
            |s| s["users"][0]["totp"]["recoveryCode"] = json!("10AF-4F2F"),
            "users[0] (id \"0123456789abcdef01234567\"): totp.recoveryCode is not six groups",
        ),
        (
            "malformed TOTP secret",
            |s| s["users"][0]["totp"]["secret"] = json!("not base32!"),
            "totp.secret is not a base32 TOTP secret",
        ),
        (
            "malformed user id",
            |s| s["users"][1]["id"] = json!("bob"),
            "users[1] (id \"bob\"): id is not 24 lowercase hex digits",
        ),
        (
            "a user with no account name",
            |s| {
                s["users"][1]["username"] = Value::Null;
                s["users"][1]["email"] = Value::Null;
            },
            "no username, email or phone",
        ),
        (
            "malformed password hash",
            |s| s["users"][1]["passwordHash"] = json!("x"),
            "users[1]: passwordHash is not the 64 lowercase hex digits of version 1",
        ),
        (
            "a version 1 user without a salt",
            |s| s["users"][1]["passwordSalt"] = Value::Null,
            "users[1]: a version 1 user without passwordSalt",
        ),
        (
            "a version 2 file with a version 1 password",
            |s| s["version"] = json!(2),
            "passwordSalt belongs to version 1 files",
        ),
        (
            "a version 2 file with a password hash that is no Argon2id",
            |s| {
                s["version"] = json!(2);
                for u in s["users"].as_array_mut().unwrap() {
                    u.as_object_mut().unwrap().remove("passwordSalt");
                }
            },
            "passwordHash is not an Argon2id PHC string",
        ),
        (
            "an RSA key that is not one",
            |s| s["rsaPrivateKey"] = json!("AAAA"),
            "rsaPrivateKey is not a PKCS#8 RSA private key",
        ),
        (
            "an app MFA policy naming an unknown factor",
            |s| s["appMfa"] = json!({"app1": ["SMS", "FAX"]}),
            "appMfa[\"app1\"] names an unknown factor \"FAX\"",
        ),
        (
            "a time out of range",
            |s| s["users"][1]["createdAt"] = json!(i64::MAX),
            "createdAt 9223372036854775807 is not a time",
        ),
        (
            "malformed face digest",
            |s| s["users"][1]["face"] = json!({"kind": "upload", "sha256": "ABC"}),
            "face.sha256",
        ),
        (
            "an outbox message on an unknown channel",
            |s| s["outbox"][0]["channel"] = json!("fax"),
            "outbox[0]: channel \"fax\"",
        ),
        (
            "a lock time out of range",
            |s| s["users"][0]["mfaGuard"] = json!({"lockedUntil": i64::MIN}),
            "mfaGuard.lockedUntil",
        ),
    ];
    for (what, damage, expected) in cases {
        let mut state = valid_state();
        damage(&mut state);
        let bytes = serde_json::to_vec_pretty(&state).unwrap();
        std::fs::write(&file, &bytes).unwrap();
        let out = timeout(WAIT, command(&["--state", &file_arg, "--quiet"]).output())
            .await
            .unwrap()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(out.stdout.is_empty(), "{what}: printed a URL");
        assert!(
            err.contains("cannot start: the state file is not valid") && err.contains(expected),
            "{what}: expected {expected:?} in:\n{err}"
        );
        assert!(!err.contains(ADA_SECRET), "{what}: the message quotes a secret");
        assert_eq!(
            std::fs::read(&file).unwrap(),
            bytes,
            "{what}: the file was changed"
        );
    }

    // The undamaged file (version 1, written before mfaGuard existed)
    // loads, serves its users (the old passwords still log in), and is
    // written back as version 2 with the new fields and no fast digest.
    std::fs::write(&file, serde_json::to_vec_pretty(&valid_state()).unwrap()).unwrap();
    let p = start(&["--state", &file_arg, "--exit-on-stdin-close", "--quiet"]).await;
    let login = p
        .post(
            "/__dev/login",
            None,
            json!({"account": "ADA@example.com", "password": "pw"}),
        )
        .await;
    assert_eq!(login["code"], 1635, "{login}");
    let now = p.get("/__dev/clock", None).await["data"]["now"].as_i64().unwrap();
    let ok = p
        .post(
            "/api/v2/mfa/totp/verify",
            login["data"]["mfaToken"].as_str(),
            json!({"totp": common::totp_at(ADA_SECRET, now)}),
        )
        .await;
    assert_eq!(ok["code"], 200, "{ok}");
    let users = p.get("/__dev/users", None).await;
    assert_eq!(users["data"].as_array().unwrap().len(), 2);
    assert_eq!(users["data"][1]["lockout"]["failures"], 0);
    let (status, _) = p.close_stdin_and_wait().await;
    assert!(status.success());
    let saved: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(saved["version"], 2);
    let legacy = authing_mfa_devserver::password::legacy_sha256("00112233445566778899aabbccddeeff", "pw");
    for u in saved["users"].as_array().unwrap() {
        let hash = u["passwordHash"].as_str().unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=1024,t=2,p=1$"), "{hash}");
        assert!(u.get("passwordSalt").is_none(), "{u}");
        assert_eq!(u["legacyPasswordSalt"], "00112233445566778899aabbccddeeff");
    }
    let text = String::from_utf8(std::fs::read(&file).unwrap()).unwrap();
    assert!(!text.contains(&legacy), "the old digest is still in the file");
    assert_eq!(
        saved["users"][0]["mfaGuard"]["spentTokens"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The lockout state is part of `--state`: a restart does not unlock, and
/// `--max-failures`/`--lockout-seconds` reach the server.
#[tokio::test]
async fn a_lockout_survives_a_restart() {
    let dir = temp_dir("lockout");
    let file = dir.join("state.json");
    let file_arg = file.to_str().unwrap().to_owned();
    std::fs::write(&file, serde_json::to_vec_pretty(&valid_state()).unwrap()).unwrap();
    let args = [
        "--state",
        &file_arg,
        "--max-failures",
        "2",
        "--lockout-seconds",
        "1000",
        "--exit-on-stdin-close",
        "--quiet",
    ];
    let p = start(&args).await;
    let mfa = p
        .post("/__dev/login", None, json!({"account": "ada", "password": "pw"}))
        .await["data"]["mfaToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = p.get("/__dev/clock", None).await["data"]["now"].as_i64().unwrap();
    let wrong = json!({"totp": common::wrong_code(ADA_SECRET, now)});
    let mut got = Vec::new();
    for _ in 0..2 {
        got.push(p.post("/api/v2/mfa/totp/verify", Some(&mfa), wrong.clone()).await["code"].clone());
    }
    assert_eq!(got, [6001, 2005]);
    p.close_stdin_and_wait().await;

    let p = start(&args).await;
    let user = p.get(&format!("/__dev/users/{ADA_ID}"), None).await;
    assert_eq!(user["data"]["lockout"]["locked"], true, "{user}");
    assert_eq!(user["data"]["lockout"]["maxFailures"], 2);
    let now = p.get("/__dev/clock", None).await["data"]["now"].as_i64().unwrap();
    let right = json!({"totp": common::totp_at(ADA_SECRET, now)});
    assert_eq!(
        p.post("/api/v2/mfa/totp/verify", Some(&mfa), right).await["code"],
        2005
    );
    p.post("/__dev/clock", None, json!({"advanceSeconds": 1000}))
        .await;
    let mfa = p
        .post("/__dev/login", None, json!({"account": "ada", "password": "pw"}))
        .await["data"]["mfaToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let now = p.get("/__dev/clock", None).await["data"]["now"].as_i64().unwrap();
    let right = json!({"totp": common::totp_at(ADA_SECRET, now)});
    assert_eq!(
        p.post("/api/v2/mfa/totp/verify", Some(&mfa), right).await["code"],
        200
    );
    p.close_stdin_and_wait().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue #12: passwords, in clear or encrypted, never reach the request log
/// or the state file; the state keeps Argon2id hashes and the RSA key, so a
/// restart serves the same `.well-known` key and a client that cached it
/// still logs in.
#[tokio::test]
async fn passwords_stay_out_of_log_and_state_and_the_rsa_key_survives_a_restart() {
    use rsa::pkcs8::DecodePublicKey;
    let dir = temp_dir("passwords");
    let file = dir.join("state.json");
    let file_arg = file.to_str().unwrap().to_owned();
    let args = ["--state", &file_arg, "--exit-on-stdin-close"];
    const PW1: &str = "Clear-Text-Pa55word-One";
    const PW2: &str = "Clear-Text-Pa55word-Two";
    const WRONG: &str = "Wrong-Pa55word-Three";
    let login_doc =
        "mutation loginByEmail($input: LoginByEmailInput!) { loginByEmail(input: $input) { id token } }";

    let p = start(&args).await;
    let created = p
        .post(
            "/__dev/users",
            None,
            json!({"email": "one@example.com", "password": PW1}),
        )
        .await;
    assert_eq!(created["code"], 200, "{created}");
    let pem = p.get("/api/v2/.well-known", None).await["data"]["publicKey"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = rsa::PublicKey::from_public_key_pem(&pem).unwrap();
    let mut sent = Vec::new();
    let mut enc = |pw: &str| {
        let e = common::encrypt_with(&key, pw);
        sent.push(e.clone());
        e
    };
    let register =
        "mutation registerByEmail($input: RegisterByEmailInput!) { registerByEmail(input: $input) { id } }";
    let v = p
        .post(
            "/graphql/v2",
            None,
            json!({"query": register, "variables": {"input": {"email": "two@example.com", "password": enc(PW2)}}}),
        )
        .await;
    assert!(v["data"]["registerByEmail"]["id"].is_string(), "{v}");
    for (email, pw, ok) in [("two@example.com", PW2, true), ("one@example.com", WRONG, false)] {
        let v = p
            .post(
                "/graphql/v2",
                None,
                json!({"query": login_doc, "variables": {"input": {"email": email, "password": enc(pw)}}}),
            )
            .await;
        assert_eq!(v["data"]["loginByEmail"]["token"].is_string(), ok, "{v}");
    }
    let v = p
        .post(
            "/api/v2/login/account",
            None,
            json!({"account": "one@example.com", "password": enc(PW1)}),
        )
        .await;
    assert_eq!(v["code"], 200, "{v}");
    let v = p
        .post(
            "/__dev/login",
            None,
            json!({"account": "one@example.com", "password": PW1}),
        )
        .await;
    assert_eq!(v["code"], 200, "{v}");
    let (status, err) = p.close_stdin_and_wait().await;
    assert!(status.success(), "{err}");

    for line in [
        "POST /graphql/v2 200 200",
        "POST /graphql/v2 200 2333",
        "GET /api/v2/.well-known 200 200",
    ] {
        assert!(err.contains(line), "no {line:?} in the log:\n{err}");
    }
    let text = String::from_utf8(std::fs::read(&file).unwrap()).unwrap();
    for secret in [PW1, PW2, WRONG]
        .iter()
        .copied()
        .chain(sent.iter().map(String::as_str))
    {
        assert!(!err.contains(secret), "the log leaks {secret:?}:\n{err}");
        assert!(!text.contains(secret), "the state file holds {secret:?}");
    }
    let saved: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(saved["version"], 2);
    assert!(saved["rsaPrivateKey"].is_string());
    for u in saved["users"].as_array().unwrap() {
        assert!(
            u["passwordHash"]
                .as_str()
                .unwrap()
                .starts_with("$argon2id$v=19$m=1024,t=2,p=1$"),
            "{u}"
        );
    }

    // The restart serves the same key; a password encrypted under it before
    // the restart still logs in.
    let early = common::encrypt_with(&key, PW1);
    let p = start(&args).await;
    assert_eq!(
        p.get("/api/v2/.well-known", None).await["data"]["publicKey"],
        pem.as_str()
    );
    let v = p
        .post(
            "/graphql/v2",
            None,
            json!({"query": login_doc, "variables": {"input": {"email": "one@example.com", "password": early}}}),
        )
        .await;
    assert!(v["data"]["loginByEmail"]["token"].is_string(), "{v}");
    p.close_stdin_and_wait().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
