//! The live table: one row per event, virtualised, following new rows until
//! the user scrolls up.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use egui::{Align, Layout, RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};

use crate::hs::Level;
use crate::human::format_size;
use crate::session::filter::{Filter, FilteredRows};
use crate::session::{RowId, Session, columns};
use crate::task::Task;
use crate::waker::Waker;

use super::app::Action;
use super::pins::PIN;
use super::settings::SavedColumn;
use super::shortcuts::Nav;
use super::theme::{self, palette};

const NOTE: &str = "Note";
const COLUMNS: [&str; 10] = [
    "Time",
    NOTE,
    "Path",
    "Event",
    "Type",
    "Entity id",
    "Title / name",
    "Status",
    "Anomaly",
    "Size",
];

#[derive(Default)]
pub struct TableState {
    reveal: Option<RowId>,
    /// What the rows without an event say is wrong, read once per row
    /// shown (a summary keeps no message).
    problems: HashMap<RowId, String>,
    /// The user's columns' cells of rows shown, for these pointers.
    cells: HashMap<RowId, Vec<String>>,
    cell_pointers: Vec<String>,
    sort: Option<Sort>,
    sorted: Option<Sorted>,
    sorting: Option<Sorting>,
    /// Wakes the window when a sort on a worker is done.
    waker: Option<Waker>,
}

/// Sorted by one of the user's columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sort {
    pub pointer: String,
    pub descending: bool,
}

/// What an order was made for: it stands while these stay.
#[derive(Clone, Debug, PartialEq)]
struct SortKey {
    sort: Sort,
    generation: u64,
    filter: Filter,
    marks: u64,
    /// Rows shown when sorted; rows that arrive later follow, unsorted,
    /// until the next sort is in.
    shown: usize,
}

struct Sorted {
    key: SortKey,
    /// Positions among the rows shown, in the order to show them.
    order: Vec<u32>,
}

struct Sorting {
    key: SortKey,
    task: Task<Option<Vec<u32>>>,
    cancel: Arc<AtomicBool>,
}

/// Sorting this many rows or more is left to a worker.
const BACKGROUND_SORT: usize = 2048;

/// Problem messages kept for rows shown; past this the cache starts over.
const PROBLEMS_KEPT: usize = 1024;

impl TableState {
    /// Sorts of many rows run on a worker that wakes `waker`.
    pub fn new(waker: Waker) -> Self {
        Self {
            waker: Some(waker),
            ..Self::default()
        }
    }

    /// Sorts by the column at `pointer`, or stops sorting.
    pub fn set_sort(&mut self, sort: Option<Sort>) {
        self.sort = sort;
    }

    /// A sort is running on a worker.
    pub fn is_sorting(&self) -> bool {
        self.sorting.is_some()
    }

    /// The order to show rows in, made again when the rows shown change:
    /// here for few rows, else on a worker while the previous order (or
    /// none) stays.
    fn follow_sort(&mut self, session: &Session, visible: &FilteredRows) {
        let Some(sort) = self.sort.clone() else {
            self.sorted = None;
            self.cancel_sort();
            return;
        };
        let key = SortKey {
            sort,
            generation: session.generation(),
            filter: visible.filter().clone(),
            // Pins change the rows shown only under "pinned only".
            marks: if visible.filter().pinned_only {
                session.marks().revision()
            } else {
                0
            },
            shown: visible.len(),
        };
        if let Some(sorting) = &self.sorting
            && let Some(result) = sorting.task.poll()
        {
            let sorting = self.sorting.take();
            if let (Some(sorting), Ok(Some(order))) = (sorting, result) {
                self.sorted = Some(Sorted {
                    key: sorting.key,
                    order,
                });
            }
        }
        if self.sorted.as_ref().is_some_and(|s| s.key == key) || visible.is_searching() {
            return;
        }
        // One sort at a time: under a stream of rows, the next starts
        // when this one is in.
        if let Some(sorting) = &self.sorting {
            if sorting.key.sort == key.sort && sorting.key.filter == key.filter {
                return;
            }
            self.cancel_sort();
        }
        let rows: Vec<u32> = visible.iter().map(|i| i as u32).collect();
        let cancel = Arc::new(AtomicBool::new(false));
        let snapshot = session.snapshot();
        if rows.len() < BACKGROUND_SORT || self.waker.is_none() {
            let order = columns::sorted_order(
                &snapshot,
                &rows,
                &key.sort.pointer,
                key.sort.descending,
                &cancel,
            );
            self.sorted = order.map(|order| Sorted { key, order });
            return;
        }
        let waker = self.waker.clone().unwrap_or_default();
        let (pointer, descending) = (key.sort.pointer.clone(), key.sort.descending);
        let stop = cancel.clone();
        let task = Task::spawn("Sorting", waker, move |_| {
            columns::sorted_order(&snapshot, &rows, &pointer, descending, &stop)
        });
        match task {
            Ok(task) => self.sorting = Some(Sorting { key, task, cancel }),
            Err(e) => eprintln!("hookscope: no thread to sort on ({e})"),
        }
    }

    fn cancel_sort(&mut self) {
        if let Some(sorting) = self.sorting.take() {
            sorting.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// The position among the rows shown of the `nth` row drawn.
    fn shown_at(&self, nth: usize, session: &Session, visible: &FilteredRows) -> usize {
        match &self.sorted {
            Some(sorted)
                if sorted.key.generation == session.generation()
                    && sorted.key.filter == *visible.filter()
                    && sorted.order.len() <= visible.len() =>
            {
                sorted.order.get(nth).map_or(nth, |&p| p as usize)
            }
            _ => nth,
        }
    }

    /// Where the row at position `shown` among the rows shown is drawn.
    fn drawn_at(&self, shown: usize, session: &Session, visible: &FilteredRows) -> usize {
        match &self.sorted {
            Some(sorted)
                if sorted.key.generation == session.generation()
                    && sorted.key.filter == *visible.filter()
                    && sorted.order.len() <= visible.len() =>
            {
                sorted
                    .order
                    .iter()
                    .position(|&p| p as usize == shown)
                    .unwrap_or(shown)
            }
            _ => shown,
        }
    }

    /// The user's columns' cells for this row, read once while shown.
    fn cells(&mut self, session: &Session, id: RowId, columns: &[SavedColumn]) -> &[String] {
        if self.cell_pointers.len() != columns.len()
            || self
                .cell_pointers
                .iter()
                .zip(columns)
                .any(|(a, b)| *a != b.pointer)
        {
            self.cell_pointers = columns.iter().map(|c| c.pointer.clone()).collect();
            self.cells.clear();
        }
        if self.cells.len() >= PROBLEMS_KEPT {
            self.cells.clear();
        }
        self.cells.entry(id).or_insert_with(|| {
            let Some(capture) = session.capture(id.capture) else {
                return vec![String::new(); columns.len()];
            };
            columns::cells(capture, id.row, columns.iter().map(|c| c.pointer.as_str()))
        })
    }

    /// Scrolls to this row on the next frame.
    pub fn reveal(&mut self, id: RowId) {
        self.reveal = Some(id);
    }
}

/// Draws the rows `visible` shows, a virtualised list over the session.
pub fn show(
    ui: &mut Ui,
    session: &Session,
    visible: &FilteredRows,
    selection: Option<RowId>,
    state: &mut TableState,
    own_columns: &[SavedColumn],
    actions: &mut Vec<Action>,
) {
    if session.is_empty() {
        waiting(ui);
        return;
    }
    if visible.is_empty() {
        ui.vertical_centered(|ui| {
            ui.add_space(40.0);
            ui.label(RichText::new("No event matches the filter").color(palette(ui).muted));
        });
        return;
    }
    if state
        .sort
        .as_ref()
        .is_some_and(|sort| !own_columns.iter().any(|c| c.pointer == sort.pointer))
    {
        state.sort = None;
    }
    state.follow_sort(session, visible);

    // A click anywhere on a row selects it, so cells must not take clicks
    // for text selection.
    ui.style_mut().interaction.selectable_labels = false;
    // The user's own columns may not fit beside the detail: scroll across.
    egui::ScrollArea::horizontal()
        .id_salt("events-across")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            table(ui, session, visible, selection, state, own_columns, actions)
        });
}

/// The table itself, as wide as its columns.
fn table(
    ui: &mut Ui,
    session: &Session,
    visible: &FilteredRows,
    selection: Option<RowId>,
    state: &mut TableState,
    own_columns: &[SavedColumn],
    actions: &mut Vec<Action>,
) {
    let p = palette(ui);
    // Shown once any capture was forwarded, pinned or noted.
    let forwarded = session.exchanges.has_forwards();
    let marked = !session.marks().is_empty();
    let mut table = TableBuilder::new(ui)
        .id_salt("events")
        .striped(true)
        .resizable(true)
        .sense(Sense::click())
        .stick_to_bottom(true)
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::initial(96.0).clip(true));
    if marked {
        table = table.column(Column::initial(70.0).clip(true));
    }
    table = table
        .column(Column::initial(72.0).clip(true))
        .column(Column::initial(72.0).clip(true))
        .column(Column::initial(80.0).clip(true))
        .column(Column::initial(88.0).clip(true))
        .column(Column::remainder().at_least(120.0).clip(true))
        .column(Column::initial(62.0).clip(true))
        .column(Column::initial(92.0).clip(true))
        .column(Column::initial(56.0).clip(true));
    for _ in own_columns {
        table = table.column(Column::initial(90.0).clip(true));
    }
    if forwarded {
        table = table.column(Column::initial(72.0).clip(true));
    }
    let position = |id: RowId| visible.position(session.row_index(id)?);
    if let Some(index) = state.reveal.take().and_then(position) {
        table = table.scroll_to_row(state.drawn_at(index, session, visible), None);
    }
    let sort = state.sort.clone();
    let sorting = state.is_sorting();
    table
        .header(theme::ROW_HEIGHT, |mut header| {
            for name in COLUMNS.into_iter().filter(|&name| marked || name != NOTE) {
                header.col(|ui| {
                    ui.add(egui::Label::new(RichText::new(name).strong()).sense(Sense::click()))
                        .context_menu(|ui| columns_menu(ui, actions));
                });
            }
            for (index, column) in own_columns.iter().enumerate() {
                header.col(|ui| own_header(ui, index, column, sort.as_ref(), sorting, actions));
            }
            if forwarded {
                header.col(|ui| {
                    ui.label(RichText::new("Forward").strong());
                });
            }
        })
        .body(|body| {
            body.rows(theme::ROW_HEIGHT, visible.len(), |mut row| {
                let nth = state.shown_at(row.index(), session, visible);
                let Some(view) = visible.row_index(nth).and_then(|i| session.row(i)) else {
                    return;
                };
                let (capture, summary) = (view.capture, view.summary);
                row.set_selected(selection == Some(view.id));
                row.col(|ui| {
                    super::clock::received(ui, capture.received_at);
                });
                if marked {
                    row.col(|ui| mark_cell(ui, session, capture.id));
                }
                row.col(|ui| {
                    ui.label(capture.head.url());
                });
                row.col(|ui| match summary.event() {
                    Some(event) => {
                        theme::event_badge(ui, &event);
                    }
                    None => {
                        ui.label(RichText::new("-").color(p.muted));
                    }
                });
                row.col(|ui| match summary.entity() {
                    Some(entity) => {
                        theme::entity_badge(ui, &entity);
                    }
                    None => {
                        ui.label(RichText::new("-").color(p.muted));
                    }
                });
                row.col(|ui| {
                    ui.label(RichText::new(summary.entity_id.as_deref().unwrap_or("")).monospace());
                });
                row.col(|ui| {
                    if !summary.has_event() && summary.tally.errors > 0 {
                        if state.problems.len() >= PROBLEMS_KEPT {
                            state.problems.clear();
                        }
                        let message = state.problems.entry(view.id).or_insert_with(|| {
                            capture
                                .findings(view.id.row)
                                .into_iter()
                                .find(|f| f.level == Level::Error)
                                .map(|f| f.message)
                                .unwrap_or_default()
                        });
                        ui.label(RichText::new(message.as_str()).color(p.error));
                        return;
                    }
                    match () {
                        _ if summary.label.is_empty() => {
                            // A delete names only the id: show what the session knows.
                            if let Some(known) = session.known_label(view.id) {
                                ui.label(RichText::new(known).italics().color(p.muted));
                            }
                        }
                        _ => {
                            ui.label(summary.label.as_str());
                        }
                    }
                });
                row.col(|ui| {
                    theme::status_badge(ui, summary.status());
                });
                row.col(|ui| anomaly_flag(ui, session, view.id));
                row.col(|ui| {
                    ui.label(RichText::new(format_size(capture.body.len() as u64)).color(p.muted));
                });
                if !own_columns.is_empty() {
                    for text in state.cells(session, view.id, own_columns).to_vec() {
                        row.col(|ui| {
                            ui.label(text);
                        });
                    }
                }
                if forwarded {
                    row.col(|ui| {
                        if let Some(exchange) = session.exchanges.forward_of(capture.id) {
                            super::send_view::answer_cell(ui, exchange);
                        }
                    });
                }
                let response = row.response();
                if response.clicked() {
                    actions.push(Action::Select(view.id));
                }
                response.context_menu(|ui| {
                    let pin = if session.marks().is_pinned(capture.id) {
                        "Unpin"
                    } else {
                        "Pin"
                    };
                    if ui.button(pin).clicked() {
                        actions.push(Action::TogglePin(capture.id));
                    }
                    if ui.button("Note…").clicked() {
                        actions.push(Action::EditNote(capture.id));
                    }
                    if ui.button("Edit and send…").clicked() {
                        actions.push(Action::EditAndSend(capture.id));
                    }
                    if ui.button("Replay to…").clicked() {
                        actions.push(Action::ReplayTo(vec![capture.id]));
                    }
                    if ui.button("Copy as cURL").clicked() {
                        actions.push(Action::CopyCurl(capture.id));
                    }
                });
            });
        });
}

/// The pin and the note, cut to the column; hover shows the whole note.
fn mark_cell(ui: &mut Ui, session: &Session, capture: u64) {
    let Some(mark) = session.marks().get(capture) else {
        return;
    };
    let first_line = mark.note.lines().next().unwrap_or_default();
    let text = match (mark.pinned, first_line.is_empty()) {
        (true, true) => RichText::new(PIN).strong(),
        (true, false) => RichText::new(format!("{PIN} · {first_line}")).strong(),
        (false, _) => RichText::new(first_line),
    };
    let response = ui.label(text);
    if !mark.note.is_empty() {
        response.on_hover_text(&mark.note);
    }
}

/// A column of the user's: click to sort by it (again to reverse, a third
/// time to stop), right-click for more.
fn own_header(
    ui: &mut Ui,
    index: usize,
    column: &SavedColumn,
    sort: Option<&Sort>,
    sorting: bool,
    actions: &mut Vec<Action>,
) {
    let sorted = sort.filter(|s| s.pointer == column.pointer);
    let arrow = match sorted {
        Some(_) if sorting => " …",
        Some(s) if s.descending => " (Z-A)",
        Some(_) => " (A-Z)",
        None => "",
    };
    let response = ui
        .add(
            egui::Button::new(RichText::new(format!("{}{arrow}", column.name)).strong())
                .frame(false),
        )
        .on_hover_text(format!("{} — click to sort", column.pointer));
    if response.clicked() {
        let next = match sorted {
            None => Some(false),
            Some(s) if !s.descending => Some(true),
            Some(_) => None,
        };
        actions.push(Action::SortBy(next.map(|descending| Sort {
            pointer: column.pointer.clone(),
            descending,
        })));
    }
    response.context_menu(|ui| {
        if ui.button("Sort ascending").clicked() {
            actions.push(Action::SortBy(Some(Sort {
                pointer: column.pointer.clone(),
                descending: false,
            })));
        }
        if ui.button("Sort descending").clicked() {
            actions.push(Action::SortBy(Some(Sort {
                pointer: column.pointer.clone(),
                descending: true,
            })));
        }
        if sorted.is_some() && ui.button("Arrival order").clicked() {
            actions.push(Action::SortBy(None));
        }
        if ui.button(format!("Remove {}", column.name)).clicked() {
            actions.push(Action::RemoveColumn(index));
        }
        columns_menu(ui, actions);
    });
}

fn columns_menu(ui: &mut Ui, actions: &mut Vec<Action>) {
    if ui.button("Columns…").clicked() {
        actions.push(Action::OpenColumns);
    }
}

/// The row's first anomaly, in its level's colour; hover lists them all.
fn anomaly_flag(ui: &mut Ui, session: &Session, id: RowId) {
    let Some(level) = session.anomaly_level(id) else {
        return;
    };
    let Some(kind) = session.anomaly_kinds(id).next() else {
        return;
    };
    let color = theme::level_color(&palette(ui), level);
    ui.label(RichText::new(kind.as_str()).small().color(color))
        .on_hover_ui(|ui| {
            for anomaly in session.anomalies(id) {
                ui.label(format!("{}: {}", anomaly.level, anomaly.message));
            }
        });
}

fn waiting(ui: &mut Ui) {
    let p = palette(ui);
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.3);
        ui.label(RichText::new("Waiting for webhooks").size(20.0).strong());
        ui.add_space(6.0);
        ui.label(
            RichText::new("Point the ATS at the job and candidate URLs above, or post a sample:")
                .color(p.muted),
        );
        ui.label(
            RichText::new(
                "curl -H 'Content-Type: application/json' --data @job_creation.json <job URL>",
            )
            .monospace()
            .color(p.muted),
        );
    });
}

/// The row a move from `selection` lands on, among the rows shown, in the
/// order they are drawn (sorted by a column or not).
pub fn navigate(
    session: &Session,
    visible: &FilteredRows,
    state: &TableState,
    selection: Option<RowId>,
    nav: Nav,
    page: usize,
) -> Option<RowId> {
    let current = selection
        .and_then(|id| visible.position(session.row_index(id)?))
        .map(|shown| state.drawn_at(shown, session, visible));
    let next = nav.target(current, visible.len(), page)?;
    let shown = state.shown_at(next, session, visible);
    Some(session.row(visible.row_index(shown)?)?.id)
}
