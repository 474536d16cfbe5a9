//! The crash journal: plain round trips on disk, locking between live and
//! dead journals, and the real binary killed with SIGKILL while webhooks
//! stream in, then `hookscope recover`. Every wait is bounded.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{
    CANDIDATE_DELETE, JOB_CREATION, PROCESS_WAIT, agent, assert_same, request, run_to_end, spawn,
};
use crossbeam_channel::unbounded;
use hookscope::capture::{Received, Routes};
use hookscope::journal::{self, Journal, JournalError};
use hookscope::session::file;

/// A request received at 21:00:0<id>.123, from a port of its own.
fn capture(id: u64, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Received {
    request(url, body)
        .id(id)
        .at(common::at(&format!(
            "2026-11-26T21:00:0{}.123+01:00",
            id % 10
        )))
        .remote(format!("127.0.0.1:{}", 50000 + id))
        .headers(headers)
        .received()
}

fn some_captures() -> Vec<Received> {
    vec![
        capture(
            1,
            "/job?x=1",
            &[
                ("Content-Type", "application/json"),
                ("X-Dup", "a"),
                ("X-Dup", "b"),
            ],
            JOB_CREATION.as_bytes(),
        ),
        // Not UTF-8, with a newline: kept as exact bytes.
        capture(2, "/candidate", &[], &[0xff, 0xfe, b'{', 0x00, 0x80, b'\n']),
        capture(3, "/candidate", &[("Content-Length", "0")], b""),
        capture(4, "/candidate", &[], CANDIDATE_DELETE.as_bytes()),
    ]
}

fn jsonl_files(data_dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(data_dir.join(journal::DIR)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    files
}

// ---- on disk -----------------------------------------------------------------

#[test]
fn appended_captures_read_back_exactly_once_the_process_is_gone() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let journal = Journal::create(dir.path()).expect("a journal");
    let path = journal.path().to_owned();
    assert_eq!(path.parent(), Some(dir.path().join("journals").as_path()));
    let name = path.file_name().and_then(|n| n.to_str()).expect("a name");
    let pid = std::process::id();
    assert!(
        name.ends_with(&format!("-{pid}.jsonl")) && name.as_bytes()[8] == b'T',
        "yyyymmddThhmmss.mmm-<pid>.jsonl: {name}"
    );

    let captures = some_captures();
    for capture in &captures {
        journal.append(capture).expect("append");
    }
    let text = std::fs::read(&path).expect("read the journal");
    let header_end = text
        .iter()
        .position(|&b| b == b'\n')
        .expect("a header line");
    let header: serde_json::Value =
        serde_json::from_slice(&text[..header_end]).expect("a JSON header");
    assert_eq!(header["format"], "hookscope-journal");
    assert_eq!(header["version"], 2);
    assert!(header["started_at"].is_string(), "{header}");
    assert_eq!(
        &text[header_end + 1..],
        records(&captures).as_slice(),
        "a header line, then one record per capture and nothing else"
    );
    assert_eq!(journal.bytes_written(), text.len() as u64);
    assert_eq!(journal::disk_usage(dir.path()), text.len() as u64);

    // Held by a live journal: not unfinished.
    assert!(
        journal::unfinished(dir.path()).expect("list").is_empty(),
        "a journal locked by a live process is never listed"
    );

    // Dropped without finish, as when the process dies: the lock goes, the
    // file stays.
    drop(journal);
    let found = journal::unfinished(dir.path()).expect("list");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].path, path);
    assert_eq!(found[0].bytes, text.len() as u64);
    assert!(found[0].started_at.is_some());
    let read = found[0].read(&Routes::default()).expect("read");
    assert_same(&read, &captures);

    found
        .into_iter()
        .next()
        .expect("one")
        .discard()
        .expect("discard");
    assert!(!path.exists());
    assert!(journal::unfinished(dir.path()).expect("list").is_empty());
    assert_eq!(journal::disk_usage(dir.path()), 0);
}

#[test]
fn a_finished_journal_is_removed() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let journal = Journal::create(dir.path()).expect("a journal");
    journal.append(&some_captures()[0]).expect("append");
    let path = journal.path().to_owned();
    assert!(path.exists());
    journal.finish().expect("finish");
    assert!(!path.exists());
    assert!(journal::unfinished(dir.path()).expect("list").is_empty());
    assert_eq!(journal::disk_usage(dir.path()), 0);
}

#[test]
fn two_journals_of_one_process_do_not_collide_and_list_newest_first() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let first = Journal::create(dir.path()).expect("a journal");
    first.append(&some_captures()[0]).expect("append");
    std::thread::sleep(Duration::from_millis(5));
    let second = Journal::create(dir.path()).expect("another journal");
    let third = Journal::create(dir.path()).expect("a third journal, same millisecond maybe");
    third.append(&some_captures()[0]).expect("append");
    assert_ne!(first.path(), second.path());
    assert_ne!(second.path(), third.path());
    let (first_path, third_path) = (first.path().to_owned(), third.path().to_owned());
    drop(first);
    drop(third);
    let found = journal::unfinished(dir.path()).expect("list");
    let paths: Vec<&Path> = found.iter().map(|u| u.path.as_path()).collect();
    assert_eq!(
        paths,
        [third_path.as_path(), first_path.as_path()],
        "newest first; the live one is not listed"
    );
    // A journal that never acknowledged anything is removed, not offered.
    let second_path = second.path().to_owned();
    drop(second);
    assert_eq!(journal::unfinished(dir.path()).expect("list").len(), 2);
    assert!(!second_path.exists());
}

/// The header a version 1 journal starts with (records were session-file
/// lines then).
const V1_HEADER: &[u8] =
    b"{\"format\":\"hookscope-journal\",\"version\":1,\"started_at\":\"2026-11-26T21:00:00.000+01:00\"}\n";

/// A journal file written by hand: `header`, then `records`, left by a
/// process that is gone.
fn journal_with(dir: &Path, header: &[u8], records: &[&[u8]]) -> journal::Unfinished {
    let journal = Journal::create(dir).expect("a journal");
    let path = journal.path().to_owned();
    drop(journal);
    let mut bytes = header.to_vec();
    for record in records {
        bytes.extend_from_slice(record);
    }
    std::fs::write(&path, bytes).expect("write");
    // A test of this binary spawning a process at the moment the journal
    // was open hands the child its descriptor, and so its lock, until the
    // child's exec: the journal is listed once that instant has passed.
    let deadline = Instant::now() + common::WAIT;
    loop {
        let found = journal::unfinished(dir).expect("list");
        if found.len() == 1 || Instant::now() > deadline {
            assert_eq!(found.len(), 1);
            return found.into_iter().next().expect("one");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The header a journal of this hookscope starts with.
fn v2_header() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("a temp dir");
    let journal = Journal::create(dir.path()).expect("a journal");
    let bytes = std::fs::read(journal.path()).expect("read the journal");
    journal.finish().expect("finish");
    bytes
}

/// One version 2 record.
fn record(capture: &Received) -> Vec<u8> {
    let mut record = Vec::new();
    journal::encode(capture, &mut record).expect("a record");
    record
}

/// Version 2 records, one after the other.
fn records(captures: &[Received]) -> Vec<u8> {
    captures.iter().flat_map(record).collect()
}

/// One version 1 record: a session-file line.
fn v1_record(capture: &Received) -> Vec<u8> {
    let mut line = Vec::new();
    file::write_record(&mut line, capture).expect("a record");
    line.push(b'\n');
    line
}

#[test]
fn a_last_record_cut_by_a_kill_is_skipped() {
    let captures = some_captures();
    let (one, two) = (record(&captures[0]), record(&captures[1]));
    let last = record(&captures[3]);
    let facts_end = last.iter().position(|&b| b == b'\n').expect("a facts line");
    // Cut in its facts, in its body, and before the newline after its body.
    for cut in [40, facts_end + 1 + 10, last.len() - 1] {
        let dir = tempfile::tempdir().expect("a temp dir");
        let unfinished = journal_with(dir.path(), &v2_header(), &[&one, &two, &last[..cut]]);
        let read = unfinished.read(&Routes::default()).expect("read");
        assert_same(&read, &captures[..2]);
    }
}

#[test]
fn a_bad_record_in_the_middle_is_an_error_naming_the_record() {
    let captures = some_captures();
    let (one, two) = (record(&captures[0]), record(&captures[1]));
    // Facts that are not JSON, and a body longer than its facts say.
    let mut long_body = record(&captures[3]);
    long_body.insert(long_body.len() - 1, b'x');
    for bad in [&b"{\"id\": garbage\n"[..], &long_body] {
        let dir = tempfile::tempdir().expect("a temp dir");
        let unfinished = journal_with(dir.path(), &v2_header(), &[&one, bad, &two]);
        match unfinished.read(&Routes::default()) {
            Err(e @ JournalError::BadRecord { record: 2, .. }) => {
                let text = e.to_string();
                assert!(text.contains("record 2"), "{text}");
                assert!(
                    text.contains(&unfinished.path.display().to_string()),
                    "{text}"
                );
            }
            other => panic!("expected a bad record 2, got {other:?}"),
        }
    }
}

#[test]
fn a_header_value_that_is_not_utf8_is_journalled_exactly() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let captures = vec![
        request("/job", JOB_CREATION)
            .id(1)
            .header("X-Latin-1", b"caf\xe9")
            .header("X-Empty", b"")
            .received(),
    ];
    let journal = Journal::create(dir.path()).expect("a journal");
    journal.append(&captures[0]).expect("append");
    drop(journal);
    let found = journal::unfinished(dir.path()).expect("list");
    let read = found[0].read(&Routes::default()).expect("read");
    assert_same(&read, &captures);
}

// ---- version 1 journals, as the first release wrote them ---------------------------

#[test]
fn a_version_1_journal_is_still_read() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let captures = some_captures();
    let lines: Vec<Vec<u8>> = captures.iter().map(v1_record).collect();
    let lines: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
    let unfinished = journal_with(dir.path(), V1_HEADER, &lines);
    let read = unfinished.read(&Routes::default()).expect("read");
    assert_same(&read, &captures);
}

#[test]
fn a_last_line_cut_by_a_kill_is_skipped() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let captures = some_captures();
    let (one, two) = (v1_record(&captures[0]), v1_record(&captures[1]));
    let cut = &v1_record(&captures[3])[..40];
    let unfinished = journal_with(dir.path(), V1_HEADER, &[&one, &two, cut]);
    let read = unfinished.read(&Routes::default()).expect("read");
    assert_same(&read, &captures[..2]);
}

#[test]
fn a_bad_line_in_the_middle_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let captures = some_captures();
    let (one, two) = (v1_record(&captures[0]), v1_record(&captures[1]));
    let unfinished = journal_with(dir.path(), V1_HEADER, &[&one, b"{\"id\": garbage\n", &two]);
    match unfinished.read(&Routes::default()) {
        Err(e @ JournalError::BadLine { line: 3, .. }) => {
            let text = e.to_string();
            assert!(text.contains("line 3"), "{text}");
            assert!(
                text.contains(&unfinished.path.display().to_string()),
                "{text}"
            );
        }
        other => panic!("expected a bad line 3, got {other:?}"),
    }
}

#[test]
fn a_journal_of_another_format_or_a_newer_version_is_refused() {
    for (header, mentions) in [
        (
            &b"{\"format\":\"hookscope-journal\",\"version\":99,\"started_at\":null}\n"[..],
            "newer",
        ),
        (
            &b"{\"format\":\"something-else\",\"version\":1}\n"[..],
            "format",
        ),
        (&b"not json at all\n"[..], "header"),
    ] {
        let dir = tempfile::tempdir().expect("a temp dir");
        let journal = Journal::create(dir.path()).expect("a journal");
        let path = journal.path().to_owned();
        drop(journal);
        let mut bytes = header.to_vec();
        bytes.extend(record(&some_captures()[0]));
        std::fs::write(&path, bytes).expect("write");
        let found = journal::unfinished(dir.path()).expect("list");
        match found[0].read(&Routes::default()) {
            Err(e @ JournalError::Header { .. }) => {
                assert!(e.to_string().contains(mentions), "{e}");
            }
            other => panic!("expected a header error, got {other:?}"),
        }
    }
}

#[test]
fn unfinished_in_a_data_dir_without_journals_is_empty() {
    let dir = tempfile::tempdir().expect("a temp dir");
    assert!(
        journal::unfinished(&dir.path().join("nothing"))
            .expect("list")
            .is_empty()
    );
    assert_eq!(journal::disk_usage(&dir.path().join("nothing")), 0);
}

// ---- the real binary -----------------------------------------------------------

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// job_creation.json with its job id replaced by `i`: distinct bodies.
fn numbered_job(i: usize) -> Vec<u8> {
    let text = JOB_CREATION;
    let body = text.replacen("\"job_id\": 126751", &format!("\"job_id\": {i}"), 1);
    assert_ne!(body, text, "the sample has a job id to replace");
    body.into_bytes()
}

#[test]
fn every_acknowledged_webhook_survives_sigkill_and_is_recovered_once() {
    const MAX: usize = 500;
    const KILL_AFTER: usize = 100;
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let out = dir.path().join("listen.json");
    let mut run = spawn(&[
        "listen",
        "--port",
        "0",
        "--out",
        path_arg(&out),
        "--data-dir",
        path_arg(&data),
    ]);
    let port = run.port();

    // Sequential POSTs of distinct bodies; a body counts as acknowledged
    // only once its 2xx response was read.
    let acked: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let (progress_tx, progress) = unbounded::<usize>();
    let client = std::thread::spawn({
        let acked = acked.clone();
        move || {
            let agent = agent();
            let url = format!("http://127.0.0.1:{port}/job");
            for i in 0..MAX {
                let body = numbered_job(i);
                let response = agent
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .send(&body[..]);
                let Ok(mut response) = response else {
                    return i; // the process is gone
                };
                let status = response.status().as_u16();
                if response.body_mut().read_to_string().is_err() {
                    return i;
                }
                assert!(
                    (200..300).contains(&status),
                    "request {i} got {status} before the kill"
                );
                acked.lock().expect("lock").push(body);
                let _ = progress_tx.send(i + 1);
            }
            MAX
        }
    });

    let deadline = Instant::now() + PROCESS_WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match progress.recv_timeout(left) {
            Ok(n) if n >= KILL_AFTER => break,
            Ok(_) => {}
            Err(e) => panic!("the client stalled before {KILL_AFTER} requests: {e}"),
        }
    }
    let pid = run.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .expect("run kill");
    assert!(killed.success(), "kill -KILL {pid}");
    let status = run.wait_exit();
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "killed by SIGKILL: {status}");
    }
    let stopped_at = client.join().expect("the client thread");
    assert!(
        stopped_at < MAX,
        "the kill landed while the stream was running (the client sent all {MAX})"
    );
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() >= KILL_AFTER);

    // The dead process's journal is unfinished.
    let found = journal::unfinished(&data).expect("list");
    assert_eq!(found.len(), 1, "{found:?}");
    let journal_path = found[0].path.clone();

    let recovered = dir.path().join("recovered.json");
    let output = run_to_end(&[
        "recover",
        "--out",
        path_arg(&recovered),
        "--data-dir",
        path_arg(&data),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "recover failed: {}; stdout {stdout:?}; stderr {:?}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("recovered "), "{stdout:?}");
    assert!(
        stdout.contains("journal"),
        "says the journal is kept: {stdout:?}"
    );
    assert!(journal_path.exists(), "recover leaves the journal in place");

    let bytes = std::fs::read(&recovered).expect("the recovered file");
    let captures = file::read(&bytes, &Routes::default())
        .expect("a session file")
        .captures;
    let bodies: HashSet<&[u8]> = captures.iter().map(|c| &c.body[..]).collect();
    assert_eq!(bodies.len(), captures.len(), "no body recovered twice");
    let ids: HashSet<u64> = captures.iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), captures.len(), "no id recovered twice");
    let missing: Vec<usize> = acked
        .iter()
        .enumerate()
        .filter(|(_, body)| !bodies.contains(body.as_slice()))
        .map(|(i, _)| i)
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged requests missing from the recovered session: {missing:?}"
    );
    // At most the one request in progress at the kill was journalled but
    // not answered.
    assert!(
        captures.len() <= acked.len() + 1,
        "{} recovered for {} acknowledged",
        captures.len(),
        acked.len()
    );
    for capture in &captures {
        assert_eq!(capture.status(), 200);
        assert_eq!(capture.head.url(), "/job");
    }
    eprintln!(
        "crash test: {} acknowledged, {} recovered, client stopped at request {stopped_at}",
        acked.len(),
        captures.len()
    );
}

#[test]
fn a_clean_listen_leaves_no_journal() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let out = dir.path().join("s.json");
    let mut run = spawn(&[
        "listen",
        "--port",
        "0",
        "--out",
        path_arg(&out),
        "--count",
        "2",
        "--data-dir",
        path_arg(&data),
    ]);
    let port = run.port();
    for body in [JOB_CREATION, CANDIDATE_DELETE] {
        let path = if body == JOB_CREATION {
            "/job"
        } else {
            "/candidate"
        };
        let response = agent()
            .post(format!("http://127.0.0.1:{port}{path}"))
            .send(body)
            .expect("a response");
        assert_eq!(response.status().as_u16(), 200);
    }
    let status = run.wait_exit();
    assert!(status.success(), "exit {status}");
    assert!(data.join("journals").is_dir(), "the journal was made there");
    assert_eq!(jsonl_files(&data), Vec::<PathBuf>::new(), "no journal left");
    let bytes = std::fs::read(&out).expect("the session file");
    assert_eq!(
        file::read(&bytes, &Routes::default())
            .expect("a session")
            .captures
            .len(),
        2
    );
}

#[test]
fn recover_with_no_unfinished_journal_fails_clearly() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let out = dir.path().join("r.json");
    // A live-looking journal does not count either: this one is finished.
    Journal::create(&data)
        .expect("a journal")
        .finish()
        .expect("finish");
    let output = run_to_end(&[
        "recover",
        "--out",
        path_arg(&out),
        "--data-dir",
        path_arg(&data),
    ]);
    assert!(!output.status.success(), "exit {}", output.status);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no unfinished session"), "{stderr:?}");
    assert!(
        stderr.contains(path_arg(&data)),
        "names the data dir: {stderr:?}"
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn recover_writes_the_newest_unfinished_session() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let captures = some_captures();
    let older = Journal::create(&data).expect("a journal");
    older.append(&captures[0]).expect("append");
    drop(older);
    std::thread::sleep(Duration::from_millis(5));
    let newer = Journal::create(&data).expect("a journal");
    for capture in &captures[1..] {
        newer.append(capture).expect("append");
    }
    drop(newer);

    let out = dir.path().join("r.json");
    let output = run_to_end(&[
        "recover",
        "--out",
        path_arg(&out),
        "--data-dir",
        path_arg(&data),
    ]);
    assert!(
        output.status.success(),
        "{}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("recovered 3 captures"), "{stdout:?}");
    let bytes = std::fs::read(&out).expect("the session file");
    let read = file::read(&bytes, &Routes::default())
        .expect("a session")
        .captures;
    assert_same(&read, &captures[1..]);
    assert_eq!(jsonl_files(&data).len(), 2, "both journals are kept");
}
