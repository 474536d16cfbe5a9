//! Request throughput of the real listener against the transport ceiling, a
//! bare tiny_http 0.12 server with 4 workers, loaded by the same keep-alive
//! client in the same run: 16 and 64 connections POSTing the spec's
//! candidate (7 KB). Then checks that every acknowledged (2xx) request
//! reached the session; a missing one is the only failure (exit 1).
//! Prints figures; asserts nothing about speed. Target: >= 0.85x bare.
//!
//!   cargo bench --bench throughput               10 s per run
//!   cargo bench --bench throughput -- quick      3 s per run
//!   cargo bench --bench throughput -- --target 127.0.0.1:PORT [quick]
//!       loads a hookscope already running there instead (the window, see
//!       window_throughput.sh) and prints `acknowledged N` for its caller
//!       to compare with the journal. Loopback only.

#[path = "support/bare.rs"]
mod bare;
// Copied unchanged: its unit tests are not run here.
#[cfg_attr(test, allow(dead_code))]
#[path = "support/load.rs"]
mod load;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, bounded, select};
use hookscope::capture::Capture;
use hookscope::journal::{self, Journal};
use hookscope::listener::{Listener, ListenerConfig};
use hookscope::session::Session;
use hookscope::waker::Waker;

use bare::Bare;
use load::{Load, Outcome};

const BODY: &[u8] = include_bytes!("../assets/samples/candidate_creation.json");
const CONNECTIONS: [usize; 2] = [16, 64];
const BARE_WORKERS: usize = 4;
/// As `hookscope listen` and the window size their channel.
const CHANNEL_CAPACITY: usize = 65_536;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "quick" || a == "--quick");
    let seconds = if quick { 3 } else { 10 };
    let target = match args.iter().position(|a| a == "--target") {
        None => None,
        Some(i) => match args.get(i + 1).map(|a| a.parse::<SocketAddr>()) {
            Some(Ok(addr)) if addr.ip().is_loopback() => Some(addr),
            Some(Ok(addr)) => {
                eprintln!("refusing to load {addr}: loopback addresses only");
                return ExitCode::from(2);
            }
            _ => {
                eprintln!("--target needs an address such as 127.0.0.1:8090");
                return ExitCode::from(2);
            }
        },
    };
    let duration = Duration::from_secs(seconds);
    println!(
        "POST /candidate, {} bytes, {seconds} s per run, keep-alive; bare = tiny_http 0.12 with {BARE_WORKERS} workers",
        BODY.len()
    );
    let result = match target {
        Some(addr) => external(addr, duration),
        None => in_process(duration),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("throughput: {e}");
            ExitCode::from(2)
        }
    }
}

fn load(addr: SocketAddr, connections: usize, duration: Duration) -> std::io::Result<Outcome> {
    load::run(&Load {
        addr,
        path: "/candidate".to_owned(),
        body: BODY.to_vec(),
        connections,
        duration,
    })
}

fn print(name: &str, connections: usize, o: &Outcome) {
    println!(
        "c={connections:<3} {name:<8} {:>7.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  2xx {:>7} of {:>7}  errors {}",
        o.per_second(),
        o.p50.as_secs_f64() * 1e3,
        o.p99.as_secs_f64() * 1e3,
        o.max.as_secs_f64() * 1e3,
        o.ok,
        o.requests,
        o.errors
    );
}

/// Loads the bare server on a fresh instance and prints it.
fn bare_run(connections: usize, duration: Duration) -> std::io::Result<Outcome> {
    let bare = Bare::start(BARE_WORKERS)?;
    let outcome = load(bare.addr(), connections, duration)?;
    print("bare", connections, &outcome);
    // A sanity check on the client: the server read at least what it answered.
    if bare.requests() < outcome.ok {
        println!(
            "c={connections:<3} bare read {} bodies but answered {}?",
            bare.requests(),
            outcome.ok
        );
    }
    Ok(outcome)
}

fn ratio(listener: &Outcome, bare: &Outcome) -> f64 {
    listener.per_second() / bare.per_second().max(1.0)
}

/// The real listener with its journal, as `hookscope listen` starts it, and
/// its output drained into a session on another thread, as the window does.
fn in_process(duration: Duration) -> std::io::Result<bool> {
    let mut complete = true;
    for connections in CONNECTIONS {
        let bare = bare_run(connections, duration)?;

        let data_dir = tempfile::tempdir()?;
        let journal = Arc::new(Journal::create(data_dir.path())?);
        let (output, captures) = bounded(CHANNEL_CAPACITY);
        let config = ListenerConfig {
            port: 0,
            ..ListenerConfig::default()
        };
        let listener = Listener::start(
            config,
            Arc::new(AtomicU64::new(1)),
            output,
            Waker::new(),
            Some(journal.clone()),
        )
        .map_err(std::io::Error::other)?;
        let (stop, stopped) = bounded::<()>(1);
        let drain = drain(captures, stopped)?;

        let outcome = load(listener.local_addr(), connections, duration)?;
        print("listener", connections, &outcome);
        println!(
            "c={connections:<3} listener / bare: {:.2}x   (target 0.85x)",
            ratio(&outcome, &bare)
        );

        let delivered = listener.stats().requests;
        listener.stop().join();
        let _ = stop.send(());
        let session = drain
            .join()
            .map_err(|_| std::io::Error::other("the drain thread panicked"))?;
        let journalled = journal.bytes_written();
        let _ = journal::finish_shared(journal);

        // Answers that landed after the client's window are acknowledged but
        // not counted by it: the session may hold a few more, never fewer.
        let held = session.capture_count() as u64;
        let missing = outcome.ok.saturating_sub(held);
        println!(
            "c={connections:<3} acknowledged {} (2xx within the window); listener read {delivered}; session holds {held} captures, {} rows; journal {:.0} MB: {}",
            outcome.ok,
            session.row_count(),
            journalled as f64 / 1e6,
            if missing == 0 {
                format!(
                    "all acknowledged requests reached the session ({} answered after the window)",
                    held - outcome.ok
                )
            } else {
                format!("MISSING {missing} acknowledged request(s)")
            }
        );
        complete &= missing == 0;
    }
    Ok(complete)
}

/// Moves batches into a session until told to stop, then takes what is left.
fn drain(
    captures: Receiver<Vec<Capture>>,
    stopped: Receiver<()>,
) -> std::io::Result<JoinHandle<Session>> {
    std::thread::Builder::new()
        .name("drain".to_owned())
        .spawn(move || {
            let mut session = Session::new();
            let mut push = |batch: Vec<Capture>| batch.into_iter().for_each(|c| session.push(c));
            loop {
                select! {
                    recv(captures) -> batch => match batch {
                        Ok(batch) => push(batch),
                        Err(_) => break,
                    },
                    recv(stopped) -> _ => break,
                }
            }
            while let Ok(batch) = captures.try_recv() {
                push(batch);
            }
            session
        })
}

/// A hookscope running elsewhere (on this machine): loads it and the bare
/// server alike; the caller checks the count against the journal.
fn external(addr: SocketAddr, duration: Duration) -> std::io::Result<bool> {
    let mut acknowledged = 0;
    for connections in CONNECTIONS {
        let bare = bare_run(connections, duration)?;
        let outcome = load(addr, connections, duration)?;
        print("target", connections, &outcome);
        println!(
            "c={connections:<3} target / bare: {:.2}x",
            ratio(&outcome, &bare)
        );
        acknowledged += outcome.ok;
    }
    // Parsed by window_throughput.sh; the connections bound the requests
    // answered after a window closed.
    println!(
        "acknowledged {acknowledged} in-flight-bound {}",
        CONNECTIONS.iter().sum::<usize>()
    );
    Ok(true)
}
