//! Session files version 2: sends, scenario steps, replays, forwards (answered
//! or failed) and replaced answers round-trip byte for byte; version 1 files
//! still open; a newer version is refused clearly; opened exchanges reach the
//! session naming their captures by the ids these were given; the CLI's
//! `export --har` and `validate` read version 2.

mod common;

use std::io::Cursor;
use std::time::Duration;

use common::{exchange, failed, replaced, request, time};
use hookscope::capture::answer::ReplacedBy;
use hookscope::capture::{Answer, Received, Routes};
use hookscope::loading::{Drained, Loaded, Loading};
use hookscope::outbound::{Exchange, Failure, ForwardMode, Origin};
use hookscope::session::exchanges::Exchanges;
use hookscope::session::file::{self, FileError};
use hookscope::session::open::{self, Format};
use hookscope::task::Progress;
use hookscope::waker::Waker;

/// Three captures, two answered otherwise than hookscope would have: one by
/// the path's chosen answer, one by a proxy that got nothing (a body that
/// is not UTF-8).
fn captures() -> Vec<Received> {
    let plain = request("/job", common::JOB_CREATION)
        .id(1)
        .at(time(1))
        .received();
    let chosen = replaced(
        request("/candidate", common::CANDIDATE_CREATION)
            .id(2)
            .at(time(2))
            .received(),
        503,
        b"try later",
        ReplacedBy::Chosen { delay_ms: 1500 },
    );
    let proxied = replaced(
        request("/job", common::JOB_UPDATE)
            .id(3)
            .at(time(3))
            .received(),
        502,
        b"\xff\x00not utf-8",
        ReplacedBy::ProxyFailed {
            reason: "connection refused".to_owned(),
        },
    );
    vec![plain, chosen, proxied]
}

/// One of each: a send, a scenario step (an answer that is not UTF-8), a
/// replay answered 500, forwards answered, unreachable and timed out.
fn exchanges() -> Vec<Exchange> {
    let mut step = exchange(
        2,
        Origin::Scenario {
            name: "lifecycle".to_owned(),
            step: "job creation".to_owned(),
        },
    );
    if let Ok(response) = &mut step.outcome.result {
        response.body = b"\x80\x81binary".to_vec().into_boxed_slice();
    }
    let mut replay = exchange(3, Origin::Replay { capture: 2 });
    replay.request.body = b"\xfe edited, not UTF-8".to_vec().into_boxed_slice();
    if let Ok(response) = &mut replay.outcome.result {
        response.status = 500;
    }
    let forward = |capture, mode| Origin::Forward { capture, mode };
    vec![
        exchange(1, Origin::Send),
        step,
        replay,
        exchange(4, forward(1, ForwardMode::Copy)),
        failed(
            exchange(5, forward(2, ForwardMode::Copy)),
            Failure::Unreachable("connection refused".to_owned()),
        ),
        failed(
            exchange(6, forward(3, ForwardMode::Proxy)),
            Failure::TimedOut(30_000),
        ),
        failed(
            exchange(7, Origin::Send),
            Failure::Other("invalid header value".to_owned()),
        ),
    ]
}

#[test]
fn exchanges_and_replaced_answers_round_trip_byte_for_byte() {
    let (captures, exchanges) = (captures(), exchanges());
    let bytes = common::session_with(&captures, &exchanges, time(0));
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("\"version\":3"), "{text}");
    // One record per line: header, 3 captures, the exchanges' line, 7, end.
    assert_eq!(text.lines().count(), 1 + 3 + 1 + 7 + 1, "{text}");

    let routes = Routes::default();
    let read = file::read(&bytes, &routes).expect("a session");
    let lines = file::read_lines(Cursor::new(&bytes), &routes, &Progress::default())
        .expect("a line at a time");
    for got in [&read, &lines] {
        assert_eq!(got.exchanges, exchanges);
        common::assert_same(&got.captures, &captures);
        assert!(matches!(got.captures[0].answer, Answer::Received { .. }));
    }
    let again = common::session_with(&read.captures, &read.exchanges, time(0));
    assert!(again == bytes, "{}", String::from_utf8_lossy(&again));
}

#[test]
fn a_plain_capture_stays_as_compact_as_in_version_1() {
    let bytes = common::session_with(&captures()[..1], &[], time(0));
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("\"response\""), "{text}");
    assert!(text.ends_with("\n],\"exchanges\":[\n]}\n"), "{text}");
}

/// A file as hookscope 0.x wrote it before exchanges.
const VERSION_1: &str = concat!(
    r#"{"format":"hookscope-session","version":1,"exported_at":"2026-11-26T21:00:00+01:00","captures":["#,
    "\n",
    r#"{"id":4,"received_at":"2026-11-26T21:00:01.000+01:00","remote_addr":"127.0.0.1:50000","method":"POST","url":"/job","headers":[["Content-Type","application/json"]],"body":"{\"event\":\"delete\",\"type\":\"job\",\"data\":{\"job_id\":1}}","body_base64":null,"response_status":200},"#,
    "\n",
    r#"{"id":5,"received_at":"2026-11-26T21:00:02.000+01:00","remote_addr":"127.0.0.1:50001","method":"POST","url":"/nowhere","headers":[],"body":null,"body_base64":"/w==","response_status":404}"#,
    "\n]}\n"
);

#[test]
fn a_version_1_file_still_opens() {
    let routes = Routes::default();
    for read in [
        file::read(VERSION_1.as_bytes(), &routes).expect("whole"),
        file::read_lines(VERSION_1.as_bytes(), &routes, &Progress::default()).expect("lines"),
    ] {
        assert!(read.exchanges.is_empty());
        let ids: Vec<u64> = read.captures.iter().map(|c| c.id).collect();
        assert_eq!(ids, [4, 5]);
        assert_eq!(read.captures[0].status(), 200);
        assert_eq!(read.captures[1].status(), 404);
        assert_eq!(&read.captures[1].body[..], b"\xff");
    }
    let opened = open::read("old.json", VERSION_1.as_bytes(), &routes).expect("open");
    assert_eq!(opened.format, Format::Session);
    assert_eq!(opened.captures.len(), 2);
}

#[test]
fn a_newer_version_is_refused_clearly() {
    let bytes = common::session_with(&captures(), &exchanges(), time(0));
    let newer = String::from_utf8_lossy(&bytes).replacen("\"version\":3", "\"version\":4", 1);
    let routes = Routes::default();
    let whole = file::read(newer.as_bytes(), &routes).unwrap_err();
    let lines = file::read_lines(newer.as_bytes(), &routes, &Progress::default()).unwrap_err();
    for error in [whole, lines] {
        assert!(matches!(error, FileError::NewerVersion(4)), "{error:?}");
        assert_eq!(
            error.to_string(),
            "session version 4 is newer than this hookscope reads (up to 3)"
        );
    }
}

#[test]
fn a_bad_exchange_is_named() {
    let bytes = common::session_with(&captures(), &exchanges(), time(0));
    let broken = String::from_utf8_lossy(&bytes).replacen(
        "\"started_at\":\"",
        "\"started_at\":\"yesterday",
        1,
    );
    let routes = Routes::default();
    let error = file::read(broken.as_bytes(), &routes).unwrap_err();
    assert!(
        matches!(&error, FileError::BadExchange { index: 0, reason } if reason.contains("yesterday")),
        "{error:?}"
    );
    let error = file::read_lines(broken.as_bytes(), &routes, &Progress::default()).unwrap_err();
    assert!(
        matches!(error, FileError::BadExchange { index: 0, .. }),
        "{error:?}"
    );
}

#[test]
fn an_export_of_some_captures_leaves_out_the_exchanges_of_the_others() {
    let captures = captures();
    let bytes = common::session_with(&captures[..1], &exchanges(), time(0));
    let read = file::read(&bytes, &Routes::default()).expect("a session");
    let ids: Vec<u64> = read.exchanges.iter().map(|e| e.id).collect();
    // Sends and the scenario step stay, with the forward of capture 1.
    assert_eq!(ids, [1, 2, 4, 7]);
}

/// Loads `loaded` as the window does, numbering a capture anew when its id
/// does not come after the last one inserted.
fn load(loaded: Loaded, last_id: &mut u64) -> Vec<Exchange> {
    let mut loading =
        Loading::start(loaded, Routes::default(), Waker::new()).expect("loading starts");
    let deadline = std::time::Instant::now() + common::WAIT;
    loop {
        let drained = loading.drain(Duration::from_millis(8), |mut capture| {
            if capture.id <= *last_id {
                capture.id = *last_id + 1;
            }
            *last_id = capture.id;
            capture.id
        });
        match drained {
            Drained::Done => break,
            _ => std::thread::sleep(Duration::from_millis(1)),
        }
        assert!(std::time::Instant::now() < deadline, "loading never ended");
    }
    loading.take_exchanges()
}

#[test]
fn opened_exchanges_name_their_captures_by_their_new_ids() {
    let bytes = common::session_with(&captures(), &exchanges(), time(0));
    let routes = Routes::default();
    // The same file twice: the second file's captures become 4, 5 and 6.
    let mut loaded = Loaded::default();
    for _ in 0..2 {
        let opened = open::read("s.json", &bytes, &routes).expect("open");
        loaded.add(opened.captures, opened.exchanges, opened.marks);
    }
    assert_eq!(loaded.exchange_count(), 14);
    let mut last_id = 0;
    let read = load(loaded, &mut last_id);
    assert_eq!(last_id, 6);

    let mut session = Exchanges::default();
    session.push(exchange(1, Origin::Send));
    let next = session.add_loaded(read);
    assert_eq!(next, 16);
    let all = session.all();
    let ids: Vec<u64> = all.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=15).collect::<Vec<_>>(), "unique and in order");
    let captured: Vec<Option<u64>> = all.iter().map(|e| file::capture_of(&e.origin)).collect();
    let first = [None, None, Some(2), Some(1), Some(2), Some(3), None];
    let second = [None, None, Some(5), Some(4), Some(5), Some(6), None];
    assert_eq!(captured[1..8], first);
    assert_eq!(captured[8..], second);
    assert_eq!(session.forward_of(6).map(|e| e.id), Some(14));
}

#[test]
fn the_cli_exports_and_validates_version_2_files() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let session = dir.path().join("session.json");
    std::fs::write(
        &session,
        common::session_with(&captures(), &exchanges(), time(0)),
    )
    .expect("write");
    let har = dir.path().join("session.har");
    let output = common::run_to_end(&[
        "export",
        session.to_str().expect("utf-8"),
        "--har",
        har.to_str().expect("utf-8"),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.contains("wrote 10 HAR entries"), "{stdout}");
    let read = hookscope::session::har::read(
        &std::fs::read(&har).expect("the HAR"),
        &Routes::default(),
        "session.har",
    )
    .expect("a HAR");
    assert_eq!(read.captures.len(), 3);
    assert_eq!(read.exchanges, exchanges());

    let output = common::run_to_end(&["validate", session.to_str().expect("utf-8")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("hookscope session, 3 captures"),
        "{output:?}"
    );
}
