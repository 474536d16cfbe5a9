//! Personal data out of exports. A [`Policy`] says what is personal; a
//! [`Redactor`] replaces it with pseudonyms that keep each value's shape, so
//! that a redacted session gives the same findings, entities and diffs as
//! the original. The key of the pseudonyms is made for each export: the
//! same value gives the same pseudonym within one export, never across two.

pub mod policy;

mod echo;
mod http;
mod json;
mod pseudonym;

use foldhash::HashSet;

use crate::capture::answer::{Replaced, ReplacedBy};
use crate::capture::{Answer, Decoded, LOADED_DECODE_LIMIT, Received, RequestHead, decode};
use crate::outbound::{Exchange, Failure, OutRequest, OutResponse, Outcome};

pub use policy::{DEFAULT_TEXT, Policy, PolicyError, Rule};

use echo::Echoes;
use json::Matcher;
use pseudonym::{IdCache, Keyed};

/// What a body that is not JSON is replaced with, cut or padded with
/// spaces to the body's length.
pub const PLACEHOLDER: &str = "[hookscope: body redacted, not JSON]";

/// Examples kept per rule.
pub const EXAMPLES: usize = 3;

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
    keyed: Keyed,
    matcher: Matcher,
    /// Header and query rules with their index in the policy.
    headers: Vec<(usize, String)>,
    queries: Vec<(usize, String)>,
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
    /// Replaced values found again in answers (a target echoing a name),
    /// and replaced there too.
    pub echoes: usize,
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
        self.rules.iter().map(|r| r.replaced).sum::<usize>()
            + self.unparsed_replaced
            + self.ids
            + self.echoes
    }

    /// Adds what another part of the same redaction replaced, as if it
    /// came after: examples stay the first few distinct ones.
    pub fn merge(&mut self, other: Tally) {
        for (i, rule) in other.rules.into_iter().enumerate() {
            let Some(mine) = self.rules.get_mut(i) else {
                self.rules.push(rule);
                continue;
            };
            mine.replaced += rule.replaced;
            for example in rule.examples {
                if mine.examples.len() >= EXAMPLES {
                    break;
                }
                if !mine.examples.iter().any(|e| e.before == example.before) {
                    mine.examples.push(example);
                }
            }
        }
        self.unparsed_replaced += other.unparsed_replaced;
        self.unparsed_kept += other.unparsed_kept;
        self.ids += other.ids;
        self.echoes += other.echoes;
    }
}

impl Redactor {
    /// A redactor with a fresh random key.
    pub fn new(policy: Policy, options: Options) -> Self {
        Self::with_key(policy, options, rand_key())
    }

    /// A redactor with a given key: the same key gives the same pseudonyms.
    pub fn with_key(policy: Policy, options: Options, key: u128) -> Self {
        let named = |want: fn(&Rule) -> Option<&String>| {
            policy
                .rules
                .iter()
                .enumerate()
                .filter_map(|(i, rule)| want(rule).map(|name| (i, name.clone())))
                .collect()
        };
        let headers = named(|rule| match rule {
            Rule::Header(name) => Some(name),
            _ => None,
        });
        let queries = named(|rule| match rule {
            Rule::Query(name) => Some(name),
            _ => None,
        });
        Self {
            matcher: Matcher::new(&policy.rules),
            keyed: Keyed::new(key),
            headers,
            queries,
            policy,
            options,
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
    /// a replaced answer's headers and body, where values replaced in the
    /// request are looked for too).
    pub fn capture(&self, capture: &Received, tally: &mut Tally) -> Received {
        let mut pass = Pass::new(self, matches!(capture.answer, Answer::Replaced(_)));
        let mut out = self.redact_capture(&mut pass, capture);
        if let Some(scrub) = pass.scrub() {
            self.scrub_capture(&scrub, &mut out, &mut pass.tally);
        }
        tally.merge(pass.tally);
        out
    }

    /// One exchange redacted: its request's URL, headers and body, and its
    /// response's headers and body (where values replaced in the request
    /// are looked for too).
    pub fn exchange(&self, exchange: &Exchange, tally: &mut Tally) -> Exchange {
        let mut pass = Pass::new(self, true);
        let mut out = self.redact_exchange(&mut pass, exchange);
        if let Some(scrub) = pass.scrub() {
            self.scrub_exchange(&scrub, &mut out, &mut pass.tally);
        }
        tally.merge(pass.tally);
        out
    }

    /// One body redacted as a capture's body is.
    pub fn body(&self, body: &[u8], tally: &mut Tally) -> Vec<u8> {
        let mut pass = Pass::new(self, false);
        let out = self
            .redact_body(&mut pass, body)
            .unwrap_or_else(|| body.to_vec());
        tally.merge(pass.tally);
        out
    }

    /// A URL with the values of the query parameters the policy names
    /// replaced (for a forward target shown in a report, say).
    pub fn url(&self, url: &str, tally: &mut Tally) -> String {
        let mut pass = Pass::new(self, false);
        let out = http::url(&mut pass, url).unwrap_or_else(|| url.to_owned());
        tally.merge(pass.tally);
        out
    }

    /// Captures and exchanges redacted, on all cores, in their order. The
    /// answers (replaced ones, and the exchanges' responses) are then
    /// searched for every value replaced anywhere in the export.
    pub fn all(&self, captures: &[&Received], exchanges: &[Exchange]) -> Redacted {
        let learn = !exchanges.is_empty()
            || captures
                .iter()
                .any(|c| matches!(c.answer, Answer::Replaced(_)));
        let capture_parts = parallel(captures, |part: &[&Received]| {
            let mut pass = Pass::new(self, learn);
            let out: Vec<Received> = part
                .iter()
                .map(|c| self.redact_capture(&mut pass, c))
                .collect();
            (out, pass.tally, pass.learned)
        });
        let exchange_parts = parallel(exchanges, |part: &[Exchange]| {
            let mut pass = Pass::new(self, learn);
            let out: Vec<Exchange> = part
                .iter()
                .map(|e| self.redact_exchange(&mut pass, e))
                .collect();
            (out, pass.tally, pass.learned)
        });
        let mut tally = self.tally();
        let mut learned = HashSet::default();
        let mut captures = Vec::with_capacity(captures.len());
        for (out, part, values) in capture_parts {
            captures.extend(out);
            tally.merge(part);
            learned.extend(values.into_iter().flatten());
        }
        let mut exchanges = Vec::with_capacity(exchanges.len());
        for (out, part, values) in exchange_parts {
            exchanges.extend(out);
            tally.merge(part);
            learned.extend(values.into_iter().flatten());
        }
        // Answers are few and small beside the requests: one thread.
        if learn && let Some(scrub) = Scrub::of(learned) {
            for capture in &mut captures {
                self.scrub_capture(&scrub, capture, &mut tally);
            }
            for exchange in &mut exchanges {
                self.scrub_exchange(&scrub, exchange, &mut tally);
            }
        }
        Redacted {
            captures,
            exchanges,
            tally,
        }
    }

    fn header_rule(&self, name: &str) -> Option<usize> {
        self.headers
            .iter()
            .find(|(_, pattern)| Rule::names(pattern, name))
            .map(|&(i, _)| i)
    }

    fn query_rule(&self, name: &str) -> Option<usize> {
        self.queries
            .iter()
            .find(|(_, pattern)| Rule::names(pattern, name))
            .map(|&(i, _)| i)
    }

    /// A body's new bytes, `None` when it stays as it is: blank, JSON with
    /// nothing to replace, or not JSON and kept by choice.
    fn redact_body(&self, pass: &mut Pass<'_>, body: &[u8]) -> Option<Vec<u8>> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        if json::is_json(body) {
            return json::redact(body, pass);
        }
        if self.options.keep_unparsed {
            pass.tally.unparsed_kept += 1;
            None
        } else {
            pass.tally.unparsed_replaced += 1;
            Some(placeholder(body.len()))
        }
    }

    /// A message's body, redacted decoded when its headers name a content
    /// coding, then encoded again.
    fn redact_message(
        &self,
        pass: &mut Pass<'_>,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Option<Vec<u8>> {
        through_codings(headers, body, |content| self.redact_body(pass, content))
    }

    fn redact_pairs(&self, pass: &mut Pass<'_>, pairs: &[(String, String)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| {
                let value = http::header(pass, name, value.as_bytes()).unwrap_or_else(|| value.clone());
                (name.clone(), value)
            })
            .collect()
    }

    fn redact_capture(&self, pass: &mut Pass<'_>, capture: &Received) -> Received {
        let head = &capture.head;
        let url = http::url(pass, head.url());
        let mut changed = url.is_some();
        let mut headers: Vec<(String, Vec<u8>)> = head
            .headers()
            .map(|h| {
                let value = match http::header(pass, h.name, h.value) {
                    Some(value) => {
                        changed = true;
                        value.into_bytes()
                    }
                    None => h.value.to_vec(),
                };
                (h.name.to_owned(), value)
            })
            .collect();
        let (body, decoded) = match &capture.decoded {
            Some(decoded) => match self.redact_body(pass, &decoded.bytes) {
                None => (capture.body.clone(), capture.decoded.clone()),
                Some(bytes) => match http::encode(&decoded.codings, &bytes) {
                    Ok(encoded) => (
                        encoded.into_boxed_slice(),
                        Some(Box::new(Decoded {
                            codings: decoded.codings.clone(),
                            bytes: bytes.into_boxed_slice(),
                        })),
                    ),
                    Err(_) => (placeholder(capture.body.len()).into_boxed_slice(), None),
                },
            },
            None => match self.redact_body(pass, &capture.body) {
                None => (capture.body.clone(), None),
                Some(bytes) => (bytes.into_boxed_slice(), None),
            },
        };
        if body.len() != capture.body.len() {
            http::content_length(&mut headers, capture.body.len(), body.len());
            changed = true;
        }
        let head = if changed {
            RequestHead::new(
                head.method(),
                url.as_deref().unwrap_or(head.url()),
                head.remote(),
                headers,
            )
        } else {
            head.clone()
        };
        let answer = match &capture.answer {
            Answer::Replaced(replaced) => {
                Answer::Replaced(Box::new(self.redact_replaced(pass, replaced)))
            }
            other => other.clone(),
        };
        Received {
            id: capture.id,
            received_at: capture.received_at,
            head,
            body,
            decoded,
            answer,
        }
    }

    fn redact_replaced(&self, pass: &mut Pass<'_>, replaced: &Replaced) -> Replaced {
        let mut headers = self.redact_pairs(pass, &replaced.headers);
        let body = match self.redact_message(pass, &replaced.headers, &replaced.body) {
            Some(body) => {
                http::content_length(&mut headers, replaced.body.len(), body.len());
                body.into_boxed_slice()
            }
            None => replaced.body.clone(),
        };
        Replaced {
            status: replaced.status,
            headers,
            body,
            by: replaced.by.clone(),
            verdict: replaced.verdict.clone(),
        }
    }

    fn redact_exchange(&self, pass: &mut Pass<'_>, exchange: &Exchange) -> Exchange {
        let request = &exchange.request;
        let mut headers = self.redact_pairs(pass, &request.headers);
        let body = match self.redact_message(pass, &request.headers, &request.body) {
            Some(body) => {
                http::content_length(&mut headers, request.body.len(), body.len());
                body.into_boxed_slice()
            }
            None => request.body.clone(),
        };
        let request = OutRequest {
            method: request.method.clone(),
            url: http::url(pass, &request.url).unwrap_or_else(|| request.url.clone()),
            headers,
            body,
        };
        let result = match &exchange.outcome.result {
            Ok(response) => {
                let mut headers = self.redact_pairs(pass, &response.headers);
                let body = match self.redact_message(pass, &response.headers, &response.body) {
                    Some(body) => {
                        http::content_length(&mut headers, response.body.len(), body.len());
                        body.into_boxed_slice()
                    }
                    None => response.body.clone(),
                };
                Ok(OutResponse {
                    status: response.status,
                    headers,
                    body,
                })
            }
            Err(failure) => Err(failure.clone()),
        };
        Exchange {
            id: exchange.id,
            started_at: exchange.started_at,
            origin: exchange.origin.clone(),
            request,
            outcome: Outcome {
                elapsed: exchange.outcome.elapsed,
                result,
            },
        }
    }

    /// Values replaced elsewhere, replaced in a replaced answer too.
    fn scrub_capture(&self, scrub: &Scrub, capture: &mut Received, tally: &mut Tally) {
        let Answer::Replaced(replaced) = &mut capture.answer else {
            return;
        };
        if let Some(body) = self.scrub_message(scrub, &replaced.headers, &replaced.body, tally) {
            http::content_length(&mut replaced.headers, replaced.body.len(), body.len());
            replaced.body = body.into_boxed_slice();
        }
        if let ReplacedBy::ProxyFailed { reason } = &mut replaced.by {
            self.scrub_text(scrub, reason, tally);
        }
    }

    fn scrub_exchange(&self, scrub: &Scrub, exchange: &mut Exchange, tally: &mut Tally) {
        match &mut exchange.outcome.result {
            Ok(response) => {
                if let Some(body) =
                    self.scrub_message(scrub, &response.headers, &response.body, tally)
                {
                    http::content_length(&mut response.headers, response.body.len(), body.len());
                    response.body = body.into_boxed_slice();
                }
            }
            Err(Failure::Unreachable(text) | Failure::Other(text)) => {
                self.scrub_text(scrub, text, tally);
            }
            Err(Failure::TimedOut(_)) => {}
        }
    }

    fn scrub_message(
        &self,
        scrub: &Scrub,
        headers: &[(String, String)],
        body: &[u8],
        tally: &mut Tally,
    ) -> Option<Vec<u8>> {
        through_codings(headers, body, |content| {
            if !json::is_json(content) {
                return None;
            }
            match scrub {
                Scrub::Echoes(echoes) => echoes.json(content, &self.keyed, &mut tally.echoes),
                Scrub::Whole => {
                    tally.unparsed_replaced += 1;
                    Some(placeholder(content.len()))
                }
            }
        })
    }

    fn scrub_text(&self, scrub: &Scrub, text: &mut String, tally: &mut Tally) {
        match scrub {
            Scrub::Echoes(echoes) => {
                if let Some(scrubbed) = echoes.text(text, &self.keyed, &mut tally.echoes) {
                    *text = scrubbed;
                }
            }
            Scrub::Whole => *text = "(redacted)".to_owned(),
        }
    }
}

/// One worker's share of a redaction: what it replaced, and (when answers
/// are to be searched) the values it replaced.
pub(crate) struct Pass<'r> {
    redactor: &'r Redactor,
    tally: Tally,
    id_cache: IdCache,
    learned: Option<HashSet<Box<str>>>,
}

impl<'r> Pass<'r> {
    fn new(redactor: &'r Redactor, learn: bool) -> Self {
        Self {
            redactor,
            tally: redactor.tally(),
            id_cache: IdCache::default(),
            learned: learn.then(HashSet::default),
        }
    }

    /// A value `rule` replaced.
    fn replaced(&mut self, rule: usize, before: &str, after: &str) {
        if let Some(tally) = self.tally.rules.get_mut(rule) {
            tally.replaced += 1;
            if tally.examples.len() < EXAMPLES && !tally.examples.iter().any(|e| e.before == before)
            {
                tally.examples.push(Example {
                    before: before.to_owned(),
                    after: after.to_owned(),
                });
            }
        }
        self.learn(before);
    }

    /// A value to look for in answers.
    fn learn(&mut self, value: &str) {
        let Some(learned) = &mut self.learned else {
            return;
        };
        let value = value.trim();
        if value.len() <= echo::MAX_LEN
            && value.chars().nth(echo::MIN_LEN - 1).is_some()
            && !learned.contains(value)
        {
            learned.insert(value.into());
        }
    }

    /// What to search answers for, from this pass alone.
    fn scrub(&mut self) -> Option<Scrub> {
        Scrub::of(self.learned.take()?)
    }
}

/// How answers are searched for values replaced elsewhere.
enum Scrub {
    Echoes(Echoes),
    /// Too many values to search for: JSON answers are replaced whole.
    Whole,
}

impl Scrub {
    fn of(learned: HashSet<Box<str>>) -> Option<Self> {
        let mut values: Vec<Box<str>> = learned.into_iter().collect();
        // The same order whatever the hashing: the same output.
        values.sort_unstable();
        match Echoes::new(values) {
            Ok(echoes) => echoes.map(Scrub::Echoes),
            Err(_) => Some(Scrub::Whole),
        }
    }
}

/// The placeholder of a body that is not JSON, `len` bytes of ASCII.
fn placeholder(len: usize) -> Vec<u8> {
    PLACEHOLDER
        .bytes()
        .chain(std::iter::repeat(b' '))
        .take(len)
        .collect()
}

/// `f` on a message's content: decoded when its Content-Encoding names
/// codings that undo, and what `f` gives encoded again.
fn through_codings(
    headers: &[(String, String)],
    body: &[u8],
    f: impl FnOnce(&[u8]) -> Option<Vec<u8>>,
) -> Option<Vec<u8>> {
    let codings = http::codings(
        headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("content-encoding"))
            .map(|(_, value)| value.as_bytes()),
    );
    if !codings.is_empty()
        && let Ok(content) = decode::decode(&codings, body, LOADED_DECODE_LIMIT)
    {
        let new = f(&content)?;
        return Some(http::encode(&codings, &new).unwrap_or_else(|_| placeholder(body.len())));
    }
    f(body)
}

/// Items shorter than this are done on the calling thread.
const PARALLEL_FROM: usize = 64;

fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `work` on consecutive parts of `items`, one per core, results in order.
fn parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    let workers = workers();
    if workers <= 1 || items.len() < PARALLEL_FROM {
        return vec![work(items)];
    }
    let size = items.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = items
            .chunks(size)
            .enumerate()
            .map(|(n, part)| {
                let handle = std::thread::Builder::new()
                    .name(format!("hookscope-redact-{n}"))
                    .spawn_scoped(scope, move || work(part));
                (part, handle)
            })
            .collect();
        handles
            .into_iter()
            .map(|(part, handle)| match handle {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                // No thread to be had: this part here, then.
                Err(_) => work(part),
            })
            .collect()
    })
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
