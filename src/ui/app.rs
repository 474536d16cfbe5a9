//! The eframe app: drains captures in `logic`, draws panels in `ui`, and
//! applies what the user asked for after drawing.

use std::sync::Arc;
use std::time::Duration;

use crate::capture::Capture;
use crate::ingest::{Ingest, ListenerState};
use crate::listener::ListenerConfig;
use crate::session::{RowId, Session};

use super::{detail, events_table, status_bar, theme, top_bar};

/// How long one frame may spend moving captures into the session, so that
/// drawing never starves under a burst.
const DRAIN_BUDGET: Duration = Duration::from_millis(8);
/// Coalesces wake-ups from the listener to about one per frame.
const WAKE_DELAY: Duration = Duration::from_millis(4);

/// What the user asked for while drawing; applied after the frame is drawn.
#[derive(Debug)]
pub enum Action {
    /// Select a row the user clicked: it is already in view.
    Select(RowId),
    /// Select a row and scroll the table to it.
    Show(RowId),
    StartListener,
    StopListener,
    Reconfigure(ListenerConfig),
    ClearSession,
}

pub struct App {
    session: Session,
    ingest: Ingest,
    selection: Option<RowId>,
    table: events_table::TableState,
    detail: detail::DetailState,
    top_bar: top_bar::TopBarState,
    title: String,
}

impl App {
    /// Builds the app and starts listening with `config`.
    pub fn new(cc: &eframe::CreationContext<'_>, config: ListenerConfig) -> Self {
        theme::install(&cc.egui_ctx);
        let ctx = cc.egui_ctx.clone();
        let waker = Arc::new(move || ctx.request_repaint_after(WAKE_DELAY));
        let mut ingest = Ingest::new(config, waker);
        ingest.start();
        Self {
            session: Session::new(),
            top_bar: top_bar::TopBarState::from_config(ingest.config()),
            ingest,
            selection: None,
            table: events_table::TableState::default(),
            detail: detail::DetailState::default(),
            title: String::new(),
        }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn selection(&self) -> Option<RowId> {
        self.selection
    }

    pub fn listener_state(&self) -> ListenerState<'_> {
        self.ingest.state()
    }

    /// Adds a capture made elsewhere, with a fresh id.
    pub fn feed(&mut self, mut capture: Capture) {
        capture.id = self.ingest.next_id();
        self.session.push(capture);
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::Select(id) => self.selection = Some(id),
            Action::Show(id) => {
                self.selection = Some(id);
                self.table.reveal(id);
            }
            Action::StartListener => self.ingest.start(),
            Action::StopListener => self.ingest.stop(),
            Action::Reconfigure(config) => self.ingest.reconfigure(config),
            Action::ClearSession => {
                self.session.clear();
                self.selection = None;
            }
        }
    }

    fn window_title(&self) -> String {
        match self.ingest.state() {
            ListenerState::Listening(listener) => {
                format!("hookscope - listening on {}", listener.local_addr())
            }
            ListenerState::Stopped => "hookscope - stopped".to_owned(),
            ListenerState::Failed(_) => "hookscope - listener error".to_owned(),
        }
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if self.ingest.drain_into(&mut self.session, DRAIN_BUDGET) {
            ctx.request_repaint();
        }
        let title = self.window_title();
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut actions = Vec::new();
        egui::Panel::top("top_bar")
            .exact_size(theme::BAR_HEIGHT)
            .show(ui, |ui| {
                top_bar::show(
                    ui,
                    &self.ingest,
                    &mut self.top_bar,
                    &self.session,
                    &mut actions,
                )
            });
        egui::Panel::bottom("status_bar")
            .show(ui, |ui| status_bar::show(ui, &self.session, &self.ingest));
        egui::Panel::right("detail")
            .resizable(true)
            .default_size(500.0)
            .size_range(320.0..=1400.0)
            .show(ui, |ui| {
                detail::show(
                    ui,
                    &self.session,
                    self.selection,
                    &mut self.detail,
                    &mut actions,
                )
            });
        egui::CentralPanel::default().show(ui, |ui| {
            events_table::show(
                ui,
                &self.session,
                self.selection,
                &mut self.table,
                &mut actions,
            )
        });
        for action in actions {
            self.apply(action);
        }
    }
}
