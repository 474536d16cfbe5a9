//! A request's method, target, sender and headers, as received, in one
//! allocation: a table of where each field ends, then the fields.

use std::borrow::Cow;

/// Fields before the headers: method, url, remote address.
const FIXED: usize = 3;

/// Method, url and sender are text; header names are text and values are
/// the bytes received (a sender may put any byte there), in received order
/// with duplicates kept.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// `n` (u32 LE), then the end of each of the `n` fields (u32 LE, from the
    /// start of the fields), then the fields.
    block: Box<[u8]>,
}

/// One header as received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    pub name: &'a str,
    pub value: &'a [u8],
}

impl<'a> Header<'a> {
    /// The value as text; bytes that are not UTF-8 show as U+FFFD.
    pub fn value_text(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.value)
    }
}

impl RequestHead {
    pub fn new<N, V>(
        method: &str,
        url: &str,
        remote: &str,
        headers: impl IntoIterator<Item = (N, V)>,
    ) -> Self
    where
        N: AsRef<str>,
        V: AsRef<[u8]>,
    {
        let mut ends: Vec<u32> = Vec::with_capacity(FIXED + 16);
        let mut fields: Vec<u8> = Vec::with_capacity(64 + method.len() + url.len());
        let mut push = |field: &[u8]| {
            fields.extend_from_slice(field);
            ends.push(u32::try_from(fields.len()).unwrap_or(u32::MAX));
        };
        push(method.as_bytes());
        push(url.as_bytes());
        push(remote.as_bytes());
        for (name, value) in headers {
            push(name.as_ref().as_bytes());
            push(value.as_ref());
        }
        let mut block = Vec::with_capacity(4 + 4 * ends.len() + fields.len());
        block.extend_from_slice(&(ends.len() as u32).to_le_bytes());
        for end in &ends {
            block.extend_from_slice(&end.to_le_bytes());
        }
        block.extend_from_slice(&fields);
        Self {
            block: block.into_boxed_slice(),
        }
    }

    fn count(&self) -> usize {
        read_u32(&self.block, 0) as usize
    }

    /// The bytes of field `i`.
    fn field(&self, i: usize) -> &[u8] {
        let count = self.count();
        if i >= count {
            return &[];
        }
        let fields = self.block.get(4 + 4 * count..).unwrap_or_default();
        let start = if i == 0 {
            0
        } else {
            read_u32(&self.block, 4 + 4 * (i - 1)) as usize
        };
        let end = read_u32(&self.block, 4 + 4 * i) as usize;
        fields.get(start..end).unwrap_or_default()
    }

    /// Field `i`, which was given as text.
    fn text(&self, i: usize) -> &str {
        std::str::from_utf8(self.field(i)).unwrap_or_default()
    }

    pub fn method(&self) -> &str {
        self.text(0)
    }

    /// The request target as received: path and query.
    pub fn url(&self) -> &str {
        self.text(1)
    }

    /// Who sent it (`ip:port`), or where it was read from for a file.
    pub fn remote(&self) -> &str {
        self.text(2)
    }

    pub fn header_count(&self) -> usize {
        self.count().saturating_sub(FIXED) / 2
    }

    /// The headers in received order.
    pub fn headers(&self) -> impl ExactSizeIterator<Item = Header<'_>> + '_ {
        (0..self.header_count()).map(|h| Header {
            name: self.text(FIXED + 2 * h),
            value: self.field(FIXED + 2 * h + 1),
        })
    }

    /// The first header of that name (any case).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }

    /// Every header of that name (any case), in order.
    pub fn all(&self, name: &str) -> impl Iterator<Item = &[u8]> + '_ {
        let name = name.to_owned();
        self.headers()
            .filter(move |h| h.name.eq_ignore_ascii_case(&name))
            .map(|h| h.value)
    }

    /// Bytes held, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        self.block.len()
    }
}

fn read_u32(block: &[u8], at: usize) -> u32 {
    block
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

impl std::fmt::Debug for RequestHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestHead")
            .field("method", &self.method())
            .field("url", &self.url())
            .field("remote", &self.remote())
            .field(
                "headers",
                &self
                    .headers()
                    .map(|h| (h.name, h.value_text()))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_headers_come_back_as_given() {
        let head = RequestHead::new(
            "POST",
            "/job?x=1",
            "127.0.0.1:5000",
            [
                ("Content-Type", &b"application/json"[..]),
                ("X-Empty", b""),
                ("x-bytes", b"caf\xe9"),
                ("Content-Type", b"text/plain"),
            ],
        );
        assert_eq!(head.method(), "POST");
        assert_eq!(head.url(), "/job?x=1");
        assert_eq!(head.remote(), "127.0.0.1:5000");
        assert_eq!(head.header_count(), 4);
        let names: Vec<&str> = head.headers().map(|h| h.name).collect();
        assert_eq!(
            names,
            ["Content-Type", "X-Empty", "x-bytes", "Content-Type"]
        );
        assert_eq!(head.header("content-type"), Some(&b"application/json"[..]));
        assert_eq!(head.header("X-BYTES"), Some(&b"caf\xe9"[..]));
        assert_eq!(head.all("content-type").count(), 2);
        assert_eq!(head.header("missing"), None);
    }

    #[test]
    fn an_empty_head_is_empty() {
        let head = RequestHead::new("", "", "", std::iter::empty::<(&str, &[u8])>());
        assert_eq!(head.method(), "");
        assert_eq!(head.headers().count(), 0);
    }
}
