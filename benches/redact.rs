//! Redaction at scale: a session of 100,000 events (the spec samples, mixed)
//! redacted with the default policy by `Redactor::all` on all cores. Prints
//! MB/s of body bytes and the time; the target is 100 MB/s.
//! Prints figures; asserts nothing about speed.
//!
//! cargo bench --bench redact

use std::time::Instant;

use hookscope::capture::{Received, Routes};
use hookscope::redact::{Options, Policy, Redactor};

#[path = "support/samples.rs"]
mod samples;

const EVENTS: usize = 100_000;
const RUNS: usize = 3;

fn main() {
    let routes = Routes::default();
    let captures: Vec<Received> = (0..EVENTS)
        .map(|i| samples::sample_received(i, i as u64 + 1, &routes))
        .collect();
    let refs: Vec<&Received> = captures.iter().collect();
    let bytes: usize = captures.iter().map(|c| c.body.len()).sum();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{EVENTS} events, {:.1} MB of bodies, {cores} core(s)",
        bytes as f64 / 1e6
    );
    for (name, options) in [
        ("default policy", Options::default()),
        (
            "with --redact-ids",
            Options {
                redact_ids: true,
                ..Options::default()
            },
        ),
    ] {
        let mut best = f64::MAX;
        let mut replaced = 0;
        for _ in 0..RUNS {
            let redactor = Redactor::new(Policy::default(), options);
            let started = Instant::now();
            let redacted = redactor.all(&refs, &[]);
            let seconds = started.elapsed().as_secs_f64();
            best = best.min(seconds);
            replaced = redacted.tally.total();
            assert_eq!(redacted.captures.len(), EVENTS);
            drop(redacted);
        }
        println!(
            "redact ({name:<17}) {:7.0} MB/s  ({:.3} s best of {RUNS}; {replaced} values replaced)",
            bytes as f64 / 1e6 / best,
            best
        );
    }
}
