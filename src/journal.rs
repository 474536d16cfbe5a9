//! The crash journal: every capture is appended here before its HTTP response
//! is sent, so that a webhook hookscope acknowledged survives the process
//! being killed.
//!
//! A journal is `DATA_DIR/journals/<UTC yyyymmddThhmmss.mmm>-<pid>.jsonl`.
//! Its first line is a header,
//! `{"format":"hookscope-journal","version":2,"started_at":"…"}`; then come
//! the records. A version 2 record is a line of JSON with the capture's
//! facts and its body's length, then the body's bytes as received and a
//! newline: bodies are copied, never escaped. (Version 1 journals, one
//! session-file record per line, are still read.) The process that writes a journal holds an
//! exclusive lock on it for as long as it lives, so a journal whose lock can
//! be taken belongs to a process that is gone: it is *unfinished*. A clean
//! close removes the journal ([`Journal::finish`]).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::capture::{self, Answer, Received, RequestHead, Routes};
use crate::session::file;

pub const FORMAT: &str = "hookscope-journal";
pub const VERSION: u32 = 2;

/// The folder of `data_dir` that holds the journals.
pub const DIR: &str = "journals";
const EXTENSION: &str = "jsonl";

/// Serialises picking a journal name within this process (other processes
/// have another pid in theirs).
static NAMING: Mutex<()> = Mutex::new(());
/// Makes temporary names unique within this process.
static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot read the journal {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path} is not a hookscope journal: {reason}")]
    Header { path: PathBuf, reason: String },
    #[error("journal {path}, line {line}: {reason}")]
    BadLine {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("journal {path}, record {record}: {reason}")]
    BadRecord {
        path: PathBuf,
        record: usize,
        reason: String,
    },
}

/// The journal of the running process.
pub struct Journal {
    path: PathBuf,
    inner: Mutex<Inner>,
}

struct Inner {
    file: File,
    /// Bytes in the file, header included: where the next record starts.
    len: u64,
    /// Set when a failed write could not be undone: the file may end with a
    /// partial record, so nothing more may be appended after it.
    broken: Option<String>,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish()
    }
}

impl Journal {
    /// Creates `data_dir/journals/<UTC yyyymmddThhmmss.mmm>-<pid>.jsonl` (and
    /// its folders), writes the header line and holds the file under an
    /// exclusive lock while the process lives.
    ///
    /// The file is written and locked under a temporary name first and only
    /// then renamed into place, so [`unfinished`] never sees a journal that
    /// is not locked yet.
    pub fn create(data_dir: &Path) -> io::Result<Journal> {
        let dir = data_dir.join(DIR);
        fs::create_dir_all(&dir)?;
        let now = Utc::now();
        let pid = std::process::id();
        let temp = dir.join(format!(
            ".{}-{pid}-{}.tmp",
            now.format("%Y%m%dT%H%M%S%.3f"),
            TEMP_SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        let prepared = (|| {
            file.try_lock().map_err(io::Error::from)?;
            let started_at = now
                .with_timezone(&chrono::Local)
                .fixed_offset()
                .to_rfc3339_opts(SecondsFormat::Millis, false);
            let header = serde_json::json!({
                "format": FORMAT,
                "version": VERSION,
                "started_at": started_at,
            });
            let mut line = header.to_string().into_bytes();
            line.push(b'\n');
            file.write_all(&line)?;
            Ok::<u64, io::Error>(line.len() as u64)
        })();
        let len = match prepared {
            Ok(len) => len,
            Err(e) => {
                let _ = fs::remove_file(&temp);
                return Err(e);
            }
        };

        // Names are unique per process: only this process uses its pid, and
        // within it the lock keeps two journals of the same millisecond apart.
        let stem = format!("{}-{pid}", now.format("%Y%m%dT%H%M%S%.3f"));
        let guard = NAMING.lock().unwrap_or_else(|e| e.into_inner());
        let mut path = dir.join(format!("{stem}.{EXTENSION}"));
        let mut n = 1;
        let renamed = loop {
            match path.try_exists() {
                Ok(true) => {
                    path = dir.join(format!("{stem}-{n}.{EXTENSION}"));
                    n += 1;
                }
                Ok(false) => break fs::rename(&temp, &path),
                Err(e) => break Err(e),
            }
        };
        drop(guard);
        if let Err(e) = renamed {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        Ok(Journal {
            path,
            inner: Mutex::new(Inner {
                file,
                len,
                broken: None,
            }),
        })
    }

    /// Appends one capture record in a single write.
    pub fn append(&self, received: &Received) -> io::Result<()> {
        let mut record = Vec::with_capacity(received.body.len() + 512);
        encode(received, &mut record)?;
        self.write(&record)
    }

    /// Appends a record made by [`encode`], in a single write.
    ///
    /// There is no fsync per record: the journal protects against the
    /// process dying (crash, SIGKILL), whose written data the kernel keeps,
    /// not against power loss or a kernel crash. A kill during the write
    /// leaves at most a partial last record, which [`Unfinished::read`] skips.
    /// A failed write is cut off again; if that fails too, every later
    /// append fails, so nothing is ever acknowledged after a broken record.
    pub fn write(&self, record: &[u8]) -> io::Result<()> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(reason) = &inner.broken {
            return Err(io::Error::other(format!(
                "the journal {} is unusable after an earlier failure: {reason}",
                self.path.display()
            )));
        }
        match inner.file.write_all(record) {
            Ok(()) => {
                inner.len += record.len() as u64;
                Ok(())
            }
            Err(e) => {
                let len = inner.len;
                let undone = inner
                    .file
                    .set_len(len)
                    .and_then(|()| inner.file.seek(SeekFrom::Start(len)).map(|_| ()));
                if let Err(undo) = undone {
                    inner.broken = Some(format!("{e}, then {undo}"));
                }
                Err(e)
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes in the journal so far, header included.
    pub fn bytes_written(&self) -> u64 {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).len
    }

    /// Clean close: removes the journal file (the session it holds has been
    /// saved or deliberately dropped).
    pub fn finish(self) -> io::Result<()> {
        let inner = self.inner.into_inner().unwrap_or_else(|e| e.into_inner());
        // Remove while still holding the lock, so that no other process can
        // take it for an unfinished journal in between.
        let removed = fs::remove_file(&self.path);
        drop(inner);
        removed
    }
}

/// Finishes a journal that request threads may still hold for a moment
/// (each lets go just after its capture is sent). If one still holds it
/// after a second, the journal is kept, so nothing it holds is lost.
pub fn finish_shared(mut journal: Arc<Journal>) -> io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        match Arc::try_unwrap(journal) {
            Ok(journal) => return journal.finish(),
            Err(shared) if Instant::now() < deadline => {
                journal = shared;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(shared) => {
                return Err(io::Error::other(format!(
                    "a request was still arriving when capture stopped; the journal is kept at {}",
                    shared.path().display()
                )));
            }
        }
    }
}

/// Bytes used by all journals in `data_dir` (0 when there are none).
pub fn disk_usage(data_dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(data_dir.join(DIR)) else {
        return 0;
    };
    entries
        .flatten()
        .filter_map(|entry| entry.metadata().ok())
        .filter(|meta| meta.is_file())
        .map(|meta| meta.len())
        .sum()
}

/// The disk all journals use, measured on a thread of its own: at most once
/// per [`DiskUsage::EVERY`], when asked.
pub struct DiskUsage {
    bytes: Arc<AtomicU64>,
    ask: crossbeam_channel::Sender<()>,
}

impl DiskUsage {
    pub const EVERY: Duration = Duration::from_secs(2);

    /// Measures once now, then whenever [`DiskUsage::refresh`] asks;
    /// `waker` is woken after each measure.
    pub fn start(data_dir: PathBuf, waker: crate::waker::Waker) -> io::Result<Self> {
        let bytes = Arc::new(AtomicU64::new(0));
        let (ask, asked) = crossbeam_channel::bounded::<()>(1);
        let _ = ask.try_send(());
        let measured = bytes.clone();
        std::thread::Builder::new()
            .name("hookscope-journal-usage".to_owned())
            .spawn(move || {
                for () in asked {
                    measured.store(disk_usage(&data_dir), Ordering::Relaxed);
                    waker.wake();
                    std::thread::sleep(Self::EVERY);
                }
            })?;
        Ok(Self { bytes, ask })
    }

    /// The latest measure.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Asks for a new measure; asks made while one is due add nothing.
    pub fn refresh(&self) {
        let _ = self.ask.try_send(());
    }
}

/// A journal left by a process that is gone.
#[derive(Clone, Debug)]
pub struct Unfinished {
    pub path: PathBuf,
    pub started_at: Option<DateTime<FixedOffset>>,
    pub bytes: u64,
}

#[derive(Deserialize)]
struct HeaderIn {
    format: Option<serde_json::Value>,
    version: Option<u64>,
    started_at: Option<String>,
}

/// Journals whose process is gone (their lock can be taken), newest first.
/// A journal locked by a live process, this one included, is never listed;
/// one that holds no capture is removed instead.
pub fn unfinished(data_dir: &Path) -> io::Result<Vec<Unfinished>> {
    let dir = data_dir.join(DIR);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some(EXTENSION) {
            continue;
        }
        let file = match File::open(&path) {
            Ok(file) => file,
            // Finished (removed) since the listing.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        match file.try_lock_shared() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => continue,
            Err(fs::TryLockError::Error(e)) => return Err(e),
        }
        let meta = file.metadata()?;
        let header = read_header_line(&file).ok();
        if header
            .as_ref()
            .is_some_and(|(_, length)| meta.len() <= *length as u64)
        {
            // Its process died before acknowledging anything: nothing to offer.
            let _ = fs::remove_file(&path);
            continue;
        }
        let started_at = header
            .and_then(|(header, _)| header.started_at)
            .and_then(|text| DateTime::parse_from_rfc3339(&text).ok());
        found.push((
            meta.modified().ok(),
            Unfinished {
                path,
                started_at,
                bytes: meta.len(),
            },
        ));
        // The lock goes with `file`.
    }
    // Newest first: by start time, then by modification time, then by name.
    found.sort_by(|(a_mod, a), (b_mod, b)| {
        (b.started_at, b_mod, &b.path).cmp(&(a.started_at, a_mod, &a.path))
    });
    Ok(found.into_iter().map(|(_, u)| u).collect())
}

/// The first line of a journal, parsed, and its length in bytes.
fn read_header_line(file: &File) -> Result<(HeaderIn, usize), String> {
    use std::io::{BufRead, BufReader, Read};
    let mut line = Vec::new();
    BufReader::new(file.take(64 * 1024))
        .read_until(b'\n', &mut line)
        .map_err(|e| e.to_string())?;
    if !line.ends_with(b"\n") {
        return Err("no complete header line".to_owned());
    }
    let header = serde_json::from_slice(&line).map_err(|e| format!("header: {e}"))?;
    Ok((header, line.len()))
}

/// The header's version, when this hookscope reads it.
fn check_header(line: &[u8]) -> Result<u64, String> {
    let header: HeaderIn = serde_json::from_slice(line).map_err(|e| format!("header: {e}"))?;
    match header.format {
        Some(serde_json::Value::String(f)) if f == FORMAT => {}
        Some(other) => return Err(format!("the format is {other}")),
        None => return Err("the header has no format".to_owned()),
    }
    match header.version {
        Some(v) if v > u64::from(VERSION) => Err(format!(
            "journal version {v} is newer than this hookscope reads (up to {VERSION})"
        )),
        Some(v) => Ok(v),
        None => Err("the header has no version".to_owned()),
    }
}

impl Unfinished {
    /// Its captures, in the order they were acknowledged. A last record cut
    /// short (the process was killed while writing it, before the capture
    /// was acknowledged) is skipped; any other bad record is an error naming
    /// it. `routes` reads version 1 records, which kept no answer.
    pub fn read(&self, routes: &Routes) -> Result<Vec<Received>, JournalError> {
        let bytes = fs::read(&self.path).map_err(|source| JournalError::Io {
            path: self.path.clone(),
            source,
        })?;
        parse(&self.path, &bytes, routes)
    }

    /// Removes the journal (its session was restored and is in the window,
    /// or the user chose to drop it).
    pub fn discard(self) -> io::Result<()> {
        fs::remove_file(&self.path)
    }
}

/// A journal's bytes as its captures (see [`Unfinished::read`]); `path`
/// names it in errors.
pub fn parse(path: &Path, bytes: &[u8], routes: &Routes) -> Result<Vec<Received>, JournalError> {
    let header_error = |reason: String| JournalError::Header {
        path: path.to_owned(),
        reason,
    };
    let Some(header_end) = bytes.iter().position(|&b| b == b'\n') else {
        return Err(header_error(if bytes.is_empty() {
            "the file is empty".to_owned()
        } else {
            "no complete header line".to_owned()
        }));
    };
    let version = check_header(&bytes[..header_end]).map_err(header_error)?;
    let rest = &bytes[header_end + 1..];
    if version < 2 {
        read_lines(path, rest, routes)
    } else {
        read_records(path, rest)
    }
}

/// Version 1: one session-file record per line.
fn read_lines(
    path: &Path,
    mut rest: &[u8],
    routes: &Routes,
) -> Result<Vec<Received>, JournalError> {
    let mut out = Vec::new();
    let mut line_no = 1;
    while !rest.is_empty() {
        line_no += 1;
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            // Killed mid-write: never acknowledged.
            break;
        };
        let line = &rest[..end];
        rest = &rest[end + 1..];
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let received = file::read_record(line, routes).map_err(|reason| JournalError::BadLine {
            path: path.to_owned(),
            line: line_no,
            reason,
        })?;
        out.push(received);
    }
    Ok(out)
}

/// Version 2: a line of facts, then the body's bytes and a newline.
fn read_records(path: &Path, mut rest: &[u8]) -> Result<Vec<Received>, JournalError> {
    let mut out = Vec::new();
    while !rest.is_empty() {
        let bad = |reason: String| JournalError::BadRecord {
            path: path.to_owned(),
            record: out.len() + 1,
            reason,
        };
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            break;
        };
        let facts: Facts = serde_json::from_slice(&rest[..end]).map_err(|e| bad(e.to_string()))?;
        let after = &rest[end + 1..];
        let Some(body) = usize::try_from(facts.body_len)
            .ok()
            .and_then(|len| after.get(..len))
        else {
            // Killed while writing the body: never acknowledged.
            break;
        };
        match after.get(body.len()) {
            Some(b'\n') => {}
            None => break,
            Some(_) => return Err(bad("the body is not followed by a newline".to_owned())),
        }
        rest = &after[body.len() + 1..];
        out.push(facts.into_received(body.to_vec()).map_err(bad)?);
    }
    Ok(out)
}

/// A record's facts: everything but the body.
#[derive(Serialize, Deserialize)]
struct Facts {
    id: u64,
    received_at: String,
    remote_addr: String,
    method: String,
    url: String,
    headers: Vec<(String, HeaderValue)>,
    answer: Answer,
    body_len: u64,
}

/// A header value as text, or its bytes when they are not UTF-8.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum HeaderValue {
    Text(String),
    Bytes { base64: String },
}

/// One capture as a version 2 record.
pub fn encode(received: &Received, out: &mut Vec<u8>) -> io::Result<()> {
    let head = &received.head;
    let facts = Facts {
        id: received.id,
        received_at: received.received_at_text(),
        remote_addr: head.remote().to_owned(),
        method: head.method().to_owned(),
        url: head.url().to_owned(),
        headers: head
            .headers()
            .map(|h| {
                let value = match std::str::from_utf8(h.value) {
                    Ok(text) => HeaderValue::Text(text.to_owned()),
                    Err(_) => HeaderValue::Bytes {
                        base64: BASE64.encode(h.value),
                    },
                };
                (h.name.to_owned(), value)
            })
            .collect(),
        answer: received.answer.clone(),
        body_len: received.body.len() as u64,
    };
    serde_json::to_writer(&mut *out, &facts).map_err(io::Error::from)?;
    out.push(b'\n');
    out.extend_from_slice(&received.body);
    out.push(b'\n');
    Ok(())
}

impl Facts {
    fn into_received(self, body: Vec<u8>) -> Result<Received, String> {
        let received_at = DateTime::parse_from_rfc3339(&self.received_at)
            .map_err(|e| format!("received_at \"{}\": {e}", self.received_at))?;
        let mut headers = Vec::with_capacity(self.headers.len());
        for (name, value) in self.headers {
            let value = match value {
                HeaderValue::Text(text) => text.into_bytes(),
                HeaderValue::Bytes { base64 } => BASE64
                    .decode(base64.as_bytes())
                    .map_err(|e| format!("header {name}: {e}"))?,
            };
            headers.push((name, value));
        }
        let head = RequestHead::new(&self.method, &self.url, &self.remote_addr, headers);
        // The answer was decided when the capture was made; only the decoded
        // content is derived again.
        let decoded =
            capture::decode_content(&head, &body, capture::LOADED_DECODE_LIMIT).unwrap_or(None);
        Ok(Received {
            id: self.id,
            received_at,
            head,
            body: body.into_boxed_slice(),
            decoded,
            answer: self.answer,
        })
    }
}

/// `hookscope recover --out FILE`: writes the newest unfinished session in
/// `data_dir` as a native session file and returns its capture count. The
/// journal is left in place (restore it in the window, or remove it, to be
/// done with it).
pub fn recover_newest(data_dir: &Path, out: &Path) -> Result<usize, String> {
    let journals = unfinished(data_dir).map_err(|e| {
        format!(
            "cannot list the journals in {}: {e}",
            data_dir.join(DIR).display()
        )
    })?;
    let Some(newest) = journals.first() else {
        return Err(format!(
            "no unfinished session to recover: no journal left by a stopped hookscope in {}",
            data_dir.join(DIR).display()
        ));
    };
    let captures = newest.read(&Routes::default()).map_err(|e| e.to_string())?;
    let write_error = |e: io::Error| format!("cannot write {}: {e}", out.display());
    let mut writer = BufWriter::new(File::create(out).map_err(write_error)?);
    file::write(
        &mut writer,
        &captures,
        &[],
        chrono::Local::now().fixed_offset(),
    )
    .and_then(|()| writer.flush())
    .map_err(write_error)?;
    Ok(captures.len())
}

#[cfg(test)]
impl Journal {
    /// A journal writing to `file` as is (e.g. `/dev/full`), for tests of
    /// what happens when appending fails.
    pub(crate) fn over_file_for_tests(path: &Path, file: File) -> Journal {
        Journal {
            path: path.to_owned(),
            inner: Mutex::new(Inner {
                file,
                len: 0,
                broken: None,
            }),
        }
    }
}
