//! The redaction policy as text: edited in place, read as it is typed, and
//! saved with the settings only when every line reads.

use egui::{RichText, Ui};

use crate::redact::DEFAULT_TEXT;

use super::redaction::{Editor, Step, rules};
use super::theme::palette;

pub fn show(ctx: &egui::Context, editor: &mut Editor, steps: &mut Vec<Step>) {
    egui::Modal::new(egui::Id::unique("policy-editor")).show(ctx, |ui: &mut Ui| {
        ui.set_width(640.0);
        let p = palette(ui);
        ui.label(RichText::new("Redaction policy").strong().size(15.0));
        ui.label(
            RichText::new(
                "One rule per line: a JSON pointer into each event (* for any key or array item), \
                 header NAME or query NAME (* for any characters, any case). # starts a comment. \
                 What no rule names is kept.",
            )
            .color(p.muted),
        );
        ui.add_space(4.0);
        let label = ui.label("Policy rules");
        let bad_line = editor.parsed.as_ref().err().map(|e| e.line);
        let mut layouter = |ui: &Ui, text: &dyn egui::TextBuffer, wrap_width: f32| {
            let mut job = highlighted(ui, text.as_str(), bad_line);
            job.wrap.max_width = wrap_width;
            ui.fonts_mut(|f| f.layout_job(job))
        };
        let height = (ui.ctx().content_rect().height() - 320.0).clamp(160.0, 460.0);
        egui::ScrollArea::vertical()
            .id_salt("policy-text")
            .max_height(height)
            .show(ui, |ui| {
                let edit = ui
                    .add(
                        egui::TextEdit::multiline(&mut editor.text)
                            .code_editor()
                            .layouter(&mut layouter)
                            .desired_rows(24)
                            .desired_width(f32::INFINITY),
                    )
                    .labelled_by(label.id);
                if edit.changed() {
                    editor.reparse();
                }
            });
        ui.add_space(2.0);
        match &editor.parsed {
            Ok(policy) => {
                let mut text = rules(policy.rules.len());
                if policy.is_default() {
                    text.push_str(" · the default policy");
                }
                ui.label(RichText::new(text).color(p.ok));
            }
            Err(error) => {
                ui.label(
                    RichText::new(format!("Line {}: {}", error.line, error.message)).color(p.error),
                );
            }
        }
        ui.add_space(4.0);
        ui.checkbox(&mut editor.options.redact_ids, "Map ids too")
            .on_hover_text(
                "Entity, action and attachment ids become other ids of the same form, the same \
                 id always the same one",
            );
        ui.checkbox(
            &mut editor.options.keep_unparsed,
            "Keep bodies that are not JSON as they are",
        )
        .on_hover_text(
            "Otherwise such a body cannot be redacted field by field and is replaced whole by a \
             placeholder of the same length",
        );
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let valid = editor.parsed.is_ok();
            if ui
                .add_enabled(valid, egui::Button::new("Save"))
                .on_disabled_hover_text("Fix the line named above first")
                .clicked()
            {
                steps.push(Step::SavePolicy {
                    text: editor.text.clone(),
                    options: editor.options,
                });
            }
            if ui
                .add_enabled(
                    editor.text != DEFAULT_TEXT,
                    egui::Button::new("Reset to default"),
                )
                .on_hover_text("Put the default policy back in the editor")
                .clicked()
            {
                editor.set_text(DEFAULT_TEXT);
            }
            if ui.button("Cancel").clicked() {
                steps.push(Step::CloseEditor);
            }
        });
    });
}

/// Comments dimmed, and the line that does not read in the error colour, so
/// that "Line 14" is easy to find.
fn highlighted(ui: &Ui, text: &str, bad_line: Option<usize>) -> egui::text::LayoutJob {
    let p = palette(ui);
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let normal = ui.visuals().text_color();
    let mut job = egui::text::LayoutJob::default();
    let add = |job: &mut egui::text::LayoutJob, part: &str, color| {
        if !part.is_empty() {
            job.append(part, 0.0, egui::TextFormat::simple(font.clone(), color));
        }
    };
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let (rule, comment) = line.split_at(line.find('#').unwrap_or(line.len()));
        let color = if bad_line == Some(n + 1) {
            p.error
        } else {
            normal
        };
        add(&mut job, rule, color);
        add(&mut job, comment, p.muted);
    }
    job
}
