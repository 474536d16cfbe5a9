//! Values found again where no rule reaches: a target's answer that echoes
//! the candidate's name, an error message quoting a token. The rules know
//! where personal data sits in a webhook, not in what a target answers, so
//! every value a rule replaced is looked for in the answers' text and
//! replaced there by the same pseudonym.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::json::{decode, push_escaped};
use super::pseudonym::Keyed;
use crate::json_scan::string_end;

/// Values shorter than this are not looked for: they would be found in
/// any text ("Li" in "Lille").
pub const MIN_LEN: usize = 3;
/// Nor longer ones: a CV's text is not echoed whole, and a long pattern
/// only costs memory.
pub const MAX_LEN: usize = 256;

/// The values to look for, found at once (Aho-Corasick), ASCII case aside.
pub struct Echoes {
    finder: AhoCorasick,
    values: Vec<Box<str>>,
}

impl Echoes {
    /// `None` when there is nothing to look for, or too much to build a
    /// finder for (the caller then treats answers as it would unread ones).
    pub fn new(values: Vec<Box<str>>) -> Result<Option<Self>, String> {
        if values.is_empty() {
            return Ok(None);
        }
        let finder = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .build(values.iter().map(|v| v.as_bytes()))
            .map_err(|e| e.to_string())?;
        Ok(Some(Self { finder, values }))
    }

    /// `text` with every value found replaced by its pseudonym.
    pub fn text(&self, text: &str, keyed: &Keyed, found: &mut usize) -> Option<String> {
        let mut out = String::new();
        let mut copied = 0;
        for hit in self.finder.find_iter(text) {
            let value = &self.values[hit.pattern().as_usize()];
            let Some(pseudonym) = keyed.string(value) else {
                continue;
            };
            out.push_str(&text[copied..hit.start()]);
            out.push_str(&pseudonym);
            copied = hit.end();
            *found += 1;
        }
        if copied == 0 {
            return None;
        }
        out.push_str(&text[copied..]);
        Some(out)
    }

    /// A valid JSON text with the values found in its strings (keys too)
    /// replaced.
    pub fn json(&self, body: &[u8], keyed: &Keyed, found: &mut usize) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut copied = 0;
        let mut pos = 0;
        while let Some(at) = memchr::memchr(b'"', body.get(pos..).unwrap_or_default()) {
            let start = pos + at;
            let end = string_end(body, start);
            pos = end;
            let text = decode(&body[start..end]);
            if let Some(scrubbed) = self.text(&text, keyed, found) {
                out.extend_from_slice(&body[copied..start]);
                out.push(b'"');
                push_escaped(&mut out, &scrubbed);
                out.push(b'"');
                copied = end;
            }
        }
        if copied == 0 {
            return None;
        }
        out.extend_from_slice(&body[copied..]);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_in_strings_whatever_their_ascii_case() {
        let keyed = Keyed::new(7);
        let echoes = Echoes::new(vec!["Zoé Lefèvre".into(), "s3cr3t-token".into()])
            .unwrap()
            .unwrap();
        let mut found = 0;
        let body =
            r#"{"message":"Hello ZO\u00c9 LEF\u00c8VRE","zoé lefèvre":1,"t":"S3CR3T-TOKEN!"}"#;
        // ASCII case only: the accented capitals differ, so one hit there.
        let out = echoes.json(body.as_bytes(), &keyed, &mut found).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("zoé lefèvre"), "{text}");
        assert!(!text.to_lowercase().contains("s3cr3t-token"), "{text}");
        assert_eq!(found, 2);
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let name = keyed.string("Zoé Lefèvre").unwrap();
        assert!(value.get(&name).is_some(), "{text}");
        assert_eq!(echoes.json(br#"{"ok":true}"#, &keyed, &mut found), None);
    }
}
