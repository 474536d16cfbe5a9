//! The Changes tab: what changed in an entity since its previous version in
//! the session, or against any other event of the same type.

use chrono::Local;
use egui::{RichText, Ui};
use serde_json::Value;

use crate::hs::EventKind;
use crate::human;
use crate::session::diff::{ActionChangeKind, Change, ChangeKind, EntityDiff};
use crate::session::{PreviousVersion, RowId, RowView, Session};

use super::theme::{self, palette};

/// Values longer than this are cut in the list; hover shows them whole.
const SHOWN_CHARS: usize = 160;

#[derive(Default)]
pub struct ChangesState {
    /// The other side of the comparison; `None`: the previous version.
    compare_with: Option<RowId>,
    /// An event kept aside to compare later selections with.
    pinned: Option<RowId>,
    /// The last diff computed, for (old, new); bodies are parsed once.
    cached: Option<(RowId, RowId, Option<EntityDiff>)>,
}

impl ChangesState {
    /// Forgets a choice made for another row.
    pub fn selection_changed(&mut self) {
        self.compare_with = None;
    }
}

pub fn show(ui: &mut Ui, session: &Session, view: RowView<'_>, state: &mut ChangesState) {
    let p = palette(ui);
    compare_picker(ui, session, view, state);
    ui.add_space(6.0);

    let old = match state.compare_with {
        Some(other) => other,
        None => match session.previous_version(view.id) {
            PreviousVersion::Found(previous) => previous,
            PreviousVersion::NoneInSession => {
                ui.label("This is the first update of this entity in the session: there is no earlier version here to compare with.");
                return;
            }
            PreviousVersion::NotApplicable => {
                let text = match view.summary.known_event() {
                    Some(EventKind::Creation) => {
                        "A creation compares against nothing: it is the first version."
                    }
                    Some(EventKind::Delete) => "A delete carries only the id: nothing to compare.",
                    _ => "This event has no earlier version to compare with.",
                };
                ui.label(RichText::new(text).color(p.muted));
                return;
            }
        },
    };
    if state
        .cached
        .as_ref()
        .is_none_or(|(o, n, _)| (*o, *n) != (old, view.id))
    {
        state.cached = Some((old, view.id, session.compare(old, view.id)));
    }
    let Some((_, _, Some(diff))) = &state.cached else {
        ui.label(RichText::new("These two events cannot be compared: one holds no event data, or they are of different types.").color(p.warning));
        return;
    };
    if let Some(row) = session.row_index(old).and_then(|i| session.row(i)) {
        ui.label(RichText::new(format!("Compared with {}", describe(row))).color(p.muted));
    }
    if diff.is_empty() {
        ui.label(RichText::new("No change: the data is the same.").color(p.ok));
        return;
    }
    summary_line(ui, diff);
    if !diff.fields.is_empty() {
        super::fields_view::section_heading(ui, "Fields");
        changes_grid(ui, "field_changes", &diff.fields);
    }
    if !diff.actions.is_empty() {
        super::fields_view::section_heading(ui, "Actions (matched by id)");
        for action in &diff.actions {
            ui.horizontal_wrapped(|ui| {
                let (word, color) = match &action.kind {
                    ActionChangeKind::Added(_) => ("added", p.creation),
                    ActionChangeKind::Removed(_) => ("removed", p.delete),
                    ActionChangeKind::Changed(_) => ("changed", p.update),
                };
                theme::badge(ui, word, color);
                ui.label(RichText::new(format!("action {}", action.id)).monospace());
                if let ActionChangeKind::Added(value) | ActionChangeKind::Removed(value) =
                    &action.kind
                {
                    if let Some(code) = value.get("code").and_then(Value::as_str) {
                        ui.label(RichText::new(code).color(p.muted));
                    }
                    if let Some(date) = value.get("date").and_then(Value::as_str) {
                        let readable = crate::hs::dates::parse_date(date).is_ok();
                        super::fields_view::date(ui, date, readable);
                    }
                }
            });
            if let ActionChangeKind::Changed(changes) = &action.kind {
                ui.indent(("action_changes", &action.id), |ui| {
                    changes_grid(ui, &format!("action_changes/{}", action.id), changes);
                });
            }
        }
    }
}

fn describe(row: RowView<'_>) -> String {
    let time = row.capture.received_at.with_timezone(&Local);
    let event = row.summary.event();
    let event = event.as_ref().map_or("event", EventKind::as_str);
    format!(
        "the {event} of {} (request #{})",
        time.format("%H:%M:%S%.3f"),
        row.capture.id
    )
}

fn compare_picker(ui: &mut Ui, session: &Session, view: RowView<'_>, state: &mut ChangesState) {
    let pinned = state
        .pinned
        .filter(|id| *id != view.id)
        .and_then(|id| session.row(session.row_index(id)?))
        .filter(|row| row.summary.entity() == view.summary.entity());
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Compare with");
        let current = match state
            .compare_with
            .and_then(|id| session.row(session.row_index(id)?))
        {
            Some(row) => describe(row),
            None => "the previous version".to_owned(),
        };
        egui::ComboBox::from_id_salt("compare_with")
            .selected_text(current)
            .width(300.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut state.compare_with, None, "the previous version");
                // The entity's other events, listed only while the list is open.
                let rows = session
                    .entity_of(view.id)
                    .map(|e| e.row_indices())
                    .unwrap_or(&[]);
                for row in rows.iter().filter_map(|&i| session.row(i as usize)) {
                    if row.id != view.id && !row.summary.is(&EventKind::Delete) {
                        ui.selectable_value(&mut state.compare_with, Some(row.id), describe(row));
                    }
                }
                if let Some(row) = pinned {
                    ui.selectable_value(
                        &mut state.compare_with,
                        Some(row.id),
                        format!("pinned: {} {}", describe(row), row.summary.label),
                    );
                }
            })
            .response
            .labelled_by(label.id);
        if ui
            .small_button("Pin this event")
            .on_hover_text("Keep it to compare other events of the same type with")
            .clicked()
        {
            state.pinned = Some(view.id);
        }
    });
}

fn summary_line(ui: &mut Ui, diff: &EntityDiff) {
    let count = |f: fn(&ChangeKind) -> bool| diff.fields.iter().filter(|c| f(&c.kind)).count();
    let changed = count(|k| matches!(k, ChangeKind::Changed { .. }));
    let added = count(|k| matches!(k, ChangeKind::Added(_)));
    let removed = count(|k| matches!(k, ChangeKind::Removed(_)));
    let mut parts = vec![format!(
        "{} changed, {} added, {} removed",
        human::count(changed),
        human::count(added),
        human::count(removed)
    )];
    if !diff.actions.is_empty() {
        let actions =
            |f: fn(&ActionChangeKind) -> bool| diff.actions.iter().filter(|a| f(&a.kind)).count();
        parts.push(format!(
            "actions: {} added, {} removed, {} changed",
            human::count(actions(|k| matches!(k, ActionChangeKind::Added(_)))),
            human::count(actions(|k| matches!(k, ActionChangeKind::Removed(_)))),
            human::count(actions(|k| matches!(k, ActionChangeKind::Changed(_)))),
        ));
    }
    ui.label(RichText::new(parts.join("; ")).strong());
}

fn changes_grid(ui: &mut Ui, id_salt: &str, changes: &[Change]) {
    let p = palette(ui);
    egui::Grid::new(id_salt)
        .num_columns(3)
        .striped(true)
        .spacing([10.0, 4.0])
        .show(ui, |ui| {
            for change in changes {
                let (word, color) = match &change.kind {
                    ChangeKind::Added(_) => ("added", p.creation),
                    ChangeKind::Removed(_) => ("removed", p.delete),
                    ChangeKind::Changed { .. } => ("changed", p.update),
                };
                theme::badge(ui, word, color);
                ui.label(RichText::new(&change.pointer).monospace());
                ui.horizontal_wrapped(|ui| match &change.kind {
                    ChangeKind::Added(new) => value(ui, new),
                    ChangeKind::Removed(old) => value(ui, old),
                    ChangeKind::Changed { old, new } => {
                        value(ui, old);
                        ui.label(RichText::new("->").color(p.muted));
                        value(ui, new);
                        if change.is_type_change() {
                            ui.label(RichText::new("type changed").small().color(p.warning));
                        }
                    }
                });
                ui.end_row();
            }
        });
}

/// A value in one short line: scalars as JSON, objects and arrays by what
/// names them; hover shows them whole.
fn value(ui: &mut Ui, value: &Value) {
    let text = match value {
        Value::Object(map) => {
            let name = ["filename", "title", "question", "name", "code"]
                .iter()
                .find_map(|key| map.get(*key).and_then(Value::as_str));
            match name {
                Some(name) => format!("{{{name:?}, {} fields}}", human::count(map.len())),
                None => format!("{{{} fields}}", human::count(map.len())),
            }
        }
        Value::Array(items) => format!("[{} items]", human::count(items.len())),
        scalar => scalar.to_string(),
    };
    let shown: String = text.chars().take(SHOWN_CHARS).collect();
    let response = ui.label(RichText::new(shown).monospace());
    if value.is_object() || value.is_array() || text.chars().count() > SHOWN_CHARS {
        response.on_hover_text(serde_json::to_string_pretty(value).unwrap_or(text));
    }
}
