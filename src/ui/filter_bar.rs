//! The search box (Ctrl+F) and the toggles that filter the table, with the
//! count of rows shown.

use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};

use crate::session::filter::{Filter, Set, Toggle};

use super::theme::palette;

pub const FIND: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);

/// Edits `filter` in place; `shown` of `total` rows match it.
pub fn show(ui: &mut Ui, filter: &mut Filter, shown: usize, total: usize) {
    let p = palette(ui);
    ui.horizontal_wrapped(|ui| {
        let search_id = ui.scope_id().with("search");
        if ui.input_mut(|i| i.consume_shortcut(&FIND)) {
            ui.memory_mut(|m| m.request_focus(search_id));
        }
        let search = egui::TextEdit::singleline(&mut filter.text)
            .id(search_id)
            .hint_text("Search ids, names, titles, references, emails, bodies (Ctrl+F)")
            .desired_width(340.0);
        let label = ui.label("Search");
        ui.add(search).labelled_by(label.id);
        if ui.input(|i| i.key_pressed(Key::Escape)) && ui.memory(|m| m.has_focus(search_id)) {
            filter.text.clear();
        }
        ui.separator();
        toggles(ui, &mut filter.events);
        ui.separator();
        toggles(ui, &mut filter.entities);
        ui.separator();
        toggles(ui, &mut filter.paths);
        ui.separator();
        toggles(ui, &mut filter.statuses);
        ui.separator();
        let count = if filter.is_empty() {
            format!("{total} event{}", if total == 1 { "" } else { "s" })
        } else {
            format!("{shown} of {total}")
        };
        ui.label(RichText::new(count).strong());
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
