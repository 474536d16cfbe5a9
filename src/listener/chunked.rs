//! Incremental decoder for the chunked transfer coding (RFC 9112 §7.1).
//! Extensions are skipped and trailers are read and dropped, both within fixed
//! bounds so that a hostile sender cannot make us store or scan forever.

/// Extension bytes tolerated on one chunk-size line.
const MAX_EXTENSION: usize = 4096;
/// Trailer bytes tolerated in total.
const MAX_TRAILERS: usize = 64 * 1024;
/// Hex digits in a chunk size: 16 fill a u64.
const MAX_SIZE_DIGITS: u32 = 16;

/// What one call to [`Chunked::decode`] reached.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded {
    /// Framing is incomplete: more input is needed.
    More,
    /// The last chunk and the trailers have been read.
    Done,
    /// The decoded body would exceed the limit.
    TooLarge,
    /// The framing cannot be read.
    Bad(String),
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Step {
    #[default]
    Size,
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    TrailerLineStart,
    TrailerLine,
    TrailerEndLf,
    Done,
}

#[derive(Debug, Default)]
pub struct Chunked {
    step: Step,
    /// Chunk size being read, then bytes left in the current chunk.
    size: u64,
    digits: u32,
    /// Extension or trailer bytes skipped so far (bounded).
    skipped: usize,
}

impl Chunked {
    /// Decodes from `input`, appending chunk data to `out` while it stays within `max`
    /// bytes. Returns how many input bytes were consumed; after `Done`, the bytes
    /// past that count belong to the next request.
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>, max: u64) -> (usize, Decoded) {
        let mut at = 0;
        while let Some(rest) = input.get(at..).filter(|rest| !rest.is_empty()) {
            if self.step == Step::Done {
                return (at, Decoded::Done);
            }
            if self.step == Step::Data {
                let n = usize::try_from(self.size).map_or(rest.len(), |size| size.min(rest.len()));
                if (out.len() as u64).saturating_add(n as u64) > max {
                    return (at, Decoded::TooLarge);
                }
                out.extend_from_slice(rest.get(..n).unwrap_or_default());
                self.size -= n as u64;
                at += n;
                if self.size == 0 {
                    self.step = Step::DataCr;
                }
                continue;
            }
            let byte = rest.first().copied().unwrap_or_default();
            at += 1;
            if let Err(reason) = self.advance(byte) {
                return (at, Decoded::Bad(reason));
            }
        }
        let state = if self.step == Step::Done {
            Decoded::Done
        } else {
            Decoded::More
        };
        (at, state)
    }

    /// Consumes one framing byte. A bare LF is accepted as a line end, as httparse does for heads.
    fn advance(&mut self, byte: u8) -> Result<(), String> {
        self.step = match (self.step, byte) {
            (Step::Size, _) if byte.is_ascii_hexdigit() => {
                if self.digits == MAX_SIZE_DIGITS {
                    return Err("chunk size too long".into());
                }
                self.digits += 1;
                let digit = char::from(byte).to_digit(16).unwrap_or_default();
                self.size = (self.size << 4) | u64::from(digit);
                Step::Size
            }
            (Step::Size, b';' | b' ' | b'\t' | b'\r' | b'\n') if self.digits == 0 => {
                return Err("missing chunk size".into());
            }
            (Step::Size, b';' | b' ' | b'\t') => Step::Extension,
            (Step::Size | Step::Extension, b'\r') => Step::SizeLf,
            (Step::Size | Step::Extension | Step::SizeLf, b'\n') => self.size_line_done(),
            (Step::Size, _) => return Err(format!("invalid byte 0x{byte:02x} in chunk size")),
            (Step::Extension, _) => {
                self.skip(MAX_EXTENSION, "chunk extension too long")?;
                Step::Extension
            }
            (Step::SizeLf, _) => return Err("expected LF after chunk size".into()),
            (Step::DataCr, b'\r') => Step::DataLf,
            (Step::DataCr | Step::DataLf, b'\n') => Step::Size,
            (Step::DataCr | Step::DataLf, _) => {
                return Err("missing CRLF after chunk data".into());
            }
            (Step::TrailerLineStart, b'\r') => Step::TrailerEndLf,
            (Step::TrailerLineStart | Step::TrailerEndLf, b'\n') => Step::Done,
            (Step::TrailerEndLf, _) => return Err("expected LF after trailers".into()),
            (Step::TrailerLine, b'\n') => Step::TrailerLineStart,
            (Step::TrailerLineStart | Step::TrailerLine, _) => {
                self.skip(MAX_TRAILERS, "trailers too long")?;
                Step::TrailerLine
            }
            // Data and Done are handled by `decode` and never get here.
            (Step::Data | Step::Done, _) => self.step,
        };
        Ok(())
    }

    fn size_line_done(&mut self) -> Step {
        self.digits = 0;
        self.skipped = 0;
        if self.size == 0 {
            Step::TrailerLineStart
        } else {
            Step::Data
        }
    }

    fn skip(&mut self, limit: usize, why: &str) -> Result<(), String> {
        self.skipped += 1;
        if self.skipped > limit {
            return Err(why.into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8], max: u64) -> (usize, Decoded, Vec<u8>) {
        let mut out = Vec::new();
        let (used, state) = Chunked::default().decode(input, &mut out, max);
        (used, state, out)
    }

    #[test]
    fn whole_body_with_extensions_and_trailers() {
        let input = b"5;name=val\r\nhello\r\n6\r\n world\r\n0\r\nX-Sum: 1\r\n\r\nNEXT";
        let (used, state, out) = decode_all(input, 100);
        assert_eq!(state, Decoded::Done);
        assert_eq!(out, b"hello world");
        assert_eq!(&input[used..], b"NEXT");
    }

    #[test]
    fn byte_by_byte() {
        let input = b"A\r\n0123456789\r\n0\r\n\r\n";
        let mut dec = Chunked::default();
        let mut out = Vec::new();
        for (i, byte) in input.iter().enumerate() {
            let (used, state) = dec.decode(std::slice::from_ref(byte), &mut out, 100);
            assert_eq!(used, 1);
            let expected = if i + 1 == input.len() {
                Decoded::Done
            } else {
                Decoded::More
            };
            assert_eq!(state, expected);
        }
        assert_eq!(out, b"0123456789");
    }

    #[test]
    fn bare_lf_accepted() {
        let (_, state, out) = decode_all(b"3\nabc\n0\n\n", 100);
        assert_eq!(state, Decoded::Done);
        assert_eq!(out, b"abc");
    }

    #[test]
    fn too_large() {
        let (_, state, _) = decode_all(b"5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", 9);
        assert_eq!(state, Decoded::TooLarge);
        let (_, state, out) = decode_all(b"5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", 10);
        assert_eq!((state, out.len()), (Decoded::Done, 10));
    }

    #[test]
    fn malformed() {
        for input in [
            &b"zz\r\n"[..],
            b"\r\n",
            b"5\r\nhelloXX",
            b"11111111111111111\r\n",
            b"5\rX",
            b"0\r\n\rX",
        ] {
            let (_, state, _) = decode_all(input, 100);
            assert!(matches!(state, Decoded::Bad(_)), "{input:?} gave {state:?}");
        }
    }

    #[test]
    fn huge_size_is_not_allocated() {
        let (_, state, out) = decode_all(b"FFFFFFFFFFFFFFFF\r\nabc", u64::MAX);
        assert_eq!(state, Decoded::More);
        assert_eq!(out, b"abc");
    }
}
