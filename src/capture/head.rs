//! A request's method, target, sender and headers, as received, in one
//! allocation: each field's length (a LEB128 varint, one byte for most)
//! followed by its bytes.

use std::borrow::Cow;

/// Fields before the headers: method, url, remote address.
const FIXED: usize = 3;

/// Method, url and sender are text; header names are text and values are
/// the bytes received (a sender may put any byte there), in received order
/// with duplicates kept.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestHead {
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
        let mut block = Vec::with_capacity(64 + method.len() + url.len() + remote.len());
        let mut push = |field: &[u8]| {
            let mut len = field.len();
            loop {
                let byte = (len & 0x7f) as u8;
                len >>= 7;
                if len == 0 {
                    block.push(byte);
                    break;
                }
                block.push(byte | 0x80);
            }
            block.extend_from_slice(field);
        };
        push(method.as_bytes());
        push(url.as_bytes());
        push(remote.as_bytes());
        for (name, value) in headers {
            push(name.as_ref().as_bytes());
            push(value.as_ref());
        }
        Self {
            block: block.into_boxed_slice(),
        }
    }

    /// Every field in order.
    fn fields(&self) -> Fields<'_> {
        Fields { rest: &self.block }
    }

    /// Field `i`, which was given as text.
    fn text(&self, i: usize) -> &str {
        self.fields()
            .nth(i)
            .and_then(|field| std::str::from_utf8(field).ok())
            .unwrap_or_default()
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
        self.fields().count().saturating_sub(FIXED) / 2
    }

    /// The headers in received order.
    pub fn headers(&self) -> impl Iterator<Item = Header<'_>> + '_ {
        let mut fields = self.fields().skip(FIXED);
        std::iter::from_fn(move || {
            let name = fields.next()?;
            let value = fields.next()?;
            Some(Header {
                name: std::str::from_utf8(name).unwrap_or_default(),
                value,
            })
        })
    }

    /// The first header of that name (any case).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }

    /// Every header of that name (any case), in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }
}

/// Walks the length-prefixed fields of a block.
struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let mut len = 0usize;
        let mut shift = 0;
        let mut used: usize = 0;
        for &byte in self.rest {
            used += 1;
            len |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift >= usize::BITS {
                return None;
            }
        }
        let end = used.checked_add(len)?;
        let field = self.rest.get(used..end)?;
        self.rest = self.rest.get(end..)?;
        Some(field)
    }
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

    #[test]
    fn long_fields_take_longer_lengths() {
        let long = "x".repeat(100_000);
        let head = RequestHead::new("POST", &long, "r", [("Name", long.as_bytes())]);
        assert_eq!(head.url().len(), 100_000);
        assert_eq!(head.header("name").map(<[u8]>::len), Some(100_000));
        assert_eq!(head.remote(), "r");
    }
}
