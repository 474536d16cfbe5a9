//! The window's outbound requests: two outboxes started on first use (sends
//! in parallel; replays one at a time so they leave in capture order), one
//! per scenario run, and the channel their exchanges come back on.

use std::sync::atomic::Ordering;

use crossbeam_channel::{Receiver, Sender, unbounded};

use crate::outbound::{Client, Exchange, ExchangeIds, Origin, OutRequest, Outbox, Timeouts};
use crate::waker::Waker;

/// Sends composed in the window run side by side on this many workers.
const SEND_WORKERS: usize = 4;

pub struct Outgoing {
    client: Client,
    ids: ExchangeIds,
    results: Sender<Exchange>,
    received: Receiver<Exchange>,
    waker: Waker,
    sends: Option<Outbox>,
    replays: Option<Outbox>,
    /// The latest scenario run's; an earlier run's finishes on its own.
    run: Option<Outbox>,
    /// Submitted and not back yet.
    in_flight: usize,
}

impl Outgoing {
    pub fn new(waker: Waker, ids: ExchangeIds) -> Self {
        // Unbounded: workers never wait on the window; the outbox queue
        // bounds how many requests there can be.
        let (results, received) = unbounded();
        Self {
            client: Client::new(Timeouts::default()),
            ids,
            results,
            received,
            waker,
            sends: None,
            replays: None,
            run: None,
            in_flight: 0,
        }
    }

    /// New exchanges take ids from `next` on (after those opened from files).
    pub fn ids_from(&self, next: u64) {
        self.ids.fetch_max(next, Ordering::Relaxed);
    }

    /// Queues `request`; its exchange comes back through [`Outgoing::drain`].
    pub fn submit(&mut self, origin: Origin, request: OutRequest) -> Result<(), String> {
        let in_order = matches!(origin, Origin::Replay { .. });
        let slot = if in_order {
            &mut self.replays
        } else {
            &mut self.sends
        };
        let outbox = match slot {
            Some(outbox) => outbox,
            None => {
                let workers = if in_order { 1 } else { SEND_WORKERS };
                let started =
                    start_outbox(&self.client, workers, &self.ids, &self.results, &self.waker)?;
                slot.insert(started)
            }
        };
        outbox.submit(origin, request).map_err(|e| e.to_string())?;
        self.in_flight += 1;
        Ok(())
    }

    /// Queues a scenario's steps on an outbox of their own with `workers`
    /// workers: one keeps the steps in order, each sent only once the one
    /// before was answered; more send them side by side.
    pub fn submit_run(
        &mut self,
        steps: impl IntoIterator<Item = (Origin, OutRequest)>,
        workers: usize,
    ) -> Result<(), String> {
        let outbox = start_outbox(&self.client, workers, &self.ids, &self.results, &self.waker)?;
        // Dropping the previous run's outbox lets its queue finish.
        let outbox = self.run.insert(outbox);
        for (origin, request) in steps {
            outbox.submit(origin, request).map_err(|e| e.to_string())?;
            self.in_flight += 1;
        }
        Ok(())
    }

    /// What has come back since the last call, without waiting.
    pub fn drain(&mut self) -> Vec<Exchange> {
        let done: Vec<Exchange> = self.received.try_iter().collect();
        self.in_flight = self.in_flight.saturating_sub(done.len());
        done
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight
    }
}

fn start_outbox(
    client: &Client,
    workers: usize,
    ids: &ExchangeIds,
    results: &Sender<Exchange>,
    waker: &Waker,
) -> Result<Outbox, String> {
    Outbox::start(
        client.clone(),
        workers,
        ids.clone(),
        results.clone(),
        waker.clone(),
    )
    .map_err(|e| format!("Could not start sending: {e}"))
}
