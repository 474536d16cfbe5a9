//! `hookscope send` and `hookscope scenario burst` (their runners, in
//! process, as the CLI runs them) against the bare tiny_http server with 4
//! workers: requests per second at 16 connections with the spec's 7 KB
//! candidate, printed beside the bare server's own count of bodies read and
//! beside the throughput bench's load client on the same server (the
//! server's ceiling). Prints figures; asserts nothing about speed. Target:
//! at least 10,000 req/s.
//!
//!   cargo bench --bench send               50,000 sends, 20,000 burst steps
//!   cargo bench --bench send -- quick      5,000 and 2,000

#[path = "support/bare.rs"]
mod bare;
// Copied unchanged: its unit tests are not run here.
#[cfg_attr(test, allow(dead_code))]
#[path = "support/load.rs"]
mod load;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use hookscope::act::{self, SendOptions};
use hookscope::outbound::{Client, Scenario, ScenarioOptions, ScenarioUrls, Timeouts};

use bare::Bare;

const BODY_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/samples/candidate_creation.json"
);
const CONCURRENCY: usize = 16;
const BARE_WORKERS: usize = 4;

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
    let body_len = std::fs::metadata(BODY_FILE)
        .map_err(|e| e.to_string())?
        .len();
    println!(
        "POST to a bare tiny_http 0.12 server ({BARE_WORKERS} workers), {CONCURRENCY} connections, keep-alive"
    );
    let bare = Bare::start(BARE_WORKERS).map_err(|e| e.to_string())?;
    let client = Client::new(Timeouts::default());
    let url = format!("http://{}/candidate", bare.addr());

    // The server's ceiling with the throughput bench's client, for comparison.
    let ceiling = load::run(&load::Load {
        addr: bare.addr(),
        path: "/candidate".to_owned(),
        body: std::fs::read(BODY_FILE).map_err(|e| e.to_string())?,
        connections: CONCURRENCY,
        duration: Duration::from_secs(if sends > 5_000 { 5 } else { 2 }),
    })
    .map_err(|e| e.to_string())?;
    println!(
        "load client     {:>7.0} req/s  p50 {:.2} ms  p99 {:.2} ms  ({} requests)",
        ceiling.per_second(),
        ceiling.p50.as_secs_f64() * 1e3,
        ceiling.p99.as_secs_f64() * 1e3,
        ceiling.requests
    );

    let before = bare.requests();
    let options = SendOptions {
        url: url.clone(),
        bodies: vec![BODY_FILE.to_owned()],
        headers: Vec::new(),
        repeat: sends,
        concurrency: CONCURRENCY,
    };
    let (mut out, mut err) = (LastLine::default(), Vec::new());
    let status = act::send(&options, &client, &mut out, &mut err);
    println!(
        "send ({body_len} B)  {}  [exit {status}; bare read {}]",
        out.last,
        bare.requests() - before
    );
    if !err.is_empty() {
        print!("{}", String::from_utf8_lossy(&err));
    }

    let before = bare.requests();
    let urls = ScenarioUrls {
        job: format!("http://{}/job", bare.addr()),
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
    let status = act::scenario(
        Scenario::Burst,
        &urls,
        &options,
        CONCURRENCY,
        &client,
        &mut out,
        &mut err,
    );
    println!(
        "burst ({steps_len} B) {}  [exit {status}; bare read {}]",
        out.last,
        bare.requests() - before
    );
    Ok(())
}
