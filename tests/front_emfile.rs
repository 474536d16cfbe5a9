//! Alone in its binary: it uses up the process's descriptors.
mod common;
use common::front;

use std::fs::File;

use front::{Client, post, start, wait_until};
use hookscope::listener::server::Config;

#[test]
fn accepting_recovers_after_running_out_of_descriptors() {
    let h = start(Config::default());
    // A low limit makes running out quick; the soft limit is lowered for this process only.
    let limit = front::fd_count() as u64 + 64;
    front::set_fd_limit(limit);
    let mut fillers = Vec::new();
    while let Ok(f) = File::open("/dev/null") {
        fillers.push(f);
    }
    // Free exactly one descriptor for the client; the server's accept then fails.
    fillers.pop();
    let mut c = Client::connect(h.addr);
    c.send(&post("/after-emfile", b"{}"));
    wait_until("accept to fail and pause", || h.stats().accept_pauses >= 1);
    fillers.clear();
    let r = c.response();
    assert_eq!(r.status, 200);
    assert_eq!(h.next_seen().head.target, "/after-emfile");
    assert!(h.stats().accept_pauses >= 1);
    assert!(!h.stats().failed);
}
