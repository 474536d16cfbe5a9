//! What one more event costs as it arrives in a session of 100,000: reading
//! it (parse, summary, spec conformance) and adding it to the session
//! (rows, entity history, anomalies) and to a live filter. Prints figures;
//! asserts nothing about speed.
//!
//! cargo bench --bench ingest

use std::time::Instant;

use hookscope::capture::{Capture, Routes, Summary, received_now};
use hookscope::session::Session;
use hookscope::session::filter::{Filter, FilteredRows};
use hookscope::session::open::SAMPLES;

const BACKGROUND: usize = 100_000;
const MEASURED: usize = 10_000;

fn capture(id: u64, url: &str, body: &[u8], routes: &Routes) -> Capture {
    Capture {
        id,
        received_at: received_now(),
        remote_addr: "127.0.0.1:50000".to_owned(),
        method: "POST".to_owned(),
        url: url.to_owned(),
        headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
        body: body.to_vec(),
        response_status: 200,
        summary: Summary::of_request("POST", url, body, routes),
    }
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
        session.push(capture(i as u64 + 1, url, body.as_bytes(), &routes));
    }
    let mut visible = FilteredRows::new(Filter::search("vanessa"));
    visible.update(&session);

    // A spec candidate, each time a new entity (so that nothing is a duplicate).
    let candidate = SAMPLES[3].1;
    let bodies: Vec<Vec<u8>> = (0..MEASURED)
        .map(|i| {
            candidate
                .replace("1234567876", &(2_000_000_000 + i).to_string())
                .into_bytes()
        })
        .collect();

    let started = Instant::now();
    let summaries: Vec<Summary> = bodies
        .iter()
        .map(|body| Summary::of_request("POST", "/candidate", body, &routes))
        .collect();
    let summarise = started.elapsed().as_secs_f64() * 1e3 / MEASURED as f64;

    let captures: Vec<Capture> = bodies
        .into_iter()
        .zip(summaries)
        .enumerate()
        .map(|(i, (body, summary))| Capture {
            summary,
            ..capture(
                (BACKGROUND + i) as u64 + 1,
                "/candidate",
                &body,
                &Routes::default(),
            )
        })
        .collect();
    let started = Instant::now();
    for capture in captures {
        session.push(capture);
        visible.update(&session);
    }
    let add = started.elapsed().as_secs_f64() * 1e3 / MEASURED as f64;

    println!("one more spec candidate in a session of {BACKGROUND} events:");
    println!(
        "  summarise and check (parse, summary, conformance): {summarise:.4} ms   (target 0.2 ms: {:.0}% of it)",
        summarise / 0.2 * 100.0
    );
    println!("  add to the session and a live search:              {add:.4} ms");
    println!(
        "  in all:                                            {:.4} ms",
        summarise + add
    );
}
