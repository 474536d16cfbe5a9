//! `hookscope listen` out of file descriptors: while connections hold every
//! descriptor it may have, new ones wait; once they are free, it answers
//! again by itself.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::listening::wait_until;

/// The descriptor limit the listener runs under: low, so a test can reach it.
const LIMIT: usize = 48;

fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |dir| dir.count())
}

#[test]
fn the_listener_answers_again_once_descriptors_are_free() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("session.json");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {LIMIT} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_hookscope"))
        .args(["listen", "--port", "0", "--count", "1", "--out"])
        .arg(&out)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("hookscope starts");
    let pid = child.id();
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let addr = first
        .strip_prefix("hookscope listening on http://")
        .expect("the address is printed")
        .to_owned();

    // Idle connections take every descriptor the listener may open.
    let hogs: Vec<TcpStream> = (0..LIMIT + 20)
        .map(|_| TcpStream::connect(&addr).expect("connect"))
        .collect();
    wait_until("the listener to run out of descriptors", || {
        open_descriptors(pid) >= LIMIT - 1
    });

    // A webhook now waits in the backlog; it is answered once the hogs go.
    let post = std::thread::spawn({
        let url = format!("http://{addr}/job");
        move || common::post(&common::agent(), &url, common::JOB_CREATION)
    });
    std::thread::sleep(Duration::from_millis(200));
    drop(hogs);
    let reply = post.join().expect("the post ends");
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (200, r#"{"received":1}"#)
    );

    // It captured it and stopped after one request, as asked.
    let status = child.wait().expect("hookscope ends");
    assert!(status.success(), "{status:?}");
    let session = std::fs::read(&out).expect("the session file");
    let captures = hookscope::session::file::read(&session, &Default::default())
        .expect("a session")
        .captures;
    assert_eq!(captures.len(), 1);
    assert_eq!(&captures[0].body[..], common::JOB_CREATION.as_bytes());
}
