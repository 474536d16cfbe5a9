//! The File menu; its shortcuts are handled with the others, in
//! `shortcuts`.

use std::path::PathBuf;

use egui::{KeyboardShortcut, Ui};

use crate::session::open::SAMPLES;

use super::app::Action;
use super::files::{ExportKind, ExportScope};
use super::redaction::Step;
use super::shortcuts::{EXPORT, OPEN};

/// `filtered`: a filter hides some rows, so "shown" exports make sense.
pub fn show(
    ui: &mut Ui,
    busy: bool,
    has_captures: bool,
    filtered: bool,
    recent: &[PathBuf],
    actions: &mut Vec<Action>,
) {
    ui.menu_button("File", |ui| {
        ui.set_min_width(220.0);
        let ctx = ui.ctx().clone();
        let shortcut = |s: &KeyboardShortcut| ctx.format_shortcut(s);
        let open = egui::Button::new("Open…").shortcut_text(shortcut(&OPEN));
        if ui.add_enabled(!busy, open).clicked() {
            actions.push(Action::PickFiles);
        }
        ui.menu_button("Open sample", |ui| {
            for (index, (name, _)) in SAMPLES.iter().enumerate() {
                if ui.add_enabled(!busy, egui::Button::new(*name)).clicked() {
                    actions.push(Action::OpenSample(index));
                }
            }
        });
        ui.menu_button("Recent", |ui| {
            if recent.is_empty() {
                ui.add_enabled(false, egui::Button::new("No recent files"));
            }
            for path in recent {
                let name = path.display().to_string();
                if ui.add_enabled(!busy, egui::Button::new(name)).clicked() {
                    actions.push(Action::Open(vec![path.clone()]));
                }
            }
        });
        ui.separator();
        let export = egui::Button::new("Export session…").shortcut_text(shortcut(&EXPORT));
        if ui.add_enabled(!busy && has_captures, export).clicked() {
            actions.push(Action::PickExport(ExportKind::Session, ExportScope::All));
        }
        if ui
            .add_enabled(!busy && has_captures, egui::Button::new("Export HAR…"))
            .clicked()
        {
            actions.push(Action::PickExport(ExportKind::Har, ExportScope::All));
        }
        let shown = !busy && has_captures && filtered;
        if ui
            .add_enabled(shown, egui::Button::new("Export shown events…"))
            .on_hover_text("Only the requests with an event the filter shows")
            .clicked()
        {
            actions.push(Action::PickExport(ExportKind::Session, ExportScope::Shown));
        }
        if ui
            .add_enabled(shown, egui::Button::new("Export shown events as HAR…"))
            .clicked()
        {
            actions.push(Action::PickExport(ExportKind::Har, ExportScope::Shown));
        }
        if ui
            .add_enabled(!busy && has_captures, egui::Button::new("Export bug report…"))
            .on_hover_text(
                "A zip of the events shown: report.md, session and HAR, with personal data redacted",
            )
            .clicked()
        {
            actions.push(Action::PickReport(None));
        }
        ui.separator();
        if ui
            .add_enabled(!busy, egui::Button::new("Redaction policy…"))
            .on_hover_text("What redacted exports replace")
            .clicked()
        {
            actions.push(Action::Redaction(Step::EditPolicy));
        }
        if ui
            .add_enabled(
                !busy && has_captures,
                egui::Button::new("Preview redaction…"),
            )
            .on_hover_text("What a redacted export of this session would replace")
            .clicked()
        {
            actions.push(Action::Redaction(Step::Preview {
                kind: None,
                scope: ExportScope::All,
            }));
        }
    });
}
