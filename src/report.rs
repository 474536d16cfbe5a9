//! A bug report: `report.md` (what hookscope and the listener were, what
//! was redacted, a table of the events and a section per event) with the
//! session it speaks of as `session.json` and `session.har`, in one zip.
//! All three are made from the same captures, so that when they were
//! redacted by one [`Redactor`] their pseudonyms line up.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Seek, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Datelike, FixedOffset, SecondsFormat, Timelike};

use crate::capture::summary::path_of;
use crate::capture::{Capture, Received, Routes, RowSummary};
use crate::hs::{Finding, Level};
use crate::json_scan::{element_ranges, string_end};
use crate::listener::ListenerConfig;
use crate::outbound::{Exchange, ForwardMode};
use crate::redact::{Options, Redactor, Tally};
use crate::session::{Anomaly, Mark, RowId, RowView, Session, file, har};

/// The names of the bundle's entries, in its order.
pub const ENTRIES: [&str; 3] = ["report.md", "session.json", "session.har"];

/// What a report says about where it was made.
#[derive(Clone, Debug)]
pub struct Context {
    /// hookscope's version.
    pub version: String,
    /// "linux (x86_64)".
    pub os: String,
    /// The listener's settings as (name, value) lines, in the caller's order.
    pub settings: Vec<(String, String)>,
    pub redaction: Redaction,
    pub made_at: DateTime<FixedOffset>,
    /// Makes HAR URLs absolute when a capture has no `Host` header.
    pub origin: String,
}

/// Whether and how the report was redacted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redaction {
    /// As received: the report holds whatever personal data came in.
    Off,
    On(RedactionNote),
}

/// What a redaction replaced, in counts only: a tally's examples hold the
/// values before replacement, personal data that a report never carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedactionNote {
    /// Whether the policy was the default one.
    pub default_policy: bool,
    pub options: Options,
    /// Each rule as written, and the values it replaced.
    pub rules: Vec<(String, usize)>,
    pub unparsed_replaced: usize,
    pub unparsed_kept: usize,
    pub ids: usize,
    /// Values replaced in all.
    pub total: usize,
}

impl Redaction {
    /// The note of what `redactor` replaced, as `tally` counted it.
    pub fn of(redactor: &Redactor, tally: &Tally) -> Self {
        Redaction::On(RedactionNote {
            default_policy: redactor.policy().is_default(),
            options: redactor.options(),
            rules: tally
                .rules
                .iter()
                .map(|r| (r.rule.clone(), r.replaced))
                .collect(),
            unparsed_replaced: tally.unparsed_replaced,
            unparsed_kept: tally.unparsed_kept,
            ids: tally.ids,
            total: tally.total(),
        })
    }
}

impl Context {
    /// This hookscope on this machine, now.
    pub fn new(
        settings: Vec<(String, String)>,
        redaction: Redaction,
        origin: impl Into<String>,
    ) -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            os: format!("{} ({})", std::env::consts::OS, std::env::consts::ARCH),
            settings,
            redaction,
            made_at: chrono::Local::now().fixed_offset(),
            origin: origin.into(),
        }
    }
}

/// The listener's settings as a report lists them. A forward target's
/// user and password are never shown, and with a redactor its query is
/// redacted as a capture's is.
pub fn listener_settings(
    config: &ListenerConfig,
    redactor: Option<&Redactor>,
) -> Vec<(String, String)> {
    let mut lines = vec![
        (
            "Listening on".to_owned(),
            format!("{}:{}", config.bind, config.port),
        ),
        ("Job path".to_owned(), config.routes.job_path.clone()),
        (
            "Candidate path".to_owned(),
            config.routes.candidate_path.clone(),
        ),
        (
            "Largest body".to_owned(),
            crate::human::format_size(config.max_body),
        ),
        (
            "Read timeout".to_owned(),
            crate::cli::format_duration(config.read_timeout),
        ),
    ];
    for (path, chosen) in [
        (&config.routes.job_path, &config.chosen.job),
        (&config.routes.candidate_path, &config.chosen.candidate),
    ] {
        if !chosen.is_active() {
            continue;
        }
        let mut parts = Vec::new();
        if let Some(status) = chosen.status {
            parts.push(format!("status {status}"));
        }
        if let Some(body) = &chosen.body {
            parts.push(format!("a body of {} bytes", body.len()));
        }
        if !chosen.delay.is_zero() {
            parts.push(format!("after {} ms", chosen.delay.as_millis()));
        }
        if let Some(n) = chosen.fail_one_in {
            parts.push(format!("500 for every {n}th request"));
        }
        lines.push((format!("Answer on {path}"), parts.join(", ")));
    }
    if let Some(forward) = &config.forward {
        let url = without_userinfo(&forward.base_url);
        let url = match redactor {
            Some(redactor) => redactor.url(&url, &mut redactor.tally()),
            None => url,
        };
        let mode = match forward.mode {
            ForwardMode::Copy => "copy",
            ForwardMode::Proxy => "proxy",
        };
        lines.push(("Forward to".to_owned(), format!("{url} ({mode})")));
    }
    lines
}

/// `https://user:pass@host/x` → `https://host/x`.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// A report's session: its captures summarised (so that findings and
/// anomalies are those of what is sent) and its exchanges.
pub struct Report {
    pub context: Context,
    pub session: Session,
}

impl Report {
    /// `captures` and `exchanges` are the report's, already redacted (or
    /// not, as `context` says).
    pub fn new(
        context: Context,
        captures: Vec<Received>,
        exchanges: Vec<Exchange>,
        routes: &Routes,
    ) -> Self {
        Self {
            context,
            session: Session::of(captures, exchanges, routes),
        }
    }

    fn captures(&self) -> impl Iterator<Item = &Received> + '_ {
        self.session.captures().map(Capture::received)
    }
}

// ---- the zip --------------------------------------------------------------------

/// The zip: `report.md`, `session.json` and `session.har`.
pub fn write_bundle(out: impl Write + Seek, report: &Report) -> io::Result<()> {
    let context = &report.context;
    let mut zip = zip::ZipWriter::new(out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip_time(context.made_at))
        .unix_permissions(0o644);
    let [md, json, har] = ENTRIES;

    zip.start_file(md, options).map_err(io::Error::other)?;
    zip.write_all(markdown(report).as_bytes())?;

    zip.start_file(json, options).map_err(io::Error::other)?;
    let exchanges = report.session.exchanges.all();
    let mut buffered = BufWriter::with_capacity(64 * 1024, &mut zip);
    let marks = report.session.marks();
    file::write_marked(
        &mut buffered,
        report.captures(),
        exchanges,
        marks,
        context.made_at,
    )?;
    buffered.flush()?;
    drop(buffered);

    zip.start_file(har, options).map_err(io::Error::other)?;
    har::write_marked(
        &mut zip,
        report.captures(),
        exchanges,
        marks,
        &context.origin,
    )?;

    zip.finish().map_err(io::Error::other)?.flush()
}

/// Zip times are local, to two seconds, from 1980 to 2107.
fn zip_time(at: DateTime<FixedOffset>) -> zip::DateTime {
    u16::try_from(at.year())
        .ok()
        .and_then(|year| {
            zip::DateTime::from_date_and_time(
                year,
                at.month() as u8,
                at.day() as u8,
                at.hour() as u8,
                at.minute() as u8,
                at.second().min(59) as u8,
            )
            .ok()
        })
        .unwrap_or_default()
}

// ---- report.md --------------------------------------------------------------------

/// `report.md`: the context, a table of the events, then each event's section.
pub fn markdown(report: &Report) -> String {
    let Report { context, session } = report;
    let mut md = String::new();
    let events = session.row_count();
    let _ = writeln!(md, "# hookscope bug report\n");
    let _ = writeln!(
        md,
        "- hookscope {} on {}",
        text(&context.version),
        context.os
    );
    let _ = writeln!(
        md,
        "- Made {}",
        context.made_at.to_rfc3339_opts(SecondsFormat::Secs, false)
    );
    let _ = writeln!(
        md,
        "- {} capture(s), {events} event(s); the same requests are in session.json \
         (open it in hookscope) and session.har",
        session.capture_count()
    );

    md.push_str("\n## Listener settings\n\n");
    if context.settings.is_empty() {
        md.push_str("None given.\n");
    }
    for (name, value) in &context.settings {
        let _ = writeln!(md, "- {}: {}", text(name), text(value));
    }

    md.push_str("\n## Redaction\n\n");
    redaction_note(&mut md, &context.redaction);

    md.push_str("\n## Events\n\n");
    let mut sections = String::new();
    md.push_str(TABLE_HEAD);
    let mut index = 0;
    for capture in session.captures() {
        let findings = capture.all_findings();
        for (row, summary) in capture.summary.rows().iter().enumerate() {
            let Some(view) = session.row(index) else {
                break;
            };
            index += 1;
            let anomalies = session.anomalies(view.id);
            table_row(&mut md, &view, &anomalies);
            let findings = findings.get(row).map_or(&[][..], Vec::as_slice);
            sections.push('\n');
            let mark = session.marks().get(view.id.capture);
            section(&mut sections, &view, summary, findings, &anomalies, mark);
        }
    }
    if events == 0 {
        md.push_str("\nNo events.\n");
    }
    md.push_str(&sections);
    md
}

/// One event's section, as `report.md` has it (for "Copy as Markdown").
/// `None` when the session has no such row.
pub fn event_markdown(session: &Session, row: RowId) -> Option<String> {
    let view = session.row(session.row_index(row)?)?;
    let findings = view.capture.findings(row.row);
    let mut md = String::new();
    section(
        &mut md,
        &view,
        view.summary,
        &findings,
        &session.anomalies(row),
        session.marks().get(row.capture),
    );
    Some(md)
}

fn redaction_note(md: &mut String, redaction: &Redaction) {
    let note = match redaction {
        Redaction::Off => {
            md.push_str(
                "**Not redacted**: bodies, headers and URLs are as received and may hold \
                 personal data.\n",
            );
            return;
        }
        Redaction::On(note) => note,
    };
    let policy = if note.default_policy {
        "the default policy"
    } else {
        "a custom policy"
    };
    let _ = writeln!(
        md,
        "Personal data was replaced by pseudonyms with {policy}: {} value(s) in all. \
         A value has the same pseudonym everywhere in report.md, session.json and \
         session.har; another export gets other pseudonyms.\n",
        note.total
    );
    md.push_str("| Rule | Values replaced |\n|---|---:|\n");
    for (rule, replaced) in &note.rules {
        let _ = writeln!(md, "| {} | {replaced} |", text(rule));
    }
    md.push('\n');
    if note.options.redact_ids {
        let _ = writeln!(md, "- Ids: mapped to pseudonyms too ({})", note.ids);
    } else {
        md.push_str("- Ids: kept as they are\n");
    }
    let _ = writeln!(
        md,
        "- Bodies that are not JSON: {} replaced whole by a placeholder of the same length, \
         {} kept as they are",
        note.unparsed_replaced, note.unparsed_kept
    );
}

const TABLE_HEAD: &str = "| Capture | Received | Request | Status | Event | Type | Id | Findings | Anomalies |\n\
|---:|---|---|---:|---|---|---|---|---|\n";

fn table_row(md: &mut String, view: &RowView<'_>, anomalies: &[Anomaly]) {
    let capture = view.capture;
    let summary = view.summary;
    let rows = capture.summary.rows().len();
    let id = if rows > 1 {
        format!("{} · {}/{rows}", capture.id, view.id.row + 1)
    } else {
        capture.id.to_string()
    };
    let (event, entity, entity_id) = event_cells(summary);
    let _ = writeln!(
        md,
        "| {id} | {} | {} | {} | {} | {} | {} | {} | {} |",
        capture.received_at_text(),
        text(&format!(
            "{} {}",
            capture.head.method(),
            path_of(capture.head.url())
        )),
        capture.status(),
        text(&event),
        text(&entity),
        text(&entity_id),
        finding_counts(summary),
        anomaly_kinds(anomalies),
    );
}

/// Event, type and entity id, "-" for each one missing.
fn event_cells(summary: &RowSummary) -> (String, String, String) {
    let or_dash = |s: &str| {
        if s.is_empty() {
            "-".to_owned()
        } else {
            s.to_owned()
        }
    };
    (
        or_dash(summary.event().as_ref().map_or("", |e| e.as_str())),
        or_dash(summary.entity().as_ref().map_or("", |e| e.as_str())),
        or_dash(summary.entity_id.as_deref().unwrap_or("")),
    )
}

/// "1 error, 2 warnings"; "none".
fn finding_counts(summary: &RowSummary) -> String {
    let tally = &summary.tally;
    let parts: Vec<String> = [
        (Level::Error, "error", "errors"),
        (Level::Warning, "warning", "warnings"),
        (Level::Info, "info", "info"),
    ]
    .into_iter()
    .filter_map(|(level, one, many)| {
        let n = tally.of_level(level);
        (n > 0).then(|| format!("{n} {}", if n == 1 { one } else { many }))
    })
    .collect();
    if parts.is_empty() {
        "none".to_owned()
    } else {
        parts.join(", ")
    }
}

fn anomaly_kinds(anomalies: &[Anomaly]) -> String {
    let mut kinds: Vec<&str> = anomalies.iter().map(|a| a.kind.as_str()).collect();
    kinds.dedup();
    if kinds.is_empty() {
        "none".to_owned()
    } else {
        kinds.join(", ")
    }
}

fn section(
    md: &mut String,
    view: &RowView<'_>,
    summary: &RowSummary,
    findings: &[Finding],
    anomalies: &[Anomaly],
    mark: Option<&Mark>,
) {
    let capture = view.capture;
    let rows = capture.summary.rows().len();
    let (event, entity, entity_id) = event_cells(summary);
    let what = if summary.has_event() {
        format!("{entity} {event} {entity_id}")
    } else {
        "no event".to_owned()
    };
    let of = if rows > 1 {
        format!(" · event {} of {rows}", view.id.row + 1)
    } else {
        String::new()
    };
    let pinned = if mark.is_some_and(|m| m.pinned) {
        " · Pinned"
    } else {
        ""
    };
    let _ = writeln!(
        md,
        "## Capture {}{of}: {}{pinned}\n",
        capture.id,
        text(&what)
    );
    if let Some(mark) = mark.filter(|m| !m.note.is_empty()) {
        // The user's own words, as written: quoted, never redacted.
        md.push_str("**Note** (the user's own words, not redacted):\n\n");
        for line in mark.note.lines() {
            let _ = writeln!(md, "> {}", text(line));
        }
        md.push('\n');
    }
    let _ = writeln!(md, "- Received: {}", capture.received_at_text());
    let _ = writeln!(
        md,
        "- Request: {} {}",
        text(capture.head.method()),
        code(capture.head.url())
    );
    let _ = writeln!(md, "- Answered: {}", capture.status());
    let mut size = format!("{} bytes", capture.body.len());
    if let Some(decoded) = &capture.decoded {
        let _ = write!(
            size,
            ", sent with Content-Encoding {}, {} bytes decoded",
            decoded.names(),
            decoded.bytes.len()
        );
    }
    let _ = writeln!(md, "- Body: {}", text(&size));
    if capture.head.header_count() > 0 {
        md.push_str("- Headers:\n");
        for header in capture.head.headers() {
            let _ = writeln!(
                md,
                "  - {}",
                code(&format!("{}: {}", header.name, header.value_text()))
            );
        }
    }
    if !summary.label.is_empty() {
        let _ = writeln!(md, "- Label: {}", text(&summary.label));
    }

    md.push_str("\n### Findings\n\n");
    if findings.is_empty() {
        md.push_str("None.\n");
    }
    for finding in findings {
        let pointer = if finding.pointer.is_empty() {
            "(the whole body)".to_owned()
        } else {
            code(&finding.pointer)
        };
        let _ = writeln!(
            md,
            "- **{}** {pointer}: {}",
            finding.level,
            text(&finding.message)
        );
    }

    md.push_str("\n### Anomalies\n\n");
    if anomalies.is_empty() {
        md.push_str("None.\n");
    }
    for anomaly in anomalies {
        let at = anomaly
            .pointer
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| format!(" at {}", code(p)))
            .unwrap_or_default();
        let _ = writeln!(
            md,
            "- **{}** {}{at}: {}",
            anomaly.level,
            anomaly.kind,
            text(&anomaly.message)
        );
    }

    md.push_str("\n### Body\n\n");
    body_block(md, capture, summary);
}

/// The body as its events were read (decoded when it was sent encoded):
/// JSON re-indented, other text as it is, other bytes as base64. Of a body
/// holding several events, the event's own element.
fn body_block(md: &mut String, capture: &Capture, summary: &RowSummary) {
    let content = capture.content();
    if content.is_empty() {
        md.push_str("The body is empty.\n");
        return;
    }
    let Ok(text) = std::str::from_utf8(content) else {
        let _ = writeln!(
            md,
            "The body is not UTF-8: its {} bytes in base64.\n",
            content.len()
        );
        let encoded = BASE64.encode(content);
        let lines: Vec<&str> = encoded
            .as_bytes()
            .chunks(76)
            .filter_map(|line| std::str::from_utf8(line).ok())
            .collect();
        fenced(md, "base64", &lines.join("\n"));
        return;
    };
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
        md.push_str("The body is not valid JSON: as received.\n\n");
        fenced(md, "text", text);
        return;
    }
    let rows = capture.summary.rows().len();
    let element = summary
        .element()
        .filter(|_| rows > 1)
        .and_then(|i| Some((i, json_element(text, i as usize)?)));
    match element {
        Some((i, element)) => {
            let _ = writeln!(
                md,
                "This event's element of the body's array (its findings' pointers start at /{i}).\n"
            );
            fenced(md, "json", &pretty_json(element));
        }
        None => fenced(md, "json", &pretty_json(text)),
    }
}

// ---- Markdown text --------------------------------------------------------------

/// `content` in a fenced block whose fence is longer than any run of
/// backticks in it.
fn fenced(md: &mut String, info: &str, content: &str) {
    let fence = "`".repeat(longest_backtick_run(content).max(2) + 1);
    let _ = writeln!(md, "{fence}{info}");
    md.push_str(content);
    if !content.ends_with('\n') {
        md.push('\n');
    }
    let _ = writeln!(md, "{fence}");
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default()
}

/// A code span: delimited by more backticks than any run inside, padded
/// when it starts or ends with one; line breaks become spaces (as a span
/// shows them) and `|` is escaped, so that a span is safe in a table too.
fn code(content: &str) -> String {
    let content = content.replace(['\r', '\n'], " ").replace('|', "\\|");
    let ticks = "`".repeat(longest_backtick_run(&content) + 1);
    let pad = if content.starts_with('`') || content.ends_with('`') || content.trim().is_empty() {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{content}{pad}{ticks}")
}

/// Plain text that Markdown shows as it is: punctuation Markdown acts on
/// (emphasis, links, HTML, table pipes) escaped, line breaks as spaces.
fn text(content: &str) -> String {
    let mut out = String::with_capacity(content.len());
    for c in content.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

// ---- JSON text ------------------------------------------------------------------

/// Valid JSON re-indented by two spaces, every token kept exactly as
/// written (numbers past f64, escapes, repeated keys): what a bug is about
/// may be in any of them.
fn pretty_json(json: &str) -> String {
    let bytes = json.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.resize(out.len() + depth * 2, b' ');
    };
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => {
                let end = string_end(bytes, i);
                out.extend_from_slice(&bytes[i..end]);
                i = end;
                continue;
            }
            b'{' | b'[' => {
                let close = if b == b'{' { b'}' } else { b']' };
                let next = skip_space(bytes, i + 1);
                if bytes.get(next) == Some(&close) {
                    out.extend_from_slice(&[b, close]);
                    i = next + 1;
                    continue;
                }
                out.push(b);
                depth += 1;
                newline(&mut out, depth);
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(b);
            }
            b',' => {
                out.push(b',');
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ => out.push(b),
        }
        i += 1;
    }
    // Only ASCII was added between whole UTF-8 sequences of the input.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|b| b" \t\n\r".contains(b)) {
        i += 1;
    }
    i
}

/// Element `index` of a valid JSON array, as written.
fn json_element(json: &str, index: usize) -> Option<&str> {
    let range = element_ranges(json.as_bytes()).into_iter().nth(index)?;
    json.get(range).map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outrun_every_backtick_run() {
        let mut md = String::new();
        fenced(&mut md, "json", "{\"a\": \"````x``\"}");
        assert!(md.starts_with("`````json\n"), "{md}");
        assert!(md.ends_with("\n`````\n"), "{md}");

        let mut md = String::new();
        fenced(&mut md, "text", "no ticks\n");
        assert_eq!(md, "```text\nno ticks\n```\n");

        // The closing fence is never part of the content.
        let mut md = String::new();
        fenced(&mut md, "text", "```\nnot the end\n```");
        let fence = md.lines().next().unwrap().trim_end_matches("text");
        assert_eq!(fence.len(), 4);
        assert_eq!(md.lines().filter(|l| *l == fence).count(), 1, "{md}");
    }

    #[test]
    fn code_spans_hold_backticks_and_pipes() {
        assert_eq!(code("/data/email"), "`/data/email`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("/a|b"), "`/a\\|b`");
        assert_eq!(code("two\nlines"), "`two lines`");
    }

    #[test]
    fn text_cannot_break_out_of_a_table_cell() {
        let cell = text("<b>Zoë|O'Brien</b>\n*x* [l](u) `c`");
        assert!(!cell.contains('\n'));
        assert_eq!(cell.matches('|').count(), cell.matches("\\|").count());
        assert!(cell.contains("\\<b\\>"), "{cell}");
        assert!(cell.contains("Zoë"));
    }

    #[test]
    fn pretty_json_keeps_every_token() {
        let json = r#"{"n":123456789012345678901234567890,"f":1.50e3,"k":1,"k":2,"s":"a\"{,[:b","e":{},"l":[ ],"u":"\u00e9"}"#;
        let pretty = pretty_json(json);
        assert_eq!(
            pretty,
            "{\n  \"n\": 123456789012345678901234567890,\n  \"f\": 1.50e3,\n  \"k\": 1,\n  \
             \"k\": 2,\n  \"s\": \"a\\\"{,[:b\",\n  \"e\": {},\n  \"l\": [],\n  \"u\": \"\\u00e9\"\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
        assert_eq!(
            pretty_json("[1,[2,{\"a\":[]}]]"),
            "[\n  1,\n  [\n    2,\n    {\n      \"a\": []\n    }\n  ]\n]"
        );
    }

    #[test]
    fn elements_are_found_as_written() {
        let json = r#" [ {"a":"],"} , [1,2] ,"x\"" , 3 ] "#;
        assert_eq!(json_element(json, 0), Some(r#"{"a":"],"}"#));
        assert_eq!(json_element(json, 1), Some("[1,2]"));
        assert_eq!(json_element(json, 2), Some(r#""x\"""#));
        assert_eq!(json_element(json, 3), Some("3"));
        assert_eq!(json_element(json, 4), None);
        assert_eq!(json_element("{\"a\":1}", 0), None);
    }

    fn report_of(bodies: &[(&str, &[u8])]) -> Report {
        use crate::capture::RequestHead;
        let routes = Routes::default();
        let at = DateTime::parse_from_rfc3339("2026-11-26T21:00:00.000+01:00").unwrap();
        let captures = bodies
            .iter()
            .enumerate()
            .map(|(i, (url, body))| {
                let head = RequestHead::new(
                    "POST",
                    url,
                    "127.0.0.1:50000",
                    [("Content-Type", "application/json")],
                );
                Received::loaded(i as u64 + 1, at, head, body.to_vec(), None, &routes)
            })
            .collect();
        let context = Context::new(
            vec![("Job path".to_owned(), "/job".to_owned())],
            Redaction::Off,
            "http://127.0.0.1:8090",
        );
        Report::new(context, captures, Vec::new(), &routes)
    }

    #[test]
    fn the_table_has_a_row_and_a_section_per_event() {
        let batch = br#"[{"event":"delete","type":"job","data":{"job_id":"7|<x>"}},
                         {"event":"delete","type":"job","data":{"job_id":"8"}}]"#;
        let report = report_of(&[
            ("/job", batch),
            ("/candidate?token=1", b"{\"event\":\"creation\""),
            ("/candidate", b"\xff\xfe not utf-8"),
        ]);
        let md = markdown(&report);
        let table: Vec<&str> = md
            .lines()
            .skip_while(|l| !l.starts_with("| Capture |"))
            .take_while(|l| l.starts_with('|'))
            .collect();
        // Head, rule, one row per event.
        assert_eq!(table.len(), 2 + 4, "{md}");
        let pipes = |row: &str| row.replace("\\|", "").matches('|').count();
        for row in &table {
            assert_eq!(pipes(row), 10, "{row}");
        }
        assert!(table[2].starts_with("| 1 · 1/2 |"), "{}", table[2]);
        assert!(table[2].contains("| 7\\|\\<x\\> |"), "{}", table[2]);
        assert!(table[2].contains("| POST /job |"), "{}", table[2]);
        assert!(
            table[3].contains("| 8 | none | no creation before |"),
            "{}",
            table[3]
        );
        // The query is the section's, not the table's.
        assert!(table[4].contains("| POST /candidate |"), "{}", table[4]);
        assert!(table[4].contains("error"), "{}", table[4]);

        assert_eq!(md.matches("\n## Capture ").count(), 4, "{md}");
        assert!(md.contains("## Capture 1 · event 2 of 2: job delete 8"));
        // Each event of the batch shows its own element.
        assert!(md.contains("start at /1"), "{md}");
        assert!(md.contains("```json\n{\n  \"event\": \"delete\",\n  \"type\": \"job\",\n  \"data\": {\n    \"job_id\": \"8\"\n  }\n}\n```"), "{md}");
        assert!(md.contains("```text\n{\"event\":\"creation\"\n```"), "{md}");
        assert!(md.contains("not UTF-8"), "{md}");
        assert!(md.contains(&format!(
            "```base64\n{}\n```",
            BASE64.encode(b"\xff\xfe not utf-8")
        )));
        assert!(md.contains("**Not redacted**"));
        assert!(md.contains("- Job path: /job"));
        assert!(
            md.contains("- Headers:\n  - `Content-Type: application/json`\n"),
            "{md}"
        );

        // "Copy as Markdown" gives the same section.
        let row = RowId { capture: 1, row: 1 };
        let one = event_markdown(&report.session, row).unwrap();
        assert!(one.starts_with("## Capture 1 · event 2 of 2"));
        assert!(md.contains(&one), "{one}");
        assert!(event_markdown(&report.session, RowId { capture: 9, row: 0 }).is_none());
    }

    #[test]
    fn the_note_gives_counts_never_examples() {
        let policy = crate::redact::Policy::default();
        let redactor = Redactor::new(policy, Options::default());
        let mut tally = redactor.tally();
        tally.rules[0].replaced = 2;
        tally.rules[0].examples.push(crate::redact::Example {
            before: "Zoë Secret-Name".to_owned(),
            after: "Abc Def".to_owned(),
        });
        tally.unparsed_replaced = 1;
        let mut md = String::new();
        redaction_note(&mut md, &Redaction::of(&redactor, &tally));
        assert!(md.contains("the default policy: 3 value(s)"), "{md}");
        assert!(md.contains("| /data/first\\_name | 2 |"), "{md}");
        assert!(!md.contains("Zoë") && !md.contains("Abc Def"), "{md}");
    }

    #[test]
    fn forward_targets_lose_their_credentials() {
        assert_eq!(
            without_userinfo("https://me:pw@example.test:8443/in?x=@"),
            "https://example.test:8443/in?x=@"
        );
        assert_eq!(without_userinfo("http://h/a@b"), "http://h/a@b");
    }
}
