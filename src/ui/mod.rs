//! The window. egui only; everything it shows comes from the session.

mod app;
mod candidate_pane;
mod delete_pane;
mod detail;
mod events_table;
mod fields_view;
mod icon;
mod job_pane;
mod raw_views;
mod status_bar;
pub mod theme;
mod top_bar;

pub use app::App;

use crate::listener::ListenerConfig;

/// Opens the window and runs until it closes.
pub fn run(config: ListenerConfig) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("hookscope")
            .with_app_id("hookscope")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([720.0, 420.0])
            .with_icon(icon::app_icon()),
        ..Default::default()
    };
    eframe::run_native(
        "hookscope",
        options,
        Box::new(move |cc| Ok(Box::new(App::new(cc, config)))),
    )
}
