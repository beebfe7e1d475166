//! Connections as the C caller sees them: reused per client, reopened when
//! the server closed an idle one, and blocking calls from many threads run
//! at the same time (on their own lanes, and past the lane limit on the
//! shared runtime).
//!
//! The server here counts the TCP connections it accepts and the requests
//! in flight, closes idle keep-alive connections like a real server's
//! keep-alive timeout, and can hold every answer until N requests are in
//! flight at once, which only concurrent calls can satisfy.

mod conn_server;

use conn_server::*;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn sequential_blocking_calls_reuse_one_connection() {
    let _one = one_at_a_time();
    let srv = server(None, 1);
    let client = Client::new(&srv.url);
    for _ in 0..20 {
        assert_ok(client.verify());
    }
    assert_eq!(srv.counts.requests.load(Ordering::SeqCst), 20);
    assert_eq!(srv.counts.connections.load(Ordering::SeqCst), 1);
}

#[test]
fn async_calls_reuse_connections_too() {
    let _one = one_at_a_time();
    let srv = server(None, 1);
    let client = Client::new(&srv.url);
    for _ in 0..20 {
        assert_ok(client.verify_async());
    }
    assert_eq!(srv.counts.connections.load(Ordering::SeqCst), 1);
}

/// The server closes a keep-alive connection after 100 ms idle; the next
/// call, a POST that is never retried once sent, must still succeed on a
/// new connection. Blocking calls drive their lane only while they run, so
/// their idle connection is found closed only at the next call.
#[test]
fn a_connection_the_server_closed_while_idle_is_replaced() {
    let _one = one_at_a_time();
    let srv = server(Some(Duration::from_millis(100)), 1);
    let client = Client::new(&srv.url);
    for round in 0..3 {
        assert_ok(client.verify());
        assert_ok(client.verify_async());
        std::thread::sleep(Duration::from_millis(400));
        assert_eq!(srv.counts.requests.load(Ordering::SeqCst), 2 * (round + 1));
    }
    assert_ok(client.verify());
    // Each round's calls opened at most one connection per pool (blocking
    // lane, async), and every one of them was closed by the server.
    let opened = srv.counts.connections.load(Ordering::SeqCst);
    assert!((4..=8).contains(&opened), "{opened} connections");
}

/// `n` threads each make one blocking call on one client; the server
/// answers none until all `n` are in flight, so the calls must really run
/// at the same time (a serialised call would wait forever and get the
/// server's 500 after 10 s).
fn concurrent_blocking(n: usize) {
    let srv = server(None, n);
    let client = Arc::new(Client::new(&srv.url));
    let results = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let (client, results) = (client.clone(), results.clone());
            std::thread::spawn(move || {
                let r = client.verify();
                results.lock().unwrap().push(r);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let results = results.lock().unwrap();
    assert_eq!(results.len(), n);
    for r in results.iter() {
        assert_ok(r.clone());
    }
    assert_eq!(srv.counts.max_in_flight.load(Ordering::SeqCst), n);
}

#[test]
fn blocking_calls_from_several_threads_run_at_once() {
    let _one = one_at_a_time();
    concurrent_blocking(8);
}

/// More threads than lanes (64): the calls past the limit run on the
/// shared runtime, still at the same time as the others.
#[test]
fn blocking_calls_past_the_lane_limit_run_at_once() {
    let _one = one_at_a_time();
    concurrent_blocking(80);
}
