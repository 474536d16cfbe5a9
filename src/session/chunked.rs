//! An append-only list whose frozen copies are cheap: items live in chunks
//! that, once full, are shared by every copy; only the last, growing chunk
//! is copied, and its items are shared one by one until it fills. Workers
//! (search, export) take a copy of the session this way while the window
//! keeps adding to it, and a full chunk costs no more than its items.

use std::sync::Arc;

/// Items per chunk: copying the growing one costs at most this many clones.
const CHUNK: usize = 4096;

pub struct Chunked<T> {
    full: Vec<Arc<[T]>>,
    tail: Vec<Arc<T>>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Self {
            full: Vec::new(),
            tail: Vec::new(),
        }
    }
}

impl<T> Clone for Chunked<T> {
    fn clone(&self) -> Self {
        Self {
            full: self.full.clone(),
            tail: self.tail.clone(),
        }
    }
}

impl<T: Clone> Chunked<T> {
    pub fn len(&self) -> usize {
        self.full.len() * CHUNK + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push(&mut self, item: T) {
        if self.tail.capacity() == 0 {
            self.tail.reserve_exact(CHUNK);
        }
        self.tail.push(Arc::new(item));
        if self.tail.len() == CHUNK {
            // A copy still holding an item keeps it; this chunk gets a clone.
            let full: Vec<T> = std::mem::take(&mut self.tail)
                .into_iter()
                .map(|item| Arc::try_unwrap(item).unwrap_or_else(|shared| (*shared).clone()))
                .collect();
            self.full.push(Arc::from(full));
        }
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        match self.full.get(index / CHUNK) {
            Some(chunk) => chunk.get(index % CHUNK),
            None => self
                .tail
                .get(index - self.full.len() * CHUNK)
                .map(Arc::as_ref),
        }
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.full
            .iter()
            .flat_map(|chunk| chunk.iter())
            .chain(self.tail.iter().map(Arc::as_ref))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_share_full_chunks_and_keep_what_they_saw() {
        let mut list = Chunked::default();
        for i in 0..(CHUNK * 2 + 10) {
            list.push(i);
        }
        let copy = list.clone();
        list.push(99_999);
        for i in 0..CHUNK {
            list.push(i);
        }
        // The copy held the last chunk's items while it filled: still there.
        assert_eq!(copy.get(CHUNK * 2 + 9), Some(&(CHUNK * 2 + 9)));
        assert_eq!(list.get(CHUNK * 2 + 9), Some(&(CHUNK * 2 + 9)));
        assert_eq!(copy.len(), CHUNK * 2 + 10);
        assert_eq!(list.len(), CHUNK * 3 + 11);
        assert!(Arc::ptr_eq(&copy.full[0], &list.full[0]));
        assert_eq!(copy.get(CHUNK + 5), Some(&(CHUNK + 5)));
        assert_eq!(copy.get(CHUNK * 2 + 10), None);
        assert_eq!(list.get(CHUNK * 2 + 10), Some(&99_999));
        assert!(copy.iter().copied().eq(0..CHUNK * 2 + 10));
    }
}
