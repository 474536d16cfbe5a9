//! "Copy as cURL": a bash command that sends a request exactly as it is:
//! method, URL, headers in order and body bytes, with nothing of curl's own
//! added (its `User-Agent`, `Accept`, form `Content-Type` and `Expect` are
//! removed unless the request carries them).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::capture::Received;

use super::OutRequest;
use super::replay::replay_request;

/// Headers curl adds by itself; an empty `-H 'Name:'` stops it.
const CURL_ADDS: [&str; 4] = ["User-Agent", "Accept", "Content-Type", "Expect"];

/// The request as a bash command. A UTF-8 body (without NUL, and not
/// starting with `@`, which curl would read as a file name) is a
/// single-quoted literal; any other body goes through `base64 -d` into
/// `--data-binary @-`.
pub fn curl_command(request: &OutRequest) -> String {
    let mut args: Vec<String> = vec!["curl".to_owned(), "--globoff".to_owned()];
    let has_body = !request.body.is_empty() || sends_body(&request.method);
    // `-X HEAD` would wait for a body that never comes; a POST with data is
    // curl's default (and `-X POST` would draw a warning).
    if request.method.eq_ignore_ascii_case("HEAD") {
        args.push("--head".to_owned());
    } else if !(has_body && request.method == "POST") {
        args.push("-X".to_owned());
        args.push(quote(&request.method));
    }
    args.push(quote(&request.url));
    for (name, value) in &request.headers {
        // curl computes it from the body.
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        args.push("-H".to_owned());
        // `Name:` would remove the header; `Name;` sends it empty.
        if value.is_empty() {
            args.push(quote(&format!("{name};")));
        } else {
            args.push(quote(&format!("{name}: {value}")));
        }
    }
    for added in CURL_ADDS {
        if !request
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(added))
        {
            args.push("-H".to_owned());
            args.push(quote(&format!("{added}:")));
        }
    }
    let literal = std::str::from_utf8(&request.body)
        .ok()
        .filter(|text| !text.contains('\0') && !text.starts_with('@'));
    match literal {
        _ if !has_body => args.join(" "),
        Some(text) => {
            args.push("--data-binary".to_owned());
            args.push(quote(text));
            args.join(" ")
        }
        None => {
            args.push("--data-binary".to_owned());
            args.push("@-".to_owned());
            format!(
                "printf %s {} | base64 -d | {}",
                quote(&BASE64.encode(&request.body)),
                args.join(" ")
            )
        }
    }
}

/// A capture as a request: to `base_url` when given (as a replay), else to
/// `http://{its Host header}` with its path and query.
pub fn from_capture(received: &Received, base_url: Option<&str>) -> Result<OutRequest, String> {
    let base = match base_url {
        Some(base) => base.to_owned(),
        None => {
            let host = received
                .head
                .header("host")
                .map(|h| String::from_utf8_lossy(h).trim().to_owned())
                .filter(|h| !h.is_empty())
                .ok_or_else(|| {
                    format!(
                        "capture {} has no Host header: give a base URL (--to http://HOST:PORT)",
                        received.id
                    )
                })?;
            format!("http://{host}")
        }
    };
    replay_request(received, &base)
}

/// Methods whose empty body is still sent, with `Content-Length: 0`.
fn sends_body(method: &str) -> bool {
    ["POST", "PUT", "PATCH"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

/// One bash word, single-quoted (`'` becomes `'\''`).
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_post_is_quoted_literally() {
        let mut request = OutRequest::json_post(
            "http://127.0.0.1:8090/job?a=[1]",
            &b"[{\"a\":\"it's\"}]"[..],
        );
        request.headers.push(("X-Empty".to_owned(), String::new()));
        request
            .headers
            .push(("Content-Length".to_owned(), "99".to_owned()));
        assert_eq!(
            curl_command(&request),
            "curl --globoff 'http://127.0.0.1:8090/job?a=[1]' \
-H 'Content-Type: application/json' -H 'X-Empty;' -H 'User-Agent:' -H 'Accept:' -H 'Expect:' \
--data-binary '[{\"a\":\"it'\\''s\"}]'"
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_go_through_base64() {
        let request = OutRequest::json_post("http://h/candidate", &[0x1f, 0x8b, 0xff, 0][..]);
        let command = curl_command(&request);
        assert!(
            command.starts_with("printf %s 'H4v/AA==' | base64 -d | curl "),
            "{command}"
        );
        assert!(command.ends_with(" --data-binary @-"), "{command}");
        let at = OutRequest::json_post("http://h/candidate", &b"@/etc/passwd"[..]);
        assert!(curl_command(&at).contains("base64 -d"));
    }

    #[test]
    fn a_get_has_no_data() {
        let request = OutRequest {
            method: "GET".to_owned(),
            url: "http://h/".to_owned(),
            headers: vec![("Accept".to_owned(), "*/*".to_owned())],
            body: Box::default(),
        };
        assert_eq!(
            curl_command(&request),
            "curl --globoff -X 'GET' 'http://h/' -H 'Accept: */*' -H 'User-Agent:' -H 'Content-Type:' -H 'Expect:'"
        );
    }
}
