//! A keep-alive HTTP/1.1 load generator: `connections` threads, each sending the same
//! JSON POST back to back on its own connection and timing every response.
//!
//! It shares the CPU with the server under test, so it is kept cheap: std only, one
//! pre-built request, one reusable read buffer per thread, responses parsed by hand,
//! latencies pushed into a pre-reserved `Vec<u32>` of microseconds.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier, OnceLock, mpsc};
use std::thread;
use std::time::{Duration, Instant};

/// Bounds every socket wait, so a dead or stuck server cannot hang the bench.
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// Holds any sane response head; bodies larger than this are read through it in pieces.
const BUF_SIZE: usize = 16 * 1024;
/// Pause after a failed connect, so a dead server costs a few errors, not a busy loop.
const RECONNECT_PAUSE: Duration = Duration::from_millis(10);

/// One load run: `connections` keep-alive connections POSTing `body` to `path` for `duration`.
#[derive(Debug, Clone)]
pub struct Load {
    /// Loopback only: anything else is refused.
    pub addr: SocketAddr,
    /// Request target, e.g. "/candidate".
    pub path: String,
    /// Sent with `Content-Type: application/json`.
    pub body: Vec<u8>,
    /// Keep-alive connections, one thread each (named "load-N").
    pub connections: usize,
    /// How long to send.
    pub duration: Duration,
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Responses that completed within the duration.
    pub requests: u64,
    /// Of which 2xx.
    pub ok: u64,
    /// Connect/read/write errors and unparseable replies (each one re-opens the connection).
    pub errors: u64,
    /// The counting window: only responses completed within it are counted.
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Outcome {
    /// Responses per second over the counting window.
    pub fn per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.requests as f64 / secs
        } else {
            0.0
        }
    }
}

/// Runs the load and waits for it to finish.
pub fn run(load: &Load) -> io::Result<Outcome> {
    if !load.addr.ip().is_loopback() {
        return Err(invalid_input(format!(
            "refusing to load non-loopback address {}",
            load.addr
        )));
    }
    if load.connections == 0 {
        return Err(invalid_input("connections must be at least 1".into()));
    }
    let request: Arc<[u8]> = build_request(load)?.into();
    // Room for ~200k req/s overall, so the latency Vec does not regrow mid-run.
    let reserve = ((load.duration.as_secs_f64() * 200_000.0) as usize / load.connections)
        .clamp(1024, 4 << 20);

    // Threads get the barrier only once all of them exist: if a spawn fails, dropping
    // the senders lets the ones already spawned exit instead of waiting forever.
    let mut threads = Vec::with_capacity(load.connections);
    let mut gates = Vec::with_capacity(load.connections);
    for i in 0..load.connections {
        let (gate, opened) = mpsc::channel::<Arc<Start>>();
        let (addr, request, duration) = (load.addr, Arc::clone(&request), load.duration);
        let spawned = thread::Builder::new()
            .name(format!("load-{i}"))
            .spawn(move || match opened.recv() {
                Ok(start) => connection(addr, &request, duration, &start, reserve),
                Err(_) => Tally::default(),
            });
        match spawned {
            Ok(handle) => {
                threads.push(handle);
                gates.push(gate);
            }
            Err(e) => {
                drop(gates);
                for handle in threads {
                    let _ = handle.join();
                }
                return Err(e);
            }
        }
    }
    let start = Arc::new(Start {
        barrier: Barrier::new(load.connections),
        at: OnceLock::new(),
    });
    for gate in gates {
        // Cannot fail: each receiver lives until its thread has received.
        let _ = gate.send(Arc::clone(&start));
    }

    let mut total = Tally::default();
    for handle in threads {
        let tally = handle
            .join()
            .map_err(|_| io::Error::other("a load thread panicked"))?;
        total.requests += tally.requests;
        total.ok += tally.ok;
        total.errors += tally.errors;
        total.latencies.extend_from_slice(&tally.latencies);
    }
    let latencies = &mut total.latencies;
    latencies.sort_unstable();
    // Nearest-rank percentile.
    let percentile = |p: f64| match latencies.len() {
        0 => Duration::ZERO,
        n => {
            let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
            Duration::from_micros(u64::from(latencies[rank - 1]))
        }
    };
    Ok(Outcome {
        requests: total.requests,
        ok: total.ok,
        errors: total.errors,
        elapsed: load.duration,
        p50: percentile(0.50),
        p99: percentile(0.99),
        max: percentile(1.0),
    })
}

/// Shared by all threads: they pass the barrier together, and the first one through
/// fixes the start, so every thread stops at the same deadline.
struct Start {
    barrier: Barrier,
    at: OnceLock<Instant>,
}

#[derive(Default)]
struct Tally {
    requests: u64,
    ok: u64,
    errors: u64,
    latencies: Vec<u32>,
}

/// One connection's loop, on its own thread.
fn connection(
    addr: SocketAddr,
    request: &[u8],
    duration: Duration,
    start: &Start,
    reserve: usize,
) -> Tally {
    let mut tally = Tally {
        latencies: Vec::with_capacity(reserve),
        ..Tally::default()
    };
    let mut buf = vec![0u8; BUF_SIZE];
    // Connect before the barrier, so connection setup is not part of the window.
    let mut conn = open(addr).ok();
    if conn.is_none() {
        tally.errors += 1;
    }
    start.barrier.wait();
    let deadline = *start.at.get_or_init(Instant::now) + duration;

    while Instant::now() < deadline {
        let stream = match conn.as_mut() {
            Some(stream) => stream,
            None => match open(addr) {
                Ok(stream) => conn.insert(stream),
                Err(_) => {
                    tally.errors += 1;
                    thread::sleep(RECONNECT_PAUSE);
                    continue;
                }
            },
        };
        let sent = Instant::now();
        let result = exchange(stream, request, &mut buf);
        let done = Instant::now();
        if done > deadline {
            break; // finished after the window: not counted
        }
        match result {
            Ok(reply) => {
                tally.requests += 1;
                tally.ok += u64::from((200..300).contains(&reply.status));
                let micros = (done - sent).as_micros();
                tally
                    .latencies
                    .push(u32::try_from(micros).unwrap_or(u32::MAX));
                if reply.close {
                    conn = None;
                }
            }
            Err(_) => {
                tally.errors += 1;
                conn = None;
            }
        }
    }
    tally
}

fn open(addr: SocketAddr) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    Ok(stream)
}

fn build_request(load: &Load) -> io::Result<Vec<u8>> {
    let path = &load.path;
    if !path.starts_with('/') || path.bytes().any(|b| b.is_ascii_whitespace() || b < 0x20) {
        return Err(invalid_input(format!("bad request path {path:?}")));
    }
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        load.addr,
        load.body.len()
    );
    let mut request = Vec::with_capacity(head.len() + load.body.len());
    request.extend_from_slice(head.as_bytes());
    request.extend_from_slice(&load.body);
    Ok(request)
}

#[derive(Debug)]
struct Reply {
    status: u16,
    close: bool,
}

#[derive(Debug)]
struct Head {
    status: u16,
    length: usize,
    close: bool,
}

/// Sends one request and reads its whole response through `buf`.
fn exchange(stream: &mut TcpStream, request: &[u8], buf: &mut [u8]) -> io::Result<Reply> {
    stream.write_all(request)?;
    let mut filled = 0;
    let head_end = loop {
        if filled == buf.len() {
            return Err(invalid_data("response head too large"));
        }
        let n = stream.read(&mut buf[filled..])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        // Only the new bytes (and 3 before them) can complete the blank line.
        let from = filled.saturating_sub(3);
        filled += n;
        if let Some(i) = buf[from..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            break from + i + 4;
        }
    };
    let head = parse_head(&buf[..head_end])?;
    let buffered = filled - head_end;
    // One request is in flight, so anything past this body is a broken server.
    let mut remaining = head
        .length
        .checked_sub(buffered)
        .ok_or_else(|| invalid_data("bytes past the response body"))?;
    while remaining > 0 {
        let want = remaining.min(buf.len());
        let n = stream.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        remaining -= n;
    }
    Ok(Reply {
        status: head.status,
        close: head.close,
    })
}

/// Parses a response head (status line and headers, through the blank line).
/// A Content-Length is required: any other framing is an error.
fn parse_head(head: &[u8]) -> io::Result<Head> {
    let mut lines = head.split(|&b| b == b'\n').map(<[u8]>::trim_ascii_end);
    let rest = lines
        .next()
        .and_then(|line| line.strip_prefix(b"HTTP/1."))
        .ok_or_else(|| invalid_data("not an HTTP/1.x response"))?;
    let &[minor, b' ', a, b, c, ..] = rest else {
        return Err(invalid_data("bad status line"));
    };
    if ![a, b, c].iter().all(u8::is_ascii_digit) {
        return Err(invalid_data("bad status code"));
    }
    let status = [a, b, c]
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    let (mut length, mut close, mut keep_alive) = (None, false, false);
    for line in lines.filter(|line| !line.is_empty()) {
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| invalid_data("bad header line"))?;
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if name.eq_ignore_ascii_case(b"content-length") {
            length = Some(parse_length(value)?);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            return Err(invalid_data("transfer-encoding is not supported"));
        } else if name.eq_ignore_ascii_case(b"connection") {
            close |= has_token(value, b"close");
            keep_alive |= has_token(value, b"keep-alive");
        }
    }
    let length = length.ok_or_else(|| invalid_data("no content-length"))?;
    // HTTP/1.0 closes unless asked not to; HTTP/1.1 keeps alive unless asked not to.
    let close = close || (minor == b'0' && !keep_alive);
    Ok(Head {
        status,
        length,
        close,
    })
}

fn parse_length(value: &[u8]) -> io::Result<usize> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(invalid_data("bad content-length"));
    }
    value
        .iter()
        .try_fold(0usize, |n, d| {
            n.checked_mul(10)?.checked_add(usize::from(d - b'0'))
        })
        .ok_or_else(|| invalid_data("content-length overflows"))
}

fn has_token(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token))
}

fn invalid_input(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

fn invalid_data(msg: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> io::Result<Head> {
        parse_head(text.as_bytes())
    }

    #[test]
    fn parses_keep_alive_and_close() {
        let ok =
            head("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n");
        assert!(matches!(
            ok,
            Ok(Head {
                status: 200,
                length: 14,
                close: false
            })
        ));
        let closing = head("HTTP/1.1 503 X\r\ncontent-length:0\r\nConnection: Close\r\n\r\n");
        assert!(matches!(
            closing,
            Ok(Head {
                status: 503,
                length: 0,
                close: true
            })
        ));
        let old = head("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n");
        assert!(matches!(old, Ok(Head { close: true, .. })));
    }

    #[test]
    fn rejects_other_framing() {
        assert!(head("HTTP/1.1 200 OK\r\n\r\n").is_err());
        assert!(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").is_err());
        assert!(head("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").is_err());
        assert!(head("SSH-2.0-OpenSSH\r\n\r\n").is_err());
        assert!(head("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n").is_err());
    }

    #[test]
    fn refuses_non_loopback() {
        let load = Load {
            addr: SocketAddr::from(([192, 0, 2, 1], 80)),
            path: "/".into(),
            body: Vec::new(),
            connections: 1,
            duration: Duration::from_millis(10),
        };
        let err = run(&load).err().map(|e| e.kind());
        assert_eq!(err, Some(io::ErrorKind::InvalidInput));
    }
}
