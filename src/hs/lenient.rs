//! Tolerant reads of JSON values: the ATS sends ids and numbers as numbers or
//! strings, and `null` may stand anywhere.

use serde_json::Value;

/// A scalar as display text: strings as they are, numbers and booleans
/// formatted; `null`, arrays and objects give `None`.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// `text` of `object[key]`, `None` when the key is missing.
pub fn get_text(object: &Value, key: &str) -> Option<String> {
    object.get(key).and_then(text)
}

/// `get_text`, but an empty string counts as missing.
pub fn get_non_empty(object: &Value, key: &str) -> Option<String> {
    get_text(object, key).filter(|s| !s.is_empty())
}

/// Whether a value holds nothing to show: `null`, `""`, `[]` or `{}`.
pub fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        Value::Number(_) | Value::Bool(_) => false,
    }
}

/// Any value as one line of text: scalars as `text`, arrays and objects as
/// compact JSON; blank values give `None`.
pub fn display(value: &Value) -> Option<String> {
    if is_blank(value) {
        None
    } else {
        Some(text(value).unwrap_or_else(|| value.to_string()))
    }
}
