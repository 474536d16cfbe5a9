//! HAR 1.2 export and import.
//!
//! Export writes what a browser's DevTools and `har-validator` expect: every
//! required field (numbers included), `log.pages` even when empty, absolute
//! request URLs and the response that was sent. hookscope's own facts go in
//! `_`-prefixed custom fields so that a HAR it wrote reads back exactly:
//!
//! - entry `_id` and `_remoteAddr`: the capture's id and sender;
//! - request `_url`: the request target as received, written only when the
//!   absolute `url` (percent-encoded to be a valid URI) does not give it back;
//! - postData `_bodyBase64`: the exact bytes of a body that is not UTF-8
//!   (`text` is then empty).
//!
//! After the captures, each request hookscope sent (an exchange) is an entry
//! of its own: the request as sent and the target's answer, or status 0 with
//! the reason in response `_error` when none came. Its entry `_hookscope`
//! holds `exchange` (the id), `origin` and, for a failure, `failure`.
//!
//! Import takes each entry's request as a capture, except hookscope's
//! exchange entries, which are read back as exchanges, and tolerates what
//! browsers write (`postData.params`, no `postData`, unknown fields, `Z`
//! times).

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, FixedOffset};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::capture::answer::reason_phrase;
use crate::capture::{Answer, Received, Refusal, RequestHead, Routes};
use crate::hs::EntityType;
use crate::hs::envelope::json_kind;
use crate::outbound::{Exchange, Failure, Origin, OutRequest, OutResponse, Outcome};
use crate::session::file::{self, SessionFile};
use crate::session::marks::{Mark, Marks};

/// Where requests without a `Host` header are said to have gone when a
/// session file is exported from the command line: the default listener.
pub const DEFAULT_ORIGIN: &str = "http://127.0.0.1:8090";

const HTTP_VERSION: &str = "HTTP/1.1";
const NOT_UTF8_COMMENT: &str = "the body is not UTF-8: its exact bytes are in _bodyBase64";

#[derive(Debug, thiserror::Error)]
pub enum HarError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not a HAR file: {0}")]
    NotHar(String),
    #[error("the HAR file has no entries (log.entries is empty)")]
    NoEntries,
    #[error("HAR entry {index}: {reason}")]
    BadEntry { index: usize, reason: String },
}

// ---------------------------------------------------------------------------
// Export

/// HAR 1.2 of these captures, then of these exchanges, streamed to `out`
/// one entry per line. As in a session file, an exchange made from a capture
/// that is not written is left out.
///
/// `origin` (such as `"http://127.0.0.1:8090"`) makes request URLs absolute
/// when a capture has no usable `Host` header.
pub fn write<'a>(
    out: &mut impl Write,
    captures: impl IntoIterator<Item = &'a Received>,
    exchanges: &[Exchange],
    origin: &str,
) -> io::Result<()> {
    write_marked(out, captures, exchanges, &Marks::default(), origin)
}

/// As [`write`], with each capture's pin and note as the entry's
/// `_hookscope_pinned` and `_hookscope_note`.
pub fn write_marked<'a>(
    out: &mut impl Write,
    captures: impl IntoIterator<Item = &'a Received>,
    exchanges: &[Exchange],
    marks: &Marks,
    origin: &str,
) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(64 * 1024, out);
    write!(
        out,
        "{{\"log\":{{\"version\":\"1.2\",\"creator\":{{\"name\":\"hookscope\",\"version\":\"{}\"}},\"pages\":[],\"entries\":[",
        env!("CARGO_PKG_VERSION")
    )?;
    let origin = origin.trim_end_matches('/');
    let mut written = file::Written::new(exchanges);
    let mut first = true;
    for capture in captures {
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        let mut entry = EntryOut::of(capture, origin);
        if let Some(mark) = marks.get(capture.id) {
            entry.pinned = mark.pinned;
            entry.note = Some(mark.note.as_str()).filter(|n| !n.is_empty());
        }
        serde_json::to_writer(&mut out, &entry)?;
        written.note(capture.id);
    }
    for exchange in exchanges.iter().filter(|e| written.keeps(e)) {
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        serde_json::to_writer(&mut out, &ExchangeEntryOut::of(exchange))?;
    }
    out.write_all(b"\n]}}\n")?;
    out.flush()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntryOut<'a> {
    started_date_time: String,
    time: u32,
    request: RequestOut<'a>,
    response: ResponseOut<'a>,
    cache: Empty,
    timings: Timings<u32>,
    #[serde(rename = "_id")]
    id: u64,
    #[serde(rename = "_remoteAddr")]
    remote_addr: &'a str,
    #[serde(
        rename = "_hookscope_pinned",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pinned: bool,
    #[serde(rename = "_hookscope_note", skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestOut<'a> {
    method: &'a str,
    url: String,
    http_version: &'static str,
    cookies: &'static [Empty],
    headers: Headers<'a>,
    query_string: Vec<NameValue<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    post_data: Option<PostDataOut<'a>>,
    headers_size: i64,
    body_size: i64,
    #[serde(rename = "_url", skip_serializing_if = "Option::is_none")]
    exact_url: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PostDataOut<'a> {
    mime_type: std::borrow::Cow<'a, str>,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'static str>,
    #[serde(rename = "_bodyBase64", skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseOut<'a> {
    status: u16,
    status_text: &'static str,
    http_version: &'static str,
    cookies: &'static [Empty],
    headers: ResponseHeaders<'a>,
    content: ContentOut<'a>,
    #[serde(rename = "redirectURL")]
    redirect_url: &'static str,
    headers_size: i64,
    body_size: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContentOut<'a> {
    size: i64,
    mime_type: &'a str,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
}

#[derive(Serialize)]
struct NameValue<V> {
    name: V,
    value: V,
}

/// Whole milliseconds for a capture (no time is known), fractions for an
/// exchange.
#[derive(Serialize)]
struct Timings<T> {
    send: T,
    wait: T,
    receive: T,
}

/// Serialises as `{}`.
#[derive(Serialize)]
struct Empty {}

/// Request headers as HAR `{name, value}` objects; values that are not
/// UTF-8 are written with U+FFFD.
struct Headers<'a>(&'a RequestHead);

impl Serialize for Headers<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.headers().map(|h| NameValue {
            name: std::borrow::Cow::Borrowed(h.name),
            value: h.value_text(),
        }))
    }
}

impl<'a> EntryOut<'a> {
    fn of(capture: &'a Received, origin: &str) -> Self {
        let head = &capture.head;
        let url = absolute_url(head, origin);
        let exact_url = (request_target(&url) != head.url()).then_some(head.url());
        let query_string = query_pairs(&url);
        let post_data = (!capture.body.is_empty()).then(|| {
            let mime_type = head
                .header("content-type")
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            match std::str::from_utf8(&capture.body) {
                Ok(text) => PostDataOut {
                    mime_type,
                    text,
                    comment: None,
                    body_base64: None,
                },
                Err(_) => PostDataOut {
                    mime_type,
                    text: "",
                    comment: Some(NOT_UTF8_COMMENT),
                    body_base64: Some(BASE64.encode(&capture.body)),
                },
            }
        });
        // A replaced answer is written as sent, hookscope's own as derived.
        let replaced = match &capture.answer {
            Answer::Replaced(replaced) => Some(&**replaced),
            _ => None,
        };
        let (response_body, encoding, response_size, mime_type) = match replaced {
            Some(replaced) => {
                let (text, encoding) = match std::str::from_utf8(&replaced.body) {
                    Ok(text) => (text.to_owned(), None),
                    Err(_) => (BASE64.encode(&replaced.body), Some("base64")),
                };
                let mime_type = header(&replaced.headers, "content-type").unwrap_or_default();
                (text, encoding, replaced.body.len(), mime_type)
            }
            None => {
                let body = capture.response_body();
                let size = body.len();
                (body, None, size, "application/json")
            }
        };
        let status = capture.status();
        EntryOut {
            started_date_time: capture.received_at_text(),
            time: 0,
            request: RequestOut {
                method: head.method(),
                url,
                http_version: HTTP_VERSION,
                cookies: &[],
                headers: Headers(head),
                query_string,
                post_data,
                headers_size: request_headers_size(head),
                body_size: capture.body.len() as i64,
                exact_url,
            },
            response: ResponseOut {
                status,
                status_text: reason_phrase(status),
                http_version: HTTP_VERSION,
                cookies: &[],
                headers: ResponseHeaders {
                    replaced: replaced.map(|r| &r.headers[..]),
                    content_length: response_size,
                },
                content: ContentOut {
                    size: response_size as i64,
                    mime_type,
                    text: response_body,
                    encoding,
                },
                redirect_url: "",
                headers_size: -1,
                body_size: response_size as i64,
            },
            cache: Empty {},
            timings: Timings {
                send: 0,
                wait: 0,
                receive: 0,
            },
            id: capture.id,
            remote_addr: head.remote(),
            pinned: false,
            note: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExchangeEntryOut<'a> {
    started_date_time: String,
    time: f64,
    request: SentRequestOut<'a>,
    response: SentResponseOut<'a>,
    cache: Empty,
    timings: Timings<f64>,
    #[serde(rename = "_hookscope")]
    hookscope: ExchangeMark<'a>,
}

/// What tells an exchange's entry from a capture's.
#[derive(Serialize)]
struct ExchangeMark<'a> {
    exchange: u64,
    origin: &'a Origin,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<&'a Failure>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SentRequestOut<'a> {
    method: &'a str,
    url: String,
    http_version: &'static str,
    cookies: &'static [Empty],
    headers: Vec<NameValue<&'a str>>,
    query_string: Vec<NameValue<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    post_data: Option<PostDataOut<'a>>,
    headers_size: i64,
    body_size: i64,
    #[serde(rename = "_url", skip_serializing_if = "Option::is_none")]
    exact_url: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SentResponseOut<'a> {
    status: u16,
    status_text: &'static str,
    http_version: &'static str,
    cookies: &'static [Empty],
    headers: Vec<NameValue<&'a str>>,
    content: SentContentOut<'a>,
    #[serde(rename = "redirectURL")]
    redirect_url: &'a str,
    headers_size: i64,
    body_size: i64,
    /// Why there is no answer, as Chrome writes it.
    #[serde(rename = "_error", skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SentContentOut<'a> {
    size: i64,
    mime_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<std::borrow::Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
}

fn name_values(headers: &[(String, String)]) -> Vec<NameValue<&str>> {
    headers
        .iter()
        .map(|(name, value)| NameValue {
            name: name.as_str(),
            value: value.as_str(),
        })
        .collect()
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A body as postData: its text, or its exact bytes in `_bodyBase64`.
fn post_data<'a>(mime_type: std::borrow::Cow<'a, str>, body: &'a [u8]) -> Option<PostDataOut<'a>> {
    (!body.is_empty()).then(|| match std::str::from_utf8(body) {
        Ok(text) => PostDataOut {
            mime_type,
            text,
            comment: None,
            body_base64: None,
        },
        Err(_) => PostDataOut {
            mime_type,
            text: "",
            comment: Some(NOT_UTF8_COMMENT),
            body_base64: Some(BASE64.encode(body)),
        },
    })
}

impl<'a> ExchangeEntryOut<'a> {
    fn of(exchange: &'a Exchange) -> Self {
        let request = &exchange.request;
        let mut url = String::with_capacity(request.url.len());
        push_uri_encoded(&mut url, &request.url);
        let exact_url = (url != request.url).then_some(request.url.as_str());
        let query_string = query_pairs(&url);
        let mime_type = header(&request.headers, "content-type").unwrap_or_default();
        let time = exchange.outcome.elapsed.as_micros() as f64 / 1000.0;
        let (response, failure) = match &exchange.outcome.result {
            Ok(response) => (SentResponseOut::of(response), None),
            Err(failure) => (SentResponseOut::none(failure), Some(failure)),
        };
        ExchangeEntryOut {
            started_date_time: exchange
                .started_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
            time,
            request: SentRequestOut {
                method: &request.method,
                url,
                http_version: HTTP_VERSION,
                cookies: &[],
                headers: name_values(&request.headers),
                query_string,
                post_data: post_data(mime_type.into(), &request.body),
                headers_size: -1,
                body_size: request.body.len() as i64,
                exact_url,
            },
            response,
            cache: Empty {},
            timings: Timings {
                send: 0.0,
                wait: time,
                receive: 0.0,
            },
            hookscope: ExchangeMark {
                exchange: exchange.id,
                origin: &exchange.origin,
                failure,
            },
        }
    }
}

impl<'a> SentResponseOut<'a> {
    fn of(response: &'a OutResponse) -> Self {
        let (text, encoding) = match std::str::from_utf8(&response.body) {
            Ok(text) => (text.into(), None),
            Err(_) => (BASE64.encode(&response.body).into(), Some("base64")),
        };
        SentResponseOut {
            status: response.status,
            status_text: reason_phrase(response.status),
            http_version: HTTP_VERSION,
            cookies: &[],
            headers: name_values(&response.headers),
            content: SentContentOut {
                size: response.body.len() as i64,
                mime_type: header(&response.headers, "content-type").unwrap_or_default(),
                text: Some(text),
                encoding,
            },
            redirect_url: header(&response.headers, "location").unwrap_or_default(),
            headers_size: -1,
            body_size: response.body.len() as i64,
            error: None,
        }
    }

    /// No answer came: status 0 and why, as browsers write a failed request.
    fn none(failure: &Failure) -> Self {
        SentResponseOut {
            status: 0,
            status_text: "",
            http_version: "",
            cookies: &[],
            headers: Vec::new(),
            content: SentContentOut {
                size: 0,
                mime_type: "",
                text: None,
                encoding: None,
            },
            redirect_url: "",
            headers_size: -1,
            body_size: -1,
            error: Some(failure.to_string()),
        }
    }
}

/// `Content-Type` and `Content-Length`, as the listener answers; or a
/// replaced answer's headers and its `Content-Length`.
struct ResponseHeaders<'a> {
    replaced: Option<&'a [(String, String)]>,
    content_length: usize,
}

impl Serialize for ResponseHeaders<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let length = self.content_length.to_string();
        if let Some(headers) = self.replaced {
            let mut all = name_values(headers);
            all.push(NameValue {
                name: "Content-Length",
                value: length.as_str(),
            });
            return serializer.collect_seq(all);
        }
        serializer.collect_seq([
            NameValue {
                name: "Content-Type",
                value: "application/json",
            },
            NameValue {
                name: "Content-Length",
                value: length.as_str(),
            },
        ])
    }
}

/// The request as a URI: `http://{Host}{url}`, or `origin` when the Host
/// header is missing or not a plain authority. Characters a URI may not hold
/// are percent-encoded.
fn absolute_url(head: &RequestHead, origin: &str) -> String {
    let target = head.url();
    let mut url = String::with_capacity(origin.len() + target.len() + 16);
    if has_scheme(target) {
        push_uri_encoded(&mut url, target);
        return url;
    }
    let host = head
        .header("host")
        .and_then(|h| std::str::from_utf8(h).ok());
    match host.filter(|h| is_authority(h)) {
        Some(host) => {
            url.push_str("http://");
            url.push_str(host);
        }
        None => url.push_str(origin),
    }
    if !target.starts_with('/') {
        url.push('/');
    }
    push_uri_encoded(&mut url, target);
    url
}

fn has_scheme(url: &str) -> bool {
    let lower = |n: usize| url.get(..n).map(str::to_ascii_lowercase);
    lower(7).as_deref() == Some("http://") || lower(8).as_deref() == Some("https://")
}

fn is_authority(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:[]%!$&'()*+,;=".contains(&b))
}

/// Appends `text` with every byte a URI may not hold percent-encoded. `#` is
/// encoded too: a request target has no fragment, so a `#` in it is literal.
fn push_uri_encoded(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~:/?@!$&'()*+,;=".contains(&b)
            || (b == b'%'
                && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit));
        if keep {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// Path and query of a URL (`http://host/job?x=1#f` → `/job?x=1`); a URL
/// without a scheme is returned as it is.
fn request_target(url: &str) -> String {
    let Some(rest) = url.find("://").and_then(|i| {
        let scheme = &url[..i];
        (!scheme.is_empty()
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)))
        .then(|| &url[i + 3..])
    }) else {
        return url.to_owned();
    };
    let start = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let target = rest[start..].split('#').next().unwrap_or("");
    if target.starts_with('/') {
        target.to_owned()
    } else {
        format!("/{target}")
    }
}

/// The URL's query as decoded `name=value` pairs.
fn query_pairs(url: &str) -> Vec<NameValue<String>> {
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    let query = query.split('#').next().unwrap_or("");
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            NameValue {
                name: percent_decode(name),
                value: percent_decode(value),
            }
        })
        .collect()
}

/// Form decoding: `%XX` escapes and `+` for space; invalid UTF-8 is replaced.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if let Some(byte) = bytes
                .get(i + 1..i + 3)
                .and_then(|pair| hex_pair(pair[0], pair[1])) =>
            {
                out.push(byte);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_pair(high: u8, low: u8) -> Option<u8> {
    let digit = |b: u8| (b as char).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

/// The size of the request line and headers as received (HTTP/1.1 framing).
fn request_headers_size(head: &RequestHead) -> i64 {
    let line = head.method().len() + 1 + head.url().len() + 1 + HTTP_VERSION.len() + 2;
    let headers: usize = head
        .headers()
        .map(|h| h.name.len() + 2 + h.value.len() + 2)
        .sum();
    (line + headers + 2) as i64
}

// ---------------------------------------------------------------------------
// Import

/// Captures from a HAR file: each entry's request becomes a capture (method,
/// URL as path and query, headers in order, body, time, response status).
/// `source` (the file name) is what `remote_addr` shows unless the entry
/// carries hookscope's own `_remoteAddr`. Answers are derived with `routes`.
/// Entries marked `_hookscope` are hookscope's exchanges and read as such.
pub fn read(bytes: &[u8], routes: &Routes, source: &str) -> Result<SessionFile, HarError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut doc: Value =
        serde_json::from_slice(bytes).map_err(|e| HarError::Json(e.to_string()))?;
    let entries = take_entries(&mut doc)?;
    if entries.is_empty() {
        return Err(HarError::NoEntries);
    }
    drop(doc);

    let mut read = Vec::with_capacity(entries.len());
    let mut exchanges = Vec::new();
    let mut marks = Marks::default();
    for (index, entry) in entries.into_iter().enumerate() {
        let bad = |reason| HarError::BadEntry { index, reason };
        if entry.get("_hookscope").is_some() {
            exchanges.push(exchange_of(entry).map_err(bad)?);
        } else {
            let mark = Mark {
                pinned: entry.get("_hookscope_pinned") == Some(&Value::Bool(true)),
                note: entry
                    .get("_hookscope_note")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            };
            let (capture, id) = capture_of(entry, routes, source).map_err(bad)?;
            // Only entries with hookscope's own id can carry a mark.
            if let Some(id) = id
                && !mark.is_empty()
            {
                marks.set(id, mark);
            }
            read.push((capture, id));
        }
    }
    // Entries from other tools have no `_id`: number them after the others.
    let mut next_id = read
        .iter()
        .filter_map(|(_, id)| *id)
        .max()
        .map_or(1, |max| max.saturating_add(1));
    let captures = read
        .into_iter()
        .map(|(mut capture, id)| {
            capture.id = id.unwrap_or_else(|| {
                let id = next_id;
                next_id = next_id.saturating_add(1);
                id
            });
            capture
        })
        .collect();
    Ok(SessionFile {
        captures,
        exchanges,
        marks,
    })
}

/// An exchange from the entry hookscope wrote for it.
fn exchange_of(mut entry: Value) -> Result<Exchange, String> {
    let Value::Object(entry) = &mut entry else {
        return Err(format!("the entry is {}, not an object", json_kind(&entry)));
    };
    let mark = entry.remove("_hookscope").unwrap_or_default();
    let id = mark
        .get("exchange")
        .and_then(Value::as_u64)
        .ok_or("_hookscope has no exchange id")?;
    let origin: Origin = serde_json::from_value(mark.get("origin").cloned().unwrap_or_default())
        .map_err(|e| format!("_hookscope.origin: {e}"))?;
    let failure: Option<Failure> = match mark.get("failure") {
        Some(failure) => Some(
            serde_json::from_value(failure.clone())
                .map_err(|e| format!("_hookscope.failure: {e}"))?,
        ),
        None => None,
    };
    let started = entry
        .get("startedDateTime")
        .and_then(Value::as_str)
        .ok_or("the entry has no startedDateTime")?;
    let started_at = parse_time(started)
        .ok_or_else(|| format!("startedDateTime \"{started}\" is not a date"))?;
    let time = entry.get("time").and_then(Value::as_f64).unwrap_or(0.0);
    let elapsed = std::time::Duration::from_micros((time.max(0.0) * 1000.0).round() as u64);

    let Some(Value::Object(request)) = entry.get_mut("request") else {
        return Err("the entry has no request object".to_owned());
    };
    let method = take_string(request, "method")
        .filter(|m| !m.is_empty())
        .ok_or("the request has no method")?;
    let url = take_string(request, "_url")
        .or_else(|| take_string(request, "url"))
        .filter(|u| !u.is_empty())
        .ok_or("the request has no url")?;
    let headers = headers_of(request);
    let body = body_of(request)?.into_boxed_slice();
    let request = OutRequest {
        method,
        url,
        headers,
        body,
    };

    let result = match failure {
        Some(failure) => Err(failure),
        None => {
            let Some(Value::Object(response)) = entry.get_mut("response") else {
                return Err("the entry has no response object".to_owned());
            };
            let status = response
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .ok_or("the response has no status")?;
            let headers = headers_of(response);
            let content = response.get("content");
            let text = content
                .and_then(|c| c.get("text"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let base64 = content
                .and_then(|c| c.get("encoding"))
                .and_then(Value::as_str)
                .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
            let body = if base64 {
                BASE64
                    .decode(text.trim().as_bytes())
                    .map_err(|e| format!("response content is not base64: {e}"))?
            } else {
                text.as_bytes().to_vec()
            };
            Ok(OutResponse {
                status,
                headers,
                body: body.into_boxed_slice(),
            })
        }
    };
    Ok(Exchange {
        id,
        started_at,
        origin,
        request,
        outcome: Outcome { elapsed, result },
    })
}

fn headers_of(message: &mut Map<String, Value>) -> Vec<(String, String)> {
    match message.get_mut("headers") {
        Some(Value::Array(items)) => items.iter_mut().filter_map(header_of).collect(),
        _ => Vec::new(),
    }
}

fn take_entries(doc: &mut Value) -> Result<Vec<Value>, HarError> {
    let not_har = |reason: &str| HarError::NotHar(reason.to_owned());
    let Value::Object(top) = doc else {
        return Err(HarError::NotHar(format!(
            "the top level is {}, not an object with log.entries",
            json_kind(doc)
        )));
    };
    let log = match top.get_mut("log") {
        Some(Value::Object(log)) => log,
        Some(other) => {
            return Err(HarError::NotHar(format!(
                "log is {}, not an object",
                json_kind(other)
            )));
        }
        None => return Err(not_har("it has no \"log\" object")),
    };
    match log.get_mut("entries") {
        Some(Value::Array(entries)) => Ok(std::mem::take(entries)),
        Some(other) => Err(HarError::NotHar(format!(
            "log.entries is {}, not an array",
            json_kind(other)
        ))),
        None => Err(not_har("log.entries is missing")),
    }
}

/// One entry as a capture and its `_id`, if it has one.
fn capture_of(
    mut entry: Value,
    routes: &Routes,
    source: &str,
) -> Result<(Received, Option<u64>), String> {
    let Value::Object(entry) = &mut entry else {
        return Err(format!("the entry is {}, not an object", json_kind(&entry)));
    };
    let Some(Value::Object(request)) = entry.get_mut("request") else {
        return Err("the entry has no request object".to_owned());
    };
    let method = take_string(request, "method")
        .filter(|m| !m.is_empty())
        .ok_or("the request has no method")?;
    let har_url = take_string(request, "url")
        .filter(|u| !u.is_empty())
        .ok_or("the request has no url")?;
    let url = take_string(request, "_url")
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| request_target(&har_url));
    let headers = headers_of(request);
    let body = body_of(request)?;

    let started = entry
        .get("startedDateTime")
        .and_then(Value::as_str)
        .ok_or("the entry has no startedDateTime")?;
    let received_at = parse_time(started)
        .ok_or_else(|| format!("startedDateTime \"{started}\" is not a date"))?;
    let status = entry
        .get("response")
        .and_then(|r| r.get("status"))
        .and_then(Value::as_u64)
        .filter(|s| (100..=999).contains(s))
        .map(|s| s as u16);
    let id = entry.get("_id").and_then(|id| match id {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    });
    let remote_addr = take_string(entry, "_remoteAddr").unwrap_or_else(|| source.to_owned());

    let head = RequestHead::new(&method, &url, &remote_addr, headers);
    let mut capture = Received::loaded(0, received_at, head, body, status, routes);
    // A body refused unread: the cap is in the response that was sent.
    if let Answer::Refused(refusal) = &mut capture.answer
        && let Refusal::TooLarge { cap, .. } = &mut **refusal
    {
        *cap = entry
            .get("response")
            .and_then(|r| r.get("content"))
            .and_then(|c| c.get("text"))
            .and_then(Value::as_str)
            .and_then(|text| serde_json::from_str::<Value>(text).ok())
            .and_then(|body| body.get("max_body").and_then(Value::as_u64));
    }
    Ok((capture, id))
}

fn take_string(map: &mut Map<String, Value>, key: &str) -> Option<String> {
    match map.get_mut(key) {
        Some(Value::String(s)) => Some(std::mem::take(s)),
        _ => None,
    }
}

/// A `{name, value}` header; items without a name are skipped, values that
/// are not strings are written out.
fn header_of(item: &mut Value) -> Option<(String, String)> {
    let Value::Object(item) = item else {
        return None;
    };
    let name = take_string(item, "name")?;
    let value = match item.get_mut("value") {
        Some(Value::String(s)) => std::mem::take(s),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    Some((name, value))
}

/// The request body: `_bodyBase64` when present, else `postData.text`
/// (base64 when `encoding` says so), else `postData.params` form-encoded,
/// else empty.
fn body_of(request: &mut Map<String, Value>) -> Result<Vec<u8>, String> {
    let decode = |encoded: &str, field: &str| {
        BASE64
            .decode(encoded.trim().as_bytes())
            .map_err(|e| format!("{field} is not base64: {e}"))
    };
    if let Some(encoded) = request.get("_bodyBase64").and_then(Value::as_str) {
        return decode(encoded, "request._bodyBase64");
    }
    let Some(Value::Object(post)) = request.get_mut("postData") else {
        return Ok(Vec::new());
    };
    if let Some(encoded) = post.get("_bodyBase64").and_then(Value::as_str) {
        return decode(encoded, "postData._bodyBase64");
    }
    let base64_text = post
        .get("encoding")
        .and_then(Value::as_str)
        .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
    let params = match post.get("params") {
        Some(Value::Array(params)) => params.as_slice(),
        _ => &[],
    };
    let text = post.get("text").and_then(Value::as_str).unwrap_or("");
    if text.is_empty() && !params.is_empty() {
        return Ok(form_encode(params).into_bytes());
    }
    if base64_text {
        return decode(text, "postData.text");
    }
    Ok(take_string(post, "text").unwrap_or_default().into_bytes())
}

/// `name=value&…` from HAR params, as a browser would have sent the form.
fn form_encode(params: &[Value]) -> String {
    let mut out = String::new();
    for param in params {
        let Some(name) = param.get("name").and_then(Value::as_str) else {
            continue;
        };
        let value = param.get("value").and_then(Value::as_str).unwrap_or("");
        if !out.is_empty() {
            out.push('&');
        }
        push_form_encoded(&mut out, name);
        out.push('=');
        push_form_encoded(&mut out, value);
    }
    out
}

fn push_form_encoded(out: &mut String, text: &str) {
    for &b in text.as_bytes() {
        match b {
            b' ' => out.push('+'),
            b if b.is_ascii_alphanumeric() || b"-._*".contains(&b) => out.push(b as char),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
}

/// RFC 3339 (`Z` or `+02:00`), or ISO 8601 with a `+0200` offset.
fn parse_time(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .or_else(|| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z").ok())
}

// ---------------------------------------------------------------------------
// Webhook paths of a file

/// A session file does not say which paths were the webhook paths, and the
/// response body is derived from them. When the default paths do not explain
/// the statuses that were sent, the paths are inferred from the captures
/// that were not refused (404/405) and the answers derived again. Takes
/// captures read with the default paths; returns them with the paths used.
pub fn with_inferred_routes(captures: Vec<Received>) -> (Vec<Received>, Routes) {
    if !captures
        .iter()
        .any(|c| matches!(c.answer, Answer::Recorded(_)))
    {
        return (captures, Routes::default());
    }
    let routes = infer_routes(&captures);
    if routes == Routes::default() {
        return (captures, routes);
    }
    let captures = captures
        .into_iter()
        .map(|c| {
            let status = c.status();
            Received::loaded(
                c.id,
                c.received_at,
                c.head,
                c.body.into_vec(),
                Some(status),
                &routes,
            )
        })
        .collect();
    (captures, routes)
}

fn infer_routes(captures: &[Received]) -> Routes {
    use std::collections::BTreeMap;
    let mut job: BTreeMap<&str, usize> = BTreeMap::new();
    let mut candidate: BTreeMap<&str, usize> = BTreeMap::new();
    for c in captures {
        if matches!(c.status(), 404 | 405) || !c.head.method().eq_ignore_ascii_case("POST") {
            continue;
        }
        let path = crate::capture::summary::path_of(c.head.url());
        let Ok(elements) = crate::hs::parse_body(c.content()) else {
            continue;
        };
        for envelope in elements.iter().flatten() {
            match envelope.entity {
                EntityType::Job => *job.entry(path).or_default() += 1,
                EntityType::Candidate => *candidate.entry(path).or_default() += 1,
                EntityType::Unknown(_) => {}
            }
        }
    }
    let most = |counts: BTreeMap<&str, usize>| {
        counts
            .into_iter()
            .max_by_key(|&(_, n)| n)
            .map(|(path, _)| path.to_owned())
    };
    let defaults = Routes::default();
    Routes {
        job_path: most(job).unwrap_or(defaults.job_path),
        candidate_path: most(candidate).unwrap_or(defaults.candidate_path),
    }
}
