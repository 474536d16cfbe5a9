//! The Send view: play the ATS against an endpoint. A target URL (one
//! remembered for job events, one for candidate events), a body started from
//! a spec sample or a capture, checked against the spec as it is typed,
//! editable headers, and every request sent from the window with its answer.

use egui::{Align, Layout, RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};
use serde::{Deserialize, Serialize};

use crate::capture::{Capture, Received, RequestHead, Route, Routes, received_now};
use crate::hs::Finding;
use crate::human::count;
use crate::outbound::curl::curl_command;
use crate::outbound::{Exchange, Origin, OutRequest};
use crate::session::Session;
use crate::session::open::SAMPLES;

use super::app::Action;
use super::exchange_view::{elapsed_text, origin_text};
use super::problems;
use super::scenario_panel::{self, ScenarioState};
use super::theme::{self, palette};

/// Which of the ATS's two webhook URLs a body goes to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Kind {
    #[default]
    Job,
    Candidate,
}

/// What the Send view shows: the request editor, or scenario runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Mode {
    #[default]
    Compose,
    Scenario,
}

/// Target URLs kept across runs (in egui's persisted memory).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Remembered {
    job_url: String,
    candidate_url: String,
    replay_base: String,
}

fn memory_id() -> egui::Id {
    egui::Id::unique("hookscope-send-targets")
}

/// This listener's own URLs, the targets offered when none is remembered.
#[derive(Clone, Debug, Default)]
pub struct OwnUrls {
    pub job: Option<String>,
    pub candidate: Option<String>,
    /// `http://host:port`.
    pub base: Option<String>,
}

pub struct SendState {
    restored: bool,
    mode: Mode,
    remembered: Remembered,
    kind: Kind,
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: String,
    /// What a send from the editor is recorded as (a replay edited first
    /// stays a replay of its capture).
    origin: Origin,
    /// The body and kind the findings were computed for.
    checked: Option<(Kind, String)>,
    findings: Vec<Finding>,
    /// The exchange shown beside the list.
    selected: Option<u64>,
    /// Scroll the list to the selection on the next frame.
    reveal: bool,
    /// Indices into the session's exchanges of those listed (not forwards),
    /// and how many of them were looked at.
    listed: Vec<usize>,
    seen: usize,
}

impl Default for SendState {
    fn default() -> Self {
        let (_, body) = SAMPLES[0];
        Self {
            restored: false,
            mode: Mode::Compose,
            remembered: Remembered::default(),
            kind: Kind::Job,
            method: "POST".to_owned(),
            url: String::new(),
            headers: default_headers(),
            body: body.to_owned(),
            origin: Origin::Send,
            checked: None,
            findings: Vec::new(),
            selected: None,
            reveal: false,
            listed: Vec::new(),
            seen: 0,
        }
    }
}

fn default_headers() -> Vec<(String, String)> {
    vec![("Content-Type".to_owned(), "application/json".to_owned())]
}

/// Why `url` cannot be sent to, if it cannot.
pub fn url_problem(url: &str) -> Option<&'static str> {
    let url = url.trim();
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        None => Some("The target URL must start with http:// or https://"),
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            Some("The target URL names no host")
        }
        Some(_) => None,
    }
}

impl SendState {
    /// Reads the remembered URLs once, then fills the target if empty.
    pub fn restore(&mut self, ctx: &egui::Context, own: &OwnUrls) {
        if !self.restored {
            self.restored = true;
            if let Some(saved) = ctx.data_mut(|d| d.get_persisted::<Remembered>(memory_id())) {
                self.remembered = saved;
            }
        }
        if self.url.is_empty() && self.origin == Origin::Send {
            self.url = self.target_for(self.kind, own);
        }
        if self.remembered.replay_base.is_empty()
            && let Some(base) = &own.base
        {
            self.remembered.replay_base = base.clone();
        }
    }

    /// Where events of `kind` go: the remembered URL, else this listener's.
    pub(super) fn target_for(&self, kind: Kind, own: &OwnUrls) -> String {
        let (saved, own) = match kind {
            Kind::Job => (&self.remembered.job_url, &own.job),
            Kind::Candidate => (&self.remembered.candidate_url, &own.candidate),
        };
        if saved.is_empty() {
            own.clone().unwrap_or_default()
        } else {
            saved.clone()
        }
    }

    /// Remembers `url` as the target for events of `kind`.
    pub(super) fn remember_target(&mut self, ctx: &egui::Context, kind: Kind, url: &str) {
        let url = url.trim().to_owned();
        match kind {
            Kind::Job => self.remembered.job_url = url,
            Kind::Candidate => self.remembered.candidate_url = url,
        }
        self.save(ctx);
    }

    fn save(&self, ctx: &egui::Context) {
        let remembered = self.remembered.clone();
        ctx.data_mut(|d| d.insert_persisted(memory_id(), remembered));
    }

    /// The base URL replays go to, as last typed.
    pub fn replay_base(&self) -> &str {
        &self.remembered.replay_base
    }

    pub fn remember_replay_base(&mut self, ctx: &egui::Context, base: &str) {
        self.remembered.replay_base = base.trim().to_owned();
        self.save(ctx);
    }

    /// A new body in the editor, sent as a plain send to the kind's target.
    fn start(&mut self, kind: Kind, body: String, own: &OwnUrls) {
        self.kind = kind;
        self.body = body;
        self.origin = Origin::Send;
        self.method = "POST".to_owned();
        self.url = self.target_for(kind, own);
    }

    /// The captured event's body and headers, to edit and send to the
    /// remembered target for its kind.
    pub fn start_from_capture(&mut self, capture: &Capture, own: &OwnUrls) {
        let kind = match capture.summary.route {
            Route::Candidate => Kind::Candidate,
            _ => Kind::Job,
        };
        // The decoded body is what is edited, so its coding no longer applies.
        let headers = capture
            .head
            .headers()
            .filter(|h| {
                ![
                    "content-length",
                    "content-encoding",
                    "host",
                    "connection",
                    "transfer-encoding",
                ]
                .iter()
                .any(|n| h.name.eq_ignore_ascii_case(n))
            })
            .map(|h| (h.name.to_owned(), h.value_text().into_owned()))
            .collect();
        self.start(
            kind,
            String::from_utf8_lossy(capture.content()).into_owned(),
            own,
        );
        self.headers = headers;
    }

    /// A replay's exact request, to edit before it goes.
    pub fn start_from_replay(&mut self, capture: &Capture, request: OutRequest) {
        self.kind = match capture.summary.route {
            Route::Candidate => Kind::Candidate,
            _ => Kind::Job,
        };
        self.method = request.method;
        self.url = request.url;
        self.headers = request.headers;
        self.body = String::from_utf8_lossy(&request.body).into_owned();
        self.origin = Origin::Replay {
            capture: capture.id,
        };
    }

    /// Shows this exchange (the newest sent from the window).
    pub fn follow(&mut self, id: u64) {
        self.selected = Some(id);
    }

    pub fn selected(&self) -> Option<u64> {
        self.selected
    }

    /// Moves the selection in the list of requests sent, with the keyboard.
    pub fn navigate(&mut self, session: &Session, nav: super::shortcuts::Nav, page: usize) {
        let all = session.exchanges.all();
        let id_at = |n: usize| self.listed.get(n).and_then(|&i| all.get(i)).map(|e| e.id);
        let current =
            (0..self.listed.len()).find(|&n| id_at(n) == self.selected && id_at(n).is_some());
        if let Some(id) = nav.target(current, self.listed.len(), page).and_then(id_at) {
            self.selected = Some(id);
            self.reveal = true;
        }
    }

    /// The request the editor describes.
    fn request(&self) -> OutRequest {
        OutRequest {
            method: self.method.trim().to_owned(),
            url: self.url.trim().to_owned(),
            headers: self
                .headers
                .iter()
                .filter(|(name, _)| !name.trim().is_empty())
                .map(|(name, value)| (name.trim().to_owned(), value.clone()))
                .collect(),
            body: self.body.as_bytes().into(),
        }
    }

    /// Recomputes the findings when the body or its kind changed.
    fn check(&mut self, routes: &Routes) {
        if self
            .checked
            .as_ref()
            .is_some_and(|(kind, body)| *kind == self.kind && *body == self.body)
        {
            return;
        }
        self.findings = check_body(&self.body, self.kind, routes);
        self.checked = Some((self.kind, self.body.clone()));
    }

    /// Lists the exchanges that arrived since the last frame (not forwards:
    /// those show on their captures).
    fn update_list(&mut self, session: &Session) {
        let all = session.exchanges.all();
        if all.len() < self.seen {
            self.listed.clear();
            self.seen = 0;
            self.selected = None;
        }
        for (i, exchange) in all.iter().enumerate().skip(self.seen) {
            if !matches!(exchange.origin, Origin::Forward { .. }) {
                self.listed.push(i);
            }
        }
        self.seen = all.len();
    }
}

/// The findings a capture of `body` at the kind's webhook path would have.
pub fn check_body(body: &str, kind: Kind, routes: &Routes) -> Vec<Finding> {
    let path = match kind {
        Kind::Job => &routes.job_path,
        Kind::Candidate => &routes.candidate_path,
    };
    let head = RequestHead::new(
        "POST",
        path,
        "hookscope",
        [("Content-Type", "application/json")],
    );
    let received = Received::loaded(
        0,
        received_now(),
        head,
        body.as_bytes().to_vec(),
        None,
        routes,
    );
    let mut findings: Vec<Finding> = Vec::new();
    for finding in received
        .summarise(routes)
        .all_findings()
        .into_iter()
        .flatten()
    {
        // Findings about the request as a whole repeat on every row.
        if !findings.contains(&finding) {
            findings.push(finding);
        }
    }
    findings
}

/// Everything the Send view draws with.
pub struct SendContext<'a> {
    pub session: &'a Session,
    pub own: &'a OwnUrls,
    pub routes: &'a Routes,
    pub in_flight: usize,
}

/// The editor above, the list of requests sent below; or, in Scenario
/// mode, a scenario's settings and its latest run.
pub fn show(
    ui: &mut Ui,
    state: &mut SendState,
    scenario: &mut ScenarioState,
    context: SendContext<'_>,
    actions: &mut Vec<Action>,
) {
    let SendContext {
        session,
        own,
        routes,
        in_flight,
    } = context;
    state.update_list(session);
    let before = state.mode;
    ui.horizontal(|ui| {
        ui.selectable_value(&mut state.mode, Mode::Compose, "Compose")
            .on_hover_text("Edit one request and send it");
        ui.selectable_value(&mut state.mode, Mode::Scenario, "Scenario")
            .on_hover_text("Play one of the ATS's habits: a sequence of requests");
    });
    ui.separator();
    if state.mode == Mode::Scenario {
        // The editor may have changed the remembered targets meanwhile.
        if state.mode != before || !scenario.is_loaded() {
            scenario.load_urls(state, own);
        }
        scenario_panel::show(ui, scenario, state, actions);
        return;
    }
    state.check(routes);
    let list_height = (ui.available_height() * 0.3).clamp(120.0, 320.0);
    let editor_height = (ui.available_height() - list_height - 12.0).max(200.0);
    let width = ui.available_width();
    ui.allocate_ui(egui::vec2(width, editor_height), |ui| {
        editor(ui, state, own, in_flight, actions);
    });
    ui.separator();
    list(ui, state, session);
}

fn editor(
    ui: &mut Ui,
    state: &mut SendState,
    own: &OwnUrls,
    in_flight: usize,
    actions: &mut Vec<Action>,
) {
    let p = palette(ui);
    ui.horizontal_wrapped(|ui| {
        ui.menu_button("Start from sample", |ui| {
            for (name, body) in SAMPLES {
                if ui.button(name).clicked() {
                    let kind = if name.starts_with("candidate") {
                        Kind::Candidate
                    } else {
                        Kind::Job
                    };
                    state.start(kind, body.to_owned(), own);
                    state.headers = default_headers();
                }
            }
        });
        ui.separator();
        ui.label("Events of");
        let before = state.kind;
        ui.selectable_value(&mut state.kind, Kind::Job, "job");
        ui.selectable_value(&mut state.kind, Kind::Candidate, "candidate");
        if state.kind != before && state.origin == Origin::Send {
            state.url = state.target_for(state.kind, own);
        }
        if let Origin::Replay { capture } = state.origin {
            ui.separator();
            ui.label(RichText::new(format!("Editing a replay of #{capture}")).color(p.accent));
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Target URL");
        let method = ui.label(RichText::new(&state.method).monospace().strong());
        method.on_hover_text("The method sent");
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut state.url)
                    .hint_text("http://localhost:8000/webhooks/job")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        if response.changed() && state.origin == Origin::Send {
            let url = state.url.clone();
            state.remember_target(ui.ctx(), state.kind, &url);
        }
    });
    headers(ui, state);
    ui.add_space(4.0);
    let problem = url_problem(&state.url);
    ui.horizontal(|ui| {
        let send = ui
            .add_enabled(problem.is_none(), egui::Button::new("Send request"))
            .on_disabled_hover_text(problem.unwrap_or_default());
        if send.clicked() {
            actions.push(Action::Submit(state.origin.clone(), state.request()));
        }
        if let Some(problem) = problem {
            ui.label(RichText::new(problem).color(p.warning));
        }
        if ui
            .button("Copy as cURL")
            .on_hover_text("A shell command that sends this request")
            .clicked()
        {
            ui.ctx().copy_text(curl_command(&state.request()));
        }
        if in_flight > 0 {
            ui.spinner();
            ui.label(
                RichText::new(format!("{} waiting for an answer", count(in_flight))).color(p.muted),
            );
        }
    });
    ui.add_space(4.0);
    let height = ui.available_height();
    let width = ui.available_width();
    ui.horizontal_top(|ui| {
        ui.allocate_ui(egui::vec2(width * 0.6, height), |ui| {
            ui.vertical(|ui| {
                let label = ui.label(RichText::new("Body (JSON)").strong());
                egui::ScrollArea::vertical()
                    .id_salt("send-body")
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        ui.add(
                            egui::TextEdit::multiline(&mut state.body)
                                .code_editor()
                                .desired_rows(20)
                                .desired_width(f32::INFINITY),
                        )
                        .labelled_by(label.id);
                    });
            });
        });
        ui.separator();
        ui.vertical(|ui| {
            ui.label(RichText::new("Checked against the spec").strong());
            egui::ScrollArea::vertical()
                .id_salt("send-findings")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    // A pointer is only a place to look at here.
                    let _ = problems::show(ui, &state.findings, &[]);
                });
        });
    });
}

fn headers(ui: &mut Ui, state: &mut SendState) {
    let mut remove = None;
    egui::CollapsingHeader::new(format!("Headers ({})", count(state.headers.len())))
        .id_salt("send-headers")
        .default_open(true)
        .show(ui, |ui| {
            // Rows of fixed-width fields: a grid would shrink them to their text.
            let muted = palette(ui).muted;
            let (name_label, value_label) = ui
                .horizontal(|ui| {
                    let name = ui.label(RichText::new("Name").color(muted));
                    // Line the value's caption up with its field.
                    ui.add_space((180.0 - name.rect.width()).max(0.0));
                    let value = ui.label(RichText::new("Value").color(muted));
                    (name, value)
                })
                .inner;
            for (i, (name, value)) in state.headers.iter_mut().enumerate() {
                ui.horizontal(|ui| {
                    ui.add_sized(
                        [180.0, 20.0],
                        egui::TextEdit::singleline(name)
                            .id_salt(("header-name", i))
                            .font(egui::TextStyle::Monospace),
                    )
                    .labelled_by(name_label.id);
                    ui.add_sized(
                        [(ui.available_width() - 80.0).clamp(160.0, 480.0), 20.0],
                        egui::TextEdit::singleline(value)
                            .id_salt(("header-value", i))
                            .font(egui::TextStyle::Monospace),
                    )
                    .labelled_by(value_label.id);
                    if ui.small_button("Remove").clicked() {
                        remove = Some(i);
                    }
                });
            }
            if ui.small_button("Add header").clicked() {
                state.headers.push((String::new(), String::new()));
            }
        });
    if let Some(i) = remove {
        state.headers.remove(i);
    }
}

/// Every request sent from the window, newest last; a click shows one.
fn list(ui: &mut Ui, state: &mut SendState, session: &Session) {
    let p = palette(ui);
    let all = session.exchanges.all();
    ui.label(RichText::new(format!("Sent ({})", count(state.listed.len()))).strong());
    if state.listed.is_empty() {
        ui.label(
            RichText::new("Nothing sent yet: requests sent and replayed from here are listed with their answers.")
                .color(p.muted),
        );
        return;
    }
    ui.style_mut().interaction.selectable_labels = false;
    let reveal = std::mem::take(&mut state.reveal)
        .then(|| {
            state
                .listed
                .iter()
                .position(|&i| all.get(i).map(|e| e.id) == state.selected)
        })
        .flatten();
    let mut table = TableBuilder::new(ui);
    if let Some(row) = reveal {
        table = table.scroll_to_row(row, None);
    }
    table
        .id_salt("sent")
        .striped(true)
        .resizable(true)
        .sense(Sense::click())
        .stick_to_bottom(true)
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::initial(44.0).clip(true))
        .column(Column::initial(96.0).clip(true))
        .column(Column::initial(110.0).clip(true))
        .column(Column::remainder().at_least(160.0).clip(true))
        .column(Column::initial(140.0).clip(true))
        .column(Column::initial(70.0).clip(true))
        .header(theme::ROW_HEIGHT, |mut header| {
            for name in ["#", "Time", "Origin", "Request", "Answer", "Took"] {
                header.col(|ui| {
                    ui.label(RichText::new(name).strong());
                });
            }
        })
        .body(|body| {
            body.rows(theme::ROW_HEIGHT, state.listed.len(), |mut row| {
                let Some(exchange) = state.listed.get(row.index()).and_then(|&i| all.get(i)) else {
                    return;
                };
                row.set_selected(state.selected == Some(exchange.id));
                row.col(|ui| {
                    ui.label(RichText::new(exchange.id.to_string()).monospace());
                });
                row.col(|ui| {
                    let local = exchange.started_at.with_timezone(&chrono::Local);
                    ui.label(RichText::new(local.format("%H:%M:%S%.3f").to_string()).monospace());
                });
                row.col(|ui| {
                    ui.label(origin_text(&exchange.origin));
                });
                row.col(|ui| {
                    ui.label(
                        RichText::new(format!(
                            "{} {}",
                            exchange.request.method, exchange.request.url
                        ))
                        .monospace(),
                    );
                });
                row.col(|ui| answer_cell(ui, exchange));
                row.col(|ui| {
                    ui.label(RichText::new(elapsed_text(exchange)).color(p.muted));
                });
                let response = row.response();
                if response.clicked() {
                    state.selected = Some(exchange.id);
                }
                response.context_menu(|ui| {
                    if ui.button("Copy as cURL").clicked() {
                        ui.ctx().copy_text(curl_command(&exchange.request));
                    }
                });
            });
        });
}

/// The status in green or amber, or the failure in red.
pub fn answer_cell(ui: &mut Ui, exchange: &Exchange) {
    let p = palette(ui);
    let color = match &exchange.outcome.result {
        Ok(response) if response.is_success() => p.ok,
        Ok(_) => p.warning,
        Err(_) => p.error,
    };
    ui.label(RichText::new(exchange.outcome.status_text()).color(color))
        .on_hover_text(exchange.outcome.status_text());
}

/// The exchange selected in the list, for the pane beside it.
pub fn selected<'a>(state: &SendState, session: &'a Session) -> Option<&'a Exchange> {
    let id = state.selected?;
    session.exchanges.all().iter().rev().find(|e| e.id == id)
}
