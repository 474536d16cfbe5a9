//! Acting on webhooks from the window, under egui_kittest: a send composed
//! from a sample reaches a real listener and its answer shows; a capture is
//! replayed; forward results fill the Forward column and the Forwarded tab.

mod common;

use std::time::Duration;

use common::listening::Listening;
use common::target::{Behaviour, Target, closed_url};
use common::{
    CANDIDATE_CREATION, JOB_CREATION, JOB_TITLE, app as harness, capture, retype, step_until, time,
};
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use hookscope::outbound::{
    Exchange, Failure, ForwardMode, Origin, OutRequest, OutResponse, Outcome,
};
use hookscope::ui::View;

#[test]
fn a_sample_sent_from_the_send_view_reaches_the_target_and_its_answer_shows() {
    let target = Listening::start(Duration::from_secs(5));
    let mut harness = harness();
    harness.run();
    harness.get_by_label("Send").click();
    harness.run();
    assert_eq!(harness.state().view(), View::Send);
    harness.get_by_label(
        "Nothing sent yet: requests sent and replayed from here are listed with their answers.",
    );

    harness.get_by_label("Start from sample").click();
    harness.run();
    harness.get_by_label("candidate_creation.json").click();
    harness.run();
    // The sample as the spec gives it has nothing to report.
    harness.get_by_label("No problem: this event is as the spec describes it.");

    // Not an http(s) URL: Send is refused, with the reason.
    retype(&mut harness, "Target URL", "ftp://example.com/x");
    harness.run();
    harness.get_by_label("The target URL must start with http:// or https://");
    harness
        .get_by_role_and_label(Role::Button, "Send request")
        .click();
    harness.run();
    assert_eq!(harness.state().in_flight(), 0, "nothing is sent");

    retype(&mut harness, "Target URL", &target.url("/candidate"));
    harness.run();
    assert!(
        harness
            .query_by_label("The target URL must start with http:// or https://")
            .is_none()
    );
    harness
        .get_by_role_and_label(Role::Button, "Send request")
        .click();
    step_until(&mut harness, "the answer", |app| {
        !app.session().exchanges.is_empty()
    });

    let got = target.next_capture();
    assert_eq!(got.head.url(), "/candidate");
    assert!(
        got.body[..] == *CANDIDATE_CREATION.as_bytes(),
        "the target received the sample's exact bytes"
    );
    let exchange = &harness.state().session().exchanges.all()[0];
    assert_eq!(exchange.origin, Origin::Send);
    assert_eq!(exchange.outcome.status_text(), "200");
    // The answer beside the list, and the send in the list.
    harness.get_by_label_contains("HTTP 200 OK in");
    harness.get_by_label("Sent (1)");
    // In the list and above the answer.
    let line = format!("POST {}", target.url("/candidate"));
    assert_eq!(harness.get_all_by_label(&line).count(), 2);
}

#[test]
fn editing_the_body_checks_it_again_against_the_spec() {
    let mut harness = harness();
    harness.run();
    harness.get_by_label("Send").click();
    harness.run();
    harness.get_by_label("No problem: this event is as the spec describes it.");
    retype(&mut harness, "Body (JSON)", "{\"event\": \"creation\"");
    harness.run();
    assert!(
        harness
            .query_by_label("No problem: this event is as the spec describes it.")
            .is_none(),
        "a broken body has findings"
    );
    harness.get_by_label("Spec conformance");
}

#[test]
fn a_capture_replayed_to_a_target_arrives_there_and_is_listed() {
    let target = Listening::start(Duration::from_secs(5));
    let mut harness = harness();
    harness
        .state_mut()
        .feed(capture(0, "/job", JOB_CREATION, 0));
    harness.run();
    let id = harness
        .state()
        .session()
        .captures()
        .next()
        .expect("a capture")
        .id;
    harness.get_by_label(JOB_TITLE).click();
    harness.run();

    harness.get_by_label("Replay to…").click();
    harness.run();
    harness.get_by_label(&format!("Replay request #{id}"));
    retype(
        &mut harness,
        "Base URL",
        &format!("http://{}", target.addr()),
    );
    harness
        .get_by_role_and_label(Role::Button, "Replay")
        .click();
    step_until(&mut harness, "the replay's answer", |app| {
        !app.session().exchanges.is_empty()
    });

    let got = target.next_capture();
    assert_eq!(got.head.url(), "/job");
    assert!(got.body[..] == *JOB_CREATION.as_bytes(), "the exact body");
    assert_eq!(harness.state().view(), View::Send);
    let exchange = &harness.state().session().exchanges.all()[0];
    assert_eq!(exchange.origin, Origin::Replay { capture: id });
    harness.get_by_label(&format!("replay of #{id}"));
    harness.get_by_label("Sent (1)");
    harness.get_by_label_contains("HTTP 200 OK in");
}

fn forward(id: u64, capture: u64, result: Result<OutResponse, Failure>) -> Exchange {
    Exchange {
        id,
        started_at: time(1),
        origin: Origin::Forward {
            capture,
            mode: ForwardMode::Copy,
        },
        request: OutRequest::json_post("http://127.0.0.1:9/job", JOB_CREATION.as_bytes()),
        outcome: Outcome {
            elapsed: Duration::from_millis(12),
            result,
        },
    }
}

#[test]
fn forward_results_fill_the_forward_column_and_the_forwarded_tab() {
    let mut harness = harness();
    harness
        .state_mut()
        .feed(capture(0, "/job", JOB_CREATION, 0));
    harness
        .state_mut()
        .feed(capture(0, "/candidate", CANDIDATE_CREATION, 1));
    harness.run();
    assert!(
        harness.query_by_label("Forward").is_none(),
        "no column while nothing was forwarded"
    );
    let ids: Vec<u64> = harness.state().session().captures().map(|c| c.id).collect();
    let answered = OutResponse {
        status: 503,
        headers: vec![("Content-Type".to_owned(), "text/plain".to_owned())],
        body: b"down for maintenance"[..].into(),
    };
    harness.state_mut().add_exchanges([
        forward(1, ids[0], Ok(answered)),
        forward(
            2,
            ids[1],
            Err(Failure::Unreachable("connection refused".to_owned())),
        ),
    ]);
    harness.run();
    harness.get_by_label("Forward");
    harness.get_by_label("503");
    harness.get_by_label("unreachable: connection refused");

    harness.get_by_label(JOB_TITLE).click();
    harness.run();
    harness.get_by_label("Forwarded").click();
    harness.run();
    harness.get_by_label("POST http://127.0.0.1:9/job");
    harness.get_by_label("HTTP 503 Service Unavailable in 12 ms");
    harness.get_by_label("text/plain");
    assert!(
        harness
            .query_all_by_value("down for maintenance")
            .next()
            .is_some()
            || harness
                .query_all_by_label_contains("down for maintenance")
                .next()
                .is_some(),
        "the target's body shows"
    );
    // Sends list only what was sent from the window, not forwards.
    harness.get_by_label("Send").click();
    harness.run();
    harness.get_by_label("Sent (0)");
}

/// (event, entity type) of each row of `capture`.
fn events_of(capture: &hookscope::capture::Capture) -> Vec<(String, String)> {
    common::rows_of(capture)
        .into_iter()
        .map(|(event, entity, _)| (event, entity))
        .collect()
}

/// Opens the Send view's Scenario mode, points it at these URLs and runs
/// `scenario`, stepping until its `steps` exchanges are back.
fn run_scenario(
    harness: &mut egui_kittest::Harness<'static, hookscope::ui::App>,
    scenario: &str,
    job_url: &str,
    candidate_url: &str,
    steps: usize,
) {
    harness.get_by_label("Send").click();
    harness.run();
    harness.get_by_label("Scenario").click();
    harness.run();
    harness.get_by_label("No run yet: each step of a run is listed here with its answer.");
    harness.get_by_label(scenario).click();
    harness.run();
    retype(harness, "Job URL", job_url);
    retype(harness, "Candidate URL", candidate_url);
    harness.get_by_role_and_label(Role::Button, "Run").click();
    step_until(harness, "the scenario's answers", |app| {
        app.session().exchanges.all().len() == steps && app.in_flight() == 0
    });
}

#[test]
fn a_lifecycle_run_from_the_send_view_delivers_six_events_in_order() {
    let target = Listening::start(Duration::from_secs(5));
    let mut harness = harness();
    harness.run();
    run_scenario(
        &mut harness,
        "lifecycle",
        &target.url("/job"),
        &target.url("/candidate"),
        6,
    );

    let got: Vec<_> = (0..6).map(|_| target.next_capture()).collect();
    let events: Vec<(String, String)> = got.iter().flat_map(events_of).collect();
    let want: Vec<(String, String)> = [
        ("creation", "job"),
        ("update", "job"),
        ("delete", "job"),
        ("creation", "candidate"),
        ("update", "candidate"),
        ("delete", "candidate"),
    ]
    .iter()
    .map(|(e, t)| (e.to_string(), t.to_string()))
    .collect();
    assert_eq!(events, want, "the target received the six events in order");

    // Answered in step order (ids are given as answers come back), each
    // started no earlier than the one before (times are to the millisecond).
    let exchanges = harness.state().session().exchanges.all();
    let steps: Vec<&str> = exchanges
        .iter()
        .filter_map(|e| match &e.origin {
            Origin::Scenario { step, .. } => Some(step.as_str()),
            _ => None,
        })
        .collect();
    let order = ["creation", "update", "delete"];
    for (i, step) in steps.iter().enumerate() {
        assert!(step.ends_with(order[i % 3]), "{steps:?}");
        assert!(step.starts_with(if i < 3 { "job " } else { "candidate " }));
    }
    for pair in exchanges.windows(2) {
        assert!(pair[0].id < pair[1].id && pair[0].started_at <= pair[1].started_at);
    }
    for exchange in exchanges {
        assert!(
            matches!(&exchange.origin, Origin::Scenario { name, .. } if name == "lifecycle"),
            "{:?}",
            exchange.origin
        );
        assert_eq!(exchange.outcome.status_text(), "200");
    }
    harness.get_by_label("6 steps, 0 failed");
    assert_eq!(harness.get_all_by_label("200").count(), 6);
    assert!(harness.query_by_label("failed").is_none());
    // What was sent: method and URL (and size).
    assert_eq!(
        harness
            .get_all_by_label(&format!("POST {}", target.url("/job")))
            .count(),
        3
    );

    // A step clicked shows its exchange beside the list.
    let first = exchanges[0].clone();
    let Origin::Scenario { step, .. } = &first.origin else {
        unreachable!("checked above")
    };
    harness.get_by_label(step).click();
    harness.run();
    harness.get_by_label_contains(&format!(
        "#{} scenario lifecycle: {step}, sent at",
        first.id
    ));
}

#[test]
fn scenario_steps_a_target_fails_or_refuses_are_flagged() {
    let failing = Target::start(Behaviour::status(500));
    let mut harness = harness();
    harness.run();
    // Job events to a target answering 500, candidate events to a closed port.
    run_scenario(
        &mut harness,
        "out-of-order",
        &failing.url("/job"),
        &closed_url("/candidate"),
        5,
    );
    assert_eq!(failing.requests(), 2, "both job steps reached the target");
    harness.get_by_label("5 steps, 5 failed");
    assert_eq!(harness.get_all_by_label("failed").count(), 5);
    assert_eq!(harness.get_all_by_label("500").count(), 2);
    // In the list, and beside it for the step shown.
    assert!(harness.query_all_by_label_contains("unreachable").count() >= 3);
    // The exchanges stay in the session, with what went wrong.
    let failed = harness
        .state()
        .session()
        .exchanges
        .all()
        .iter()
        .filter(|e| !e.outcome.is_success())
        .count();
    assert_eq!(failed, 5);
}
