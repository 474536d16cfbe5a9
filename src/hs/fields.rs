//! A UI-neutral description of what a pane shows: titled sections of
//! labelled values. The domain decides grouping and labels; the UI renders.

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::dates::parse_date;
use super::envelope::json_kind;
use super::lenient;

#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// null, "", missing, [] or {} — shown dimmed, never hidden.
    Empty,
    /// Scalars (numbers/bools formatted), one line.
    Text(String),
    /// Descriptions, profiles, comments, attachment text (multi-line).
    LongText(String),
    Date {
        raw: String,
        parsed: Result<DateTime<FixedOffset>, String>,
    },
    /// URLs (form url, logo).
    Link(String),
    /// Arrays of scalars (regions, departments, tags).
    List(Vec<String>),
    /// Anything structured not otherwise modelled (unknown fields).
    Json(Value),
}

impl FieldValue {
    /// The generic view of a value: blank → `Empty`, multi-line strings →
    /// `LongText`, other scalars → `Text`, arrays of scalars → `List`, the
    /// rest → `Json`.
    pub fn from_json(v: &Value) -> FieldValue {
        if lenient::is_blank(v) {
            return FieldValue::Empty;
        }
        match v {
            Value::String(s) if s.contains('\n') => FieldValue::LongText(s.clone()),
            Value::Array(items) => {
                let texts: Option<Vec<String>> = items
                    .iter()
                    .map(|item| match item {
                        Value::String(_) | Value::Number(_) | Value::Bool(_) => lenient::text(item),
                        _ => None,
                    })
                    .collect();
                match texts {
                    Some(texts) => FieldValue::List(texts),
                    None => FieldValue::Json(v.clone()),
                }
            }
            Value::Object(_) => FieldValue::Json(v.clone()),
            _ => lenient::text(v).map_or(FieldValue::Empty, FieldValue::Text),
        }
    }

    /// Whether there is nothing to show (rendered dimmed).
    pub fn is_empty(&self) -> bool {
        match self {
            FieldValue::Empty => true,
            FieldValue::Text(s) | FieldValue::LongText(s) | FieldValue::Link(s) => s.is_empty(),
            FieldValue::Date { raw, .. } => raw.is_empty(),
            FieldValue::List(items) => items.is_empty(),
            FieldValue::Json(v) => lenient::is_blank(v),
        }
    }

    /// A date: blank → `Empty`; a string → `Date` parsed per the spec; any
    /// other value → `Date` with its text kept raw and an error.
    pub fn date(v: &Value) -> FieldValue {
        if lenient::is_blank(v) {
            return FieldValue::Empty;
        }
        match v {
            Value::String(s) => FieldValue::Date {
                raw: s.clone(),
                parsed: parse_date(s),
            },
            other => FieldValue::Date {
                raw: lenient::display(other).unwrap_or_default(),
                parsed: Err(format!("{}, not a date string", json_kind(other))),
            },
        }
    }

    /// Free text: a non-empty string → `LongText`, anything else as `from_json`.
    pub fn long_text(v: &Value) -> FieldValue {
        match v {
            Value::String(s) if !s.is_empty() => FieldValue::LongText(s.clone()),
            other => FieldValue::from_json(other),
        }
    }

    /// A URL: a non-empty string → `Link`, anything else as `from_json`.
    pub fn link(v: &Value) -> FieldValue {
        match v {
            Value::String(s) if !s.is_empty() => FieldValue::Link(s.clone()),
            other => FieldValue::from_json(other),
        }
    }

    /// A list: an array's non-blank items as text (structured items as
    /// compact JSON), a lone scalar as a one-item list, an object as `Json`.
    pub fn list(v: &Value) -> FieldValue {
        match v {
            Value::Array(items) => {
                let texts: Vec<String> = items.iter().filter_map(lenient::display).collect();
                if texts.is_empty() {
                    FieldValue::Empty
                } else {
                    FieldValue::List(texts)
                }
            }
            Value::Object(_) => FieldValue::from_json(v),
            other => {
                lenient::display(other).map_or(FieldValue::Empty, |s| FieldValue::List(vec![s]))
            }
        }
    }

    /// The parse error of a `Date`, if any.
    pub fn date_error(&self) -> Option<&str> {
        match self {
            FieldValue::Date { parsed: Err(e), .. } => Some(e),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The JSON key as sent (for combined fields, the keys joined by " + ";
    /// for nested values, a path such as "poste/status").
    pub key: String,
    pub label: String,
    pub value: FieldValue,
    /// E.g. "spontaneous application", or a date warning.
    pub note: Option<String>,
}

impl Field {
    pub fn new(key: impl Into<String>, label: impl Into<String>, value: FieldValue) -> Self {
        let mut field = Self {
            key: key.into(),
            label: label.into(),
            value,
            note: None,
        };
        if let Some(e) = field.value.date_error() {
            field.note = Some(date_warning(e));
        }
        field
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub title: String,
    pub fields: Vec<Field>,
}

impl Section {
    pub fn new(title: impl Into<String>, fields: Vec<Field>) -> Self {
        Self {
            title: title.into(),
            fields,
        }
    }

    /// The field with this key, if the section has one.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// The note (and finding text) for a date that does not parse.
pub fn date_warning(error: &str) -> String {
    format!("not a date the spec uses: {error}")
}

/// "name (#id)", or the parts present; `Empty` when both are blank.
pub fn name_with_id(id: Option<&Value>, name: Option<&Value>) -> FieldValue {
    let id = id.and_then(lenient::display);
    let name = name.and_then(lenient::display);
    match (name, id) {
        (Some(name), Some(id)) => FieldValue::Text(format!("{name} (#{id})")),
        (Some(name), None) => FieldValue::Text(name),
        (None, Some(id)) => FieldValue::Text(format!("#{id}")),
        (None, None) => FieldValue::Empty,
    }
}

/// The section of keys a view does not model, in the order `data` holds
/// them; `None` when there is none. A `data` that is not an object at all
/// is shown whole, so nothing sent is ever hidden.
pub fn other_fields(data: &Value, known: &[&str]) -> Option<Section> {
    let fields: Vec<Field> = match data {
        Value::Object(map) => map
            .iter()
            .filter(|(key, _)| !known.contains(&key.as_str()))
            .map(|(key, value)| Field::new(key.clone(), key.clone(), FieldValue::from_json(value)))
            .collect(),
        Value::Null => Vec::new(),
        other => vec![Field::new(
            "",
            format!("data ({}, not an object)", json_kind(other)),
            FieldValue::from_json(other),
        )],
    };
    (!fields.is_empty()).then(|| Section::new(OTHER_FIELDS, fields))
}

/// The title of the section of unmodelled keys.
pub const OTHER_FIELDS: &str = "Other fields";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn from_json_kinds() {
        for blank in [json!(null), json!(""), json!([]), json!({})] {
            assert_eq!(FieldValue::from_json(&blank), FieldValue::Empty);
        }
        assert_eq!(
            FieldValue::from_json(&json!(0)),
            FieldValue::Text("0".into())
        );
        assert_eq!(
            FieldValue::from_json(&json!(false)),
            FieldValue::Text("false".into())
        );
        assert_eq!(
            FieldValue::from_json(&json!("a\nb")),
            FieldValue::LongText("a\nb".into())
        );
        assert_eq!(
            FieldValue::from_json(&json!(["a", 1, true])),
            FieldValue::List(vec!["a".into(), "1".into(), "true".into()])
        );
        assert_eq!(
            FieldValue::from_json(&json!([null, "a"])),
            FieldValue::Json(json!([null, "a"]))
        );
        assert_eq!(
            FieldValue::from_json(&json!({"a": 1})),
            FieldValue::Json(json!({"a": 1}))
        );
    }

    #[test]
    fn is_empty_matches_blank_values() {
        assert!(FieldValue::Empty.is_empty());
        assert!(FieldValue::Text(String::new()).is_empty());
        assert!(FieldValue::List(Vec::new()).is_empty());
        assert!(FieldValue::Json(json!({})).is_empty());
        assert!(!FieldValue::Text("0".into()).is_empty());
        assert!(!FieldValue::Json(json!([1])).is_empty());
    }

    #[test]
    fn dates_keep_raw_text_and_note_errors() {
        assert_eq!(FieldValue::date(&json!(null)), FieldValue::Empty);
        let bad = Field::new("d", "D", FieldValue::date(&json!(1563548237)));
        assert!(
            matches!(&bad.value, FieldValue::Date { raw, parsed: Err(_) } if raw == "1563548237")
        );
        assert_eq!(
            bad.note.as_deref(),
            Some("not a date the spec uses: a number, not a date string")
        );
        let good = Field::new("d", "D", FieldValue::date(&json!("2019-07-19")));
        assert_eq!(good.note, None);
    }

    #[test]
    fn lists_are_tolerant() {
        assert_eq!(FieldValue::list(&json!([])), FieldValue::Empty);
        assert_eq!(FieldValue::list(&json!([null, ""])), FieldValue::Empty);
        assert_eq!(
            FieldValue::list(&json!("Paris")),
            FieldValue::List(vec!["Paris".into()])
        );
        assert_eq!(
            FieldValue::list(&json!([75, {"id": 1}])),
            FieldValue::List(vec!["75".into(), "{\"id\":1}".into()])
        );
    }

    #[test]
    fn name_with_id_shows_the_parts_present() {
        let (id, name) = (json!(7), json!("Sales"));
        assert_eq!(
            name_with_id(Some(&id), Some(&name)),
            FieldValue::Text("Sales (#7)".into())
        );
        assert_eq!(
            name_with_id(None, Some(&name)),
            FieldValue::Text("Sales".into())
        );
        assert_eq!(
            name_with_id(Some(&json!("7")), Some(&json!(""))),
            FieldValue::Text("#7".into())
        );
        assert_eq!(name_with_id(Some(&json!(null)), None), FieldValue::Empty);
    }
}
