//! Long work off the UI thread: a worker with progress the UI can read and
//! a cancel flag the work checks.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crossbeam_channel::{Receiver, TryRecvError, bounded};

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

/// Work that ended without a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lost;

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

    /// The result, once the work is done; [`Lost`] when the worker ended
    /// without one (it panicked), so that the window does not wait forever.
    pub fn poll(&self) -> Option<Result<T, Lost>> {
        match self.result.try_recv() {
            Ok(outcome) => Some(Ok(outcome)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(Lost)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait<T: Send + 'static>(task: &Task<T>) -> Result<T, Lost> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            if let Some(result) = task.poll() {
                return result;
            }
            assert!(std::time::Instant::now() < deadline, "no result");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    #[test]
    fn a_result_arrives_once() {
        let task = Task::spawn("add", Waker::new(), |_| 2 + 2).unwrap();
        assert_eq!(wait(&task), Ok(4));
    }

    #[test]
    fn work_that_dies_is_reported_lost_not_awaited_forever() {
        let task = Task::spawn("die", Waker::new(), |_| -> u8 {
            panic!("the work failed");
        })
        .unwrap();
        assert_eq!(wait(&task), Err(Lost));
    }
}
