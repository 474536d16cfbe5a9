//! `hookscope listen`: the real binary, driven over real HTTP, with every wait
//! bounded so that a hang fails the test instead of stalling the suite.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, unbounded};
use hookscope::capture::Routes;
use hookscope::session::file;

const JOB_CREATION: &[u8] = include_bytes!("../assets/samples/job_creation.json");
const CANDIDATE_CREATION: &[u8] = include_bytes!("../assets/samples/candidate_creation.json");
const CANDIDATE_DELETE: &[u8] = include_bytes!("../assets/samples/candidate_delete.json");

const WAIT: Duration = Duration::from_secs(20);

/// The binary under test, killed if a test fails before it exits.
struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn hookscope(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookscope"));
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn spawn(args: &[&str]) -> Running {
    let mut child = hookscope(args).spawn().expect("start hookscope");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, lines) = unbounded();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Running {
        child,
        lines,
        seen: Vec::new(),
    }
}

impl Running {
    /// Reads stdout until a line satisfies `wanted`; fails after `WAIT`.
    fn line_where(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(e) => {
                    let stderr = self.stderr_now();
                    panic!(
                        "no such line on stdout ({e}); seen {:?}; stderr {stderr:?}",
                        self.seen
                    )
                }
            }
        }
    }

    /// The listener's port, from the "job  http://127.0.0.1:PORT/job" line.
    fn port(&mut self) -> u16 {
        let line = self.line_where(|l| l.starts_with("job ") && l.contains("http://"));
        let url = line.split_whitespace().last().expect("a URL");
        let authority = url
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("not a URL: {url:?}"));
        assert!(url.ends_with("/job"), "{line:?}");
        let (host, port) = authority.rsplit_once(':').expect("host:port");
        assert_eq!(host, "127.0.0.1", "{line:?}");
        port.parse()
            .unwrap_or_else(|_| panic!("no port in {line:?}"))
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            match self.child.try_wait().expect("poll hookscope") {
                Some(status) => return status,
                None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
                None => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "hookscope did not exit within {WAIT:?}; stdout {:?}",
                        self.seen
                    );
                }
            }
        }
    }

    /// Everything left on stdout once the process has exited.
    fn rest_of_stdout(&mut self) -> Vec<String> {
        let deadline = Instant::now() + WAIT;
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(line);
        }
        self.seen.clone()
    }

    fn stderr_now(&mut self) -> String {
        if let Ok(Some(_)) = self.child.try_wait() {
            let mut text = String::new();
            if let Some(mut stderr) = self.child.stderr.take() {
                let _ = stderr.read_to_string(&mut text);
            }
            text
        } else {
            "(still running)".to_owned()
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn post(port: u16, path: &str, body: &[u8]) -> (u16, String) {
    let mut response = agent()
        .post(format!("http://127.0.0.1:{port}{path}"))
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap_or_else(|e| panic!("POST {path}: {e}"));
    let text = response
        .body_mut()
        .read_to_string()
        .expect("a response body");
    (response.status().as_u16(), text)
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

fn read_session(path: &Path) -> Vec<hookscope::capture::Capture> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    file::read(&bytes, &Routes::default())
        .unwrap_or_else(|e| panic!("{} is not a session: {e}", path.display()))
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

    let sent: [(&str, &[u8]); 3] = [
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
            .is_some_and(|l| l.starts_with("wrote 3 capture(s)")),
        "{stdout:?}"
    );

    let captures = read_session(&out);
    assert_eq!(captures.len(), 3);
    for (capture, (path, body)) in captures.iter().zip(sent) {
        assert_eq!(capture.url, path);
        assert_eq!(capture.body, body, "the body of {path} is kept exactly");
        assert_eq!(capture.response_status, 200);
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
    assert_eq!(captures[0].body, JOB_CREATION);
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
