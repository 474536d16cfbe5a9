//! The choice before an export is written: redact personal data or not,
//! with the way to the policy and the preview.

use egui::{RichText, Ui};

use crate::human::count;

use super::files::{ExportKind, ExportScope};
use super::redaction::{Choice, PolicySummary, Step};
use super::theme::palette;

pub fn show(ctx: &egui::Context, choice: &Choice, summary: PolicySummary, steps: &mut Vec<Step>) {
    let modal = egui::Modal::new(egui::Id::unique("export-choice")).show(ctx, |ui: &mut Ui| {
        ui.set_width(480.0);
        let title = match choice.kind {
            ExportKind::Session => "Export session",
            ExportKind::Har => "Export HAR",
        };
        ui.label(RichText::new(title).strong().size(15.0));
        let sent = match choice.sent {
            0 => String::new(),
            1 => ", and the request hookscope sent".to_owned(),
            n => format!(", and the {} requests hookscope sent", count(n)),
        };
        let what = match (choice.scope, choice.captures) {
            (ExportScope::All, 1) => format!("The session's capture{sent}."),
            (ExportScope::All, n) => format!("All {} captures of the session{sent}.", count(n)),
            (ExportScope::Shown, 1) => "The capture the filter shows.".to_owned(),
            (ExportScope::Shown, n) => format!("The {} captures the filter shows.", count(n)),
        };
        ui.label(what);
        ui.add_space(6.0);
        let mut redact = summary.redact_exports;
        if ui
            .checkbox(&mut redact, "Redact personal data")
            .on_hover_text("For files that leave this machine, such as bug reports")
            .changed()
        {
            steps.push(Step::RedactExports(redact));
        }
        ui.indent("redact-explained", |ui| {
            let p = palette(ui);
            ui.label(
                RichText::new(
                    "Names, email, phone numbers, attachments, form answers, recruiters and \
                     secrets in headers become pseudonyms of the same shape: the same value gives \
                     the same pseudonym everywhere in the file, so findings and entity histories \
                     stay as they are.",
                )
                .color(p.muted),
            );
            ui.horizontal(|ui| {
                ui.label(RichText::new(format!("Uses {}.", summary.describe())).color(p.muted));
                if ui.small_button("Edit policy…").clicked() {
                    steps.push(Step::EditPolicy);
                }
            });
        });
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let (go, hint) = if redact {
                (
                    "Preview and export…",
                    "See what will be replaced, then choose where to save",
                )
            } else {
                ("Export…", "Choose where to save")
            };
            if ui.button(go).on_hover_text(hint).clicked() {
                steps.push(match redact {
                    true => Step::Preview {
                        kind: Some(choice.kind),
                        scope: choice.scope,
                    },
                    false => Step::Export {
                        kind: choice.kind,
                        scope: choice.scope,
                    },
                });
            }
            if ui.button("Cancel").clicked() {
                steps.push(Step::Close);
            }
        });
    });
    if modal.should_close() {
        steps.push(Step::Close);
    }
}
