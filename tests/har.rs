//! HAR 1.2 export and import: exact round trips, what DevTools and
//! `har-validator` need, tolerant reading of browser HARs, malformed files,
//! and `hookscope export SESSION --har OUT` with the real binary.

mod common;

use std::path::Path;
use std::process::Output;

use chrono::{DateTime, Duration, FixedOffset};
use common::{
    AsReceived, CANDIDATE_CREATION, SAMPLES, assert_same_request, har_validator, header_pairs,
    request,
};
use hookscope::capture::{Answer, Capture, Received, Refusal, Routes};
use hookscope::session::{file, har};
use serde_json::{Value, json};

const ORIGIN: &str = "http://127.0.0.1:8090";
/// Not UTF-8 anywhere near the start: a lone continuation byte, then 0xFF.
const NOT_UTF8: &[u8] = b"\x80{\"event\":\"creation\"}\xff\xfe\x00";

fn time(millis_after: i64) -> DateTime<FixedOffset> {
    common::at("2026-11-26T21:00:00.123+02:00") + Duration::milliseconds(millis_after)
}

/// A capture as the listener would make it, its summary derived from it.
fn capture(id: u64, method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Capture {
    capture_on(&Routes::default(), id, method, url, headers, body)
}

fn capture_on(
    routes: &Routes,
    id: u64,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Capture {
    request(url, body)
        .id(id)
        .method(method)
        .at(time(id as i64 * 1_001))
        .remote(format!("127.0.0.1:{}", 50_000 + id))
        .headers(headers)
        .capture_on(routes)
}

fn sample_captures() -> Vec<Capture> {
    SAMPLES
        .iter()
        .enumerate()
        .map(|(i, sample)| {
            let length = sample.body.len().to_string();
            capture(
                i as u64 + 1,
                "POST",
                sample.path,
                &json_headers("127.0.0.1:8090", &length),
                sample.body.as_bytes(),
            )
        })
        .collect()
}

fn json_headers<'a>(host: &'a str, length: &'a str) -> [(&'a str, &'a str); 4] {
    [
        ("Host", host),
        ("User-Agent", "HS-Webhooks/1.0"),
        ("Content-Type", "application/json"),
        ("Content-Length", length),
    ]
}

/// A body announced at 64 GiB, refused unread by a listener capped at
/// 10 MiB, as the listener answered it.
fn oversize_capture(id: u64) -> Capture {
    let mut received: Received = request("/job", b"")
        .id(id)
        .at(time(id as i64 * 1_001))
        .remote(format!("127.0.0.1:{}", 50_000 + id))
        .headers(&[
            ("Host", "localhost:8090"),
            ("Content-Length", "68719476736"),
        ])
        .received();
    received.answer = Answer::refused(Refusal::TooLarge {
        announced: Some(68_719_476_736),
        cap: Some(10 << 20),
    });
    received.summarise(&Routes::default())
}

/// Every kind of capture a round trip must keep exactly.
fn edge_captures() -> Vec<Capture> {
    let mut large = String::from("[");
    while large.len() < 2 << 20 {
        if large.len() > 1 {
            large.push(',');
        }
        large.push_str(CANDIDATE_CREATION.trim());
    }
    large.push(']');

    let mut captures = sample_captures();
    let mut next = captures.len() as u64 + 1;
    let mut add = |c: fn(u64) -> Capture| {
        captures.push(c(next));
        next += 1;
    };
    add(|id| {
        capture(
            id,
            "POST",
            "/job",
            &[
                ("Host", "127.0.0.1:8090"),
                ("Content-Type", "application/octet-stream"),
            ],
            NOT_UTF8,
        )
    });
    add(|id| capture(id, "POST", "/candidate", &[("Host", "127.0.0.1:8090")], b""));
    add(|id| {
        capture(
            id,
            "POST",
            "/job?source=ats&x=%20y",
            &[
                ("Host", "127.0.0.1:8090"),
                ("X-Dup", "first"),
                ("Content-Type", "application/json"),
                ("x-dup", "second"),
                ("X-Dup", "first"),
                ("X-Empty", ""),
            ],
            SAMPLES[0].body.as_bytes(),
        )
    });
    add(|id| {
        capture(
            id,
            "POST",
            "/job",
            &[("Host", "127.0.0.1:8090")],
            b"{\"event\": \"creation\", \"type\": ",
        )
    });
    add(oversize_capture);
    add(|id| capture(id, "GET", "/job", &[("Host", "127.0.0.1:8090")], b""));
    add(|id| {
        capture(
            id,
            "POST",
            "/elsewhere?q=1",
            &[("Host", "127.0.0.1:8090")],
            b"{}",
        )
    });
    let length = large.len().to_string();
    captures.push(capture(
        next,
        "POST",
        "/candidate",
        &json_headers("127.0.0.1:8090", &length),
        large.as_bytes(),
    ));
    // Targets that are not plain path+query: they come back through `_url`.
    let mut next = captures.len() as u64 + 1;
    for url in [
        "/job?name=José Ü&tag=a#b",
        "/job?broken=%zz&pct=%41",
        "*",
        "http://example.test/job?abs=1",
    ] {
        captures.push(capture(next, "OPTIONS", url, &[], b""));
        next += 1;
    }
    // No Host header, and a Host header that is not an authority.
    captures.push(capture(
        next,
        "POST",
        "/job",
        &[],
        SAMPLES[2].body.as_bytes(),
    ));
    captures.push(capture(
        next + 1,
        "POST",
        "/job",
        &[("Host", "evil host/with?junk")],
        SAMPLES[2].body.as_bytes(),
    ));
    captures
}

fn to_har<R: AsReceived>(captures: &[R], origin: &str) -> Vec<u8> {
    common::har_bytes(captures, origin)
}

/// What a HAR read back must keep of a capture: the request exactly, its
/// status, and (but for a 413 that went through a session file) its answer
/// and rows.
fn assert_same(expected: &Capture, actual: &Received) {
    let id = expected.id;
    assert_same_request(actual, expected);
    assert_eq!(actual.status(), expected.status(), "capture {id}");
    let actual = actual.clone().summarise(&Routes::default());
    if expected.status() == 413 {
        // The native session file does not keep why a body was refused
        // (the cap); the HAR does (see the round trip).
        assert_eq!(actual.summary.rows().len(), 1, "capture {id}");
    } else {
        assert_eq!(actual.answer, expected.answer, "capture {id}");
        assert_eq!(actual.summary, expected.summary, "capture {id}");
    }
}

#[test]
fn captures_round_trip_through_har_exactly() {
    let captures = edge_captures();
    let bytes = to_har(&captures, ORIGIN);
    let read = har::read(&bytes, &Routes::default(), "session.har")
        .unwrap()
        .captures;
    assert_eq!(read.len(), captures.len());
    for (expected, actual) in captures.iter().zip(&read) {
        assert_same(expected, actual);
        // The HAR keeps even why a body was refused.
        assert_eq!(actual.answer, expected.answer, "capture {}", expected.id);
        assert_eq!(
            actual.clone().summarise(&Routes::default()).summary,
            expected.summary,
            "capture {}",
            expected.id
        );
    }
    // The statuses the round trip covers.
    let statuses: Vec<u16> = read.iter().map(|c| c.status()).collect();
    for status in [200, 400, 404, 405, 413] {
        assert!(statuses.contains(&status), "no {status} in {statuses:?}");
    }
    // And writing what was read gives the same file.
    assert!(to_har(&read, ORIGIN) == bytes, "HAR → read → HAR changed");
}

fn entries(har: &Value) -> &Vec<Value> {
    har["log"]["entries"].as_array().unwrap()
}

fn entry_by_id(har: &Value, id: u64) -> &Value {
    entries(har)
        .iter()
        .find(|e| e["_id"] == json!(id))
        .unwrap_or_else(|| panic!("no entry with _id {id}"))
}

#[test]
fn har_has_what_devtools_and_the_validator_need() {
    let captures = edge_captures();
    let har: Value = serde_json::from_slice(&to_har(&captures, ORIGIN)).unwrap();
    let log = &har["log"];
    assert_eq!(log["version"], "1.2");
    assert_eq!(log["creator"]["name"], "hookscope");
    assert_eq!(log["creator"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(log["pages"], json!([]));
    assert_eq!(entries(&har).len(), captures.len());

    for (capture, entry) in captures.iter().zip(entries(&har)) {
        let at = format!("entry {}", capture.id);
        let started = entry["startedDateTime"].as_str().unwrap();
        assert_eq!(started, capture.received_at_text(), "{at}");
        assert_eq!(&started[19..20], ".", "{at}: {started}");
        assert!(started[20..23].bytes().all(|b| b.is_ascii_digit()), "{at}");
        for number in [
            &entry["time"],
            &entry["timings"]["send"],
            &entry["timings"]["wait"],
            &entry["timings"]["receive"],
            &entry["request"]["headersSize"],
            &entry["request"]["bodySize"],
            &entry["response"]["status"],
            &entry["response"]["headersSize"],
            &entry["response"]["bodySize"],
            &entry["response"]["content"]["size"],
        ] {
            assert!(number.is_number(), "{at}: {number} in {entry}");
        }
        assert_eq!(entry["cache"], json!({}), "{at}");
        let request = &entry["request"];
        assert_eq!(request["method"], capture.head.method(), "{at}");
        assert_eq!(request["httpVersion"], "HTTP/1.1", "{at}");
        assert_eq!(request["cookies"], json!([]), "{at}");
        assert!(request["queryString"].is_array(), "{at}");
        assert_eq!(request["bodySize"], json!(capture.body.len()), "{at}");
        let url = request["url"].as_str().unwrap();
        assert!(
            url.starts_with("http://") && !url.contains(' '),
            "{at}: {url}"
        );
        let headers = request["headers"].as_array().unwrap();
        let sent = header_pairs(capture);
        assert_eq!(headers.len(), sent.len(), "{at}");
        for (header, (name, value)) in headers.iter().zip(&sent) {
            assert_eq!(header, &json!({"name": name, "value": value}), "{at}");
        }

        let response = &entry["response"];
        assert_eq!(response["status"], json!(capture.status()), "{at}");
        assert!(!response["statusText"].as_str().unwrap().is_empty(), "{at}");
        assert_eq!(response["httpVersion"], "HTTP/1.1", "{at}");
        assert_eq!(response["redirectURL"], "", "{at}");
        assert_eq!(response["cookies"], json!([]), "{at}");
        assert_eq!(response["content"]["mimeType"], "application/json", "{at}");
        assert_eq!(response["content"]["text"], capture.response_body(), "{at}");
        assert_eq!(
            response["content"]["size"],
            json!(capture.response_body().len()),
            "{at}"
        );
        assert!(
            response["headers"]
                .as_array()
                .unwrap()
                .contains(&json!({"name": "Content-Type", "value": "application/json"})),
            "{at}"
        );
        assert_eq!(entry["_remoteAddr"], capture.head.remote(), "{at}");
    }

    // A sample: absolute URL from the Host header, JSON body as text, 200.
    let job = entry_by_id(&har, 1);
    assert_eq!(job["request"]["url"], "http://127.0.0.1:8090/job");
    assert_eq!(job["request"]["postData"]["mimeType"], "application/json");
    assert_eq!(job["request"]["postData"]["text"], SAMPLES[0].body);
    assert!(job["request"]["postData"].get("_bodyBase64").is_none());
    assert!(job["request"].get("_url").is_none());
    assert_eq!(job["response"]["status"], 200);
    assert_eq!(job["response"]["statusText"], "OK");
    assert_eq!(job["response"]["content"]["text"], r#"{"received":1}"#);
    let request_line_and_headers = "POST /job HTTP/1.1\r\n".len()
        + header_pairs(&captures[0])
            .iter()
            .map(|(n, v)| n.len() + v.len() + 4)
            .sum::<usize>()
        + 2;
    assert_eq!(
        job["request"]["headersSize"],
        json!(request_line_and_headers)
    );

    // Not UTF-8: empty text, exact bytes in _bodyBase64.
    let binary = captures.iter().find(|c| &c.body[..] == NOT_UTF8).unwrap();
    let binary = &entry_by_id(&har, binary.id)["request"]["postData"];
    assert_eq!(binary["text"], "");
    assert_eq!(binary["mimeType"], "application/octet-stream");
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(NOT_UTF8);
    assert_eq!(binary["_bodyBase64"], encoded.as_str());

    // An empty body has no postData.
    let empty = captures
        .iter()
        .find(|c| c.body.is_empty() && c.head.method() == "POST" && c.status() == 400)
        .unwrap();
    let empty = &entry_by_id(&har, empty.id)["request"];
    assert!(empty.get("postData").is_none(), "{empty}");
    assert_eq!(empty["bodySize"], 0);

    // The query string, decoded.
    let query = captures
        .iter()
        .find(|c| c.head.url().starts_with("/job?source"))
        .unwrap();
    let query = &entry_by_id(&har, query.id)["request"];
    assert_eq!(query["url"], "http://127.0.0.1:8090/job?source=ats&x=%20y");
    assert_eq!(
        query["queryString"],
        json!([{"name": "source", "value": "ats"}, {"name": "x", "value": " y"}])
    );

    // 413: the refusal that was sent.
    let oversize = captures.iter().find(|c| c.status() == 413).unwrap();
    let oversize = &entry_by_id(&har, oversize.id)["response"];
    // The reason phrase the listener sends (RFC 9110's name for 413).
    assert_eq!(oversize["statusText"], "Content Too Large");
    let body: Value = serde_json::from_str(oversize["content"]["text"].as_str().unwrap()).unwrap();
    assert_eq!(body["max_body"], 10 << 20);
}

#[test]
fn urls_are_absolute_valid_uris_and_read_back_exactly() {
    let captures = edge_captures();
    let har: Value =
        serde_json::from_slice(&to_har(&captures, "http://example.test:9000/")).unwrap();
    let url_of = |target: &str| {
        let c = captures
            .iter()
            .rev()
            .find(|c| c.head.url() == target)
            .unwrap();
        let request = &entry_by_id(&har, c.id)["request"];
        (
            request["url"].as_str().unwrap().to_owned(),
            request.get("_url").cloned(),
        )
    };
    // Non-ASCII, spaces and a literal `#` are percent-encoded; `_url` keeps
    // the target as received.
    let (url, exact) = url_of("/job?name=José Ü&tag=a#b");
    assert_eq!(
        url,
        "http://example.test:9000/job?name=Jos%C3%A9%20%C3%9C&tag=a%23b"
    );
    assert_eq!(exact, Some(json!("/job?name=José Ü&tag=a#b")));
    let (url, _) = url_of("/job?broken=%zz&pct=%41");
    assert_eq!(url, "http://example.test:9000/job?broken=%25zz&pct=%41");
    let (url, exact) = url_of("*");
    assert_eq!(url, "http://example.test:9000/*");
    assert_eq!(exact, Some(json!("*")));
    let (url, exact) = url_of("http://example.test/job?abs=1");
    assert_eq!(url, "http://example.test/job?abs=1");
    assert_eq!(exact, Some(json!("http://example.test/job?abs=1")));
    // No Host header, or one that is not an authority: the origin.
    let no_host = captures
        .iter()
        .find(|c| c.head.header_count() == 0 && c.head.method() == "POST")
        .unwrap();
    assert_eq!(
        entry_by_id(&har, no_host.id)["request"]["url"],
        "http://example.test:9000/job"
    );
    let bad_host = captures.last().unwrap();
    assert_eq!(
        entry_by_id(&har, bad_host.id)["request"]["url"],
        "http://example.test:9000/job"
    );
}

#[test]
fn browser_entries_are_read_tolerantly() {
    let har = json!({"log": {
        "version": "1.2",
        "creator": {"name": "WebInspector", "version": "537.36"},
        "pages": [{"startedDateTime": "2024-05-01T10:00:00.000Z", "id": "page_1",
                   "title": "x", "pageTimings": {}}],
        "entries": [
            {
                "pageref": "page_1",
                "_initiator": {"type": "other"},
                "_priority": "High",
                "startedDateTime": "2024-05-01T10:00:00.456Z",
                "time": 12.5,
                "request": {
                    "method": "POST",
                    "url": "https://hooks.example.com/candidate?from=form#section",
                    "httpVersion": "http/2.0",
                    "headers": [
                        {"name": ":authority", "value": "hooks.example.com"},
                        {"name": "content-type", "value": "application/x-www-form-urlencoded"},
                        {"value": "no name: skipped"},
                        {"name": "x-number", "value": 5}
                    ],
                    "queryString": [{"name": "from", "value": "form"}],
                    "cookies": [],
                    "headersSize": -1,
                    "bodySize": 13,
                    "postData": {
                        "mimeType": "application/x-www-form-urlencoded",
                        "params": [{"name": "a b", "value": "1&2"}, {"name": "c", "value": "é"}]
                    }
                },
                "response": {"status": 0, "statusText": "", "_error": "net::ERR_FAILED"},
                "cache": {},
                "timings": {"send": 0, "wait": 0, "receive": 0}
            },
            {
                "startedDateTime": "2024-05-01T12:00:00.789+0200",
                "request": {"method": "GET", "url": "http://127.0.0.1:8090/job"},
                "response": {"status": 405},
                "_id": "7"
            },
            {
                "startedDateTime": "2024-05-01T10:00:01.000Z",
                "request": {
                    "method": "POST",
                    "url": "http://127.0.0.1:8090/job",
                    "postData": {"mimeType": "application/json", "text": SAMPLES[0].body}
                }
            },
            {
                "startedDateTime": "2024-05-01T10:00:02.000Z",
                "request": {
                    "method": "POST",
                    "url": "http://127.0.0.1:8090/job",
                    "postData": {"mimeType": "application/json", "encoding": "base64",
                                 "text": "gP8="}
                }
            }
        ]
    }});
    let bytes = serde_json::to_vec(&har).unwrap();
    let read = har::read(&bytes, &Routes::default(), "chrome.har")
        .unwrap()
        .captures;
    assert_eq!(read.len(), 4);

    let form = &read[0];
    assert_eq!(form.head.method(), "POST");
    assert_eq!(form.head.url(), "/candidate?from=form");
    assert_eq!(form.head.remote(), "chrome.har");
    assert_eq!(&form.body[..], b"a+b=1%262&c=%C3%A9");
    assert_eq!(
        header_pairs(form),
        vec![
            (":authority".to_owned(), "hooks.example.com".to_owned()),
            (
                "content-type".to_owned(),
                "application/x-www-form-urlencoded".to_owned()
            ),
            ("x-number".to_owned(), "5".to_owned()),
        ]
    );
    assert_eq!(form.received_at_text(), "2024-05-01T10:00:00.456+00:00");
    // Status 0 (a failed browser request) is no status: what hookscope answers.
    assert_eq!(form.status(), 400);

    let get = &read[1];
    assert_eq!(get.id, 7);
    assert_eq!(get.head.url(), "/job");
    assert!(get.body.is_empty());
    assert_eq!(get.status(), 405);
    assert_eq!(get.received_at_text(), "2024-05-01T12:00:00.789+02:00");

    let json_post = &read[2];
    assert_eq!(&json_post.body[..], SAMPLES[0].body.as_bytes());
    assert_eq!(json_post.status(), 200);
    let json_post = json_post.clone().summarise(&Routes::default());
    assert_eq!(json_post.summary.rows()[0].label, common::JOB_TITLE);
    assert_eq!(&read[3].body[..], b"\x80\xff");

    // Entries without `_id` are numbered after the largest one.
    let mut ids: Vec<u64> = read.iter().map(|c| c.id).collect();
    ids.sort();
    assert_eq!(ids, vec![7, 8, 9, 10]);
}

#[test]
fn malformed_files_give_the_right_error() {
    let routes = Routes::default();
    let good = to_har(&sample_captures(), ORIGIN);
    let error = |bytes: &[u8]| har::read(bytes, &routes, "x.har").unwrap_err();

    let truncated = error(&good[..good.len() / 2]);
    assert!(matches!(truncated, har::HarError::Json(_)), "{truncated:?}");
    assert!(truncated.to_string().starts_with("not valid JSON"));

    let binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    assert!(matches!(error(&binary), har::HarError::Json(_)));
    assert!(matches!(
        error(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        har::HarError::Json(_)
    ));

    let no_entries = error(br#"{"log":{}}"#);
    assert!(
        matches!(no_entries, har::HarError::NotHar(_)),
        "{no_entries:?}"
    );
    assert!(
        no_entries.to_string().contains("log.entries"),
        "{no_entries}"
    );
    for not_har in [
        &b"[1, 2]"[..],
        br#"{"log": []}"#,
        br#"{"log": {"entries": {}}}"#,
        SAMPLES[0].body.as_bytes(),
    ] {
        let e = error(not_har);
        assert!(matches!(e, har::HarError::NotHar(_)), "{e:?}");
    }
    // A native session file is not a HAR.
    let session = common::session_bytes(&sample_captures(), time(0));
    assert!(matches!(error(&session), har::HarError::NotHar(_)));

    let empty =
        error(br#"{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[]}}"#);
    assert!(matches!(empty, har::HarError::NoEntries), "{empty:?}");
    assert!(empty.to_string().contains("no entries"));
    // An empty session's HAR is valid HAR, and has no entries to open.
    assert!(matches!(
        error(&to_har::<Capture>(&[], ORIGIN)),
        har::HarError::NoEntries
    ));

    let entry = |request: Value| {
        let mut doc: Value = serde_json::from_slice(&good).unwrap();
        doc["log"]["entries"][1]["request"] = request;
        error(&serde_json::to_vec(&doc).unwrap())
    };
    for (request, reason) in [
        (json!({"url": "http://h/job"}), "method"),
        (json!({"method": "POST"}), "url"),
        (json!({"method": "", "url": "http://h/job"}), "method"),
        (json!("GET /"), "request"),
        (
            json!({"method": "POST", "url": "http://h/job",
                   "postData": {"mimeType": "", "_bodyBase64": "%%%"}}),
            "base64",
        ),
    ] {
        let e = entry(request.clone());
        match &e {
            har::HarError::BadEntry {
                index: 1,
                reason: r,
            } => {
                assert!(r.contains(reason), "{request}: {r}")
            }
            other => panic!("{request}: {other:?}"),
        }
        assert!(e.to_string().starts_with("HAR entry 1: "), "{e}");
    }
    let mut doc: Value = serde_json::from_slice(&good).unwrap();
    doc["log"]["entries"][2]["startedDateTime"] = json!("yesterday");
    let e = error(&serde_json::to_vec(&doc).unwrap());
    assert!(
        matches!(&e, har::HarError::BadEntry { index: 2, reason } if reason.contains("yesterday")),
        "{e:?}"
    );
}

// ---------------------------------------------------------------------------
// The real binary

fn hookscope(args: &[&std::ffi::OsStr], data_dir: &Path) -> Output {
    common::hookscope(&[])
        .args(args)
        .env("HOOKSCOPE_DATA_DIR", data_dir)
        .output()
        .expect("run hookscope")
}

fn export(session: &Path, out: &Path, data_dir: &Path) -> Output {
    hookscope(
        &[
            "export".as_ref(),
            session.as_os_str(),
            "--har".as_ref(),
            out.as_os_str(),
        ],
        data_dir,
    )
}

fn write_session(path: &Path, captures: &[Capture]) {
    std::fs::write(path, common::session_bytes(captures, time(0))).unwrap();
}

#[test]
fn export_command_writes_the_session_as_har() {
    let dir = tempfile::tempdir().unwrap();
    let captures = edge_captures();
    let session = dir.path().join("session.json");
    write_session(&session, &captures);
    let out = dir.path().join("session.har");

    let output = export(&session, &out, dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("wrote {} HAR entries", captures.len())),
        "{stdout}"
    );
    let bytes = std::fs::read(&out).unwrap();
    let read = har::read(&bytes, &Routes::default(), "session.har")
        .unwrap()
        .captures;
    assert_eq!(read.len(), captures.len());
    for (expected, actual) in captures.iter().zip(&read) {
        assert_same(expected, actual);
    }
    // The command writes what `har::write` writes of the session.
    let from_session = file::read(&std::fs::read(&session).unwrap(), &Routes::default())
        .unwrap()
        .captures;
    assert!(bytes == to_har(&from_session, ORIGIN));
}

#[test]
fn export_command_names_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.har");

    let missing = dir.path().join("no-such-session.json");
    let output = export(&missing, &out, dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains(&*missing.to_string_lossy()), "{stderr}");
    assert!(!out.exists());

    let not_session = dir.path().join("job.json");
    std::fs::write(&not_session, SAMPLES[0].body).unwrap();
    let output = export(&not_session, &out, dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("job.json"), "{stderr}");
    assert!(!out.exists());

    // The HAR may not overwrite the session it is made from.
    let session = dir.path().join("session.json");
    write_session(&session, &sample_captures());
    let before = std::fs::read(&session).unwrap();
    let output = export(&session, &session, dir.path());
    assert!(!output.status.success());
    assert_eq!(std::fs::read(&session).unwrap(), before);
}

#[test]
fn export_command_sends_the_responses_of_custom_webhook_paths() {
    // Captured with --job-path /hooks/job: the session file does not say so,
    // but the 200s it recorded do.
    let routes = Routes {
        job_path: "/hooks/job".to_owned(),
        candidate_path: "/hooks/candidate".to_owned(),
    };
    let captures: Vec<Capture> = SAMPLES
        .iter()
        .enumerate()
        .map(|(i, sample)| {
            let url = format!("/hooks{}", sample.path);
            capture_on(
                &routes,
                i as u64 + 1,
                "POST",
                &url,
                &[],
                sample.body.as_bytes(),
            )
        })
        .collect();
    assert!(captures.iter().all(|c| c.status() == 200));
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("custom.json");
    write_session(&session, &captures);
    let out = dir.path().join("custom.har");
    assert!(export(&session, &out, dir.path()).status.success());

    let har: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    for (capture, entry) in captures.iter().zip(entries(&har)) {
        assert_eq!(entry["response"]["status"], 200);
        assert_eq!(
            entry["response"]["content"]["text"],
            capture.response_body(),
            "{}",
            capture.head.url()
        );
    }
}

#[test]
fn har_output_passes_har_validator() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();

    // Through the command: an empty session and the six samples.
    for (name, captures) in [
        ("empty", Vec::<Capture>::new()),
        ("samples", sample_captures()),
    ] {
        let session = dir.path().join(format!("{name}.json"));
        write_session(&session, &captures);
        let out = dir.path().join(format!("{name}.har"));
        let output = export(&session, &out, dir.path());
        assert!(output.status.success(), "{output:?}");
        files.push(out);
    }
    // Each sample alone, the non-UTF-8 body alone, and every edge case.
    for capture in sample_captures() {
        let path = dir.path().join(format!("sample-{}.har", capture.id));
        std::fs::write(&path, to_har(std::slice::from_ref(&capture), ORIGIN)).unwrap();
        files.push(path);
    }
    let not_utf8: Vec<Capture> = edge_captures()
        .into_iter()
        .filter(|c| &c.body[..] == NOT_UTF8)
        .collect();
    assert_eq!(not_utf8.len(), 1);
    for (name, captures) in [("not-utf8", not_utf8), ("edge", edge_captures())] {
        let path = dir.path().join(format!("{name}.har"));
        std::fs::write(&path, to_har(&captures, ORIGIN)).unwrap();
        files.push(path);
    }

    let Some(output) = har_validator(&files) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stdout.matches("valid: ").count(), files.len(), "{stdout}");
}

#[test]
fn har_validator_rejects_a_broken_har() {
    // So that the check above cannot pass without consulting the validator.
    let dir = tempfile::tempdir().unwrap();
    let mut har: Value = serde_json::from_slice(&to_har(&sample_captures(), ORIGIN)).unwrap();
    har["log"].as_object_mut().unwrap().remove("creator");
    let no_creator = dir.path().join("no-creator.har");
    std::fs::write(&no_creator, serde_json::to_vec(&har).unwrap()).unwrap();

    let mut har: Value = serde_json::from_slice(&to_har(&sample_captures(), ORIGIN)).unwrap();
    har["log"]["entries"][0]["response"]["status"] = json!("200");
    let string_status = dir.path().join("string-status.har");
    std::fs::write(&string_status, serde_json::to_vec(&har).unwrap()).unwrap();

    for (path, complaint) in [(no_creator, "creator"), (string_status, ".status")] {
        let Some(output) = har_validator(std::slice::from_ref(&path)) else {
            return;
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        let validator_lines: Vec<&str> = stderr
            .lines()
            .filter(|l| l.trim_start().starts_with("har-validator:"))
            .collect();
        assert!(
            validator_lines.iter().any(|l| l.contains(complaint)),
            "{}: {stderr}",
            path.display()
        );
    }
}

/// Exchanges (answered, failed, bodies that are not UTF-8) and a replaced
/// answer: entries of their own, after the captures and in order, valid for
/// har-validator, and read back as exchanges rather than captures.
#[test]
fn exchanges_are_entries_of_their_own() {
    use common::{exchange, failed, replaced};
    use hookscope::capture::answer::ReplacedBy;
    use hookscope::outbound::{Failure, ForwardMode, Origin};

    let mut captures: Vec<Received> = sample_captures()
        .into_iter()
        .take(2)
        .map(|c| c.into_received())
        .collect();
    captures[1] = replaced(
        captures[1].clone(),
        418,
        b"\xffteapot",
        ReplacedBy::FailOneIn { n: 3 },
    );
    let mut binary = exchange(2, Origin::Replay { capture: 1 });
    binary.request.url = "http://127.0.0.1:9000/job?x=a b".to_owned();
    binary.request.body = NOT_UTF8.to_vec().into_boxed_slice();
    if let Ok(response) = &mut binary.outcome.result {
        response.body = NOT_UTF8.to_vec().into_boxed_slice();
        response
            .headers
            .push(("Location".to_owned(), "/elsewhere".to_owned()));
    }
    let exchanges = vec![
        exchange(1, Origin::Send),
        binary,
        failed(
            exchange(
                3,
                Origin::Forward {
                    capture: 2,
                    mode: ForwardMode::Copy,
                },
            ),
            Failure::Unreachable("connection refused".to_owned()),
        ),
        failed(exchange(4, Origin::Send), Failure::TimedOut(5000)),
    ];
    let bytes = common::har_with(&captures, &exchanges, ORIGIN);
    let har: Value = serde_json::from_slice(&bytes).unwrap();
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 6);
    let marks: Vec<Option<u64>> = entries
        .iter()
        .map(|e| e["_hookscope"]["exchange"].as_u64())
        .collect();
    assert_eq!(marks, [None, None, Some(1), Some(2), Some(3), Some(4)]);
    // The answer actually sent for the replaced one.
    assert_eq!(entries[1]["response"]["status"], 418);
    assert_eq!(entries[1]["response"]["content"]["encoding"], "base64");
    assert_eq!(entries[3]["response"]["redirectURL"], "/elsewhere");
    let failure = &entries[4]["response"];
    assert_eq!(failure["status"], 0);
    assert_eq!(failure["_error"], "unreachable: connection refused");

    let read = har::read(&bytes, &Routes::default(), "x.har").unwrap();
    assert_eq!(read.captures.len(), 2);
    assert_eq!(read.captures[1].status(), 418);
    assert_eq!(read.exchanges, exchanges);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exchanges.har");
    std::fs::write(&path, &bytes).unwrap();
    let Some(output) = har_validator(std::slice::from_ref(&path)) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
}
