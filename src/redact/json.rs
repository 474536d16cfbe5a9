//! A JSON body redacted in place: the text is validated, then walked while
//! tracking each value's pointer, and every byte is copied as it came but
//! the values a rule covers. Key order, number spelling, whitespace and
//! unknown fields stay, so the checker finds the same things at the same
//! pointers.

use std::borrow::Cow;

use serde::de::IgnoredAny;
use smallvec::SmallVec;

use crate::json_scan;

use super::Pass;
use super::policy::Rule;
use super::pseudonym::is_digits;

/// Whether `body` is one JSON value (UTF-8, nothing after it). Strings
/// that are ignored are not checked for UTF-8 by serde_json: the whole text
/// is, first.
pub fn is_json(body: &[u8]) -> bool {
    std::str::from_utf8(body).is_ok_and(|text| serde_json::from_str::<IgnoredAny>(text).is_ok())
}

/// The body rules as a tree of pointer tokens, `*` matching any one key or
/// index.
#[derive(Clone, Debug)]
pub struct Matcher {
    nodes: Vec<Node>,
}

#[derive(Clone, Debug, Default)]
struct Node {
    children: Vec<(Box<[u8]>, u32)>,
    any: Option<u32>,
    /// The first rule that ends here.
    rule: Option<usize>,
}

/// The nodes a value's pointer has reached: empty when no rule can match
/// below it.
type State = SmallVec<[u32; 4]>;

const ROOT: u32 = 0;

impl Matcher {
    pub fn new(rules: &[Rule]) -> Self {
        let mut nodes = vec![Node::default()];
        for (index, rule) in rules.iter().enumerate() {
            let Rule::Body(tokens) = rule else {
                continue;
            };
            let mut at = ROOT as usize;
            for token in tokens {
                let next = if token == "*" {
                    nodes[at].any
                } else {
                    nodes[at]
                        .children
                        .iter()
                        .find(|(t, _)| **t == *token.as_bytes())
                        .map(|&(_, n)| n)
                };
                let next = match next {
                    Some(next) => next,
                    None => {
                        let next = nodes.len() as u32;
                        nodes.push(Node::default());
                        if token == "*" {
                            nodes[at].any = Some(next);
                        } else {
                            nodes[at].children.push((token.as_bytes().into(), next));
                        }
                        next
                    }
                };
                at = next as usize;
            }
            nodes[at].rule.get_or_insert(index);
        }
        Self { nodes }
    }

    /// The first rule covering the value at `tokens` (an event's pointer,
    /// split and unescaped) or a value holding it.
    pub fn covers<'t>(&self, tokens: impl IntoIterator<Item = &'t str>) -> Option<usize> {
        let mut state: State = SmallVec::from_slice(&[ROOT]);
        let mut next = State::new();
        let mut covered = None;
        for token in tokens {
            next.clear();
            covered = first(covered, self.step(&state, token.as_bytes(), &mut next));
            std::mem::swap(&mut state, &mut next);
        }
        covered
    }

    fn is_empty(&self) -> bool {
        self.nodes.len() == 1
    }

    /// The nodes `key` leads to from `from`, into `to`; the first rule
    /// that ends at one of them.
    fn step(&self, from: &[u32], key: &[u8], to: &mut State) -> Option<usize> {
        let mut rule: Option<usize> = None;
        let mut reach = |node: u32, to: &mut State| {
            if let Some(r) = self.nodes[node as usize].rule {
                rule = Some(rule.map_or(r, |old| old.min(r)));
            }
            to.push(node);
        };
        for &node in from {
            let node = &self.nodes[node as usize];
            if let Some(&(_, next)) = node.children.iter().find(|(t, _)| **t == *key) {
                reach(next, to);
            }
            if let Some(next) = node.any {
                reach(next, to);
            }
        }
        rule
    }
}

/// The first of two rules, when a value is covered twice.
fn first(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        _ => a.or(b),
    }
}

/// `id`, `id_*` and `*_id`: keys whose values are ids.
fn is_id_key(key: &[u8]) -> bool {
    key.eq_ignore_ascii_case(b"id")
        || key.len() > 3
            && (key[..3].eq_ignore_ascii_case(b"id_")
                || key[key.len() - 3..].eq_ignore_ascii_case(b"_id"))
}

/// `body`, a valid JSON text ([`is_json`]), with the values the rules
/// cover replaced (and ids, when asked): `None` when nothing changed.
pub fn redact(body: &[u8], pass: &mut Pass<'_>) -> Option<Vec<u8>> {
    if pass.redactor.matcher.is_empty() && !pass.redactor.options.redact_ids {
        return None;
    }
    let mut walk = Walk {
        src: body,
        pos: 0,
        out: Vec::new(),
        copied: 0,
        ids: pass.redactor.options.redact_ids,
        pass,
    };
    walk.body();
    if walk.copied == 0 {
        return None;
    }
    let mut out = walk.out;
    out.extend_from_slice(&body[walk.copied..]);
    Some(out)
}

struct Walk<'s, 'p, 'r> {
    src: &'s [u8],
    pos: usize,
    /// The rewritten text up to `copied`; empty until the first change.
    out: Vec<u8>,
    copied: usize,
    ids: bool,
    pass: &'p mut Pass<'r>,
}

impl Walk<'_, '_, '_> {
    /// Events: the body itself, or each item of an array body.
    fn body(&mut self) {
        let root: State = SmallVec::from_slice(&[ROOT]);
        self.ws();
        match self.src.get(self.pos) {
            Some(b'[') => {
                self.pos += 1;
                loop {
                    self.ws();
                    match self.src.get(self.pos) {
                        Some(b']') | None => return,
                        Some(b',') => self.pos += 1,
                        Some(_) => {
                            if !self.advanced(|walk| walk.value(&root, false, None)) {
                                return;
                            }
                        }
                    }
                }
            }
            Some(b'{') => self.value(&root, false, None),
            _ => {}
        }
    }

    /// Runs `step`, and says whether it moved on: the text is valid JSON,
    /// so it always does, but a walk must end whatever it is given.
    fn advanced(&mut self, step: impl FnOnce(&mut Self)) -> bool {
        let before = self.pos;
        step(self);
        self.pos > before
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.src.get(self.pos) {
            self.pos += 1;
        }
    }

    /// The position after the string that starts (with its quote) at `start`.
    fn string_end(&self, start: usize) -> usize {
        json_scan::string_end(self.src, start)
    }

    /// Past a value no rule reaches.
    fn skip(&mut self) {
        match self.src.get(self.pos) {
            Some(b'"') => self.pos = self.string_end(self.pos),
            Some(b'{' | b'[') => self.skip_container(),
            Some(_) => {
                while let Some(b) = self.src.get(self.pos) {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.pos += 1;
                }
            }
            None => {}
        }
    }

    fn skip_container(&mut self) {
        let mut depth = 0usize;
        while let Some(&b) = self.src.get(self.pos) {
            match b {
                b'"' => {
                    self.pos = self.string_end(self.pos);
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.pos += 1;
                        return;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
    }

    /// One value, `state` being where its pointer got in the rules,
    /// `covered` the rule that covers it (or a parent of it).
    fn value(&mut self, state: &[u32], is_id: bool, covered: Option<usize>) {
        self.ws();
        if state.is_empty() && covered.is_none() && !self.ids {
            return self.skip();
        }
        let start = self.pos;
        match self.src.get(start) {
            Some(b'{') => self.object(state, covered),
            Some(b'[') => self.array(state, is_id, covered),
            Some(b'"') => {
                self.pos = self.string_end(start);
                if covered.is_some() || (self.ids && is_id) {
                    self.string(start, is_id, covered);
                }
            }
            Some(b't' | b'f' | b'n') => self.skip(),
            Some(_) => {
                while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') =
                    self.src.get(self.pos)
                {
                    self.pos += 1;
                }
                if covered.is_some() || (self.ids && is_id) {
                    self.number(start, is_id, covered);
                }
            }
            None => {}
        }
    }

    fn object(&mut self, state: &[u32], covered: Option<usize>) {
        self.pos += 1;
        let mut child = State::new();
        loop {
            self.ws();
            match self.src.get(self.pos) {
                Some(b'"') => {}
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                _ => {
                    self.pos += 1;
                    return;
                }
            }
            let start = self.pos;
            self.pos = self.string_end(start);
            let raw = self.src.get(start + 1..self.pos - 1).unwrap_or_default();
            let key: Cow<[u8]> = if raw.contains(&b'\\') {
                Cow::Owned(decode(&self.src[start..self.pos]).into_owned().into_bytes())
            } else {
                Cow::Borrowed(raw)
            };
            self.ws();
            if self.src.get(self.pos) == Some(&b':') {
                self.pos += 1;
            }
            child.clear();
            let hit = if state.is_empty() {
                None
            } else {
                self.pass.redactor.matcher.step(state, &key, &mut child)
            };
            self.value(&child, is_id_key(&key), first(covered, hit));
        }
    }

    /// Items have their array's key: `"ids": [1, 2]` holds ids.
    fn array(&mut self, state: &[u32], is_id: bool, covered: Option<usize>) {
        self.pos += 1;
        let mut child = State::new();
        let mut index = 0usize;
        loop {
            self.ws();
            match self.src.get(self.pos) {
                Some(b']') | None => {
                    self.pos += 1;
                    return;
                }
                Some(b',') => {
                    self.pos += 1;
                    continue;
                }
                Some(_) => {}
            }
            child.clear();
            let hit = if state.is_empty() {
                None
            } else {
                let digits = itoa(index);
                self.pass.redactor.matcher.step(state, &digits, &mut child)
            };
            if !self.advanced(|walk| walk.value(&child, is_id, first(covered, hit))) {
                return;
            }
            index += 1;
        }
    }

    /// Writes `with` in place of `src[start..self.pos]`.
    fn replace(&mut self, start: usize, with: &[u8]) {
        if self.copied == 0 {
            self.out.reserve(self.src.len() + 64);
        }
        self.out.extend_from_slice(&self.src[self.copied..start]);
        self.out.extend_from_slice(with);
        self.copied = self.pos;
    }

    fn string(&mut self, start: usize, is_id: bool, covered: Option<usize>) {
        let text = decode(&self.src[start..self.pos]);
        let after = if is_id && self.ids {
            if text.trim().is_empty() {
                return;
            }
            let mapped = if is_digits(&text) {
                self.id(&text)
            } else {
                match self.pass.redactor.keyed.string(&text) {
                    Some(p) => p,
                    None => return,
                }
            };
            self.pass.tally.ids += 1;
            mapped
        } else if is_id {
            return;
        } else {
            let Some(rule) = covered else {
                return;
            };
            let Some(after) = self.pass.redactor.keyed.string(&text) else {
                return;
            };
            self.pass.replaced(rule, &text, &after);
            after
        };
        let mut quoted = Vec::with_capacity(after.len() + 2);
        quoted.push(b'"');
        push_escaped(&mut quoted, &after);
        quoted.push(b'"');
        self.replace(start, &quoted);
    }

    fn number(&mut self, start: usize, is_id: bool, covered: Option<usize>) {
        let Ok(raw) = std::str::from_utf8(&self.src[start..self.pos]) else {
            return;
        };
        let after = if is_id && self.ids {
            self.pass.tally.ids += 1;
            if is_digits(raw) {
                self.id(raw)
            } else {
                self.pass.redactor.keyed.digits(raw)
            }
        } else if is_id {
            return;
        } else {
            let Some(rule) = covered else {
                return;
            };
            let after = self.pass.redactor.keyed.digits(raw);
            self.pass.replaced(rule, raw, &after);
            after
        };
        self.replace(start, after.as_bytes());
    }

    /// An id of digits, with its sign.
    fn id(&mut self, text: &str) -> String {
        let (sign, digits) = match text.strip_prefix('-') {
            Some(digits) => ("-", digits),
            None => ("", text),
        };
        let mapped = self
            .pass
            .redactor
            .keyed
            .id_digits(digits, &mut self.pass.id_cache);
        format!("{sign}{mapped}")
    }
}

/// A JSON string token (quotes included) as text: escapes undone, so that
/// the same name gives the same pseudonym however it was escaped.
pub fn decode(token: &[u8]) -> Cow<'_, str> {
    let inner = token
        .get(1..token.len().saturating_sub(1))
        .unwrap_or_default();
    if !inner.contains(&b'\\') {
        return String::from_utf8_lossy(inner);
    }
    match serde_json::from_slice::<String>(token) {
        Ok(text) => Cow::Owned(text),
        Err(_) => String::from_utf8_lossy(inner),
    }
}

/// `text` as the inside of a JSON string.
pub fn push_escaped(out: &mut Vec<u8>, text: &str) {
    for &b in text.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0..0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
            _ => out.push(b),
        }
    }
}

/// An array index as a pointer token.
fn itoa(mut n: usize) -> SmallVec<[u8; 20]> {
    let mut digits = SmallVec::new();
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    digits
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::{Options, Policy, Redactor, Tally};

    const KEY: u128 = 42;

    fn redactor(policy: &str, options: Options) -> Redactor {
        Redactor::with_key(Policy::parse(policy).unwrap(), options, KEY)
    }

    fn redact(policy: &str, options: Options, body: &str) -> (String, Tally) {
        let redactor = redactor(policy, options);
        let mut tally = redactor.tally();
        let out = redactor.body(body.as_bytes(), &mut tally);
        (String::from_utf8(out).unwrap(), tally)
    }

    fn parse(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn only_covered_values_change_and_every_other_byte_stays() {
        let body = "[ {\"event\":\"creation\", \"type\":\"candidate\",\n  \"data\": {\"first_name\":  \"Zoé\" ,\"x\":1.50e2,\"email\":\"zoe@example.org\", \"extra\":{\"first_name\":\"Zoé\"}}} ]";
        let (out, tally) = redact("/data/first_name\n/data/email", Options::default(), body);
        let (original, redacted) = (parse(body), parse(&out));
        let first = redacted[0]["data"]["first_name"].as_str().unwrap();
        assert_ne!(first, "Zoé");
        assert_eq!(first.len(), 8);
        let email = redacted[0]["data"]["email"].as_str().unwrap();
        assert!(
            email.ends_with("@example.com") && email.len() > 12,
            "{email}"
        );
        assert_eq!(redacted[0]["data"]["extra"], original[0]["data"]["extra"]);
        // Everything around the two values, byte for byte.
        let around = |text: &str, values: &[&str]| {
            let mut text = text.to_owned();
            for v in values {
                text = text.replacen(&format!("\"{v}\""), "\"\"", 1);
            }
            text
        };
        assert_eq!(
            around(&out, &[first, email]),
            around(body, &["Zoé", "zoe@example.org"])
        );
        assert_eq!(tally.rules[0].replaced, 1);
        assert_eq!(tally.rules[1].replaced, 1);
        assert_eq!(tally.rules[0].examples[0].before, "Zoé");
        assert_eq!(tally.rules[0].examples[0].after, first);
    }

    #[test]
    fn a_bare_envelope_is_an_event_too() {
        let body =
            json!({"event": "update", "type": "candidate", "data": {"last_name": "Lefèvre"}});
        let (out, _) = redact("/data/last_name", Options::default(), &body.to_string());
        assert_ne!(parse(&out)["data"]["last_name"], "Lefèvre");
        assert!(!out.contains("Lefèvre"));
    }

    #[test]
    fn escapes_do_not_change_the_pseudonym() {
        let plain = r#"{"data":{"n":"Zoé \"Z\""}}"#;
        let escaped = r#"{"data":{"n":"Zo\u00e9 \u0022Z\""}}"#;
        let (a, _) = redact("/data/n", Options::default(), plain);
        let (b, _) = redact("/data/n", Options::default(), escaped);
        assert_eq!(a, b);
        assert!(!a.contains("Zo"), "{a}");
    }

    #[test]
    fn stars_match_keys_and_indices_and_indices_match_by_number() {
        let body = json!({"data": {"action": [
            {"consultant": {"first_name": "Vanessa", "id": "3144"}},
            {"consultant": {"first_name": "Marc", "id": 3144}},
        ], "m": {"a": {"v": "one"}, "b": {"v": "two"}}}});
        let (out, tally) = redact(
            "/data/action/*/consultant/first_name\n/data/m/*/v\n/data/action/1/consultant",
            Options::default(),
            &body.to_string(),
        );
        let out = parse(&out);
        for i in 0..2 {
            let name = out["data"]["action"][i]["consultant"]["first_name"]
                .as_str()
                .unwrap();
            assert!(!["Vanessa", "Marc"].contains(&name), "{name}");
        }
        // Ids stay, even under a rule.
        assert_eq!(out["data"]["action"][0]["consultant"]["id"], "3144");
        assert_eq!(out["data"]["action"][1]["consultant"]["id"], 3144);
        assert_ne!(out["data"]["m"]["a"]["v"], "one");
        assert_ne!(out["data"]["m"]["b"]["v"], "two");
        // Two rules cover Marc: the first one counts it.
        assert_eq!(tally.rules[0].replaced, 2);
        assert_eq!(tally.rules[1].replaced, 2);
        assert_eq!(tally.rules[2].replaced, 0);
    }

    #[test]
    fn a_rule_on_an_object_redacts_its_leaves_and_keeps_types_keys_dates_and_ids() {
        let body = json!({"data": {"form": {
            "input": [{"question": "Nom", "answer": "Lefèvre", "id_question": "4630", "question_id": 7}],
            "when": "2019-07-19T16:57:17+0200",
            "none": null, "yes": true, "n": 12345, "neg": -7.25, "blank": "", "space": "  ",
            "list": ["Zoé", 3, [null, "x y z"]],
            "tel": "+33 6 12 34 56 78", "rating": "-1"
        }}});
        let (out, tally) = redact("/data/form", Options::default(), &body.to_string());
        let (before, after) = (&body["data"]["form"], &parse(&out)["data"]["form"]);
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(before), keys(after));
        assert_eq!(keys(&before["input"][0]), keys(&after["input"][0]));
        assert_ne!(after["input"][0]["question"], "Nom");
        assert_ne!(after["input"][0]["answer"], "Lefèvre");
        assert_eq!(after["input"][0]["id_question"], "4630");
        assert_eq!(after["input"][0]["question_id"], 7);
        assert_eq!(after["when"], before["when"]);
        assert_eq!(after["none"], Value::Null);
        assert_eq!(after["yes"], true);
        assert_eq!(after["blank"], "");
        assert_eq!(after["space"], "  ");
        let n = after["n"].as_u64().unwrap();
        assert!((10_000..100_000).contains(&n) && n != 12345, "{n}");
        let neg = after["neg"].as_f64().unwrap();
        assert!(neg < 0.0 && after["neg"].to_string().len() == 5, "{neg}");
        assert_eq!(after["list"][2][0], Value::Null);
        assert!(after["list"][1].is_number());
        assert!(after["list"][2][1].as_str().is_some_and(|s| s != "x y z"));
        let tel = after["tel"].as_str().unwrap();
        assert_eq!(tel.len(), "+33 6 12 34 56 78".len());
        assert!(tel.starts_with('+') && tel != "+33 6 12 34 56 78");
        let rating = after["rating"].as_str().unwrap();
        assert!(rating.starts_with('-') && rating.len() == 2);
        assert_eq!(tally.rules[0].replaced, 9);
        assert_eq!(tally.rules[0].examples.len(), 3);
    }

    #[test]
    fn ids_are_mapped_when_asked_consistently_and_as_ids() {
        let body = json!([
            {"event": "creation", "type": "candidate", "data": {"id": 1234567876, "id_company": "11111",
             "action": [{"id": "3144", "consultant": {"id": 3144, "office": "128"}, "form": {"id_form_answer_value": null}}]}},
            {"event": "delete", "type": "job", "data": {"job_id": 126751, "job_office_id": 0, "x_id": "ab-12", "n_id": "-5"}}
        ]);
        let options = Options {
            redact_ids: true,
            ..Options::default()
        };
        let (out, tally) = redact("", options, &body.to_string());
        let out = parse(&out);
        let data = &out[0]["data"];
        let id = data["id"].as_u64().unwrap();
        assert_ne!(id, 1234567876);
        assert_eq!(id.to_string().len(), 10);
        assert_ne!(data["id_company"], "11111");
        assert_eq!(data["id_company"].as_str().unwrap().len(), 5);
        let action = data["action"][0]["id"].as_str().unwrap();
        assert_ne!(action, "3144");
        assert_eq!(
            data["action"][0]["consultant"]["id"].to_string(),
            action,
            "3144 as a number or a string"
        );
        assert_eq!(
            data["action"][0]["consultant"]["office"], "128",
            "not named as an id"
        );
        assert_eq!(
            data["action"][0]["form"]["id_form_answer_value"],
            Value::Null
        );
        assert_eq!(out[1]["data"]["job_office_id"], 0, "zero stays");
        let job = out[1]["data"]["job_id"].as_u64().unwrap();
        assert!(job != 126751 && (100_000..1_000_000).contains(&job));
        let text = out[1]["data"]["x_id"].as_str().unwrap();
        assert!(
            text != "ab-12" && !text.chars().any(|c| c.is_ascii_digit()),
            "{text}"
        );
        let neg = out[1]["data"]["n_id"].as_str().unwrap();
        assert!(
            neg.starts_with('-') && neg.len() == 2 && neg != "-5",
            "{neg}"
        );
        assert_eq!(tally.ids, 8);
    }

    #[test]
    fn bodies_that_are_not_json_become_a_placeholder_of_their_length() {
        for body in [
            &b"{\"data\": {\"first_name\": \"Zo"[..],
            b"caf\xe9",
            b"{\"data\": {\"first_name\": \"Zo\xe9\"}}",
            b"x",
            b"[1,]",
        ] {
            let redactor = redactor("/data/first_name", Options::default());
            let mut tally = redactor.tally();
            let out = redactor.body(body, &mut tally);
            assert_eq!(out.len(), body.len());
            assert!(out.is_ascii());
            assert!(
                super::super::PLACEHOLDER
                    .as_bytes()
                    .starts_with(&out[..out.len().min(36)])
            );
            assert!(!super::is_json(&out));
            assert_eq!(tally.unparsed_replaced, 1);
            let keep = Redactor::with_key(
                Policy::default(),
                Options {
                    keep_unparsed: true,
                    ..Options::default()
                },
                KEY,
            );
            let mut tally = keep.tally();
            assert_eq!(keep.body(body, &mut tally), body);
            assert_eq!((tally.unparsed_kept, tally.unparsed_replaced), (1, 0));
        }
        let long = vec![b'#'; 100];
        let redactor = redactor("", Options::default());
        let out = redactor.body(&long, &mut redactor.tally());
        assert!(out.starts_with(super::super::PLACEHOLDER.as_bytes()));
        assert_eq!(out.len(), 100);
        // Blank bodies hold nothing: kept.
        for body in [&b""[..], b"  \n"] {
            assert_eq!(redactor.body(body, &mut redactor.tally()), body);
        }
    }

    #[test]
    fn deep_and_odd_json_is_walked_safely() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let (out, _) = redact(
            "/*/*",
            Options {
                redact_ids: true,
                ..Options::default()
            },
            &deep,
        );
        assert_eq!(out, deep);
        for body in [
            "\"Zoé\"",
            "42",
            "null",
            "[]",
            "{}",
            "[\"a\", {\"data\": null}]",
            "{\"data\":{\"first_name\":{}}}",
        ] {
            // Nothing here is a value a rule reaches (a bare string is no
            // event; null and empty containers stay).
            let (out, tally) = redact("/data/first_name\n/*", Options::default(), body);
            assert_eq!(out, body);
            assert_eq!(tally.total(), 0);
        }
    }

    mod walk {
        use proptest::prelude::*;
        use serde_json::{Map, Value};

        use super::{Options, redact};

        const POLICY: &str = "/data/*\n/*/first_name\n/a/0";
        const RULES: &[&[&str]] = &[&["data", "*"], &["*", "first_name"], &["a", "0"]];

        fn scalar() -> impl Strategy<Value = Value> {
            prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                (-1e12f64..1e12).prop_map(Value::from),
                "[a-zA-Z0-9 é<>\"\\\\\n@.+-]{0,14}".prop_map(Value::String),
                Just(Value::String("2019-07-19T16:57:17+0200".into())),
                Just(Value::String("06 12 34 56 78".into())),
            ]
        }

        fn json() -> impl Strategy<Value = Value> {
            let key = prop_oneof![
                Just("data"),
                Just("first_name"),
                Just("a"),
                Just("id"),
                Just("job_id"),
                Just("x"),
                Just("é\"k"),
            ];
            scalar().prop_recursive(4, 48, 4, move |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::vec((key.clone(), inner), 0..4).prop_map(|pairs| {
                        Value::Object(
                            pairs
                                .into_iter()
                                .map(|(k, v)| (k.to_owned(), v))
                                .collect::<Map<_, _>>(),
                        )
                    }),
                ]
            })
        }

        fn is_id(key: &str) -> bool {
            key == "id" || key.starts_with("id_") || key.ends_with("_id")
        }

        /// Walks the original and the redacted value together: the same
        /// shape, uncovered values equal, covered text replaced.
        fn check(before: &Value, after: &Value, rules: &[&[&str]], covered: bool, key: &str) {
            let step = |token: &str| -> (Vec<&[&str]>, bool) {
                let next: Vec<&[&str]> = rules
                    .iter()
                    .filter(|r| r.first().is_some_and(|t| *t == "*" || *t == token))
                    .map(|r| &r[1..])
                    .collect();
                let hit = next.iter().any(|r| r.is_empty());
                (next.into_iter().filter(|r| !r.is_empty()).collect(), hit)
            };
            match (before, after) {
                (Value::Object(b), Value::Object(a)) => {
                    assert_eq!(b.keys().collect::<Vec<_>>(), a.keys().collect::<Vec<_>>());
                    for ((k, bv), av) in b.iter().zip(a.values()) {
                        let (next, hit) = step(k);
                        check(bv, av, &next, covered || hit, k);
                    }
                }
                (Value::Array(b), Value::Array(a)) => {
                    assert_eq!(b.len(), a.len());
                    for (i, (bv, av)) in b.iter().zip(a).enumerate() {
                        let (next, hit) = step(&i.to_string());
                        check(bv, av, &next, covered || hit, key);
                    }
                }
                (Value::String(b), Value::String(a)) if covered && !is_id(key) => {
                    let text = b.chars().count() >= 3
                        && !b.trim().is_empty()
                        && !b.bytes().any(|c| c.is_ascii_digit());
                    if text {
                        assert_ne!(a, b);
                        assert!(!a.contains(b.as_str()));
                    }
                }
                (Value::Number(_), Value::Number(_)) if covered && !is_id(key) => {}
                (b, a) => assert_eq!(a, b, "at key {key:?}, covered {covered}"),
            }
        }

        proptest! {
            #[test]
            fn the_rewrite_keeps_the_shape_and_replaces_what_rules_cover(
                events in prop::collection::vec(json(), 1..4),
                array in any::<bool>(),
                pretty in any::<bool>(),
                escape in any::<bool>(),
            ) {
                let body = if array { Value::Array(events) } else { events[0].clone() };
                let mut text = if pretty {
                    serde_json::to_string_pretty(&body).unwrap()
                } else {
                    serde_json::to_string(&body).unwrap()
                };
                if escape {
                    // é only occurs inside strings: escaping it keeps the value.
                    text = text.replace('é', "\\u00e9");
                }
                let (out, _) = redact(POLICY, Options::default(), &text);
                // Compared as the same parser reads both (floats do not
                // round-trip through serde_json's text exactly).
                let body: Value = serde_json::from_str(&text).unwrap();
                let after: Value = serde_json::from_str(&out).unwrap();
                let events: Vec<(&Value, &Value)> = match (&body, &after) {
                    (Value::Array(b), Value::Array(a)) => b.iter().zip(a).collect(),
                    (b, a) => vec![(b, a)],
                };
                for (before, after) in events {
                    check(before, after, RULES, false, "");
                }
            }
        }
    }
}
