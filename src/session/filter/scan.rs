//! Looking at many rows: a range of the session or the rows a wider filter
//! showed, in chunks that several threads take in turn when there are many,
//! and that a cancelled search stops between.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::matcher::{BodyCache, Matcher};
use crate::session::{RowView, Session, Snapshot};

/// Rows at or above this count are shared between threads.
pub(super) const PARALLEL_ROWS: usize = 2048;
/// Rows a thread takes at a time; a cancel is noticed between chunks.
const CHUNK_ROWS: usize = 1024;

/// Rows found per chunk, by chunk number.
type Found = Vec<(usize, Vec<u32>)>;

/// Rows a scan reads: the session itself, or a frozen copy on a worker.
pub(super) trait Rows: Sync {
    fn row(&self, index: usize) -> Option<RowView<'_>>;
}

impl Rows for Session {
    fn row(&self, index: usize) -> Option<RowView<'_>> {
        Session::row(self, index)
    }
}

impl Rows for Snapshot {
    fn row(&self, index: usize) -> Option<RowView<'_>> {
        Snapshot::row(self, index)
    }
}

/// The session rows to look at: a range, or the rows a wider filter showed.
#[derive(Clone, Debug)]
pub(super) enum Source<'a> {
    Range(Range<usize>),
    List(&'a [u32]),
}

impl Source<'_> {
    pub(super) fn len(&self) -> usize {
        match self {
            Source::Range(range) => range.len(),
            Source::List(list) => list.len(),
        }
    }

    /// Chunk `k` of `CHUNK_ROWS` rows; empty past the end.
    fn chunk(&self, k: usize) -> Self {
        let len = self.len();
        let (from, to) = ((k * CHUNK_ROWS).min(len), ((k + 1) * CHUNK_ROWS).min(len));
        match self {
            Source::Range(range) => Source::Range(range.start + from..range.start + to),
            Source::List(list) => Source::List(&list[from..to]),
        }
    }

    fn indices(&self) -> impl Iterator<Item = usize> + '_ {
        let (range, list) = match self {
            Source::Range(range) => (range.clone(), &[][..]),
            Source::List(list) => (0..0, *list),
        };
        range.chain(list.iter().map(|&r| r as usize))
    }
}

/// The rows of `source` the matcher shows, in order; `None` once `cancel`
/// is set. Big sources are shared between threads, as many as there are
/// cores.
pub(super) fn scan<R: Rows + ?Sized>(
    rows: &R,
    matcher: &Matcher,
    source: &Source<'_>,
    cancel: &AtomicBool,
) -> Option<Vec<u32>> {
    let chunks = source.len().div_ceil(CHUNK_ROWS);
    let threads = if source.len() >= PARALLEL_ROWS {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(chunks))
    } else {
        1
    };
    let next = AtomicUsize::new(0);
    // Each thread takes the next chunk until none is left.
    let work = || -> Option<Found> {
        let mut found = Vec::new();
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            if k >= chunks {
                return Some(found);
            }
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            found.push((k, scan_chunk(rows, matcher, &source.chunk(k))));
        }
    };
    let mut parts = if threads <= 1 {
        work()?
    } else {
        std::thread::scope(|scope| {
            // A helper that cannot be had leaves its chunks to the others.
            let helpers: Vec<_> = (1..threads)
                .filter_map(|_| {
                    std::thread::Builder::new()
                        .name("hookscope-search".to_owned())
                        .spawn_scoped(scope, work)
                        .ok()
                })
                .collect();
            let mut parts = work();
            for helper in helpers {
                match helper.join() {
                    Ok(found) => {
                        if let (Some(parts), Some(found)) = (&mut parts, found) {
                            parts.extend(found);
                        } else {
                            parts = None;
                        }
                    }
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            parts
        })?
    };
    parts.sort_unstable_by_key(|(k, _)| *k);
    Some(parts.into_iter().flat_map(|(_, found)| found).collect())
}

fn scan_chunk<R: Rows + ?Sized>(rows: &R, matcher: &Matcher, source: &Source<'_>) -> Vec<u32> {
    let mut cache = BodyCache::default();
    source
        .indices()
        .filter(|&index| {
            rows.row(index)
                .is_some_and(|view| matcher.matches(view, &mut cache))
        })
        .map(|index| index as u32)
        .collect()
}
