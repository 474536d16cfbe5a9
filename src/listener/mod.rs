//! The embedded listener. An I/O thread ([`server`]) reads requests without
//! ever waiting on a sender; a fixed pool of request workers answers each
//! whole request from a cheap look at its envelopes, after appending its
//! exact bytes to the journal; summaries are made afterwards, on workers
//! that yield the CPU to answering, and reach the owner in the order the
//! requests were acknowledged.

pub mod act;
mod chunked;
pub mod server;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::SubsecRound;
use crossbeam_channel::{Receiver, Sender, TrySendError};
use serde_json::json;
use socket2::{Domain, Protocol, Socket, Type};

use crate::capture::answer::{Replaced, ReplacedBy};
use crate::capture::{self, Answer, Capture, Received, Refusal, RequestHead, Routes};
use crate::journal::Journal;
use crate::outbound::{Client, Exchange, ExchangeIds, ForwardMode, Origin, OutRequest};
use crate::summarise::{Activity, Priority, Summariser};
use crate::waker::Waker;

use act::{ChosenAnswer, Delayed, ExchangeOut, ForwardJob, Reply};
use server::{BodyState, Incoming, Server};

pub use act::{ChosenAnswers, Forward};

pub const DEFAULT_PORT: u16 = 8090;
pub const DEFAULT_MAX_BODY: u64 = 10 * 1024 * 1024;
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a stopping listener lets requests already read be answered.
const STOP_GRACE: Duration = Duration::from_secs(2);
/// Connections waiting to be accepted; a flood waits here, not in threads.
const BACKLOG: i32 = 4096;
/// Captures acknowledged and waiting for their summary. They are what the
/// session will hold anyway, so the bound is generous: under a burst the
/// answers never wait for the summaries, which catch up afterwards.
const AWAITING_SUMMARY: usize = 1 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenerConfig {
    pub bind: IpAddr,
    pub port: u16,
    pub routes: Routes,
    pub max_body: u64,
    /// How long a sender has to send a request and its body (and to take
    /// the answer); an idle connection is closed after it too.
    pub read_timeout: Duration,
    /// What each webhook path answers instead of hookscope's own answer
    /// (boxed: rarely set, and configs travel in UI actions).
    pub chosen: Box<ChosenAnswers>,
    /// Where every request received whole is also sent.
    pub forward: Option<Forward>,
}

impl ListenerConfig {
    /// The chosen answer for a request-target's path, if it is a webhook
    /// path with one.
    fn chosen_for(&self, target: &str) -> Option<(usize, &ChosenAnswer)> {
        let path = capture::summary::path_of(target);
        let (index, chosen) = if path == self.routes.job_path {
            (0, &self.chosen.job)
        } else if path == self.routes.candidate_path {
            (1, &self.chosen.candidate)
        } else {
            return None;
        };
        chosen.is_active().then_some((index, chosen))
    }

    /// "answering 500 on /job", "forwarding to http://… (proxy)": what the
    /// listener does beyond watching, for the top bar and `listen`.
    pub fn acting(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for (path, chosen) in [
            (&self.routes.job_path, &self.chosen.job),
            (&self.routes.candidate_path, &self.chosen.candidate),
        ] {
            if let Some(what) = chosen.describe() {
                notes.push(format!("answering {what} on {path}"));
            }
        }
        if let Some(forward) = &self.forward {
            notes.push(forward.describe());
        }
        notes
    }

    fn validate(&self) -> Result<(), ListenError> {
        validate_routes(&self.routes)?;
        self.chosen
            .job
            .validate(&self.routes.job_path)
            .and_then(|()| self.chosen.candidate.validate(&self.routes.candidate_path))
            .map_err(ListenError::Config)?;
        if let Some(forward) = &self.forward {
            act::parse_base_url(&forward.base_url).map_err(ListenError::Config)?;
        }
        Ok(())
    }
}

impl Default for ListenerConfig {
    fn default() -> Self {
        Self {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: DEFAULT_PORT,
            routes: Routes::default(),
            max_body: DEFAULT_MAX_BODY,
            read_timeout: DEFAULT_READ_TIMEOUT,
            chosen: Box::default(),
            forward: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
    #[error("{0}")]
    Config(String),
}

/// Capture ids, shared so that they stay unique across listener restarts.
pub type IdSource = Arc<AtomicU64>;

/// What the request workers share.
struct Shared {
    config: ListenerConfig,
    ids: IdSource,
    journal: Option<Arc<Journal>>,
    /// The number of the next capture acknowledged: taken with the journal
    /// write, so that the journal and the summaries keep one order.
    order: Mutex<u64>,
    summariser: Summariser,
    /// Marked at each answer: summaries wait for a pause in answering.
    activity: Arc<Activity>,
    /// Requests counted per webhook path (job, candidate) for "fail one in N".
    fail_counts: [AtomicU64; 2],
    /// Set when the listener stops: forwarding winds down.
    stopping: Arc<AtomicBool>,
}

/// Where a listener hands out what it made.
pub struct Outputs {
    /// Summarised captures, in batches, in the order acknowledged.
    pub captures: Sender<Vec<Capture>>,
    /// Forward results (copy and proxy), one exchange per forwarded
    /// request; `None` drops them.
    pub exchanges: Option<Sender<Exchange>>,
    /// Numbers the exchanges; share it with whatever else sends in the session.
    pub exchange_ids: ExchangeIds,
}

/// What a request worker hands work to, besides answering.
#[derive(Clone)]
struct Lanes {
    delays: Option<Sender<Delayed>>,
    forward: Option<Sender<ForwardJob>>,
    proxy: Option<Sender<ProxyJob>>,
    out: ExchangeOut,
    delayed: Arc<AtomicU64>,
}

/// A request answered by the forward target (proxy mode).
struct ProxyJob {
    seq: u64,
    received: Received,
    incoming: Incoming,
    request: OutRequest,
}

/// A running listener; dropping it stops it (see [`Listener::stop`] to stop
/// without waiting).
pub struct Listener {
    server: Option<Server>,
    local_addr: SocketAddr,
    routes: Routes,
    workers: Vec<JoinHandle<()>>,
    /// The timer, forwarder and proxy threads.
    helpers: Vec<JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl Listener {
    /// Binds and starts listening: the port accepts connections when this
    /// returns. Captures reach `output` summarised, in batches, in the order
    /// they were acknowledged, and `waker` is woken after each batch. With a
    /// journal, every capture is appended to it before it is answered; one
    /// that cannot be journalled is answered 503, never 2xx.
    pub fn start(
        config: ListenerConfig,
        ids: IdSource,
        output: Sender<Vec<Capture>>,
        waker: Waker,
        journal: Option<Arc<Journal>>,
    ) -> Result<Self, ListenError> {
        let outputs = Outputs {
            captures: output,
            exchanges: None,
            exchange_ids: Arc::new(AtomicU64::new(1)),
        };
        Self::start_with(config, ids, outputs, waker, journal)
    }

    /// [`Listener::start`], with forward results handed out too: each one
    /// reaches `outputs.exchanges` as it finishes, and `waker` is woken.
    pub fn start_with(
        config: ListenerConfig,
        ids: IdSource,
        outputs: Outputs,
        waker: Waker,
        journal: Option<Arc<Journal>>,
    ) -> Result<Self, ListenError> {
        config.validate()?;
        let Outputs {
            captures: output,
            exchanges,
            exchange_ids,
        } = outputs;
        let out = ExchangeOut {
            sender: exchanges,
            ids: exchange_ids,
            waker: waker.clone(),
        };
        raise_fd_limit();
        let addr = SocketAddr::new(config.bind, config.port);
        let socket = bind(addr).map_err(|e| ListenError::Bind {
            addr,
            reason: e.to_string(),
        })?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let activity = Activity::new();
        let summariser = Summariser::start(
            config.routes.clone(),
            cores,
            Priority::Idle(activity.clone()),
            AWAITING_SUMMARY,
            output,
            waker,
        )
        .map_err(|e| ListenError::Config(format!("cannot start the summary workers: {e}")))?;
        let (requests, incoming) = crossbeam_channel::unbounded();
        let server_config = server::Config {
            read_timeout: config.read_timeout,
            write_timeout: config.read_timeout,
            max_body: config.max_body,
            ..server::Config::default()
        };
        let server = Server::start(socket, server_config, requests)
            .map_err(|e| ListenError::Config(format!("cannot start the listener: {e}")))?;
        let local_addr = server.local_addr();
        let routes = config.routes.clone();
        let forward = config.forward.clone();
        let delays_wanted = [&config.chosen.job, &config.chosen.candidate]
            .iter()
            .any(|c| !c.delay.is_zero());
        let stopping = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            config,
            ids,
            journal,
            order: Mutex::new(0),
            summariser,
            activity,
            fail_counts: Default::default(),
            stopping: stopping.clone(),
        });
        let (lanes, helpers) = start_helpers(&shared, forward, delays_wanted, out, stopping)
            .map_err(|e| ListenError::Config(format!("cannot start a forwarding thread: {e}")))?;
        let mut workers = Vec::new();
        for n in 0..cores.max(8) {
            let incoming: Receiver<Incoming> = incoming.clone();
            let shared = shared.clone();
            let lanes = lanes.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("hookscope-request-{n}"))
                .spawn(move || {
                    for request in incoming {
                        answer(request, &shared, &lanes);
                    }
                });
            match spawned {
                Ok(worker) => workers.push(worker),
                // Fewer workers answer more slowly; none cannot answer.
                Err(e) if workers.is_empty() => {
                    return Err(ListenError::Config(format!(
                        "cannot start a request worker: {e}"
                    )));
                }
                Err(_) => break,
            }
        }
        // The workers hold the only senders: the helpers end after them.
        drop(lanes);
        Ok(Self {
            server: Some(server),
            local_addr,
            routes,
            workers,
            helpers,
            shared,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn job_url(&self) -> String {
        format!("http://{}{}", self.local_addr, self.routes.job_path)
    }

    pub fn candidate_url(&self) -> String {
        format!("http://{}{}", self.local_addr, self.routes.candidate_path)
    }

    /// Whether the I/O thread ended by itself.
    pub fn has_failed(&self) -> bool {
        self.server.as_ref().is_some_and(|s| s.stats().failed)
    }

    /// Connections, requests, timeouts and refusals so far.
    pub fn stats(&self) -> server::Stats {
        self.server.as_ref().map(Server::stats).unwrap_or_default()
    }

    /// Captures acknowledged and still waiting for their summary (under a
    /// burst, summaries wait for a pause in answering).
    pub fn awaiting_summary(&self) -> usize {
        self.shared.summariser.waiting()
    }

    /// Stops accepting at once: the port can be bound again when this
    /// returns. The rest finishes by itself: requests already read are
    /// answered, journalled and summarised, then every thread ends. Join the
    /// result to wait for that; dropping it does not wait.
    pub fn stop(mut self) -> Stopped {
        self.stopped()
    }

    fn stopped(&mut self) -> Stopped {
        self.shared.stopping.store(true, Ordering::Relaxed);
        Stopped {
            server: self.server.take().map(|server| server.stop(STOP_GRACE)),
            workers: std::mem::take(&mut self.workers),
            helpers: std::mem::take(&mut self.helpers),
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if self.server.is_some() {
            self.stopped().join();
        }
    }
}

/// A listener finishing what it had read when it was stopped.
pub struct Stopped {
    server: Option<server::Stopping>,
    workers: Vec<JoinHandle<()>>,
    helpers: Vec<JoinHandle<()>>,
}

impl Stopped {
    /// Waits until every capture it acknowledged was handed to its owner.
    pub fn join(self) {
        if let Some(server) = self.server {
            server.join();
        }
        // The I/O thread is gone, so the workers' channel is closed: they
        // end once it is empty, and the last one lets the summaries finish.
        for worker in self.workers {
            let _ = worker.join();
        }
        // Delayed answers go at once now; a forward in flight finishes
        // (within its timeout), queued ones wind down (see `act`).
        for helper in self.helpers {
            let _ = helper.join();
        }
    }
}

/// Starts the threads that act beside the request workers: the timer for
/// delayed answers, the copy forwarder, the proxy senders.
fn start_helpers(
    shared: &Arc<Shared>,
    forward: Option<Forward>,
    delays_wanted: bool,
    out: ExchangeOut,
    stopping: Arc<AtomicBool>,
) -> std::io::Result<(Lanes, Vec<JoinHandle<()>>)> {
    let mut helpers = Vec::new();
    let mut lanes = Lanes {
        delays: None,
        forward: None,
        proxy: None,
        out: out.clone(),
        delayed: Arc::new(AtomicU64::new(0)),
    };
    if delays_wanted {
        let (sender, queue) = crossbeam_channel::bounded(act::DELAY_QUEUE);
        helpers.push(
            std::thread::Builder::new()
                .name("hookscope-delay".to_owned())
                .spawn(move || act::run_delays(queue))?,
        );
        lanes.delays = Some(sender);
    }
    let Some(forward) = forward else {
        return Ok((lanes, helpers));
    };
    let client = Client::new(forward.timeouts);
    // Copy mode, and paths with a chosen answer in proxy mode.
    let (sender, queue) = crossbeam_channel::bounded(act::FORWARD_QUEUE);
    let (client_copy, out_copy, stopping_copy) = (client.clone(), out.clone(), stopping.clone());
    helpers.push(
        std::thread::Builder::new()
            .name("hookscope-forward".to_owned())
            .spawn(move || act::run_forwarder(queue, client_copy, out_copy, stopping_copy))?,
    );
    lanes.forward = Some(sender);
    if forward.mode == ForwardMode::Proxy {
        let (sender, queue) = crossbeam_channel::bounded::<ProxyJob>(act::PROXY_QUEUE);
        for n in 0..act::PROXY_SENDERS {
            let (queue, client, out) = (queue.clone(), client.clone(), out.clone());
            let (shared, base_url) = (shared.clone(), forward.base_url.clone());
            helpers.push(
                std::thread::Builder::new()
                    .name(format!("hookscope-proxy-{n}"))
                    .spawn(move || {
                        for job in queue {
                            proxy(job, &shared, &client, &out, &base_url);
                        }
                    })?,
            );
        }
        lanes.proxy = Some(sender);
    }
    Ok((lanes, helpers))
}

fn validate_routes(routes: &Routes) -> Result<(), ListenError> {
    for (name, path) in [
        ("job", &routes.job_path),
        ("candidate", &routes.candidate_path),
    ] {
        if !path.starts_with('/') {
            return Err(ListenError::Config(format!(
                "the {name} path \"{path}\" must start with /"
            )));
        }
    }
    if routes.job_path == routes.candidate_path {
        return Err(ListenError::Config(
            "the job path and the candidate path must differ".to_owned(),
        ));
    }
    Ok(())
}

fn bind(addr: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // A port just released (TIME_WAIT) can be listened on again at once.
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

/// Lets the process hold as many connections as the system allows: the
/// soft limit on open files (often 1024) is raised to the hard one.
fn raise_fd_limit() {
    #[cfg(unix)]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
            let limit = getrlimit(Resource::Nofile);
            let wanted = limit.maximum.unwrap_or(1 << 20);
            if limit.current.is_some_and(|current| current < wanted) {
                let raised = Rlimit {
                    current: Some(wanted),
                    maximum: limit.maximum,
                };
                let _ = setrlimit(Resource::Nofile, raised);
            }
        });
    }
}

/// One request, from its bytes to its answer: decode, look at the
/// envelopes, journal, hand over for summaries, answer.
fn answer(mut request: Incoming, shared: &Shared, lanes: &Lanes) {
    let config = &shared.config;
    let head = RequestHead::new(
        &request.head.method,
        &request.head.target,
        &request.remote.to_string(),
        request.head.headers.iter().map(|(n, v)| (n, v)),
    );
    let incomplete = |refusal| (None, Answer::refused(refusal));
    let (decoded, answer) = match &request.body_state {
        BodyState::Complete => {
            capture::answer(&head, &request.body, &config.routes, config.max_body)
        }
        BodyState::TooLarge { announced } => incomplete(Refusal::TooLarge {
            announced: *announced,
            cap: Some(config.max_body),
        }),
        BodyState::Stalled {
            received,
            announced,
        } => incomplete(Refusal::Stalled {
            received: *received,
            announced: *announced,
        }),
        BodyState::Closed {
            received,
            announced,
        } => incomplete(Refusal::Closed {
            received: *received,
            announced: *announced,
        }),
        BodyState::BadChunk { received, reason } => incomplete(Refusal::BadChunk {
            received: *received,
            reason: reason.clone(),
        }),
    };
    let received_at = chrono::DateTime::<chrono::Local>::from(request.received)
        .fixed_offset()
        .trunc_subsecs(3);
    let body = std::mem::take(&mut request.body);
    let mut received = Received {
        id: 0,
        received_at,
        head,
        body: body.into_boxed_slice(),
        decoded,
        answer,
    };

    // A chosen answer replaces a verdict that is not a refusal, on its path.
    let mut delay = Duration::ZERO;
    let mut chose = false;
    let chosen = match &received.answer {
        Answer::Refused(_) => None,
        _ => config.chosen_for(&request.head.target),
    };
    if let Some((index, chosen)) = chosen
        && let Some(replaced) = choose(chosen, &shared.fail_counts[index], &received)
    {
        delay = chosen.delay;
        chose = true;
        received.answer = Answer::Replaced(Box::new(replaced));
    }
    // Only a request received whole can be passed on exactly.
    let complete = matches!(request.body_state, BodyState::Complete);
    let forward = config.forward.as_ref().filter(|_| complete);
    // The base URL was checked when the listener started.
    let mut forwarded =
        forward.and_then(|f| crate::outbound::replay::replay_request(&received, &f.base_url).ok());

    // Journalled before it is answered, so that an acknowledged capture
    // survives the process being killed; numbered in the same breath, so
    // that ids and the window follow the journal's order. A proxied capture
    // is journalled with hookscope's verdict: the target's answer comes later.
    let seq = {
        let mut order = shared.order.lock().unwrap_or_else(|e| e.into_inner());
        let seq = *order;
        *order += 1;
        received.id = shared.ids.fetch_add(1, Ordering::Relaxed);
        let written = match &shared.journal {
            Some(journal) => journal.append(&received),
            None => Ok(()),
        };
        if let Err(e) = written {
            // Not acknowledged: answered at once, and nothing goes on.
            received.answer = Answer::refused(Refusal::NotJournalled {
                reason: e.to_string(),
            });
            delay = Duration::ZERO;
            forwarded = None;
        }
        seq
    };

    let proxied = forward.is_some_and(|f| f.mode == ForwardMode::Proxy) && !chose;
    match (forwarded, &lanes.proxy) {
        (Some(out_request), Some(proxy)) if proxied => {
            let job = ProxyJob {
                seq,
                received,
                incoming: request,
                request: out_request,
            };
            // The proxy sender answers and hands the capture over.
            let job = match proxy.try_send(job) {
                Ok(()) => {
                    shared.activity.mark();
                    return;
                }
                Err(TrySendError::Full(job) | TrySendError::Disconnected(job)) => job,
            };
            (received, request) = (job.received, job.incoming);
            let reason = "hookscope's proxy senders are all busy".to_owned();
            let origin = Origin::Forward {
                capture: received.id,
                mode: ForwardMode::Proxy,
            };
            lanes.out.offer(act::not_forwarded(
                &lanes.out,
                origin,
                job.request,
                "the proxy queue is full",
            ));
            let body = json!({ "error": reason }).to_string().into_bytes();
            let verdict = std::mem::replace(&mut received.answer, Answer::NotPost);
            received.answer = Answer::Replaced(Box::new(Replaced {
                status: 503,
                headers: Reply::json(503, Vec::new()).headers,
                body: body.into_boxed_slice(),
                by: ReplacedBy::ProxyFailed { reason },
                verdict,
            }));
        }
        (Some(out_request), _) => {
            if let Some(lane) = &lanes.forward {
                let origin = Origin::Forward {
                    capture: received.id,
                    mode: ForwardMode::Copy,
                };
                let job = ForwardJob {
                    capture: received.id,
                    request: out_request,
                };
                if let Err(TrySendError::Full(job) | TrySendError::Disconnected(job)) =
                    lane.try_send(job)
                {
                    let why = "the forward queue is full";
                    let exchange = act::not_forwarded(&lanes.out, origin, job.request, why);
                    lanes.out.offer(exchange);
                }
            }
        }
        (None, _) => {}
    }

    let reply = reply_of(&received);
    // Handed over before it is answered: an acknowledged capture always
    // reaches the owner. Waits only when the summaries are far behind.
    shared.summariser.submit(seq, vec![received]);
    match &lanes.delays {
        // The timer thread answers: this worker is free at once.
        Some(delays) if !delay.is_zero() => {
            let delayed = Delayed {
                at: Instant::now() + delay,
                n: lanes.delayed.fetch_add(1, Ordering::Relaxed),
                incoming: request,
                reply,
            };
            if let Err(TrySendError::Full(d) | TrySendError::Disconnected(d)) =
                delays.try_send(delayed)
            {
                d.reply.send(d.incoming);
            }
        }
        _ => reply.send(request),
    }
    shared.activity.mark();
}

/// The answer `received` records, ready to send: a replaced one exactly,
/// hookscope's own as JSON.
fn reply_of(received: &Received) -> Reply {
    match &received.answer {
        Answer::Replaced(replaced) => Reply {
            status: replaced.status,
            headers: replaced.headers.clone(),
            body: replaced.body.to_vec(),
        },
        answer => Reply::json(answer.status(), received.response_body().into_bytes()),
    }
}

/// The chosen answer for this request, or `None` when hookscope's own
/// stands (only "fail one in N" is chosen, and this is not the Nth).
fn choose(chosen: &ChosenAnswer, count: &AtomicU64, received: &Received) -> Option<Replaced> {
    let verdict = received.answer.clone();
    let json_type = Reply::json(0, Vec::new()).headers;
    if let Some(n) = chosen.fail_one_in {
        let nth = count.fetch_add(1, Ordering::Relaxed) + 1;
        if nth.is_multiple_of(u64::from(n.max(1))) {
            let error = format!("failed on purpose: hookscope fails one request in {n} here");
            return Some(Replaced {
                status: 500,
                headers: json_type,
                body: json!({ "error": error }).to_string().into_bytes().into(),
                by: ReplacedBy::FailOneIn { n },
                verdict,
            });
        }
    }
    if chosen.status.is_none() && chosen.body.is_none() && chosen.delay.is_zero() {
        return None;
    }
    Some(Replaced {
        status: chosen.status.unwrap_or_else(|| verdict.status()),
        headers: json_type,
        body: match &chosen.body {
            Some(body) => body.clone(),
            None => received.response_body().into_bytes().into(),
        },
        by: ReplacedBy::Chosen {
            delay_ms: u64::try_from(chosen.delay.as_millis()).unwrap_or(u64::MAX),
        },
        verdict,
    })
}

/// Proxy mode: sends the request to the target and answers the sender with
/// the target's answer (502/504 without one); the capture records it, the
/// exchange keeps the forward, and only then is the capture handed over
/// (in its place in the order: later captures wait for it).
fn proxy(job: ProxyJob, shared: &Shared, client: &Client, out: &ExchangeOut, base_url: &str) {
    let ProxyJob {
        seq,
        mut received,
        incoming,
        request,
    } = job;
    let origin = Origin::Forward {
        capture: received.id,
        mode: ForwardMode::Proxy,
    };
    let verdict = received.answer.clone();
    let json_type = || Reply::json(0, Vec::new()).headers;
    let (exchange, replaced) = if shared.stopping.load(Ordering::Relaxed) {
        let reason = "hookscope stopped before forwarding this request".to_owned();
        let exchange = act::not_forwarded(out, origin, request, "the listener stopped first");
        let body = json!({ "error": reason }).to_string().into_bytes();
        let replaced = Replaced {
            status: 503,
            headers: json_type(),
            body: body.into(),
            by: ReplacedBy::ProxyFailed { reason },
            verdict,
        };
        (exchange, replaced)
    } else {
        let started_at = capture::received_now();
        let outcome = client.send(&request);
        let replaced = match &outcome.result {
            Ok(response) => Replaced {
                status: response.status,
                headers: act::passed_on_headers(response),
                body: response.body.clone(),
                by: ReplacedBy::Proxy,
                verdict,
            },
            Err(failure) => {
                let (status, reason, body) = act::proxy_failure(base_url, failure);
                Replaced {
                    status,
                    headers: json_type(),
                    body: body.into(),
                    by: ReplacedBy::ProxyFailed { reason },
                    verdict,
                }
            }
        };
        (out.exchange(origin, request, started_at, outcome), replaced)
    };
    let reply = Reply {
        status: replaced.status,
        headers: replaced.headers.clone(),
        body: replaced.body.to_vec(),
    };
    received.answer = Answer::Replaced(Box::new(replaced));
    shared.summariser.submit(seq, vec![received]);
    reply.send(incoming);
    out.offer(exchange);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::bounded;

    /// A journal that cannot be written (`/dev/full`): the sender gets 503,
    /// never 2xx, and the capture still reaches the owner, flagged.
    #[test]
    fn a_capture_that_cannot_be_journalled_gets_503() -> Result<(), Box<dyn std::error::Error>> {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full")?;
        let journal = Arc::new(Journal::over_file_for_tests(
            std::path::Path::new("/dev/full"),
            full,
        ));
        let (sender, captures) = bounded(16);
        let config = ListenerConfig {
            port: 0,
            max_body: 1000,
            ..Default::default()
        };
        let listener = Listener::start(
            config,
            Arc::new(AtomicU64::new(1)),
            sender,
            Waker::new(),
            Some(journal),
        )?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let body = include_bytes!("../../assets/samples/job_delete.json");
        let oversize = vec![b' '; 2000];
        // A valid webhook, and one refused as over the cap.
        for body in [&body[..], &oversize[..]] {
            let mut response = agent
                .post(format!("http://{}/job", listener.local_addr()))
                .send(body)?;
            let text = response.body_mut().read_to_string()?;
            assert_eq!(response.status().as_u16(), 503, "{text}");
            assert!(text.contains("could not write the journal"), "{text}");
            let batch = captures.recv_timeout(Duration::from_secs(10))?;
            let capture = batch.first().ok_or("an empty batch")?;
            assert_eq!(capture.status(), 503);
            assert!(capture.all_findings().iter().all(|findings| {
                findings.iter().any(|f| {
                    f.level == crate::hs::Level::Error
                        && f.message.contains("could not write the journal")
                })
            }));
        }
        Ok(())
    }
}
