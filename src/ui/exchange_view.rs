//! One request hookscope sent and what came of it: the request line and
//! headers, then the target's status, headers, body and time, or why there
//! was no answer. Used by the Send view and the Forwarded tab.

use std::time::Duration;

use chrono::Local;
use egui::{RichText, Ui};

use crate::capture::answer::reason_phrase;
use crate::human::format_size;
use crate::outbound::curl::curl_command;
use crate::outbound::{Exchange, Origin};

use super::raw_views::{body_text, cut_at_char};
use super::theme::palette;

/// Answer bodies longer than this are cut for display.
const SHOWN_BYTES: usize = 64 * 1024;

/// "send", "replay of #3", "forward of #5", "scenario lifecycle: …".
pub fn origin_text(origin: &Origin) -> String {
    match origin {
        Origin::Send => "send".to_owned(),
        Origin::Scenario { name, step } => format!("scenario {name}: {step}"),
        Origin::Replay { capture } => format!("replay of #{capture}"),
        Origin::Forward { capture, .. } => format!("forward of #{capture}"),
    }
}

/// "42 ms", "1.25 s".
pub fn elapsed_text(exchange: &Exchange) -> String {
    duration_text(exchange.outcome.elapsed)
}

/// "42 ms", "1.25 s".
pub fn duration_text(elapsed: Duration) -> String {
    let ms = elapsed.as_secs_f64() * 1000.0;
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

pub fn show(ui: &mut Ui, exchange: &Exchange) {
    let p = palette(ui);
    let request = &exchange.request;
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!("{} {}", request.method, request.url))
                .monospace()
                .strong(),
        );
    });
    ui.horizontal_wrapped(|ui| {
        let local = exchange.started_at.with_timezone(&Local);
        ui.label(
            RichText::new(format!(
                "#{} {}, sent at {}",
                exchange.id,
                origin_text(&exchange.origin),
                local.format("%H:%M:%S%.3f")
            ))
            .color(p.muted),
        );
        if ui
            .small_button("Copy as cURL")
            .on_hover_text("A shell command that sends this request again, exactly")
            .clicked()
        {
            ui.ctx().copy_text(curl_command(request));
        }
    });
    ui.add_space(6.0);
    ui.label(RichText::new("Answer").strong());
    match &exchange.outcome.result {
        Ok(response) => {
            let color = if response.is_success() {
                p.ok
            } else {
                p.warning
            };
            let status = ui.label(
                RichText::new(format!(
                    "HTTP {} {} in {}",
                    response.status,
                    reason_phrase(response.status),
                    elapsed_text(exchange)
                ))
                .monospace()
                .strong()
                .color(color),
            );
            headers_grid(ui, ("answer-headers", exchange.id), &response.headers);
            ui.add_space(4.0);
            ui.label(
                RichText::new(format!("Body, {}", format_size(response.body.len() as u64)))
                    .color(p.muted),
            );
            let text = String::from_utf8_lossy(&response.body);
            let pretty = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok());
            let shown = pretty.as_deref().unwrap_or(&text);
            body_text(ui, status.id, cut_at_char(shown, SHOWN_BYTES));
        }
        Err(failure) => {
            ui.label(
                RichText::new(format!(
                    "No answer after {}: {failure}",
                    elapsed_text(exchange)
                ))
                .strong()
                .color(p.error),
            );
        }
    }
    ui.add_space(6.0);
    egui::CollapsingHeader::new(format!(
        "Request headers ({})",
        crate::human::count(request.headers.len())
    ))
    .id_salt(("request-headers", exchange.id))
    .show(ui, |ui| {
        headers_grid(ui, ("request-headers-grid", exchange.id), &request.headers)
    });
    egui::CollapsingHeader::new(format!(
        "Request body ({})",
        format_size(request.body.len() as u64)
    ))
    .id_salt(("request-body", exchange.id))
    .show(ui, |ui| {
        let caption = ui.label(RichText::new("As sent").color(p.muted));
        let text = String::from_utf8_lossy(&request.body);
        body_text(ui, caption.id, cut_at_char(&text, SHOWN_BYTES));
    });
}

fn headers_grid(ui: &mut Ui, id: (&'static str, u64), headers: &[(String, String)]) {
    let muted = palette(ui).muted;
    egui::Grid::new(id)
        .num_columns(2)
        .striped(true)
        .spacing([12.0, 3.0])
        .show(ui, |ui| {
            for (name, value) in headers {
                ui.label(RichText::new(name).monospace().color(muted));
                ui.label(RichText::new(value).monospace());
                ui.end_row();
            }
        });
}
