//! `hookscope report`, `export` and `redact` with the real binary: the
//! bug report zip and what is in it, choosing events, redacting or not,
//! policies read from files (and refused with their line), and redacted
//! HAR that har-validator accepts.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{SAMPLES, har_validator, request, run_to_end, session_with, time, unzip_test};
use hookscope::capture::{Received, Routes};
use hookscope::outbound::Origin;
use hookscope::redact::DEFAULT_TEXT;
use hookscope::session::{Session, file};
use serde_json::Value;

/// Personal data of the candidate sample, as the default policy covers it.
const FIRST_NAME: &str = "Candidate Firstname";
const CONSULTANT: &str = "DURANT";
/// The accented, HTML-laden name put in one candidate.
const ODD_NAME: &str = "Zoë <b>O'Brien</b> & \\\"Ñúñez\\\"";

/// The six samples, a candidate with an odd name, a body that is not
/// UTF-8 and truncated JSON; ids 1 to 9.
fn captures() -> Vec<Received> {
    let mut bodies: Vec<(&str, Vec<u8>)> = SAMPLES
        .iter()
        .map(|s| (s.path, s.body.as_bytes().to_vec()))
        .collect();
    let odd = SAMPLES[3].body.replacen(FIRST_NAME, ODD_NAME, 1);
    bodies.push(("/candidate", odd.into_bytes()));
    bodies.push(("/candidate", b"\xff\xfe{\"event\":\"creation\"}".to_vec()));
    bodies.push((
        "/job",
        br#"{"event":"creation","type":"job","data":{"id":"#.to_vec(),
    ));
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, (path, body))| {
            request(path, body)
                .id(i as u64 + 1)
                .at(time(i as i64))
                .header("Authorization", "Bearer s3cr3t-token")
                .received()
        })
        .collect()
}

/// A session file of [`captures`], a replay of capture 4 and a send.
fn write_session(dir: &Path) -> PathBuf {
    let path = dir.join("session.json");
    let exchanges = [
        common::exchange(1, Origin::Replay { capture: 4 }),
        common::exchange(2, Origin::Send),
    ];
    std::fs::write(&path, session_with(&captures(), &exchanges, time(0))).unwrap();
    path
}

fn run(args: &[&Path]) -> Output {
    let args: Vec<&str> = args.iter().map(|a| a.to_str().unwrap()).collect();
    run_to_end(&args)
}

fn p(text: &str) -> &Path {
    Path::new(text)
}

fn ok(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn failed(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "{}{stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    stderr
}

/// The entries of a zip, by name, in order.
fn unzip(path: &Path) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (entry.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

struct Bundle {
    md: String,
    session: Vec<u8>,
    har: Value,
}

fn bundle(path: &Path) -> Bundle {
    let entries = unzip(path);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["report.md", "session.json", "session.har"]);
    let mut entries = entries.into_iter().map(|(_, bytes)| bytes);
    let md = String::from_utf8(entries.next().unwrap()).unwrap();
    let session = entries.next().unwrap();
    let har = serde_json::from_slice(&entries.next().unwrap()).unwrap();
    Bundle { md, session, har }
}

/// The table's rows (not its head and rule).
fn table_rows(md: &str) -> Vec<&str> {
    md.lines()
        .skip_while(|l| !l.starts_with("| Capture |"))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .collect()
}

fn sections(md: &str) -> usize {
    md.lines().filter(|l| l.starts_with("## Capture ")).count()
}

/// N from "...; redacted N values...".
fn redacted_count(stdout: &str) -> usize {
    let after = stdout
        .split("redacted ")
        .nth(1)
        .unwrap_or_else(|| panic!("no count in {stdout:?}"));
    after
        .split_whitespace()
        .next()
        .and_then(|n| n.replace(',', "").parse().ok())
        .unwrap_or_else(|| panic!("no count in {stdout:?}"))
}

/// The redaction section of a report.md.
fn redaction_section(md: &str) -> &str {
    let start = md.find("## Redaction").unwrap();
    let end = md[start..].find("## Events").unwrap();
    &md[start..start + end]
}

#[test]
fn the_report_zip_holds_three_files_that_read() {
    let dir = tempfile::tempdir().unwrap();
    let session = write_session(dir.path());
    let out = dir.path().join("report.zip");
    let stdout = ok(&run(&[p("report"), &session, p("--out"), &out]));
    let events = Session::of(captures(), Vec::new(), &Routes::default()).row_count();
    assert!(
        stdout.contains(&format!(
            "wrote a report of {events} events in 9 captures to {}",
            out.display()
        )),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");

    let Bundle { md, session, har } = bundle(&out);
    let read = file::read(&session, &Routes::default()).unwrap();
    let ids: Vec<u64> = read.captures.iter().map(|c| c.id).collect();
    assert_eq!(ids, (1..=9).collect::<Vec<_>>());
    assert_eq!(read.exchanges.len(), 2);
    assert_eq!(har["log"]["entries"].as_array().unwrap().len(), 9 + 2);

    assert!(md.starts_with("# hookscope bug report\n"), "{md}");
    assert!(
        md.contains(&format!("hookscope {}", env!("CARGO_PKG_VERSION"))),
        "{md}"
    );
    assert!(md.contains(std::env::consts::OS));
    assert!(md.contains("- Job path: /job (the default)"), "{md}");
    assert!(md.contains("session.json by hookscope report"), "{md}");
    assert_eq!(table_rows(&md).len(), events, "{md}");
    assert_eq!(sections(&md), events, "{md}");
    for id in 1..=9 {
        assert!(md.contains(&format!("\n## Capture {id}")), "{id}: {md}");
    }
    // Redacted, the two bodies that are not JSON are replaced whole.
    assert!(
        stdout.contains("2 bodies not JSON replaced whole"),
        "{stdout}"
    );
    assert!(md.contains("```json\n"), "{md}");

    if let Some(output) = unzip_test(&out) {
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}");
        assert!(stdout.contains("No errors detected"), "{stdout}");
    }
}

#[test]
fn ids_choose_the_events_of_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let session = write_session(dir.path());
    let out = dir.path().join("two.zip");
    let stdout = ok(&run(&[
        p("report"),
        &session,
        p("--out"),
        &out,
        p("--id"),
        p("7"),
        p("--id"),
        p("2"),
    ]));
    assert!(stdout.contains("in 2 captures"), "{stdout}");
    let Bundle {
        md,
        session: json,
        har,
    } = bundle(&out);
    let read = file::read(&json, &Routes::default()).unwrap();
    let ids: Vec<u64> = read.captures.iter().map(|c| c.id).collect();
    assert_eq!(ids, [2, 7]);
    // The replay of capture 4 is left out, the send stays.
    assert_eq!(read.exchanges.len(), 1);
    assert_eq!(read.exchanges[0].origin, Origin::Send);
    assert_eq!(har["log"]["entries"].as_array().unwrap().len(), 3);
    assert_eq!(table_rows(&md).len(), 2, "{md}");
    assert_eq!(sections(&md), 2, "{md}");
    assert!(md.contains("\n## Capture 2: job update"), "{md}");
    assert!(md.contains("\n## Capture 7: candidate creation"), "{md}");

    // An id the session does not have: an error, and no zip.
    let none = dir.path().join("none.zip");
    let stderr = failed(&run(&[
        p("report"),
        &session,
        p("--out"),
        &none,
        p("--id"),
        p("99"),
    ]));
    assert!(stderr.contains("no capture with id 99"), "{stderr}");
    assert!(!none.exists());
}

#[test]
fn reports_are_redacted_unless_told_not_to() {
    let dir = tempfile::tempdir().unwrap();
    let session = write_session(dir.path());

    let plain = dir.path().join("plain.zip");
    let stdout = ok(&run(&[
        p("report"),
        &session,
        p("--out"),
        &plain,
        p("--no-redact"),
    ]));
    assert!(stdout.contains("not redacted"), "{stdout}");
    let Bundle {
        md, session: json, ..
    } = bundle(&plain);
    assert!(md.contains("**Not redacted**"), "{md}");
    assert!(md.contains(FIRST_NAME), "{md}");
    assert!(md.contains("Zoë <b>O'Brien</b>"), "{md}");
    assert!(String::from_utf8_lossy(&json).contains(FIRST_NAME));
    // The bodies that are not JSON are shown as what they are.
    assert!(md.contains("The body is not UTF-8"), "{md}");
    assert!(md.contains("The body is not valid JSON"), "{md}");

    let redacted = dir.path().join("redacted.zip");
    let stdout = ok(&run(&[p("report"), &session, p("--out"), &redacted]));
    assert!(stdout.contains("with the default policy"), "{stdout}");
    let Bundle {
        md,
        session: json,
        har,
    } = bundle(&redacted);
    assert!(md.contains("with the default policy"), "{md}");
    assert!(redacted_count(&stdout) > 0, "{stdout}");
    // One redaction for the three files: a pseudonym is the same in each.
    let read = file::read(&json, &Routes::default()).unwrap();
    let candidate: Value = serde_json::from_slice(&read.captures[3].body).unwrap();
    let pseudonym = candidate[0]["data"]["first_name"].as_str().unwrap();
    assert_ne!(pseudonym, FIRST_NAME);
    assert!(
        md.contains(&format!("\"first_name\": \"{pseudonym}\"")),
        "{md}"
    );
    let har = har.to_string();
    assert!(har.contains(pseudonym), "{pseudonym}");
    let json = String::from_utf8_lossy(&json);
    for personal in [FIRST_NAME, CONSULTANT, "s3cr3t-token", "Zoë", "O'Brien"] {
        assert!(!md.contains(personal), "{personal} in report.md");
        assert!(!json.contains(personal), "{personal} in session.json");
        assert!(!har.contains(personal), "{personal} in session.har");
    }
}

#[test]
fn the_printed_policy_reads_back_as_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let session = write_session(dir.path());
    let printed = ok(&run(&[p("redact"), p("--print-policy")]));
    assert_eq!(printed, DEFAULT_TEXT);
    let policy = dir.path().join("policy.txt");
    std::fs::write(&policy, &printed).unwrap();

    let by_file = dir.path().join("by-file.json");
    let by_default = dir.path().join("by-default.json");
    let from_file = ok(&run(&[
        p("redact"),
        &session,
        p("--out"),
        &by_file,
        p("--redact-policy"),
        &policy,
    ]));
    let from_default = ok(&run(&[p("redact"), &session, p("--out"), &by_default]));
    assert_eq!(redacted_count(&from_file), redacted_count(&from_default));
    assert!(redacted_count(&from_default) > 0, "{from_default}");
    // Read from a file, it is still the default policy.
    assert!(from_file.contains("with the default policy"), "{from_file}");
    for out in [&by_file, &by_default] {
        let read = file::read(&std::fs::read(out).unwrap(), &Routes::default()).unwrap();
        assert_eq!(read.captures.len(), 9);
    }

    // The report's counts, rule by rule, are the same too.
    let zips = ["by-file.zip", "by-default.zip"].map(|name| dir.path().join(name));
    ok(&run(&[
        p("report"),
        &session,
        p("--out"),
        &zips[0],
        p("--redact-policy"),
        &policy,
    ]));
    ok(&run(&[p("report"), &session, p("--out"), &zips[1]]));
    let [a, b] = zips.map(|zip| bundle(&zip).md);
    assert_eq!(redaction_section(&a), redaction_section(&b));
    assert!(
        redaction_section(&a).contains("| /data/first\\_name |"),
        "{a}"
    );
}

#[test]
fn a_bad_policy_line_is_named_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let session = write_session(dir.path());
    let policy = dir.path().join("bad-policy.txt");
    std::fs::write(&policy, "/data/email\n# a comment\ncookie\n").unwrap();
    let before: Vec<PathBuf> = listing(dir.path());

    let out = dir.path().join("out.json");
    let zip = dir.path().join("out.zip");
    let runs: [Vec<&Path>; 4] = [
        vec![p("export"), &session, p("--out"), &out, p("--redact")],
        vec![p("export"), &session, p("--har"), &out, p("--redact")],
        vec![p("redact"), &session, p("--out"), &out],
        vec![p("report"), &session, p("--out"), &zip],
    ];
    for mut args in runs {
        args.extend([p("--redact-policy"), &policy]);
        let stderr = failed(&run(&args));
        assert!(stderr.contains("bad-policy.txt"), "{args:?}: {stderr}");
        assert!(stderr.contains("line 3"), "{args:?}: {stderr}");
        assert_eq!(listing(dir.path()), before, "{args:?}");
    }

    // Redaction options without --redact are refused, not ignored.
    let stderr = failed(&run(&[
        p("export"),
        &session,
        p("--out"),
        &out,
        p("--redact-ids"),
    ]));
    assert!(stderr.contains("--redact"), "{stderr}");
    // And so is a place that cannot be written: nothing is left behind.
    let nowhere = dir.path().join("no-such-dir").join("out.zip");
    let stderr = failed(&run(&[p("report"), &session, p("--out"), &nowhere]));
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert_eq!(listing(dir.path()), before);
}

fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
}

#[test]
fn export_writes_sessions_and_har_redacted_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let session = write_session(dir.path());

    // As it was: the same captures, from a session file and from HAR.
    let copy = dir.path().join("copy.json");
    let stdout = ok(&run(&[p("export"), &session, p("--out"), &copy]));
    assert!(
        stdout.contains("wrote 9 captures and 2 exchanges"),
        "{stdout}"
    );
    let read = file::read(&std::fs::read(&copy).unwrap(), &Routes::default()).unwrap();
    common::assert_same(&read.captures, &captures());
    let har = dir.path().join("copy.har");
    let stdout = ok(&run(&[p("export"), &session, p("--out"), &har, p("--har")]));
    assert!(stdout.contains("wrote 11 HAR entries"), "{stdout}");
    let from_har = dir.path().join("from-har.json");
    ok(&run(&[p("export"), &har, p("--out"), &from_har]));
    let read = file::read(&std::fs::read(&from_har).unwrap(), &Routes::default()).unwrap();
    common::assert_same(&read.captures, &captures());

    // Outputs that say too little or too much.
    for args in [
        vec![p("export"), &session],
        vec![p("export"), &session, p("--har")],
        vec![p("export"), &session, p("--out"), &copy, p("--har"), &har],
    ] {
        let stderr = failed(&run(&args));
        assert!(stderr.contains("--out FILE"), "{args:?}: {stderr}");
    }
    // A webhook payload is not a session to export.
    let payload = dir.path().join("job.json");
    std::fs::write(&payload, SAMPLES[0].body).unwrap();
    let stderr = failed(&run(&[p("export"), &payload, p("--out"), &copy]));
    assert!(stderr.contains("job.json"), "{stderr}");

    // Redacted: the session reads back with every capture, and redacted
    // HAR, by each way of asking for it, passes har-validator.
    let redacted = dir.path().join("redacted.json");
    let stdout = ok(&run(&[
        p("export"),
        &session,
        p("--out"),
        &redacted,
        p("--redact"),
    ]));
    assert!(stdout.contains("; redacted "), "{stdout}");
    let read = file::read(&std::fs::read(&redacted).unwrap(), &Routes::default()).unwrap();
    assert_eq!(read.captures.len(), 9);
    assert_eq!(read.exchanges.len(), 2);

    let hars = ["a.har", "b.har", "c.har"].map(|name| dir.path().join(name));
    ok(&run(&[
        p("export"),
        &session,
        p("--redact"),
        p("--har"),
        &hars[0],
    ]));
    ok(&run(&[
        p("export"),
        &session,
        p("--out"),
        &hars[1],
        p("--har"),
        p("--redact"),
        p("--redact-ids"),
    ]));
    ok(&run(&[
        p("redact"),
        &session,
        p("--out"),
        &hars[2],
        p("--har"),
    ]));
    if let Some(output) = har_validator(&hars) {
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(stdout.matches("valid: ").count(), hars.len(), "{stdout}");
    }
    for har in &hars {
        let text = std::fs::read_to_string(har).unwrap();
        assert!(!text.contains(FIRST_NAME), "{}", har.display());
    }
}
