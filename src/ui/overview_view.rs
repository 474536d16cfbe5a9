//! The session at a glance: counts per event kind, entity type, status,
//! finding level and anomaly kind, events per minute as a small bar chart,
//! and the list of anomalous events (virtualised).
//!
//! Everything counted comes from a cached [`Overview`], brought up to date
//! only with the rows that arrived since the last frame; drawing costs the
//! same with 100 rows or a million.

use crate::human::{count, counted};
use chrono::{DateTime, FixedOffset, Local};
use egui::text::{LayoutJob, TextFormat};
use egui::{
    Align, Align2, Color32, Layout, Rect, RichText, Role, Sense, Stroke, TextStyle, Ui, WidgetInfo,
    vec2,
};
use egui_extras::{Column, TableBuilder};

use crate::hs::Level;
use crate::session::filter::{EntityClass, EventClass, Toggle};
use crate::session::overview::Overview;
use crate::session::{Anomaly, AnomalyKind, RowId, Session};

use super::app::Action;
use super::shortcuts::Nav;
use super::theme::{self, Palette, level_color, palette, status_color};

const CHART_HEIGHT: f32 = 120.0;
const LIST_COLUMNS: [&str; 4] = ["Time", "Level", "Kind", "Message"];

/// The cached overview and the anomaly list's kind filter.
#[derive(Default)]
pub struct OverviewState {
    overview: Overview,
    /// Show only the anomalous rows of this kind.
    kind: Option<AnomalyKind>,
    /// For `kind`: positions in the session's anomalous rows that have it.
    of_kind: Vec<u32>,
    /// How many anomalous rows `of_kind` has looked at.
    scanned: usize,
    /// The line the keyboard moved to, scrolled into view next frame.
    reveal: Option<usize>,
}

impl OverviewState {
    /// The counts as of the last [`show`] (or [`OverviewState::refresh`]).
    pub fn overview(&self) -> &Overview {
        &self.overview
    }

    /// Only the anomalies of `kind` in the list (`None`: all of them).
    pub fn set_kind(&mut self, kind: Option<AnomalyKind>) {
        if self.kind != kind {
            self.kind = kind;
            self.of_kind.clear();
            self.scanned = 0;
        }
    }

    pub fn kind(&self) -> Option<AnomalyKind> {
        self.kind
    }

    /// Counts the rows that arrived since the last call: O(new rows), O(1)
    /// when none did.
    pub fn refresh(&mut self, session: &Session) {
        if self.overview.update(session) {
            self.of_kind.clear();
            self.scanned = 0;
        }
        let Some(kind) = self.kind else {
            return;
        };
        let flagged = session.anomalous_row_count();
        if flagged < self.scanned {
            self.of_kind.clear();
            self.scanned = 0;
        }
        for n in self.scanned..flagged {
            let has_kind = session
                .anomalous_row(n)
                .is_some_and(|id| session.anomaly_kinds(id).any(|k| k == kind));
            if has_kind {
                self.of_kind.push(n as u32);
            }
        }
        self.scanned = flagged;
    }

    /// The event on the anomaly line a move from `selection` lands on.
    pub fn navigate(
        &mut self,
        session: &Session,
        selection: Option<RowId>,
        nav: Nav,
        page: usize,
    ) -> Option<RowId> {
        let lines = self.lines(session);
        let current =
            selection.and_then(|id| (0..lines).find(|&n| self.line(session, n) == Some(id)));
        let next = nav.target(current, lines, page)?;
        self.reveal = Some(next);
        self.line(session, next)
    }

    /// How many lines the anomaly list has.
    fn lines(&self, session: &Session) -> usize {
        match self.kind {
            Some(_) => self.of_kind.len(),
            None => session.anomalous_row_count(),
        }
    }

    /// The row on line `n` of the anomaly list.
    fn line(&self, session: &Session, n: usize) -> Option<RowId> {
        let n = match self.kind {
            Some(_) => *self.of_kind.get(n)? as usize,
            None => n,
        };
        session.anomalous_row(n)
    }
}

/// Counts, the events-per-minute chart and the anomaly list; a click on an
/// anomaly pushes `Action::Show` for its event.
pub fn show(
    ui: &mut Ui,
    session: &Session,
    state: &mut OverviewState,
    selection: Option<RowId>,
    actions: &mut Vec<Action>,
) {
    state.refresh(session);
    let p = palette(ui);
    if session.is_empty() {
        ui.vertical_centered(|ui| {
            ui.add_space(40.0);
            ui.label(RichText::new("No event in this session yet").color(p.muted));
        });
        return;
    }
    counts(ui, session, state, &p);
    ui.add_space(theme::SECTION_GAP);
    section(ui, "Events per minute");
    per_minute_chart(ui, &state.overview, &p);
    ui.add_space(theme::SECTION_GAP);
    anomaly_list(ui, session, state, selection, actions, &p);
}

fn section(ui: &mut Ui, title: &str) {
    ui.label(RichText::new(title).strong());
}

// ---- counts -------------------------------------------------------------------

fn counts(ui: &mut Ui, session: &Session, state: &mut OverviewState, p: &Palette) {
    let o = &state.overview;
    ui.label(
        RichText::new(format!(
            "{} in {}",
            counted(o.events, "event", "events"),
            counted(o.requests, "request", "requests")
        ))
        .heading()
        .strong(),
    );
    let event_parts: Vec<_> = o
        .per_event
        .iter()
        .map(|&(class, n)| (class.label(), n, event_color(p, class)))
        .collect();
    let entity_parts: Vec<_> = o
        .per_entity
        .iter()
        .map(|&(class, n)| (class.label(), n, entity_color(p, class)))
        .collect();
    let status_parts: Vec<_> = o
        .per_status
        .iter()
        .map(|&(status, n)| (status.label(), n, status_color(p, status)))
        .collect();
    let finding_parts: Vec<_> = o
        .findings
        .iter()
        .map(|&(level, n)| (level.as_str(), n, level_color(p, level)))
        .collect();

    let mut kind_clicked = None;
    egui::Grid::new("overview-counts")
        .num_columns(3)
        .spacing([16.0, 6.0])
        .show(ui, |ui| {
            for (name, parts) in [
                ("Event kinds", &event_parts),
                ("Entity types", &entity_parts),
                ("Statuses", &status_parts),
                ("Findings", &finding_parts),
            ] {
                ui.label(RichText::new(name).color(p.muted));
                ui.horizontal(|ui| {
                    for &(label, n, color) in parts {
                        stat(ui, label, n, color);
                    }
                });
                proportion_bar(ui, parts);
                ui.end_row();
            }
        });
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Anomalies").color(p.muted));
        // Events with any anomaly: a row may have several kinds.
        let all = session.anomalous_row_count();
        if ui
            .selectable_label(state.kind.is_none(), format!("all {}", count(all)))
            .on_hover_text("List every event with an anomaly")
            .clicked()
        {
            kind_clicked = Some(None);
        }
        for kind in AnomalyKind::ALL {
            let n = o.anomalies.of(kind);
            let selected = state.kind == Some(kind);
            if ui
                .selectable_label(selected, format!("{kind} {}", count(n)))
                .on_hover_text(format!("List only the {kind} anomalies"))
                .clicked()
            {
                kind_clicked = Some(if selected { None } else { Some(kind) });
            }
        }
    });
    if let Some(kind) = kind_clicked {
        state.set_kind(kind);
    }
}

/// "name N", the name in its colour: one label, so one accessible name.
fn stat(ui: &mut Ui, name: &str, n: usize, color: Color32) {
    let font = TextStyle::Body.resolve(ui.style());
    let mut job = LayoutJob::default();
    job.append(name, 0.0, TextFormat::simple(font.clone(), color));
    job.append(
        &format!(" {}", count(n)),
        0.0,
        TextFormat::simple(font, ui.visuals().strong_text_color()),
    );
    ui.label(job);
}

/// The widest a minute's bar gets.
pub const MAX_BAR_WIDTH: f32 = 28.0;

/// A thin bar split in proportion to the counts.
fn proportion_bar(ui: &mut Ui, parts: &[(&str, usize, Color32)]) {
    let (rect, _) = ui.allocate_exact_size(vec2(160.0, 8.0), Sense::hover());
    let painter = ui.painter();
    painter.rect_filled(rect, 3.0, ui.visuals().faint_bg_color);
    let total: usize = parts.iter().map(|&(_, n, _)| n).sum();
    if total == 0 {
        return;
    }
    let mut left = rect.left();
    for &(_, n, color) in parts {
        if n == 0 {
            continue;
        }
        let width = rect.width() * n as f32 / total as f32;
        let part = Rect::from_min_max(
            egui::pos2(left, rect.top()),
            egui::pos2(left + width, rect.bottom()),
        );
        painter.rect_filled(part, 0.0, color);
        left += width;
    }
}

fn event_color(p: &Palette, class: EventClass) -> Color32 {
    match class {
        EventClass::Creation => p.creation,
        EventClass::Update => p.update,
        EventClass::Delete => p.delete,
        EventClass::Other => p.unknown,
    }
}

fn entity_color(p: &Palette, class: EntityClass) -> Color32 {
    match class {
        EntityClass::Job => p.job,
        EntityClass::Candidate => p.candidate,
        EntityClass::Other => p.unknown,
    }
}

// ---- chart --------------------------------------------------------------------

/// Events per minute as bars: the first and last minute under the axis, the
/// busiest minute's count beside it; hovering a bar tells its minute and count.
fn per_minute_chart(ui: &mut Ui, overview: &Overview, p: &Palette) {
    let minutes = &overview.per_minute;
    let (Some(&(first, _)), Some(&(last, _))) = (minutes.first(), minutes.last()) else {
        ui.label(RichText::new("No event yet").color(p.muted));
        return;
    };
    let max = overview.max_per_minute();
    let font = TextStyle::Small.resolve(ui.style());
    let (response, painter) =
        ui.allocate_painter(vec2(ui.available_width(), CHART_HEIGHT), Sense::hover());
    let rect = response.rect;
    let max_text = max.to_string();
    let gutter = painter
        .layout_no_wrap(max_text.clone(), font.clone(), p.muted)
        .size()
        .x
        + 8.0;
    let label_height = font.size + 4.0;
    let plot = Rect::from_min_max(
        rect.min + vec2(gutter, 4.0),
        rect.max - vec2(0.0, label_height),
    );

    painter.rect_filled(plot, 2.0, ui.visuals().faint_bg_color);
    painter.hline(plot.x_range(), plot.bottom(), Stroke::new(1.0, p.muted));
    painter.text(
        egui::pos2(plot.left() - 4.0, plot.top()),
        Align2::RIGHT_TOP,
        &max_text,
        font.clone(),
        p.muted,
    );
    painter.text(
        egui::pos2(plot.left() - 4.0, plot.bottom()),
        Align2::RIGHT_BOTTOM,
        "0",
        font.clone(),
        p.muted,
    );
    let same_day = local(first).date_naive() == local(last).date_naive();
    let axis = |at| minute_text(at, same_day);
    painter.text(
        egui::pos2(plot.left(), plot.bottom() + 2.0),
        Align2::LEFT_TOP,
        axis(first),
        font.clone(),
        p.muted,
    );
    if minutes.len() > 1 {
        painter.text(
            egui::pos2(plot.right(), plot.bottom() + 2.0),
            Align2::RIGHT_TOP,
            axis(last),
            font,
            p.muted,
        );
    }

    let n = minutes.len();
    // A few minutes read as bars, not as one block filling the chart.
    let slot = (plot.width() / n as f32).min(MAX_BAR_WIDTH);
    let gap = if slot >= 4.0 { 1.0 } else { 0.0 };
    let hovered = response
        .hover_pos()
        .filter(|pos| pos.x >= plot.left() && pos.x < plot.left() + slot * n as f32)
        .map(|pos| (((pos.x - plot.left()) / slot) as usize).min(n - 1));
    let scale = plot.height() / max.max(1) as f32;
    for (i, &(_, count)) in minutes.iter().enumerate() {
        let left = plot.left() + slot * i as f32;
        if hovered == Some(i) {
            let column = Rect::from_x_y_ranges(left..=left + slot, plot.y_range());
            painter.rect_filled(column, 0.0, p.accent.gamma_multiply(0.15));
        }
        if count == 0 {
            continue;
        }
        let height = (count as f32 * scale).max(1.0);
        let bar = Rect::from_min_max(
            egui::pos2(left + gap / 2.0, plot.bottom() - height),
            egui::pos2((left + slot - gap / 2.0).max(left + 1.0), plot.bottom()),
        );
        painter.rect_filled(bar, 0.0, p.accent);
    }

    let described = format!(
        "Events per minute from {} to {}, at most {max} a minute",
        axis(first),
        axis(last)
    );
    response.widget_info(|| WidgetInfo::labeled(Role::Image, true, &described));
    if let Some(i) = hovered {
        let (at, count) = minutes[i];
        let events = if count == 1 { "event" } else { "events" };
        response.on_hover_text_at_pointer(format!(
            "{} \u{2014} {count} {events}",
            minute_text(at, same_day)
        ));
    }
}

fn local(at: DateTime<FixedOffset>) -> DateTime<Local> {
    at.with_timezone(&Local)
}

fn minute_text(at: DateTime<FixedOffset>, same_day: bool) -> String {
    let format = if same_day { "%H:%M" } else { "%Y-%m-%d %H:%M" };
    local(at).format(format).to_string()
}

// ---- anomalies ----------------------------------------------------------------

fn anomaly_list(
    ui: &mut Ui,
    session: &Session,
    state: &mut OverviewState,
    selection: Option<RowId>,
    actions: &mut Vec<Action>,
    p: &Palette,
) {
    let lines = state.lines(session);
    let total = session.anomalous_row_count();
    let events = if total == 1 { "event" } else { "events" };
    let title = match state.kind {
        Some(kind) => format!(
            "Anomalies: {kind} ({} of {} {events})",
            count(lines),
            count(total)
        ),
        None => format!("Anomalies ({} {events})", count(total)),
    };
    section(ui, &title);
    if lines == 0 {
        let text = match state.kind {
            Some(kind) => format!("No {kind} anomaly in this session"),
            None => "No anomaly in this session".to_owned(),
        };
        ui.label(RichText::new(text).color(p.ok));
        return;
    }

    ui.style_mut().interaction.selectable_labels = false;
    let mut table = TableBuilder::new(ui);
    if let Some(line) = state.reveal.take() {
        table = table.scroll_to_row(line, None);
    }
    table
        .id_salt("overview-anomalies")
        .striped(true)
        .resizable(true)
        .sense(Sense::click())
        .auto_shrink([false, false])
        .max_scroll_height(f32::INFINITY)
        .cell_layout(Layout::left_to_right(Align::Center))
        .column(Column::initial(92.0).clip(true))
        .column(Column::initial(70.0).clip(true))
        .column(Column::initial(130.0).clip(true))
        .column(Column::remainder().at_least(120.0).clip(true))
        .header(theme::ROW_HEIGHT, |mut header| {
            for name in LIST_COLUMNS {
                header.col(|ui| {
                    ui.label(RichText::new(name).strong());
                });
            }
        })
        .body(|body| {
            body.rows(theme::ROW_HEIGHT, lines, |mut row| {
                let Some(id) = state.line(session, row.index()) else {
                    return;
                };
                let Some(view) = session.row_index(id).and_then(|i| session.row(i)) else {
                    return;
                };
                let anomalies = session.anomalies(id);
                let Some(shown) = pick(&anomalies, state.kind) else {
                    return;
                };
                row.set_selected(selection == Some(id));
                row.col(|ui| {
                    super::clock::received(ui, view.capture.received_at);
                });
                row.col(|ui| {
                    level_badge(ui, shown.level);
                });
                row.col(|ui| {
                    ui.label(shown.kind.as_str());
                });
                row.col(|ui| {
                    let others = anomalies.len() - 1;
                    if others == 0 {
                        ui.label(&shown.message);
                    } else {
                        ui.label(format!("{} (+{} more)", shown.message, count(others)));
                    }
                });
                let response = row.response();
                let response = if anomalies.len() > 1 {
                    response.on_hover_text(
                        anomalies
                            .iter()
                            .map(|a| format!("{}: {}", a.kind, a.message))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    )
                } else {
                    response
                };
                if response.clicked() {
                    actions.push(Action::Show(id));
                }
            });
        });
}

/// The anomaly a line shows: the one of the filtered kind, else the worst.
fn pick(anomalies: &[Anomaly], kind: Option<AnomalyKind>) -> Option<&Anomaly> {
    match kind {
        Some(kind) => anomalies.iter().find(|a| a.kind == kind),
        None => anomalies.iter().rev().max_by_key(|a| a.level),
    }
}

fn level_badge(ui: &mut Ui, level: Level) -> egui::Response {
    let color = level_color(&palette(ui), level);
    theme::badge(ui, level.as_str(), color)
}
