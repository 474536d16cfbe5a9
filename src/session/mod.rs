//! The captures of one session, in arrival order, and the table rows and
//! entity index derived from them.

pub mod file;
pub mod har;
pub mod journal;
pub mod open;

use std::collections::HashMap;
use std::sync::Arc;

use crate::capture::{Capture, RowSummary, Status};
use crate::hs::EntityType;

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

#[derive(Default)]
pub struct Session {
    /// Shared so that export can run on a worker without copying bodies.
    captures: Vec<Arc<Capture>>,
    /// Index of each capture's first row, parallel to `captures`.
    first_row: Vec<u32>,
    rows: Vec<RowRef>,
    capture_index: HashMap<u64, u32>,
    entities: HashMap<EntityKey, Vec<u32>>,
    counts: StatusCounts,
}

impl Session {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, capture: Capture) {
        let capture_pos = self.captures.len() as u32;
        self.first_row.push(self.rows.len() as u32);
        self.capture_index.insert(capture.id, capture_pos);
        for (row, summary) in capture.summary.rows.iter().enumerate() {
            let row_pos = self.rows.len() as u32;
            self.rows.push(RowRef {
                capture: capture_pos,
                row: row as u32,
            });
            if let Some(key) = entity_key(summary) {
                self.entities.entry(key).or_default().push(row_pos);
            }
            match summary.status() {
                Status::Ok => self.counts.ok += 1,
                Status::Warning => self.counts.warning += 1,
                Status::Error => self.counts.error += 1,
            }
        }
        self.captures.push(Arc::new(capture));
    }

    pub fn captures(&self) -> &[Arc<Capture>] {
        &self.captures
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
        let r = self.rows.get(index)?;
        let capture = self.captures.get(r.capture as usize)?;
        let summary = capture.summary.rows.get(r.row as usize)?;
        Some(RowView {
            id: RowId {
                capture: capture.id,
                row: r.row,
            },
            capture,
            summary,
        })
    }

    pub fn row_index(&self, id: RowId) -> Option<usize> {
        let pos = *self.capture_index.get(&id.capture)? as usize;
        let rows = self.captures.get(pos)?.summary.rows.len();
        if id.row as usize >= rows {
            return None;
        }
        Some(*self.first_row.get(pos)? as usize + id.row as usize)
    }

    pub fn capture(&self, id: u64) -> Option<&Capture> {
        let pos = *self.capture_index.get(&id)? as usize;
        self.captures.get(pos).map(Arc::as_ref)
    }

    /// Every row of this entity, in arrival order.
    pub fn history(&self, key: &EntityKey) -> impl Iterator<Item = RowView<'_>> {
        self.entities
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.row(i as usize))
    }

    /// The latest title or name the session saw for this row's entity, for
    /// events such as deletes that carry only an id.
    pub fn known_label(&self, id: RowId) -> Option<&str> {
        let row = self.row(self.row_index(id)?)?;
        let key = entity_key(row.summary)?;
        self.entities
            .get(&key)?
            .iter()
            .rev()
            .filter_map(|&i| self.row(i as usize))
            .map(|view| view.summary.label.as_str())
            .find(|label| !label.is_empty())
    }

    pub fn contains(&self, id: u64) -> bool {
        self.capture_index.contains_key(&id)
    }

    pub fn max_id(&self) -> Option<u64> {
        self.captures.iter().map(|c| c.id).max()
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The entity a row speaks of, when it names one.
pub fn entity_key(summary: &RowSummary) -> Option<EntityKey> {
    Some(EntityKey {
        entity: summary.entity.clone()?,
        id: summary.entity_id.clone()?,
    })
}
