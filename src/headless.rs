//! `hookscope listen`: capture without a window, using the same listener
//! and the same crash journal, and write the session file when capture stops.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crossbeam_channel::{bounded, select};

use crate::capture::Capture;
use crate::human::counted;
use crate::journal::{self, Journal};
use crate::listener::{Listener, ListenerConfig, Outputs};
use crate::outbound::{Exchange, Origin};
use crate::session::file;
use crate::waker::Waker;

#[derive(Debug, thiserror::Error)]
pub enum HeadlessError {
    #[error(transparent)]
    Listen(#[from] crate::listener::ListenError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot watch for Ctrl-C: {0}")]
    Signal(#[from] ctrlc::Error),
    #[error(
        "cannot create a journal in {dir}: {source} (use --data-dir DIR to keep journals elsewhere)"
    )]
    Journal {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot write {path}: {source}; the captures are kept in the journal {journal} (hookscope recover --out FILE writes them out)"
    )]
    WriteKeptJournal {
        path: PathBuf,
        source: std::io::Error,
        journal: PathBuf,
    },
}

/// Captures until Ctrl-C, SIGTERM, or `count` requests, then writes `out`.
/// Every capture is journalled in `data_dir` before it is answered; the
/// journal is removed once `out` is written, and kept (and named) if not.
pub fn listen(
    config: ListenerConfig,
    out: &Path,
    count: Option<u64>,
    data_dir: &Path,
) -> Result<(), HeadlessError> {
    let write_error = |source| HeadlessError::Write {
        path: out.to_owned(),
        source,
    };
    // Fail before capturing anything rather than after.
    let file = File::create(out).map_err(write_error)?;

    let (stop_tx, stop_rx) = bounded::<()>(1);
    ctrlc::set_handler(move || {
        let _ = stop_tx.try_send(());
    })?;

    let journal = Arc::new(
        Journal::create(data_dir).map_err(|source| HeadlessError::Journal {
            dir: data_dir.join(journal::DIR),
            source,
        })?,
    );

    let (events_tx, events_rx) = bounded(65_536);
    let (exchanges_tx, exchanges_rx) = bounded::<Exchange>(65_536);
    let outputs = Outputs {
        captures: events_tx,
        exchanges: Some(exchanges_tx),
        exchange_ids: Arc::new(AtomicU64::new(1)),
    };
    let acting = config.acting();
    let listener = match Listener::start_with(
        config,
        Arc::new(AtomicU64::new(1)),
        outputs,
        Waker::new(),
        Some(journal.clone()),
    ) {
        Ok(listener) => listener,
        Err(e) => {
            // Nothing was captured: nothing to keep.
            let _ = journal::finish_shared(journal);
            return Err(e.into());
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(
        stdout,
        "hookscope listening on http://{}",
        listener.local_addr()
    );
    let _ = writeln!(stdout, "job        {}", listener.job_url());
    let _ = writeln!(stdout, "candidate  {}", listener.candidate_url());
    for line in acting {
        let _ = writeln!(stdout, "{line}");
    }
    let _ = stdout.flush();

    let mut captures: Vec<Capture> = Vec::new();
    let print = |batch: Vec<Capture>, captures: &mut Vec<Capture>, stdout: &mut dyn Write| {
        for capture in batch {
            for row in 0..capture.summary.rows().len() as u32 {
                let _ = writeln!(stdout, "{}", event_line(&capture, row));
            }
            captures.push(capture);
        }
        let _ = stdout.flush();
    };
    let mut exchanges: Vec<Exchange> = Vec::new();
    let note = |exchange: Exchange, exchanges: &mut Vec<Exchange>, stdout: &mut dyn Write| {
        let _ = writeln!(stdout, "{}", forward_line(&exchange));
        let _ = stdout.flush();
        exchanges.push(exchange);
    };
    while count.is_none_or(|count| (captures.len() as u64) < count) {
        select! {
            recv(events_rx) -> batch => match batch {
                Ok(batch) => print(batch, &mut captures, &mut stdout),
                Err(_) => break,
            },
            recv(exchanges_rx) -> exchange => {
                if let Ok(exchange) = exchange {
                    note(exchange, &mut exchanges, &mut stdout);
                }
            },
            recv(stop_rx) -> _ => break,
        }
    }
    // Requests read before capture stopped are answered and kept too: the
    // channel closes once the last of them is summarised.
    let stopped = listener.stop();
    for batch in events_rx.iter() {
        print(batch, &mut captures, &mut stdout);
    }
    // Forwards still running finish (or are recorded as not sent) first.
    stopped.join();
    for exchange in exchanges_rx.try_iter() {
        note(exchange, &mut exchanges, &mut stdout);
    }

    let mut writer = BufWriter::new(file);
    let written = file::write(
        &mut writer,
        captures.iter().map(|c| c.received()),
        &exchanges,
        chrono::Local::now().fixed_offset(),
    )
    .and_then(|()| writer.flush());
    if let Err(source) = written {
        // The journal holds every acknowledged capture: keep it.
        return Err(HeadlessError::WriteKeptJournal {
            path: out.to_owned(),
            source,
            journal: journal.path().to_owned(),
        });
    }
    let _ = writeln!(
        stdout,
        "wrote {} to {}",
        counted(captures.len(), "capture", "captures"),
        out.display()
    );
    let _ = stdout.flush();

    let path = journal.path().to_owned();
    if let Err(e) = journal::finish_shared(journal) {
        eprintln!(
            "hookscope: the journal {} is kept ({e}); hookscope recover --out FILE writes it out",
            path.display()
        );
    }
    Ok(())
}

/// One line per forward: which capture, where, and what came back.
pub fn forward_line(exchange: &Exchange) -> String {
    let capture = match exchange.origin {
        Origin::Forward { capture, .. } => capture,
        _ => 0,
    };
    format!(
        "{} forward #{capture} {} {} {} {} ms",
        exchange.started_at.format("%H:%M:%S%.3f"),
        exchange.request.method,
        exchange.request.url,
        exchange.outcome.status_text(),
        exchange.outcome.elapsed.as_millis()
    )
}

/// One line per event: time, request, response, and what the event is.
pub fn event_line(capture: &Capture, row: u32) -> String {
    let Some(summary) = capture.summary.row(row) else {
        return String::new();
    };
    let what = match (summary.event(), summary.entity()) {
        (Some(event), Some(entity)) => {
            let id = summary.entity_id.as_deref().unwrap_or("-");
            if summary.label.is_empty() {
                format!("{event} {entity} {id}")
            } else {
                format!("{event} {entity} {id} {:?}", summary.label.as_str())
            }
        }
        _ => capture
            .findings(row)
            .into_iter()
            .max_by_key(|f| f.level)
            .map(|f| f.message)
            .unwrap_or_default(),
    };
    format!(
        "{} {} {} {} {} {}",
        capture.received_at.format("%H:%M:%S%.3f"),
        capture.head.method(),
        capture.head.url(),
        capture.status(),
        summary.status().as_str(),
        what
    )
}
