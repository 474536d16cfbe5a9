//! Where hookscope keeps journals and settings.

use std::path::{Path, PathBuf};

/// `--data-dir` / `HOOKSCOPE_DATA_DIR` when given, else the user data
/// directory (`~/.local/share/hookscope` on Linux).
pub fn data_dir(given: Option<&Path>) -> Result<PathBuf, String> {
    match given {
        Some(dir) => Ok(dir.to_owned()),
        None => directories::ProjectDirs::from("", "", "hookscope")
            .map(|dirs| dirs.data_dir().to_owned())
            .ok_or_else(|| "no home directory to keep journals in; pass --data-dir DIR".to_owned()),
    }
}
