//! Questions the window asks before acting: join or replace the session,
//! restore a session a crash left behind, clear the session.

use std::path::PathBuf;

use chrono::Local;
use egui::{RichText, Ui};

use crate::human::{counted, format_size};
use crate::journal::Unfinished;

use super::app::Action;
use super::files::OpenMode;
use super::theme::palette;

pub enum Prompt {
    /// Files to open while the session already holds captures.
    JoinOrNew(Vec<PathBuf>),
    /// Sessions whose process ended without closing them, newest first.
    Restore(Vec<Unfinished>),
    /// Forget every capture of the session (`captures` of them).
    ClearSession { captures: usize },
}

pub fn show(ctx: &egui::Context, prompt: &Prompt, actions: &mut Vec<Action>) {
    egui::Modal::new(egui::Id::unique("prompt")).show(ctx, |ui: &mut Ui| {
        ui.set_width(420.0);
        match prompt {
            Prompt::JoinOrNew(paths) => join_or_new(ui, paths, actions),
            Prompt::Restore(unfinished) => restore(ui, unfinished, actions),
            Prompt::ClearSession { captures } => clear(ui, *captures, actions),
        }
    });
}

fn join_or_new(ui: &mut Ui, paths: &[PathBuf], actions: &mut Vec<Action>) {
    let what = match paths {
        [one] => one.display().to_string(),
        many => counted(many.len(), "file", "files"),
    };
    ui.label(RichText::new(format!("Open {what}")).strong());
    ui.label("The session already holds captures. Add the file's captures to them, or start a new session?");
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        if ui.button("Add to this session").clicked() {
            actions.push(Action::OpenAs(paths.to_vec(), OpenMode::Join));
        }
        if ui.button("Start a new session").clicked() {
            actions.push(Action::OpenAs(paths.to_vec(), OpenMode::New));
        }
        if ui.button("Cancel").clicked() {
            actions.push(Action::DismissPrompt);
        }
    });
}

fn clear(ui: &mut Ui, captures: usize, actions: &mut Vec<Action>) {
    ui.label(RichText::new("Clear the session?").strong());
    let what = match captures {
        1 => "its capture".to_owned(),
        n => format!("its {n} captures"),
    };
    ui.label(format!(
        "The window forgets {what}; the listener keeps listening. Export first to keep them."
    ));
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        let clear = ui.button("Clear session");
        // Enter confirms and Esc cancels, without the mouse.
        if ui.memory(|m| m.focused().is_none()) {
            clear.request_focus();
        }
        if clear.clicked() {
            actions.push(Action::ClearSession);
        }
        if ui.button("Cancel").clicked() {
            actions.push(Action::DismissPrompt);
        }
    });
}

fn restore(ui: &mut Ui, unfinished: &[Unfinished], actions: &mut Vec<Action>) {
    let Some(newest) = unfinished.first() else {
        actions.push(Action::DismissPrompt);
        return;
    };
    ui.label(RichText::new("hookscope was not closed cleanly").strong());
    let when = newest
        .started_at
        .map(|t| {
            t.with_timezone(&Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| "an unknown time".to_owned());
    ui.label(format!(
        "A session started at {when} ({} of journal) was not finished. Restore its captures?",
        format_size(newest.bytes)
    ));
    if unfinished.len() > 1 {
        ui.label(
            RichText::new(format!(
                "{} older unfinished sessions are kept too.",
                unfinished.len() - 1
            ))
            .color(palette(ui).muted),
        );
    }
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        if ui.button("Restore").clicked() {
            actions.push(Action::RestoreNewest);
        }
        if ui
            .button("Discard")
            .on_hover_text("Delete this journal")
            .clicked()
        {
            actions.push(Action::DiscardNewest);
        }
        if ui
            .button("Not now")
            .on_hover_text("Keep it for later")
            .clicked()
        {
            actions.push(Action::DismissPrompt);
        }
    });
}
