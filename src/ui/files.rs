//! File work for the window: dialogs, then reading or writing on a worker
//! with progress and cancel. One piece of work at a time; the session is
//! touched only when work succeeds.

use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::{Receiver, bounded};
use egui::{RichText, Ui};

use crate::capture::{Capture, Received, Routes};
use crate::export::write_atomically;
use crate::journal::{Journal, Unfinished};
use crate::loading::Loaded;
use crate::outbound::Exchange;
use crate::redact::{Options, Redacted, Redactor};
use crate::report;
use crate::session::open::{self, Format};
use crate::session::{Marks, Snapshot, file, har};
use crate::task::{Progress, Task};
use crate::waker::Waker;

use super::dialogs::FileDialogs;
use super::theme::palette;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Add to the captures already there.
    Join,
    /// Replace them.
    New,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Session,
    Har,
}

/// Which captures an export holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportScope {
    All,
    /// Those with a row the current filter shows.
    Shown,
}

/// A session's captures (all, or those an export scope chose) and its
/// exchanges, redacted once: the preview shows this very result and the
/// export that follows writes it, with the same pseudonyms.
pub struct RedactedRun {
    pub scope: ExportScope,
    /// The export the user chose; none for a preview from the menu.
    pub kind: Option<ExportKind>,
    pub redacted: Redacted,
    pub rules: usize,
    pub default_policy: bool,
    pub options: Options,
    /// The pins and notes of the captures, written along as they are.
    pub marks: Marks,
}

/// What an export writes.
pub enum Source {
    /// The session's captures as they are: all of them when `positions` is
    /// `None`.
    Session {
        snapshot: Snapshot,
        positions: Option<Vec<usize>>,
    },
    Redacted(Arc<RedactedRun>),
}

/// An export asked for, on its way through the save dialog.
pub struct ExportTo {
    pub kind: ExportKind,
    pub scope: ExportScope,
    /// Written instead of the session when the user chose to redact.
    pub redacted: Option<Arc<RedactedRun>>,
    pub path: PathBuf,
}

/// What finished work hands back to the app.
pub enum Outcome {
    Picked(Vec<PathBuf>),
    ExportTo(ExportTo),
    Redacted(Arc<RedactedRun>),
    Opened {
        mode: OpenMode,
        files: Vec<(PathBuf, Format)>,
        received: Loaded,
    },
    /// An unfinished session's captures, already in this session's journal
    /// (the old journal is deleted); or why some step failed.
    Restored {
        received: Vec<Received>,
        problem: Option<String>,
    },
    Exported {
        path: PathBuf,
        count: usize,
        /// Values replaced, when the export was redacted.
        replaced: Option<usize>,
    },
    /// Where to write a bug report, and of which captures.
    ReportTo {
        path: PathBuf,
        positions: Option<Vec<usize>>,
    },
    Reported {
        path: PathBuf,
        count: usize,
        replaced: usize,
    },
    Failed(String),
    Cancelled,
}

enum Work {
    Dialog(Receiver<Outcome>),
    Task(Task<Outcome>),
}

pub struct FileWork {
    dialogs: Arc<dyn FileDialogs>,
    waker: Waker,
    work: Option<Work>,
}

impl FileWork {
    pub fn new(dialogs: Arc<dyn FileDialogs>, waker: Waker) -> Self {
        Self {
            dialogs,
            waker,
            work: None,
        }
    }

    pub fn is_busy(&self) -> bool {
        self.work.is_some()
    }

    pub fn pick_files(&mut self) {
        let dialogs = self.dialogs.clone();
        self.dialog(move || match dialogs.pick_files() {
            Some(paths) if !paths.is_empty() => Outcome::Picked(paths),
            _ => Outcome::Cancelled,
        });
    }

    /// Asks where to write an export; `redacted` is what it will write, if
    /// the user chose to redact.
    pub fn pick_export(
        &mut self,
        kind: ExportKind,
        scope: ExportScope,
        redacted: Option<Arc<RedactedRun>>,
    ) {
        let dialogs = self.dialogs.clone();
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        let tag = if redacted.is_some() { "-redacted" } else { "" };
        let (title, name, extension) = match kind {
            ExportKind::Session => (
                "Export session",
                // The glob assets/hookscope-mime.xml registers for session files.
                format!("session-{stamp}{tag}.hookscope.json"),
                "json",
            ),
            ExportKind::Har => ("Export HAR", format!("hookscope-{stamp}{tag}.har"), "har"),
        };
        self.dialog(move || match dialogs.save_file(title, &name, extension) {
            Some(path) => Outcome::ExportTo(ExportTo {
                kind,
                scope,
                redacted,
                path,
            }),
            None => Outcome::Cancelled,
        });
    }

    /// Asks where to write a bug report of the captures at `positions`
    /// (all of them when `None`).
    pub fn pick_report(&mut self, positions: Option<Vec<usize>>) {
        let dialogs = self.dialogs.clone();
        let name = format!(
            "hookscope-report-{}.zip",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        );
        self.dialog(
            move || match dialogs.save_file("Export bug report", &name, "zip") {
                Some(path) => Outcome::ReportTo { path, positions },
                None => Outcome::Cancelled,
            },
        );
    }

    /// Writes a bug report (report.md, session.json, session.har, all
    /// redacted by `redactor`) of the captures at `positions`, on a worker.
    pub fn report(
        &mut self,
        path: PathBuf,
        positions: Option<Vec<usize>>,
        snapshot: Snapshot,
        redactor: Redactor,
        context: ReportContext,
    ) -> Result<(), String> {
        let label = format!("Writing {}", open::file_name(&path));
        self.task(label, move |_progress| {
            let captures = captures_at(&snapshot, positions.as_deref());
            let exchanges = written_exchanges(&captures, snapshot.exchanges());
            let redacted = redactor.all(&captures, &exchanges);
            let (count, replaced) = (redacted.captures.len(), redacted.tally.total());
            let ReportContext {
                settings,
                routes,
                origin,
            } = context;
            let redaction = report::Redaction::of(&redactor, &redacted.tally);
            let context = report::Context::new(settings, redaction, origin);
            let mut report =
                report::Report::new(context, redacted.captures, redacted.exchanges, &routes);
            for (id, mark) in snapshot.marks().iter() {
                report.session.marks_mut().set(id, mark.clone());
            }
            match write_atomically(&path, |out| report::write_bundle(out, &report)) {
                Ok(()) => Outcome::Reported {
                    path,
                    count,
                    replaced,
                },
                Err(e) => Outcome::Failed(format!("Could not write {}: {e}", path.display())),
            }
        })
    }

    /// Redacts the captures of `snapshot` at `positions` (all of them when
    /// `None`) and the exchanges an export of them writes, on a worker.
    pub fn redact(
        &mut self,
        redactor: Redactor,
        snapshot: Snapshot,
        positions: Option<Vec<usize>>,
        scope: ExportScope,
        kind: Option<ExportKind>,
    ) -> Result<(), String> {
        self.task("Redacting personal data", move |progress| {
            let captures = captures_at(&snapshot, positions.as_deref());
            let exchanges = written_exchanges(&captures, snapshot.exchanges());
            let redacted = redactor.all(&captures, &exchanges);
            if progress.is_cancelled() {
                return Outcome::Cancelled;
            }
            let policy = redactor.policy();
            Outcome::Redacted(Arc::new(RedactedRun {
                scope,
                kind,
                redacted,
                rules: policy.rules.len(),
                default_policy: policy.is_default(),
                options: redactor.options(),
                marks: snapshot.marks().clone(),
            }))
        })
    }

    fn dialog(&mut self, ask: impl FnOnce() -> Outcome + Send + 'static) {
        let (sender, receiver) = bounded(1);
        let waker = self.waker.clone();
        let spawned = std::thread::Builder::new()
            .name("hookscope-dialog".to_owned())
            .spawn(move || {
                let _ = sender.send(ask());
                waker.wake();
            });
        if spawned.is_ok() {
            self.work = Some(Work::Dialog(receiver));
        }
    }

    /// Reads `paths`; all of them or nothing: the first failure names its file.
    pub fn open(
        &mut self,
        paths: Vec<PathBuf>,
        mode: OpenMode,
        routes: Routes,
    ) -> Result<(), String> {
        let label = match paths.as_slice() {
            [one] => format!("Opening {}", open::file_name(one)),
            many => format!("Opening {} files", crate::human::count(many.len())),
        };
        self.task(label, move |progress| {
            let mut files = Vec::new();
            let mut received = Loaded::default();
            for path in paths {
                match open::read_file(&path, &routes, progress) {
                    Ok(opened) => {
                        received.add(opened.captures, opened.exchanges, opened.marks);
                        files.push((path, opened.format));
                    }
                    Err(_) if progress.is_cancelled() => return Outcome::Cancelled,
                    Err(reason) => {
                        return Outcome::Failed(format!(
                            "Could not open {}: {reason}",
                            path.display()
                        ));
                    }
                }
            }
            Outcome::Opened {
                mode,
                files,
                received,
            }
        })
    }

    /// Reads an unfinished session and appends its captures to `journal`
    /// (this session's) before deleting the old journal, so that a second
    /// crash keeps them too.
    pub fn restore(
        &mut self,
        unfinished: Unfinished,
        routes: Routes,
        journal: Option<Arc<Journal>>,
    ) -> Result<(), String> {
        self.task("Restoring the unfinished session", move |progress| {
            let received = match unfinished.read(&routes) {
                Ok(received) => received,
                Err(e) => {
                    return Outcome::Failed(format!(
                        "Could not restore {}: {e}",
                        unfinished.path.display()
                    ));
                }
            };
            progress.set_total(received.len() as u64);
            let journalled = match &journal {
                Some(journal) => received.iter().try_for_each(|r| {
                    progress.advance(1);
                    journal.append(r)
                }),
                None => Ok(()),
            };
            let path = unfinished.path.clone();
            let problem = match journalled {
                Err(e) => Some(format!(
                    "could not journal them ({e}); the old journal {} is kept",
                    path.display()
                )),
                Ok(()) => unfinished
                    .discard()
                    .err()
                    .map(|e| format!("could not delete {}: {e}", path.display())),
            };
            Outcome::Restored { received, problem }
        })
    }

    /// Writes `source` to `path` on a worker, through a temporary file, so
    /// a failed or cancelled export never leaves half a file under the
    /// chosen name.
    pub fn export(
        &mut self,
        kind: ExportKind,
        path: PathBuf,
        source: Source,
        origin: String,
    ) -> Result<(), String> {
        let label = format!("Exporting {}", open::file_name(&path));
        self.task(label, move |progress| {
            let (count, replaced) = match &source {
                Source::Session {
                    snapshot,
                    positions,
                } => (
                    positions
                        .as_ref()
                        .map_or(snapshot.capture_count(), Vec::len),
                    None,
                ),
                Source::Redacted(run) => (
                    run.redacted.captures.len(),
                    Some(run.redacted.tally.total()),
                ),
            };
            progress.set_total(count as u64);
            let written = write_atomically(&path, |out| {
                type Captures<'a> = Box<dyn Iterator<Item = &'a Received> + 'a>;
                let (captures, exchanges, marks): (Captures<'_>, &[Exchange], &Marks) =
                    match &source {
                        Source::Session {
                            snapshot,
                            positions: None,
                        } => (
                            Box::new(snapshot.captures().map(Capture::received)),
                            snapshot.exchanges(),
                            snapshot.marks(),
                        ),
                        Source::Session {
                            snapshot,
                            positions: Some(positions),
                        } => (
                            Box::new(
                                positions
                                    .iter()
                                    .filter_map(|&p| snapshot.capture_at(p))
                                    .map(Capture::received),
                            ),
                            snapshot.exchanges(),
                            snapshot.marks(),
                        ),
                        Source::Redacted(run) => (
                            Box::new(run.redacted.captures.iter()),
                            &run.redacted.exchanges,
                            &run.marks,
                        ),
                    };
                let captures = captures
                    .take_while(|_| !progress.is_cancelled())
                    .inspect(|_| {
                        progress.advance(1);
                    });
                match kind {
                    ExportKind::Session => file::write_marked(
                        out,
                        captures,
                        exchanges,
                        marks,
                        chrono::Local::now().fixed_offset(),
                    )?,
                    ExportKind::Har => har::write_marked(out, captures, exchanges, marks, &origin)?,
                }
                if progress.is_cancelled() {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::Interrupted,
                        "cancelled",
                    ));
                }
                Ok(())
            });
            match written {
                Ok(()) => Outcome::Exported {
                    path,
                    count,
                    replaced,
                },
                Err(_) if progress.is_cancelled() => Outcome::Cancelled,
                Err(e) => Outcome::Failed(format!("Could not write {}: {e}", path.display())),
            }
        })
    }

    fn task(
        &mut self,
        label: impl Into<String>,
        work: impl FnOnce(&Progress) -> Outcome + Send + 'static,
    ) -> Result<(), String> {
        let task = Task::spawn(label, self.waker.clone(), work)
            .map_err(|e| format!("Could not start the work: {e}"))?;
        self.work = Some(Work::Task(task));
        Ok(())
    }

    /// The outcome of finished work, once.
    pub fn poll(&mut self) -> Option<Outcome> {
        let outcome = match self.work.as_ref()? {
            Work::Dialog(receiver) => match receiver.try_recv() {
                Ok(outcome) => outcome,
                Err(crossbeam_channel::TryRecvError::Empty) => return None,
                Err(crossbeam_channel::TryRecvError::Disconnected) => Outcome::Cancelled,
            },
            Work::Task(task) => match task.poll()? {
                Ok(outcome) => outcome,
                Err(_lost) => {
                    Outcome::Failed(format!("{} stopped on an internal error", task.label))
                }
            },
        };
        self.work = None;
        Some(outcome)
    }

    /// A modal with the running task's progress and a Cancel button.
    pub fn show_progress(&self, ctx: &egui::Context) {
        let Some(Work::Task(task)) = &self.work else {
            return;
        };
        egui::Modal::new(egui::Id::unique("file_work")).show(ctx, |ui: &mut Ui| {
            ui.set_width(380.0);
            ui.label(RichText::new(&task.label).strong());
            match task.progress().fraction() {
                Some(fraction) => ui.add(egui::ProgressBar::new(fraction).show_percentage()),
                // Work that cannot count its steps still shows it is alive.
                None => ui.add(egui::ProgressBar::new(0.0).animate(true)),
            };
            if task.progress().is_cancelled() {
                ui.label(RichText::new("Cancelling…").color(palette(ui).muted));
            } else if ui.button("Cancel").clicked() {
                task.progress().cancel();
            }
        });
        // Progress moves without input; redraw it a few times a second.
        ctx.request_repaint_after(std::time::Duration::from_millis(100));
    }
}

/// The exchanges an export of `captures` writes: those made from a capture
/// it leaves out are left out too, so the preview counts nothing the file
/// lacks.
fn written_exchanges(captures: &[&Received], exchanges: &[Exchange]) -> Vec<Exchange> {
    let mut written = file::Written::new(exchanges);
    for capture in captures {
        written.note(capture.id);
    }
    exchanges
        .iter()
        .filter(|e| written.keeps(e))
        .cloned()
        .collect()
}

/// What a bug report says of where it was made.
pub struct ReportContext {
    pub settings: Vec<(String, String)>,
    pub routes: Routes,
    pub origin: String,
}

/// The captures of `snapshot` at `positions`, all of them when `None`.
fn captures_at<'s>(snapshot: &'s Snapshot, positions: Option<&[usize]>) -> Vec<&'s Received> {
    match positions {
        None => snapshot.captures().map(Capture::received).collect(),
        Some(positions) => positions
            .iter()
            .filter_map(|&p| snapshot.capture_at(p))
            .map(Capture::received)
            .collect(),
    }
}
