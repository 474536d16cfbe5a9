//! A shell command that reproduces a request exactly.
//!
//! Minimal version written for the window; the CLI's engineer owns the full
//! one (same name and signature), which replaces this at merge.

use base64::Engine as _;

use super::OutRequest;

/// `curl` with the method, URL, headers in order and the exact body: from a
/// quoted literal when it is UTF-8, through `base64 -d` otherwise.
pub fn curl_command(request: &OutRequest) -> String {
    let mut args = vec![
        "curl".to_owned(),
        "-sS".to_owned(),
        "-X".to_owned(),
        quote(&request.method),
        quote(&request.url),
    ];
    for (name, value) in &request.headers {
        // curl computes it from the body.
        if name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        args.push("-H".to_owned());
        args.push(quote(&format!("{name}: {value}")));
    }
    if request.body.is_empty() {
        return args.join(" ");
    }
    match std::str::from_utf8(&request.body) {
        Ok(text) => {
            args.push("--data-binary".to_owned());
            args.push(quote(text));
            args.join(" ")
        }
        Err(_) => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(&request.body);
            args.push("--data-binary".to_owned());
            args.push("@-".to_owned());
            format!(
                "printf %s {} | base64 -d | {}",
                quote(&encoded),
                args.join(" ")
            )
        }
    }
}

/// Single quotes for a POSIX shell: nothing inside is interpreted.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_the_shell_would_read() {
        let request = OutRequest::json_post("http://127.0.0.1:1/job", &b"{\"a\":\"it's\"}"[..]);
        assert_eq!(
            curl_command(&request),
            r#"curl -sS -X 'POST' 'http://127.0.0.1:1/job' -H 'Content-Type: application/json' --data-binary '{"a":"it'\''s"}'"#
        );
    }
}
