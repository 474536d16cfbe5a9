//! Search and filters over the session's rows: a [`Filter`] says what to show,
//! [`FilteredRows`] keeps the rows it shows up to date as rows arrive.
//!
//! Text search is case-insensitive and looks, per row, at the entity id, the
//! title or name, then the body as received (where job references, emails and
//! everything else are). Folding is byte-wise: ASCII letters, the Latin-1
//! letters French uses (`é`/`É`, `à`/`À`, `ç`/`Ç`…) and `œ`/`Œ` match either
//! case; other characters match exactly (an accent is never dropped). A body
//! that is not UTF-8 is searched the same way, byte by byte. Bodies are not
//! decoded: a `\u00e9` or `\/` escape in a body does not match `é` or `/`
//! (titles and names do, since they come from the summary).
//!
//! A body with several events matches per event: a hit inside the third
//! element of the array shows the third row only.
//!
//! Speed: toggles are checked first; `memchr` finds where the needle may
//! start in a body; a big search is split across threads and, for the
//! window, runs on a worker while the table keeps the previous rows.

mod matcher;
mod needle;
mod scan;
mod search;
mod toggles;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub use toggles::{EntityClass, EventClass, KindSet, PathSet, Set, StatusSet, Toggle, TypeSet};

use super::{RowId, RowView, Session};
use crate::waker::Waker;
use matcher::{BodyCache, Matcher};
use needle::Needle;
use scan::{Source, scan};
use search::{Poll, Search, Span};

/// Looking at this many rows or more is left to a worker, when there is one.
const BACKGROUND_ROWS: usize = 2048;

/// What the table shows: rows matching the text and, in every group, one of
/// the members shown (AND across groups, OR within a group).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Searched case-insensitively, surrounding whitespace ignored; see the
    /// module documentation for what is searched and how case is folded.
    pub text: String,
    pub events: KindSet,
    pub entities: TypeSet,
    pub paths: PathSet,
    pub statuses: StatusSet,
    /// Only the rows of pinned captures. Applied after the rest, from the
    /// session's pins (a look-up per pin): [`Filter::matches`] ignores it.
    pub pinned_only: bool,
}

impl Filter {
    /// A filter on text only.
    pub fn search(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// Shows every row: no text, every toggle on.
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty() && self.groups_all() && !self.pinned_only
    }

    /// This filter without "pinned only": what the scans look at.
    fn scanned(&self) -> Filter {
        Filter {
            pinned_only: false,
            ..self.clone()
        }
    }

    fn groups_all(&self) -> bool {
        self.events.is_all()
            && self.entities.is_all()
            && self.paths.is_all()
            && self.statuses.is_all()
    }

    /// Whether this row is shown. For many rows, use [`FilteredRows`].
    pub fn matches(&self, view: RowView<'_>) -> bool {
        Matcher::new(self).matches(view, &mut BodyCache::default())
    }

    /// Every row this filter shows, `wider` shows too (so narrowing can start
    /// from `wider`'s rows instead of the whole session).
    pub fn narrows(&self, wider: &Filter) -> bool {
        let (text, wider_text) = (Needle::new(&self.text), Needle::new(&wider.text));
        let text_narrows = match (&text, &wider_text) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(narrow), Some(wide)) => narrow.contains_needle(wide),
        };
        text_narrows
            && self.events.is_subset(wider.events)
            && self.entities.is_subset(wider.entities)
            && self.paths.is_subset(wider.paths)
            && self.statuses.is_subset(wider.statuses)
            && (self.pinned_only || !wider.pinned_only)
    }
}

/// Which session, and the last of the rows looked at: it changes when the
/// session was cleared (or cleared and refilled) meanwhile.
type LastRow = (u64, Option<RowId>);

fn last_row(session: &Session, count: usize) -> LastRow {
    let last = count
        .checked_sub(1)
        .and_then(|index| session.row(index))
        .map(|view| view.id);
    (session.generation(), last)
}

/// A search on a worker, when there are workers and a thread to be had.
fn start(
    background: Option<&Waker>,
    filter: &Filter,
    matcher: &Arc<Matcher>,
    session: &Session,
    covers: usize,
    span: Span,
) -> Option<Search> {
    let waker = background?.clone();
    let matcher = Arc::clone(matcher);
    Search::start(filter.clone(), matcher, session, covers, span, waker)
        .inspect_err(|e| eprintln!("hookscope: no thread to search on ({e}); searching here"))
        .ok()
}

/// The rows a filter shows among session rows `0..seen`.
struct Shown {
    filter: Filter,
    matcher: Arc<Matcher>,
    /// Session indices of the rows shown; unused while the filter is empty
    /// (then rows `0..seen` are shown, without a list).
    rows: Vec<u32>,
    seen: usize,
    last: LastRow,
}

impl Shown {
    /// Nothing looked at yet.
    fn new(filter: Filter) -> Self {
        Self {
            matcher: Arc::new(Matcher::new(&filter)),
            filter,
            rows: Vec::new(),
            seen: 0,
            last: (0, None),
        }
    }

    /// The rows looked at are still the session's first rows.
    fn still_valid(&self, session: &Session) -> bool {
        session.row_count() >= self.seen && last_row(session, self.seen) == self.last
    }
}

/// The rows a filter shows, in session order, kept up to date as rows arrive.
///
/// Made with [`FilteredRows::in_background`], a new filter that has many
/// rows to look at is applied on a worker: until its result is in, the rows
/// shown stay those of the previous filter and [`FilteredRows::is_searching`]
/// says so; a newer filter cancels it. Many rows arriving at once are
/// looked at there too, after the rows already shown.
pub struct FilteredRows {
    shown: Shown,
    /// The filter being applied on a worker.
    search: Option<Search>,
    /// Wakes the window when a worker is done; `None`: no workers, every
    /// filter is applied before `set_filter` returns.
    background: Option<Waker>,
    /// The filter asked for last, "pinned only" included.
    asked: Filter,
    /// With "pinned only": the rows shown that are pinned.
    pinned: Option<Pinned>,
}

/// The pinned rows among those a scan shows, made again when the pins, the
/// session or the rows shown change.
struct Pinned {
    rows: Vec<u32>,
    /// (session generation, marks revision, rows looked at, rows shown).
    key: (u64, u64, usize, usize),
}

impl fmt::Debug for FilteredRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilteredRows")
            .field("filter", self.filter())
            .field("shown", &self.len())
            .field("seen", &self.shown.seen)
            .field("searching", &self.is_searching())
            .finish_non_exhaustive()
    }
}

impl Default for FilteredRows {
    fn default() -> Self {
        Self::new(Filter::default())
    }
}

impl FilteredRows {
    /// Shows nothing until [`FilteredRows::update`] or
    /// [`FilteredRows::set_filter`] looks at a session; every filter is
    /// applied before they return.
    pub fn new(filter: Filter) -> Self {
        Self {
            shown: Shown::new(filter.scanned()),
            search: None,
            background: None,
            pinned: None,
            asked: filter,
        }
    }

    /// Like [`FilteredRows::new`], but big scans run on a worker that wakes
    /// `waker` when done; [`FilteredRows::update`] then shows the result.
    pub fn in_background(filter: Filter, waker: Waker) -> Self {
        Self {
            background: Some(waker),
            ..Self::new(filter)
        }
    }

    /// The filter asked for last (the rows shown may still be the previous
    /// one's while [`FilteredRows::is_searching`]).
    pub fn filter(&self) -> &Filter {
        &self.asked
    }

    /// A worker is applying [`FilteredRows::filter`] (or looking at many
    /// rows that arrived at once); the rows shown are those from before.
    pub fn is_searching(&self) -> bool {
        self.search.is_some()
    }

    /// Applies a new filter. When it only narrows the one shown (more text
    /// typed, a toggle turned off) only the rows shown now are looked at again.
    /// A search that starts here is taken by a later [`FilteredRows::update`].
    pub fn set_filter(&mut self, filter: Filter, session: &Session) {
        if filter == self.asked {
            self.update(session);
            return;
        }
        self.asked = filter.clone();
        let filter = filter.scanned();
        let scanned = self
            .search
            .as_ref()
            .map_or(&self.shown.filter, |s| &s.filter);
        if filter == *scanned {
            self.update(session);
            return;
        }
        // Superseded: a search under way stops and its result is lost.
        self.search = None;
        if filter != self.shown.filter {
            self.begin(filter, session, true);
        }
        self.follow(session);
        self.follow_pins(session);
    }

    /// Looks at the rows added since the last call (all of them after the
    /// session was cleared), and shows a worker's result once it is in.
    /// Returns true when a search ended: the rows shown now answer
    /// [`FilteredRows::filter`].
    pub fn update(&mut self, session: &Session) -> bool {
        let searching = self.search.is_some();
        if let Some(search) = self.search.take() {
            let valid = search.still_valid(session);
            match search.poll() {
                Poll::Pending if valid => {
                    self.search = Some(search);
                    self.follow_pins(session);
                    return false;
                }
                Poll::Done(rows) if valid && search.from == 0 => {
                    self.shown = Shown {
                        filter: search.filter.clone(),
                        matcher: Arc::clone(&search.matcher),
                        rows,
                        seen: search.covers,
                        last: search.last,
                    };
                }
                // Caught up with many new rows: they follow the rows shown.
                Poll::Done(rows)
                    if valid
                        && search.from == self.shown.seen
                        && search.filter == self.shown.filter =>
                {
                    self.shown.rows.extend(rows);
                    self.shown.seen = search.covers;
                    self.shown.last = search.last;
                }
                Poll::Failed => {
                    eprintln!("hookscope: a search worker failed; searching on this thread");
                    self.begin(search.filter.clone(), session, false);
                }
                // The session was cleared under the search: start over.
                Poll::Pending | Poll::Done(_) => self.begin(search.filter.clone(), session, true),
            }
        }
        self.follow(session);
        self.follow_pins(session);
        searching && self.search.is_none()
    }

    /// Keeps the pinned rows shown in line with the pins and the rows a
    /// scan shows.
    fn follow_pins(&mut self, session: &Session) {
        if !self.asked.pinned_only {
            self.pinned = None;
            return;
        }
        let key = (
            session.generation(),
            session.marks().revision(),
            self.shown.seen,
            self.base_len(),
        );
        if self.pinned.as_ref().is_some_and(|p| p.key == key) {
            return;
        }
        let rows = session
            .pinned_rows()
            .into_iter()
            .filter(|&row| self.base_position(row as usize).is_some())
            .collect();
        self.pinned = Some(Pinned { rows, key });
    }

    fn base_len(&self) -> usize {
        if self.shown.filter.is_empty() {
            self.shown.seen
        } else {
            self.shown.rows.len()
        }
    }

    fn base_position(&self, session_row: usize) -> Option<usize> {
        if self.shown.filter.is_empty() {
            (session_row < self.shown.seen).then_some(session_row)
        } else {
            let row = u32::try_from(session_row).ok()?;
            self.shown.rows.binary_search(&row).ok()
        }
    }

    /// Shows `filter`'s rows: found here when they are few to look at (or
    /// `on_worker` is false, or there are no workers), else on a worker
    /// while the rows shown stay.
    fn begin(&mut self, filter: Filter, session: &Session, on_worker: bool) {
        self.search = None;
        if !self.shown.still_valid(session) {
            self.shown = Shown::new(Filter::default());
        }
        let matcher = Arc::new(Matcher::new(&filter));
        let narrows = filter != self.shown.filter
            && !self.shown.filter.is_empty()
            && !filter.is_empty()
            && filter.narrows(&self.shown.filter);
        let (covers, list) = if narrows {
            (self.shown.seen, Some(&self.shown.rows[..]))
        } else {
            (session.row_count(), None)
        };
        let work = list.map_or(covers, <[u32]>::len);
        if on_worker && !filter.is_empty() && work >= BACKGROUND_ROWS {
            let span = list.map_or(Span::From(0), |list| Span::List(list.to_vec()));
            let background = self.background.as_ref();
            self.search = start(background, &filter, &matcher, session, covers, span);
            if self.search.is_some() {
                return;
            }
        }
        let rows = if filter.is_empty() {
            Vec::new()
        } else {
            let source = list.map_or(Source::Range(0..covers), Source::List);
            scan(session, &matcher, &source, &AtomicBool::new(false)).unwrap_or_default()
        };
        self.shown = Shown {
            filter,
            matcher,
            rows,
            seen: covers,
            last: last_row(session, covers),
        };
    }

    /// Looks at the rows that arrived since, unless a search under way will.
    fn follow(&mut self, session: &Session) {
        if self.search.is_some() {
            return;
        }
        if !self.shown.still_valid(session) {
            self.begin(self.shown.filter.clone(), session, true);
            return;
        }
        let total = session.row_count();
        let (seen, added) = (self.shown.seen, total - self.shown.seen);
        if added == 0 {
            return;
        }
        if !self.shown.filter.is_empty() {
            // Too many at once for this thread: a worker looks at them
            // while the rows shown stay.
            if added >= BACKGROUND_ROWS {
                let (background, shown) = (self.background.as_ref(), &self.shown);
                let span = Span::From(seen);
                self.search = start(
                    background,
                    &shown.filter,
                    &shown.matcher,
                    session,
                    total,
                    span,
                );
                if self.search.is_some() {
                    return;
                }
            }
            let source = Source::Range(seen..total);
            let added = scan(
                session,
                &self.shown.matcher,
                &source,
                &AtomicBool::new(false),
            );
            self.shown.rows.extend(added.unwrap_or_default());
        }
        self.shown.seen = total;
        self.shown.last = last_row(session, total);
    }

    /// How many rows are shown (N in "N of M").
    pub fn len(&self) -> usize {
        match &self.pinned {
            Some(pinned) => pinned.rows.len(),
            None => self.base_len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many session rows were looked at (M in "N of M" once up to date).
    pub fn seen(&self) -> usize {
        self.shown.seen
    }

    /// The session row index of the `nth` row shown.
    pub fn row_index(&self, nth: usize) -> Option<usize> {
        if let Some(pinned) = &self.pinned {
            return pinned.rows.get(nth).map(|&r| r as usize);
        }
        if self.shown.filter.is_empty() {
            (nth < self.shown.seen).then_some(nth)
        } else {
            self.shown.rows.get(nth).map(|&r| r as usize)
        }
    }

    /// Where a session row sits among the rows shown; `None` when hidden.
    pub fn position(&self, session_row: usize) -> Option<usize> {
        match &self.pinned {
            Some(pinned) => {
                let row = u32::try_from(session_row).ok()?;
                pinned.rows.binary_search(&row).ok()
            }
            None => self.base_position(session_row),
        }
    }

    /// Whether a session row is shown.
    pub fn contains(&self, session_row: usize) -> bool {
        self.position(session_row).is_some()
    }

    /// The session row indices shown, in order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter_map(|nth| self.row_index(nth))
    }
}
