//! The eframe app: drains captures in `logic`, draws panels in `ui`, and
//! applies what the user asked for after drawing.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::capture::{Capture, Received};
use crate::cli::ListenArgs;
use crate::hs::dates::DateMode;
use crate::human::{self, counted};
use crate::ingest::{Ingest, ListenerState};
use crate::journal::{self, Journal};
use crate::listener::ListenerConfig;
use crate::loading::{Drained, Loaded, Loading};
use crate::outbound::curl::curl_command;
use crate::outbound::replay::replay_request;
use crate::outbound::{Exchange, Origin, OutRequest};
use crate::redact::{Policy, Redactor};
use crate::report;
use crate::session::filter::{Filter, FilteredRows};
use crate::session::open::{self, SAMPLES};
use crate::session::{RowId, Session};
use crate::waker::Waker;

use super::dialogs::{FileDialogs, NativeDialogs, NoDialogs};
use super::files::{
    ExportKind, ExportScope, ExportTo, FileWork, OpenMode, Outcome, ReportContext, Source,
};
use super::outgoing::Outgoing;
use super::pins::{self, ColumnDialog, NoteEditor};
use super::prompts::{self, Prompt};
use super::redaction::{self, Choice, Editor, PolicySummary, Stage, Step};
use super::replay_dialog::{self, ReplayDialog};
use super::scenario_panel::ScenarioState;
use super::send_view::{self, OwnUrls, SendState};
use super::settings::{SavedColumn, SavedDisplay, SavedListener, Settings};
use super::shortcuts::{self, Command};
use super::{
    detail, entities_view, events_table, exchange_view, fields_view, filter_bar, overview_view,
    status_bar, theme, top_bar,
};

/// How long one frame may spend moving captures into the session, so that
/// drawing never starves under a burst.
const DRAIN_BUDGET: Duration = Duration::from_millis(8);
/// Coalesces wake-ups from the listener: under a burst the table is drawn
/// about 30 times a second, which looks live and leaves the CPU to the
/// listener (without vsync, as under a software renderer, nothing else
/// caps the frame rate).
const WAKE_DELAY: Duration = Duration::from_millis(33);
/// How often the count of captures waiting for their summary is redrawn.
const AWAITING_REFRESH: Duration = Duration::from_millis(250);

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
    /// Ask before clearing the session.
    AskClear,
    ClearSession,
    /// Show or hide the keyboard shortcut sheet.
    ToggleShortcuts,
    /// Hold the events table still, or catch up.
    TogglePause,
    PickFiles,
    Open(Vec<PathBuf>),
    OpenAs(Vec<PathBuf>, OpenMode),
    OpenSample(usize),
    /// Offer an export, with the choice to redact it.
    PickExport(ExportKind, ExportScope),
    Redaction(Step),
    RestoreNewest,
    DiscardNewest,
    DismissPrompt,
    DismissNotice,
    /// Send a request through the outbox.
    Submit(Origin, OutRequest),
    /// Send a scenario's steps on `workers` workers of their own.
    RunScenario {
        steps: Vec<(Origin, OutRequest)>,
        workers: usize,
    },
    /// Open capture `id`'s body and headers in the Send editor.
    EditAndSend(u64),
    /// Ask where to replay these captures (ids in capture order).
    ReplayTo(Vec<u64>),
    /// Ask where to replay the captures the filter shows.
    ReplayShown,
    Replay {
        captures: Vec<u64>,
        base: String,
        edit_first: bool,
    },
    CancelReplay,
    /// Put a shell command reproducing capture `id` on the clipboard.
    CopyCurl(u64),
    /// Put the event's report section, redacted, on the clipboard.
    CopyMarkdown(RowId),
    /// Show payload dates this way from now on.
    SetDateMode(DateMode),
    /// Ask where to write a bug report of capture `id`, or of the captures
    /// shown when `None`.
    PickReport(Option<u64>),
    /// Pin capture `id`, or unpin it.
    TogglePin(u64),
    /// Open the note editor on capture `id`.
    EditNote(u64),
    SaveNote(u64, String),
    CloseNote,
    OpenColumns,
    CloseColumns,
    AddColumn(SavedColumn),
    RemoveColumn(usize),
    /// Sort the table by one of the user's columns, or show arrival order.
    SortBy(Option<events_table::Sort>),
}

/// How the window starts: a listener already accepting, files to open,
/// where journals and settings live, and which file dialogs to use.
pub struct Startup {
    pub ingest: Ingest,
    /// This session's crash journal, which the listener writes.
    pub journal: Option<Arc<Journal>>,
    /// What went wrong while starting, to show in the window.
    pub notice: Option<Notice>,
    pub files: Vec<PathBuf>,
    /// `None` keeps everything in memory: no journal, no restore.
    pub data_dir: Option<PathBuf>,
    pub settings: Settings,
    pub dialogs: Arc<dyn FileDialogs>,
    /// Given its target once the window exists.
    pub waker: Waker,
}

impl Startup {
    /// The window as the command line asks for it: the saved settings are
    /// read, the journal created and the listener started, before any
    /// window exists.
    pub fn desktop(listen: ListenArgs, files: Vec<PathBuf>, data_dir: PathBuf) -> Self {
        let settings = Settings::load(&super::settings_path(&data_dir));
        let config = listen.apply_to(settings.listener.config());
        let (journal, notice) = match Journal::create(&data_dir) {
            Ok(journal) => (Some(Arc::new(journal)), None),
            Err(e) => (
                None,
                Some(error(format!(
                    "No crash journal in {}: {e}. Captures are not protected against a crash.",
                    data_dir.display()
                ))),
            ),
        };
        let waker = Waker::new();
        let mut ingest = Ingest::new(config, waker.clone(), journal.clone());
        ingest.start();
        Self {
            ingest,
            journal,
            notice,
            files,
            data_dir: Some(data_dir),
            settings,
            dialogs: Arc::new(NativeDialogs),
            waker,
        }
    }

    /// A window that listens with `config` and touches no file by itself.
    pub fn in_memory(config: ListenerConfig) -> Self {
        let waker = Waker::new();
        let mut ingest = Ingest::new(config, waker.clone(), None);
        ingest.start();
        Self {
            ingest,
            journal: None,
            notice: None,
            files: Vec::new(),
            data_dir: None,
            settings: Settings::default(),
            dialogs: Arc::new(NoDialogs),
            waker,
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
    Send,
}

impl View {
    const ALL: [View; 4] = [View::Events, View::Entities, View::Overview, View::Send];

    fn title(self) -> &'static str {
        match self {
            View::Events => "Events",
            View::Entities => "Entities",
            View::Overview => "Overview",
            View::Send => "Send",
        }
    }
}

/// Captures being added from files, and what to say once they are in.
struct Load {
    label: String,
    loading: Loading,
    done: String,
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
    /// The disk the journals use, measured on a worker.
    journal_usage: Option<journal::DiskUsage>,
    settings: Settings,
    files: FileWork,
    /// Captures read from files, entering the session a batch at a time.
    loading: Option<Load>,
    waker: Waker,
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
    /// The name of the file last opened into this session, for the title.
    opened_file: Option<String>,
    send: SendState,
    scenario: ScenarioState,
    outgoing: Outgoing,
    replay: Option<ReplayDialog>,
    /// The export choice, policy editor or redaction preview on screen.
    redaction: Option<Stage>,
    /// The keyboard shortcut sheet is open.
    shortcuts: bool,
    /// While paused, the session's row count when the table stopped
    /// following it: capture goes on, the table holds still.
    paused: Option<usize>,
    note: Option<NoteEditor>,
    columns: Option<ColumnDialog>,
}

impl App {
    /// Builds the app and starts listening with `config`, in memory only.
    pub fn new(cc: &eframe::CreationContext<'_>, config: ListenerConfig) -> Self {
        Self::start(cc, Startup::in_memory(config))
    }

    pub fn start(cc: &eframe::CreationContext<'_>, startup: Startup) -> Self {
        theme::install(&cc.egui_ctx);
        // Zoom keys are ours, so that the zoom is remembered.
        cc.egui_ctx.options_mut(|o| o.zoom_with_keyboard = false);
        cc.egui_ctx.set_zoom_factor(startup.settings.display.zoom());
        let ctx = cc.egui_ctx.clone();
        let waker = startup.waker;
        waker.set(move || ctx.request_repaint_after(WAKE_DELAY));

        let mut notice = startup.notice;
        let mut prompt = None;
        let mut journal_usage = None;
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
            journal_usage = journal::DiskUsage::start(dir.clone(), waker.clone()).ok();
        }

        if let Err(e) = startup.settings.redaction.policy() {
            notice = Some(error(format!(
                "The saved redaction policy does not read ({e}): redacted exports use the \
                 default policy until it is fixed in File > Redaction policy…"
            )));
        }
        let visible = FilteredRows::in_background(Filter::default(), waker.clone());
        let startup_waker = waker.clone();
        // One counter for sends and the listener's forwards: ids stay unique.
        let outgoing = Outgoing::new(waker.clone(), startup.ingest.exchange_ids().clone());
        let mut app = Self {
            session: Session::new(),
            top_bar: top_bar::TopBarState::from_config(startup.ingest.config()),
            ingest: startup.ingest,
            journal: startup.journal,
            journal_usage,
            settings: startup.settings,
            files: FileWork::new(startup.dialogs, waker.clone()),
            loading: None,
            waker,
            prompt,
            notice,
            selection: None,
            filter: Filter::default(),
            visible,
            view: View::default(),
            entities: entities_view::EntitiesState::default(),
            overview: overview_view::OverviewState::default(),
            table: events_table::TableState::new(startup_waker),
            detail: detail::DetailState::default(),
            title: String::new(),
            opened_file: None,
            send: SendState::default(),
            scenario: ScenarioState::default(),
            outgoing,
            replay: None,
            redaction: None,
            shortcuts: false,
            paused: None,
            note: None,
            columns: None,
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

    /// The title of the detail pane's tab on show.
    pub fn detail_tab(&self) -> &'static str {
        self.detail.tab_title()
    }

    /// Whether the keyboard shortcut sheet is open.
    pub fn shortcuts_open(&self) -> bool {
        self.shortcuts
    }

    /// Whether a question (such as "Clear the session?") is on screen.
    pub fn is_asking(&self) -> bool {
        self.prompt.is_some()
    }

    /// How many events arrived since the table was paused; `None` when it
    /// follows the session.
    pub fn paused_new(&self) -> Option<usize> {
        self.paused
            .map(|at| self.session.row_count().saturating_sub(at))
    }

    /// The zoom the window shows and saves.
    pub fn zoom(&self) -> f32 {
        self.settings.display.zoom
    }

    /// The entity whose history is shown.
    pub fn selected_entity(&self) -> Option<&crate::session::EntityKey> {
        self.entities.selected()
    }

    /// The request sent that the Send view shows.
    pub fn selected_exchange(&self) -> Option<u64> {
        self.send.selected()
    }

    pub fn listener_state(&self) -> ListenerState<'_> {
        self.ingest.state()
    }

    /// Shows `view` in the central panel.
    pub fn show_view(&mut self, view: View) {
        self.view = view;
    }

    /// Requests sent and not answered yet.
    pub fn in_flight(&self) -> usize {
        self.outgoing.in_flight()
    }

    /// Requests hookscope sent (sends, replays, forwards...) enter the
    /// session here, whichever worker made them; the newest sent from the
    /// window is shown in the Send view.
    pub fn add_exchanges(&mut self, exchanges: impl IntoIterator<Item = Exchange>) {
        for exchange in exchanges {
            if !matches!(exchange.origin, Origin::Forward { .. }) {
                self.send.follow(exchange.id);
            }
            self.scenario.record(&exchange);
            self.session.exchanges.push(exchange);
        }
    }

    /// This listener's URLs, offered as targets.
    fn own_urls(&self) -> OwnUrls {
        match self.ingest.state() {
            ListenerState::Listening(listener) => OwnUrls {
                job: Some(listener.job_url()),
                candidate: Some(listener.candidate_url()),
                base: Some(format!("http://{}", listener.local_addr())),
            },
            _ => OwnUrls::default(),
        }
    }

    fn submit(&mut self, origin: Origin, request: OutRequest) {
        if let Err(e) = self.outgoing.submit(origin, request) {
            self.notice = Some(error(e));
        }
    }

    fn replay(&mut self, captures: Vec<u64>, base: String, edit_first: bool, ctx: &egui::Context) {
        self.replay = None;
        self.send.remember_replay_base(ctx, &base);
        for id in captures {
            let Some(capture) = self.session.capture(id) else {
                continue;
            };
            match replay_request(capture.received(), &base) {
                Ok(request) if edit_first => {
                    self.send.start_from_replay(capture, request);
                    self.view = View::Send;
                    return;
                }
                Ok(request) => self.submit(Origin::Replay { capture: id }, request),
                Err(e) => {
                    self.notice = Some(error(format!("Could not replay #{id}: {e}")));
                    return;
                }
            }
        }
        self.view = View::Send;
    }

    /// The capture ids the filter shows, in capture order.
    fn shown_capture_ids(&self) -> Vec<u64> {
        self.shown_captures()
            .into_iter()
            .filter_map(|position| self.session.capture_at(position).map(|c| c.id))
            .collect()
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

    /// Brings the shown rows in line with the filter (a big search goes to
    /// a worker); a selection the filter hides is dropped.
    fn apply_filter(&mut self) {
        if self.filter != *self.visible.filter() {
            self.visible.set_filter(self.filter.clone(), &self.session);
        }
        self.drop_hidden_selection();
    }

    /// Drops a selection the rows shown hide, once they answer the filter
    /// (not while a search still shows the previous filter's rows).
    fn drop_hidden_selection(&mut self) {
        if let Some(id) = self.selection
            && !self.visible.is_searching()
            && !self
                .session
                .row_index(id)
                .is_some_and(|row| self.visible.contains(row))
        {
            self.selection = None;
        }
    }

    /// The positions of the captures with at least one row the filter
    /// shows, in order.
    fn shown_captures(&self) -> Vec<usize> {
        let mut positions: Vec<usize> = Vec::new();
        for row in self.visible.iter() {
            if let Some(view) = self.session.row(row)
                && let Some(position) = self.session.position(view.capture.id)
                && positions.last() != Some(&position)
            {
                positions.push(position);
            }
        }
        positions
    }

    /// Whether file work (a dialog, reading, loading or writing) is under way.
    pub fn is_busy(&self) -> bool {
        self.files.is_busy() || self.loading.is_some()
    }

    /// Adds a capture made elsewhere, with a fresh id.
    pub fn feed(&mut self, mut capture: Capture) {
        capture.id = self.ingest.next_id();
        self.session.push(capture);
    }

    /// Adds a request made elsewhere, summarised with the listener's paths.
    pub fn feed_received(&mut self, received: Received) {
        let capture = received.summarise(&self.ingest.config().routes);
        self.feed(capture);
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

    fn apply(&mut self, action: Action, ctx: &egui::Context) {
        match action {
            Action::Submit(origin, request) => self.submit(origin, request),
            Action::RunScenario { steps, workers } => {
                if let Err(e) = self.outgoing.submit_run(steps, workers) {
                    self.scenario.not_sent(&e);
                    self.notice = Some(error(e));
                }
            }
            Action::EditAndSend(id) => {
                let own = self.own_urls();
                if let Some(capture) = self.session.capture(id) {
                    self.send.start_from_capture(capture, &own);
                    self.view = View::Send;
                }
            }
            Action::ReplayTo(ids) => {
                if !ids.is_empty() {
                    self.replay = Some(ReplayDialog::new(ids, self.send.replay_base()));
                }
            }
            Action::ReplayShown => {
                let ids = self.shown_capture_ids();
                if !ids.is_empty() {
                    self.replay = Some(ReplayDialog::new(ids, self.send.replay_base()));
                }
            }
            Action::Replay {
                captures,
                base,
                edit_first,
            } => self.replay(captures, base, edit_first, ctx),
            Action::CancelReplay => self.replay = None,
            Action::CopyCurl(id) => {
                let base = self
                    .own_urls()
                    .base
                    .unwrap_or_else(|| format!("http://127.0.0.1:{}", self.ingest.config().port));
                if let Some(capture) = self.session.capture(id) {
                    match replay_request(capture.received(), &base) {
                        Ok(request) => {
                            ctx.copy_text(curl_command(&request));
                            self.notice = Some(info(format!(
                                "Copied a cURL command that sends request #{id} to {base}"
                            )));
                        }
                        Err(e) => self.notice = Some(error(e)),
                    }
                }
            }
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
            Action::AskClear => {
                if !self.session.is_empty() {
                    self.prompt = Some(Prompt::ClearSession {
                        captures: self.session.capture_count(),
                    });
                }
            }
            Action::ClearSession => {
                self.prompt = None;
                self.clear_session();
            }
            Action::ToggleShortcuts => self.shortcuts = !self.shortcuts,
            Action::TogglePause => self.toggle_pause(),
            Action::PickFiles => self.files.pick_files(),
            Action::Open(paths) => self.request_open(paths),
            Action::OpenAs(paths, mode) => {
                self.prompt = None;
                self.open(paths, mode);
            }
            Action::OpenSample(index) => self.open_sample(index),
            Action::PickExport(kind, scope) => {
                let captures = match scope {
                    ExportScope::All => self.session.capture_count(),
                    ExportScope::Shown => self.shown_captures().len(),
                };
                self.redaction = Some(Stage::Choice(Choice {
                    kind,
                    scope,
                    captures,
                    sent: self.session.exchanges.len(),
                }));
            }
            Action::Redaction(step) => self.redaction_step(step),
            Action::CopyMarkdown(row) => self.copy_markdown(ctx, row),
            Action::PickReport(capture) => {
                let positions = match capture {
                    Some(id) => self.session.position(id).map(|p| vec![p]),
                    None => Some(self.shown_captures()),
                };
                self.files.pick_report(positions);
            }
            Action::RestoreNewest => {
                if let Some(Prompt::Restore(mut list)) = self.prompt.take()
                    && !list.is_empty()
                {
                    let routes = self.ingest.config().routes.clone();
                    let journal = self.journal.clone();
                    if let Err(e) = self.files.restore(list.remove(0), routes, journal) {
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
            Action::SetDateMode(mode) => {
                self.settings.display.payload_dates = mode;
                ctx.request_repaint();
            }
            Action::TogglePin(id) => {
                self.session.marks_mut().toggle_pin(id);
            }
            Action::EditNote(id) => {
                let note = self.session.marks().note(id);
                self.note = Some(NoteEditor::new(id, note));
            }
            Action::SaveNote(id, text) => {
                self.session.marks_mut().set_note(id, &text);
                self.note = None;
            }
            Action::CloseNote => self.note = None,
            Action::OpenColumns => self.columns = Some(ColumnDialog::default()),
            Action::CloseColumns => self.columns = None,
            Action::AddColumn(column) => {
                self.notice = Some(info(format!(
                    "Added the column {} ({})",
                    column.name,
                    if column.pointer.is_empty() {
                        "all the data"
                    } else {
                        &column.pointer
                    }
                )));
                self.settings.columns.push(column);
                self.columns = None;
            }
            Action::RemoveColumn(index) => {
                if index < self.settings.columns.len() {
                    self.settings.columns.remove(index);
                }
            }
            Action::SortBy(sort) => self.table.set_sort(sort),
        }
    }

    /// The user's columns, as the settings keep them.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The policy redacted exports use: the saved one, or the default one
    /// while the saved one does not read (the window said so at start).
    fn redaction_policy(&self) -> Policy {
        self.settings.redaction.policy().unwrap_or_default()
    }

    /// Bug reports are always redacted, with the saved policy and options.
    fn report_redactor(&self) -> Redactor {
        Redactor::new(self.redaction_policy(), self.settings.redaction.options())
    }

    /// The listener's address, which makes HAR URLs absolute.
    fn origin(&self) -> String {
        match self.ingest.state() {
            ListenerState::Listening(listener) => format!("http://{}", listener.local_addr()),
            _ => {
                let config = self.ingest.config();
                format!("http://{}:{}", config.bind, config.port)
            }
        }
    }

    fn copy_markdown(&mut self, ctx: &egui::Context, row: RowId) {
        let Some(capture) = self.session.capture(row.capture) else {
            return;
        };
        let redactor = self.report_redactor();
        let mut tally = redactor.tally();
        let redacted = redactor.capture(capture.received(), &mut tally);
        let mut session = Session::of(vec![redacted], Vec::new(), &self.ingest.config().routes);
        if let Some(mark) = self.session.marks().get(row.capture) {
            session.marks_mut().set(row.capture, mark.clone());
        }
        match report::event_markdown(&session, row) {
            Some(text) => {
                ctx.copy_text(text);
                self.notice = Some(info(format!(
                    "Copied request #{} as Markdown, redacted ({} values replaced)",
                    row.capture,
                    tally.total()
                )));
            }
            None => {
                self.notice = Some(error(
                    "This event could not be written as Markdown".to_owned(),
                ))
            }
        }
    }

    fn policy_summary(&self) -> PolicySummary {
        let policy = self.redaction_policy();
        PolicySummary {
            rules: policy.rules.len(),
            default: policy.is_default(),
            redact_exports: self.settings.redaction.redacts_exports(),
        }
    }

    fn redaction_step(&mut self, step: Step) {
        match step {
            Step::Export { kind, scope } => {
                self.redaction = None;
                self.files.pick_export(kind, scope, None);
            }
            Step::RedactExports(on) => self.settings.redaction.redact_exports = Some(on),
            Step::EditPolicy => {
                let back = match self.redaction.take() {
                    Some(Stage::Choice(choice)) => Some(choice),
                    Some(Stage::Preview(run)) => run.kind.map(|kind| Choice {
                        kind,
                        scope: run.scope,
                        captures: run.redacted.captures.len(),
                        sent: self.session.exchanges.len(),
                    }),
                    Some(Stage::Editor(editor)) => editor.back,
                    None => None,
                };
                let saved = &self.settings.redaction;
                self.redaction = Some(Stage::Editor(Editor::new(
                    saved.policy_text(),
                    saved.options(),
                    back,
                )));
            }
            Step::SavePolicy { text, options } => {
                // Save is offered only for a policy that reads.
                let Ok(policy) = Policy::parse(&text) else {
                    return;
                };
                self.settings.redaction.set_policy(&text);
                self.settings.redaction.set_options(options);
                self.notice = Some(info(format!(
                    "Redaction policy saved: {}",
                    redaction::rules(policy.rules.len())
                )));
                self.close_editor();
            }
            Step::CloseEditor => self.close_editor(),
            Step::Preview { kind, scope } => {
                self.redaction = None;
                let positions = match scope {
                    ExportScope::All => None,
                    ExportScope::Shown => Some(self.shown_captures()),
                };
                let redactor =
                    Redactor::new(self.redaction_policy(), self.settings.redaction.options());
                let snapshot = self.session.snapshot_with_exchanges();
                if let Err(e) = self
                    .files
                    .redact(redactor, snapshot, positions, scope, kind)
                {
                    self.notice = Some(error(e));
                }
            }
            Step::ExportPreviewed(kind) => {
                // The preview stays behind the save dialog, for a cancel to
                // come back to.
                if let Some(Stage::Preview(run)) = &self.redaction {
                    self.files.pick_export(kind, run.scope, Some(run.clone()));
                }
            }
            Step::Close => self.redaction = None,
        }
    }

    /// Back to the export choice the editor was opened from, if any.
    fn close_editor(&mut self) {
        self.redaction = match self.redaction.take() {
            Some(Stage::Editor(editor)) => editor.back.map(Stage::Choice),
            other => other,
        };
    }

    fn clear_session(&mut self) {
        self.opened_file = None;
        self.session.clear();
        self.selection = None;
        self.entities.clear();
        if self.paused.is_some() {
            // Paused on rows that are gone: hold still on the empty session.
            self.visible.update(&self.session);
            self.paused = Some(0);
        }
    }

    fn toggle_pause(&mut self) {
        match self.paused.take() {
            // Resuming: the next frame catches up.
            Some(_) => {}
            None => self.paused = Some(self.session.row_count()),
        }
    }

    /// A dialog, sheet or question holds the keyboard.
    fn modal_open(&self) -> bool {
        self.shortcuts
            || self.prompt.is_some()
            || self.replay.is_some()
            || self.redaction.is_some()
            || self.files.is_busy()
            || self.note.is_some()
            || self.columns.is_some()
    }

    /// Applies the shortcuts pressed this frame, before anything is drawn.
    fn keyboard(&mut self, ctx: &egui::Context) {
        let modal = self.modal_open();
        for command in shortcuts::pressed(ctx) {
            match command {
                Command::Back => self.back(ctx),
                Command::Help => self.shortcuts = !self.shortcuts,
                Command::ZoomIn => self.zoom_to(ctx, self.settings.display.zoom + 0.1),
                Command::ZoomOut => self.zoom_to(ctx, self.settings.display.zoom - 0.1),
                Command::ZoomReset => self.zoom_to(ctx, 1.0),
                // The rest acts on the window behind a dialog: not now.
                _ if modal => {}
                Command::Nav(nav) => self.navigate(ctx, nav),
                Command::Open => self.open_selected(ctx),
                Command::Find => {
                    self.view = View::Events;
                    ctx.memory_mut(|m| m.request_focus(filter_bar::search_id()));
                }
                Command::ClearSession => self.apply(Action::AskClear, ctx),
                Command::OpenFiles => self.files.pick_files(),
                Command::Export => {
                    if !self.session.is_empty() {
                        let all = Action::PickExport(ExportKind::Session, ExportScope::All);
                        self.apply(all, ctx);
                    }
                }
                Command::View(index) => {
                    if let Some(&view) = View::ALL.get(index) {
                        self.view = view;
                    }
                }
                Command::NextTab | Command::PreviousTab => {
                    let forwarded = self
                        .selection
                        .is_some_and(|id| self.session.exchanges.forward_of(id.capture).is_some());
                    self.detail
                        .cycle_tab(command == Command::NextTab, forwarded);
                }
                Command::Pause => self.toggle_pause(),
                Command::TogglePin | Command::EditNote => {
                    if let Some(row) = self.selection {
                        let action = if command == Command::TogglePin {
                            Action::TogglePin(row.capture)
                        } else {
                            Action::EditNote(row.capture)
                        };
                        self.apply(action, ctx);
                    }
                }
                Command::Columns => self.apply(Action::OpenColumns, ctx),
            }
        }
    }

    /// Esc: closes what is open, else clears the search, else leaves it
    /// (egui has already taken the focus away).
    fn back(&mut self, ctx: &egui::Context) {
        if egui::Popup::is_any_open(ctx) {
            // egui closes the menu.
        } else if self.shortcuts {
            self.shortcuts = false;
        } else if self.note.is_some() {
            self.note = None;
        } else if self.columns.is_some() {
            self.columns = None;
        } else if self.prompt.is_some() {
            self.prompt = None;
        } else if self.replay.is_some() {
            self.replay = None;
        } else if let Some(stage) = &self.redaction {
            if matches!(stage, Stage::Editor(_)) {
                self.close_editor();
            } else {
                self.redaction = None;
            }
        } else if self.files.is_busy() {
            // The progress has its own Cancel.
        } else if self.view == View::Events && !self.filter.text.is_empty() {
            self.filter.text.clear();
            let search = filter_bar::search_id();
            if ctx.memory(|m| m.had_focus_last_frame(search)) {
                ctx.memory_mut(|m| m.request_focus(search));
            }
        } else if self.view == View::Entities && self.entities.selected().is_some() {
            self.entities.clear();
        }
    }

    fn zoom_to(&mut self, ctx: &egui::Context, zoom: f32) {
        let zoom =
            ((zoom * 10.0).round() / 10.0).clamp(SavedDisplay::MIN_ZOOM, SavedDisplay::MAX_ZOOM);
        self.settings.display.zoom = zoom;
        ctx.set_zoom_factor(zoom);
    }

    /// Rows a page key moves: about a screenful of the table.
    fn page(ctx: &egui::Context) -> usize {
        let rows = ctx.content_rect().height() / theme::ROW_HEIGHT;
        (rows as usize).saturating_sub(8).max(1)
    }

    fn navigate(&mut self, ctx: &egui::Context, nav: shortcuts::Nav) {
        let page = Self::page(ctx);
        match self.view {
            View::Events => {
                if let Some(id) = events_table::navigate(
                    &self.session,
                    &self.visible,
                    &self.table,
                    self.selection,
                    nav,
                    page,
                ) {
                    self.apply(Action::Show(id), ctx);
                }
            }
            View::Entities => self.entities.navigate(&self.session, nav, page),
            View::Send => self.send.navigate(&self.session, nav, page),
            View::Overview => {
                let row = self
                    .overview
                    .navigate(&self.session, self.selection, nav, page);
                // Selected here; Enter opens it in the Events view.
                if let Some(id) = row {
                    self.apply(Action::Select(id), ctx);
                }
            }
        }
    }

    /// Enter: the selected row's detail (the first row's when none is
    /// selected), or the selected entity's history.
    fn open_selected(&mut self, ctx: &egui::Context) {
        match self.view {
            View::Events => {
                let row = self.selection.or_else(|| {
                    events_table::navigate(
                        &self.session,
                        &self.visible,
                        &self.table,
                        None,
                        shortcuts::Nav::Home,
                        1,
                    )
                });
                if let Some(id) = row {
                    self.detail.show_event();
                    self.apply(Action::Show(id), ctx);
                }
            }
            View::Entities if self.entities.selected().is_none() => {
                self.entities
                    .navigate(&self.session, shortcuts::Nav::Home, 1)
            }
            View::Send if self.send.selected().is_none() => {
                self.send.navigate(&self.session, shortcuts::Nav::End, 1)
            }
            View::Overview => {
                if let Some(id) = self.selection {
                    self.detail.show_event();
                    self.apply(Action::Show(id), ctx);
                }
            }
            _ => {}
        }
    }

    /// Starts adding `received` to the session, a batch per frame.
    fn load(&mut self, label: String, received: Loaded, done: String) {
        if let Some(max) = received.received.iter().map(|c| c.id).max() {
            self.ingest.reserve_ids_through(max);
        }
        let routes = self.ingest.config().routes.clone();
        self.session.reserve(received.len());
        match Loading::start(received, routes, self.waker.clone()) {
            Ok(loading) => {
                self.loading = Some(Load {
                    label,
                    loading,
                    done,
                })
            }
            Err(e) => self.notice = Some(error(format!("Could not start loading: {e}"))),
        }
    }

    /// Inserts what loading has ready, within the frame's budget; says so
    /// when it is all in.
    fn drain_loading(&mut self, ctx: &egui::Context) {
        let Some(load) = &mut self.loading else {
            return;
        };
        let session = &mut self.session;
        let ingest = &self.ingest;
        let drained = load.loading.drain(DRAIN_BUDGET, |mut capture| {
            // Ids read from a file stay unless they would not come after
            // this session's: ids grow in arrival order.
            if capture.id == 0 || session.last_id().is_some_and(|last| capture.id <= last) {
                capture.id = ingest.next_id();
            }
            let id = capture.id;
            session.push(capture);
            id
        });
        match drained {
            Drained::More => return ctx.request_repaint(),
            // The next batch wakes the window.
            Drained::Waiting => return,
            Drained::Done => {}
        }
        if let Some(mut load) = self.loading.take() {
            let next = self
                .session
                .exchanges
                .add_loaded(load.loading.take_exchanges());
            self.outgoing.ids_from(next);
            for (id, mark) in load.loading.take_marks() {
                self.session.marks_mut().set(id, mark);
            }
            self.notice = Some(info(if load.loading.is_cancelled() {
                format!(
                    "Stopped: {} of {} were added",
                    human::count(load.loading.inserted()),
                    counted(load.loading.total(), "capture", "captures")
                )
            } else {
                load.done
            }));
        }
    }

    /// A strip under the top bar while captures are being added.
    fn loading_strip(&mut self, ui: &mut egui::Ui) {
        let Some(load) = &mut self.loading else {
            return;
        };
        egui::Panel::top("loading").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(format!(
                    "{}: {} of {}",
                    load.label,
                    human::count(load.loading.inserted()),
                    counted(load.loading.total(), "capture", "captures")
                ));
                ui.add(
                    egui::ProgressBar::new(load.loading.fraction())
                        .desired_width(240.0)
                        .show_percentage(),
                );
                if !load.loading.is_cancelled() && ui.button("Stop").clicked() {
                    load.loading.cancel();
                }
            });
        });
    }

    fn open_sample(&mut self, index: usize) {
        let Some((name, body)) = SAMPLES.get(index) else {
            return;
        };
        match open::payload(name, body.as_bytes(), &self.ingest.config().routes) {
            Ok(received) => self.feed_received(received),
            Err(e) => self.notice = Some(error(format!("Could not open the sample {name}: {e}"))),
        }
    }

    fn finish(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Picked(paths) => self.request_open(paths),
            Outcome::ExportTo(ExportTo {
                kind,
                scope,
                redacted,
                path,
            }) => {
                let source = match redacted {
                    Some(run) => {
                        self.redaction = None;
                        Source::Redacted(run)
                    }
                    None => Source::Session {
                        snapshot: self.session.snapshot_with_exchanges(),
                        positions: match scope {
                            ExportScope::All => None,
                            ExportScope::Shown => Some(self.shown_captures()),
                        },
                    },
                };
                let origin = self.origin();
                if let Err(e) = self.files.export(kind, path, source, origin) {
                    self.notice = Some(error(e));
                }
            }
            Outcome::Opened {
                mode,
                files,
                received,
            } => {
                if mode == OpenMode::New {
                    self.clear_session();
                }
                let count = received.len();
                let names: Vec<String> = files.iter().map(|(p, _)| open::file_name(p)).collect();
                let mut formats: Vec<String> = Vec::new();
                for (_, format) in &files {
                    let format = format.to_string();
                    if !formats.contains(&format) {
                        formats.push(format);
                    }
                }
                self.opened_file = match names.as_slice() {
                    [] => self.opened_file.take(),
                    [one] => Some(one.clone()),
                    [first, rest @ ..] => Some(format!("{first} and {} more", rest.len())),
                };
                for (path, _) in files {
                    self.settings.remember(path);
                }
                let done = format!(
                    "Opened {} from {} ({})",
                    counted(count, "capture", "captures"),
                    names.join(", "),
                    formats.join(", ")
                );
                self.load(format!("Opening {}", names.join(", ")), received, done);
            }
            Outcome::Restored { received, problem } => {
                let count = received.len();
                let done = match problem {
                    None => format!(
                        "Restored {} from the unfinished session",
                        counted(count, "capture", "captures")
                    ),
                    Some(problem) => format!(
                        "Restored {}, but {problem}",
                        counted(count, "capture", "captures")
                    ),
                };
                self.load("Restoring".to_owned(), received.into(), done);
            }
            Outcome::Redacted(run) => {
                self.settings.redaction.preview_seen = true;
                self.redaction = Some(Stage::Preview(run));
            }
            Outcome::Exported {
                path,
                count,
                replaced,
            } => {
                let redacted = match replaced {
                    None => String::new(),
                    Some(1) => ", redacted (1 value replaced),".to_owned(),
                    Some(n) => format!(", redacted ({} values replaced),", human::count(n)),
                };
                self.notice = Some(info(format!(
                    "Exported {}{redacted} to {}",
                    counted(count, "capture", "captures"),
                    path.display()
                )));
            }
            Outcome::ReportTo { path, positions } => {
                let redactor = self.report_redactor();
                let context = ReportContext {
                    settings: report::listener_settings(self.ingest.config(), Some(&redactor)),
                    routes: self.ingest.config().routes.clone(),
                    origin: self.origin(),
                };
                let snapshot = self.session.snapshot_with_exchanges();
                if let Err(e) = self
                    .files
                    .report(path, positions, snapshot, redactor, context)
                {
                    self.notice = Some(error(e));
                }
            }
            Outcome::Reported {
                path,
                count,
                replaced,
            } => {
                self.notice = Some(info(format!(
                    "Wrote a bug report of {}, redacted ({} values replaced), to {}",
                    counted(count, "capture", "captures"),
                    human::count(replaced),
                    path.display()
                )));
            }
            Outcome::Failed(message) => self.notice = Some(error(message)),
            Outcome::Cancelled => {}
        }
    }

    /// " (port N)" for a fixed port; nothing for 0 (any free port).
    fn configured_port(&self) -> String {
        match self.ingest.config().port {
            0 => String::new(),
            port => format!(" (port {port})"),
        }
    }

    /// "hookscope — FILE — listening on ADDR": the file last opened, if
    /// any, and the listener's state.
    pub fn window_title(&self) -> String {
        let state = match self.ingest.state() {
            ListenerState::Listening(listener) => {
                format!("listening on {}", listener.local_addr())
            }
            ListenerState::Stopped => format!("stopped{}", self.configured_port()),
            ListenerState::Failed(_) => format!("listener error{}", self.configured_port()),
        };
        match &self.opened_file {
            Some(file) => format!("hookscope \u{2014} {file} \u{2014} {state}"),
            None => format!("hookscope \u{2014} {state}"),
        }
    }
}

/// Pause, or while paused a badge of what arrived meanwhile and Resume.
fn pause_button(ui: &mut egui::Ui, new: Option<usize>, actions: &mut Vec<Action>) {
    let keys = shortcuts::text_of(Command::Pause);
    match new {
        None => {
            if ui
                .button("Pause")
                .on_hover_text(format!("Hold the table still; capture goes on ({keys})"))
                .clicked()
            {
                actions.push(Action::TogglePause);
            }
        }
        Some(new) => {
            if ui
                .button("Resume")
                .on_hover_text(format!("Show what arrived meanwhile ({keys})"))
                .clicked()
            {
                actions.push(Action::TogglePause);
            }
            let warning = theme::palette(ui).warning;
            theme::badge(ui, &format!("Paused · {} new", human::count(new)), warning);
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
            ctx.request_repaint_after(WAKE_DELAY);
        }
        let answered = self.outgoing.drain();
        self.add_exchanges(answered);
        self.drain_loading(ctx);
        if let ListenerState::Listening(listener) = self.ingest.state()
            && listener.awaiting_summary() > 0
        {
            // Nothing wakes the window while summaries wait: show the count move.
            ctx.request_repaint_after(AWAITING_REFRESH);
        }
        // Paused, the table holds still; a search asked for lands anyway.
        if (self.paused.is_none() || self.visible.is_searching())
            && self.visible.update(&self.session)
        {
            self.drop_hidden_selection();
        }
        if self.session.row_count() != before
            && let Some(usage) = &self.journal_usage
        {
            usage.refresh();
        }
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
        self.keyboard(&ui.ctx().clone());
        let own = self.own_urls();
        self.send.restore(ui.ctx(), &own);
        fields_view::set_date_mode(ui.ctx(), self.settings.display.payload_dates);
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
        top_bar::acting_strip(ui, &self.ingest);
        self.loading_strip(ui);
        if let Some(notice) = &self.notice {
            egui::Panel::top("notice").show(ui, |ui| top_bar::notice(ui, notice, &mut actions));
        }
        egui::Panel::bottom("status_bar").show(ui, |ui| {
            status_bar::show(
                ui,
                &self.session,
                &self.ingest,
                self.journal_usage.as_ref().map(journal::DiskUsage::bytes),
            )
        });
        egui::Panel::right("detail")
            .resizable(true)
            .default_size(460.0)
            .size_range(320.0..=1400.0)
            .show(ui, |ui| match (self.view, self.entities.selected()) {
                (View::Send, _) => match send_view::selected(&self.send, &self.session) {
                    Some(exchange) => {
                        egui::ScrollArea::vertical()
                            .id_salt("sent-exchange")
                            .auto_shrink([false, false])
                            .show(ui, |ui| {
                                ui.add_space(6.0);
                                exchange_view::show(ui, exchange)
                            });
                    }
                    None => {
                        ui.centered_and_justified(|ui| {
                            ui.label(
                                egui::RichText::new("Send a request to see its answer here")
                                    .color(theme::palette(ui).muted),
                            );
                        });
                    }
                },
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
                if self.view == View::Events && !self.session.is_empty() {
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        pause_button(ui, self.paused_new(), &mut actions);
                        if ui
                            .add_enabled(
                                !self.visible.is_empty(),
                                egui::Button::new("Replay shown…"),
                            )
                            .on_hover_text("Send the requests the filter shows again, in order")
                            .clicked()
                        {
                            actions.push(Action::ReplayShown);
                        }
                    });
                }
            });
            ui.separator();
            match self.view {
                View::Events => {
                    // Paused, the count is of the rows the table holds.
                    let total = match self.paused {
                        Some(_) => self.visible.seen(),
                        None => self.session.row_count(),
                    };
                    filter_bar::show(
                        ui,
                        &mut self.filter,
                        self.visible.len(),
                        total,
                        self.visible.is_searching(),
                    );
                    ui.add_space(4.0);
                    events_table::show(
                        ui,
                        &self.session,
                        &self.visible,
                        self.selection,
                        &mut self.table,
                        &self.settings.columns,
                        &mut actions,
                    )
                }
                View::Entities => entities_view::show(ui, &self.session, &mut self.entities),
                View::Overview => overview_view::show(
                    ui,
                    &self.session,
                    &mut self.overview,
                    self.selection,
                    &mut actions,
                ),
                View::Send => send_view::show(
                    ui,
                    &mut self.send,
                    &mut self.scenario,
                    send_view::SendContext {
                        session: &self.session,
                        own: &own,
                        routes: &self.ingest.config().routes,
                        in_flight: self.outgoing.in_flight(),
                    },
                    &mut actions,
                ),
            }
        });
        self.apply_filter();
        if let Some(prompt) = &self.prompt {
            prompts::show(ui.ctx(), prompt, &mut actions);
        }
        if self.shortcuts && shortcuts::sheet(ui.ctx()) {
            actions.push(Action::ToggleShortcuts);
        }
        self.files.show_progress(ui.ctx());
        // Hidden behind a save dialog or running work, not closed.
        if !self.files.is_busy() && self.redaction.is_some() {
            let summary = self.policy_summary();
            if let Some(stage) = &mut self.redaction {
                redaction::show(ui.ctx(), stage, summary, &mut actions);
            }
        }
        if let Some(dialog) = &mut self.replay {
            replay_dialog::show(ui.ctx(), dialog, &mut actions);
        }
        if let Some(editor) = &mut self.note {
            pins::note_editor(ui.ctx(), editor, &mut actions);
        }
        if let Some(dialog) = &mut self.columns {
            pins::column_dialog(
                ui.ctx(),
                dialog,
                &self.settings.columns,
                &self.session,
                self.selection,
                &mut actions,
            );
        }
        let ctx = ui.ctx().clone();
        for action in actions {
            self.apply(action, &ctx);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, Settings::KEY, &self.settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
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
