//! Owns the listener on behalf of the window: start, stop, reconfigure, and
//! drain what it captured into the session with a time budget.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, bounded};

use crate::listener::{IdSource, Listener, ListenerConfig, ListenerEvent, Waker};
use crate::session::Session;
use crate::session::journal::Journal;

/// Room for bursts; when full the listener waits instead of dropping.
const CHANNEL_CAPACITY: usize = 65_536;

/// How long after stopping by itself (e.g. `accept` failed: too many open
/// files) a listener is started again, once.
const RESTART_DELAY: Duration = Duration::from_secs(1);

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
    sender: Sender<ListenerEvent>,
    receiver: Receiver<ListenerEvent>,
    waker: Waker,
    journal: Option<Arc<Journal>>,
    /// When to start again a listener that stopped by itself.
    restart_at: Option<Instant>,
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
            waker,
            journal,
            restart_at: None,
        }
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
            (Some(listener), _) => ListenerState::Listening(listener),
            (None, Some(reason)) => ListenerState::Failed(reason),
            (None, None) => ListenerState::Stopped,
        }
    }

    /// Starts with the current config; a failure is kept for the UI to show.
    pub fn start(&mut self) {
        self.listener = None;
        self.restart_at = None;
        match Listener::start(
            self.config.clone(),
            self.ids.clone(),
            self.sender.clone(),
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
        self.listener = None;
        self.failure = None;
        self.restart_at = None;
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

    /// Stops for good: the listener, and this side's hold on the journal.
    pub fn shut_down(&mut self) {
        self.stop();
        self.journal = None;
    }

    /// Starts again, once, a listener that stopped by itself. Returns how long
    /// until it is due, while it is not.
    pub fn heal(&mut self) -> Option<Duration> {
        let due = self.restart_at?;
        let now = Instant::now();
        if now < due {
            return Some(due - now);
        }
        self.restart_at = None;
        self.start();
        None
    }

    /// Moves what arrived into `session` until the channel is empty or the
    /// budget is spent. Returns true when more is waiting.
    pub fn drain_into(&mut self, session: &mut Session, budget: Duration) -> bool {
        let start = Instant::now();
        while let Ok(event) = self.receiver.try_recv() {
            match event {
                ListenerEvent::Captured(capture) => session.push(*capture),
                ListenerEvent::Failed(reason) => {
                    if self.listener.as_ref().is_some_and(Listener::has_failed) {
                        self.listener = None;
                        self.failure = Some(format!("{reason}; starting again"));
                        self.restart_at = Some(Instant::now() + RESTART_DELAY);
                    }
                }
            }
            if start.elapsed() >= budget {
                return !self.receiver.is_empty();
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listening(ingest: &Ingest) -> bool {
        matches!(ingest.state(), ListenerState::Listening(_))
    }

    #[test]
    fn a_listener_that_stops_by_itself_is_started_again_once() {
        let config = ListenerConfig {
            port: 0,
            ..ListenerConfig::default()
        };
        let mut ingest = Ingest::new(config, Arc::new(|| {}), None);
        ingest.start();
        assert!(listening(&ingest));
        let mut session = Session::new();

        ingest
            .listener
            .as_ref()
            .map(Listener::fail_as_if_accept_failed);
        ingest.drain_into(&mut session, Duration::from_secs(1));
        match ingest.state() {
            ListenerState::Failed(reason) => assert!(reason.contains("starting again"), "{reason}"),
            _ => panic!("the failure is shown"),
        }
        let wait = ingest.heal().expect("not due yet");
        assert!(wait <= RESTART_DELAY);
        std::thread::sleep(wait + Duration::from_millis(20));
        assert_eq!(ingest.heal(), None);
        assert!(listening(&ingest), "started again");
        assert_eq!(ingest.heal(), None, "once");
    }

    #[test]
    fn a_failure_of_a_replaced_listener_is_ignored() {
        let config = ListenerConfig {
            port: 0,
            ..ListenerConfig::default()
        };
        let mut ingest = Ingest::new(config, Arc::new(|| {}), None);
        ingest.start();
        // The old listener fails as it is replaced; its event arrives late.
        ingest
            .listener
            .as_ref()
            .map(Listener::fail_as_if_accept_failed);
        ingest.start();
        ingest.drain_into(&mut Session::new(), Duration::from_secs(1));
        assert!(listening(&ingest));
        assert_eq!(ingest.heal(), None);
    }
}
