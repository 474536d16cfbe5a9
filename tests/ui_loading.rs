//! A large session opened in the real app: it arrives in batches, and the
//! window keeps drawing (and the table keeps showing rows) while it does.

mod common;

use std::time::{Duration, Instant};

use common::{Dialogs, WAIT, app_with, listener_config, request, session_bytes, time};
use egui_kittest::kittest::Queryable;

const CAPTURES: usize = 40_000;

#[test]
fn a_large_session_arrives_in_batches_while_the_window_keeps_stepping() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("large.json");
    let received: Vec<_> = (0..CAPTURES)
        .map(|i| {
            let body = format!(
                r#"{{"event":"update","type":"job","data":{{"job_id":{},"job_title":"Job {i}"}}}}"#,
                100_000 + i / 4
            );
            request("/job", body).id(i as u64 + 1).received()
        })
        .collect();
    std::fs::write(&path, session_bytes(&received, time(0))).expect("write the session");

    let mut harness = app_with(listener_config(), Dialogs::picking(vec![path]));
    harness.run();
    harness.get_by_label("File").click();
    harness.run();
    harness.get_by_label_contains("Open…").click();

    // Each step draws a frame and adds at most a frame's share of rows.
    let deadline = Instant::now() + WAIT * 3;
    let mut steps = 0;
    let mut partial = Vec::new();
    loop {
        harness.step();
        steps += 1;
        let rows = harness.state().session().row_count();
        if !harness.state().is_busy() {
            break;
        }
        if rows > 0 && rows < CAPTURES {
            partial.push(rows);
            // The strip says how far loading is, and the table already
            // shows rows.
            harness.get_by_label_contains("of 40,000 captures");
            assert!(harness.query_all_by_label_contains("Job ").next().is_some());
        }
        assert!(
            Instant::now() < deadline,
            "still loading after {steps} steps"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(
        partial.len() >= 2 && partial.windows(2).all(|w| w[0] <= w[1]),
        "rows arrived over several frames: {partial:?}"
    );
    assert_eq!(harness.state().session().row_count(), CAPTURES);
    harness.run_steps(4);
    harness.get_by_label_contains("Opened 40,000 captures");
}
