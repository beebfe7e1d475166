//! The lockout of issue #10 seen through the library's Rust API, as an
//! application meets it: N-1 wrong `verifyTotpMfa` calls answer 6001, the
//! Nth answers 2005 (locked), and then the right code is refused with 2005.
//! After each call the dev server's failure counter equals the number of
//! wrong calls made: the library sent each POST exactly once (it never
//! retries a POST).
//!
//! As in `e2e_c_abi.rs`, the dev server runs on its own runtime and the
//! library's calls are made from the plain test thread.

mod common;

use authing_mfa::core::runtime::block_on;
use authing_mfa::{Client, Error, ErrorKind, Options, VerifyTotpMfaParams};
use authing_mfa_devserver::Config;
use common::{totp_at, wrong_code, Dev};
use serde_json::{json, Value};

/// The lockout limit of this test's server.
const N: u32 = 4;

#[track_caller]
fn api_code(r: Result<Box<serde_json::value::RawValue>, Error>) -> i64 {
    let e = r.expect_err("the call must fail");
    assert_eq!(
        (e.kind(), e.http_status()),
        (ErrorKind::Api, Some(200)),
        "{}",
        e.to_json()
    );
    e.code().expect("an Authing code")
}

#[test]
fn the_nth_wrong_code_through_the_library_locks_the_second_factor() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dev = rt.block_on(Dev::start_with(Config {
        log_requests: false,
        max_failures: N,
        lockout_seconds: 300,
        ..Config::default()
    }));
    let u = rt.block_on(dev.user("libby"));
    let (_, v) = rt.block_on(dev.post(&format!("/__dev/users/{}/mfa/totp", u.id), None, json!({})));
    let secret = v["data"]["secret"].as_str().unwrap().to_owned();
    let now = rt.block_on(dev.align_to_step_start());
    let mfa = rt.block_on(dev.mfa_token(&u));
    let lockout = || -> Value {
        let (_, v) = rt.block_on(dev.get(&format!("/__dev/users/{}", u.id), None));
        v["data"]["lockout"].clone()
    };

    let client = Client::new(Options {
        app_host: Some(dev.url.clone()),
        user_pool_id: Some("p".into()),
        ..Options::default()
    })
    .unwrap();
    let verify = |totp: &str| {
        block_on(client.verify_totp_mfa(VerifyTotpMfaParams {
            totp: totp.into(),
            mfa_token: mfa.as_str().into(),
        }))
        .expect("the call ran")
    };

    let wrong = wrong_code(&secret, now);
    let mut wrong_calls = 0;
    for _ in 1..N {
        assert_eq!(api_code(verify(&wrong)), 6001);
        wrong_calls += 1;
        let state = lockout();
        assert_eq!(state["failures"], wrong_calls, "{state}");
        assert_eq!(state["locked"], false, "{state}");
    }
    // The Nth wrong call reaches the limit: locked, and answered so.
    assert_eq!(api_code(verify(&wrong)), 2005);
    wrong_calls += 1;
    let state = lockout();
    assert_eq!(wrong_calls, N);
    assert_eq!(state["failures"], wrong_calls, "{state}");
    assert_eq!(state["locked"], true, "{state}");

    // The right code is refused while locked, and the refusal is not counted.
    assert_eq!(api_code(verify(&totp_at(&secret, now))), 2005);
    assert_eq!(lockout()["failures"], wrong_calls);
}
