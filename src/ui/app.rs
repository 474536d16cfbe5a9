//! The eframe app: drains captures in `logic`, draws panels in `ui`, and
//! applies what the user asked for after drawing.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::capture::Capture;
use crate::cli::ListenArgs;
use crate::ingest::{Ingest, ListenerState};
use crate::listener::{ListenerConfig, Waker};
use crate::session::filter::{Filter, FilteredRows};
use crate::session::journal::{self, Journal};
use crate::session::open::{self, SAMPLES};
use crate::session::{RowId, Session};

use super::dialogs::{FileDialogs, NativeDialogs, NoDialogs};
use super::files::{ExportKind, ExportScope, FileWork, OpenMode, Outcome};
use super::prompts::{self, Prompt};
use super::settings::{SavedListener, Settings};
use super::{
    detail, entities_view, events_table, filter_bar, overview_view, status_bar, theme, top_bar,
};

/// How long one frame may spend moving captures into the session, so that
/// drawing never starves under a burst.
const DRAIN_BUDGET: Duration = Duration::from_millis(8);
/// Coalesces wake-ups from the listener to about one per frame.
const WAKE_DELAY: Duration = Duration::from_millis(4);
/// How often the journals' disk use is measured again while captures arrive.
const JOURNAL_SIZE_EVERY: Duration = Duration::from_secs(2);

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
    PickFiles,
    Open(Vec<PathBuf>),
    OpenAs(Vec<PathBuf>, OpenMode),
    OpenSample(usize),
    PickExport(ExportKind, ExportScope),
    RestoreNewest,
    DiscardNewest,
    DismissPrompt,
    DismissNotice,
}

/// How the window starts: listener options, files to open, where journals
/// and settings live, and which file dialogs to use.
pub struct Startup {
    pub listen: ListenArgs,
    pub files: Vec<PathBuf>,
    /// `None` keeps everything in memory: no journal, no restore.
    pub data_dir: Option<PathBuf>,
    pub dialogs: Arc<dyn FileDialogs>,
}

impl Startup {
    /// The window as the command line asks for it.
    pub fn desktop(listen: ListenArgs, files: Vec<PathBuf>, data_dir: PathBuf) -> Self {
        Self {
            listen,
            files,
            data_dir: Some(data_dir),
            dialogs: Arc::new(NativeDialogs),
        }
    }

    /// A window that listens with `config` and touches no file by itself.
    pub fn in_memory(config: ListenerConfig) -> Self {
        Self {
            listen: ListenArgs {
                bind: Some(config.bind),
                port: Some(config.port),
                job_path: Some(config.routes.job_path),
                candidate_path: Some(config.routes.candidate_path),
                max_body: Some(config.max_body),
            },
            files: Vec::new(),
            data_dir: None,
            dialogs: Arc::new(NoDialogs),
        }
    }
}

/// What the central panel shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    #[default]
    Events,
    Entities,
    Overview,
}

impl View {
    const ALL: [View; 3] = [View::Events, View::Entities, View::Overview];

    fn title(self) -> &'static str {
        match self {
            View::Events => "Events",
            View::Entities => "Entities",
            View::Overview => "Overview",
        }
    }
}

/// A message under the top bar until dismissed or replaced.
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

pub struct App {
    session: Session,
    ingest: Ingest,
    journal: Option<Arc<Journal>>,
    data_dir: Option<PathBuf>,
    journal_bytes: u64,
    journal_measured: Option<Instant>,
    /// Captures arrived since the journals were last measured.
    journal_stale: bool,
    settings: Settings,
    files: FileWork,
    prompt: Option<Prompt>,
    notice: Option<Notice>,
    selection: Option<RowId>,
    /// The filter as the user edits it; `visible` follows it.
    filter: Filter,
    visible: FilteredRows,
    view: View,
    entities: entities_view::EntitiesState,
    overview: overview_view::OverviewState,
    table: events_table::TableState,
    detail: detail::DetailState,
    top_bar: top_bar::TopBarState,
    title: String,
}

impl App {
    /// Builds the app and starts listening with `config`, in memory only.
    pub fn new(cc: &eframe::CreationContext<'_>, config: ListenerConfig) -> Self {
        Self::start(cc, Startup::in_memory(config))
    }

    pub fn start(cc: &eframe::CreationContext<'_>, startup: Startup) -> Self {
        theme::install(&cc.egui_ctx);
        let settings: Settings = cc
            .storage
            .and_then(|storage| eframe::get_value(storage, Settings::KEY))
            .unwrap_or_default();
        let config = startup.listen.apply_to(settings.listener.config());
        let ctx = cc.egui_ctx.clone();
        let waker: Waker = Arc::new(move || ctx.request_repaint_after(WAKE_DELAY));

        let mut notice = None;
        let mut prompt = None;
        let mut journal = None;
        if let Some(dir) = &startup.data_dir {
            match journal::unfinished(dir) {
                Ok(list) if !list.is_empty() => prompt = Some(Prompt::Restore(list)),
                Ok(_) => {}
                Err(e) => {
                    notice = Some(error(format!(
                        "Could not look for unfinished sessions: {e}"
                    )))
                }
            }
            match Journal::create(dir) {
                Ok(created) => journal = Some(Arc::new(created)),
                Err(e) => {
                    notice = Some(error(format!(
                        "No crash journal in {}: {e}. Captures are not protected against a crash.",
                        dir.display()
                    )))
                }
            }
        }

        let mut ingest = Ingest::new(config, waker.clone(), journal.clone());
        ingest.start();
        let mut app = Self {
            session: Session::new(),
            top_bar: top_bar::TopBarState::from_config(ingest.config()),
            ingest,
            journal,
            data_dir: startup.data_dir,
            journal_bytes: 0,
            journal_measured: None,
            journal_stale: true,
            settings,
            files: FileWork::new(startup.dialogs, waker),
            prompt,
            notice,
            selection: None,
            filter: Filter::default(),
            visible: FilteredRows::default(),
            view: View::default(),
            entities: entities_view::EntitiesState::default(),
            overview: overview_view::OverviewState::default(),
            table: events_table::TableState::default(),
            detail: detail::DetailState::default(),
            title: String::new(),
        };
        if !startup.files.is_empty() {
            app.open(startup.files, OpenMode::New);
        }
        app
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn selection(&self) -> Option<RowId> {
        self.selection
    }

    pub fn view(&self) -> View {
        self.view
    }

    pub fn listener_state(&self) -> ListenerState<'_> {
        self.ingest.state()
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// The rows the table shows.
    pub fn visible(&self) -> &FilteredRows {
        &self.visible
    }

    /// Sets the filter as if typed into the filter bar.
    pub fn set_filter(&mut self, filter: Filter) {
        self.filter = filter;
        self.apply_filter();
    }

    /// Brings the shown rows in line with the filter; a selection the
    /// filter hides is dropped.
    fn apply_filter(&mut self) {
        if self.filter != *self.visible.filter() {
            self.visible.set_filter(self.filter.clone(), &self.session);
        }
        if let Some(id) = self.selection
            && !self
                .session
                .row_index(id)
                .is_some_and(|row| self.visible.contains(row))
        {
            self.selection = None;
        }
    }

    /// The captures with at least one row the filter shows, in order.
    fn shown_captures(&self) -> Vec<Arc<Capture>> {
        let mut captures: Vec<Arc<Capture>> = Vec::new();
        for row in self.visible.iter() {
            if let Some(view) = self.session.row(row)
                && captures.last().is_none_or(|c| c.id != view.capture.id)
                && let Some(capture) = self.session.shared_capture(view.capture.id)
            {
                captures.push(capture.clone());
            }
        }
        captures
    }

    /// Whether file work (a dialog, reading or writing) is under way.
    pub fn is_busy(&self) -> bool {
        self.files.is_busy()
    }

    /// Adds a capture made elsewhere, with a fresh id.
    pub fn feed(&mut self, mut capture: Capture) {
        capture.id = self.ingest.next_id();
        self.session.push(capture);
    }

    /// Opens files as the user asked: straight away into an empty session,
    /// after asking otherwise.
    pub fn request_open(&mut self, paths: Vec<PathBuf>) {
        if self.session.is_empty() {
            self.open(paths, OpenMode::New);
        } else {
            self.prompt = Some(Prompt::JoinOrNew(paths));
        }
    }

    fn open(&mut self, paths: Vec<PathBuf>, mode: OpenMode) {
        let routes = self.ingest.config().routes.clone();
        if let Err(e) = self.files.open(paths, mode, routes) {
            self.notice = Some(error(e));
        }
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::Select(id) => self.selection = Some(id),
            Action::Show(id) => {
                // A row the filter hides is shown by showing everything.
                if !self
                    .session
                    .row_index(id)
                    .is_some_and(|row| self.visible.contains(row))
                {
                    self.filter = Filter::default();
                }
                self.view = View::Events;
                self.selection = Some(id);
                self.table.reveal(id);
            }
            Action::StartListener => self.ingest.start(),
            Action::StopListener => self.ingest.stop(),
            Action::Reconfigure(config) => {
                self.settings.listener = SavedListener::from(&config);
                self.ingest.reconfigure(config);
            }
            Action::ClearSession => self.clear_session(),
            Action::PickFiles => self.files.pick_files(),
            Action::Open(paths) => self.request_open(paths),
            Action::OpenAs(paths, mode) => {
                self.prompt = None;
                self.open(paths, mode);
            }
            Action::OpenSample(index) => self.open_sample(index),
            Action::PickExport(kind, scope) => self.files.pick_export(kind, scope),
            Action::RestoreNewest => {
                if let Some(Prompt::Restore(mut list)) = self.prompt.take()
                    && !list.is_empty()
                {
                    let routes = self.ingest.config().routes.clone();
                    if let Err(e) = self.files.restore(list.remove(0), routes) {
                        self.notice = Some(error(e));
                    }
                }
            }
            Action::DiscardNewest => {
                if let Some(Prompt::Restore(mut list)) = self.prompt.take()
                    && !list.is_empty()
                {
                    let newest = list.remove(0);
                    let path = newest.path.clone();
                    if let Err(e) = newest.discard() {
                        self.notice =
                            Some(error(format!("Could not delete {}: {e}", path.display())));
                    }
                    if !list.is_empty() {
                        self.prompt = Some(Prompt::Restore(list));
                    }
                }
            }
            Action::DismissPrompt => self.prompt = None,
            Action::DismissNotice => self.notice = None,
        }
    }

    fn clear_session(&mut self) {
        self.session.clear();
        self.selection = None;
        self.entities.clear();
    }

    fn open_sample(&mut self, index: usize) {
        let Some((name, body)) = SAMPLES.get(index) else {
            return;
        };
        match open::payload(name, body.as_bytes(), &self.ingest.config().routes) {
            Ok(capture) => self.feed(capture),
            Err(e) => self.notice = Some(error(format!("Could not open the sample {name}: {e}"))),
        }
    }

    fn finish(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Picked(paths) => self.request_open(paths),
            Outcome::ExportTo(kind, scope, path) => {
                let captures = match scope {
                    ExportScope::All => self.session.captures().to_vec(),
                    ExportScope::Shown => self.shown_captures(),
                };
                let origin = match self.ingest.state() {
                    ListenerState::Listening(listener) => {
                        format!("http://{}", listener.local_addr())
                    }
                    _ => {
                        let config = self.ingest.config();
                        format!("http://{}:{}", config.bind, config.port)
                    }
                };
                if let Err(e) = self.files.export(kind, path, captures, origin) {
                    self.notice = Some(error(e));
                }
            }
            Outcome::Opened {
                mode,
                files,
                captures,
            } => {
                if mode == OpenMode::New {
                    self.clear_session();
                }
                let count = captures.len();
                self.add_loaded(captures);
                let names: Vec<String> = files.iter().map(|(p, _)| open::file_name(p)).collect();
                let mut formats: Vec<String> = Vec::new();
                for (_, format) in &files {
                    let format = format.to_string();
                    if !formats.contains(&format) {
                        formats.push(format);
                    }
                }
                for (path, _) in files {
                    self.settings.remember(path);
                }
                self.notice = Some(info(format!(
                    "Opened {count} capture(s) from {} ({})",
                    names.join(", "),
                    formats.join(", ")
                )));
            }
            Outcome::Restored(captures, unfinished) => {
                let count = captures.len();
                // Restored captures go into this session's journal before
                // the old one is deleted, so a second crash keeps them too.
                let journalled = match &self.journal {
                    Some(journal) => captures.iter().try_for_each(|c| journal.append(c)),
                    None => Ok(()),
                };
                self.add_loaded(captures);
                match journalled {
                    Ok(()) => {
                        let path = unfinished.path.clone();
                        if let Err(e) = unfinished.discard() {
                            self.notice = Some(error(format!(
                                "Restored, but could not delete {}: {e}",
                                path.display()
                            )));
                            return;
                        }
                        self.notice = Some(info(format!(
                            "Restored {count} capture(s) from the unfinished session"
                        )));
                    }
                    Err(e) => {
                        self.notice = Some(error(format!(
                            "Restored {count} capture(s), but could not journal them ({e}); the old journal {} is kept",
                            unfinished.path.display()
                        )))
                    }
                }
            }
            Outcome::Exported { path, count } => {
                self.notice = Some(info(format!(
                    "Exported {count} capture(s) to {}",
                    path.display()
                )));
            }
            Outcome::Failed(message) => self.notice = Some(error(message)),
            Outcome::Cancelled => {}
        }
    }

    /// Adds captures read from a file, keeping their ids unless one is
    /// already taken in this session.
    fn add_loaded(&mut self, captures: Vec<Capture>) {
        if let Some(max) = captures.iter().map(|c| c.id).max() {
            self.ingest.reserve_ids_through(max);
        }
        for mut capture in captures {
            if capture.id == 0 || self.session.contains(capture.id) {
                capture.id = self.ingest.next_id();
            }
            self.session.push(capture);
        }
    }

    /// Measures the journals' disk use once captures have arrived since the
    /// last time, at most every `JOURNAL_SIZE_EVERY`.
    fn measure_journals(&mut self, ctx: &egui::Context) {
        let Some(dir) = &self.data_dir else {
            return;
        };
        if !self.journal_stale {
            return;
        }
        if let Some(at) = self.journal_measured
            && at.elapsed() < JOURNAL_SIZE_EVERY
        {
            ctx.request_repaint_after(JOURNAL_SIZE_EVERY - at.elapsed());
            return;
        }
        self.journal_bytes = journal::disk_usage(dir);
        self.journal_measured = Some(Instant::now());
        self.journal_stale = false;
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

fn error(text: String) -> Notice {
    Notice {
        text,
        is_error: true,
    }
}

fn info(text: String) -> Notice {
    Notice {
        text,
        is_error: false,
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let before = self.session.row_count();
        if self.ingest.drain_into(&mut self.session, DRAIN_BUDGET) {
            ctx.request_repaint();
        }
        self.visible.update(&self.session);
        if let Some(wait) = self.ingest.heal() {
            ctx.request_repaint_after(wait);
        }
        self.journal_stale |= self.session.row_count() != before;
        self.measure_journals(ctx);
        if let Some(outcome) = self.files.poll() {
            self.finish(outcome);
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_owned())
                .collect()
        });
        if !dropped.is_empty() && !self.files.is_busy() {
            self.request_open(dropped);
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
                let file_menu = top_bar::FileMenu {
                    busy: self.files.is_busy(),
                    filtered: !self.filter.is_empty(),
                    recent: &self.settings.recent,
                };
                top_bar::show(
                    ui,
                    &self.ingest,
                    &mut self.top_bar,
                    &self.session,
                    file_menu,
                    &mut actions,
                )
            });
        if let Some(notice) = &self.notice {
            egui::Panel::top("notice").show(ui, |ui| top_bar::notice(ui, notice, &mut actions));
        }
        egui::Panel::bottom("status_bar").show(ui, |ui| {
            status_bar::show(
                ui,
                &self.session,
                &self.ingest,
                self.data_dir.as_ref().map(|_| self.journal_bytes),
            )
        });
        egui::Panel::right("detail")
            .resizable(true)
            .default_size(460.0)
            .size_range(320.0..=1400.0)
            .show(ui, |ui| match (self.view, self.entities.selected()) {
                (View::Entities, Some(key)) => {
                    entities_view::history(ui, &self.session, key, &mut actions)
                }
                _ => detail::show(
                    ui,
                    &self.session,
                    self.selection,
                    &mut self.detail,
                    &mut actions,
                ),
            });
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                for view in View::ALL {
                    ui.selectable_value(&mut self.view, view, view.title());
                }
            });
            ui.separator();
            match self.view {
                View::Events => {
                    filter_bar::show(
                        ui,
                        &mut self.filter,
                        self.visible.len(),
                        self.session.row_count(),
                    );
                    ui.add_space(4.0);
                    events_table::show(
                        ui,
                        &self.session,
                        &self.visible,
                        self.selection,
                        &mut self.table,
                        &mut actions,
                    )
                }
                View::Entities => entities_view::show(ui, &self.session, &mut self.entities),
                View::Overview => {
                    overview_view::show(ui, &self.session, &mut self.overview, &mut actions)
                }
            }
        });
        self.apply_filter();
        if let Some(prompt) = &self.prompt {
            prompts::show(ui.ctx(), prompt, &mut actions);
        }
        self.files.show_progress(ui.ctx());
        for action in actions {
            self.apply(action);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, Settings::KEY, &self.settings);
    }

    fn on_exit(&mut self) {
        // A clean close: stop listening, then remove this session's journal
        // once the last request thread has let go of it.
        self.ingest.shut_down();
        if let Some(journal) = self.journal.take()
            && let Err(e) = journal::finish_shared(journal)
        {
            eprintln!("hookscope: could not remove the journal: {e}");
        }
    }
}
