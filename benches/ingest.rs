//! What one more event costs as it arrives in a session of 100,000: the
//! answer path a request worker runs before answering (decode, borrowing
//! envelope check, journal record), the summary made after the answer
//! (parse, summary, spec conformance), and adding it to the session (rows,
//! entity history, anomalies) and to a live filter. Prints figures; asserts
//! nothing about speed.
//!
//! cargo bench --bench ingest

use std::hint::black_box;
use std::time::Instant;

use hookscope::capture::{self, Capture, Received, RequestHead, Routes, received_now};
use hookscope::journal;
use hookscope::listener::DEFAULT_MAX_BODY;
use hookscope::session::Session;
use hookscope::session::filter::{Filter, FilteredRows};
use hookscope::session::open::SAMPLES;

const BACKGROUND: usize = 100_000;
const MEASURED: usize = 10_000;

fn head(url: &str) -> RequestHead {
    RequestHead::new(
        "POST",
        url,
        "127.0.0.1:50000",
        [("Content-Type", "application/json")],
    )
}

fn received(id: u64, url: &str, body: &[u8], routes: &Routes) -> Received {
    Received::loaded(id, received_now(), head(url), body.to_vec(), None, routes)
}

/// Milliseconds per item of `MEASURED` items since `started`.
fn per_item(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1e3 / MEASURED as f64
}

fn main() {
    let routes = Routes::default();
    let mut session = Session::new();
    for i in 0..BACKGROUND {
        let (name, body) = SAMPLES[i % SAMPLES.len()];
        let url = if name.starts_with("job") {
            "/job"
        } else {
            "/candidate"
        };
        session.push(received(i as u64 + 1, url, body.as_bytes(), &routes).summarise(&routes));
    }
    let mut visible = FilteredRows::new(Filter::search("vanessa"));
    visible.update(&session);

    // A spec candidate (7 KB), each time a new entity (so that nothing is a duplicate).
    let candidate = SAMPLES[3].1;
    let bodies: Vec<Vec<u8>> = (0..MEASURED)
        .map(|i| {
            candidate
                .replace("1234567876", &(2_000_000_000 + i).to_string())
                .into_bytes()
        })
        .collect();
    let head = head("/candidate");

    // What a request worker does before answering, as the listener calls it.
    let started = Instant::now();
    for body in &bodies {
        black_box(capture::answer(&head, body, &routes, DEFAULT_MAX_BODY));
    }
    let answer = per_item(started);

    let received: Vec<Received> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| received((BACKGROUND + i) as u64 + 1, "/candidate", &body, &routes))
        .collect();
    let mut record = Vec::with_capacity(16 * 1024);
    let started = Instant::now();
    for r in &received {
        record.clear();
        journal::encode(r, &mut record).expect("a journal record");
        black_box(&record);
    }
    let encode = per_item(started);

    let started = Instant::now();
    let captures: Vec<Capture> = received.into_iter().map(|r| r.summarise(&routes)).collect();
    let summarise = per_item(started);

    let started = Instant::now();
    for capture in captures {
        session.push(capture);
        visible.update(&session);
    }
    let add = per_item(started);

    println!(
        "one more spec candidate ({} bytes) in a session of {BACKGROUND} events:",
        candidate.len()
    );
    println!("  answer path, before the answer:");
    println!("    decode and envelope check (capture::answer):     {answer:.4} ms");
    println!("    journal record (journal::encode):                {encode:.4} ms");
    println!(
        "  summarise and check (Received::summarise):          {summarise:.4} ms   (target 0.2 ms: {:.0}% of it)",
        summarise / 0.2 * 100.0
    );
    println!("  add to the session and a live search:              {add:.4} ms");
    println!(
        "  in all:                                            {:.4} ms",
        answer + encode + summarise + add
    );
}
