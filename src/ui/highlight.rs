//! JSON colours for the body views: a tolerant tokenizer (any text, valid
//! JSON or not, never fails) and the layout job it gives, cached per body.

use std::ops::Range;
use std::sync::Arc;

use egui::text::{ByteIndex, LayoutJob, TextFormat};
use egui::{Color32, FontId, TextStyle, Ui};

use super::theme::{DARK, LIGHT, Palette};
use crate::json_scan;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Token {
    /// A string followed by `:`.
    Key,
    String,
    Number,
    /// `true`, `false`, `null`.
    Literal,
    /// `{ } [ ] : ,`
    Punctuation,
    /// Whitespace, and whatever is not JSON.
    Plain,
}

/// Spans covering all of `text`, in order, neighbours of a kind merged.
/// Every span starts and ends on a char boundary.
pub fn tokenize(text: &str) -> Vec<(Range<usize>, Token)> {
    let bytes = text.as_bytes();
    let mut spans: Vec<(Range<usize>, Token)> = Vec::new();
    let mut push = |range: Range<usize>, token: Token| {
        if range.is_empty() {
            return;
        }
        match spans.last_mut() {
            Some((last, kind)) if *kind == token && last.end == range.start => {
                last.end = range.end;
            }
            _ => spans.push((range, token)),
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        match bytes[i] {
            b'"' => {
                i = string_end(bytes, i);
                let token = if next_is_colon(bytes, i) {
                    Token::Key
                } else {
                    Token::String
                };
                push(start..i, token);
            }
            b'-' | b'0'..=b'9' => {
                while i < bytes.len()
                    && matches!(bytes[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                let token = if is_json_number(&bytes[start..i]) {
                    Token::Number
                } else {
                    Token::Plain
                };
                push(start..i, token);
            }
            b'{' | b'}' | b'[' | b']' | b':' | b',' => {
                i += 1;
                push(start..i, Token::Punctuation);
            }
            b'a'..=b'z' | b'A'..=b'Z' => {
                while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                let token = match &bytes[start..i] {
                    b"true" | b"false" | b"null" => Token::Literal,
                    _ => Token::Plain,
                };
                push(start..i, token);
            }
            _ => {
                // Up to the next byte a token may start with: all ASCII, so
                // the cut is on a char boundary.
                i += 1;
                while i < bytes.len()
                    && !matches!(
                        bytes[i],
                        b'"' | b'-'
                            | b'0'..=b'9'
                            | b'{'
                            | b'}'
                            | b'['
                            | b']'
                            | b':'
                            | b','
                            | b'a'..=b'z'
                            | b'A'..=b'Z'
                    )
                {
                    i += 1;
                }
                push(start..i, Token::Plain);
            }
        }
    }
    spans
}

/// Just past the string starting at `start`: its closing quote, else the
/// end of its line (a string cannot hold a raw line break).
fn string_end(bytes: &[u8], start: usize) -> usize {
    let line_end = memchr::memchr(b'\n', bytes.get(start..).unwrap_or_default())
        .map_or(bytes.len(), |at| start + at);
    json_scan::string_end(bytes.get(..line_end).unwrap_or(bytes), start)
}

fn next_is_colon(bytes: &[u8], from: usize) -> bool {
    bytes[from.min(bytes.len())..]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        == Some(&b':')
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn is_json_number(bytes: &[u8]) -> bool {
    let digits = |bytes: &[u8], at: usize| {
        bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i += digits(bytes, i),
        _ => return false,
    }
    if bytes.get(i) == Some(&b'.') {
        let n = digits(bytes, i + 1);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = digits(bytes, i);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == bytes.len()
}

/// Whether text looks like JSON enough to colour: it opens an object or an
/// array.
pub fn looks_like_json(text: &str) -> bool {
    matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['))
}

fn color(p: &Palette, plain: Color32, token: Token) -> Color32 {
    match token {
        Token::Key => p.json_key,
        Token::String => p.json_string,
        Token::Number => p.json_number,
        Token::Literal => p.json_literal,
        Token::Punctuation => p.json_punctuation,
        Token::Plain => plain,
    }
}

fn layout_job(text: &str, font: FontId, p: &Palette, plain: Color32) -> LayoutJob {
    let mut job = LayoutJob {
        text: text.to_owned(),
        ..Default::default()
    };
    for (range, token) in tokenize(text) {
        job.sections.push(egui::text::LayoutSection {
            leading_space: 0.0,
            byte_range: ByteIndex(range.start)..ByteIndex(range.end),
            format: TextFormat::simple(font.clone(), color(p, plain, token)),
        });
    }
    job
}

#[derive(Default)]
struct Colourer;

type Key<'a> = (&'a str, &'a FontId, bool, Color32);

impl egui::cache::ComputerMut<Key<'_>, Arc<LayoutJob>> for Colourer {
    fn compute(&mut self, (text, font, dark, plain): Key<'_>) -> Arc<LayoutJob> {
        let p = if dark { DARK } else { LIGHT };
        Arc::new(layout_job(text, font.clone(), &p, plain))
    }
}

type ColourCache = egui::cache::FrameCache<Arc<LayoutJob>, Colourer>;

/// The coloured layout of `text`, tokenized once while it stays on screen.
pub fn coloured(ui: &Ui, text: &str, wrap_width: f32) -> Arc<egui::Galley> {
    let font = TextStyle::Monospace.resolve(ui.style());
    let dark = ui.visuals().dark_mode;
    let plain = ui.visuals().text_color();
    let job = ui.ctx().memory_mut(|mem| {
        mem.caches
            .cache::<ColourCache>()
            .get((text, &font, dark, plain))
            .clone()
    });
    let mut job = (*job).clone();
    job.wrap.max_width = wrap_width;
    ui.ctx().fonts_mut(|fonts| fonts.layout_job(job))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(&str, Token)> {
        tokenize(text)
            .into_iter()
            .map(|(range, token)| (&text[range], token))
            .collect()
    }

    fn covered(text: &str) {
        let spans = tokenize(text);
        let mut at = 0;
        for (range, _) in &spans {
            assert_eq!(range.start, at, "{text:?}: a gap or overlap");
            assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
            at = range.end;
        }
        assert_eq!(at, text.len(), "{text:?}: not covered to its end");
    }

    #[test]
    fn keys_and_string_values_differ() {
        use Token::*;
        assert_eq!(
            tokens(r#"{"job_city" : "Lyon", "tags": ["a"]}"#),
            vec![
                ("{", Punctuation),
                ("\"job_city\"", Key),
                (" ", Plain),
                (":", Punctuation),
                (" ", Plain),
                ("\"Lyon\"", String),
                (",", Punctuation),
                (" ", Plain),
                ("\"tags\"", Key),
                (":", Punctuation),
                (" ", Plain),
                ("[", Punctuation),
                ("\"a\"", String),
                ("]}", Punctuation),
            ]
        );
    }

    #[test]
    fn numbers_and_literals() {
        use Token::*;
        assert_eq!(
            tokens("[0,-12.5e+3,true,false,null]"),
            vec![
                ("[", Punctuation),
                ("0", Number),
                (",", Punctuation),
                ("-12.5e+3", Number),
                (",", Punctuation),
                ("true", Literal),
                (",", Punctuation),
                ("false", Literal),
                (",", Punctuation),
                ("null", Literal),
                ("]", Punctuation),
            ]
        );
        // Not JSON numbers or literals: left plain.
        assert_eq!(tokens("01"), vec![("01", Plain)]);
        assert_eq!(tokens("1."), vec![("1.", Plain)]);
        assert_eq!(tokens("-"), vec![("-", Plain)]);
        assert_eq!(tokens("True nulls"), vec![("True nulls", Plain)]);
    }

    #[test]
    fn escaped_quotes_stay_inside_the_string() {
        use Token::*;
        assert_eq!(
            tokens(r#"{"a\"b": "say \"hi\" \\"}"#),
            vec![
                ("{", Punctuation),
                (r#""a\"b""#, Key),
                (":", Punctuation),
                (" ", Plain),
                (r#""say \"hi\" \\""#, String),
                ("}", Punctuation),
            ]
        );
    }

    #[test]
    fn invalid_json_is_coloured_where_it_can_be_and_never_fails() {
        use Token::*;
        // The unclosed string ends with its line; neighbours of a kind merge.
        assert_eq!(
            tokens("{\"open: 1\n oops ]"),
            vec![
                ("{", Punctuation),
                ("\"open: 1", String),
                ("\n oops ", Plain),
                ("]", Punctuation),
            ]
        );
        for text in [
            "",
            "\"",
            "\"\\",
            "{\"a\":",
            "-",
            "1e",
            "ünïcode ✓ {\"é\": \"ß\"} 😀",
            "}}}]]]:::,,,",
            "<html>not json</html>",
        ] {
            covered(text);
        }
    }

    #[test]
    fn text_from_lossy_non_utf8_bytes_is_covered() {
        let text = String::from_utf8_lossy(b"{\"a\xff\": \xfe\xfd1}").into_owned();
        covered(&text);
        let spans = tokens(&text);
        assert_eq!(spans[1], ("\"a\u{fffd}\"", Token::Key));
        assert!(spans.contains(&("1", Token::Number)));
    }

    #[test]
    fn the_layout_takes_its_colours_from_the_palette() {
        let plain = Color32::WHITE;
        let text = r#"{"a": "b", "n": 1, "t": null}"#;
        for p in [DARK, LIGHT] {
            let job = layout_job(text, FontId::monospace(12.0), &p, plain);
            let colour_of = |needle: &str| {
                let at = ByteIndex(text.find(needle).unwrap());
                job.sections
                    .iter()
                    .find(|s| s.byte_range.start <= at && at < s.byte_range.end)
                    .unwrap()
                    .format
                    .color
            };
            assert_eq!(colour_of("\"a\""), p.json_key);
            assert_eq!(colour_of("\"b\""), p.json_string);
            assert_eq!(colour_of("1"), p.json_number);
            assert_eq!(colour_of("null"), p.json_literal);
            assert_eq!(colour_of("{"), p.json_punctuation);
            assert_eq!(colour_of(" "), plain);
            assert_eq!(job.text, text);
        }
    }

    #[test]
    fn only_objects_and_arrays_look_like_json() {
        assert!(looks_like_json("  {\"a\":1}"));
        assert!(looks_like_json("\n[1]"));
        assert!(!looks_like_json("a=1&b=2"));
        assert!(!looks_like_json(""));
    }
}
