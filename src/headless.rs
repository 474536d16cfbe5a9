//! `hookscope listen`: capture without a window, using the same listener,
//! and write the session file when capture stops.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crossbeam_channel::{bounded, select};

use crate::capture::{Capture, RowSummary};
use crate::listener::{Listener, ListenerConfig, ListenerEvent};
use crate::session::file;

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
}

/// Captures until Ctrl-C, SIGTERM, or `count` requests, then writes `out`.
pub fn listen(config: ListenerConfig, out: &Path, count: Option<u64>) -> Result<(), HeadlessError> {
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

    let (events_tx, events_rx) = bounded(4096);
    let listener = Listener::start(
        config,
        Arc::new(AtomicU64::new(1)),
        events_tx,
        Arc::new(|| {}),
    )?;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(
        stdout,
        "hookscope listening on http://{}",
        listener.local_addr()
    );
    let _ = writeln!(stdout, "job        {}", listener.job_url());
    let _ = writeln!(stdout, "candidate  {}", listener.candidate_url());
    let _ = stdout.flush();

    let mut captures: Vec<Capture> = Vec::new();
    let mut print = |capture: Capture, stdout: &mut dyn Write| {
        for row in &capture.summary.rows {
            let _ = writeln!(stdout, "{}", event_line(&capture, row));
        }
        let _ = stdout.flush();
        captures.push(capture);
    };
    let done = |n: usize| count.is_some_and(|count| n as u64 >= count);
    let mut received = 0usize;
    while !done(received) {
        select! {
            recv(events_rx) -> event => match event {
                Ok(ListenerEvent::Captured(capture)) => {
                    received += 1;
                    print(*capture, &mut stdout);
                }
                Ok(ListenerEvent::Failed(reason)) => {
                    eprintln!("hookscope: {reason}");
                    break;
                }
                Err(_) => break,
            },
            recv(stop_rx) -> _ => break,
        }
    }
    drop(listener);
    // Requests answered while stopping are kept too.
    while let Ok(event) = events_rx.try_recv() {
        if let ListenerEvent::Captured(capture) = event {
            print(*capture, &mut stdout);
        }
    }

    let mut writer = BufWriter::new(file);
    file::write(&mut writer, &captures, chrono::Local::now().fixed_offset())
        .and_then(|()| writer.flush())
        .map_err(write_error)?;
    let _ = writeln!(
        stdout,
        "wrote {} capture(s) to {}",
        captures.len(),
        out.display()
    );
    Ok(())
}

/// One line per event: time, request, response, and what the event is.
pub fn event_line(capture: &Capture, row: &RowSummary) -> String {
    let what = match (&row.event, &row.entity) {
        (Some(event), Some(entity)) => {
            let id = row.entity_id.as_deref().unwrap_or("-");
            if row.label.is_empty() {
                format!("{event} {entity} {id}")
            } else {
                format!("{event} {entity} {id} {:?}", row.label)
            }
        }
        _ => row
            .findings
            .iter()
            .max_by_key(|f| f.level)
            .map(|f| f.message.clone())
            .unwrap_or_default(),
    };
    format!(
        "{} {} {} {} {} {}",
        capture.received_at.format("%H:%M:%S%.3f"),
        capture.method,
        capture.url,
        capture.response_status,
        row.status().as_str(),
        what
    )
}
