//! Session files at scale: writes and reads a session of 100,000 events
//! (mixed job and candidate bodies from the spec samples) and prints MB/s
//! for export, import and HAR export, and the peak memory of an import.
//! Prints figures; asserts nothing about speed.
//!
//! cargo bench --bench sessions

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use hookscope::capture::{Received, Routes, received_now};
use hookscope::session::open;
use hookscope::session::{file, har};
use hookscope::task::Progress;

#[path = "support/samples.rs"]
mod samples;

const EVENTS: usize = 100_000;

fn captures() -> Vec<Received> {
    let routes = Routes::default();
    (0..EVENTS)
        .map(|i| samples::sample_received(i, i as u64 + 1, &routes))
        .collect()
}

fn peak_resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    kb("VmHWM:") * 1024
}

fn mb_per_s(bytes: u64, started: Instant) -> f64 {
    bytes as f64 / 1e6 / started.elapsed().as_secs_f64()
}

/// Runs in a child process so that its peak memory is the import's alone.
fn import_child(path: &Path) {
    let before = peak_resident_bytes();
    let started = Instant::now();
    let captures = open::read_file(path, &Routes::default(), &Progress::default())
        .unwrap_or_else(|e| panic!("import failed: {e}"))
        .captures;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let speed = mb_per_s(size, started);
    let peak = peak_resident_bytes();
    println!(
        "import     {speed:7.0} MB/s  ({} captures; peak memory {:.2}x the file: {} MiB over a {} MiB baseline, file {} MiB)",
        captures.len(),
        (peak.saturating_sub(before)) as f64 / size as f64,
        (peak.saturating_sub(before)) >> 20,
        before >> 20,
        size >> 20
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--import-child") {
        import_child(Path::new(&args[i + 1]));
        return;
    }
    let dir = std::env::temp_dir().join(format!("hookscope-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let session = dir.join("session.json");
    let har_path = dir.join("session.har");
    let captures = captures();

    let started = Instant::now();
    let mut out = BufWriter::new(File::create(&session).expect("create"));
    file::write(&mut out, &captures, &[], received_now()).expect("export");
    out.flush().expect("flush");
    let size = std::fs::metadata(&session).map(|m| m.len()).unwrap_or(0);
    println!(
        "export     {:7.0} MB/s  ({EVENTS} events, {} MiB)",
        mb_per_s(size, started),
        size >> 20
    );

    let started = Instant::now();
    let mut out = BufWriter::new(File::create(&har_path).expect("create"));
    har::write(&mut out, &captures, &[], "http://127.0.0.1:8090").expect("HAR export");
    out.flush().expect("flush");
    let har_size = std::fs::metadata(&har_path).map(|m| m.len()).unwrap_or(0);
    println!(
        "HAR export {:7.0} MB/s  ({} MiB)",
        mb_per_s(har_size, started),
        har_size >> 20
    );
    drop(captures);

    let status = std::process::Command::new(&args[0])
        .arg("--import-child")
        .arg(&session)
        .status()
        .expect("run the import");
    assert!(status.success(), "the import child failed");
    let _ = std::fs::remove_dir_all(&dir);
}
