//! The exact request and response: raw body, pretty JSON, headers, response.

use std::fmt::Write as _;
use std::sync::Arc;

use egui::{RichText, Ui};

use crate::capture::Capture;
use crate::capture::answer::reason_phrase;
use crate::human::format_size;

use super::highlight;
use super::theme::palette;

/// Larger bodies are cut for display; copying still gives them whole.
const SHOWN_BYTES: usize = 256 * 1024;

pub fn raw_body(ui: &mut Ui, capture: &Capture) {
    let p = palette(ui);
    let content = capture.content();
    let size = format_size(capture.body.len() as u64);
    let title = match &capture.decoded {
        Some(decoded) => format!(
            "Body decoded from {}: {size} received, {} decoded",
            decoded.names(),
            format_size(content.len() as u64)
        ),
        None => format!("Body, {size}"),
    };
    let caption = ui
        .horizontal(|ui| {
            let caption = ui.label(RichText::new(title).color(p.muted));
            if ui.small_button("Copy body").clicked() {
                ui.ctx()
                    .copy_text(String::from_utf8_lossy(content).into_owned());
            }
            caption.id
        })
        .inner;
    if capture.decoded.is_some() {
        egui::CollapsingHeader::new("The bytes as received")
            .id_salt(("received-bytes", capture.id))
            .show(ui, |ui| {
                let caption = ui.label(RichText::new("Hex and text").color(p.muted));
                let shown = &capture.body[..capture.body.len().min(SHOWN_BYTES / 4)];
                hex_text(ui, caption.id, &cached_hex_dump(ui, shown));
            });
    }
    if content.is_empty() {
        ui.label(RichText::new("The body is empty.").italics().color(p.muted));
        return;
    }
    match std::str::from_utf8(content) {
        Ok(text) => {
            let shown = cut_at_char(text, SHOWN_BYTES);
            if shown.len() < text.len() {
                ui.label(
                    RichText::new(format!(
                        "Showing the first {} of the body.",
                        format_size(shown.len() as u64)
                    ))
                    .color(p.warning),
                );
            }
            if highlight::looks_like_json(shown) {
                json_text(ui, caption, shown);
            } else {
                read_only_text(ui, caption, shown);
            }
        }
        Err(e) => {
            ui.label(
                RichText::new(format!(
                    "The body is not valid UTF-8 (invalid byte at offset {}); shown as hex.",
                    e.valid_up_to()
                ))
                .color(p.warning),
            );
            hex_text(
                ui,
                caption,
                &cached_hex_dump(ui, &content[..content.len().min(SHOWN_BYTES / 4)]),
            );
        }
    }
}

pub fn pretty_json(ui: &mut Ui, pretty: Option<&str>) {
    match pretty {
        Some(text) => {
            let caption = ui.label(RichText::new("Pretty-printed JSON").color(palette(ui).muted));
            json_text(ui, caption.id, cut_at_char(text, SHOWN_BYTES));
        }
        None => {
            ui.label(
                RichText::new("The body is not JSON; see the raw body.")
                    .italics()
                    .color(palette(ui).muted),
            );
        }
    }
}

pub fn headers(ui: &mut Ui, capture: &Capture) {
    let p = palette(ui);
    let head = &capture.head;
    ui.label(
        RichText::new(format!("{} {}", head.method(), head.url()))
            .monospace()
            .strong(),
    );
    ui.label(
        RichText::new(format!(
            "from {}  at {}",
            head.remote(),
            capture.received_at_text()
        ))
        .color(p.muted),
    );
    ui.add_space(6.0);
    egui::Grid::new("request_headers")
        .num_columns(2)
        .striped(true)
        .spacing([12.0, 3.0])
        .show(ui, |ui| {
            for header in head.headers() {
                ui.label(RichText::new(header.name).monospace().color(p.muted));
                ui.label(RichText::new(header.value_text()).monospace());
                ui.end_row();
            }
        });
}

pub fn response(ui: &mut Ui, capture: &Capture, pretty_body: &str) {
    let status = capture.status();
    let reason = reason_phrase(status);
    let caption = ui.label(
        RichText::new(format!("HTTP {status} {reason}"))
            .monospace()
            .strong(),
    );
    ui.label(
        RichText::new("Content-Type: application/json")
            .monospace()
            .color(palette(ui).muted),
    );
    ui.add_space(6.0);
    body_text(ui, caption.id, pretty_body);
}

/// A body that may be any text: in JSON colours when it looks like JSON.
pub(super) fn body_text(ui: &mut Ui, caption: egui::Id, text: &str) {
    if highlight::looks_like_json(text) {
        json_text(ui, caption, text);
    } else {
        read_only_text(ui, caption, text);
    }
}

/// Selectable, copyable, not editable; named by its caption for screen readers.
pub(super) fn read_only_text(ui: &mut Ui, caption: egui::Id, mut text: &str) {
    ui.add(
        egui::TextEdit::multiline(&mut text)
            .code_editor()
            .desired_width(f32::INFINITY),
    )
    .labelled_by(caption);
}

/// As `read_only_text`, in JSON colours.
pub(super) fn json_text(ui: &mut Ui, caption: egui::Id, mut text: &str) {
    let mut layouter = |ui: &Ui, text: &dyn egui::TextBuffer, wrap_width: f32| {
        highlight::coloured(ui, text.as_str(), wrap_width)
    };
    ui.add(
        egui::TextEdit::multiline(&mut text)
            .code_editor()
            .desired_width(f32::INFINITY)
            .layouter(&mut layouter),
    )
    .labelled_by(caption);
}

#[derive(Default)]
struct HexDumper;

impl egui::cache::ComputerMut<&[u8], Arc<str>> for HexDumper {
    fn compute(&mut self, bytes: &[u8]) -> Arc<str> {
        hex_dump(bytes).into()
    }
}

/// The dump of `bytes`, made once while it stays on screen rather than
/// every frame.
fn cached_hex_dump(ui: &Ui, bytes: &[u8]) -> Arc<str> {
    type HexCache = egui::cache::FrameCache<Arc<str>, HexDumper>;
    ui.ctx()
        .memory_mut(|mem| mem.caches.cache::<HexCache>().get(bytes).clone())
}

/// A hex dump: its lines are never wrapped, so its columns stay aligned.
fn hex_text(ui: &mut Ui, caption: egui::Id, mut text: &str) {
    let mut layouter = |ui: &Ui, text: &dyn egui::TextBuffer, _wrap_width: f32| {
        let font = egui::TextStyle::Monospace.resolve(ui.style());
        let job = egui::text::LayoutJob::simple(
            text.as_str().to_owned(),
            font,
            ui.visuals().text_color(),
            f32::INFINITY,
        );
        ui.ctx().fonts_mut(|fonts| fonts.layout_job(job))
    };
    egui::ScrollArea::horizontal()
        .id_salt(caption)
        .show(ui, |ui| {
            ui.add(
                egui::TextEdit::multiline(&mut text)
                    .code_editor()
                    .layouter(&mut layouter),
            )
            .labelled_by(caption);
        });
}

pub(super) fn cut_at_char(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Offset, 16 bytes in hex, then those bytes as ASCII ('.' for the rest).
fn hex_dump(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4);
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "{:08x}  ", i * 16);
        for b in chunk {
            let _ = write!(out, "{b:02x} ");
        }
        out.push_str(&"   ".repeat(16 - chunk.len()));
        out.push(' ');
        out.extend(chunk.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_dump_lines_hold_offset_hex_and_ascii() {
        let bytes: Vec<u8> = (0u8..20)
            .map(|i| b'A' + i)
            .chain([0xff, b' ', 0x00])
            .collect();
        let dump = hex_dump(&bytes);
        let lines: Vec<&str> = dump.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0],
            "00000000  41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  ABCDEFGHIJKLMNOP"
        );
        // A short last line keeps the ASCII column where it is.
        assert_eq!(
            lines[1],
            format!("00000010  51 52 53 54 ff 20 00 {}QRST. .", " ".repeat(28))
        );
        assert_eq!(lines[1].find("QRST"), lines[0].find("ABCD"));
        assert!(hex_dump(&[]).is_empty());
    }
}
