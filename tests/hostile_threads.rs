//! Alone in its binary: it counts the process's threads and descriptors.
//! Stalled senders hold no thread, and once they time out they hold no
//! descriptor either.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use common::front::fd_count;
use common::listening::{Listening, wait_until};
use hookscope::capture::{Answer, Refusal};

fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .count()
}

#[test]
fn stalled_senders_hold_no_thread_and_nothing_once_timed_out() {
    const STALLED: usize = 300;
    common::front::ensure_fd_limit(4096);
    let listening = Listening::start(Duration::from_secs(5));
    let (threads, fds) = (thread_count(), fd_count());

    let stalled: Vec<TcpStream> = (0..STALLED)
        .map(|_| {
            let mut stream = TcpStream::connect(listening.addr()).expect("connect");
            stream
                .write_all(b"POST /job HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n[")
                .expect("a head and one byte");
            stream
        })
        .collect();
    // On a loaded machine the first may time out before the last is in.
    wait_until("the stalled connections to be accepted", || {
        let stats = listening.stats();
        stats.open_connections + stats.timed_out as usize >= STALLED
    });
    assert!(listening.stats().open_connections > 0);
    assert_eq!(thread_count(), threads, "no thread per connection");

    // Each one times out, is captured as stalled and closed.
    for _ in 0..STALLED {
        let capture = listening.next_capture();
        assert_eq!(
            capture.answer,
            Answer::refused(Refusal::Stalled {
                received: 1,
                announced: Some(5000),
            })
        );
    }
    wait_until("the timed-out connections to be closed", || {
        listening.stats().open_connections == 0
    });
    assert_eq!(listening.stats().timed_out, STALLED as u64);
    drop(stalled);
    wait_until("the descriptors to return to their idle count", || {
        fd_count() == fds
    });
    assert_eq!(thread_count(), threads);
}
