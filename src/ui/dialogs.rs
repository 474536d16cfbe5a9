//! Native file dialogs behind a trait, so tests never open one. Dialogs run
//! on their own thread: the window keeps drawing while one is open.

use std::path::PathBuf;

pub trait FileDialogs: Send + Sync {
    /// Files to open; `None` when the user cancels.
    fn pick_files(&self) -> Option<Vec<PathBuf>>;
    /// Where to save; `None` when the user cancels.
    fn save_file(&self, title: &str, file_name: &str, extension: &str) -> Option<PathBuf>;
}

/// The desktop's own dialogs (the XDG portal, or zenity).
pub struct NativeDialogs;

impl FileDialogs for NativeDialogs {
    fn pick_files(&self) -> Option<Vec<PathBuf>> {
        rfd::FileDialog::new()
            .set_title("Open sessions, HAR files or payloads")
            .add_filter("Sessions, HAR, payloads", &["json", "har", "jsonl"])
            .add_filter("All files", &["*"])
            .pick_files()
    }

    fn save_file(&self, title: &str, file_name: &str, extension: &str) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title(title)
            .set_file_name(file_name)
            .add_filter(extension, &[extension])
            .save_file()
    }
}

/// No dialog at all: every request is cancelled.
pub struct NoDialogs;

impl FileDialogs for NoDialogs {
    fn pick_files(&self) -> Option<Vec<PathBuf>> {
        None
    }

    fn save_file(&self, _title: &str, _file_name: &str, _extension: &str) -> Option<PathBuf> {
        None
    }
}
