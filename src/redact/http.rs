//! The HTTP around a body: header values and query parameters the policy
//! names, the Content-Length that follows a body's new length, and bodies
//! sent with a content coding, redacted decoded and encoded again.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::{GzEncoder, ZlibEncoder};

use super::Pass;
use crate::capture::decode::{self, Coding};

/// Authorization schemes kept before a redacted credential: which one was
/// sent is often the bug, and says nothing of the secret.
const SCHEMES: &[&str] = &[
    "basic",
    "bearer",
    "digest",
    "token",
    "negotiate",
    "hmac",
    "apikey",
    "aws4-hmac-sha256",
];

/// The pseudonym of a header's value, when a rule names the header.
pub fn header(pass: &mut Pass<'_>, name: &str, value: &[u8]) -> Option<String> {
    let rule = pass.redactor.header_rule(name)?;
    let text = String::from_utf8_lossy(value);
    let trimmed = text.trim();
    let (scheme, secret) = match trimmed.split_once(' ') {
        Some((scheme, rest))
            if SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme))
                && !rest.trim().is_empty() =>
        {
            (Some(scheme), rest.trim())
        }
        _ => (None, trimmed),
    };
    let pseudonym = pass.redactor.keyed.string(secret)?;
    let after = match scheme {
        Some(scheme) => format!("{scheme} {pseudonym}"),
        None => pseudonym,
    };
    pass.replaced(rule, &text, &after);
    if scheme.is_some() {
        pass.learn(secret);
    }
    Some(after)
}

/// `url` with the values of the query parameters a rule names replaced by
/// URL-safe pseudonyms; `None` when nothing changed.
pub fn url(pass: &mut Pass<'_>, url: &str) -> Option<String> {
    let (before, rest) = url.split_once('?')?;
    let (query, fragment) = match rest.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (rest, None),
    };
    let mut out = String::with_capacity(url.len() + 16);
    out.push_str(before);
    out.push('?');
    let mut changed = false;
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        let replaced = pair.split_once('=').and_then(|(name, value)| {
            let rule = pass.redactor.query_rule(&percent_decode(name))?;
            let value = percent_decode(value);
            let pseudonym = pass.redactor.keyed.string(&value)?;
            pass.replaced(rule, &value, &pseudonym);
            Some((name, percent_encode(&pseudonym)))
        });
        match replaced {
            Some((name, value)) => {
                changed = true;
                out.push_str(name);
                out.push('=');
                out.push_str(&value);
            }
            None => out.push_str(pair),
        }
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    changed.then_some(out)
}

/// `%XX` undone, and `+` as a space (form encoding).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|&b| (b as char).to_digit(16));
        match bytes[i] {
            b'%' => match (hex(i + 1), hex(i + 2)) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// All but the unreserved characters as `%XX`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Sets a Content-Length that gave the old body's length to the new one's;
/// any other value (a wrong one is what a report may be about) stays.
pub fn content_length<V: AsRef<[u8]> + From<String>>(
    headers: &mut [(String, V)],
    old: usize,
    new: usize,
) {
    if old == new {
        return;
    }
    for (name, value) in headers.iter_mut() {
        let said = std::str::from_utf8(value.as_ref())
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok());
        if name.eq_ignore_ascii_case("content-length") && said == Some(old) {
            *value = V::from(new.to_string());
        }
    }
}

/// The codings a message's Content-Encoding headers name (none when one
/// of them is unknown: the body is then taken as it is).
pub fn codings<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Vec<Coding> {
    decode::codings(values).unwrap_or_default()
}

/// `bytes` encoded with `codings`, in the order they were applied.
pub fn encode(codings: &[Coding], bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut data = bytes.to_vec();
    for coding in codings {
        data = match coding {
            Coding::Gzip => {
                let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
                encoder.write_all(&data)?;
                encoder.finish()?
            }
            // HTTP's deflate is zlib; hookscope reads raw deflate too.
            Coding::Deflate => {
                let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
                encoder.write_all(&data)?;
                encoder.finish()?
            }
        };
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_coding_round_trips() {
        assert_eq!(percent_decode("a%20b+c%2"), "a b c%2");
        assert_eq!(percent_encode("Ab c@d.e"), "Ab%20c%40d.e");
        assert_eq!(percent_decode(&percent_encode("Zoé <b>")), "Zoé <b>");
    }

    #[test]
    fn encoded_bodies_decode_back() {
        let body = br#"{"name":"x"}"#;
        for codings in [
            vec![Coding::Gzip],
            vec![Coding::Deflate],
            vec![Coding::Deflate, Coding::Gzip],
        ] {
            let encoded = encode(&codings, body).unwrap();
            assert_eq!(decode::decode(&codings, &encoded, 1 << 20).unwrap(), body);
        }
    }

    #[test]
    fn content_length_follows_only_when_it_was_right() {
        let mut headers = vec![
            ("Content-Length".to_owned(), "10".to_owned()),
            ("X".to_owned(), "10".to_owned()),
        ];
        content_length(&mut headers, 10, 12);
        assert_eq!(headers[0].1, "12");
        assert_eq!(headers[1].1, "10");
        let mut wrong = vec![("content-length".to_owned(), b"99".to_vec())];
        content_length(&mut wrong, 10, 12);
        assert_eq!(wrong[0].1, b"99");
    }
}
