//! Undoes HTTP content codings (gzip, deflate) on a received body, with a cap on the decoded
//! size so that a small compressed body cannot make us hold a huge one (a "zip bomb").
//! The received bytes are never touched: decoding always produces a new buffer.

use std::fmt;
use std::io::{ErrorKind, Read};

use flate2::bufread::MultiGzDecoder;
use flate2::{Decompress, FlushDecompress, Status};

/// Decoded bytes are produced this many at a time, so a stage overshoots the cap by at most this.
const CHUNK: usize = 32 * 1024;

/// One content coding, as named in Content-Encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Deflate,
}

impl Coding {
    pub fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
        }
    }
}

/// What the Content-Encoding header values say, in the order they were applied.
/// `values` are the raw values of every Content-Encoding header, in received order (several
/// headers and comma-separated lists both happen). `identity` and empty items are skipped;
/// `x-gzip` is gzip; names are case-insensitive and trimmed.
/// Err(name) for the first coding we cannot decode (br, zstd, compress, ...), as written.
pub fn codings<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Result<Vec<Coding>, String> {
    let mut found = Vec::new();
    for value in values {
        for item in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
            let is = |name: &str| item.eq_ignore_ascii_case(name.as_bytes());
            if item.is_empty() || is("identity") {
                continue;
            } else if is("gzip") || is("x-gzip") {
                found.push(Coding::Gzip);
            } else if is("deflate") {
                found.push(Coding::Deflate);
            } else {
                return Err(String::from_utf8_lossy(item).into_owned());
            }
        }
    }
    Ok(found)
}

#[derive(Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Undoing `coding` gave more than `limit` bytes; decoding stopped there.
    TooLarge { coding: Coding, limit: u64 },
    /// The bytes are not valid for that coding; `reason` says why.
    Corrupt { coding: Coding, reason: String },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::TooLarge { coding, limit } => write!(
                f,
                "the body decoded from {} is over the {limit} byte cap",
                coding.name()
            ),
            DecodeError::Corrupt { coding, reason } => {
                write!(f, "the body is not valid {}: {reason}", coding.name())
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Undoes `codings` (applied in order, so undone in reverse). Each stage holds at most `limit`
/// decoded bytes and is refused with TooLarge as soon as it would pass that. Deflate is zlib
/// (RFC 1950) per HTTP, but raw deflate (RFC 1951) is accepted too. Multi-member gzip is decoded
/// whole. Bytes after the end of a stream make it Corrupt. With no codings the body is copied as is.
pub fn decode(codings: &[Coding], body: &[u8], limit: u64) -> Result<Vec<u8>, DecodeError> {
    let mut decoded: Option<Vec<u8>> = None;
    for &coding in codings.iter().rev() {
        let input = decoded.as_deref().unwrap_or(body);
        let next = match coding {
            Coding::Gzip => gunzip(input, limit)?,
            Coding::Deflate => inflate(input, limit)?,
        };
        // The previous stage is dropped here, so at most two stages are alive at once.
        decoded = Some(next);
    }
    Ok(decoded.unwrap_or_else(|| body.to_vec()))
}

fn gunzip(input: &[u8], limit: u64) -> Result<Vec<u8>, DecodeError> {
    let corrupt = |reason: String| DecodeError::Corrupt {
        coding: Coding::Gzip,
        reason,
    };
    // Reading from the slice itself (not a BufReader) leaves in it whatever was not consumed.
    let mut decoder = MultiGzDecoder::new(input);
    let mut out = Vec::new();
    let mut buf = vec![0; CHUNK];
    loop {
        match decoder.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => push(&mut out, &buf[..n], limit, Coding::Gzip)?,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(corrupt(e.to_string())),
        }
    }
    // MultiGzDecoder already rejects non-gzip bytes after a member; this guards the rest.
    match decoder.get_ref().len() {
        0 => Ok(out),
        n => Err(corrupt(format!("{n} bytes follow the end of the stream"))),
    }
}

fn inflate(input: &[u8], limit: u64) -> Result<Vec<u8>, DecodeError> {
    // HTTP's deflate is zlib, but some senders send raw deflate: try zlib, then raw.
    let zlib = match inflate_as(input, limit, true) {
        Err(DecodeError::Corrupt { reason, .. }) => reason,
        done => return done,
    };
    match inflate_as(input, limit, false) {
        Err(DecodeError::Corrupt { reason, .. }) => Err(DecodeError::Corrupt {
            coding: Coding::Deflate,
            reason: format!("not zlib ({zlib}) nor raw deflate ({reason})"),
        }),
        done => done,
    }
}

/// Flate2's Read adapters take a deflate stream cut short as a clean end, so drive the
/// decompressor directly to see whether the stream really finished.
fn inflate_as(mut input: &[u8], limit: u64, zlib: bool) -> Result<Vec<u8>, DecodeError> {
    let corrupt = |reason: String| DecodeError::Corrupt {
        coding: Coding::Deflate,
        reason,
    };
    let mut state = Decompress::new(zlib);
    let mut out = Vec::new();
    let mut buf = vec![0; CHUNK];
    loop {
        let (in_before, out_before) = (state.total_in(), state.total_out());
        let status = state
            .decompress(input, &mut buf, FlushDecompress::None)
            .map_err(|e| corrupt(e.to_string()))?;
        // Both deltas are bounded by the slices just passed in, so they fit in usize.
        let consumed = (state.total_in() - in_before) as usize;
        let produced = (state.total_out() - out_before) as usize;
        input = &input[consumed..];
        push(&mut out, &buf[..produced], limit, Coding::Deflate)?;
        if status == Status::StreamEnd {
            break;
        }
        // With room to write and nothing moving, the decompressor is waiting for input we lack.
        if consumed == 0 && produced == 0 {
            return Err(corrupt("the stream ends early".to_string()));
        }
    }
    match input.len() {
        0 => Ok(out),
        n => Err(corrupt(format!("{n} bytes follow the end of the stream"))),
    }
}

/// Appends `bytes` unless that takes `out` past `limit`. Grows by doubling like Vec would,
/// but never reserves past the cap, so the allocation stays within it too.
fn push(out: &mut Vec<u8>, bytes: &[u8], limit: u64, coding: Coding) -> Result<(), DecodeError> {
    let need = out.len().saturating_add(bytes.len());
    if need as u64 > limit {
        return Err(DecodeError::TooLarge { coding, limit });
    }
    if need > out.capacity() {
        let cap = usize::try_from(limit).unwrap_or(usize::MAX);
        let target = out.capacity().saturating_mul(2).max(need).min(cap);
        out.reserve_exact(target - out.len());
    }
    out.extend_from_slice(bytes);
    Ok(())
}
