//! Entity history, diffs and anomalies on the spec samples and edited
//! variants of them, pushed into a real `Session`.

mod common;

use common::{
    CANDIDATE_CREATION, CANDIDATE_UPDATE, JOB_CREATION, JOB_DELETE, JOB_UPDATE, capture,
    shown_time as local_clock, time,
};
use hookscope::hs::{EntityType, Level};
use hookscope::session::diff::{ActionChangeKind, ChangeKind, action_changes, diff, entity_diff};
use hookscope::session::{
    AnomalyKind, Delivery, EntityKey, EntityState, PreviousVersion, RowId, Session,
};
use serde_json::{Value, json};

// ---- helpers ----------------------------------------------------------------

/// A session holding `bodies` posted in order, one second apart, ids from 1.
fn session_of(bodies: &[(&str, &str)]) -> Session {
    let mut session = Session::new();
    for (i, (url, body)) in bodies.iter().enumerate() {
        session.push(capture(i as u64 + 1, url, body, i as i64));
    }
    session
}

fn row(capture: u64) -> RowId {
    RowId { capture, row: 0 }
}

/// The `data` of a sample's first envelope.
fn data(body: &str) -> Value {
    let body: Value = serde_json::from_str(body).expect("JSON");
    body[0]["data"].clone()
}

/// A sample with its first envelope's `data` edited.
fn edited(body: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut body: Value = serde_json::from_str(body).expect("JSON");
    edit(&mut body[0]["data"]);
    body.to_string()
}

fn job_key() -> EntityKey {
    EntityKey {
        entity: EntityType::Job,
        id: "126751".to_owned(),
    }
}

fn candidate_key() -> EntityKey {
    EntityKey {
        entity: EntityType::Candidate,
        id: "1234567876".to_owned(),
    }
}

// ---- diffs --------------------------------------------------------------------

#[test]
fn the_spec_creation_and_update_hold_the_same_data() {
    assert_eq!(diff(&data(JOB_CREATION), &data(JOB_UPDATE)), vec![]);
    let job = entity_diff(&EntityType::Job, &data(JOB_CREATION), &data(JOB_UPDATE));
    assert!(job.is_empty(), "{job:?}");
    let candidate = entity_diff(
        &EntityType::Candidate,
        &data(CANDIDATE_CREATION),
        &data(CANDIDATE_UPDATE),
    );
    assert!(candidate.is_empty(), "{candidate:?}");
}

#[test]
fn a_changed_title_is_one_change() {
    let new = data(&edited(JOB_UPDATE, |d| {
        d["job_title"] = json!("Commercial")
    }));
    let changes = diff(&data(JOB_CREATION), &new);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].pointer, "/job_title");
    assert_eq!(changes[0].key(), "job_title");
    assert_eq!(
        changes[0].kind,
        ChangeKind::Changed {
            old: json!("Candidature Spontanée"),
            new: json!("Commercial"),
        }
    );
    assert!(!changes[0].is_type_change());
}

#[test]
fn a_number_that_becomes_a_string_is_a_type_change() {
    let new = data(&edited(JOB_UPDATE, |d| d["job_id"] = json!("126751")));
    let changes = diff(&data(JOB_CREATION), &new);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].pointer, "/job_id");
    assert_eq!(
        changes[0].kind,
        ChangeKind::Changed {
            old: json!(126751),
            new: json!("126751"),
        }
    );
    assert!(changes[0].is_type_change());
}

#[test]
fn nested_objects_and_array_elements() {
    let new = data(&edited(JOB_UPDATE, |d| {
        d["job_country_intl"]["name"] = json!("Belgique");
        d["job_regions"] = json!(["Île-de-France"]);
    }));
    let changes = diff(&data(JOB_CREATION), &new);
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0].pointer, "/job_country_intl/name");
    assert_eq!(
        changes[0].kind,
        ChangeKind::Changed {
            old: json!("France"),
            new: json!("Belgique"),
        }
    );
    assert_eq!(changes[1].pointer, "/job_regions/0");
    assert_eq!(changes[1].kind, ChangeKind::Added(json!("Île-de-France")));
}

#[test]
fn fields_added_and_removed_and_pointers_escaped() {
    let new = data(&edited(JOB_UPDATE, |d| {
        let object = d.as_object_mut().expect("an object");
        object.remove("job_logo");
        object.insert("a/b~c".to_owned(), json!({"x": 1}));
        d["job_country_intl"] = Value::Null;
    }));
    let changes = diff(&data(JOB_CREATION), &new);
    let pointers: Vec<_> = changes.iter().map(|c| c.pointer.as_str()).collect();
    assert_eq!(pointers, ["/job_country_intl", "/job_logo", "/a~1b~0c"]);
    assert!(changes[0].is_type_change(), "an object became null");
    assert_eq!(changes[1].kind, ChangeKind::Removed(json!("")));
    assert_eq!(changes[2].kind, ChangeKind::Added(json!({"x": 1})));
    assert_eq!(changes[2].key(), "a/b~c");
}

#[test]
fn arrays_without_ids_go_by_index() {
    let changes = diff(
        &json!({"tags": ["a", "b", "c"]}),
        &json!({"tags": ["b", "c"]}),
    );
    let pointers: Vec<_> = changes.iter().map(|c| c.pointer.as_str()).collect();
    assert_eq!(pointers, ["/tags/0", "/tags/1", "/tags/2"]);
    assert_eq!(changes[2].kind, ChangeKind::Removed(json!("c")));
}

#[test]
fn an_added_action_is_matched_by_id() {
    let new = edited(CANDIDATE_UPDATE, |d| {
        let actions = d["action"].as_array_mut().expect("actions");
        let mut action = actions[0].clone();
        action["id"] = json!("15000000");
        action["code"] = json!("ENT");
        actions.insert(0, action);
    });
    let result = entity_diff(
        &EntityType::Candidate,
        &data(CANDIDATE_CREATION),
        &data(&new),
    );
    assert_eq!(result.fields, vec![], "actions are not fields");
    assert_eq!(result.actions.len(), 1, "{:?}", result.actions);
    let added = &result.actions[0];
    assert_eq!(added.id, "15000000");
    assert_eq!((added.old_index, added.new_index), (None, Some(0)));
    match &added.kind {
        ActionChangeKind::Added(action) => assert_eq!(action["code"], json!("ENT")),
        other => panic!("not an addition: {other:?}"),
    }
}

#[test]
fn a_removed_action_and_a_removed_attachment() {
    let new = edited(CANDIDATE_UPDATE, |d| {
        let actions = d["action"].as_array_mut().expect("actions");
        actions.remove(3); // 4775507
        // Action 14197985 loses its first attachment, 367479.
        actions[2]["attachment"]
            .as_array_mut()
            .expect("attachments")
            .remove(0);
    });
    let actions = action_changes(&data(CANDIDATE_CREATION), &data(&new));
    assert_eq!(actions.len(), 2, "{actions:?}");

    assert_eq!(actions[0].id, "14197985");
    let ActionChangeKind::Changed(changes) = &actions[0].kind else {
        panic!("not a change: {:?}", actions[0]);
    };
    assert_eq!(
        changes.len(),
        1,
        "matched by id, 367480 is unchanged: {changes:?}"
    );
    assert_eq!(changes[0].pointer, "/attachment/0");
    match &changes[0].kind {
        ChangeKind::Removed(attachment) => assert_eq!(attachment["id"], json!(367479)),
        other => panic!("not a removal: {other:?}"),
    }

    assert_eq!(actions[1].id, "4775507");
    assert_eq!(
        (actions[1].old_index, actions[1].new_index),
        (Some(3), None)
    );
    assert!(matches!(actions[1].kind, ActionChangeKind::Removed(_)));
}

#[test]
fn a_rating_from_0_to_minus_1_text_is_a_changed_action() {
    let new = edited(CANDIDATE_UPDATE, |d| d["action"][0]["rating"] = json!("-1"));
    let result = entity_diff(
        &EntityType::Candidate,
        &data(CANDIDATE_CREATION),
        &data(&new),
    );
    assert_eq!(result.fields, vec![]);
    assert_eq!(result.actions.len(), 1);
    assert_eq!(result.actions[0].id, "14437912");
    let ActionChangeKind::Changed(changes) = &result.actions[0].kind else {
        panic!("not a change: {:?}", result.actions[0]);
    };
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].pointer, "/rating");
    assert_eq!(
        changes[0].kind,
        ChangeKind::Changed {
            old: json!(0),
            new: json!("-1"),
        }
    );
    assert!(changes[0].is_type_change());
}

#[test]
fn action_ids_match_leniently_and_fields_beside_actions_count() {
    let new = edited(CANDIDATE_UPDATE, |d| {
        d["action"][0]["id"] = json!(14437912);
        d["email"] = json!("someone.else@example.com");
    });
    let result = entity_diff(
        &EntityType::Candidate,
        &data(CANDIDATE_CREATION),
        &data(&new),
    );
    assert_eq!(result.fields.len(), 1);
    assert_eq!(result.fields[0].pointer, "/email");
    assert_eq!(result.actions.len(), 1, "{:?}", result.actions);
    assert_eq!(result.actions[0].id, "14437912");
    let ActionChangeKind::Changed(changes) = &result.actions[0].kind else {
        panic!("the same action: {:?}", result.actions[0]);
    };
    assert_eq!(changes[0].pointer, "/id");
    assert!(changes[0].is_type_change());
}

#[test]
fn a_candidate_whose_actions_vanish_says_so_in_its_fields() {
    let new = edited(CANDIDATE_UPDATE, |d| d["action"] = Value::Null);
    let result = entity_diff(
        &EntityType::Candidate,
        &data(CANDIDATE_CREATION),
        &data(&new),
    );
    assert_eq!(result.actions, vec![]);
    assert_eq!(result.fields.len(), 1);
    assert_eq!(result.fields[0].pointer, "/action");
    assert!(result.fields[0].is_type_change());
}

// ---- entities -----------------------------------------------------------------

#[test]
fn creation_update_delete_make_one_deleted_job() {
    let session = session_of(&[
        ("/job", JOB_CREATION),
        ("/job", JOB_UPDATE),
        ("/job", JOB_DELETE),
    ]);
    assert_eq!(session.entities().len(), 1);
    let job = session.entity(&job_key()).expect("the job");
    assert_eq!(job.key, job_key());
    assert_eq!(job.events(), 3);
    assert!(job.deleted);
    assert_eq!(job.state, EntityState::Deleted);
    assert_eq!(job.state.as_str(), "deleted");
    assert_eq!(job.first_seen, time(0));
    assert_eq!(job.last_seen, time(2));
    assert_eq!(job.label, "Candidature Spontanée");

    let events: Vec<_> = session
        .history(&job_key())
        .map(|view| view.summary.event().expect("an event").as_str().to_owned())
        .collect();
    assert_eq!(events, ["creation", "update", "delete"]);
    assert_eq!(session.known_label(row(3)), Some("Candidature Spontanée"));
    assert_eq!(session.entity_of(row(3)).map(|e| &e.key), Some(&job_key()));
}

#[test]
fn entities_in_order_of_first_sighting_with_labels_and_states() {
    let session = session_of(&[
        ("/candidate", CANDIDATE_UPDATE),
        ("/job", JOB_CREATION),
        ("/candidate", CANDIDATE_CREATION),
    ]);
    let keys: Vec<_> = session.entities().iter().map(|e| e.key.clone()).collect();
    assert_eq!(keys, [candidate_key(), job_key()]);
    let candidate = session.entity(&candidate_key()).expect("the candidate");
    assert_eq!(candidate.label, "Candidate Firstname Candidate Last Name");
    assert_eq!(candidate.events(), 2);
    assert_eq!(candidate.state, EntityState::Created);
    assert!(!candidate.deleted);
    assert_eq!(
        (candidate.first_seen, candidate.last_seen),
        (time(0), time(2))
    );
    let job = session.entity(&job_key()).expect("the job");
    assert_eq!((job.events(), job.state), (1, EntityState::Created));
}

#[test]
fn an_id_sent_as_text_is_the_same_entity() {
    let update = edited(JOB_UPDATE, |d| d["job_id"] = json!("126751"));
    let session = session_of(&[("/job", JOB_CREATION), ("/job", &update)]);
    assert_eq!(session.entities().len(), 1);
    assert_eq!(
        session.previous_version(row(2)),
        PreviousVersion::Found(row(1))
    );
    let changes = session.compare(row(1), row(2)).expect("a diff");
    assert_eq!(changes.fields.len(), 1);
    assert!(changes.fields[0].is_type_change());
}

#[test]
fn previous_versions() {
    let retitled = edited(JOB_UPDATE, |d| d["job_title"] = json!("Commercial"));
    let session = session_of(&[
        ("/job", JOB_UPDATE),
        ("/job", &retitled),
        ("/job", JOB_DELETE),
        ("/job", JOB_CREATION),
        ("/job", JOB_UPDATE),
    ]);
    assert_eq!(
        session.previous_version(row(1)),
        PreviousVersion::NoneInSession
    );
    assert_eq!(
        session.previous_version(row(2)),
        PreviousVersion::Found(row(1))
    );
    assert_eq!(
        session.previous_version(row(3)),
        PreviousVersion::NotApplicable
    );
    assert_eq!(
        session.previous_version(row(4)),
        PreviousVersion::NotApplicable
    );
    assert_eq!(
        session.previous_version(row(5)),
        PreviousVersion::Found(row(4))
    );
    assert_eq!(
        session.previous_version(RowId {
            capture: 99,
            row: 0
        }),
        PreviousVersion::NotApplicable
    );

    let changes = session.compare(row(1), row(2)).expect("a diff");
    assert_eq!(changes.fields.len(), 1);
    assert_eq!(changes.fields[0].pointer, "/job_title");
    assert_eq!(session.event_data(row(2)), Some(data(&retitled)));
    assert_eq!(session.event_data(row(3)), Some(data(JOB_DELETE)));
}

#[test]
fn no_id_or_no_event_is_not_applicable() {
    let no_id = edited(JOB_UPDATE, |d| {
        d.as_object_mut().expect("an object").remove("job_id");
    });
    let session = session_of(&[("/job", &no_id), ("/job", "not json")]);
    assert_eq!(
        session.previous_version(row(1)),
        PreviousVersion::NotApplicable
    );
    assert_eq!(
        session.previous_version(row(2)),
        PreviousVersion::NotApplicable
    );
    assert_eq!(session.event_data(row(2)), None);
    assert!(session.entities().is_empty());
    assert_eq!(session.anomalous_row_count(), 0);
}

#[test]
fn event_data_takes_the_rows_element() {
    let body = format!(
        "[{}, {}]",
        JOB_CREATION
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']'),
        edited(JOB_UPDATE, |d| d["job_title"] = json!("Second"))
            .trim_start_matches('[')
            .trim_end_matches(']')
    );
    let session = session_of(&[("/job", &body)]);
    assert_eq!(session.row_count(), 2);
    let second = RowId { capture: 1, row: 1 };
    assert_eq!(
        session.event_data(second).expect("data")["job_title"],
        "Second"
    );
    assert_eq!(
        session.previous_version(second),
        PreviousVersion::Found(row(1))
    );
}

#[test]
fn clear_forgets_entities_and_anomalies() {
    let mut session = session_of(&[("/job", JOB_UPDATE), ("/job", JOB_UPDATE)]);
    assert_eq!(session.entities().len(), 1);
    assert!(session.anomalous_row_count() > 0);
    session.clear();
    assert!(session.entities().is_empty());
    assert_eq!(session.entity(&job_key()).map(|e| e.events()), None);
    assert_eq!(session.anomalous_row_count(), 0);
    assert_eq!(session.anomaly_counts().total(), 0);
    assert_eq!(session.all_anomalies().count(), 0);
    // The same body after a clear is a first delivery again.
    session.push(capture(1, "/job", JOB_CREATION, 0));
    assert_eq!(session.all_anomalies().count(), 0);
}

// ---- anomalies ----------------------------------------------------------------

#[test]
fn a_clean_sequence_has_no_anomaly() {
    let session = session_of(&[
        ("/job", JOB_CREATION),
        ("/job", JOB_UPDATE),
        ("/job", JOB_DELETE),
        ("/candidate", CANDIDATE_CREATION),
        ("/candidate", CANDIDATE_UPDATE),
    ]);
    assert_eq!(session.all_anomalies().collect::<Vec<_>>(), vec![]);
    assert_eq!(session.anomalous_row_count(), 0);
    assert_eq!(session.anomaly_counts().total(), 0);
    for capture in 1..=5 {
        assert_eq!(session.anomaly_level(row(capture)), None);
        assert_eq!(session.anomalies(row(capture)), vec![]);
    }
}

#[test]
fn an_update_with_no_creation_is_info() {
    let session = session_of(&[("/job", JOB_UPDATE)]);
    let anomalies = session.anomalies(row(1));
    assert_eq!(anomalies.len(), 1, "{anomalies:?}");
    assert_eq!(anomalies[0].kind, AnomalyKind::NoCreationBefore);
    assert_eq!(anomalies[0].level, Level::Info);
    assert!(
        anomalies[0].message.contains("job 126751"),
        "{}",
        anomalies[0].message
    );
    assert!(anomalies[0].message.contains("started late"));
    assert_eq!(session.anomaly_level(row(1)), Some(Level::Info));
    assert_eq!(
        session.anomaly_counts().of(AnomalyKind::NoCreationBefore),
        1
    );
    assert_eq!(session.anomalous_row(0), Some(row(1)));
}

#[test]
fn a_delete_with_no_creation_is_info_too() {
    let session = session_of(&[("/job", JOB_DELETE)]);
    let kinds: Vec<_> = session.anomaly_kinds(row(1)).collect();
    assert_eq!(kinds, [AnomalyKind::NoCreationBefore]);
}

#[test]
fn an_event_after_a_delete_is_a_warning() {
    let session = session_of(&[
        ("/job", JOB_CREATION),
        ("/job", JOB_DELETE),
        ("/job", JOB_UPDATE),
        ("/job", JOB_CREATION),
        ("/job", JOB_UPDATE),
    ]);
    assert_eq!(session.anomalies(row(1)), vec![]);
    assert_eq!(session.anomalies(row(2)), vec![]);
    let after = session.anomalies(row(3));
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].kind, AnomalyKind::AfterDelete);
    assert_eq!(after[0].level, Level::Warning);
    assert_eq!(after[0].related, Some(row(2)));
    assert!(
        after[0].message.contains(&local_clock(1)),
        "{}",
        after[0].message
    );
    assert_eq!(session.anomaly_level(row(3)), Some(Level::Warning));
    // The re-creation is after the delete too; the entity lives again.
    let recreated = session.anomalies(row(4));
    assert_eq!(recreated[0].kind, AnomalyKind::AfterDelete);
    assert_eq!(recreated[1].kind, AnomalyKind::DuplicateDelivery);
    let job = session.entity(&job_key()).expect("the job");
    assert!(!job.deleted);
    assert_eq!(job.state, EntityState::Updated);
    let last: Vec<_> = session.anomaly_kinds(row(5)).collect();
    assert_eq!(
        last,
        [AnomalyKind::DuplicateDelivery],
        "alive again after its creation"
    );
}

#[test]
fn the_same_body_three_times_is_a_duplicate_delivery() {
    let session = session_of(&[
        ("/candidate", CANDIDATE_CREATION),
        ("/candidate", CANDIDATE_CREATION),
        ("/candidate", CANDIDATE_CREATION),
    ]);
    assert_eq!(
        session.anomalies(row(1)),
        vec![],
        "the first delivery is not one"
    );
    for (capture, number) in [(2, 2), (3, 3)] {
        let anomalies = session.anomalies(row(capture));
        assert_eq!(anomalies.len(), 1, "{anomalies:?}");
        let duplicate = &anomalies[0];
        assert_eq!(duplicate.kind, AnomalyKind::DuplicateDelivery);
        assert_eq!(duplicate.level, Level::Warning);
        assert_eq!(duplicate.delivery, Some(Delivery { number, count: 3 }));
        assert_eq!(duplicate.related, Some(row(1)));
        for seconds in 0..3 {
            let time = local_clock(seconds);
            assert!(duplicate.message.contains(&time), "{}", duplicate.message);
        }
        assert!(
            duplicate.message.contains("3 times"),
            "{}",
            duplicate.message
        );
    }
    let deliveries: Vec<u64> = session.deliveries(2).iter().map(|c| c.id).collect();
    assert_eq!(deliveries, [1, 2, 3]);
    assert_eq!(
        session.anomaly_counts().of(AnomalyKind::DuplicateDelivery),
        2
    );
    let listed: Vec<_> = session
        .all_anomalies()
        .map(|(id, a)| (id, a.kind))
        .collect();
    assert_eq!(
        listed,
        [
            (row(2), AnomalyKind::DuplicateDelivery),
            (row(3), AnomalyKind::DuplicateDelivery)
        ]
    );
}

#[test]
fn a_different_body_of_the_same_event_is_no_duplicate() {
    let reformatted: Value = serde_json::from_str(JOB_CREATION).expect("JSON");
    let session = session_of(&[("/job", JOB_CREATION), ("/job", &reformatted.to_string())]);
    assert_eq!(
        session.anomalies(row(2)),
        vec![],
        "other bytes, other delivery"
    );
    assert_eq!(session.deliveries(2).len(), 1);
}

#[test]
fn every_event_of_a_duplicated_body_is_flagged() {
    let body = format!(
        "[{}, {}]",
        JOB_CREATION
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']'),
        CANDIDATE_CREATION
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']'),
    );
    let session = session_of(&[("/job", &body), ("/job", &body)]);
    for element in 0..2 {
        let id = RowId {
            capture: 2,
            row: element,
        };
        let anomalies = session.anomalies(id);
        let duplicate = anomalies
            .iter()
            .find(|a| a.kind == AnomalyKind::DuplicateDelivery)
            .expect("a duplicate");
        assert_eq!(
            duplicate.related,
            Some(RowId {
                capture: 1,
                row: element
            })
        );
    }
}

#[test]
fn refused_or_empty_bodies_are_not_deliveries() {
    let session = session_of(&[("/job", ""), ("/job", ""), ("/job", "[]"), ("/job", "[]")]);
    assert_eq!(session.anomalous_row_count(), 0);
}

#[test]
fn wrong_path_and_type_mismatch_come_from_the_findings() {
    let mistyped = JOB_CREATION.replacen("\"type\": \"job\"", "\"type\": \"candidate\"", 1);
    assert_ne!(mistyped, JOB_CREATION);
    let session = session_of(&[("/candidate", JOB_CREATION), ("/candidate", &mistyped)]);

    let wrong_path = session.anomalies(row(1));
    assert_eq!(wrong_path.len(), 1, "{wrong_path:?}");
    assert_eq!(wrong_path[0].kind, AnomalyKind::WrongPath);
    assert_eq!(wrong_path[0].level, Level::Warning);
    assert_eq!(wrong_path[0].pointer.as_deref(), Some("/0/type"));
    let view = session.row(0).expect("a row");
    let findings = view.capture.findings(view.id.row);
    assert!(findings.iter().any(|f| f.message == wrong_path[0].message));

    let mismatch: Vec<_> = session.anomaly_kinds(row(2)).collect();
    assert!(
        mismatch.contains(&AnomalyKind::TypeMismatch),
        "{mismatch:?}"
    );
    assert!(!mismatch.contains(&AnomalyKind::WrongPath));
    assert_eq!(session.anomaly_level(row(2)), Some(Level::Warning));
}

/// Many deliveries of one body stay linear: the count is read when asked.
#[test]
fn fifty_thousand_deliveries_of_one_body_keep_one_bounded_message() {
    const N: u64 = 50_000;
    let mut session = Session::new();
    let template = capture(1, "/job", JOB_DELETE, 0);
    for id in 1..=N {
        let mut c = template.clone();
        c.id = id;
        session.push(c);
    }
    let last = session.anomalies(row(N));
    let duplicate = last
        .iter()
        .find(|a| a.kind == AnomalyKind::DuplicateDelivery)
        .expect("a duplicate");
    assert_eq!(
        duplicate.delivery,
        Some(Delivery {
            number: N as u32,
            count: N as u32
        })
    );
    assert!(duplicate.message.len() < 400, "{}", duplicate.message);
    assert_eq!(
        session.entity(&job_key()).map(|e| e.events()),
        Some(N as usize)
    );
    assert_eq!(
        session.anomaly_counts().of(AnomalyKind::DuplicateDelivery),
        N as usize - 1
    );
    assert_eq!(
        session.anomaly_counts().of(AnomalyKind::AfterDelete),
        N as usize - 1
    );
}
