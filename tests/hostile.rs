//! Senders that stall or lie, against the real listener on 127.0.0.1: what
//! they are answered, what is captured, and that they cost nothing once
//! their time is up.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::listening::{Listening, wait_until};
use hookscope::capture::{Answer, Refusal};

/// Reads what the server sends until it closes the connection (bounded by
/// the stream's read timeout).
fn read_to_close(stream: &mut TcpStream) -> String {
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    String::from_utf8_lossy(&reply).into_owned()
}

fn connect(listening: &Listening) -> TcpStream {
    let stream = TcpStream::connect(listening.addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    stream
}

#[test]
fn a_sender_that_stalls_mid_body_is_answered_408_and_captured_as_stalled() {
    let listening = Listening::start(Duration::from_millis(300));
    for (announced, sent) in [(5000usize, 100usize), (100, 10)] {
        let mut stream = connect(&listening);
        let head = format!(
            "POST /job HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {announced}\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).expect("head");
        stream
            .write_all(&vec![b'['; sent])
            .expect("part of the body");
        let reply = read_to_close(&mut stream);
        assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
        assert!(
            reply.contains(&format!("stalled after {sent} of {announced} bytes")),
            "{reply}"
        );

        let capture = listening.next_capture();
        assert_eq!(
            capture.answer,
            Answer::refused(Refusal::Stalled {
                received: sent as u64,
                announced: Some(announced as u64),
            })
        );
        assert_eq!(&capture.body[..], &vec![b'['; sent][..]);
        let findings = capture.findings(0);
        assert!(
            findings.iter().any(|f| f
                .message
                .contains(&format!("stalled after {sent} of {announced}"))),
            "{findings:?}"
        );
        assert_eq!(capture.summary.rows()[0].status().as_str(), "error");
    }
}

#[test]
fn a_sender_that_closes_mid_body_is_captured_with_what_it_sent() {
    let listening = Listening::start(Duration::from_secs(10));
    let mut stream = connect(&listening);
    stream
        .write_all(b"POST /candidate HTTP/1.1\r\nHost: t\r\nContent-Length: 900\r\n\r\n{\"event\":")
        .expect("write");
    stream
        .shutdown(std::net::Shutdown::Write)
        .expect("half-close");
    let reply = read_to_close(&mut stream);
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    let capture = listening.next_capture();
    assert_eq!(
        capture.answer,
        Answer::refused(Refusal::Closed {
            received: 9,
            announced: Some(900),
        })
    );
    assert_eq!(&capture.body[..], b"{\"event\":");
}

#[test]
fn a_64_gib_announcement_is_refused_whole_and_costs_nothing_after_the_timeout() {
    let listening = Listening::start(Duration::from_millis(500));
    let mut stream = connect(&listening);
    stream
        .write_all(
            b"POST /job HTTP/1.1\r\nHost: t\r\nContent-Length: 68719476736\r\n\r\n0123456789",
        )
        .expect("write");
    // The sender never finishes: the answer comes whole, then the
    // connection is closed once the timeout passes, not held.
    let reply = read_to_close(&mut stream);
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("of 68719476736 bytes"), "{reply}");
    let capture = listening.next_capture();
    assert!(matches!(
        &capture.answer,
        Answer::Refused(refusal) if matches!(**refusal, Refusal::TooLarge { announced: Some(68_719_476_736), .. })
    ));
    assert!(capture.body.is_empty());
    wait_until("the refused connection to be closed", || {
        listening.stats().open_connections == 0
    });
}

#[test]
fn many_stalled_senders_do_not_delay_a_webhook() {
    common::front::ensure_fd_limit(4096);
    // Long enough that none of them times out during the test.
    let listening = Listening::start(Duration::from_secs(120));
    let stalled: Vec<TcpStream> = (0..500)
        .map(|_| {
            let mut stream = connect(&listening);
            stream
                .write_all(b"POST /job HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n")
                .expect("head");
            stream.write_all(&[b' '; 100]).expect("part of the body");
            stream
        })
        .collect();
    wait_until("the stalled connections to be accepted", || {
        listening.stats().open_connections >= 500
    });

    let reply = listening.post("/job", common::JOB_CREATION.as_bytes());
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, r#"{"received":1}"#)
    );
    let capture = listening.next_capture();
    assert_eq!(capture.head.url(), "/job");
    // All 500 are still open, undelivered: none of them held the webhook up.
    let stats = listening.stats();
    assert!(stats.open_connections >= 500, "{stats:?}");
    assert_eq!(stats.timed_out, 0);
    drop(stalled);
}
