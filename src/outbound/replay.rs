//! A capture sent again: its exact method, path, query, headers and body,
//! to another base URL. Hop-by-hop headers are the connection's, not the
//! request's; `Host` and `Content-Length` are recomputed by the client.

use crate::capture::Received;

use super::OutRequest;

/// Headers that belong to one connection (RFC 9110 §7.6.1), never sent on;
/// `Host` and `Content-Length` are recomputed by the client, and `Expect`
/// was already answered by whoever received the request.
const NOT_SENT_ON: [&str; 12] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "proxy-authenticate",
    "proxy-authorization",
    "host",
    "content-length",
    "expect",
];

/// Whether a header belongs to the connection rather than to the request
/// (or answer), so that it is never passed on as it is.
pub fn is_hop_by_hop(name: &str) -> bool {
    NOT_SENT_ON.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// `received` as a request to `base_url` (`http://` or `https://`, maybe
/// with a path prefix): base + the captured path and query, its headers
/// minus hop-by-hop ones, `Host` and `Content-Length`, and the body exactly
/// as received (still encoded when it came with a Content-Encoding).
pub fn replay_request(received: &Received, base_url: &str) -> Result<OutRequest, String> {
    let base = check_base_url(base_url)?;
    let url = format!("{base}{}", target_of(received.head.url()));
    Ok(OutRequest {
        method: received.head.method().to_owned(),
        url,
        headers: end_to_end_headers(received),
        body: received.body.clone(),
    })
}

/// The base URL without its trailing slashes, or why it cannot be one.
pub fn check_base_url(base_url: &str) -> Result<&str, String> {
    let trimmed = base_url.trim();
    let lower = trimmed.to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &trimmed["http://".len()..]
    } else if lower.starts_with("https://") {
        &trimmed["https://".len()..]
    } else {
        return Err(format!(
            "\"{base_url}\" is not a base URL: it must start with http:// or https:// (e.g. http://127.0.0.1:3000)"
        ));
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() {
        return Err(format!("\"{base_url}\" has no host"));
    }
    if trimmed.contains(['?', '#']) {
        return Err(format!(
            "\"{base_url}\" is not a base URL: it cannot have a query or a fragment (the capture's own are appended)"
        ));
    }
    if trimmed.contains(char::is_whitespace) {
        return Err(format!("\"{base_url}\" contains spaces"));
    }
    Ok(trimmed.trim_end_matches('/'))
}

/// The path and query of a request target, always starting with `/`: an
/// absolute-form target (`http://host/p?q`) loses its scheme and host.
fn target_of(url: &str) -> String {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let without_origin = if lower.starts_with("http://") || lower.starts_with("https://") {
        let after_scheme = url.find("://").map_or(url, |i| &url[i + 3..]);
        after_scheme
            .find(['/', '?'])
            .map_or("", |i| &after_scheme[i..])
    } else {
        url
    };
    if without_origin.starts_with('/') {
        without_origin.to_owned()
    } else {
        format!("/{without_origin}")
    }
}

/// The headers a replay carries, in received order: not hop-by-hop, not
/// named in `Connection`, not `Host` or `Content-Length`. A value that is
/// not UTF-8 is sent with U+FFFD in place of its bad bytes.
pub fn end_to_end_headers(received: &Received) -> Vec<(String, String)> {
    let named_by_connection: Vec<String> = received
        .head
        .all("connection")
        .flat_map(|value| {
            String::from_utf8_lossy(value)
                .split(',')
                .map(|t| t.trim().to_ascii_lowercase())
                .collect::<Vec<_>>()
        })
        .filter(|token| !token.is_empty())
        .collect();
    received
        .head
        .headers()
        .filter(|header| {
            !is_hop_by_hop(header.name)
                && !named_by_connection.contains(&header.name.to_ascii_lowercase())
        })
        .map(|header| (header.name.to_owned(), header.value_text().into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{RequestHead, Routes};

    fn received(url: &str, headers: &[(&str, &str)], body: &[u8]) -> Received {
        let head = RequestHead::new("POST", url, "127.0.0.1:5000", headers.iter().copied());
        Received::loaded(
            7,
            crate::capture::received_now(),
            head,
            body.to_vec(),
            None,
            &Routes::default(),
        )
    }

    #[test]
    fn path_and_query_join_the_base_whatever_its_slashes() {
        let capture = received("/candidate?x=1&y=%20", &[], b"[]");
        for base in [
            "http://127.0.0.1:3000",
            "http://127.0.0.1:3000/",
            "http://127.0.0.1:3000//",
        ] {
            let request = replay_request(&capture, base).unwrap();
            assert_eq!(request.url, "http://127.0.0.1:3000/candidate?x=1&y=%20");
        }
        let request = replay_request(&capture, "https://example.test/hooks/").unwrap();
        assert_eq!(
            request.url,
            "https://example.test/hooks/candidate?x=1&y=%20"
        );
        let absolute = received("http://other:9/job?a", &[], b"");
        assert_eq!(
            replay_request(&absolute, "http://h:1").unwrap().url,
            "http://h:1/job?a"
        );
    }

    #[test]
    fn bad_base_urls_are_refused_with_a_reason() {
        let capture = received("/job", &[], b"");
        for base in [
            "",
            "127.0.0.1:3000",
            "ftp://x",
            "http://",
            "http:///job",
            "http://h/?q=1",
        ] {
            let error = replay_request(&capture, base).unwrap_err();
            assert!(error.contains(base) || base.is_empty(), "{error}");
        }
    }

    #[test]
    fn hop_by_hop_host_and_length_are_dropped_the_rest_kept_in_order() {
        let capture = received(
            "/job",
            &[
                ("Host", "a:1"),
                ("Content-Type", "application/json"),
                ("Connection", "keep-alive, X-Private"),
                ("X-Private", "secret"),
                ("Content-Length", "2"),
                ("Transfer-Encoding", "chunked"),
                ("X-Sig", "one"),
                ("x-sig", "two"),
                ("TE", "trailers"),
                ("Keep-Alive", "timeout=5"),
                ("Upgrade", "h2c"),
            ],
            b"[]",
        );
        let request = replay_request(&capture, "http://b:2").unwrap();
        assert_eq!(
            request.headers,
            vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("X-Sig".to_owned(), "one".to_owned()),
                ("x-sig".to_owned(), "two".to_owned()),
            ]
        );
        assert_eq!(&request.body[..], b"[]");
        assert_eq!(request.method, "POST");
    }
}
