//! The real listener on 127.0.0.1:0, its captures as they arrive, and a
//! client to post to it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use hookscope::capture::Capture;
use hookscope::listener::{Listener, ListenerConfig, Outputs, server::Stats};
use hookscope::outbound::Exchange;
use hookscope::waker::Waker;

/// Bounds waits for work the listener does in the background (captures
/// arriving, connections timing out), which a loaded machine can slow.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub struct Listening {
    pub listener: Listener,
    captures: Receiver<Vec<Capture>>,
    pending: std::cell::RefCell<std::collections::VecDeque<Capture>>,
    /// Forward results (when the config forwards).
    exchanges: Receiver<Exchange>,
}

impl Listening {
    pub fn start(read_timeout: Duration) -> Self {
        Self::with(ListenerConfig {
            port: 0,
            read_timeout,
            ..ListenerConfig::default()
        })
    }

    pub fn with(config: ListenerConfig) -> Self {
        let (output, captures) = crossbeam_channel::bounded(65_536);
        let (exchanges_out, exchanges) = crossbeam_channel::bounded(65_536);
        let outputs = Outputs {
            captures: output,
            exchanges: Some(exchanges_out),
            exchange_ids: Arc::new(AtomicU64::new(1)),
        };
        let listener = Listener::start_with(
            config,
            Arc::new(AtomicU64::new(1)),
            outputs,
            Waker::new(),
            None,
        )
        .expect("the listener starts");
        Self {
            listener,
            captures,
            pending: Default::default(),
            exchanges,
        }
    }

    /// The next forward result, in the order they finished.
    pub fn next_exchange(&self) -> Exchange {
        self.exchanges
            .recv_timeout(PATIENCE)
            .expect("a forward result reaches the owner")
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener.local_addr()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr())
    }

    pub fn stats(&self) -> Stats {
        self.listener.stats()
    }

    /// The next capture, in the order they were acknowledged.
    pub fn next_capture(&self) -> Capture {
        let mut pending = self.pending.borrow_mut();
        loop {
            if let Some(capture) = pending.pop_front() {
                return capture;
            }
            let batch = self
                .captures
                .recv_timeout(PATIENCE)
                .expect("a capture reaches the owner");
            pending.extend(batch);
        }
    }

    /// POSTs `body` to `path` as JSON.
    pub fn post(&self, path: &str, body: &[u8]) -> super::Reply {
        super::post(&super::agent(), &self.url(path), body)
    }

    /// POSTs `body` to `path` as JSON sent with `encoding`.
    pub fn post_encoded(&self, path: &str, encoding: &str, body: &[u8]) -> super::Reply {
        super::reply(
            super::agent()
                .post(self.url(path))
                .header("Content-Type", "application/json")
                .header("Content-Encoding", encoding)
                .send(body),
        )
    }
}

/// Waits until `done`, checking every few milliseconds, for at most
/// [`PATIENCE`]; fails the test naming `what` otherwise.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "waited too long for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}
