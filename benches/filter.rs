//! Search and filters over a session of 100,000 events (the spec samples,
//! mixed): time to apply a new search or filter (here, and on a worker as
//! the window does), to follow one new row, to show "pinned only" with
//! 1,000 pins, and to sort the rows by a column of the user's (on a worker
//! in the window: this is how long the old order stays).
//! Prints figures against the 50 ms target; asserts nothing about speed.
//!
//! cargo bench --bench filter

use std::time::{Duration, Instant};

use hookscope::capture::{Capture, Routes, Status};
use hookscope::session::filter::{EventClass, Filter, FilteredRows, KindSet};
use hookscope::session::open::SAMPLES;
use hookscope::session::{Session, columns};
use hookscope::waker::Waker;

#[path = "support/samples.rs"]
mod samples;

const EVENTS: usize = 100_000;
const TARGET_MS: f64 = 50.0;
const ROUNDS: usize = 7;

/// Median and best of `ROUNDS` runs of `f`, each on fresh state from `setup`.
fn time<S>(mut setup: impl FnMut() -> S, mut f: impl FnMut(&mut S)) -> (Duration, Duration) {
    let mut runs: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let mut state = setup();
            let started = Instant::now();
            f(&mut state);
            started.elapsed()
        })
        .collect();
    runs.sort();
    (runs[ROUNDS / 2], runs[0])
}

fn report(what: &str, shown: usize, (median, best): (Duration, Duration)) {
    let ms = median.as_secs_f64() * 1000.0;
    println!(
        "{what:<44} {shown:>7} shown | median {ms:>9.4} ms (best {:>9.4}) | {:>6.3}x the {TARGET_MS} ms target",
        best.as_secs_f64() * 1000.0,
        ms / TARGET_MS,
    );
}

fn main() {
    let routes = Routes::default();
    let templates: Vec<Capture> = (0..SAMPLES.len())
        .map(|i| samples::sample_received(i, 0, &routes).summarise(&routes))
        .collect();
    let mut session = Session::new();
    let mut body_bytes = 0usize;
    for i in 0..EVENTS {
        let mut capture = templates[i % templates.len()].clone();
        capture.id = i as u64 + 1;
        body_bytes += capture.body.len();
        session.push(capture);
    }
    println!(
        "{} events, {} MiB of bodies, {} threads available",
        session.row_count(),
        body_bytes >> 20,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let searches = [
        (
            "new search: a word in some bodies (Maxime)",
            Filter::search("Maxime"),
        ),
        (
            "new search: a word in no body",
            Filter::search("Zwölfkampf"),
        ),
        ("new search: an id (126751)", Filter::search("126751")),
        ("new search: an email", Filter::search("[email protected]")),
        (
            "toggles only: updates",
            Filter {
                events: KindSet::only(EventClass::Update),
                ..Filter::default()
            },
        ),
        (
            "toggles only: warnings and errors",
            Filter {
                statuses: [Status::Warning, Status::Error].into_iter().collect(),
                ..Filter::default()
            },
        ),
        (
            "search and toggle: \"spont\", updates",
            Filter {
                text: "spont".to_owned(),
                events: KindSet::only(EventClass::Update),
                ..Filter::default()
            },
        ),
    ];
    let mut all = FilteredRows::default();
    all.update(&session);
    for (what, filter) in &searches {
        let mut shown = 0;
        let timing = time(
            || {
                let mut rows = FilteredRows::default();
                rows.update(&session);
                rows
            },
            |rows| {
                rows.set_filter(filter.clone(), &session);
                shown = rows.len();
            },
        );
        report(what, shown, timing);
    }

    // Typing one more letter: only the rows shown now are looked at again.
    let mut shown = 0;
    let timing = time(
        || {
            let mut rows = FilteredRows::new(Filter::search("Maxim"));
            rows.update(&session);
            rows
        },
        |rows| {
            rows.set_filter(Filter::search("Maxime"), &session);
            shown = rows.len();
        },
    );
    report("narrowing: Maxim -> Maxime", shown, timing);

    // As the window does it: a worker searches, the UI thread only starts
    // it and, once woken, takes the result.
    let (wake, woken) = std::sync::mpsc::channel();
    let waker = Waker::to(move || {
        let _ = wake.send(());
    });
    let (mut on_ui, mut until_shown) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let mut rows = FilteredRows::in_background(Filter::default(), waker.clone());
        rows.update(&session);
        let started = Instant::now();
        rows.set_filter(Filter::search("Maxime"), &session);
        let mut ui = started.elapsed();
        while rows.is_searching() {
            woken
                .recv_timeout(Duration::from_secs(60))
                .expect("the worker wakes the window");
            let adopting = Instant::now();
            rows.update(&session);
            ui += adopting.elapsed();
        }
        until_shown.push(started.elapsed());
        on_ui.push(ui);
        shown = rows.len();
    }
    on_ui.sort();
    until_shown.sort();
    report(
        "on a worker: UI thread's share (Maxime)",
        shown,
        (on_ui[ROUNDS / 2], on_ui[0]),
    );
    report(
        "on a worker: until shown (Maxime)",
        shown,
        (until_shown[ROUNDS / 2], until_shown[0]),
    );

    // One new row arrives while a search is shown.
    let mut rows = FilteredRows::new(Filter::search("Maxime"));
    rows.update(&session);
    let mut runs = Vec::new();
    for i in 0..ROUNDS {
        let mut capture = templates[(EVENTS + i) % templates.len()].clone();
        capture.id = (EVENTS + i) as u64 + 1;
        session.push(capture);
        let started = Instant::now();
        rows.update(&session);
        runs.push(started.elapsed());
    }
    runs.sort();
    report(
        "update: one new row, search shown",
        rows.len(),
        (runs[ROUNDS / 2], runs[0]),
    );

    // "Pinned only": a look-up per pin, whatever the session's size.
    for n in 0..1_000u64 {
        session.marks_mut().set_pinned(n * 97 + 1, true);
    }
    let pinned = Filter {
        pinned_only: true,
        ..Filter::default()
    };
    let mut shown = 0;
    let timing = time(
        || {
            let mut rows = FilteredRows::default();
            rows.update(&session);
            rows
        },
        |rows| {
            rows.set_filter(pinned.clone(), &session);
            shown = rows.len();
        },
    );
    report("pinned only: 1,000 pins", shown, timing);

    // Sorting every row by a column of the user's, on all cores.
    let snapshot = session.snapshot();
    let all: Vec<u32> = (0..session.row_count() as u32).collect();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let mut sorted = 0;
    let timing = time(
        || (),
        |_| {
            sorted = columns::sorted_order(&snapshot, &all, "/job_title", false, &cancel)
                .map_or(0, |order| order.len());
        },
    );
    report("sort by a column: /job_title, all rows", sorted, timing);
}
