//! The embedded listener. An I/O thread ([`server`]) reads requests without
//! ever waiting on a sender; a fixed pool of request workers answers each
//! whole request from a cheap look at its envelopes, after appending its
//! exact bytes to the journal; summaries are made afterwards, on workers
//! that yield the CPU to answering, and reach the owner in the order the
//! requests were acknowledged.

mod chunked;
pub mod server;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::SubsecRound;
use crossbeam_channel::{Receiver, Sender};
use socket2::{Domain, Protocol, Socket, Type};

use crate::capture::{self, Answer, Capture, Received, Refusal, RequestHead, Routes};
use crate::journal::Journal;
use crate::summarise::{Activity, Priority, Summariser};
use crate::waker::Waker;

use server::{BodyState, Incoming, Server};

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
}

impl Default for ListenerConfig {
    fn default() -> Self {
        Self {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: DEFAULT_PORT,
            routes: Routes::default(),
            max_body: DEFAULT_MAX_BODY,
            read_timeout: DEFAULT_READ_TIMEOUT,
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
}

/// A running listener; dropping it stops it (see [`Listener::stop`] to stop
/// without waiting).
pub struct Listener {
    server: Option<Server>,
    local_addr: SocketAddr,
    routes: Routes,
    workers: Vec<JoinHandle<()>>,
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
        validate_routes(&config.routes)?;
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
        let shared = Arc::new(Shared {
            config,
            ids,
            journal,
            order: Mutex::new(0),
            summariser,
            activity,
        });
        let mut workers = Vec::new();
        for n in 0..cores.max(8) {
            let incoming: Receiver<Incoming> = incoming.clone();
            let shared = shared.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("hookscope-request-{n}"))
                .spawn(move || {
                    for request in incoming {
                        answer(request, &shared);
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
        Ok(Self {
            server: Some(server),
            local_addr,
            routes,
            workers,
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
        Stopped {
            server: self.server.take().map(|server| server.stop(STOP_GRACE)),
            workers: std::mem::take(&mut self.workers),
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if self.server.is_some() {
            Stopped {
                server: self.server.take().map(|server| server.stop(STOP_GRACE)),
                workers: std::mem::take(&mut self.workers),
            }
            .join();
        }
    }
}

/// A listener finishing what it had read when it was stopped.
pub struct Stopped {
    server: Option<server::Stopping>,
    workers: Vec<JoinHandle<()>>,
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
    }
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
fn answer(mut request: Incoming, shared: &Shared) {
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

    // Journalled before it is answered, so that an acknowledged capture
    // survives the process being killed; numbered in the same breath, so
    // that ids and the window follow the journal's order.
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
            received.answer = Answer::refused(Refusal::NotJournalled {
                reason: e.to_string(),
            });
        }
        seq
    };
    let status = received.answer.status();
    let answer_body = received.response_body();
    // Handed over before it is answered: an acknowledged capture always
    // reaches the owner. Waits only when the summaries are far behind.
    shared.summariser.submit(seq, vec![received]);
    request.reply(status, Some("application/json"), answer_body.into_bytes());
    shared.activity.mark();
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
