//! The status bar: what the session holds and how the listener is doing.

use egui::{RichText, Ui};

use crate::capture::Status;
use crate::human::{count, counted, format_size};
use crate::ingest::{Ingest, ListenerState};
use crate::session::Session;

use super::theme::{palette, status_color};

/// `journal_bytes`: the disk the crash journals use, when there are any.
pub fn show(ui: &mut Ui, session: &Session, ingest: &Ingest, journal_bytes: Option<u64>) {
    let p = palette(ui);
    ui.horizontal(|ui| {
        let counts = session.counts();
        let requests = session.capture_count();
        ui.label(format!(
            "{} in {}",
            counted(session.row_count(), "event", "events"),
            counted(requests, "request", "requests")
        ));
        if let ListenerState::Listening(listener) = ingest.state() {
            let waiting = listener.awaiting_summary();
            if waiting > 0 {
                ui.label(RichText::new(format!("+{} arriving", count(waiting))).color(p.muted))
                    .on_hover_text(
                        "Acknowledged and kept in the journal; while requests keep coming, \
                         reading them waits so that answering goes first",
                    );
            }
        }
        for (status, n) in [
            (Status::Ok, counts.ok),
            (Status::Warning, counts.warning),
            (Status::Error, counts.error),
        ] {
            ui.label(
                RichText::new(format!("{} {}", count(n), status.as_str()))
                    .color(status_color(&p, status)),
            );
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if let Some(bytes) = journal_bytes {
                ui.label(RichText::new(format!("journal {}", format_size(bytes))).color(p.muted))
                    .on_hover_text(
                        "Disk used by crash journals; a cleanly closed session removes its own.",
                    );
            }
            let config = ingest.config();
            ui.label(
                RichText::new(format!("body cap {}", format_size(config.max_body))).color(p.muted),
            );
            if let ListenerState::Listening(listener) = ingest.state() {
                let stats = listener.stats();
                if stats.timed_out > 0 {
                    ui.label(
                        RichText::new(format!("{} timed out", count(stats.timed_out)))
                            .color(p.warning),
                    )
                    .on_hover_text(format!(
                        "Connections closed because the sender stalled for longer than {} \
                         (--read-timeout); a request under way is captured and flagged.",
                        crate::cli::format_duration(config.read_timeout)
                    ));
                }
                if stats.open_connections > 0 {
                    ui.label(
                        RichText::new(counted(stats.open_connections, "connection", "connections"))
                            .color(p.muted),
                    )
                    .on_hover_text("Connections open to the listener now");
                }
            }
        });
    });
}
