//! Opening files: the format comes from the content, and every file that is
//! not a session, a HAR file or a webhook payload is refused with a reason.

use std::io::Write;

use hookscope::capture::{Capture, Routes, Summary, received_now};
use hookscope::session::open::{self, Format, SAMPLES};
use hookscope::session::{file, har};
use hookscope::task::Progress;

fn capture(id: u64, url: &str, body: &[u8]) -> Capture {
    Capture {
        id,
        received_at: received_now(),
        remote_addr: "127.0.0.1:50000".to_owned(),
        method: "POST".to_owned(),
        url: url.to_owned(),
        headers: vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-Dup".to_owned(), "a".to_owned()),
            ("X-Dup".to_owned(), "b".to_owned()),
        ],
        body: body.to_vec(),
        response_status: 200,
        summary: Summary::of_request("POST", url, body, &Routes::default()),
    }
}

fn session_bytes(captures: &[Capture]) -> Vec<u8> {
    let exported_at = chrono::DateTime::parse_from_rfc3339("2026-11-26T21:00:03+00:00")
        .expect("a fixed export time");
    let mut out = Vec::new();
    file::write(&mut out, captures, exported_at).expect("write a session");
    out
}

fn write_temp(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("write a temp file");
    path
}

fn assert_same(a: &[Capture], b: &[Capture]) {
    assert_eq!(a.len(), b.len());
    for (a, b) in a.iter().zip(b) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.received_at, b.received_at);
        assert_eq!(a.remote_addr, b.remote_addr);
        assert_eq!(a.method, b.method);
        assert_eq!(a.url, b.url);
        assert_eq!(a.headers, b.headers);
        assert_eq!(a.body, b.body);
        assert_eq!(a.response_status, b.response_status);
        assert_eq!(a.summary, b.summary);
    }
}

fn mixed_captures() -> Vec<Capture> {
    let large = format!(
        "[{{\"event\":\"update\",\"type\":\"job\",\"data\":{{\"job_id\":1,\"job_description\":\"{}\"}}}}]",
        "x".repeat(3 << 20)
    );
    vec![
        capture(1, "/job", SAMPLES[0].1.as_bytes()),
        capture(2, "/candidate", SAMPLES[3].1.as_bytes()),
        capture(3, "/job", &[0xff, 0xfe, b'{', 0x00]),
        capture(4, "/job", b""),
        capture(5, "/job", large.as_bytes()),
    ]
}

#[test]
fn a_session_file_is_read_a_line_at_a_time_and_round_trips() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let captures = mixed_captures();
    let bytes = session_bytes(&captures);
    let path = write_temp(&dir, "session.json", &bytes);
    let progress = Progress::default();

    let (format, read) = open::read_file(&path, &Routes::default(), &progress).expect("open");
    assert_eq!(format, Format::Session);
    assert_same(&captures, &read);
    assert_eq!(progress.fraction(), Some(1.0));
    assert!(
        session_bytes(&read) == bytes,
        "export, import, export is byte-identical"
    );
}

#[test]
fn a_session_laid_out_differently_still_opens() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let captures = mixed_captures();
    let value: serde_json::Value =
        serde_json::from_slice(&session_bytes(&captures)).expect("valid JSON");
    let pretty = serde_json::to_vec_pretty(&value).expect("pretty");
    let path = write_temp(&dir, "pretty.json", &pretty);

    let (format, read) =
        open::read_file(&path, &Routes::default(), &Progress::default()).expect("open");
    assert_eq!(format, Format::Session);
    assert_same(&captures, &read);
}

#[test]
fn a_har_file_opens_as_har() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let captures = mixed_captures();
    let mut out = Vec::new();
    har::write(&mut out, &captures, "http://127.0.0.1:8090").expect("HAR");
    let path = write_temp(&dir, "session.har", &out);

    let (format, read) =
        open::read_file(&path, &Routes::default(), &Progress::default()).expect("open");
    assert_eq!(format, Format::Har);
    assert_same(&captures, &read);
}

#[test]
fn every_spec_sample_opens_as_a_payload_marked_with_its_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    for (name, body) in SAMPLES {
        let path = write_temp(&dir, name, body.as_bytes());
        let (format, read) =
            open::read_file(&path, &Routes::default(), &Progress::default()).expect("open");
        assert_eq!(format, Format::Payload, "{name}");
        assert_eq!(read.len(), 1);
        let capture = &read[0];
        assert_eq!(capture.remote_addr, format!("file {name}"));
        assert_eq!(capture.body, body.as_bytes());
        let expected = if name.starts_with("job") {
            "/job"
        } else {
            "/candidate"
        };
        assert_eq!(capture.url, expected);
        assert_eq!(capture.summary.response_status, 200, "{name}");
    }
}

#[test]
fn files_that_are_none_of_these_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let good = session_bytes(&mixed_captures()[..2]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.json",
            good[..good.len() / 2].to_vec(),
            "cut short",
        ),
        (
            "other.json",
            br#"{"format":"something-else","version":1,"captures":[]}"#.to_vec(),
            "not a hookscope session",
        ),
        (
            "newer.json",
            br#"{"format":"hookscope-session","version":2,"exported_at":"x","captures":[
]}"#
            .to_vec(),
            "newer",
        ),
        (
            "empty.har",
            br#"{"log":{"version":"1.2","entries":[]}}"#.to_vec(),
            "no entries",
        ),
        (
            "binary.bin",
            vec![0x89, b'P', b'N', b'G', 0, 1, 2, 0xff],
            "UTF-8",
        ),
        (
            "notes.txt",
            b"hello".to_vec(),
            "not a hookscope session, a HAR file or a webhook payload",
        ),
        ("object.json", br#"{"foo": 1}"#.to_vec(), "no envelope"),
        ("empty.json", Vec::new(), "empty"),
    ];
    for (name, bytes, reason) in cases {
        let path = write_temp(&dir, name, &bytes);
        let error =
            open::read_file(&path, &Routes::default(), &Progress::default()).expect_err(name);
        assert!(
            error.to_lowercase().contains(&reason.to_lowercase()),
            "{name}: {error:?} should mention {reason:?}"
        );
    }
    let missing = dir.path().join("missing.json");
    assert!(open::read_file(&missing, &Routes::default(), &Progress::default()).is_err());
}

#[test]
fn a_cancelled_read_stops_with_no_captures() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = write_temp(&dir, "session.json", &session_bytes(&mixed_captures()));
    let progress = Progress::default();
    progress.cancel();
    let error = open::read_file(&path, &Routes::default(), &progress).expect_err("cancelled");
    assert!(error.contains("cancelled"), "{error}");
}
