//! The sweep of idle lanes, alone in its process: no other blocking call
//! may drive the lane under test, or the test would pass without the sweep.

mod conn_server;

use conn_server::*;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A client freed after a blocking call leaves its kept-alive connection on
/// the lane that opened it. Nobody may take that lane again, so the sweep
/// of idle lanes (every 15 s) must drive it and the connection must close,
/// rather than hold a descriptor until the process ends.
#[test]
fn a_freed_clients_connection_on_an_idle_lane_is_closed() {
    let srv = server(None, 1);
    let client = Client::new(&srv.url);
    assert_ok(client.verify());
    assert_eq!(srv.counts.connections.load(Ordering::SeqCst), 1);
    drop(client);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while srv.counts.closed.load(Ordering::SeqCst) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the connection of a freed client was still open after 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
