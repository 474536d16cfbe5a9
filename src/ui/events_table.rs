//! The live table: one row per event, virtualised, following new rows until
//! the user scrolls up.

use std::collections::HashMap;

use egui::{Align, Layout, RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};

use crate::cli::format_size;
use crate::hs::Level;
use crate::session::filter::FilteredRows;
use crate::session::{RowId, Session};

use super::app::Action;
use super::shortcuts::Nav;
use super::theme::{self, palette};

const COLUMNS: [&str; 9] = [
    "Time",
    "Path",
    "Event",
    "Type",
    "Entity id",
    "Title / name",
    "Status",
    "Anomaly",
    "Size",
];

#[derive(Default)]
pub struct TableState {
    reveal: Option<RowId>,
    /// What the rows without an event say is wrong, read once per row
    /// shown (a summary keeps no message).
    problems: HashMap<RowId, String>,
}

/// Problem messages kept for rows shown; past this the cache starts over.
const PROBLEMS_KEPT: usize = 1024;

impl TableState {
    /// Scrolls to this row on the next frame.
    pub fn reveal(&mut self, id: RowId) {
        self.reveal = Some(id);
    }
}

/// Draws the rows `visible` shows, a virtualised list over the session.
pub fn show(
    ui: &mut Ui,
    session: &Session,
    visible: &FilteredRows,
    selection: Option<RowId>,
    state: &mut TableState,
    actions: &mut Vec<Action>,
) {
    if session.is_empty() {
        waiting(ui);
        return;
    }
    if visible.is_empty() {
        ui.vertical_centered(|ui| {
            ui.add_space(40.0);
            ui.label(RichText::new("No event matches the filter").color(palette(ui).muted));
        });
        return;
    }
    let p = palette(ui);
    // Shown once any capture was forwarded.
    let forwarded = session.exchanges.has_forwards();
    // A click anywhere on a row selects it, so cells must not take clicks
    // for text selection.
    ui.style_mut().interaction.selectable_labels = false;
    let mut table = TableBuilder::new(ui)
        .id_salt("events")
        .striped(true)
        .resizable(true)
        .sense(Sense::click())
        .stick_to_bottom(true)
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::initial(96.0).clip(true))
        .column(Column::initial(72.0).clip(true))
        .column(Column::initial(72.0).clip(true))
        .column(Column::initial(80.0).clip(true))
        .column(Column::initial(88.0).clip(true))
        .column(Column::remainder().at_least(48.0).clip(true))
        .column(Column::initial(62.0).clip(true))
        .column(Column::initial(92.0).clip(true))
        .column(Column::initial(56.0).clip(true));
    if forwarded {
        table = table.column(Column::initial(72.0).clip(true));
    }
    let position = |id: RowId| visible.position(session.row_index(id)?);
    if let Some(index) = state.reveal.take().and_then(position) {
        table = table.scroll_to_row(index, None);
    }
    table
        .header(theme::ROW_HEIGHT, |mut header| {
            let forward = forwarded.then_some("Forward");
            for name in COLUMNS.into_iter().chain(forward) {
                header.col(|ui| {
                    ui.label(RichText::new(name).strong());
                });
            }
        })
        .body(|body| {
            body.rows(theme::ROW_HEIGHT, visible.len(), |mut row| {
                let Some(view) = visible.row_index(row.index()).and_then(|i| session.row(i)) else {
                    return;
                };
                let (capture, summary) = (view.capture, view.summary);
                row.set_selected(selection == Some(view.id));
                row.col(|ui| {
                    super::clock::received(ui, capture.received_at);
                });
                row.col(|ui| {
                    ui.label(capture.head.url());
                });
                row.col(|ui| match summary.event() {
                    Some(event) => {
                        theme::event_badge(ui, &event);
                    }
                    None => {
                        ui.label(RichText::new("-").color(p.muted));
                    }
                });
                row.col(|ui| match summary.entity() {
                    Some(entity) => {
                        theme::entity_badge(ui, &entity);
                    }
                    None => {
                        ui.label(RichText::new("-").color(p.muted));
                    }
                });
                row.col(|ui| {
                    ui.label(RichText::new(summary.entity_id.as_deref().unwrap_or("")).monospace());
                });
                row.col(|ui| {
                    if !summary.has_event() && summary.tally.errors > 0 {
                        if state.problems.len() >= PROBLEMS_KEPT {
                            state.problems.clear();
                        }
                        let message = state.problems.entry(view.id).or_insert_with(|| {
                            capture
                                .findings(view.id.row)
                                .into_iter()
                                .find(|f| f.level == Level::Error)
                                .map(|f| f.message)
                                .unwrap_or_default()
                        });
                        ui.label(RichText::new(message.as_str()).color(p.error));
                        return;
                    }
                    match () {
                        _ if summary.label.is_empty() => {
                            // A delete names only the id: show what the session knows.
                            if let Some(known) = session.known_label(view.id) {
                                ui.label(RichText::new(known).italics().color(p.muted));
                            }
                        }
                        _ => {
                            ui.label(summary.label.as_str());
                        }
                    }
                });
                row.col(|ui| {
                    theme::status_badge(ui, summary.status());
                });
                row.col(|ui| anomaly_flag(ui, session, view.id));
                row.col(|ui| {
                    ui.label(RichText::new(format_size(capture.body.len() as u64)).color(p.muted));
                });
                if forwarded {
                    row.col(|ui| {
                        if let Some(exchange) = session.exchanges.forward_of(capture.id) {
                            super::send_view::answer_cell(ui, exchange);
                        }
                    });
                }
                let response = row.response();
                if response.clicked() {
                    actions.push(Action::Select(view.id));
                }
                response.context_menu(|ui| {
                    if ui.button("Edit and send…").clicked() {
                        actions.push(Action::EditAndSend(capture.id));
                    }
                    if ui.button("Replay to…").clicked() {
                        actions.push(Action::ReplayTo(vec![capture.id]));
                    }
                    if ui.button("Copy as cURL").clicked() {
                        actions.push(Action::CopyCurl(capture.id));
                    }
                });
            });
        });
}

/// The row's first anomaly, in its level's colour; hover lists them all.
fn anomaly_flag(ui: &mut Ui, session: &Session, id: RowId) {
    let Some(level) = session.anomaly_level(id) else {
        return;
    };
    let Some(kind) = session.anomaly_kinds(id).next() else {
        return;
    };
    let color = theme::level_color(&palette(ui), level);
    ui.label(RichText::new(kind.as_str()).small().color(color))
        .on_hover_ui(|ui| {
            for anomaly in session.anomalies(id) {
                ui.label(format!("{}: {}", anomaly.level, anomaly.message));
            }
        });
}

fn waiting(ui: &mut Ui) {
    let p = palette(ui);
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.3);
        ui.label(RichText::new("Waiting for webhooks").size(20.0).strong());
        ui.add_space(6.0);
        ui.label(
            RichText::new("Point the ATS at the job and candidate URLs above, or post a sample:")
                .color(p.muted),
        );
        ui.label(
            RichText::new(
                "curl -H 'Content-Type: application/json' --data @job_creation.json <job URL>",
            )
            .monospace()
            .color(p.muted),
        );
    });
}

/// The row a move from `selection` lands on, among the rows shown.
pub fn navigate(
    session: &Session,
    visible: &FilteredRows,
    selection: Option<RowId>,
    nav: Nav,
    page: usize,
) -> Option<RowId> {
    let current = selection.and_then(|id| visible.position(session.row_index(id)?));
    let next = nav.target(current, visible.len(), page)?;
    Some(session.row(visible.row_index(next)?)?.id)
}
