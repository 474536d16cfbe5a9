//! Fixtures shared by the integration tests, written once: the spec's
//! samples, requests and captures made as the listener or a file would make
//! them, what a round trip must keep, an HTTP client, the app under
//! egui_kittest, and the real binary.
//!
//! Each test file uses a part of this (`mod common;`), hence the allowance.
#![allow(dead_code)]

pub mod front;
pub mod listening;
pub mod target;

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use crossbeam_channel::{Receiver, unbounded};
use egui_kittest::Harness;
use hookscope::capture::answer::{Replaced, ReplacedBy};
use hookscope::capture::{Answer, Capture, Received, RequestHead, Routes};
use hookscope::listener::ListenerConfig;
use hookscope::outbound::{Exchange, Failure, Origin, OutRequest, OutResponse, Outcome};
use hookscope::session::{file, har};
use hookscope::ui::dialogs::FileDialogs;
use hookscope::ui::{App, Settings, Startup};

// ---- the spec's samples ------------------------------------------------------

pub const JOB_CREATION: &str = include_str!("../../assets/samples/job_creation.json");
pub const JOB_UPDATE: &str = include_str!("../../assets/samples/job_update.json");
pub const JOB_DELETE: &str = include_str!("../../assets/samples/job_delete.json");
pub const CANDIDATE_CREATION: &str = include_str!("../../assets/samples/candidate_creation.json");
pub const CANDIDATE_UPDATE: &str = include_str!("../../assets/samples/candidate_update.json");
pub const CANDIDATE_DELETE: &str = include_str!("../../assets/samples/candidate_delete.json");

/// The title of the job in the job samples.
pub const JOB_TITLE: &str = "Candidature Spontanée";
/// The name of the candidate in the candidate samples.
pub const CANDIDATE_NAME: &str = "Candidate Firstname Candidate Last Name";

/// One of the spec's example bodies.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Its file in `assets/samples/`.
    pub name: &'static str,
    /// The webhook path it is sent to.
    pub path: &'static str,
    pub body: &'static str,
}

pub const SAMPLES: [Sample; 6] = [
    Sample {
        name: "job_creation.json",
        path: "/job",
        body: JOB_CREATION,
    },
    Sample {
        name: "job_update.json",
        path: "/job",
        body: JOB_UPDATE,
    },
    Sample {
        name: "job_delete.json",
        path: "/job",
        body: JOB_DELETE,
    },
    Sample {
        name: "candidate_creation.json",
        path: "/candidate",
        body: CANDIDATE_CREATION,
    },
    Sample {
        name: "candidate_update.json",
        path: "/candidate",
        body: CANDIDATE_UPDATE,
    },
    Sample {
        name: "candidate_delete.json",
        path: "/candidate",
        body: CANDIDATE_DELETE,
    },
];

/// A sample (or any JSON body) changed by `edit`, written compactly.
pub fn edited(body: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
    edit(&mut value);
    value.to_string()
}

/// `bytes` gzip-encoded, as a sender with `Content-Encoding: gzip` sends them.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

// ---- times -------------------------------------------------------------------

/// A fixed time, parsed.
pub fn at(rfc3339: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap_or_else(|e| panic!("{rfc3339:?}: {e}"))
}

/// `seconds` after 2026-11-26T21:00:00.000+01:00.
pub fn time(seconds: i64) -> DateTime<FixedOffset> {
    at("2026-11-26T21:00:00.000+01:00") + chrono::Duration::seconds(seconds)
}

/// `time(seconds)` as the window and messages write it: local, to the
/// millisecond.
pub fn shown_time(seconds: i64) -> String {
    time(seconds)
        .with_timezone(&chrono::Local)
        .format("%H:%M:%S%.3f")
        .to_string()
}

// ---- requests and captures -----------------------------------------------------

/// A request as it would have been received, built step by step. By
/// default: id 0, a POST received at `time(0)` from 127.0.0.1:50000 with
/// `Content-Type: application/json`, its answer derived from its bytes.
#[derive(Clone, Debug)]
pub struct Request {
    id: u64,
    received_at: DateTime<FixedOffset>,
    method: String,
    url: String,
    remote: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    recorded: Option<u16>,
}

/// A POST of `body` to `url` (see [`Request`] for the rest).
pub fn request(url: &str, body: impl AsRef<[u8]>) -> Request {
    Request {
        id: 0,
        received_at: time(0),
        method: "POST".to_owned(),
        url: url.to_owned(),
        remote: "127.0.0.1:50000".to_owned(),
        headers: vec![("Content-Type".to_owned(), b"application/json".to_vec())],
        body: body.as_ref().to_vec(),
        recorded: None,
    }
}

impl Request {
    pub fn id(mut self, id: u64) -> Self {
        self.id = id;
        self
    }

    pub fn at(mut self, received_at: DateTime<FixedOffset>) -> Self {
        self.received_at = received_at;
        self
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = method.to_owned();
        self
    }

    pub fn remote(mut self, remote: impl Into<String>) -> Self {
        self.remote = remote.into();
        self
    }

    /// These headers instead of the default one, in this order.
    pub fn headers(mut self, headers: &[(&str, &str)]) -> Self {
        self.headers = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), v.as_bytes().to_vec()))
            .collect();
        self
    }

    /// One more header, after the others.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        self
    }

    /// The status a file recorded for it (the answer is derived otherwise).
    pub fn recorded(mut self, status: u16) -> Self {
        self.recorded = Some(status);
        self
    }

    /// As received, answered for the default paths.
    pub fn received(self) -> Received {
        self.received_on(&Routes::default())
    }

    pub fn received_on(self, routes: &Routes) -> Received {
        let head = RequestHead::new(&self.method, &self.url, &self.remote, self.headers);
        Received::loaded(
            self.id,
            self.received_at,
            head,
            self.body,
            self.recorded,
            routes,
        )
    }

    /// Received and summarised for the default paths.
    pub fn capture(self) -> Capture {
        self.capture_on(&Routes::default())
    }

    pub fn capture_on(self, routes: &Routes) -> Capture {
        self.received_on(routes).summarise(routes)
    }
}

/// A POST of `body` to `url` with id `id`, received `seconds` after
/// `time(0)`, summarised.
pub fn capture(id: u64, url: &str, body: impl AsRef<[u8]>, seconds: i64) -> Capture {
    request(url, body).id(id).at(time(seconds)).capture()
}

/// Captures and requests alike, for the helpers below.
pub trait AsReceived {
    fn as_received(&self) -> &Received;
}

impl AsReceived for Received {
    fn as_received(&self) -> &Received {
        self
    }
}

impl AsReceived for Capture {
    fn as_received(&self) -> &Received {
        self.received()
    }
}

impl<T: AsReceived> AsReceived for Arc<T> {
    fn as_received(&self) -> &Received {
        T::as_received(self)
    }
}

/// Its headers in order as `(name, value)` text (values that are not UTF-8
/// show U+FFFD).
pub fn header_pairs(received: &impl AsReceived) -> Vec<(String, String)> {
    received
        .as_received()
        .head
        .headers()
        .map(|h| (h.name.to_owned(), h.value_text().into_owned()))
        .collect()
}

/// The values of every header called `name` (any case), in order, as text.
pub fn header_values(received: &impl AsReceived, name: &str) -> Vec<String> {
    received
        .as_received()
        .head
        .all(name)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

/// Everything a request was, as received: id, time (instant, offset and
/// text), sender, method, URL, headers (bytes, order, case), body, and the
/// decoded body. Not the answer: see [`assert_same`].
pub fn assert_same_request(got: &impl AsReceived, want: &impl AsReceived) {
    let (got, want) = (got.as_received(), want.as_received());
    let id = want.id;
    assert_eq!(got.id, want.id, "capture id");
    assert_eq!(got.received_at, want.received_at, "capture {id}");
    assert_eq!(
        got.received_at.offset(),
        want.received_at.offset(),
        "capture {id}"
    );
    assert_eq!(
        got.received_at_text(),
        want.received_at_text(),
        "capture {id}"
    );
    assert_eq!(got.head.remote(), want.head.remote(), "capture {id}");
    assert_eq!(got.head.method(), want.head.method(), "capture {id}");
    assert_eq!(got.head.url(), want.head.url(), "capture {id}");
    let headers = |r: &Received| -> Vec<(String, Vec<u8>)> {
        r.head
            .headers()
            .map(|h| (h.name.to_owned(), h.value.to_vec()))
            .collect()
    };
    assert_eq!(headers(got), headers(want), "capture {id}");
    assert!(
        got.body == want.body,
        "capture {id} keeps its exact bytes ({} bytes, expected {})",
        got.body.len(),
        want.body.len()
    );
    assert_eq!(got.decoded, want.decoded, "capture {id}");
}

/// The same requests, answered the same, meaning the same: what a round
/// trip must keep. Rows are derived again with the default paths.
pub fn assert_same(got: &[impl AsReceived], want: &[impl AsReceived]) {
    assert_eq!(got.len(), want.len(), "capture count");
    let routes = Routes::default();
    for (got, want) in got.iter().zip(want) {
        assert_same_request(got, want);
        let (got, want) = (got.as_received(), want.as_received());
        let id = want.id;
        assert_eq!(got.status(), want.status(), "capture {id}");
        assert_eq!(got.answer, want.answer, "capture {id}");
        assert_eq!(got.response_body(), want.response_body(), "capture {id}");
        assert_eq!(
            got.clone().summarise(&routes).summary,
            want.clone().summarise(&routes).summary,
            "capture {id}"
        );
    }
}

/// The requests as their own list, for the functions that take them.
pub fn requests<R: AsReceived>(items: &[R]) -> impl Iterator<Item = &Received> + '_ {
    items.iter().map(AsReceived::as_received)
}

/// A session file of these captures.
pub fn session_bytes(items: &[impl AsReceived], exported_at: DateTime<FixedOffset>) -> Vec<u8> {
    let mut out = Vec::new();
    file::write(&mut out, requests(items), &[], exported_at).expect("write a session");
    out
}

/// A HAR file of these captures.
pub fn har_bytes(items: &[impl AsReceived], origin: &str) -> Vec<u8> {
    let mut out = Vec::new();
    har::write(&mut out, requests(items), &[], origin).expect("write a HAR file");
    out
}

/// A session file of these captures and exchanges.
pub fn session_with(
    items: &[impl AsReceived],
    exchanges: &[Exchange],
    exported_at: DateTime<FixedOffset>,
) -> Vec<u8> {
    let mut out = Vec::new();
    file::write(&mut out, requests(items), exchanges, exported_at).expect("write a session");
    out
}

/// A HAR file of these captures and exchanges.
pub fn har_with(items: &[impl AsReceived], exchanges: &[Exchange], origin: &str) -> Vec<u8> {
    let mut out = Vec::new();
    har::write(&mut out, requests(items), exchanges, origin).expect("write a HAR file");
    out
}

// ---- exchanges and replaced answers ------------------------------------------------

/// A request hookscope sent, as the outbox makes it: the job creation
/// sample POSTed to `http://127.0.0.1:9000/hooks/job`, started at
/// `time(id)`, answered 200 `{"ok":true}` after 1.25 ms. Change fields
/// (all public) for other cases, or use [`failed`].
pub fn exchange(id: u64, origin: Origin) -> Exchange {
    Exchange {
        id,
        started_at: time(id as i64),
        origin,
        request: OutRequest::json_post("http://127.0.0.1:9000/hooks/job", JOB_CREATION.as_bytes()),
        outcome: Outcome {
            elapsed: Duration::from_micros(1_250),
            result: Ok(OutResponse {
                status: 200,
                headers: vec![
                    ("Content-Type".to_owned(), "application/json".to_owned()),
                    ("X-Trace".to_owned(), "a".to_owned()),
                    ("X-Trace".to_owned(), "b".to_owned()),
                ],
                body: b"{\"ok\":true}".to_vec().into_boxed_slice(),
            }),
        },
    }
}

/// `exchange` with no answer, for `failure`.
pub fn failed(mut exchange: Exchange, failure: Failure) -> Exchange {
    exchange.outcome.result = Err(failure);
    exchange
}

/// `received` answered with `status` and `body` instead of hookscope's own
/// answer, which stays its verdict.
pub fn replaced(mut received: Received, status: u16, body: &[u8], by: ReplacedBy) -> Received {
    let verdict = received.answer.clone();
    received.answer = Answer::Replaced(Box::new(Replaced {
        status,
        headers: vec![("Content-Type".to_owned(), "text/plain".to_owned())],
        body: body.to_vec().into_boxed_slice(),
        by,
        verdict,
    }));
    received
}

// ---- HTTP ------------------------------------------------------------------------

/// The longest any single step may take before a test fails instead of hanging.
pub const WAIT: Duration = Duration::from_secs(10);

/// A client that returns 4xx/5xx as responses, not errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(WAIT))
        .build()
        .into()
}

/// A response as the client read it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("the response body {:?} is not JSON: {e}", self.body))
    }
}

pub fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut response = response.unwrap_or_else(|e| panic!("the request fails: {e}"));
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response
        .body_mut()
        .read_to_string()
        .unwrap_or_else(|e| panic!("the response body cannot be read: {e}"));
    Reply {
        status: response.status().as_u16(),
        content_type,
        body,
    }
}

/// POSTs `body` as JSON.
pub fn post(agent: &ureq::Agent, url: &str, body: impl AsRef<[u8]>) -> Reply {
    reply(
        agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(body.as_ref()),
    )
}

// ---- the app under egui_kittest --------------------------------------------------------

/// Listening on a free port of 127.0.0.1.
pub fn listener_config() -> ListenerConfig {
    ListenerConfig {
        port: 0,
        ..Default::default()
    }
}

/// File dialogs that answer as if the user picked these files or this
/// place to save (`None`: as if cancelled).
#[derive(Clone, Debug, Default)]
pub struct Dialogs {
    pub pick: Option<Vec<PathBuf>>,
    pub save: Option<PathBuf>,
}

impl Dialogs {
    pub fn picking(paths: Vec<PathBuf>) -> Self {
        Self {
            pick: Some(paths),
            save: None,
        }
    }

    pub fn saving_to(path: PathBuf) -> Self {
        Self {
            pick: None,
            save: Some(path),
        }
    }
}

impl FileDialogs for Dialogs {
    fn pick_files(&self) -> Option<Vec<PathBuf>> {
        self.pick.clone()
    }

    fn save_file(&self, _: &str, _: &str, _: &str) -> Option<PathBuf> {
        self.save.clone()
    }
}

/// The real app, in memory, listening on a free port; no dialog opens.
pub fn app() -> Harness<'static, App> {
    app_with(listener_config(), Dialogs::default())
}

/// The real app, in memory, listening with `config` and answering file
/// dialogs with `dialogs`.
pub fn app_with(config: ListenerConfig, dialogs: Dialogs) -> Harness<'static, App> {
    app_from(Settings::default(), dialogs)
        .with_config(config)
        .build()
}

/// The real app, in memory, started with `settings` as if read from disk.
pub fn app_from(settings: Settings, dialogs: Dialogs) -> AppBuilder {
    AppBuilder {
        settings,
        dialogs,
        config: listener_config(),
    }
}

pub struct AppBuilder {
    settings: Settings,
    dialogs: Dialogs,
    config: ListenerConfig,
}

impl AppBuilder {
    pub fn with_config(mut self, config: ListenerConfig) -> Self {
        self.config = config;
        self
    }

    pub fn build(self) -> Harness<'static, App> {
        let Self {
            settings,
            dialogs,
            config,
        } = self;
        Harness::builder()
            .with_size([1500.0, 1000.0])
            .build_eframe(move |cc| {
                App::start(
                    cc,
                    Startup {
                        dialogs: Arc::new(dialogs),
                        settings,
                        ..Startup::in_memory(config)
                    },
                )
            })
    }
}

/// eframe's storage, in memory.
#[derive(Default)]
pub struct Storage(pub std::collections::HashMap<String, String>);

impl eframe::Storage for Storage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }

    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }

    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }

    fn flush(&mut self) {}
}

/// What the app saves as it closes, written to `dir` as eframe writes its
/// file and read back as the next start reads it.
pub fn saved_and_loaded(app: &mut App, dir: &std::path::Path) -> Settings {
    let mut storage = Storage::default();
    eframe::App::save(app, &mut storage);
    let path = hookscope::ui::settings_path(dir);
    let text = ron::ser::to_string_pretty(&storage.0, ron::ser::PrettyConfig::default())
        .expect("the settings serialise");
    std::fs::write(&path, text).expect("write the settings");
    Settings::load(&path)
}

/// Steps until file work (a dialog, reading, loading batches, writing) is
/// done, within a bound, then lets modals fade.
pub fn settle(harness: &mut Harness<'static, App>) {
    let deadline = Instant::now() + WAIT;
    harness.step();
    while harness.state().is_busy() {
        assert!(
            Instant::now() < deadline,
            "the app was still busy after {WAIT:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    // Modals fade in and out over a few frames.
    harness.run_steps(10);
}

/// Steps the app until `done` holds (work on other threads, such as
/// requests sent through the outbox, wakes it), failing after [`WAIT`].
pub fn step_until(
    harness: &mut Harness<'static, App>,
    what: &str,
    mut done: impl FnMut(&App) -> bool,
) {
    let deadline = Instant::now() + WAIT;
    harness.step();
    while !done(harness.state()) {
        assert!(Instant::now() < deadline, "waited too long for {what}");
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    harness.run_steps(4);
}

/// Replaces the text of the text field named `label` as a user would:
/// focus it, select everything, type.
pub fn retype(harness: &mut Harness<'static, App>, label: &str, text: &str) {
    use egui::accesskit::Role;
    use egui_kittest::kittest::Queryable;
    let role = if harness
        .query_by_role_and_label(Role::TextInput, label)
        .is_some()
    {
        Role::TextInput
    } else {
        Role::MultilineTextInput
    };
    harness.get_by_role_and_label(role, label).focus();
    harness.run_steps(2);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run_steps(2);
    harness.get_by_role_and_label(role, label).type_text(text);
    harness.run_steps(2);
}

// ---- the real binary --------------------------------------------------------------

/// How long the binary may take to start, answer or exit.
pub const PROCESS_WAIT: Duration = Duration::from_secs(20);

/// The binary, with piped output and no data dir from the environment.
pub fn hookscope(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hookscope"));
    command
        .args(args)
        .env_remove("HOOKSCOPE_DATA_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs the binary to its end, failing after `PROCESS_WAIT`.
pub fn run_to_end(args: &[&str]) -> Output {
    let mut child = hookscope(args).spawn().expect("start hookscope");
    let deadline = Instant::now() + PROCESS_WAIT;
    while child.try_wait().expect("poll").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("hookscope {args:?} did not exit within {PROCESS_WAIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// The binary running, killed if a test fails before it exits.
pub struct Running {
    pub child: Child,
    lines: Receiver<String>,
    pub seen: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts the binary; its stdout is read line by line as it comes.
pub fn spawn(args: &[&str]) -> Running {
    let mut child = hookscope(args).spawn().expect("start hookscope");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, lines) = unbounded();
    // Always drained: a full pipe would stall the process.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Running {
        child,
        lines,
        seen: Vec::new(),
    }
}

impl Running {
    /// Reads stdout until a line satisfies `wanted`; fails after `PROCESS_WAIT`.
    pub fn line_where(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PROCESS_WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(e) => {
                    let stderr = self.stderr_now();
                    panic!(
                        "no such line on stdout ({e}); seen {:?}; stderr {stderr:?}",
                        self.seen
                    )
                }
            }
        }
    }

    /// The listener's port, from the "job  http://127.0.0.1:PORT/job" line.
    pub fn port(&mut self) -> u16 {
        let line = self.line_where(|l| l.starts_with("job ") && l.contains("http://"));
        let url = line.split_whitespace().last().expect("a URL");
        let authority = url
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("not a URL: {url:?}"));
        assert!(url.ends_with("/job"), "{line:?}");
        let (host, port) = authority.rsplit_once(':').expect("host:port");
        assert_eq!(host, "127.0.0.1", "{line:?}");
        port.parse()
            .unwrap_or_else(|_| panic!("no port in {line:?}"))
    }

    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PROCESS_WAIT;
        loop {
            match self.child.try_wait().expect("poll hookscope") {
                Some(status) => return status,
                None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                None => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "hookscope did not exit within {PROCESS_WAIT:?}; stdout {:?}",
                        self.seen
                    );
                }
            }
        }
    }

    /// Everything left on stdout once the process has exited.
    pub fn rest_of_stdout(&mut self) -> Vec<String> {
        let deadline = Instant::now() + PROCESS_WAIT;
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(line);
        }
        self.seen.clone()
    }

    /// Stderr once the process has exited.
    pub fn stderr_now(&mut self) -> String {
        if let Ok(Some(_)) = self.child.try_wait() {
            let mut text = String::new();
            if let Some(mut stderr) = self.child.stderr.take() {
                let _ = stderr.read_to_string(&mut text);
            }
            text
        } else {
            "(still running)".to_owned()
        }
    }
}

/// (event, entity type, entity id) of every row of a capture.
pub fn rows_of(capture: &Capture) -> Vec<(String, String, String)> {
    capture
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
        .collect()
}

// ---- standard readers of what hookscope writes -------------------------------------

/// Runs tests/har_validate.js (har-validator, installed by .ci/run into
/// .ci/node) on `files`; `None` when the validator or node is missing
/// outside CI (in CI that is a failure).
pub fn har_validator(files: &[PathBuf]) -> Option<Output> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let installed = root
        .join(".ci/node/node_modules/har-validator/package.json")
        .is_file();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed || !node {
        let why = if node {
            "har-validator is not installed in .ci/node"
        } else {
            "node is not on PATH"
        };
        if std::env::var_os("CI").is_some() {
            panic!("{why}: CI must validate HAR output; bash .ci/run installs har-validator");
        }
        eprintln!("skipped: run bash .ci/run to install har-validator ({why})");
        return None;
    }
    Some(
        Command::new("node")
            .arg(root.join("tests/har_validate.js"))
            .args(files)
            .output()
            .expect("run node tests/har_validate.js"),
    )
}

/// `unzip -t FILE` (Info-ZIP, installed by .ci/run); `None` when it is not
/// on PATH outside CI (in CI that is a failure).
pub fn unzip_test(file: &std::path::Path) -> Option<Output> {
    let present = Command::new("unzip")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        if std::env::var_os("CI").is_some() {
            panic!("unzip is not on PATH: CI must check zips with it; bash .ci/run installs it");
        }
        eprintln!("skipped: unzip is not on PATH");
        return None;
    }
    Some(
        Command::new("unzip")
            .arg("-t")
            .arg(file)
            .output()
            .expect("run unzip -t"),
    )
}

/// `desktop-file-validate FILE` (desktop-file-utils, installed by .ci/run);
/// `None` when it is not on PATH outside CI (in CI that is a failure).
pub fn desktop_file_validate(file: &std::path::Path) -> Option<Output> {
    match Command::new("desktop-file-validate").arg(file).output() {
        Ok(output) => Some(output),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "desktop-file-validate is not on PATH: CI must check the launcher entry; \
                     bash .ci/run installs desktop-file-utils"
                );
            }
            eprintln!("skipped: desktop-file-validate is not on PATH");
            None
        }
        Err(e) => panic!("run desktop-file-validate: {e}"),
    }
}
