//! The panes under egui_kittest: every field the spec's samples send, dates
//! as the sender wrote them (or as the chosen mode shows them), counts and
//! receive times as a person reads them.

mod common;

use common::{
    CANDIDATE_CREATION, CANDIDATE_NAME, Dialogs, JOB_CREATION, JOB_DELETE, JOB_TITLE, app,
    app_from, request, saved_and_loaded,
};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hookscope::hs::dates::DateMode;
use hookscope::ui::settings::SavedDisplay;
use hookscope::ui::{App, Settings};

fn with_dates(mode: DateMode) -> Harness<'static, App> {
    let settings = Settings {
        display: SavedDisplay {
            payload_dates: mode,
            ..SavedDisplay::default()
        },
        ..Settings::default()
    };
    app_from(settings, Dialogs::default()).build()
}

fn open_job(harness: &mut Harness<'static, App>) {
    harness
        .state_mut()
        .feed(request("/job", JOB_CREATION).capture());
    harness.run();
    harness.get_by_label(JOB_TITLE).click();
    harness.run();
}

fn open_candidate(harness: &mut Harness<'static, App>) {
    harness
        .state_mut()
        .feed(request("/candidate", CANDIDATE_CREATION).capture());
    harness.run();
    harness.get_by_label(CANDIDATE_NAME).click();
    harness.run();
}

fn shows(harness: &Harness<'static, App>, text: &str) -> usize {
    harness.query_all_by_label(text).count()
}

#[test]
fn the_job_pane_shows_dates_in_the_senders_offset() {
    let mut harness = app();
    open_job(&mut harness);
    // job_published_at "2019-07-19T16:57:17+0200", job_updated_at "2019-08-29T17:16:11+0200".
    assert_eq!(shows(&harness, "2019-07-19 16:57:17 +02:00"), 1);
    assert_eq!(shows(&harness, "2019-08-29 17:16:11 +02:00"), 1);
    // job_jobstart and job_mission_start: midnight +0200, the 19th wherever it is read.
    assert_eq!(shows(&harness, "2019-07-19"), 2);
    assert!(harness.query_by_label("2019-07-18").is_none());
}

#[test]
fn the_utc_mode_converts_instants_but_not_days() {
    let mut harness = with_dates(DateMode::Utc);
    open_job(&mut harness);
    assert_eq!(shows(&harness, "2019-07-19 14:57:17 UTC"), 1);
    assert_eq!(shows(&harness, "2019-08-29 15:16:11 UTC"), 1);
    assert_eq!(shows(&harness, "2019-07-19"), 2);
    assert!(
        harness
            .query_by_label("2019-07-19 16:57:17 +02:00")
            .is_none()
    );
}

#[test]
fn the_date_mode_is_chosen_in_settings_and_kept() {
    let mut harness = app();
    open_job(&mut harness);
    assert_eq!(shows(&harness, "2019-07-19 16:57:17 +02:00"), 1);

    harness.get_by_label("Settings").click();
    harness.run();
    harness.get_by_label("UTC").click();
    harness.run();
    assert_eq!(shows(&harness, "2019-07-19 14:57:17 UTC"), 1);

    let dir = tempfile::tempdir().unwrap();
    let saved = saved_and_loaded(harness.state_mut(), dir.path());
    assert_eq!(saved.display.payload_dates, DateMode::Utc);
}

#[test]
fn the_candidate_pane_shows_every_attachment_form_and_answer_field() {
    let mut harness = app();
    open_candidate(&mut harness);
    for text in [
        // Attachment ids and stored file names.
        "#367481",
        "#367479",
        "#367480",
        "#127165",
        "201512/3144_d33f7caf411aa7add14e44521c9084a7",
        "201512/3144_dd860c22d4dcb7cd990a82974b67ca96",
        // The form's image.
        "16343d20c273cffc06e1821c27c09d024e8d657b1a31c7e381a0e771a09e136e.png",
        // Question ids.
        "#4339",
        "#4630",
        "#1332",
    ] {
        assert_eq!(
            shows(&harness, text),
            1,
            "the candidate pane shows {text:?}"
        );
    }
    // Two attachments were sent without a stored file name: said, not hidden.
    assert_eq!(shows(&harness, "Stored as"), 4);
}

#[test]
fn the_candidate_pane_calls_the_poste_a_position_everywhere() {
    let mut harness = app();
    open_candidate(&mut harness);
    assert_eq!(shows(&harness, "Position"), 4, "one per action card");
    assert!(harness.query_by_label_contains("Poste").is_none());
    assert!(harness.query_by_label_contains("poste").is_none());
}

#[test]
fn the_candidate_pane_shows_action_dates_as_sent() {
    let mut harness = app();
    open_candidate(&mut harness);
    // latest_action and the newest action's date: "2016-01-20T14:27:00+01:00".
    assert_eq!(shows(&harness, "2016-01-20 14:27 +01:00"), 2);
    assert_eq!(shows(&harness, "2015-12-21 23:45:46 +01:00"), 1);
    assert_eq!(shows(&harness, "2011-05-02 11:53 +02:00"), 1);
}

#[test]
fn counts_have_thousands_separators() {
    let mut harness = app();
    for id in 0..1_200 {
        harness
            .state_mut()
            .feed(request("/job", JOB_DELETE).id(id).capture());
    }
    harness.run();
    assert_eq!(shows(&harness, "1,200 events"), 1, "the filter bar");
    assert_eq!(
        shows(&harness, "1,200 events in 1,200 requests"),
        1,
        "the status bar"
    );
}

#[test]
fn a_receive_time_says_how_long_ago_on_hover() {
    let mut harness = app();
    let now = chrono::Local::now().fixed_offset() - chrono::Duration::minutes(3);
    harness
        .state_mut()
        .feed(request("/job", JOB_CREATION).at(now).capture());
    harness.run();
    let shown = now.format("%H:%M:%S%.3f").to_string();
    harness.get_by_label(&shown).hover();
    harness.run();
    assert!(
        harness.query_by_label_contains("3 minutes ago").is_some(),
        "the table's time cell says how long ago"
    );
}
