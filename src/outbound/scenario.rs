//! Built-in scenarios: the ATS's habits on demand, generated from the spec's
//! samples with fresh ids, names and current dates so that each run shows up
//! as new entities on the target.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, FixedOffset, TimeDelta};
use serde_json::{Map, Value, json};

use super::OutRequest;
use crate::session::open::SAMPLES;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Job creation → update → delete, then candidate creation → update → delete.
    Lifecycle,
    /// `size` candidate creations in one request (an array of envelopes).
    Batch,
    /// The same candidate creation, byte for byte, delivered twice.
    Duplicate,
    /// A job update before its creation; a candidate update after its delete.
    OutOfOrder,
    /// `count` distinct candidates created at once (sent concurrently).
    Burst,
}

impl Scenario {
    pub const ALL: [Scenario; 5] = [
        Scenario::Lifecycle,
        Scenario::Batch,
        Scenario::Duplicate,
        Scenario::OutOfOrder,
        Scenario::Burst,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Lifecycle => "lifecycle",
            Scenario::Batch => "batch",
            Scenario::Duplicate => "duplicate",
            Scenario::OutOfOrder => "out-of-order",
            Scenario::Burst => "burst",
        }
    }

    /// Whether its steps may be sent at once; the others' order is the point.
    pub fn is_concurrent(self) -> bool {
        self == Scenario::Burst
    }

    /// Its requests, in the order they are to be sent, generated now.
    pub fn steps(self, urls: &ScenarioUrls, options: &ScenarioOptions) -> Vec<Step> {
        let now = chrono::Local::now().fixed_offset();
        let mut make = Maker::new(now);
        match self {
            Scenario::Lifecycle => {
                let job = make.job();
                let candidate = make.candidate();
                vec![
                    job.step(urls, Event::Creation, ""),
                    job.step(urls, Event::Update, ""),
                    job.step(urls, Event::Delete, ""),
                    candidate.step(urls, Event::Creation, ""),
                    candidate.step(urls, Event::Update, ""),
                    candidate.step(urls, Event::Delete, ""),
                ]
            }
            Scenario::Batch => {
                let size = options.size.max(1);
                let envelopes: Vec<Value> = (0..size)
                    .map(|_| make.candidate().envelope(Event::Creation))
                    .collect();
                vec![Step {
                    label: format!("batch of {size} candidate creation(s)"),
                    request: OutRequest::json_post(
                        &urls.candidate,
                        to_body(&Value::Array(envelopes)),
                    ),
                }]
            }
            Scenario::Duplicate => {
                let candidate = make.candidate();
                let first = candidate.step(urls, Event::Creation, "");
                let again = Step {
                    label: format!("{} (the same body again)", first.label),
                    request: first.request.clone(),
                };
                vec![first, again]
            }
            Scenario::OutOfOrder => {
                let job = make.job();
                let candidate = make.candidate();
                vec![
                    job.step(urls, Event::Update, " (before its creation)"),
                    job.step(urls, Event::Creation, ""),
                    candidate.step(urls, Event::Creation, ""),
                    candidate.step(urls, Event::Delete, ""),
                    candidate.step(urls, Event::Update, " (after its delete)"),
                ]
            }
            Scenario::Burst => (0..options.count.max(1))
                .map(|_| make.candidate().step(urls, Event::Creation, ""))
                .collect(),
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let wanted = text.trim().to_ascii_lowercase().replace('_', "-");
        Scenario::ALL
            .into_iter()
            .find(|s| s.name() == wanted || (wanted == "outoforder" && *s == Scenario::OutOfOrder))
            .ok_or_else(|| {
                let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
                format!("unknown scenario \"{text}\" (use {})", names.join(", "))
            })
    }
}

/// Where job and candidate events go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioUrls {
    pub job: String,
    pub candidate: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScenarioOptions {
    /// Events in the `batch` request.
    pub size: usize,
    /// Candidates in the `burst`.
    pub count: usize,
}

impl Default for ScenarioOptions {
    fn default() -> Self {
        Self {
            size: 10,
            count: 100,
        }
    }
}

/// One request of a scenario and what it is, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub label: String,
    pub request: OutRequest,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Creation,
    Update,
    Delete,
}

impl Event {
    fn as_str(self) -> &'static str {
        match self {
            Event::Creation => "creation",
            Event::Update => "update",
            Event::Delete => "delete",
        }
    }

    fn sample_suffix(self) -> &'static str {
        match self {
            Event::Creation => "_creation.json",
            Event::Update => "_update.json",
            Event::Delete => "_delete.json",
        }
    }
}

/// The first envelope of each spec sample, parsed once: a burst of 20,000
/// would otherwise spend its time parsing the same 7 KB again and again.
fn sample_envelopes() -> &'static [(&'static str, Value)] {
    static PARSED: std::sync::OnceLock<Vec<(&'static str, Value)>> = std::sync::OnceLock::new();
    PARSED.get_or_init(|| {
        SAMPLES
            .iter()
            .filter_map(|(name, body)| {
                let body = serde_json::from_str::<Value>(body).ok()?;
                Some((*name, body.as_array()?.first()?.clone()))
            })
            .collect()
    })
}

/// A fresh id: microseconds since the epoch when first asked (so that two
/// runs do not reuse ids), then one more each time. Below 2^53, so that
/// JavaScript readers keep it exact.
pub fn fresh_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let seed = || {
        let micros = chrono::Utc::now().timestamp_micros().unsigned_abs();
        micros % 1_000_000_000_000_000
    };
    // The first caller seeds it; a racing one finds it seeded.
    let _ = NEXT.compare_exchange(0, seed(), Ordering::Relaxed, Ordering::Relaxed);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Entities of one generated scenario, numbered from 1.
struct Maker {
    now: DateTime<FixedOffset>,
    jobs: u32,
    candidates: u32,
}

struct Entity {
    kind: Kind,
    id: u64,
    number: u32,
    now: DateTime<FixedOffset>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Job,
    Candidate,
}

impl Maker {
    fn new(now: DateTime<FixedOffset>) -> Self {
        Self {
            now,
            jobs: 0,
            candidates: 0,
        }
    }

    fn job(&mut self) -> Entity {
        self.jobs += 1;
        Entity {
            kind: Kind::Job,
            id: fresh_id(),
            number: self.jobs,
            now: self.now,
        }
    }

    fn candidate(&mut self) -> Entity {
        self.candidates += 1;
        Entity {
            kind: Kind::Candidate,
            id: fresh_id(),
            number: self.candidates,
            now: self.now,
        }
    }
}

impl Entity {
    fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Job => "job",
            Kind::Candidate => "candidate",
        }
    }

    fn step(&self, urls: &ScenarioUrls, event: Event, note: &str) -> Step {
        let url = match self.kind {
            Kind::Job => &urls.job,
            Kind::Candidate => &urls.candidate,
        };
        Step {
            label: format!("{} {} {}{note}", self.type_name(), self.id, event.as_str()),
            request: OutRequest::json_post(url, to_body(&json!([self.envelope(event)]))),
        }
    }

    /// The spec's sample for this event with this entity's id, name and dates.
    fn envelope(&self, event: Event) -> Value {
        let name = format!("{}{}", self.type_name(), event.sample_suffix());
        let mut envelope = sample_envelopes()
            .iter()
            .find(|(sample, _)| *sample == name)
            .map(|(_, envelope)| envelope.clone())
            .unwrap_or_else(
                || json!({"event": event.as_str(), "type": self.type_name(), "data": {}}),
            );
        // An update is later than the creation it follows.
        let at = match event {
            Event::Update => self.now + TimeDelta::seconds(1),
            _ => self.now,
        };
        if let Some(data) = envelope.get_mut("data").and_then(Value::as_object_mut) {
            match self.kind {
                Kind::Job => self.job_data(data, event, at),
                Kind::Candidate => self.candidate_data(data, event, at),
            }
        }
        envelope
    }

    fn job_data(&self, data: &mut Map<String, Value>, event: Event, at: DateTime<FixedOffset>) {
        data.insert("job_id".to_owned(), json!(self.id));
        if event == Event::Delete {
            return;
        }
        // Jobs write their offset as +0200, as in the spec.
        let date = |t: DateTime<FixedOffset>| t.format("%Y-%m-%dT%H:%M:%S%z").to_string();
        let title = match event {
            Event::Update => format!("Scenario Job {} (updated)", self.number),
            _ => format!("Scenario Job {}", self.number),
        };
        let start = self
            .now
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .and_then(|d| d.and_local_timezone(*self.now.offset()).single())
            .unwrap_or(self.now);
        let fields = [
            ("job_title", json!(title)),
            ("job_reference", json!(format!("SCENARIO-{}", self.id))),
            ("job_jobstart", json!(date(start))),
            ("job_mission_start", json!(date(start))),
            ("job_published_at", json!(date(self.now))),
            ("job_updated_at", json!(date(at))),
        ];
        for (key, value) in fields {
            data.insert(key.to_owned(), value);
        }
    }

    fn candidate_data(
        &self,
        data: &mut Map<String, Value>,
        event: Event,
        at: DateTime<FixedOffset>,
    ) {
        data.insert("id".to_owned(), json!(self.id));
        if event == Event::Delete {
            return;
        }
        // Candidates write their offset as +01:00, as in the spec.
        let date = |t: DateTime<FixedOffset>| t.format("%Y-%m-%dT%H:%M:%S%:z").to_string();
        let last_name = match event {
            Event::Update => format!("Candidate {} (updated)", self.number),
            _ => format!("Candidate {}", self.number),
        };
        data.insert("first_name".to_owned(), json!("Scenario"));
        data.insert("last_name".to_owned(), json!(last_name));
        data.insert(
            "email".to_owned(),
            json!(format!("scenario.candidate.{}@example.com", self.id)),
        );
        // Actions newest first, an hour apart, the newest one `at`.
        if let Some(actions) = data.get_mut("action").and_then(Value::as_array_mut) {
            for (i, action) in actions.iter_mut().enumerate() {
                if let Some(action) = action.as_object_mut() {
                    let when = at - TimeDelta::hours(i as i64);
                    action.insert("date".to_owned(), json!(date(when)));
                }
            }
        }
        data.insert("latest_action".to_owned(), json!(date(at)));
    }
}

fn to_body(value: &Value) -> Vec<u8> {
    // Serialising a Value built from JSON cannot fail; an empty body would be flagged.
    serde_json::to_vec(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{RequestHead, Routes};
    use crate::hs::Level;

    fn urls() -> ScenarioUrls {
        ScenarioUrls {
            job: "http://127.0.0.1:1/job".to_owned(),
            candidate: "http://127.0.0.1:1/candidate".to_owned(),
        }
    }

    /// (event, type, id) of each row, and every finding that is not info.
    fn read(step: &Step) -> (Vec<(String, String, String)>, Vec<String>) {
        let path = step.request.url.trim_start_matches("http://127.0.0.1:1");
        let head = RequestHead::new(
            "POST",
            path,
            "test",
            step.request
                .headers
                .clone()
                .into_iter()
                .map(|(n, v)| (n, v.into_bytes())),
        );
        let routes = Routes::default();
        let capture = crate::capture::Received::loaded(
            1,
            chrono::Local::now().fixed_offset(),
            head,
            step.request.body.to_vec(),
            None,
            &routes,
        )
        .summarise(&routes);
        assert_eq!(capture.status(), 200, "{}", step.label);
        let rows = capture
            .summary
            .rows()
            .iter()
            .map(|row| {
                (
                    row.event()
                        .map(|e| e.as_str().to_owned())
                        .unwrap_or_default(),
                    row.entity()
                        .map(|e| e.as_str().to_owned())
                        .unwrap_or_default(),
                    row.entity_id.as_deref().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let findings = capture
            .all_findings()
            .into_iter()
            .flatten()
            .filter(|f| f.level > Level::Info)
            .map(|f| format!("{}: {} {} {}", step.label, f.level, f.pointer, f.message))
            .collect();
        (rows, findings)
    }

    #[test]
    fn every_generated_body_passes_the_spec_check() {
        let options = ScenarioOptions { size: 3, count: 4 };
        for scenario in Scenario::ALL {
            for step in scenario.steps(&urls(), &options) {
                let (rows, findings) = read(&step);
                assert!(!rows.is_empty(), "{}", step.label);
                assert_eq!(findings, Vec::<String>::new(), "{scenario}");
            }
        }
    }

    #[test]
    fn lifecycle_creates_updates_and_deletes_a_job_then_a_candidate() {
        let steps = Scenario::Lifecycle.steps(&urls(), &ScenarioOptions::default());
        let rows: Vec<_> = steps.iter().flat_map(|s| read(s).0).collect();
        let kinds: Vec<(&str, &str)> = rows
            .iter()
            .map(|(e, t, _)| (e.as_str(), t.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("creation", "job"),
                ("update", "job"),
                ("delete", "job"),
                ("creation", "candidate"),
                ("update", "candidate"),
                ("delete", "candidate"),
            ]
        );
        assert_eq!(rows[0].2, rows[2].2);
        assert_eq!(rows[3].2, rows[5].2);
        assert_ne!(rows[0].2, rows[3].2);
        assert!(steps[0].request.url.ends_with("/job"));
        assert!(steps[3].request.url.ends_with("/candidate"));
        let body = String::from_utf8_lossy(&steps[3].request.body).into_owned();
        assert!(body.contains("\"last_name\":\"Candidate 1\""), "{body}");
        let today = chrono::Local::now().format("%Y-%m-%d").to_string();
        assert!(
            body.contains(&format!("\"latest_action\":\"{today}T")),
            "{body}"
        );
    }

    #[test]
    fn batch_burst_and_duplicate_have_the_requested_shapes() {
        let options = ScenarioOptions { size: 5, count: 7 };
        let batch = Scenario::Batch.steps(&urls(), &options);
        assert_eq!(batch.len(), 1);
        let (rows, _) = read(&batch[0]);
        assert_eq!(rows.len(), 5);
        let mut ids: Vec<_> = rows.iter().map(|r| r.2.clone()).collect();
        ids.dedup();
        assert_eq!(ids.len(), 5);

        let burst = Scenario::Burst.steps(&urls(), &options);
        assert_eq!(burst.len(), 7);
        let mut ids: Vec<_> = burst.iter().map(|s| read(s).0[0].2.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 7);

        let duplicate = Scenario::Duplicate.steps(&urls(), &options);
        assert_eq!(duplicate.len(), 2);
        assert_eq!(duplicate[0].request, duplicate[1].request);
    }

    #[test]
    fn names_parse_and_unknown_ones_list_the_choices() {
        assert_eq!("out-of-order".parse(), Ok(Scenario::OutOfOrder));
        assert_eq!("Burst".parse(), Ok(Scenario::Burst));
        let error = "storm".parse::<Scenario>().unwrap_err();
        assert!(
            error.contains("lifecycle, batch, duplicate, out-of-order, burst"),
            "{error}"
        );
    }
}
