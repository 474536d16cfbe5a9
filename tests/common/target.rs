//! A forward target for the tests: a small tiny_http server on 127.0.0.1
//! that records every request it gets and answers as told.

use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use super::listening::PATIENCE;

/// A request as the target received it.
#[derive(Clone, Debug)]
pub struct Got {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Got {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How the target answers.
#[derive(Clone, Debug)]
pub struct Behaviour {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Waits this long before answering.
    pub delay: Duration,
}

impl Behaviour {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }
}

pub struct Target {
    server: Arc<tiny_http::Server>,
    got: Receiver<Got>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Target {
    pub fn start(behaviour: Behaviour) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("the target starts"));
        let (sender, got): (Sender<Got>, Receiver<Got>) = crossbeam_channel::unbounded();
        let serving = server.clone();
        let thread = std::thread::spawn(move || {
            for mut request in serving.incoming_requests() {
                let mut body = Vec::new();
                let _ = request.as_reader().read_to_end(&mut body);
                let _ = sender.send(Got {
                    method: request.method().to_string(),
                    url: request.url().to_owned(),
                    headers: request
                        .headers()
                        .iter()
                        .map(|h| (h.field.to_string(), h.value.to_string()))
                        .collect(),
                    body,
                });
                // Answered on a thread of its own: a slow target is slow for
                // each request, not for the queue of them.
                let behaviour = behaviour.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(behaviour.delay);
                    let mut response = tiny_http::Response::from_data(behaviour.body.clone())
                        .with_status_code(behaviour.status);
                    for (name, value) in &behaviour.headers {
                        let header =
                            tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes());
                        if let Ok(header) = header {
                            response.add_header(header);
                        }
                    }
                    let _ = request.respond(response);
                });
            }
        });
        Self {
            server,
            got,
            thread: Some(thread),
        }
    }

    pub fn base_url(&self) -> String {
        let addr = self.server.server_addr().to_ip().expect("an IP address");
        format!("http://{addr}")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// Requests received and not yet taken with [`Target::next`].
    pub fn requests(&self) -> usize {
        self.got.len()
    }

    /// The next request the target received.
    pub fn next(&self) -> Got {
        self.got
            .recv_timeout(PATIENCE)
            .expect("the target receives a request")
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A URL where nothing listens.
pub fn closed_url(path: &str) -> String {
    format!("{}{path}", closed_port_url())
}

/// A base URL where nothing listens: a port just bound and released.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let addr = listener.local_addr().expect("its address");
    drop(listener);
    format!("http://{addr}")
}
