//! The window driven from the keyboard alone, under egui_kittest with the
//! real app: moving in tables, opening, searching, switching views and
//! detail tabs, the shortcut sheet, clearing with a confirmation, pausing
//! the table, zoom that persists, and a focused search box that leaves an
//! idle window idle.

mod common;

use std::time::{Duration, Instant};

use common::{
    CANDIDATE_CREATION, CANDIDATE_NAME, Dialogs, JOB_CREATION, JOB_DELETE, app as harness,
    app_from, exchange, request, saved_and_loaded,
};
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hookscope::capture::Capture;
use hookscope::ingest::ListenerState;
use hookscope::outbound::Origin;
use hookscope::ui::{App, View};

fn capture(url: &str, body: &str) -> Capture {
    request(url, body).capture()
}

fn press(harness: &mut Harness<'static, App>, key: Key) {
    harness.key_press(key);
    harness.run();
}

fn ctrl(harness: &mut Harness<'static, App>, key: Key) {
    harness.key_press_modifiers(Modifiers::COMMAND, key);
    harness.run();
}

/// The selected row's place among the rows shown.
fn position(harness: &Harness<'static, App>) -> Option<usize> {
    let app = harness.state();
    let id = app.selection()?;
    app.visible().position(app.session().row_index(id)?)
}

#[test]
fn down_end_home_and_page_down_move_the_selection_in_the_events_table() {
    let mut harness = harness();
    for _ in 0..59 {
        harness.state_mut().feed(capture("/job", JOB_CREATION));
    }
    harness
        .state_mut()
        .feed(capture("/candidate", CANDIDATE_CREATION));
    harness.run();
    assert_eq!(harness.state().visible().len(), 60);
    assert_eq!(harness.state().selection(), None);

    press(&mut harness, Key::ArrowDown);
    assert_eq!(position(&harness), Some(0), "Down selects the first row");
    press(&mut harness, Key::ArrowDown);
    assert_eq!(position(&harness), Some(1));
    press(&mut harness, Key::ArrowUp);
    assert_eq!(position(&harness), Some(0));

    press(&mut harness, Key::End);
    assert_eq!(position(&harness), Some(59), "End selects the last row");
    // The last row is the candidate: its name shows in the table (scrolled
    // to it) and in the detail pane.
    assert!(harness.query_all_by_label(CANDIDATE_NAME).count() >= 2);

    press(&mut harness, Key::Home);
    assert_eq!(position(&harness), Some(0), "Home selects the first row");

    press(&mut harness, Key::PageDown);
    let page = position(&harness).expect("a selection");
    assert!(page > 1 && page < 59, "a page is more than a row: {page}");
    press(&mut harness, Key::PageDown);
    let second = (2 * page).min(59);
    assert_eq!(position(&harness), Some(second));
    press(&mut harness, Key::PageUp);
    assert_eq!(position(&harness), Some(second - page));
}

#[test]
fn enter_opens_the_detail_and_ctrl_tab_cycles_its_tabs() {
    let mut harness = harness();
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness.run();
    harness.get_by_label("Select an event to see what it means");

    press(&mut harness, Key::Enter);
    assert!(
        harness.state().selection().is_some(),
        "Enter opens the first row"
    );
    assert_eq!(harness.state().detail_tab(), "Event");
    harness.get_by_label("IDENTITY");

    ctrl(&mut harness, Key::Tab);
    assert_eq!(harness.state().detail_tab(), "Changes");
    harness.get_by_label_contains("A creation compares against nothing");

    ctrl(&mut harness, Key::Tab);
    assert_eq!(harness.state().detail_tab(), "Problems");
    harness.key_press_modifiers(
        Modifiers {
            shift: true,
            ..Modifiers::COMMAND
        },
        Key::Tab,
    );
    harness.run();
    assert_eq!(harness.state().detail_tab(), "Changes");

    // Round from the first tab to the last one this capture has (it was
    // not forwarded).
    for _ in 0..6 {
        ctrl(&mut harness, Key::Tab);
    }
    assert_eq!(harness.state().detail_tab(), "Response");
    ctrl(&mut harness, Key::Tab);
    assert_eq!(harness.state().detail_tab(), "Event");

    // Enter on a row of another tab comes back to the event.
    ctrl(&mut harness, Key::Tab);
    press(&mut harness, Key::Enter);
    assert_eq!(harness.state().detail_tab(), "Event");
}

#[test]
fn ctrl_f_then_typing_searches_and_esc_clears_then_leaves_the_search() {
    let mut harness = harness();
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness
        .state_mut()
        .feed(capture("/candidate", CANDIDATE_CREATION));
    harness.state_mut().feed(capture("/job", JOB_DELETE));
    harness.state_mut().show_view(View::Overview);
    harness.run();

    ctrl(&mut harness, Key::F);
    assert_eq!(
        harness.state().view(),
        View::Events,
        "Ctrl+F goes to the events"
    );
    assert!(harness.ctx.text_edit_focused(), "the search box has focus");

    harness.event(egui::Event::Text("vanessa".to_owned()));
    harness.run();
    assert_eq!(harness.state().visible().filter().text, "vanessa");
    assert_eq!(harness.state().visible().len(), 1);
    harness.get_by_label("1 of 3");

    // A `?` typed into the search is text, not the sheet.
    harness.key_press(Key::Questionmark);
    harness.event(egui::Event::Text("?".to_owned()));
    harness.run();
    assert!(!harness.state().shortcuts_open());
    assert_eq!(harness.state().visible().filter().text, "vanessa?");

    press(&mut harness, Key::Escape);
    assert_eq!(harness.state().visible().filter().text, "");
    assert_eq!(harness.state().visible().len(), 3);
    harness.get_by_label("3 events");
    assert!(
        harness.ctx.text_edit_focused(),
        "the first Esc clears, the box keeps the focus"
    );

    press(&mut harness, Key::Escape);
    assert!(
        !harness.ctx.text_edit_focused(),
        "the second Esc leaves the box"
    );
    // Out of the box, the arrows move in the table again.
    press(&mut harness, Key::ArrowDown);
    assert_eq!(position(&harness), Some(0));
}

#[test]
fn ctrl_digits_switch_views_and_the_arrows_move_in_each_table() {
    let mut harness = harness();
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness
        .state_mut()
        .feed(capture("/candidate", CANDIDATE_CREATION));
    harness.state_mut().add_exchanges([
        exchange(1, Origin::Send),
        exchange(2, Origin::Send),
        exchange(3, Origin::Send),
    ]);
    harness.run();

    ctrl(&mut harness, Key::Num2);
    assert_eq!(harness.state().view(), View::Entities);
    press(&mut harness, Key::Home);
    let first = harness
        .state()
        .selected_entity()
        .cloned()
        .expect("Home selects");
    press(&mut harness, Key::ArrowDown);
    let second = harness
        .state()
        .selected_entity()
        .cloned()
        .expect("a selection");
    assert_ne!(first, second);
    press(&mut harness, Key::ArrowUp);
    assert_eq!(harness.state().selected_entity(), Some(&first));
    press(&mut harness, Key::Escape);
    assert_eq!(
        harness.state().selected_entity(),
        None,
        "Esc goes back from the history"
    );

    ctrl(&mut harness, Key::Num3);
    assert_eq!(harness.state().view(), View::Overview);

    ctrl(&mut harness, Key::Num4);
    assert_eq!(harness.state().view(), View::Send);
    // The newest sent is shown; Home and Down move in the list.
    assert_eq!(harness.state().selected_exchange(), Some(3));
    press(&mut harness, Key::Home);
    assert_eq!(harness.state().selected_exchange(), Some(1));
    press(&mut harness, Key::ArrowDown);
    assert_eq!(harness.state().selected_exchange(), Some(2));
    press(&mut harness, Key::End);
    assert_eq!(harness.state().selected_exchange(), Some(3));

    ctrl(&mut harness, Key::Num1);
    assert_eq!(harness.state().view(), View::Events);
}

#[test]
fn f1_or_a_question_mark_opens_the_sheet_and_esc_or_f1_closes_it() {
    let mut harness = harness();
    harness.run();
    assert!(harness.query_by_label("Keyboard shortcuts").is_none());

    press(&mut harness, Key::F1);
    assert!(harness.state().shortcuts_open());
    harness.get_by_label("Keyboard shortcuts");
    for keys in [
        "Ctrl+L",
        "Ctrl+Shift+Tab",
        "Ctrl++ or Ctrl+=",
        "F1",
        "Space",
    ] {
        harness.get_by_label(keys);
    }
    harness.get_by_label("Clear the session (asks first)");

    press(&mut harness, Key::Escape);
    assert!(!harness.state().shortcuts_open());
    harness.run_steps(10);
    assert!(
        harness
            .query_by_label("Clear the session (asks first)")
            .is_none()
    );

    press(&mut harness, Key::Questionmark);
    assert!(harness.state().shortcuts_open(), "? opens it too");
    press(&mut harness, Key::F1);
    assert!(!harness.state().shortcuts_open(), "F1 closes it");

    // And from the Help menu, by keyboard: Tab to a button, Enter presses it.
    harness.get_by_label("Help").click();
    harness.run();
    harness.get_by_label_contains("Keyboard shortcuts").click();
    harness.run();
    assert!(harness.state().shortcuts_open());
}

#[test]
fn ctrl_l_asks_and_clears_only_once_confirmed() {
    let mut harness = harness();
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness
        .state_mut()
        .feed(capture("/candidate", CANDIDATE_CREATION));
    harness.run();

    ctrl(&mut harness, Key::L);
    assert!(harness.state().is_asking());
    harness.get_by_label("Clear the session?");
    press(&mut harness, Key::Escape);
    assert!(!harness.state().is_asking(), "Esc cancels");
    assert_eq!(harness.state().session().row_count(), 2, "nothing cleared");

    // Tab to Cancel, Enter presses it.
    ctrl(&mut harness, Key::L);
    press(&mut harness, Key::Tab);
    press(&mut harness, Key::Enter);
    assert!(!harness.state().is_asking());
    assert_eq!(harness.state().session().row_count(), 2, "nothing cleared");

    // The confirming button has the focus: Enter clears.
    ctrl(&mut harness, Key::L);
    assert!(harness.state().is_asking());
    press(&mut harness, Key::Enter);
    assert!(!harness.state().is_asking());
    assert_eq!(harness.state().session().row_count(), 0);
    harness.run_steps(10);
    harness.get_by_label("Waiting for webhooks");
}

#[test]
fn a_paused_table_holds_still_while_the_listener_captures_and_resume_catches_up() {
    let mut harness = harness();
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness
        .state_mut()
        .feed(capture("/candidate", CANDIDATE_CREATION));
    harness.run();
    press(&mut harness, Key::ArrowDown);
    let selected = harness.state().selection();

    press(&mut harness, Key::Space);
    assert_eq!(harness.state().paused_new(), Some(0));
    harness.get_by_label("Paused · 0 new");

    let url = match harness.state().listener_state() {
        ListenerState::Listening(listener) => listener.job_url(),
        _ => panic!("the app listens at start"),
    };
    let agent = common::agent();
    for _ in 0..3 {
        let reply = common::post(&agent, &url, JOB_DELETE);
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.state().session().row_count() < 5 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    harness.run();
    assert_eq!(
        harness.state().session().row_count(),
        5,
        "capture goes on while paused"
    );
    assert_eq!(harness.state().visible().len(), 2, "the table holds still");
    harness.get_by_label("2 events");
    assert_eq!(harness.state().paused_new(), Some(3));
    harness.get_by_label("Paused · 3 new");
    // Moving in a paused table stays within what it shows.
    press(&mut harness, Key::End);
    assert_eq!(position(&harness), Some(1));
    assert_ne!(harness.state().selection(), selected);

    harness.get_by_label("Resume").click();
    harness.run();
    assert_eq!(harness.state().paused_new(), None);
    assert_eq!(harness.state().visible().len(), 5, "resume catches up");
    harness.get_by_label("5 events");
    assert!(harness.query_by_label("Paused · 3 new").is_none());

    press(&mut harness, Key::Space);
    assert!(harness.state().paused_new().is_some());
    press(&mut harness, Key::Space);
    assert!(harness.state().paused_new().is_none(), "Space resumes");
}

#[test]
fn zoom_keys_zoom_and_the_zoom_is_there_at_the_next_start() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut harness = harness();
    harness.run();
    assert_eq!(harness.ctx.zoom_factor(), 1.0);

    ctrl(&mut harness, Key::Plus);
    ctrl(&mut harness, Key::Equals);
    assert_eq!(harness.state().zoom(), 1.2);
    assert!((harness.ctx.zoom_factor() - 1.2).abs() < 1e-6);
    ctrl(&mut harness, Key::Minus);
    assert_eq!(harness.state().zoom(), 1.1);

    let saved = saved_and_loaded(harness.state_mut(), dir.path());
    assert_eq!(saved.display.zoom, 1.1);
    let mut again = app_from(saved, Dialogs::default()).build();
    again.run();
    assert_eq!(again.state().zoom(), 1.1);
    assert!((again.ctx.zoom_factor() - 1.1).abs() < 1e-6);

    ctrl(&mut again, Key::Num0);
    assert_eq!(again.state().zoom(), 1.0);
    assert_eq!(again.ctx.zoom_factor(), 1.0);
}

#[test]
fn a_focused_search_box_leaves_an_idle_window_idle() {
    let mut harness = harness();
    harness.state_mut().feed(capture("/job", JOB_CREATION));
    harness.run();
    ctrl(&mut harness, Key::F);
    assert!(harness.ctx.text_edit_focused());

    for theme in [egui::Theme::Dark, egui::Theme::Light] {
        assert!(
            !harness.ctx.style_of(theme).visuals.text_cursor.blink,
            "the cursor does not blink in the {theme:?} theme"
        );
    }
    harness.run_steps(5);
    let output = harness.output();
    let root = output
        .viewport_output
        .get(&egui::ViewportId::ROOT)
        .expect("the window's output");
    assert_eq!(
        root.repaint_delay,
        Duration::MAX,
        "an idle window with a focused search box asks for no repaint"
    );
}

#[test]
fn the_arrows_move_in_the_overviews_anomaly_list_and_enter_opens_the_event() {
    let mut harness = harness();
    harness
        .state_mut()
        .feed(capture("/candidate", CANDIDATE_CREATION));
    // A delete with no creation before it, then the same delete again.
    harness.state_mut().feed(capture("/job", JOB_DELETE));
    harness.state_mut().feed(capture("/job", JOB_DELETE));
    harness.run();
    let row_id =
        |harness: &Harness<'static, App>, n: usize| harness.state().session().row(n).unwrap().id;
    let (first, second) = (row_id(&harness, 1), row_id(&harness, 2));

    ctrl(&mut harness, Key::Num3);
    assert_eq!(harness.state().view(), View::Overview);
    press(&mut harness, Key::ArrowDown);
    assert_eq!(
        harness.state().selection(),
        Some(first),
        "Down selects the first anomaly"
    );
    assert_eq!(
        harness.state().view(),
        View::Overview,
        "moving does not leave the Overview"
    );
    press(&mut harness, Key::ArrowDown);
    assert_eq!(harness.state().selection(), Some(second));
    press(&mut harness, Key::ArrowUp);
    assert_eq!(harness.state().selection(), Some(first));

    press(&mut harness, Key::Enter);
    assert_eq!(
        harness.state().view(),
        View::Events,
        "Enter opens the event"
    );
    assert_eq!(harness.state().selection(), Some(first));
}
