//! Personal data out of exports. A [`Policy`] says what is personal; a
//! [`Redactor`] replaces it with pseudonyms that keep each value's shape, so
//! that a redacted session gives the same findings, entities and diffs as
//! the original. The key of the pseudonyms is made for each export: the
//! same value gives the same pseudonym within one export, never across two.

pub mod policy;

use crate::capture::Received;
use crate::outbound::Exchange;

pub use policy::{DEFAULT_TEXT, Policy, PolicyError, Rule};

/// How an export redacts, beyond its policy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Map ids too, consistently (an id stays an id of the same form).
    pub redact_ids: bool,
    /// Keep bodies that are not JSON as they are, rather than replacing
    /// them whole with a placeholder of the same length.
    pub keep_unparsed: bool,
}

/// Replaces what a policy covers, with a key of its own.
pub struct Redactor {
    policy: Policy,
    options: Options,
    key: u128,
}

/// A session's captures and exchanges, redacted, and what was replaced.
#[derive(Clone, Debug, Default)]
pub struct Redacted {
    pub captures: Vec<Received>,
    pub exchanges: Vec<Exchange>,
    pub tally: Tally,
}

/// What a redaction replaced: for the preview and the report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// One per rule of the policy, in its order.
    pub rules: Vec<RuleTally>,
    /// Bodies that are not JSON, replaced whole by a placeholder.
    pub unparsed_replaced: usize,
    /// Bodies that are not JSON, kept as they are ([`Options::keep_unparsed`]).
    pub unparsed_kept: usize,
    /// Ids mapped ([`Options::redact_ids`]).
    pub ids: usize,
}

/// What one rule replaced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleTally {
    /// The rule as written in the policy.
    pub rule: String,
    /// Values replaced.
    pub replaced: usize,
    /// A few distinct before → after pairs. The before values are personal
    /// data: shown in the window's preview, never written to a file.
    pub examples: Vec<Example>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    pub before: String,
    pub after: String,
}

impl Tally {
    /// Values replaced in all.
    pub fn total(&self) -> usize {
        self.rules.iter().map(|r| r.replaced).sum::<usize>() + self.unparsed_replaced + self.ids
    }
}

impl Redactor {
    /// A redactor with a fresh random key.
    pub fn new(policy: Policy, options: Options) -> Self {
        Self::with_key(policy, options, rand_key())
    }

    /// A redactor with a given key: the same key gives the same pseudonyms.
    pub fn with_key(policy: Policy, options: Options, key: u128) -> Self {
        Self {
            policy,
            options,
            key,
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn options(&self) -> Options {
        self.options
    }

    /// An empty tally for this policy's rules.
    pub fn tally(&self) -> Tally {
        Tally {
            rules: self
                .policy
                .rules
                .iter()
                .map(|rule| RuleTally {
                    rule: rule.to_string(),
                    ..RuleTally::default()
                })
                .collect(),
            ..Tally::default()
        }
    }

    /// One capture redacted: its URL's query, its headers, its body (and
    /// a replaced answer's headers and body).
    pub fn capture(&self, capture: &Received, _tally: &mut Tally) -> Received {
        // SKELETON: the core replaces this.
        let _ = self.key;
        capture.clone()
    }

    /// One exchange redacted: its request's URL, headers and body, and its
    /// response's headers and body.
    pub fn exchange(&self, exchange: &Exchange, _tally: &mut Tally) -> Exchange {
        // SKELETON: the core replaces this.
        exchange.clone()
    }

    /// One body redacted as a capture's body is.
    pub fn body(&self, body: &[u8], _tally: &mut Tally) -> Vec<u8> {
        // SKELETON: the core replaces this.
        body.to_vec()
    }

    /// A URL with the values of the query parameters the policy names
    /// replaced (for a forward target shown in a report, say).
    pub fn url(&self, url: &str, _tally: &mut Tally) -> String {
        // SKELETON: the core replaces this.
        url.to_owned()
    }

    /// Captures and exchanges redacted, on all cores, in their order.
    pub fn all(&self, captures: &[&Received], exchanges: &[Exchange]) -> Redacted {
        let mut tally = self.tally();
        let captures = captures
            .iter()
            .map(|c| self.capture(c, &mut tally))
            .collect();
        let exchanges = exchanges
            .iter()
            .map(|e| self.exchange(e, &mut tally))
            .collect();
        Redacted {
            captures,
            exchanges,
            tally,
        }
    }
}

/// A key no one else can guess: std's hasher keys are random per process
/// and per hasher.
fn rand_key() -> u128 {
    use std::hash::{BuildHasher, RandomState};
    let state = RandomState::new();
    let a = state.hash_one(0u8) as u128;
    let b = RandomState::new().hash_one(1u8) as u128;
    (a << 64) | b
}
