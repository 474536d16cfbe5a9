//! The command-line side of writing a session out: `hookscope export`,
//! `redact` and `report`. Each reads a session or HAR file, redacts it when
//! asked, and writes its output through a temporary file, so that a failure
//! never leaves a partial file under the name given. Each returns the line
//! it prints, or why it failed.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::capture::{Received, Routes};
use crate::cli::RedactArgs;
use crate::human::counted;
use crate::outbound::Exchange;
use crate::redact::{Options, Policy, Redactor, Tally};
use crate::report::{self, Context, Redaction, Report};
use crate::session::open::{self, Format};
use crate::session::{Marks, file, har};
use crate::task::Progress;

/// What `export` and `redact` write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Session,
    Har,
}

/// The redactor `args` describe: its policy read from the file given, else
/// the default one. A policy that does not read is an error naming the
/// file and the line.
pub fn redactor(args: &RedactArgs) -> Result<Redactor, String> {
    let policy = match &args.redact_policy {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read policy {}: {e}", path.display()))?;
            Policy::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => Policy::default(),
    };
    Ok(Redactor::new(
        policy,
        Options {
            redact_ids: args.redact_ids,
            keep_unparsed: args.keep_unparsed,
        },
    ))
}

/// A session or HAR file's captures and exchanges, and the webhook paths
/// their answers were derived with: the ones given, else those the
/// recorded answers show (see [`har::with_inferred_routes`]).
pub struct Input {
    pub captures: Vec<Received>,
    pub exchanges: Vec<Exchange>,
    pub routes: Routes,
    /// Pins and notes: written along, as the user's own words.
    pub marks: Marks,
}

pub fn read_input(path: &Path, routes: Option<Routes>) -> Result<Input, String> {
    let routes_given = routes.is_some();
    let read_with = routes.unwrap_or_default();
    let opened = open::read_file(path, &read_with, &Progress::default())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if opened.format == Format::Payload {
        return Err(format!(
            "{} is a webhook payload, not a hookscope session or HAR file",
            path.display()
        ));
    }
    let (captures, routes) = if routes_given {
        (opened.captures, read_with)
    } else {
        har::with_inferred_routes(opened.captures)
    };
    Ok(Input {
        captures,
        exchanges: opened.exchanges,
        routes,
        marks: opened.marks,
    })
}

/// `hookscope export` and `hookscope redact`: `input` as a session file or
/// HAR at `out`, redacted by `redactor` when given.
pub fn export(
    input: &Path,
    out: &Path,
    kind: Kind,
    redactor: Option<&Redactor>,
) -> Result<String, String> {
    refuse_overwrite(input, out)?;
    let Input {
        captures,
        exchanges,
        marks,
        ..
    } = read_input(input, None)?;
    let (captures, exchanges, tally) = match redactor {
        Some(redactor) => {
            let refs: Vec<&Received> = captures.iter().collect();
            let redacted = redactor.all(&refs, &exchanges);
            (redacted.captures, redacted.exchanges, Some(redacted.tally))
        }
        None => (captures, exchanges, None),
    };
    write_atomically(out, |file| match kind {
        Kind::Session => file::write_marked(
            file,
            &captures,
            &exchanges,
            &marks,
            chrono::Local::now().fixed_offset(),
        ),
        Kind::Har => har::write_marked(file, &captures, &exchanges, &marks, har::DEFAULT_ORIGIN),
    })
    .map_err(|e| format!("cannot write {}: {e}", out.display()))?;

    let kept = kept_exchanges(&captures, &exchanges);
    let mut line = match kind {
        Kind::Session => format!(
            "wrote {} and {} to {}",
            counted(captures.len(), "capture", "captures"),
            counted(kept, "exchange", "exchanges"),
            out.display()
        ),
        Kind::Har => format!(
            "wrote {} to {}",
            counted(captures.len() + kept, "HAR entry", "HAR entries"),
            out.display()
        ),
    };
    if let (Some(tally), Some(redactor)) = (&tally, redactor) {
        line.push_str(&redaction_summary(tally, redactor));
    }
    Ok(line)
}

/// What `hookscope report` is asked for.
pub struct ReportRequest {
    pub input: PathBuf,
    pub out: PathBuf,
    /// The captures to report; all when empty.
    pub ids: Vec<u64>,
    /// `None`: not redacted.
    pub redactor: Option<Redactor>,
    /// Paths given on the command line, each falling back to the found one.
    pub job_path: Option<String>,
    pub candidate_path: Option<String>,
}

/// `hookscope report`: the bundle of the chosen captures at `out`.
pub fn report(request: ReportRequest) -> Result<String, String> {
    let ReportRequest {
        input,
        out,
        ids,
        redactor,
        job_path,
        candidate_path,
    } = request;
    refuse_overwrite(&input, &out)?;
    let found = read_input(&input, None)?;
    let found_routes = found.routes.clone();
    let read = if job_path.is_none() && candidate_path.is_none() {
        found
    } else {
        drop(found);
        let routes = Routes {
            job_path: job_path.clone().unwrap_or(found_routes.job_path.clone()),
            candidate_path: candidate_path
                .clone()
                .unwrap_or(found_routes.candidate_path.clone()),
        };
        read_input(&input, Some(routes))?
    };
    let Input {
        captures,
        exchanges,
        routes,
        marks,
    } = read;

    let chosen: Vec<&Received> = if ids.is_empty() {
        captures.iter().collect()
    } else {
        if let Some(missing) = ids.iter().find(|id| !captures.iter().any(|c| c.id == **id)) {
            return Err(format!(
                "{} has no capture with id {missing}",
                input.display()
            ));
        }
        captures.iter().filter(|c| ids.contains(&c.id)).collect()
    };
    let (captures, exchanges, redaction, tally) = match &redactor {
        Some(redactor) => {
            let redacted = redactor.all(&chosen, &exchanges);
            let redaction = Redaction::of(redactor, &redacted.tally);
            (
                redacted.captures,
                redacted.exchanges,
                redaction,
                Some(redacted.tally),
            )
        }
        None => (
            chosen.into_iter().cloned().collect(),
            exchanges,
            Redaction::Off,
            None,
        ),
    };
    let defaults = Routes::default();
    let how = |given: bool, found: &str, default: &str| {
        if given {
            "given"
        } else if found != default {
            "found from the recorded answers"
        } else {
            "the default"
        }
    };
    let settings = vec![
        (
            "Job path".to_owned(),
            format!(
                "{} ({})",
                routes.job_path,
                how(
                    job_path.is_some(),
                    &found_routes.job_path,
                    &defaults.job_path
                )
            ),
        ),
        (
            "Candidate path".to_owned(),
            format!(
                "{} ({})",
                routes.candidate_path,
                how(
                    candidate_path.is_some(),
                    &found_routes.candidate_path,
                    &defaults.candidate_path
                )
            ),
        ),
        (
            "Made from".to_owned(),
            format!(
                "the file {} by hookscope report, not a running listener",
                open::file_name(&input)
            ),
        ),
    ];
    let context = Context::new(settings, redaction, har::DEFAULT_ORIGIN);
    let mut report = Report::new(context, captures, exchanges, &routes);
    for (id, mark) in marks.iter() {
        report.session.marks_mut().set(id, mark.clone());
    }
    write_atomically(&out, |file| report::write_bundle(file, &report))
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;

    let mut line = format!(
        "wrote a report of {} in {} to {}",
        counted(report.session.row_count(), "event", "events"),
        counted(report.session.capture_count(), "capture", "captures"),
        out.display()
    );
    match (&tally, &redactor) {
        (Some(tally), Some(redactor)) => line.push_str(&redaction_summary(tally, redactor)),
        _ => line.push_str("; not redacted"),
    }
    Ok(line)
}

/// "; redacted 12 values with the default policy, 1 body not JSON
/// replaced whole".
fn redaction_summary(tally: &Tally, redactor: &Redactor) -> String {
    let policy = if redactor.policy().is_default() {
        "the default policy"
    } else {
        "a custom policy"
    };
    let mut line = format!(
        "; redacted {} with {policy}",
        counted(tally.total(), "value", "values")
    );
    if tally.unparsed_replaced > 0 {
        line.push_str(&format!(
            ", {} not JSON replaced whole",
            counted(tally.unparsed_replaced, "body", "bodies")
        ));
    }
    if tally.unparsed_kept > 0 {
        line.push_str(&format!(
            ", {} not JSON kept as they are",
            counted(tally.unparsed_kept, "body", "bodies")
        ));
    }
    line
}

/// The exchanges a file of `captures` keeps (those made from a capture it
/// does not hold are left out).
fn kept_exchanges(captures: &[Received], exchanges: &[Exchange]) -> usize {
    exchanges
        .iter()
        .filter(|e| {
            file::capture_of(&e.origin).is_none_or(|id| captures.iter().any(|c| c.id == id))
        })
        .count()
}

fn refuse_overwrite(input: &Path, out: &Path) -> Result<(), String> {
    if let (Ok(a), Ok(b)) = (input.canonicalize(), out.canonicalize())
        && a == b
    {
        return Err(format!(
            "{}: the output would overwrite the file it is made from",
            out.display()
        ));
    }
    Ok(())
}

/// Writes `path` through a temporary file beside it, renamed into place
/// once whole: a failure removes it and leaves `path` as it was.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut temporary = std::ffi::OsString::from(".");
    temporary.push(name);
    temporary.push(format!(".{}.part", std::process::id()));
    let temporary = path.with_file_name(temporary);
    let result = (|| {
        let mut out = BufWriter::new(File::create(&temporary)?);
        write(&mut out)?;
        out.flush()?;
        out.get_ref().sync_all()
    })();
    match result.and_then(|()| std::fs::rename(&temporary, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&temporary);
            Err(e)
        }
    }
}
