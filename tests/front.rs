mod common;
use common::front;

use std::net::TcpListener;
use std::time::Duration;

use crossbeam_channel::Sender;
use front::{Harness, post, start, start_with, wait_until};
use hookscope::listener::server::{BodyState, Config, Incoming};

fn small_body_config() -> Config {
    Config {
        max_body: 1000,
        ..Config::default()
    }
}

fn short_timeout_config() -> Config {
    Config {
        read_timeout: Duration::from_millis(300),
        ..Config::default()
    }
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let h = start(Config::default());
    let mut c = h.connect();
    for i in 0..5 {
        let body = format!("{{\"n\":{i}}}");
        c.send(&post(&format!("/hook/{i}"), body.as_bytes()));
        let r = c.response();
        assert_eq!(r.status, 200);
        assert!(!r.closes());
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(
            r.body,
            format!("{{\"target\":\"/hook/{i}\",\"len\":{}}}", body.len()).into_bytes()
        );
        let seen = h.next_seen();
        assert_eq!(seen.body, body.as_bytes());
        assert_eq!(seen.body_state, BodyState::Complete);
        assert_eq!(seen.head.method, "POST");
        assert_eq!(seen.remote, c.stream.local_addr().unwrap());
    }
    assert_eq!(h.stats().requests, 5);
    assert_eq!(h.stats().open_connections, 1);
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let h = start(Config::default());
    let mut c = h.connect();
    let mut burst = Vec::new();
    for i in 0..10 {
        burst.extend(post(&format!("/p{i}"), &vec![b'x'; i * 100]));
    }
    burst.extend(b"GET /last HTTP/1.1\r\nHost: t\r\n\r\n");
    c.send(&burst);
    for i in 0..10 {
        let r = c.response();
        assert_eq!(r.status, 200);
        let expected = format!("{{\"target\":\"/p{i}\",\"len\":{}}}", i * 100);
        assert_eq!(String::from_utf8(r.body).unwrap(), expected);
    }
    let r = c.response();
    assert_eq!(r.body, b"{\"target\":\"/last\",\"len\":0}");
}

#[test]
fn chunked_body_with_extensions_and_trailers() {
    let h = start(Config::default());
    let mut c = h.connect();
    c.send(b"POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    c.send(b"5;ext=1\r\nhello\r\n");
    c.send(b"6\r\n wor");
    c.send(b"ld\r\n0\r\nX-Trailer: yes\r\n");
    c.send(b"\r\n");
    let r = c.response();
    assert_eq!(r.status, 200);
    assert!(!r.closes());
    let seen = h.next_seen();
    assert_eq!(seen.body, b"hello world");
    assert_eq!(seen.body_state, BodyState::Complete);
    // The connection is still usable after the trailers.
    c.send(&post("/after", b"{}"));
    assert_eq!(c.response().status, 200);
    assert_eq!(h.next_seen().head.target, "/after");
}

#[test]
fn expect_continue_is_answered_before_the_body() {
    let h = start(Config::default());
    let mut c = h.connect();
    c.send(b"POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    c.expect_bytes(b"HTTP/1.1 100 Continue\r\n\r\n");
    c.send(b"data");
    let r = c.response();
    assert_eq!(r.status, 200);
    assert_eq!(h.next_seen().body, b"data");
}

#[test]
fn too_large_by_content_length_is_delivered_at_once_without_continue() {
    let h = start(small_body_config());
    let mut c = h.connect();
    c.send(
        b"POST /big HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n",
    );
    // The first thing back is the final answer, not 100 Continue.
    let r = c.response();
    assert_eq!(r.status, 413);
    assert!(r.closes());
    let seen = h.next_seen();
    assert_eq!(
        seen.body_state,
        BodyState::TooLarge {
            announced: Some(5000)
        }
    );
    assert!(seen.body.is_empty());
    // The client may still send its body: the server discards it, then closes with FIN.
    c.send(&[b'x'; 5000]);
    c.shutdown_write();
    assert!(c.sees_fin());
}

#[test]
fn a_64_gb_announcement_allocates_nothing_of_that_size() {
    let h = start(Config::default());
    let mut c = h.connect();
    c.send(b"POST /huge HTTP/1.1\r\nHost: t\r\nContent-Length: 68719476736\r\n\r\n0123456789");
    let r = c.response();
    assert_eq!(r.status, 413);
    assert!(r.closes());
    assert_eq!(
        h.next_seen().body_state,
        BodyState::TooLarge {
            announced: Some(68_719_476_736)
        }
    );
    // Even a reservation that is never touched would show in the peak virtual size.
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let peak_kib: u64 = status
        .lines()
        .find(|l| l.starts_with("VmPeak:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(peak_kib < 16 * 1024 * 1024, "VmPeak {peak_kib} KiB");
}

#[test]
fn too_large_by_chunked_body() {
    let h = start(small_body_config());
    let mut c = h.connect();
    c.send(b"POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    let chunk = [b"258\r\n".as_slice(), &[b'y'; 600], b"\r\n"].concat();
    c.send(&chunk);
    c.send(&chunk);
    let r = c.response();
    assert_eq!(r.status, 413);
    assert!(r.closes());
    let seen = h.next_seen();
    assert_eq!(seen.body_state, BodyState::TooLarge { announced: None });
    assert!(seen.body.is_empty());
    c.shutdown_write();
    assert!(c.sees_fin());
}

fn stalled_case(announced: usize, sent: usize) {
    let h = start(short_timeout_config());
    let mut c = h.connect();
    let head = format!("POST /s HTTP/1.1\r\nHost: t\r\nContent-Length: {announced}\r\n\r\n");
    c.send(head.as_bytes());
    let partial: Vec<u8> = (0..sent).map(|i| b'a' + (i % 26) as u8).collect();
    c.send(&partial);
    let r = c.response();
    assert_eq!(r.status, 408);
    assert!(r.closes());
    let seen = h.next_seen();
    assert_eq!(
        seen.body_state,
        BodyState::Stalled {
            received: sent as u64,
            announced: Some(announced as u64)
        }
    );
    assert_eq!(seen.body, partial);
    assert!(c.sees_fin());
    assert_eq!(h.stats().timed_out, 1);
}

#[test]
fn stalled_large_body_is_delivered_then_closed() {
    stalled_case(5000, 1000);
}

#[test]
fn stalled_small_body_is_delivered_then_closed() {
    stalled_case(100, 10);
}

#[test]
fn sender_closing_mid_body_is_delivered_as_closed() {
    let h = start(Config::default());
    let mut c = h.connect();
    c.send(b"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n");
    c.send(&[b'z'; 100]);
    c.shutdown_write();
    let seen = h.next_seen();
    assert_eq!(
        seen.body_state,
        BodyState::Closed {
            received: 100,
            announced: Some(5000)
        }
    );
    assert_eq!(seen.body, vec![b'z'; 100]);
    // Half-closed only: the answer still arrives.
    let r = c.response();
    assert_eq!(r.status, 400);
    assert!(c.sees_fin());
    wait_until("the connection to close", || {
        h.stats().open_connections == 0
    });
}

#[test]
fn http_1_0_closes_unless_keep_alive_is_asked() {
    let h = start(Config::default());
    let mut c = h.connect();
    c.send(b"GET /old HTTP/1.0\r\n\r\n");
    let r = c.response();
    assert_eq!(r.status, 200);
    assert!(r.closes());
    assert!(c.sees_fin());
    assert_eq!(h.next_seen().head.minor_version, 0);

    let mut c = h.connect();
    for _ in 0..2 {
        c.send(b"GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        let r = c.response();
        assert_eq!(r.header("connection"), Some("keep-alive"));
    }
}

#[test]
fn connection_close_is_honoured() {
    let h = start(Config::default());
    let mut c = h.connect();
    c.send(b"POST /c HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}");
    let r = c.response();
    assert_eq!(r.status, 200);
    assert!(r.closes());
    assert!(c.sees_fin());
}

#[test]
fn non_ascii_header_bytes_are_delivered_exactly() {
    let h = start(Config::default());
    let mut c = h.connect();
    c.send(b"POST /n HTTP/1.1\r\nHost: t\r\nX-Name:  caf\xc3\xa9 \xff\x80\xfe  \r\nX-Name: two\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(c.response().status, 200);
    let head = h.next_seen().head;
    let values: Vec<&[u8]> = head
        .headers
        .iter()
        .filter(|(n, _)| n == "X-Name")
        .map(|(_, v)| v.as_slice())
        .collect();
    assert_eq!(values, vec![&b"caf\xc3\xa9 \xff\x80\xfe"[..], b"two"]);
    assert_eq!(
        head.header("x-name"),
        Some(&b"caf\xc3\xa9 \xff\x80\xfe"[..])
    );
}

#[test]
fn head_request_gets_length_but_no_body() {
    let h = start(Config::default());
    let mut c = h.connect();
    c.send(b"HEAD /h HTTP/1.1\r\nHost: t\r\n\r\nGET /g HTTP/1.1\r\nHost: t\r\n\r\n");
    let r = c.head_response();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("23"));
    let r = c.response();
    assert_eq!(r.body, b"{\"target\":\"/g\",\"len\":0}");
}

fn refused_case(config: Config, request: &[u8], status: u16) {
    let h = start(config);
    let mut c = h.connect();
    c.send(request);
    let r = c.response();
    assert_eq!(r.status, status);
    assert!(r.closes());
    c.shutdown_write();
    assert!(c.sees_fin());
    let stats = h.stats();
    assert_eq!((stats.refused, stats.requests), (1, 0));
}

#[test]
fn huge_head_gets_431() {
    let mut req = b"GET / HTTP/1.1\r\nHost: t\r\n".to_vec();
    while req.len() < 100 * 1024 {
        req.extend(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    // The server answers after 64 KiB; it keeps draining, so this whole write succeeds.
    refused_case(Config::default(), &req, 431);
}

#[test]
fn huge_head_with_blank_line_gets_431() {
    let mut req = b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: ".to_vec();
    req.extend(vec![b'a'; 2000]);
    req.extend(b"\r\n\r\n");
    let config = Config {
        max_head: 1024,
        ..Config::default()
    };
    refused_case(config, &req, 431);
}

#[test]
fn garbage_gets_400() {
    refused_case(
        Config::default(),
        b"\x16\x03\x01\x02\x00 hello\r\n\r\n",
        400,
    );
}

#[test]
fn unsupported_transfer_coding_gets_501() {
    let req = b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nxxxx";
    refused_case(Config::default(), req, 501);
}

#[test]
fn conflicting_content_lengths_get_400() {
    let req = b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd";
    refused_case(Config::default(), req, 400);
    let req = b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: +3\r\n\r\nabc";
    refused_case(Config::default(), req, 400);
}

#[test]
fn equal_repeated_content_lengths_are_accepted() {
    let h = start(Config::default());
    let mut c = h.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabc");
    assert_eq!(c.response().status, 200);
    assert_eq!(h.next_seen().body, b"abc");
}

#[test]
fn malformed_chunk_is_delivered_as_bad_chunk_then_closed() {
    let h = start(Config::default());
    let mut c = h.connect();
    c.send(b"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n");
    let r = c.response();
    assert_eq!(r.status, 400);
    assert!(r.closes());
    let seen = h.next_seen();
    assert!(
        matches!(seen.body_state, BodyState::BadChunk { received: 3, .. }),
        "{:?}",
        seen.body_state
    );
    assert_eq!(seen.body, b"abc");
    c.shutdown_write();
    assert!(c.sees_fin());
}

#[test]
fn dropped_incoming_is_answered_500() {
    let h = start_with(Config::default(), 2, |incoming: Incoming, _: &Sender<_>| {
        drop(incoming);
    });
    let mut c = h.connect();
    c.send(&post("/drop", b"{}"));
    let r = c.response();
    assert_eq!(r.status, 500);
    assert!(r.closes());
    assert!(c.sees_fin());
}

/// Workers that hand each Incoming to the test to answer when it likes.
fn holding(config: Config) -> (Harness, crossbeam_channel::Receiver<Incoming>) {
    let (tx, rx) = crossbeam_channel::unbounded();
    let h = start_with(config, 1, move |incoming: Incoming, _: &Sender<_>| {
        let _ = tx.send(incoming);
    });
    (h, rx)
}

#[test]
fn stop_releases_the_port_and_writes_the_reply_in_flight() {
    let (mut h, held) = holding(Config::default());
    let mut c = h.connect();
    c.send(&post("/slow", b"{}"));
    let incoming = held.recv_timeout(front::CLIENT_TIMEOUT).unwrap();
    let mut idle = h.connect();
    idle.send(b"GET /partial HTTP/1.1\r\n");
    wait_until("both connections to be accepted", || {
        h.stats().open_connections == 2
    });
    let stopping = h.server.take().unwrap().stop(Duration::from_secs(20));
    // The port is free at once.
    let again = TcpListener::bind(h.addr).expect("port bound again right after stop()");
    incoming.reply(200, None, b"late".to_vec());
    let r = c.response();
    assert_eq!((r.status, r.body.as_slice()), (200, &b"late"[..]));
    assert!(r.closes());
    assert!(c.sees_fin());
    // Connections without a request in flight were closed at stop (a reset is possible
    // if its bytes were not read yet: either way it must not hang).
    let _ = idle.sees_fin();
    stopping.join();
    drop(again);
}

#[test]
fn replies_after_the_connection_closed_are_ignored() {
    let (mut h, held) = holding(Config::default());
    let mut c = h.connect();
    c.send(&post("/a", b"{}"));
    let incoming = held.recv_timeout(front::CLIENT_TIMEOUT).unwrap();
    // A grace that ends at once closes the connection with its request in flight.
    h.server.take().unwrap().stop(Duration::ZERO).join();
    assert!(c.sees_fin());
    incoming.reply(200, None, Vec::new());

    // Same when the grace ends with the request still held.
    let (mut h, held) = holding(Config::default());
    let mut c = h.connect();
    c.send(&post("/b", b"{}"));
    let incoming = held.recv_timeout(front::CLIENT_TIMEOUT).unwrap();
    h.server
        .take()
        .unwrap()
        .stop(Duration::from_millis(50))
        .join();
    assert!(c.sees_fin());
    drop(incoming);
}

#[test]
fn max_connections_pauses_accepting_until_one_closes() {
    let config = Config {
        max_connections: 2,
        ..Config::default()
    };
    let h = start(config);
    let mut a = h.connect();
    a.send(&post("/a", b"{}"));
    assert_eq!(a.response().status, 200);
    let mut b = h.connect();
    b.send(&post("/b", b"{}"));
    assert_eq!(b.response().status, 200);
    wait_until("accepting to pause", || h.stats().accept_pauses >= 1);
    let mut c = h.connect(); // Queued in the listen backlog.
    c.send(&post("/c", b"{}"));
    assert_eq!(h.stats().open_connections, 2);
    drop(a);
    let r = c.response();
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"{\"target\":\"/c\",\"len\":2}");
    drop(b);
}

#[test]
fn idle_and_partial_heads_time_out() {
    let h = start(short_timeout_config());
    let mut idle = h.connect();
    let mut partial = h.connect();
    partial.send(b"POST / HTTP/1.1\r\nHost: t\r\n");
    assert!(idle.sees_fin());
    assert!(partial.sees_fin());
    let stats = h.stats();
    assert_eq!((stats.timed_out, stats.requests), (1, 0));
    wait_until("connections to close", || h.stats().open_connections == 0);
}

#[test]
fn keep_alive_connection_times_out_after_its_last_response() {
    let h = start(short_timeout_config());
    let mut c = h.connect();
    c.send(&post("/a", b"{}"));
    assert_eq!(c.response().status, 200);
    assert!(c.sees_fin());
    assert_eq!(h.stats().timed_out, 0);
}

#[test]
fn invalid_reply_status_and_content_type_are_sanitized() {
    let h = start_with(Config::default(), 1, |incoming: Incoming, _: &Sender<_>| {
        incoming.reply(100, Some("text/plain\r\nX-Evil: 1"), b"x".to_vec());
    });
    let mut c = h.connect();
    c.send(&post("/", b""));
    let r = c.response();
    assert_eq!(r.status, 500);
    assert_eq!(r.header("x-evil"), None);
    assert_eq!(r.header("content-type"), None);
}
