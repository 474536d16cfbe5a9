//! The detail pane for the selected row: the typed view of its event beside
//! the exact raw body, pretty JSON, headers and response.

use egui::{RichText, Ui};

use crate::capture::Capture;
use crate::hs::{self, EntityType, Envelope, EventKind, Finding, Level, candidate::Candidate};
use crate::session::{Mark, RowId, RowView, Session, entity_key};

use super::app::Action;
use super::candidate_pane;
use super::changes;
use super::delete_pane;
use super::exchange_view;
use super::job_pane::{self, JobView};
use super::json_tree;
use super::problems;
use super::raw_views;
use super::theme::{self, level_color, palette};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Tab {
    #[default]
    Event,
    Changes,
    Problems,
    Tree,
    Raw,
    Pretty,
    Headers,
    Response,
    Forwarded,
}

impl Tab {
    const ALL: [Tab; 9] = [
        Tab::Event,
        Tab::Changes,
        Tab::Problems,
        Tab::Tree,
        Tab::Raw,
        Tab::Pretty,
        Tab::Headers,
        Tab::Response,
        Tab::Forwarded,
    ];

    fn title(self) -> &'static str {
        match self {
            Tab::Event => "Event",
            Tab::Changes => "Changes",
            Tab::Problems => "Problems",
            Tab::Tree => "Tree",
            Tab::Raw => "Raw body",
            Tab::Pretty => "Pretty JSON",
            Tab::Headers => "Headers",
            Tab::Response => "Response",
            Tab::Forwarded => "Forwarded",
        }
    }
}

#[derive(Default)]
pub struct DetailState {
    tab: Tab,
    /// A JSON pointer the tree is to open and scroll to.
    reveal: Option<String>,
    changes: changes::ChangesState,
    /// What the selected row shows, derived once when the selection changes.
    shown: Option<Shown>,
}

impl DetailState {
    /// The next (or previous) tab, round; Forwarded only for a forwarded
    /// capture.
    pub fn cycle_tab(&mut self, forward: bool, forwarded: bool) {
        let tabs: Vec<Tab> = Tab::ALL
            .into_iter()
            .filter(|&t| forwarded || t != Tab::Forwarded)
            .collect();
        let n = tabs.len();
        let at = tabs.iter().position(|&t| t == self.tab).unwrap_or(0);
        let next = if forward { at + 1 } else { at + n - 1 };
        if let Some(&tab) = tabs.get(next % n.max(1)) {
            self.tab = tab;
        }
    }

    /// Back to the event's own tab.
    pub fn show_event(&mut self) {
        self.tab = Tab::Event;
    }

    pub fn tab_title(&self) -> &'static str {
        self.tab.title()
    }
}

struct Shown {
    id: RowId,
    typed: Typed,
    /// The row's findings with their messages.
    findings: Vec<Finding>,
    body: Option<serde_json::Value>,
    pretty_body: Option<String>,
    pretty_response: String,
}

enum Typed {
    Job(JobView),
    Candidate(Box<Candidate>, String),
    Delete,
    Other(Vec<hs::fields::Field>),
    NoEvent,
}

impl Shown {
    fn new(view: RowView<'_>) -> Self {
        let capture = view.capture;
        let envelope = view
            .summary
            .element()
            .and_then(|i| envelope_at(capture, i as usize));
        let typed = match &envelope {
            None => Typed::NoEvent,
            Some(e) if e.event == EventKind::Delete => Typed::Delete,
            Some(e) => match &e.entity {
                EntityType::Job => Typed::Job(JobView::new(&e.data)),
                EntityType::Candidate => {
                    Typed::Candidate(Box::new(Candidate::from_data(&e.data)), e.label())
                }
                EntityType::Unknown(_) => Typed::Other(generic_fields(&e.data)),
            },
        };
        let body = serde_json::from_slice::<serde_json::Value>(capture.content()).ok();
        let pretty_body = body
            .as_ref()
            .and_then(|v| serde_json::to_string_pretty(v).ok());
        let response = capture.response_body();
        let pretty_response = serde_json::from_str::<serde_json::Value>(&response)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or(response);
        Self {
            id: view.id,
            typed,
            findings: capture.findings(view.id.row),
            body,
            pretty_body,
            pretty_response,
        }
    }
}

/// The capture's body parsed again: only the selected one is kept whole.
fn envelope_at(capture: &Capture, element: usize) -> Option<Envelope> {
    hs::parse_body(capture.content())
        .ok()?
        .into_iter()
        .nth(element)?
        .ok()
}

fn generic_fields(data: &serde_json::Value) -> Vec<hs::fields::Field> {
    let Some(object) = data.as_object() else {
        return vec![hs::fields::Field {
            key: String::new(),
            label: "data".to_owned(),
            value: hs::fields::FieldValue::from_json(data),
            note: None,
        }];
    };
    object
        .iter()
        .map(|(key, value)| hs::fields::Field {
            key: key.clone(),
            label: key.clone(),
            value: hs::fields::FieldValue::from_json(value),
            note: None,
        })
        .collect()
}

pub fn show(
    ui: &mut Ui,
    session: &Session,
    selection: Option<RowId>,
    state: &mut DetailState,
    actions: &mut Vec<Action>,
) {
    let Some(view) = selection.and_then(|id| session.row(session.row_index(id)?)) else {
        state.shown = None;
        ui.centered_and_justified(|ui| {
            ui.label(
                RichText::new("Select an event to see what it means").color(palette(ui).muted),
            );
        });
        return;
    };
    if state.shown.as_ref().is_none_or(|s| s.id != view.id) {
        state.shown = Some(Shown::new(view));
        state.changes.selection_changed();
    }
    let Some(shown) = &state.shown else {
        return;
    };

    ui.add_space(6.0);
    if header(ui, view, &shown.findings) {
        state.tab = Tab::Problems;
    }
    ui.add_space(4.0);
    toolbar(ui, view.id, session.marks().get(view.capture.id), actions);
    let forward = session.exchanges.forward_of(view.capture.id);
    ui.horizontal_wrapped(|ui| {
        for tab in Tab::ALL {
            // Only forwarded captures have the tab (or keep it while it is open).
            if tab == Tab::Forwarded && forward.is_none() && state.tab != Tab::Forwarded {
                continue;
            }
            let problems = view.summary.tally.total() + session.anomaly_kinds(view.id).count();
            let title = match tab {
                Tab::Problems if problems > 0 => {
                    format!("Problems ({})", crate::human::count(problems))
                }
                _ => tab.title().to_owned(),
            };
            ui.selectable_value(&mut state.tab, tab, title);
        }
    });
    ui.separator();
    let tab = state.tab;
    egui::ScrollArea::vertical()
        .id_salt(("detail", tab.title()))
        .auto_shrink([false, false])
        .show(ui, |ui| match tab {
            Tab::Event => event_tab(ui, session, view, shown, actions),
            Tab::Changes => changes::show(ui, session, view, &mut state.changes),
            Tab::Problems => {
                let anomalies = session.anomalies(view.id);
                match problems::show(ui, &shown.findings, &anomalies) {
                    Some(problems::Goto::Pointer(pointer)) => {
                        state.reveal = Some(pointer);
                        state.tab = Tab::Tree;
                    }
                    Some(problems::Goto::Row(row)) => actions.push(Action::Show(row)),
                    None => {}
                }
            }
            Tab::Tree => match &shown.body {
                Some(body) => json_tree::show(ui, body, &mut state.reveal),
                None => raw_views::pretty_json(ui, None),
            },
            Tab::Raw => raw_views::raw_body(ui, view.capture),
            Tab::Pretty => raw_views::pretty_json(ui, shown.pretty_body.as_deref()),
            Tab::Headers => raw_views::headers(ui, view.capture),
            Tab::Response => raw_views::response(ui, view.capture, &shown.pretty_response),
            Tab::Forwarded => match forward {
                Some(exchange) => exchange_view::show(ui, exchange),
                None => {
                    ui.label(
                        RichText::new("This request was not forwarded.")
                            .italics()
                            .color(palette(ui).muted),
                    );
                }
            },
        });
}

/// What can be done with the capture: send it again, edited or not, or
/// take it to a shell.
fn toolbar(ui: &mut Ui, row: RowId, mark: Option<&Mark>, actions: &mut Vec<Action>) {
    let capture = row.capture;
    let pinned = mark.is_some_and(|m| m.pinned);
    ui.horizontal_wrapped(|ui| {
        if ui
            .selectable_label(pinned, if pinned { "Unpin" } else { "Pin" })
            .on_hover_text("Pin this request, or unpin it (Ctrl+D)")
            .clicked()
        {
            actions.push(Action::TogglePin(capture));
        }
        let note = mark.is_some_and(|m| !m.note.is_empty());
        if ui
            .small_button(if note { "Edit note…" } else { "Note…" })
            .on_hover_text("Write a note on this request (Ctrl+Shift+D)")
            .clicked()
        {
            actions.push(Action::EditNote(capture));
        }
        if ui
            .small_button("Edit and send…")
            .on_hover_text("Open its body and headers in the Send view")
            .clicked()
        {
            actions.push(Action::EditAndSend(capture));
        }
        if ui
            .small_button("Replay to…")
            .on_hover_text("Send this exact request to another server")
            .clicked()
        {
            actions.push(Action::ReplayTo(vec![capture]));
        }
        if ui
            .small_button("Copy as cURL")
            .on_hover_text("A shell command that sends this exact request to this listener")
            .clicked()
        {
            actions.push(Action::CopyCurl(capture));
        }
        if ui
            .small_button("Copy as Markdown")
            .on_hover_text("This event's bug-report section, redacted, for an issue or a chat")
            .clicked()
        {
            actions.push(Action::CopyMarkdown(row));
        }
        if ui
            .small_button("Bug report…")
            .on_hover_text("A zip of this request: report.md, session and HAR, redacted")
            .clicked()
        {
            actions.push(Action::PickReport(Some(capture)));
        }
    });
    if let Some(mark) = mark.filter(|m| !m.note.is_empty()) {
        ui.label(RichText::new(&mark.note).italics())
            .on_hover_text("Your note on this request");
    }
}

/// The row's identity and its worst problems; true when the user asks
/// for all of them.
fn header(ui: &mut Ui, view: RowView<'_>, findings: &[Finding]) -> bool {
    let p = palette(ui);
    ui.horizontal_wrapped(|ui| {
        if let Some(event) = view.summary.event() {
            theme::event_badge(ui, &event);
        }
        if let Some(entity) = view.summary.entity() {
            theme::entity_badge(ui, &entity);
        }
        theme::status_badge(ui, view.summary.status());
        let rows = view.capture.summary.rows().len();
        let position = if rows > 1 {
            format!(
                "event {} of {rows} in request #{}",
                view.id.row + 1,
                view.capture.id
            )
        } else {
            format!("request #{}", view.capture.id)
        };
        ui.label(RichText::new(position).color(p.muted));
        ui.label(RichText::new("received").color(p.muted));
        super::clock::received(ui, view.capture.received_at);
    });
    let worst = findings
        .iter()
        .filter(|f| f.level >= Level::Warning)
        .take(3);
    for finding in worst {
        ui.horizontal_wrapped(|ui| {
            ui.label(
                RichText::new(finding.level.as_str())
                    .strong()
                    .color(level_color(&p, finding.level)),
            );
            ui.label(&finding.message);
        });
    }
    let count = findings.len();
    count > 0
        && ui
            .link(format!("All problems ({})", crate::human::count(count)))
            .on_hover_text("Each with where it is in the body")
            .clicked()
}

fn event_tab(
    ui: &mut Ui,
    session: &Session,
    view: RowView<'_>,
    shown: &Shown,
    actions: &mut Vec<Action>,
) {
    match &shown.typed {
        Typed::Job(job) => job_pane::show(ui, job),
        Typed::Candidate(candidate, name) => candidate_pane::show(ui, candidate, name),
        Typed::Delete => {
            let key = entity_key(view.summary);
            delete_pane::show(ui, session, view.id, key.as_ref(), actions);
        }
        Typed::Other(fields) => {
            ui.label(
                RichText::new("hookscope does not know this type; its data as sent:")
                    .color(palette(ui).warning),
            );
            super::fields_view::fields_grid(ui, "other", fields);
        }
        Typed::NoEvent => {
            ui.label(
                RichText::new("This request holds no readable event.")
                    .heading()
                    .color(palette(ui).error),
            );
            ui.label("The problems are listed above; the Raw body tab shows exactly what arrived.");
        }
    }
}
