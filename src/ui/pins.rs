//! Pins, notes and the user's own columns: the note editor, the column
//! dialog, and their shortcuts.

use egui::{Key, KeyboardShortcut, Modifiers, RichText};

use crate::session::Session;
use crate::session::columns;

use super::app::Action;
use super::settings::SavedColumn;
use super::theme::palette;

/// Saves in the note editor and the column dialog.
const SAVE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);

/// The mark shown in the note column for a pinned capture (the window's
/// fonts have no pin symbol).
pub const PIN: &str = "Pinned";

/// A note being written on a capture.
pub struct NoteEditor {
    pub capture: u64,
    pub text: String,
    focused: bool,
}

impl NoteEditor {
    pub fn new(capture: u64, text: &str) -> Self {
        Self {
            capture,
            text: text.to_owned(),
            focused: false,
        }
    }
}

/// The note editor: Save (Ctrl+Enter) or Cancel (Esc).
pub fn note_editor(ctx: &egui::Context, editor: &mut NoteEditor, actions: &mut Vec<Action>) {
    let save = ctx.input_mut(|i| i.consume_shortcut(&SAVE));
    let cancel = ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape));
    if save {
        actions.push(Action::SaveNote(editor.capture, editor.text.clone()));
        return;
    }
    if cancel {
        actions.push(Action::CloseNote);
        return;
    }
    egui::Window::new(format!("Note on request #{}", editor.capture))
        .collapsible(false)
        .resizable(true)
        .default_width(420.0)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(
                RichText::new(
                    "Your own words, kept as written: saved in the session file and put in \
                     bug reports without redaction.",
                )
                .color(palette(ui).muted),
            );
            let label = ui.label("Note");
            let response = ui
                .add(
                    egui::TextEdit::multiline(&mut editor.text)
                        .desired_rows(5)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
            if !editor.focused {
                response.request_focus();
                editor.focused = true;
            }
            ui.horizontal(|ui| {
                if ui.button("Save").on_hover_text("Ctrl+Enter").clicked() {
                    actions.push(Action::SaveNote(editor.capture, editor.text.clone()));
                }
                if ui.button("Cancel").on_hover_text("Esc").clicked() {
                    actions.push(Action::CloseNote);
                }
            });
        });
}

/// The column dialog: the columns there are, each removable, and a new
/// one from a name and a pointer.
#[derive(Default)]
pub struct ColumnDialog {
    pub name: String,
    pub pointer: String,
    focused: bool,
}

impl ColumnDialog {
    fn problem(&self) -> Option<&'static str> {
        if self.name.trim().is_empty() {
            Some("give the column a name")
        } else {
            columns::pointer_problem(self.pointer.trim())
        }
    }
}

pub fn column_dialog(
    ctx: &egui::Context,
    dialog: &mut ColumnDialog,
    saved: &[SavedColumn],
    session: &Session,
    selection: Option<crate::session::RowId>,
    actions: &mut Vec<Action>,
) {
    let add = ctx.input_mut(|i| i.consume_shortcut(&SAVE))
        || ctx.input(|i| i.key_pressed(Key::Enter) && i.modifiers.is_none());
    if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
        actions.push(Action::CloseColumns);
        return;
    }
    let new_column = |dialog: &ColumnDialog| SavedColumn {
        name: dialog.name.trim().to_owned(),
        pointer: dialog.pointer.trim().to_owned(),
    };
    if add && dialog.problem().is_none() {
        actions.push(Action::AddColumn(new_column(dialog)));
        return;
    }
    egui::Window::new("Columns")
        .collapsible(false)
        .resizable(false)
        .default_width(420.0)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            let p = palette(ui);
            if saved.is_empty() {
                ui.label(RichText::new("No columns of your own yet.").color(p.muted));
            }
            for (index, column) in saved.iter().enumerate() {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(&column.name).strong());
                    ui.label(RichText::new(&column.pointer).monospace().color(p.muted));
                    if ui
                        .small_button("Remove")
                        .on_hover_text(format!("Remove the column {}", column.name))
                        .clicked()
                    {
                        actions.push(Action::RemoveColumn(index));
                    }
                });
            }
            ui.separator();
            ui.label(RichText::new("Add a column").strong());
            egui::Grid::new("new-column").num_columns(2).show(ui, |ui| {
                let label = ui.label("Name");
                let name = ui
                    .add(egui::TextEdit::singleline(&mut dialog.name).hint_text("City"))
                    .labelled_by(label.id);
                if !dialog.focused {
                    name.request_focus();
                    dialog.focused = true;
                }
                ui.end_row();
                let label = ui.label("Pointer");
                ui.add(
                    egui::TextEdit::singleline(&mut dialog.pointer)
                        .hint_text("/job_city")
                        .font(egui::TextStyle::Monospace),
                )
                .labelled_by(label.id);
                ui.end_row();
            });
            ui.label(
                RichText::new("A JSON pointer into the event's data; empty shows all of it.")
                    .small()
                    .color(p.muted),
            );
            let pointer = dialog.pointer.trim();
            match columns::pointer_problem(pointer) {
                Some(problem) if !pointer.is_empty() => {
                    ui.label(RichText::new(problem).color(p.error));
                }
                _ => {
                    if let Some(value) = preview(session, selection, pointer) {
                        ui.label(format!("Selected event: {value}"));
                    }
                }
            }
            ui.horizontal(|ui| {
                let problem = dialog.problem();
                let button = ui.add_enabled(problem.is_none(), egui::Button::new("Add column"));
                let button = match problem {
                    Some(problem) => button.on_disabled_hover_text(problem),
                    None => button.on_hover_text("Enter"),
                };
                if button.clicked() {
                    actions.push(Action::AddColumn(new_column(dialog)));
                }
                if ui.button("Close").on_hover_text("Esc").clicked() {
                    actions.push(Action::CloseColumns);
                }
            });
        });
}

/// The value at `pointer` for the selected row, or a word on its absence.
fn preview(
    session: &Session,
    selection: Option<crate::session::RowId>,
    pointer: &str,
) -> Option<String> {
    let id = selection?;
    let capture = session.capture(id.capture)?;
    let text = columns::cell(capture, id.row, pointer);
    Some(if text.is_empty() {
        "(nothing there)".to_owned()
    } else {
        text
    })
}
