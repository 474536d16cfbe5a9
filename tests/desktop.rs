//! `hookscope desktop install` / `uninstall`, run as the real binary with a
//! temporary XDG_DATA_HOME: a valid launcher entry running this binary,
//! icons of the right sizes, the session MIME type, and an uninstall that
//! removes exactly those files.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{desktop_file_validate, hookscope};

const MIME_TYPE: &str = "application/x-hookscope-session";
const SIZES: [u32; 7] = [16, 32, 48, 64, 128, 256, 512];

/// Every file `install` writes, relative to the data folder.
fn expected_files() -> BTreeSet<PathBuf> {
    let mut files: BTreeSet<PathBuf> = [
        "applications/hookscope.desktop",
        "mime/packages/hookscope.xml",
        "icons/hicolor/scalable/apps/hookscope.svg",
    ]
    .into_iter()
    .map(PathBuf::from)
    .collect();
    for size in SIZES {
        files.insert(format!("icons/hicolor/{size}x{size}/apps/hookscope.png").into());
    }
    files
}

/// Runs `hookscope desktop ACTION` with `data_home` as XDG_DATA_HOME, and
/// `path` as PATH when given (an empty one hides the desktop's tools).
fn desktop(action: &str, home: &Path, data_home: &Path, path: Option<&Path>) -> Output {
    let mut command = hookscope(&["desktop", action]);
    command.env("HOME", home).env("XDG_DATA_HOME", data_home);
    if let Some(path) = path {
        command.env("PATH", path);
    }
    command.output().expect("run hookscope desktop")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// All files (not directories) under `root`, relative to it.
fn tree(root: &Path) -> BTreeSet<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(path.strip_prefix(root).unwrap().to_owned());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, root, &mut out);
    out
}

/// A PNG's width and height, from its IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR", "no IHDR first");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (width, height)
}

/// Files placed there by someone else, which must survive an uninstall.
fn place_foreign_files(data_home: &Path) -> Vec<PathBuf> {
    let foreign = vec![
        PathBuf::from("applications/other.desktop"),
        PathBuf::from("icons/hicolor/48x48/apps/other.png"),
        PathBuf::from("mime/packages/other.xml"),
    ];
    for file in &foreign {
        let path = data_home.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"not hookscope's").unwrap();
    }
    foreign
}

#[test]
fn install_writes_a_valid_entry_the_icons_and_the_mime_type() {
    let dir = tempfile::tempdir().unwrap();
    let data_home = dir.path().join("share");
    let output = desktop("install", dir.path(), &data_home, None);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    for file in expected_files() {
        let path = data_home.join(&file);
        assert!(path.is_file(), "{} is missing", path.display());
        assert!(
            stdout.contains(&format!("wrote {}", path.display())),
            "{file:?} is not reported: {stdout}"
        );
    }

    let entry_path = data_home.join("applications/hookscope.desktop");
    let entry = std::fs::read_to_string(&entry_path).unwrap();
    if let Some(validated) = desktop_file_validate(&entry_path) {
        assert!(
            validated.status.success(),
            "{}{}",
            text(&validated.stdout),
            text(&validated.stderr)
        );
        // Hints are allowed; errors and warnings are not.
        let said = text(&validated.stdout) + &text(&validated.stderr);
        assert!(
            !said.contains("error:") && !said.contains("warning:"),
            "{said}"
        );
    }
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_hookscope")).unwrap();
    let exec = entry
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .expect("an Exec line");
    assert_eq!(exec, format!("{} %F", exe.display()));
    assert!(Path::new(exec.trim_end_matches(" %F")).is_absolute());
    assert!(entry.contains(&format!("MimeType={MIME_TYPE};")), "{entry}");
    assert!(entry.contains("\nIcon=hookscope\n"), "{entry}");

    for size in SIZES {
        let png = std::fs::read(
            data_home.join(format!("icons/hicolor/{size}x{size}/apps/hookscope.png")),
        )
        .unwrap();
        assert_eq!(png_size(&png), (size, size));
    }
    let svg = std::fs::read_to_string(data_home.join("icons/hicolor/scalable/apps/hookscope.svg"))
        .unwrap();
    assert!(svg.contains("<svg"), "{svg}");

    let mime = std::fs::read_to_string(data_home.join("mime/packages/hookscope.xml")).unwrap();
    assert!(mime.contains(&format!("type=\"{MIME_TYPE}\"")), "{mime}");
    assert!(mime.contains("<sub-class-of type=\"application/json\"/>"));
    assert!(
        !mime.contains("pattern=\"*.json\""),
        "claims every JSON file"
    );

    // Where the desktop's tools are installed, install ran them.
    if Path::new("/usr/bin/update-mime-database").exists() {
        let globs = std::fs::read_to_string(data_home.join("mime/globs2")).unwrap();
        assert!(globs.contains(MIME_TYPE), "{globs}");
    }
}

#[test]
fn the_magic_matches_the_start_of_a_session_file_hookscope_writes() {
    let mime = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/hookscope-mime.xml"),
    )
    .unwrap();
    let value = mime
        .split("value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a magic value")
        .replace("&quot;", "\"");
    let mut written = Vec::new();
    let exported_at = chrono::DateTime::parse_from_rfc3339("2026-01-20T14:27:00+01:00").unwrap();
    hookscope::session::file::write(&mut written, std::iter::empty(), &[], exported_at).unwrap();
    assert!(
        written.starts_with(value.as_bytes()),
        "{value} / {}",
        text(&written)
    );
}

#[test]
fn uninstall_removes_exactly_what_install_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let data_home = dir.path().join("share");
    // No desktop tools: nothing but hookscope writes in the tree.
    let no_tools = dir.path().join("empty-bin");
    std::fs::create_dir_all(&no_tools).unwrap();
    let foreign = place_foreign_files(&data_home);
    let before = tree(&data_home);

    let installed = desktop("install", dir.path(), &data_home, Some(&no_tools));
    assert!(installed.status.success(), "{}", text(&installed.stderr));
    assert!(
        text(&installed.stderr).contains("update-mime-database is not installed"),
        "{}",
        text(&installed.stderr)
    );
    let after_install = tree(&data_home);
    let added: BTreeSet<PathBuf> = after_install.difference(&before).cloned().collect();
    assert_eq!(added, expected_files());

    let removed = desktop("uninstall", dir.path(), &data_home, Some(&no_tools));
    assert!(removed.status.success(), "{}", text(&removed.stderr));
    let stdout = text(&removed.stdout);
    for file in expected_files() {
        assert!(
            stdout.contains(&format!("removed {}", data_home.join(&file).display())),
            "{file:?}: {stdout}"
        );
    }
    assert_eq!(tree(&data_home), before);
    for file in foreign {
        assert!(data_home.join(file).is_file());
    }

    // Already gone: still a success, and it says so.
    let again = desktop("uninstall", dir.path(), &data_home, Some(&no_tools));
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).contains("nothing to remove"),
        "{}",
        text(&again.stdout)
    );
}

#[test]
fn uninstall_with_the_desktop_tools_forgets_the_type_and_keeps_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let data_home = dir.path().join("share");
    let foreign = place_foreign_files(&data_home);
    let installed = desktop("install", dir.path(), &data_home, None);
    assert!(installed.status.success(), "{}", text(&installed.stderr));
    let removed = desktop("uninstall", dir.path(), &data_home, None);
    assert!(removed.status.success(), "{}", text(&removed.stderr));
    for file in expected_files() {
        assert!(!data_home.join(&file).exists(), "{file:?} is left");
    }
    for file in foreign {
        assert!(data_home.join(file).is_file());
    }
    if Path::new("/usr/bin/update-mime-database").exists() {
        let globs = std::fs::read_to_string(data_home.join("mime/globs2")).unwrap_or_default();
        assert!(!globs.contains(MIME_TYPE), "{globs}");
    }
}

#[test]
fn an_unwritable_data_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // A file where a folder must be: unwritable even for root.
    let blocker = dir.path().join("share");
    std::fs::write(&blocker, b"a file").unwrap();
    let output = desktop("install", dir.path(), &blocker, None);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("hookscope: cannot create ") && stderr.contains("share/applications"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
}
