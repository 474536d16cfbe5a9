//! Toggle groups: the few values of one kind (event, entity type, path,
//! status) that a filter shows or hides, as a small bit set.

use std::fmt;
use std::marker::PhantomData;

use crate::capture::{Route, Status};
use crate::hs::{EntityType, EventKind};

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
