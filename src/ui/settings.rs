//! What the window remembers across restarts, apart from egui's own memory
//! (column widths, theme). Every field has a default, so a file written by
//! another version never loses the rest.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::capture::Routes;
use crate::hs::dates::DateMode;
use crate::listener::act::ChosenAnswer;
use crate::listener::{ChosenAnswers, Forward, ListenerConfig};
use crate::outbound::ForwardMode;
use crate::redact::{self, Policy, PolicyError};

const RECENT_FILES: usize = 10;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub listener: SavedListener,
    pub recent: Vec<PathBuf>,
    pub redaction: SavedRedaction,
    pub display: SavedDisplay,
    /// The user's own columns in the events table, in order.
    pub columns: Vec<SavedColumn>,
}

/// How the window shows things, apart from egui's own memory.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedDisplay {
    /// Dates inside payloads: as the sender wrote them, local or UTC.
    pub payload_dates: DateMode,
    /// The zoom Ctrl+Plus, Ctrl+Minus and Ctrl+0 set.
    pub zoom: f32,
}

impl SavedDisplay {
    pub const MIN_ZOOM: f32 = 0.5;
    pub const MAX_ZOOM: f32 = 3.0;

    /// The saved zoom, or 1 when the file holds one out of range.
    pub fn zoom(&self) -> f32 {
        if (Self::MIN_ZOOM..=Self::MAX_ZOOM).contains(&self.zoom) {
            self.zoom
        } else {
            1.0
        }
    }
}

impl Default for SavedDisplay {
    fn default() -> Self {
        Self {
            payload_dates: DateMode::default(),
            zoom: 1.0,
        }
    }
}

/// A table column the user added: its name and the JSON pointer into each
/// event's data that it shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedColumn {
    pub name: String,
    pub pointer: String,
}

impl Settings {
    pub const KEY: &'static str = "hookscope";

    /// The settings saved in eframe's file at `path` (a map of keys to
    /// RON texts), read before the window exists so that the listener can
    /// start first; the defaults when there are none or they do not read.
    pub fn load(path: &std::path::Path) -> Self {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Self::default();
        };
        ron::from_str::<std::collections::HashMap<String, String>>(&text)
            .ok()
            .and_then(|saved| ron::from_str(saved.get(Self::KEY)?).ok())
            .unwrap_or_default()
    }

    /// Puts `path` first in the recent files, once.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| *p != path);
        self.recent.insert(0, path);
        self.recent.truncate(RECENT_FILES);
    }
}

/// How exports redact personal data.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedRedaction {
    /// The policy as the user wrote it; empty for the default one, so that
    /// a newer hookscope's default applies.
    pub policy: String,
    /// Whether the user has seen a preview: exports redact by default after.
    pub preview_seen: bool,
    /// The user's own choice of the "Redact personal data" box, once made.
    pub redact_exports: Option<bool>,
    pub redact_ids: bool,
    pub keep_unparsed: bool,
}

impl SavedRedaction {
    /// The saved policy, or why it no longer reads.
    pub fn policy(&self) -> Result<Policy, PolicyError> {
        match self.policy.trim() {
            "" => Ok(Policy::default()),
            _ => Policy::parse(&self.policy),
        }
    }

    /// Keeps `text` as the policy (nothing when it is the default text).
    pub fn set_policy(&mut self, text: &str) {
        self.policy = if text == redact::DEFAULT_TEXT {
            String::new()
        } else {
            text.to_owned()
        };
    }

    /// The text the policy editor starts from.
    pub fn policy_text(&self) -> &str {
        match self.policy.trim() {
            "" => redact::DEFAULT_TEXT,
            _ => &self.policy,
        }
    }

    pub fn options(&self) -> redact::Options {
        redact::Options {
            redact_ids: self.redact_ids,
            keep_unparsed: self.keep_unparsed,
        }
    }

    pub fn set_options(&mut self, options: redact::Options) {
        self.redact_ids = options.redact_ids;
        self.keep_unparsed = options.keep_unparsed;
    }

    /// Whether the export choice starts ticked: off until the user has
    /// seen what redaction does, then on, unless they chose otherwise.
    pub fn redacts_exports(&self) -> bool {
        self.redact_exports.unwrap_or(self.preview_seen)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedListener {
    pub bind: String,
    pub port: u16,
    pub job_path: String,
    pub candidate_path: String,
    pub max_body: u64,
    pub read_timeout_ms: u64,
    pub job_answer: SavedAnswer,
    pub candidate_answer: SavedAnswer,
    /// Empty: no forwarding.
    pub forward_to: String,
    pub forward_mode: ForwardMode,
}

/// A path's chosen answer as saved. The body is kept as text: one read
/// from a file that is not UTF-8 is saved with replacement characters.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedAnswer {
    pub status: Option<u16>,
    pub body: Option<String>,
    pub delay_ms: u64,
    pub fail_one_in: Option<u32>,
}

impl From<&ChosenAnswer> for SavedAnswer {
    fn from(chosen: &ChosenAnswer) -> Self {
        Self {
            status: chosen.status,
            body: chosen
                .body
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            delay_ms: u64::try_from(chosen.delay.as_millis()).unwrap_or(u64::MAX),
            fail_one_in: chosen.fail_one_in,
        }
    }
}

impl SavedAnswer {
    /// The saved answer; values that no longer pass are left out, so the
    /// listener still starts.
    pub fn chosen(&self) -> ChosenAnswer {
        let delay = std::time::Duration::from_millis(self.delay_ms);
        ChosenAnswer {
            status: self
                .status
                .filter(|s| crate::listener::act::check_status(*s).is_ok()),
            body: self.body.as_ref().map(|b| b.as_bytes().into()),
            delay: delay.min(crate::listener::act::MAX_DELAY),
            fail_one_in: self.fail_one_in.filter(|n| *n > 0),
        }
    }
}

impl Default for SavedListener {
    fn default() -> Self {
        Self::from(&ListenerConfig::default())
    }
}

impl From<&ListenerConfig> for SavedListener {
    fn from(config: &ListenerConfig) -> Self {
        Self {
            bind: config.bind.to_string(),
            port: config.port,
            job_path: config.routes.job_path.clone(),
            candidate_path: config.routes.candidate_path.clone(),
            max_body: config.max_body,
            read_timeout_ms: u64::try_from(config.read_timeout.as_millis()).unwrap_or(u64::MAX),
            job_answer: SavedAnswer::from(&config.chosen.job),
            candidate_answer: SavedAnswer::from(&config.chosen.candidate),
            forward_to: config
                .forward
                .as_ref()
                .map(|f| f.base_url.clone())
                .unwrap_or_default(),
            forward_mode: config.forward.as_ref().map(|f| f.mode).unwrap_or_default(),
        }
    }
}

impl SavedListener {
    /// The saved listener; a value that no longer reads falls back to the default.
    pub fn config(&self) -> ListenerConfig {
        let default = ListenerConfig::default();
        ListenerConfig {
            bind: self.bind.parse().unwrap_or(default.bind),
            port: self.port,
            routes: Routes {
                job_path: self.job_path.clone(),
                candidate_path: self.candidate_path.clone(),
            },
            max_body: self.max_body,
            read_timeout: match self.read_timeout_ms {
                0 => default.read_timeout,
                ms => std::time::Duration::from_millis(ms),
            },
            chosen: Box::new(ChosenAnswers {
                job: self.job_answer.chosen(),
                candidate: self.candidate_answer.chosen(),
            }),
            // Empty or no longer valid: no forwarding.
            forward: Forward::new(&self.forward_to, self.forward_mode).ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_saved_before_redaction_read_with_its_defaults() {
        let old = "(listener:(port:9000),recent:[\"/tmp/a.json\"])";
        let settings: Settings = ron::from_str(old).unwrap();
        assert_eq!(settings.listener.port, 9000);
        assert_eq!(settings.redaction, SavedRedaction::default());
        assert_eq!(settings.display.payload_dates, DateMode::Sender);
        assert!(!settings.redaction.redacts_exports());
        assert_eq!(settings.redaction.policy(), Ok(Policy::default()));
        assert_eq!(settings.redaction.policy_text(), redact::DEFAULT_TEXT);
    }

    #[test]
    fn the_date_mode_is_saved() {
        let settings = Settings {
            display: SavedDisplay {
                payload_dates: DateMode::Utc,
                ..SavedDisplay::default()
            },
            ..Settings::default()
        };
        let text = ron::to_string(&settings).unwrap();
        let read: Settings = ron::from_str(&text).unwrap();
        assert_eq!(read.display.payload_dates, DateMode::Utc);
    }

    #[test]
    fn the_choice_follows_the_preview_until_the_user_makes_it() {
        let mut saved = SavedRedaction {
            preview_seen: true,
            ..SavedRedaction::default()
        };
        assert!(saved.redacts_exports());
        saved.redact_exports = Some(false);
        assert!(!saved.redacts_exports());
    }

    #[test]
    fn a_policy_is_kept_as_written_and_the_default_as_nothing() {
        let mut saved = SavedRedaction::default();
        saved.set_policy("# mine\n/data/email\n");
        assert_eq!(saved.policy_text(), "# mine\n/data/email\n");
        assert_eq!(saved.policy().map(|p| p.rules.len()), Ok(1));
        saved.set_policy(redact::DEFAULT_TEXT);
        assert_eq!(saved.policy, "");
        saved.policy = "/data/email\nnonsense".to_owned();
        assert_eq!(saved.policy().map_err(|e| e.line), Err(2));
    }
}
