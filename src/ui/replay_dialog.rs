//! "Replay to…": the base URL captures are sent again to, and whether to
//! edit the request first (one capture only).

use egui::{RichText, Ui};

use super::app::Action;
use super::send_view::url_problem;
use super::theme::palette;

pub struct ReplayDialog {
    /// Capture ids, in capture order.
    pub captures: Vec<u64>,
    pub base: String,
    pub edit_first: bool,
}

impl ReplayDialog {
    pub fn new(captures: Vec<u64>, base: &str) -> Self {
        Self {
            captures,
            base: base.to_owned(),
            edit_first: false,
        }
    }
}

pub fn show(ctx: &egui::Context, dialog: &mut ReplayDialog, actions: &mut Vec<Action>) {
    egui::Modal::new(egui::Id::unique("replay-dialog")).show(ctx, |ui: &mut Ui| {
        ui.set_width(460.0);
        let what = match dialog.captures.as_slice() {
            [one] => format!("Replay request #{one}"),
            many => format!(
                "Replay {} requests, in capture order",
                crate::human::count(many.len())
            ),
        };
        ui.label(RichText::new(what).strong());
        ui.label("Each is sent with its method, path, query, headers and exact body to:");
        ui.horizontal(|ui| {
            let label = ui.label("Base URL");
            ui.add(
                egui::TextEdit::singleline(&mut dialog.base)
                    .hint_text("http://localhost:8000")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        });
        let single = dialog.captures.len() == 1;
        ui.add_enabled(
            single,
            egui::Checkbox::new(&mut dialog.edit_first, "Edit first"),
        )
        .on_hover_text("Open the exact request in the Send editor instead of sending it")
        .on_disabled_hover_text("Only a single request can be edited first");
        let problem = url_problem(&dialog.base);
        if let Some(problem) = problem {
            ui.label(RichText::new(problem).color(palette(ui).warning));
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let go = if dialog.edit_first && single {
                "Edit"
            } else {
                "Replay"
            };
            if ui
                .add_enabled(problem.is_none(), egui::Button::new(go))
                .clicked()
            {
                actions.push(Action::Replay {
                    captures: dialog.captures.clone(),
                    base: dialog.base.trim().to_owned(),
                    edit_first: dialog.edit_first && single,
                });
            }
            if ui.button("Cancel").clicked() {
                actions.push(Action::CancelReplay);
            }
        });
    });
}
