//! The window. egui only; everything it shows comes from the session.

mod app;
mod candidate_pane;
mod changes;
mod clock;
mod delete_pane;
mod detail;
pub mod dialogs;
pub mod entities_view;
mod events_table;
mod exchange_view;
mod export_choice;
mod fields_view;
mod file_menu;
mod files;
mod filter_bar;
mod highlight;
mod icon;
mod job_pane;
mod json_tree;
mod outgoing;
pub mod overview_view;
mod pins;
mod policy_editor;
mod problems;
mod prompts;
mod raw_views;
mod redact_preview;
mod redaction;
mod replay_dialog;
mod scenario_panel;
pub mod send_view;
pub mod settings;
mod shortcuts;
mod status_bar;
pub mod theme;
mod top_bar;

pub use app::{Action, App, Startup, View};
pub use events_table::Sort;
pub use settings::Settings;

use std::path::{Path, PathBuf};

use crate::cli::ListenArgs;

/// Settings live beside the journals, so --data-dir moves both.
pub fn settings_path(data_dir: &Path) -> PathBuf {
    data_dir.join("settings.ron")
}

/// Starts listening, then opens the window and runs until it closes.
pub fn run(listen: ListenArgs, files: Vec<PathBuf>, data_dir: PathBuf) -> eframe::Result {
    let startup = Startup::desktop(listen, files, data_dir.clone());
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("hookscope")
        .with_app_id("hookscope")
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([720.0, 420.0]);
    if let Some(icon) = icon::app_icon() {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        // eframe takes the file's path here, whatever its docs say.
        persistence_path: Some(settings_path(&data_dir)),
        viewport,
        ..Default::default()
    };
    eframe::run_native(
        "hookscope",
        options,
        Box::new(move |cc| {
            // Ctrl-C or SIGTERM closes the window as its close button does, so
            // the session ends cleanly: settings saved, journal removed.
            let ctx = cc.egui_ctx.clone();
            if let Err(e) = ctrlc::set_handler(move || {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                ctx.request_repaint();
            }) {
                eprintln!("hookscope: Ctrl-C will not close the window cleanly: {e}");
            }
            Ok(Box::new(App::start(cc, startup)))
        }),
    )
}
