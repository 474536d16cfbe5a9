//! Alone in its binary: it compares the process's descriptor count to a baseline.
mod common;
use common::front;

use std::time::Duration;

use front::{Client, start, wait_until};
use hookscope::listener::server::{BodyState, Config};

#[test]
fn timed_out_connections_release_every_descriptor() {
    let config = Config {
        read_timeout: Duration::from_millis(300),
        ..Config::default()
    };
    let h = start(config);
    let baseline = front::fd_count();

    let mut clients: Vec<Client> = Vec::new();
    for _ in 0..50 {
        let mut c = h.connect();
        c.send(b"POST /stall HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n");
        c.send(&[b's'; 100]);
        clients.push(c);
    }
    for _ in 0..20 {
        let mut c = h.connect();
        c.send(b"POST /partial HTTP/1.1\r\nHost: t\r\n");
        clients.push(c);
    }
    for _ in 0..10 {
        clients.push(h.connect()); // Idle.
    }
    wait_until("all connections to be accepted", || {
        h.stats().open_connections == 80 || h.stats().timed_out > 0
    });
    for _ in 0..50 {
        let seen = h.next_seen();
        assert_eq!(
            seen.body_state,
            BodyState::Stalled {
                received: 100,
                announced: Some(5000)
            }
        );
    }
    // The stalled clients got their answer; none of the clients closes, so the server
    // closes each one when its lingering ends.
    wait_until("every connection to be closed", || {
        h.stats().open_connections == 0
    });
    let stats = h.stats();
    assert_eq!(stats.timed_out, 70);
    assert_eq!(stats.requests, 50);
    for c in &mut clients[..50] {
        assert_eq!(c.response().status, 408);
        assert!(c.sees_fin());
    }
    for c in &mut clients[50..] {
        assert!(c.sees_fin());
    }
    drop(clients);
    assert_eq!(front::fd_count(), baseline);
}
