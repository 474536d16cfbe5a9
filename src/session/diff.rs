//! What changed between two versions of an entity's `data`: fields added,
//! removed and changed, nested objects and arrays included, and a candidate's
//! actions matched by their `id`.
//!
//! Pointers are RFC 6901, relative to the `data` given (for action changes,
//! relative to the action). Values are compared exactly: `126751` and
//! `"126751"` differ, and that is a type change.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::hs::finding::pointer_token;
use crate::hs::{EntityType, lenient};

/// One difference, located in the newer version (or the older one for a
/// removal).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub pointer: String,
    pub kind: ChangeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ChangeKind {
    Added(Value),
    Removed(Value),
    Changed { old: Value, new: Value },
}

impl Change {
    /// A change of JSON type, such as a number that became a string
    /// (`126751` → `"126751"`), or an object that became `null`.
    pub fn is_type_change(&self) -> bool {
        match &self.kind {
            ChangeKind::Changed { old, new } => {
                std::mem::discriminant(old) != std::mem::discriminant(new)
            }
            ChangeKind::Added(_) | ChangeKind::Removed(_) => false,
        }
    }

    /// The pointer's last token, unescaped: the field or index that changed.
    pub fn key(&self) -> String {
        let token = self.pointer.rsplit('/').next().unwrap_or_default();
        token.replace("~1", "/").replace("~0", "~")
    }
}

/// Every difference from `old` to `new`.
///
/// Objects are compared key by key. Arrays are compared by index, except
/// arrays whose elements are all objects with a distinct scalar `id` (such
/// as attachments), which are matched by id, leniently (`367481` matches
/// `"367481"`). For such matched elements, changes and additions are located
/// at their index in `new`, removals at their index in `old`.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut pointer = String::new();
    diff_into(old, new, &mut pointer, &mut changes);
    changes
}

fn diff_into(old: &Value, new: &Value, pointer: &mut String, out: &mut Vec<Change>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => diff_objects(a, b, None, pointer, out),
        (Value::Array(a), Value::Array(b)) => diff_arrays(a, b, pointer, out),
        _ if old == new => {}
        _ => out.push(Change {
            pointer: pointer.clone(),
            kind: ChangeKind::Changed {
                old: old.clone(),
                new: new.clone(),
            },
        }),
    }
}

/// Keys in `old`'s order (changed or removed), then keys only in `new`.
fn diff_objects(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    skip: Option<&str>,
    pointer: &mut String,
    out: &mut Vec<Change>,
) {
    for (key, old_value) in old {
        if Some(key.as_str()) == skip {
            continue;
        }
        with_token(pointer, &pointer_token(key), |pointer| match new.get(key) {
            Some(new_value) => diff_into(old_value, new_value, pointer, out),
            None => out.push(Change {
                pointer: pointer.clone(),
                kind: ChangeKind::Removed(old_value.clone()),
            }),
        });
    }
    for (key, new_value) in new {
        if Some(key.as_str()) == skip || old.contains_key(key) {
            continue;
        }
        with_token(pointer, &pointer_token(key), |pointer| {
            out.push(Change {
                pointer: pointer.clone(),
                kind: ChangeKind::Added(new_value.clone()),
            })
        });
    }
}

fn diff_arrays(old: &[Value], new: &[Value], pointer: &mut String, out: &mut Vec<Change>) {
    if let (Some(old_ids), Some(new_ids)) = (distinct_ids(old), distinct_ids(new)) {
        let old_at: HashMap<&str, usize> = old_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let mut matched = vec![false; old.len()];
        for (j, id) in new_ids.iter().enumerate() {
            with_token(pointer, &j.to_string(), |pointer| {
                match old_at.get(id.as_str()) {
                    Some(&i) => {
                        matched[i] = true;
                        diff_into(&old[i], &new[j], pointer, out);
                    }
                    None => out.push(Change {
                        pointer: pointer.clone(),
                        kind: ChangeKind::Added(new[j].clone()),
                    }),
                }
            });
        }
        for (i, old_value) in old.iter().enumerate() {
            if !matched[i] {
                with_token(pointer, &i.to_string(), |pointer| {
                    out.push(Change {
                        pointer: pointer.clone(),
                        kind: ChangeKind::Removed(old_value.clone()),
                    })
                });
            }
        }
        return;
    }
    for i in 0..old.len().max(new.len()) {
        with_token(pointer, &i.to_string(), |pointer| {
            match (old.get(i), new.get(i)) {
                (Some(a), Some(b)) => diff_into(a, b, pointer, out),
                (Some(a), None) => out.push(Change {
                    pointer: pointer.clone(),
                    kind: ChangeKind::Removed(a.clone()),
                }),
                (None, Some(b)) => out.push(Change {
                    pointer: pointer.clone(),
                    kind: ChangeKind::Added(b.clone()),
                }),
                (None, None) => {}
            }
        });
    }
}

/// The elements' ids when every element is an object with a non-empty scalar
/// `id` and no id repeats; `None` otherwise (then arrays go by index).
fn distinct_ids(items: &[Value]) -> Option<Vec<String>> {
    if items.is_empty() {
        return Some(Vec::new());
    }
    let ids: Vec<String> = items
        .iter()
        .map(|item| lenient::get_non_empty(item, "id"))
        .collect::<Option<_>>()?;
    let mut sorted: Vec<&str> = ids.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    Some(ids)
}

/// Runs `f` with `/token` appended to `pointer`, then restores it.
fn with_token(pointer: &mut String, token: &str, f: impl FnOnce(&mut String)) {
    let len = pointer.len();
    pointer.push('/');
    pointer.push_str(token);
    f(pointer);
    pointer.truncate(len);
}

/// What happened to one candidate action between two versions.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionChange {
    /// The action's `id` as text (`14437912` and `"14437912"` are the same
    /// action); `#N` for an action without an id, N its index in its array.
    pub id: String,
    /// Index in the older `action` array, when the action was there.
    pub old_index: Option<usize>,
    /// Index in the newer `action` array, when the action is there.
    pub new_index: Option<usize>,
    pub kind: ActionChangeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ActionChangeKind {
    /// The whole new action.
    Added(Value),
    /// The whole old action.
    Removed(Value),
    /// Field changes inside the action, pointers relative to the action
    /// (attachments are matched by their `id` too).
    Changed(Vec<Change>),
}

/// The candidate's actions (`data.action`), matched by `id`: added, removed
/// and changed ones, in the newer version's order, then removed ones in the
/// older version's order. Unchanged actions are left out. An id that repeats
/// is matched occurrence by occurrence. A missing or non-array `action`
/// counts as no action.
pub fn action_changes(old_data: &Value, new_data: &Value) -> Vec<ActionChange> {
    let old = keyed_actions(old_data);
    let new = keyed_actions(new_data);
    let mut old_at: HashMap<&(String, usize), usize> = HashMap::with_capacity(old.len());
    for (i, (key, _)) in old.iter().enumerate() {
        old_at.insert(key, i);
    }
    let mut matched = vec![false; old.len()];
    let mut changes = Vec::new();
    for (j, (key, action)) in new.iter().enumerate() {
        match old_at.get(key) {
            Some(&i) => {
                matched[i] = true;
                let inner = diff(old[i].1, action);
                if !inner.is_empty() {
                    changes.push(ActionChange {
                        id: key.0.clone(),
                        old_index: Some(i),
                        new_index: Some(j),
                        kind: ActionChangeKind::Changed(inner),
                    });
                }
            }
            None => changes.push(ActionChange {
                id: key.0.clone(),
                old_index: None,
                new_index: Some(j),
                kind: ActionChangeKind::Added((*action).clone()),
            }),
        }
    }
    for (i, (key, action)) in old.iter().enumerate() {
        if !matched[i] {
            changes.push(ActionChange {
                id: key.0.clone(),
                old_index: Some(i),
                new_index: None,
                kind: ActionChangeKind::Removed((*action).clone()),
            });
        }
    }
    changes
}

/// Each action with its key: (id as text, occurrence of that id so far).
fn keyed_actions(data: &Value) -> Vec<((String, usize), &Value)> {
    let Some(actions) = data.get("action").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    actions
        .iter()
        .enumerate()
        .map(|(index, action)| {
            let id = lenient::get_non_empty(action, "id").unwrap_or_else(|| format!("#{index}"));
            let occurrence = seen.entry(id.clone()).or_default();
            let key = (id, *occurrence);
            *occurrence += 1;
            (key, action)
        })
        .collect()
}

/// What changed in an entity between two of its versions.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EntityDiff {
    /// Field changes. For a candidate whose two versions both hold an
    /// `action` array, the actions are left out here and compared in
    /// `actions`; otherwise a change of `action` itself is listed here.
    pub fields: Vec<Change>,
    /// Candidate actions matched by id; empty for other entities.
    pub actions: Vec<ActionChange>,
}

impl EntityDiff {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.actions.is_empty()
    }
}

/// `diff` for a job or any other entity; for a candidate, the fields apart
/// from the actions, and the actions matched by id.
pub fn entity_diff(entity: &EntityType, old_data: &Value, new_data: &Value) -> EntityDiff {
    let both_have_action_arrays = || {
        old_data.get("action").is_some_and(Value::is_array)
            && new_data.get("action").is_some_and(Value::is_array)
    };
    match (entity, old_data, new_data) {
        (EntityType::Candidate, Value::Object(old), Value::Object(new))
            if both_have_action_arrays() =>
        {
            let mut fields = Vec::new();
            diff_objects(old, new, Some("action"), &mut String::new(), &mut fields);
            EntityDiff {
                fields,
                actions: action_changes(old_data, new_data),
            }
        }
        _ => EntityDiff {
            fields: diff(old_data, new_data),
            actions: Vec::new(),
        },
    }
}
