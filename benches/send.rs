//! `hookscope send` and `hookscope scenario burst` (their runners, in
//! process, as the CLI runs them) against a bare std server (a thread per
//! connection, `support/plain.rs`): requests per second at 16 connections
//! with the spec's 7 KB candidate, printed beside the server's own count of
//! bodies read and connections accepted, and beside the throughput bench's
//! load client on the same server (the server's ceiling). Prints figures;
//! asserts nothing about speed. Target: at least 10,000 req/s.
//!
//! Not the tiny_http server of the throughput bench: tiny_http 0.12 can
//! leave one of several connections opened at once unread until another
//! one closes (see `support/plain.rs`), which showed here as requests
//! unanswered until the client's 30 s timeout.
//!
//! A burst sends distinct candidates generated from the same sample, as
//! compact JSON (about 3.9 KB); its line says its body size.
//!
//!   cargo bench --bench send               50,000 sends, 20,000 burst steps
//!   cargo bench --bench send -- quick      5,000 and 2,000

// Copied unchanged: its unit tests are not run here.
#[cfg_attr(test, allow(dead_code))]
#[path = "support/load.rs"]
mod load;

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use hookscope::act::{self, SendOptions};
use hookscope::outbound::{Client, Scenario, ScenarioOptions, ScenarioUrls, Timeouts};

#[path = "support/plain.rs"]
mod plain;

use plain::Plain;

const BODY_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/samples/candidate_creation.json"
);
const CONCURRENCY: usize = 16;

/// Keeps the last line written (the summary) and counts the others.
#[derive(Default)]
struct LastLine {
    current: Vec<u8>,
    last: String,
    lines: u64,
}

impl Write for LastLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for &byte in bytes {
            if byte == b'\n' {
                self.last = String::from_utf8_lossy(&self.current).into_owned();
                self.current.clear();
                self.lines += 1;
            } else {
                self.current.push(byte);
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() -> ExitCode {
    let quick = std::env::args().any(|a| a == "quick" || a == "--quick");
    let (sends, burst) = if quick {
        (5_000, 2_000)
    } else {
        (50_000, 20_000)
    };
    match run(sends, burst) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("send bench: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(sends: usize, burst: usize) -> Result<(), String> {
    let body = std::fs::read(BODY_FILE).map_err(|e| e.to_string())?;
    println!(
        "POST to a bare std server (a thread per connection), {CONCURRENCY} connections, keep-alive"
    );
    let target = Plain::start().map_err(|e| e.to_string())?;
    let client = Client::with_connections(Timeouts::default(), CONCURRENCY);
    let url = format!("http://{}/candidate", target.addr());

    // The server's ceiling with the throughput bench's client, for comparison.
    let ceiling = load::run(&load::Load {
        addr: target.addr(),
        path: "/candidate".to_owned(),
        body: body.clone(),
        connections: CONCURRENCY,
        duration: Duration::from_secs(if sends > 5_000 { 5 } else { 2 }),
    })
    .map_err(|e| e.to_string())?;
    println!(
        "load client ({} B)  {:>7.0} req/s  p50 {:.2} ms  p99 {:.2} ms  ({} requests, {} errors)",
        body.len(),
        ceiling.per_second(),
        ceiling.p50.as_secs_f64() * 1e3,
        ceiling.p99.as_secs_f64() * 1e3,
        ceiling.requests,
        ceiling.errors
    );

    let options = SendOptions {
        url: url.clone(),
        bodies: vec![BODY_FILE.to_owned()],
        headers: Vec::new(),
        repeat: sends,
        concurrency: CONCURRENCY,
    };
    let (mut out, mut err) = (LastLine::default(), Vec::new());
    let seen = Seen::now(&target);
    let status = act::send(&options, &client, &mut out, &mut err);
    println!("send ({} B)  {}", body.len(), out.last);
    println!("  {}  [exit {status}]", seen.since(&target));
    if !err.is_empty() {
        print!("{}", String::from_utf8_lossy(&err));
    }

    let urls = ScenarioUrls {
        job: format!("http://{}/job", target.addr()),
        candidate: url,
    };
    let options = ScenarioOptions {
        size: 10,
        count: burst,
    };
    let steps_len = Scenario::Burst
        .steps(&urls, &ScenarioOptions { size: 1, count: 1 })
        .first()
        .map_or(0, |s| s.request.body.len());
    let mut out = LastLine::default();
    let seen = Seen::now(&target);
    let status = act::scenario(
        Scenario::Burst,
        &urls,
        &options,
        CONCURRENCY,
        &client,
        &mut out,
        &mut err,
    );
    println!("burst ({steps_len} B)  {}", out.last);
    println!("  {}  [exit {status}]", seen.since(&target));
    Ok(())
}

/// The target's own counts at a moment, to tell what it saw of a run.
struct Seen {
    at: Instant,
    requests: u64,
    connections: usize,
}

impl Seen {
    fn now(target: &Plain) -> Seen {
        Seen {
            at: Instant::now(),
            requests: target.requests(),
            connections: target.connections(),
        }
    }

    /// "target read 50000 bodies (12345 req/s), 16 new connection(s)".
    fn since(&self, target: &Plain) -> String {
        let requests = target.requests() - self.requests;
        let rate = requests as f64 / self.at.elapsed().as_secs_f64().max(1e-9);
        format!(
            "target read {requests} bodies ({rate:.0} req/s), {} new connection(s)",
            target.connections() - self.connections
        )
    }
}
