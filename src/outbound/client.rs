//! One HTTP client for every request hookscope sends: explicit timeouts, no
//! redirect followed (a 3xx is the answer), no status turned into an error,
//! and no header added beyond what HTTP needs (`Host`, `Content-Length`), so
//! that a replay carries the captured headers and nothing else.

use std::io::Read;
use std::time::{Duration, Instant};

use std::net::{IpAddr, SocketAddr};

use ureq::config::{AutoHeaderValue, Config};
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

use super::{Failure, OutRequest, OutResponse, Outcome};

/// The most of an answer's body kept; the rest is read and dropped.
pub const MAX_ANSWER_BODY: u64 = 10 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// From the first byte sent to the last byte of the answer.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            total: Duration::from_secs(30),
        }
    }
}

/// Idle keep-alive connections kept per host by [`Client::new`].
pub const IDLE_CONNECTIONS: usize = 64;

/// Cheap to clone; clones share their keep-alive connections.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    timeouts: Timeouts,
}

impl Client {
    /// Keeps up to [`IDLE_CONNECTIONS`] idle connections per host.
    pub fn new(timeouts: Timeouts) -> Self {
        Self::with_connections(timeouts, IDLE_CONNECTIONS)
    }

    /// Keeps up to `per_host` (at least [`IDLE_CONNECTIONS`]) idle
    /// connections per host, and four times as many in all: give it the
    /// number of requests sent at once, so that each sender finds its
    /// connection again instead of opening a new one.
    pub fn with_connections(timeouts: Timeouts, per_host: usize) -> Self {
        let per_host = per_host.max(IDLE_CONNECTIONS);
        let config = ureq::Agent::config_builder()
            .timeout_connect(Some(timeouts.connect))
            .timeout_global(Some(timeouts.total))
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(AutoHeaderValue::None)
            .accept(AutoHeaderValue::None)
            .accept_encoding(AutoHeaderValue::None)
            // ureq keeps 10 in all by default, whatever the per-host limit:
            // 16 senders then closed and reopened connections all along.
            .max_idle_connections(per_host.saturating_mul(4))
            .max_idle_connections_per_host(per_host)
            .build();
        let agent = ureq::Agent::with_parts(config, DefaultConnector::new(), LiteralFirst);
        Self { agent, timeouts }
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// Sends `request` and waits for its answer (at most the total timeout).
    pub fn send(&self, request: &OutRequest) -> Outcome {
        let started = Instant::now();
        let result = self.exchange(request);
        Outcome {
            elapsed: started.elapsed(),
            result,
        }
    }

    fn exchange(&self, request: &OutRequest) -> Result<OutResponse, Failure> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(request.url.as_str());
        for (name, value) in &request.headers {
            // Recomputed from the body by the client.
            if name.eq_ignore_ascii_case("content-length") {
                continue;
            }
            builder = builder.header(name.as_str(), value.as_str());
        }
        let http_request = builder
            .body(&request.body[..])
            .map_err(|e| Failure::Other(format!("cannot send this request: {e}")))?;
        let mut response = self.agent.run(http_request).map_err(|e| self.failure(e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let mut reader = response.body_mut().as_reader();
        (&mut reader)
            .take(MAX_ANSWER_BODY)
            .read_to_end(&mut body)
            .map_err(|e| self.io_failure(&e))?;
        // Whatever is past the cap is read so the connection can be reused.
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
        Ok(OutResponse {
            status,
            headers,
            body: body.into_boxed_slice(),
        })
    }

    fn failure(&self, error: ureq::Error) -> Failure {
        match error {
            ureq::Error::Timeout(timeout) => Failure::TimedOut(self.timeout_ms(timeout)),
            ureq::Error::HostNotFound => Failure::Unreachable("host not found".to_owned()),
            ureq::Error::ConnectionFailed => Failure::Unreachable("connection failed".to_owned()),
            ureq::Error::Io(e) => self.io_failure(&e),
            other => Failure::Other(other.to_string()),
        }
    }

    fn io_failure(&self, error: &std::io::Error) -> Failure {
        use std::io::ErrorKind;
        match error.kind() {
            ErrorKind::ConnectionRefused
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable => Failure::Unreachable(error.to_string()),
            ErrorKind::TimedOut | ErrorKind::WouldBlock => {
                Failure::TimedOut(self.timeouts.total.as_millis() as u64)
            }
            _ => match ureq_timeout(error) {
                Some(timeout) => Failure::TimedOut(self.timeout_ms(timeout)),
                None => Failure::Other(error.to_string()),
            },
        }
    }

    fn timeout_ms(&self, timeout: ureq::Timeout) -> u64 {
        let limit = match timeout {
            ureq::Timeout::Connect | ureq::Timeout::Resolve => self.timeouts.connect,
            _ => self.timeouts.total,
        };
        limit.as_millis() as u64
    }
}

/// A body read through ureq reports its timeouts as io errors wrapping
/// `ureq::Error::Timeout`.
fn ureq_timeout(error: &std::io::Error) -> Option<ureq::Timeout> {
    match error.get_ref()?.downcast_ref::<ureq::Error>()? {
        ureq::Error::Timeout(timeout) => Some(*timeout),
        _ => None,
    }
}

/// ureq resolves the host of every request, even one sent on a kept
/// connection, and with a timeout set (always, here) its default resolver
/// does so on a new thread each time, even for `127.0.0.1`: at thousands of
/// requests a second, creating and tearing down those threads cost more than
/// the requests. An IP address is taken as it is; names go to ureq's own
/// resolver.
#[derive(Debug)]
struct LiteralFirst;

impl Resolver for LiteralFirst {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let wanted = literal_addr(uri).and_then(|addr| {
            let family = config.ip_family();
            family.keep_wanted(std::iter::once(addr)).next()
        });
        if let Some(addr) = wanted {
            let mut addrs = self.empty();
            addrs.push(addr);
            return Ok(addrs);
        }
        DefaultResolver::default().resolve(uri, config, timeout)
    }
}

/// The address of a URI whose host is an IP address (`[…]` for IPv6).
fn literal_addr(uri: &Uri) -> Option<SocketAddr> {
    let authority = uri.authority()?;
    let host = authority.host();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let ip: IpAddr = host.parse().ok()?;
    let port = authority.port_u16().or_else(|| match uri.scheme_str()? {
        s if s.eq_ignore_ascii_case("http") => Some(80),
        s if s.eq_ignore_ascii_case("https") => Some(443),
        _ => None,
    })?;
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_hosts_are_taken_as_they_are() {
        let addr = |url: &str| literal_addr(&url.parse().unwrap());
        assert_eq!(
            addr("http://127.0.0.1:8090/job"),
            Some("127.0.0.1:8090".parse().unwrap())
        );
        assert_eq!(addr("http://[::1]:9/x"), Some("[::1]:9".parse().unwrap()));
        assert_eq!(
            addr("https://10.1.2.3/x"),
            Some("10.1.2.3:443".parse().unwrap())
        );
        assert_eq!(
            addr("http://10.1.2.3/x"),
            Some("10.1.2.3:80".parse().unwrap())
        );
        assert_eq!(addr("http://localhost:8090/job"), None);
        assert_eq!(addr("http://example.com/job"), None);
    }
}
