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
//! Speed: toggles are checked first; bodies are scanned with AVX2 where the
//! CPU has it (three rare needle bytes, 32 positions at a time), rows are
//! prefetched ahead of the scan, and a big search is split across threads.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use super::{RowId, RowView, Session};
use crate::capture::{Capture, Route, Status};
use crate::hs::{EntityType, EventKind};

// ---------------------------------------------------------------------------
// Toggle groups

/// A member of a toggle group: one of a few values a filter shows or hides.
pub trait Toggle: Copy + PartialEq + 'static {
    /// Every member, in display order (at most 8).
    const ALL: &'static [Self];
    /// Position in [`Toggle::ALL`].
    fn index(self) -> usize;
    /// A short lower-case name for a toggle button.
    fn label(self) -> &'static str;
}

/// Which members of a toggle group are shown. The default shows all.
pub struct Set<T> {
    bits: u8,
    member: PhantomData<fn() -> T>,
}

/// Event kinds shown.
pub type KindSet = Set<EventClass>;
/// Entity types shown.
pub type TypeSet = Set<EntityClass>;
/// Paths shown (the route the request came in on).
pub type PathSet = Set<Route>;
/// Statuses shown (the worst finding of the row).
pub type StatusSet = Set<Status>;

impl<T: Toggle> Set<T> {
    fn from_bits(bits: u8) -> Self {
        Self {
            bits,
            member: PhantomData,
        }
    }

    fn full_bits() -> u8 {
        (((1u16) << T::ALL.len()) - 1) as u8
    }

    fn bit(member: T) -> u8 {
        1 << member.index()
    }

    pub fn all() -> Self {
        Self::from_bits(Self::full_bits())
    }

    pub fn none() -> Self {
        Self::from_bits(0)
    }

    pub fn only(member: T) -> Self {
        Self::from_bits(Self::bit(member))
    }

    pub fn contains(self, member: T) -> bool {
        self.bits & Self::bit(member) != 0
    }

    pub fn insert(&mut self, member: T) {
        self.bits |= Self::bit(member);
    }

    pub fn remove(&mut self, member: T) {
        self.bits &= !Self::bit(member);
    }

    pub fn set(&mut self, member: T, shown: bool) {
        if shown {
            self.insert(member);
        } else {
            self.remove(member);
        }
    }

    pub fn toggle(&mut self, member: T) {
        self.bits ^= Self::bit(member);
    }

    /// Every member shown: the group filters nothing out.
    pub fn is_all(self) -> bool {
        self.bits == Self::full_bits()
    }

    /// No member shown: the group filters everything out.
    pub fn is_empty(self) -> bool {
        self.bits == 0
    }

    /// Every member shown here is shown by `other` too.
    pub fn is_subset(self, other: Self) -> bool {
        self.bits & !other.bits == 0
    }

    /// The members shown, in display order.
    pub fn iter(self) -> impl Iterator<Item = T> {
        T::ALL.iter().copied().filter(move |m| self.contains(*m))
    }
}

impl<T: Toggle> Default for Set<T> {
    fn default() -> Self {
        Self::all()
    }
}

impl<T> Clone for Set<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Set<T> {}

impl<T> PartialEq for Set<T> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}

impl<T> Eq for Set<T> {}

impl<T> std::hash::Hash for Set<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bits.hash(state);
    }
}

impl<T: Toggle> fmt::Debug for Set<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(T::label)).finish()
    }
}

impl<T: Toggle> FromIterator<T> for Set<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = Self::none();
        for member in iter {
            set.insert(member);
        }
        set
    }
}

/// An event kind as a filter sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventClass {
    Creation,
    Update,
    Delete,
    /// Any other `event` value, and rows with no event (a body that could not be read).
    Other,
}

impl EventClass {
    pub fn of(event: Option<&EventKind>) -> Self {
        match event {
            Some(EventKind::Creation) => Self::Creation,
            Some(EventKind::Update) => Self::Update,
            Some(EventKind::Delete) => Self::Delete,
            Some(EventKind::Unknown(_)) | None => Self::Other,
        }
    }
}

impl Toggle for EventClass {
    const ALL: &'static [Self] = &[Self::Creation, Self::Update, Self::Delete, Self::Other];

    fn index(self) -> usize {
        self as usize
    }

    fn label(self) -> &'static str {
        match self {
            Self::Creation => "creation",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Other => "other",
        }
    }
}

/// An entity type as a filter sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntityClass {
    Job,
    Candidate,
    /// Any other `type` value, and rows with no event.
    Other,
}

impl EntityClass {
    pub fn of(entity: Option<&EntityType>) -> Self {
        match entity {
            Some(EntityType::Job) => Self::Job,
            Some(EntityType::Candidate) => Self::Candidate,
            Some(EntityType::Unknown(_)) | None => Self::Other,
        }
    }
}

impl Toggle for EntityClass {
    const ALL: &'static [Self] = &[Self::Job, Self::Candidate, Self::Other];

    fn index(self) -> usize {
        self as usize
    }

    fn label(self) -> &'static str {
        match self {
            Self::Job => "job",
            Self::Candidate => "candidate",
            Self::Other => "other",
        }
    }
}

impl Toggle for Route {
    const ALL: &'static [Self] = &[Route::Job, Route::Candidate, Route::Other];

    fn index(self) -> usize {
        match self {
            Route::Job => 0,
            Route::Candidate => 1,
            Route::Other => 2,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Route::Job => "job path",
            Route::Candidate => "candidate path",
            Route::Other => "other path",
        }
    }
}

impl Toggle for Status {
    const ALL: &'static [Self] = &[Status::Ok, Status::Warning, Status::Error];

    fn index(self) -> usize {
        match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Error => 2,
        }
    }

    fn label(self) -> &'static str {
        self.as_str()
    }
}

// ---------------------------------------------------------------------------
// Filter

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
        self.text.trim().is_empty() && self.groups_all()
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
    }
}

/// A filter ready to run: the needle folded and its scan planned once.
#[derive(Debug)]
struct Matcher {
    needle: Option<Needle>,
    groups_all: bool,
    events: KindSet,
    entities: TypeSet,
    paths: PathSet,
    statuses: StatusSet,
}

impl Matcher {
    fn new(filter: &Filter) -> Self {
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

    /// Toggles first (cheap), then id and label, then the body.
    fn matches<'a>(&self, view: RowView<'a>, cache: &mut BodyCache<'a>) -> bool {
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
struct BodyCache<'a> {
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
        let (true, Some(element)) = (capture.summary.rows().len() > 1, view.summary.element) else {
            return true;
        };
        let body = capture.content();
        let elements = self.elements.get_or_insert_with(|| element_ranges(body));
        match elements.get(element as usize) {
            Some(range) => needle.is_in(&body[range.clone()]),
            // The array could not be split as the parser did: be generous.
            None => true,
        }
    }
}

/// The byte ranges of the top-level elements of a JSON array body (empty if
/// the body is not an array). Tolerant: stops where the text stops making
/// sense, keeping the elements seen so far.
fn element_ranges(body: &[u8]) -> Vec<Range<usize>> {
    let mut elements = Vec::new();
    let Some(open) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return elements;
    };
    if body[open] != b'[' {
        return elements;
    }
    let mut start = open + 1;
    let mut depth = 0usize;
    let mut i = start;
    while i < body.len() {
        match body[i] {
            b'"' => {
                // Skip the string, escapes included.
                i += 1;
                while i < body.len() {
                    match body[i] {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 0 => depth -= 1,
            b']' => {
                if body[start..i].iter().any(|b| !b.is_ascii_whitespace()) {
                    elements.push(start..i);
                }
                return elements;
            }
            b',' if depth == 0 => {
                elements.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    elements
}

// ---------------------------------------------------------------------------
// Case-insensitive substring search

/// A folded search text: `bytes[j]` matches a haystack byte `h` when
/// `h | fold[j] == bytes[j]` (so `fold` is 0x20 at a letter with two cases,
/// 0x01 for `œ`, 0 where the byte must match exactly). The scan first checks
/// three of the needle's rarest bytes 32 positions at a time, then the rest.
#[derive(Clone, Debug)]
struct Needle {
    bytes: Box<[u8]>,
    fold: Box<[u8]>,
    /// Positions checked by the prefilter, rarest first.
    probes: [usize; 3],
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    avx2: bool,
}

impl Needle {
    fn new(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let raw = text.as_bytes();
        let mut bytes = Vec::with_capacity(raw.len());
        let mut fold = Vec::with_capacity(raw.len());
        for (j, &b) in raw.iter().enumerate() {
            let prev = if j > 0 { raw[j - 1] } else { 0 };
            let bit = if b.is_ascii_alphabetic() || (prev == 0xC3 && latin1_letter(b)) {
                0x20
            } else if prev == 0xC5 && (b == 0x92 || b == 0x93) {
                0x01
            } else {
                0
            };
            bytes.push(b | bit);
            fold.push(bit);
        }
        let probes = probes(&bytes);
        Some(Self {
            bytes: bytes.into(),
            fold: fold.into(),
            probes,
            avx2: avx2(),
        })
    }

    /// This needle occurs wherever `other` does (folded text contains folded text).
    fn contains_needle(&self, other: &Needle) -> bool {
        other.bytes.len() <= self.bytes.len()
            && self
                .bytes
                .windows(other.bytes.len())
                .any(|w| w == &*other.bytes)
    }

    fn is_in(&self, haystack: &[u8]) -> bool {
        self.find(haystack).is_some()
    }

    fn find(&self, haystack: &[u8]) -> Option<usize> {
        if haystack.len() < self.bytes.len() {
            return None;
        }
        #[cfg(target_arch = "x86_64")]
        if self.avx2 && haystack.len() >= self.bytes.len() + 32 {
            // SAFETY: `avx2` is only true when the CPU was detected to support AVX2.
            return unsafe { self.find_avx2(haystack) };
        }
        self.find_portable(haystack)
    }

    #[inline]
    fn verify(&self, window: &[u8]) -> bool {
        window
            .iter()
            .zip(&*self.bytes)
            .zip(&*self.fold)
            .all(|((h, n), f)| h | f == *n)
    }

    #[inline]
    fn probe(&self, haystack: &[u8], at: usize, k: usize) -> bool {
        let p = self.probes[k];
        haystack[at + p] | self.fold[p] == self.bytes[p]
    }

    fn find_portable(&self, haystack: &[u8]) -> Option<usize> {
        let n = self.bytes.len();
        let last = haystack.len().checked_sub(n)?;
        (0..=last).find(|&i| {
            self.probe(haystack, i, 0)
                && self.probe(haystack, i, 1)
                && self.probe(haystack, i, 2)
                && self.verify(&haystack[i..i + n])
        })
    }

    /// Needs `haystack.len() >= needle length + 32`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn find_avx2(&self, haystack: &[u8]) -> Option<usize> {
        use std::arch::x86_64::{
            __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
            _mm256_or_si256, _mm256_set1_epi8,
        };
        let n = self.bytes.len();
        let last = haystack.len() - n;
        let [p1, p2, p3] = self.probes;
        let (n1, f1) = (
            _mm256_set1_epi8(self.bytes[p1] as i8),
            _mm256_set1_epi8(self.fold[p1] as i8),
        );
        let (n2, f2) = (
            _mm256_set1_epi8(self.bytes[p2] as i8),
            _mm256_set1_epi8(self.fold[p2] as i8),
        );
        let (n3, f3) = (
            _mm256_set1_epi8(self.bytes[p3] as i8),
            _mm256_set1_epi8(self.fold[p3] as i8),
        );
        let ptr = haystack.as_ptr();
        // Candidates i..i + 32 at once; the last block may overlap the one before.
        let mut i = 0;
        loop {
            let at = i.min(last + 1 - 32);
            // SAFETY: at + p + 32 <= last + 1 - 32 + (n - 1) + 32 = haystack.len(),
            // and unaligned loads are allowed.
            let (a, b, c) = unsafe {
                (
                    _mm256_loadu_si256(ptr.add(at + p1).cast::<__m256i>()),
                    _mm256_loadu_si256(ptr.add(at + p2).cast::<__m256i>()),
                    _mm256_loadu_si256(ptr.add(at + p3).cast::<__m256i>()),
                )
            };
            let hits = _mm256_and_si256(
                _mm256_and_si256(
                    _mm256_cmpeq_epi8(_mm256_or_si256(a, f1), n1),
                    _mm256_cmpeq_epi8(_mm256_or_si256(b, f2), n2),
                ),
                _mm256_cmpeq_epi8(_mm256_or_si256(c, f3), n3),
            );
            let mut mask = _mm256_movemask_epi8(hits) as u32;
            // Positions before `i` were checked by the previous block.
            mask &= u32::MAX << (i - at);
            while mask != 0 {
                let start = at + mask.trailing_zeros() as usize;
                if self.verify(&haystack[start..start + n]) {
                    return Some(start);
                }
                mask &= mask - 1;
            }
            i += 32;
            if i > last {
                return None;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

#[cfg(not(target_arch = "x86_64"))]
fn avx2() -> bool {
    false
}

/// The second byte of a Latin-1 letter with an upper and a lower case
/// (`À`–`Þ` and `à`–`þ`, without `×`/`÷`; `ß` and `ÿ` have no pair here).
fn latin1_letter(b: u8) -> bool {
    matches!(b | 0x20, 0xA0..=0xBE) && b | 0x20 != 0xB7
}

/// Bytes by how common they are in JSON webhook bodies, most common first;
/// bytes not listed are taken as rare.
const COMMON: &[u8] = b" \"e:ta,inolsr_d1mc0u2\nfp3b4j9y75{}68w-vq.xgh/k+[]\xc3";

fn commonness(b: u8) -> usize {
    COMMON
        .iter()
        .position(|&c| c == b)
        .map_or(0, |i| COMMON.len() - i)
}

/// Three positions to check first: the rarest bytes, preferring different
/// values (repeats when the needle is shorter than three bytes).
fn probes(bytes: &[u8]) -> [usize; 3] {
    let mut order: Vec<usize> = (0..bytes.len()).collect();
    order.sort_by_key(|&j| (commonness(bytes[j]), j));
    let mut chosen: Vec<usize> = Vec::with_capacity(3);
    for &j in &order {
        if chosen.len() < 3 && chosen.iter().all(|&c| bytes[c] != bytes[j]) {
            chosen.push(j);
        }
    }
    for &j in &order {
        if chosen.len() < 3 && !chosen.contains(&j) {
            chosen.push(j);
        }
    }
    while chosen.len() < 3 {
        chosen.push(chosen[0]);
    }
    [chosen[0], chosen[1], chosen[2]]
}

// ---------------------------------------------------------------------------
// FilteredRows

/// Rows at or above this count are searched on several threads.
const PARALLEL_ROWS: usize = 2048;

/// The rows a filter shows, in session order, kept up to date as rows arrive.
pub struct FilteredRows {
    filter: Filter,
    matcher: Matcher,
    /// Session indices of the rows shown; unused while the filter is empty
    /// (then rows `0..seen` are shown, without a list).
    rows: Vec<u32>,
    /// How many session rows have been looked at.
    seen: usize,
    /// The last row looked at, to notice a session cleared and refilled.
    last: Option<(RowId, usize)>,
}

impl fmt::Debug for FilteredRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilteredRows")
            .field("filter", &self.filter)
            .field("shown", &self.len())
            .field("seen", &self.seen)
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
    /// [`FilteredRows::set_filter`] looks at a session.
    pub fn new(filter: Filter) -> Self {
        Self {
            matcher: Matcher::new(&filter),
            filter,
            rows: Vec::new(),
            seen: 0,
            last: None,
        }
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// Applies a new filter. When it only narrows the current one (more text
    /// typed, a toggle turned off) only the rows shown now are looked at again.
    pub fn set_filter(&mut self, filter: Filter, session: &Session) {
        if filter == self.filter && self.still_valid(session) {
            self.update(session);
            return;
        }
        let narrows = !self.filter.is_empty()
            && !filter.is_empty()
            && self.still_valid(session)
            && filter.narrows(&self.filter);
        self.matcher = Matcher::new(&filter);
        self.filter = filter;
        if narrows {
            self.rows = scan(session, &self.matcher, Source::List(&self.rows));
            self.update(session);
        } else {
            self.recompute(session);
        }
    }

    /// Looks at the rows added since the last call; starts over when the
    /// session was cleared (or cleared and refilled) meanwhile.
    pub fn update(&mut self, session: &Session) {
        if !self.still_valid(session) {
            self.recompute(session);
            return;
        }
        let total = session.row_count();
        if total == self.seen {
            return;
        }
        if !self.filter.is_empty() {
            let added = scan(session, &self.matcher, Source::Range(self.seen, total));
            self.rows.extend(added);
        }
        self.mark_seen(session, total);
    }

    fn recompute(&mut self, session: &Session) {
        let total = session.row_count();
        self.rows = if self.filter.is_empty() {
            Vec::new()
        } else {
            scan(session, &self.matcher, Source::Range(0, total))
        };
        self.mark_seen(session, total);
    }

    fn mark_seen(&mut self, session: &Session, total: usize) {
        self.seen = total;
        self.last = last_row(session, total);
    }

    /// The rows looked at so far are still the session's first rows.
    fn still_valid(&self, session: &Session) -> bool {
        session.row_count() >= self.seen && last_row(session, self.seen) == self.last
    }

    /// How many rows are shown (N in "N of M").
    pub fn len(&self) -> usize {
        if self.filter.is_empty() {
            self.seen
        } else {
            self.rows.len()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many session rows were looked at (M in "N of M" once up to date).
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// The session row index of the `nth` row shown.
    pub fn row_index(&self, nth: usize) -> Option<usize> {
        if self.filter.is_empty() {
            (nth < self.seen).then_some(nth)
        } else {
            self.rows.get(nth).map(|&r| r as usize)
        }
    }

    /// Where a session row sits among the rows shown; `None` when hidden.
    pub fn position(&self, session_row: usize) -> Option<usize> {
        if self.filter.is_empty() {
            (session_row < self.seen).then_some(session_row)
        } else {
            let row = u32::try_from(session_row).ok()?;
            self.rows.binary_search(&row).ok()
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

fn last_row(session: &Session, count: usize) -> Option<(RowId, usize)> {
    let view = session.row(count.checked_sub(1)?)?;
    Some((view.id, std::ptr::from_ref(view.capture) as usize))
}

/// The session rows to look at: a range, or the rows a wider filter showed.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// Rows `start..end`.
    Range(usize, usize),
    List(&'a [u32]),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Range(start, end) => end - start,
            Source::List(l) => l.len(),
        }
    }

    /// The session row index of the `k`th row to look at.
    fn get(&self, k: usize) -> Option<usize> {
        match self {
            Source::Range(start, end) => Some(start + k).filter(|r| r < end),
            Source::List(l) => l.get(k).map(|&r| r as usize),
        }
    }

    /// `parts` pieces of about the same number of rows.
    fn split(self, parts: usize) -> Vec<Self> {
        let len = self.len();
        (0..parts)
            .map(|k| {
                let (from, to) = (len * k / parts, len * (k + 1) / parts);
                match &self {
                    Source::Range(start, _) => Source::Range(start + from, start + to),
                    Source::List(l) => Source::List(&l[from..to]),
                }
            })
            .collect()
    }
}

/// The rows of `source` the matcher shows, in order; big searches over
/// bodies are shared between threads.
fn scan(session: &Session, matcher: &Matcher, source: Source<'_>) -> Vec<u32> {
    let threads = if source.len() >= PARALLEL_ROWS {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
    } else {
        1
    };
    if threads <= 1 {
        return scan_one(session, matcher, source);
    }
    let mut parts = source.split(threads).into_iter();
    let first = parts.next().unwrap_or(Source::List(&[]));
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .map(|part| {
                std::thread::Builder::new()
                    .name("hookscope-search".to_owned())
                    .spawn_scoped(scope, move || scan_one(session, matcher, part))
                    .map_err(|_| part)
            })
            .collect();
        let mut rows = scan_one(session, matcher, first);
        for handle in handles {
            match handle {
                Ok(handle) => match handle.join() {
                    Ok(found) => rows.extend(found),
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                // No thread to be had: do that part here.
                Err(part) => rows.extend(scan_one(session, matcher, part)),
            }
        }
        rows
    })
}

fn scan_one(session: &Session, matcher: &Matcher, source: Source<'_>) -> Vec<u32> {
    // Rows are far apart in memory (capture, summary, strings, body) and
    // bodies do not follow each other, so the hardware does not see a
    // stream: ask for each row a few rows ahead, in steps as pointers arrive.
    const CAPTURE_AHEAD: usize = 16;
    const SUMMARY_AHEAD: usize = 8;
    const STRINGS_AHEAD: usize = 4;
    const BODY_AHEAD: usize = 2;
    /// The head of a body; the hardware follows the rest on its own.
    const BODY_HEAD: usize = 8192;
    let text = matcher.needle.is_some();
    let mut cache = BodyCache::default();
    let mut rows = Vec::new();
    for k in 0..source.len() {
        if let Some(r) = source.get(k + CAPTURE_AHEAD) {
            session.prefetch_capture(r);
        }
        if let Some(view) = source.get(k + SUMMARY_AHEAD).and_then(|r| session.row(r)) {
            prefetch(std::ptr::from_ref(view.summary).cast());
        }
        if text && let Some(view) = source.get(k + STRINGS_AHEAD).and_then(|r| session.row(r)) {
            prefetch(view.summary.label.as_ptr());
            if let Some(id) = &view.summary.entity_id {
                prefetch(id.as_ptr());
            }
        }
        if text
            && let Some(view) = source.get(k + BODY_AHEAD).and_then(|r| session.row(r))
            && matcher.groups_match(view)
            && source
                .get(k + BODY_AHEAD - 1)
                .and_then(|r| session.row(r))
                .is_none_or(|prev| !std::ptr::eq(prev.capture, view.capture))
        {
            let body = view.capture.content();
            for line in (0..body.len().min(BODY_HEAD)).step_by(64) {
                prefetch(body.as_ptr().wrapping_add(line));
            }
        }
        if let Some(index) = source.get(k)
            && let Some(view) = session.row(index)
            && matcher.matches(view, &mut cache)
        {
            rows.push(index as u32);
        }
    }
    rows
}

/// A hint that `p` will be read soon (into L2: into L1 costs more than it
/// gives when whole bodies are asked for); never faults, whatever `p` is.
#[inline(always)]
fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it reads nothing and cannot fault.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T1, _mm_prefetch};
        _mm_prefetch::<{ _MM_HINT_T1 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

impl Session {
    /// Hints that row `index`'s capture will be read soon.
    fn prefetch_capture(&self, index: usize) {
        if let Some(r) = self.rows.get(index)
            && let Some(capture) = self.captures.get(r.capture as usize)
        {
            prefetch(std::ptr::from_ref(capture).cast());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(needle: &str, haystack: &[u8]) -> Option<usize> {
        Needle::new(needle)?.find(haystack)
    }

    fn naive(needle: &str, haystack: &[u8]) -> Option<usize> {
        let n = Needle::new(needle)?;
        let len = n.bytes.len();
        (0..=haystack.len().checked_sub(len)?).find(|&i| n.verify(&haystack[i..i + len]))
    }

    #[test]
    fn folding() {
        assert_eq!(find("maxime", b"#MaXiMe#"), Some(1));
        assert_eq!(
            find("SPONTANÉE", "Candidature Spontanée".as_bytes()),
            Some(12)
        );
        assert_eq!(find("cœur", "CŒUR".as_bytes()), Some(0));
        assert_eq!(find("×", "÷".as_bytes()), None);
        assert_eq!(find("ß", "ÿ".as_bytes()), None);
        assert_eq!(find("@", b"`"), None);
        assert_eq!(find("[", b"{"), None);
    }

    #[test]
    fn the_fast_scan_finds_what_the_naive_one_does() {
        let mut hay = Vec::new();
        for i in 0..4000u32 {
            hay.extend_from_slice(
                format!("{{\"id\":{i},\"n\":\"Ab{}\"}},", i * 7919 % 1000).as_bytes(),
            );
        }
        for needle in [
            "AB999",
            "3999",
            "\"n\":\"ab0",
            "}",
            "zz",
            "ab12\"},{\"id\":",
            "{\"id\":3999,\"n\":\"Ab",
        ] {
            for cut in [0, 1, 31, 33, 100, hay.len() - 40, hay.len() - 3] {
                let h = &hay[cut.min(hay.len())..];
                assert_eq!(find(needle, h), naive(needle, h), "{needle} from {cut}");
            }
        }
    }

    #[test]
    fn every_position_and_length_with_both_scans() -> Result<(), &'static str> {
        for avx2 in [false, true] {
            let mut needle = Needle::new("xY\u{e9}z").ok_or("a needle")?;
            needle.avx2 = needle.avx2 && avx2;
            let n = needle.bytes.len();
            for len in 0usize..140 {
                for at in 0..=len.saturating_sub(n) {
                    let mut hay = vec![b'y'; len];
                    if at + n <= len {
                        hay[at..at + n].copy_from_slice("XyÉZ".as_bytes());
                    }
                    let expected = (at + n <= len).then_some(at);
                    assert_eq!(
                        needle.find(&hay),
                        expected,
                        "avx2 {avx2}, {len} bytes, at {at}"
                    );
                }
            }
        }
        Ok(())
    }

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
