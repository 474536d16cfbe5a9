//! Spec conformance: the six samples are clean, and each rule fires on a
//! broken variant of them where it should and only there. Then `hookscope
//! validate` end to end with the real binary.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{
    CANDIDATE_CREATION, CANDIDATE_DELETE, CANDIDATE_UPDATE, JOB_CREATION, JOB_DELETE, JOB_UPDATE,
    SAMPLES, request,
};
use hookscope::capture::received_now;
use hookscope::hs::conformance::{check, check_data};
use hookscope::hs::{EntityType, Envelope, EventKind, Finding, Level, parse_body};
use serde_json::{Value, json};

// ---- helpers ----------------------------------------------------------------

fn only(body: &str) -> Envelope {
    let mut elements = parse_body(body.as_bytes()).expect("the body parses");
    assert_eq!(elements.len(), 1, "one envelope in {body}");
    elements.remove(0).expect("an envelope")
}

fn findings_of(body: &str) -> Vec<Finding> {
    check(&only(body))
}

/// The sample's single envelope as JSON, edited by `edit`, checked.
fn variant(sample: &str, edit: impl FnOnce(&mut Value)) -> Vec<Finding> {
    let mut body: Value = serde_json::from_str(sample).expect("a sample is JSON");
    edit(&mut body[0]);
    findings_of(&body.to_string())
}

/// `data` of an envelope being edited.
fn data(envelope: &mut Value) -> &mut serde_json::Map<String, Value> {
    envelope["data"].as_object_mut().expect("data is an object")
}

fn pointers(findings: &[Finding]) -> Vec<(&str, Level)> {
    findings
        .iter()
        .map(|f| (f.pointer.as_str(), f.level))
        .collect()
}

/// Errors and warnings only.
fn significant(findings: &[Finding]) -> Vec<(&str, Level)> {
    pointers(findings)
        .into_iter()
        .filter(|(_, level)| *level >= Level::Warning)
        .collect()
}

/// Asserts the errors and warnings are exactly `expected` (info may come
/// too), and returns the first of them for its message.
#[track_caller]
fn assert_only<'a>(findings: &'a [Finding], expected: &[(&str, Level)]) -> &'a Finding {
    assert_eq!(significant(findings), expected, "findings: {findings:#?}");
    findings
        .iter()
        .find(|f| f.level >= Level::Warning)
        .expect("a finding")
}

#[track_caller]
fn assert_clean(findings: &[Finding]) {
    assert_eq!(findings, &[] as &[Finding], "expected no finding at all");
}

// ---- the six samples ------------------------------------------------------------

#[test]
fn the_six_samples_give_no_finding_at_all() {
    for sample in SAMPLES {
        let findings = findings_of(sample.body);
        assert!(findings.is_empty(), "{}: {findings:#?}", sample.name);
    }
}

#[test]
fn the_six_samples_make_clean_rows_on_their_paths() {
    for sample in SAMPLES {
        let name = sample.name;
        let capture = request(sample.path, sample.body).capture();
        assert_eq!(capture.status(), 200, "{name}");
        assert_eq!(capture.response_body(), r#"{"received":1}"#, "{name}");
        for (row, findings) in capture.summary.rows().iter().zip(capture.all_findings()) {
            assert!(findings.is_empty(), "{name}: {findings:#?}");
            assert_eq!(row.tally.total(), 0, "{name}: {:?}", row.tally);
        }
    }
}

// ---- jobs -----------------------------------------------------------------------

#[test]
fn a_missing_job_id_is_an_error_on_data() {
    let findings = variant(JOB_CREATION, |e| {
        data(e).remove("job_id");
    });
    let finding = assert_only(&findings, &[("/data", Level::Error)]);
    assert_eq!(finding.message, "the job has no job_id");

    let findings = variant(JOB_DELETE, |e| {
        data(e).remove("job_id");
    });
    assert_only(&findings, &[("/data", Level::Error)]);
    assert_eq!(findings.len(), 1, "{findings:#?}");
}

#[test]
fn a_job_id_that_is_not_an_id_is_an_error() {
    for bad in [
        json!("REF-1"),
        json!(null),
        json!(""),
        json!({"id": 1}),
        json!(true),
    ] {
        let findings = variant(JOB_UPDATE, |e| {
            data(e).insert("job_id".into(), bad.clone());
        });
        assert_only(&findings, &[("/data/job_id", Level::Error)]);
    }
}

#[test]
fn a_number_for_a_string_is_a_warning() {
    let findings = variant(JOB_CREATION, |e| {
        data(e).insert("job_title".into(), json!(42));
    });
    let finding = assert_only(&findings, &[("/data/job_title", Level::Warning)]);
    assert_eq!(
        finding.message,
        "job_title is a number (42); the spec shows a string"
    );

    let findings = variant(JOB_CREATION, |e| {
        data(e).insert("job_nb_cand_to_recruit".into(), json!("1"));
    });
    assert_only(
        &findings,
        &[("/data/job_nb_cand_to_recruit", Level::Warning)],
    );
}

#[test]
fn an_unreadable_job_date_is_an_error() {
    let findings = variant(JOB_CREATION, |e| {
        data(e).insert("job_published_at".into(), json!("yesterday"));
    });
    let finding = assert_only(&findings, &[("/data/job_published_at", Level::Error)]);
    assert!(
        finding
            .message
            .starts_with("job_published_at is not a date in the spec's format: "),
        "{}",
        finding.message
    );
    assert!(finding.message.contains("yesterday"), "{}", finding.message);

    for bad in [
        json!(1566998171),
        json!("2019-13-19T16:57:17+0200"),
        json!("19/07/2019"),
    ] {
        let findings = variant(JOB_CREATION, |e| {
            data(e).insert("job_updated_at".into(), bad.clone());
        });
        assert_only(&findings, &[("/data/job_updated_at", Level::Error)]);
    }
}

#[test]
fn both_spec_offsets_are_fine_everywhere() {
    for date in ["2019-07-19T16:57:17+0200", "2019-07-19T16:57:17+02:00"] {
        assert_clean(&variant(JOB_CREATION, |e| {
            data(e).insert("job_published_at".into(), json!(date));
        }));
        assert_clean(&variant(CANDIDATE_CREATION, |e| {
            e["data"]["action"][1]["date"] = json!(date);
            e["data"]["latest_action"] = json!(date);
        }));
    }
}

#[test]
fn a_readable_date_in_another_format_is_a_warning() {
    for date in [
        "2019-07-19T14:57:17Z",
        "2019-07-19 16:57:17+02:00",
        "2019-07-19",
    ] {
        let findings = variant(JOB_CREATION, |e| {
            data(e).insert("job_jobstart".into(), json!(date));
        });
        let finding = assert_only(&findings, &[("/data/job_jobstart", Level::Warning)]);
        assert!(
            finding.message.contains("can be read"),
            "{}",
            finding.message
        );
    }
    // Empty or null: the value is missing, not unreadable.
    for blank in [json!(""), json!(null)] {
        let findings = variant(JOB_CREATION, |e| {
            data(e).insert("job_jobstart".into(), blank.clone());
        });
        assert_only(&findings, &[("/data/job_jobstart", Level::Warning)]);
    }
}

#[test]
fn the_country_must_be_an_object() {
    let findings = variant(JOB_CREATION, |e| {
        data(e).insert("job_country_intl".into(), json!("France"));
    });
    let finding = assert_only(&findings, &[("/data/job_country_intl", Level::Error)]);
    assert!(
        finding.message.contains("{name, code, iso2}"),
        "{}",
        finding.message
    );

    let findings = variant(JOB_CREATION, |e| {
        e["data"]["job_country_intl"]
            .as_object_mut()
            .expect("an object")
            .remove("iso2");
    });
    let finding = assert_only(&findings, &[("/data/job_country_intl", Level::Warning)]);
    assert!(finding.message.contains("iso2"), "{}", finding.message);
}

#[test]
fn regions_must_be_an_array() {
    let findings = variant(JOB_CREATION, |e| {
        data(e).insert("job_regions".into(), json!({"11": "Île-de-France"}));
    });
    assert_only(&findings, &[("/data/job_regions", Level::Error)]);

    assert_clean(&variant(JOB_CREATION, |e| {
        data(e).insert("job_regions".into(), json!(["Île-de-France", 11]));
    }));
}

#[test]
fn a_missing_job_field_is_a_warning_naming_it() {
    let findings = variant(JOB_UPDATE, |e| {
        data(e).remove("job_logo");
        data(e).remove("job_form_url");
    });
    let finding = assert_only(&findings, &[("/data", Level::Warning)]);
    assert_eq!(
        finding.message,
        "the job lacks 2 fields the spec shows: job_logo, job_form_url"
    );
}

// ---- candidates -----------------------------------------------------------------

#[test]
fn the_actions_must_be_an_array() {
    let findings = variant(CANDIDATE_CREATION, |e| {
        let first = e["data"]["action"][0].clone();
        e["data"]["action"] = first;
    });
    let finding = assert_only(&findings, &[("/data/action", Level::Error)]);
    assert!(
        finding.message.contains("not an array of actions"),
        "{}",
        finding.message
    );
}

#[test]
fn an_action_that_is_not_an_object() {
    let findings = variant(CANDIDATE_CREATION, |e| {
        e["data"]["action"][2] = json!("CAND");
        e["data"]["action"][3] = json!(null);
    });
    assert_only(
        &findings,
        &[
            ("/data/action/2", Level::Error),
            ("/data/action/3", Level::Warning),
        ],
    );
}

#[test]
fn an_action_missing_its_date_is_a_warning_on_the_action() {
    let findings = variant(CANDIDATE_UPDATE, |e| {
        e["data"]["action"][1]
            .as_object_mut()
            .expect("an action")
            .remove("date");
    });
    let finding = assert_only(&findings, &[("/data/action/1", Level::Warning)]);
    assert_eq!(
        finding.message,
        "the action lacks a field the spec shows: date"
    );
}

#[test]
fn an_action_missing_its_id_is_an_error() {
    let findings = variant(CANDIDATE_UPDATE, |e| {
        e["data"]["action"][0]
            .as_object_mut()
            .expect("an action")
            .remove("id");
    });
    assert_only(&findings, &[("/data/action/0", Level::Error)]);
}

#[test]
fn an_unreadable_action_date_is_an_error() {
    let findings = variant(CANDIDATE_CREATION, |e| {
        e["data"]["action"][1]["date"] = json!("soon");
    });
    let finding = assert_only(&findings, &[("/data/action/1/date", Level::Error)]);
    assert!(
        finding
            .message
            .starts_with("date is not a date in the spec's format: "),
        "{}",
        finding.message
    );

    let findings = variant(CANDIDATE_CREATION, |e| {
        e["data"]["latest_action"] = json!("last tuesday");
    });
    assert_only(&findings, &[("/data/latest_action", Level::Error)]);
}

#[test]
fn a_consultant_must_be_an_object() {
    let findings = variant(CANDIDATE_CREATION, |e| {
        e["data"]["action"][0]["consultant"] = json!("Vanessa DURANT");
    });
    let finding = assert_only(&findings, &[("/data/action/0/consultant", Level::Error)]);
    assert!(
        finding.message.contains("not an object"),
        "{}",
        finding.message
    );

    let findings = variant(CANDIDATE_CREATION, |e| {
        e["data"]["action"][0]["poste"]["consultant"] = json!(["3144"]);
    });
    assert_only(
        &findings,
        &[("/data/action/0/poste/consultant", Level::Error)],
    );
}

#[test]
fn an_attachment_missing_its_filename() {
    let findings = variant(CANDIDATE_CREATION, |e| {
        e["data"]["action"][1]["attachment"][0]
            .as_object_mut()
            .expect("an attachment")
            .remove("filename");
    });
    let finding = assert_only(
        &findings,
        &[("/data/action/1/attachment/0", Level::Warning)],
    );
    assert!(finding.message.contains("filename"), "{}", finding.message);
}

#[test]
fn attachments_must_be_an_array() {
    let findings = variant(CANDIDATE_CREATION, |e| {
        let single = e["data"]["action"][1]["attachment"][0].clone();
        e["data"]["action"][1]["attachment"] = single;
    });
    assert_only(&findings, &[("/data/action/1/attachment", Level::Error)]);
}

#[test]
fn a_form_question_that_is_a_number() {
    let findings = variant(CANDIDATE_CREATION, |e| {
        e["data"]["action"][2]["form"]["input"][2]["question"] = json!(7);
    });
    assert_only(
        &findings,
        &[("/data/action/2/form/input/2/question", Level::Warning)],
    );

    let findings = variant(CANDIDATE_CREATION, |e| {
        e["data"]["action"][2]["form"]["input"] = json!({"question": "Nom"});
    });
    assert_only(&findings, &[("/data/action/2/form/input", Level::Error)]);
}

#[test]
fn rating_as_string_or_number_is_fine() {
    for rating in [json!("-1"), json!(0), json!(-1), json!("0"), json!(3)] {
        assert_clean(&variant(CANDIDATE_CREATION, |e| {
            for action in e["data"]["action"].as_array_mut().expect("actions") {
                action["rating"] = rating.clone();
            }
        }));
    }
    let findings = variant(CANDIDATE_CREATION, |e| {
        e["data"]["action"][0]["rating"] = json!([1]);
    });
    assert_only(&findings, &[("/data/action/0/rating", Level::Warning)]);
}

#[test]
fn ids_as_strings_or_numbers_are_fine() {
    assert_clean(&variant(JOB_CREATION, |e| {
        let data = data(e);
        data.insert("job_id".into(), json!("126751"));
        data.insert("job_category_id".into(), json!("999999999"));
        data.insert("job_office_id".into(), json!("0"));
    }));
    assert_clean(&variant(CANDIDATE_CREATION, |e| {
        let data = &mut e["data"];
        data["id"] = json!("1234567876");
        data["id_company"] = json!(11111);
        let action = &mut data["action"][2];
        action["id"] = json!(14197985);
        action["type"] = json!(11668);
        action["media"] = json!(1100064);
        action["consultant"]["id"] = json!(3144);
        action["consultant"]["office"] = json!(128);
        action["poste"]["id"] = json!(186226);
        action["poste"]["consultant"]["id"] = json!(3144);
        action["attachment"][0]["id"] = json!("367479");
        action["attachment"][0]["type"] = json!("10");
        action["form"]["id"] = json!(2599363);
        action["form"]["input"][0]["id_form_answer"] = json!(12065);
        action["form"]["input"][0]["id_form_answer_value"] = json!(94040);
    }));
    assert_clean(&variant(CANDIDATE_DELETE, |e| {
        e["data"]["id"] = json!("12121");
    }));
}

#[test]
fn an_id_that_is_not_an_id() {
    let findings = variant(CANDIDATE_CREATION, |e| {
        e["data"]["action"][0]["consultant"]["id"] = json!("V. DURANT");
        e["data"]["action"][1]["poste"]["id"] = json!(null);
    });
    assert_only(
        &findings,
        &[
            ("/data/action/0/consultant/id", Level::Error),
            ("/data/action/1/poste/id", Level::Warning),
        ],
    );
    let findings = variant(CANDIDATE_DELETE, |e| {
        e["data"]["id"] = json!(null);
    });
    assert_only(&findings, &[("/data/id", Level::Error)]);
}

#[test]
fn nulls_where_the_spec_shows_them_are_fine_and_values_too() {
    assert_clean(&variant(CANDIDATE_CREATION, |e| {
        let data = &mut e["data"];
        data["tel_landline"] = json!("+33 1 23 45 67 89");
        data["tel_mobile"] = json!("06 12 34 56 78");
        data["tags"] = json!(["vip"]);
        data["action"][0]["media"] = json!("1100064");
        data["action"][0]["pastille"] = json!("red");
        data["action"][2]["media"] = json!(null);
        data["action"][2]["attachment"][0]["uniqfilename"] = json!(null);
        data["action"][1]["attachment"][0]["uniqfilename"] = json!("201512/3144_x");
        data["action"][2]["form"]["input"][1]["id_form_answer_value"] = json!("1");
    }));
    // But null where the spec shows a value is a warning.
    let findings = variant(CANDIDATE_CREATION, |e| {
        e["data"]["email"] = json!(null);
        e["data"]["action"][0]["emailing"] = json!("false");
    });
    assert_only(
        &findings,
        &[
            ("/data/email", Level::Warning),
            ("/data/action/0/emailing", Level::Warning),
        ],
    );
}

// ---- fields the spec does not show --------------------------------------------

#[test]
fn an_unknown_extra_field_is_info_only() {
    let findings = variant(JOB_CREATION, |e| {
        data(e).insert("job_remote".into(), json!("full"));
    });
    assert_eq!(pointers(&findings), [("/data", Level::Info)]);
    assert_eq!(
        findings[0].message,
        "the job has a field the spec does not show: job_remote"
    );

    let findings = variant(CANDIDATE_CREATION, |e| {
        e["data"]["action"][0]["channel"] = json!("indeed");
        e["data"]["action"][1]["attachment"][0]["size"] = json!(1024);
    });
    assert_eq!(
        pointers(&findings),
        [
            ("/data/action/0", Level::Info),
            ("/data/action/1/attachment/0", Level::Info)
        ]
    );
}

#[test]
fn a_delete_with_extra_fields_is_info_only() {
    let findings = variant(JOB_DELETE, |e| {
        data(e).insert("job_title".into(), json!("Candidature Spontanée"));
        data(e).insert("job_reference".into(), json!("REF"));
    });
    assert_eq!(pointers(&findings), [("/data", Level::Info)]);
    assert!(
        findings[0].message.contains("only job_id")
            && findings[0].message.contains("job_title, job_reference"),
        "{}",
        findings[0].message
    );

    let findings = variant(CANDIDATE_DELETE, |e| {
        data(e).insert("first_name".into(), json!("Max"));
    });
    assert_eq!(pointers(&findings), [("/data", Level::Info)]);
}

// ---- events and types the spec does not name -----------------------------------

#[test]
fn unknown_events_and_types_keep_the_envelope_findings() {
    // An unknown event of a known type: the fields sent are still checked,
    // but none is expected.
    let findings = findings_of(
        r#"[{"event": "archive", "type": "job", "data": {"job_id": "77", "job_title": 5}}]"#,
    );
    assert_eq!(
        pointers(&findings),
        [
            ("/event", Level::Warning),
            ("/data/job_title", Level::Warning)
        ]
    );

    // An unknown type: only the envelope speaks.
    let findings = findings_of(
        r#"[{"event": "creation", "type": "offer", "data": {"job_id": "x", "anything": [1]}}]"#,
    );
    assert_eq!(pointers(&findings), [("/type", Level::Warning)]);

    // Tags that are not strings, data that is not an object, no data at all.
    for body in [
        r#"{"event": 1, "type": null, "data": {"id": 1}}"#,
        r#"{"event": "creation", "type": "job", "data": ["x"]}"#,
        r#"{"event": "update", "type": "candidate", "data": "x"}"#,
        r#"{"event": "delete", "type": "candidate"}"#,
        r#"{"type": "job", "data": {"job_id": 1}}"#,
    ] {
        let envelope = only(body);
        let findings = check(&envelope);
        assert_eq!(findings, envelope.findings, "{body}: only the envelope's");
        assert!(!findings.is_empty(), "{body}");
    }
    let findings = findings_of(r#"{"event": "creation", "type": "job", "data": ["x"]}"#);
    assert_eq!(pointers(&findings), [("/data", Level::Error)]);
}

#[test]
fn check_data_points_inside_data() {
    let data = json!({"job_id": 1, "job_title": 2});
    let findings = check_data(&EntityType::Job, &EventKind::Unknown("x".into()), &data);
    assert_eq!(pointers(&findings), [("/job_title", Level::Warning)]);
    assert!(check_data(&EntityType::Job, &EventKind::Creation, &json!([1])).is_empty());
}

#[test]
fn hostile_values_do_not_panic() {
    let long = "é".repeat(10_000);
    let findings = variant(CANDIDATE_CREATION, |e| {
        let data = &mut e["data"];
        data["first_name"] = json!({"a": [null, {"b": []}]});
        data["latest_action"] = json!(long);
        data["action"][0]["date"] = json!("é019-07-19T16:57:17+0200");
        data["action"][1]["attachment"] = json!([null, 1, [], {}]);
        data["action"][2]["form"] = json!({});
        data["weird/key~"] = json!(1);
    });
    assert!(!findings.is_empty());
    assert!(
        findings
            .iter()
            .any(|f| f.pointer == "/data" && f.message.contains("weird/key~")),
        "{findings:#?}"
    );
    // Messages stay short whatever the value.
    assert!(
        findings.iter().all(|f| f.message.len() < 400),
        "{findings:#?}"
    );
}

// ---- pointers seen from the whole body -------------------------------------------

#[test]
fn rows_prefix_pointers_with_the_element() {
    let mut broken: Value = serde_json::from_str(JOB_UPDATE).expect("JSON");
    broken[0]["data"]["job_title"] = json!(1);
    let body = json!([
        serde_json::from_str::<Value>(JOB_CREATION).expect("JSON")[0].clone(),
        broken[0].clone()
    ])
    .to_string();
    let capture = request("/job", &body).capture();
    assert_eq!(capture.summary.rows().len(), 2);
    assert!(capture.findings(0).is_empty());
    assert_eq!(
        pointers(&capture.findings(1)),
        [("/1/data/job_title", Level::Warning)]
    );
    assert_eq!(capture.summary.rows()[1].tally.warnings, 1);
    assert_eq!(capture.status(), 200, "warnings do not refuse");

    let single = broken[0].to_string();
    let capture = request("/job", &single).capture();
    assert_eq!(
        pointers(&capture.findings(0)),
        [("/data/job_title", Level::Warning)]
    );
}

// ---- `hookscope validate` --------------------------------------------------------

fn validate(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hookscope"))
        .arg("validate")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run hookscope validate")
}

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn validate_passes_the_samples() {
    let paths: Vec<PathBuf> = SAMPLES.iter().map(|s| samples_dir().join(s.name)).collect();
    let args: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let output = validate(&args);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "one summary line per file: {stdout}");
    for line in lines {
        assert!(
            line.ends_with("webhook payload, 1 capture, 1 event: 0 errors, 0 warnings, 0 info"),
            "{line}"
        );
    }
}

#[test]
fn validate_fails_a_broken_payload_and_prints_the_finding() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut body: Value = serde_json::from_str(JOB_CREATION).expect("JSON");
    body[0]["data"]["job_published_at"] = json!("yesterday");
    body[0]["data"]["job_title"] = json!(1);
    let path = dir.path().join("broken.json");
    std::fs::write(&path, body.to_string()).expect("write");

    let output = validate(&[&path]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let shown = path.display().to_string();
    let expected = format!(
        "{shown}: capture 0 creation job 126751: error /0/data/job_published_at job_published_at is not a date in the spec's format: "
    );
    assert!(stdout.contains(&expected), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{shown}: capture 0 creation job 126751: warning /0/data/job_title job_title is a number (1); the spec shows a string"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("1 error, 1 warning, 0 info"), "{stdout}");

    // --level error hides the warning but still fails.
    let output = Command::new(env!("CARGO_BIN_EXE_hookscope"))
        .args(["validate", "--level", "error"])
        .arg(&path)
        .output()
        .expect("run");
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(!stdout.contains("warning /0/data/job_title"), "{stdout}");
    assert!(
        stdout.contains("error /0/data/job_published_at"),
        "{stdout}"
    );
}

#[test]
fn validate_passes_warnings() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("warned.json");
    std::fs::write(
        &path,
        r#"{"event": "update", "type": "job", "data": {"job_id": 1, "job_title": "Chef"}}"#,
    )
    .expect("write");
    let output = validate(&[&path]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(": capture 0 update job 1: warning /data the job lacks 40 fields"),
        "{stdout}"
    );
}

#[test]
fn validate_reads_sessions() {
    let capture =
        |id: u64, url: &str, body: &str| request(url, body).id(id).at(received_now()).received();
    let broken = r#"[{"event": "delete", "type": "candidate", "data": {"id": "abc"}}]"#;
    let captures = vec![
        capture(7, "/job", JOB_CREATION),
        capture(8, "/candidate", broken),
        capture(9, "/candidate", "{not json"),
    ];
    let bytes = common::session_bytes(&captures, received_now());
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("session.json");
    std::fs::write(&path, bytes).expect("write");

    let output = validate(&[&path]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "capture 8 delete candidate abc: error /0/data/id id is a string (\"abc\"), not an id"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("capture 9 (no event): error - the body is not valid JSON"),
        "{stdout}"
    );
    assert!(
        stdout.contains("hookscope session, 3 captures, 3 events: 2 errors, 0 warnings, 0 info"),
        "{stdout}"
    );
}

#[test]
fn validate_names_a_missing_file_and_fails() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let missing = dir.path().join("no-such-file.json");
    let sample = samples_dir().join("job_creation.json");
    let output = validate(&[&missing, &sample]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    // The other files are still checked.
    assert!(text(&output.stdout).contains("job_creation.json: webhook payload"));

    let not_json = dir.path().join("notes.txt");
    std::fs::write(&not_json, "hello").expect("write");
    let output = validate(&[&not_json]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("notes.txt"));
}
