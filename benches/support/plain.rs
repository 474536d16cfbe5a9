//! A bare keep-alive HTTP/1.1 server on std threads, one per connection, for
//! benches that open many connections at once.
//!
//! Why not tiny_http (`bare.rs`): tiny_http 0.12 hands each accepted
//! connection to its `TaskPool`, whose `spawn` queues the connection instead
//! of starting a thread whenever `waiting_tasks > 0`. That count still
//! includes threads already woken for an earlier connection but not yet
//! running, so when several connections arrive together (16 at the start of
//! a send), one can be queued with no thread left to take it. It is read
//! only when another connection closes: with keep-alive clients, after the
//! client's timeout. The request has been sent and acknowledged by the
//! kernel (it sits unread in the socket's receive queue), so no client can
//! tell it apart from a slow answer. This server starts a thread for each
//! connection and has no such queue.
//!
//! Bodies are framed by Content-Length only (the senders under test send
//! nothing else); each one is read whole and answered
//! `200 {"received":1}` (Content-Type: application/json); nothing is kept.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

const ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"received\":1}";
const BAD: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const MAX_HEAD: usize = 16 * 1024;
/// A connection idle this long is closed.
const IDLE: Duration = Duration::from_secs(60);

/// Dropping it stops accepting, closes every connection and joins the threads.
pub struct Plain {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Shared {
    requests: AtomicU64,
    stopping: AtomicBool,
    /// A clone of each connection (to shut it down) and its thread.
    connections: Mutex<Vec<(TcpStream, JoinHandle<()>)>>,
}

impl Plain {
    /// Binds 127.0.0.1 on a free port.
    pub fn start() -> io::Result<Plain> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("plain-accept".to_owned())
                .spawn(move || accept(&listener, &shared))?
        };
        Ok(Plain {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Request bodies read so far.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::Relaxed)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared
            .connections
            .lock()
            .map_or(0, |connections| connections.len())
    }
}

impl Drop for Plain {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Relaxed);
        // Wakes the acceptor, which then sees `stopping`.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let connections = match self.shared.connections.lock() {
            Ok(mut connections) => std::mem::take(&mut *connections),
            Err(_) => return,
        };
        for (stream, thread) in connections {
            let _ = stream.shutdown(Shutdown::Both);
            let _ = thread.join();
        }
    }
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::Relaxed) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        let worker = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name("plain-conn".to_owned())
            .spawn(move || {
                let _ = serve(stream, &worker.requests);
            });
        if let (Ok(thread), Ok(mut connections)) = (spawned, shared.connections.lock()) {
            connections.push((clone, thread));
        }
    }
}

/// Answers requests on one connection until it closes or breaks.
fn serve(mut stream: TcpStream, requests: &AtomicU64) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(IDLE))?;
    let mut buf = vec![0u8; MAX_HEAD];
    let mut filled = 0;
    loop {
        // The head: parse what has come, read more while it is partial.
        let (head_len, body_len, close) = loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut request = httparse::Request::new(&mut headers);
            match request.parse(&buf[..filled]) {
                Ok(httparse::Status::Complete(head_len)) => {
                    let mut body_len = 0usize;
                    let mut close = request.version == Some(0);
                    for header in request.headers.iter() {
                        let value = std::str::from_utf8(header.value).unwrap_or("").trim();
                        if header.name.eq_ignore_ascii_case("content-length") {
                            match value.parse() {
                                Ok(n) => body_len = n,
                                Err(_) => return bad(&mut stream),
                            }
                        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
                            return bad(&mut stream);
                        } else if header.name.eq_ignore_ascii_case("connection") {
                            close = value.eq_ignore_ascii_case("close");
                        }
                    }
                    break (head_len, body_len, close);
                }
                Ok(httparse::Status::Partial) if filled < buf.len() => {
                    let n = stream.read(&mut buf[filled..])?;
                    if n == 0 {
                        return Ok(()); // closed between requests (or mid-head)
                    }
                    filled += n;
                }
                _ => return bad(&mut stream),
            }
        };
        // The body: what came with the head, then the rest from the socket.
        let buffered = (filled - head_len).min(body_len);
        let mut remaining = body_len - buffered;
        while remaining > 0 {
            let n = stream.read(&mut buf[..remaining.min(MAX_HEAD)])?;
            if n == 0 {
                return Ok(());
            }
            remaining -= n;
        }
        requests.fetch_add(1, Ordering::Relaxed);
        // Bytes past this request (a pipelined next one) move to the front.
        let used = head_len + buffered;
        buf.copy_within(used..filled, 0);
        filled -= used;
        stream.write_all(ANSWER)?;
        if close {
            return Ok(());
        }
    }
}

fn bad(stream: &mut TcpStream) -> io::Result<()> {
    stream.write_all(BAD)
}
