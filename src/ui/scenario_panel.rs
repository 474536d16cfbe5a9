//! The Send view's Scenario mode: a built-in scenario run against the job
//! and candidate URLs, each step listed with what was sent and what came
//! back, failed steps flagged. The steps go through an outbox (in order on
//! one worker, a burst side by side); their answers arrive as exchanges.

use std::time::Duration;

use chrono::{DateTime, FixedOffset, Local};
use egui::{Align, Layout, RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};

use crate::capture::received_now;
use crate::human::{self, count, counted, format_size};
use crate::outbound::{Exchange, Origin, Scenario, ScenarioOptions, ScenarioUrls};

use super::app::Action;
use super::exchange_view::duration_text;
use super::send_view::{Kind, OwnUrls, SendState, url_problem};
use super::theme::{self, palette};

/// Bounds the window's own bursts and batches: each step's body is made
/// on the UI thread before it is queued.
const MAX_COUNT: usize = 1000;
const MAX_CONCURRENCY: usize = 64;

pub struct ScenarioState {
    scenario: Scenario,
    options: ScenarioOptions,
    /// Requests in flight at once during a burst.
    concurrency: usize,
    /// Where the steps go; loaded from the remembered targets.
    job_url: String,
    candidate_url: String,
    run: Option<Run>,
}

impl Default for ScenarioState {
    fn default() -> Self {
        Self {
            scenario: Scenario::Lifecycle,
            options: ScenarioOptions::default(),
            concurrency: 16,
            job_url: String::new(),
            candidate_url: String::new(),
            run: None,
        }
    }
}

/// The latest run, step by step.
struct Run {
    scenario: Scenario,
    started_at: DateTime<FixedOffset>,
    steps: Vec<RunStep>,
}

struct RunStep {
    label: String,
    /// "POST http://…".
    sent: String,
    /// "1.2 KiB".
    size: String,
    result: Option<StepResult>,
}

struct StepResult {
    /// The exchange, to show beside the list (none when it was never sent).
    id: Option<u64>,
    status: String,
    elapsed: Option<Duration>,
    success: bool,
}

impl Run {
    fn answered(&self) -> usize {
        self.steps.iter().filter(|s| s.result.is_some()).count()
    }

    fn failed(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.result.as_ref().is_some_and(|r| !r.success))
            .count()
    }

    fn is_running(&self) -> bool {
        self.answered() < self.steps.len()
    }
}

impl ScenarioState {
    /// Reloads the URLs from the remembered targets (they may have been
    /// changed in the editor since).
    pub fn load_urls(&mut self, send: &SendState, own: &OwnUrls) {
        self.job_url = send.target_for(Kind::Job, own);
        self.candidate_url = send.target_for(Kind::Candidate, own);
    }

    pub fn is_loaded(&self) -> bool {
        !self.job_url.is_empty() || !self.candidate_url.is_empty()
    }

    /// Fills in the step `exchange` answers, if it is one of this run's.
    pub fn record(&mut self, exchange: &Exchange) {
        let Origin::Scenario { name, step } = &exchange.origin else {
            return;
        };
        let Some(run) = &mut self.run else {
            return;
        };
        if name != run.scenario.name() {
            return;
        }
        // Labels carry fresh entity ids, so they name one step of one run.
        if let Some(waiting) = run
            .steps
            .iter_mut()
            .find(|s| s.result.is_none() && s.label == *step)
        {
            waiting.result = Some(StepResult {
                id: Some(exchange.id),
                status: exchange.outcome.status_text(),
                elapsed: Some(exchange.outcome.elapsed),
                success: exchange.outcome.is_success(),
            });
        }
    }

    /// The run's steps that were not queued: flagged, since none will answer.
    pub fn not_sent(&mut self, reason: &str) {
        if let Some(run) = &mut self.run {
            for step in run.steps.iter_mut().filter(|s| s.result.is_none()) {
                step.result = Some(StepResult {
                    id: None,
                    status: format!("not sent: {reason}"),
                    elapsed: None,
                    success: false,
                });
            }
        }
    }

    /// Makes the steps, keeps them as a new run and asks for them to be sent.
    fn start(&mut self, actions: &mut Vec<Action>) {
        let urls = ScenarioUrls {
            job: self.job_url.trim().to_owned(),
            candidate: self.candidate_url.trim().to_owned(),
        };
        let steps = self.scenario.steps(&urls, &self.options);
        let name = self.scenario.name().to_owned();
        self.run = Some(Run {
            scenario: self.scenario,
            started_at: received_now(),
            steps: steps
                .iter()
                .map(|step| RunStep {
                    label: step.label.clone(),
                    sent: format!("{} {}", step.request.method, step.request.url),
                    size: format_size(step.request.body.len() as u64),
                    result: None,
                })
                .collect(),
        });
        let workers = if self.scenario.is_concurrent() {
            self.concurrency
        } else {
            1
        };
        let steps = steps
            .into_iter()
            .map(|step| {
                let origin = Origin::Scenario {
                    name: name.clone(),
                    step: step.label,
                };
                (origin, step.request)
            })
            .collect();
        actions.push(Action::RunScenario { steps, workers });
    }
}

fn describe(state: &ScenarioState) -> String {
    match state.scenario {
        Scenario::Lifecycle => "A job created, updated and deleted, then a candidate created, updated and deleted: six requests, each sent once the one before was answered.".to_owned(),
        Scenario::Batch => format!("{} candidate creations in one request.", human::count(state.options.size)),
        Scenario::Duplicate => "The same candidate creation, byte for byte, delivered twice.".to_owned(),
        Scenario::OutOfOrder => "A job update before its creation; a candidate update after its delete.".to_owned(),
        Scenario::Burst => format!(
            "{} distinct candidates created, {} requests at once.",
            human::count(state.options.count),
            human::count(state.concurrency)
        ),
    }
}

/// The scenario's settings and Run above, the latest run's steps below.
pub fn show(
    ui: &mut Ui,
    state: &mut ScenarioState,
    send: &mut SendState,
    actions: &mut Vec<Action>,
) {
    settings(ui, state, send, actions);
    ui.add_space(6.0);
    ui.separator();
    results(ui, state, send);
}

fn settings(
    ui: &mut Ui,
    state: &mut ScenarioState,
    send: &mut SendState,
    actions: &mut Vec<Action>,
) {
    let p = palette(ui);
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Scenario").strong());
        for scenario in Scenario::ALL {
            ui.selectable_value(&mut state.scenario, scenario, scenario.name());
        }
    });
    ui.label(RichText::new(describe(state)).color(p.muted));
    match state.scenario {
        Scenario::Batch => {
            ui.horizontal(|ui| {
                let label = ui.label("Events in the request");
                ui.add(egui::DragValue::new(&mut state.options.size).range(1..=MAX_COUNT))
                    .labelled_by(label.id);
            });
        }
        Scenario::Burst => {
            ui.horizontal(|ui| {
                let label = ui.label("Candidates");
                ui.add(egui::DragValue::new(&mut state.options.count).range(1..=MAX_COUNT))
                    .labelled_by(label.id);
                ui.add_space(12.0);
                let label = ui.label("At once");
                ui.add(egui::DragValue::new(&mut state.concurrency).range(1..=MAX_CONCURRENCY))
                    .labelled_by(label.id)
                    .on_hover_text("Requests in flight at the same time");
            });
        }
        _ => {}
    }
    ui.add_space(4.0);
    url_field(ui, "Job URL", &mut state.job_url, Kind::Job, send);
    url_field(
        ui,
        "Candidate URL",
        &mut state.candidate_url,
        Kind::Candidate,
        send,
    );
    ui.add_space(4.0);
    let problem = url_problem(&state.job_url)
        .map(|p| format!("Job URL: {p}"))
        .or_else(|| url_problem(&state.candidate_url).map(|p| format!("Candidate URL: {p}")));
    // (answered, steps) while the latest run has steps out.
    let running = state
        .run
        .as_ref()
        .filter(|run| run.is_running())
        .map(|run| (run.answered(), run.steps.len()));
    ui.horizontal(|ui| {
        let run = ui
            .add_enabled(
                problem.is_none() && running.is_none(),
                egui::Button::new("Run"),
            )
            .on_hover_text(format!("Send the {} scenario's requests", state.scenario));
        if let Some(problem) = &problem {
            ui.label(RichText::new(problem).color(p.warning));
        }
        if let Some((answered, steps)) = running {
            ui.spinner();
            ui.label(
                RichText::new(format!(
                    "Running: {} of {} steps answered",
                    count(answered),
                    count(steps)
                ))
                .color(p.muted),
            );
        }
        if run.clicked() {
            state.start(actions);
        }
    });
}

/// A target URL, remembered for its kind as it is typed (shared with the
/// editor's).
fn url_field(ui: &mut Ui, caption: &str, url: &mut String, kind: Kind, send: &mut SendState) {
    ui.horizontal(|ui| {
        // Left-aligned captions of one width, so that both fields line up.
        let label = ui
            .allocate_ui_with_layout(
                egui::vec2(110.0, 20.0),
                Layout::left_to_right(Align::Center),
                |ui| {
                    ui.set_min_width(110.0);
                    ui.label(caption)
                },
            )
            .inner;
        let hint = match kind {
            Kind::Job => "http://localhost:8000/webhooks/job",
            Kind::Candidate => "http://localhost:8000/webhooks/candidate",
        };
        let response = ui
            .add(
                egui::TextEdit::singleline(url)
                    .hint_text(hint)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        if response.changed() {
            send.remember_target(ui.ctx(), kind, url);
        }
    });
}

fn results(ui: &mut Ui, state: &ScenarioState, send: &mut SendState) {
    let p = palette(ui);
    let Some(run) = &state.run else {
        ui.label(
            RichText::new("No run yet: each step of a run is listed here with its answer.")
                .color(p.muted),
        );
        return;
    };
    ui.horizontal(|ui| {
        let (count, failed) = (run.steps.len(), run.failed());
        let steps = counted(count, "step", "steps");
        let color = if failed > 0 {
            p.error
        } else if run.is_running() {
            p.muted
        } else {
            p.ok
        };
        ui.label(
            RichText::new(format!("{steps}, {} failed", human::count(failed)))
                .strong()
                .color(color),
        );
        let local = run.started_at.with_timezone(&Local);
        ui.label(
            RichText::new(format!(
                "{} run at {}",
                run.scenario,
                local.format("%H:%M:%S")
            ))
            .color(p.muted),
        );
    });
    ui.style_mut().interaction.selectable_labels = false;
    TableBuilder::new(ui)
        .id_salt("scenario-steps")
        .striped(true)
        .resizable(true)
        .sense(Sense::click())
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::initial(32.0).clip(true))
        .column(Column::initial(250.0).clip(true))
        .column(Column::remainder().at_least(160.0).clip(true))
        .column(Column::initial(70.0).clip(true))
        .column(Column::initial(120.0).clip(true))
        .column(Column::initial(64.0).clip(true))
        .column(Column::initial(60.0).clip(true))
        .header(theme::ROW_HEIGHT, |mut header| {
            for name in ["#", "Step", "Sent", "Size", "Answer", "Took", ""] {
                header.col(|ui| {
                    ui.label(RichText::new(name).strong());
                });
            }
        })
        .body(|body| {
            body.rows(theme::ROW_HEIGHT, run.steps.len(), |mut row| {
                let i = row.index();
                let Some(step) = run.steps.get(i) else {
                    return;
                };
                let id = step.result.as_ref().and_then(|r| r.id);
                row.set_selected(id.is_some() && send.selected() == id);
                row.col(|ui| {
                    ui.label(RichText::new((i + 1).to_string()).color(p.muted));
                });
                row.col(|ui| {
                    ui.label(&step.label).on_hover_text(&step.label);
                });
                row.col(|ui| {
                    ui.label(RichText::new(&step.sent).monospace())
                        .on_hover_text(&step.sent);
                });
                row.col(|ui| {
                    ui.label(RichText::new(&step.size).color(p.muted));
                });
                match &step.result {
                    None => {
                        row.col(|ui| {
                            ui.spinner();
                        });
                        row.col(|_| {});
                        row.col(|_| {});
                    }
                    Some(result) => {
                        let color = match (result.success, result.status.parse::<u16>()) {
                            (true, _) => p.ok,
                            (false, Ok(_)) => p.warning,
                            (false, Err(_)) => p.error,
                        };
                        row.col(|ui| {
                            ui.label(RichText::new(&result.status).color(color))
                                .on_hover_text(&result.status);
                        });
                        row.col(|ui| {
                            let took = result.elapsed.map(duration_text).unwrap_or_default();
                            ui.label(RichText::new(took).color(p.muted));
                        });
                        row.col(|ui| {
                            if !result.success {
                                ui.label(RichText::new("failed").strong().color(p.error));
                            }
                        });
                    }
                }
                if row.response().clicked()
                    && let Some(id) = id
                {
                    send.follow(id);
                }
            });
        });
}
