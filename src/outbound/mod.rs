//! Requests hookscope sends itself: sends (playing the ATS), scenario steps,
//! replays and forwards. Each one and its answer is an [`Exchange`], kept in
//! the session beside the captures. Nothing here knows of egui; the HTTP
//! work runs on named workers ([`client`]), never on the UI thread or on the
//! listener's request workers.

pub mod client;
pub mod curl;
pub mod outbox;
pub mod replay;

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

pub use client::{Client, Timeouts};
pub use outbox::{ExchangeIds, Outbox};

/// A request to send, exactly: method, absolute URL, headers in order
/// (duplicates kept) and body bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Box<[u8]>,
}

impl OutRequest {
    /// A JSON POST, as the ATS sends a webhook.
    pub fn json_post(url: impl Into<String>, body: impl Into<Box<[u8]>>) -> Self {
        Self {
            method: "POST".to_owned(),
            url: url.into(),
            headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
            body: body.into(),
        }
    }
}

/// What a target answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// At most [`client::MAX_ANSWER_BODY`] bytes.
    pub body: Box<[u8]>,
}

impl OutResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no answer came back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum Failure {
    /// Nothing listens there, or the host cannot be reached or resolved.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The connect or total timeout passed.
    #[error("timed out after {0} ms")]
    TimedOut(u64),
    /// The URL, a header or the answer could not be used.
    #[error("{0}")]
    Other(String),
}

/// A request's fate: its answer or why there is none, and how long it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub elapsed: Duration,
    pub result: Result<OutResponse, Failure>,
}

impl Outcome {
    /// Whether the target answered 2xx.
    pub fn is_success(&self) -> bool {
        self.result.as_ref().is_ok_and(OutResponse::is_success)
    }

    /// "200", "502", "unreachable: …": one word for a table cell or a CLI line.
    pub fn status_text(&self) -> String {
        match &self.result {
            Ok(response) => response.status.to_string(),
            Err(failure) => failure.to_string(),
        }
    }
}

/// How a forwarded request is answered to its sender.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardMode {
    /// hookscope answers at once; the forward runs behind.
    #[default]
    Copy,
    /// hookscope answers with the target's answer (502/504 when it has none).
    Proxy,
}

/// Why hookscope sent a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Origin {
    /// Composed in the Send view or by `hookscope send`.
    Send,
    /// A step of a built-in scenario.
    Scenario { name: String, step: String },
    /// Capture `capture` sent again.
    Replay { capture: u64 },
    /// Capture `capture` passed on to the forward target.
    Forward { capture: u64, mode: ForwardMode },
}

/// One request hookscope sent and what came of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// Unique within a session, in the order sent.
    pub id: u64,
    pub started_at: DateTime<FixedOffset>,
    pub origin: Origin,
    pub request: OutRequest,
    pub outcome: Outcome,
}
