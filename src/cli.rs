//! Command-line options, shared by the window and the headless commands.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::capture::Routes;
use crate::hs::Level;
use crate::listener::act::ChosenAnswer;
use crate::listener::{ChosenAnswers, Forward, ListenerConfig};
use crate::outbound::ForwardMode;

#[derive(Debug, Parser)]
#[command(
    name = "hookscope",
    version,
    about = "A native desktop inspector for Human Sourcing webhooks",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(flatten)]
    pub listen: ListenArgs,
    /// Session, HAR or webhook payload files to open in the window.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Where journals and settings live (default: the user data directory).
    #[arg(long, env = "HOOKSCOPE_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Capture webhooks without a window and write them to a session file.
    Listen {
        #[command(flatten)]
        listen: ListenArgs,
        /// The session file written when capture stops.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Stop after this many requests.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
    },
    /// Write a session (or HAR) file as a session file or as HAR 1.2, redacted if asked.
    #[command(
        after_help = "Either --out FILE (a session file; HAR with --har) or --har OUT.\n\n\
With --redact, personal data is replaced by pseudonyms of the same shape (the policy \
`hookscope redact --print-policy` prints, or --redact-policy FILE); the same value gets \
the same pseudonym throughout one export."
    )]
    Export {
        /// The hookscope session or HAR file to read.
        #[arg(value_name = "SESSION")]
        session: PathBuf,
        /// The file to write: a session file, or HAR with --har.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Write HAR 1.2: to OUT, or to the --out file.
        #[arg(long, value_name = "OUT", num_args = 0..=1)]
        har: Option<Option<PathBuf>>,
        /// Replace personal data with pseudonyms.
        #[arg(long)]
        redact: bool,
        #[command(flatten)]
        redaction: RedactArgs,
    },
    /// Write a session (or HAR) file with its personal data replaced by pseudonyms
    /// (as `export --redact`).
    Redact {
        /// The hookscope session or HAR file to read.
        #[arg(value_name = "SESSION", required_unless_present = "print_policy")]
        session: Option<PathBuf>,
        /// The file to write: a session file, or HAR with --har.
        #[arg(long, value_name = "FILE", required_unless_present = "print_policy")]
        out: Option<PathBuf>,
        /// Write HAR 1.2 rather than a session file.
        #[arg(long)]
        har: bool,
        /// Print the default policy (a starting point for --redact-policy) and exit.
        #[arg(long, conflicts_with_all = ["session", "out", "har"])]
        print_policy: bool,
        #[command(flatten)]
        redaction: RedactArgs,
    },
    /// Write a bug report: a zip of report.md, session.json and session.har, redacted.
    #[command(
        after_help = "report.md holds hookscope's version and OS, the webhook paths, what was \
redacted (counts only), a table of the events with their findings and anomalies, and each \
event's body. The three files are redacted by one pass: a pseudonym is the same in each."
    )]
    Report {
        /// The hookscope session or HAR file to read.
        #[arg(value_name = "SESSION")]
        session: PathBuf,
        /// The zip to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Only the capture with this id (repeatable); all captures when none is given.
        #[arg(long = "id", value_name = "N")]
        ids: Vec<u64>,
        /// Keep personal data: the report holds everything as received.
        #[arg(long)]
        no_redact: bool,
        #[command(flatten)]
        redaction: RedactArgs,
        /// Path that receives job webhooks [default: inferred from the session's answers, else /job].
        #[arg(long, value_name = "PATH")]
        job_path: Option<String>,
        /// Path that receives candidate webhooks [default: inferred, else /candidate].
        #[arg(long, value_name = "PATH")]
        candidate_path: Option<String>,
    },
    /// Check payload, session or HAR files against the spec and print every finding.
    #[command(
        after_help = "Each finding prints as `FILE: capture ID EVENT TYPE ID: LEVEL POINTER MESSAGE` \
(POINTER is a JSON pointer into the body, `-` for the whole body), then one summary line per file.\n\n\
Exit status: 0 when no finding is an error (warnings and info do not fail), \
1 when some finding is an error, 2 when a file cannot be read (its reason goes to stderr; \
the other files are still checked)."
    )]
    Validate {
        /// Webhook payload, hookscope session or HAR files.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
        /// The lowest level printed: info, warning or error (all levels are counted).
        #[arg(long, value_parser = parse_level, default_value = "info", value_name = "LEVEL")]
        level: Level,
        /// Path that receives job webhooks, for the path checks of captures [default: /job].
        #[arg(long, value_name = "PATH")]
        job_path: Option<String>,
        /// Path that receives candidate webhooks [default: /candidate].
        #[arg(long, value_name = "PATH")]
        candidate_path: Option<String>,
    },
    /// Send webhook bodies to a URL as the ATS would: one line per answer, then a summary.
    #[command(
        after_help = "Exit status: 0 when every answer was 2xx, 1 when some was not \
(or timed out, or the target was unreachable), 2 for bad arguments or an unreadable file."
    )]
    Send {
        /// Where to POST, e.g. http://127.0.0.1:3000/webhooks/candidate.
        #[arg(value_name = "URL")]
        url: String,
        /// Bodies: files, or spec samples as sample:NAME (job_creation, job_update,
        /// job_delete, candidate_creation, candidate_update, candidate_delete).
        #[arg(value_name = "FILE | sample:NAME")]
        bodies: Vec<String>,
        /// A header to send, "Name: value" (repeatable); Content-Type replaces the default application/json.
        #[arg(long = "header", short = 'H', value_name = "K: V")]
        headers: Vec<String>,
        /// Times each body is sent.
        #[arg(long, default_value_t = 1, value_parser = at_least_one, value_name = "N")]
        repeat: usize,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 1, value_parser = at_least_one, value_name = "C")]
        concurrency: usize,
    },
    /// Play one of the ATS's habits against your endpoints, generated from the spec's samples.
    #[command(
        after_help = "Scenarios:\n  lifecycle     job creation, update, delete; then candidate creation, update, delete\n  \
batch         --size candidate creations in one request\n  \
duplicate     the same candidate creation delivered twice\n  \
out-of-order  a job update before its creation; a candidate update after its delete\n  \
burst         --count distinct candidates created, --concurrency at once\n\n\
Exit status: 0 when every step was answered 2xx, 1 when some step failed, 2 for bad arguments."
    )]
    Scenario {
        /// lifecycle, batch, duplicate, out-of-order or burst.
        #[arg(value_name = "NAME", value_parser = parse_scenario)]
        name: crate::outbound::Scenario,
        /// Where job events go.
        #[arg(long, value_name = "URL")]
        job_url: String,
        /// Where candidate events go.
        #[arg(long, value_name = "URL")]
        candidate_url: String,
        /// Events in the batch request.
        #[arg(long, default_value_t = 10, value_parser = at_least_one, value_name = "N")]
        size: usize,
        /// Candidates in the burst.
        #[arg(long, default_value_t = 100, value_parser = at_least_one, value_name = "N")]
        count: usize,
        /// Requests in flight at once during a burst (the other scenarios keep their order).
        #[arg(long, default_value_t = 16, value_parser = at_least_one, value_name = "C")]
        concurrency: usize,
    },
    /// Send captures of a session (or HAR) file again, in capture order, to another base URL.
    #[command(
        after_help = "Each capture keeps its method, path, query, headers (minus hop-by-hop ones, \
Host and Content-Length, which are recomputed) and exact body.\n\n\
Exit status: 0 when every replay was answered 2xx, 1 when some was not, 2 for bad arguments or an unreadable file."
    )]
    Replay {
        /// The session or HAR file holding the captures.
        #[arg(value_name = "SESSION")]
        session: PathBuf,
        /// The base URL, e.g. http://127.0.0.1:3000 (the capture's path and query are appended).
        #[arg(long, value_name = "BASE_URL")]
        to: String,
        /// Only the capture with this id (repeatable); all captures when none is given.
        #[arg(long = "id", value_name = "N")]
        ids: Vec<u64>,
    },
    /// Print a bash command (curl) that sends a capture again, byte for byte.
    Curl {
        /// The session or HAR file holding the capture.
        #[arg(value_name = "SESSION")]
        session: PathBuf,
        /// The capture's id.
        #[arg(long, value_name = "N")]
        id: u64,
        /// The base URL to send to [default: http:// and the capture's Host header].
        #[arg(long, value_name = "BASE_URL")]
        to: Option<String>,
    },
    /// Add hookscope to the desktop's launcher and file associations, or take it away.
    Desktop {
        #[command(subcommand)]
        action: DesktopAction,
    },
    /// Write the newest unfinished session (left by a crash) as a session file.
    Recover {
        /// The session file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// What `hookscope desktop` does.
#[derive(Clone, Copy, Debug, Subcommand)]
pub enum DesktopAction {
    /// Write the launcher entry, the icons and the session file type under
    /// $XDG_DATA_HOME (default ~/.local/share), running this binary.
    #[command(
        after_help = "Writes applications/hookscope.desktop, icons/hicolor/*/apps/hookscope.{png,svg} \
and mime/packages/hookscope.xml, then runs update-mime-database, update-desktop-database and \
gtk-update-icon-cache when they are installed."
    )]
    Install,
    /// Remove exactly the files `desktop install` writes.
    Uninstall,
}

/// How to redact, for the commands that do.
#[derive(Clone, Debug, Default, Args)]
pub struct RedactArgs {
    /// The redaction policy: a file of rules as `hookscope redact --print-policy` prints them.
    #[arg(long, value_name = "FILE")]
    pub redact_policy: Option<PathBuf>,
    /// Map ids to pseudonyms too (consistently: an id stays an id).
    #[arg(long)]
    pub redact_ids: bool,
    /// Keep bodies that are not JSON as they are, rather than replacing them whole.
    #[arg(long)]
    pub keep_unparsed: bool,
}

impl RedactArgs {
    /// Whether any redaction option was given.
    pub fn any(&self) -> bool {
        self.redact_policy.is_some() || self.redact_ids || self.keep_unparsed
    }
}

/// Listener options; each one given overrides the saved setting.
#[derive(Clone, Debug, Default, Args)]
pub struct ListenArgs {
    /// Address to listen on [default: 127.0.0.1]; anything but loopback exposes the listener.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<IpAddr>,
    /// Port to listen on; 0 picks a free one [default: 8090].
    #[arg(long)]
    pub port: Option<u16>,
    /// Path that receives job webhooks [default: /job].
    #[arg(long, value_name = "PATH")]
    pub job_path: Option<String>,
    /// Path that receives candidate webhooks [default: /candidate].
    #[arg(long, value_name = "PATH")]
    pub candidate_path: Option<String>,
    /// Largest body accepted, in bytes or with a unit (KiB, MiB, KB, MB) [default: 10MiB].
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    pub max_body: Option<u64>,
    /// How long a sender has to send a request and its body, and to take the answer, in seconds or with a unit (500ms, 10s, 1m) [default: 10s].
    #[arg(long, value_parser = parse_duration, value_name = "TIME")]
    pub read_timeout: Option<std::time::Duration>,
    /// Also send each request received whole to BASE_URL + its path and query (http:// or https://).
    #[arg(long, value_parser = crate::listener::act::parse_base_url, value_name = "BASE_URL")]
    pub forward_to: Option<String>,
    /// copy: answer at once and forward behind; proxy: answer with the target's answer (502/504 without one) [default: copy].
    #[arg(long, value_parser = parse_forward_mode, value_name = "MODE")]
    pub forward_mode: Option<crate::outbound::ForwardMode>,
    /// Answer webhook requests (both paths) with this status, 200 to 599.
    #[arg(long, value_parser = parse_status, value_name = "CODE")]
    pub respond_status: Option<u16>,
    /// Answer webhook requests (both paths) with the bytes of this file.
    #[arg(long, value_parser = read_body_file, value_name = "FILE")]
    pub respond_body: Option<Box<[u8]>>,
    /// Answer webhook requests (both paths) this many milliseconds late, at most 30000.
    #[arg(long, value_parser = parse_delay_ms, value_name = "MS")]
    pub respond_delay: Option<std::time::Duration>,
    /// Answer every Nth request on each webhook path 500.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..), value_name = "N")]
    pub respond_fail_one_in: Option<u32>,
}

impl ListenArgs {
    /// The defaults with the options given applied.
    pub fn config(&self) -> ListenerConfig {
        self.apply_to(ListenerConfig::default())
    }

    /// `base` (e.g. the saved settings) with the options given applied.
    pub fn apply_to(&self, base: ListenerConfig) -> ListenerConfig {
        ListenerConfig {
            bind: self.bind.unwrap_or(base.bind),
            port: self.port.unwrap_or(base.port),
            routes: Routes {
                job_path: self.job_path.clone().unwrap_or(base.routes.job_path),
                candidate_path: self
                    .candidate_path
                    .clone()
                    .unwrap_or(base.routes.candidate_path),
            },
            max_body: self.max_body.unwrap_or(base.max_body),
            read_timeout: self.read_timeout.unwrap_or(base.read_timeout),
            chosen: Box::new(ChosenAnswers {
                job: self.apply_answer(base.chosen.job),
                candidate: self.apply_answer(base.chosen.candidate),
            }),
            forward: self.apply_forward(base.forward),
        }
    }

    fn apply_answer(&self, base: ChosenAnswer) -> ChosenAnswer {
        ChosenAnswer {
            status: self.respond_status.or(base.status),
            body: self.respond_body.clone().or(base.body),
            delay: self.respond_delay.unwrap_or(base.delay),
            fail_one_in: self.respond_fail_one_in.or(base.fail_one_in),
        }
    }

    fn apply_forward(&self, base: Option<Forward>) -> Option<Forward> {
        let mut forward = match (&self.forward_to, base) {
            (Some(base_url), base) => Forward {
                base_url: base_url.clone(),
                mode: base.as_ref().map(|f| f.mode).unwrap_or_default(),
                timeouts: base.map(|f| f.timeouts).unwrap_or_default(),
            },
            (None, Some(base)) => base,
            (None, None) => return None,
        };
        if let Some(mode) = self.forward_mode {
            forward.mode = mode;
        }
        Some(forward)
    }
}

/// "copy" or "proxy".
pub fn parse_forward_mode(text: &str) -> Result<ForwardMode, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "copy" => Ok(ForwardMode::Copy),
        "proxy" => Ok(ForwardMode::Proxy),
        other => Err(format!(
            "unknown forward mode \"{other}\" (use copy or proxy)"
        )),
    }
}

/// An HTTP status hookscope can answer, 200 to 599.
pub fn parse_status(text: &str) -> Result<u16, String> {
    let status: u16 = text
        .trim()
        .parse()
        .map_err(|_| format!("\"{}\" is not an HTTP status", text.trim()))?;
    crate::listener::act::check_status(status)
}

/// Milliseconds, at most 30000.
pub fn parse_delay_ms(text: &str) -> Result<std::time::Duration, String> {
    let ms: u64 = text
        .trim()
        .parse()
        .map_err(|_| format!("\"{}\" is not a number of milliseconds", text.trim()))?;
    let delay = std::time::Duration::from_millis(ms);
    if delay > crate::listener::act::MAX_DELAY {
        return Err(format!("{ms} ms is over the 30000 ms limit"));
    }
    Ok(delay)
}

/// The bytes of a file, at most 10 MiB.
fn read_body_file(path: &str) -> Result<Box<[u8]>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    if bytes.len() > crate::listener::act::MAX_CHOSEN_BODY {
        return Err(format!("{path} is over 10 MiB"));
    }
    Ok(bytes.into_boxed_slice())
}

/// A count of 1 or more.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("\"{text}\" is not a whole number")),
    }
}

fn parse_scenario(text: &str) -> Result<crate::outbound::Scenario, String> {
    text.parse()
}

/// "info", "warning" or "error".
pub fn parse_level(text: &str) -> Result<Level, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "info" => Ok(Level::Info),
        "warning" | "warn" => Ok(Level::Warning),
        "error" => Ok(Level::Error),
        other => Err(format!(
            "unknown level \"{other}\" (use info, warning or error)"
        )),
    }
}

/// "1000", "512KiB", "10MiB", "2MB", "1GiB" → bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = number_and_unit(text)
        .ok_or_else(|| format!("\"{text}\" is not a size such as 1048576, 512KiB or 10MiB"))?;
    let multiplier: u64 = match unit.as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit \"{other}\" (use B, KiB, MiB, GiB, KB, MB or GB)"
            ));
        }
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("\"{text}\" is too large"))
}

/// "10", "10s", "500ms", "2m" → a duration (plain numbers are seconds).
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = number_and_unit(text)
        .ok_or_else(|| format!("\"{text}\" is not a duration such as 10, 10s, 500ms or 1m"))?;
    let millis = match unit.as_str() {
        "" | "s" => number.checked_mul(1000),
        "ms" => Some(number),
        "m" | "min" => number.checked_mul(60_000),
        other => {
            return Err(format!("unknown time unit \"{other}\" (use ms, s or m)"));
        }
    };
    match millis {
        Some(0) => Err("the timeout must be more than 0".to_owned()),
        Some(millis) => Ok(std::time::Duration::from_millis(millis)),
        None => Err(format!("\"{text}\" is too long")),
    }
}

/// "512KiB" → (512, "kib").
fn number_and_unit(text: &str) -> Option<(u64, String)> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    Some((digits.parse().ok()?, unit.trim().to_ascii_lowercase()))
}

/// A duration as `parse_duration` reads it: "10s", "500ms".
pub fn format_duration(duration: std::time::Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_and_without_units() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("10MiB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("2 MB"), Ok(2_000_000));
        assert_eq!(parse_size("512kib"), Ok(512 * 1024));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10 parsecs").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
    }

    #[test]
    fn durations_parse_with_and_without_units() {
        use std::time::Duration;
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3 fortnights").is_err());
    }
}
