//! Properties over arbitrary input: the readers never panic, whatever the
//! bytes; the cheap envelope check agrees with the full parse; files and
//! journals give back exactly the captures (and exchanges) written to them.

mod common;

use std::io::Cursor;
use std::path::Path;

use chrono::{DateTime, FixedOffset, TimeZone};
use proptest::prelude::*;

use hookscope::capture::{Received, RequestHead, Routes};
use hookscope::hs::{self, Level};
use hookscope::journal;
use hookscope::outbound::{
    Exchange, Failure, ForwardMode, Origin, OutRequest, OutResponse, Outcome,
};
use hookscope::session::{file, har, open};
use hookscope::task::Progress;

const SAMPLES: [&str; 6] = [
    common::JOB_CREATION,
    common::JOB_UPDATE,
    common::JOB_DELETE,
    common::CANDIDATE_CREATION,
    common::CANDIDATE_UPDATE,
    common::CANDIDATE_DELETE,
];

/// A message with the detail of a JSON syntax error left out: the cheap
/// check and the full parse word and place them differently ("EOF while
/// parsing a value" / "an object", a column apart), and the rows repeat the
/// cheap check's words (checked below).
fn unplaced(message: &str) -> &str {
    const SYNTAX: &str = "the body is not valid JSON";
    if message.starts_with(SYNTAX) {
        SYNTAX
    } else {
        message
    }
}

/// What makes a body not a webhook, as the full parse says it: every
/// error of the body or of an envelope, pointers from the body's root.
fn rejections(body: &[u8]) -> Vec<(String, String)> {
    let elements = match hs::parse_body(body) {
        Err(e) => return vec![(String::new(), unplaced(&e.to_string()).to_owned())],
        Ok(elements) => elements,
    };
    let single = elements.len() == 1 && body.trim_ascii_start().first() == Some(&b'{');
    let mut out = Vec::new();
    for (i, element) in elements.iter().enumerate() {
        let prefix = if single {
            String::new()
        } else {
            format!("/{i}")
        };
        match element {
            Ok(envelope) => out.extend(
                envelope
                    .findings
                    .iter()
                    .filter(|f| f.level == Level::Error)
                    .map(|f| (format!("{prefix}{}", f.pointer), f.message.clone())),
            ),
            Err(message) => out.push((prefix, message.clone())),
        }
    }
    out
}

/// JSON values shaped like webhooks, often broken: envelopes with or
/// without their keys, of the right or wrong kinds, in arrays or alone.
fn json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop_oneof![
            Just("creation"),
            Just("update"),
            Just("delete"),
            Just("job"),
            Just("candidate"),
            Just("é\u{0}\"\\")
        ]
        .prop_map(|s| json!(s)),
    ];
    let key = prop_oneof![
        Just("event"),
        Just("type"),
        Just("data"),
        Just("job_id"),
        Just("id"),
        Just("other")
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..5).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

/// Bodies: webhook-like JSON, the samples cut or edited, and any bytes.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json().prop_map(|v| v.to_string().into_bytes()),
        (0..SAMPLES.len(), any::<prop::sample::Index>())
            .prop_map(|(s, cut)| SAMPLES[s].as_bytes()[..cut.index(SAMPLES[s].len() + 1)].to_vec()),
        (0..SAMPLES.len(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(s, at, byte)| {
            let mut bytes = SAMPLES[s].as_bytes().to_vec();
            let at = at.index(bytes.len());
            bytes[at] = byte;
            bytes
        }),
        prop::collection::vec(any::<u8>(), 0..256),
    ]
}

fn time() -> impl Strategy<Value = DateTime<FixedOffset>> {
    (0i64..4_102_444_800_000, -720i32..=840).prop_map(|(millis, minutes)| {
        let offset =
            FixedOffset::east_opt(minutes * 60).unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
        offset
            .timestamp_millis_opt(millis)
            .single()
            .unwrap_or_else(|| offset.timestamp_millis_opt(0).single().expect("the epoch"))
    })
}

/// Any capture: any method and target, headers with duplicates and any
/// text, any body bytes, any recorded status.
fn received(header_value: BoxedStrategy<Vec<u8>>) -> impl Strategy<Value = Received> {
    let header = (
        prop_oneof![
            Just("Content-Type".to_owned()),
            Just("X-Dup".to_owned()),
            "[A-Za-z][A-Za-z0-9-]{0,15}"
        ],
        header_value,
    );
    (
        1u64..1_000_000,
        time(),
        "[A-Z]{1,8}",
        "/[A-Za-z0-9/?=&%._~-]{0,30}",
        prop::collection::vec(header, 0..6),
        body(),
        prop_oneof![
            Just(200u16),
            Just(400),
            Just(404),
            Just(405),
            Just(408),
            Just(413),
            Just(503)
        ],
    )
        .prop_map(|(id, at, method, url, headers, body, status)| {
            let head = RequestHead::new(&method, &url, "127.0.0.1:50000", headers);
            Received::loaded(id, at, head, body, Some(status), &Routes::default())
        })
}

fn text_values() -> BoxedStrategy<Vec<u8>> {
    any::<String>().prop_map(String::into_bytes).boxed()
}

fn byte_values() -> BoxedStrategy<Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..24).boxed()
}

/// What a file must give back: everything received, and the status sent.
fn same(a: &Received, b: &Received) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.id, b.id);
    prop_assert_eq!(a.received_at, b.received_at);
    prop_assert_eq!(&a.head, &b.head);
    prop_assert_eq!(&a.body, &b.body);
    prop_assert_eq!(a.status(), b.status());
    Ok(())
}

fn session_bytes(captures: &[Received]) -> Vec<u8> {
    session_with(captures, &[])
}

fn session_with(captures: &[Received], exchanges: &[Exchange]) -> Vec<u8> {
    let at = FixedOffset::east_opt(0)
        .and_then(|utc| utc.timestamp_opt(0, 0).single())
        .expect("the epoch");
    common::session_with(captures, exchanges, at)
}

/// Any headers: duplicates, any text.
fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        Just("Content-Type".to_owned()),
        Just("X-Dup".to_owned()),
        any::<String>()
    ];
    prop::collection::vec((name, any::<String>()), 0..5)
}

fn bytes() -> impl Strategy<Value = Box<[u8]>> {
    prop_oneof![
        any::<String>().prop_map(|s| s.into_bytes().into_boxed_slice()),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Vec::into_boxed_slice),
    ]
}

/// Any exchange: any origin (naming capture 1, which the tests write), any
/// request and answer bytes, or any failure; times to the microsecond.
fn exchange() -> impl Strategy<Value = Exchange> {
    let origin = prop_oneof![
        Just(Origin::Send),
        (any::<String>(), any::<String>()).prop_map(|(name, step)| Origin::Scenario { name, step }),
        Just(Origin::Replay { capture: 1 }),
        Just(Origin::Forward {
            capture: 1,
            mode: ForwardMode::Copy
        }),
        Just(Origin::Forward {
            capture: 1,
            mode: ForwardMode::Proxy
        }),
    ];
    let response =
        (100u16..1000, headers(), bytes()).prop_map(|(status, headers, body)| OutResponse {
            status,
            headers,
            body,
        });
    let failure = prop_oneof![
        any::<String>().prop_map(Failure::Unreachable),
        any::<u64>().prop_map(Failure::TimedOut),
        any::<String>().prop_map(Failure::Other),
    ];
    let result = prop_oneof![response.prop_map(Ok), failure.prop_map(Err)];
    (
        1u64..1_000_000,
        time(),
        origin,
        (
            "[A-Z]{1,8}",
            "https?://[a-z0-9.:]{1,20}/[ -~]{0,30}",
            headers(),
            bytes(),
        ),
        0u64..10_000_000_000,
        result,
    )
        .prop_map(
            |(id, started_at, origin, (method, url, headers, body), micros, result)| Exchange {
                id,
                started_at,
                origin,
                request: OutRequest {
                    method,
                    url,
                    headers,
                    body,
                },
                outcome: Outcome {
                    elapsed: std::time::Duration::from_micros(micros),
                    result,
                },
            },
        )
}

fn mutate(mut bytes: Vec<u8>, edits: &[(prop::sample::Index, u8, u8)]) -> Vec<u8> {
    for (at, byte, how) in edits {
        if bytes.is_empty() {
            break;
        }
        let at = at.index(bytes.len());
        match how {
            0 => bytes[at] = *byte,
            1 => {
                bytes.remove(at);
            }
            2 => bytes.insert(at, *byte),
            _ => bytes.truncate(at),
        }
    }
    bytes
}

/// Feeds `bytes` to every reader; none may panic, whatever they say.
fn read_everywhere(bytes: &[u8]) {
    let routes = Routes::default();
    let _ = file::read(bytes, &routes);
    let _ = file::read_lines(Cursor::new(bytes), &routes, &Progress::default());
    let _ = har::read(bytes, &routes, "fuzz.har");
    let _ = journal::parse(Path::new("fuzz.jsonl"), bytes, &routes);
    let _ = open::read("fuzz", bytes, &routes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_envelope_check_agrees_with_the_full_parse(body in body()) {
        let expected = rejections(&body);
        match hs::shape::check(&body) {
            Ok(events) => {
                prop_assert!(expected.is_empty(), "accepted, but {expected:?}");
                let parsed = hs::parse_body(&body).map(|e| e.len()).unwrap_or(0);
                prop_assert_eq!(events, parsed);
            }
            Err(problems) => {
                let got: Vec<(String, String)> = problems
                    .iter()
                    .map(|f| (f.pointer.clone(), unplaced(&f.message).to_owned()))
                    .collect();
                prop_assert_eq!(got, expected);
                // The rows say what the sender was told.
                let routes = Routes::default();
                let head = RequestHead::new("POST", "/job", "127.0.0.1:1", [("", ""); 0]);
                let capture = Received::loaded(1, common::time(0), head, body.clone(), None, &routes)
                    .summarise(&routes);
                prop_assert_eq!(capture.status(), 400);
                let shown: Vec<String> = capture.all_findings().concat().into_iter().map(|f| f.message).collect();
                for problem in &problems {
                    prop_assert!(shown.contains(&problem.message), "{:?} not in {:?}", problem.message, shown);
                }
            }
        }
    }

    #[test]
    fn readers_never_panic_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        read_everywhere(&bytes);
    }

    #[test]
    fn readers_never_panic_on_damaged_files(
        captures in prop::collection::vec(received(text_values()), 1..4),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..6),
    ) {
        let session = session_bytes(&captures);
        let mut har_bytes = Vec::new();
        har::write(&mut har_bytes, &captures, &[], "http://127.0.0.1:8090").expect("HAR");
        let mut journal_bytes = b"{\"format\":\"hookscope-journal\",\"version\":2,\"started_at\":null}\n".to_vec();
        for capture in &captures {
            journal::encode(capture, &mut journal_bytes).expect("record");
        }
        for bytes in [session, har_bytes, journal_bytes] {
            read_everywhere(&mutate(bytes, &edits));
        }
    }

    #[test]
    fn a_session_file_gives_back_what_was_written(captures in prop::collection::vec(received(text_values()), 0..6)) {
        let bytes = session_bytes(&captures);
        let routes = Routes::default();
        let read = file::read(&bytes, &routes).expect("the whole file").captures;
        prop_assert_eq!(read.len(), captures.len());
        for (a, b) in captures.iter().zip(&read) {
            same(a, b)?;
        }
        let lines = file::read_lines(Cursor::new(&bytes), &routes, &Progress::default())
            .expect("a line at a time")
            .captures;
        prop_assert_eq!(lines.len(), captures.len());
        for (a, b) in captures.iter().zip(&lines) {
            same(a, b)?;
        }
        // And writing what was read gives the same bytes.
        prop_assert_eq!(session_bytes(&read), bytes);
    }

    #[test]
    fn a_session_file_gives_back_any_exchanges(
        mut captures in prop::collection::vec(received(byte_values()), 1..3),
        exchanges in prop::collection::vec(exchange(), 0..6),
    ) {
        // The exchanges' origins name capture 1: write it.
        captures[0].id = 1;
        let bytes = session_with(&captures, &exchanges);
        let routes = Routes::default();
        let read = file::read(&bytes, &routes).expect("the whole file");
        prop_assert_eq!(&read.exchanges, &exchanges);
        let lines = file::read_lines(Cursor::new(&bytes), &routes, &Progress::default())
            .expect("a line at a time");
        prop_assert_eq!(&lines.exchanges, &exchanges);
        prop_assert_eq!(session_with(&read.captures, &read.exchanges), bytes);
        // A HAR file gives them back too, after the captures.
        let har_bytes = common::har_with(&captures, &exchanges, "http://127.0.0.1:8090");
        let har = har::read(&har_bytes, &routes, "x.har").expect("HAR");
        prop_assert_eq!(har.captures.len(), captures.len());
        prop_assert_eq!(&har.exchanges, &exchanges);
        read_everywhere(&har_bytes);
    }

    #[test]
    fn a_journal_gives_back_every_byte_and_the_answer(captures in prop::collection::vec(received(byte_values()), 0..6)) {
        let mut bytes = b"{\"format\":\"hookscope-journal\",\"version\":2,\"started_at\":null}\n".to_vec();
        for capture in &captures {
            journal::encode(capture, &mut bytes).expect("record");
        }
        let read = journal::parse(Path::new("j.jsonl"), &bytes, &Routes::default()).expect("read");
        prop_assert_eq!(read.len(), captures.len());
        for (a, b) in captures.iter().zip(&read) {
            same(a, b)?;
            prop_assert_eq!(&a.answer, &b.answer);
        }
    }

    #[test]
    fn a_har_file_gives_back_what_was_written(captures in prop::collection::vec(received(text_values()), 1..6)) {
        let mut bytes = Vec::new();
        har::write(&mut bytes, &captures, &[], "http://127.0.0.1:8090").expect("HAR");
        let read = har::read(&bytes, &Routes::default(), "x.har").expect("read").captures;
        prop_assert_eq!(read.len(), captures.len());
        for (a, b) in captures.iter().zip(&read) {
            same(a, b)?;
        }
    }
}

/// The one place the cheap check reads less than the full parse: a value
/// the parse cannot hold, deep in `data`, is accepted (the sender gets 200)
/// and the row says what is wrong, as for any other problem in the data.
#[test]
fn a_value_past_what_the_parse_holds_is_accepted_and_shown_on_the_row() {
    for body in [
        r#"{"event":"creation","type":"job","data":{"job_id":1,"x":1e400}}"#,
        r#"{"event":"creation","type":"job","data":{"job_id":1,"x":"\ud800"}}"#,
    ] {
        assert_eq!(hs::shape::check(body.as_bytes()), Ok(1), "{body}");
        let routes = Routes::default();
        let head = RequestHead::new("POST", "/job", "127.0.0.1:1", [("", ""); 0]);
        let capture = Received::loaded(1, common::time(0), head, body.into(), None, &routes)
            .summarise(&routes);
        assert_eq!(capture.status(), 200);
        let findings = capture.findings(0);
        assert!(
            findings
                .iter()
                .any(|f| f.level == Level::Error && f.message.contains("not valid JSON")),
            "{body}: {findings:?}"
        );
    }
}
