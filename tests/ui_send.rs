//! Acting on webhooks from the window, under egui_kittest: a send composed
//! from a sample reaches a real listener and its answer shows; a capture is
//! replayed; forward results fill the Forward column and the Forwarded tab.

mod common;

use std::time::Duration;

use common::listening::Listening;
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
