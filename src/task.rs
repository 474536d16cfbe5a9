//! Long work off the UI thread: a worker with progress the UI can read and
//! a cancel flag the work checks.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crossbeam_channel::{Receiver, bounded};

use crate::waker::Waker;

/// Progress of one piece of work, in units the work chooses (bytes, captures).
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicU64,
    total: AtomicU64,
    cancelled: AtomicBool,
}

impl Progress {
    pub fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
    }

    pub fn add_total(&self, more: u64) {
        self.total.fetch_add(more, Ordering::Relaxed);
    }

    pub fn advance(&self, by: u64) {
        self.done.fetch_add(by, Ordering::Relaxed);
    }

    /// 0.0 to 1.0, or `None` while the total is unknown.
    pub fn fraction(&self) -> Option<f32> {
        let total = self.total.load(Ordering::Relaxed);
        (total > 0)
            .then(|| (self.done.load(Ordering::Relaxed) as f64 / total as f64).min(1.0) as f32)
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// Work running on its own thread; its result arrives once.
pub struct Task<T> {
    pub label: String,
    progress: Arc<Progress>,
    result: Receiver<T>,
}

impl<T: Send + 'static> Task<T> {
    /// Runs `work` on a named thread and wakes the UI when it is done.
    pub fn spawn(
        label: impl Into<String>,
        waker: Waker,
        work: impl FnOnce(&Progress) -> T + Send + 'static,
    ) -> std::io::Result<Self> {
        let progress = Arc::new(Progress::default());
        let (sender, result) = bounded(1);
        let worker_progress = progress.clone();
        std::thread::Builder::new()
            .name("hookscope-task".to_owned())
            .spawn(move || {
                let outcome = work(&worker_progress);
                let _ = sender.send(outcome);
                waker.wake();
            })?;
        Ok(Self {
            label: label.into(),
            progress,
            result,
        })
    }

    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// The result, once the work is done.
    pub fn poll(&self) -> Option<T> {
        self.result.try_recv().ok()
    }
}
