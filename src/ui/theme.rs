//! The one place for colours, spacing and type sizes.

use egui::{
    Color32, CornerRadius, FontFamily, FontId, Margin, RichText, Stroke, TextStyle, Theme, Ui,
};

use crate::capture::Status;
use crate::hs::{EntityType, EventKind, Level};

pub const ROW_HEIGHT: f32 = 24.0;
pub const BAR_HEIGHT: f32 = 40.0;
pub const SECTION_GAP: f32 = 10.0;
pub const LABEL_WIDTH: f32 = 150.0;

/// Semantic colours for one theme.
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    pub accent: Color32,
    pub creation: Color32,
    pub update: Color32,
    pub delete: Color32,
    pub unknown: Color32,
    pub job: Color32,
    pub candidate: Color32,
    pub ok: Color32,
    pub warning: Color32,
    pub error: Color32,
    pub muted: Color32,
    pub surface: Color32,
    pub panel: Color32,
    pub canvas: Color32,
    pub json_key: Color32,
    pub json_string: Color32,
    pub json_number: Color32,
    pub json_literal: Color32,
    pub json_punctuation: Color32,
}

pub(super) const DARK: Palette = Palette {
    accent: Color32::from_rgb(0x6c, 0x9e, 0xff),
    creation: Color32::from_rgb(0x4c, 0xc3, 0x8a),
    update: Color32::from_rgb(0x5d, 0xa9, 0xf6),
    delete: Color32::from_rgb(0xf2, 0x6d, 0x6d),
    unknown: Color32::from_rgb(0xa0, 0xa6, 0xb4),
    job: Color32::from_rgb(0xb3, 0x8b, 0xfa),
    candidate: Color32::from_rgb(0x2d, 0xc5, 0xc5),
    ok: Color32::from_rgb(0x4c, 0xc3, 0x8a),
    warning: Color32::from_rgb(0xf5, 0xb7, 0x4a),
    error: Color32::from_rgb(0xf2, 0x6d, 0x6d),
    muted: Color32::from_rgb(0x7d, 0x84, 0x93),
    surface: Color32::from_rgb(0x1f, 0x23, 0x2b),
    panel: Color32::from_rgb(0x17, 0x1a, 0x20),
    canvas: Color32::from_rgb(0x12, 0x14, 0x19),
    json_key: Color32::from_rgb(0x8c, 0xb4, 0xff),
    json_string: Color32::from_rgb(0x9a, 0xd0, 0x8a),
    json_number: Color32::from_rgb(0xe8, 0xa8, 0x6c),
    json_literal: Color32::from_rgb(0xd6, 0x8b, 0xd6),
    json_punctuation: Color32::from_rgb(0x8e, 0x95, 0xa3),
};

pub(super) const LIGHT: Palette = Palette {
    accent: Color32::from_rgb(0x2f, 0x6f, 0xeb),
    creation: Color32::from_rgb(0x1a, 0x8f, 0x5a),
    update: Color32::from_rgb(0x1f, 0x6f, 0xc4),
    delete: Color32::from_rgb(0xc9, 0x37, 0x37),
    unknown: Color32::from_rgb(0x6b, 0x72, 0x80),
    job: Color32::from_rgb(0x7c, 0x4d, 0xd8),
    candidate: Color32::from_rgb(0x0e, 0x8a, 0x8a),
    ok: Color32::from_rgb(0x1a, 0x8f, 0x5a),
    warning: Color32::from_rgb(0xb8, 0x6e, 0x00),
    error: Color32::from_rgb(0xc9, 0x37, 0x37),
    muted: Color32::from_rgb(0x8a, 0x90, 0x9c),
    surface: Color32::from_rgb(0xf3, 0xf5, 0xf8),
    panel: Color32::from_rgb(0xfa, 0xfb, 0xfc),
    canvas: Color32::from_rgb(0xff, 0xff, 0xff),
    json_key: Color32::from_rgb(0x1f, 0x5f, 0xc4),
    json_string: Color32::from_rgb(0x2e, 0x7d, 0x32),
    json_number: Color32::from_rgb(0xa6, 0x55, 0x00),
    json_literal: Color32::from_rgb(0x9c, 0x27, 0xb0),
    json_punctuation: Color32::from_rgb(0x6b, 0x72, 0x80),
};

pub fn palette(ui: &Ui) -> Palette {
    if ui.visuals().dark_mode { DARK } else { LIGHT }
}

/// Applies type sizes, spacing and colours to both themes; the system
/// chooses which one shows unless the user does.
pub fn install(ctx: &egui::Context) {
    for (theme, p) in [(Theme::Dark, DARK), (Theme::Light, LIGHT)] {
        ctx.style_mut_of(theme, |style| {
            style.text_styles = [
                (
                    TextStyle::Heading,
                    FontId::new(17.0, FontFamily::Proportional),
                ),
                (TextStyle::Body, FontId::new(13.5, FontFamily::Proportional)),
                (
                    TextStyle::Button,
                    FontId::new(13.5, FontFamily::Proportional),
                ),
                (
                    TextStyle::Small,
                    FontId::new(11.0, FontFamily::Proportional),
                ),
                (
                    TextStyle::Monospace,
                    FontId::new(12.5, FontFamily::Monospace),
                ),
            ]
            .into();
            let spacing = &mut style.spacing;
            spacing.item_spacing = egui::vec2(8.0, 5.0);
            spacing.button_padding = egui::vec2(10.0, 4.0);
            spacing.interact_size.y = 24.0;
            let v = &mut style.visuals;
            v.panel_fill = p.panel;
            v.window_fill = p.surface;
            v.extreme_bg_color = p.canvas;
            v.faint_bg_color = p.surface;
            v.hyperlink_color = p.accent;
            v.selection.bg_fill = p.accent.gamma_multiply(0.35);
            v.selection.stroke = Stroke::new(1.0, p.accent);
            v.warn_fg_color = p.warning;
            v.error_fg_color = p.error;
            let radius = CornerRadius::same(5);
            for w in [
                &mut v.widgets.inactive,
                &mut v.widgets.hovered,
                &mut v.widgets.active,
                &mut v.widgets.open,
            ] {
                w.corner_radius = radius;
            }
            v.window_corner_radius = CornerRadius::same(8);
            // A blinking cursor repaints the whole window twice a second
            // for as long as a text field has focus: idle must stay idle.
            v.text_cursor.blink = false;
        });
    }
}

pub fn event_color(p: &Palette, event: &EventKind) -> Color32 {
    match event {
        EventKind::Creation => p.creation,
        EventKind::Update => p.update,
        EventKind::Delete => p.delete,
        EventKind::Unknown(_) => p.unknown,
    }
}

pub fn entity_color(p: &Palette, entity: &EntityType) -> Color32 {
    match entity {
        EntityType::Job => p.job,
        EntityType::Candidate => p.candidate,
        EntityType::Unknown(_) => p.unknown,
    }
}

pub fn status_color(p: &Palette, status: Status) -> Color32 {
    match status {
        Status::Ok => p.ok,
        Status::Warning => p.warning,
        Status::Error => p.error,
    }
}

pub fn level_color(p: &Palette, level: Level) -> Color32 {
    match level {
        Level::Info => p.muted,
        Level::Warning => p.warning,
        Level::Error => p.error,
    }
}

/// A small rounded pill: tinted background, coloured text.
pub fn badge(ui: &mut Ui, text: &str, color: Color32) -> egui::Response {
    let shown = if text.is_empty() { "(none)" } else { text };
    egui::Frame::new()
        .fill(color.gamma_multiply(0.18))
        .stroke(Stroke::new(1.0, color.gamma_multiply(0.5)))
        .corner_radius(CornerRadius::same(9))
        .inner_margin(Margin::symmetric(7, 1))
        .show(ui, |ui| {
            ui.label(RichText::new(shown).color(color).size(11.5).strong())
        })
        .inner
}

pub fn event_badge(ui: &mut Ui, event: &EventKind) -> egui::Response {
    let color = event_color(&palette(ui), event);
    badge(ui, event.as_str(), color)
}

pub fn entity_badge(ui: &mut Ui, entity: &EntityType) -> egui::Response {
    let color = entity_color(&palette(ui), entity);
    badge(ui, entity.as_str(), color)
}

pub fn status_badge(ui: &mut Ui, status: Status) -> egui::Response {
    let color = status_color(&palette(ui), status);
    badge(ui, status.as_str(), color)
}

/// A dimmed placeholder for an empty value: visible, not loud.
pub fn empty_text(ui: &Ui) -> RichText {
    RichText::new("empty").italics().color(palette(ui).muted)
}
