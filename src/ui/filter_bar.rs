//! The search box (Ctrl+F) and the toggles that filter the table, with the
//! count of rows shown.

use egui::{Id, RichText, Ui};

use crate::human::{count, counted};
use crate::session::filter::{Filter, Set, Toggle};

use super::theme::palette;

/// The search box, which Ctrl+F and Esc reach from anywhere.
pub fn search_id() -> Id {
    Id::unique("events-search")
}

/// Edits `filter` in place; `shown` of `total` rows match it, or matched
/// the filter before while `searching` (a worker is applying this one).
pub fn show(ui: &mut Ui, filter: &mut Filter, shown: usize, total: usize, searching: bool) {
    let p = palette(ui);
    ui.horizontal_wrapped(|ui| {
        let search_id = search_id();
        let search = egui::TextEdit::singleline(&mut filter.text)
            .id(search_id)
            .hint_text("Search ids, names, titles, references, emails, bodies (Ctrl+F)")
            .desired_width(340.0);
        let label = ui.label("Search");
        ui.add(search).labelled_by(label.id);
        ui.separator();
        toggles(ui, &mut filter.events);
        ui.separator();
        toggles(ui, &mut filter.entities);
        ui.separator();
        toggles(ui, &mut filter.paths);
        ui.separator();
        toggles(ui, &mut filter.statuses);
        ui.separator();
        if ui
            .selectable_label(filter.pinned_only, "pinned only")
            .on_hover_text("Only the requests you pinned (Ctrl+D pins the selected one)")
            .clicked()
        {
            filter.pinned_only = !filter.pinned_only;
        }
        ui.separator();
        let count = if filter.is_empty() {
            counted(total, "event", "events")
        } else {
            format!("{} of {}", count(shown), count(total))
        };
        // The count is one unit: a wrap inside it reads as two labels.
        ui.add(
            egui::Label::new(RichText::new(count).strong()).wrap_mode(egui::TextWrapMode::Extend),
        );
        if searching {
            let size = ui.text_style_height(&egui::TextStyle::Body);
            ui.add(egui::Spinner::new().size(size)).widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::ProgressIndicator, true, "Searching")
            });
            ui.label(RichText::new("Searching…").color(p.muted));
        }
        if !filter.is_empty() && ui.small_button("Show all").clicked() {
            *filter = Filter::default();
        }
        if filter.events.is_empty()
            || filter.entities.is_empty()
            || filter.paths.is_empty()
            || filter.statuses.is_empty()
        {
            ui.label(RichText::new("a group with nothing on shows nothing").color(p.warning));
        }
    });
}

fn toggles<T: Toggle>(ui: &mut Ui, set: &mut Set<T>) {
    for &member in T::ALL {
        let on = set.contains(member);
        if ui.selectable_label(on, member.label()).clicked() {
            set.toggle(member);
        }
    }
}

#[cfg(test)]
mod tests {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    use super::*;

    #[test]
    fn a_search_under_way_shows_a_named_spinner_next_to_the_count() {
        let mut filter = Filter::search("maxime");
        let mut harness = Harness::new_ui(move |ui| show(ui, &mut filter, 3, 10, true));
        // The spinner turns as long as it is shown: a few frames, not `run`.
        harness.run_steps(2);
        harness.get_by_label("Searching");
        harness.get_by_label("Searching…");
        harness.get_by_label("3 of 10");
        harness.check_accessibility();
    }
}
