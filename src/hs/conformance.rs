//! Spec conformance: every event checked against what the spec shows, as
//! findings (level, JSON pointer, plain-language message).
//!
//! The spec is a set of examples, not a schema, so the shapes below are read
//! from its six example bodies. Where the examples themselves mix JSON types
//! the checker accepts every type they use, silently:
//!
//! - ids are numbers in some places (`job_id`, `id`, attachment `id`) and
//!   strings of digits in others (action, consultant, poste and form ids,
//!   `id_company`): every id may be either;
//! - `rating` is `0` and `"-1"`, an attachment's `type` is a number where an
//!   action's is a string: these codes may be a string or a number;
//! - `media`, `uniqfilename` and `id_form_answer_value` are `null` or a
//!   string; `tel_landline`, `tel_mobile` and `pastille` are only ever `null`
//!   (a string is accepted too);
//! - `attachment` and `form` appear on some actions only: they are optional.
//!
//! Levels:
//!
//! - **error**: the data cannot be what the spec describes: an object or an
//!   array of the wrong JSON type, a missing entity or action id, a date that
//!   cannot be read, an id that is neither a number nor a string of digits;
//! - **warning**: a field the spec shows is missing (one finding per object,
//!   naming the keys), a scalar of an unexpected type, `null` or `""` where
//!   the spec shows a value, a readable date not in the spec's format;
//! - **info**: fields the spec does not show (one finding per object).
//!
//! The envelope's own shape is checked by [`super::envelope`]; [`check`]
//! returns those findings first, then the data's. One walk over the parsed
//! value, no re-parsing; nothing is allocated unless something is found.

use std::fmt::Write as _;
use std::sync::OnceLock;

use foldhash::HashMap;

use serde_json::{Map, Value};

use super::dates::parse_date;
use super::envelope::{EntityType, Envelope, EventKind, json_kind};
use super::finding::{Finding, Level, pointer_token};

/// Every finding of one event: the envelope's, then the data's. Pointers are
/// relative to the envelope (e.g. `/data/action/1/date`).
pub fn check(envelope: &Envelope) -> Vec<Finding> {
    let mut out = envelope.findings.clone();
    check_into(
        &envelope.entity,
        &envelope.event,
        &envelope.data,
        "/data",
        &mut out,
    );
    out
}

/// The data's findings alone, pointers relative to `data` (e.g.
/// `/action/1/date`). A `data` that is not an object gives nothing: the
/// envelope already says so.
pub fn check_data(entity: &EntityType, event: &EventKind, data: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    check_into(entity, event, data, "", &mut out);
    out
}

fn check_into(
    entity: &EntityType,
    event: &EventKind,
    data: &Value,
    root: &str,
    out: &mut Vec<Finding>,
) {
    let Value::Object(map) = data else {
        return;
    };
    let shape = match (entity, event) {
        (EntityType::Job, EventKind::Delete) => &JOB_DELETE,
        (EntityType::Job, _) => &JOB,
        (EntityType::Candidate, EventKind::Delete) => &CANDIDATE_DELETE,
        (EntityType::Candidate, _) => &CANDIDATE,
        // The envelope already warns about a type the spec does not name.
        (EntityType::Unknown(_), _) => return,
    };
    let mut walk = Walk {
        path: String::with_capacity(64),
        out,
        // An event the spec does not name: no list of fields to expect, but
        // the fields sent are still checked.
        report_missing: !matches!(event, EventKind::Unknown(_)),
    };
    walk.path.push_str(root);
    walk.object(map, shape);
}

// ---- the shapes the spec shows ------------------------------------------------

/// What a key's value should be.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// A string.
    Text,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// A number or a string of digits.
    Id,
    /// A string or a number (the examples use both).
    Code,
    /// Any scalar: the examples only show `null`.
    Scalar,
    /// A date string in the spec's format.
    Date,
    Object(&'static Shape),
    /// An array; of objects of that shape, or of anything when `None`.
    List(Option<&'static Shape>),
}

/// Whether a key must be there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Need {
    /// The object's identity: missing, `null` or empty is an error.
    Identity,
    /// Shown by every example: missing is a warning.
    Shown,
    /// Shown by some examples only.
    Optional,
}

#[derive(Debug)]
struct Field {
    key: &'static str,
    kind: Kind,
    need: Need,
    /// The examples show `null` here.
    nullable: bool,
}

#[derive(Debug)]
struct Shape {
    /// For messages: "the {name} lacks…", "this {name} is a string".
    name: &'static str,
    fields: &'static [Field],
    /// Appended to the message about keys the spec does not show.
    extra_note: &'static str,
    /// Key → position in `fields`, made when first needed.
    index: OnceLock<HashMap<&'static str, usize>>,
}

impl Shape {
    /// Where `key` is among the fields.
    fn position(&self, key: &str) -> Option<usize> {
        self.index
            .get_or_init(|| {
                self.fields
                    .iter()
                    .enumerate()
                    .map(|(i, field)| (field.key, i))
                    .collect()
            })
            .get(key)
            .copied()
    }

    fn has(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// "{name, code, iso2}": the keys, for messages.
    fn keys_hint(&self) -> String {
        let keys: Vec<&str> = self.fields.iter().map(|f| f.key).take(6).collect();
        let more = if self.fields.len() > keys.len() {
            ", …"
        } else {
            ""
        };
        format!("{{{}{more}}}", keys.join(", "))
    }
}

const fn f(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        need: Need::Shown,
        nullable: false,
    }
}

const fn identity(key: &'static str) -> Field {
    Field {
        key,
        kind: Kind::Id,
        need: Need::Identity,
        nullable: false,
    }
}

const fn nullable(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        need: Need::Shown,
        nullable: true,
    }
}

const fn optional(key: &'static str, kind: Kind) -> Field {
    Field {
        key,
        kind,
        need: Need::Optional,
        nullable: false,
    }
}

static JOB: Shape = Shape {
    name: "job",
    extra_note: "",
    index: OnceLock::new(),
    fields: &[
        identity("job_id"),
        f("job_office_id", Kind::Id),
        f("job_office_name", Kind::Text),
        f("job_reference", Kind::Text),
        f("job_title", Kind::Text),
        f("job_description", Kind::Text),
        f("job_profil", Kind::Text),
        f("job_commentaire", Kind::Text),
        f("job_jobstart", Kind::Date),
        f("job_mission_start", Kind::Date),
        f("job_type", Kind::Text),
        f("job_address", Kind::Text),
        f("job_company", Kind::Text),
        f("job_company_description", Kind::Text),
        f("job_contract_type", Kind::Text),
        f("job_contract_status", Kind::Text),
        f("job_salary", Kind::Text),
        f("job_education_level", Kind::Text),
        f("job_experience_level", Kind::Text),
        f("job_city", Kind::Text),
        f("job_city_intl", Kind::Text),
        f("job_country_intl", Kind::Object(&COUNTRY)),
        f("job_regions", Kind::List(None)),
        f("job_departments", Kind::List(None)),
        f("job_working_time", Kind::Text),
        f("job_logo", Kind::Text),
        f("job_published_at", Kind::Date),
        f("job_updated_at", Kind::Date),
        f("job_category_id", Kind::Id),
        f("job_category_name", Kind::Text),
        f("job_sub_category_id", Kind::Id),
        f("job_sub_category_name", Kind::Text),
        f("job_secteur_id", Kind::Id),
        f("job_secteur_name", Kind::Text),
        f("job_interlocutor_id", Kind::Id),
        f("job_interlocutor_name", Kind::Text),
        f("job_nb_cand_to_recruit", Kind::Number),
        f("job_var_salary", Kind::Text),
        f("job_recruitment_cost", Kind::Text),
        f("job_other_cost", Kind::Text),
        f("job_customer", Kind::Text),
        f("job_form_url", Kind::Text),
    ],
};

static JOB_DELETE: Shape = Shape {
    name: "job delete",
    extra_note: " (the spec's delete sends only job_id)",
    index: OnceLock::new(),
    fields: &[identity("job_id")],
};

static COUNTRY: Shape = Shape {
    name: "country",
    extra_note: "",
    index: OnceLock::new(),
    fields: &[
        f("name", Kind::Text),
        f("code", Kind::Text),
        f("iso2", Kind::Text),
    ],
};

static CANDIDATE: Shape = Shape {
    name: "candidate",
    extra_note: "",
    index: OnceLock::new(),
    fields: &[
        identity("id"),
        f("id_company", Kind::Id),
        f("first_name", Kind::Text),
        f("last_name", Kind::Text),
        f("email", Kind::Text),
        nullable("tel_landline", Kind::Text),
        nullable("tel_mobile", Kind::Text),
        f("tags", Kind::List(None)),
        f("action", Kind::List(Some(&ACTION))),
        f("latest_action", Kind::Date),
    ],
};

static CANDIDATE_DELETE: Shape = Shape {
    name: "candidate delete",
    extra_note: " (the spec's delete sends only id)",
    index: OnceLock::new(),
    fields: &[identity("id")],
};

static ACTION: Shape = Shape {
    name: "action",
    extra_note: "",
    index: OnceLock::new(),
    fields: &[
        identity("id"),
        f("type", Kind::Code),
        f("default_type", Kind::Code),
        nullable("media", Kind::Code),
        f("rating", Kind::Code),
        nullable("pastille", Kind::Scalar),
        f("code", Kind::Text),
        f("emailing", Kind::Bool),
        f("date", Kind::Date),
        f("consultant", Kind::Object(&CONSULTANT)),
        f("poste", Kind::Object(&POSTE)),
        optional("attachment", Kind::List(Some(&ATTACHMENT))),
        optional("form", Kind::Object(&FORM)),
    ],
};

static CONSULTANT: Shape = Shape {
    name: "consultant",
    extra_note: "",
    index: OnceLock::new(),
    fields: &[
        f("id", Kind::Id),
        f("office", Kind::Code),
        f("first_name", Kind::Text),
        f("last_name", Kind::Text),
    ],
};

static POSTE: Shape = Shape {
    name: "position (poste)",
    extra_note: "",
    index: OnceLock::new(),
    fields: &[
        f("id", Kind::Id),
        f("title", Kind::Text),
        f("status", Kind::Code),
        nullable("pastille", Kind::Scalar),
        f("customer", Kind::Code),
        f("consultant", Kind::Object(&POSTE_CONSULTANT)),
    ],
};

static POSTE_CONSULTANT: Shape = Shape {
    name: "position's consultant",
    extra_note: "",
    index: OnceLock::new(),
    fields: &[f("id", Kind::Id), f("office", Kind::Code)],
};

static ATTACHMENT: Shape = Shape {
    name: "attachment",
    extra_note: "",
    index: OnceLock::new(),
    fields: &[
        f("id", Kind::Id),
        f("type", Kind::Code),
        f("mimetype", Kind::Text),
        f("text", Kind::Text),
        f("filename", Kind::Text),
        nullable("uniqfilename", Kind::Text),
    ],
};

static FORM: Shape = Shape {
    name: "form",
    extra_note: "",
    index: OnceLock::new(),
    fields: &[
        f("id", Kind::Id),
        f("image", Kind::Text),
        f("input", Kind::List(Some(&ANSWER))),
    ],
};

static ANSWER: Shape = Shape {
    name: "form answer",
    extra_note: "",
    index: OnceLock::new(),
    fields: &[
        f("id_form_answer", Kind::Id),
        f("id_question", Kind::Id),
        f("question", Kind::Text),
        nullable("id_form_answer_value", Kind::Id),
        f("answer", Kind::Text),
    ],
};

// ---- the walk -----------------------------------------------------------------

/// An example of each of the spec's two date formats, for messages.
const DATE_FORMATS: &str = "2019-07-19T16:57:17+0200 or 2016-01-20T14:27:00+01:00";

/// How many characters of a value or key a message quotes.
const MAX_QUOTED: usize = 40;

/// How many keys a message names before "and N more".
const KEYS_NAMED: usize = 8;

struct Walk<'o> {
    /// The pointer of the object being checked.
    path: String,
    out: &'o mut Vec<Finding>,
    report_missing: bool,
}

impl Walk<'_> {
    /// The pointer of `key` in the current object.
    fn child(&self, key: &str) -> String {
        let mut pointer = String::with_capacity(self.path.len() + key.len() + 1);
        pointer.push_str(&self.path);
        pointer.push('/');
        pointer.push_str(&pointer_token(key));
        pointer
    }

    fn report(&mut self, level: Level, pointer: String, message: String) {
        self.out.push(Finding::new(level, pointer, message));
    }

    fn object(&mut self, map: &Map<String, Value>, shape: &Shape) {
        let start = self.out.len();
        let mut head: Vec<Finding> = Vec::new();
        let mut missing: Vec<&str> = Vec::new();
        let mut found = 0;
        // One pass over what was sent, rather than a lookup per field.
        let mut slots: Vec<Option<&Value>> = vec![None; shape.fields.len()];
        for (key, value) in map {
            if let Some(slot) = shape.position(key).and_then(|i| slots.get_mut(i)) {
                *slot = Some(value);
            }
        }
        for (field, slot) in shape.fields.iter().zip(slots) {
            match slot {
                Some(value) => {
                    found += 1;
                    self.value(field, value);
                }
                None => match field.need {
                    Need::Identity => head.push(Finding::error(
                        self.path.clone(),
                        format!("the {} has no {}", shape.name, field.key),
                    )),
                    Need::Shown if self.report_missing => missing.push(field.key),
                    Need::Shown | Need::Optional => {}
                },
            }
        }
        if !missing.is_empty() {
            head.push(Finding::warning(
                self.path.clone(),
                format!(
                    "the {} lacks {} the spec shows: {}",
                    shape.name,
                    count(missing.len(), "field"),
                    name_keys(&missing)
                ),
            ));
        }
        if found < map.len() {
            let extra: Vec<&str> = map
                .keys()
                .map(String::as_str)
                .filter(|key| !shape.has(key))
                .collect();
            self.report(
                Level::Info,
                self.path.clone(),
                format!(
                    "the {} has {} the spec does not show{}: {}",
                    shape.name,
                    count(extra.len(), "field"),
                    shape.extra_note,
                    name_keys(&extra)
                ),
            );
        }
        if !head.is_empty() {
            self.out.splice(start..start, head);
        }
    }

    fn value(&mut self, field: &Field, value: &Value) {
        let key = field.key;
        if value.is_null() && field.nullable {
            return;
        }
        match field.kind {
            Kind::Text => {
                if !value.is_string() {
                    self.unexpected(key, value, "a string");
                }
            }
            Kind::Number => {
                if !value.is_number() {
                    self.unexpected(key, value, "a number");
                }
            }
            Kind::Bool => {
                if !value.is_boolean() {
                    self.unexpected(key, value, "true or false");
                }
            }
            Kind::Code => {
                if !(value.is_string() || value.is_number()) {
                    self.unexpected(key, value, "a string or a number");
                }
            }
            Kind::Scalar => {
                if value.is_array() || value.is_object() {
                    self.unexpected(key, value, "a single value");
                }
            }
            Kind::Id => self.id(field, value),
            Kind::Date => self.date(key, value),
            Kind::Object(shape) => match value {
                Value::Object(map) => {
                    let len = self.path.len();
                    self.path.push('/');
                    self.path.push_str(key);
                    self.object(map, shape);
                    self.path.truncate(len);
                }
                Value::Null => self.unexpected(key, value, "an object"),
                other => self.report(
                    Level::Error,
                    self.child(key),
                    format!(
                        "{key} is {}, not an object: the spec shows {}",
                        json_kind(other),
                        shape.keys_hint()
                    ),
                ),
            },
            Kind::List(item) => match value {
                Value::Array(items) => {
                    if let Some(shape) = item {
                        self.items(key, items, shape);
                    }
                }
                Value::Null => self.unexpected(key, value, "an array"),
                other => {
                    let of = item.map(|s| format!(" of {}s", s.name)).unwrap_or_default();
                    self.report(
                        Level::Error,
                        self.child(key),
                        format!("{key} is {}, not an array{of}", json_kind(other)),
                    );
                }
            },
        }
    }

    fn items(&mut self, key: &str, items: &[Value], shape: &Shape) {
        let len = self.path.len();
        self.path.push('/');
        self.path.push_str(key);
        let list_len = self.path.len();
        for (i, item) in items.iter().enumerate() {
            let _ = write!(self.path, "/{i}");
            match item {
                Value::Object(map) => self.object(map, shape),
                Value::Null => self.report(
                    Level::Warning,
                    self.path.clone(),
                    format!("this {} is null; the spec shows an object", shape.name),
                ),
                other => self.report(
                    Level::Error,
                    self.path.clone(),
                    format!("this {} is {}, not an object", shape.name, json_kind(other)),
                ),
            }
            self.path.truncate(list_len);
        }
        self.path.truncate(len);
    }

    /// A warning: a value of a type the spec does not show there.
    fn unexpected(&mut self, key: &str, value: &Value, want: &str) {
        self.report(
            Level::Warning,
            self.child(key),
            format!("{key} is {}; the spec shows {want}", describe(value)),
        );
    }

    fn id(&mut self, field: &Field, value: &Value) {
        let key = field.key;
        let blank = match value {
            Value::Number(_) => return,
            Value::String(s) if is_digits(s) => return,
            Value::Null => "null",
            Value::String(s) if s.trim().is_empty() => "an empty string",
            other => {
                let message = format!(
                    "{key} is {}, not an id: the spec's ids are numbers or strings of digits",
                    describe(other)
                );
                return self.report(Level::Error, self.child(key), message);
            }
        };
        let level = if field.need == Need::Identity {
            Level::Error
        } else {
            Level::Warning
        };
        let message = format!("{key} is {blank}; the spec shows an id");
        self.report(level, self.child(key), message);
    }

    fn date(&mut self, key: &str, value: &Value) {
        let (level, message) = match value {
            Value::String(s) if is_spec_date(s) => match parse_date(s) {
                Ok(_) => return,
                Err(e) => (
                    Level::Error,
                    format!("{key} is not a date in the spec's format: {e}"),
                ),
            },
            Value::String(s) if s.trim().is_empty() => (
                Level::Warning,
                format!("{key} is an empty string; the spec shows a date such as {DATE_FORMATS}"),
            ),
            Value::String(s) => match parse_date(s) {
                Ok(_) => (
                    Level::Warning,
                    format!(
                        "{key} {s:?} can be read but is not in the spec's format ({DATE_FORMATS})"
                    ),
                ),
                // The parser's message quotes the value: only when it is short.
                Err(e) if s.len() <= MAX_QUOTED => (
                    Level::Error,
                    format!("{key} is not a date in the spec's format: {e}"),
                ),
                Err(_) => (
                    Level::Error,
                    format!(
                        "{key} is not a date in the spec's format: {} (expected e.g. {DATE_FORMATS})",
                        describe(value)
                    ),
                ),
            },
            Value::Null => (
                Level::Warning,
                format!("{key} is null; the spec shows a date such as {DATE_FORMATS}"),
            ),
            other => (
                Level::Error,
                format!(
                    "{key} is {}, not a date in the spec's format ({DATE_FORMATS})",
                    describe(other)
                ),
            ),
        };
        self.report(level, self.child(key), message);
    }
}

/// "2019-07-19T16:57:17+0200" or "2016-01-20T14:27:00+01:00", by shape only.
fn is_spec_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    let offset_ok = match b.len() {
        24 => digits(20..24),
        25 => digits(20..22) && b[22] == b':' && digits(23..25),
        _ => return false,
    };
    offset_ok
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && matches!(b[19], b'+' | b'-')
}

/// An optional minus and at least one ASCII digit.
fn is_digits(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// "a number (42)", "a string (\"abc\")", "an object", "null".
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => match s.char_indices().nth(MAX_QUOTED) {
            Some((cut, _)) => format!("a string ({:?}…)", &s[..cut]),
            None => format!("a string ({s:?})"),
        },
        other => json_kind(other).to_owned(),
    }
}

/// A key sent in a body, cut for a message.
fn short(key: &str) -> &str {
    match key.char_indices().nth(MAX_QUOTED) {
        Some((cut, _)) => &key[..cut],
        None => key,
    }
}

/// "1 field", "3 fields".
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("a {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// "a, b, c", or the first few and "and N more".
fn name_keys(keys: &[&str]) -> String {
    let mut text = String::new();
    for (i, key) in keys.iter().take(KEYS_NAMED).enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(short(key));
        if short(key).len() < key.len() {
            text.push('…');
        }
    }
    if keys.len() > KEYS_NAMED {
        let _ = write!(text, " and {} more", keys.len() - KEYS_NAMED);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(shape: &Shape) -> Vec<&'static str> {
        shape.fields.iter().map(|f| f.key).collect()
    }

    #[test]
    fn the_shapes_name_the_keys_the_views_know() {
        assert_eq!(keys(&JOB), super::super::job::KNOWN_FIELDS);
        assert_eq!(keys(&CANDIDATE), super::super::candidate::KNOWN_FIELDS);
    }

    #[test]
    fn spec_dates_by_shape() {
        assert!(is_spec_date("2019-07-19T16:57:17+0200"));
        assert!(is_spec_date("2016-01-20T14:27:00+01:00"));
        assert!(is_spec_date("2016-01-20T14:27:00-05:00"));
        assert!(!is_spec_date("2019-07-19T14:57:17Z"));
        assert!(!is_spec_date("2019-07-19 16:57:17+0200"));
        assert!(!is_spec_date("2019-07-19T16:57:17.5+0200"));
        assert!(!is_spec_date("2019-07-19"));
        assert!(!is_spec_date("é019-07-19T16:57:17+0200"));
        assert!(!is_spec_date("2016-01-20T14:27:00+01-00"));
    }

    #[test]
    fn ids_are_numbers_or_digits() {
        assert!(is_digits("3144"));
        assert!(is_digits("-1"));
        assert!(!is_digits(""));
        assert!(!is_digits("-"));
        assert!(!is_digits("12a"));
        assert!(!is_digits(" 12"));
    }

    #[test]
    fn messages_name_keys_and_cut_long_lists() {
        assert_eq!(name_keys(&["a", "b"]), "a, b");
        let many: Vec<&str> = JOB.fields.iter().map(|f| f.key).collect();
        assert!(name_keys(&many).ends_with(" and 34 more"));
        assert_eq!(count(1, "field"), "a field");
        assert_eq!(count(2, "field"), "2 fields");
        let long = describe(&Value::String("x".repeat(100)));
        assert!(long.ends_with("…)"), "{long}");
    }
}
