//! A captured request sent again to another base URL.
//!
//! Minimal version written for the window; the CLI's engineer owns the full
//! one (same name and signature), which replaces this at merge.

use crate::capture::Received;

use super::OutRequest;

/// Headers that belong to one connection, or that the client recomputes.
const NOT_REPLAYED: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

/// The exact method, path, query, headers and body of `received`, sent to
/// `base_url` (`http://` or `https://`, with or without a trailing slash).
pub fn replay_request(received: &Received, base_url: &str) -> Result<OutRequest, String> {
    let base = base_url.trim();
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(format!("{base:?} is not an http:// or https:// URL"));
    }
    let path = received.head.url();
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    let headers = received
        .head
        .headers()
        .filter(|h| {
            !h.name.eq_ignore_ascii_case("content-length")
                && !NOT_REPLAYED.iter().any(|n| h.name.eq_ignore_ascii_case(n))
        })
        .map(|h| (h.name.to_owned(), h.value_text().into_owned()))
        .collect();
    Ok(OutRequest {
        method: received.head.method().to_owned(),
        url: format!("{}{path}", base.trim_end_matches('/')),
        headers,
        body: received.body.clone(),
    })
}
