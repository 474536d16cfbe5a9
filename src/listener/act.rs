//! Acting on what arrives: answers the user chose per webhook path (sent
//! late by a timer thread, never by a request worker) and live forwarding
//! to another server, behind hookscope's own answer (copy) or in its place
//! (proxy). Nothing here waits while a request worker waits for it.

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use serde_json::json;

use crate::capture::received_now;
use crate::outbound::replay::{check_base_url, is_hop_by_hop};
use crate::outbound::{
    Exchange, ExchangeIds, Failure, ForwardMode, OutRequest, OutResponse, Outcome, Timeouts,
};
use crate::waker::Waker;

use super::server::Incoming;

/// The longest a chosen answer may wait.
pub const MAX_DELAY: Duration = Duration::from_secs(30);
/// The largest chosen body.
pub const MAX_CHOSEN_BODY: usize = 10 * 1024 * 1024;
/// Requests waiting to be forwarded (copy mode); past it they are not.
pub(super) const FORWARD_QUEUE: usize = 1024;
/// Requests waiting for a proxy sender; past it they are answered 503.
pub(super) const PROXY_QUEUE: usize = 256;
pub(super) const PROXY_SENDERS: usize = 4;
/// Answers waiting for their delay to pass.
pub(super) const DELAY_QUEUE: usize = 1 << 16;
/// How long forwarding goes on once the listener stopped; what is still
/// queued then is recorded as not forwarded.
const FORWARD_GRACE: Duration = Duration::from_secs(5);

/// What one webhook path answers instead of hookscope's own answer.
/// Refusals (404, 405 aside: 408, 413, 415, broken bodies, 503 when the
/// journal fails) stay hookscope's own: they say the request itself was
/// not received whole.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChosenAnswer {
    /// Sent instead of hookscope's status (200 to 599).
    pub status: Option<u16>,
    /// Sent instead of hookscope's JSON body, exactly.
    pub body: Option<Box<[u8]>>,
    /// How long the answer waits, at most [`MAX_DELAY`].
    pub delay: Duration,
    /// Every Nth request on the path is answered 500.
    pub fail_one_in: Option<u32>,
}

impl ChosenAnswer {
    pub fn is_active(&self) -> bool {
        self.status.is_some()
            || self.body.is_some()
            || !self.delay.is_zero()
            || self.fail_one_in.is_some()
    }

    /// "500, 2000 ms late, failing 1 in 3": for the top bar and the CLI.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        match (self.status, &self.body) {
            (Some(status), Some(_)) => parts.push(format!("{status} with a chosen body")),
            (Some(status), None) => parts.push(status.to_string()),
            (None, Some(_)) => parts.push("a chosen body".to_owned()),
            (None, None) => {}
        }
        if !self.delay.is_zero() {
            parts.push(format!("{} ms late", self.delay.as_millis()));
        }
        if let Some(n) = self.fail_one_in {
            parts.push(format!("failing 1 in {n}"));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    pub fn validate(&self, path: &str) -> Result<(), String> {
        if let Some(status) = self.status {
            check_status(status).map_err(|e| format!("{path}: {e}"))?;
        }
        if self.delay > MAX_DELAY {
            return Err(format!(
                "{path}: the answer delay must be at most {} ms",
                MAX_DELAY.as_millis()
            ));
        }
        if self.fail_one_in == Some(0) {
            return Err(format!(
                "{path}: fail one request in N needs N of 1 or more"
            ));
        }
        if self
            .body
            .as_ref()
            .is_some_and(|b| b.len() > MAX_CHOSEN_BODY)
        {
            return Err(format!("{path}: the chosen body is over 10 MiB"));
        }
        Ok(())
    }
}

/// The chosen answers of the two webhook paths.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChosenAnswers {
    pub job: ChosenAnswer,
    pub candidate: ChosenAnswer,
}

/// Where received requests are forwarded, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forward {
    /// `http://` or `https://`, without a trailing `/`; the request's path
    /// and query are appended.
    pub base_url: String,
    pub mode: ForwardMode,
    pub timeouts: Timeouts,
}

impl Forward {
    pub fn new(base_url: &str, mode: ForwardMode) -> Result<Self, String> {
        Ok(Self {
            base_url: parse_base_url(base_url)?,
            mode,
            timeouts: Timeouts::default(),
        })
    }

    /// "forwarding to http://…:3000 (proxy)".
    pub fn describe(&self) -> String {
        let mode = match self.mode {
            ForwardMode::Copy => "copy",
            ForwardMode::Proxy => "proxy",
        };
        format!("forwarding to {} ({mode})", self.base_url)
    }
}

/// A status hookscope can send as a final answer. 1xx are not final: a
/// client would wait for another answer.
pub fn check_status(status: u16) -> Result<u16, String> {
    if (200..=599).contains(&status) {
        Ok(status)
    } else {
        Err(format!("the status {status} is not one of 200 to 599"))
    }
}

/// `http://host[:port][/prefix]` or `https://…`, trimmed of a trailing `/`.
pub fn parse_base_url(text: &str) -> Result<String, String> {
    check_base_url(text).map(str::to_owned)
}

/// The target's answer as hookscope passes it on: its headers minus
/// hop-by-hop ones (the listener frames the body itself).
pub(super) fn passed_on_headers(response: &OutResponse) -> Vec<(String, String)> {
    response
        .headers
        .iter()
        .filter(|(n, _)| !is_hop_by_hop(n))
        .cloned()
        .collect()
}

/// What the sender gets when the target gave no answer: 504 on a timeout,
/// 502 otherwise, with the reason as JSON.
pub(super) fn proxy_failure(base_url: &str, failure: &Failure) -> (u16, String, Vec<u8>) {
    let (status, reason) = match failure {
        Failure::TimedOut(ms) => (
            504,
            format!("the forward target {base_url} did not answer within {ms} ms"),
        ),
        Failure::Unreachable(why) => (
            502,
            format!("the forward target {base_url} is unreachable: {why}"),
        ),
        Failure::Other(why) => (502, format!("the forward target {base_url} failed: {why}")),
    };
    let body = json!({ "error": reason }).to_string().into_bytes();
    (status, reason, body)
}

/// An answer ready to be sent: status, headers and exact body.
pub(super) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body,
        }
    }

    pub fn send(self, incoming: Incoming) {
        incoming.reply_with(self.status, &self.headers, self.body);
    }
}

/// Where forward results go: the owner's channel, woken like captures.
#[derive(Clone)]
pub(super) struct ExchangeOut {
    pub sender: Option<Sender<Exchange>>,
    pub ids: ExchangeIds,
    pub waker: Waker,
}

impl ExchangeOut {
    pub fn exchange(
        &self,
        origin: crate::outbound::Origin,
        request: OutRequest,
        started_at: chrono::DateTime<chrono::FixedOffset>,
        outcome: Outcome,
    ) -> Exchange {
        Exchange {
            id: self.ids.fetch_add(1, Ordering::Relaxed),
            started_at,
            origin,
            request,
            outcome,
        }
    }

    /// Waits for room: for the copy forwarder, which nobody waits on.
    pub fn deliver(&self, exchange: Exchange) {
        if let Some(sender) = &self.sender
            && sender.send(exchange).is_ok()
        {
            self.waker.wake();
        }
    }

    /// Never waits: for the threads that answer senders. An owner that far
    /// behind loses the record, never an answer.
    pub fn offer(&self, exchange: Exchange) {
        if let Some(sender) = &self.sender
            && sender.try_send(exchange).is_ok()
        {
            self.waker.wake();
        }
    }
}

/// A request to forward behind hookscope's answer.
pub(super) struct ForwardJob {
    pub capture: u64,
    pub request: OutRequest,
}

/// An exchange that never happened: recorded so that every forward has one.
pub(super) fn not_forwarded(
    out: &ExchangeOut,
    origin: crate::outbound::Origin,
    request: OutRequest,
    why: &str,
) -> Exchange {
    let outcome = Outcome {
        elapsed: Duration::ZERO,
        result: Err(Failure::Other(format!("not forwarded: {why}"))),
    };
    out.exchange(origin, request, received_now(), outcome)
}

/// The copy forwarder: one thread, so requests reach the target in the
/// order they were acknowledged (and so in order per path).
pub(super) fn run_forwarder(
    queue: Receiver<ForwardJob>,
    client: crate::outbound::Client,
    out: ExchangeOut,
    stopping: Arc<AtomicBool>,
) {
    let mut give_up_at: Option<Instant> = None;
    for job in queue {
        let origin = crate::outbound::Origin::Forward {
            capture: job.capture,
            mode: ForwardMode::Copy,
        };
        if stopping.load(Ordering::Relaxed) {
            let at = *give_up_at.get_or_insert_with(|| Instant::now() + FORWARD_GRACE);
            if Instant::now() >= at {
                out.deliver(not_forwarded(
                    &out,
                    origin,
                    job.request,
                    "the listener stopped first",
                ));
                continue;
            }
        }
        let started_at = received_now();
        let outcome = client.send(&job.request);
        out.deliver(out.exchange(origin, job.request, started_at, outcome));
    }
}

/// An answer waiting for its delay.
pub(super) struct Delayed {
    pub at: Instant,
    /// Breaks ties in arrival order.
    pub n: u64,
    pub incoming: Incoming,
    pub reply: Reply,
}

impl PartialEq for Delayed {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.n) == (other.at, other.n)
    }
}
impl Eq for Delayed {}
impl PartialOrd for Delayed {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}
impl Ord for Delayed {
    /// Reversed: the heap's top is the earliest deadline.
    fn cmp(&self, other: &Self) -> CmpOrdering {
        (other.at, other.n).cmp(&(self.at, self.n))
    }
}

/// The timer thread: sends each delayed answer when its time comes. Once
/// the listener is gone (the channel closed) the rest are sent at once.
pub(super) fn run_delays(queue: Receiver<Delayed>) {
    let mut heap: BinaryHeap<Delayed> = BinaryHeap::new();
    loop {
        let now = Instant::now();
        while heap.peek().is_some_and(|d| d.at <= now) {
            if let Some(due) = heap.pop() {
                due.reply.send(due.incoming);
            }
        }
        let next = match heap.peek() {
            Some(first) => queue.recv_deadline(first.at),
            None => queue.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match next {
            Ok(delayed) => heap.push(delayed),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                while let Some(due) = heap.pop() {
                    due.reply.send(due.incoming);
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_need_a_scheme_and_a_host() {
        assert_eq!(
            parse_base_url("http://127.0.0.1:3000/"),
            Ok("http://127.0.0.1:3000".to_owned())
        );
        assert_eq!(
            parse_base_url("https://example.com/hooks"),
            Ok("https://example.com/hooks".to_owned())
        );
        assert!(parse_base_url("127.0.0.1:3000").is_err());
        assert!(parse_base_url("ftp://x").is_err());
        assert!(parse_base_url("http://").is_err());
        assert!(parse_base_url("http://x/?q=1").is_err());
    }

    #[test]
    fn chosen_answers_are_checked() {
        let ok = ChosenAnswer {
            status: Some(500),
            delay: MAX_DELAY,
            ..Default::default()
        };
        assert!(ok.validate("/job").is_ok());
        assert_eq!(ok.describe().as_deref(), Some("500, 30000 ms late"));
        for bad in [
            ChosenAnswer {
                status: Some(100),
                ..Default::default()
            },
            ChosenAnswer {
                delay: MAX_DELAY + Duration::from_millis(1),
                ..Default::default()
            },
            ChosenAnswer {
                fail_one_in: Some(0),
                ..Default::default()
            },
        ] {
            assert!(bad.validate("/job").is_err(), "{bad:?}");
        }
        assert!(!ChosenAnswer::default().is_active());
    }
}
