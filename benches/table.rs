//! Frame time of the real app holding 100 and 100,000 events, and what the
//! session costs per event. Prints figures; asserts nothing about speed.
//!
//! cargo bench --bench table

use std::time::Instant;

use egui_kittest::Harness;
use hookscope::capture::{Capture, Routes};
use hookscope::listener::ListenerConfig;
use hookscope::ui::App;

#[path = "support/samples.rs"]
mod samples;

const FRAMES: usize = 60;

fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let routes = Routes::default();
    let templates: Vec<Capture> = (0..6)
        .map(|i| samples::sample_received(i, 0, &routes).summarise(&routes))
        .collect();
    let mut frame_ms = Vec::new();
    for events in [100usize, 100_000] {
        let mut harness = Harness::builder()
            .with_size([1400.0, 900.0])
            .build_eframe(|cc| {
                App::new(
                    cc,
                    ListenerConfig {
                        port: 0,
                        ..Default::default()
                    },
                )
            });
        harness.run();

        let before = resident_bytes();
        let started = Instant::now();
        let mut raw_bytes = 0u64;
        for i in 0..events {
            let capture = templates[i % templates.len()].clone();
            raw_bytes += capture.body.len() as u64;
            harness.state_mut().feed(capture);
        }
        let ingest = started.elapsed();
        let grown = resident_bytes().saturating_sub(before);

        harness.run();
        let started = Instant::now();
        for _ in 0..FRAMES {
            harness.step();
        }
        let per_frame = started.elapsed().as_secs_f64() * 1000.0 / FRAMES as f64;
        frame_ms.push(per_frame);
        println!(
            "{events:>7} events: frame {per_frame:.2} ms | ingest {:.0} events/s | memory {:.2}x raw bytes ({} MiB for {} MiB of bodies, {:.0} B/event over raw)",
            events as f64 / ingest.as_secs_f64(),
            grown as f64 / raw_bytes as f64,
            grown >> 20,
            raw_bytes >> 20,
            (grown as f64 - raw_bytes as f64) / events as f64,
        );
    }
    println!(
        "frame time with 100,000 events / with 100: {:.2}",
        frame_ms[1] / frame_ms[0]
    );
}
