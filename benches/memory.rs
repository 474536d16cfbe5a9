//! Memory per captured event and the time to open a big session, printed
//! as figures (no assertion: the machine is shared and noisy).
//!
//! `cargo bench --bench memory` (add `-- quick` for a tenth of the sizes).
//!
//! 1. One million small job events (200-byte bodies, the 3 headers curl
//!    sends): RSS growth per event beyond the body bytes, in a session as
//!    the window holds it.
//! 2. 100,000 spec candidate events (7,042 bytes) with the 6 headers a real
//!    sender's request carries (through a tunnel): the same.
//! 3. The file of (1) opened as the window opens it: read, summarised on
//!    all cores, inserted in batches; time and RSS.
//!
//! Target (DESIGN.md): at most 1.2 x the raw body bytes + 200 B per event;
//! the 1M file opens in under 5 s and holds under 600 MB over the empty
//! session.

use std::io::Write;
use std::time::{Duration, Instant};

use hookscope::capture::{Capture, Received, RequestHead, Routes};
use hookscope::loading::{Drained, Loading};
use hookscope::session::{Session, file, open};
use hookscope::task::Progress;
use hookscope::waker::Waker;

const CANDIDATE: &str = include_str!("../assets/samples/candidate_creation.json");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "quick");
    let scale = if quick { 10 } else { 1 };
    let routes = Routes::default();
    // Each case runs in a process of its own, so that memory one case
    // freed does not hide what the next one takes.
    let case = args.iter().find_map(|a| a.strip_prefix("case="));
    let open = args.iter().find_map(|a| a.strip_prefix("open="));
    let small = 1_000_000 / scale;
    match (case, open) {
        (_, Some(path)) => {
            let size = args
                .iter()
                .find_map(|a| a.strip_prefix("size="))
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            open_file(std::path::Path::new(path), size, small, &routes);
        }
        (Some("small"), _) => {
            measure("small job events, 3 headers", small, |i| {
                small_job(i, &routes)
            });
        }
        (Some("candidates"), _) => {
            measure("spec candidates, 6 headers", 100_000 / scale, |i| {
                candidate(i, &routes)
            });
        }
        (Some("file"), _) => {
            let dir = tempfile::tempdir().expect("a temp dir");
            let path = dir.path().join("big.json");
            let mut session = Session::new();
            for i in 0..small {
                session.push(small_job(i, &routes));
            }
            write_session(&path, &session);
            drop(session);
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            run_case(
                &format!("open={}", path.display()),
                quick,
                &[("size", size)],
            );
        }
        _ => {
            for case in ["case=small", "case=candidates", "case=file"] {
                run_case(case, quick, &[]);
            }
        }
    }
}

/// Runs this bench again with `case` and prints what it prints.
fn run_case(case: &str, quick: bool, extra: &[(&str, u64)]) {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut command = std::process::Command::new(exe);
    command.arg(case);
    if quick {
        command.arg("quick");
    }
    for (key, value) in extra {
        command.arg(format!("{key}={value}"));
    }
    match command.output() {
        Ok(output) => print!("{}", String::from_utf8_lossy(&output.stdout)),
        Err(e) => println!("{case}: cannot run: {e}"),
    }
}

/// Builds `n` captures with `make`, pushes them into a session and prints
/// the RSS growth per event against the body bytes.
fn measure(name: &str, n: usize, make: impl Fn(usize) -> Capture) {
    let before = rss();
    let mut session = Session::new();
    let mut body_bytes = 0u64;
    for i in 0..n {
        let capture = make(i);
        body_bytes += capture.body.len() as u64;
        session.push(capture);
    }
    let grown = rss().saturating_sub(before);
    let per_event = grown as f64 / n as f64;
    let body = body_bytes as f64 / n as f64;
    let budget = 1.2 * body + 200.0;
    println!(
        "{name}: {n} events, bodies {:.0} B each: {:.0} B per event in memory = {:.2}x the body, {:.0} B beyond it (budget {:.0} B: 1.2x + 200 B)",
        body,
        per_event,
        per_event / body,
        per_event - body,
        budget
    );
    drop(session);
}

/// Opens `path` as the window does and prints the time and memory.
fn open_file(path: &std::path::Path, size: u64, expected: usize, routes: &Routes) {
    let before = rss();
    let started = Instant::now();
    let received = match open::read_file(path, routes, &Progress::default()) {
        Ok(read) => read.captures,
        Err(e) => {
            println!("open: cannot read {}: {e}", path.display());
            return;
        }
    };
    let read = started.elapsed();
    let mut session = Session::new();
    let mut loading =
        Loading::start(received.into(), routes.clone(), Waker::new()).expect("loading starts");
    // As the window: a frame's budget at a time.
    let mut frames = 0;
    let mut longest = Duration::ZERO;
    loop {
        let frame = Instant::now();
        let drained = loading.drain(Duration::from_millis(8), |c| {
            let id = c.id;
            session.push(c);
            id
        });
        longest = longest.max(frame.elapsed());
        frames += 1;
        match drained {
            Drained::Done => break,
            // The window would sleep until woken; a millisecond stands in.
            Drained::Waiting => std::thread::sleep(Duration::from_millis(1)),
            Drained::More => {}
        }
    }
    let total = started.elapsed();
    let grown = rss().saturating_sub(before);
    println!(
        "open {} ({:.0} MB, {} events): read {:.2} s, all in {:.2} s ({frames} frames, longest insert {:.1} ms); {:.0} MB over the empty session ({} rows)",
        path.display(),
        size as f64 / 1e6,
        expected,
        read.as_secs_f64(),
        total.as_secs_f64(),
        longest.as_secs_f64() * 1000.0,
        grown as f64 / 1e6,
        session.row_count()
    );
}

fn write_session(path: &std::path::Path, session: &Session) {
    let Ok(out) = std::fs::File::create(path) else {
        return;
    };
    let mut out = std::io::BufWriter::new(out);
    let _ = file::write(
        &mut out,
        session.captures().map(|c| c.received()),
        session.exchanges.all(),
        chrono::Local::now().fixed_offset(),
    );
    let _ = out.flush();
}

/// A 200-byte job update; 10 events per job, as an ATS sends a job's life.
fn small_job(i: usize, routes: &Routes) -> Capture {
    let job = 100_000 + i / 10;
    let event = if i.is_multiple_of(10) {
        "creation"
    } else {
        "update"
    };
    let mut body = format!(
        r#"{{"event":"{event}","type":"job","data":{{"job_id":{job},"job_title":"Développeur Rust {job}","job_reference":"REF-{job}","job_city":"Lyon","job_zipcode":"69003","job_x":{i}}}}}"#
    );
    while body.len() < 200 {
        body.insert(body.len() - 2, ' ');
    }
    let head = RequestHead::new(
        "POST",
        "/job",
        "127.0.0.1:53422",
        [
            ("Host", "127.0.0.1:8090".to_owned()),
            ("User-Agent", "curl/7.88.1".to_owned()),
            ("Content-Type", "application/json".to_owned()),
        ],
    );
    Received::loaded(
        i as u64 + 1,
        hookscope::capture::received_now(),
        head,
        body.into_bytes(),
        None,
        routes,
    )
    .summarise(routes)
}

/// The spec's candidate, with a new id each time, as sent through a tunnel.
fn candidate(i: usize, routes: &Routes) -> Capture {
    let body = CANDIDATE.replacen("1234567876", &format!("{:010}", 2_000_000_000 + i), 1);
    let head = RequestHead::new(
        "POST",
        "/candidate",
        "127.0.0.1:41766",
        [
            ("Host", "hooks.example.ngrok.app".to_owned()),
            ("User-Agent", "HumanSourcing-Webhooks/2.1".to_owned()),
            ("Content-Length", body.len().to_string()),
            ("Content-Type", "application/json".to_owned()),
            ("X-Forwarded-For", "203.0.113.7".to_owned()),
            (
                "X-Request-Id",
                format!("b6a1c1d2-{i:08x}-4f8e-9a51-3c2d1e0f9a7b"),
            ),
        ],
    );
    Received::loaded(
        i as u64 + 1,
        hookscope::capture::received_now(),
        head,
        body.into_bytes(),
        None,
        routes,
    )
    .summarise(routes)
}

/// Resident memory of this process, in bytes.
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}
