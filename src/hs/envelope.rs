//! A webhook body is a JSON array of envelopes `{"event", "type", "data"}`,
//! or a single envelope object.

use std::fmt;

use serde_json::Value;

use super::finding::{Finding, Level};
use super::lenient;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    Creation,
    Update,
    Delete,
    /// Any other value, kept as sent (non-strings as their JSON text).
    Unknown(String),
}

impl EventKind {
    pub fn parse(raw: &str) -> Self {
        match raw {
            "creation" => Self::Creation,
            "update" => Self::Update,
            "delete" => Self::Delete,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Creation => "creation",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Unknown(raw) => raw,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EntityType {
    Job,
    Candidate,
    /// Any other value, kept as sent (non-strings as their JSON text).
    Unknown(String),
}

impl EntityType {
    pub fn parse(raw: &str) -> Self {
        match raw {
            "job" => Self::Job,
            "candidate" => Self::Candidate,
            other => Self::Unknown(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Job => "job",
            Self::Candidate => "candidate",
            Self::Unknown(raw) => raw,
        }
    }

    /// The key that holds the entity's id in `data`.
    pub fn id_key(&self) -> Option<&'static str> {
        match self {
            Self::Job => Some("job_id"),
            Self::Candidate => Some("id"),
            Self::Unknown(_) => None,
        }
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event of a body. Shape problems are findings, never a lost event.
#[derive(Clone, Debug)]
pub struct Envelope {
    pub event: EventKind,
    pub entity: EntityType,
    pub data: Value,
    /// Shape problems of the envelope itself, pointers relative to the envelope.
    pub findings: Vec<Finding>,
}

impl Envelope {
    /// The entity's id, whether sent as a number or a string.
    pub fn entity_id(&self) -> Option<String> {
        let key = self
            .entity
            .id_key()
            .unwrap_or_else(|| guess_id_key(&self.data));
        lenient::get_text(&self.data, key).filter(|id| !id.is_empty())
    }

    /// The job title, or the candidate's "first last" name.
    pub fn label(&self) -> String {
        match self.entity {
            EntityType::Job => lenient::get_text(&self.data, "job_title").unwrap_or_default(),
            EntityType::Candidate => person_name(&self.data),
            EntityType::Unknown(_) => lenient::get_text(&self.data, "job_title")
                .unwrap_or_else(|| person_name(&self.data)),
        }
    }

    /// What `data` looks like, whatever `type` says.
    pub fn data_looks_like(&self) -> Option<EntityType> {
        let object = self.data.as_object()?;
        if object.keys().any(|k| k.starts_with("job_")) {
            Some(EntityType::Job)
        } else if ["first_name", "last_name", "action", "id_company", "email"]
            .iter()
            .any(|k| object.contains_key(*k))
        {
            Some(EntityType::Candidate)
        } else {
            None
        }
    }
}

fn guess_id_key(data: &Value) -> &'static str {
    if data.get("job_id").is_some() {
        "job_id"
    } else {
        "id"
    }
}

fn person_name(data: &Value) -> String {
    let first = lenient::get_text(data, "first_name").unwrap_or_default();
    let last = lenient::get_text(data, "last_name").unwrap_or_default();
    format!("{first} {last}").trim().to_owned()
}

/// Why a body is not a webhook at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the body is empty")]
    Empty,
    #[error("the body is not valid UTF-8 (invalid byte at offset {valid_up_to})")]
    NotUtf8 { valid_up_to: usize },
    #[error("the body is not valid JSON: {0}")]
    Json(String),
    #[error("the body is {0}, not an envelope object or an array of envelopes")]
    NotEnvelope(&'static str),
    #[error("the body is an empty array: it holds no event")]
    NoEvents,
}

/// Each element of the body: an envelope, or why that element is not one.
pub type Element = Result<Envelope, String>;

/// Parses a body per the spec. Depth is bounded by serde_json's recursion
/// limit, so a deeply nested body is an error, not a stack overflow.
pub fn parse_body(bytes: &[u8]) -> Result<Vec<Element>, BodyError> {
    let text = std::str::from_utf8(bytes).map_err(|e| BodyError::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    if text.trim().is_empty() {
        return Err(BodyError::Empty);
    }
    let value: Value = serde_json::from_str(text).map_err(|e| BodyError::Json(e.to_string()))?;
    match value {
        Value::Array(items) if items.is_empty() => Err(BodyError::NoEvents),
        Value::Array(items) => Ok(items
            .into_iter()
            .enumerate()
            .map(|(i, item)| {
                envelope_from(item)
                    .map_err(|kind| format!("element {i} is {kind}, not an envelope object"))
            })
            .collect()),
        Value::Object(_) => Ok(vec![envelope_from(value).map_err(str::to_owned)]),
        other => Err(BodyError::NotEnvelope(json_kind(&other))),
    }
}

/// An envelope from an object; any other JSON value gives its kind's name.
fn envelope_from(value: Value) -> Result<Envelope, &'static str> {
    let Value::Object(mut object) = value else {
        return Err(json_kind(&value));
    };
    let mut findings = Vec::new();
    let event = read_tag(
        &object,
        "event",
        EventKind::parse,
        |e| !matches!(e, EventKind::Unknown(_)),
        "creation, update and delete",
        &mut findings,
    );
    let entity = read_tag(
        &object,
        "type",
        EntityType::parse,
        |t| !matches!(t, EntityType::Unknown(_)),
        "job and candidate",
        &mut findings,
    );
    let data = match object.remove("data") {
        Some(data @ Value::Object(_)) => data,
        Some(other) => {
            findings.push(Finding::error(
                "/data",
                format!("\"data\" is {}, not an object", json_kind(&other)),
            ));
            other
        }
        None => {
            findings.push(Finding::error("", "the envelope has no \"data\""));
            Value::Null
        }
    };
    for key in object
        .keys()
        .filter(|k| !matches!(k.as_str(), "event" | "type"))
    {
        findings.push(Finding::new(
            Level::Info,
            format!("/{}", super::finding::pointer_token(key)),
            format!("envelope field \"{key}\" is not in the spec"),
        ));
    }
    Ok(Envelope {
        event,
        entity,
        data,
        findings,
    })
}

/// Reads `event` or `type`: a string the spec names, or anything else kept
/// as sent (non-strings as their JSON text) with a finding saying why.
fn read_tag<T>(
    object: &serde_json::Map<String, Value>,
    key: &str,
    parse: impl Fn(&str) -> T,
    is_known: impl Fn(&T) -> bool,
    spec_values: &str,
    findings: &mut Vec<Finding>,
) -> T {
    let pointer = format!("/{key}");
    match object.get(key) {
        Some(Value::String(s)) => {
            let tag = parse(s);
            if !is_known(&tag) {
                findings.push(Finding::warning(
                    pointer,
                    format!("unknown {key} \"{s}\" (the spec names {spec_values})"),
                ));
            }
            tag
        }
        Some(other) => {
            findings.push(Finding::error(
                pointer,
                format!("\"{key}\" is {}, not a string", json_kind(other)),
            ));
            parse(&other.to_string())
        }
        None => {
            findings.push(Finding::error("", format!("the envelope has no \"{key}\"")));
            parse("")
        }
    }
}

/// "an array", "a number"…: for messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
