//! What a request means: the table rows it yields, derived from its bytes on
//! a worker after the sender was answered. A row keeps what the table, the
//! filters and the entity index read for every row; the findings themselves
//! (pointers, messages) are derived again when a row is shown.

use std::hash::BuildHasher;
use std::sync::OnceLock;

use compact_str::CompactString;
use smallvec::SmallVec;

use super::answer::Answer;
use super::head::RequestHead;
use super::{Route, Status};
use crate::hs::finding::Code;
use crate::hs::{self, EntityType, EventKind, Finding, Level};

/// The rows of one request (at least one) and the route it came in on.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub route: Route,
    rows: SmallVec<[RowSummary; 1]>,
    /// A hash of the content, to find the same body delivered again; 0 when
    /// no row holds an event (a repeated refusal is not a delivery). Equal
    /// hashes are confirmed by comparing the bodies, so 32 bits are enough.
    pub delivery_hash: u32,
}

/// One table row: an event of the body, or the request's problem when it
/// has no event.
#[derive(Clone, Debug, PartialEq)]
pub struct RowSummary {
    /// Index of the envelope in the body (0 for a single object);
    /// [`NO_ELEMENT`] for a row that stands for the whole request.
    element: u32,
    event: Option<EventTag>,
    entity: Option<EntityTag>,
    pub tally: Tally,
    pub entity_id: Option<CompactString>,
    pub label: CompactString,
    /// The `event` and `type` texts when the spec does not name them.
    unknown: Option<Box<[Box<str>; 2]>>,
}

/// An [`EventKind`] without the text of an unknown one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EventTag {
    Creation,
    Update,
    Delete,
    Unknown,
}

/// An [`EntityType`] without the text of an unknown one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EntityTag {
    Job,
    Candidate,
    Unknown,
}

/// How many findings of each level a row has, and the codes among them that
/// other code acts on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub errors: u16,
    pub warnings: u16,
    pub infos: u16,
    codes: u8,
}

impl Tally {
    pub fn of(findings: &[Finding]) -> Self {
        let mut tally = Self::default();
        for finding in findings {
            let count = match finding.level {
                Level::Error => &mut tally.errors,
                Level::Warning => &mut tally.warnings,
                Level::Info => &mut tally.infos,
            };
            *count = count.saturating_add(1);
            if let Some(code) = finding.code {
                tally.codes |= code_bit(code);
            }
        }
        tally
    }

    /// The worst level, `None` without findings.
    pub fn level(&self) -> Option<Level> {
        if self.errors > 0 {
            Some(Level::Error)
        } else if self.warnings > 0 {
            Some(Level::Warning)
        } else if self.infos > 0 {
            Some(Level::Info)
        } else {
            None
        }
    }

    pub fn total(&self) -> usize {
        usize::from(self.errors) + usize::from(self.warnings) + usize::from(self.infos)
    }

    pub fn of_level(&self, level: Level) -> usize {
        usize::from(match level {
            Level::Error => self.errors,
            Level::Warning => self.warnings,
            Level::Info => self.infos,
        })
    }

    pub fn has(&self, code: Code) -> bool {
        self.codes & code_bit(code) != 0
    }
}

fn code_bit(code: Code) -> u8 {
    match code {
        Code::WrongPath => 1,
        Code::TypeMismatch => 2,
    }
}

/// A row's element when it has none (the body was not read for events).
const NO_ELEMENT: u32 = u32::MAX;

impl RowSummary {
    /// Index of the envelope in the body (0 for a single object); `None`
    /// for a row that stands for the whole request.
    pub fn element(&self) -> Option<u32> {
        (self.element != NO_ELEMENT).then_some(self.element)
    }

    pub fn event(&self) -> Option<EventKind> {
        Some(match self.event? {
            EventTag::Creation => EventKind::Creation,
            EventTag::Update => EventKind::Update,
            EventTag::Delete => EventKind::Delete,
            EventTag::Unknown => EventKind::Unknown(self.unknown_text(0).to_owned()),
        })
    }

    pub fn entity(&self) -> Option<EntityType> {
        Some(match self.entity? {
            EntityTag::Job => EntityType::Job,
            EntityTag::Candidate => EntityType::Candidate,
            EntityTag::Unknown => EntityType::Unknown(self.unknown_text(1).to_owned()),
        })
    }

    /// The event when the spec names it; `None` for an unknown one too, so
    /// that the many callers who only tell the spec's events apart never
    /// copy a text.
    pub fn known_event(&self) -> Option<EventKind> {
        match self.event? {
            EventTag::Creation => Some(EventKind::Creation),
            EventTag::Update => Some(EventKind::Update),
            EventTag::Delete => Some(EventKind::Delete),
            EventTag::Unknown => None,
        }
    }

    /// The type when the spec names it (see [`RowSummary::known_event`]).
    pub fn known_entity(&self) -> Option<EntityType> {
        match self.entity? {
            EntityTag::Job => Some(EntityType::Job),
            EntityTag::Candidate => Some(EntityType::Candidate),
            EntityTag::Unknown => None,
        }
    }

    pub fn has_event(&self) -> bool {
        self.event.is_some()
    }

    pub fn is(&self, event: &EventKind) -> bool {
        match event {
            EventKind::Unknown(_) => self.event().as_ref() == Some(event),
            known => self.known_event().as_ref() == Some(known),
        }
    }

    fn unknown_text(&self, i: usize) -> &str {
        self.unknown.as_ref().map_or("", |texts| &texts[i])
    }

    /// The worst finding's level, `None` when all is well.
    pub fn level(&self) -> Option<Level> {
        self.tally.level()
    }

    pub fn status(&self) -> Status {
        match self.level() {
            Some(Level::Error) => Status::Error,
            Some(Level::Warning) => Status::Warning,
            _ => Status::Ok,
        }
    }

    fn problem_only(findings: &[Finding]) -> Self {
        Self {
            element: NO_ELEMENT,
            event: None,
            entity: None,
            tally: Tally::of(findings),
            entity_id: None,
            label: CompactString::default(),
            unknown: None,
        }
    }

    fn of_envelope(envelope: &hs::Envelope, element: u32, findings: &[Finding]) -> Self {
        let event = match envelope.event {
            EventKind::Creation => EventTag::Creation,
            EventKind::Update => EventTag::Update,
            EventKind::Delete => EventTag::Delete,
            EventKind::Unknown(_) => EventTag::Unknown,
        };
        let entity = match envelope.entity {
            EntityType::Job => EntityTag::Job,
            EntityType::Candidate => EntityTag::Candidate,
            EntityType::Unknown(_) => EntityTag::Unknown,
        };
        let unknown = (event == EventTag::Unknown || entity == EntityTag::Unknown).then(|| {
            Box::new([
                envelope.event.as_str().into(),
                envelope.entity.as_str().into(),
            ])
        });
        Self {
            element,
            event: Some(event),
            entity: Some(entity),
            tally: Tally::of(findings),
            entity_id: envelope.entity_id().map(CompactString::from),
            label: envelope.label().into(),
            unknown,
        }
    }
}

/// What a summary is derived from: the request as received, its content
/// (the body, decoded when it was sent compressed) and its answer.
#[derive(Clone, Copy, Debug)]
pub struct Parts<'a> {
    pub head: &'a RequestHead,
    pub content: &'a [u8],
    pub answer: &'a Answer,
    pub route: Route,
}

impl Summary {
    pub fn derive(parts: Parts<'_>) -> Self {
        let derived = derive(parts);
        let rows: SmallVec<[RowSummary; 1]> = derived.into_iter().map(|(row, _)| row).collect();
        let delivery_hash = if rows.iter().any(RowSummary::has_event) {
            (delivery_hasher().hash_one(parts.content) as u32).max(1)
        } else {
            0
        };
        Self {
            route: parts.route,
            rows,
            delivery_hash,
        }
    }

    /// What a request whose reading failed shows: one error row.
    pub fn unreadable(route: Route) -> Self {
        let findings = [Finding::error(
            "",
            "hookscope could not read this request (an internal error); its bytes are kept",
        )];
        Self {
            route,
            rows: SmallVec::from_buf([RowSummary::problem_only(&findings)]),
            delivery_hash: 0,
        }
    }

    pub fn rows(&self) -> &[RowSummary] {
        &self.rows
    }

    pub fn row(&self, row: u32) -> Option<&RowSummary> {
        self.rows.get(row as usize)
    }
}

/// Hashes contents to find a body delivered again: fast on large bodies,
/// seeded once per process so that a sender cannot aim at collisions.
fn delivery_hasher() -> &'static foldhash::quality::RandomState {
    static STATE: OnceLock<foldhash::quality::RandomState> = OnceLock::new();
    STATE.get_or_init(foldhash::quality::RandomState::default)
}

/// Every finding of every row, pointers relative to the whole body, with
/// their messages: what [`Summary::derive`] counted.
pub fn findings(parts: Parts<'_>) -> Vec<Vec<Finding>> {
    derive(parts)
        .into_iter()
        .map(|(_, findings)| findings)
        .collect()
}

fn derive(parts: Parts<'_>) -> Vec<(RowSummary, Vec<Finding>)> {
    let Parts {
        head,
        content,
        answer,
        route,
    } = parts;
    let path = path_of(head.url());
    let mut request = Vec::new();
    if !head.method().eq_ignore_ascii_case("POST") {
        request.push(Finding::warning(
            "",
            format!("{} request: the ATS sends webhooks as POST", head.method()),
        ));
    }
    if route == Route::Other {
        request.push(Finding::warning(
            "",
            format!("no webhook endpoint at {path}"),
        ));
    }
    let last = answer.capture_finding();
    let finish = |mut findings: Vec<Finding>| {
        findings.splice(0..0, request.iter().cloned());
        findings.extend(last.clone());
        findings
    };
    let problem_row = |finding: Finding| {
        let findings = finish(vec![finding]);
        (RowSummary::problem_only(&findings), findings)
    };

    if let Some(finding) = answer.body_finding() {
        return vec![problem_row(finding)];
    }
    let elements = match hs::parse_body(content) {
        Ok(elements) => elements,
        Err(error) => {
            // Word it as the sender was told (the two parsers may place a
            // syntax error a column apart).
            let told = hs::shape::check(content).err().and_then(|problems| {
                let [first] = <[Finding; 1]>::try_from(problems).ok()?;
                first.pointer.is_empty().then_some(first)
            });
            let finding = told.unwrap_or_else(|| Finding::error("", error.to_string()));
            return vec![problem_row(finding)];
        }
    };
    let single = elements.len() == 1 && content.trim_ascii_start().first() == Some(&b'{');
    elements
        .into_iter()
        .enumerate()
        .map(|(i, element)| {
            let prefix = if single {
                String::new()
            } else {
                format!("/{i}")
            };
            match element {
                Ok(envelope) => {
                    let findings = finish(event_findings(&envelope, &prefix, route));
                    let row = RowSummary::of_envelope(&envelope, i as u32, &findings);
                    (row, findings)
                }
                Err(message) => {
                    let findings = finish(vec![Finding::error(&prefix, message)]);
                    let mut row = RowSummary::problem_only(&findings);
                    row.element = i as u32;
                    (row, findings)
                }
            }
        })
        .collect()
}

/// The path of a request target, without query or fragment.
pub fn path_of(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

fn event_findings(envelope: &hs::Envelope, prefix: &str, route: Route) -> Vec<Finding> {
    // The envelope's shape and the data's conformance to the spec.
    let mut findings = hs::conformance::check(envelope);
    for finding in &mut findings {
        finding.pointer.insert_str(0, prefix);
    }

    let expected = match route {
        Route::Job => Some(EntityType::Job),
        Route::Candidate => Some(EntityType::Candidate),
        Route::Other => None,
    };
    if let Some(expected) = expected
        && matches!(envelope.entity, EntityType::Job | EntityType::Candidate)
        && envelope.entity != expected
    {
        findings.push(
            Finding::warning(
                format!("{prefix}/type"),
                format!("a {} event on the {} path", envelope.entity, expected),
            )
            .with_code(Code::WrongPath),
        );
    }
    if let Some(looks_like) = envelope.data_looks_like()
        && matches!(envelope.entity, EntityType::Job | EntityType::Candidate)
        && looks_like != envelope.entity
    {
        findings.push(
            Finding::warning(
                format!("{prefix}/type"),
                format!(
                    "the type says {} but the data looks like a {looks_like}",
                    envelope.entity
                ),
            )
            .with_code(Code::TypeMismatch),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_stays_small() {
        assert!(
            std::mem::size_of::<RowSummary>() <= 72,
            "{}",
            std::mem::size_of::<RowSummary>()
        );
    }
}
