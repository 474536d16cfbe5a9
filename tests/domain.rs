//! The domain views (job sections, candidate actions, dates, findings) on the
//! spec's six samples and on hostile variants of them.

mod common;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use common::{
    CANDIDATE_CREATION, CANDIDATE_DELETE, CANDIDATE_UPDATE, JOB_CREATION, JOB_DELETE, JOB_UPDATE,
    SAMPLES,
};
use hookscope::hs::candidate::{self, Candidate};
use hookscope::hs::fields::{Field, FieldValue, Section};
use hookscope::hs::{
    BodyError, EntityType, Envelope, EventKind, Finding, Level, conformance, job, parse_body,
};
use serde_json::{Value, json};

const JOB_TITLES: [&str; 11] = [
    "Identity",
    "Company",
    "Place",
    "Contract",
    "Profile",
    "Classification",
    "People",
    "Recruitment",
    "Dates",
    "Texts",
    "Links",
];

// ---- helpers ----------------------------------------------------------------

fn envelopes(body: &str) -> Vec<Envelope> {
    parse_body(body.as_bytes())
        .expect("the body parses")
        .into_iter()
        .map(|element| element.expect("an envelope"))
        .collect()
}

fn only(body: &str) -> Envelope {
    let mut all = envelopes(body);
    assert_eq!(all.len(), 1, "one envelope");
    all.remove(0)
}

fn sample_data(body: &str) -> Value {
    only(body).data
}

fn section<'a>(sections: &'a [Section], title: &str) -> &'a Section {
    sections
        .iter()
        .find(|s| s.title == title)
        .unwrap_or_else(|| panic!("no section {title:?} in {:?}", titles(sections)))
}

fn field<'a>(sections: &'a [Section], title: &str, key: &str) -> &'a Field {
    section(sections, title)
        .fields
        .iter()
        .find(|f| f.key == key)
        .unwrap_or_else(|| panic!("no field {key:?} in section {title:?}"))
}

fn titles(sections: &[Section]) -> Vec<&str> {
    sections.iter().map(|s| s.title.as_str()).collect()
}

fn text(s: &str) -> FieldValue {
    FieldValue::Text(s.to_owned())
}

fn instant(value: &FieldValue) -> DateTime<FixedOffset> {
    match value {
        FieldValue::Date {
            parsed: Ok(when), ..
        } => *when,
        other => panic!("not a parsed date: {other:?}"),
    }
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .expect("a valid instant")
}

fn detail<'a>(action: &'a candidate::Action, key: &str) -> &'a Field {
    action
        .details
        .iter()
        .find(|f| f.key == key)
        .unwrap_or_else(|| panic!("no detail {key:?} in {:?}", action.details))
}

fn pointers(findings: &[Finding]) -> Vec<(&str, Level)> {
    findings
        .iter()
        .map(|f| (f.pointer.as_str(), f.level))
        .collect()
}

/// Only the error-level findings (the conformance checker also warns about
/// every field the spec shows that these hand-made variants leave out).
fn errors(findings: &[Finding]) -> Vec<(&str, Level)> {
    pointers(findings)
        .into_iter()
        .filter(|(_, level)| *level == Level::Error)
        .collect()
}

/// The conformance findings of job data, pointers relative to `data`.
fn job_findings(data: &Value) -> Vec<Finding> {
    conformance::check_data(&EntityType::Job, &EventKind::Update, data)
}

/// The conformance findings of candidate data, pointers relative to `data`.
fn candidate_findings(data: &Value) -> Vec<Finding> {
    conformance::check_data(&EntityType::Candidate, &EventKind::Update, data)
}

/// Findings that only say which fields the spec shows are left out.
fn only_missing_fields(findings: &[Finding]) -> bool {
    findings
        .iter()
        .all(|f| f.level == Level::Warning && f.message.contains(" lacks "))
}

fn job_data(patch: Value) -> Value {
    let mut data = sample_data(JOB_CREATION);
    merge(&mut data, patch);
    data
}

fn candidate_data(patch: Value) -> Value {
    let mut data = sample_data(CANDIDATE_CREATION);
    merge(&mut data, patch);
    data
}

fn merge(data: &mut Value, patch: Value) {
    let (Some(target), Value::Object(patch)) = (data.as_object_mut(), patch) else {
        panic!("merge needs objects");
    };
    target.extend(patch);
}

// ---- the six samples ---------------------------------------------------------

#[test]
fn samples_have_the_right_event_entity_id_and_label() {
    let expected = [
        (
            JOB_CREATION,
            EventKind::Creation,
            EntityType::Job,
            "126751",
            "Candidature Spontanée",
        ),
        (
            JOB_UPDATE,
            EventKind::Update,
            EntityType::Job,
            "126751",
            "Candidature Spontanée",
        ),
        (JOB_DELETE, EventKind::Delete, EntityType::Job, "126751", ""),
        (
            CANDIDATE_CREATION,
            EventKind::Creation,
            EntityType::Candidate,
            "1234567876",
            "Candidate Firstname Candidate Last Name",
        ),
        (
            CANDIDATE_UPDATE,
            EventKind::Update,
            EntityType::Candidate,
            "1234567876",
            "Candidate Firstname Candidate Last Name",
        ),
        (
            CANDIDATE_DELETE,
            EventKind::Delete,
            EntityType::Candidate,
            "12121",
            "",
        ),
    ];
    for (body, event, entity, id, label) in expected {
        let envelope = only(body);
        assert_eq!(envelope.event, event);
        assert_eq!(envelope.entity, entity);
        assert_eq!(envelope.entity_id().as_deref(), Some(id));
        assert_eq!(envelope.label(), label);
        assert!(envelope.findings.is_empty(), "{:?}", envelope.findings);
    }
}

#[test]
fn the_six_samples_give_no_findings() {
    for body in SAMPLES.map(|s| s.body) {
        let envelope = only(body);
        assert_eq!(conformance::check(&envelope), Vec::new(), "in {body}");
    }
}

#[test]
fn job_sections_come_in_the_fixed_order() {
    let sections = job::sections(&sample_data(JOB_CREATION));
    assert_eq!(titles(&sections), JOB_TITLES);
    // Every spec key is shown exactly once, the pairs as one field.
    let keys: Vec<&str> = sections
        .iter()
        .flat_map(|s| s.fields.iter().map(|f| f.key.as_str()))
        .flat_map(|key| key.split(" + "))
        .collect();
    let mut sorted_keys = keys.clone();
    sorted_keys.sort_unstable();
    let mut known = job::KNOWN_FIELDS.to_vec();
    known.sort_unstable();
    assert_eq!(sorted_keys, known);
    assert_eq!(job::KNOWN_FIELDS.len(), 42);
}

#[test]
fn job_sections_show_the_sample_values() {
    let sections = job::sections(&sample_data(JOB_CREATION));

    let id = field(&sections, "Identity", "job_id");
    assert_eq!((id.label.as_str(), &id.value), ("ID", &text("126751")));
    let reference = field(&sections, "Identity", "job_reference");
    assert_eq!(
        (reference.label.as_str(), &reference.value),
        ("Reference", &text("REF"))
    );
    assert_eq!(
        field(&sections, "Identity", "job_title").value,
        text("Candidature Spontanée")
    );
    let kind = field(&sections, "Identity", "job_type");
    assert_eq!(kind.label, "Type");
    assert_eq!(kind.value, text("spont"));
    assert_eq!(kind.note.as_deref(), Some("spontaneous application"));

    let country = field(&sections, "Place", "job_country_intl");
    assert_eq!(country.value, text("France (FRA / FR)"));
    assert_eq!(country.note, None);
    assert_eq!(
        field(&sections, "Place", "job_address").value,
        text("Adresse complète")
    );
    assert_eq!(
        field(&sections, "Place", "job_regions").value,
        FieldValue::Empty
    );
    assert_eq!(
        field(&sections, "Place", "job_city").value,
        FieldValue::Empty
    );

    assert_eq!(field(&sections, "Contract", "job_salary").value, text("0"));
    assert_eq!(
        field(&sections, "Contract", "job_var_salary").value,
        FieldValue::Empty
    );

    let category = field(
        &sections,
        "Classification",
        "job_category_id + job_category_name",
    );
    assert_eq!(category.label, "Category");
    assert_eq!(category.value, text("~Autres Familles (#999999999)"));
    let sub = field(
        &sections,
        "Classification",
        "job_sub_category_id + job_sub_category_name",
    );
    assert_eq!(
        (sub.label.as_str(), &sub.value),
        ("Sub-category", &text("#0"))
    );
    let sector = field(
        &sections,
        "Classification",
        "job_secteur_id + job_secteur_name",
    );
    assert_eq!(sector.label, "Sector");
    assert_eq!(
        section(&sections, "People")
            .fields
            .iter()
            .map(|f| f.label.as_str())
            .collect::<Vec<_>>(),
        ["Interlocutor", "Office"]
    );

    let positions = field(&sections, "Recruitment", "job_nb_cand_to_recruit");
    assert_eq!(
        (positions.label.as_str(), &positions.value),
        ("Positions to fill", &text("1"))
    );

    let published = field(&sections, "Dates", "job_published_at");
    assert_eq!(published.label, "Published");
    assert_eq!(instant(&published.value), utc(2019, 7, 19, 14, 57, 17));
    assert_eq!(instant(&published.value).offset().local_minus_utc(), 7200);
    assert!(
        matches!(&published.value, FieldValue::Date { raw, .. } if raw == "2019-07-19T16:57:17+0200")
    );
    let start = field(&sections, "Dates", "job_jobstart");
    assert_eq!(start.label, "Job start");
    assert_eq!(instant(&start.value), utc(2019, 7, 18, 22, 0, 0));
    assert_eq!(
        instant(&field(&sections, "Dates", "job_updated_at").value),
        utc(2019, 8, 29, 15, 16, 11)
    );
    assert_eq!(
        field(&sections, "Dates", "job_mission_start").label,
        "Mission start"
    );

    let description = field(&sections, "Texts", "job_description");
    assert_eq!(description.value, FieldValue::Empty);
    assert!(description.value.is_empty());
    assert_eq!(
        field(&sections, "Links", "job_form_url").value,
        FieldValue::Link("URL_FORM".into())
    );
    assert_eq!(
        field(&sections, "Links", "job_logo").value,
        FieldValue::Empty
    );
}

#[test]
fn job_delete_still_shows_every_section_with_absent_fields_empty() {
    let sections = job::sections(&sample_data(JOB_DELETE));
    assert_eq!(titles(&sections), JOB_TITLES);
    assert_eq!(field(&sections, "Identity", "job_id").value, text("126751"));
    assert_eq!(
        field(&sections, "Identity", "job_title").value,
        FieldValue::Empty
    );
    assert_eq!(field(&sections, "Identity", "job_type").note, None);
    assert_eq!(
        field(&sections, "Dates", "job_published_at").value,
        FieldValue::Empty
    );
    assert_eq!(
        field(&sections, "Place", "job_country_intl").value,
        FieldValue::Empty
    );
    let shown = sections
        .iter()
        .flat_map(|s| &s.fields)
        .filter(|f| !f.value.is_empty())
        .count();
    assert_eq!(shown, 1);
}

#[test]
fn candidate_sample_sections_tags_and_latest_action() {
    let candidate = Candidate::from_data(&sample_data(CANDIDATE_CREATION));
    assert_eq!(titles(&candidate.sections), ["Identity", "Contact"]);
    let s = &candidate.sections;
    assert_eq!(field(s, "Identity", "id").value, text("1234567876"));
    assert_eq!(field(s, "Identity", "id_company").value, text("11111"));
    assert_eq!(
        field(s, "Identity", "first_name").value,
        text("Candidate Firstname")
    );
    assert_eq!(
        field(s, "Identity", "last_name").value,
        text("Candidate Last Name")
    );
    assert_eq!(
        field(s, "Contact", "email").value,
        text("[email protected]")
    );
    assert_eq!(field(s, "Contact", "tel_landline").value, FieldValue::Empty);
    assert_eq!(field(s, "Contact", "tel_mobile").value, FieldValue::Empty);
    assert!(candidate.tags.is_empty());
    assert_eq!(candidate.latest_action.key, "latest_action");
    assert_eq!(
        instant(&candidate.latest_action.value),
        utc(2016, 1, 20, 13, 27, 0)
    );
}

#[test]
fn candidate_sample_actions_newest_first() {
    let candidate = Candidate::from_data(&sample_data(CANDIDATE_CREATION));
    let actions = &candidate.actions;
    assert_eq!(actions.len(), 4);
    let summary: Vec<(Option<&str>, Option<&str>, &str)> = actions
        .iter()
        .map(|a| (a.id.as_deref(), a.code.as_deref(), a.pointer.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (Some("14437912"), Some("CLO"), "/action/0"),
            (Some("14197986"), Some("AR_a"), "/action/1"),
            (Some("14197985"), Some("CAND"), "/action/2"),
            (Some("4775507"), Some("AR_a"), "/action/3"),
        ]
    );
    let dates: Vec<DateTime<FixedOffset>> = actions.iter().map(|a| instant(&a.date)).collect();
    assert_eq!(
        dates,
        [
            utc(2016, 1, 20, 13, 27, 0),
            utc(2015, 12, 21, 22, 45, 46),
            utc(2015, 12, 21, 22, 45, 44),
            utc(2011, 5, 2, 9, 53, 0),
        ]
    );
    for action in actions {
        assert_eq!(action.consultant.as_deref(), Some("Vanessa DURANT"));
        assert_eq!(action.consultant_office.as_deref(), Some("128"));
    }
    let postes: Vec<(Option<&str>, Option<&str>)> = actions
        .iter()
        .map(|a| (a.poste_id.as_deref(), a.poste_title.as_deref()))
        .collect();
    assert_eq!(
        postes[0],
        (Some("186226"), Some("Attaché(e) commercial h/f"))
    );
    assert_eq!(postes[3], (Some("53634"), Some("Conseiller Clientèle H/F")));

    // Ratings 0 and "-1" are both kept, as text.
    let ratings: Vec<Option<&str>> = actions.iter().map(|a| a.rating.as_deref()).collect();
    assert_eq!(ratings, [Some("0"), Some("-1"), Some("-1"), Some("0")]);

    let cand = &actions[2];
    assert_eq!(cand.type_.as_deref(), Some("11668"));
    assert_eq!(cand.default_type.as_deref(), Some("4"));
    assert_eq!(detail(cand, "media").value, text("1100064"));
    assert_eq!(detail(cand, "emailing").value, text("false"));
    assert_eq!(detail(cand, "pastille").value, FieldValue::Empty);
    assert_eq!(detail(cand, "poste/status").value, text("2043"));
    assert_eq!(detail(cand, "poste/customer").value, text("0"));
    assert_eq!(detail(cand, "consultant/id").value, text("3144"));
    assert_eq!(
        detail(cand, "poste/consultant").value,
        text("#3144, office 128")
    );
    assert_eq!(detail(&actions[0], "media").value, FieldValue::Empty);
}

#[test]
fn candidate_sample_attachments_and_form() {
    let candidate = Candidate::from_data(&sample_data(CANDIDATE_UPDATE));
    let actions = &candidate.actions;
    assert!(actions[0].attachments.is_empty());
    assert_eq!(actions[1].attachments.len(), 1);
    assert_eq!(
        actions[1].attachments[0].filename.as_deref(),
        Some("ENVOI : Accusé de réception automatique.txt")
    );
    assert_eq!(actions[1].attachments[0].uniqfilename, None);
    assert_eq!(
        actions[1].attachments[0].mimetype.as_deref(),
        Some("TEXT/PLAIN")
    );

    let pdfs = &actions[2].attachments;
    assert_eq!(pdfs.len(), 2);
    let names: Vec<Option<&str>> = pdfs.iter().map(|a| a.filename.as_deref()).collect();
    assert_eq!(
        names,
        [Some("cv-31144169.pdf"), Some("Documentsanstitre (1).pdf")]
    );
    assert!(
        pdfs.iter()
            .all(|a| a.mimetype.as_deref() == Some("application/pdf"))
    );
    assert_eq!(pdfs[0].id.as_deref(), Some("367479"));
    assert_eq!(
        pdfs[1].uniqfilename.as_deref(),
        Some("201512/3144_dd860c22d4dcb7cd990a82974b67ca96")
    );
    assert_eq!(pdfs[0].preview(7), "#Maxime…");
    assert_eq!(
        pdfs[0].preview(1000),
        "#Maxime#################################################M#a#x#i#m#e### '<#?"
    );
    assert_eq!(detail(&actions[2], "attachment/1/type").value, text("10"));

    assert!(
        actions
            .iter()
            .enumerate()
            .all(|(i, a)| (i == 2) == a.form.is_some())
    );
    let form = actions[2]
        .form
        .as_ref()
        .expect("the CAND action has a form");
    assert_eq!(form.id.as_deref(), Some("2599363"));
    assert_eq!(
        form.image.as_deref(),
        Some("16343d20c273cffc06e1821c27c09d024e8d657b1a31c7e381a0e771a09e136e.png")
    );
    assert_eq!(form.answers.len(), 8);
    assert_eq!(form.answers[0].question, "Civilité");
    assert_eq!(form.answers[0].answer, "Monsieur");
    assert_eq!(form.answers[0].id_question.as_deref(), Some("4339"));
    assert_eq!(form.answers[7].question, "Anglais");
    assert_eq!(form.answers[7].answer, "Opérationel");
    // Trailing spaces are kept as sent.
    assert_eq!(form.answers[4].answer, "France ");
}

// ---- tolerant variants -------------------------------------------------------

#[test]
fn string_and_numeric_ids_read_the_same() {
    let as_string = job_data(json!({"job_id": "126751", "job_category_id": "999999999"}));
    let sections = job::sections(&as_string);
    assert_eq!(field(&sections, "Identity", "job_id").value, text("126751"));
    assert_eq!(
        field(
            &sections,
            "Classification",
            "job_category_id + job_category_name"
        )
        .value,
        text("~Autres Familles (#999999999)")
    );
    assert_eq!(job_findings(&as_string), Vec::new());

    let body = json!([{"event": "update", "type": "candidate", "data": {
        "id": "1234567876",
        "action": [{
            "id": 14437912, "code": "CLO", "rating": -1, "type": 11730, "default_type": 56,
            "date": "2016-01-20T14:27:00+01:00",
            "consultant": {"id": 3144, "office": 128, "first_name": "Vanessa", "last_name": "DURANT"},
            "poste": {"id": 186226, "title": "Attaché(e) commercial h/f", "status": 2043},
            "attachment": [{"id": "367479", "filename": "cv.pdf"}],
            "form": {"id": 2599363, "input": [{"id_question": 4339, "question": "Civilité", "answer": "Monsieur"}]}
        }]
    }}])
    .to_string();
    let envelope = only(&body);
    assert_eq!(envelope.entity_id().as_deref(), Some("1234567876"));
    let candidate = Candidate::from_data(&envelope.data);
    let action = &candidate.actions[0];
    assert_eq!(action.id.as_deref(), Some("14437912"));
    assert_eq!(action.rating.as_deref(), Some("-1"));
    assert_eq!(action.type_.as_deref(), Some("11730"));
    assert_eq!(action.default_type.as_deref(), Some("56"));
    assert_eq!(action.consultant_office.as_deref(), Some("128"));
    assert_eq!(action.poste_id.as_deref(), Some("186226"));
    assert_eq!(detail(action, "poste/status").value, text("2043"));
    assert_eq!(action.attachments[0].id.as_deref(), Some("367479"));
    let form = action.form.as_ref().expect("a form");
    assert_eq!(form.id.as_deref(), Some("2599363"));
    assert_eq!(form.answers[0].id_question.as_deref(), Some("4339"));
    let findings = candidate_findings(&envelope.data);
    assert!(only_missing_fields(&findings), "{findings:#?}");
}

#[test]
fn a_job_with_every_field_null_is_all_empty() {
    let data = Value::Object(
        job::KNOWN_FIELDS
            .iter()
            .map(|k| (k.to_string(), Value::Null))
            .collect(),
    );
    let sections = job::sections(&data);
    assert_eq!(titles(&sections), JOB_TITLES);
    for field in sections.iter().flat_map(|s| &s.fields) {
        assert_eq!(field.value, FieldValue::Empty, "{}", field.key);
        assert_eq!(field.note, None, "{}", field.key);
    }
    let findings = job_findings(&data);
    assert_eq!(errors(&findings), [("/job_id", Level::Error)]);
}

#[test]
fn a_job_with_no_id_is_an_error() {
    let mut data = sample_data(JOB_CREATION);
    data.as_object_mut().expect("an object").remove("job_id");
    assert_eq!(pointers(&job_findings(&data)), [("", Level::Error)]);
    let empty_id = job_data(json!({"job_id": ""}));
    assert_eq!(
        pointers(&job_findings(&empty_id)),
        [("/job_id", Level::Error)]
    );
}

#[test]
fn a_candidate_with_nulls_everywhere_does_not_panic() {
    let data = json!({
        "id": 5, "id_company": null, "first_name": null, "last_name": null, "email": null,
        "tel_landline": null, "tel_mobile": null, "tags": null, "latest_action": null,
        "action": [
            null,
            {
                "id": null, "date": null, "code": null, "type": null, "default_type": null,
                "rating": null, "media": null, "pastille": null, "emailing": null,
                "consultant": null, "poste": null, "attachment": null, "form": null
            },
            {
                "id": "2", "date": "2016-01-20T14:27:00+01:00",
                "consultant": {"id": null, "office": null, "first_name": null, "last_name": null},
                "poste": {"id": null, "title": null, "consultant": null},
                "attachment": [null, {"id": null, "filename": null, "mimetype": null, "text": null}],
                "form": {"id": null, "image": null, "input": null}
            },
            {
                "id": "3", "date": "2016-01-21T14:27:00+01:00",
                "form": {"id": "9", "input": [null, {"question": null, "answer": null, "id_question": null}]}
            }
        ]
    });
    let candidate = Candidate::from_data(&data);
    assert_eq!(titles(&candidate.sections), ["Identity", "Contact"]);
    assert_eq!(
        field(&candidate.sections, "Identity", "id").value,
        text("5")
    );
    assert_eq!(
        field(&candidate.sections, "Identity", "first_name").value,
        FieldValue::Empty
    );
    assert!(candidate.tags.is_empty());
    assert_eq!(candidate.latest_action.value, FieldValue::Empty);

    // The null element is skipped; the dated ones come first, newest first.
    let order: Vec<&str> = candidate
        .actions
        .iter()
        .map(|a| a.pointer.as_str())
        .collect();
    assert_eq!(order, ["/action/3", "/action/2", "/action/1"]);

    let all_null = &candidate.actions[2];
    assert_eq!(all_null.id, None);
    assert_eq!(all_null.date, FieldValue::Empty);
    assert_eq!(all_null.rating, None);
    assert_eq!(all_null.consultant, None);
    assert_eq!(all_null.poste_title, None);
    assert!(all_null.attachments.is_empty());
    assert_eq!(all_null.form, None);
    assert_eq!(detail(all_null, "media").value, FieldValue::Empty);

    let empty_parts = &candidate.actions[1];
    assert_eq!(empty_parts.consultant, None);
    assert_eq!(empty_parts.consultant_office, None);
    assert_eq!(empty_parts.attachments.len(), 1);
    assert_eq!(empty_parts.attachments[0].filename, None);
    assert_eq!(empty_parts.attachments[0].preview(10), "");
    assert_eq!(empty_parts.form.as_ref().map(|f| f.answers.len()), Some(0));

    let null_answer = candidate.actions[0].form.as_ref().expect("a form");
    assert_eq!(
        null_answer.answers,
        [candidate::FormAnswer {
            question: String::new(),
            answer: String::new(),
            id_question: None
        }]
    );

    // Nulls where the spec shows values are warnings; the only error is
    // the action with a null id.
    assert_eq!(
        errors(&candidate_findings(&data)),
        [("/action/1/id", Level::Error)]
    );
    let no_id = json!({"id": null, "action": null});
    assert!(Candidate::from_data(&no_id).actions.is_empty());
    assert_eq!(errors(&candidate_findings(&no_id)), [("/id", Level::Error)]);
    assert_eq!(
        errors(&candidate_findings(&json!({}))),
        [("", Level::Error)]
    );
}

#[test]
fn non_arrays_where_arrays_belong_are_empty_shown_and_reported() {
    let data = candidate_data(json!({
        "tags": {"hot": true},
        "action": [{
            "id": "1", "date": "2016-01-20T14:27:00+01:00",
            "attachment": {"id": 1, "filename": "cv.pdf"},
            "form": {"id": "2", "input": {"question": "Nom", "answer": "X"}}
        }, {
            "id": "2", "date": "2016-01-19T14:27:00+01:00", "form": "none"
        }, "not an action"]
    }));
    let candidate = Candidate::from_data(&data);
    let first = &candidate.actions[0];
    assert!(first.attachments.is_empty());
    assert_eq!(
        detail(first, "attachment").value,
        FieldValue::Json(json!({"id": 1, "filename": "cv.pdf"}))
    );
    assert_eq!(first.form.as_ref().map(|f| f.answers.len()), Some(0));
    assert_eq!(
        detail(first, "form/input").value,
        FieldValue::Json(json!({"question": "Nom", "answer": "X"}))
    );
    assert_eq!(candidate.actions[1].form, None);
    assert_eq!(detail(&candidate.actions[1], "form").value, text("none"));
    let odd = &candidate.actions[2];
    assert_eq!(odd.pointer, "/action/2");
    assert_eq!(odd.details[0].value, text("not an action"));

    assert!(candidate.tags.is_empty());
    assert_eq!(
        field(&candidate.sections, "Other fields", "tags").value,
        FieldValue::Json(json!({"hot": true}))
    );

    assert_eq!(
        errors(&candidate_findings(&data)),
        [
            ("/tags", Level::Error),
            ("/action/0/attachment", Level::Error),
            ("/action/0/form/input", Level::Error),
            ("/action/1/form", Level::Error),
            ("/action/2", Level::Error),
        ]
    );

    let single = candidate_data(json!({"action": {"id": "1", "code": "CLO"}}));
    let candidate = Candidate::from_data(&single);
    assert!(candidate.actions.is_empty());
    assert_eq!(
        field(&candidate.sections, "Other fields", "action").value,
        FieldValue::Json(json!({"id": "1", "code": "CLO"}))
    );
    let findings = candidate_findings(&single);
    assert_eq!(pointers(&findings), [("/action", Level::Error)]);
    assert!(
        findings[0].message.contains("not an array"),
        "{}",
        findings[0].message
    );
}

#[test]
fn tags_are_listed() {
    let data = candidate_data(json!({"tags": ["vip", 42, null, "relance"]}));
    assert_eq!(Candidate::from_data(&data).tags, ["vip", "42", "relance"]);
}

#[test]
fn unknown_fields_are_kept_and_shown() {
    let data = job_data(json!({
        "job_remote": "full",
        "job_benefits": ["tickets", "mutuelle"],
        "zz_meta": {"source": "api"},
        "job_country_intl": {"name": "France", "code": "FRA", "iso2": "FR", "eu": true}
    }));
    let sections = job::sections(&data);
    assert_eq!(
        sections.last().map(|s| s.title.as_str()),
        Some("Other fields")
    );
    let other = section(&sections, "Other fields");
    let keys: Vec<&str> = other.fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys.len(), 3);
    for key in ["job_remote", "job_benefits", "zz_meta"] {
        assert!(keys.contains(&key), "{key} missing from {keys:?}");
    }
    assert_eq!(
        field(&sections, "Other fields", "job_remote").value,
        text("full")
    );
    assert_eq!(
        field(&sections, "Other fields", "job_remote").label,
        "job_remote"
    );
    assert_eq!(
        field(&sections, "Other fields", "job_benefits").value,
        FieldValue::List(vec!["tickets".into(), "mutuelle".into()])
    );
    assert_eq!(
        field(&sections, "Other fields", "zz_meta").value,
        FieldValue::Json(json!({"source": "api"}))
    );
    let country = field(&sections, "Place", "job_country_intl");
    assert_eq!(country.value, text("France (FRA / FR)"));
    assert_eq!(country.note.as_deref(), Some("also: {\"eu\":true}"));
    // Fields the spec does not show are info, one finding per object.
    assert_eq!(
        pointers(&job_findings(&data)),
        [("/job_country_intl", Level::Info), ("", Level::Info)]
    );

    let data = candidate_data(json!({
        "nickname": "Max",
        "action": [{
            "id": "1", "date": "2016-01-20T14:27:00+01:00", "channel": "indeed",
            "consultant": {"id": "3144", "first_name": "Vanessa", "last_name": "DURANT", "email": "v@d"},
            "poste": {"id": "9", "title": "Dev", "remote": true, "consultant": {"id": "1", "phone": "0"}},
            "attachment": [{"id": 1, "filename": "cv.pdf", "size": 1024}],
            "form": {"id": "2", "kind": "quick", "input": [{"question": "Nom", "answer": "X", "required": true}]}
        }]
    }));
    let candidate = Candidate::from_data(&data);
    assert_eq!(
        field(&candidate.sections, "Other fields", "nickname").value,
        text("Max")
    );
    let action = &candidate.actions[0];
    assert_eq!(detail(action, "channel").value, text("indeed"));
    assert_eq!(detail(action, "consultant/email").value, text("v@d"));
    assert_eq!(action.consultant_office, None);
    assert_eq!(detail(action, "poste/remote").value, text("true"));
    assert_eq!(detail(action, "poste/consultant").value, text("#1"));
    assert_eq!(detail(action, "poste/consultant/phone").value, text("0"));
    assert_eq!(detail(action, "attachment/0/size").value, text("1024"));
    assert_eq!(detail(action, "form/kind").value, text("quick"));
    assert_eq!(detail(action, "form/input/0/required").value, text("true"));
    let findings = candidate_findings(&data);
    assert_eq!(errors(&findings), []);
    let mut extra: Vec<&str> = findings
        .iter()
        .filter(|f| f.level == Level::Info)
        .map(|f| f.pointer.as_str())
        .collect();
    extra.sort_unstable();
    assert_eq!(
        extra,
        [
            "",
            "/action/0",
            "/action/0/attachment/0",
            "/action/0/consultant",
            "/action/0/form",
            "/action/0/form/input/0",
            "/action/0/poste",
            "/action/0/poste/consultant",
        ]
    );
}

#[test]
fn structured_values_in_scalar_slots_go_to_details() {
    let data = candidate_data(json!({
        "action": [{"id": {"v": 1}, "code": ["CLO"], "date": "2016-01-20T14:27:00+01:00",
                    "consultant": ["Vanessa"], "poste": "186226"}]
    }));
    let action = &Candidate::from_data(&data).actions[0];
    assert_eq!(action.id, None);
    assert_eq!(action.code, None);
    assert_eq!(action.consultant, None);
    assert_eq!(action.poste_id, None);
    assert_eq!(
        detail(action, "id").value,
        FieldValue::Json(json!({"v": 1}))
    );
    assert_eq!(
        detail(action, "code").value,
        FieldValue::List(vec!["CLO".into()])
    );
    assert_eq!(
        detail(action, "consultant").value,
        FieldValue::List(vec!["Vanessa".into()])
    );
    assert_eq!(detail(action, "poste").value, text("186226"));
}

#[test]
fn compact_and_colon_offsets_give_the_same_instant() {
    let compact = job::sections(&job_data(
        json!({"job_published_at": "2019-07-19T16:57:17+0200"}),
    ));
    let colon = job::sections(&job_data(
        json!({"job_published_at": "2019-07-19T16:57:17+02:00"}),
    ));
    let zulu = job::sections(&job_data(
        json!({"job_published_at": "2019-07-19T14:57:17Z"}),
    ));
    let when = |s: &[Section]| instant(&field(s, "Dates", "job_published_at").value);
    assert_eq!(when(&compact), when(&colon));
    assert_eq!(when(&compact), when(&zulu));
    assert_eq!(when(&compact), utc(2019, 7, 19, 14, 57, 17));

    let data = candidate_data(json!({"action": [
        {"id": "a", "date": "2016-01-20T14:27:00+0100"},
        {"id": "b", "date": "2016-01-20T14:27:00+01:00"}
    ]}));
    let actions = Candidate::from_data(&data).actions;
    assert_eq!(instant(&actions[0].date), instant(&actions[1].date));
    // Equal instants keep the order they were sent in.
    assert_eq!(actions[0].id.as_deref(), Some("a"));
    // No finding about the dates; the ids "a" and "b" are not the spec's ids.
    let findings = candidate_findings(&data);
    assert_eq!(
        errors(&findings),
        [
            ("/action/0/id", Level::Error),
            ("/action/1/id", Level::Error)
        ]
    );
    assert!(
        findings.iter().all(|f| !f.pointer.ends_with("date")),
        "{findings:#?}"
    );
}

#[test]
fn unparseable_dates_are_kept_raw_with_a_note_and_an_error() {
    let data = job_data(json!({"job_jobstart": "19/07/2019", "job_updated_at": 1566998171}));
    let sections = job::sections(&data);
    let start = field(&sections, "Dates", "job_jobstart");
    assert!(
        matches!(&start.value, FieldValue::Date { raw, parsed: Err(_) } if raw == "19/07/2019"),
        "{:?}",
        start.value
    );
    assert!(
        start
            .note
            .as_deref()
            .is_some_and(|n| n.contains("not a date the spec uses"))
    );
    let updated = field(&sections, "Dates", "job_updated_at");
    assert!(
        matches!(&updated.value, FieldValue::Date { raw, parsed: Err(_) } if raw == "1566998171")
    );
    let findings = job_findings(&data);
    assert_eq!(
        pointers(&findings),
        [
            ("/job_jobstart", Level::Error),
            ("/job_updated_at", Level::Error)
        ]
    );
    assert!(
        findings[0]
            .message
            .starts_with("job_jobstart is not a date in the spec's format: ")
    );

    let data = candidate_data(json!({
        "latest_action": "last tuesday",
        "action": [
            {"id": "undated"},
            {"id": "bad", "date": "soon"},
            {"id": "old", "date": "2011-05-02T11:53:00+02:00"},
            {"id": "new", "date": "2016-01-20T14:27:00+01:00"}
        ]
    }));
    let candidate = Candidate::from_data(&data);
    assert!(matches!(
        &candidate.latest_action.value,
        FieldValue::Date { raw, parsed: Err(_) } if raw == "last tuesday"
    ));
    let order: Vec<Option<&str>> = candidate.actions.iter().map(|a| a.id.as_deref()).collect();
    assert_eq!(
        order,
        [Some("new"), Some("old"), Some("undated"), Some("bad")]
    );
    assert!(
        matches!(&candidate.actions[3].date, FieldValue::Date { raw, parsed: Err(_) } if raw == "soon")
    );
    assert_eq!(candidate.actions[3].pointer, "/action/1");
    assert_eq!(candidate.actions[2].date, FieldValue::Empty);
    // (The ids here are words, not the spec's ids: errors of their own.)
    let findings = candidate_findings(&data);
    let date_errors: Vec<_> = errors(&findings)
        .into_iter()
        .filter(|(pointer, _)| !pointer.ends_with("/id"))
        .collect();
    assert_eq!(
        date_errors,
        [
            ("/action/1/date", Level::Error),
            ("/latest_action", Level::Error)
        ]
    );
}

#[test]
fn data_that_is_not_an_object_gives_findings_not_panics() {
    for data in [
        json!([1, 2]),
        json!("job"),
        json!(42),
        json!(null),
        json!(true),
    ] {
        let sections = job::sections(&data);
        assert_eq!(&titles(&sections)[..11], JOB_TITLES);
        assert!(
            sections[..11]
                .iter()
                .flat_map(|s| &s.fields)
                .all(|f| f.value.is_empty())
        );
        // The envelope says data is not an object; the data itself has
        // nothing more to say.
        assert_eq!(job_findings(&data), Vec::new(), "{data}");

        let candidate = Candidate::from_data(&data);
        assert!(candidate.actions.is_empty());
        assert_eq!(candidate_findings(&data), Vec::new(), "{data}");
    }
    // The value itself is still shown.
    let sections = job::sections(&json!([1, 2]));
    assert_eq!(
        section(&sections, "Other fields").fields[0].value,
        FieldValue::List(vec!["1".into(), "2".into()])
    );
    let candidate = Candidate::from_data(&json!("oops"));
    assert_eq!(
        section(&candidate.sections, "Other fields").fields[0].value,
        text("oops")
    );

    let envelope = only(r#"{"event": "creation", "type": "job", "data": ["x"]}"#);
    assert_eq!(pointers(&envelope.findings), [("/data", Level::Error)]);
    assert_eq!(
        pointers(&conformance::check(&envelope)),
        [("/data", Level::Error)]
    );
}

#[test]
fn unknown_event_and_type_values_are_kept() {
    let envelope = only(
        r#"[{"event": "archive", "type": "offer", "data": {"job_id": "77", "job_title": "Chef"}}]"#,
    );
    assert_eq!(envelope.event, EventKind::Unknown("archive".into()));
    assert_eq!(envelope.event.as_str(), "archive");
    assert_eq!(envelope.entity, EntityType::Unknown("offer".into()));
    assert_eq!(envelope.entity_id().as_deref(), Some("77"));
    assert_eq!(envelope.label(), "Chef");
    // The job view still reads it.
    let sections = job::sections(&envelope.data);
    assert_eq!(
        field(&sections, "Identity", "job_title").value,
        text("Chef")
    );

    let job = job_data(json!({"job_type": "interim"}));
    let kind = field(&job::sections(&job), "Identity", "job_type").clone();
    assert_eq!((kind.value, kind.note), (text("interim"), None));
}

#[test]
fn country_is_read_tolerantly() {
    let shown = |country: Value| {
        field(
            &job::sections(&job_data(json!({"job_country_intl": country}))),
            "Place",
            "job_country_intl",
        )
        .value
        .clone()
    };
    assert_eq!(shown(json!({"name": "France"})), text("France"));
    assert_eq!(
        shown(json!({"name": "France", "code": "FRA", "iso2": null})),
        text("France (FRA)")
    );
    assert_eq!(
        shown(json!({"code": "FRA", "iso2": "FR"})),
        text("FRA / FR")
    );
    assert_eq!(
        shown(json!({"name": null, "code": "", "iso2": null})),
        FieldValue::Empty
    );
    assert_eq!(shown(json!({})), FieldValue::Empty);
    assert_eq!(shown(json!("France")), text("France"));
    assert_eq!(
        shown(json!({"label": "FR"})),
        FieldValue::Json(json!({"label": "FR"}))
    );
}

#[test]
fn regions_and_departments_are_lists() {
    let data = job_data(json!({
        "job_regions": ["Île-de-France", "Bretagne"],
        "job_departments": [75, "92"],
        "job_description": "Line one\nLine two",
        "job_logo": "https://example.test/logo.png"
    }));
    let sections = job::sections(&data);
    assert_eq!(
        field(&sections, "Place", "job_regions").value,
        FieldValue::List(vec!["Île-de-France".into(), "Bretagne".into()])
    );
    assert_eq!(
        field(&sections, "Place", "job_departments").value,
        FieldValue::List(vec!["75".into(), "92".into()])
    );
    assert_eq!(
        field(&sections, "Texts", "job_description").value,
        FieldValue::LongText("Line one\nLine two".into())
    );
    assert_eq!(
        field(&sections, "Links", "job_logo").value,
        FieldValue::Link("https://example.test/logo.png".into())
    );
}

#[test]
fn a_deeply_nested_body_is_an_error_not_a_stack_overflow() {
    let body = "[".repeat(100_000);
    assert!(matches!(
        parse_body(body.as_bytes()),
        Err(BodyError::Json(_))
    ));
    let objects = "{\"a\":".repeat(100_000);
    assert!(matches!(
        parse_body(objects.as_bytes()),
        Err(BodyError::Json(_))
    ));
}
