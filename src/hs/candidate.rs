//! The candidate view: identity and contact sections, tags, and the
//! history of actions (with their attachments and form answers).
//!
//! Whatever the model has no slot for is kept: unknown keys, and known keys
//! of the wrong shape, land in "Other fields" or an action's `details`.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};

use super::envelope::json_kind;
use super::fields::{Field, FieldValue, OTHER_FIELDS, Section, other_fields};
use super::finding::pointer_token;
use super::lenient;

/// Every key of candidate `data` the spec names.
pub const KNOWN_FIELDS: &[&str] = &[
    "id",
    "id_company",
    "first_name",
    "last_name",
    "email",
    "tel_landline",
    "tel_mobile",
    "tags",
    "action",
    "latest_action",
];

/// Keys of an action that `Action` models outside `details`.
const ACTION_MODELLED: &[&str] = &[
    "id",
    "date",
    "code",
    "type",
    "default_type",
    "rating",
    "consultant",
    "poste",
    "attachment",
    "form",
];

/// Keys of an action the spec names that go to `details`, always shown.
const ACTION_DETAILS: &[(&str, &str)] = &[
    ("media", "Media"),
    ("pastille", "Badge"),
    ("emailing", "Emailing"),
];

/// Keys of `poste` the spec names that go to `details`, with their labels.
const POSTE_DETAILS: &[(&str, &str)] = &[
    ("status", "Position status"),
    ("customer", "Position customer"),
    ("pastille", "Position badge"),
];

/// Keys of a consultant object shown as the person.
const PERSON_KEYS: &[&str] = &["id", "office", "first_name", "last_name"];

/// Keys of an attachment modelled by `Attachment`.
const ATTACHMENT_MODELLED: &[&str] = &["id", "filename", "mimetype", "uniqfilename", "text"];

/// Keys of a form answer the spec names (the two answer ids are not shown).
const ANSWER_KNOWN: &[&str] = &[
    "id_form_answer",
    "id_question",
    "question",
    "id_form_answer_value",
    "answer",
];

#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// "Identity", "Contact", then "Other fields" (only if any).
    pub sections: Vec<Section>,
    pub tags: Vec<String>,
    /// A `Date` field (or `Empty`).
    pub latest_action: Field,
    /// Newest first by parsed date; unparseable or missing dates last, in sent order.
    pub actions: Vec<Action>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    /// JSON pointer of this action within data, e.g. "/action/2".
    pub pointer: String,
    pub id: Option<String>,
    /// `Date` or `Empty`.
    pub date: FieldValue,
    pub code: Option<String>,
    pub type_: Option<String>,
    pub default_type: Option<String>,
    pub rating: Option<String>,
    /// "Vanessa DURANT", or "#3144" when only the id is sent.
    pub consultant: Option<String>,
    pub consultant_office: Option<String>,
    pub poste_title: Option<String>,
    pub poste_id: Option<String>,
    /// Every other key of the action (media, pastille, emailing, poste
    /// status/customer, unknown keys, values of an unexpected shape…).
    pub details: Vec<Field>,
    pub attachments: Vec<Attachment>,
    pub form: Option<Form>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attachment {
    pub id: Option<String>,
    pub filename: Option<String>,
    pub mimetype: Option<String>,
    pub uniqfilename: Option<String>,
    /// The full text.
    pub text: Option<String>,
}

impl Attachment {
    /// The first `max_chars` characters of the text, with "…" when cut.
    pub fn preview(&self, max_chars: usize) -> String {
        let text = self.text.as_deref().unwrap_or_default();
        match text.char_indices().nth(max_chars) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text.to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    pub id: Option<String>,
    pub image: Option<String>,
    pub answers: Vec<FormAnswer>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FormAnswer {
    pub question: String,
    pub answer: String,
    pub id_question: Option<String>,
}

impl Candidate {
    pub fn from_data(data: &Value) -> Candidate {
        let text =
            |key: &str, label: &str| Field::new(key, label, FieldValue::from_json(get(data, key)));
        let mut sections = vec![
            Section::new(
                "Identity",
                vec![
                    text("id", "ID"),
                    text("id_company", "Company ID"),
                    text("first_name", "First name"),
                    text("last_name", "Last name"),
                ],
            ),
            Section::new(
                "Contact",
                vec![
                    text("email", "Email"),
                    text("tel_landline", "Landline"),
                    text("tel_mobile", "Mobile"),
                ],
            ),
        ];

        let mut other = other_fields(data, KNOWN_FIELDS)
            .map(|section| section.fields)
            .unwrap_or_default();
        let tags = match FieldValue::list(get(data, "tags")) {
            FieldValue::List(tags) => tags,
            FieldValue::Empty => Vec::new(),
            shown => {
                other.push(Field::new("tags", "tags (not a list)", shown));
                Vec::new()
            }
        };
        let actions = match data.get("action") {
            Some(Value::Array(items)) => actions(items),
            Some(Value::Null) | None => Vec::new(),
            Some(shown) => {
                other.push(Field::new(
                    "action",
                    format!("action ({}, not an array)", json_kind(shown)),
                    FieldValue::from_json(shown),
                ));
                Vec::new()
            }
        };
        if !other.is_empty() {
            sections.push(Section::new(OTHER_FIELDS, other));
        }

        Candidate {
            sections,
            tags,
            latest_action: Field::new(
                "latest_action",
                "Latest action",
                FieldValue::date(get(data, "latest_action")),
            ),
            actions,
        }
    }
}

/// `object[key]`, `null` when missing or when `object` is not an object.
fn get<'a>(object: &'a Value, key: &str) -> &'a Value {
    object.get(key).unwrap_or(&Value::Null)
}

/// The actions, newest first; null elements are skipped.
fn actions(items: &[Value]) -> Vec<Action> {
    let mut dated: Vec<(Option<DateTime<FixedOffset>>, Action)> = items
        .iter()
        .enumerate()
        .filter(|(_, item)| !item.is_null())
        .map(|(i, item)| {
            let action = action(format!("/action/{i}"), item);
            let when = match &action.date {
                FieldValue::Date {
                    parsed: Ok(when), ..
                } => Some(*when),
                _ => None,
            };
            (when, action)
        })
        .collect();
    // A stable sort: equal or missing dates keep the order they were sent in.
    dated.sort_by(|(a, _), (b, _)| match (a, b) {
        (Some(a), Some(b)) => b.cmp(a),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    dated.into_iter().map(|(_, action)| action).collect()
}

fn action(pointer: String, item: &Value) -> Action {
    let mut action = Action {
        pointer,
        id: None,
        date: FieldValue::Empty,
        code: None,
        type_: None,
        default_type: None,
        rating: None,
        consultant: None,
        consultant_office: None,
        poste_title: None,
        poste_id: None,
        details: Vec::new(),
        attachments: Vec::new(),
        form: None,
    };
    let Value::Object(map) = item else {
        action.details.push(Field::new(
            "",
            format!("action ({}, not an object)", json_kind(item)),
            FieldValue::from_json(item),
        ));
        return action;
    };
    let mut details = Details(Vec::new());

    action.id = details.scalar(map, "", "id", "ID");
    action.date = FieldValue::date(map.get("date").unwrap_or(&Value::Null));
    action.code = details.scalar(map, "", "code", "Code");
    action.type_ = details.scalar(map, "", "type", "Type");
    action.default_type = details.scalar(map, "", "default_type", "Default type");
    action.rating = details.scalar(map, "", "rating", "Rating");
    for (key, label) in ACTION_DETAILS {
        details.push(*key, *label, map.get(*key).unwrap_or(&Value::Null));
    }

    match map.get("consultant") {
        Some(Value::Object(consultant)) => {
            let person = Person::of(consultant);
            action.consultant = person
                .name
                .clone()
                .or(person.id.as_ref().map(|id| format!("#{id}")));
            action.consultant_office = person.office;
            if let Some(id) = consultant.get("id") {
                details.push("consultant/id", "Consultant ID", id);
            }
            details.unknown(consultant, "consultant/", PERSON_KEYS);
        }
        Some(Value::Null) | None => {}
        Some(list @ Value::Array(_)) => details.push("consultant", "Consultant", list),
        Some(scalar) => action.consultant = lenient::text(scalar).filter(|s| !s.is_empty()),
    }

    match map.get("poste") {
        Some(Value::Object(poste)) => {
            action.poste_id = details.scalar(poste, "poste/", "id", "Position ID");
            action.poste_title = details.scalar(poste, "poste/", "title", "Position title");
            for (key, label) in POSTE_DETAILS {
                details.push(
                    format!("poste/{key}"),
                    *label,
                    poste.get(*key).unwrap_or(&Value::Null),
                );
            }
            match poste.get("consultant") {
                Some(Value::Object(consultant)) => {
                    let value = Person::of(consultant).summary();
                    details
                        .0
                        .push(Field::new("poste/consultant", "Position consultant", value));
                    details.unknown(consultant, "poste/consultant/", PERSON_KEYS);
                }
                Some(other) => details.push("poste/consultant", "Position consultant", other),
                None => {}
            }
            let known = [
                "id",
                "title",
                "consultant",
                "status",
                "customer",
                "pastille",
            ];
            details.unknown(poste, "poste/", &known);
        }
        Some(Value::Null) | None => {}
        Some(other) => details.push("poste", "Position", other),
    }

    match map.get("attachment") {
        Some(Value::Array(items)) => {
            for (j, item) in items.iter().enumerate() {
                if let Some(attachment) = attachment(item, j, &mut details) {
                    action.attachments.push(attachment);
                }
            }
        }
        Some(Value::Null) | None => {}
        Some(other) => details.push(
            "attachment",
            format!("Attachments ({}, not an array)", json_kind(other)),
            other,
        ),
    }

    match map.get("form") {
        Some(Value::Object(form)) if !form.is_empty() => {
            action.form = Some(self::form(form, &mut details));
        }
        Some(Value::Object(_) | Value::Null) | None => {}
        Some(other) => details.push(
            "form",
            format!("Form ({}, not an object)", json_kind(other)),
            other,
        ),
    }

    let known: Vec<&str> = ACTION_MODELLED
        .iter()
        .chain(ACTION_DETAILS.iter().map(|(key, _)| key))
        .copied()
        .collect();
    details.unknown(map, "", &known);
    action.details = details.0;
    action
}

fn attachment(item: &Value, j: usize, details: &mut Details) -> Option<Attachment> {
    let prefix = format!("attachment/{j}/");
    let Value::Object(map) = item else {
        if !item.is_null() {
            details.push(
                format!("attachment/{j}"),
                format!("Attachment {}", j + 1),
                item,
            );
        }
        return None;
    };
    let label = |what: &str| format!("Attachment {} {what}", j + 1);
    let attachment = Attachment {
        id: details.scalar(map, &prefix, "id", &label("ID")),
        filename: details.scalar(map, &prefix, "filename", &label("file name")),
        mimetype: details.scalar(map, &prefix, "mimetype", &label("MIME type")),
        uniqfilename: details.scalar(map, &prefix, "uniqfilename", &label("stored file name")),
        text: details.scalar(map, &prefix, "text", &label("text")),
    };
    if let Some(kind) = map.get("type") {
        details.push(format!("{prefix}type"), label("type"), kind);
    }
    let mut known = ATTACHMENT_MODELLED.to_vec();
    known.push("type");
    details.unknown(map, &prefix, &known);
    Some(attachment)
}

fn form(map: &Map<String, Value>, details: &mut Details) -> Form {
    let id = details.scalar(map, "form/", "id", "Form ID");
    let image = details.scalar(map, "form/", "image", "Form image");
    let mut answers = Vec::new();
    match map.get("input") {
        Some(Value::Array(items)) => {
            for (j, item) in items.iter().enumerate() {
                match item {
                    Value::Object(answer) => {
                        answers.push(FormAnswer {
                            question: answer
                                .get("question")
                                .and_then(answer_text)
                                .unwrap_or_default(),
                            answer: answer
                                .get("answer")
                                .and_then(answer_text)
                                .unwrap_or_default(),
                            id_question: answer.get("id_question").and_then(lenient::display),
                        });
                        details.unknown(answer, &format!("form/input/{j}/"), ANSWER_KNOWN);
                    }
                    Value::Null => {}
                    other => details.push(
                        format!("form/input/{j}"),
                        format!("Form answer {}", j + 1),
                        other,
                    ),
                }
            }
        }
        Some(Value::Null) | None => {}
        Some(other) => details.push(
            "form/input",
            format!("Form answers ({}, not an array)", json_kind(other)),
            other,
        ),
    }
    details.unknown(map, "form/", &["id", "image", "input"]);
    Form { id, image, answers }
}

/// An answer as one text: a list of choices joined by ", ".
fn answer_text(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(lenient::display).collect();
            (!parts.is_empty()).then(|| parts.join(", "))
        }
        other => lenient::display(other),
    }
}

/// The `details` of one action, filled as its keys are read.
struct Details(Vec<Field>);

impl Details {
    fn push(&mut self, key: impl Into<String>, label: impl Into<String>, value: &Value) {
        self.0
            .push(Field::new(key, label, FieldValue::from_json(value)));
    }

    /// A scalar as non-empty text; a structured value is shown in the
    /// details instead (under `prefix` + `key`) and gives `None`.
    fn scalar(
        &mut self,
        map: &Map<String, Value>,
        prefix: &str,
        key: &str,
        label: &str,
    ) -> Option<String> {
        let value = map.get(key)?;
        match value {
            Value::Array(_) | Value::Object(_) => {
                if !lenient::is_blank(value) {
                    self.push(format!("{prefix}{key}"), label, value);
                }
                None
            }
            scalar => lenient::text(scalar).filter(|s| !s.is_empty()),
        }
    }

    /// Every key of `map` not in `known`, under `prefix`, labelled by its path.
    fn unknown(&mut self, map: &Map<String, Value>, prefix: &str, known: &[&str]) {
        for (key, value) in map.iter().filter(|(key, _)| !known.contains(&key.as_str())) {
            let path = format!("{prefix}{}", pointer_token(key));
            self.push(path.clone(), path, value);
        }
    }
}

/// A consultant object: `{"id", "office", "first_name", "last_name"}`.
struct Person {
    id: Option<String>,
    office: Option<String>,
    name: Option<String>,
}

impl Person {
    fn of(map: &Map<String, Value>) -> Person {
        let part = |key: &str| map.get(key).and_then(lenient::display);
        let name = [part("first_name"), part("last_name")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        Person {
            id: part("id"),
            office: part("office"),
            name: (!name.is_empty()).then_some(name),
        }
    }

    /// "Vanessa DURANT (#3144, office 128)", or the parts present.
    fn summary(&self) -> FieldValue {
        let mut tags = Vec::new();
        if let Some(id) = &self.id {
            tags.push(format!("#{id}"));
        }
        if let Some(office) = &self.office {
            tags.push(format!("office {office}"));
        }
        match (&self.name, tags.is_empty()) {
            (Some(name), true) => FieldValue::Text(name.clone()),
            (Some(name), false) => FieldValue::Text(format!("{name} ({})", tags.join(", "))),
            (None, false) => FieldValue::Text(tags.join(", ")),
            (None, true) => FieldValue::Empty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_cuts_on_char_boundaries() {
        let attachment = Attachment {
            id: None,
            filename: None,
            mimetype: None,
            uniqfilename: None,
            text: Some("Accusé de réception".to_owned()),
        };
        assert_eq!(attachment.preview(5), "Accus…");
        assert_eq!(attachment.preview(6), "Accusé…");
        assert_eq!(attachment.preview(19), "Accusé de réception");
        assert_eq!(attachment.preview(100), "Accusé de réception");
        assert_eq!(attachment.preview(0), "…");
        let empty = Attachment {
            text: None,
            ..attachment
        };
        assert_eq!(empty.preview(3), "");
    }
}
