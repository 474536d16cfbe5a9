//! Draws the domain's sections of labelled values, whatever the entity.

use chrono::Local;
use egui::{RichText, Ui};

use crate::hs::fields::{Field, FieldValue, Section};

use super::theme::{self, palette};

pub fn sections(ui: &mut Ui, id_salt: &str, sections: &[Section]) {
    for section in sections {
        section_heading(ui, &section.title);
        fields_grid(ui, &format!("{id_salt}/{}", section.title), &section.fields);
    }
}

pub fn section_heading(ui: &mut Ui, title: &str) {
    ui.add_space(theme::SECTION_GAP);
    ui.label(
        RichText::new(title.to_uppercase())
            .size(11.5)
            .strong()
            .color(palette(ui).accent),
    );
    ui.add_space(2.0);
}

pub fn fields_grid(ui: &mut Ui, id_salt: &str, fields: &[Field]) {
    egui::Grid::new(id_salt)
        .num_columns(2)
        .min_col_width(theme::LABEL_WIDTH)
        .spacing([12.0, 4.0])
        .striped(false)
        .show(ui, |ui| {
            for field in fields {
                ui.label(RichText::new(&field.label).color(palette(ui).muted))
                    .on_hover_text(&field.key);
                ui.horizontal_wrapped(|ui| {
                    value(ui, &field.value);
                    if let Some(note) = &field.note {
                        ui.label(RichText::new(note).small().color(palette(ui).muted));
                    }
                });
                ui.end_row();
            }
        });
}

/// One value: empty ones dimmed, dates in local time with the original on
/// hover, links clickable when they are URLs.
pub fn value(ui: &mut Ui, value: &FieldValue) {
    let p = palette(ui);
    if value.is_empty() {
        ui.label(theme::empty_text(ui));
        return;
    }
    match value {
        FieldValue::Empty => {
            ui.label(theme::empty_text(ui));
        }
        FieldValue::Text(text) => {
            ui.label(text);
        }
        FieldValue::LongText(text) => {
            ui.add(egui::Label::new(text.as_str()).wrap());
        }
        FieldValue::Date { raw, parsed } => match parsed {
            Ok(date) => {
                let local = date.with_timezone(&Local);
                ui.label(local.format("%Y-%m-%d %H:%M:%S").to_string())
                    .on_hover_text(format!("Sent as {raw}"));
            }
            Err(problem) => {
                ui.label(RichText::new(raw).color(p.warning))
                    .on_hover_text(format!("Not a date hookscope can read: {problem}"));
            }
        },
        FieldValue::Link(url) if url.starts_with("http://") || url.starts_with("https://") => {
            ui.hyperlink(url);
        }
        FieldValue::Link(text) => {
            ui.label(text);
            ui.label(RichText::new("(not a URL)").small().color(p.muted));
        }
        FieldValue::List(items) => {
            ui.label(items.join(", "));
        }
        FieldValue::Json(json) => {
            let compact = json.to_string();
            let shown: String = compact.chars().take(240).collect();
            let response = ui.label(RichText::new(shown).monospace());
            if compact.len() > 240 {
                response.on_hover_text(serde_json::to_string_pretty(json).unwrap_or(compact));
            }
        }
    }
}
