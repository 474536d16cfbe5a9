//! Alone in its binary: it opens 1,000 descriptors.
mod common;
use common::front;

use std::time::Duration;

use front::{Client, post, start, wait_until};
use hookscope::listener::server::Config;

const STALLED: usize = 500;

#[test]
fn stalled_connections_do_not_delay_a_normal_request() {
    front::ensure_fd_limit(4 * STALLED as u64 + 256);
    let config = Config {
        read_timeout: Duration::from_secs(60),
        ..Config::default()
    };
    let h = start(config);
    let mut stalled: Vec<Client> = (0..STALLED)
        .map(|_| {
            let mut c = h.connect();
            c.send(b"POST /stall HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n");
            c.send(&[b's'; 100]);
            c
        })
        .collect();
    wait_until("all stalled connections to be accepted", || {
        h.stats().open_connections >= STALLED
    });

    let mut normal = h.connect();
    normal.send(&post("/normal", b"{\"ok\":true}"));
    let r = normal.response();
    assert_eq!(r.status, 200);
    assert_eq!(h.next_seen().head.target, "/normal");

    // The stalled ones are all still open and none was delivered.
    let stats = h.stats();
    assert_eq!(stats.requests, 1);
    assert_eq!(stats.open_connections, STALLED + 1);
    assert_eq!(stats.timed_out, 0);
    assert!(h.seen.is_empty());
    // Each stalled client is still waiting: nothing was sent back to it.
    let first = stalled.first_mut().unwrap();
    first.stream.set_nonblocking(true).unwrap();
    let mut byte = [0u8; 1];
    let peek = first.stream.peek(&mut byte);
    assert_eq!(peek.unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
}
