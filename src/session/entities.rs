//! Entity history and anomalies, kept up to date as captures arrive: a push
//! costs O(1) here (plus hashing the body once), never a rescan.
//!
//! The session owns an [`EntityIndex`] (every job and candidate seen, in
//! order of first sighting) and an [`AnomalyIndex`] (one flag byte per row,
//! the list of flagged rows, and the groups of identical bodies). Messages
//! are written only when asked for, so a row that stays off screen costs a
//! byte.

use std::hash::BuildHasher;

use foldhash::HashMap;

use chrono::{DateTime, FixedOffset};

use crate::capture::{Capture, RowSummary};
use crate::hs::finding::Code;
use crate::hs::{EntityType, EventKind, Finding, Level};

use super::chunked::Chunked;
use super::{EntityKey, RowId};

// ---- entities -----------------------------------------------------------------

/// The state of an entity, from its latest event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntityState {
    Created,
    Updated,
    Deleted,
    /// The latest event's kind is not one the spec names.
    Unknown,
}

impl EntityState {
    pub fn of(event: Option<&EventKind>) -> Self {
        match event {
            Some(EventKind::Creation) => Self::Created,
            Some(EventKind::Update) => Self::Updated,
            Some(EventKind::Delete) => Self::Deleted,
            Some(EventKind::Unknown(_)) | None => Self::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
            Self::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for EntityState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One job or candidate as the session saw it.
#[derive(Clone, Debug)]
pub struct EntitySummary {
    pub key: EntityKey,
    /// The latest non-empty title or name; empty when no event carried one.
    pub label: String,
    /// From the latest event.
    pub state: EntityState,
    /// A delete was seen and no creation came after it.
    pub deleted: bool,
    /// When its first event arrived.
    pub first_seen: DateTime<FixedOffset>,
    /// When its latest event arrived.
    pub last_seen: DateTime<FixedOffset>,
    /// Its rows' indices in arrival order (for `Session::row`).
    rows: Vec<u32>,
}

impl EntitySummary {
    /// How many events of it the session holds.
    pub fn events(&self) -> usize {
        self.rows.len()
    }

    /// Its rows' indices in arrival order, for `Session::row`.
    pub fn row_indices(&self) -> &[u32] {
        &self.rows
    }
}

/// The earlier version an update is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreviousVersion {
    /// The latest earlier event of the same entity that carried data (a
    /// creation or an update), in arrival order.
    Found(RowId),
    /// An update with no earlier version in this session.
    NoneInSession,
    /// Not an update, or no entity id: nothing to compare with.
    NotApplicable,
}

/// Every entity, in order of first sighting, found by key without storing
/// the key twice: a map from the key's hash to its position, and a second
/// map for the (unlikely) keys whose hash is taken.
#[derive(Default)]
pub(crate) struct EntityIndex {
    list: Vec<EntitySummary>,
    by_hash: HashMap<u64, u32>,
    collided: HashMap<EntityKey, u32>,
}

impl EntityIndex {
    pub(crate) fn list(&self) -> &[EntitySummary] {
        &self.list
    }

    pub(crate) fn get(&self, key: &EntityKey) -> Option<&EntitySummary> {
        self.find(&key.entity, &key.id).map(|i| &self.list[i])
    }

    fn find(&self, entity: &EntityType, id: &str) -> Option<usize> {
        let i = *self.by_hash.get(&key_hash(entity, id))? as usize;
        let found = &self.list[i].key;
        if found.entity == *entity && found.id == id {
            return Some(i);
        }
        // Only keys that collided are here; build one only then.
        if self.collided.is_empty() {
            return None;
        }
        let key = EntityKey {
            entity: entity.clone(),
            id: id.to_owned(),
        };
        self.collided.get(&key).map(|&i| i as usize)
    }

    /// Adds one row of an entity; returns the anomaly flags it raises.
    pub(crate) fn record(
        &mut self,
        summary: &RowSummary,
        row: u32,
        at: DateTime<FixedOffset>,
    ) -> u8 {
        let (Some(entity), Some(id)) = (summary.entity(), &summary.entity_id) else {
            return 0;
        };
        let entity = &entity;
        let id = id.as_str();
        let event = summary.event();
        let event = event.as_ref();
        let state = EntityState::of(event);
        let label = summary.label.as_str();
        let Some(i) = self.find(entity, id) else {
            let key = EntityKey {
                entity: entity.clone(),
                id: id.to_owned(),
            };
            let pos = self.list.len() as u32;
            match self.by_hash.entry(key_hash(entity, id)) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(pos);
                }
                std::collections::hash_map::Entry::Occupied(_) => {
                    self.collided.insert(key.clone(), pos);
                }
            }
            self.list.push(EntitySummary {
                key,
                label: label.to_owned(),
                state,
                deleted: state == EntityState::Deleted,
                first_seen: at,
                last_seen: at,
                rows: vec![row],
            });
            return match event {
                Some(EventKind::Update | EventKind::Delete) => flag::NO_CREATION,
                _ => 0,
            };
        };
        let entity = &mut self.list[i];
        let flags = if entity.deleted {
            flag::AFTER_DELETE
        } else {
            0
        };
        entity.rows.push(row);
        entity.last_seen = at;
        entity.state = state;
        match event {
            Some(EventKind::Delete) => entity.deleted = true,
            Some(EventKind::Creation) => entity.deleted = false,
            _ => {}
        }
        if !label.is_empty() && entity.label != label {
            entity.label = label.to_owned();
        }
        flags
    }
}

fn key_hash(entity: &EntityType, id: &str) -> u64 {
    foldhash::fast::FixedState::default().hash_one((entity, id))
}

// ---- anomalies ----------------------------------------------------------------

/// What is odd about an event, beyond its own shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AnomalyKind {
    /// An update or delete is the entity's first event in the session: no
    /// creation came before it (info: the session may have started late).
    NoCreationBefore,
    /// An event of an entity after its delete (and before any re-creation).
    AfterDelete,
    /// The exact same body was delivered before: this is a later delivery.
    DuplicateDelivery,
    /// A job event on the candidate path, or the reverse (a row finding).
    WrongPath,
    /// The envelope's `type` is not what its `data` looks like (a row finding).
    TypeMismatch,
}

impl AnomalyKind {
    pub const ALL: [AnomalyKind; 5] = [
        Self::NoCreationBefore,
        Self::AfterDelete,
        Self::DuplicateDelivery,
        Self::WrongPath,
        Self::TypeMismatch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoCreationBefore => "no creation before",
            Self::AfterDelete => "after delete",
            Self::DuplicateDelivery => "duplicate delivery",
            Self::WrongPath => "wrong path",
            Self::TypeMismatch => "type mismatch",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Self::NoCreationBefore => flag::NO_CREATION,
            Self::AfterDelete => flag::AFTER_DELETE,
            Self::DuplicateDelivery => flag::DUPLICATE,
            Self::WrongPath => flag::WRONG_PATH,
            Self::TypeMismatch => flag::TYPE_MISMATCH,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One anomaly of one row, written when asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    pub level: Level,
    pub message: String,
    /// Where in the body (RFC 6901, relative to the whole body), for the
    /// anomalies read from the row's findings.
    pub pointer: Option<String>,
    /// The event this one refers to: the delete for `AfterDelete`, the first
    /// delivery (same element) for `DuplicateDelivery`.
    pub related: Option<RowId>,
    /// For `DuplicateDelivery`: which delivery this is and how many there
    /// were so far.
    pub delivery: Option<Delivery>,
}

/// A later delivery of a body: `number` counts from 1 (the first delivery),
/// `count` is how many deliveries of that body the session holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub number: u32,
    pub count: u32,
}

/// Rows flagged per kind of anomaly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AnomalyCounts {
    per_kind: [usize; 5],
}

impl AnomalyCounts {
    pub fn of(&self, kind: AnomalyKind) -> usize {
        self.per_kind[kind.index()]
    }

    /// Anomalies in all (a row may have several).
    pub fn total(&self) -> usize {
        self.per_kind.iter().sum()
    }
}

pub(crate) mod flag {
    pub const NO_CREATION: u8 = 1;
    pub const AFTER_DELETE: u8 = 2;
    pub const DUPLICATE: u8 = 4;
    pub const WRONG_PATH: u8 = 8;
    pub const TYPE_MISMATCH: u8 = 16;
    /// The anomalies read from findings, whose level is the finding's.
    pub const FROM_FINDINGS: u8 = WRONG_PATH | TYPE_MISMATCH;
}

/// The anomaly a row finding stands for, if any (the summary marks these
/// findings with a code).
pub(crate) fn finding_anomaly(finding: &Finding) -> Option<AnomalyKind> {
    match finding.code? {
        Code::WrongPath => Some(AnomalyKind::WrongPath),
        Code::TypeMismatch => Some(AnomalyKind::TypeMismatch),
    }
}

/// Flags per row, flagged rows in order, and duplicate bodies.
#[derive(Default)]
pub(crate) struct AnomalyIndex {
    /// One byte per row (`flag::*`), parallel to the session's rows.
    flags: Vec<u8>,
    /// The indices of the rows with any flag, in arrival order.
    flagged: Vec<u32>,
    counts: AnomalyCounts,
    /// Body hash → position of the first capture with that body.
    bodies: HashMap<u32, u32>,
    /// Further first captures whose different bodies share a hash.
    body_collisions: HashMap<u32, Vec<u32>>,
    /// Captures of each body delivered more than once, in arrival order.
    groups: Vec<Vec<u32>>,
    /// Capture position → its group, for every member of a group.
    group_of: HashMap<u32, u32>,
}

impl AnomalyIndex {
    /// Notes a capture's content before its rows are added; true when the
    /// same bytes were delivered before. Only captures with an event count:
    /// a repeated empty or refused body is not a delivery.
    pub(crate) fn note_body(
        &mut self,
        capture_pos: u32,
        capture: &Capture,
        earlier: &Chunked<Capture>,
    ) -> bool {
        let hash = capture.summary.delivery_hash;
        if hash == 0 {
            return false;
        }
        let same = |pos: u32| {
            earlier
                .get(pos as usize)
                .is_some_and(|c| c.content() == capture.content())
        };
        let first = match self.bodies.get(&hash) {
            None => {
                self.bodies.insert(hash, capture_pos);
                return false;
            }
            Some(&first) if same(first) => first,
            Some(_) => {
                let chain = self.body_collisions.entry(hash).or_default();
                match chain.iter().copied().find(|&pos| same(pos)) {
                    Some(first) => first,
                    None => {
                        chain.push(capture_pos);
                        return false;
                    }
                }
            }
        };
        let group = match self.group_of.get(&first) {
            Some(&group) => group,
            None => {
                let group = self.groups.len() as u32;
                self.groups.push(vec![first]);
                self.group_of.insert(first, group);
                group
            }
        };
        self.groups[group as usize].push(capture_pos);
        self.group_of.insert(capture_pos, group);
        true
    }

    pub(crate) fn reserve(&mut self, more: usize) {
        self.flags.reserve(more);
        self.bodies.reserve(more);
    }

    /// Adds the next row's flags (rows are added in order).
    pub(crate) fn push_row(&mut self, row: u32, flags: u8) {
        debug_assert_eq!(self.flags.len(), row as usize);
        self.flags.push(flags);
        if flags != 0 {
            self.flagged.push(row);
            for kind in AnomalyKind::ALL {
                if flags & kind.bit() != 0 {
                    self.counts.per_kind[kind.index()] += 1;
                }
            }
        }
    }

    pub(crate) fn flags(&self, row: usize) -> u8 {
        self.flags.get(row).copied().unwrap_or(0)
    }

    pub(crate) fn flagged(&self) -> &[u32] {
        &self.flagged
    }

    pub(crate) fn counts(&self) -> AnomalyCounts {
        self.counts
    }

    /// Every capture position with the same body as `capture_pos`, in
    /// arrival order; `None` when it was delivered once.
    pub(crate) fn group(&self, capture_pos: u32) -> Option<&[u32]> {
        let group = *self.group_of.get(&capture_pos)?;
        self.groups.get(group as usize).map(Vec::as_slice)
    }
}

/// Flags raised by a row's own findings.
pub(crate) fn finding_flags(summary: &RowSummary) -> u8 {
    let mut flags = 0;
    if summary.tally.has(Code::WrongPath) {
        flags |= flag::WRONG_PATH;
    }
    if summary.tally.has(Code::TypeMismatch) {
        flags |= flag::TYPE_MISMATCH;
    }
    flags
}

/// How many delivery times a duplicate's message lists before "…".
pub(crate) const TIMES_SHOWN: usize = 10;

pub(crate) fn kinds(flags: u8) -> impl Iterator<Item = AnomalyKind> {
    AnomalyKind::ALL
        .into_iter()
        .filter(move |kind| flags & kind.bit() != 0)
}
