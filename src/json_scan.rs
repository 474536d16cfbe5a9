//! Byte-level walks over JSON text that needs no parse: where a string
//! ends, where the elements of an array body lie. Tolerant of text that is
//! not JSON: they stop where it stops making sense.

use std::ops::Range;

/// Just past the string whose opening quote is at `start`: past its closing
/// quote, or the end of `bytes` when it has none.
pub fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while let Some(at) = memchr::memchr2(b'"', b'\\', bytes.get(i..).unwrap_or_default()) {
        if bytes.get(i + at) == Some(&b'\\') {
            i += at + 2;
        } else {
            return i + at + 1;
        }
    }
    bytes.len()
}

/// The byte ranges of the top-level elements of a JSON array body (empty if
/// the body is not an array), keeping the elements seen before the text
/// stops making sense.
pub fn element_ranges(body: &[u8]) -> Vec<Range<usize>> {
    let mut elements = Vec::new();
    let Some(open) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return elements;
    };
    if body[open] != b'[' {
        return elements;
    }
    let mut start = open + 1;
    let mut depth = 0usize;
    let mut i = start;
    while i < body.len() {
        match body[i] {
            b'"' => {
                i = string_end(body, i);
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 0 => depth -= 1,
            b']' => {
                if body[start..i].iter().any(|b| !b.is_ascii_whitespace()) {
                    elements.push(start..i);
                }
                return elements;
            }
            b',' if depth == 0 => {
                elements.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    elements
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_end_past_their_quote_escapes_included() {
        let text = br#""a\"b" x"#;
        assert_eq!(string_end(text, 0), 6);
        assert_eq!(string_end(br#""\\" x"#, 0), 4);
        assert_eq!(string_end(br#""open"#, 0), 5, "unterminated: the end");
        assert_eq!(
            string_end(br#""\"#, 0),
            2,
            "a last backslash escapes nothing"
        );
    }
}
