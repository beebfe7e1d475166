//! The binary as scripts use it: the URL as the first stdout line, `--port`,
//! `--state` across restarts, stopping on stdin close or SIGTERM, and a
//! request log that never carries secrets.

mod common;

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
    let mfa = p
        .post(
            "/__dev/login",
            None,
            json!({"account": "guarded", "password": "pw"}),
        )
        .await["data"]["mfaToken"]
        .as_str()
        .unwrap()
        .to_owned();
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
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["users"].as_array().unwrap().len(), 2);

    let p = start(&args).await;
    assert_eq!(p.get("/__dev/clock", None).await["data"]["offsetSeconds"], 100);
    // The signing key was persisted: both tokens still work.
    assert_eq!(
        p.get("/api/v2/mfa/authenticator?type=totp", Some(&token)).await["code"],
        200
    );
    let list = p.get("/api/v2/mfa/authenticator?type=totp", Some(&mfa)).await;
    assert_eq!(list["data"][0]["secret"], secret.as_str());
    // The last accepted step was persisted: the code is still a replay.
    assert_eq!(
        p.post("/api/v2/mfa/totp/verify", Some(&mfa), json!({"totp": code}))
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
    for args in [&["--port", "nope"][..], &["--bogus"], &["--state"]] {
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
