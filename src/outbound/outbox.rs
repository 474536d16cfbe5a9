//! Named workers that send requests for the window and the CLI, so that
//! neither drawing nor the listener ever waits on a target. Each finished
//! request comes back as an [`Exchange`] on the owner's channel.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender, TrySendError};

use super::{Client, Exchange, Origin, OutRequest};
use crate::capture::received_now;
use crate::waker::Waker;

/// Requests waiting for a worker; past this, [`Outbox::submit`] refuses.
const QUEUE: usize = 4096;

/// Exchange ids, shared so that they stay unique within a session.
pub type ExchangeIds = Arc<AtomicU64>;

struct Job {
    origin: Origin,
    request: OutRequest,
}

#[derive(Debug, thiserror::Error)]
#[error("{QUEUE} requests are already waiting to be sent")]
pub struct Full;

/// Dropping it lets queued requests finish, then the workers end.
pub struct Outbox {
    jobs: Option<Sender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl Outbox {
    pub fn start(
        client: Client,
        workers: usize,
        ids: ExchangeIds,
        results: Sender<Exchange>,
        waker: Waker,
    ) -> std::io::Result<Self> {
        let (jobs, queue): (Sender<Job>, Receiver<Job>) = crossbeam_channel::bounded(QUEUE);
        let mut handles = Vec::new();
        for n in 0..workers.max(1) {
            let queue = queue.clone();
            let client = client.clone();
            let ids = ids.clone();
            let results = results.clone();
            let waker = waker.clone();
            let handle = std::thread::Builder::new()
                .name(format!("hookscope-send-{n}"))
                .spawn(move || {
                    for job in queue {
                        let started_at = received_now();
                        let outcome = client.send(&job.request);
                        let exchange = Exchange {
                            id: ids.fetch_add(1, Ordering::Relaxed),
                            started_at,
                            origin: job.origin,
                            request: job.request,
                            outcome,
                        };
                        if results.send(exchange).is_err() {
                            return;
                        }
                        waker.wake();
                    }
                })?;
            handles.push(handle);
        }
        Ok(Self {
            jobs: Some(jobs),
            workers: handles,
        })
    }

    /// Queues `request`; its exchange arrives on the results channel.
    pub fn submit(&self, origin: Origin, request: OutRequest) -> Result<(), Full> {
        let Some(jobs) = &self.jobs else {
            return Err(Full);
        };
        jobs.try_send(Job { origin, request }).map_err(|e| match e {
            TrySendError::Full(_) | TrySendError::Disconnected(_) => Full,
        })
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.jobs = None;
        // Workers end after the queue; the window does not wait for them.
        self.workers.clear();
    }
}
