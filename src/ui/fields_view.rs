//! Draws the domain's sections of labelled values, whatever the entity.

use egui::{Context, Id, RichText, Ui};

use crate::hs::dates::{self, DateMode};
use crate::hs::fields::{Field, FieldValue, Section};

use super::theme::{self, palette};

/// Where the chosen mode for payload dates lives while a frame is drawn:
/// set by the app from its settings, read wherever a date is shown.
fn date_mode_id() -> Id {
    Id::unique("hookscope/payload-dates")
}

pub fn set_date_mode(ctx: &Context, mode: DateMode) {
    ctx.data_mut(|d| d.insert_temp(date_mode_id(), mode));
}

pub fn date_mode(ctx: &Context) -> DateMode {
    ctx.data(|d| d.get_temp(date_mode_id())).unwrap_or_default()
}

/// A payload date as the chosen mode shows it, the rest on hover; one
/// hookscope cannot read is shown as sent, in the warning colour.
pub fn date(ui: &mut Ui, raw: &str, readable: bool) -> egui::Response {
    let shown = dates::show_date(raw, date_mode(ui.ctx()), &chrono::Local);
    let text = if readable {
        RichText::new(shown.text)
    } else {
        RichText::new(shown.text).color(palette(ui).warning)
    };
    ui.label(text).on_hover_text(shown.hover)
}

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

/// One value: empty ones dimmed, dates as the chosen mode shows them with
/// the rest on hover, links clickable when they are URLs.
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
        FieldValue::Date { raw, parsed } => {
            date(ui, raw, parsed.is_ok());
        }
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
