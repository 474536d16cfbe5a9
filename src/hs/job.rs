//! The job view: the spec's `job_*` keys grouped into titled sections.

use serde_json::Value;

use super::fields::{Field, FieldValue, Section, name_with_id, other_fields};
use super::lenient;

/// Every `job_*` key the spec names.
pub const KNOWN_FIELDS: &[&str] = &[
    "job_id",
    "job_office_id",
    "job_office_name",
    "job_reference",
    "job_title",
    "job_description",
    "job_profil",
    "job_commentaire",
    "job_jobstart",
    "job_mission_start",
    "job_type",
    "job_address",
    "job_company",
    "job_company_description",
    "job_contract_type",
    "job_contract_status",
    "job_salary",
    "job_education_level",
    "job_experience_level",
    "job_city",
    "job_city_intl",
    "job_country_intl",
    "job_regions",
    "job_departments",
    "job_working_time",
    "job_logo",
    "job_published_at",
    "job_updated_at",
    "job_category_id",
    "job_category_name",
    "job_sub_category_id",
    "job_sub_category_name",
    "job_secteur_id",
    "job_secteur_name",
    "job_interlocutor_id",
    "job_interlocutor_name",
    "job_nb_cand_to_recruit",
    "job_var_salary",
    "job_recruitment_cost",
    "job_other_cost",
    "job_customer",
    "job_form_url",
];

/// The date keys, with their labels.
const DATES: &[(&str, &str)] = &[
    ("job_jobstart", "Job start"),
    ("job_mission_start", "Mission start"),
    ("job_published_at", "Published"),
    ("job_updated_at", "Updated"),
];

/// `job_type` values the spec shows, with what they mean.
const JOB_TYPES: &[(&str, &str)] = &[("spont", "spontaneous application")];

/// The keys of `job_country_intl` and how they are shown.
const COUNTRY_KEYS: &[&str] = &["name", "code", "iso2"];

/// The sections of a job pane, in a fixed order; absent keys show as `Empty`.
pub fn sections(data: &Value) -> Vec<Section> {
    let text =
        |key: &str, label: &str| Field::new(key, label, FieldValue::from_json(get(data, key)));
    let long =
        |key: &str, label: &str| Field::new(key, label, FieldValue::long_text(get(data, key)));
    let list = |key: &str, label: &str| Field::new(key, label, FieldValue::list(get(data, key)));
    let link = |key: &str, label: &str| Field::new(key, label, FieldValue::link(get(data, key)));
    let pair = |prefix: &str, label: &str| {
        let (id_key, name_key) = (format!("{prefix}_id"), format!("{prefix}_name"));
        let value = name_with_id(data.get(&id_key), data.get(&name_key));
        Field::new(format!("{id_key} + {name_key}"), label, value)
    };

    let mut sections = vec![
        Section::new(
            "Identity",
            vec![
                text("job_id", "ID"),
                text("job_reference", "Reference"),
                text("job_title", "Title"),
                job_type(data),
            ],
        ),
        Section::new(
            "Company",
            vec![
                text("job_company", "Company"),
                long("job_company_description", "Company description"),
                text("job_customer", "Customer"),
            ],
        ),
        Section::new(
            "Place",
            vec![
                text("job_address", "Address"),
                text("job_city", "City"),
                text("job_city_intl", "City (international)"),
                country(data),
                list("job_regions", "Regions"),
                list("job_departments", "Departments"),
            ],
        ),
        Section::new(
            "Contract",
            vec![
                text("job_contract_type", "Contract type"),
                text("job_contract_status", "Contract status"),
                text("job_working_time", "Working time"),
                text("job_salary", "Salary"),
                text("job_var_salary", "Variable salary"),
            ],
        ),
        Section::new(
            "Profile",
            vec![
                text("job_education_level", "Education level"),
                text("job_experience_level", "Experience level"),
            ],
        ),
        Section::new(
            "Classification",
            vec![
                pair("job_category", "Category"),
                pair("job_sub_category", "Sub-category"),
                pair("job_secteur", "Sector"),
            ],
        ),
        Section::new(
            "People",
            vec![
                pair("job_interlocutor", "Interlocutor"),
                pair("job_office", "Office"),
            ],
        ),
        Section::new(
            "Recruitment",
            vec![
                text("job_nb_cand_to_recruit", "Positions to fill"),
                text("job_recruitment_cost", "Recruitment cost"),
                text("job_other_cost", "Other costs"),
            ],
        ),
        Section::new(
            "Dates",
            DATES
                .iter()
                .map(|(key, label)| Field::new(*key, *label, FieldValue::date(get(data, key))))
                .collect(),
        ),
        Section::new(
            "Texts",
            vec![
                long("job_description", "Description"),
                long("job_profil", "Candidate profile"),
                long("job_commentaire", "Comment"),
            ],
        ),
        Section::new(
            "Links",
            vec![
                link("job_form_url", "Application form"),
                link("job_logo", "Logo"),
            ],
        ),
    ];
    sections.extend(other_fields(data, KNOWN_FIELDS));
    sections
}

/// `data[key]`, `null` when missing or when `data` is not an object.
fn get<'a>(data: &'a Value, key: &str) -> &'a Value {
    data.get(key).unwrap_or(&Value::Null)
}

fn job_type(data: &Value) -> Field {
    let value = get(data, "job_type");
    let field = Field::new("job_type", "Type", FieldValue::from_json(value));
    let meaning = value
        .as_str()
        .and_then(|raw| JOB_TYPES.iter().find(|(code, _)| *code == raw))
        .map(|(_, meaning)| *meaning);
    match meaning {
        Some(meaning) => field.with_note(meaning),
        None => field,
    }
}

/// `{"name", "code", "iso2"}` as "France (FRA / FR)", or the parts present.
/// Any other keys of the object are named in the note; a non-object is
/// shown as sent.
fn country(data: &Value) -> Field {
    const KEY: &str = "job_country_intl";
    let value = get(data, KEY);
    let Value::Object(map) = value else {
        return Field::new(KEY, "Country", FieldValue::from_json(value));
    };
    let part = |key: &str| map.get(key).and_then(lenient::display);
    let codes: Vec<String> = ["code", "iso2"].iter().filter_map(|k| part(k)).collect();
    let text = match (part("name"), codes.is_empty()) {
        (Some(name), true) => Some(name),
        (Some(name), false) => Some(format!("{name} ({})", codes.join(" / "))),
        (None, false) => Some(codes.join(" / ")),
        (None, true) => None,
    };
    let extra: serde_json::Map<String, Value> = map
        .iter()
        .filter(|(k, _)| !COUNTRY_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    match text {
        None if !extra.is_empty() => Field::new(KEY, "Country", FieldValue::Json(value.clone())),
        None => Field::new(KEY, "Country", FieldValue::Empty),
        Some(text) if extra.is_empty() => Field::new(KEY, "Country", FieldValue::Text(text)),
        Some(text) => Field::new(KEY, "Country", FieldValue::Text(text))
            .with_note(format!("also: {}", Value::Object(extra))),
    }
}
