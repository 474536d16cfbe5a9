//! One received HTTP request, kept byte for byte, and what it means: the rows
//! it yields and the response it deserves. Summaries are derived from the
//! bytes, never the source of truth.

pub mod answer;
pub mod decode;
pub mod head;
pub mod summary;

use chrono::{DateTime, FixedOffset, SecondsFormat, SubsecRound};

use crate::hs::{self, Finding};

pub use answer::{Answer, Refusal};
pub use decode::Coding;
pub use head::{Header, RequestHead};
pub use summary::{Parts, RowSummary, Summary, Tally};

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
        let path = summary::path_of(url);
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

/// A request as received and answered, before it is summarised.
#[derive(Clone, Debug, PartialEq)]
pub struct Received {
    pub id: u64,
    pub received_at: DateTime<FixedOffset>,
    pub head: RequestHead,
    /// Exactly the bytes received.
    pub body: Box<[u8]>,
    /// The body undone from its Content-Encoding, when it was sent encoded.
    pub decoded: Option<Box<Decoded>>,
    pub answer: Answer,
}

/// A body as decoded from the codings it was sent with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub codings: Vec<Coding>,
    pub bytes: Box<[u8]>,
}

impl Decoded {
    /// "gzip", "deflate, gzip": the codings as sent.
    pub fn names(&self) -> String {
        names(&self.codings)
    }
}

fn names(codings: &[Coding]) -> String {
    codings
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// How far a body read from a file may decode: files are not sent by a
/// sender, but a bomb in one must not take the memory either.
pub const LOADED_DECODE_LIMIT: u64 = 256 * 1024 * 1024;

/// The body undone from the codings its Content-Encoding names, decoding
/// at most `limit` bytes: `None` when it was not encoded, a refusal when it
/// cannot be decoded.
pub fn decode_content(
    head: &RequestHead,
    body: &[u8],
    limit: u64,
) -> Result<Option<Box<Decoded>>, Refusal> {
    let codings = decode::codings(head.all("content-encoding"))
        .map_err(|coding| Refusal::UnknownEncoding { coding })?;
    if codings.is_empty() {
        return Ok(None);
    }
    match decode::decode(&codings, body, limit) {
        Ok(bytes) => Ok(Some(Box::new(Decoded {
            codings,
            bytes: bytes.into_boxed_slice(),
        }))),
        Err(decode::DecodeError::TooLarge { limit, .. }) => Err(Refusal::DecodesTooLarge {
            coding: names(&codings),
            cap: limit,
        }),
        Err(e) => Err(Refusal::BadEncoding {
            reason: e.to_string(),
        }),
    }
}

/// What a request gets when its body arrived whole: the decoded content (if
/// it was encoded) and the answer, read from the envelopes only.
pub fn answer(
    head: &RequestHead,
    body: &[u8],
    routes: &Routes,
    cap: u64,
) -> (Option<Box<Decoded>>, Answer) {
    let (decoded, refusal) = match decode_content(head, body, cap) {
        Ok(decoded) => (decoded, None),
        Err(refusal) => (None, Some(refusal)),
    };
    let answer = if !head.method().eq_ignore_ascii_case("POST") {
        Answer::NotPost
    } else if routes.route(head.url()) == Route::Other {
        Answer::refused(Refusal::NoEndpoint {
            job_path: routes.job_path.clone(),
            candidate_path: routes.candidate_path.clone(),
        })
    } else if let Some(refusal) = refusal {
        Answer::refused(refusal)
    } else {
        let content = decoded.as_ref().map_or(body, |d| &d.bytes[..]);
        match hs::shape::check(content) {
            Ok(events) => Answer::Received {
                events: u32::try_from(events).unwrap_or(u32::MAX),
            },
            Err(_) => Answer::NotWebhook,
        }
    };
    (decoded, answer)
}

impl Received {
    /// A request read back from a file that kept its bytes and, maybe, the
    /// status it was answered: the answer is derived again, and where the
    /// file says otherwise, the file's status stands.
    pub fn loaded(
        id: u64,
        received_at: DateTime<FixedOffset>,
        head: RequestHead,
        body: Vec<u8>,
        recorded: Option<u16>,
        routes: &Routes,
    ) -> Self {
        let (decoded, derived) = answer(&head, &body, routes, LOADED_DECODE_LIMIT);
        let answer = match recorded {
            None => derived,
            Some(status) if status == derived.status() => derived,
            Some(413) if body.is_empty() => Answer::refused(Refusal::TooLarge {
                announced: head
                    .header("content-length")
                    .and_then(|v| std::str::from_utf8(v).ok())
                    .and_then(|v| v.trim().parse().ok()),
                cap: None,
            }),
            Some(status) => Answer::Recorded(status),
        };
        Self {
            id,
            received_at,
            head,
            body: body.into_boxed_slice(),
            decoded,
            answer,
        }
    }

    /// The body as its events are read: decoded when it was sent encoded.
    pub fn content(&self) -> &[u8] {
        self.decoded.as_ref().map_or(&self.body, |d| &d.bytes)
    }

    pub fn received_at_text(&self) -> String {
        self.received_at
            .to_rfc3339_opts(SecondsFormat::Millis, false)
    }

    /// The JSON body that was (or would have been) answered.
    pub fn response_body(&self) -> String {
        self.answer.body(
            self.head.method(),
            summary::path_of(self.head.url()),
            self.content(),
        )
    }

    pub fn status(&self) -> u16 {
        self.answer.status()
    }

    fn parts(&self, route: Route) -> Parts<'_> {
        Parts {
            head: &self.head,
            content: self.content(),
            answer: &self.answer,
            route,
        }
    }

    /// Its rows, read from its bytes. A bug in reading them costs this
    /// capture its rows, never the capture or the ones after it.
    pub fn summarise(self, routes: &Routes) -> Capture {
        let route = routes.route(self.head.url());
        let parts = self.parts(route);
        let summary = std::panic::catch_unwind(move || Summary::derive(parts))
            .unwrap_or_else(|_| Summary::unreadable(route));
        Capture {
            received: self,
            summary,
        }
    }
}

/// One request as received, with the rows derived from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Capture {
    received: Received,
    pub summary: Summary,
}

impl std::ops::Deref for Capture {
    type Target = Received;

    fn deref(&self) -> &Received {
        &self.received
    }
}

impl std::ops::DerefMut for Capture {
    fn deref_mut(&mut self) -> &mut Received {
        &mut self.received
    }
}

impl Capture {
    /// The findings of row `row`, with their messages: derived again, as
    /// counted in its tally.
    pub fn findings(&self, row: u32) -> Vec<Finding> {
        summary::findings(self.received.parts(self.summary.route))
            .into_iter()
            .nth(row as usize)
            .unwrap_or_default()
    }

    /// The findings of every row, derived again.
    pub fn all_findings(&self) -> Vec<Vec<Finding>> {
        summary::findings(self.received.parts(self.summary.route))
    }

    pub fn received(&self) -> &Received {
        &self.received
    }

    pub fn into_received(self) -> Received {
        self.received
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
