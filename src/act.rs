//! The command-line side of acting on webhooks: `hookscope send`,
//! `scenario`, `replay` and `curl`. Each prints to the writers it is given
//! (so that tests read what a user sees) and returns its exit status.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::capture::{Received, Routes};
use crate::cli::Command;
use crate::human::{self, counted};
use crate::outbound::curl::{curl_command, from_capture};
use crate::outbound::replay::replay_request;
use crate::outbound::scenario::{Scenario, ScenarioOptions, ScenarioUrls};
use crate::outbound::{Client, OutRequest, Outcome, Timeouts};
use crate::session::open::{self, SAMPLES};
use crate::task::Progress;

/// Exit status: every request was answered 2xx.
pub const ALL_2XX: u8 = 0;
/// Exit status: some request was answered otherwise, timed out or was refused.
pub const SOME_FAILED: u8 = 1;
/// Exit status: bad arguments or an unreadable file; nothing was sent.
pub const BAD_ARGS: u8 = 2;

/// The most of an answer's body shown on a line.
const EXCERPT_CHARS: usize = 80;

/// Runs `command` when it is one of these, returning its exit status.
pub fn dispatch(command: Option<&Command>) -> Option<u8> {
    let stdout = &mut Paced::new(std::io::stdout().lock());
    let stderr = &mut std::io::stderr().lock();
    let client = || Client::new(Timeouts::default());
    // As many idle connections kept as requests in flight.
    let pooled = |concurrency: usize| Client::with_connections(Timeouts::default(), concurrency);
    let status = match command? {
        Command::Send {
            url,
            bodies,
            headers,
            repeat,
            concurrency,
        } => {
            let options = SendOptions {
                url: url.clone(),
                bodies: bodies.clone(),
                headers: headers.clone(),
                repeat: *repeat,
                concurrency: *concurrency,
            };
            send(&options, &pooled(*concurrency), stdout, stderr)
        }
        Command::Scenario {
            name,
            job_url,
            candidate_url,
            size,
            count,
            concurrency,
        } => {
            let urls = ScenarioUrls {
                job: job_url.clone(),
                candidate: candidate_url.clone(),
            };
            let options = ScenarioOptions {
                size: *size,
                count: *count,
            };
            scenario(
                *name,
                &urls,
                &options,
                *concurrency,
                &pooled(*concurrency),
                stdout,
                stderr,
            )
        }
        Command::Replay { session, to, ids } => replay(session, to, ids, &client(), stdout, stderr),
        Command::Curl { session, id, to } => curl(session, *id, to.as_deref(), stdout, stderr),
        _ => return None,
    };
    Some(status)
}

// ---- send ---------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct SendOptions {
    pub url: String,
    /// File paths or `sample:NAME`.
    pub bodies: Vec<String>,
    /// `"Name: value"`.
    pub headers: Vec<String>,
    /// Times each body is sent.
    pub repeat: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
}

/// `hookscope send`: each body `repeat` times (bodies taking turns), at most
/// `concurrency` at once; a line per answer, then a summary.
pub fn send(
    options: &SendOptions,
    client: &Client,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let requests = match send_requests(options) {
        Ok(requests) => requests,
        Err(message) => {
            let _ = writeln!(err, "hookscope: {message}");
            return BAD_ARGS;
        }
    };
    let total = requests.len().saturating_mul(options.repeat.max(1));
    let mut tally = Tally::default();
    let started = Instant::now();
    run_all(
        client,
        total,
        |i| &requests[i % requests.len()],
        options.concurrency,
        |i, outcome| {
            let _ = writeln!(
                out,
                "#{} {} {}{}",
                i + 1,
                outcome.status_text(),
                millis(outcome.elapsed),
                excerpt(&outcome)
            );
            tally.add(&outcome);
        },
    );
    let _ = writeln!(
        out,
        "{}",
        tally.summary(["request", "requests"], started.elapsed())
    );
    let _ = out.flush();
    tally.status()
}

/// One request per body given, each with the headers given.
pub fn send_requests(options: &SendOptions) -> Result<Vec<OutRequest>, String> {
    check_url(&options.url)?;
    if options.bodies.is_empty() {
        return Err(format!(
            "nothing to send: give at least one body, a FILE or sample:NAME ({})",
            sample_names()
        ));
    }
    let headers = parse_headers(&options.headers)?;
    options
        .bodies
        .iter()
        .map(|source| {
            let body = read_body(source)?;
            let mut request = OutRequest::json_post(&options.url, body);
            if !headers.is_empty() {
                // A Content-Type given replaces the default one.
                if headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                {
                    request.headers.clear();
                }
                request.headers.extend(headers.iter().cloned());
            }
            Ok(request)
        })
        .collect()
}

/// The bytes of `sample:NAME` or of a file.
fn read_body(source: &str) -> Result<Vec<u8>, String> {
    if let Some(name) = source.strip_prefix("sample:") {
        let wanted = name.trim().trim_end_matches(".json");
        return SAMPLES
            .iter()
            .find(|(file, _)| file.trim_end_matches(".json") == wanted)
            .map(|(_, body)| body.as_bytes().to_vec())
            .ok_or_else(|| format!("no sample called \"{name}\" (use {})", sample_names()));
    }
    std::fs::read(source).map_err(|e| format!("cannot read {source}: {e}"))
}

fn sample_names() -> String {
    SAMPLES
        .iter()
        .map(|(file, _)| format!("sample:{}", file.trim_end_matches(".json")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `"Name: value"` → `("Name", "value")`.
pub fn parse_headers(headers: &[String]) -> Result<Vec<(String, String)>, String> {
    headers
        .iter()
        .map(|header| {
            let (name, value) = header
                .split_once(':')
                .ok_or_else(|| format!("\"{header}\" is not a header such as \"X-Name: value\""))?;
            let name = name.trim();
            let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
            if name.is_empty() || !name.chars().all(token) {
                return Err(format!("\"{name}\" is not a header name (in \"{header}\")"));
            }
            if value.contains(['\r', '\n']) {
                return Err(format!("the value of {name} has a line break"));
            }
            Ok((name.to_owned(), value.trim().to_owned()))
        })
        .collect()
}

/// A URL this client can send to, or why not.
fn check_url(url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
        .ok_or_else(|| format!("\"{url}\" is not a URL: it must start with http:// or https://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("\"{url}\" has no host"));
    }
    Ok(())
}

// ---- scenario -----------------------------------------------------------------

/// `hookscope scenario`: its steps in order (a burst's `concurrency` at
/// once), a line per step with `FAILED` on any that was not answered 2xx.
pub fn scenario(
    scenario: Scenario,
    urls: &ScenarioUrls,
    options: &ScenarioOptions,
    concurrency: usize,
    client: &Client,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    if let Err(message) = check_url(&urls.job).and_then(|()| check_url(&urls.candidate)) {
        let _ = writeln!(err, "hookscope: {message}");
        return BAD_ARGS;
    }
    let steps = scenario.steps(urls, options);
    let concurrency = if scenario.is_concurrent() {
        concurrency
    } else {
        1
    };
    let mut tally = Tally::default();
    let started = Instant::now();
    let count = steps.len();
    run_all(
        client,
        count,
        |i| &steps[i].request,
        concurrency,
        |i, outcome| {
            let step = &steps[i];
            let _ = writeln!(
                out,
                "[{}/{count}] {}: {} {} ({} B) -> {} {}{}",
                i + 1,
                step.label,
                step.request.method,
                step.request.url,
                step.request.body.len(),
                outcome.status_text(),
                millis(outcome.elapsed),
                if outcome.is_success() { "" } else { " FAILED" }
            );
            tally.add(&outcome);
        },
    );
    let what = [format!("{scenario} step"), format!("{scenario} steps")];
    let _ = writeln!(
        out,
        "{}",
        tally.summary([&what[0], &what[1]], started.elapsed())
    );
    let _ = out.flush();
    tally.status()
}

// ---- replay and curl ----------------------------------------------------------

/// The captures of a session (or HAR) file: those with these ids, or all,
/// in capture order.
fn captures_of(session: &Path, ids: &[u64]) -> Result<Vec<Received>, String> {
    let captures = open::read_file(session, &Routes::default(), &Progress::default())
        .map_err(|e| format!("cannot read {}: {e}", session.display()))?
        .captures;
    if let Some(missing) = ids.iter().find(|id| !captures.iter().any(|c| c.id == **id)) {
        let known = match (captures.first(), captures.last()) {
            (Some(first), Some(last)) => format!("its ids run from {} to {}", first.id, last.id),
            _ => "it has no captures".to_owned(),
        };
        return Err(format!(
            "{} has no capture {missing} ({known})",
            session.display()
        ));
    }
    Ok(captures
        .into_iter()
        .filter(|c| ids.is_empty() || ids.contains(&c.id))
        .collect())
}

/// `hookscope replay`: each capture (those with `ids`, or all) sent again to
/// `base_url`, one after another in capture order.
pub fn replay(
    session: &Path,
    base_url: &str,
    ids: &[u64],
    client: &Client,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let prepared = captures_of(session, ids).and_then(|captures| {
        captures
            .iter()
            .map(|c| Ok((c.id, c.head.url().to_owned(), replay_request(c, base_url)?)))
            .collect::<Result<Vec<_>, String>>()
    });
    let requests = match prepared {
        Ok(requests) => requests,
        Err(message) => {
            let _ = writeln!(err, "hookscope: {message}");
            return BAD_ARGS;
        }
    };
    let mut tally = Tally::default();
    let started = Instant::now();
    // In order, one at a time: the order of captures is part of what is replayed.
    run_all(
        client,
        requests.len(),
        |i| &requests[i].2,
        1,
        |i, outcome| {
            let (id, target, request) = &requests[i];
            let _ = writeln!(
                out,
                "capture {id} {} {target} -> {} {}{}",
                request.method,
                outcome.status_text(),
                millis(outcome.elapsed),
                if outcome.is_success() { "" } else { " FAILED" }
            );
            tally.add(&outcome);
        },
    );
    let _ = writeln!(
        out,
        "{}",
        tally.summary(["replay", "replays"], started.elapsed())
    );
    let _ = out.flush();
    tally.status()
}

/// `hookscope curl`: the command that sends capture `id` again.
pub fn curl(
    session: &Path,
    id: u64,
    base_url: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let command = captures_of(session, &[id]).and_then(|captures| {
        let capture = captures
            .first()
            .ok_or_else(|| format!("{} has no capture {id}", session.display()))?;
        from_capture(capture, base_url).map(|request| curl_command(&request))
    });
    match command {
        Ok(command) => {
            let _ = writeln!(out, "{command}");
            let _ = out.flush();
            ALL_2XX
        }
        Err(message) => {
            let _ = writeln!(err, "hookscope: {message}");
            BAD_ARGS
        }
    }
}

// ---- the pool and the figures -------------------------------------------------

/// Buffers lines and writes them out at most every [`Paced::EVERY`] (and on
/// flush, and when dropped): a send of 50,000 requests then costs a few
/// hundred writes to the terminal instead of 50,000, and lines still show as
/// they come (a line written within 50 ms of a flush waits for the next line
/// or the summary).
struct Paced<W: Write> {
    inner: std::io::BufWriter<W>,
    flushed: Instant,
}

impl<W: Write> Paced<W> {
    const EVERY: Duration = Duration::from_millis(50);

    fn new(inner: W) -> Self {
        Self {
            inner: std::io::BufWriter::with_capacity(64 * 1024, inner),
            flushed: Instant::now(),
        }
    }
}

impl<W: Write> Write for Paced<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(bytes)?;
        if bytes[..written].contains(&b'\n') && self.flushed.elapsed() >= Self::EVERY {
            self.flush()?;
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.flushed = Instant::now();
        self.inner.flush()
    }
}

/// Sends requests `0..count` (`request(i)` is the i-th) from at most
/// `concurrency` threads sharing `client` and its connections; `done` sees
/// each outcome on the calling thread, as it comes (in order when
/// `concurrency` is 1).
pub fn run_all<'a>(
    client: &Client,
    count: usize,
    request: impl Fn(usize) -> &'a OutRequest + Sync,
    concurrency: usize,
    mut done: impl FnMut(usize, Outcome),
) {
    if concurrency <= 1 {
        for i in 0..count {
            done(i, client.send(request(i)));
        }
        return;
    }
    let next = AtomicUsize::new(0);
    let (results, outcomes) = crossbeam_channel::bounded::<(usize, Outcome)>(1024);
    std::thread::scope(|scope| {
        for _ in 0..concurrency.min(count) {
            let results = results.clone();
            let (next, request) = (&next, &request);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    if results.send((i, client.send(request(i)))).is_err() {
                        break;
                    }
                }
            });
        }
        // The workers hold the only senders left: the loop ends with them.
        drop(results);
        for (i, outcome) in outcomes {
            done(i, outcome);
        }
    });
}

/// Outcomes counted and timed, for the summary line and the exit status.
#[derive(Default)]
struct Tally {
    times: Vec<Duration>,
    failed: usize,
}

impl Tally {
    fn add(&mut self, outcome: &Outcome) {
        self.times.push(outcome.elapsed);
        if !outcome.is_success() {
            self.failed += 1;
        }
    }

    fn status(&self) -> u8 {
        if self.failed == 0 {
            ALL_2XX
        } else {
            SOME_FAILED
        }
    }

    /// "100 requests in 0.52 s (192 req/s): 0 not 2xx; p50 4.1 ms, p99 9.0 ms".
    fn summary(&mut self, [one, many]: [&str; 2], wall: Duration) -> String {
        self.times.sort_unstable();
        let count = self.times.len();
        let rate = count as f64 / wall.as_secs_f64().max(1e-9);
        format!(
            "{} in {:.2} s ({} req/s): {} not 2xx; p50 {}, p99 {}",
            counted(count, one, many),
            wall.as_secs_f64(),
            human::count(rate.round() as u64),
            human::count(self.failed),
            self.percentile(50),
            self.percentile(99)
        )
    }

    /// Nearest rank; "-" when nothing was sent.
    fn percentile(&self, p: usize) -> String {
        let rank = (self.times.len() * p).div_ceil(100).max(1);
        self.times
            .get(rank - 1)
            .map_or_else(|| "-".to_owned(), |t| millis(*t))
    }
}

fn millis(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// " " and the answer's body on one line, at most [`EXCERPT_CHARS`]
/// characters; nothing when there is no answer or no body.
fn excerpt(outcome: &Outcome) -> String {
    let Ok(response) = &outcome.result else {
        return String::new();
    };
    let text = String::from_utf8_lossy(&response.body);
    let mut line: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(EXCERPT_CHARS + 1)
        .collect();
    if line.chars().count() > EXCERPT_CHARS {
        line = line.chars().take(EXCERPT_CHARS - 1).collect();
        line.push('…');
    }
    if line.is_empty() {
        line
    } else {
        format!(" {line}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_and_bad_ones_are_named() {
        let parsed = parse_headers(&["X-A: 1".to_owned(), "Content-Type:text/plain".to_owned()]);
        assert_eq!(
            parsed,
            Ok(vec![
                ("X-A".to_owned(), "1".to_owned()),
                ("Content-Type".to_owned(), "text/plain".to_owned())
            ])
        );
        assert!(
            parse_headers(&["no colon".to_owned()])
                .unwrap_err()
                .contains("no colon")
        );
        assert!(parse_headers(&["Bad Name: 1".to_owned()]).is_err());
    }

    #[test]
    fn paced_lines_all_come_out() {
        let mut out = Vec::new();
        {
            let mut paced = Paced::new(&mut out);
            for i in 0..1000 {
                writeln!(paced, "line {i}").unwrap();
            }
        }
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1000);
        assert_eq!(text.lines().last(), Some("line 999"));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut tally = Tally::default();
        for ms in 1..=100 {
            tally.times.push(Duration::from_millis(ms));
        }
        tally.failed = 3;
        let line = tally.summary(["request", "requests"], Duration::from_secs(1));
        assert!(
            line.starts_with(
                "100 requests in 1.00 s (100 req/s): 3 not 2xx; p50 50.0 ms, p99 99.0 ms"
            ),
            "{line}"
        );
        assert_eq!(tally.status(), SOME_FAILED);
        assert_eq!(Tally::default().percentile(50), "-");
    }

    #[test]
    fn no_body_or_a_bad_sample_is_an_argument_error() {
        let options = SendOptions {
            url: "http://127.0.0.1:9/job".to_owned(),
            bodies: vec![],
            headers: vec![],
            repeat: 1,
            concurrency: 1,
        };
        assert!(
            send_requests(&options)
                .unwrap_err()
                .contains("sample:job_creation")
        );
        let sample = SendOptions {
            bodies: vec!["sample:job_creation".to_owned()],
            ..options.clone()
        };
        let requests = send_requests(&sample).unwrap();
        assert_eq!(&requests[0].body[..], SAMPLES[0].1.as_bytes());
        let typo = SendOptions {
            bodies: vec!["sample:job_creaton".to_owned()],
            ..options.clone()
        };
        assert!(send_requests(&typo).unwrap_err().contains("job_creaton"));
        let url = SendOptions {
            url: "localhost:8090/job".to_owned(),
            ..sample
        };
        assert!(send_requests(&url).unwrap_err().contains("http://"));
    }
}
