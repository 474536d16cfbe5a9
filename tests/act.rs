//! Acting on webhooks from the command line, over real HTTP on 127.0.0.1:
//! `hookscope send`, `scenario`, `replay` and `curl` against a real
//! listener (whose captures show exactly what arrived) or a target that
//! fails on purpose.

mod common;

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::listening::Listening;
use common::target::{Behaviour, Target, closed_url};
use common::{
    CANDIDATE_CREATION, JOB_CREATION, JOB_DELETE, PROCESS_WAIT, header_pairs, request, run_to_end,
    session_bytes, time,
};
use hookscope::act::{self, SendOptions};
use hookscope::capture::{Capture, Received};
use hookscope::outbound::{Client, Scenario, ScenarioOptions, ScenarioUrls, Timeouts};

fn target() -> Listening {
    Listening::start(Duration::from_secs(10))
}

fn client() -> Client {
    Client::new(Timeouts {
        connect: Duration::from_secs(5),
        total: Duration::from_secs(10),
    })
}

/// Headers as they arrived, minus those the sender computes (`Host`, `Content-Length`).
fn sent_headers(received: &impl common::AsReceived) -> Vec<(String, String)> {
    header_pairs(received)
        .into_iter()
        .filter(|(n, _)| {
            !n.eq_ignore_ascii_case("host") && !n.eq_ignore_ascii_case("content-length")
        })
        .collect()
}

/// The same with names in lower case: hookscope's client (ureq, through the
/// `http` crate) sends header names in lower case, which HTTP allows (names
/// are case-insensitive); values and order are kept exactly.
fn sent_headers_any_case(received: &impl common::AsReceived) -> Vec<(String, String)> {
    lower_names(sent_headers(received))
}

fn lower_names(headers: Vec<(String, String)>) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("an exit code, not a signal")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Three captures as a session file: a candidate with hop-by-hop headers,
/// a gzip job body sent chunked, and a job delete whose Host is `host`.
fn session_file(dir: &Path, host: &str) -> (PathBuf, Vec<Received>) {
    let captures = vec![
        request("/candidate?source=ats&n=1", CANDIDATE_CREATION)
            .id(5)
            .headers(&[
                ("Host", "old-host:1"),
                ("Content-Type", "application/json"),
                ("Connection", "keep-alive, X-Hop"),
                ("X-Hop", "hop"),
                ("X-Signature", "sha256=one"),
                ("Content-Length", "7042"),
                ("x-signature", "sha256=two"),
            ])
            .received(),
        request("/job", gzip(JOB_CREATION.as_bytes()))
            .id(9)
            .headers(&[
                ("Content-Type", "application/json"),
                ("Content-Encoding", "gzip"),
                ("Transfer-Encoding", "chunked"),
            ])
            .received(),
        request("/job", JOB_DELETE)
            .id(12)
            .headers(&[("Host", host), ("Content-Type", "application/json")])
            .received(),
    ];
    let path = dir.join("captured.hookscope.json");
    std::fs::write(&path, session_bytes(&captures, time(0))).expect("write the session");
    (path, captures)
}

/// What a replay of `original` must deliver: its end-to-end headers.
fn replayed_headers(id: u64) -> Vec<(String, String)> {
    match id {
        5 => pairs(&[
            ("Content-Type", "application/json"),
            ("X-Signature", "sha256=one"),
            ("x-signature", "sha256=two"),
        ]),
        9 => pairs(&[
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ]),
        _ => pairs(&[("Content-Type", "application/json")]),
    }
}

// ---- send ----------------------------------------------------------------------------

#[test]
fn send_delivers_the_exact_bytes_and_headers_given() {
    let target = target();
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("body.json");
    // A trailing CRLF and a non-ASCII name: bytes, not text, are sent.
    let body = format!("{CANDIDATE_CREATION}\r\n").into_bytes();
    std::fs::write(&file, &body).expect("write the body");
    let options = SendOptions {
        url: target.url("/candidate?from=send"),
        bodies: vec![file.display().to_string(), "sample:job_delete".to_owned()],
        headers: vec![
            "X-Signature: sha256=abc".to_owned(),
            "X-Trace:  a b ".to_owned(),
        ],
        repeat: 2,
        concurrency: 3,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = act::send(&options, &client(), &mut out, &mut err);
    let out = String::from_utf8(out).expect("UTF-8");
    assert_eq!(
        status,
        act::ALL_2XX,
        "{out}{}",
        String::from_utf8_lossy(&err)
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with('#')).count(),
        4,
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("#1 200 ") && l.contains("ms {")),
        "{out}"
    );
    let summary = out.lines().last().unwrap_or_default();
    assert!(summary.starts_with("4 requests in "), "{summary}");
    assert!(summary.contains(": 0 not 2xx; p50 "), "{summary}");

    let captures: Vec<Capture> = (0..4).map(|_| target.next_capture()).collect();
    let mut candidates = 0;
    for capture in &captures {
        assert_eq!(capture.head.url(), "/candidate?from=send");
        assert_eq!(capture.head.method(), "POST");
        if &capture.body[..] == body.as_slice() {
            candidates += 1;
        } else {
            assert_eq!(&capture.body[..], JOB_DELETE.as_bytes());
        }
        assert_eq!(
            sent_headers_any_case(capture),
            lower_names(pairs(&[
                ("Content-Type", "application/json"),
                ("X-Signature", "sha256=abc"),
                ("X-Trace", "a b"),
            ]))
        );
    }
    assert_eq!(candidates, 2);
}

#[test]
fn send_exits_0_only_when_every_answer_was_2xx() {
    let target = target();
    let ok = run_to_end(&["send", &target.url("/job"), "sample:job_creation"]);
    assert_eq!(code(&ok), 0, "{}{}", stdout(&ok), stderr(&ok));
    assert!(stdout(&ok).starts_with("#1 200 "), "{}", stdout(&ok));
    assert_eq!(&target.next_capture().body[..], JOB_CREATION.as_bytes());

    let failing = Target::start(Behaviour::status(500));
    let answered_500 = run_to_end(&[
        "send",
        &failing.url("/job"),
        "sample:job_creation",
        "--repeat",
        "3",
    ]);
    assert_eq!(code(&answered_500), 1, "{}", stdout(&answered_500));
    assert!(
        stdout(&answered_500).contains("#3 500 "),
        "{}",
        stdout(&answered_500)
    );
    assert!(
        stdout(&answered_500).contains(": 3 not 2xx;"),
        "{}",
        stdout(&answered_500)
    );
    assert_eq!(failing.requests(), 3);

    let refused = run_to_end(&["send", &closed_url("/job"), "sample:job_delete"]);
    assert_eq!(code(&refused), 1, "{}", stdout(&refused));
    assert!(
        stdout(&refused).contains("#1 unreachable"),
        "{}",
        stdout(&refused)
    );

    let missing = run_to_end(&["send", &target.url("/job"), "/no/such/body.json"]);
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("cannot read /no/such/body.json"),
        "{}",
        stderr(&missing)
    );
    let nothing = run_to_end(&["send", &target.url("/job")]);
    assert_eq!(code(&nothing), 2);
    assert!(
        stderr(&nothing).contains("nothing to send"),
        "{}",
        stderr(&nothing)
    );
    assert_eq!(target.stats().requests, 1, "bad arguments send nothing");
}

// ---- scenario ------------------------------------------------------------------------

fn run_scenario(target: &Listening, scenario: Scenario, options: &ScenarioOptions) -> String {
    let urls = ScenarioUrls {
        job: target.url("/job"),
        candidate: target.url("/candidate"),
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let status = act::scenario(scenario, &urls, options, 4, &client(), &mut out, &mut err);
    let out = String::from_utf8(out).expect("UTF-8");
    assert_eq!(
        status,
        act::ALL_2XX,
        "{scenario}: {out}{}",
        String::from_utf8_lossy(&err)
    );
    assert!(!out.contains("FAILED"), "{out}");
    out
}

fn events(captures: &[Capture]) -> Vec<(String, String)> {
    captures
        .iter()
        .flat_map(common::rows_of)
        .map(|(event, kind, _)| (event, kind))
        .collect()
}

fn expect(list: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs(list)
}

#[test]
fn every_scenario_delivers_its_events_to_the_target() {
    let target = target();
    let options = ScenarioOptions { size: 4, count: 20 };

    let out = run_scenario(&target, Scenario::Lifecycle, &options);
    assert_eq!(
        out.lines().filter(|l| l.contains("-> 200")).count(),
        6,
        "{out}"
    );
    let lifecycle: Vec<Capture> = (0..6).map(|_| target.next_capture()).collect();
    assert_eq!(
        events(&lifecycle),
        expect(&[
            ("creation", "job"),
            ("update", "job"),
            ("delete", "job"),
            ("creation", "candidate"),
            ("update", "candidate"),
            ("delete", "candidate"),
        ])
    );
    let paths: Vec<&str> = lifecycle.iter().map(|c| c.head.url()).collect();
    assert_eq!(
        paths,
        [
            "/job",
            "/job",
            "/job",
            "/candidate",
            "/candidate",
            "/candidate"
        ]
    );
    let ids: Vec<String> = lifecycle
        .iter()
        .map(|c| common::rows_of(c)[0].2.clone())
        .collect();
    assert!(
        ids[0] == ids[1] && ids[1] == ids[2] && ids[3] == ids[4] && ids[4] == ids[5],
        "{ids:?}"
    );
    assert_ne!(ids[0], ids[3]);

    run_scenario(&target, Scenario::Batch, &options);
    let batch = target.next_capture();
    let batch_rows = common::rows_of(&batch);
    assert_eq!(batch_rows.len(), 4);
    assert!(
        batch_rows
            .iter()
            .all(|(e, t, _)| e == "creation" && t == "candidate")
    );
    let distinct: HashSet<&String> = batch_rows.iter().map(|r| &r.2).collect();
    assert_eq!(distinct.len(), 4);

    run_scenario(&target, Scenario::Duplicate, &options);
    let (first, again) = (target.next_capture(), target.next_capture());
    assert_eq!(first.body, again.body);
    assert_eq!(events(&[first]), expect(&[("creation", "candidate")]));

    run_scenario(&target, Scenario::OutOfOrder, &options);
    let shuffled: Vec<Capture> = (0..5).map(|_| target.next_capture()).collect();
    assert_eq!(
        events(&shuffled),
        expect(&[
            ("update", "job"),
            ("creation", "job"),
            ("creation", "candidate"),
            ("delete", "candidate"),
            ("update", "candidate"),
        ])
    );
    let ids: Vec<String> = shuffled
        .iter()
        .map(|c| common::rows_of(c)[0].2.clone())
        .collect();
    assert_eq!(ids[0], ids[1]);
    assert!(ids[2] == ids[3] && ids[3] == ids[4], "{ids:?}");

    let out = run_scenario(&target, Scenario::Burst, &options);
    assert!(
        out.lines()
            .last()
            .unwrap_or_default()
            .starts_with("20 burst steps in "),
        "{out}"
    );
    let burst: Vec<Capture> = (0..20).map(|_| target.next_capture()).collect();
    let ids: HashSet<String> = burst
        .iter()
        .map(|c| common::rows_of(c)[0].2.clone())
        .collect();
    assert_eq!(ids.len(), 20, "20 distinct candidates");
    assert!(
        events(&burst)
            .iter()
            .all(|(e, t)| e == "creation" && t == "candidate")
    );
    // Every generated event passes the target's own spec check.
    for capture in lifecycle.iter().chain(&shuffled).chain(&burst) {
        assert_eq!(capture.status(), 200);
        assert!(
            capture
                .all_findings()
                .iter()
                .flatten()
                .all(|f| f.level < hookscope::hs::Level::Warning)
        );
    }
}

#[test]
fn a_scenario_exits_non_zero_when_a_step_fails() {
    let failing = Target::start(Behaviour::status(500));
    let output = run_to_end(&[
        "scenario",
        "lifecycle",
        "--job-url",
        &failing.url("/job"),
        "--candidate-url",
        &closed_url("/candidate"),
    ]);
    let out = stdout(&output);
    assert_eq!(code(&output), 1, "{out}");
    assert_eq!(
        out.lines().filter(|l| l.ends_with(" FAILED")).count(),
        6,
        "{out}"
    );
    assert!(out.contains("job ") && out.contains("-> 500 "), "{out}");
    assert!(out.contains("-> unreachable"), "{out}");
    assert_eq!(failing.requests(), 3);

    let target = target();
    let ok = run_to_end(&[
        "scenario",
        "duplicate",
        "--job-url",
        &target.url("/job"),
        "--candidate-url",
        &target.url("/candidate"),
    ]);
    assert_eq!(code(&ok), 0, "{}{}", stdout(&ok), stderr(&ok));
    assert_eq!(target.next_capture().body, target.next_capture().body);
}

// ---- replay --------------------------------------------------------------------------

#[test]
fn replay_sends_captures_again_byte_for_byte_in_capture_order() {
    let target = target();
    let dir = tempfile::tempdir().expect("a temp dir");
    let (session, originals) = session_file(dir.path(), "unused:1");
    let session = session.display().to_string();
    let base = target.url("/");

    let all = run_to_end(&["replay", &session, "--to", &base]);
    assert_eq!(code(&all), 0, "{}{}", stdout(&all), stderr(&all));
    assert!(
        stdout(&all).contains("capture 9 POST /job -> 200 "),
        "{}",
        stdout(&all)
    );
    for original in &originals {
        let replayed = target.next_capture();
        assert_eq!(replayed.head.method(), original.head.method());
        assert_eq!(replayed.head.url(), original.head.url());
        assert_eq!(replayed.body, original.body, "capture {}", original.id);
        assert_eq!(
            sent_headers_any_case(&replayed),
            lower_names(replayed_headers(original.id)),
            "capture {}",
            original.id
        );
    }

    // Chosen ids go in capture order, whatever the order asked.
    let chosen = run_to_end(&["replay", &session, "--to", &base, "--id", "12", "--id", "5"]);
    assert_eq!(code(&chosen), 0, "{}", stderr(&chosen));
    assert_eq!(
        target.next_capture().head.url(),
        "/candidate?source=ats&n=1"
    );
    assert_eq!(&target.next_capture().body[..], JOB_DELETE.as_bytes());

    let unknown = run_to_end(&["replay", &session, "--to", &base, "--id", "99"]);
    assert_eq!(code(&unknown), 2);
    assert!(
        stderr(&unknown).contains("no capture 99"),
        "{}",
        stderr(&unknown)
    );
    let bad_base = run_to_end(&["replay", &session, "--to", "localhost:3000"]);
    assert_eq!(code(&bad_base), 2);
    assert!(
        stderr(&bad_base).contains("http://"),
        "{}",
        stderr(&bad_base)
    );
    assert_eq!(target.stats().requests, 5, "nothing sent on bad arguments");

    let failing = Target::start(Behaviour::status(503));
    let failed = run_to_end(&["replay", &session, "--to", &failing.url("")]);
    assert_eq!(code(&failed), 1);
    assert_eq!(
        stdout(&failed).matches(" FAILED").count(),
        3,
        "{}",
        stdout(&failed)
    );
}

// ---- curl ----------------------------------------------------------------------------

fn curl_available() -> bool {
    Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `command` with bash, failing after `PROCESS_WAIT`.
fn bash(command: &str) -> Output {
    let mut child = Command::new("bash")
        .args(["-c", command])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start bash");
    let deadline = Instant::now() + PROCESS_WAIT;
    while child.try_wait().expect("poll bash").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{command} did not finish within {PROCESS_WAIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("bash output")
}

#[test]
fn curl_commands_deliver_the_exact_bytes() {
    if !curl_available() {
        eprintln!(
            "SKIPPED curl_commands_deliver_the_exact_bytes: `curl` is not installed (CI installs it)"
        );
        return;
    }
    let target = target();
    let dir = tempfile::tempdir().expect("a temp dir");
    let (session, originals) = session_file(dir.path(), &target.addr().to_string());
    let session = session.display().to_string();
    let base = target.url("");
    // 5: UTF-8 with a quote in it; 9: gzip bytes (not UTF-8); 12: to its Host header.
    for original in &originals {
        let id = original.id.to_string();
        let mut args = vec!["curl", session.as_str(), "--id", id.as_str()];
        if original.id != 12 {
            args.extend(["--to", base.as_str()]);
        }
        let printed = run_to_end(&args);
        assert_eq!(code(&printed), 0, "{}", stderr(&printed));
        let command = stdout(&printed);
        assert_eq!(command.contains("base64 -d"), original.id == 9, "{command}");
        let ran = bash(command.trim_end());
        assert!(ran.status.success(), "{command}: {}", stderr(&ran));
        let delivered = target.next_capture();
        assert_eq!(delivered.status(), 200, "capture {id}");
        assert_eq!(delivered.body, original.body, "capture {id}: {command}");
        assert_eq!(delivered.head.url(), original.head.url());
        // curl's own User-Agent, Accept and Expect are not sent.
        assert_eq!(
            sent_headers(&delivered),
            replayed_headers(original.id),
            "{command}"
        );
    }
    let unknown = run_to_end(&["curl", &session, "--id", "4"]);
    assert_eq!(code(&unknown), 2);
    assert!(
        stderr(&unknown).contains("no capture 4"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn replay_and_curl_read_har_files_too() {
    let target = target();
    let dir = tempfile::tempdir().expect("a temp dir");
    let originals = vec![
        request("/candidate?from=har", CANDIDATE_CREATION)
            .id(3)
            .headers(&[("Content-Type", "application/json"), ("X-Signature", "s")])
            .received(),
    ];
    let har = dir.path().join("captured.har");
    std::fs::write(&har, common::har_bytes(&originals, "http://127.0.0.1:8090")).expect("write");
    let har = har.display().to_string();
    let replayed = run_to_end(&["replay", &har, "--to", &target.url("")]);
    assert_eq!(
        code(&replayed),
        0,
        "{}{}",
        stdout(&replayed),
        stderr(&replayed)
    );
    let delivered = target.next_capture();
    assert_eq!(delivered.body, originals[0].body);
    assert_eq!(delivered.head.url(), "/candidate?from=har");
    let printed = run_to_end(&["curl", &har, "--id", "3", "--to", &target.url("")]);
    assert_eq!(code(&printed), 0, "{}", stderr(&printed));
    assert!(
        stdout(&printed).contains(&format!("'{}'", target.url("/candidate?from=har"))),
        "{}",
        stdout(&printed)
    );
}
