//! `hookscope desktop install` / `uninstall`: the launcher entry, the icons
//! (hicolor theme) and the session MIME type under the user's XDG data
//! folder. The files are built into the binary, so an installed hookscope
//! needs no source tree.

use std::borrow::Cow;
use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::export::write_atomically;

/// The MIME type of session files, as assets/hookscope-mime.xml defines it.
pub const SESSION_MIME_TYPE: &str = "application/x-hookscope-session";

const DESKTOP_ENTRY: &str = include_str!("../assets/hookscope.desktop");
const MIME_XML: &[u8] = include_bytes!("../assets/hookscope-mime.xml");
const SVG_ICON: &[u8] = include_bytes!("../icons/hookscope.svg");
/// The PNG icons by size, rendered from the SVG by icons/render.sh.
pub const PNG_ICONS: [(u32, &[u8]); 7] = [
    (16, include_bytes!("../icons/hookscope-16.png")),
    (32, include_bytes!("../icons/hookscope-32.png")),
    (48, include_bytes!("../icons/hookscope-48.png")),
    (64, include_bytes!("../icons/hookscope-64.png")),
    (128, include_bytes!("../icons/hookscope-128.png")),
    (256, include_bytes!("../icons/hookscope-256.png")),
    (512, include_bytes!("../icons/hookscope-512.png")),
];

/// The user's data folder: `$XDG_DATA_HOME` when it is an absolute path,
/// else `~/.local/share`.
pub fn data_home() -> Result<PathBuf, String> {
    directories::BaseDirs::new()
        .map(|dirs| dirs.data_dir().to_owned())
        .ok_or_else(|| "no home directory, and XDG_DATA_HOME is not set".to_owned())
}

/// The files `install` writes, relative to the data folder, and their paths
/// only (what `uninstall` removes).
pub fn installed_paths() -> Vec<PathBuf> {
    let mut paths = vec![
        PathBuf::from("applications/hookscope.desktop"),
        PathBuf::from("mime/packages/hookscope.xml"),
        PathBuf::from("icons/hicolor/scalable/apps/hookscope.svg"),
    ];
    for (size, _) in PNG_ICONS {
        paths.push(PathBuf::from(format!(
            "icons/hicolor/{size}x{size}/apps/hookscope.png"
        )));
    }
    paths
}

/// A file `install` writes: where, under the data folder, and its bytes.
type File = (PathBuf, Cow<'static, [u8]>);

/// Each file `install` writes; the entry runs `exe`.
fn files(exe: &Path) -> Result<Vec<File>, String> {
    let entry = desktop_entry(exe)?;
    let mut files = vec![
        (
            PathBuf::from("applications/hookscope.desktop"),
            Cow::Owned(entry.into_bytes()),
        ),
        (
            PathBuf::from("mime/packages/hookscope.xml"),
            Cow::Borrowed(MIME_XML),
        ),
        (
            PathBuf::from("icons/hicolor/scalable/apps/hookscope.svg"),
            Cow::Borrowed(SVG_ICON),
        ),
    ];
    for (size, png) in PNG_ICONS {
        files.push((
            PathBuf::from(format!("icons/hicolor/{size}x{size}/apps/hookscope.png")),
            Cow::Borrowed(png),
        ));
    }
    Ok(files)
}

/// The launcher entry with Exec and TryExec naming `exe`.
pub fn desktop_entry(exe: &Path) -> Result<String, String> {
    let exe = exe
        .to_str()
        .ok_or_else(|| format!("{} is not valid UTF-8", exe.display()))?;
    let mut out = String::with_capacity(DESKTOP_ENTRY.len() + exe.len() * 2);
    for line in DESKTOP_ENTRY.lines() {
        if line.starts_with("Exec=") {
            out.push_str(&format!("Exec={} %F", exec_argument(exe)));
        } else if line.starts_with("TryExec=") {
            out.push_str(&format!("TryExec={}", escape_string(exe)));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    Ok(out)
}

/// A program path as the Exec key takes it: quoted when it holds anything
/// but plain characters, then escaped as a desktop entry string.
fn exec_argument(path: &str) -> String {
    let plain = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c));
    let argument = if plain {
        path.to_owned()
    } else {
        let mut quoted = String::from("\"");
        for c in path.chars() {
            if matches!(c, '"' | '`' | '$' | '\\') {
                quoted.push('\\');
            }
            quoted.push(c);
        }
        quoted.push('"');
        quoted
    };
    // `%` starts a field code in Exec.
    escape_string(&argument).replace('%', "%%")
}

/// The escapes of a desktop entry string value.
fn escape_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// Writes the entry, icons and MIME definition under `data_home`, then asks
/// the desktop's tools to notice them. `out` gets what was written, `notes`
/// what the tools said.
pub fn install(
    data_home: &Path,
    exe: &Path,
    out: &mut impl Write,
    notes: &mut impl Write,
) -> Result<(), String> {
    for (relative, bytes) in files(exe)? {
        let path = data_home.join(&relative);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        write_atomically(&path, |w| w.write_all(&bytes))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let _ = writeln!(out, "wrote {}", path.display());
    }
    refresh(data_home, notes);
    let _ = writeln!(
        out,
        "hookscope is in the launcher, and opens {SESSION_MIME_TYPE} files (*.hookscope.json)."
    );
    Ok(())
}

/// Removes what `install` wrote (nothing else), then refreshes the
/// desktop's caches. Files already gone are not an error.
pub fn uninstall(
    data_home: &Path,
    out: &mut impl Write,
    notes: &mut impl Write,
) -> Result<(), String> {
    let mut removed = 0;
    for relative in installed_paths() {
        let path = data_home.join(relative);
        match std::fs::remove_file(&path) {
            Ok(()) => {
                removed += 1;
                let _ = writeln!(out, "removed {}", path.display());
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot remove {}: {e}", path.display())),
        }
    }
    if removed == 0 {
        let _ = writeln!(
            out,
            "nothing to remove: hookscope is not installed in {}",
            data_home.display()
        );
    } else {
        refresh(data_home, notes);
    }
    Ok(())
}

/// Best effort: a tool missing or failing is a note, not a failure.
fn refresh(data_home: &Path, notes: &mut impl Write) {
    let runs: [(&str, Vec<OsString>); 3] = [
        ("update-mime-database", vec![data_home.join("mime").into()]),
        (
            "update-desktop-database",
            vec![data_home.join("applications").into()],
        ),
        (
            "gtk-update-icon-cache",
            vec![
                "--force".into(),
                "--ignore-theme-index".into(),
                "--quiet".into(),
                data_home.join("icons/hicolor").into(),
            ],
        ),
    ];
    for (tool, args) in runs {
        let result = Command::new(tool)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output();
        match result {
            Ok(output) if output.status.success() => {}
            Ok(output) => {
                let said = String::from_utf8_lossy(&output.stderr);
                let _ = writeln!(
                    notes,
                    "hookscope: note: {tool} failed ({}): {}",
                    output.status,
                    said.trim()
                );
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let _ = writeln!(notes, "hookscope: note: {tool} is not installed; skipped");
            }
            Err(e) => {
                let _ = writeln!(notes, "hookscope: note: could not run {tool}: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_path_is_used_as_it_is() -> Result<(), String> {
        let entry = desktop_entry(Path::new("/usr/local/bin/hookscope"))?;
        assert!(
            entry.contains("\nExec=/usr/local/bin/hookscope %F\n"),
            "{entry}"
        );
        assert!(entry.contains("\nTryExec=/usr/local/bin/hookscope\n"));
        assert!(entry.contains("MimeType=application/x-hookscope-session;"));
        Ok(())
    }

    #[test]
    fn a_path_with_spaces_and_specials_is_quoted_and_escaped() {
        assert_eq!(
            exec_argument("/home/a b/100%/$x\"y"),
            r#""/home/a b/100%%/\\$x\\"y""#
        );
        assert_eq!(exec_argument(r"/a\b"), r#""/a\\\\b""#);
    }

    #[test]
    fn every_file_written_is_one_uninstall_removes() -> Result<(), String> {
        let written: Vec<PathBuf> = files(Path::new("/bin/hookscope"))?
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        assert_eq!(written, installed_paths());
        Ok(())
    }
}
