//! The requests hookscope sent in this session (sends, scenario steps,
//! replays, forwards), in the order they finished, with the forward of each
//! capture found by its id.

use foldhash::HashMap;

use crate::outbound::{Exchange, Origin};

#[derive(Clone, Debug, Default)]
pub struct Exchanges {
    all: Vec<Exchange>,
    /// Capture id → index in `all` of its (latest) forward.
    forwards: HashMap<u64, usize>,
}

impl Exchanges {
    pub fn push(&mut self, exchange: Exchange) {
        if let Origin::Forward { capture, .. } = exchange.origin {
            self.forwards.insert(capture, self.all.len());
        }
        self.all.push(exchange);
    }

    pub fn all(&self) -> &[Exchange] {
        &self.all
    }

    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// What became of capture `id`'s forward, if it was forwarded.
    pub fn forward_of(&self, capture: u64) -> Option<&Exchange> {
        self.forwards.get(&capture).and_then(|&i| self.all.get(i))
    }

    /// Adds exchanges read from files, in order. Ids that would not come
    /// after this session's are given anew, so that ids stay unique and in
    /// order. Returns the id the next exchange should take: whoever numbers
    /// new exchanges must not give out less.
    pub fn add_loaded(&mut self, loaded: impl IntoIterator<Item = Exchange>) -> u64 {
        for mut exchange in loaded {
            let next = self.next_id();
            if exchange.id < next {
                exchange.id = next;
            }
            self.push(exchange);
        }
        self.next_id()
    }

    /// Whether any capture was forwarded (the table then shows a Forward column).
    pub fn has_forwards(&self) -> bool {
        !self.forwards.is_empty()
    }

    /// The id the next exchange should take.
    pub fn next_id(&self) -> u64 {
        self.all.last().map_or(1, |e| e.id + 1)
    }
}
