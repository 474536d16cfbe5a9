//! A search on a worker thread over a frozen copy of the session. Dropping
//! it cancels it: a superseded search stops at its next chunk, and its
//! result, if any, goes nowhere.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::{Receiver, TryRecvError};

use super::matcher::Matcher;
use super::scan::{Source, scan};
use super::{Filter, LastRow, last_row};
use crate::session::Session;
use crate::waker::Waker;

pub(super) struct Search {
    pub(super) filter: Filter,
    pub(super) matcher: Arc<Matcher>,
    /// The result is for session rows `from..covers` (or the rows of a list
    /// among `0..covers`), the last of them `last`.
    pub(super) from: usize,
    pub(super) covers: usize,
    pub(super) last: LastRow,
    cancel: Arc<AtomicBool>,
    result: Receiver<Vec<u32>>,
}

/// The session rows a worker looks at.
pub(super) enum Span {
    /// Rows `from..covers`: from 0 for a new filter, from the last row
    /// looked at to catch up with many new rows.
    From(usize),
    /// The rows a wider filter showed.
    List(Vec<u32>),
}

pub(super) enum Poll {
    Pending,
    Done(Vec<u32>),
    /// The worker ended without a result (it panicked).
    Failed,
}

impl Search {
    /// Starts looking at `span` among session rows `0..covers`. Wakes
    /// `waker` when done.
    pub(super) fn start(
        filter: Filter,
        matcher: Arc<Matcher>,
        session: &Session,
        covers: usize,
        span: Span,
        waker: Waker,
    ) -> std::io::Result<Self> {
        let snapshot = session.snapshot();
        let from = match span {
            Span::From(from) => from,
            Span::List(_) => 0,
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let (send, result) = crossbeam_channel::bounded(1);
        let worker = {
            let matcher = Arc::clone(&matcher);
            let cancel = Arc::clone(&cancel);
            move || {
                // Declared before `send` so that it drops after it: whoever
                // is woken finds the result, or the channel closed.
                let _wake = WakeOnDrop(waker, Arc::clone(&cancel));
                let send = send;
                let source = match &span {
                    Span::From(from) => Source::Range(*from..covers),
                    Span::List(list) => Source::List(list),
                };
                if let Some(rows) = scan(&snapshot, &matcher, &source, &cancel) {
                    let _ = send.send(rows);
                }
            }
        };
        std::thread::Builder::new()
            .name("hookscope-search".to_owned())
            .spawn(worker)?;
        Ok(Self {
            filter,
            matcher,
            from,
            covers,
            last: last_row(session, covers),
            cancel,
            result,
        })
    }

    pub(super) fn poll(&self) -> Poll {
        match self.result.try_recv() {
            Ok(rows) => Poll::Done(rows),
            Err(TryRecvError::Empty) => Poll::Pending,
            Err(TryRecvError::Disconnected) => Poll::Failed,
        }
    }

    /// The rows it looks at are still the session's first rows.
    pub(super) fn still_valid(&self, session: &Session) -> bool {
        session.row_count() >= self.covers && last_row(session, self.covers) == self.last
    }
}

impl Drop for Search {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// Wakes the window when the worker ends, with a result or a panic; a
/// cancelled search has no one waiting for it.
struct WakeOnDrop(Waker, Arc<AtomicBool>);

impl Drop for WakeOnDrop {
    fn drop(&mut self) {
        if !self.1.load(Ordering::Relaxed) {
            self.0.wake();
        }
    }
}
