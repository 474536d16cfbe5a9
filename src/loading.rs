//! Captures read from files on their way into the session: summarised on
//! all cores and handed over in order, a batch at a time, so that whoever
//! inserts them can do so a little each frame while the rest is made.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, bounded};

use crate::capture::{Capture, Received, Routes};
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

pub struct Loading {
    total: usize,
    inserted: usize,
    batches: Receiver<Vec<Capture>>,
    /// Captures received but not yet inserted.
    pending: std::vec::IntoIter<Capture>,
    cancelled: Arc<AtomicBool>,
    feeder: Option<JoinHandle<()>>,
}

impl Loading {
    /// Starts summarising `received` in order; `waker` is woken as batches
    /// are ready.
    pub fn start(received: Vec<Received>, routes: Routes, waker: Waker) -> std::io::Result<Self> {
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
        })
    }

    /// Hands over what is ready, in order, until `budget` is spent.
    pub fn drain(&mut self, budget: Duration, mut insert: impl FnMut(Capture)) -> Drained {
        let start = Instant::now();
        loop {
            for capture in self.pending.by_ref() {
                insert(capture);
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
}
