//! The session at a glance: counts per event kind, entity type, status and
//! finding level, anomalies per kind, and events per minute.
//!
//! An [`Overview`] is derived data. [`overview`] builds one in O(rows);
//! [`Overview::update`] brings one up to date in O(rows added since), since
//! a session only grows (a cleared or replaced session is noticed and
//! counted again from the start). Nothing here is for every frame: the UI
//! updates its overview when the row count changed.

use chrono::{DateTime, FixedOffset};

use super::filter::{EntityClass, EventClass, Toggle};
use super::{AnomalyCounts, Session};
use crate::capture::{Capture, Status};
use crate::hs::Level;

/// How many minutes `per_minute` keeps at most: the last 24 hours.
pub const MAX_MINUTES: usize = 24 * 60;

/// Counts over a whole session.
#[derive(Clone, Debug)]
pub struct Overview {
    /// Table rows: one per event, plus one per request with no readable
    /// event (the `other` kind and type count those).
    pub events: usize,
    /// Requests (captures).
    pub requests: usize,
    /// Rows per event kind, every kind of [`EventClass::ALL`] in that order
    /// (creation, update, delete, other), zeros included.
    pub per_event: Vec<(EventClass, usize)>,
    /// Rows per entity type, every type of [`EntityClass::ALL`] in that
    /// order (job, candidate, other), zeros included.
    pub per_entity: Vec<(EntityClass, usize)>,
    /// Rows per status: ok, warning, error.
    pub per_status: [(Status, usize); 3],
    /// Findings per level over all rows: error, warning, info.
    pub findings: [(Level, usize); 3],
    /// Rows flagged per kind of anomaly, from [`Session::anomaly_counts`].
    pub anomalies: AnomalyCounts,
    /// Rows per minute of arrival (`received_at`), every minute from the
    /// first to the last with zeros for quiet minutes, at most the last
    /// [`MAX_MINUTES`] minutes before the latest arrival. Each minute is
    /// given with the UTC offset of the capture that opened it.
    pub per_minute: Vec<(DateTime<FixedOffset>, usize)>,
    /// What has been counted so far, to count only what is new.
    seen: Seen,
}

/// The captures counted: which session, and how many of its captures.
#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    session: u64,
    captures: usize,
}

impl Seen {
    fn still_prefix_of(&self, session: &Session) -> bool {
        self.captures == 0
            || (self.session == session.generation() && session.capture_count() >= self.captures)
    }
}

impl Default for Overview {
    fn default() -> Self {
        Self {
            events: 0,
            requests: 0,
            per_event: EventClass::ALL.iter().map(|&c| (c, 0)).collect(),
            per_entity: EntityClass::ALL.iter().map(|&c| (c, 0)).collect(),
            per_status: [(Status::Ok, 0), (Status::Warning, 0), (Status::Error, 0)],
            findings: [(Level::Error, 0), (Level::Warning, 0), (Level::Info, 0)],
            anomalies: AnomalyCounts::default(),
            per_minute: Vec::new(),
            seen: Seen::default(),
        }
    }
}

/// Counts everything in `session`: O(rows).
pub fn overview(session: &Session) -> Overview {
    let mut overview = Overview::default();
    overview.update(session);
    overview
}

impl Overview {
    /// Brings the counts up to date with `session`: only the captures added
    /// since the last update are read, unless the session is not the one
    /// counted before (cleared, replaced), which is counted again: then it
    /// returns true.
    pub fn update(&mut self, session: &Session) -> bool {
        let restarted = !self.seen.still_prefix_of(session);
        if restarted {
            *self = Self::default();
        }
        let count = session.capture_count();
        if count == self.seen.captures {
            return restarted;
        }
        for capture in session.captures().skip(self.seen.captures) {
            self.add(capture);
        }
        self.requests = count;
        self.anomalies = session.anomaly_counts();
        self.seen = Seen {
            session: session.generation(),
            captures: count,
        };
        restarted
    }

    /// Whether this overview counts exactly what `session` holds.
    pub fn is_current(&self, session: &Session) -> bool {
        self.seen.captures == session.capture_count() && self.seen.still_prefix_of(session)
    }

    /// Rows of this event kind.
    pub fn of_event(&self, class: EventClass) -> usize {
        count_of(&self.per_event, class)
    }

    /// Rows of this entity type.
    pub fn of_entity(&self, class: EntityClass) -> usize {
        count_of(&self.per_entity, class)
    }

    /// Rows with this status.
    pub fn of_status(&self, status: Status) -> usize {
        count_of(&self.per_status, status)
    }

    /// Findings of this level.
    pub fn of_level(&self, level: Level) -> usize {
        count_of(&self.findings, level)
    }

    /// The busiest minute's count; 0 without any event.
    pub fn max_per_minute(&self) -> usize {
        self.per_minute.iter().map(|&(_, n)| n).max().unwrap_or(0)
    }

    fn add(&mut self, capture: &Capture) {
        let rows = capture.summary.rows();
        self.events += rows.len();
        for row in rows {
            bump(
                &mut self.per_event,
                EventClass::of(row.known_event().as_ref()),
            );
            bump(
                &mut self.per_entity,
                EntityClass::of(row.known_entity().as_ref()),
            );
            bump(&mut self.per_status, row.status());
            for level in [Level::Error, Level::Warning, Level::Info] {
                add(&mut self.findings, level, row.tally.of_level(level));
            }
        }
        self.add_to_minute(capture.received_at, rows.len());
    }

    /// Counts `n` rows in the minute of `at`, keeping every minute from the
    /// first to the last and no more than [`MAX_MINUTES`] of them.
    fn add_to_minute(&mut self, at: DateTime<FixedOffset>, n: usize) {
        if n == 0 {
            return;
        }
        let minute = minute_of(at);
        let bucket = |m: i64| (minute_start(m, *at.offset()), 0);
        let max = MAX_MINUTES as i64;
        let Some(&(first, _)) = self.per_minute.first() else {
            self.per_minute
                .push((minute_start(minute, *at.offset()), n));
            return;
        };
        let first = minute_of(first);
        let last = first + self.per_minute.len() as i64 - 1;
        if minute > last {
            // A later minute: quiet minutes in between, the oldest dropped.
            if minute - last >= max {
                self.per_minute.clear();
                self.per_minute
                    .push((minute_start(minute, *at.offset()), n));
                return;
            }
            self.per_minute.extend((last + 1..=minute).map(bucket));
            let excess = self.per_minute.len().saturating_sub(MAX_MINUTES);
            self.per_minute.drain(..excess);
        } else if minute < first {
            // An earlier minute (clocks differ, sessions merged): kept only
            // within the last day before the latest arrival.
            if last - minute >= max {
                return;
            }
            self.per_minute
                .splice(0..0, (minute..first).map(bucket))
                .for_each(drop);
        }
        let first = minute_of(self.per_minute[0].0);
        self.per_minute[(minute - first) as usize].1 += n;
    }
}

fn count_of<K: PartialEq>(counts: &[(K, usize)], key: K) -> usize {
    counts
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(0, |&(_, n)| n)
}

fn bump<K: PartialEq>(counts: &mut [(K, usize)], key: K) {
    add(counts, key, 1);
}

fn add<K: PartialEq>(counts: &mut [(K, usize)], key: K, more: usize) {
    if let Some((_, n)) = counts.iter_mut().find(|(k, _)| *k == key) {
        *n += more;
    }
}

/// Minutes since the Unix epoch (UTC), rounding down.
fn minute_of(at: DateTime<FixedOffset>) -> i64 {
    at.timestamp().div_euclid(60)
}

fn minute_start(minute: i64, offset: FixedOffset) -> DateTime<FixedOffset> {
    DateTime::from_timestamp(minute * 60, 0)
        .unwrap_or_default()
        .with_timezone(&offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Received, RequestHead, Routes};

    const JOB_CREATION: &str = include_str!("../../assets/samples/job_creation.json");

    fn at(minutes: i64, seconds: i64) -> DateTime<FixedOffset> {
        // A whole minute (the epoch) plus the offset: no parsing to fail.
        chrono::DateTime::UNIX_EPOCH.fixed_offset()
            + chrono::Duration::seconds(minutes * 60 + seconds)
    }

    fn capture(id: u64, at: DateTime<FixedOffset>) -> Capture {
        let routes = Routes::default();
        let head = RequestHead::new("POST", "/job", "127.0.0.1:50000", [("", ""); 0]);
        Received::loaded(
            id,
            at,
            head,
            JOB_CREATION.as_bytes().to_vec(),
            None,
            &routes,
        )
        .summarise(&routes)
    }

    fn minutes(overview: &Overview) -> Vec<usize> {
        overview.per_minute.iter().map(|&(_, n)| n).collect()
    }

    #[test]
    fn updating_counts_what_a_full_count_does() {
        let times = [
            at(5, 0),
            at(5, 59),
            at(7, 1),
            at(2, 30), // earlier than the first: quiet minutes prepended
            at(8, 0),
        ];
        let mut session = Session::new();
        let mut live = Overview::default();
        for (i, &t) in times.iter().enumerate() {
            session.push(capture(i as u64 + 1, t));
            live.update(&session);
        }
        let full = overview(&session);
        assert_eq!(minutes(&full), vec![1, 0, 0, 2, 0, 1, 1]);
        assert_eq!(minutes(&live), minutes(&full));
        assert_eq!(full.per_minute[0].0, at(2, 0));
        assert_eq!(live.events, 5);
        assert_eq!(live.of_event(EventClass::Creation), 5);
        assert!(live.is_current(&session));
    }

    #[test]
    fn only_the_last_day_of_minutes_is_kept() {
        let mut session = Session::new();
        session.push(capture(1, at(0, 0)));
        session.push(capture(2, at(10, 0)));
        session.push(capture(3, at(10 + 24 * 60 - 1, 0)));
        let full = overview(&session);
        assert_eq!(full.per_minute.len(), MAX_MINUTES);
        assert_eq!(full.per_minute[0], (at(10, 0), 1));
        assert_eq!(full.per_minute.last().map(|&(_, n)| n), Some(1));

        // Far later: everything before falls out of the window.
        session.push(capture(4, at(5 * 24 * 60, 0)));
        let mut live = full.clone();
        live.update(&session);
        assert_eq!(minutes(&live), vec![1]);
        assert_eq!(minutes(&overview(&session)), vec![1]);
        // And much earlier than the window: not counted in minutes.
        session.push(capture(5, at(1, 0)));
        live.update(&session);
        assert_eq!(minutes(&live), vec![1]);
        assert_eq!(live.events, 5);
    }

    #[test]
    fn a_new_session_is_counted_from_the_start() {
        let mut session = Session::new();
        session.push(capture(1, at(0, 0)));
        session.push(capture(2, at(0, 1)));
        let mut live = overview(&session);
        let mut other = Session::new();
        other.push(capture(1, at(3, 0)));
        other.push(capture(2, at(3, 0)));
        other.push(capture(3, at(3, 0)));
        assert!(!live.is_current(&other));
        assert!(live.update(&other), "a different session is counted again");
        assert_eq!(live.events, 3);
        assert_eq!(live.requests, 3);
        assert_eq!(minutes(&live), vec![3]);
        assert!(live.is_current(&other));
    }
}
