//! What a redacted export will replace, before it is written: per rule, how
//! many values and a few of them before and after; and what stays.

use egui::{RichText, Ui};

use crate::human;
use crate::redact::RuleTally;

use super::files::{ExportKind, RedactedRun};
use super::redaction::{PolicySummary, Step};
use super::theme::palette;

/// What a redaction never touches, as the issue promises.
const WHAT_STAYS: &str = "What stays: the structure of every event, its event and type, dates, \
ids (unless mapped), statuses and answers' codes, the questions of forms, and every value no rule \
names, and your pins and notes, which are your own words and kept as written. Findings, entities \
and diffs come out the same.";

/// Longest before or after value shown in full: a pair fits the column.
const SHOWN_CHARS: usize = 26;

pub fn show(ctx: &egui::Context, run: &RedactedRun, steps: &mut Vec<Step>) {
    let modal = egui::Modal::new(egui::Id::unique("redact-preview")).show(ctx, |ui: &mut Ui| {
        ui.set_width((ui.ctx().content_rect().width() - 60.0).clamp(480.0, 820.0));
        let p = palette(ui);
        let redacted = &run.redacted;
        let tally = &redacted.tally;
        ui.label(RichText::new("Redaction preview").strong().size(15.0));
        let summary = PolicySummary {
            rules: run.rules,
            default: run.default_policy,
            redact_exports: true,
        };
        ui.label(
            RichText::new(format!(
                "{} and {} hookscope sent · {} · pseudonyms keyed for this export only",
                count(redacted.captures.len(), "capture"),
                count(redacted.exchanges.len(), "request"),
                summary.describe(),
            ))
            .color(p.muted),
        );
        ui.add_space(4.0);
        let total = tally.total();
        let headline = match total {
            0 => "Nothing here matches the policy: the file will hold these values as they are."
                .to_owned(),
            1 => "1 value will be replaced.".to_owned(),
            n => format!("{} values will be replaced.", human::count(n)),
        };
        ui.label(RichText::new(headline).strong());
        ui.add_space(4.0);
        let height = (ui.ctx().content_rect().height() - 340.0).clamp(140.0, 440.0);
        egui::ScrollArea::vertical()
            .id_salt("redact-tally")
            .max_height(height)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                egui::Grid::new("redact-rules")
                    .num_columns(3)
                    .striped(true)
                    .spacing([16.0, 4.0])
                    .show(ui, |ui| {
                        for heading in ["Rule", "Replaced", "Examples: before -> after"] {
                            ui.label(RichText::new(heading).color(p.muted).small());
                        }
                        ui.end_row();
                        // Rules that replaced something first, each group in
                        // the policy's order.
                        let (hit, missed): (Vec<&RuleTally>, Vec<&RuleTally>) =
                            tally.rules.iter().partition(|r| r.replaced > 0);
                        for rule in hit.into_iter().chain(missed) {
                            rule_row(ui, rule);
                        }
                    });
            });
        ui.add_space(6.0);
        egui::Grid::new("redact-other")
            .num_columns(2)
            .spacing([16.0, 4.0])
            .show(ui, |ui| {
                ui.label("Bodies that are not JSON");
                ui.label(if run.options.keep_unparsed {
                    format!("{} kept as they are", human::count(tally.unparsed_kept))
                } else {
                    format!(
                        "{} replaced whole by a placeholder of the same length",
                        human::count(tally.unparsed_replaced)
                    )
                });
                ui.end_row();
                ui.label("Ids");
                ui.label(if run.options.redact_ids {
                    format!(
                        "{} mapped, the same id always to the same one",
                        human::count(tally.ids)
                    )
                } else {
                    "kept as they are (the policy editor can map them)".to_owned()
                });
                ui.end_row();
            });
        ui.add_space(6.0);
        ui.label(RichText::new(WHAT_STAYS).color(p.muted));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let kinds: &[ExportKind] = match run.kind {
                Some(ExportKind::Session) => &[ExportKind::Session],
                Some(ExportKind::Har) => &[ExportKind::Har],
                None => &[ExportKind::Session, ExportKind::Har],
            };
            for kind in kinds {
                let label = match kind {
                    ExportKind::Session => "Export session…",
                    ExportKind::Har => "Export HAR…",
                };
                if ui
                    .button(label)
                    .on_hover_text("Write exactly what this preview shows")
                    .clicked()
                {
                    steps.push(Step::ExportPreviewed(*kind));
                }
            }
            if ui.button("Edit policy…").clicked() {
                steps.push(Step::EditPolicy);
            }
            if ui.button("Close").clicked() {
                steps.push(Step::Close);
            }
        });
    });
    if modal.should_close() {
        steps.push(Step::Close);
    }
}

/// A rule, its count, and its examples one per row under each other.
fn rule_row(ui: &mut Ui, rule: &RuleTally) {
    let p = palette(ui);
    let color = if rule.replaced > 0 {
        ui.visuals().text_color()
    } else {
        p.muted
    };
    ui.label(RichText::new(&rule.rule).monospace().color(color));
    let replaced = ui.label(RichText::new(human::count(rule.replaced)).color(color));
    // Read aloud (and found by tests) with the rule it counts for.
    replaced.widget_info(|| {
        egui::WidgetInfo::labeled(
            egui::Role::Label,
            true,
            format!("{}: {} replaced", rule.rule, human::count(rule.replaced)),
        )
    });
    for (n, example) in rule.examples.iter().enumerate() {
        if n > 0 {
            ui.label("");
            ui.label("");
        }
        let text = format!("{} -> {}", shown(&example.before), shown(&example.after));
        ui.add(
            egui::Label::new(RichText::new(text).monospace())
                .wrap_mode(egui::TextWrapMode::Truncate),
        );
        ui.end_row();
    }
    if rule.examples.is_empty() {
        ui.label("");
        ui.end_row();
    }
}

/// A value on one line, cut short when long.
fn shown(value: &str) -> String {
    let one_line: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match one_line.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

fn count(n: usize, what: &str) -> String {
    human::counted(n, what, &format!("{what}s"))
}
