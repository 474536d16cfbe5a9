//! Decompression bombs: small bodies that expand to 1 GiB must be refused at the cap without
//! the process ever holding anything near 1 GiB, whether decoded alone or posted to the real
//! listener. Kept in its own test binary (own process) so the memory readings are not
//! disturbed by other tests.

mod common;

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use flate2::Compression;
use flate2::write::GzEncoder;
use hookscope::capture::decode::{Coding, DecodeError, decode};

const CAP: u64 = 10 * 1024 * 1024;
const GIB: usize = 1024 * 1024 * 1024;
const MIB: u64 = 1024 * 1024;

/// The tests share one process-wide peak, so run them one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Gzip of 1 GiB of zeros, written in 1 MiB chunks so the input never exists in memory.
/// Built once: it is the slow part.
fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let zeros = vec![0u8; 1024 * 1024];
        let mut e = GzEncoder::new(Vec::new(), Compression::best());
        for _ in 0..GIB / zeros.len() {
            e.write_all(&zeros).unwrap();
        }
        let bomb = e.finish().unwrap();
        // The gzip trailer ends with the decoded size mod 2^32: 1 GiB fits.
        assert_eq!(bomb[bomb.len() - 4..], (GIB as u32).to_le_bytes());
        bomb
    })
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A field of /proc/self/status, in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// Decodes `body` and returns the result with how far the process's peak RSS rose above its
/// RSS at the start. Resetting the peak first (clear_refs 5) makes the reading about this call only.
fn decode_measured(codings: &[Coding], body: &[u8]) -> (Result<Vec<u8>, DecodeError>, u64) {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_bytes(if reset { "VmRSS:" } else { "VmHWM:" });
    let result = decode(codings, body, CAP);
    let peak = status_bytes("VmHWM:");
    assert!(peak < 512 * MIB, "process peak RSS {} MiB", peak / MIB);
    (result, peak.saturating_sub(before))
}

#[test]
fn gzip_bomb_is_refused_with_bounded_memory() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bomb = gzip_bomb();
    // Deflate tops out near 1000:1, so one layer of 1 GiB is about 1 MiB.
    assert!(bomb.len() < 2 * MIB as usize, "{} bytes", bomb.len());
    let (result, growth) = decode_measured(&[Coding::Gzip], bomb);
    assert_eq!(
        result,
        Err(DecodeError::TooLarge {
            coding: Coding::Gzip,
            limit: CAP
        })
    );
    assert!(growth < 64 * MIB, "RSS grew by {} MiB", growth / MIB);
    eprintln!(
        "single bomb: {} bytes, RSS growth {} KiB",
        bomb.len(),
        growth / 1024
    );
}

#[test]
fn nested_gzip_bomb_is_refused_with_bounded_memory() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bomb = gzip(gzip_bomb());
    // The second layer squeezes the first's repetitive output down to a few KB.
    assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
    let (result, growth) = decode_measured(&[Coding::Gzip, Coding::Gzip], &bomb);
    // The outer layer fits under the cap (about 1 MiB); the inner one is refused.
    assert_eq!(
        result,
        Err(DecodeError::TooLarge {
            coding: Coding::Gzip,
            limit: CAP
        })
    );
    assert!(growth < 64 * MIB, "RSS grew by {} MiB", growth / MIB);
    eprintln!(
        "nested bomb: {} bytes, RSS growth {} KiB",
        bomb.len(),
        growth / 1024
    );
}

#[test]
fn a_small_body_that_decodes_to_a_gibibyte_is_answered_413_with_bounded_memory() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let bomb = gzip(gzip_bomb());
    let listening = common::listening::Listening::start(std::time::Duration::from_secs(10));
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_bytes(if reset { "VmRSS:" } else { "VmHWM:" });

    let reply = listening.post_encoded("/job", "gzip, gzip", &bomb);
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(
        reply.body.contains("is over the 10485760 byte cap"),
        "{}",
        reply.body
    );

    let capture = listening.next_capture();
    assert_eq!(capture.status(), 413);
    assert_eq!(&capture.body[..], &bomb[..], "the exact bytes are kept");
    assert!(capture.decoded.is_none());
    let growth = status_bytes("VmHWM:").saturating_sub(before);
    assert!(growth < 64 * MIB, "RSS grew by {} MiB", growth / MIB);
}
