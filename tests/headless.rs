//! `hookscope listen`: the real binary, driven over real HTTP, with every wait
//! bounded so that a hang fails the test instead of stalling the suite.

mod common;

use std::path::Path;
use std::process::Command;

use common::{CANDIDATE_CREATION, CANDIDATE_DELETE, JOB_CREATION, agent, spawn};
use hookscope::capture::{Received, Routes};
use hookscope::session::file;

/// POSTs `body` as JSON to the listener on `port`: the status and the answer.
fn post(port: u16, path: &str, body: &str) -> (u16, String) {
    let reply = common::post(&agent(), &format!("http://127.0.0.1:{port}{path}"), body);
    (reply.status, reply.body)
}

/// A data dir inside the test's temp dir, so that tests never touch the
/// user's own journals.
fn data_dir(dir: &tempfile::TempDir) -> String {
    dir.path()
        .join("data")
        .to_str()
        .expect("a UTF-8 path")
        .to_owned()
}

fn read_session(path: &Path) -> Vec<Received> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    file::read(&bytes, &Routes::default())
        .unwrap_or_else(|e| panic!("{} is not a session: {e}", path.display()))
        .captures
}

/// The per-event lines: after the three "listening" lines, before "wrote".
fn event_lines(stdout: &[String]) -> Vec<&String> {
    let start = stdout
        .iter()
        .position(|l| l.starts_with("candidate "))
        .expect("the candidate URL line")
        + 1;
    stdout[start..]
        .iter()
        .filter(|l| !l.starts_with("wrote "))
        .collect()
}

#[test]
fn listen_with_a_count_captures_that_many_requests_and_writes_them() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("s.json");
    let out_arg = out.to_str().expect("a UTF-8 path");
    let data = data_dir(&dir);
    let mut run = spawn(&[
        "listen",
        "--port",
        "0",
        "--out",
        out_arg,
        "--count",
        "3",
        "--data-dir",
        &data,
    ]);
    let port = run.port();

    let sent: [(&str, &str); 3] = [
        ("/job", JOB_CREATION),
        ("/candidate", CANDIDATE_CREATION),
        ("/candidate", CANDIDATE_DELETE),
    ];
    for (path, body) in sent {
        let (status, reply) = post(port, path, body);
        assert_eq!(status, 200, "{path}: {reply}");
        assert_eq!(reply, r#"{"received":1}"#);
    }

    let status = run.wait_exit();
    let stdout = run.rest_of_stdout();
    assert!(
        status.success(),
        "exit {status}; stdout {stdout:?}; stderr {:?}",
        run.stderr_now()
    );

    let events = event_lines(&stdout);
    assert_eq!(events.len(), 3, "one line per event: {stdout:?}");
    assert!(
        events[0].contains("POST /job 200 ok creation job 126751"),
        "{}",
        events[0]
    );
    assert!(events[0].contains("Candidature Spontanée"), "{}", events[0]);
    assert!(
        events[1].contains("POST /candidate 200 ok creation candidate 1234567876"),
        "{}",
        events[1]
    );
    assert!(
        events[2].contains("POST /candidate 200 ok delete candidate 12121"),
        "{}",
        events[2]
    );
    assert!(
        stdout
            .last()
            .is_some_and(|l| l.starts_with("wrote 3 captures")),
        "{stdout:?}"
    );

    let captures = read_session(&out);
    assert_eq!(captures.len(), 3);
    for (capture, (path, body)) in captures.iter().zip(sent) {
        assert_eq!(capture.head.url(), path);
        assert_eq!(
            &capture.body[..],
            body.as_bytes(),
            "the body of {path} is kept exactly"
        );
        assert_eq!(capture.status(), 200);
    }
}

#[test]
fn listen_stops_cleanly_on_sigterm_and_writes_what_it_captured() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("s.json");
    let out_arg = out.to_str().expect("a UTF-8 path");
    let data = data_dir(&dir);
    let mut run = spawn(&[
        "listen",
        "--port",
        "0",
        "--out",
        out_arg,
        "--data-dir",
        &data,
    ]);
    let port = run.port();

    let (status, reply) = post(port, "/job", JOB_CREATION);
    assert_eq!(status, 200, "{reply}");

    let pid = run.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(killed.success(), "kill -TERM {pid}");

    let status = run.wait_exit();
    let stdout = run.rest_of_stdout();
    assert!(
        status.success(),
        "exit {status}; stdout {stdout:?}; stderr {:?}",
        run.stderr_now()
    );
    assert_eq!(event_lines(&stdout).len(), 1, "{stdout:?}");

    let captures = read_session(&out);
    assert_eq!(captures.len(), 1, "the acknowledged request is in the file");
    assert_eq!(&captures[0].body[..], JOB_CREATION.as_bytes());
}

#[test]
fn listen_into_a_missing_directory_fails_and_names_the_path() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("no-such-dir").join("s.json");
    let out_arg = out.to_str().expect("a UTF-8 path");
    let data = data_dir(&dir);
    let mut run = spawn(&[
        "listen",
        "--port",
        "0",
        "--out",
        out_arg,
        "--data-dir",
        &data,
    ]);
    let status = run.wait_exit();
    assert!(!status.success(), "exit {status}");
    let stderr = run.stderr_now();
    assert!(
        stderr.contains(out_arg),
        "stderr names {out_arg}: {stderr:?}"
    );
    assert!(!out.exists());
}

#[test]
fn listen_with_a_bad_size_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("s.json");
    let out_arg = out.to_str().expect("a UTF-8 path");
    let mut run = spawn(&[
        "listen",
        "--max-body",
        "ten",
        "--port",
        "0",
        "--out",
        out_arg,
        "--data-dir",
        &data_dir(&dir),
    ]);
    let status = run.wait_exit();
    assert!(!status.success(), "exit {status}");
    assert_eq!(status.code(), Some(2), "clap's usage error code");
    let stderr = run.stderr_now();
    assert!(stderr.contains("--max-body"), "{stderr:?}");
    assert!(stderr.contains("ten"), "{stderr:?}");
    assert!(!out.exists(), "nothing written on a usage error");
}

#[test]
fn listen_with_a_forward_mode_and_no_target_says_so() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("s.json");
    let out_arg = out.to_str().expect("a UTF-8 path");
    let mut run = spawn(&[
        "listen",
        "--forward-mode",
        "proxy",
        "--port",
        "0",
        "--out",
        out_arg,
        "--data-dir",
        &data_dir(&dir),
    ]);
    let status = run.wait_exit();
    assert!(!status.success(), "exit {status}");
    let stderr = run.stderr_now();
    assert!(stderr.contains("--forward-to"), "{stderr:?}");
    assert!(!out.exists(), "nothing written");
}
