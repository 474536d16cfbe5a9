//! HTTP/1.1 front: one non-blocking I/O thread (mio) reads requests, hands each
//! complete one to worker threads over a channel and writes their replies.
//!
//! A connection has at most one request in flight; it is not read again until
//! that request's reply is written, so replies go out in order and a connection
//! costs the I/O thread nothing while a worker holds its request.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender, TrySendError};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

use super::chunked::{Chunked, Decoded};
use crate::capture::answer::reason_phrase;

const LISTENER: Token = Token(usize::MAX - 1);
const WAKER: Token = Token(usize::MAX);
/// Deadlines are checked at most this often.
const SCAN_EVERY: Duration = Duration::from_millis(100);
/// How long accepting pauses after accept failed for lack of resources.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);
/// How soon to retry handing requests to a full (bounded) `requests` channel.
const BACKLOG_RETRY: Duration = Duration::from_millis(5);
const READ_CHUNK: usize = 64 * 1024;
/// Reads per connection per turn, so that one fast sender cannot starve the others.
const READS_PER_TURN: u32 = 16;
/// The most body memory reserved up front, whatever the announced length.
const BODY_RESERVE: u64 = 64 * 1024;
/// Buffers larger than this are released when a connection goes idle.
const KEEP_BUFFER: usize = 16 * 1024;
const MAX_HEADERS: usize = 128;
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

#[derive(Debug, Clone)]
pub struct Config {
    /// A request (head and body) must arrive within this, counted from its first byte;
    /// an idle keep-alive connection is closed after this long without a request.
    pub read_timeout: Duration,
    /// A response must be taken by the client within this.
    pub write_timeout: Duration,
    /// Bodies longer than this are not read (Content-Length) or stop being read at
    /// max_body + 1 (chunked).
    pub max_body: u64,
    /// Request line + headers; longer heads are answered 431 by the server itself.
    pub max_head: usize,
    /// Past this many open connections, accepting pauses until some close.
    pub max_connections: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            max_body: 10 * 1024 * 1024,
            max_head: 64 * 1024,
            max_connections: 16_384,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub open_connections: usize,
    /// Requests delivered on the channel.
    pub requests: u64,
    /// Connections closed by read or write timeout (stalled, or idle with a partial request).
    pub timed_out: u64,
    /// Requests answered by the server itself (400, 431, 501) and never delivered.
    pub refused: u64,
    /// Times accepting paused because accept failed or max_connections was reached.
    pub accept_pauses: u64,
    /// The I/O thread ended by itself (poll error).
    pub failed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// As sent.
    pub method: String,
    /// The request-target as sent (path?query).
    pub target: String,
    /// 0 or 1.
    pub minor_version: u8,
    /// In received order, duplicates kept; names as sent; values as raw bytes with
    /// surrounding whitespace removed.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Head {
    /// The first value of the header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.values(name).next()
    }

    fn values<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// Whether a comma-separated header `name` lists `token` (case-insensitive).
    fn has_token(&self, name: &str, token: &str) -> bool {
        self.values(name)
            .flat_map(tokens)
            .any(|t| t.eq_ignore_ascii_case(token.as_bytes()))
    }

    fn from_request(req: &httparse::Request<'_, '_>) -> Head {
        Head {
            method: req.method.unwrap_or_default().to_owned(),
            target: req.path.unwrap_or_default().to_owned(),
            minor_version: req.version.unwrap_or(1),
            headers: req
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), h.value.trim_ascii().to_vec()))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyState {
    Complete,
    /// Content-Length over max_body (delivered at once, body not read, no 100 Continue
    /// sent), or a chunked body that passed max_body (announced None).
    TooLarge {
        announced: Option<u64>,
    },
    /// read_timeout passed before the body was complete.
    Stalled {
        received: u64,
        announced: Option<u64>,
    },
    /// The sender closed (or reset) before the body was complete.
    Closed {
        received: u64,
        announced: Option<u64>,
    },
    /// Chunked framing that cannot be read, with why.
    BadChunk {
        received: u64,
        reason: String,
    },
}

/// A request handed to the workers. Answer it with [`Incoming::reply`]; dropping it
/// unanswered makes the server answer 500 and close the connection.
pub struct Incoming {
    /// When the request's head was complete.
    pub received: SystemTime,
    pub remote: SocketAddr,
    pub head: Head,
    /// The body as received (chunked framing removed). Empty when TooLarge; what
    /// arrived when Stalled or Closed.
    pub body: Vec<u8>,
    pub body_state: BodyState,
    reply_to: ReplyTo,
}

impl Incoming {
    /// Sends the answer: status line, Content-Type (when given and valid), Content-Length,
    /// `Connection: close` when the server will close, then `body` (omitted for HEAD).
    /// The connection is kept alive only when the body is Complete and the request
    /// allows it. The response is formatted here, on the caller's thread.
    pub fn reply(mut self, status: u16, content_type: Option<&str>, body: Vec<u8>) {
        let keep_alive =
            self.reply_to.keep_alive && !self.reply_to.shared.stopping.load(Ordering::Relaxed);
        let http10 = self.head.minor_version == 0;
        let head_only = self.head.method == "HEAD";
        let bytes = response(status, content_type, &body, keep_alive, http10, head_only);
        self.reply_to.send(bytes, keep_alive);
    }

    /// Like [`Incoming::reply`], with headers of the caller's (a chosen
    /// answer, a proxied one). Framing and hop-by-hop headers among them are
    /// dropped (the server frames the body itself), and so are names or
    /// values that would break the head.
    pub fn reply_with(mut self, status: u16, headers: &[(String, String)], body: Vec<u8>) {
        let keep_alive =
            self.reply_to.keep_alive && !self.reply_to.shared.stopping.load(Ordering::Relaxed);
        let http10 = self.head.minor_version == 0;
        let head_only = self.head.method == "HEAD";
        let headers = headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        let bytes = response_with(status, headers, &body, keep_alive, http10, head_only);
        self.reply_to.send(bytes, keep_alive);
    }
}

/// How to reach the I/O thread with a reply; answers 500 if dropped unused.
struct ReplyTo {
    shared: Arc<Shared>,
    token: usize,
    generation: u64,
    keep_alive: bool,
    sent: bool,
}

impl ReplyTo {
    fn send(&mut self, bytes: Vec<u8>, keep_alive: bool) {
        self.sent = true;
        let reply = Reply {
            token: self.token,
            generation: self.generation,
            bytes,
            keep_alive,
        };
        // The I/O thread is gone when this fails: nobody is left to answer.
        if self.shared.replies.send(reply).is_ok() {
            self.shared.wake();
        }
    }
}

impl Drop for ReplyTo {
    fn drop(&mut self) {
        if !self.sent {
            self.send(response(500, None, &[], false, false, false), false);
        }
    }
}

struct Reply {
    token: usize,
    generation: u64,
    bytes: Vec<u8>,
    keep_alive: bool,
}

/// Stop, with the grace, and a channel to acknowledge the listener is closed.
type Control = (Duration, Sender<()>);

#[derive(Default)]
struct Counters {
    open: AtomicUsize,
    requests: AtomicU64,
    timed_out: AtomicU64,
    refused: AtomicU64,
    accept_pauses: AtomicU64,
    failed: AtomicBool,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// What the I/O thread shares with the Server handle and with every Incoming.
struct Shared {
    counters: Counters,
    replies: Sender<Reply>,
    waker: Waker,
    /// Set while a wake-up is pending, so that a burst of replies costs one wake.
    wake_pending: AtomicBool,
    /// Set by stop(): replies formatted from then on announce `Connection: close`.
    stopping: AtomicBool,
}

impl Shared {
    fn wake(&self) {
        if !self.wake_pending.swap(true, Ordering::AcqRel) {
            // Failing means the poll is gone, and then so is the I/O thread.
            let _ = self.waker.wake();
        }
    }
}

pub struct Server {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    control: Sender<Control>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `listener` (bound and listening). Complete requests, or requests whose
    /// body failed (see [`BodyState`]), are sent on `requests`.
    pub fn start(
        listener: std::net::TcpListener,
        config: Config,
        requests: Sender<Incoming>,
    ) -> io::Result<Server> {
        listener.set_nonblocking(true)?;
        let local_addr = listener.local_addr()?;
        let mut listener = TcpListener::from_std(listener);
        let poll = Poll::new()?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        let waker = Waker::new(poll.registry(), WAKER)?;
        let (reply_tx, replies) = crossbeam_channel::unbounded();
        let (control_tx, control) = crossbeam_channel::unbounded();
        let shared = Arc::new(Shared {
            counters: Counters::default(),
            replies: reply_tx,
            waker,
            wake_pending: AtomicBool::new(false),
            stopping: AtomicBool::new(false),
        });
        let mut io = Io {
            poll,
            listener: Some(listener),
            conns: Vec::new(),
            free: Vec::new(),
            generation: 0,
            accept: Accept::Open,
            replies,
            control,
            grace_end: None,
            scratch: vec![0; READ_CHUNK],
            ctx: Ctx {
                config,
                shared: Arc::clone(&shared),
                requests,
                backlog: VecDeque::new(),
                again: Vec::new(),
                next_scan: None,
                last_scan: Instant::now(),
                stopping: false,
            },
        };
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("hookscope-http".into())
            .spawn(move || {
                // run() does not panic; catching keeps `failed` truthful if it ever did.
                let ended =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || io.run()));
                let counters = &thread_shared.counters;
                if !matches!(ended, Ok(Ok(()))) {
                    counters.failed.store(true, Ordering::Relaxed);
                }
                counters.open.store(0, Ordering::Relaxed);
            })?;
        Ok(Server {
            local_addr,
            shared,
            control: control_tx,
            thread: Some(thread),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn stats(&self) -> Stats {
        let c = &self.shared.counters;
        Stats {
            open_connections: c.open.load(Ordering::Relaxed),
            requests: c.requests.load(Ordering::Relaxed),
            timed_out: c.timed_out.load(Ordering::Relaxed),
            refused: c.refused.load(Ordering::Relaxed),
            accept_pauses: c.accept_pauses.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
        }
    }

    /// Stops accepting and returns once the listening socket is closed, so the port
    /// can be bound again at once. Requests already delivered still get their reply
    /// written; then the I/O thread closes every connection and ends, at the latest
    /// after `grace`.
    pub fn stop(mut self, grace: Duration) -> Stopping {
        self.halt(grace)
    }

    fn halt(&mut self, grace: Duration) -> Stopping {
        self.shared.stopping.store(true, Ordering::Relaxed);
        let (ack, acked) = crossbeam_channel::bounded(1);
        if self.control.send((grace, ack)).is_ok() {
            let _ = self.shared.waker.wake();
            // Err means the thread ended, which closed the listener too.
            let _ = acked.recv();
        }
        Stopping {
            thread: self.thread.take(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.halt(Duration::ZERO).join();
        }
    }
}

pub struct Stopping {
    thread: Option<JoinHandle<()>>,
}

impl Stopping {
    /// Waits for the I/O thread to end.
    pub fn join(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// `http10`: an HTTP/1.0 client must be told that the connection is kept.
fn response(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    keep_alive: bool,
    http10: bool,
    head_only: bool,
) -> Vec<u8> {
    let headers = content_type.map(|v| ("Content-Type", v));
    response_with(
        status,
        headers.into_iter(),
        body,
        keep_alive,
        http10,
        head_only,
    )
}

fn response_with<'a>(
    status: u16,
    headers: impl Iterator<Item = (&'a str, &'a str)>,
    body: &[u8],
    keep_alive: bool,
    http10: bool,
    head_only: bool,
) -> Vec<u8> {
    // A 1xx "final" answer would leave the client waiting for another.
    let status = Some(status)
        .filter(|s| (200..=999).contains(s))
        .unwrap_or(500);
    let mut out = Vec::with_capacity(128 + if head_only { 0 } else { body.len() });
    // Writing to a Vec cannot fail.
    let _ = write!(out, "HTTP/1.1 {status} {}\r\n", reason_phrase(status));
    for (name, value) in headers {
        if is_token(name) && is_field_value(value) && !is_framing(name) {
            let _ = write!(out, "{name}: {value}\r\n");
        }
    }
    let _ = write!(out, "Content-Length: {}\r\n", body.len());
    out.extend_from_slice(match (keep_alive, http10) {
        (false, _) => b"Connection: close\r\n\r\n".as_slice(),
        (true, false) => b"\r\n",
        (true, true) => b"Connection: keep-alive\r\n\r\n",
    });
    if !head_only {
        out.extend_from_slice(body);
    }
    out
}

/// A header name: RFC 9110 token characters only.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Headers the server writes itself, or that belong to one connection.
fn is_framing(name: &str) -> bool {
    [
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
    ]
    .iter()
    .any(|n| n.eq_ignore_ascii_case(name))
}

/// Refuses CR, LF and other controls, which would let a value inject header lines.
fn is_field_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

/// Comma-separated list elements, trimmed, empty ones skipped.
fn tokens(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(<[u8]>::trim_ascii)
        .filter(|t| !t.is_empty())
}

/// Message framing per RFC 9112 §6.3 (see `BodyRead::framing`), and whether it is
/// suspect (TE with Content-Length, or TE in HTTP/1.0: §6.1 and §6.3 then require
/// closing the connection); or the status to refuse the request with.
fn framing(head: &Head) -> Result<(Result<u64, Chunked>, bool), u16> {
    let mut last_coding = None;
    let mut has_te = false;
    let mut length = None;
    for value in head.values("content-length") {
        for token in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
            let n = parse_length(token).ok_or(400_u16)?;
            if length.is_some_and(|l| l != n) {
                return Err(400);
            }
            length = Some(n);
        }
    }
    for value in head.values("transfer-encoding") {
        has_te = true;
        if let Some(last) = tokens(value).last() {
            last_coding = Some(last);
        }
    }
    if !has_te {
        return Ok((Ok(length.unwrap_or_default()), false));
    }
    if !last_coding.is_some_and(|c| c.eq_ignore_ascii_case(b"chunked")) {
        return Err(501);
    }
    Ok((
        Err(Chunked::default()),
        length.is_some() || head.minor_version == 0,
    ))
}

/// Digits only: `str::parse` would also take a leading '+'.
fn parse_length(token: &[u8]) -> Option<u64> {
    if token.is_empty() || !token.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(token).ok()?.parse().ok()
}

fn wants_keep_alive(head: &Head) -> bool {
    if head.has_token("connection", "close") {
        return false;
    }
    head.minor_version >= 1 || head.has_token("connection", "keep-alive")
}

fn expects_continue(head: &Head) -> bool {
    // HTTP/1.0 clients do not understand 100 Continue (RFC 9110 §10.1.1).
    head.minor_version >= 1
        && head
            .values("expect")
            .any(|v| v.eq_ignore_ascii_case(b"100-continue"))
}

/// Whether `buf` holds an empty line, i.e. the end of a head.
fn has_blank_line(buf: &[u8]) -> bool {
    buf.iter().enumerate().any(|(i, &b)| {
        b == b'\n'
            && match buf.get(i + 1) {
                Some(b'\n') => true,
                Some(b'\r') => buf.get(i + 2) == Some(&b'\n'),
                _ => false,
            }
    })
}

/// A deadline `after` from now; None (never) if that is past what Instant can hold.
fn deadline_in(after: Duration) -> Option<Instant> {
    Instant::now().checked_add(after)
}

/// State owned by the I/O thread that connections need while they run.
struct Ctx {
    config: Config,
    shared: Arc<Shared>,
    requests: Sender<Incoming>,
    /// Requests a full (bounded) channel did not take yet, in order.
    backlog: VecDeque<Incoming>,
    /// Connections that used up their turn with input left to read.
    again: Vec<usize>,
    next_scan: Option<Instant>,
    last_scan: Instant,
    stopping: bool,
}

impl Ctx {
    /// Makes sure deadlines are scanned by `at`, but not more often than SCAN_EVERY.
    fn arm(&mut self, at: Instant) {
        let at = self
            .last_scan
            .checked_add(SCAN_EVERY)
            .map_or(at, |floor| at.max(floor));
        self.next_scan = Some(self.next_scan.map_or(at, |next| next.min(at)));
    }

    fn deliver(&mut self, incoming: Incoming) {
        self.backlog.push_back(incoming);
        self.flush_backlog();
    }

    fn flush_backlog(&mut self) {
        while let Some(incoming) = self.backlog.pop_front() {
            match self.requests.try_send(incoming) {
                Ok(()) => bump(&self.shared.counters.requests),
                Err(TrySendError::Full(incoming)) => {
                    self.backlog.push_front(incoming);
                    return;
                }
                // No workers: dropping it answers 500.
                Err(TrySendError::Disconnected(_)) => {}
            }
        }
    }
}

enum State {
    /// Waiting for a request head (or more of it); `buf` holds what arrived.
    Head,
    Body(Box<BodyRead>),
    /// Delivered; the connection is not read until the reply is written.
    Waiting,
    Writing {
        keep_alive: bool,
    },
    /// Write side shut; input is read and discarded until the peer closes or the deadline.
    Lingering,
}

struct BodyRead {
    head: Head,
    received: SystemTime,
    keep_alive: bool,
    /// Content-Length bytes still to come, or the chunked decoder.
    framing: Result<u64, Chunked>,
    announced: Option<u64>,
    body: Vec<u8>,
}

impl BodyRead {
    /// Takes body bytes from `data`; returns how many were used and where the body stands.
    fn take(&mut self, data: &[u8], max_body: u64) -> (usize, Decoded) {
        let remaining = match &mut self.framing {
            Ok(remaining) => remaining,
            Err(chunked) => return chunked.decode(data, &mut self.body, max_body),
        };
        let n = usize::try_from(*remaining).map_or(data.len(), |r| r.min(data.len()));
        self.body
            .extend_from_slice(data.get(..n).unwrap_or_default());
        *remaining = remaining.saturating_sub(n as u64);
        let done = *remaining == 0;
        (n, if done { Decoded::Done } else { Decoded::More })
    }
}

/// The connection must be closed now.
struct Close;

type Step = Result<(), Close>;

struct Conn {
    token: usize,
    generation: u64,
    stream: TcpStream,
    remote: SocketAddr,
    state: State,
    /// Input not yet parsed: a head being received, or pipelined requests.
    buf: Vec<u8>,
    /// How much of `buf` was already searched for the end of the head.
    scanned: usize,
    out: Vec<u8>,
    written: usize,
    /// Input may be waiting (mio is edge-triggered: we must read until told otherwise).
    readable: bool,
    /// The peer closed or reset: a read will not block.
    hung_up: bool,
    deadline: Option<Instant>,
}

impl Conn {
    fn set_deadline(&mut self, after: Duration, ctx: &mut Ctx) {
        self.deadline = deadline_in(after);
        if let Some(at) = self.deadline {
            ctx.arm(at);
        }
    }

    /// Makes all the progress possible without blocking.
    fn run(&mut self, ctx: &mut Ctx, scratch: &mut [u8]) -> Step {
        let mut budget = READS_PER_TURN;
        loop {
            if self.written < self.out.len() && !self.flush()? {
                return Ok(()); // WRITABLE will bring us back.
            }
            if let State::Writing { keep_alive } = self.state {
                self.reply_written(keep_alive, ctx)?;
                continue;
            }
            let reading = matches!(self.state, State::Head | State::Body(_) | State::Lingering);
            if !reading || !self.readable {
                return Ok(());
            }
            if budget == 0 {
                ctx.again.push(self.token);
                return Ok(());
            }
            budget -= 1;
            match self.stream.read(scratch) {
                Ok(0) => return self.on_eof(ctx),
                Ok(n) => {
                    // A short read emptied the socket; new input brings a new event.
                    if n < scratch.len() && !self.hung_up {
                        self.readable = false;
                    }
                    self.on_input(scratch.get(..n).unwrap_or_default(), ctx)?;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.readable = false;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return self.on_eof(ctx),
            }
        }
    }

    /// Returns whether everything queued was written.
    fn flush(&mut self) -> Result<bool, Close> {
        while let Some(rest) = self.out.get(self.written..).filter(|r| !r.is_empty()) {
            match self.stream.write(rest) {
                Ok(0) => return Err(Close),
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(Close),
            }
        }
        self.out = Vec::new();
        self.written = 0;
        Ok(true)
    }

    fn queue(&mut self, bytes: Vec<u8>) {
        if self.written >= self.out.len() {
            (self.out, self.written) = (bytes, 0);
        } else {
            self.out.extend_from_slice(&bytes);
        }
    }

    fn on_input(&mut self, data: &[u8], ctx: &mut Ctx) -> Step {
        match self.state {
            State::Body(_) => {
                let used = self.feed_body(data, ctx);
                // Past the body: the next request, pipelined.
                self.buf
                    .extend_from_slice(data.get(used..).unwrap_or_default());
                Ok(())
            }
            State::Head => {
                if self.buf.is_empty() {
                    // The request's first byte starts its clock.
                    self.set_deadline(ctx.config.read_timeout, ctx);
                }
                self.buf.extend_from_slice(data);
                self.parse_head(ctx)
            }
            State::Lingering | State::Waiting | State::Writing { .. } => Ok(()),
        }
    }

    fn on_eof(&mut self, ctx: &mut Ctx) -> Step {
        self.hung_up = true;
        if !matches!(self.state, State::Body(_)) {
            return Err(Close);
        }
        self.end_body(ctx, |received, announced| BodyState::Closed {
            received,
            announced,
        });
        Ok(())
    }

    fn on_deadline(&mut self, ctx: &mut Ctx) -> Step {
        let timed_out = &ctx.shared.counters.timed_out;
        match self.state {
            State::Waiting => return Ok(()),
            State::Head if self.buf.is_empty() => return Err(Close), // Idle.
            State::Lingering => return Err(Close),
            State::Head | State::Writing { .. } => bump(timed_out),
            State::Body(_) => {
                bump(timed_out);
                self.end_body(ctx, |received, announced| BodyState::Stalled {
                    received,
                    announced,
                });
                return Ok(());
            }
        }
        Err(Close)
    }

    fn parse_head(&mut self, ctx: &mut Ctx) -> Step {
        let max_head = ctx.config.max_head;
        // Parse only once a blank line arrived: re-parsing a head that trickles in
        // byte by byte would cost quadratic time.
        let from = self.scanned.saturating_sub(2);
        let ended = self.buf.get(from..).is_some_and(has_blank_line);
        self.scanned = self.buf.len();
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut req = httparse::Request::new(&mut slots);
        let parsed = match ended {
            true => req.parse(&self.buf),
            false => Ok(httparse::Status::Partial),
        };
        match parsed {
            Ok(httparse::Status::Complete(len)) if len <= max_head => {
                let head = Head::from_request(&req);
                self.buf.drain(..len.min(self.buf.len()));
                self.scanned = 0;
                self.start_request(head, ctx)
            }
            Ok(httparse::Status::Complete(_)) | Err(httparse::Error::TooManyHeaders) => {
                self.refuse(431, ctx)
            }
            // No blank line yet, or only empty lines before a request line (allowed).
            Ok(httparse::Status::Partial) if self.buf.len() <= max_head => Ok(()),
            Ok(httparse::Status::Partial) => self.refuse(431, ctx),
            Err(_) => self.refuse(400, ctx),
        }
    }

    fn start_request(&mut self, head: Head, ctx: &mut Ctx) -> Step {
        let (framing, suspect) = match framing(&head) {
            Ok(framing) => framing,
            Err(status) => return self.refuse(status, ctx),
        };
        let announced = framing.as_ref().ok().copied();
        let reserve = announced.unwrap_or_default().min(BODY_RESERVE);
        let expect = expects_continue(&head);
        self.state = State::Body(Box::new(BodyRead {
            keep_alive: wants_keep_alive(&head) && !suspect,
            head,
            received: SystemTime::now(),
            framing,
            announced,
            body: Vec::with_capacity(usize::try_from(reserve).unwrap_or_default()),
        }));
        if let Some(n) = announced.filter(|&n| n > ctx.config.max_body) {
            // Not read at all, so no 100 Continue either.
            self.end_body(ctx, |_, _| BodyState::TooLarge { announced: Some(n) });
            return Ok(());
        }
        let mut buffered = std::mem::take(&mut self.buf);
        let used = self.feed_body(&buffered, ctx);
        buffered.drain(..used.min(buffered.len()));
        self.buf = buffered;
        if expect && matches!(self.state, State::Body(_)) {
            self.queue(CONTINUE.to_vec());
        }
        Ok(())
    }

    /// Feeds body bytes; delivers the request once the body is over. Returns bytes used.
    fn feed_body(&mut self, data: &[u8], ctx: &mut Ctx) -> usize {
        let State::Body(read) = &mut self.state else {
            return 0;
        };
        let (used, decoded) = read.take(data, ctx.config.max_body);
        match decoded {
            Decoded::More => {}
            Decoded::Done => self.end_body(ctx, |_, _| BodyState::Complete),
            Decoded::TooLarge => self.end_body(ctx, |_, _| BodyState::TooLarge { announced: None }),
            Decoded::Bad(reason) => {
                self.end_body(ctx, |received, _| BodyState::BadChunk { received, reason });
            }
        }
        used
    }

    /// Delivers the request being read; `state` gets the body length and the announced one.
    fn end_body(&mut self, ctx: &mut Ctx, state: impl FnOnce(u64, Option<u64>) -> BodyState) {
        let State::Body(read) = std::mem::replace(&mut self.state, State::Waiting) else {
            return;
        };
        let BodyRead {
            head,
            received,
            keep_alive,
            announced,
            mut body,
            ..
        } = *read;
        let body_state = state(body.len() as u64, announced);
        if matches!(body_state, BodyState::TooLarge { .. }) {
            body = Vec::new();
        }
        self.deadline = None;
        let keep_alive = keep_alive && body_state == BodyState::Complete;
        let (shared, token, generation) = (Arc::clone(&ctx.shared), self.token, self.generation);
        let reply_to = ReplyTo {
            shared,
            token,
            generation,
            keep_alive,
            sent: false,
        };
        let remote = self.remote;
        ctx.deliver(Incoming {
            received,
            remote,
            head,
            body,
            body_state,
            reply_to,
        });
    }

    /// Answers a request the server will not deliver, then closes.
    fn refuse(&mut self, status: u16, ctx: &mut Ctx) -> Step {
        bump(&ctx.shared.counters.refused);
        (self.buf, self.scanned) = (Vec::new(), 0);
        let bytes = response(status, None, &[], false, false, false);
        self.start_writing(bytes, false, ctx);
        Ok(())
    }

    fn on_reply(&mut self, bytes: Vec<u8>, keep_alive: bool, ctx: &mut Ctx) {
        if matches!(self.state, State::Waiting) {
            self.start_writing(bytes, keep_alive, ctx);
        }
    }

    fn start_writing(&mut self, bytes: Vec<u8>, keep_alive: bool, ctx: &mut Ctx) {
        self.queue(bytes);
        self.state = State::Writing { keep_alive };
        self.set_deadline(ctx.config.write_timeout, ctx);
    }

    fn reply_written(&mut self, keep_alive: bool, ctx: &mut Ctx) -> Step {
        if ctx.stopping {
            return Err(Close);
        }
        self.set_deadline(ctx.config.read_timeout, ctx);
        if keep_alive {
            self.state = State::Head;
            if self.buf.is_empty() && self.buf.capacity() > KEEP_BUFFER {
                self.buf = Vec::new();
            }
            return self.parse_head(ctx);
        }
        // Lingering close: shut our side, then drain what the client still sends, so
        // that it reads our answer instead of a reset.
        self.stream.shutdown(Shutdown::Write).map_err(|_| Close)?;
        self.buf = Vec::new();
        self.state = State::Lingering;
        Ok(())
    }
}

enum Accept {
    Open,
    PausedUntil(Instant),
    /// At max_connections: resumes when a connection closes.
    Full,
}

/// The I/O thread.
struct Io {
    poll: Poll,
    listener: Option<TcpListener>,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    generation: u64,
    accept: Accept,
    replies: Receiver<Reply>,
    control: Receiver<Control>,
    /// Set when stopping: the I/O thread ends by then.
    grace_end: Option<Instant>,
    scratch: Vec<u8>,
    ctx: Ctx,
}

impl Io {
    fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let mut again = Vec::new();
        loop {
            match self.poll.poll(&mut events, self.timeout(Instant::now())) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
            for event in &events {
                match event.token() {
                    LISTENER => {
                        if matches!(self.accept, Accept::Open) {
                            self.accept_all();
                        }
                    }
                    WAKER => {}
                    Token(token) => {
                        if let Some(Some(conn)) = self.conns.get_mut(token) {
                            let closed = event.is_read_closed() || event.is_error();
                            conn.readable |= event.is_readable() || closed;
                            conn.hung_up |= closed;
                        }
                        self.drive(token);
                    }
                }
            }
            std::mem::swap(&mut again, &mut self.ctx.again);
            for token in again.drain(..) {
                self.drive(token);
            }
            self.take_replies();
            self.take_control();
            let now = Instant::now();
            self.ctx.flush_backlog();
            if self.ctx.next_scan.is_some_and(|at| at <= now) {
                self.scan(now);
            }
            self.resume_accept(now);
            if self.ctx.stopping && (self.open() == 0 || self.grace_end.is_some_and(|g| g <= now)) {
                return Ok(());
            }
        }
    }

    /// None (sleep until an event) when nothing is timed: an idle server uses no CPU.
    fn timeout(&self, now: Instant) -> Option<Duration> {
        if !self.ctx.again.is_empty() {
            return Some(Duration::ZERO);
        }
        let paused = match self.accept {
            Accept::PausedUntil(at) => Some(at),
            Accept::Open | Accept::Full => None,
        };
        let retry = (!self.ctx.backlog.is_empty()).then(|| now.checked_add(BACKLOG_RETRY));
        [self.ctx.next_scan, paused, self.grace_end, retry.flatten()]
            .into_iter()
            .flatten()
            .min()
            .map(|at| at.saturating_duration_since(now))
    }

    fn drive(&mut self, token: usize) {
        let Some(Some(conn)) = self.conns.get_mut(token) else {
            return;
        };
        if conn.run(&mut self.ctx, &mut self.scratch).is_err() {
            self.close(token);
        }
    }

    fn close(&mut self, token: usize) {
        let Some(mut conn) = self.conns.get_mut(token).and_then(Option::take) else {
            return;
        };
        let _ = self.poll.registry().deregister(&mut conn.stream);
        self.free.push(token);
        self.publish_open();
    }

    /// Accepts until WouldBlock: with edge-triggered readiness, connections left in the
    /// backlog would not be announced again.
    fn accept_all(&mut self) {
        loop {
            if self.open() >= self.ctx.config.max_connections {
                self.pause(Accept::Full);
                return;
            }
            let Some(listener) = &self.listener else {
                return;
            };
            match listener.accept() {
                Ok((stream, remote)) => self.add(stream, remote),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::Interrupted
                            | io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                    ) => {}
                // EMFILE, ENFILE, ENOBUFS, ENOMEM...: retry once some may be free.
                Err(_) => {
                    let until = Instant::now().checked_add(ACCEPT_PAUSE);
                    self.pause(until.map_or(Accept::Full, Accept::PausedUntil));
                    return;
                }
            }
        }
    }

    fn pause(&mut self, accept: Accept) {
        self.accept = accept;
        bump(&self.ctx.shared.counters.accept_pauses);
    }

    fn resume_accept(&mut self, now: Instant) {
        let resume = match self.accept {
            Accept::Open => false,
            Accept::PausedUntil(at) => at <= now,
            Accept::Full => self.open() < self.ctx.config.max_connections,
        };
        if resume {
            self.accept = Accept::Open;
            self.accept_all();
        }
    }

    fn add(&mut self, mut stream: TcpStream, remote: SocketAddr) {
        let _ = stream.set_nodelay(true);
        let token = self.free.pop().unwrap_or(self.conns.len());
        let interest = Interest::READABLE | Interest::WRITABLE;
        let registry = self.poll.registry();
        if registry
            .register(&mut stream, Token(token), interest)
            .is_err()
        {
            if token < self.conns.len() {
                self.free.push(token);
            }
            return;
        }
        self.generation += 1;
        let mut conn = Conn {
            token,
            generation: self.generation,
            stream,
            remote,
            state: State::Head,
            buf: Vec::new(),
            scanned: 0,
            out: Vec::new(),
            written: 0,
            readable: false,
            hung_up: false,
            deadline: None,
        };
        conn.set_deadline(self.ctx.config.read_timeout, &mut self.ctx);
        match self.conns.get_mut(token) {
            Some(slot) => *slot = Some(conn),
            None => self.conns.push(Some(conn)),
        }
        self.publish_open();
    }

    fn open(&self) -> usize {
        self.conns.len().saturating_sub(self.free.len())
    }

    fn publish_open(&self) {
        let counters = &self.ctx.shared.counters;
        counters.open.store(self.open(), Ordering::Relaxed);
    }

    fn take_replies(&mut self) {
        // Cleared before draining: a reply sent after this point wakes us again.
        self.ctx.shared.wake_pending.store(false, Ordering::Release);
        while let Ok(reply) = self.replies.try_recv() {
            let Some(Some(conn)) = self.conns.get_mut(reply.token) else {
                continue;
            };
            // The connection closed and its slot was reused: the reply is stale.
            if conn.generation != reply.generation {
                continue;
            }
            conn.on_reply(reply.bytes, reply.keep_alive, &mut self.ctx);
            self.drive(reply.token);
        }
    }

    fn take_control(&mut self) {
        while let Ok((grace, ack)) = self.control.try_recv() {
            self.begin_stop(grace);
            let _ = ack.send(());
        }
    }

    fn begin_stop(&mut self, grace: Duration) {
        if let Some(mut listener) = self.listener.take() {
            let _ = self.poll.registry().deregister(&mut listener);
        }
        self.ctx.stopping = true;
        self.grace_end = deadline_in(grace);
        // Not handed to a worker yet: dropping them answers 500.
        self.ctx.backlog.clear();
        let idle = |conn: &Conn| !matches!(conn.state, State::Waiting | State::Writing { .. });
        let tokens = self.conns.iter().enumerate();
        let idle: Vec<usize> = tokens
            .filter_map(|(token, slot)| slot.as_ref().filter(|c| idle(c)).map(|_| token))
            .collect();
        for token in idle {
            self.close(token);
        }
    }

    fn scan(&mut self, now: Instant) {
        self.ctx.last_scan = now;
        self.ctx.next_scan = None;
        for token in 0..self.conns.len() {
            let Some(Some(conn)) = self.conns.get_mut(token) else {
                continue;
            };
            match conn.deadline {
                Some(at) if at <= now => {
                    conn.deadline = None;
                    if conn.on_deadline(&mut self.ctx).is_err() {
                        self.close(token);
                    }
                }
                Some(at) => self.ctx.arm(at),
                None => {}
            }
        }
    }
}
