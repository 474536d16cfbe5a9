//! Captures read from files on their way into the session: summarised on
//! all cores and handed over in order, a batch at a time, so that whoever
//! inserts them can do so a little each frame while the rest is made. The
//! exchanges read with them follow once they are in, naming the captures by
//! the ids these were given, and so do the pins and notes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, bounded};
use foldhash::HashMap;

use crate::capture::{Capture, Received, Routes};
use crate::outbound::{Exchange, Origin};
use crate::session::file::capture_of;
use crate::session::marks::{Mark, Marks};
use crate::summarise::{Priority, Summariser};
use crate::waker::Waker;

/// Captures summarised per batch.
const BATCH: usize = 512;
/// Batches made ahead of insertion; past this the workers wait.
const AHEAD: usize = 64;
/// Inserts between two looks at the clock.
const CLOCK_EVERY: usize = 64;

/// Where loading stands after a frame's insertions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drained {
    /// The budget ran out with captures ready: call again soon.
    More,
    /// Nothing ready yet: the waker says when a batch is.
    Waiting,
    /// Every capture was handed over (or loading was cancelled).
    Done,
}

/// What files gave, in order: their captures, and their exchanges with the
/// capture each names held as a position among these captures, since ids
/// from two files may be the same and either may be numbered anew.
#[derive(Debug, Default)]
pub struct Loaded {
    pub received: Vec<Received>,
    exchanges: Vec<(Exchange, Option<usize>)>,
    /// Pins and notes, by position among these captures.
    marks: Vec<(usize, Mark)>,
}

impl Loaded {
    /// Adds one file's captures, exchanges and marks (by the file's capture
    /// ids) after those already there.
    pub fn add(&mut self, captures: Vec<Received>, exchanges: Vec<Exchange>, marks: Marks) {
        let offset = self.received.len();
        let positions: HashMap<u64, usize> = captures
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, offset + i))
            .collect();
        self.exchanges.extend(exchanges.into_iter().map(|exchange| {
            let position = capture_of(&exchange.origin).and_then(|id| positions.get(&id).copied());
            (exchange, position)
        }));
        self.marks.extend(
            marks
                .iter()
                .filter_map(|(id, mark)| Some((*positions.get(&id)?, mark.clone()))),
        );
        self.received.extend(captures);
    }

    /// Captures to load.
    pub fn len(&self) -> usize {
        self.received.len()
    }

    pub fn is_empty(&self) -> bool {
        self.received.is_empty()
    }

    pub fn exchange_count(&self) -> usize {
        self.exchanges.len()
    }
}

impl From<Vec<Received>> for Loaded {
    fn from(received: Vec<Received>) -> Self {
        Self {
            received,
            exchanges: Vec::new(),
            marks: Vec::new(),
        }
    }
}

pub struct Loading {
    total: usize,
    inserted: usize,
    batches: Receiver<Vec<Capture>>,
    /// Captures received but not yet inserted.
    pending: std::vec::IntoIter<Capture>,
    cancelled: Arc<AtomicBool>,
    feeder: Option<JoinHandle<()>>,
    exchanges: Vec<(Exchange, Option<usize>)>,
    marks: Vec<(usize, Mark)>,
    /// Position → the id its capture was inserted with, for the positions
    /// exchanges and marks name (`None` until inserted).
    ids: HashMap<usize, Option<u64>>,
}

impl Loading {
    /// Starts summarising `received` in order; `waker` is woken as batches
    /// are ready.
    pub fn start(loaded: Loaded, routes: Routes, waker: Waker) -> std::io::Result<Self> {
        let Loaded {
            received,
            exchanges,
            marks,
        } = loaded;
        let ids = exchanges
            .iter()
            .filter_map(|&(_, p)| p)
            .chain(marks.iter().map(|&(p, _)| p))
            .map(|p| (p, None))
            .collect();
        let total = received.len();
        let (output, batches) = bounded(AHEAD);
        let cancelled = Arc::new(AtomicBool::new(false));
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let summariser =
            Summariser::start(routes, workers, Priority::Normal, AHEAD, output, waker)?;
        let stop = cancelled.clone();
        let feeder = std::thread::Builder::new()
            .name("hookscope-load".to_owned())
            .spawn(move || {
                let mut rest = received.into_iter();
                for seq in 0.. {
                    let batch: Vec<Received> = rest.by_ref().take(BATCH).collect();
                    if batch.is_empty()
                        || stop.load(Ordering::Relaxed)
                        || !summariser.submit(seq, batch)
                    {
                        break;
                    }
                }
                // Dropping the summariser lets its workers finish and end.
            })?;
        Ok(Self {
            total,
            inserted: 0,
            batches,
            pending: Vec::new().into_iter(),
            cancelled,
            feeder: Some(feeder),
            exchanges,
            marks,
            ids,
        })
    }

    /// Hands over what is ready, in order, until `budget` is spent. `insert`
    /// returns the id the capture was inserted with.
    pub fn drain(&mut self, budget: Duration, mut insert: impl FnMut(Capture) -> u64) -> Drained {
        let start = Instant::now();
        loop {
            for capture in self.pending.by_ref() {
                let id = insert(capture);
                if let Some(slot) = self.ids.get_mut(&self.inserted) {
                    *slot = Some(id);
                }
                self.inserted += 1;
                // Reading the clock costs as much as a small insert.
                if self.inserted.is_multiple_of(CLOCK_EVERY) && start.elapsed() >= budget {
                    return Drained::More;
                }
            }
            match self.batches.try_recv() {
                Ok(batch) => self.pending = batch.into_iter(),
                Err(crossbeam_channel::TryRecvError::Empty) if self.is_done() => {
                    return Drained::Done;
                }
                Err(crossbeam_channel::TryRecvError::Empty) => return Drained::Waiting,
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    self.feeder = None;
                    return Drained::Done;
                }
            }
        }
    }

    /// Every capture was handed over, or loading was cancelled and ended.
    pub fn is_done(&self) -> bool {
        self.inserted >= self.total || (self.feeder.is_none() && self.pending.len() == 0)
    }

    pub fn inserted(&self) -> usize {
        self.inserted
    }

    pub fn total(&self) -> usize {
        self.total
    }

    pub fn fraction(&self) -> f32 {
        if self.total == 0 {
            1.0
        } else {
            self.inserted as f32 / self.total as f32
        }
    }

    /// Stops summarising more; what was handed over stays.
    pub fn cancel(&mut self) {
        self.cancelled.store(true, Ordering::Relaxed);
        self.pending = Vec::new().into_iter();
        // Nothing more is inserted: let the workers finish on their own.
        self.batches = crossbeam_channel::never();
        self.feeder = None;
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// The exchanges read with the captures, once these are in: each names
    /// its capture by the id it was inserted with, or 0 when that capture
    /// was not in its file or not inserted (loading was cancelled).
    pub fn take_exchanges(&mut self) -> Vec<Exchange> {
        let ids = &self.ids;
        std::mem::take(&mut self.exchanges)
            .into_iter()
            .map(|(mut exchange, position)| {
                let id = position.and_then(|p| ids.get(&p).copied().flatten());
                match &mut exchange.origin {
                    Origin::Replay { capture } | Origin::Forward { capture, .. } => {
                        *capture = id.unwrap_or(0);
                    }
                    Origin::Send | Origin::Scenario { .. } => {}
                }
                exchange
            })
            .collect()
    }

    /// The pins and notes read with the captures, by the ids these were
    /// inserted with; those of captures not inserted are dropped.
    pub fn take_marks(&mut self) -> Vec<(u64, Mark)> {
        let ids = &self.ids;
        std::mem::take(&mut self.marks)
            .into_iter()
            .filter_map(|(position, mark)| Some((ids.get(&position).copied().flatten()?, mark)))
            .collect()
    }
}
