//! The captures of one session, in arrival order, and the table rows and
//! entity index derived from them.

mod chunked;
pub mod columns;
pub mod diff;
pub mod entities;
pub mod exchanges;
pub mod file;
pub mod filter;
pub mod har;
pub mod marks;
pub mod open;
pub mod overview;

use foldhash::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use crate::capture::{Capture, RowSummary, Status};
use crate::hs::{self, EntityType, Envelope, EventKind, Level};

use chunked::Chunked;
use diff::EntityDiff;
pub use entities::{
    Anomaly, AnomalyCounts, AnomalyKind, Delivery, EntityState, EntitySummary, PreviousVersion,
};
use entities::{AnomalyIndex, EntityIndex, flag};
pub use marks::{Mark, Marks};

/// A row's stable identity: it survives new rows arriving and filtering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowId {
    pub capture: u64,
    pub row: u32,
}

/// A job or a candidate, by type and id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EntityKey {
    pub entity: EntityType,
    pub id: String,
}

#[derive(Clone, Copy, Debug)]
struct RowRef {
    capture: u32,
    row: u32,
}

/// A row with what it points at.
#[derive(Clone, Copy, Debug)]
pub struct RowView<'a> {
    pub id: RowId,
    pub capture: &'a Capture,
    pub summary: &'a RowSummary,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub ok: usize,
    pub warning: usize,
    pub error: usize,
}

/// A frozen copy of the session's captures and rows, cheap to take, for work
/// on another thread (a search, an export) while the session grows.
#[derive(Clone, Default)]
pub struct Snapshot {
    captures: Chunked<Capture>,
    rows: Chunked<RowRef>,
    /// Copied only for an export: searches need none.
    exchanges: std::sync::Arc<[crate::outbound::Exchange]>,
    /// Copied only for an export, as the exchanges.
    marks: std::sync::Arc<Marks>,
}

impl Snapshot {
    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// The row at `index` in arrival order; `None` past the end.
    pub fn row(&self, index: usize) -> Option<RowView<'_>> {
        row_view(&self.captures, &self.rows, index)
    }

    /// The captures in arrival order.
    pub fn captures(&self) -> impl DoubleEndedIterator<Item = &Capture> + '_ {
        self.captures.iter()
    }

    pub fn capture_count(&self) -> usize {
        self.captures.len()
    }

    /// The capture at `position` in arrival order.
    pub fn capture_at(&self, position: usize) -> Option<&Capture> {
        self.captures.get(position)
    }

    /// The session's exchanges, when taken by [`Session::snapshot_with_exchanges`].
    pub fn exchanges(&self) -> &[crate::outbound::Exchange] {
        &self.exchanges
    }

    /// The session's pins and notes, when taken by [`Session::snapshot_with_exchanges`].
    pub fn marks(&self) -> &Marks {
        &self.marks
    }
}

fn row_view<'a>(
    captures: &'a Chunked<Capture>,
    rows: &Chunked<RowRef>,
    index: usize,
) -> Option<RowView<'a>> {
    let r = rows.get(index)?;
    let capture = captures.get(r.capture as usize)?;
    let summary = capture.summary.row(r.row)?;
    Some(RowView {
        id: RowId {
            capture: capture.id,
            row: r.row,
        },
        capture,
        summary,
    })
}

/// Capture id → position. Ids grow with position as captures arrive
/// (loaded ones are numbered anew when theirs would not), so a binary search
/// finds them; a session fed out of order falls back to a map.
#[derive(Default)]
enum CaptureIndex {
    #[default]
    Sorted,
    Map(HashMap<u64, u32>),
}

/// Tells sessions apart, so that what was derived from one (an overview, a
/// list of shown rows) is not taken for another's.
static GENERATIONS: AtomicU64 = AtomicU64::new(1);

pub struct Session {
    /// Shared so that workers can read them while the session grows.
    captures: Chunked<Capture>,
    /// Index of each capture's first row, parallel to `captures`.
    first_row: Vec<u32>,
    rows: Chunked<RowRef>,
    index: CaptureIndex,
    generation: u64,
    /// Every job and candidate, in order of first sighting, with its rows.
    entities: EntityIndex,
    /// Anomaly flags per row and duplicate bodies.
    anomalies: AnomalyIndex,
    counts: StatusCounts,
    /// What hookscope sent itself, and the answers.
    pub exchanges: exchanges::Exchanges,
    /// Captures the user pinned and notes written on them.
    marks: Marks,
}

impl Default for Session {
    fn default() -> Self {
        Self {
            captures: Chunked::default(),
            first_row: Vec::new(),
            rows: Chunked::default(),
            index: CaptureIndex::default(),
            generation: GENERATIONS.fetch_add(1, Ordering::Relaxed),
            entities: EntityIndex::default(),
            anomalies: AnomalyIndex::default(),
            counts: StatusCounts::default(),
            exchanges: exchanges::Exchanges::default(),
            marks: Marks::default(),
        }
    }
}

impl Session {
    pub fn new() -> Self {
        Self::default()
    }

    /// A session of these requests, summarised on all cores, and these
    /// exchanges: for work that has them all at once (a report, the
    /// command line).
    pub fn of(
        received: Vec<crate::capture::Received>,
        exchanges: Vec<crate::outbound::Exchange>,
        routes: &crate::capture::Routes,
    ) -> Self {
        let mut session = Self::new();
        session.reserve(received.len());
        for capture in crate::summarise::all(received, routes) {
            session.push(capture);
        }
        for exchange in exchanges {
            session.exchanges.push(exchange);
        }
        session
    }

    /// Makes room for `more` captures of one row or so, so that adding them
    /// never stops to grow a table at once.
    pub fn reserve(&mut self, more: usize) {
        self.first_row.reserve(more);
        self.anomalies.reserve(more);
    }

    /// Unique to this session: a cleared session gets a new one.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The highest capture id so far, when ids arrived in order.
    pub fn last_id(&self) -> Option<u64> {
        let last = self.captures.len().checked_sub(1)?;
        self.captures.get(last).map(|c| c.id)
    }

    pub fn push(&mut self, capture: Capture) {
        let capture_pos = self.captures.len() as u32;
        self.first_row.push(self.rows.len() as u32);
        self.index_capture(capture.id, capture_pos);
        let duplicate = self
            .anomalies
            .note_body(capture_pos, &capture, &self.captures);
        for (row, summary) in capture.summary.rows().iter().enumerate() {
            let row_pos = self.rows.len() as u32;
            self.rows.push(RowRef {
                capture: capture_pos,
                row: row as u32,
            });
            let mut flags = entities::finding_flags(summary)
                | self.entities.record(summary, row_pos, capture.received_at);
            if duplicate && summary.has_event() {
                flags |= flag::DUPLICATE;
            }
            self.anomalies.push_row(row_pos, flags);
            match summary.status() {
                Status::Ok => self.counts.ok += 1,
                Status::Warning => self.counts.warning += 1,
                Status::Error => self.counts.error += 1,
            }
        }
        self.captures.push(capture);
    }

    fn index_capture(&mut self, id: u64, position: u32) {
        let in_order = self.last_id().is_none_or(|last| id > last);
        match &mut self.index {
            CaptureIndex::Sorted if in_order => {}
            CaptureIndex::Sorted => {
                let mut map: HashMap<u64, u32> = self
                    .captures
                    .iter()
                    .enumerate()
                    .map(|(pos, c)| (c.id, pos as u32))
                    .collect();
                map.insert(id, position);
                self.index = CaptureIndex::Map(map);
            }
            CaptureIndex::Map(map) => {
                map.insert(id, position);
            }
        }
    }

    /// Where the capture with this id is, in arrival order.
    pub fn position(&self, id: u64) -> Option<usize> {
        match &self.index {
            CaptureIndex::Map(map) => map.get(&id).map(|&pos| pos as usize),
            CaptureIndex::Sorted => {
                let (mut low, mut high) = (0, self.captures.len());
                while low < high {
                    let mid = low + (high - low) / 2;
                    match self.captures.get(mid)?.id.cmp(&id) {
                        std::cmp::Ordering::Less => low = mid + 1,
                        std::cmp::Ordering::Greater => high = mid,
                        std::cmp::Ordering::Equal => return Some(mid),
                    }
                }
                None
            }
        }
    }

    /// The captures in arrival order.
    pub fn captures(&self) -> impl DoubleEndedIterator<Item = &Capture> + '_ {
        self.captures.iter()
    }

    pub fn capture_count(&self) -> usize {
        self.captures.len()
    }

    /// The capture at `position` in arrival order.
    pub fn capture_at(&self, position: usize) -> Option<&Capture> {
        self.captures.get(position)
    }

    /// A frozen copy for work on another thread.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            captures: self.captures.clone(),
            rows: self.rows.clone(),
            exchanges: std::sync::Arc::new([]),
            marks: std::sync::Arc::default(),
        }
    }

    /// A frozen copy with the exchanges and marks too, to export the session.
    pub fn snapshot_with_exchanges(&self) -> Snapshot {
        Snapshot {
            exchanges: self.exchanges.all().into(),
            marks: std::sync::Arc::new(self.marks.clone()),
            ..self.snapshot()
        }
    }

    // ---- pins and notes ---------------------------------------------------------

    pub fn marks(&self) -> &Marks {
        &self.marks
    }

    pub fn marks_mut(&mut self) -> &mut Marks {
        &mut self.marks
    }

    /// The session indices of the rows of the pinned captures, in order:
    /// a look-up per pin, whatever the size of the session.
    pub fn pinned_rows(&self) -> Vec<u32> {
        let mut rows: Vec<u32> = Vec::new();
        for id in self.marks.pinned() {
            let Some(position) = self.position(id) else {
                continue;
            };
            let (Some(&first), Some(capture)) =
                (self.first_row.get(position), self.captures.get(position))
            else {
                continue;
            };
            let count = capture.summary.rows().len() as u32;
            rows.extend(first..first + count);
        }
        rows.sort_unstable();
        rows
    }

    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn counts(&self) -> StatusCounts {
        self.counts
    }

    /// The row at `index` in arrival order; `None` past the end.
    pub fn row(&self, index: usize) -> Option<RowView<'_>> {
        row_view(&self.captures, &self.rows, index)
    }

    pub fn row_index(&self, id: RowId) -> Option<usize> {
        let pos = self.position(id.capture)?;
        let rows = self.captures.get(pos)?.summary.rows().len();
        if id.row as usize >= rows {
            return None;
        }
        Some(*self.first_row.get(pos)? as usize + id.row as usize)
    }

    pub fn capture(&self, id: u64) -> Option<&Capture> {
        self.captures.get(self.position(id)?)
    }

    /// Every row of this entity, in arrival order.
    pub fn history(&self, key: &EntityKey) -> impl Iterator<Item = RowView<'_>> {
        self.entities
            .get(key)
            .into_iter()
            .flat_map(EntitySummary::row_indices)
            .filter_map(|&i| self.row(i as usize))
    }

    /// The latest title or name the session saw for this row's entity, for
    /// events such as deletes that carry only an id.
    pub fn known_label(&self, id: RowId) -> Option<&str> {
        Some(self.entity_of(id)?.label.as_str()).filter(|label| !label.is_empty())
    }

    // ---- entities -------------------------------------------------------------

    /// Every job and candidate seen, in order of first sighting.
    pub fn entities(&self) -> &[EntitySummary] {
        self.entities.list()
    }

    pub fn entity(&self, key: &EntityKey) -> Option<&EntitySummary> {
        self.entities.get(key)
    }

    /// The entity a row speaks of, when it names one.
    pub fn entity_of(&self, row: RowId) -> Option<&EntitySummary> {
        let view = self.row(self.row_index(row)?)?;
        self.entities.get(&entity_key(view.summary)?)
    }

    /// For an update: the latest earlier event of the same entity that
    /// carried data (creation or update), in arrival order.
    pub fn previous_version(&self, row: RowId) -> PreviousVersion {
        let Some(index) = self.row_index(row) else {
            return PreviousVersion::NotApplicable;
        };
        let Some(view) = self.row(index) else {
            return PreviousVersion::NotApplicable;
        };
        if !view.summary.is(&EventKind::Update) {
            return PreviousVersion::NotApplicable;
        }
        let Some(entity) = entity_key(view.summary).and_then(|key| self.entities.get(&key)) else {
            return PreviousVersion::NotApplicable;
        };
        let rows = entity.row_indices();
        let before = rows.partition_point(|&r| (r as usize) < index);
        rows[..before]
            .iter()
            .rev()
            .filter_map(|&r| self.row(r as usize))
            .find(|earlier| {
                matches!(
                    earlier.summary.event(),
                    Some(EventKind::Creation | EventKind::Update)
                )
            })
            .map_or(PreviousVersion::NoneInSession, |earlier| {
                PreviousVersion::Found(earlier.id)
            })
    }

    /// The row's envelope, parsed again from its capture's body (the session
    /// keeps no parsed values).
    pub fn envelope(&self, row: RowId) -> Option<Envelope> {
        let capture = self.capture(row.capture)?;
        let element = capture.summary.row(row.row)?.element()? as usize;
        hs::parse_body(capture.content())
            .ok()?
            .into_iter()
            .nth(element)?
            .ok()
    }

    /// The row's envelope `data`, parsed again on demand.
    pub fn event_data(&self, row: RowId) -> Option<Value> {
        self.envelope(row).map(|envelope| envelope.data)
    }

    /// What changed from `old` to `new`, two events of the same entity type
    /// (e.g. an update and its `previous_version`); `None` when either holds
    /// no event data or the types differ.
    pub fn compare(&self, old: RowId, new: RowId) -> Option<EntityDiff> {
        let old = self.envelope(old)?;
        let new = self.envelope(new)?;
        (old.entity == new.entity).then(|| diff::entity_diff(&new.entity, &old.data, &new.data))
    }

    // ---- anomalies ------------------------------------------------------------

    /// The row's anomalies, written now; empty for most rows.
    pub fn anomalies(&self, row: RowId) -> Vec<Anomaly> {
        self.row_index(row)
            .map(|index| self.anomalies_at(index))
            .unwrap_or_default()
    }

    /// The worst level of the row's anomalies, `None` without any: cheap
    /// enough for every visible row of the table.
    pub fn anomaly_level(&self, row: RowId) -> Option<Level> {
        let index = self.row_index(row)?;
        let flags = self.anomalies.flags(index);
        // The anomalies read from findings (wrong path, type mismatch) are
        // warnings, as the summary makes them.
        if flags & (flag::AFTER_DELETE | flag::DUPLICATE | flag::FROM_FINDINGS) != 0 {
            Some(Level::Warning)
        } else if flags & flag::NO_CREATION != 0 {
            Some(Level::Info)
        } else {
            None
        }
    }

    /// The kinds of the row's anomalies, without writing messages.
    pub fn anomaly_kinds(&self, row: RowId) -> impl Iterator<Item = AnomalyKind> + use<> {
        let flags = self
            .row_index(row)
            .map_or(0, |index| self.anomalies.flags(index));
        entities::kinds(flags)
    }

    /// How many rows have an anomaly.
    pub fn anomalous_row_count(&self) -> usize {
        self.anomalies.flagged().len()
    }

    /// The `n`th row with an anomaly, in arrival order (for a virtualised list).
    pub fn anomalous_row(&self, n: usize) -> Option<RowId> {
        let index = *self.anomalies.flagged().get(n)? as usize;
        self.row(index).map(|view| view.id)
    }

    /// Every anomaly of the session, row by row in arrival order. Messages
    /// are written as the iterator advances.
    pub fn all_anomalies(&self) -> impl Iterator<Item = (RowId, Anomaly)> + '_ {
        self.anomalies.flagged().iter().flat_map(move |&index| {
            let id = self.row(index as usize).map(|view| view.id);
            self.anomalies_at(index as usize)
                .into_iter()
                .filter_map(move |anomaly| Some((id?, anomaly)))
        })
    }

    /// Rows flagged per kind of anomaly.
    pub fn anomaly_counts(&self) -> AnomalyCounts {
        self.anomalies.counts()
    }

    /// Every capture that carried exactly this capture's body, in arrival
    /// order; just this one when it was delivered once.
    pub fn deliveries(&self, capture_id: u64) -> Vec<&Capture> {
        let Some(pos) = self.position(capture_id) else {
            return Vec::new();
        };
        let pos = pos as u32;
        match self.anomalies.group(pos) {
            Some(group) => group
                .iter()
                .filter_map(|&p| self.captures.get(p as usize))
                .collect(),
            None => self.captures.get(pos as usize).into_iter().collect(),
        }
    }

    fn anomalies_at(&self, index: usize) -> Vec<Anomaly> {
        let flags = self.anomalies.flags(index);
        if flags == 0 {
            return Vec::new();
        }
        let (Some(view), Some(r)) = (self.row(index), self.rows.get(index)) else {
            return Vec::new();
        };
        let event = view.summary.event();
        let event = event.as_ref().map_or("event", EventKind::as_str);
        let what = match entity_key(view.summary) {
            Some(key) => format!("{} {}", key.entity, key.id),
            None => "this entity".to_owned(),
        };
        let plain = |kind, level, message| Anomaly {
            kind,
            level,
            message,
            pointer: None,
            related: None,
            delivery: None,
        };
        let mut out = Vec::new();
        for kind in entities::kinds(flags) {
            match kind {
                AnomalyKind::NoCreationBefore => out.push(plain(
                    kind,
                    Level::Info,
                    format!(
                        "no creation of {what} earlier in the session: this {event} is its first \
                         event here (the session may have started late)"
                    ),
                )),
                AnomalyKind::AfterDelete => {
                    let delete = self.entity_of(view.id).and_then(|entity| {
                        let rows = entity.row_indices();
                        let before = rows.partition_point(|&i| (i as usize) < index);
                        rows[..before]
                            .iter()
                            .rev()
                            .filter_map(|&i| self.row(i as usize))
                            .find(|v| v.summary.is(&EventKind::Delete))
                    });
                    let when = delete
                        .map(|d| format!(" at {}", clock(d.capture)))
                        .unwrap_or_default();
                    let mut anomaly = plain(
                        kind,
                        Level::Warning,
                        format!("{event} of {what} after its delete{when}"),
                    );
                    anomaly.related = delete.map(|d| d.id);
                    out.push(anomaly);
                }
                AnomalyKind::DuplicateDelivery => {
                    let Some(group) = self.anomalies.group(r.capture) else {
                        continue;
                    };
                    let number = group.partition_point(|&p| p < r.capture) + 1;
                    let count = group.len();
                    let mut times: Vec<String> = group
                        .iter()
                        .take(entities::TIMES_SHOWN)
                        .filter_map(|&p| self.captures.get(p as usize))
                        .map(clock)
                        .collect();
                    if count > entities::TIMES_SHOWN {
                        times.push(format!("… {} more", count - entities::TIMES_SHOWN));
                    }
                    let first = self.captures.get(group[0] as usize).map(|c| RowId {
                        capture: c.id,
                        row: r.row,
                    });
                    let mut anomaly = plain(
                        kind,
                        Level::Warning,
                        format!(
                            "the same body was delivered {count} times, this is delivery \
                             {number}: {}",
                            times.join(", ")
                        ),
                    );
                    anomaly.related = first;
                    anomaly.delivery = Some(Delivery {
                        number: number as u32,
                        count: count as u32,
                    });
                    out.push(anomaly);
                }
                AnomalyKind::WrongPath | AnomalyKind::TypeMismatch => {
                    for finding in &view.capture.findings(view.id.row) {
                        if entities::finding_anomaly(finding) == Some(kind) {
                            let mut anomaly = plain(kind, finding.level, finding.message.clone());
                            anomaly.pointer = Some(finding.pointer.clone());
                            out.push(anomaly);
                        }
                    }
                }
            }
        }
        out
    }

    pub fn contains(&self, id: u64) -> bool {
        self.position(id).is_some()
    }

    pub fn max_id(&self) -> Option<u64> {
        self.captures.iter().map(|c| c.id).max()
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// A capture's time of arrival as `HH:MM:SS.mmm`, in its own offset.
/// A capture's time in messages, in local time as the window shows times.
fn clock(capture: &Capture) -> String {
    capture
        .received_at
        .with_timezone(&chrono::Local)
        .format("%H:%M:%S%.3f")
        .to_string()
}

/// The entity a row speaks of, when it names one.
pub fn entity_key(summary: &RowSummary) -> Option<EntityKey> {
    Some(EntityKey {
        entity: summary.entity()?,
        id: summary.entity_id.as_deref()?.to_owned(),
    })
}
