//! The candidate pane: who they are, and their actions as a timeline,
//! newest first, each with its attachments and form answers.

use egui::{CornerRadius, Margin, RichText, Stroke, Ui};

use crate::hs::candidate::{Action, Attachment, Candidate, Form};
use crate::human::{count, counted};

use super::fields_view;
use super::theme::{self, palette};

const PREVIEW_CHARS: usize = 160;

pub fn show(ui: &mut Ui, candidate: &Candidate, name: &str) {
    let name = if name.is_empty() {
        "Unnamed candidate"
    } else {
        name
    };
    ui.label(RichText::new(name).heading().strong());
    fields_view::sections(ui, "candidate", &candidate.sections);

    fields_view::section_heading(ui, "Activity");
    egui::Grid::new("candidate/activity")
        .num_columns(2)
        .min_col_width(theme::LABEL_WIDTH)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            let p = palette(ui);
            ui.label(RichText::new("Tags").color(p.muted));
            ui.horizontal_wrapped(|ui| {
                if candidate.tags.is_empty() {
                    ui.label(theme::empty_text(ui));
                }
                for tag in &candidate.tags {
                    theme::badge(ui, tag, p.candidate);
                }
            });
            ui.end_row();
            ui.label(RichText::new(&candidate.latest_action.label).color(p.muted));
            fields_view::value(ui, &candidate.latest_action.value);
            ui.end_row();
        });

    fields_view::section_heading(
        ui,
        &format!("Actions ({}), newest first", count(candidate.actions.len())),
    );
    if candidate.actions.is_empty() {
        ui.label(theme::empty_text(ui));
    }
    for (i, action) in candidate.actions.iter().enumerate() {
        action_card(ui, i, action);
    }
}

fn action_card(ui: &mut Ui, index: usize, action: &Action) {
    let p = palette(ui);
    egui::Frame::new()
        .fill(p.surface)
        .stroke(Stroke::new(1.0, p.muted.gamma_multiply(0.3)))
        .corner_radius(CornerRadius::same(6))
        .inner_margin(Margin::same(10))
        .outer_margin(Margin::symmetric(0, 4))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal_wrapped(|ui| {
                fields_view::value(ui, &action.date);
                if let Some(code) = &action.code {
                    theme::badge(ui, code, p.accent);
                }
                let kinds = [
                    action.type_.as_deref().map(|t| format!("type {t}")),
                    action
                        .default_type
                        .as_deref()
                        .map(|t| format!("default type {t}")),
                    action.rating.as_deref().map(|r| format!("rating {r}")),
                ];
                for text in kinds.into_iter().flatten() {
                    ui.label(RichText::new(text).color(p.muted));
                }
            });
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new("Consultant").color(p.muted));
                match &action.consultant {
                    Some(name) => ui.label(name),
                    None => ui.label(theme::empty_text(ui)),
                };
                if let Some(office) = &action.consultant_office {
                    ui.label(RichText::new(format!("office {office}")).color(p.muted));
                }
            });
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new("Position").color(p.muted))
                    .on_hover_text("poste");
                match &action.poste_title {
                    Some(title) => ui.label(RichText::new(title).strong()),
                    None => ui.label(theme::empty_text(ui)),
                };
                if let Some(id) = &action.poste_id {
                    ui.label(RichText::new(format!("#{id}")).monospace().color(p.muted));
                }
            });
            if !action.attachments.is_empty() {
                ui.add_space(4.0);
                ui.label(
                    RichText::new(format!("Attachments ({})", count(action.attachments.len())))
                        .strong(),
                );
                for (j, attachment) in action.attachments.iter().enumerate() {
                    attachment_row(ui, index, j, attachment);
                }
            }
            if let Some(form) = &action.form {
                ui.add_space(4.0);
                form_answers(ui, index, form);
            }
            if !action.details.is_empty() {
                egui::CollapsingHeader::new(format!(
                    "More fields ({})",
                    count(action.details.len())
                ))
                .id_salt(("action_details", index))
                .show(ui, |ui| {
                    fields_view::fields_grid(
                        ui,
                        &format!("action/{index}/details"),
                        &action.details,
                    );
                });
            }
            let id = action.id.as_deref().unwrap_or("no id");
            ui.label(RichText::new(format!("action {id}")).small().color(p.muted));
        });
}

fn attachment_row(ui: &mut Ui, action: usize, index: usize, attachment: &Attachment) {
    let p = palette(ui);
    ui.horizontal_wrapped(|ui| {
        ui.label(attachment.filename.as_deref().unwrap_or("(no file name)"))
            .on_hover_text("filename");
        if let Some(mime) = &attachment.mimetype {
            theme::badge(ui, mime, p.muted);
        }
        if let Some(id) = &attachment.id {
            ui.label(RichText::new(format!("#{id}")).monospace().color(p.muted))
                .on_hover_text("Attachment ID (id)");
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Stored as").color(p.muted))
            .on_hover_text("uniqfilename: the file's name in the ATS's storage");
        match &attachment.uniqfilename {
            Some(stored) => ui.label(RichText::new(stored).monospace()),
            None => ui.label(theme::empty_text(ui)),
        };
    });
    let preview = attachment.preview(PREVIEW_CHARS);
    if preview.is_empty() {
        ui.label(RichText::new("no text").italics().color(p.muted));
    } else {
        ui.label(RichText::new(preview).monospace().small().color(p.muted));
    }
    if let Some(text) = attachment
        .text
        .as_deref()
        .filter(|t| t.chars().count() > PREVIEW_CHARS)
    {
        egui::CollapsingHeader::new("Full text")
            .id_salt(("attachment_text", action, index))
            .show(ui, |ui| {
                ui.add(egui::Label::new(text).wrap());
            });
    }
}

fn form_answers(ui: &mut Ui, action: usize, form: &Form) {
    let id = form
        .id
        .as_deref()
        .map(|id| format!(" #{id}"))
        .unwrap_or_default();
    let answers = counted(form.answers.len(), "answer", "answers");
    ui.label(RichText::new(format!("Form{id}: {answers}")).strong());
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Image").color(palette(ui).muted))
            .on_hover_text("image");
        match &form.image {
            Some(image) => ui.label(RichText::new(image).monospace()),
            None => ui.label(theme::empty_text(ui)),
        };
    });
    egui::Grid::new(("form_answers", action))
        .num_columns(3)
        .striped(true)
        .spacing([12.0, 3.0])
        .show(ui, |ui| {
            for answer in &form.answers {
                let p = palette(ui);
                let id = match &answer.id_question {
                    Some(id) => {
                        ui.label(RichText::new(format!("#{id}")).monospace().color(p.muted))
                    }
                    None => ui.label(""),
                };
                id.on_hover_text("Question ID (id_question)");
                ui.label(RichText::new(&answer.question).color(p.muted));
                if answer.answer.is_empty() {
                    ui.label(theme::empty_text(ui));
                } else {
                    ui.label(&answer.answer);
                }
                ui.end_row();
            }
        });
}
