//! Problems found in a payload: shown next to the data, never fatal.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem, located by a JSON pointer into the body (RFC 6901).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub pointer: String,
    pub message: String,
    /// For findings other code acts on, what they are, whatever the wording.
    pub code: Option<Code>,
}

/// Findings that stand for something beyond the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// A job event on the candidate path, or the reverse.
    WrongPath,
    /// The envelope's `type` is not what its `data` looks like.
    TypeMismatch,
}

impl Finding {
    pub fn new(level: Level, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            level,
            pointer: pointer.into(),
            message: message.into(),
            code: None,
        }
    }

    pub fn with_code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }

    pub fn error(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Level::Error, pointer, message)
    }

    pub fn warning(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Level::Warning, pointer, message)
    }

    /// The same finding seen from a parent: `prefix` is prepended to the pointer.
    pub fn under(mut self, prefix: &str) -> Self {
        self.pointer.insert_str(0, prefix);
        self
    }
}

/// Escapes one JSON pointer reference token (`~` → `~0`, `/` → `~1`).
pub fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
