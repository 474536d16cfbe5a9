//! The embedded HTTP listener: every request becomes a `Capture`, appended to
//! the journal, put on the channel (in the order senders are answered), then
//! answered; nobody else is waited for unless the channel is full.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use serde_json::json;
use tiny_http::{Header, Response, Server};

use crate::capture::{Capture, Oversize, Routes, Summary};
use crate::hs::Finding;
use crate::session::journal::Journal;

pub const DEFAULT_PORT: u16 = 8090;
pub const DEFAULT_MAX_BODY: u64 = 10 * 1024 * 1024;

/// Over this announced length a refused body is not even drained: tiny_http
/// would allocate the whole announced length when the request is dropped.
const DRAIN_LIMIT: u64 = 256 * 1024 * 1024;

/// How long stopping waits for requests already received.
const STOP_GRACE: Duration = Duration::from_secs(2);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenerConfig {
    pub bind: IpAddr,
    pub port: u16,
    pub routes: Routes,
    pub max_body: u64,
}

impl Default for ListenerConfig {
    fn default() -> Self {
        Self {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: DEFAULT_PORT,
            routes: Routes::default(),
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

/// What the listener tells its owner.
#[derive(Debug)]
pub enum ListenerEvent {
    Captured(Box<Capture>),
    /// The listener stopped by itself (e.g. `accept` failed).
    Failed(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
    #[error("{0}")]
    Config(String),
}

/// Called after each event is sent, e.g. to repaint the UI.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Capture ids, shared so that they stay unique across listener restarts.
pub type IdSource = Arc<AtomicU64>;

/// A running listener; dropping it stops it.
pub struct Listener {
    server: Arc<Server>,
    local_addr: SocketAddr,
    routes: Routes,
    stopping: Arc<AtomicBool>,
    accept_thread: Option<JoinHandle<()>>,
    shared: Arc<Shared>,
}

struct Shared {
    config: ListenerConfig,
    ids: IdSource,
    events: Sender<ListenerEvent>,
    waker: Waker,
    /// Every capture is appended here before it is answered.
    journal: Option<Arc<Journal>>,
    parked: Arc<AtomicU64>,
    /// Requests received but not yet on the channel.
    in_flight: AtomicUsize,
    /// Set once stopping gave up waiting: late requests get 503, not 200.
    closed: AtomicBool,
    /// Set when accepting failed and the listener stopped by itself.
    failed: AtomicBool,
}

/// Counts a request in flight until it is on the channel (or abandoned).
struct InFlight(Arc<Shared>);

impl InFlight {
    fn new(shared: &Arc<Shared>) -> Self {
        shared.in_flight.fetch_add(1, Ordering::SeqCst);
        Self(shared.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Listener {
    /// Starts listening. With a journal, every capture is appended to it
    /// before its response is sent; a capture that cannot be journalled is
    /// answered 503, never 2xx.
    pub fn start(
        config: ListenerConfig,
        ids: IdSource,
        events: Sender<ListenerEvent>,
        waker: Waker,
        journal: Option<Arc<Journal>>,
    ) -> Result<Self, ListenError> {
        validate_routes(&config.routes)?;
        let addr = SocketAddr::new(config.bind, config.port);
        let server = Server::http(addr).map_err(|e| ListenError::Bind {
            addr,
            reason: e.to_string(),
        })?;
        let local_addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| ListenError::Config("the listener has no IP address".to_owned()))?;
        let server = Arc::new(server);
        let stopping = Arc::new(AtomicBool::new(false));
        let routes = config.routes.clone();
        let shared = Arc::new(Shared {
            config,
            ids,
            events,
            waker,
            journal,
            parked: Arc::new(AtomicU64::new(0)),
            in_flight: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            failed: AtomicBool::new(false),
        });
        let accept_thread = std::thread::Builder::new()
            .name("hookscope-listener".to_owned())
            .spawn({
                let server = server.clone();
                let stopping = stopping.clone();
                let shared = shared.clone();
                move || accept_loop(&server, &stopping, &shared)
            })
            .map_err(|e| ListenError::Config(format!("cannot start the listener thread: {e}")))?;
        Ok(Self {
            server,
            local_addr,
            routes,
            stopping,
            accept_thread: Some(accept_thread),
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

    /// Whether this listener stopped by itself (its `Failed` event is its own,
    /// not an older listener's).
    pub fn has_failed(&self) -> bool {
        self.shared.failed.load(Ordering::SeqCst)
    }

    /// What the accept loop does when `accept` fails, for tests.
    #[cfg(test)]
    pub(crate) fn fail_as_if_accept_failed(&self) {
        self.shared.failed.store(true, Ordering::SeqCst);
        let _ = self.shared.events.send(ListenerEvent::Failed(
            "the listener stopped: test".to_owned(),
        ));
    }

    /// Connections held open forever because they announced a body too large
    /// to drain safely.
    pub fn parked_connections(&self) -> u64 {
        self.shared.parked.load(Ordering::Relaxed)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
        // Every request answered 2xx must reach the channel before the owner
        // stops reading it; a client still sending its body after the grace
        // period gets 503 instead.
        let deadline = Instant::now() + STOP_GRACE;
        while self.shared.in_flight.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        self.shared.closed.store(true, Ordering::SeqCst);
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

fn accept_loop(server: &Server, stopping: &AtomicBool, shared: &Arc<Shared>) {
    while !stopping.load(Ordering::SeqCst) {
        match server.recv() {
            Ok(request) => {
                let in_flight = InFlight::new(shared);
                // A thread per request: a silent client (tiny_http has no read
                // timeout) then holds only its own thread.
                let spawned = std::thread::Builder::new()
                    .name("hookscope-request".to_owned())
                    .spawn(move || handle(request, &in_flight.0));
                if let Err(e) = spawned {
                    eprintln!("hookscope: cannot start a request thread: {e}");
                }
            }
            Err(e) if !stopping.load(Ordering::SeqCst) => {
                shared.failed.store(true, Ordering::SeqCst);
                let _ = shared
                    .events
                    .send(ListenerEvent::Failed(format!("the listener stopped: {e}")));
                (shared.waker)();
                return;
            }
            Err(_) => return,
        }
    }
}

fn handle(mut request: tiny_http::Request, shared: &Shared) {
    if shared.closed.load(Ordering::SeqCst) {
        let body = json!({ "error": "hookscope is stopping; the request was not captured" });
        let _ = request.respond(json_response(503, &body.to_string()));
        return;
    }
    let config = &shared.config;
    let routes = &config.routes;
    let method = request.method().as_str().to_owned();
    let url = request.url().to_owned();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_owned(),
                h.value.as_str().to_owned(),
            )
        })
        .collect();
    let remote_addr = request
        .remote_addr()
        .map(ToString::to_string)
        .unwrap_or_default();
    let received_at = crate::capture::received_now();
    let id = shared.ids.fetch_add(1, Ordering::Relaxed);

    let announced = request.body_length().map(|len| len as u64);
    let oversize = match announced {
        Some(len) if len > config.max_body => Some(len),
        _ => None,
    };
    let (body, summary) = match oversize {
        Some(len) => (
            Vec::new(),
            Summary::oversize(
                &url,
                routes,
                Oversize {
                    announced: Some(len),
                    cap: Some(config.max_body),
                },
            ),
        ),
        None => read_and_summarise(&mut request, &method, &url, announced, config),
    };

    let mut capture = Capture {
        id,
        received_at,
        remote_addr,
        method,
        url,
        headers,
        body,
        response_status: summary.response_status,
        summary,
    };
    // Journalled before it is answered, so that an acknowledged capture
    // survives the process being killed.
    if let Some(journal) = &shared.journal
        && let Err(e) = journal.append(&capture)
    {
        journal_failed(&mut capture, &e);
    }
    let status = capture.summary.response_status;
    let answer = capture.summary.response_body.clone();
    // On the channel before it is answered, so that rows keep the order in
    // which senders were answered. Blocks only when the owner is far behind:
    // the listener waits, it never drops.
    let sent = shared
        .events
        .send(ListenerEvent::Captured(Box::new(capture)))
        .is_ok();
    match oversize {
        Some(len) => refuse_oversize(request, len, status, &answer, &shared.parked),
        None => {
            let _ = request.respond(json_response(status, &answer));
        }
    }
    if sent {
        (shared.waker)();
    }
}

/// A capture that could not be journalled is answered 503 (never 2xx: it
/// would not survive a crash) and says why on each of its rows.
fn journal_failed(capture: &mut Capture, error: &std::io::Error) {
    let message = format!("could not write the journal: {error}");
    capture.response_status = 503;
    capture.summary.response_status = 503;
    capture.summary.response_body = json!({ "error": message }).to_string();
    for row in &mut capture.summary.rows {
        row.findings.push(Finding::error("", message.clone()));
    }
}

/// Reads at most `max_body + 1` bytes, so a chunked body over the cap is
/// caught without being held whole.
fn read_and_summarise(
    request: &mut tiny_http::Request,
    method: &str,
    url: &str,
    announced: Option<u64>,
    config: &ListenerConfig,
) -> (Vec<u8>, Summary) {
    let routes = &config.routes;
    let mut body = Vec::with_capacity(announced.unwrap_or(0).min(config.max_body) as usize);
    let read = request
        .as_reader()
        .take(config.max_body.saturating_add(1))
        .read_to_end(&mut body);
    let oversize = Oversize {
        announced,
        cap: Some(config.max_body),
    };
    let summary = match read {
        Err(e) => Summary::broken_body(url, routes, &e.to_string()),
        Ok(_) if body.len() as u64 > config.max_body => {
            body.clear();
            Summary::oversize(url, routes, oversize)
        }
        Ok(n) if announced.is_some_and(|len| (n as u64) < len) => Summary::broken_body(
            url,
            routes,
            &format!(
                "the sender announced {} bytes and closed after {n}",
                announced.unwrap_or_default()
            ),
        ),
        Ok(_) => Summary::of_request(method, url, &body, routes),
    };
    (body, summary)
}

/// Answers 413 without reading the body. tiny_http drains an unread body
/// when the request is dropped, allocating its whole announced length first;
/// past `DRAIN_LIMIT` the connection is therefore taken over and never
/// dropped, costing one idle connection instead of the announced bytes.
fn refuse_oversize(
    request: tiny_http::Request,
    announced: u64,
    status: u16,
    answer: &str,
    parked: &AtomicU64,
) {
    if announced <= DRAIN_LIMIT {
        let _ = request.respond(json_response(status, answer));
        return;
    }
    // tiny_http sends no length or body with an upgrade response, so the
    // taken-over stream gets an interim 100 and then a whole 413 written here.
    let mut stream = request.upgrade("hookscope-refused", Response::empty(100));
    let reason = tiny_http::StatusCode(status).default_reason_phrase();
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len(),
    );
    let _ = stream.flush();
    std::mem::forget(stream);
    parked.fetch_add(1, Ordering::Relaxed);
}

fn json_response(status: u16, body: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let mut response = Response::from_string(body).with_status_code(status);
    add_header(&mut response, "Content-Type", "application/json");
    response
}

fn add_header(response: &mut Response<std::io::Cursor<Vec<u8>>>, field: &str, value: &str) {
    // Cannot fail for the ASCII constants used here.
    if let Ok(header) = Header::from_bytes(field.as_bytes(), value.as_bytes()) {
        response.add_header(header);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::bounded;

    /// A journal that cannot be written (`/dev/full`): the sender gets 503,
    /// never 2xx, and the capture still reaches the channel, flagged.
    #[test]
    fn a_capture_that_cannot_be_journalled_gets_503() -> Result<(), Box<dyn std::error::Error>> {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full")?;
        let journal = Arc::new(Journal::over_file_for_tests(
            std::path::Path::new("/dev/full"),
            full,
        ));
        let (sender, events) = bounded(16);
        let config = ListenerConfig {
            port: 0,
            max_body: 1000,
            ..Default::default()
        };
        let listener = Listener::start(
            config,
            Arc::new(AtomicU64::new(1)),
            sender,
            Arc::new(|| {}),
            Some(journal),
        )?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let body = include_bytes!("../assets/samples/job_delete.json");
        let oversize = vec![b' '; 2000];
        // A valid webhook, and one refused as over the cap.
        for body in [&body[..], &oversize[..]] {
            let mut response = agent
                .post(format!("http://{}/job", listener.local_addr()))
                .send(body)?;
            let text = response.body_mut().read_to_string()?;
            assert_eq!(response.status().as_u16(), 503, "{text}");
            assert!(text.contains("could not write the journal"), "{text}");
            let Ok(ListenerEvent::Captured(capture)) = events.recv_timeout(Duration::from_secs(10))
            else {
                panic!("no capture on the channel");
            };
            assert_eq!(capture.response_status, 503);
            assert_eq!(capture.summary.response_status, 503);
            assert!(capture.summary.rows.iter().all(|row| {
                row.findings.iter().any(|f| {
                    f.level == crate::hs::Level::Error
                        && f.message.contains("could not write the journal")
                })
            }));
        }
        Ok(())
    }
}
