//! Pins and notes in files: session file version 3 round trip, version 2
//! files still open, marks follow captures numbered anew when appended,
//! HAR carries them as `_hookscope_*` fields, and the CLI's export keeps
//! them.

mod common;

use std::time::Duration;

use common::{request, time};
use hookscope::capture::{Received, Routes};
use hookscope::loading::{Drained, Loaded, Loading};
use hookscope::session::file;
use hookscope::session::open;
use hookscope::session::{Mark, Marks, har};
use hookscope::task::Progress;
use hookscope::waker::Waker;

const NOTE: &str = "sent twice by the ATS\nsecond line, \"quoted\" — é";

fn captures() -> Vec<Received> {
    [
        ("/job", common::JOB_CREATION),
        ("/candidate", common::CANDIDATE_CREATION),
        ("/job", common::JOB_DELETE),
    ]
    .iter()
    .enumerate()
    .map(|(i, (url, body))| {
        request(url, body)
            .id(i as u64 + 1)
            .at(time(i as i64))
            .received()
    })
    .collect()
}

fn marks() -> Marks {
    let mut marks = Marks::default();
    marks.set_pinned(2, true);
    marks.set_note(2, NOTE);
    marks.set_note(3, "a note, not pinned");
    marks
}

fn written(marks: &Marks) -> Vec<u8> {
    let mut out = Vec::new();
    file::write_marked(&mut out, &captures(), &[], marks, time(0)).expect("write");
    out
}

fn same_marks(got: &Marks, want: &Marks) {
    let got: Vec<(u64, Mark)> = got.iter().map(|(id, m)| (id, m.clone())).collect();
    let want: Vec<(u64, Mark)> = want.iter().map(|(id, m)| (id, m.clone())).collect();
    assert_eq!(got, want);
}

#[test]
fn version_3_keeps_pins_and_notes_both_ways_of_reading() {
    let bytes = written(&marks());
    let text = String::from_utf8(bytes.clone()).expect("UTF-8");
    assert!(text.starts_with(r#"{"format":"hookscope-session","version":3,"#));
    assert_eq!(text.matches("\"pinned\":true").count(), 1, "{text}");
    // Captures without a mark carry no field for it.
    assert!(!text.lines().nth(1).unwrap_or_default().contains("note"));
    let routes = Routes::default();
    let whole = file::read(&bytes, &routes).expect("whole");
    let lines = file::read_lines(&bytes[..], &routes, &Progress::default()).expect("lines");
    for read in [whole, lines] {
        assert_eq!(read.captures.len(), 3);
        same_marks(&read.marks, &marks());
        assert_eq!(read.marks.note(2), NOTE, "the note is kept as written");
    }
    // Written again, the same bytes.
    let again = file::read(&bytes, &routes).expect("read");
    let mut out = Vec::new();
    file::write_marked(&mut out, &again.captures, &[], &again.marks, time(0)).expect("write");
    assert_eq!(out, bytes);
}

#[test]
fn a_version_2_file_still_opens_without_marks() {
    let bytes = written(&Marks::default());
    let text = String::from_utf8(bytes).expect("UTF-8");
    let v2 = text.replacen("\"version\":3", "\"version\":2", 1);
    let routes = Routes::default();
    let read = file::read_lines(v2.as_bytes(), &routes, &Progress::default()).expect("v2");
    assert_eq!(read.captures.len(), 3);
    assert!(read.marks.is_empty());
    let opened = open::read("old.json", v2.as_bytes(), &routes).expect("open");
    assert_eq!(opened.captures.len(), 3);
    assert!(opened.marks.is_empty());
}

/// Loads as the window does: a capture whose id does not come after the
/// last one inserted is numbered anew.
fn load(loaded: Loaded, last_id: &mut u64) -> Vec<(u64, Mark)> {
    let mut loading =
        Loading::start(loaded, Routes::default(), Waker::new()).expect("loading starts");
    let deadline = std::time::Instant::now() + common::WAIT;
    loop {
        let drained = loading.drain(Duration::from_millis(8), |mut capture| {
            if capture.id <= *last_id {
                capture.id = *last_id + 1;
            }
            *last_id = capture.id;
            capture.id
        });
        if drained == Drained::Done {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
        assert!(std::time::Instant::now() < deadline, "loading never ended");
    }
    loading.take_marks()
}

#[test]
fn marks_follow_their_captures_when_appended_and_numbered_anew() {
    let bytes = written(&marks());
    let routes = Routes::default();
    // The same file twice after 10 captures: ids 11..=13 and 14..=16.
    let mut loaded = Loaded::default();
    for _ in 0..2 {
        let opened = open::read("s.json", &bytes, &routes).expect("open");
        loaded.add(opened.captures, opened.exchanges, opened.marks);
    }
    let mut last_id = 10;
    let mut got = load(loaded, &mut last_id);
    assert_eq!(last_id, 16);
    got.sort_by_key(|(id, _)| *id);
    let ids: Vec<u64> = got.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids, [12, 13, 15, 16]);
    assert!(got[0].1.pinned && got[0].1.note == NOTE);
    assert!(!got[1].1.pinned && got[1].1.note == "a note, not pinned");
    assert_eq!(got[2].1, got[0].1);
}

#[test]
fn har_carries_marks_on_its_entries_and_reads_them_back() {
    let mut out = Vec::new();
    har::write_marked(&mut out, &captures(), &[], &marks(), har::DEFAULT_ORIGIN).expect("write");
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    let entries = doc["log"]["entries"].as_array().expect("entries");
    assert_eq!(entries[1]["_hookscope_pinned"], true);
    assert_eq!(entries[1]["_hookscope_note"], NOTE);
    assert!(entries[0].get("_hookscope_pinned").is_none());
    let read = har::read(&out, &Routes::default(), "s.har").expect("read");
    same_marks(&read.marks, &marks());

    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("marked.har");
    std::fs::write(&path, &out).expect("write");
    if let Some(output) = common::har_validator(&[path]) {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn the_cli_export_and_redact_keep_pins_and_notes() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let input = dir.path().join("in.json");
    std::fs::write(&input, written(&marks())).expect("write");
    for (command, out) in [("export", "out.json"), ("redact", "redacted.json")] {
        let out = dir.path().join(out);
        let output = common::run_to_end(&[
            command,
            input.to_str().expect("path"),
            "--out",
            out.to_str().expect("path"),
        ]);
        assert!(
            output.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let bytes = std::fs::read(&out).expect("written");
        let read = file::read(&bytes, &Routes::default()).expect("reads");
        same_marks(&read.marks, &marks());
    }
}

#[test]
fn the_cli_report_shows_the_pin_and_the_note_as_written() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let input = dir.path().join("in.json");
    std::fs::write(&input, written(&marks())).expect("write");
    let out = dir.path().join("report.zip");
    let output = common::run_to_end(&[
        "report",
        input.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).expect("zip")).expect("a zip");
    let mut md = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("report.md").expect("report.md"), &mut md)
        .expect("text");
    assert!(md.contains("## Capture 2: candidate creation"), "{md}");
    assert!(md.contains("· Pinned"), "{md}");
    assert!(
        md.contains("> sent twice by the ATS\n> second line, \"quoted\" — é"),
        "{md}"
    );
    let mut json = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("session.json").expect("json"), &mut json)
        .expect("text");
    let read = file::read(json.as_bytes(), &Routes::default()).expect("reads");
    assert!(read.marks.is_pinned(2));
}
