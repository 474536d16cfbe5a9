//! The native session file: `{"format": "hookscope-session", "version": 1,
//! "exported_at", "captures": [...]}`. Bodies are stored exactly; parsed
//! events are derived again when a file is read.

use std::io::{self, BufRead, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::{Deserialize, Serialize};

use crate::capture::{Received, RequestHead, Routes};
use crate::task::Progress;

pub const FORMAT: &str = "hookscope-session";
pub const VERSION: u32 = 1;

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
}

#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<u64>,
}

#[derive(Deserialize)]
struct FileIn {
    captures: Vec<CaptureIn>,
}

/// Writes captures one per line, so that files diff well and the same
/// captures always give the same bytes.
pub fn write<'a>(
    out: &mut impl Write,
    captures: impl IntoIterator<Item = &'a Received>,
    exported_at: DateTime<FixedOffset>,
) -> io::Result<()> {
    write!(
        out,
        "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"exported_at\":\"{}\",\"captures\":[",
        exported_at.to_rfc3339_opts(SecondsFormat::Secs, false)
    )?;
    for (i, capture) in captures.into_iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        write_record(out, capture)?;
    }
    out.write_all(b"\n]}\n")
}

/// One capture as a single line of JSON.
pub fn write_record(out: &mut impl Write, capture: &Received) -> io::Result<()> {
    let text = std::str::from_utf8(&capture.body).ok();
    let head = &capture.head;
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
    };
    serde_json::to_writer(out, &record).map_err(io::Error::from)
}

/// A capture from one record written by `write_record`.
pub fn read_record(json: &[u8], routes: &Routes) -> Result<Received, String> {
    let record: CaptureIn = serde_json::from_slice(json).map_err(|e| e.to_string())?;
    capture_from(record, routes)
}

/// Reads a session file; answers are derived again with `routes`.
pub fn read(bytes: &[u8], routes: &Routes) -> Result<Vec<Received>, FileError> {
    let header: Header =
        serde_json::from_slice(bytes).map_err(|e| FileError::Json(e.to_string()))?;
    check_header(&header)?;
    let file: FileIn = serde_json::from_slice(bytes).map_err(|e| FileError::Json(e.to_string()))?;
    file.captures
        .into_iter()
        .enumerate()
        .map(|(index, record)| {
            capture_from(record, routes).map_err(|reason| FileError::BadCapture { index, reason })
        })
        .collect()
}

/// Reads a session as `write` lays it out (a header line, then one capture
/// per line), holding one line at a time; reports bytes to `progress` and
/// stops when it is cancelled. `Layout` means another layout of the same
/// JSON: read it with `read` instead.
pub fn read_lines(
    mut input: impl BufRead,
    routes: &Routes,
    progress: &Progress,
) -> Result<Vec<Received>, FileError> {
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
    let mut captures = Vec::new();
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
                "the file ends before its captures do: it was cut short".to_owned(),
            ));
        }
        if text == b"]}" {
            break;
        }
        if !line.ends_with(b"\n") {
            return Err(FileError::Json(
                "the file ends in the middle of a capture: it was cut short".to_owned(),
            ));
        }
        let record = text.strip_suffix(b",").unwrap_or(text);
        batch.push((line_number, record.to_vec()));
        if batch.len() == BATCH_LINES {
            read_batch(&mut batch, routes, workers, &mut captures)?;
        }
    }
    read_batch(&mut batch, routes, workers, &mut captures)?;
    line.clear();
    input.read_to_end(&mut line).map_err(io_error)?;
    if !line.trim_ascii().is_empty() {
        return Err(FileError::Json(
            "data after the end of the session".to_owned(),
        ));
    }
    Ok(captures)
}

/// Records read from a session file at a time.
const BATCH_LINES: usize = 512;

/// Turns a batch of record lines into captures, appended in order.
fn read_batch(
    batch: &mut Vec<(usize, Vec<u8>)>,
    routes: &Routes,
    workers: usize,
    captures: &mut Vec<Received>,
) -> Result<(), FileError> {
    let first_index = captures.len();
    let read = |(offset, (line_number, record)): (usize, &(usize, Vec<u8>))| {
        read_record(record, routes).map_err(|reason| match record.first() {
            Some(b'{') => FileError::BadCapture {
                index: first_index + offset,
                reason,
            },
            _ => FileError::Layout { line: *line_number },
        })
    };
    let chunk = batch.len().div_ceil(workers.max(1)).max(1);
    let results: Vec<Result<Vec<Received>, FileError>> = if workers <= 1 || batch.len() < 2 {
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
        captures.append(&mut result?);
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
    let body = match (record.body, record.body_base64) {
        (Some(text), None) => text.into_bytes(),
        (None, Some(encoded)) => BASE64
            .decode(encoded.as_bytes())
            .map_err(|e| format!("body_base64: {e}"))?,
        (None, None) => Vec::new(),
        (Some(_), Some(_)) => return Err("has both body and body_base64".to_owned()),
    };
    let head = RequestHead::new(
        &record.method,
        &record.url,
        &record.remote_addr,
        record.headers,
    );
    Ok(Received::loaded(
        record.id,
        received_at,
        head,
        body,
        Some(record.response_status),
        routes,
    ))
}
