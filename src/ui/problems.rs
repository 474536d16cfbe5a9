//! The Problems tab: every finding of the row with where it is in the body;
//! clicking one shows that spot in the tree.

use egui::{RichText, Ui};

use crate::hs::Finding;
use crate::session::{Anomaly, RowId};

use super::theme::{level_color, palette};

/// What clicking a problem asks for.
pub enum Goto {
    /// This spot of the body, in the tree.
    Pointer(String),
    /// Another event (the delete, the first delivery…).
    Row(RowId),
}

/// The row's findings, then its anomalies; returns what the user clicked.
pub fn show(ui: &mut Ui, findings: &[Finding], anomalies: &[Anomaly]) -> Option<Goto> {
    let p = palette(ui);
    let mut clicked = None;
    if !anomalies.is_empty() {
        ui.label(RichText::new("Anomalies").strong());
        egui::Grid::new("anomalies")
            .num_columns(3)
            .striped(true)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                for anomaly in anomalies {
                    ui.label(
                        RichText::new(anomaly.kind.as_str())
                            .strong()
                            .color(level_color(&p, anomaly.level)),
                    );
                    ui.add(egui::Label::new(&anomaly.message).wrap());
                    match (anomaly.related, &anomaly.pointer) {
                        (Some(row), _) => {
                            if ui
                                .link("show it")
                                .on_hover_text("Open the event this refers to")
                                .clicked()
                            {
                                clicked = Some(Goto::Row(row));
                            }
                        }
                        (None, Some(pointer)) => {
                            if ui.link(RichText::new(pointer).monospace()).clicked() {
                                clicked = Some(Goto::Pointer(pointer.clone()));
                            }
                        }
                        (None, None) => {
                            ui.label("");
                        }
                    }
                    ui.end_row();
                }
            });
        ui.add_space(8.0);
    }
    if findings.is_empty() {
        ui.label(RichText::new("No problem: this event is as the spec describes it.").color(p.ok));
        return clicked;
    }
    ui.label(RichText::new("Spec conformance").strong());
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
                    clicked = Some(Goto::Pointer(finding.pointer.clone()));
                }
                ui.end_row();
            }
        });
    clicked
}
