//! The delete pane: which entity went, and what the session saw of it before.

use egui::{RichText, Ui};

use crate::session::{EntityKey, RowId, Session};

use super::app::Action;
use super::theme::{self, palette};
use super::{clock, fields_view};

pub fn show(
    ui: &mut Ui,
    session: &Session,
    this: RowId,
    key: Option<&EntityKey>,
    actions: &mut Vec<Action>,
) {
    let p = palette(ui);
    let Some(key) = key else {
        ui.label(
            RichText::new("Deleted entity without an id")
                .heading()
                .strong(),
        );
        ui.label(
            RichText::new("The delete event names no id, so nothing can be linked to it.")
                .color(p.warning),
        );
        return;
    };
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!("Deleted {}", key.entity))
                .heading()
                .strong(),
        );
        ui.label(RichText::new(&key.id).heading().monospace());
    });

    fields_view::section_heading(
        ui,
        &format!("Earlier events of this {} in the session", key.entity),
    );
    let this_index = session.row_index(this).unwrap_or(usize::MAX);
    let earlier: Vec<_> = session
        .history(key)
        .filter(|view| session.row_index(view.id).is_some_and(|i| i < this_index))
        .collect();
    if earlier.is_empty() {
        ui.label(
            RichText::new(format!(
                "No earlier event of this {} in this session: it may have been created before capture started.",
                key.entity
            ))
            .color(p.muted),
        );
        return;
    }
    for view in earlier {
        ui.horizontal(|ui| {
            let at = view.capture.received_at;
            if let Some(event) = view.summary.event() {
                theme::event_badge(ui, &event);
            }
            let text = format!("{}  {}", clock::time_of_day(at), view.summary.label);
            let hover = format!("Show this event\n{}", clock::hover(at));
            if ui.link(text).on_hover_text(hover).clicked() {
                actions.push(Action::Show(view.id));
            }
        });
    }
}
