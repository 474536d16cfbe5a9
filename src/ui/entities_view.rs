//! Every job and candidate the session saw, one row each (virtualised), and
//! the history of the selected one.

use chrono::{DateTime, FixedOffset};
use egui::{Align, Id, Layout, RichText, Role, Sense, Shape, Ui, WidgetInfo};
use egui_extras::{Column, TableBuilder};

use crate::hs::EventKind;
use crate::human::{count, counted};
use crate::session::{EntityKey, EntityState, PreviousVersion, RowId, RowView, Session};

/// What a click in [`history`] asks of the app.
use super::app::Action;
use super::clock;
use super::theme::{self, Palette, palette};

const COLUMNS: [&str; 8] = [
    "Type",
    "Id",
    "Title / name",
    "State",
    "Events",
    "First seen",
    "Last seen",
    "Deleted",
];

/// The selected entity, by key: it stays selected as rows arrive.
#[derive(Default)]
pub struct EntitiesState {
    selected: Option<EntityKey>,
    /// Scroll the table to the selection on the next frame.
    reveal: bool,
}

impl EntitiesState {
    pub fn selected(&self) -> Option<&EntityKey> {
        self.selected.as_ref()
    }

    /// Selects `key` and scrolls the table to it.
    pub fn select(&mut self, key: EntityKey) {
        self.selected = Some(key);
        self.reveal = true;
    }

    pub fn clear(&mut self) {
        self.selected = None;
        self.reveal = false;
    }

    /// Moves the selection with the keyboard; the history follows it.
    pub fn navigate(&mut self, session: &Session, nav: super::shortcuts::Nav, page: usize) {
        let entities = session.entities();
        let current = self
            .selected
            .as_ref()
            .and_then(|key| entities.iter().position(|e| &e.key == key));
        if let Some(entity) = nav
            .target(current, entities.len(), page)
            .and_then(|i| entities.get(i))
        {
            self.select(entity.key.clone());
        }
    }
}

/// The list of every job and candidate seen: type, id, title or name,
/// current state, number of events, first and last seen (local time, ms),
/// deleted or not. A click selects the entity.
pub fn show(ui: &mut Ui, session: &Session, state: &mut EntitiesState) {
    let entities = session.entities();
    let p = palette(ui);
    if entities.is_empty() {
        ui.vertical_centered(|ui| {
            ui.add_space(40.0);
            ui.label(RichText::new("No job or candidate in this session yet").color(p.muted));
        });
        return;
    }

    // A click anywhere on a row selects it: cells take no clicks themselves.
    ui.style_mut().interaction.selectable_labels = false;
    let mut table = TableBuilder::new(ui)
        .id_salt("entities")
        .striped(true)
        .resizable(true)
        .sense(Sense::click())
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::initial(84.0).clip(true))
        .column(Column::initial(90.0).clip(true))
        .column(Column::remainder().at_least(100.0).clip(true))
        .column(Column::initial(72.0).clip(true))
        .column(Column::initial(52.0).clip(true))
        .column(Column::initial(92.0).clip(true))
        .column(Column::initial(92.0).clip(true))
        .column(Column::initial(58.0).clip(true));
    if std::mem::take(&mut state.reveal)
        && let Some(key) = &state.selected
        && let Some(index) = entities.iter().position(|e| &e.key == key)
    {
        table = table.scroll_to_row(index, None);
    }
    let mut clicked = None;
    table
        .header(theme::ROW_HEIGHT, |mut header| {
            for name in COLUMNS {
                header.col(|ui| {
                    ui.label(RichText::new(name).strong());
                });
            }
        })
        .body(|body| {
            body.rows(theme::ROW_HEIGHT, entities.len(), |mut row| {
                let Some(entity) = entities.get(row.index()) else {
                    return;
                };
                row.set_selected(state.selected.as_ref() == Some(&entity.key));
                row.col(|ui| {
                    theme::entity_badge(ui, &entity.key.entity);
                });
                row.col(|ui| {
                    ui.label(RichText::new(&entity.key.id).monospace());
                });
                row.col(|ui| {
                    if entity.label.is_empty() {
                        ui.label(no_label(&p));
                    } else {
                        ui.label(&entity.label);
                    }
                });
                row.col(|ui| {
                    state_badge(ui, entity.state);
                });
                row.col(|ui| {
                    ui.label(count(entity.events()));
                });
                row.col(|ui| {
                    time_label(ui, entity.first_seen);
                });
                row.col(|ui| {
                    time_label(ui, entity.last_seen);
                });
                row.col(|ui| {
                    if entity.deleted {
                        ui.label(RichText::new("yes").color(p.delete).strong());
                    } else {
                        ui.label(RichText::new("no").color(p.muted));
                    }
                });
                if row.response().clicked() {
                    clicked = Some(entity.key.clone());
                }
            });
        });
    if let Some(key) = clicked {
        state.selected = Some(key);
    }
}

/// The selected entity's header and its events in arrival order, one line
/// each (time, event, status, what changed); a click on a line pushes
/// `Action::Show` for that event.
pub fn history(ui: &mut Ui, session: &Session, key: &EntityKey, actions: &mut Vec<Action>) {
    let p = palette(ui);
    let Some(entity) = session.entity(key) else {
        ui.label(
            RichText::new(format!("No {} {} in this session", key.entity, key.id)).color(p.muted),
        );
        return;
    };

    ui.horizontal(|ui| {
        theme::entity_badge(ui, &key.entity);
        ui.label(RichText::new(&key.id).heading().monospace());
        state_badge(ui, entity.state);
    });
    if entity.label.is_empty() {
        ui.label(no_label(&p));
    } else {
        ui.label(RichText::new(&entity.label).heading().strong());
    }
    ui.label(
        RichText::new(format!(
            "{}, first seen {}, last seen {}",
            counted(entity.events(), "event", "events"),
            local_time(entity.first_seen),
            local_time(entity.last_seen)
        ))
        .color(p.muted),
    );
    if entity.deleted && entity.state != EntityState::Deleted {
        ui.label(
            RichText::new(format!(
                "Deleted earlier: events arrived after its delete (the {} is {})",
                key.entity, entity.state
            ))
            .color(p.warning),
        );
    }
    ui.add_space(theme::SECTION_GAP);
    ui.label(RichText::new("History").strong());
    ui.separator();

    let rows = entity.row_indices();
    ui.style_mut().interaction.selectable_labels = false;
    egui::ScrollArea::vertical()
        .id_salt(("entity-history", key.entity.as_str(), key.id.as_str()))
        .auto_shrink([false, false])
        .show_rows(ui, theme::ROW_HEIGHT, rows.len(), |ui, range| {
            for &index in &rows[range] {
                if let Some(view) = session.row(index as usize) {
                    history_line(ui, session, view, actions);
                }
            }
        });
}

/// One event of the history: the whole line is a button.
fn history_line(ui: &mut Ui, session: &Session, view: RowView<'_>, actions: &mut Vec<Action>) {
    let p = palette(ui);
    let time = local_time(view.capture.received_at);
    let event = view.summary.event();
    let event = event.as_ref();
    let changes = change_note(ui, session, view);
    let background = ui.painter().add(Shape::Noop);
    let width = ui.available_width();
    let line = ui
        .allocate_ui_with_layout(
            egui::vec2(width, theme::ROW_HEIGHT),
            Layout::left_to_right(Align::Center),
            |ui| {
                ui.set_min_size(egui::vec2(width, theme::ROW_HEIGHT));
                ui.label(RichText::new(&time).monospace());
                match event {
                    Some(event) => theme::event_badge(ui, event),
                    None => ui.label(RichText::new("-").color(p.muted)),
                };
                theme::status_badge(ui, view.summary.status());
                if let Some(note) = &changes {
                    ui.label(RichText::new(note).color(p.muted));
                }
            },
        )
        .response;
    let response = ui.interact(
        line.rect,
        ui.make_persistent_id(("history-line", view.id)),
        Sense::click(),
    );
    let name = format!("{} at {time}", event.map_or("event", EventKind::as_str));
    response.widget_info(|| WidgetInfo::labeled(Role::Button, true, &name));
    if response.hovered() {
        let fill = ui.visuals().widgets.hovered.weak_bg_fill;
        ui.painter().set(
            background,
            egui::epaint::RectShape::filled(line.rect, 4.0, fill),
        );
    }
    if response.on_hover_text("Show this event").clicked() {
        actions.push(Action::Show(view.id));
    }
}

/// How many things changed since the previous version, for an update;
/// computed once per row (two bodies parsed) and kept in egui's memory.
fn change_note(ui: &Ui, session: &Session, view: RowView<'_>) -> Option<String> {
    if !view.summary.is(&EventKind::Update) {
        return None;
    }
    let cache = Id::unique((
        "hookscope-change-count",
        view.id,
        view.capture.received_at.timestamp_millis(),
        view.capture.id,
    ));
    let changes = match ui.data(|d| d.get_temp::<Changes>(cache)) {
        Some(changes) => changes,
        None => {
            let changes = count_changes(session, view.id);
            ui.data_mut(|d| d.insert_temp(cache, changes));
            changes
        }
    };
    match changes {
        Changes::Count(0) => Some("no change".to_owned()),
        Changes::Count(1) => Some("1 change".to_owned()),
        Changes::Count(n) => Some(counted(n, "change", "changes")),
        Changes::NoEarlier => Some("no earlier version here".to_owned()),
        Changes::Unknown => None,
    }
}

#[derive(Clone, Copy, Debug)]
enum Changes {
    Count(usize),
    NoEarlier,
    Unknown,
}

fn count_changes(session: &Session, row: RowId) -> Changes {
    match session.previous_version(row) {
        PreviousVersion::Found(previous) => session
            .compare(previous, row)
            .map_or(Changes::Unknown, |diff| {
                Changes::Count(diff.fields.len() + diff.actions.len())
            }),
        PreviousVersion::NoneInSession => Changes::NoEarlier,
        PreviousVersion::NotApplicable => Changes::Unknown,
    }
}

/// The state as a badge, coloured as the event that led to it.
fn state_badge(ui: &mut Ui, state: EntityState) -> egui::Response {
    let p = palette(ui);
    let color = match state {
        EntityState::Created => p.creation,
        EntityState::Updated => p.update,
        EntityState::Deleted => p.delete,
        EntityState::Unknown => p.unknown,
    };
    theme::badge(ui, state.as_str(), color)
}

fn no_label(p: &Palette) -> RichText {
    RichText::new("no title or name").italics().color(p.muted)
}

/// Local time to the millisecond; the full date and how long ago on hover.
fn time_label(ui: &mut Ui, at: DateTime<FixedOffset>) {
    clock::received(ui, at);
}

fn local_time(at: DateTime<FixedOffset>) -> String {
    clock::time_of_day(at)
}
