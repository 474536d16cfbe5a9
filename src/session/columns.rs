//! The user's own table columns: a value read at a JSON pointer into each
//! row's event data, as text, and rows sorted by it.

use std::cmp::Ordering;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use serde_json::Value;

use crate::capture::Capture;

use super::Snapshot;

/// Longest text of an object or array in a cell, in characters.
const COMPACT_CHARS: usize = 80;

/// Why a pointer cannot be used, for the dialog; `None` when it can (empty
/// is the whole data).
pub fn pointer_problem(pointer: &str) -> Option<&'static str> {
    if pointer.is_empty() || pointer.starts_with('/') {
        None
    } else {
        Some("a JSON pointer starts with / (such as /job_city or /action/0/code)")
    }
}

/// A value as a cell shows it: strings without quotes, numbers and
/// literals as written, objects and arrays compact and cut short, nothing
/// for a missing value.
pub fn cell_text(value: Option<&Value>) -> String {
    match value {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) => "null".to_owned(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other @ (Value::Array(_) | Value::Object(_))) => {
            let text = other.to_string();
            match text.char_indices().nth(COMPACT_CHARS) {
                Some((cut, _)) => format!("{}…", &text[..cut]),
                None => text,
            }
        }
    }
}

/// The event data of a capture's row: the `data` of its body, or of its
/// element of an array body. `None` when the body is not JSON.
pub fn row_data(body: &Value, element: u32) -> Option<&Value> {
    let envelope = match body {
        Value::Array(elements) => elements.get(element as usize)?,
        one if element == 0 => one,
        _ => return None,
    };
    envelope.get("data")
}

/// The cell of `capture`'s row `row` for `pointer`.
pub fn cell(capture: &Capture, row: u32, pointer: &str) -> String {
    cells(capture, row, [pointer]).pop().unwrap_or_default()
}

/// The cells of `capture`'s row `row` for each of `pointers`, reading the
/// body once.
pub fn cells<'p>(
    capture: &Capture,
    row: u32,
    pointers: impl IntoIterator<Item = &'p str>,
) -> Vec<String> {
    let body = serde_json::from_slice::<Value>(capture.content()).ok();
    pointers
        .into_iter()
        .map(|pointer| match &body {
            Some(body) => cell_of(body, capture, row, pointer),
            None => String::new(),
        })
        .collect()
}

fn cell_of(body: &Value, capture: &Capture, row: u32, pointer: &str) -> String {
    let Some(element) = capture.summary.row(row).and_then(|r| r.element()) else {
        return String::new();
    };
    cell_text(row_data(body, element).and_then(|data| data.pointer(pointer)))
}

/// Text order for sorting: case set aside first, then as written.
pub fn compare_text(a: &str, b: &str) -> Ordering {
    let folded = a
        .chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase));
    folded.then_with(|| a.cmp(b))
}

/// The order in which to show `rows` (session row indices, as shown) when
/// sorted by the text at `pointer`: positions into `rows`. Equal texts keep
/// their order; empty cells go last either way. Spread over the cores;
/// `None` when `cancel` was set meanwhile.
pub fn sorted_order(
    snapshot: &Snapshot,
    rows: &[u32],
    pointer: &str,
    descending: bool,
    cancel: &AtomicBool,
) -> Option<Vec<u32>> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = rows.len().div_ceil(workers).max(1);
    let keys: Vec<Option<Vec<String>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = rows
            .chunks(chunk)
            .map(|part| {
                std::thread::Builder::new()
                    .name("hookscope-sort".to_owned())
                    .spawn_scoped(scope, move || keys_of(snapshot, part, pointer, cancel))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.ok().and_then(|h| h.join().ok()).flatten())
            .collect()
    });
    let mut texts = Vec::with_capacity(rows.len());
    for part in keys {
        texts.extend(part?);
    }
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&texts[a as usize], &texts[b as usize]);
        match (a.is_empty(), b.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) if descending => compare_text(b, a),
            (false, false) => compare_text(a, b),
        }
    });
    (!cancel.load(AtomicOrdering::Relaxed)).then_some(order)
}

/// Each row's text, parsing a body once for its consecutive rows.
fn keys_of(
    snapshot: &Snapshot,
    rows: &[u32],
    pointer: &str,
    cancel: &AtomicBool,
) -> Option<Vec<String>> {
    let mut keys = Vec::with_capacity(rows.len());
    let mut parsed: Option<(u64, Option<Value>)> = None;
    for (n, &row) in rows.iter().enumerate() {
        if n % 4096 == 0 && cancel.load(AtomicOrdering::Relaxed) {
            return None;
        }
        let Some(view) = snapshot.row(row as usize) else {
            keys.push(String::new());
            continue;
        };
        let capture = view.capture;
        if parsed.as_ref().is_none_or(|(id, _)| *id != capture.id) {
            parsed = Some((capture.id, serde_json::from_slice(capture.content()).ok()));
        }
        let key = match &parsed {
            Some((_, Some(body))) => cell_of(body, capture, view.id.row, pointer),
            _ => String::new(),
        };
        keys.push(key);
    }
    Some(keys)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_json_type_reads_as_a_cell() {
        let data = json!({
            "job_city": "Lyon", "n": 42, "f": 1.5, "t": true, "z": null,
            "action": [{"code": "A1"}], "o": {"a": 1},
            "long": ["x".repeat(200)]
        });
        let at = |p: &str| cell_text(data.pointer(p));
        assert_eq!(at("/job_city"), "Lyon");
        assert_eq!(at("/n"), "42");
        assert_eq!(at("/f"), "1.5");
        assert_eq!(at("/t"), "true");
        assert_eq!(at("/z"), "null");
        assert_eq!(at("/action/0/code"), "A1");
        assert_eq!(at("/action"), r#"[{"code":"A1"}]"#);
        assert_eq!(at("/o"), r#"{"a":1}"#);
        assert_eq!(at("/missing"), "");
        assert_eq!(at("/action/7/code"), "");
        let long = at("/long");
        assert!(long.ends_with('…'), "{long}");
        assert_eq!(long.chars().count(), COMPACT_CHARS + 1);
    }

    #[test]
    fn an_array_body_gives_each_row_its_element() {
        let body = json!([{"data": {"c": "first"}}, {"data": {"c": "second"}}]);
        assert_eq!(
            cell_text(row_data(&body, 1).and_then(|d| d.pointer("/c"))),
            "second"
        );
        assert!(row_data(&body, 2).is_none());
        let one = json!({"data": {"c": "only"}});
        assert_eq!(
            cell_text(row_data(&one, 0).and_then(|d| d.pointer("/c"))),
            "only"
        );
        assert!(row_data(&one, 1).is_none());
    }

    #[test]
    fn pointers_start_with_a_slash_or_are_empty() {
        assert!(pointer_problem("/job_city").is_none());
        assert!(pointer_problem("").is_none());
        assert!(pointer_problem("job_city").is_some());
    }

    #[test]
    fn text_order_sets_case_aside() {
        assert_eq!(compare_text("lyon", "Paris"), Ordering::Less);
        assert_eq!(compare_text("Lyon", "lyon"), Ordering::Less);
    }
}
