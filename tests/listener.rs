//! The listener over real HTTP on 127.0.0.1:0: what clients get back, what is
//! captured, and how it survives hostile requests (lying Content-Length, short
//! bodies, deep nesting, floods). No mocks: a real ureq client or a raw socket.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use crossbeam_channel::{Receiver, bounded};
use hookscope::capture::{Capture, Routes, Status};
use hookscope::hs::{EntityType, EventKind, Level};
use hookscope::listener::{DEFAULT_MAX_BODY, ListenError, Listener, ListenerConfig, ListenerEvent};
use hookscope::session::file::{self, FileError};

const JOB_CREATION: &[u8] = include_bytes!("../assets/samples/job_creation.json");
const JOB_UPDATE: &[u8] = include_bytes!("../assets/samples/job_update.json");
const JOB_DELETE: &[u8] = include_bytes!("../assets/samples/job_delete.json");
const CANDIDATE_CREATION: &[u8] = include_bytes!("../assets/samples/candidate_creation.json");
const CANDIDATE_UPDATE: &[u8] = include_bytes!("../assets/samples/candidate_update.json");
const CANDIDATE_DELETE: &[u8] = include_bytes!("../assets/samples/candidate_delete.json");

/// The longest any single step may take before a test fails instead of hanging.
const WAIT: Duration = Duration::from_secs(10);

// ---- harness ----------------------------------------------------------------

struct Harness {
    listener: Listener,
    events: Receiver<ListenerEvent>,
}

fn start() -> Harness {
    start_with(DEFAULT_MAX_BODY, 1024)
}

fn start_with(max_body: u64, capacity: usize) -> Harness {
    let (sender, events) = bounded(capacity);
    let config = ListenerConfig {
        bind: [127, 0, 0, 1].into(),
        port: 0,
        max_body,
        ..Default::default()
    };
    let listener = Listener::start(
        config,
        Arc::new(AtomicU64::new(1)),
        sender,
        Arc::new(|| {}),
        None,
    )
    .unwrap_or_else(|e| panic!("the listener starts: {e}"));
    Harness { listener, events }
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
        match self.events.recv_timeout(WAIT) {
            Ok(ListenerEvent::Captured(capture)) => *capture,
            Ok(ListenerEvent::Failed(reason)) => panic!("the listener failed: {reason}"),
            Err(e) => panic!("no capture within {WAIT:?}: {e}"),
        }
    }

    fn assert_nothing_more(&self) {
        match self.events.recv_timeout(Duration::from_millis(300)) {
            Ok(ListenerEvent::Captured(capture)) => {
                panic!("unexpected capture {} {}", capture.method, capture.url)
            }
            Ok(ListenerEvent::Failed(reason)) => panic!("the listener failed: {reason}"),
            Err(_) => {}
        }
    }
}

/// A client that returns 4xx/5xx as responses, not errors.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(WAIT))
        .build()
        .into()
}

struct Reply {
    status: u16,
    content_type: String,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("the response body {:?} is not JSON: {e}", self.body))
    }
}

fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = response.unwrap_or_else(|e| panic!("the request fails: {e}"));
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response
        .body_mut()
        .read_to_string()
        .unwrap_or_else(|e| panic!("the response body cannot be read: {e}"));
    Reply {
        status: response.status().as_u16(),
        content_type,
        body,
    }
}

fn post(agent: &ureq::Agent, url: &str, body: &[u8]) -> Reply {
    reply(
        agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body),
    )
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

fn error_messages(capture: &Capture) -> Vec<&str> {
    capture
        .summary
        .rows
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.level == Level::Error)
        .map(|f| f.message.as_str())
        .collect()
}

fn assert_error_capture(capture: &Capture, status: u16, mentions: &str) {
    assert_eq!(
        capture.response_status, status,
        "capture of {}",
        capture.url
    );
    assert_eq!(capture.summary.response_status, status);
    assert_eq!(
        capture.summary.rows.len(),
        1,
        "one error row: {:?}",
        capture.summary.rows
    );
    let row = &capture.summary.rows[0];
    assert_eq!(row.status(), Status::Error, "row {row:?}");
    assert!(
        error_messages(capture)
            .iter()
            .any(|m| m.to_lowercase().contains(mentions)),
        "an error mentioning {mentions:?} in {:?}",
        capture.summary.rows
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
    body: &'static [u8],
    path: &'static str,
    event: EventKind,
    entity: EntityType,
    id: &'static str,
    label: &'static str,
}

fn samples() -> Vec<Sample> {
    let job = "Candidature Spontanée";
    let candidate = "Candidate Firstname Candidate Last Name";
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
        assert_eq!(c.method, "POST", "{}", sample.name);
        assert_eq!(c.url, sample.path, "{}", sample.name);
        assert!(
            c.remote_addr.starts_with("127.0.0.1:"),
            "{}: remote {:?}",
            sample.name,
            c.remote_addr
        );
        assert_eq!(c.body, sample.body, "{}: body bytes", sample.name);
        assert_eq!(c.response_status, 200, "{}", sample.name);
        assert_eq!(c.response_body(), r#"{"received":1}"#, "{}", sample.name);

        // Duplicated headers are both kept, in the order they were sent.
        let dups: Vec<&str> = c
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("x-dup"))
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(dups, ["a", "b"], "{}: headers {:?}", sample.name, c.headers);
        let length = c
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.as_str());
        assert_eq!(
            length,
            Some(sample.body.len().to_string().as_str()),
            "{}",
            sample.name
        );

        assert_eq!(
            c.summary.rows.len(),
            1,
            "{}: rows {:?}",
            sample.name,
            c.summary.rows
        );
        let row = &c.summary.rows[0];
        assert_eq!(row.event.as_ref(), Some(&sample.event), "{}", sample.name);
        assert_eq!(row.entity.as_ref(), Some(&sample.entity), "{}", sample.name);
        assert_eq!(row.entity_id.as_deref(), Some(sample.id), "{}", sample.name);
        assert_eq!(row.label, sample.label, "{}", sample.name);
        assert_eq!(row.element, Some(0), "{}", sample.name);
        assert_eq!(
            row.status(),
            Status::Ok,
            "{}: findings {:?}",
            sample.name,
            row.findings
        );
    }
    h.assert_nothing_more();
}

#[test]
fn headers_are_captured_exactly_in_order_with_their_case() {
    let h = start();
    let body = JOB_DELETE;
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
    assert_eq!(c.headers, expected);
    assert_eq!(c.body, body);
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
    assert_eq!(c.body, body);
    let rows: Vec<_> = c
        .summary
        .rows
        .iter()
        .map(|r| {
            (
                r.element,
                r.event.clone(),
                r.entity_id.clone().unwrap_or_default(),
                r.label.clone(),
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
        assert_eq!(c.body, body, "{what}: exact bytes");
        assert_eq!(c.response_status, 400, "{what}");
        assert_eq!(
            c.response_body(),
            reply.body,
            "{what}: the capture keeps the answer"
        );
        assert!(
            c.summary.rows.iter().any(|r| r.status() == Status::Error),
            "{what}: an error row in {:?}",
            c.summary.rows
        );
        assert!(
            error_messages(&c)
                .iter()
                .any(|m| m.to_lowercase().contains(mentions)),
            "{what}: an error mentioning {mentions:?} in {:?}",
            c.summary.rows
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
    assert_eq!(c.body, b"{not json");
    assert_error_capture(&c, 400, "json");
    assert_eq!(c.summary.rows[0].event, None);
}

// ---- 4. wrong path, wrong method, wrong entity ------------------------------

#[test]
fn a_job_event_on_the_candidate_path_is_accepted_with_a_warning() {
    let h = start();
    let reply = post(&agent(), &h.url("/candidate"), JOB_CREATION);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body, r#"{"received":1}"#);
    let c = h.capture();
    assert_eq!(c.body, JOB_CREATION);
    let row = &c.summary.rows[0];
    assert_eq!(row.entity, Some(EntityType::Job));
    assert_eq!(row.status(), Status::Warning, "findings {:?}", row.findings);
    assert!(
        row.findings
            .iter()
            .any(|f| f.level == Level::Warning && f.pointer == "/0/type"),
        "a warning on /0/type in {:?}",
        row.findings
    );
}

#[test]
fn an_unknown_path_gets_404_and_is_captured() {
    let h = start();
    let reply = post(&agent(), &h.url("/nope?a=b"), JOB_CREATION);
    assert_json_error(&reply, 404, "/nope");
    let c = h.capture();
    assert_eq!(c.url, "/nope?a=b");
    assert_eq!(c.body, JOB_CREATION);
    assert_eq!(c.response_status, 404);
    // The event is still read and shown, with the path as a warning.
    let row = &c.summary.rows[0];
    assert_eq!(row.entity_id.as_deref(), Some("126751"));
    assert_eq!(row.status(), Status::Warning, "findings {:?}", row.findings);
}

#[test]
fn a_get_gets_405_and_is_captured() {
    let h = start();
    let reply = reply(agent().get(h.url("/job")).call());
    assert_json_error(&reply, 405, "post");
    let c = h.capture();
    assert_eq!(c.method, "GET");
    assert_eq!(c.url, "/job");
    assert!(c.body.is_empty());
    assert_eq!(c.response_status, 405);
    assert!(
        c.summary.rows[0]
            .findings
            .iter()
            .any(|f| f.message.contains("GET")),
        "{:?}",
        c.summary.rows
    );
}

// ---- 5. bodies over the cap -------------------------------------------------

/// A valid job delete padded with spaces to exactly `len` bytes.
fn padded_body(len: usize) -> Vec<u8> {
    let mut body = JOB_DELETE.to_vec();
    assert!(body.len() <= len);
    body.resize(len, b' ');
    body
}

#[test]
fn a_body_over_the_cap_gets_413_and_the_listener_goes_on() {
    let h = start_with(1000, 64);
    let agent = agent();

    let reply = post(&agent, &h.url("/job"), &padded_body(5000));
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
    let reply = post(&agent, &h.url("/job"), &padded_body(1000));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(h.capture().body, padded_body(1000));
    let reply = post(&agent, &h.url("/job"), &padded_body(1001));
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_error_capture(&h.capture(), 413, "cap");

    // A fresh connection and the same (maybe reused) one both still work.
    let reply = post(&self::agent(), &h.url("/job"), JOB_DELETE);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(h.capture().body, JOB_DELETE);
    let reply = post(&agent, &h.url("/candidate"), CANDIDATE_DELETE);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(h.capture().body, CANDIDATE_DELETE);
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
    assert_eq!(h.capture().body, JOB_DELETE);
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
    drop(stream);

    let c = h.capture();
    assert!(c.body.is_empty());
    assert_error_capture(&c, 413, "68719476736");

    // The process is alive and the listener still serves.
    let reply = post(&agent(), &h.url("/job"), JOB_CREATION);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(h.capture().body, JOB_CREATION);

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
    drop(stream);

    let c = h.capture();
    assert!(c.body.is_empty());
    assert_error_capture(&c, 413, "cap");

    let reply = post(&agent(), &h.url("/candidate"), CANDIDATE_CREATION);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(h.capture().body, CANDIDATE_CREATION);

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
    let json: serde_json::Value = serde_json::from_slice(&raw.body).expect("a JSON body");
    assert!(json["error"].as_str().is_some(), "{json}");
}

// ---- 7. short bodies --------------------------------------------------------

#[test]
fn a_body_shorter_than_announced_gets_400_and_is_captured() {
    let h = start();
    let mut stream = connect(h.addr());
    // Over 1024 bytes: tiny_http hands such a body over unread.
    let request = format!("{LYING_HEAD}Content-Length: 5000\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send the head");
    let sent = &padded_body(100);
    stream.write_all(sent).expect("send 100 bytes");
    stream
        .shutdown(Shutdown::Write)
        .expect("shut the write half");
    let raw = read_head_and_body(&mut stream);
    assert_eq!(raw.status(), 400, "{raw:?}");
    let json: serde_json::Value = serde_json::from_slice(&raw.body).expect("a JSON body");
    assert!(
        json["error"].as_str().is_some_and(|e| e.contains("closed")),
        "{json}"
    );

    let c = h.capture();
    assert_eq!(c.body, *sent, "the bytes that did arrive are kept");
    assert_error_capture(&c, 400, "closed after 100");

    let reply = post(&agent(), &h.url("/job"), JOB_DELETE);
    assert_eq!(reply.status, 200, "{}", reply.body);
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
        match h.events.recv_timeout(left.min(WAIT)) {
            Ok(ListenerEvent::Captured(c)) => captures.push(*c),
            Ok(ListenerEvent::Failed(reason)) => panic!("the listener failed: {reason}"),
            Err(_) => panic!("only {} of {TOTAL} captures arrived", captures.len()),
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
    let jobs = captures.iter().filter(|c| c.url == "/job").count();
    assert_eq!(jobs, TOTAL / 2);
    for c in &captures {
        assert_eq!(c.response_status, 200);
        let expected = if c.url == "/job" {
            JOB_CREATION
        } else {
            CANDIDATE_DELETE
        };
        assert_eq!(c.body, expected, "capture {}", c.id);
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
        assert_eq!(c.body, body);
        assert_error_capture(&c, 400, "json");
    }
    let reply = post(&agent, &h.url("/job"), JOB_UPDATE);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(h.capture().body, JOB_UPDATE);
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
        Arc::new(|| {}),
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

fn exported_at() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2024-05-06T07:08:09+02:00").expect("a date")
}

fn write_session(captures: &[Capture]) -> Vec<u8> {
    let mut out = Vec::new();
    file::write(&mut out, captures, exported_at()).expect("write a session");
    out
}

#[test]
fn a_session_file_round_trips_captures_exactly() {
    // Room for the job sample (1530 bytes), not for a 4000-byte body.
    let h = start_with(2000, 64);
    let agent = agent();
    let sent: Vec<(&str, Vec<u8>)> = vec![
        ("/job?x=1", JOB_CREATION.to_vec()),
        ("/candidate", CANDIDATE_DELETE.to_vec()),
        ("/job", b"\xff\xfe[not utf-8 \x00\x01]".to_vec()),
        ("/job", Vec::new()),
        ("/job", padded_body(4000)),
        ("/nope", JOB_DELETE.to_vec()),
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
        captures
            .iter()
            .map(|c| c.response_status)
            .collect::<Vec<_>>(),
        [200, 200, 400, 400, 413, 404, 200, 405]
    );

    let bytes = write_session(&captures);
    let text = String::from_utf8(bytes.clone()).expect("a session file is UTF-8");
    assert!(
        text.starts_with(r#"{"format":"hookscope-session","version":1,"#),
        "{text}"
    );

    let read = file::read(&bytes, &Routes::default()).expect("read the session back");
    assert_eq!(read.len(), captures.len());
    for (before, after) in captures.iter().zip(&read) {
        let what = format!("capture {} {} {}", before.id, before.method, before.url);
        assert_eq!(after.id, before.id, "{what}");
        assert_eq!(
            after.received_at.timestamp_millis(),
            before.received_at.timestamp_millis(),
            "{what}"
        );
        assert_eq!(
            after.received_at.offset(),
            before.received_at.offset(),
            "{what}"
        );
        assert_eq!(after.remote_addr, before.remote_addr, "{what}");
        assert_eq!(after.method, before.method, "{what}");
        assert_eq!(after.url, before.url, "{what}");
        assert_eq!(after.headers, before.headers, "{what}");
        assert_eq!(after.body, before.body, "{what}");
        assert_eq!(after.response_status, before.response_status, "{what}");
        assert_eq!(
            after.summary.response_status, before.response_status,
            "{what}"
        );
        if before.response_status != 413 {
            // Derived again from the same bytes: the same rows and answer.
            assert_eq!(after.summary, before.summary, "{what}");
        } else {
            assert_eq!(after.summary.rows.len(), 1, "{what}");
            assert_eq!(after.summary.rows[0].status(), Status::Error, "{what}");
        }
    }
    let dups: Vec<&str> = read[6]
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("x-dup"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(dups, ["a", "b"]);

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

    let newer = text.replacen(r#""version":1"#, r#""version":2"#, 1);
    assert!(
        matches!(
            file::read(newer.as_bytes(), &routes),
            Err(FileError::NewerVersion(2))
        ),
        "version 2"
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

/// Dropping the listener joins only the accept thread; a request thread that
/// has already answered 200 may send its capture after the owner stopped
/// draining (`headless::listen` drains right after the drop). Seen here in
/// about 2% of the runs.
#[test]
fn every_acknowledged_request_is_on_the_channel_once_the_listener_is_dropped() {
    let mut lost = 0;
    for _ in 0..300 {
        let h = start();
        let reply = post(&agent(), &h.url("/job"), JOB_DELETE);
        assert_eq!(reply.status, 200);
        let Harness { listener, events } = h;
        drop(listener);
        if events.try_recv().is_err() {
            lost += 1;
        }
    }
    assert_eq!(
        lost, 0,
        "acknowledged requests missing after the drop, of 300"
    );
}
