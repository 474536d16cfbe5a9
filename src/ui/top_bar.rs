//! The top bar: listener state, the two URLs with copy buttons, start/stop,
//! and the listener's settings.

use std::net::IpAddr;
use std::path::PathBuf;

use egui::{RichText, ThemePreference, Ui};

use crate::capture::Routes;
use crate::cli::{format_duration, parse_duration, parse_size};
use crate::hs::dates::DateMode;
use crate::human::format_size;
use crate::ingest::{Ingest, ListenerState};
use crate::listener::act::ChosenAnswer;
use crate::listener::{ChosenAnswers, Forward, ListenerConfig};
use crate::outbound::ForwardMode;
use crate::session::Session;

use super::app::{Action, Notice};
use super::theme::{self, palette};

/// The settings form as typed, applied only when valid.
pub struct TopBarState {
    bind: String,
    port: String,
    job_path: String,
    candidate_path: String,
    max_body: String,
    read_timeout: String,
    job_answer: AnswerForm,
    candidate_answer: AnswerForm,
    forward_to: String,
    forward_mode: ForwardMode,
    error: Option<String>,
}

/// A path's chosen answer as typed; empty fields mean hookscope's own.
#[derive(Default)]
struct AnswerForm {
    status: String,
    body: String,
    delay_ms: String,
    fail_one_in: String,
}

impl AnswerForm {
    fn from_chosen(chosen: &ChosenAnswer) -> Self {
        Self {
            status: chosen.status.map(|s| s.to_string()).unwrap_or_default(),
            body: chosen
                .body
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
            delay_ms: match chosen.delay.as_millis() {
                0 => String::new(),
                ms => ms.to_string(),
            },
            fail_one_in: chosen
                .fail_one_in
                .map(|n| n.to_string())
                .unwrap_or_default(),
        }
    }

    /// `kept` supplies the exact bytes when the body text was not edited
    /// (a body read from a file need not be UTF-8).
    fn parse(&self, path: &str, kept: &ChosenAnswer) -> Result<ChosenAnswer, String> {
        let status = match self.status.trim() {
            "" => None,
            text => Some(crate::cli::parse_status(text).map_err(|e| format!("{path}: {e}"))?),
        };
        let unchanged = kept
            .body
            .as_ref()
            .is_some_and(|b| String::from_utf8_lossy(b) == self.body);
        let body = match self.body.as_str() {
            "" => None,
            _ if unchanged => kept.body.clone(),
            text => Some(text.as_bytes().into()),
        };
        let delay = match self.delay_ms.trim() {
            "" => std::time::Duration::ZERO,
            text => crate::cli::parse_delay_ms(text).map_err(|e| format!("{path}: {e}"))?,
        };
        let fail_one_in = match self.fail_one_in.trim() {
            "" => None,
            text => Some(
                text.parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{path}: \"{text}\" is not a number N of 1 or more"))?,
            ),
        };
        let chosen = ChosenAnswer {
            status,
            body,
            delay,
            fail_one_in,
        };
        chosen.validate(path)?;
        Ok(chosen)
    }
}

impl TopBarState {
    pub fn from_config(config: &ListenerConfig) -> Self {
        Self {
            bind: config.bind.to_string(),
            port: config.port.to_string(),
            job_path: config.routes.job_path.clone(),
            candidate_path: config.routes.candidate_path.clone(),
            max_body: format_size(config.max_body).replace(' ', ""),
            read_timeout: format_duration(config.read_timeout),
            job_answer: AnswerForm::from_chosen(&config.chosen.job),
            candidate_answer: AnswerForm::from_chosen(&config.chosen.candidate),
            forward_to: config
                .forward
                .as_ref()
                .map(|f| f.base_url.clone())
                .unwrap_or_default(),
            forward_mode: config.forward.as_ref().map(|f| f.mode).unwrap_or_default(),
            error: None,
        }
    }

    /// `running` keeps what the form cannot show: forward timeouts, and the
    /// exact bytes of a chosen body.
    fn parse(&self, running: &ListenerConfig) -> Result<ListenerConfig, String> {
        let bind: IpAddr = self
            .bind
            .trim()
            .parse()
            .map_err(|_| format!("\"{}\" is not an IP address", self.bind.trim()))?;
        let port: u16 = self
            .port
            .trim()
            .parse()
            .map_err(|_| format!("\"{}\" is not a port (0 to 65535)", self.port.trim()))?;
        let max_body = parse_size(&self.max_body)?;
        let read_timeout = parse_duration(&self.read_timeout)?;
        let job_path = self.job_path.trim();
        let candidate_path = self.candidate_path.trim();
        let chosen = ChosenAnswers {
            job: self.job_answer.parse(job_path, &running.chosen.job)?,
            candidate: (self.candidate_answer).parse(candidate_path, &running.chosen.candidate)?,
        };
        let forward = match self.forward_to.trim() {
            "" => None,
            url => Some(Forward {
                timeouts: running
                    .forward
                    .as_ref()
                    .map(|f| f.timeouts)
                    .unwrap_or_default(),
                ..Forward::new(url, self.forward_mode)?
            }),
        };
        Ok(ListenerConfig {
            bind,
            port,
            routes: Routes {
                job_path: self.job_path.trim().to_owned(),
                candidate_path: self.candidate_path.trim().to_owned(),
            },
            max_body,
            read_timeout,
            chosen: Box::new(chosen),
            forward,
        })
    }
}

/// What the File menu needs to know.
pub struct FileMenu<'a> {
    pub busy: bool,
    pub filtered: bool,
    pub recent: &'a [PathBuf],
}

pub fn show(
    ui: &mut Ui,
    ingest: &Ingest,
    state: &mut TopBarState,
    session: &Session,
    file_menu: FileMenu<'_>,
    actions: &mut Vec<Action>,
) {
    let p = palette(ui);
    ui.horizontal_centered(|ui| {
        ui.label(
            RichText::new("hookscope")
                .strong()
                .size(16.0)
                .color(p.accent),
        );
        super::file_menu::show(
            ui,
            file_menu.busy,
            !session.is_empty(),
            file_menu.filtered,
            file_menu.recent,
            actions,
        );
        help_menu(ui, actions);
        ui.separator();
        match ingest.state() {
            ListenerState::Listening(listener) => {
                theme::badge(ui, "listening", p.ok);
                if ui.button("Stop").on_hover_text("Stop listening").clicked() {
                    actions.push(Action::StopListener);
                }
                url_with_copy(ui, "Job", &listener.job_url());
                url_with_copy(ui, "Candidate", &listener.candidate_url());
                if !listener.local_addr().ip().is_loopback() {
                    theme::badge(ui, "exposed to the network", p.warning).on_hover_text(
                        "The listener accepts connections from other machines, not only this one.",
                    );
                }
            }
            ListenerState::Stopped => {
                theme::badge(ui, "stopped", p.muted);
                if ui
                    .button("Start")
                    .on_hover_text("Start listening")
                    .clicked()
                {
                    actions.push(Action::StartListener);
                }
            }
            ListenerState::Failed(reason) => {
                theme::badge(ui, "error", p.error);
                ui.label(RichText::new(reason).color(p.error))
                    .on_hover_text(reason);
                if ui
                    .button("Retry")
                    .on_hover_text("Try to listen again")
                    .clicked()
                {
                    actions.push(Action::StartListener);
                }
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            // Typing into the form must not close it: only a click outside does.
            let config = egui::containers::menu::MenuConfig::new()
                .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside);
            egui::containers::menu::MenuButton::new("Settings")
                .config(config)
                .ui(ui, |ui| settings_menu(ui, ingest, state, actions));
            let clear = egui::Button::new("Clear").shortcut_text(super::shortcuts::text_of(
                super::shortcuts::Command::ClearSession,
            ));
            let clear = ui.add_enabled(!session.is_empty(), clear);
            if clear
                .on_hover_text("Forget every capture of this session")
                .clicked()
            {
                actions.push(Action::AskClear);
            }
        });
    });
}

fn help_menu(ui: &mut Ui, actions: &mut Vec<Action>) {
    use super::shortcuts::{Command, text_of};
    ui.menu_button("Help", |ui| {
        let sheet = egui::Button::new("Keyboard shortcuts").shortcut_text(text_of(Command::Help));
        if ui.add(sheet).clicked() {
            actions.push(Action::ToggleShortcuts);
        }
    });
}

/// The notice line under the top bar: an error or the result of file work.
pub fn notice(ui: &mut Ui, notice: &Notice, actions: &mut Vec<Action>) {
    let p = palette(ui);
    ui.horizontal(|ui| {
        let color = if notice.is_error { p.error } else { p.ok };
        ui.label(RichText::new(&notice.text).color(color));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.small_button("Dismiss").clicked() {
                actions.push(Action::DismissNotice);
            }
        });
    });
}

fn url_with_copy(ui: &mut Ui, name: &str, url: &str) {
    ui.label(RichText::new(name).color(palette(ui).muted));
    ui.label(RichText::new(url).monospace());
    if ui
        .small_button(format!("Copy {}", name.to_lowercase()))
        .on_hover_text(format!("Copy {url}"))
        .clicked()
    {
        ui.ctx().copy_text(url.to_owned());
    }
}

fn settings_menu(ui: &mut Ui, ingest: &Ingest, state: &mut TopBarState, actions: &mut Vec<Action>) {
    ui.set_min_width(320.0);
    ui.label(RichText::new("Listener").strong());
    egui::Grid::new("listener_settings")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            for (label, value, hint) in [
                ("Bind address", &mut state.bind, "127.0.0.1"),
                ("Port", &mut state.port, "8090 (0 picks a free port)"),
                ("Job path", &mut state.job_path, "/job"),
                ("Candidate path", &mut state.candidate_path, "/candidate"),
                ("Body cap", &mut state.max_body, "10MiB"),
                ("Read timeout", &mut state.read_timeout, "10s"),
            ] {
                let label = ui.label(label);
                ui.add(
                    egui::TextEdit::singleline(value)
                        .hint_text(hint)
                        .desired_width(190.0),
                )
                .labelled_by(label.id);
                ui.end_row();
            }
        });
    ui.separator();
    ui.label(RichText::new("Chosen answers").strong())
        .on_hover_text("Empty fields keep hookscope's own answer. Refusals (408, 413, 415, broken bodies) stay hookscope's.");
    egui::Grid::new("chosen_answers")
        .num_columns(3)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            ui.label("");
            ui.label("Job");
            ui.label("Candidate");
            ui.end_row();
            let (job, candidate) = (&mut state.job_answer, &mut state.candidate_answer);
            for (label, job, candidate, hint) in [
                ("Status", &mut job.status, &mut candidate.status, "200-599"),
                (
                    "Delay (ms)",
                    &mut job.delay_ms,
                    &mut candidate.delay_ms,
                    "0-30000",
                ),
                (
                    "Fail one in N",
                    &mut job.fail_one_in,
                    &mut candidate.fail_one_in,
                    "N",
                ),
            ] {
                let label = ui.label(label);
                for value in [job, candidate] {
                    ui.add(
                        egui::TextEdit::singleline(value)
                            .hint_text(hint)
                            .desired_width(90.0),
                    )
                    .labelled_by(label.id);
                }
                ui.end_row();
            }
            let label = ui.label("Body");
            for value in [&mut job.body, &mut candidate.body] {
                ui.add(
                    egui::TextEdit::multiline(value)
                        .hint_text("hookscope's own")
                        .desired_rows(2)
                        .desired_width(90.0),
                )
                .labelled_by(label.id);
            }
            ui.end_row();
        });
    ui.separator();
    ui.label(RichText::new("Forwarding").strong());
    egui::Grid::new("forwarding")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let label = ui.label("Forward to");
            ui.add(
                egui::TextEdit::singleline(&mut state.forward_to)
                    .hint_text("http://127.0.0.1:3000 (empty: off)")
                    .desired_width(190.0),
            )
            .labelled_by(label.id);
            ui.end_row();
            ui.label("Mode");
            ui.horizontal(|ui| {
                ui.selectable_value(&mut state.forward_mode, ForwardMode::Copy, "Copy")
                    .on_hover_text("Answer at once; forward behind, in order");
                ui.selectable_value(&mut state.forward_mode, ForwardMode::Proxy, "Proxy")
                    .on_hover_text("Answer with the target's answer (502/504 without one)");
            });
            ui.end_row();
        });
    if let Ok(config) = state.parse(ingest.config())
        && !config.bind.is_loopback()
    {
        ui.colored_label(
            palette(ui).warning,
            "Binding beyond loopback lets other machines post to hookscope.",
        );
    }
    if let Some(error) = &state.error {
        ui.colored_label(palette(ui).error, error);
    }
    ui.horizontal(|ui| {
        if ui.button("Apply").clicked() {
            match state.parse(ingest.config()) {
                Ok(config) => {
                    state.error = None;
                    actions.push(Action::Reconfigure(config));
                    ui.close();
                }
                Err(error) => state.error = Some(error),
            }
        }
        if ui
            .button("Reset")
            .on_hover_text("Back to the running settings")
            .clicked()
        {
            *state = TopBarState::from_config(ingest.config());
        }
    });
    ui.separator();
    ui.label(RichText::new("Theme").strong());
    let mut preference = ui.ctx().options(|o| o.theme_preference);
    ui.horizontal(|ui| {
        ui.selectable_value(&mut preference, ThemePreference::System, "System");
        ui.selectable_value(&mut preference, ThemePreference::Dark, "Dark");
        ui.selectable_value(&mut preference, ThemePreference::Light, "Light");
    });
    if preference != ui.ctx().options(|o| o.theme_preference) {
        ui.ctx().set_theme(preference);
    }
    ui.separator();
    ui.label(RichText::new("Dates in payloads").strong())
        .on_hover_text(
            "Dates the sender wrote (job start, publication, actions…). \
         Receive times are always your local time.",
        );
    let shown = super::fields_view::date_mode(ui.ctx());
    let mut mode = shown;
    ui.horizontal(|ui| {
        for choice in DateMode::ALL {
            ui.selectable_value(&mut mode, choice, choice.label())
                .on_hover_text(choice.description());
        }
    });
    if mode != shown {
        actions.push(Action::SetDateMode(mode));
    }
}

/// While the listener answers or forwards unlike hookscope's usual, a strip
/// under the top bar says so in full: a sender's answers depend on it.
pub fn acting_strip(ui: &mut egui::Ui, ingest: &Ingest) {
    let ListenerState::Listening(_) = ingest.state() else {
        return;
    };
    let notes = ingest.config().acting();
    if notes.is_empty() {
        return;
    }
    egui::Panel::top("acting").show(ui, |ui| {
        let p = palette(ui);
        ui.horizontal_wrapped(|ui| {
            for note in &notes {
                theme::badge(ui, note, p.warning)
                    .on_hover_text("Not hookscope's usual behaviour: change it in Settings.");
            }
        });
    });
}
