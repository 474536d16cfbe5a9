//! One row against a filter: toggles first (cheap), then the entity id and
//! label, then the body, searched once per capture and split per event.

use std::ops::Range;

use super::needle::Needle;
use super::toggles::{EntityClass, EventClass, KindSet, PathSet, StatusSet, TypeSet};
use super::{Filter, RowView};
use crate::capture::Capture;
use crate::json_scan::element_ranges;

/// A filter ready to run: the needle folded once.
#[derive(Debug)]
pub(super) struct Matcher {
    needle: Option<Needle>,
    groups_all: bool,
    events: KindSet,
    entities: TypeSet,
    paths: PathSet,
    statuses: StatusSet,
}

impl Matcher {
    pub(super) fn new(filter: &Filter) -> Self {
        Self {
            needle: Needle::new(&filter.text),
            groups_all: filter.groups_all(),
            events: filter.events,
            entities: filter.entities,
            paths: filter.paths,
            statuses: filter.statuses,
        }
    }

    fn groups_match(&self, view: RowView<'_>) -> bool {
        self.groups_all
            || (self
                .events
                .contains(EventClass::of(view.summary.known_event().as_ref()))
                && self
                    .entities
                    .contains(EntityClass::of(view.summary.known_entity().as_ref()))
                && self.paths.contains(view.capture.summary.route)
                && self.statuses.contains(view.summary.status()))
    }

    pub(super) fn matches<'a>(&self, view: RowView<'a>, cache: &mut BodyCache<'a>) -> bool {
        if !self.groups_match(view) {
            return false;
        }
        let Some(needle) = &self.needle else {
            return true;
        };
        if view
            .summary
            .entity_id
            .as_deref()
            .is_some_and(|id| needle.is_in(id.as_bytes()))
            || needle.is_in(view.summary.label.as_bytes())
        {
            return true;
        }
        cache.body_matches(needle, view)
    }
}

/// What is known of the current capture's body while scanning its rows, so
/// that a body of several events is searched once.
#[derive(Default)]
pub(super) struct BodyCache<'a> {
    capture: Option<&'a Capture>,
    found: bool,
    elements: Option<Vec<Range<usize>>>,
}

impl<'a> BodyCache<'a> {
    fn body_matches(&mut self, needle: &Needle, view: RowView<'a>) -> bool {
        let capture = view.capture;
        if !self.capture.is_some_and(|c| std::ptr::eq(c, capture)) {
            self.capture = Some(capture);
            self.found = needle.is_in(capture.content());
            self.elements = None;
        }
        if !self.found {
            return false;
        }
        let (true, Some(element)) = (capture.summary.rows().len() > 1, view.summary.element())
        else {
            return true;
        };
        let body = capture.content();
        let elements = self.elements.get_or_insert_with(|| element_ranges(body));
        match elements
            .get(element as usize)
            .and_then(|r| body.get(r.clone()))
        {
            Some(element) => needle.is_in(element),
            // The array could not be split as the parser did: be generous.
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_elements() {
        let body = br#" [ {"a":"x,]"} , {"b":[1,2]},"\"]" ] "#;
        let parts: Vec<&[u8]> = element_ranges(body).into_iter().map(|r| &body[r]).collect();
        assert_eq!(
            parts,
            [&br#" {"a":"x,]"} "#[..], br#" {"b":[1,2]}"#, br#""\"]" "#]
        );
        assert!(element_ranges(br#"{"a":1}"#).is_empty());
        assert!(element_ranges(b"[]").is_empty());
    }
}
