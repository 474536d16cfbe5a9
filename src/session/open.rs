//! Opening files: the format is detected from the content. A native
//! session, a HAR file, or a raw webhook payload such as the spec samples.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::capture::{Received, RequestHead, Routes};
use crate::hs::{self, EntityType};
use crate::outbound::Exchange;

use super::file::{self, FileError};
use super::har;
use super::marks::Marks;
use crate::task::Progress;

/// The spec's six example bodies, shipped with the app.
pub const SAMPLES: [(&str, &str); 6] = [
    (
        "job_creation.json",
        include_str!("../../assets/samples/job_creation.json"),
    ),
    (
        "job_update.json",
        include_str!("../../assets/samples/job_update.json"),
    ),
    (
        "job_delete.json",
        include_str!("../../assets/samples/job_delete.json"),
    ),
    (
        "candidate_creation.json",
        include_str!("../../assets/samples/candidate_creation.json"),
    ),
    (
        "candidate_update.json",
        include_str!("../../assets/samples/candidate_update.json"),
    ),
    (
        "candidate_delete.json",
        include_str!("../../assets/samples/candidate_delete.json"),
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Session,
    Har,
    Payload,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Session => "hookscope session",
            Format::Har => "HAR file",
            Format::Payload => "webhook payload",
        })
    }
}

/// What a file gave.
#[derive(Debug)]
pub struct Opened {
    pub format: Format,
    pub captures: Vec<Received>,
    /// The requests hookscope sent, kept with the session (a session file,
    /// or a HAR file hookscope wrote).
    pub exchanges: Vec<Exchange>,
    /// Pins and notes, by the ids the captures have in the file.
    pub marks: Marks,
}

impl Opened {
    fn of(format: Format, file: file::SessionFile) -> Self {
        Self {
            format,
            captures: file.captures,
            exchanges: file.exchanges,
            marks: file.marks,
        }
    }
}

/// How far into a file the format is looked for.
const SNIFF_BYTES: usize = 64 * 1024;

/// Reads `bytes` (the content of the file called `name`) in whatever format
/// it is. The error says why in words a user can act on.
pub fn read(name: &str, bytes: &[u8], routes: &Routes) -> Result<Opened, String> {
    match sniff(bytes) {
        Format::Session => file::read(bytes, routes)
            .map(|file| Opened::of(Format::Session, file))
            .map_err(|e| e.to_string()),
        Format::Har => har::read(bytes, routes, name)
            .map(|file| Opened::of(Format::Har, file))
            .map_err(|e| e.to_string()),
        Format::Payload => payload(name, bytes, routes).map(|capture| Opened {
            format: Format::Payload,
            captures: vec![capture],
            exchanges: Vec::new(),
            marks: Marks::default(),
        }),
    }
}

/// Reads the file at `path`, reporting bytes to `progress` and stopping when
/// it is cancelled. A session is read a line at a time, so that memory holds
/// the captures and not the file too. Summaries are for the caller to make.
pub fn read_file(path: &Path, routes: &Routes, progress: &Progress) -> Result<Opened, String> {
    let name = file_name(path);
    let file = File::open(path).map_err(|e| e.to_string())?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    progress.add_total(size);
    let mut input = BufReader::with_capacity(SNIFF_BYTES, file);
    let head = input.fill_buf().map_err(|e| e.to_string())?;
    if sniff(head) == Format::Session {
        match file::read_lines(&mut input, routes, progress) {
            Err(FileError::Layout { .. }) => {}
            other => {
                return other
                    .map(|file| Opened::of(Format::Session, file))
                    .map_err(|e| e.to_string());
            }
        }
        // Another layout of the same JSON: read it whole.
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        return read(&name, &bytes, routes);
    }
    let mut bytes = Vec::with_capacity(size as usize);
    let mut chunk = vec![0; 1 << 20];
    loop {
        if progress.is_cancelled() {
            return Err(FileError::Cancelled.to_string());
        }
        let n = input.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        progress.advance(n as u64);
    }
    read(&name, &bytes, routes)
}

/// The file's name, for messages and for where a payload came from.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// The format, judged from the start of the content.
fn sniff(bytes: &[u8]) -> Format {
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let envelope = contains(head, b"\"event\"");
    if object && contains(head, b"\"hookscope-session\"") {
        Format::Session
    } else if object && contains(head, b"\"format\"") && !envelope {
        // A format marker that is not ours: the session reader says so.
        Format::Session
    } else if object && contains(head, b"\"log\"") && !envelope {
        Format::Har
    } else {
        Format::Payload
    }
}

/// A file holding a webhook body becomes one capture, marked as loaded from
/// that file where the remote address would be.
pub fn payload(name: &str, bytes: &[u8], routes: &Routes) -> Result<Received, String> {
    let elements = hs::parse_body(bytes)
        .map_err(|e| format!("not a hookscope session, a HAR file or a webhook payload: {e}"))?;
    // Any JSON object parses as an envelope with findings; a file is a
    // payload only when some element names an event or a type.
    let Some(envelope) = elements
        .iter()
        .filter_map(|e| e.as_ref().ok())
        .find(|e| !e.event.as_str().is_empty() || !e.entity.as_str().is_empty())
    else {
        return Err(
            "not a hookscope session, a HAR file or a webhook payload: it holds no envelope with an event or a type"
                .to_owned(),
        );
    };
    let url = match envelope.entity {
        EntityType::Candidate => &routes.candidate_path,
        _ => &routes.job_path,
    };
    let head = RequestHead::new(
        "POST",
        url,
        &format!("file {name}"),
        [("Content-Type", "application/json")],
    );
    Ok(Received::loaded(
        0,
        crate::capture::received_now(),
        head,
        bytes.to_vec(),
        None,
        routes,
    ))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
