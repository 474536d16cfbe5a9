//! The body views and the window title, in the real app under egui_kittest.

mod common;

use common::{JOB_CREATION, app as harness, request, step_until};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use hookscope::human::format_size;
use hookscope::ingest::ListenerState;

#[test]
fn a_body_that_is_not_utf8_shows_as_hex_and_ascii() {
    let mut harness = harness();
    let body = b"\xff\xfeHi \x00{\"a\":1}\x80";
    harness
        .state_mut()
        .feed(request("/binary-upload", body).capture());
    harness.run();
    harness.get_by_label("/binary-upload").click();
    harness.run();
    harness.get_by_label("Raw body").click();
    harness.run();
    harness.get_by_label_contains("The body is not valid UTF-8 (invalid byte at offset 0)");
    let shown = harness
        .get_by_role_and_label(Role::MultilineTextInput, "Body, 14 B")
        .value()
        .unwrap_or_default();
    // 14 bytes: the ASCII column starts where a full line's would.
    assert_eq!(
        shown,
        format!(
            "00000000  ff fe 48 69 20 00 7b 22 61 22 3a 31 7d 80 {}..Hi .{{\"a\":1}}.\n",
            " ".repeat(7)
        )
    );
}

#[test]
fn the_coloured_json_view_keeps_the_body_text_exactly() {
    let mut harness = harness();
    harness
        .state_mut()
        .feed(request("/job", JOB_CREATION).capture());
    harness.run();
    harness.get_by_label(common::JOB_TITLE).click();
    harness.run();
    harness.get_by_label("Raw body").click();
    harness.run();
    let caption = format!("Body, {}", format_size(JOB_CREATION.len() as u64));
    let shown = harness
        .get_by_role_and_label(Role::MultilineTextInput, &caption)
        .value();
    assert_eq!(shown.as_deref(), Some(JOB_CREATION));
}

#[test]
fn the_title_names_the_listener_and_the_file_opened() {
    let mut harness = harness();
    harness.run();
    let ListenerState::Listening(listener) = harness.state().listener_state() else {
        panic!("not listening");
    };
    let address = listener.local_addr().to_string();
    assert_eq!(
        harness.state().window_title(),
        format!("hookscope \u{2014} listening on {address}")
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("morning.hookscope.json");
    let captures = [request("/job", JOB_CREATION).received()];
    let mut bytes = Vec::new();
    let exported_at = chrono::DateTime::parse_from_rfc3339("2026-01-20T14:27:00+01:00").unwrap();
    hookscope::session::file::write(&mut bytes, captures.iter(), &[], exported_at).unwrap();
    std::fs::write(&path, bytes).unwrap();
    harness.state_mut().request_open(vec![path]);
    step_until(&mut harness, "the file to load", |app| {
        !app.is_busy() && !app.session().is_empty()
    });
    assert_eq!(
        harness.state().window_title(),
        format!("hookscope \u{2014} morning.hookscope.json \u{2014} listening on {address}")
    );

    harness.get_by_label("Stop").click();
    step_until(&mut harness, "the listener to stop", |app| {
        matches!(app.listener_state(), ListenerState::Stopped)
    });
    // The test listener asked for any free port: no port to name once stopped.
    assert_eq!(
        harness.state().window_title(),
        "hookscope \u{2014} morning.hookscope.json \u{2014} stopped"
    );
}

#[test]
fn a_stopped_listener_on_a_fixed_port_names_it() {
    // A port free a moment ago, as a user's settings would name one.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = hookscope::listener::ListenerConfig {
        port,
        ..common::listener_config()
    };
    let mut harness = common::app_with(config, common::Dialogs::default());
    harness.run();
    assert_eq!(
        harness.state().window_title(),
        format!("hookscope \u{2014} listening on 127.0.0.1:{port}")
    );
    harness.get_by_label("Stop").click();
    step_until(&mut harness, "the listener to stop", |app| {
        matches!(app.listener_state(), ListenerState::Stopped)
    });
    assert_eq!(
        harness.state().window_title(),
        format!("hookscope \u{2014} stopped (port {port})")
    );
}
