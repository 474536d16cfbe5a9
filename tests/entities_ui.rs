//! The entities view, an entity's history and the session overview under
//! egui_kittest (no GPU, no display), over a real `Session`; and the
//! overview's counts in plain Rust.

mod common;

use chrono::{DateTime, FixedOffset, Local};
use common::{
    CANDIDATE_CREATION, CANDIDATE_UPDATE, JOB_CREATION, JOB_DELETE, JOB_TITLE, JOB_UPDATE, capture,
    shown_time, time,
};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use hookscope::capture::Status;
use hookscope::hs::{EntityType, Level};
use hookscope::session::filter::{EntityClass, EventClass};
use hookscope::session::overview::overview;
use hookscope::session::{AnomalyKind, EntityKey, RowId, Session};
use hookscope::ui::Action;
use hookscope::ui::entities_view::{self, EntitiesState};
use hookscope::ui::overview_view::{self, OverviewState};

// ---- helpers ----------------------------------------------------------------

fn row(capture: u64) -> RowId {
    RowId { capture, row: 0 }
}

fn job_key() -> EntityKey {
    EntityKey {
        entity: EntityType::Job,
        id: "126751".to_owned(),
    }
}

/// How the overview writes a minute: local.
fn shown_minute(seconds: i64) -> String {
    time(seconds)
        .with_timezone(&Local)
        .format("%H:%M")
        .to_string()
}

/// The entities list on the left; the selected entity's history on the right.
struct Entities {
    session: Session,
    view: EntitiesState,
    actions: Vec<Action>,
}

fn entities_harness(session: Session) -> Harness<'static, Entities> {
    Harness::builder()
        .with_size([1200.0, 800.0])
        .build_ui_state(
            |ui, state: &mut Entities| {
                let selected = state.view.selected().cloned();
                if let Some(key) = selected {
                    egui::Panel::right("history")
                        .default_size(460.0)
                        .show(ui, |ui| {
                            entities_view::history(ui, &state.session, &key, &mut state.actions);
                        });
                }
                entities_view::show(ui, &state.session, &mut state.view);
            },
            Entities {
                session,
                view: EntitiesState::default(),
                actions: Vec::new(),
            },
        )
}

struct Overview {
    session: Session,
    view: OverviewState,
    actions: Vec<Action>,
}

fn overview_harness(session: Session) -> Harness<'static, Overview> {
    Harness::builder()
        .with_size([1200.0, 800.0])
        .build_ui_state(
            |ui, state: &mut Overview| {
                overview_view::show(
                    ui,
                    &state.session,
                    &mut state.view,
                    None,
                    &mut state.actions,
                );
            },
            Overview {
                session,
                view: OverviewState::default(),
                actions: Vec::new(),
            },
        )
}

/// The names of the history's lines (buttons named "<event> at <time>"), in
/// order.
fn history_lines(harness: &Harness<'_, Entities>) -> Vec<String> {
    harness
        .query_all_by_role(egui::Role::Button)
        .filter_map(|node| node.accesskit_node().label())
        .filter(|label| label.contains(" at "))
        .collect()
}

// ---- entities ---------------------------------------------------------------

#[test]
fn the_entities_view_follows_each_entity_through_creation_update_and_delete() {
    let mut harness = entities_harness(Session::new());
    harness.run();
    harness.get_by_label("No job or candidate in this session yet");

    harness
        .state_mut()
        .session
        .push(capture(1, "/job", JOB_CREATION, 0));
    harness
        .state_mut()
        .session
        .push(capture(2, "/candidate", CANDIDATE_CREATION, 1));
    harness.run();
    harness.get_by_label(JOB_TITLE);
    harness.get_by_label("126751");
    harness.get_by_label("1234567876");
    assert_eq!(harness.query_all_by_label("created").count(), 2);
    assert_eq!(harness.query_all_by_label("1").count(), 2, "one event each");
    assert_eq!(harness.query_all_by_label("no").count(), 2, "none deleted");
    // First and last seen are the same for one event.
    assert_eq!(harness.query_all_by_label(&shown_time(0)).count(), 2);
    assert_eq!(harness.query_all_by_label(&shown_time(1)).count(), 2);

    harness
        .state_mut()
        .session
        .push(capture(3, "/job", JOB_UPDATE, 2));
    harness
        .state_mut()
        .session
        .push(capture(4, "/candidate", CANDIDATE_UPDATE, 3));
    harness.run();
    assert_eq!(harness.query_all_by_label("updated").count(), 2);
    assert_eq!(
        harness.query_all_by_label("2").count(),
        2,
        "two events each"
    );

    harness
        .state_mut()
        .session
        .push(capture(5, "/job", JOB_DELETE, 4));
    harness.run();
    assert_eq!(harness.query_all_by_label("deleted").count(), 1);
    assert_eq!(harness.query_all_by_label("updated").count(), 1);
    harness.get_by_label("3"); // the job's events
    harness.get_by_label("2"); // the candidate's
    harness.get_by_label("yes"); // the job is deleted
    harness.get_by_label("no"); // the candidate is not
    // A delete carries no title: the job keeps the one it had.
    harness.get_by_label(JOB_TITLE);
    // First seen at creation, last seen at delete.
    harness.get_by_label(&shown_time(4));
    assert_eq!(harness.state().session.entities().len(), 2);
}

#[test]
fn clicking_a_job_shows_its_history_and_a_line_shows_that_event() {
    let mut session = Session::new();
    session.push(capture(1, "/job", JOB_CREATION, 0));
    session.push(capture(2, "/candidate", CANDIDATE_CREATION, 1));
    let edited = JOB_UPDATE.replace(JOB_TITLE, "Développeur Rust");
    session.push(capture(3, "/job", &edited, 2));
    session.push(capture(4, "/job", JOB_DELETE, 3));
    let mut harness = entities_harness(session);
    harness.run();
    assert!(harness.state().view.selected().is_none());

    harness.get_by_label("126751").click();
    harness.run();
    assert_eq!(harness.state().view.selected(), Some(&job_key()));

    // The history: its three events in order, each one line.
    harness.get_by_label_contains("3 events, first seen ");
    let lines = history_lines(&harness);
    assert_eq!(
        lines,
        vec![
            format!("creation at {}", shown_time(0)),
            format!("update at {}", shown_time(2)),
            format!("delete at {}", shown_time(3)),
        ]
    );
    // The update says how much changed since the creation.
    harness.get_by_label("1 change");

    harness
        .get_by_label(&format!("update at {}", shown_time(2)))
        .click();
    harness.run();
    let shown: Vec<RowId> = harness
        .state()
        .actions
        .iter()
        .filter_map(|action| match action {
            Action::Show(id) => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(shown, vec![row(3)]);
    // Still the job: a click in the history does not change the selection.
    assert_eq!(harness.state().view.selected(), Some(&job_key()));
}

#[test]
fn the_selection_is_kept_by_key_as_entities_arrive() {
    let mut session = Session::new();
    session.push(capture(1, "/candidate", CANDIDATE_CREATION, 0));
    session.push(capture(2, "/job", JOB_CREATION, 1));
    let mut harness = entities_harness(session);
    harness.state_mut().view.select(job_key());
    harness.run();
    harness.get_by_label_contains("1 event, first seen ");

    let other_job = JOB_CREATION.replace("126751", "126752");
    harness
        .state_mut()
        .session
        .push(capture(3, "/job", &other_job, 2));
    harness
        .state_mut()
        .session
        .push(capture(4, "/job", JOB_UPDATE, 3));
    harness.run();
    assert_eq!(harness.state().view.selected(), Some(&job_key()));
    assert_eq!(history_lines(&harness).len(), 2);
}

// ---- overview ---------------------------------------------------------------

#[test]
fn the_overview_counts_and_lists_a_duplicate_delivery() {
    let mut session = Session::new();
    session.push(capture(1, "/job", JOB_CREATION, 0));
    session.push(capture(2, "/candidate", CANDIDATE_CREATION, 1));
    session.push(capture(3, "/job", JOB_UPDATE, 62));
    // The same body again, two minutes later.
    session.push(capture(4, "/job", JOB_CREATION, 125));
    let mut harness = overview_harness(session);
    harness.run();

    harness.get_by_label("4 events in 4 requests");
    for label in [
        "creation 3",
        "update 1",
        "delete 0",
        "job 3",
        "candidate 1",
        "ok 4",
        "duplicate delivery 1",
        "all 1",
    ] {
        harness.get_by_label(label);
    }
    // No other event kind, no other entity type.
    assert_eq!(harness.query_all_by_label("other 0").count(), 2);
    // No row in error, no finding of level error.
    assert_eq!(harness.query_all_by_label("error 0").count(), 2);
    harness.get_by_label(&format!(
        "Events per minute from {} to {}, at most 2 a minute",
        shown_minute(0),
        shown_minute(125)
    ));

    // The list: one line, the duplicate.
    harness.get_by_label("Anomalies (1 event)");
    harness.get_by_label("duplicate delivery");
    harness.get_by_label(&shown_time(125));
    harness
        .get_by_label_contains("the same body was delivered 2 times, this is delivery 2")
        .click();
    harness.run();
    assert!(matches!(
        harness.state().actions.as_slice(),
        [Action::Show(id)] if *id == row(4)
    ));

    // Only one kind: none of "after delete", then back to all.
    harness.get_by_label("after delete 0").click();
    harness.run();
    assert_eq!(harness.state().view.kind(), Some(AnomalyKind::AfterDelete));
    harness.get_by_label("No after delete anomaly in this session");
    harness.get_by_label("all 1").click();
    harness.run();
    assert_eq!(harness.state().view.kind(), None);
    harness.get_by_label(&shown_time(125));
}

#[test]
fn the_overview_follows_new_rows_and_a_kind_filter_too() {
    let mut session = Session::new();
    session.push(capture(1, "/job", JOB_UPDATE, 0));
    let mut harness = overview_harness(session);
    harness.run();
    harness.get_by_label("no creation before 1");
    harness.get_by_label("no creation before 1").click();
    harness.run();
    harness.get_by_label("Anomalies: no creation before (1 of 1 event)");

    // A delete, then an update after it: a second kind; the filtered list
    // keeps to its kind while rows arrive.
    harness
        .state_mut()
        .session
        .push(capture(2, "/job", JOB_DELETE, 30));
    let edited = JOB_UPDATE.replace(JOB_TITLE, "Développeur Rust");
    harness
        .state_mut()
        .session
        .push(capture(3, "/job", &edited, 40));
    harness.run();
    harness.get_by_label("3 events in 3 requests");
    harness.get_by_label("after delete 1");
    harness.get_by_label("Anomalies: no creation before (1 of 2 events)");
    assert_eq!(harness.state().view.overview().events, 3);
    harness.get_by_label("after delete 1").click();
    harness.run();
    harness.get_by_label("Anomalies: after delete (1 of 2 events)");
    harness.get_by_label_contains("after its delete").click();
    harness.run();
    assert!(matches!(
        harness.state().actions.as_slice(),
        [Action::Show(id)] if *id == row(3)
    ));
}

#[test]
fn hovering_a_bar_tells_its_minute_and_count() {
    let mut session = Session::new();
    session.push(capture(1, "/job", JOB_CREATION, 0));
    session.push(capture(2, "/job", JOB_UPDATE, 10));
    session.push(capture(3, "/job", JOB_DELETE, 130));
    let mut harness = overview_harness(session);
    harness.run();
    let chart = harness
        .get_by_label_contains("Events per minute from")
        .rect();
    // Three minutes: bars of at most MAX_BAR_WIDTH from the left of the
    // plot, which starts after a narrow gutter for the "2" on the axis.
    let bar = hookscope::ui::overview_view::MAX_BAR_WIDTH;
    let plot_left = chart.left() + 14.0;
    harness.hover_at(egui::pos2(plot_left + bar * 0.5, chart.center().y));
    harness.run();
    harness.get_by_label(&format!("{} \u{2014} 2 events", shown_minute(0)));
    harness.hover_at(egui::pos2(plot_left + bar * 1.5, chart.center().y));
    harness.run();
    harness.get_by_label(&format!("{} \u{2014} 0 events", shown_minute(60)));
}

#[test]
fn an_empty_session_says_so() {
    let mut harness = overview_harness(Session::new());
    harness.run();
    harness.get_by_label("No event in this session yet");
}

// ---- overview(), plain Rust -------------------------------------------------

#[test]
fn overview_counts_per_kind_type_status_level_and_minute() {
    let mut session = Session::new();
    session.push(capture(1, "/job", JOB_CREATION, 0));
    session.push(capture(2, "/candidate", CANDIDATE_CREATION, 20));
    // Minute 1 is quiet; minute 2 has two events.
    session.push(capture(3, "/job", JOB_UPDATE, 125));
    session.push(capture(4, "/job", JOB_CREATION, 130));
    // Not JSON: a row with no event, an error.
    session.push(capture(5, "/job", "{not json", 190));

    let o = overview(&session);
    assert_eq!(o.events, 5);
    assert_eq!(o.requests, 5);
    assert_eq!(
        o.per_event,
        vec![
            (EventClass::Creation, 3),
            (EventClass::Update, 1),
            (EventClass::Delete, 0),
            (EventClass::Other, 1),
        ]
    );
    assert_eq!(
        o.per_entity,
        vec![
            (EntityClass::Job, 3),
            (EntityClass::Candidate, 1),
            (EntityClass::Other, 1),
        ]
    );
    assert_eq!(
        o.per_status,
        [(Status::Ok, 4), (Status::Warning, 0), (Status::Error, 1)]
    );
    assert_eq!(o.of_level(Level::Error), o.findings[0].1);
    assert!(o.of_level(Level::Error) >= 1);
    assert_eq!(o.of_level(Level::Warning), 0, "the samples warn of nothing");
    assert_eq!(o.anomalies.of(AnomalyKind::DuplicateDelivery), 1);
    assert_eq!(o.anomalies, session.anomaly_counts());

    let minutes: Vec<(DateTime<FixedOffset>, usize)> = o.per_minute.clone();
    assert_eq!(
        minutes,
        vec![(time(0), 2), (time(60), 0), (time(120), 2), (time(180), 1)]
    );
    assert_eq!(o.max_per_minute(), 2);
}

#[test]
fn overview_of_an_empty_session_is_all_zeros() {
    let o = overview(&Session::new());
    assert_eq!(o.events, 0);
    assert_eq!(o.requests, 0);
    assert!(o.per_minute.is_empty());
    assert_eq!(o.per_event.len(), 4);
    assert!(o.per_event.iter().all(|&(_, n)| n == 0));
    assert_eq!(o.max_per_minute(), 0);
}
