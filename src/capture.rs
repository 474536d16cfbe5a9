//! One received HTTP request, kept byte for byte, and what it means: the rows
//! it yields and the response it deserves. Summaries are derived from the
//! bytes, never the source of truth.

use chrono::{DateTime, FixedOffset, SecondsFormat, SubsecRound};
use serde_json::json;

use crate::hs::finding::Code;
use crate::hs::{self, EntityType, EventKind, Finding, Level};

/// The two webhook paths an integrator configures on the ATS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Routes {
    pub job_path: String,
    pub candidate_path: String,
}

impl Default for Routes {
    fn default() -> Self {
        Self {
            job_path: "/job".to_owned(),
            candidate_path: "/candidate".to_owned(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Job,
    Candidate,
    Other,
}

impl Routes {
    pub fn route(&self, url: &str) -> Route {
        let path = url.split(['?', '#']).next().unwrap_or(url);
        if path == self.job_path {
            Route::Job
        } else if path == self.candidate_path {
            Route::Candidate
        } else {
            Route::Other
        }
    }
}

/// Now, in local time, to the millisecond: the precision sessions keep, so
/// that a capture survives export and import unchanged.
pub fn received_now() -> DateTime<FixedOffset> {
    chrono::Local::now().fixed_offset().trunc_subsecs(3)
}

/// One request as received. `summary` is derived from the other fields.
#[derive(Clone, Debug)]
pub struct Capture {
    pub id: u64,
    pub received_at: DateTime<FixedOffset>,
    pub remote_addr: String,
    pub method: String,
    pub url: String,
    /// In received order, duplicates kept.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub response_status: u16,
    pub summary: Summary,
}

impl Capture {
    pub fn received_at_text(&self) -> String {
        self.received_at
            .to_rfc3339_opts(SecondsFormat::Millis, false)
    }

    /// The JSON body that was (or would have been) answered.
    pub fn response_body(&self) -> &str {
        &self.summary.response_body
    }
}

/// Why a body was refused unread: its announced length, and the cap it broke
/// (either may be unknown, e.g. for a capture read back from a file).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Oversize {
    pub announced: Option<u64>,
    pub cap: Option<u64>,
}

/// What a request means: its rows (at least one) and the response it gets.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub route: Route,
    pub rows: Vec<RowSummary>,
    pub response_status: u16,
    pub response_body: String,
}

/// One table row: an event of the body, or the request's error when it has
/// no valid event.
#[derive(Clone, Debug, PartialEq)]
pub struct RowSummary {
    /// Index of the envelope in the body (0 for a single object).
    pub element: Option<u32>,
    pub event: Option<EventKind>,
    pub entity: Option<EntityType>,
    pub entity_id: Option<String>,
    pub label: String,
    /// Pointers relative to the whole body.
    pub findings: Vec<Finding>,
}

impl RowSummary {
    /// The worst finding's level, `None` when all is well.
    pub fn level(&self) -> Option<Level> {
        self.findings.iter().map(|f| f.level).max()
    }

    pub fn status(&self) -> Status {
        match self.level() {
            Some(Level::Error) => Status::Error,
            Some(Level::Warning) => Status::Warning,
            _ => Status::Ok,
        }
    }

    fn problem_only(findings: Vec<Finding>) -> Self {
        Self {
            element: None,
            event: None,
            entity: None,
            entity_id: None,
            label: String::new(),
            findings,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Ok,
    Warning,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Error => "error",
        }
    }
}

impl Summary {
    /// Reads a request per the spec and decides its response.
    pub fn of_request(method: &str, url: &str, body: &[u8], routes: &Routes) -> Self {
        let route = routes.route(url);
        let mut request_findings = Vec::new();
        let mut refusal: Option<(u16, String)> = None;
        if !method.eq_ignore_ascii_case("POST") {
            let message = format!("{method} request: the ATS sends webhooks as POST");
            request_findings.push(Finding::warning("", message.clone()));
            refusal = Some((405, message));
        }
        if route == Route::Other {
            let path = url.split(['?', '#']).next().unwrap_or(url);
            let message = format!(
                "no webhook endpoint at {path}: the job path is {} and the candidate path is {}",
                routes.job_path, routes.candidate_path
            );
            request_findings.push(Finding::warning("", message.clone()));
            refusal.get_or_insert((404, message));
        }

        // What makes the body not a webhook at all; the data's conformance
        // problems are findings, shown but not refused.
        let mut rejections: Vec<Finding> = Vec::new();
        let rows = match hs::parse_body(body) {
            Err(error) => {
                let finding = Finding::error("", error.to_string());
                rejections.push(finding.clone());
                let findings = request_findings.iter().cloned().chain([finding]).collect();
                vec![RowSummary::problem_only(findings)]
            }
            Ok(elements) => {
                let single = elements.len() == 1 && body_is_object(body);
                elements
                    .into_iter()
                    .enumerate()
                    .map(|(i, element)| {
                        let prefix = if single {
                            String::new()
                        } else {
                            format!("/{i}")
                        };
                        let mut row = match element {
                            Ok(envelope) => {
                                rejections.extend(
                                    envelope
                                        .findings
                                        .iter()
                                        .filter(|f| f.level == Level::Error)
                                        .cloned()
                                        .map(|f| f.under(&prefix)),
                                );
                                event_row(&envelope, &prefix, route)
                            }
                            Err(message) => {
                                let finding = Finding::error(&prefix, message);
                                rejections.push(finding.clone());
                                RowSummary::problem_only(vec![finding])
                            }
                        };
                        row.element = Some(i as u32);
                        row.findings.splice(0..0, request_findings.iter().cloned());
                        row
                    })
                    .collect()
            }
        };

        let (response_status, response_body) = match refusal {
            Some((status, message)) => (status, json!({ "error": message }).to_string()),
            None => respond(&rejections, rows.len()),
        };
        Self {
            route,
            rows,
            response_status,
            response_body,
        }
    }

    /// A request refused unread because its body is over the cap.
    pub fn oversize(url: &str, routes: &Routes, oversize: Oversize) -> Self {
        let size = oversize
            .announced
            .map(|len| format!(" of {len} bytes"))
            .unwrap_or_default();
        let cap = oversize
            .cap
            .map(|cap| format!("the {cap} byte cap"))
            .unwrap_or_else(|| "the cap".to_owned());
        let message = format!("the body{size} is over {cap}: refused unread");
        let body = json!({ "error": message, "max_body": oversize.cap });
        Self::refused(url, routes, 413, message, body)
    }

    /// A request whose body could not be read whole.
    pub fn broken_body(url: &str, routes: &Routes, problem: &str) -> Self {
        let message = format!("the body could not be read whole: {problem}");
        let body = json!({ "error": message });
        Self::refused(url, routes, 400, message, body)
    }

    /// A request with no event to read: one error row, and its answer.
    fn refused(
        url: &str,
        routes: &Routes,
        status: u16,
        message: String,
        body: serde_json::Value,
    ) -> Self {
        Self {
            route: routes.route(url),
            rows: vec![RowSummary::problem_only(vec![Finding::error("", message)])],
            response_status: status,
            response_body: body.to_string(),
        }
    }
}

fn body_is_object(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
}

fn event_row(envelope: &hs::Envelope, prefix: &str, route: Route) -> RowSummary {
    // The envelope's shape and the data's conformance to the spec.
    let mut findings = hs::conformance::check(envelope);
    for finding in &mut findings {
        finding.pointer.insert_str(0, prefix);
    }

    let expected = match route {
        Route::Job => Some(EntityType::Job),
        Route::Candidate => Some(EntityType::Candidate),
        Route::Other => None,
    };
    if let Some(expected) = expected
        && matches!(envelope.entity, EntityType::Job | EntityType::Candidate)
        && envelope.entity != expected
    {
        findings.push(
            Finding::warning(
                format!("{prefix}/type"),
                format!("a {} event on the {} path", envelope.entity, expected),
            )
            .with_code(Code::WrongPath),
        );
    }
    if let Some(looks_like) = envelope.data_looks_like()
        && matches!(envelope.entity, EntityType::Job | EntityType::Candidate)
        && looks_like != envelope.entity
    {
        findings.push(
            Finding::warning(
                format!("{prefix}/type"),
                format!(
                    "the type says {} but the data looks like a {looks_like}",
                    envelope.entity
                ),
            )
            .with_code(Code::TypeMismatch),
        );
    }
    RowSummary {
        element: None,
        event: Some(envelope.event.clone()),
        entity: Some(envelope.entity.clone()),
        entity_id: envelope.entity_id(),
        label: envelope.label(),
        findings,
    }
}

/// 200 with the count of events, or 400 naming what makes the body not a
/// webhook.
fn respond(rejections: &[Finding], events: usize) -> (u16, String) {
    match rejections.first() {
        None => (200, json!({ "received": events }).to_string()),
        Some(first) => {
            let problems: Vec<_> = rejections
                .iter()
                .take(20)
                .map(|f| json!({ "pointer": f.pointer, "message": f.message }))
                .collect();
            let body = json!({ "error": first.message, "problems": problems });
            (400, body.to_string())
        }
    }
}
