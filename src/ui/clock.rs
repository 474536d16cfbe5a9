//! Receive times: hookscope's own clock, always the viewer's local time,
//! with the full date and how long ago on hover.

use chrono::{DateTime, FixedOffset, Local};
use egui::{Response, RichText, Ui};

use crate::human::ago;

/// "14:27:03.120", local.
pub fn time_of_day(at: DateTime<FixedOffset>) -> String {
    at.with_timezone(&Local).format("%H:%M:%S%.3f").to_string()
}

/// The hover of a receive time: "2026-11-26 21:00:03.120 +01:00" and
/// "3 minutes ago" under it.
pub fn hover(at: DateTime<FixedOffset>) -> String {
    let local = at.with_timezone(&Local);
    format!(
        "Received {}\n{}",
        local.format("%Y-%m-%d %H:%M:%S%.3f %:z"),
        ago(&at, &Local::now())
    )
}

/// A receive time to the millisecond, in monospace, with [`hover`].
pub fn received(ui: &mut Ui, at: DateTime<FixedOffset>) -> Response {
    ui.label(RichText::new(time_of_day(at)).monospace())
        .on_hover_text(hover(at))
}
