//! A send target that answers every request with one fixed status, for
//! what senders do when an endpoint fails; and a port nothing listens on.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A tiny_http server on 127.0.0.1:0 answering `status` with a short JSON
/// body; counts requests. Dropping it stops it.
pub struct Answering {
    server: Arc<tiny_http::Server>,
    requests: Arc<AtomicU64>,
    stopping: Arc<AtomicBool>,
    worker: Option<JoinHandle<()>>,
}

impl Answering {
    pub fn start(status: u16) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1:0"));
        let requests = Arc::new(AtomicU64::new(0));
        let stopping = Arc::new(AtomicBool::new(false));
        let worker = {
            let (server, requests, stopping) = (
                Arc::clone(&server),
                Arc::clone(&requests),
                Arc::clone(&stopping),
            );
            std::thread::spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    let Ok(Some(mut request)) = server.recv_timeout(Duration::from_millis(50))
                    else {
                        continue;
                    };
                    let mut body = Vec::new();
                    let _ = request.as_reader().read_to_end(&mut body);
                    requests.fetch_add(1, Ordering::Relaxed);
                    let answer = tiny_http::Response::from_string(format!(
                        "{{\"status\":{status},\"error\":\"answered {status} on purpose\"}}"
                    ))
                    .with_status_code(status);
                    let _ = request.respond(answer);
                }
            })
        };
        Self {
            server,
            requests,
            stopping,
            worker: Some(worker),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.server_addr().to_ip().expect("an IP address")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr())
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::Relaxed);
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// A loopback URL where nothing listens (a port bound then freed).
pub fn closed_url(path: &str) -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    format!("http://127.0.0.1:{port}{path}")
}
