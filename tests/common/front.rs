//! Test harness: a Server on 127.0.0.1:0 with worker threads, and a plain blocking client.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use hookscope::listener::server::{BodyState, Config, Head, Incoming, Server, Stats};

/// Only bounds a test that would otherwise hang; no test relies on timing.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

/// What a worker saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub head: Head,
    pub body: Vec<u8>,
    pub body_state: BodyState,
    pub remote: SocketAddr,
}

pub struct Harness {
    pub server: Option<Server>,
    pub addr: SocketAddr,
    pub seen: Receiver<Seen>,
    workers: Vec<JoinHandle<()>>,
}

impl Harness {
    pub fn stats(&self) -> Stats {
        self.server.as_ref().expect("server running").stats()
    }

    pub fn connect(&self) -> Client {
        Client::connect(self.addr)
    }

    /// The next request a worker saw.
    pub fn next_seen(&self) -> Seen {
        self.seen
            .recv_timeout(CLIENT_TIMEOUT)
            .expect("a request reached a worker")
    }

    /// Stops the server and joins it and the workers.
    pub fn shut(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        drop(self.server.take());
        for worker in self.workers.drain(..) {
            worker.join().expect("worker ended cleanly");
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The status the standard workers answer for a body state.
pub fn status_for(state: &BodyState) -> u16 {
    match state {
        BodyState::Complete => 200,
        BodyState::TooLarge { .. } => 413,
        BodyState::Stalled { .. } => 408,
        BodyState::Closed { .. } | BodyState::BadChunk { .. } => 400,
    }
}

/// Workers record what they see and answer `{"target":...,"len":N}`.
pub fn start(config: Config) -> Harness {
    start_with(config, 4, |incoming, seen| {
        let _ = seen.send(seen_of(&incoming));
        let status = status_for(&incoming.body_state);
        let body = format!(
            "{{\"target\":\"{}\",\"len\":{}}}",
            incoming.head.target,
            incoming.body.len()
        );
        incoming.reply(status, Some("application/json"), body.into_bytes());
    })
}

pub fn seen_of(incoming: &Incoming) -> Seen {
    Seen {
        head: incoming.head.clone(),
        body: incoming.body.clone(),
        body_state: incoming.body_state.clone(),
        remote: incoming.remote,
    }
}

pub fn start_with<F>(config: Config, workers: usize, handler: F) -> Harness
where
    F: Fn(Incoming, &Sender<Seen>) + Send + Sync + Clone + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let (tx, rx) = crossbeam_channel::unbounded::<Incoming>();
    let (seen_tx, seen) = crossbeam_channel::unbounded();
    let server = Server::start(listener, config, tx).expect("server starts");
    let addr = server.local_addr();
    let workers = (0..workers)
        .map(|i| {
            let rx = rx.clone();
            let seen_tx = seen_tx.clone();
            let handler = handler.clone();
            std::thread::Builder::new()
                .name(format!("test-worker-{i}"))
                .spawn(move || {
                    for incoming in rx.iter() {
                        handler(incoming, &seen_tx);
                    }
                })
                .expect("spawn worker")
        })
        .collect();
    Harness {
        server: Some(server),
        addr,
        seen,
        workers,
    }
}

/// Polls `cond` until it holds; panics after CLIENT_TIMEOUT.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < CLIENT_TIMEOUT,
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn closes(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

pub struct Client {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(CLIENT_TIMEOUT))
            .expect("timeout");
        stream
            .set_write_timeout(Some(CLIENT_TIMEOUT))
            .expect("timeout");
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("send");
    }

    pub fn shutdown_write(&self) {
        self.stream.shutdown(Shutdown::Write).expect("shutdown");
    }

    fn fill(&mut self) -> usize {
        let mut chunk = [0; 8192];
        let n = self.stream.read(&mut chunk).expect("read (timed out?)");
        self.buf.extend_from_slice(&chunk[..n]);
        n
    }

    /// Reads exactly `expected` (e.g. an interim 100 Continue).
    pub fn expect_bytes(&mut self, expected: &[u8]) {
        while self.buf.len() < expected.len() {
            assert!(self.fill() > 0, "closed before {expected:?}");
        }
        let got: Vec<u8> = self.buf.drain(..expected.len()).collect();
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected)
        );
    }

    pub fn response(&mut self) -> Response {
        self.read_response(false)
    }

    /// A response to HEAD: Content-Length is there but no body follows.
    pub fn head_response(&mut self) -> Response {
        self.read_response(true)
    }

    fn read_response(&mut self, head_only: bool) -> Response {
        loop {
            let mut slots = [httparse::EMPTY_HEADER; 32];
            let mut parsed = httparse::Response::new(&mut slots);
            if let httparse::Status::Complete(len) =
                parsed.parse(&self.buf).expect("valid response")
            {
                let status = parsed.code.expect("status");
                let headers: Vec<(String, String)> = parsed
                    .headers
                    .iter()
                    .map(|h| {
                        let value = String::from_utf8(h.value.to_vec()).expect("ascii");
                        (h.name.to_owned(), value)
                    })
                    .collect();
                let mut response = Response {
                    status,
                    headers,
                    body: Vec::new(),
                };
                let length: usize = response
                    .header("content-length")
                    .expect("Content-Length always present")
                    .parse()
                    .expect("numeric Content-Length");
                let length = if head_only { 0 } else { length };
                while self.buf.len() < len + length {
                    assert!(self.fill() > 0, "closed inside a response body");
                }
                self.buf.drain(..len);
                response.body = self.buf.drain(..length).collect();
                return response;
            }
            assert!(self.fill() > 0, "closed before a response: {:?}", self.buf);
        }
    }

    /// Whether the server closed with FIN (true) rather than a reset, after reading and
    /// discarding anything else it sent.
    pub fn sees_fin(&mut self) -> bool {
        assert!(self.buf.is_empty(), "unread bytes: {:?}", self.buf);
        let mut chunk = [0; 8192];
        match self.stream.read(&mut chunk) {
            Ok(0) => true,
            Ok(n) => panic!("unexpected bytes: {:?}", &chunk[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => false,
            Err(e) => panic!("no close seen: {e}"),
        }
    }
}

/// A POST with a Content-Length body.
pub fn post(target: &str, body: &[u8]) -> Vec<u8> {
    let mut req = format!(
        "POST {target} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

/// Open file descriptors of this process.
pub fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// Sets this process's soft limit on open descriptors.
pub fn set_fd_limit(soft: u64) {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let soft = limit.maximum.map_or(soft, |max| soft.min(max));
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(soft),
            maximum: limit.maximum,
        },
    )
    .expect("the descriptor limit can be set");
}

/// Raises this process's soft descriptor limit to at least `want`.
pub fn ensure_fd_limit(want: u64) {
    let current = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    if current.is_some_and(|soft| soft < want) {
        set_fd_limit(want);
    }
}
