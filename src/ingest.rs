//! Owns the listener on behalf of the window: start, stop, reconfigure, and
//! drain what it captured into the session with a time budget.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded};

use crate::capture::Capture;
use crate::journal::Journal;
use crate::listener::{IdSource, Listener, ListenerConfig, Outputs};
use crate::outbound::{Exchange, ExchangeIds};
use crate::session::Session;
use crate::waker::Waker;

/// Room for bursts; when full the listener waits instead of dropping.
const CHANNEL_CAPACITY: usize = 65_536;

pub enum ListenerState<'a> {
    Listening(&'a Listener),
    Stopped,
    Failed(&'a str),
}

pub struct Ingest {
    config: ListenerConfig,
    listener: Option<Listener>,
    failure: Option<String>,
    ids: IdSource,
    sender: Sender<Vec<Capture>>,
    receiver: Receiver<Vec<Capture>>,
    /// Captures received but not yet in the session (a batch outlasted a
    /// frame's budget).
    pending: std::vec::IntoIter<Capture>,
    waker: Waker,
    journal: Option<Arc<Journal>>,
    /// Forward results from the listener.
    exchanges: (Sender<Exchange>, Receiver<Exchange>),
    exchange_ids: ExchangeIds,
}

impl Ingest {
    /// With a journal, every listener started appends each capture to it
    /// before answering.
    pub fn new(config: ListenerConfig, waker: Waker, journal: Option<Arc<Journal>>) -> Self {
        let (sender, receiver) = bounded(CHANNEL_CAPACITY);
        Self {
            config,
            listener: None,
            failure: None,
            ids: Arc::new(AtomicU64::new(1)),
            sender,
            receiver,
            pending: Vec::new().into_iter(),
            waker,
            journal,
            exchanges: bounded(CHANNEL_CAPACITY),
            exchange_ids: Arc::new(AtomicU64::new(1)),
        }
    }

    /// Numbers the session's exchanges: the listener's forwards use it, and
    /// so should anything else that sends (e.g. an `Outbox`).
    pub fn exchange_ids(&self) -> &ExchangeIds {
        &self.exchange_ids
    }

    /// Moves the forward results that arrived into `out`, oldest first.
    /// [`Ingest::drain_into`] also does this into the session's exchanges.
    pub fn drain_exchanges(&mut self, out: &mut Vec<Exchange>) {
        out.extend(self.exchanges.1.try_iter());
    }

    /// The journal the listeners write to, if any.
    pub fn journal(&self) -> Option<&Arc<Journal>> {
        self.journal.as_ref()
    }

    pub fn config(&self) -> &ListenerConfig {
        &self.config
    }

    pub fn state(&self) -> ListenerState<'_> {
        match (&self.listener, &self.failure) {
            (Some(listener), _) if listener.has_failed() => {
                ListenerState::Failed("the listener stopped by itself")
            }
            (Some(listener), _) => ListenerState::Listening(listener),
            (None, Some(reason)) => ListenerState::Failed(reason),
            (None, None) => ListenerState::Stopped,
        }
    }

    /// Starts with the current config; a failure is kept for the UI to show.
    pub fn start(&mut self) {
        self.stop_listener();
        let outputs = Outputs {
            captures: self.sender.clone(),
            exchanges: Some(self.exchanges.0.clone()),
            exchange_ids: self.exchange_ids.clone(),
        };
        match Listener::start_with(
            self.config.clone(),
            self.ids.clone(),
            outputs,
            self.waker.clone(),
            self.journal.clone(),
        ) {
            Ok(listener) => {
                self.listener = Some(listener);
                self.failure = None;
            }
            Err(e) => self.failure = Some(e.to_string()),
        }
    }

    pub fn stop(&mut self) {
        self.stop_listener();
        self.failure = None;
    }

    /// Releases the port at once; what the listener had read still reaches
    /// the session, in the background.
    fn stop_listener(&mut self) {
        if let Some(listener) = self.listener.take() {
            drop(listener.stop());
        }
    }

    /// Applies a new config, restarting the listener if it was running.
    pub fn reconfigure(&mut self, config: ListenerConfig) {
        let was_running = self.listener.is_some() || self.failure.is_some();
        self.config = config;
        if was_running {
            self.start();
        }
    }

    /// Ids for captures made elsewhere (e.g. loaded), unique in the session.
    pub fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::Relaxed)
    }

    /// Makes ids up to `id` taken, e.g. by captures read from a file.
    pub fn reserve_ids_through(&self, id: u64) {
        self.ids.fetch_max(id.saturating_add(1), Ordering::Relaxed);
    }

    /// Stops for good: the listener (waiting until its threads end, so that
    /// the journal is theirs no more) and this side's hold on the journal.
    pub fn shut_down(&mut self) {
        // Nobody reads captures any more: summaries must not wait for room.
        let (_, closed) = bounded(0);
        self.receiver = closed;
        let (_, closed) = bounded(0);
        self.exchanges.1 = closed;
        if let Some(listener) = self.listener.take() {
            listener.stop().join();
        }
        self.failure = None;
        self.journal = None;
    }

    /// Moves what arrived into `session` until the channel is empty or the
    /// budget is spent: forward results into its exchanges, then captures.
    /// Returns true when more is waiting.
    pub fn drain_into(&mut self, session: &mut Session, budget: Duration) -> bool {
        let start = Instant::now();
        for exchange in self.exchanges.1.try_iter() {
            session.exchanges.push(exchange);
        }
        loop {
            for capture in self.pending.by_ref() {
                session.push(capture);
                if start.elapsed() >= budget {
                    return true;
                }
            }
            match self.receiver.try_recv() {
                Ok(batch) => self.pending = batch.into_iter(),
                Err(_) => return false,
            }
        }
    }

    /// Where captures arrive: for whoever wants to feed the same channel.
    pub fn sender(&self) -> &Sender<Vec<Capture>> {
        &self.sender
    }
}
