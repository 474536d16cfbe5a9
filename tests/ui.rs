//! The real app under egui_kittest: no GPU, no display.

mod common;

use std::time::{Duration, Instant};

use common::{
    CANDIDATE_CREATION, CANDIDATE_NAME, Dialogs, JOB_CREATION, JOB_DELETE, JOB_TITLE, JOB_UPDATE,
    app as harness, app_with, header_pairs, listener_config, request, settle,
};
use egui_kittest::kittest::Queryable;
use hookscope::capture::{Capture, Routes};
use hookscope::ingest::ListenerState;
use hookscope::listener::ListenerConfig;

/// A POST of `body` to `url`, as the listener would have captured it.
fn capture(url: &str, body: &str) -> Capture {
    request(url, body).capture()
}

#[test]
fn an_empty_session_waits_for_webhooks() {
    let mut harness = harness();
    harness.run();
    harness.get_by_label("Waiting for webhooks");
    assert!(matches!(
        harness.state().listener_state(),
        ListenerState::Listening(_)
    ));
}

#[test]
fn clicking_a_job_row_shows_the_job_pane() {
    let mut harness = harness();
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness
        .state_mut()
        .feed(capture("/candidate", CANDIDATE_CREATION));
    harness.run();
    assert!(
        harness
            .query_by_label("Select an event to see what it means")
            .is_some()
    );

    harness.get_by_label(JOB_TITLE).click();
    harness.run();

    assert!(harness.state().selection().is_some());
    // The title now shows in the table, as the pane's heading and as a field.
    assert_eq!(harness.get_all_by_label(JOB_TITLE).count(), 3);
    for label in [
        "IDENTITY",
        "PLACE",
        "DATES",
        "Reference",
        "REF",
        "France (FRA / FR)",
        "spontaneous application",
        "~Autres Familles",
    ] {
        assert!(
            harness.query_all_by_label_contains(label).next().is_some(),
            "the job pane shows {label:?}"
        );
    }
    assert!(harness.query_by_label("Vanessa DURANT").is_none());
}

#[test]
fn clicking_a_candidate_row_shows_actions_attachments_and_answers() {
    let mut harness = harness();
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness
        .state_mut()
        .feed(capture("/candidate", CANDIDATE_CREATION));
    harness.run();

    harness.get_by_label(CANDIDATE_NAME).click();
    harness.run();

    for label in [
        "ACTIONS (4), NEWEST FIRST",
        "[email protected]",
        "cv-31144169.pdf",
        "Documentsanstitre (1).pdf",
        "Civilité",
        "Monsieur",
        "Prétentions salariales",
        "Attaché(e) commercial h/f",
        "Conseiller Clientèle H/F",
    ] {
        assert!(
            harness.query_all_by_label_contains(label).next().is_some(),
            "the candidate pane shows {label:?}"
        );
    }
    assert_eq!(harness.get_all_by_label("Vanessa DURANT").count(), 4);
    assert_eq!(harness.get_all_by_label("CLO").count(), 1);
}

#[test]
fn a_delete_links_to_earlier_events_of_the_same_job() {
    let mut harness = harness();
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness.state_mut().feed(capture("/job", JOB_DELETE));
    harness.run();

    let rows = harness.get_all_by_label("126751").count();
    assert_eq!(rows, 2, "both rows show the job id");
    harness
        .get_by_role_and_label(egui::accesskit::Role::Label, "delete")
        .click();
    harness.run();
    harness.get_by_label("Deleted job");
    let earlier = harness.get_by_label_contains("  Candidature Spontanée");
    earlier.click();
    harness.run();
    let selected = harness.state().selection().expect("a selection");
    let session = harness.state().session();
    let view = session
        .row(session.row_index(selected).expect("a row"))
        .expect("a view");
    assert_eq!(view.summary.label, JOB_TITLE);
}

#[test]
fn a_webhook_posted_to_the_real_listener_appears_without_input() {
    let mut harness = harness();
    harness.run();
    let url = match harness.state().listener_state() {
        ListenerState::Listening(listener) => listener.job_url(),
        _ => panic!("the app listens at start"),
    };
    let reply = common::post(&common::agent(), &url, JOB_CREATION);
    assert_eq!(reply.status, 200, "{}", reply.body);

    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.state().session().row_count() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    harness.run();
    assert_eq!(harness.state().session().row_count(), 1);
    harness.get_by_label(JOB_TITLE);
}

#[test]
fn a_port_in_use_is_shown_in_the_window_not_a_crash() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = taken.local_addr().expect("its address").port();
    let mut harness = app_with(
        ListenerConfig {
            port,
            ..listener_config()
        },
        Dialogs::default(),
    );
    harness.run();
    match harness.state().listener_state() {
        ListenerState::Failed(reason) => assert!(reason.contains(&port.to_string()), "{reason}"),
        _ => panic!("the listener cannot start on a taken port"),
    }
    harness.get_by_label_contains("in use");
    harness.get_by_label("Retry");
}

#[test]
fn arrow_keys_move_the_selection_by_stable_id() {
    let mut harness = harness();
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness
        .state_mut()
        .feed(capture("/candidate", CANDIDATE_CREATION));
    harness.run();

    harness.key_press(egui::Key::ArrowDown);
    harness.run();
    let first = harness
        .state()
        .selection()
        .expect("Down selects the first row");
    harness.key_press(egui::Key::ArrowDown);
    harness.run();
    let second = harness.state().selection().expect("a selection");
    assert_ne!(first, second);
    assert!(
        harness
            .query_all_by_label("Vanessa DURANT")
            .next()
            .is_some()
    );

    // New rows do not move the selection off the candidate.
    harness.state_mut().feed(capture("/job", JOB_DELETE));
    harness.run();
    assert_eq!(harness.state().selection(), Some(second));
    harness.key_press(egui::Key::ArrowUp);
    harness.run();
    assert_eq!(harness.state().selection(), Some(first));
}

#[test]
fn a_sample_opens_from_the_file_menu_into_the_table() {
    let mut harness = harness();
    harness.run();
    harness.get_by_label("File").click();
    harness.run();
    harness.get_by_label("Open sample").hover();
    harness.run();
    harness.get_by_label("candidate_creation.json").click();
    harness.run();

    assert_eq!(harness.state().session().row_count(), 1);
    let session = harness.state().session();
    let view = session.row(0).expect("a row");
    assert_eq!(view.capture.head.remote(), "file candidate_creation.json");
    assert_eq!(view.capture.head.url(), "/candidate");
    harness.get_by_label(CANDIDATE_NAME);
}

#[test]
fn a_broken_file_shows_its_error_and_leaves_the_session_alone() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        "{\"format\":\"hookscope-session\",\"version\":1,\"captures\":[{\"id\":",
    )
    .expect("write the broken file");
    let mut harness = app_with(listener_config(), Dialogs::picking(vec![broken.clone()]));
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness.run();

    harness.get_by_label("File").click();
    harness.run();
    harness.get_by_label_contains("Open…").click();
    settle(&mut harness);
    // The session holds a capture: hookscope asks before replacing it.
    harness.get_by_label("Start a new session").click();
    settle(&mut harness);

    let notice = harness.state().notice().expect("an error notice");
    assert!(notice.is_error);
    assert!(notice.text.contains("broken.json"), "{}", notice.text);
    harness.get_by_label_contains("Could not open");
    assert_eq!(
        harness.state().session().row_count(),
        1,
        "the session is untouched"
    );
    harness.get_by_label(JOB_TITLE);
}

#[test]
fn an_exported_session_opens_again_with_the_same_captures() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("session.json");
    let mut first = harness();
    first.state_mut().feed(capture("/job", JOB_CREATION));
    first
        .state_mut()
        .feed(capture("/candidate", CANDIDATE_CREATION));
    first.run();
    let captures: Vec<_> = first.state().session().captures().cloned().collect();
    let out = common::session_bytes(&captures, chrono::Local::now().fixed_offset());
    std::fs::write(&path, &out).expect("save");

    let mut second = app_with(listener_config(), Dialogs::picking(vec![path]));
    second.run();
    second.get_by_label("File").click();
    second.run();
    second.get_by_label_contains("Open…").click();
    settle(&mut second);

    let reopened: Vec<_> = second.state().session().captures().cloned().collect();
    assert_eq!(reopened.len(), 2);
    for (a, b) in captures.iter().zip(&reopened) {
        assert_eq!(
            (a.id, &a.body, header_pairs(a), a.received_at),
            (b.id, &b.body, header_pairs(b), b.received_at)
        );
    }
    second.get_by_label_contains("Opened 2 captures from session.json");
}

#[test]
fn searching_the_table_shows_n_of_m_and_keeps_a_visible_selection() {
    let mut harness = harness();
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness
        .state_mut()
        .feed(capture("/candidate", CANDIDATE_CREATION));
    harness.state_mut().feed(capture("/job", JOB_DELETE));
    harness.run();
    harness.get_by_label("3 events");

    harness.get_by_label(CANDIDATE_NAME).click();
    harness.run();
    let candidate = harness.state().selection().expect("a selection");

    harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "Search")
        .focus();
    harness
        .get_by_role_and_label(egui::accesskit::Role::TextInput, "Search")
        .type_text("vanessa");
    harness.run();
    harness.get_by_label("1 of 3");
    assert_eq!(
        harness.state().selection(),
        Some(candidate),
        "still shown, still selected"
    );

    // A toggle combines with the search: no job matches "vanessa".
    harness
        .get_by_role_and_label(egui::accesskit::Role::Button, "candidate")
        .click();
    harness.run();
    harness.get_by_label("0 of 3");
    harness.get_by_label("No event matches the filter");
    assert_eq!(
        harness.state().selection(),
        None,
        "a hidden row is not kept selected"
    );

    harness.get_by_label("Show all").click();
    harness.run();
    harness.get_by_label("3 events");
    assert_eq!(harness.state().visible().len(), 3);
}

#[test]
fn selecting_an_update_shows_what_changed_since_the_previous_version() {
    let mut harness = harness();
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    let update = JOB_UPDATE
        .replace("Candidature Spontanée", "Commercial terrain")
        .replace("\"job_regions\": []", "\"job_regions\": [\"Bretagne\"]");
    harness.state_mut().feed(capture("/job", &update));
    harness.run();

    harness.get_by_label("Commercial terrain").click();
    harness.run();
    harness.get_by_label("Changes").click();
    harness.run();

    harness.get_by_label("1 changed, 1 added, 0 removed");
    harness.get_by_label("/job_title");
    harness.get_by_label("\"Candidature Spontanée\"");
    harness.get_by_label("\"Commercial terrain\"");
    harness.get_by_label("/job_regions/0");
    harness.get_by_label_contains("Compared with the creation of");

    // The creation itself compares against nothing.
    harness.get_by_label(JOB_TITLE).click();
    harness.run();
    harness.get_by_label_contains("A creation compares against nothing");
}

#[test]
fn a_problem_in_the_list_opens_that_spot_in_the_tree() {
    let mut harness = harness();
    let broken = JOB_UPDATE.replace("\"2019-07-19T16:57:17+0200\"", "\"yesterday\"");
    harness.state_mut().feed(capture("/job", &broken));
    harness.run();
    harness.get_by_label(JOB_TITLE).click();
    harness.run();
    harness.get_by_label_contains("Problems (").click();
    harness.run();
    harness.get_by_label("/0/data/job_published_at").click();
    harness.run();
    // The tree shows the value, and its row is highlighted in view.
    harness.get_by_label("\"yesterday\"");
}

#[test]
fn export_writes_all_captures_or_only_those_the_filter_shows() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let all = dir.path().join("all.json");
    let mut harness = app_with(listener_config(), Dialogs::saving_to(all.clone()));
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness
        .state_mut()
        .feed(capture("/candidate", CANDIDATE_CREATION));
    harness.run();
    harness.get_by_label("File").click();
    harness.run();
    harness.get_by_label_contains("Export session…").click();
    harness.run();
    // The choice to redact comes first; off until a preview was seen.
    harness.get_by_label("All 2 captures of the session.");
    harness.get_by_label("Export…").click();
    settle(&mut harness);
    let bytes = std::fs::read(&all).expect("the export was written");
    let read = hookscope::session::file::read(&bytes, &Routes::default())
        .expect("a session")
        .captures;
    assert_eq!(read.len(), 2);
    harness.get_by_label_contains("Exported 2 captures");

    let shown = dir.path().join("shown.json");
    let mut harness = app_with(listener_config(), Dialogs::saving_to(shown.clone()));
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness
        .state_mut()
        .feed(capture("/candidate", CANDIDATE_CREATION));
    harness
        .state_mut()
        .set_filter(hookscope::session::filter::Filter::search("vanessa"));
    harness.run();
    harness.get_by_label("File").click();
    harness.run();
    harness.get_by_label("Export shown events…").click();
    harness.run();
    harness.get_by_label("The capture the filter shows.");
    harness.get_by_label("Export…").click();
    settle(&mut harness);
    let bytes = std::fs::read(&shown).expect("the export was written");
    let read = hookscope::session::file::read(&bytes, &Routes::default())
        .expect("a session")
        .captures;
    assert_eq!(read.len(), 1);
    assert_eq!(&read[0].body[..], CANDIDATE_CREATION.as_bytes());
}
