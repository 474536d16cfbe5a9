//! `hookscope validate FILE…`: the findings of every event in payload,
//! session or HAR files, one line each, and a summary line per file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::capture::{Capture, Routes, RowSummary};
use crate::hs::{Finding, Level};
use crate::human::{count, counted};
use crate::session::open;
use crate::task::Progress;

/// Exit status: no error-level finding (warnings and info do not fail).
pub const CLEAN: u8 = 0;
/// Exit status: some event has an error-level finding.
pub const ERRORS: u8 = 1;
/// Exit status: some file could not be read (wins over `ERRORS`).
pub const UNREADABLE: u8 = 2;

/// Findings counted per level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl Counts {
    fn add(&mut self, level: Level) {
        match level {
            Level::Error => self.error += 1,
            Level::Warning => self.warning += 1,
            Level::Info => self.info += 1,
        }
    }
}

/// Validates `files` in order, printing findings at or above `shown` to
/// `out` and read failures to `err`; returns the exit status.
pub fn run(
    files: &[PathBuf],
    routes: &Routes,
    shown: Level,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let mut status = CLEAN;
    for path in files {
        match open::read_file(path, routes, &Progress::default()) {
            // Exchanges are hookscope's own requests: nothing to validate.
            Ok(open::Opened {
                format, captures, ..
            }) => {
                let captures = crate::summarise::all(captures, routes);
                let counts = print_file(path, &captures, shown, out);
                let events: usize = captures.iter().map(|c| c.summary.rows().len()).sum();
                let _ = writeln!(
                    out,
                    "{}: {format}, {}, {}: {}, {}, {} info",
                    path.display(),
                    counted(captures.len(), "capture", "captures"),
                    counted(events, "event", "events"),
                    counted(counts.error, "error", "errors"),
                    counted(counts.warning, "warning", "warnings"),
                    count(counts.info)
                );
                if counts.error > 0 && status == CLEAN {
                    status = ERRORS;
                }
            }
            Err(message) => {
                let _ = writeln!(err, "hookscope: cannot read {}: {message}", path.display());
                status = UNREADABLE;
            }
        }
    }
    let _ = out.flush();
    status
}

fn print_file(path: &Path, captures: &[Capture], shown: Level, out: &mut dyn Write) -> Counts {
    let mut counts = Counts::default();
    for capture in captures {
        let findings = capture.all_findings();
        for (row, findings) in capture.summary.rows().iter().zip(&findings) {
            for finding in findings {
                counts.add(finding.level);
                if finding.level >= shown {
                    let _ = writeln!(out, "{}", line(path, capture, row, finding));
                }
            }
        }
    }
    counts
}

/// `FILE: capture ID EVENT TYPE ID: LEVEL POINTER MESSAGE`; a row with no
/// event says "(no event)", an empty pointer (the whole body) prints as "-".
pub fn line(path: &Path, capture: &Capture, row: &RowSummary, finding: &Finding) -> String {
    let what = match (row.event(), row.entity()) {
        (Some(event), Some(entity)) => {
            let or_dash = |s: &str| {
                if s.is_empty() {
                    "-".to_owned()
                } else {
                    s.to_owned()
                }
            };
            format!(
                "{} {} {}",
                or_dash(event.as_str()),
                or_dash(entity.as_str()),
                row.entity_id.as_deref().unwrap_or("-")
            )
        }
        _ => "(no event)".to_owned(),
    };
    let pointer = if finding.pointer.is_empty() {
        "-"
    } else {
        &finding.pointer
    };
    format!(
        "{}: capture {} {what}: {} {pointer} {}",
        path.display(),
        capture.id,
        finding.level,
        finding.message
    )
}
