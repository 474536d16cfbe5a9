//! The body as a tree: objects and arrays collapse and expand; any value or
//! its JSON pointer can be copied; a pointer can be revealed (opened and
//! scrolled to), e.g. from a problem in the list.

use egui::{CollapsingHeader, RichText, Ui};
use serde_json::Value;

use crate::hs::finding::pointer_token;

use super::theme::palette;

/// Children shown per object or array; the rest are counted, not drawn.
const MAX_CHILDREN: usize = 500;

/// Draws `value`. `reveal`: a pointer to open and scroll to, once.
pub fn show(ui: &mut Ui, value: &Value, reveal: &mut Option<String>) {
    node(ui, "(body)", String::new(), value, reveal, 0);
}

fn node(
    ui: &mut Ui,
    key: &str,
    pointer: String,
    value: &Value,
    reveal: &mut Option<String>,
    depth: usize,
) {
    let revealed = reveal.as_deref() == Some(pointer.as_str());
    let on_path = reveal.as_deref().is_some_and(|target| {
        target != pointer && (pointer.is_empty() || target.starts_with(&format!("{pointer}/")))
    });
    let title = match value {
        Value::Object(map) => Some(format!("{key}  {{{}}}", map.len())),
        Value::Array(items) => Some(format!("{key}  [{}]", items.len())),
        _ => None,
    };
    match (title, value) {
        (Some(title), _) => {
            let header = CollapsingHeader::new(RichText::new(title).monospace())
                .id_salt(("json", &pointer))
                .default_open(depth < 2)
                .open(on_path.then_some(true));
            let response = header.show(ui, |ui| {
                for (child_key, child) in children(value).take(MAX_CHILDREN) {
                    let child_pointer = format!("{pointer}/{}", pointer_token(&child_key));
                    node(ui, &child_key, child_pointer, child, reveal, depth + 1);
                }
                let len =
                    value.as_object().map_or(0, |m| m.len()) + value.as_array().map_or(0, Vec::len);
                more(ui, len);
            });
            finish_row(
                ui,
                response.header_response,
                &pointer,
                value,
                revealed,
                reveal,
            );
        }
        (None, scalar) => {
            let p = palette(ui);
            let (text, color) = match scalar {
                Value::String(s) => (format!("{s:?}"), p.creation),
                Value::Number(n) => (n.to_string(), p.update),
                Value::Bool(b) => (b.to_string(), p.job),
                _ => ("null".to_owned(), p.muted),
            };
            let response = ui
                .horizontal(|ui| {
                    ui.label(RichText::new(format!("{key}:")).monospace().color(p.muted));
                    ui.label(RichText::new(text).monospace().color(color))
                })
                .response;
            finish_row(ui, response, &pointer, value, revealed, reveal);
        }
    }
}

/// An object's members or an array's items, with their keys.
fn children(value: &Value) -> Box<dyn Iterator<Item = (String, &Value)> + '_> {
    match value {
        Value::Object(map) => Box::new(map.iter().map(|(k, v)| (k.clone(), v))),
        Value::Array(items) => Box::new(items.iter().enumerate().map(|(i, v)| (i.to_string(), v))),
        _ => Box::new(std::iter::empty()),
    }
}

fn more(ui: &mut Ui, len: usize) {
    if len > MAX_CHILDREN {
        ui.label(
            RichText::new(format!(
                "… {} more not shown; see Pretty JSON",
                len - MAX_CHILDREN
            ))
            .italics()
            .color(palette(ui).muted),
        );
    }
}

/// The copy menu, and the highlight of a revealed node.
fn finish_row(
    ui: &mut Ui,
    response: egui::Response,
    pointer: &str,
    value: &Value,
    revealed: bool,
    reveal: &mut Option<String>,
) {
    if revealed {
        let p = palette(ui);
        ui.painter().rect_stroke(
            response.rect.expand(2.0),
            4.0,
            egui::Stroke::new(2.0, p.warning),
            egui::StrokeKind::Outside,
        );
        response.scroll_to_me(Some(egui::Align::Center));
        *reveal = None;
    }
    response
        .on_hover_text(if pointer.is_empty() { "/" } else { pointer })
        .context_menu(|ui| {
            if ui.button("Copy value").clicked() {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => serde_json::to_string_pretty(other).unwrap_or_default(),
                };
                ui.ctx().copy_text(text);
                ui.close();
            }
            if ui.button("Copy JSON pointer").clicked() {
                ui.ctx().copy_text(pointer.to_owned());
                ui.close();
            }
        });
}
