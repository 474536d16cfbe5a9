//! Bodies sent with a Content-Encoding, against the real listener: decoded
//! for the answer, the rows and display, with the exact bytes kept.

mod common;

use std::io::Write;
use std::time::Duration;

use common::listening::Listening;
use flate2::Compression;
use flate2::write::{GzEncoder, ZlibEncoder};
use hookscope::capture::{Answer, Coding, Refusal};
use hookscope::hs::EventKind;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).expect("compress");
    encoder.finish().expect("compress")
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).expect("compress");
    encoder.finish().expect("compress")
}

#[test]
fn gzip_and_deflate_bodies_are_decoded_and_kept_as_sent() {
    let listening = Listening::start(Duration::from_secs(10));
    let cases = [
        (
            "gzip",
            Coding::Gzip,
            gzip(common::CANDIDATE_CREATION.as_bytes()),
        ),
        (
            "deflate",
            Coding::Deflate,
            zlib(common::CANDIDATE_CREATION.as_bytes()),
        ),
    ];
    for (name, coding, sent) in cases {
        let reply = listening.post_encoded("/candidate", name, &sent);
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (200, r#"{"received":1}"#),
            "{name}"
        );
        let capture = listening.next_capture();
        assert_eq!(
            &capture.body[..],
            &sent[..],
            "{name}: the bytes as received"
        );
        let decoded = capture.decoded.as_ref().expect("decoded");
        assert_eq!(decoded.codings, vec![coding]);
        assert_eq!(decoded.names(), name);
        assert_eq!(capture.content(), common::CANDIDATE_CREATION.as_bytes());
        let row = &capture.summary.rows()[0];
        assert_eq!(row.event(), Some(EventKind::Creation));
        assert_eq!(row.entity_id.as_deref(), Some("1234567876"));
        assert_eq!(row.status().as_str(), "ok", "{:?}", capture.findings(0));
    }
}

#[test]
fn an_unknown_encoding_is_captured_flagged_and_answered_415() {
    let listening = Listening::start(Duration::from_secs(10));
    let reply = listening.post_encoded("/job", "br", b"\x0b\x02\x80");
    assert_eq!(reply.status, 415, "{}", reply.body);
    assert!(reply.body.contains("\\\"br\\\""), "{}", reply.body);
    let capture = listening.next_capture();
    assert_eq!(
        capture.answer,
        Answer::refused(Refusal::UnknownEncoding {
            coding: "br".to_owned()
        })
    );
    assert_eq!(&capture.body[..], b"\x0b\x02\x80");
    let findings = capture.findings(0);
    assert!(
        findings
            .iter()
            .any(|f| f.message.contains("cannot decode") && f.level == hookscope::hs::Level::Error),
        "{findings:?}"
    );
}

#[test]
fn a_body_that_is_not_what_its_encoding_says_gets_400() {
    let listening = Listening::start(Duration::from_secs(10));
    let reply = listening.post_encoded("/job", "gzip", common::JOB_CREATION.as_bytes());
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body.contains("not valid gzip"), "{}", reply.body);
    let capture = listening.next_capture();
    assert!(
        matches!(&capture.answer, Answer::Refused(r) if matches!(**r, Refusal::BadEncoding { .. }))
    );
    assert_eq!(&capture.body[..], common::JOB_CREATION.as_bytes());
}
