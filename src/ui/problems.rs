//! The Problems tab: every finding of the row with where it is in the body;
//! clicking one shows that spot in the tree.

use egui::{RichText, Ui};

use crate::hs::Finding;

use super::theme::{level_color, palette};

/// Returns the pointer of the finding the user clicked.
pub fn show(ui: &mut Ui, findings: &[Finding]) -> Option<String> {
    let p = palette(ui);
    if findings.is_empty() {
        ui.label(RichText::new("No problem: this event is as the spec describes it.").color(p.ok));
        return None;
    }
    let mut clicked = None;
    egui::Grid::new("problems")
        .num_columns(3)
        .striped(true)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            for finding in findings {
                ui.label(
                    RichText::new(finding.level.as_str())
                        .strong()
                        .color(level_color(&p, finding.level)),
                );
                ui.add(egui::Label::new(&finding.message).wrap());
                let place = if finding.pointer.is_empty() {
                    "/"
                } else {
                    &finding.pointer
                };
                if ui
                    .link(RichText::new(place).monospace())
                    .on_hover_text("Show this spot in the body")
                    .clicked()
                {
                    clicked = Some(finding.pointer.clone());
                }
                ui.end_row();
            }
        });
    clicked
}
