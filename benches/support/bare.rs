//! The transport ceiling: a bare tiny_http 0.12 server, in-process, mirroring
//! `measure/baseline-tiny-http`. Loading it with the same client as the real
//! listener shows how much of the listener's cost is tiny_http itself.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::{self, JoinHandle};

/// A bare tiny_http 0.12 server that reads each body and answers
/// 200 {"received":1} (Content-Type: application/json) from `workers` threads;
/// nothing kept. Dropping it stops the workers and joins them.
pub struct Bare {
    server: Arc<tiny_http::Server>,
    addr: SocketAddr,
    requests: Arc<AtomicU64>,
    stopping: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

impl Bare {
    /// Binds 127.0.0.1 on a free port and starts `workers` threads ("bare-N").
    pub fn start(workers: usize) -> io::Result<Bare> {
        if workers == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "workers must be at least 1",
            ));
        }
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(io::Error::other)?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| io::Error::other("tiny_http did not report an IP address"))?;
        let content_type =
            tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..])
                .map_err(|()| io::Error::other("bad Content-Type header"))?;
        let mut bare = Bare {
            server: Arc::new(server),
            addr,
            requests: Arc::default(),
            stopping: Arc::default(),
            workers: Vec::with_capacity(workers),
        };
        for i in 0..workers {
            let server = Arc::clone(&bare.server);
            let requests = Arc::clone(&bare.requests);
            let stopping = Arc::clone(&bare.stopping);
            let content_type = content_type.clone();
            // On a failed spawn, `bare` drops here and stops the workers already running.
            let worker = thread::Builder::new()
                .name(format!("bare-{i}"))
                .spawn(move || serve(&server, &requests, &stopping, &content_type))?;
            bare.workers.push(worker);
        }
        Ok(bare)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Request bodies read so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

impl Drop for Bare {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::Relaxed);
        // Each unblock() releases exactly one recv().
        for _ in &self.workers {
            self.server.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

fn serve(
    server: &tiny_http::Server,
    requests: &AtomicU64,
    stopping: &AtomicBool,
    content_type: &tiny_http::Header,
) {
    let mut body = Vec::new();
    loop {
        let mut request = match server.recv() {
            Ok(request) => request,
            // recv() also reports accept errors: only stop when asked to.
            Err(_) if stopping.load(Ordering::Relaxed) => return,
            Err(_) => continue,
        };
        body.clear();
        if request.as_reader().read_to_end(&mut body).is_ok() {
            requests.fetch_add(1, Ordering::Relaxed);
        }
        let response =
            tiny_http::Response::from_string("{\"received\":1}").with_header(content_type.clone());
        let _ = request.respond(response);
    }
}
