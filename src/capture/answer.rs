//! What a sender was answered and why. The status and the JSON body are
//! derived from it (for a body that is not a webhook, from the body too), so
//! a capture keeps a few bytes instead of the text it sent.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::hs::{self, Finding};

/// The answer to one request. The common answers take no room; the rare
/// ones are boxed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// 200 `{"received": events}`.
    Received {
        events: u32,
    },
    /// 400: the body is not a webhook; the reasons are read again from it.
    NotWebhook,
    /// 405: the ATS sends webhooks as POST.
    NotPost,
    Refused(Box<Refusal>),
    /// Read from a file that keeps only the status sent.
    Recorded(u16),
    /// Not hookscope's own answer: one the user chose, or the forward
    /// target's (proxy mode).
    Replaced(Box<Replaced>),
}

/// An answer sent instead of hookscope's own, exactly as sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replaced {
    pub status: u16,
    /// Sent as they are, besides `Content-Length` (and `Connection`).
    pub headers: Vec<(String, String)>,
    #[serde(with = "base64_bytes")]
    pub body: Box<[u8]>,
    pub by: ReplacedBy,
    /// What hookscope would have answered: its findings still hold.
    pub verdict: Answer,
}

/// Who chose a replaced answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ReplacedBy {
    /// The path's chosen answer (status, body, delay).
    Chosen { delay_ms: u64 },
    /// The path's "fail one request in N".
    FailOneIn { n: u32 },
    /// The forward target's answer, passed on.
    Proxy,
    /// The forward target gave no answer: 502 or 504, with why.
    ProxyFailed { reason: String },
}

/// Bytes as one base64 string in JSON.
mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Box<[u8]>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD
            .decode(text)
            .map(Vec::into_boxed_slice)
            .map_err(serde::de::Error::custom)
    }
}

/// The rarer answers, with what they need to be told again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// 404: neither webhook path; the answer names them.
    NoEndpoint {
        job_path: String,
        candidate_path: String,
    },
    /// 413: the body (as announced, or as received) is over the cap.
    TooLarge {
        announced: Option<u64>,
        cap: Option<u64>,
    },
    /// 413: the body was small but decodes to more than the cap.
    DecodesTooLarge { coding: String, cap: u64 },
    /// 415: a content coding hookscope cannot undo.
    UnknownEncoding { coding: String },
    /// 400: the body does not decode as its Content-Encoding says.
    BadEncoding { reason: String },
    /// 408: the sender stopped sending before the end of the body.
    Stalled {
        received: u64,
        announced: Option<u64>,
    },
    /// 400: the sender closed the connection before the end of the body.
    Closed {
        received: u64,
        announced: Option<u64>,
    },
    /// 400: chunked framing that cannot be read.
    BadChunk { received: u64, reason: String },
    /// 503: the capture could not be journalled, so it was not acknowledged.
    NotJournalled { reason: String },
}

impl Answer {
    pub fn refused(refusal: Refusal) -> Self {
        Self::Refused(Box::new(refusal))
    }

    pub fn status(&self) -> u16 {
        match self {
            Answer::Received { .. } => 200,
            Answer::NotWebhook => 400,
            Answer::NotPost => 405,
            Answer::Recorded(status) => *status,
            Answer::Replaced(replaced) => replaced.status,
            Answer::Refused(refusal) => match **refusal {
                Refusal::NoEndpoint { .. } => 404,
                Refusal::TooLarge { .. } | Refusal::DecodesTooLarge { .. } => 413,
                Refusal::UnknownEncoding { .. } => 415,
                Refusal::Stalled { .. } => 408,
                Refusal::BadEncoding { .. } | Refusal::Closed { .. } | Refusal::BadChunk { .. } => {
                    400
                }
                Refusal::NotJournalled { .. } => 503,
            },
        }
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status())
    }

    /// Why the body's content was not read for events, as an error finding
    /// on every row; `None` when it was (or the request is only refused for
    /// its method or path, which [`Answer::request_finding`] says).
    pub fn body_finding(&self) -> Option<Finding> {
        if let Answer::Replaced(replaced) = self {
            return replaced.verdict.body_finding();
        }
        let Answer::Refused(refusal) = self else {
            return None;
        };
        let message = match &**refusal {
            Refusal::NotJournalled { .. } | Refusal::NoEndpoint { .. } => return None,
            _ => self.message(None, "")?,
        };
        Some(Finding::error("", message))
    }

    /// A finding every row carries whatever its content: the journal.
    pub fn capture_finding(&self) -> Option<Finding> {
        match self {
            Answer::Replaced(replaced) => replaced.verdict.capture_finding(),
            Answer::Refused(refusal) => match &**refusal {
                Refusal::NotJournalled { reason } => Some(Finding::error(
                    "",
                    format!("could not write the journal: {reason}"),
                )),
                _ => None,
            },
            _ => None,
        }
    }

    /// The JSON body sent with this answer. `content` is the (decoded) body,
    /// read again for the reasons a body is not a webhook; `path` names the
    /// request's path in a 404, `method` its method in a 405.
    pub fn body(&self, method: &str, path: &str, content: &[u8]) -> String {
        match self {
            Answer::Received { events } => json!({ "received": events }).to_string(),
            Answer::Replaced(replaced) => String::from_utf8_lossy(&replaced.body).into_owned(),
            // A file kept only the status: a success was the count of events.
            Answer::Recorded(200..=299) if hs::shape::check(content).is_ok() => {
                let events = hs::shape::check(content).unwrap_or_default();
                json!({ "received": events }).to_string()
            }
            Answer::NotWebhook => {
                let problems = hs::shape::check(content).err().unwrap_or_default();
                let first = problems.first().map_or_else(
                    || "the body is not a webhook".to_owned(),
                    |f| f.message.clone(),
                );
                let listed: Vec<_> = problems
                    .iter()
                    .take(20)
                    .map(|f| json!({ "pointer": f.pointer, "message": f.message }))
                    .collect();
                json!({ "error": first, "problems": listed }).to_string()
            }
            _ => {
                let message = self
                    .message(Some(method), path)
                    .unwrap_or_else(|| format!("answered {}", self.status()));
                match self.cap() {
                    Some(cap) => json!({ "error": message, "max_body": cap }),
                    None => json!({ "error": message }),
                }
                .to_string()
            }
        }
    }

    /// For a 413, the cap it names (`Some(None)` when unknown).
    fn cap(&self) -> Option<Option<u64>> {
        let Answer::Refused(refusal) = self else {
            return None;
        };
        match **refusal {
            Refusal::TooLarge { cap, .. } => Some(cap),
            Refusal::DecodesTooLarge { cap, .. } => Some(Some(cap)),
            _ => None,
        }
    }

    /// What the answer says in words, when it refuses; `None` for a 200 or a
    /// recorded status.
    pub fn message(&self, method: Option<&str>, path: &str) -> Option<String> {
        Some(match self {
            Answer::Received { .. }
            | Answer::Recorded(_)
            | Answer::NotWebhook
            | Answer::Replaced(_) => return None,
            Answer::NotPost => format!(
                "{} request: the ATS sends webhooks as POST",
                method.unwrap_or("this")
            ),
            Answer::Refused(refusal) => match &**refusal {
                Refusal::NoEndpoint {
                    job_path,
                    candidate_path,
                } => format!(
                    "no webhook endpoint at {path}: the job path is {job_path} and the candidate path is {candidate_path}"
                ),
                Refusal::TooLarge { announced, cap } => {
                    let size = announced
                        .map(|len| format!(" of {len} bytes"))
                        .unwrap_or_default();
                    let cap = cap
                        .map(|cap| format!("the {cap} byte cap"))
                        .unwrap_or_else(|| "the cap".to_owned());
                    format!("the body{size} is over {cap}: refused unread")
                }
                Refusal::DecodesTooLarge { coding, cap } => {
                    format!("the body decoded from {coding} is over the {cap} byte cap")
                }
                Refusal::UnknownEncoding { coding } => format!(
                    "the body is encoded as \"{coding}\", which hookscope cannot decode (gzip and deflate can be)"
                ),
                Refusal::BadEncoding { reason } => reason.clone(),
                Refusal::Stalled {
                    received,
                    announced,
                } => format!(
                    "the sender stalled after {received}{} bytes: the body could not be read whole",
                    of(*announced)
                ),
                Refusal::Closed {
                    received,
                    announced,
                } => format!(
                    "the body could not be read whole: the sender closed after {received}{} bytes",
                    of(*announced)
                ),
                Refusal::BadChunk { received, reason } => format!(
                    "the body could not be read whole: bad chunked encoding after {received} bytes ({reason})"
                ),
                Refusal::NotJournalled { reason } => {
                    format!("could not write the journal: {reason}")
                }
            },
        })
    }
}

/// The standard reason phrase of a status code.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

fn of(announced: Option<u64>) -> String {
    announced.map(|n| format!(" of {n}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_bodies() {
        let received = Answer::Received { events: 2 };
        assert_eq!(received.status(), 200);
        assert_eq!(received.body("POST", "/job", b""), r#"{"received":2}"#);

        let not_webhook = Answer::NotWebhook;
        let body = not_webhook.body("POST", "/job", br#"{"event":"creation"}"#);
        assert_eq!(not_webhook.status(), 400);
        assert!(body.contains("the envelope has no \\\"type\\\""), "{body}");

        let too_large = Answer::refused(Refusal::TooLarge {
            announced: Some(5000),
            cap: Some(1000),
        });
        assert_eq!(too_large.status(), 413);
        let body = too_large.body("POST", "/job", b"");
        assert!(body.contains("\"max_body\":1000"), "{body}");
        assert!(body.contains("of 5000 bytes"), "{body}");

        let stalled = Answer::refused(Refusal::Stalled {
            received: 10,
            announced: Some(100),
        });
        assert_eq!(stalled.status(), 408);
        assert!(
            stalled
                .body("POST", "/job", b"")
                .contains("stalled after 10 of 100 bytes")
        );
        assert_eq!(Answer::NotPost.status(), 405);
        assert!(
            Answer::NotPost
                .body("GET", "/job", b"")
                .contains("GET request")
        );
        let no_endpoint = Answer::refused(Refusal::NoEndpoint {
            job_path: "/job".to_owned(),
            candidate_path: "/candidate".to_owned(),
        });
        assert_eq!(no_endpoint.status(), 404);
        assert!(
            no_endpoint
                .body("POST", "/x", b"")
                .contains("no webhook endpoint at /x: the job path is /job")
        );
        assert_eq!(Answer::Recorded(418).status(), 418);
    }

    #[test]
    fn an_answer_stays_small() {
        assert!(std::mem::size_of::<Answer>() <= 16);
    }
}
