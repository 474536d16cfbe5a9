//! What the user marked in a session: captures pinned and notes written on
//! them, keyed by capture id. Few in number, so kept in a sorted map.

use std::collections::BTreeMap;

/// One capture's mark: pinned, a note, or both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    pub pinned: bool,
    /// The user's own words, kept as written.
    pub note: String,
}

impl Mark {
    /// Marks nothing: not kept.
    pub fn is_empty(&self) -> bool {
        !self.pinned && self.note.is_empty()
    }
}

/// The session's marks by capture id. Each change bumps a revision, so that
/// what was derived from them (the pinned rows shown) knows to follow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    map: BTreeMap<u64, Mark>,
    revision: u64,
}

impl Marks {
    pub fn get(&self, capture: u64) -> Option<&Mark> {
        self.map.get(&capture)
    }

    pub fn is_pinned(&self, capture: u64) -> bool {
        self.get(capture).is_some_and(|m| m.pinned)
    }

    /// The note on this capture; empty without one.
    pub fn note(&self, capture: u64) -> &str {
        self.get(capture).map_or("", |m| m.note.as_str())
    }

    /// Replaces the capture's mark; an empty one removes it.
    pub fn set(&mut self, capture: u64, mark: Mark) {
        if mark.is_empty() {
            self.map.remove(&capture);
        } else {
            self.map.insert(capture, mark);
        }
        self.revision += 1;
    }

    pub fn set_pinned(&mut self, capture: u64, pinned: bool) {
        let mut mark = self.get(capture).cloned().unwrap_or_default();
        mark.pinned = pinned;
        self.set(capture, mark);
    }

    /// Pins an unpinned capture, unpins a pinned one; returns whether it is
    /// pinned now.
    pub fn toggle_pin(&mut self, capture: u64) -> bool {
        let pinned = !self.is_pinned(capture);
        self.set_pinned(capture, pinned);
        pinned
    }

    /// The note as written; surrounding blank lines only are dropped.
    pub fn set_note(&mut self, capture: u64, note: &str) {
        let mut mark = self.get(capture).cloned().unwrap_or_default();
        mark.note = note.trim_matches(['\n', '\r']).to_owned();
        self.set(capture, mark);
    }

    /// Every mark, by capture id.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Mark)> + '_ {
        self.map.iter().map(|(&id, mark)| (id, mark))
    }

    /// The ids of the pinned captures, in id order.
    pub fn pinned(&self) -> impl Iterator<Item = u64> + '_ {
        self.iter().filter(|(_, m)| m.pinned).map(|(id, _)| id)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Changes with every change of the marks.
    pub fn revision(&self) -> u64 {
        self.revision
    }
}

impl FromIterator<(u64, Mark)> for Marks {
    fn from_iter<I: IntoIterator<Item = (u64, Mark)>>(iter: I) -> Self {
        let mut marks = Marks::default();
        for (id, mark) in iter {
            marks.set(id, mark);
        }
        marks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_with_nothing_left_is_removed() {
        let mut marks = Marks::default();
        assert!(marks.toggle_pin(7));
        marks.set_note(7, "\nsent twice by the ATS\n");
        assert_eq!(marks.note(7), "sent twice by the ATS");
        assert!(!marks.toggle_pin(7));
        assert_eq!(marks.len(), 1);
        marks.set_note(7, "");
        assert!(marks.is_empty());
        assert_eq!(marks.pinned().count(), 0);
    }

    #[test]
    fn every_change_bumps_the_revision() {
        let mut marks = Marks::default();
        let before = marks.revision();
        marks.set_pinned(1, true);
        assert!(marks.revision() > before);
    }
}
