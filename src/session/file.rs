//! The native session file: `{"format": "hookscope-session", "version": 3,
//! "exported_at", "captures": [...], "exchanges": [...]}`, one record per
//! line. Bodies are stored exactly; parsed events and hookscope's own
//! answers are derived again when a file is read, while an answer that was
//! replaced (chosen, or the forward target's) is kept whole. Version 3 adds
//! the user's pins and notes on the capture records (`pinned`, `note`);
//! version 1 (captures only) and 2 files still read.

use std::io::{self, BufRead, Write};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::{Deserialize, Serialize};

use crate::capture::answer::{Replaced, ReplacedBy};
use crate::capture::{Answer, Received, RequestHead, Routes};
use crate::outbound::{Exchange, Failure, Origin, OutRequest, OutResponse, Outcome};
use crate::session::marks::{Mark, Marks};
use crate::task::Progress;

pub const FORMAT: &str = "hookscope-session";
pub const VERSION: u32 = 3;

/// The line between the captures and the exchanges, as `write` lays it out.
const EXCHANGES_LINE: &[u8] = b"],\"exchanges\":[";

/// What a session file holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SessionFile {
    pub captures: Vec<Received>,
    /// The requests hookscope sent, in the session's order (none in version 1).
    pub exchanges: Vec<Exchange>,
    /// Pins and notes, by the ids the captures have in the file (none
    /// before version 3).
    pub marks: Marks,
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not a hookscope session (format is {0})")]
    WrongFormat(String),
    #[error("session version {0} is newer than this hookscope reads (up to {VERSION})")]
    NewerVersion(u64),
    #[error("capture {index}: {reason}")]
    BadCapture { index: usize, reason: String },
    #[error("exchange {index}: {reason}")]
    BadExchange { index: usize, reason: String },
    #[error("cannot read it: {0}")]
    Io(String),
    #[error("line {line} is not where hookscope writes it; the file was changed by hand")]
    Layout { line: usize },
    #[error("cancelled")]
    Cancelled,
}

#[derive(Serialize)]
struct CaptureOut<'a> {
    id: u64,
    received_at: String,
    remote_addr: &'a str,
    method: &'a str,
    url: &'a str,
    /// Header values that are not UTF-8 are written with U+FFFD.
    headers: Vec<(&'a str, std::borrow::Cow<'a, str>)>,
    body: Option<&'a str>,
    body_base64: Option<String>,
    response_status: u16,
    /// Only for a replaced answer: hookscope's own are derived again.
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<ReplacedOut<'a>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pinned: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

#[derive(Deserialize)]
struct CaptureIn {
    id: u64,
    received_at: String,
    #[serde(default)]
    remote_addr: String,
    method: String,
    url: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_base64: Option<String>,
    response_status: u16,
    #[serde(default)]
    response: Option<ReplacedIn>,
    #[serde(default)]
    pinned: bool,
    #[serde(default)]
    note: String,
}

/// Bytes as `body` when they are UTF-8, else as `body_base64`.
#[derive(Serialize)]
struct BodyOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
}

impl<'a> BodyOut<'a> {
    fn of(bytes: &'a [u8]) -> Self {
        let text = std::str::from_utf8(bytes).ok();
        Self {
            body: text,
            body_base64: text.is_none().then(|| BASE64.encode(bytes)),
        }
    }
}

#[derive(Serialize)]
struct ReplacedOut<'a> {
    status: u16,
    headers: &'a [(String, String)],
    #[serde(flatten)]
    body: BodyOut<'a>,
    by: &'a ReplacedBy,
    verdict: &'a Answer,
}

#[derive(Deserialize)]
struct ReplacedIn {
    status: u16,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_base64: Option<String>,
    by: ReplacedBy,
    verdict: Answer,
}

#[derive(Serialize)]
struct ExchangeOut<'a> {
    id: u64,
    started_at: String,
    origin: &'a Origin,
    request: RequestOut<'a>,
    /// To the microsecond.
    elapsed_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<ResponseOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<&'a Failure>,
}

#[derive(Serialize)]
struct RequestOut<'a> {
    method: &'a str,
    url: &'a str,
    headers: &'a [(String, String)],
    #[serde(flatten)]
    body: BodyOut<'a>,
}

#[derive(Serialize)]
struct ResponseOut<'a> {
    status: u16,
    headers: &'a [(String, String)],
    #[serde(flatten)]
    body: BodyOut<'a>,
}

#[derive(Deserialize)]
struct ExchangeIn {
    id: u64,
    started_at: String,
    origin: Origin,
    request: MessageIn,
    elapsed_ms: f64,
    #[serde(default)]
    response: Option<MessageIn>,
    #[serde(default)]
    failure: Option<Failure>,
}

/// A request (with method and url) or a response (with status).
#[derive(Deserialize)]
struct MessageIn {
    #[serde(default)]
    method: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    status: u16,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    body_base64: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<u64>,
}

#[derive(Deserialize)]
struct FileIn {
    captures: Vec<CaptureIn>,
    #[serde(default)]
    exchanges: Vec<ExchangeIn>,
}

/// Writes captures, then exchanges, one per line, so that files diff well
/// and the same session always gives the same bytes. An exchange made from
/// a capture (a replay, a forward) is left out when that capture is not
/// written, so that an export of some captures names none it lacks.
pub fn write<'a>(
    out: &mut impl Write,
    captures: impl IntoIterator<Item = &'a Received>,
    exchanges: &[Exchange],
    exported_at: DateTime<FixedOffset>,
) -> io::Result<()> {
    write_marked(out, captures, exchanges, &Marks::default(), exported_at)
}

/// As [`write`], with the pins and notes of `marks` on their captures.
pub fn write_marked<'a>(
    out: &mut impl Write,
    captures: impl IntoIterator<Item = &'a Received>,
    exchanges: &[Exchange],
    marks: &Marks,
    exported_at: DateTime<FixedOffset>,
) -> io::Result<()> {
    write!(
        out,
        "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"exported_at\":\"{}\",\"captures\":[",
        exported_at.to_rfc3339_opts(SecondsFormat::Secs, false)
    )?;
    let mut written = Written::new(exchanges);
    for (i, capture) in captures.into_iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        write_marked_record(out, capture, marks.get(capture.id))?;
        written.note(capture.id);
    }
    out.write_all(b"\n")?;
    out.write_all(EXCHANGES_LINE)?;
    let kept = exchanges.iter().filter(|e| written.keeps(e));
    for (i, exchange) in kept.enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        write_exchange(out, exchange)?;
    }
    out.write_all(b"\n]}\n")
}

/// The capture an exchange was made from, if any.
pub fn capture_of(origin: &Origin) -> Option<u64> {
    match origin {
        Origin::Replay { capture } | Origin::Forward { capture, .. } => Some(*capture),
        Origin::Send | Origin::Scenario { .. } => None,
    }
}

/// Which captures that exchanges name were written.
pub(crate) struct Written {
    named: foldhash::HashMap<u64, bool>,
}

impl Written {
    pub(crate) fn new(exchanges: &[Exchange]) -> Self {
        Self {
            named: exchanges
                .iter()
                .filter_map(|e| capture_of(&e.origin))
                .map(|id| (id, false))
                .collect(),
        }
    }

    pub(crate) fn note(&mut self, capture: u64) {
        if let Some(seen) = self.named.get_mut(&capture) {
            *seen = true;
        }
    }

    pub(crate) fn keeps(&self, exchange: &Exchange) -> bool {
        capture_of(&exchange.origin).is_none_or(|id| self.named.get(&id) == Some(&true))
    }
}

/// One capture as a single line of JSON.
pub fn write_record(out: &mut impl Write, capture: &Received) -> io::Result<()> {
    write_marked_record(out, capture, None)
}

/// One capture and its mark as a single line of JSON.
fn write_marked_record(
    out: &mut impl Write,
    capture: &Received,
    mark: Option<&Mark>,
) -> io::Result<()> {
    let text = std::str::from_utf8(&capture.body).ok();
    let head = &capture.head;
    let response = match &capture.answer {
        Answer::Replaced(replaced) => Some(ReplacedOut {
            status: replaced.status,
            headers: &replaced.headers,
            body: BodyOut::of(&replaced.body),
            by: &replaced.by,
            verdict: &replaced.verdict,
        }),
        _ => None,
    };
    let record = CaptureOut {
        id: capture.id,
        received_at: capture.received_at_text(),
        remote_addr: head.remote(),
        method: head.method(),
        url: head.url(),
        headers: head.headers().map(|h| (h.name, h.value_text())).collect(),
        body: text,
        body_base64: text.is_none().then(|| BASE64.encode(&capture.body)),
        response_status: capture.status(),
        response,
        pinned: mark.is_some_and(|m| m.pinned),
        note: mark.map(|m| m.note.as_str()).filter(|n| !n.is_empty()),
    };
    serde_json::to_writer(out, &record).map_err(io::Error::from)
}

/// One exchange as a single line of JSON.
pub fn write_exchange(out: &mut impl Write, exchange: &Exchange) -> io::Result<()> {
    let request = &exchange.request;
    let (response, failure) = match &exchange.outcome.result {
        Ok(response) => (
            Some(ResponseOut {
                status: response.status,
                headers: &response.headers,
                body: BodyOut::of(&response.body),
            }),
            None,
        ),
        Err(failure) => (None, Some(failure)),
    };
    let record = ExchangeOut {
        id: exchange.id,
        started_at: exchange
            .started_at
            .to_rfc3339_opts(SecondsFormat::Millis, false),
        origin: &exchange.origin,
        request: RequestOut {
            method: &request.method,
            url: &request.url,
            headers: &request.headers,
            body: BodyOut::of(&request.body),
        },
        elapsed_ms: exchange.outcome.elapsed.as_micros() as f64 / 1000.0,
        response,
        failure,
    };
    serde_json::to_writer(out, &record).map_err(io::Error::from)
}

/// A capture from one record written by `write_record`.
pub fn read_record(json: &[u8], routes: &Routes) -> Result<Received, String> {
    read_marked_record(json, routes).map(|(capture, _)| capture)
}

/// A capture and its mark (when it has one) from one record.
fn read_marked_record(json: &[u8], routes: &Routes) -> Result<(Received, Option<Mark>), String> {
    let record: CaptureIn = serde_json::from_slice(json).map_err(|e| e.to_string())?;
    let mark = Mark {
        pinned: record.pinned,
        note: record.note.clone(),
    };
    let capture = capture_from(record, routes)?;
    Ok((capture, (!mark.is_empty()).then_some(mark)))
}

/// An exchange from one record written by `write_exchange`.
pub fn read_exchange(json: &[u8]) -> Result<Exchange, String> {
    let record: ExchangeIn = serde_json::from_slice(json).map_err(|e| e.to_string())?;
    exchange_from(record)
}

/// Reads a session file; answers are derived again with `routes`.
pub fn read(bytes: &[u8], routes: &Routes) -> Result<SessionFile, FileError> {
    let header: Header =
        serde_json::from_slice(bytes).map_err(|e| FileError::Json(e.to_string()))?;
    check_header(&header)?;
    let file: FileIn = serde_json::from_slice(bytes).map_err(|e| FileError::Json(e.to_string()))?;
    let mut marks = Marks::default();
    let captures = file
        .captures
        .into_iter()
        .enumerate()
        .map(|(index, record)| {
            let mark = Mark {
                pinned: record.pinned,
                note: record.note.clone(),
            };
            let capture = capture_from(record, routes)
                .map_err(|reason| FileError::BadCapture { index, reason })?;
            if !mark.is_empty() {
                marks.set(capture.id, mark);
            }
            Ok(capture)
        })
        .collect::<Result<_, _>>()?;
    let exchanges = file
        .exchanges
        .into_iter()
        .enumerate()
        .map(|(index, record)| {
            exchange_from(record).map_err(|reason| FileError::BadExchange { index, reason })
        })
        .collect::<Result<_, _>>()?;
    Ok(SessionFile {
        captures,
        exchanges,
        marks,
    })
}

/// Reads a session as `write` lays it out (a header line, then one capture
/// per line, then one exchange per line), holding one line at a time;
/// reports bytes to `progress` and stops when it is cancelled. `Layout`
/// means another layout of the same JSON: read it with `read` instead.
pub fn read_lines(
    mut input: impl BufRead,
    routes: &Routes,
    progress: &Progress,
) -> Result<SessionFile, FileError> {
    let io_error = |e: io::Error| FileError::Io(e.to_string());
    let mut line = Vec::new();
    let n = input.read_until(b'\n', &mut line).map_err(io_error)?;
    progress.advance(n as u64);
    let header = line
        .trim_ascii_end()
        .strip_suffix(b",\"captures\":[")
        .ok_or(FileError::Layout { line: 1 })?;
    let header: Header = serde_json::from_slice(&[header, b"}"].concat())
        .map_err(|_| FileError::Layout { line: 1 })?;
    check_header(&header)?;

    // Lines are read here and parsed in batches spread over the cores.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut file = SessionFile::default();
    let mut in_exchanges = false;
    let mut batch: Vec<(usize, Vec<u8>)> = Vec::with_capacity(BATCH_LINES);
    for line_number in 2.. {
        if progress.is_cancelled() {
            return Err(FileError::Cancelled);
        }
        line.clear();
        let n = input.read_until(b'\n', &mut line).map_err(io_error)?;
        progress.advance(n as u64);
        let text = line.trim_ascii();
        if n == 0 {
            return Err(FileError::Json(
                "the file ends before its captures and exchanges do: it was cut short".to_owned(),
            ));
        }
        if text == b"]}" {
            break;
        }
        if text == EXCHANGES_LINE && !in_exchanges {
            in_exchanges = true;
            continue;
        }
        if !line.ends_with(b"\n") {
            return Err(FileError::Json(
                "the file ends in the middle of a record: it was cut short".to_owned(),
            ));
        }
        let record = text.strip_suffix(b",").unwrap_or(text);
        if in_exchanges {
            let index = file.exchanges.len();
            let exchange = read_exchange(record).map_err(|reason| match record.first() {
                Some(b'{') => FileError::BadExchange { index, reason },
                _ => FileError::Layout { line: line_number },
            })?;
            file.exchanges.push(exchange);
            continue;
        }
        batch.push((line_number, record.to_vec()));
        if batch.len() == BATCH_LINES {
            read_batch(&mut batch, routes, workers, &mut file)?;
        }
    }
    read_batch(&mut batch, routes, workers, &mut file)?;
    line.clear();
    input.read_to_end(&mut line).map_err(io_error)?;
    if !line.trim_ascii().is_empty() {
        return Err(FileError::Json(
            "data after the end of the session".to_owned(),
        ));
    }
    Ok(file)
}
/// Records read from a session file at a time.
const BATCH_LINES: usize = 512;

/// Turns a batch of record lines into captures (and their marks),
/// appended in order.
fn read_batch(
    batch: &mut Vec<(usize, Vec<u8>)>,
    routes: &Routes,
    workers: usize,
    file: &mut SessionFile,
) -> Result<(), FileError> {
    let first_index = file.captures.len();
    let read = |(offset, (line_number, record)): (usize, &(usize, Vec<u8>))| {
        read_marked_record(record, routes).map_err(|reason| match record.first() {
            Some(b'{') => FileError::BadCapture {
                index: first_index + offset,
                reason,
            },
            _ => FileError::Layout { line: *line_number },
        })
    };
    let chunk = batch.len().div_ceil(workers.max(1)).max(1);
    type Read = Vec<(Received, Option<Mark>)>;
    let results: Vec<Result<Read, FileError>> = if workers <= 1 || batch.len() < 2 {
        vec![batch.iter().enumerate().map(read).collect()]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .chunks(chunk)
                .enumerate()
                .map(|(n, lines)| {
                    scope.spawn(move || {
                        lines
                            .iter()
                            .enumerate()
                            .map(|(i, line)| read((n * chunk + i, line)))
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(FileError::Io("a reader thread failed".to_owned())))
                })
                .collect()
        })
    };
    for result in results {
        for (capture, mark) in result? {
            if let Some(mark) = mark {
                file.marks.set(capture.id, mark);
            }
            file.captures.push(capture);
        }
    }
    batch.clear();
    Ok(())
}

fn check_header(header: &Header) -> Result<(), FileError> {
    match &header.format {
        Some(serde_json::Value::String(f)) if f == FORMAT => {}
        Some(other) => return Err(FileError::WrongFormat(other.to_string())),
        None => return Err(FileError::WrongFormat("missing".to_owned())),
    }
    match header.version {
        Some(v) if v > u64::from(VERSION) => return Err(FileError::NewerVersion(v)),
        Some(_) => {}
        None => return Err(FileError::Json("the session has no version".to_owned())),
    }
    Ok(())
}

fn capture_from(record: CaptureIn, routes: &Routes) -> Result<Received, String> {
    let received_at = DateTime::parse_from_rfc3339(&record.received_at)
        .map_err(|e| format!("received_at \"{}\": {e}", record.received_at))?;
    let body = body_from(record.body, record.body_base64)?;
    let head = RequestHead::new(
        &record.method,
        &record.url,
        &record.remote_addr,
        record.headers,
    );
    let mut capture = Received::loaded(
        record.id,
        received_at,
        head,
        body,
        Some(record.response_status),
        routes,
    );
    if let Some(response) = record.response {
        let body =
            body_from(response.body, response.body_base64).map_err(|e| format!("response: {e}"))?;
        capture.answer = Answer::Replaced(Box::new(Replaced {
            status: response.status,
            headers: response.headers,
            body: body.into_boxed_slice(),
            by: response.by,
            verdict: response.verdict,
        }));
    }
    Ok(capture)
}

fn exchange_from(record: ExchangeIn) -> Result<Exchange, String> {
    let started_at = DateTime::parse_from_rfc3339(&record.started_at)
        .map_err(|e| format!("started_at \"{}\": {e}", record.started_at))?;
    let elapsed_ms = record.elapsed_ms;
    if !(elapsed_ms.is_finite() && elapsed_ms >= 0.0) {
        return Err(format!("elapsed_ms {elapsed_ms} is not a duration"));
    }
    let request = record.request;
    if request.method.is_empty() || request.url.is_empty() {
        return Err("the request has no method or no url".to_owned());
    }
    let result = match (record.response, record.failure) {
        (Some(response), None) => Ok(OutResponse {
            status: response.status,
            headers: response.headers,
            body: body_from(response.body, response.body_base64)
                .map_err(|e| format!("response: {e}"))?
                .into_boxed_slice(),
        }),
        (None, Some(failure)) => Err(failure),
        _ => return Err("needs either a response or a failure".to_owned()),
    };
    Ok(Exchange {
        id: record.id,
        started_at,
        origin: record.origin,
        request: OutRequest {
            method: request.method,
            url: request.url,
            headers: request.headers,
            body: body_from(request.body, request.body_base64)
                .map_err(|e| format!("request: {e}"))?
                .into_boxed_slice(),
        },
        outcome: Outcome {
            // Microseconds, as written.
            elapsed: Duration::from_micros((elapsed_ms * 1000.0).round() as u64),
            result,
        },
    })
}

fn body_from(text: Option<String>, encoded: Option<String>) -> Result<Vec<u8>, String> {
    match (text, encoded) {
        (Some(text), None) => Ok(text.into_bytes()),
        (None, Some(encoded)) => BASE64
            .decode(encoded.as_bytes())
            .map_err(|e| format!("body_base64: {e}")),
        (None, None) => Ok(Vec::new()),
        (Some(_), Some(_)) => Err("has both body and body_base64".to_owned()),
    }
}
