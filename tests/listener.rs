//! The listener over real HTTP on 127.0.0.1:0: what clients get back, what is
//! captured, and how it survives hostile requests (lying Content-Length, short
//! bodies, deep nesting, floods). No mocks: a real ureq client or a raw socket.

mod common;

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use common::{
    CANDIDATE_CREATION, CANDIDATE_DELETE, CANDIDATE_NAME, CANDIDATE_UPDATE, JOB_CREATION,
    JOB_DELETE, JOB_TITLE, JOB_UPDATE, Reply, WAIT, agent, header_pairs, header_values, post,
    reply,
};
use crossbeam_channel::{Receiver, bounded};
use hookscope::capture::{Capture, Routes, Status};
use hookscope::hs::{EntityType, EventKind, Level};
use hookscope::listener::{DEFAULT_MAX_BODY, ListenError, Listener, ListenerConfig};
use hookscope::session::file::{self, FileError};
use hookscope::waker::Waker;

// ---- harness ----------------------------------------------------------------

struct Harness {
    listener: Listener,
    events: Receiver<Vec<Capture>>,
    /// Captures of a batch not looked at yet.
    pending: RefCell<VecDeque<Capture>>,
}

fn start() -> Harness {
    start_with(DEFAULT_MAX_BODY, 1024)
}

/// A listener with this body cap, sending batches on a channel of
/// `capacity`.
fn start_with(max_body: u64, capacity: usize) -> Harness {
    start_config(
        ListenerConfig {
            max_body,
            ..common::listener_config()
        },
        capacity,
    )
}

fn start_config(config: ListenerConfig, capacity: usize) -> Harness {
    let (sender, events) = bounded(capacity);
    let listener = Listener::start(
        config,
        Arc::new(AtomicU64::new(1)),
        sender,
        Waker::new(),
        None,
    )
    .unwrap_or_else(|e| panic!("the listener starts: {e}"));
    Harness {
        listener,
        events,
        pending: RefCell::default(),
    }
}

impl Harness {
    fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.listener.local_addr())
    }

    fn addr(&self) -> SocketAddr {
        self.listener.local_addr()
    }

    /// The next capture, or a failure after `WAIT`.
    fn capture(&self) -> Capture {
        self.capture_within(WAIT)
            .unwrap_or_else(|| panic!("no capture within {WAIT:?}"))
    }

    fn capture_within(&self, wait: Duration) -> Option<Capture> {
        let deadline = Instant::now() + wait;
        loop {
            if let Some(capture) = self.pending.borrow_mut().pop_front() {
                return Some(capture);
            }
            assert!(!self.listener.has_failed(), "the listener failed");
            let left = deadline.saturating_duration_since(Instant::now());
            let batch = self.events.recv_timeout(left).ok()?;
            self.pending.borrow_mut().extend(batch);
        }
    }

    fn assert_nothing_more(&self) {
        if let Some(capture) = self.capture_within(Duration::from_millis(300)) {
            panic!(
                "unexpected capture {} {}",
                capture.head.method(),
                capture.head.url()
            )
        }
    }

    /// Waits until the listener holds no connection, or fails after `WAIT`.
    fn assert_connections_close(&self) {
        let deadline = Instant::now() + WAIT;
        while self.listener.stats().open_connections > 0 {
            assert!(
                Instant::now() < deadline,
                "connections still open after {WAIT:?}: {:?}",
                self.listener.stats()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A response read off a raw socket.
#[derive(Debug)]
struct RawReply {
    status_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawReply {
    fn status(&self) -> u16 {
        self.status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not a status line: {:?}", self.status_line))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect to the listener");
    stream
        .set_read_timeout(Some(WAIT))
        .expect("set a read timeout");
    stream
        .set_write_timeout(Some(WAIT))
        .expect("set a write timeout");
    stream
}

/// Reads the status line and headers, then the body if a Content-Length
/// announces one (never waits for the connection to close).
/// Reads the final response, skipping interim 1xx ones as HTTP clients do.
fn read_head_and_body(stream: &mut TcpStream) -> RawReply {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            if data.starts_with(b"HTTP/1.1 1") || data.starts_with(b"HTTP/1.0 1") {
                data.drain(..pos + 4);
                continue;
            }
            break pos;
        }
        match stream.read(&mut chunk) {
            Ok(0) => panic!(
                "the connection closed before a full response head: {:?}",
                String::from_utf8_lossy(&data)
            ),
            Ok(n) => data.extend_from_slice(&chunk[..n]),
            Err(e) => panic!(
                "no response head within {WAIT:?} ({e}); got {:?}",
                String::from_utf8_lossy(&data)
            ),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = data[head_end + 4..].to_vec();
    let length: Option<usize> = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok());
    if let Some(length) = length {
        while body.len() < length {
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => body.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("the response body did not arrive within {WAIT:?}: {e}"),
            }
        }
    }
    RawReply {
        status_line,
        headers,
        body,
    }
}

/// Peak resident memory of this process, from /proc/self/status.
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("a VmHWM line");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a VmHWM value");
    kib * 1024
}

/// The messages of every error finding of every row, derived again.
fn error_messages(capture: &Capture) -> Vec<String> {
    capture
        .all_findings()
        .into_iter()
        .flatten()
        .filter(|f| f.level == Level::Error)
        .map(|f| f.message)
        .collect()
}

fn assert_error_capture(capture: &Capture, status: u16, mentions: &str) {
    assert_eq!(
        capture.status(),
        status,
        "capture of {}",
        capture.head.url()
    );
    let answered: serde_json::Value =
        serde_json::from_str(&capture.response_body()).expect("a JSON answer");
    assert!(
        answered["error"].as_str().is_some(),
        "the answer names the error: {answered}"
    );
    let rows = capture.summary.rows();
    assert_eq!(rows.len(), 1, "one error row: {rows:?}");
    let row = &rows[0];
    assert_eq!(row.status(), Status::Error, "row {row:?}");
    assert!(
        error_messages(capture)
            .iter()
            .any(|m| m.to_lowercase().contains(mentions)),
        "an error mentioning {mentions:?} in {:?}",
        capture.all_findings()
    );
}

fn assert_json_error(reply: &Reply, status: u16, mentions: &str) {
    assert_eq!(reply.status, status, "body {:?}", reply.body);
    assert_eq!(reply.content_type, "application/json");
    let error = reply.json()["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no \"error\" string in {:?}", reply.body))
        .to_lowercase();
    assert!(
        error.contains(mentions),
        "{error:?} should mention {mentions:?}"
    );
}

// ---- 1. the six samples -----------------------------------------------------

struct Sample {
    name: &'static str,
    body: &'static str,
    path: &'static str,
    event: EventKind,
    entity: EntityType,
    id: &'static str,
    label: &'static str,
}

fn samples() -> Vec<Sample> {
    let job = JOB_TITLE;
    let candidate = CANDIDATE_NAME;
    vec![
        Sample {
            name: "job_creation",
            body: JOB_CREATION,
            path: "/job?x=1",
            event: EventKind::Creation,
            entity: EntityType::Job,
            id: "126751",
            label: job,
        },
        Sample {
            name: "job_update",
            body: JOB_UPDATE,
            path: "/job?x=1",
            event: EventKind::Update,
            entity: EntityType::Job,
            id: "126751",
            label: job,
        },
        Sample {
            name: "job_delete",
            body: JOB_DELETE,
            path: "/job?x=1",
            event: EventKind::Delete,
            entity: EntityType::Job,
            id: "126751",
            // A delete carries only the id.
            label: "",
        },
        Sample {
            name: "candidate_creation",
            body: CANDIDATE_CREATION,
            path: "/candidate",
            event: EventKind::Creation,
            entity: EntityType::Candidate,
            id: "1234567876",
            label: candidate,
        },
        Sample {
            name: "candidate_update",
            body: CANDIDATE_UPDATE,
            path: "/candidate",
            event: EventKind::Update,
            entity: EntityType::Candidate,
            id: "1234567876",
            label: candidate,
        },
        Sample {
            name: "candidate_delete",
            body: CANDIDATE_DELETE,
            path: "/candidate",
            event: EventKind::Delete,
            entity: EntityType::Candidate,
            id: "12121",
            label: "",
        },
    ]
}

#[test]
fn the_six_samples_are_acknowledged_and_captured_exactly() {
    let h = start();
    let agent = agent();
    let mut ids = HashSet::new();
    for sample in samples() {
        let reply = reply(
            agent
                .post(h.url(sample.path))
                .header("Content-Type", "application/json")
                .header("X-Dup", "a")
                .header("X-Dup", "b")
                .send(sample.body),
        );
        assert_eq!(reply.status, 200, "{}: {}", sample.name, reply.body);
        assert_eq!(reply.content_type, "application/json", "{}", sample.name);
        assert_eq!(reply.body, r#"{"received":1}"#, "{}", sample.name);

        let c = h.capture();
        assert!(
            ids.insert(c.id),
            "{}: capture id {} reused",
            sample.name,
            c.id
        );
        assert_eq!(c.head.method(), "POST", "{}", sample.name);
        assert_eq!(c.head.url(), sample.path, "{}", sample.name);
        assert!(
            c.head.remote().starts_with("127.0.0.1:"),
            "{}: remote {:?}",
            sample.name,
            c.head.remote()
        );
        assert_eq!(
            &c.body[..],
            sample.body.as_bytes(),
            "{}: body bytes",
            sample.name
        );
        assert_eq!(c.status(), 200, "{}", sample.name);
        assert_eq!(c.response_body(), r#"{"received":1}"#, "{}", sample.name);

        // Duplicated headers are both kept, in the order they were sent.
        assert_eq!(
            header_values(&c, "x-dup"),
            ["a", "b"],
            "{}: headers {:?}",
            sample.name,
            header_pairs(&c)
        );
        assert_eq!(
            header_values(&c, "content-length"),
            [sample.body.len().to_string()],
            "{}",
            sample.name
        );

        let rows = c.summary.rows();
        assert_eq!(rows.len(), 1, "{}: rows {rows:?}", sample.name);
        let row = &rows[0];
        assert_eq!(row.event().as_ref(), Some(&sample.event), "{}", sample.name);
        assert_eq!(
            row.entity().as_ref(),
            Some(&sample.entity),
            "{}",
            sample.name
        );
        assert_eq!(row.entity_id.as_deref(), Some(sample.id), "{}", sample.name);
        assert_eq!(row.label, sample.label, "{}", sample.name);
        assert_eq!(row.element(), Some(0), "{}", sample.name);
        assert_eq!(
            row.status(),
            Status::Ok,
            "{}: findings {:?}",
            sample.name,
            c.findings(0)
        );
    }
    h.assert_nothing_more();
}

#[test]
fn headers_are_captured_exactly_in_order_with_their_case() {
    let h = start();
    let body = JOB_DELETE.as_bytes();
    let mut stream = connect(h.addr());
    let head = format!(
        "POST /job HTTP/1.1\r\nHost: hookscope.test\r\nX-Dup: a\r\nContent-Type: application/json\r\n\
         x-dup: b\r\nX-Hs-Signature: s1\r\nX-DUP: c\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("send the head");
    stream.write_all(body).expect("send the body");
    let raw = read_head_and_body(&mut stream);
    assert_eq!(raw.status(), 200, "{raw:?}");
    assert_eq!(raw.header("content-type"), Some("application/json"));
    assert_eq!(raw.body, br#"{"received":1}"#);

    let c = h.capture();
    let expected: Vec<(String, String)> = [
        ("Host", "hookscope.test"),
        ("X-Dup", "a"),
        ("Content-Type", "application/json"),
        ("x-dup", "b"),
        ("X-Hs-Signature", "s1"),
        ("X-DUP", "c"),
        ("Content-Length", &body.len().to_string()),
        ("Connection", "close"),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(header_pairs(&c), expected);
    assert_eq!(&c.body[..], body);
}

// ---- 2. several envelopes ---------------------------------------------------

#[test]
fn a_body_of_three_envelopes_is_one_capture_of_three_rows() {
    let h = start();
    let body = br#"[
        {"event": "creation", "type": "job", "data": {"job_id": 1, "job_title": "One"}},
        {"event": "update", "type": "job", "data": {"job_id": "2", "job_title": "Two"}},
        {"event": "delete", "type": "job", "data": {"job_id": 3}}
    ]"#;
    let reply = post(&agent(), &h.url("/job"), body);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, r#"{"received":3}"#);

    let c = h.capture();
    assert_eq!(&c.body[..], body);
    let rows: Vec<_> = c
        .summary
        .rows()
        .iter()
        .map(|r| {
            (
                r.element(),
                r.event(),
                r.entity_id.clone().unwrap_or_default().to_string(),
                r.label.to_string(),
                r.status(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            // A creation or update sending two of the spec's job fields
            // is read, with a warning naming the fields it lacks.
            (
                Some(0),
                Some(EventKind::Creation),
                "1".into(),
                "One".into(),
                Status::Warning
            ),
            (
                Some(1),
                Some(EventKind::Update),
                "2".into(),
                "Two".into(),
                Status::Warning
            ),
            (
                Some(2),
                Some(EventKind::Delete),
                "3".into(),
                String::new(),
                Status::Ok
            ),
        ]
    );
    h.assert_nothing_more();
}

// ---- 3. bodies that are not webhooks ----------------------------------------

#[test]
fn bodies_that_are_not_webhooks_get_400_and_are_captured_exactly() {
    let h = start();
    let agent = agent();
    let cases: [(&str, &[u8], &str); 6] = [
        (
            "bad JSON",
            br#"[{"event": "creation", "type": "job", "data": {"#,
            "json",
        ),
        ("empty body", b"", "empty"),
        (
            "non-UTF-8",
            b"[{\"event\": \"cr\xe9ation\"}]\xff\xfe",
            "utf-8",
        ),
        ("an object that is not an envelope", br#"{"foo":1}"#, ""),
        ("a number", b"42", "number"),
        ("an empty array", b"[]", "no event"),
    ];
    for (what, body, mentions) in cases {
        let reply = post(&agent, &h.url("/job"), body);
        assert_json_error(&reply, 400, mentions);
        let c = h.capture();
        assert_eq!(&c.body[..], body, "{what}: exact bytes");
        assert_eq!(c.status(), 400, "{what}");
        assert_eq!(
            c.response_body(),
            reply.body,
            "{what}: the capture keeps the answer"
        );
        assert!(
            c.summary.rows().iter().any(|r| r.status() == Status::Error),
            "{what}: an error row in {:?}",
            c.summary.rows()
        );
        assert!(
            error_messages(&c)
                .iter()
                .any(|m| m.to_lowercase().contains(mentions)),
            "{what}: an error mentioning {mentions:?} in {:?}",
            c.all_findings()
        );
    }
    h.assert_nothing_more();
}

#[test]
fn bad_json_is_named_as_json_in_the_answer() {
    let h = start();
    let reply = post(&agent(), &h.url("/candidate"), b"{not json");
    assert_json_error(&reply, 400, "json");
    let c = h.capture();
    assert_eq!(&c.body[..], b"{not json");
    assert_error_capture(&c, 400, "json");
    assert_eq!(c.summary.rows()[0].event(), None);
}

// ---- 4. wrong path, wrong method, wrong entity ------------------------------

#[test]
fn a_job_event_on_the_candidate_path_is_accepted_with_a_warning() {
    let h = start();
    let reply = post(&agent(), &h.url("/candidate"), JOB_CREATION);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, r#"{"received":1}"#);
    let c = h.capture();
    assert_eq!(&c.body[..], JOB_CREATION.as_bytes());
    let row = &c.summary.rows()[0];
    let findings = c.findings(0);
    assert_eq!(row.entity(), Some(EntityType::Job));
    assert_eq!(row.status(), Status::Warning, "findings {findings:?}");
    assert!(
        findings
            .iter()
            .any(|f| f.level == Level::Warning && f.pointer == "/0/type"),
        "a warning on /0/type in {findings:?}"
    );
}

#[test]
fn an_unknown_path_gets_404_and_is_captured() {
    let h = start();
    let reply = post(&agent(), &h.url("/nope?a=b"), JOB_CREATION);
    assert_json_error(&reply, 404, "/nope");
    let c = h.capture();
    assert_eq!(c.head.url(), "/nope?a=b");
    assert_eq!(&c.body[..], JOB_CREATION.as_bytes());
    assert_eq!(c.status(), 404);
    assert_eq!(
        c.response_body(),
        reply.body,
        "the capture keeps the answer"
    );
    // The event is still read and shown, with the path as a warning.
    let row = &c.summary.rows()[0];
    assert_eq!(row.entity_id.as_deref(), Some("126751"));
    assert_eq!(
        row.status(),
        Status::Warning,
        "findings {:?}",
        c.findings(0)
    );
}

#[test]
fn a_get_gets_405_and_is_captured() {
    let h = start();
    let reply = reply(agent().get(h.url("/job")).call());
    assert_json_error(&reply, 405, "post");
    let c = h.capture();
    assert_eq!(c.head.method(), "GET");
    assert_eq!(c.head.url(), "/job");
    assert!(c.body.is_empty());
    assert_eq!(c.status(), 405);
    assert_eq!(
        c.response_body(),
        reply.body,
        "the capture keeps the answer"
    );
    let findings = c.findings(0);
    assert!(
        findings.iter().any(|f| f.message.contains("GET")),
        "{findings:?}"
    );
}

// ---- 5. bodies over the cap -------------------------------------------------

/// A valid job delete padded with spaces to exactly `len` bytes.
fn padded_body(len: usize) -> Vec<u8> {
    let mut body = JOB_DELETE.as_bytes().to_vec();
    assert!(body.len() <= len);
    body.resize(len, b' ');
    body
}

#[test]
fn a_body_over_the_cap_gets_413_and_the_listener_goes_on() {
    let h = start_with(1000, 64);
    let agent = agent();

    let reply = post(&agent, &h.url("/job"), padded_body(5000));
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.content_type, "application/json");
    let json = reply.json();
    assert!(
        json["error"].as_str().is_some_and(|e| e.contains("5000")),
        "{json}"
    );
    assert_eq!(json["max_body"], 1000);
    let c = h.capture();
    assert!(c.body.is_empty(), "an oversize body is not kept");
    assert_error_capture(&c, 413, "cap");

    // Exactly at the cap is fine, one byte more is not.
    let reply = post(&agent, &h.url("/job"), padded_body(1000));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(&h.capture().body[..], padded_body(1000).as_slice());
    let reply = post(&agent, &h.url("/job"), padded_body(1001));
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_error_capture(&h.capture(), 413, "cap");

    // A fresh connection and the same (maybe reused) one both still work.
    let reply = post(&self::agent(), &h.url("/job"), JOB_DELETE);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(&h.capture().body[..], JOB_DELETE.as_bytes());
    let reply = post(&agent, &h.url("/candidate"), CANDIDATE_DELETE);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(&h.capture().body[..], CANDIDATE_DELETE.as_bytes());
    h.assert_nothing_more();
}

/// A chunked body has no announced length: the cap is found while reading.
#[test]
fn a_chunked_body_over_the_cap_gets_413_and_the_listener_goes_on() {
    let h = start_with(1000, 64);
    let mut stream = connect(h.addr());
    let body = padded_body(5000);
    let mut request =
        b"POST /job HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    for chunk in body.chunks(700) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    stream.write_all(&request).expect("send the request");
    let raw = read_head_and_body(&mut stream);
    assert_eq!(raw.status(), 413, "{raw:?}");
    let c = h.capture();
    assert!(c.body.is_empty());
    assert_error_capture(&c, 413, "cap");
    drop(stream);

    let reply = post(&agent(), &h.url("/job"), JOB_DELETE);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(&h.capture().body[..], JOB_DELETE.as_bytes());
}

// ---- 6. lying Content-Length ------------------------------------------------

const LYING_HEAD: &str = "POST /job HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";

#[test]
fn a_64_gib_content_length_gets_413_without_killing_the_process() {
    let h = start();
    let mut stream = connect(h.addr());
    let request = format!("{LYING_HEAD}Content-Length: 68719476736\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send the head");
    stream.write_all(&[b' '; 100]).expect("send 100 bytes");
    let raw = read_head_and_body(&mut stream);
    assert!(raw.status_line.starts_with("HTTP/1.1 413"), "{raw:?}");
    // Nothing more comes: the connection is not kept for another request.
    assert_closed_after_the_reply(&mut stream);
    // Once the client stops sending, the connection is gone: none is kept
    // open for the rest of the announced body.
    drop(stream);
    h.assert_connections_close();

    let c = h.capture();
    assert!(c.body.is_empty());
    assert_error_capture(&c, 413, "68719476736");

    // The process is alive and the listener still serves.
    let reply = post(&agent(), &h.url("/job"), JOB_CREATION);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(&h.capture().body[..], JOB_CREATION.as_bytes());

    let peak = peak_rss_bytes();
    assert!(peak < 2 << 30, "peak RSS {peak} bytes");
}

#[test]
fn a_content_length_over_the_cap_but_drainable_gets_413_and_the_listener_goes_on() {
    let h = start_with(10 * 1024 * 1024, 64);
    let mut stream = connect(h.addr());
    let request = format!("{LYING_HEAD}Content-Length: {}\r\n\r\n", 20 * 1024 * 1024);
    stream.write_all(request.as_bytes()).expect("send the head");
    stream.write_all(&[b' '; 100]).expect("send 100 bytes");
    stream
        .shutdown(Shutdown::Write)
        .expect("shut the write half");
    let raw = read_head_and_body(&mut stream);
    assert_eq!(raw.status(), 413, "{raw:?}");
    let json: serde_json::Value = serde_json::from_slice(&raw.body).expect("a JSON body");
    assert!(json["error"].as_str().is_some(), "{json}");
    assert_closed_after_the_reply(&mut stream);
    drop(stream);
    h.assert_connections_close();

    let c = h.capture();
    assert!(c.body.is_empty());
    assert_error_capture(&c, 413, "cap");

    let reply = post(&agent(), &h.url("/candidate"), CANDIDATE_CREATION);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(&h.capture().body[..], CANDIDATE_CREATION.as_bytes());

    let peak = peak_rss_bytes();
    assert!(peak < 2 << 30, "peak RSS {peak} bytes");
}

/// The DESIGN's trap, seen as a client sees it: the 413 must be a complete
/// response, or a real HTTP client waits for a body until its own timeout.
#[test]
fn a_64_gib_content_length_gets_a_complete_413() {
    let h = start();
    let mut stream = connect(h.addr());
    let request = format!("{LYING_HEAD}Content-Length: 68719476736\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send the head");
    stream.write_all(&[b' '; 100]).expect("send 100 bytes");
    let raw = read_head_and_body(&mut stream);
    assert_eq!(raw.status(), 413, "{raw:?}");
    // The phrase a HAR export gives the same answer.
    assert_eq!(raw.status_line, "HTTP/1.1 413 Content Too Large");
    assert_eq!(
        raw.header("content-type"),
        Some("application/json"),
        "{raw:?}"
    );
    assert!(
        raw.header("content-length").is_some(),
        "a delimited body: {raw:?}"
    );
    assert!(raw.header("upgrade").is_none(), "not an upgrade: {raw:?}");
    assert_eq!(
        raw.header("connection"),
        Some("close"),
        "the rest of the body is not read: {raw:?}"
    );
    let json: serde_json::Value = serde_json::from_slice(&raw.body).expect("a JSON body");
    assert!(json["error"].as_str().is_some(), "{json}");
    assert_closed_after_the_reply(&mut stream);
}

// ---- 7. short bodies --------------------------------------------------------

/// After a reply that ends the connection, the client reads its end: the
/// server sends nothing more and shuts its side.
fn assert_closed_after_the_reply(stream: &mut TcpStream) {
    let mut rest = [0u8; 64];
    match stream.read(&mut rest) {
        Ok(0) => {}
        Ok(n) => panic!(
            "more after the reply: {:?}",
            String::from_utf8_lossy(&rest[..n])
        ),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the connection stayed open after the reply: {e}"),
    }
}

/// Any body shorter than announced (tiny_http hid those of up to 1024
/// bytes) is captured with the bytes that came, and answered 400 when the
/// sender closes its side.
#[test]
fn a_body_shorter_than_announced_gets_400_and_is_captured() {
    let h = start();
    for announced in [500, 5000] {
        let mut stream = connect(h.addr());
        let request = format!("{LYING_HEAD}Content-Length: {announced}\r\n\r\n");
        stream.write_all(request.as_bytes()).expect("send the head");
        let sent = padded_body(100);
        stream.write_all(&sent).expect("send 100 bytes");
        stream
            .shutdown(Shutdown::Write)
            .expect("shut the write half");
        let raw = read_head_and_body(&mut stream);
        assert_eq!(raw.status(), 400, "{announced}: {raw:?}");
        let json: serde_json::Value = serde_json::from_slice(&raw.body).expect("a JSON body");
        assert!(
            json["error"].as_str().is_some_and(|e| e.contains("closed")),
            "{announced}: {json}"
        );

        let c = h.capture();
        assert_eq!(
            &c.body[..],
            sent.as_slice(),
            "{announced}: the bytes that did arrive are kept"
        );
        assert_error_capture(&c, 400, &format!("closed after 100 of {announced} bytes"));
        assert_eq!(
            c.response_body(),
            String::from_utf8_lossy(&raw.body),
            "{announced}: the capture keeps the answer"
        );
    }

    let reply = post(&agent(), &h.url("/job"), JOB_DELETE);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(&h.capture().body[..], JOB_DELETE.as_bytes());
    h.assert_nothing_more();
}

/// A sender that stops sending in the middle of its body, without closing,
/// is answered 408 after the read timeout; what it sent is captured.
#[test]
fn a_body_that_stalls_gets_408_after_the_read_timeout_and_is_captured() {
    let h = start_config(
        ListenerConfig {
            read_timeout: Duration::from_millis(500),
            ..common::listener_config()
        },
        64,
    );
    let mut stream = connect(h.addr());
    let request = format!("{LYING_HEAD}Content-Length: 500\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send the head");
    let sent = padded_body(100);
    stream.write_all(&sent).expect("send 100 bytes");
    let started = Instant::now();
    let raw = read_head_and_body(&mut stream);
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "answered before the read timeout: {:?}",
        started.elapsed()
    );
    assert_eq!(raw.status(), 408, "{raw:?}");
    assert_eq!(raw.header("connection"), Some("close"), "{raw:?}");
    let json: serde_json::Value = serde_json::from_slice(&raw.body).expect("a JSON body");
    assert!(
        json["error"]
            .as_str()
            .is_some_and(|e| e.contains("stalled")),
        "{json}"
    );
    assert_closed_after_the_reply(&mut stream);

    let c = h.capture();
    assert_eq!(
        &c.body[..],
        sent.as_slice(),
        "the bytes that did arrive are kept"
    );
    assert_error_capture(&c, 408, "stalled after 100 of 500 bytes");
    assert!(
        h.listener.stats().timed_out >= 1,
        "{:?}",
        h.listener.stats()
    );

    let reply = post(&agent(), &h.url("/job"), JOB_DELETE);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(&h.capture().body[..], JOB_DELETE.as_bytes());
}

// ---- 8. concurrency ---------------------------------------------------------

#[test]
fn eight_clients_posting_500_requests_each_lose_nothing() {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 500;
    const TOTAL: usize = THREADS * PER_THREAD;
    // A small channel: the listener must wait for the drain, never drop.
    let h = start_with(DEFAULT_MAX_BODY, 64);
    let job_url = h.url("/job");
    let candidate_url = h.url("/candidate");

    let posters: Vec<_> = (0..THREADS)
        .map(|t| {
            let job_url = job_url.clone();
            let candidate_url = candidate_url.clone();
            std::thread::spawn(move || {
                let agent = agent();
                let mut statuses = Vec::with_capacity(PER_THREAD);
                for i in 0..PER_THREAD {
                    let (url, body) = if (t + i) % 2 == 0 {
                        (&job_url, JOB_CREATION)
                    } else {
                        (&candidate_url, CANDIDATE_DELETE)
                    };
                    let reply = post(&agent, url, body);
                    statuses.push((reply.status, reply.body));
                }
                statuses
            })
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(180);
    let mut captures = Vec::with_capacity(TOTAL);
    while captures.len() < TOTAL {
        let left = deadline.saturating_duration_since(Instant::now());
        match h.capture_within(left.min(WAIT)) {
            Some(c) => captures.push(c),
            None => panic!("only {} of {TOTAL} captures arrived", captures.len()),
        }
    }
    for poster in posters {
        let statuses = poster.join().expect("a poster thread");
        assert_eq!(statuses.len(), PER_THREAD);
        for (status, body) in statuses {
            assert_eq!(status, 200, "{body}");
            assert_eq!(body, r#"{"received":1}"#);
        }
    }
    h.assert_nothing_more();

    let ids: HashSet<u64> = captures.iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), TOTAL, "distinct capture ids");
    assert_eq!(ids, (1..=TOTAL as u64).collect::<HashSet<_>>());
    let jobs = captures.iter().filter(|c| c.head.url() == "/job").count();
    assert_eq!(jobs, TOTAL / 2);
    for c in &captures {
        assert_eq!(c.status(), 200);
        let expected = if c.head.url() == "/job" {
            JOB_CREATION
        } else {
            CANDIDATE_DELETE
        };
        assert_eq!(&c.body[..], expected.as_bytes(), "capture {}", c.id);
    }
}

// ---- 9. deep nesting --------------------------------------------------------

#[test]
fn a_deeply_nested_body_gets_400_without_overflowing_the_stack() {
    let h = start();
    let agent = agent();
    for body in [vec![b'['; 100_000], "{\"a\":".repeat(50_000).into_bytes()] {
        let reply = post(&agent, &h.url("/job"), &body);
        assert_json_error(&reply, 400, "json");
        let c = h.capture();
        assert_eq!(&c.body[..], body.as_slice());
        assert_error_capture(&c, 400, "json");
    }
    let reply = post(&agent, &h.url("/job"), JOB_UPDATE);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(&h.capture().body[..], JOB_UPDATE.as_bytes());
}

// ---- 10. port in use --------------------------------------------------------

#[test]
fn a_port_in_use_is_a_bind_error() {
    let first = start();
    let port = first.addr().port();
    let (sender, _events) = bounded(1);
    let config = ListenerConfig {
        bind: [127, 0, 0, 1].into(),
        port,
        ..Default::default()
    };
    match Listener::start(
        config,
        Arc::new(AtomicU64::new(1)),
        sender,
        Waker::new(),
        None,
    ) {
        Ok(second) => panic!("a second listener started on {}", second.local_addr()),
        Err(e @ ListenError::Bind { .. }) => {
            let ListenError::Bind { addr, reason } = &e else {
                unreachable!()
            };
            assert_eq!(addr.port(), port);
            assert!(!reason.is_empty());
            let message = e.to_string();
            assert!(
                message.contains(&format!("127.0.0.1:{port}")),
                "the message names the address: {message}"
            );
            assert!(
                message.to_lowercase().contains("in use"),
                "the message says why: {message}"
            );
        }
        Err(other) => panic!("not a bind error: {other}"),
    }
    // The first listener is unharmed.
    let reply = post(&agent(), &first.url("/job"), JOB_DELETE);
    assert_eq!(reply.status, 200);
}

// ---- 11. session files ------------------------------------------------------

fn write_session(captures: &[impl common::AsReceived]) -> Vec<u8> {
    common::session_bytes(captures, common::at("2024-05-06T07:08:09+02:00"))
}

#[test]
fn a_session_file_round_trips_captures_exactly() {
    // Room for the job sample (1530 bytes), not for a 4000-byte body.
    let h = start_with(2000, 64);
    let agent = agent();
    let sent: Vec<(&str, Vec<u8>)> = vec![
        ("/job?x=1", JOB_CREATION.into()),
        ("/candidate", CANDIDATE_DELETE.into()),
        ("/job", b"\xff\xfe[not utf-8 \x00\x01]".to_vec()),
        ("/job", Vec::new()),
        ("/job", padded_body(4000)),
        ("/nope", JOB_DELETE.into()),
    ];
    for (path, body) in &sent {
        post(&agent, &h.url(path), body);
    }
    reply(
        agent
            .post(h.url("/candidate"))
            .header("X-Dup", "a")
            .header("X-Dup", "b")
            .send(JOB_DELETE),
    );
    reply(agent.get(h.url("/job")).call());
    let captures: Vec<Capture> = (0..sent.len() + 2).map(|_| h.capture()).collect();
    h.assert_nothing_more();
    assert_eq!(
        captures.iter().map(|c| c.status()).collect::<Vec<_>>(),
        [200, 200, 400, 400, 413, 404, 200, 405]
    );

    let bytes = write_session(&captures);
    let text = String::from_utf8(bytes.clone()).expect("a session file is UTF-8");
    assert!(
        text.starts_with(r#"{"format":"hookscope-session","version":3,"#),
        "{text}"
    );

    let routes = Routes::default();
    let read = file::read(&bytes, &routes)
        .expect("read the session back")
        .captures;
    assert_eq!(read.len(), captures.len());
    for (before, after) in captures.iter().zip(&read) {
        let what = format!(
            "capture {} {} {}",
            before.id,
            before.head.method(),
            before.head.url()
        );
        // Id, time to the millisecond with its offset, sender, method, URL,
        // headers and body.
        common::assert_same_request(after, before);
        assert_eq!(after.status(), before.status(), "{what}");
        let after = after.clone().summarise(&routes);
        if before.status() != 413 {
            // Derived again from the same bytes: the same rows and answer.
            assert_eq!(after.answer, before.answer, "{what}");
            assert_eq!(after.response_body(), before.response_body(), "{what}");
            assert_eq!(after.summary, before.summary, "{what}");
        } else {
            // The file keeps the status, not the cap that was broken.
            assert_error_capture(&after, 413, "4000 bytes");
        }
    }
    assert_eq!(header_values(&read[6], "x-dup"), ["a", "b"]);

    // Writing what was read gives the same bytes.
    assert_eq!(write_session(&read), bytes);
}

#[test]
fn session_files_that_cannot_be_read_say_why() {
    let h = start();
    post(&agent(), &h.url("/job"), JOB_CREATION);
    let good = write_session(&[h.capture()]);
    let routes = Routes::default();
    assert!(file::read(&good, &routes).is_ok());

    let truncated = &good[..good.len() / 2];
    assert!(
        matches!(file::read(truncated, &routes), Err(FileError::Json(_))),
        "truncated"
    );

    let text = String::from_utf8(good.clone()).expect("UTF-8");
    let other = text.replacen("hookscope-session", "har-log", 1);
    assert!(
        matches!(file::read(other.as_bytes(), &routes), Err(FileError::WrongFormat(f)) if f.contains("har-log")),
        "wrong format"
    );
    let no_format = br#"{"version":1,"captures":[]}"#;
    assert!(matches!(
        file::read(no_format, &routes),
        Err(FileError::WrongFormat(_))
    ));

    let newer = text.replacen(r#""version":3"#, r#""version":4"#, 1);
    assert!(
        matches!(
            file::read(newer.as_bytes(), &routes),
            Err(FileError::NewerVersion(4))
        ),
        "version 4"
    );

    let binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    assert!(
        matches!(file::read(&binary, &routes), Err(FileError::Json(_))),
        "binary"
    );
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xff";
    assert!(matches!(file::read(png, &routes), Err(FileError::Json(_))));

    let bad_date = text.replacen(r#""received_at":""#, r#""received_at":"yesterday"#, 1);
    assert!(
        matches!(
            file::read(bad_date.as_bytes(), &routes),
            Err(FileError::BadCapture { index: 0, .. })
        ),
        "a bad capture"
    );
}

// ---- 12. stopping -----------------------------------------------------------

/// Whether a capture is waiting on the channel, without waiting.
fn has_capture(events: &Receiver<Vec<Capture>>) -> bool {
    events.try_iter().any(|batch| !batch.is_empty())
}

/// A request answered 200 may still be on its way to the channel when the
/// owner drops the listener and drains right after (`headless::listen`
/// does): dropping must wait until it is there.
#[test]
fn every_acknowledged_request_is_on_the_channel_once_the_listener_is_dropped() {
    let mut lost = 0;
    for _ in 0..300 {
        let h = start();
        let reply = post(&agent(), &h.url("/job"), JOB_DELETE);
        assert_eq!(reply.status, 200);
        let Harness {
            listener, events, ..
        } = h;
        drop(listener);
        if !has_capture(&events) {
            lost += 1;
        }
    }
    assert_eq!(
        lost, 0,
        "acknowledged requests missing after the drop, of 300"
    );
}

/// The same through `stop`, which frees the port at once, then `join`.
#[test]
fn every_acknowledged_request_is_on_the_channel_once_the_stopped_listener_is_joined() {
    let mut lost = 0;
    for _ in 0..100 {
        let h = start();
        let reply = post(&agent(), &h.url("/job"), JOB_DELETE);
        assert_eq!(reply.status, 200);
        let Harness {
            listener, events, ..
        } = h;
        let addr = listener.local_addr();
        let stopped = listener.stop();
        // The port is free as soon as `stop` returns.
        drop(std::net::TcpListener::bind(addr).expect("the port is free again"));
        stopped.join();
        if !has_capture(&events) {
            lost += 1;
        }
    }
    assert_eq!(
        lost, 0,
        "acknowledged requests missing after stop and join, of 100"
    );
}

/// Stopping does not answer a request still arriving (there is no 503 for
/// it any more): its connection is closed and nothing is captured.
#[test]
fn a_request_still_arriving_when_the_listener_stops_is_closed_unanswered() {
    let h = start();
    let reply = post(&agent(), &h.url("/job"), JOB_CREATION);
    assert_eq!(reply.status, 200, "{}", reply.body);

    let mut stream = connect(h.addr());
    let request = format!("{LYING_HEAD}Content-Length: 500\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send the head");
    stream.write_all(&padded_body(100)).expect("send 100 bytes");
    // Time for the server to read the head and part of the body (were it
    // slower, the request would be cut earlier: the same outcome).
    std::thread::sleep(Duration::from_millis(300));

    let Harness {
        listener, events, ..
    } = h;
    listener.stop().join();

    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => assert!(
            answer.is_empty(),
            "an answer to a request cut by the stop: {:?}",
            String::from_utf8_lossy(&answer)
        ),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the connection was not closed: {e}"),
    }
    let captured: Vec<Capture> = events.try_iter().flatten().collect();
    assert_eq!(
        captured.len(),
        1,
        "only the request answered before the stop"
    );
    assert_eq!(&captured[0].body[..], JOB_CREATION.as_bytes());
}
