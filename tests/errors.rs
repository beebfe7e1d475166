//! Every failure ends in one documented status and the one error JSON shape,
//! in bounded time, without secrets in the message.

mod common;

use authing_mfa::{Client, ErrorKind};
use common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

fn client(url: &str, extra: &str) -> Client {
    Client::from_json(Some(&format!(r#"{{"appHost":"{url}"{extra}}}"#))).unwrap()
}

const VERIFY: &str = r#"{"totp":"123456","mfaToken":"eyJhbGciOiJIUzI1NiJ9.mfa-secret.sig"}"#;

fn error_json(e: &authing_mfa::Error) -> Value {
    serde_json::from_str(&e.to_json()).unwrap()
}

#[test]
fn wrong_code_at_verify_is_an_api_error_at_http_200() {
    let rt = server_runtime();
    let rec = Recorder::answering(&rt, r#"{"code":6001,"message":"安全码错误","data":null}"#);
    let e = block(client(&rec.url, "").call("verifyTotpMfa", Some(VERIFY))).unwrap_err();
    let j = error_json(&e);
    assert_eq!(j["status"], "AUTHING_MFA_ERR_API");
    assert_eq!(j["code"], 6001);
    assert_eq!(j["httpStatus"], 200);
    assert_eq!(j["message"], "安全码错误");
    assert!(j["data"].is_null());
}

#[test]
fn mfa_required_1635_hands_the_mfa_token_to_the_caller() {
    let rt = server_runtime();
    let rec = Recorder::answering(
        &rt,
        r#"{"code":1635,"message":"请进行 MFA 认证","data":{"mfaToken":"eyJ.new-mfa.tok","totpMfaEnabled":true,"applicationMfa":[]}}"#,
    );
    let c = client(&rec.url, r#","token":"t""#);
    let e = block(c.call("getMfaAuthenticators", None)).unwrap_err();
    assert_eq!((e.kind(), e.code()), (ErrorKind::Api, Some(1635)));
    let j = error_json(&e);
    assert_eq!(j["data"]["mfaToken"], "eyJ.new-mfa.tok");
    assert_eq!(j["data"]["totpMfaEnabled"], true);
    assert!(!e.message().contains("eyJ.new-mfa.tok"));
    assert!(!format!("{e:?}").contains("eyJ.new-mfa.tok"));
}

#[test]
fn non_2xx_keeps_the_envelope_code_and_message() {
    let rt = server_runtime();
    let rec = Recorder::start(&rt, |_| {
        Reply::Json(400, r#"{"code":400,"message":"安全码错误，请重新输入"}"#.into())
    });
    let e =
        block(client(&rec.url, "").call("confirmAssosicateMfaAuthenticator", Some(r#"{"totp":"000000"}"#)))
            .unwrap_err();
    let j = error_json(&e);
    assert_eq!(j["status"], "AUTHING_MFA_ERR_HTTP_STATUS");
    assert_eq!(
        (j["code"].clone(), j["httpStatus"].clone()),
        (400.into(), 400.into())
    );
    assert_eq!(j["message"], "安全码错误，请重新输入");
}

#[test]
fn status_500_without_a_body() {
    let rt = server_runtime();
    let rec = Recorder::start(&rt, |_| Reply::Full(500, vec![], vec![]));
    let e = block(client(&rec.url, "").call("verifyTotpMfa", Some(VERIFY))).unwrap_err();
    let j = error_json(&e);
    assert_eq!(j["status"], "AUTHING_MFA_ERR_HTTP_STATUS");
    assert!(j["code"].is_null());
    assert_eq!(j["httpStatus"], 500);
    assert_eq!(j["message"], "the server answered HTTP 500 Internal Server Error");
}

#[test]
fn a_200_that_is_not_an_envelope_is_a_decode_error() {
    let rt = server_runtime();
    for (ct, body) in [
        ("text/html", "<html>502 from a proxy</html>"),
        ("application/json", "[1,2]"),
        ("application/json", r#"{"hello":"world"}"#),
        ("application/json", r#"{"code":"200","data":{}}"#),
        ("application/json", r#"{"code":200,"data":"#),
    ] {
        let body = body.to_owned();
        let rec = Recorder::start(&rt, move |_| {
            Reply::Full(
                200,
                vec![("content-type".into(), ct.into())],
                body.clone().into_bytes(),
            )
        });
        let e = block(client(&rec.url, "").call("verifyTotpMfa", Some(VERIFY))).unwrap_err();
        let j = error_json(&e);
        assert_eq!(j["status"], "AUTHING_MFA_ERR_DECODE", "{}", j);
        assert_eq!(j["httpStatus"], 200);
    }
}

#[test]
fn an_oversized_body_is_refused_whether_announced_or_not() {
    let rt = server_runtime();
    // Announced by Content-Length.
    let big = format!(r#"{{"code":200,"data":"{}"}}"#, "x".repeat(5 * 1024 * 1024));
    let rec = Recorder::answering(&rt, &big);
    let e = block(client(&rec.url, "").call("verifyTotpMfa", Some(VERIFY))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.message().contains("maxResponseBytes"), "{}", e.message());
    // Chunked, no length: cut as soon as it passes the cap (1 KiB here).
    let mut raw = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..64 {
        raw.extend_from_slice(format!("100\r\n{}\r\n", "y".repeat(256)).as_bytes());
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let rec = Recorder::start(&rt, move |_| Reply::Raw(raw.clone()));
    let e = block(client(&rec.url, r#","maxResponseBytes":1024"#).call("verifyTotpMfa", Some(VERIFY)))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    // Just under the cap passes.
    let fits = ok(&format!("\"{}\"", "z".repeat(900)));
    let rec = Recorder::answering(&rt, &fits);
    block(client(&rec.url, r#","maxResponseBytes":1024"#).call("verifyTotpMfa", Some(VERIFY))).unwrap();
}

#[test]
fn a_refused_connection_is_a_network_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = client(&format!("http://127.0.0.1:{port}"), "");
    let e = block(c.call("verifyTotpMfa", Some(VERIFY))).unwrap_err();
    let j = error_json(&e);
    assert_eq!(j["status"], "AUTHING_MFA_ERR_NETWORK");
    assert!(j["httpStatus"].is_null() && j["code"].is_null());
    assert!(e.message().contains("connect"), "{}", e.message());
    assert!(!e.message().contains("mfa-secret"));
}

#[test]
fn a_server_that_never_answers_times_out_on_time() {
    let rt = server_runtime();
    let rec = Recorder::start(&rt, |_| Reply::Hang);
    let c = client(&rec.url, r#","timeout":300"#);
    let start = Instant::now();
    let e = block(c.call("verifyTotpMfa", Some(VERIFY))).unwrap_err();
    let took = start.elapsed();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.message().contains("300 ms"));
    // Generous bound: the point is "bounded", not a benchmark.
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(rec.take().len(), 1, "the request was sent once, not retried");
}

#[test]
fn a_body_trickled_past_the_deadline_times_out() {
    let rt = server_runtime();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n{")
            .await;
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if s.write_all(b" ").await.is_err() {
                return;
            }
        }
    });
    let start = Instant::now();
    let e = block(client(&url, r#","timeout":400"#).call("verifyTotpMfa", Some(VERIFY))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn redirects_are_not_followed_and_the_token_stays_home() {
    let rt = server_runtime();
    let elsewhere = Recorder::answering(&rt, &ok(USER));
    let target = format!("{}/steal", elsewhere.url);
    for status in [301u16, 302, 307, 308] {
        let target = target.clone();
        let rec = Recorder::start(&rt, move |_| {
            Reply::Full(status, vec![("location".into(), target.clone())], vec![])
        });
        let e = block(client(&rec.url, "").call("verifyTotpMfa", Some(VERIFY))).unwrap_err();
        assert_eq!((e.kind(), e.http_status()), (ErrorKind::HttpStatus, Some(status)));
        assert!(e.message().contains("redirects are not followed"));
        assert_eq!(rec.take().len(), 1);
    }
    assert!(elsewhere.take().is_empty(), "the other host received nothing");
}

#[test]
fn plain_http_to_a_remote_host_is_refused_without_sending() {
    let c = client("http://10.255.255.1:1", "");
    let start = Instant::now();
    let e = block(c.call("verifyTotpMfa", Some(VERIFY))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);
    assert!(e.message().contains("allowInsecureHttp"));
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "refused before connecting"
    );
    // Loopback names are fine without the option.
    for host in ["http://localhost:1", "http://127.0.0.2:1", "http://[::1]:1"] {
        let e = block(client(host, r#","timeout":2000"#).call("verifyTotpMfa", Some(VERIFY))).unwrap_err();
        assert!(
            !e.message().contains("allowInsecureHttp"),
            "{host}: {}",
            e.message()
        );
    }
}

#[test]
fn secrets_echoed_by_a_server_are_scrubbed() {
    let rt = server_runtime();
    let rec = Recorder::start(&rt, |r| {
        let auth = r.header("authorization").unwrap_or("").to_owned();
        Reply::Json(
            200,
            format!(r#"{{"code":6001,"message":"bad code 123456 for {auth}"}}"#),
        )
    });
    let e = block(client(&rec.url, "").call("verifyTotpMfa", Some(VERIFY))).unwrap_err();
    assert!(!e.message().contains("123456"), "{}", e.message());
    assert!(!e.message().contains("mfa-secret"), "{}", e.message());
    assert!(e.message().contains("<redacted>"));
}

#[test]
fn bad_parameters_name_the_problem() {
    let c = client("http://127.0.0.1:9", "");
    let cases = [
        ("verifyTotpMfa", "{", ErrorKind::InvalidJson),
        ("verifyTotpMfa", "[]", ErrorKind::InvalidJson),
        (
            "verifyTotpMfa",
            r#"{"totp":123456,"mfaToken":"m"}"#,
            ErrorKind::InvalidJson,
        ),
        (
            "verifyTotpMfa",
            r#"{"totp":"1","mfaToken":"m","extra":1}"#,
            ErrorKind::InvalidArgument,
        ),
        ("verifySmsMfa", "{}", ErrorKind::InvalidArgument),
        ("deleteMfaAuthenticator", r#"{"x":1}"#, ErrorKind::InvalidArgument),
        (
            "verifyTotpMfa",
            r#"{"totp":"1","mfaToken":"has space"}"#,
            ErrorKind::InvalidArgument,
        ),
    ];
    for (m, p, kind) in cases {
        let e = block(c.call(m, Some(p))).unwrap_err();
        assert_eq!(e.kind(), kind, "{m} {p}: {}", e.message());
    }
    let e = block(c.call("verifyTotpMfa", Some(r#"{"totp":"1","mfaToken":"m","extra":1}"#))).unwrap_err();
    assert!(e.message().contains("`extra`"));
    let e = block(c.call("verifySmsMfa", None)).unwrap_err();
    assert!(e.message().contains("verifySmsMfa"));
}
