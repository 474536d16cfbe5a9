//! Opening files: the format comes from the content, and every file that is
//! not a session, a HAR file or a webhook payload is refused with a reason.

mod common;

use std::io::Write;

use common::{AsReceived, SAMPLES, assert_same, request};
use hookscope::capture::{Capture, Routes, received_now};
use hookscope::session::open::{self, Format};
use hookscope::task::Progress;

fn capture(id: u64, url: &str, body: &[u8]) -> Capture {
    request(url, body)
        .id(id)
        .at(received_now())
        .header("X-Dup", "a")
        .header("X-Dup", "b")
        .capture()
}

fn session_bytes(captures: &[impl AsReceived]) -> Vec<u8> {
    common::session_bytes(captures, common::at("2026-11-26T21:00:03+00:00"))
}

fn write_temp(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("write a temp file");
    path
}

fn mixed_captures() -> Vec<Capture> {
    let large = format!(
        "[{{\"event\":\"update\",\"type\":\"job\",\"data\":{{\"job_id\":1,\"job_description\":\"{}\"}}}}]",
        "x".repeat(3 << 20)
    );
    vec![
        capture(1, "/job", SAMPLES[0].body.as_bytes()),
        capture(2, "/candidate", SAMPLES[3].body.as_bytes()),
        capture(3, "/job", &[0xff, 0xfe, b'{', 0x00]),
        capture(4, "/job", b""),
        capture(5, "/job", large.as_bytes()),
        // A status the bytes do not explain (the journal could not be
        // written): the file's word stands.
        request("/candidate", SAMPLES[5].body)
            .id(6)
            .at(received_now())
            .recorded(503)
            .capture(),
    ]
}

#[test]
fn a_session_file_is_read_a_line_at_a_time_and_round_trips() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let captures = mixed_captures();
    let bytes = session_bytes(&captures);
    let path = write_temp(&dir, "session.json", &bytes);
    let progress = Progress::default();

    let open::Opened {
        format,
        captures: read,
        ..
    } = open::read_file(&path, &Routes::default(), &progress).expect("open");
    assert_eq!(format, Format::Session);
    assert_same(&read, &captures);
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

    let open::Opened {
        format,
        captures: read,
        ..
    } = open::read_file(&path, &Routes::default(), &Progress::default()).expect("open");
    assert_eq!(format, Format::Session);
    assert_same(&read, &captures);
}

#[test]
fn a_har_file_opens_as_har() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let captures = mixed_captures();
    let out = common::har_bytes(&captures, "http://127.0.0.1:8090");
    let path = write_temp(&dir, "session.har", &out);

    let open::Opened {
        format,
        captures: read,
        ..
    } = open::read_file(&path, &Routes::default(), &Progress::default()).expect("open");
    assert_eq!(format, Format::Har);
    assert_same(&read, &captures);
}

#[test]
fn every_spec_sample_opens_as_a_payload_marked_with_its_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    for sample in SAMPLES {
        let name = sample.name;
        let path = write_temp(&dir, name, sample.body.as_bytes());
        let open::Opened {
            format,
            captures: read,
            ..
        } = open::read_file(&path, &Routes::default(), &Progress::default()).expect("open");
        assert_eq!(format, Format::Payload, "{name}");
        assert_eq!(read.len(), 1);
        let capture = &read[0];
        assert_eq!(capture.head.remote(), format!("file {name}"));
        assert_eq!(&capture.body[..], sample.body.as_bytes());
        assert_eq!(capture.head.url(), sample.path);
        assert_eq!(capture.status(), 200, "{name}");
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
            br#"{"format":"hookscope-session","version":4,"exported_at":"x","captures":[
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
