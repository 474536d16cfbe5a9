//! Redacted exports in the window, under egui_kittest: the policy editor,
//! the preview, the "Redact personal data" choice, and the file written.

mod common;

use common::{
    CANDIDATE_CREATION, Dialogs, JOB_CREATION, app_from, capture, retype, saved_and_loaded, settle,
};
use egui::accesskit::{Role, Toggled};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use hookscope::capture::Routes;
use hookscope::redact::{DEFAULT_TEXT, Policy};
use hookscope::session::{file, har};
use hookscope::ui::{App, Settings};

/// Values of the candidate and the recruiter in the candidate sample, all
/// named by the default policy.
const PERSONAL: [&str; 3] = ["Candidate Firstname", "Candidate Last Name", "DURANT"];

/// The app with the job and candidate creation samples, answering the
/// save dialog with `save` when given.
fn app_with_samples(settings: Settings, save: Option<std::path::PathBuf>) -> Harness<'static, App> {
    let dialogs = match save {
        Some(path) => Dialogs::saving_to(path),
        None => Dialogs::default(),
    };
    let mut harness = app_from(settings, dialogs).build();
    harness
        .state_mut()
        .feed(capture(1, "/job", JOB_CREATION, 0));
    harness
        .state_mut()
        .feed(capture(2, "/candidate", CANDIDATE_CREATION, 1));
    harness.run();
    harness
}

fn file_menu(harness: &mut Harness<'static, App>, item: &str) {
    harness.get_by_label("File").click();
    harness.run();
    // An item's label carries its shortcut, if any.
    harness.get_by_label_contains(item).click();
    settle(harness);
}

fn button(harness: &mut Harness<'static, App>, label: &str) {
    harness.get_by_role_and_label(Role::Button, label).click();
    settle(harness);
}

fn redact_box(harness: &Harness<'static, App>) -> bool {
    let checkbox = harness.get_by_label("Redact personal data");
    checkbox.accesskit_node().toggled() == Some(Toggled::True)
}

/// A node's text as the queries read it: a label's is its value.
fn text_of(node: &egui_kittest::Node<'_>) -> String {
    let node = node.accesskit_node();
    let text = match node.role() {
        Role::Label => node.value(),
        _ => node.label(),
    };
    text.unwrap_or_default()
}

fn is_enabled(harness: &Harness<'static, App>, label: &str) -> bool {
    !harness
        .get_by_role_and_label(Role::Button, label)
        .accesskit_node()
        .is_disabled()
}

#[test]
fn the_preview_lists_every_rule_of_the_policy_with_its_count() {
    let mut harness = app_with_samples(Settings::default(), None);
    file_menu(&mut harness, "Preview redaction…");

    harness.get_by_label("Redaction preview");
    harness.get_by_label_contains("2 captures and 0 requests hookscope sent");
    harness.get_by_label_contains("the default policy, ");
    for rule in &Policy::default().rules {
        let rule = rule.to_string();
        harness.get_by_label(&rule);
        let counted = format!("{rule}: ");
        assert_eq!(
            harness
                .query_all_by_label_contains(&counted)
                .filter(|n| text_of(n).ends_with(" replaced"))
                .count(),
            1,
            "the preview counts what {rule} replaced"
        );
    }
    harness.get_by_label_contains("What stays: the structure of every event");
    // From the menu, either kind of export can follow.
    harness.get_by_role_and_label(Role::Button, "Export session…");
    harness.get_by_role_and_label(Role::Button, "Export HAR…");
    button(&mut harness, "Close");
    assert!(harness.query_by_label("Redaction preview").is_none());
}

/// Fails until the redaction core lands: the skeleton replaces nothing.
#[test]
fn the_preview_shows_the_candidates_name_becoming_a_pseudonym() {
    let mut harness = app_with_samples(Settings::default(), None);
    file_menu(&mut harness, "Preview redaction…");

    harness.get_by_label("/data/first_name: 1 replaced");
    harness.get_by_label("/data/last_name: 1 replaced");
    harness.get_by_label("/data/email: 1 replaced");
    let example = harness.get_by_label_contains("Candidate Firstname -> ");
    let label = text_of(&example);
    let after = label
        .split(" -> ")
        .nth(1)
        .expect("an after value")
        .to_owned();
    assert!(
        !after.is_empty() && after != "Candidate Firstname",
        "{label}"
    );
    assert!(
        harness
            .query_all_by_label_contains(" values will be replaced.")
            .next()
            .is_some()
    );
}

#[test]
fn a_bad_policy_line_is_named_and_save_waits_for_the_fix() {
    let mut harness = app_with_samples(Settings::default(), None);
    file_menu(&mut harness, "Redaction policy…");
    harness.get_by_label("Redaction policy");
    let rules = Policy::default().rules.len();
    harness.get_by_label(&format!("{rules} rules · the default policy"));
    assert!(
        !is_enabled(&harness, "Reset to default"),
        "the default is already there"
    );

    retype(
        &mut harness,
        "Policy rules",
        "# mine\n/data/email\ncookie\nquery *token*\n",
    );
    harness.run();
    harness.get_by_label_contains("Line 3: \"cookie\" is not a rule");
    assert!(!is_enabled(&harness, "Save"), "a bad policy is not saved");

    retype(
        &mut harness,
        "Policy rules",
        "# mine\n/data/email\nheader cookie\nquery *token*\n",
    );
    harness.run();
    assert!(harness.query_by_label_contains("Line 3").is_none());
    harness.get_by_label("3 rules");
    assert!(is_enabled(&harness, "Save"));
    button(&mut harness, "Save");
    harness.get_by_label_contains("Redaction policy saved: 3 rules");
    assert!(harness.query_by_label("Redaction policy").is_none());

    // Opened again, it holds the saved text; Reset puts the default back
    // in the editor, and Cancel keeps the saved policy.
    file_menu(&mut harness, "Redaction policy…");
    let text = harness
        .get_by_role_and_label(Role::MultilineTextInput, "Policy rules")
        .value();
    assert_eq!(
        text.as_deref(),
        Some("# mine\n/data/email\nheader cookie\nquery *token*\n")
    );
    button(&mut harness, "Reset to default");
    harness.get_by_label(&format!("{rules} rules · the default policy"));
    button(&mut harness, "Cancel");
    file_menu(&mut harness, "Export session…");
    harness.get_by_label_contains("Uses your policy, 3 rules.");
}

#[test]
fn a_redacted_export_writes_what_the_preview_showed_and_says_so() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("redacted.json");
    let mut harness = app_with_samples(Settings::default(), Some(path.clone()));
    let originals: Vec<_> = harness.state().session().captures().cloned().collect();

    file_menu(&mut harness, "Export session…");
    harness.get_by_label("Export session");
    assert!(!redact_box(&harness), "off before any preview");
    harness.get_by_label("Redact personal data").click();
    harness.run();
    assert!(redact_box(&harness));
    button(&mut harness, "Preview and export…");
    harness.get_by_label("Redaction preview");
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Export HAR…")
            .is_none(),
        "the preview leads to the export chosen"
    );
    button(&mut harness, "Export session…");

    let notice = harness.state().notice().expect("a confirmation");
    assert!(!notice.is_error, "{}", notice.text);
    assert!(
        notice.text.starts_with("Exported 2 captures, redacted (")
            && notice.text.contains(" replaced), to "),
        "{}",
        notice.text
    );
    harness.get_by_label_contains("Exported 2 captures, redacted (");
    assert!(harness.query_by_label("Redaction preview").is_none());
    let bytes = std::fs::read(&path).expect("the export was written");
    let read = file::read(&bytes, &Routes::default())
        .expect("a session file")
        .captures;
    assert_eq!(read.len(), 2);
    for (got, original) in read.iter().zip(&originals) {
        assert_eq!(got.id, original.id);
        assert_eq!(got.received_at, original.received_at);
        assert_eq!(got.head.url(), original.head.url());
    }
}

/// Fails until the redaction core lands: the skeleton writes the bodies as
/// they came.
#[test]
fn a_redacted_export_holds_no_name_and_the_previewed_pseudonyms() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("redacted.json");
    let mut harness = app_with_samples(Settings::default(), Some(path.clone()));
    file_menu(&mut harness, "Preview redaction…");
    let example = harness
        .query_by_label_contains("Candidate Firstname -> ")
        .map(|node| text_of(&node));
    button(&mut harness, "Export session…");
    harness.get_by_label_contains("Exported 2 captures, redacted (");
    let bytes = std::fs::read(&path).expect("the export was written");
    let text = String::from_utf8_lossy(&bytes);
    for value in PERSONAL {
        assert!(!text.contains(value), "{value:?} is in the redacted file");
    }
    // The file was written from the preview's result, not redacted again
    // with another key.
    let example = example.expect("the preview shows the first name's pseudonym");
    let pseudonym = example.split(" -> ").nth(1).expect("an after value");
    assert!(
        text.contains(pseudonym),
        "the previewed pseudonym {pseudonym:?} is in the file"
    );
}

#[test]
fn redacting_is_off_until_a_preview_is_seen_then_on_and_har_exports_redact_too() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("redacted.har");
    let mut harness = app_with_samples(Settings::default(), Some(path.clone()));

    file_menu(&mut harness, "Export HAR…");
    harness.get_by_label("Export HAR");
    assert!(!redact_box(&harness));
    harness.get_by_role_and_label(Role::Button, "Export…");
    button(&mut harness, "Cancel");
    assert!(!path.exists(), "nothing is written on cancel");

    file_menu(&mut harness, "Preview redaction…");
    harness.get_by_label("Redaction preview");
    button(&mut harness, "Close");

    file_menu(&mut harness, "Export HAR…");
    assert!(redact_box(&harness), "on once a preview was seen");
    button(&mut harness, "Preview and export…");
    button(&mut harness, "Export HAR…");
    harness.get_by_label_contains("Exported 2 captures, redacted (");
    let bytes = std::fs::read(&path).expect("the HAR was written");
    let read = har::read(&bytes, &Routes::default(), "redacted.har")
        .expect("a HAR file")
        .captures;
    assert_eq!(read.len(), 2);

    // Unticked by the user, it stays off.
    file_menu(&mut harness, "Export HAR…");
    harness.get_by_label("Redact personal data").click();
    harness.run();
    assert!(!redact_box(&harness));
    button(&mut harness, "Cancel");
    file_menu(&mut harness, "Export session…");
    assert!(!redact_box(&harness));
}

#[test]
fn the_policy_and_the_choice_survive_a_settings_save_and_load() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut harness = app_with_samples(Settings::default(), None);
    file_menu(&mut harness, "Redaction policy…");
    retype(
        &mut harness,
        "Policy rules",
        "/data/email\nheader x-secret\n",
    );
    harness.get_by_label("Map ids too").click();
    harness.run();
    button(&mut harness, "Save");
    file_menu(&mut harness, "Preview redaction…");
    harness.get_by_label("Ids");
    button(&mut harness, "Close");

    let settings = saved_and_loaded(harness.state_mut(), dir.path());
    let mut again = app_with_samples(settings, None);
    file_menu(&mut again, "Export session…");
    assert!(
        redact_box(&again),
        "the preview was seen before the restart"
    );
    again.get_by_label_contains("Uses your policy, 2 rules.");
    button(&mut again, "Edit policy…");
    assert_eq!(
        again
            .get_by_role_and_label(Role::MultilineTextInput, "Policy rules")
            .value()
            .as_deref(),
        Some("/data/email\nheader x-secret\n")
    );
    assert_eq!(
        again.get_by_label("Map ids too").accesskit_node().toggled(),
        Some(Toggled::True)
    );
    // Cancel goes back to the export choice it came from.
    button(&mut again, "Cancel");
    again.get_by_label("Export session");
    again.get_by_label("Redact personal data").click();
    again.run();
    button(&mut again, "Cancel");

    let settings = saved_and_loaded(again.state_mut(), dir.path());
    let mut third = app_with_samples(settings, None);
    file_menu(&mut third, "Export session…");
    assert!(!redact_box(&third), "the user's choice is kept");

    // Back to the default: saved as "the default", whatever comes later.
    button(&mut third, "Edit policy…");
    button(&mut third, "Reset to default");
    button(&mut third, "Save");
    third.get_by_label_contains("Uses the default policy, ");
    let settings = saved_and_loaded(third.state_mut(), dir.path());
    assert_eq!(settings.redaction.policy, "");
    assert_eq!(settings.redaction.policy_text(), DEFAULT_TEXT);
}

#[test]
fn a_bug_report_from_the_file_menu_is_a_redacted_zip() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("report.zip");
    let mut harness = app_with_samples(Settings::default(), Some(path.clone()));
    file_menu(&mut harness, "Export bug report…");
    harness.get_by_label_contains("Wrote a bug report of 2 captures, redacted (");
    let file = std::fs::File::open(&path).expect("the report was written");
    let mut zip = zip::ZipArchive::new(file).expect("a zip");
    let mut names: Vec<String> = zip
        .file_names()
        .map(|name| name.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
        .expect("entry names");
    names.sort();
    assert_eq!(names, ["report.md", "session.har", "session.json"]);
    for name in names {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(&name).expect("an entry"), &mut text)
            .expect("text");
        for value in PERSONAL {
            assert!(!text.contains(value), "{value:?} is in {name}");
        }
        if name == "report.md" {
            assert!(
                text.contains("job_title"),
                "the job's body is in the report"
            );
        }
    }
}

#[test]
fn copy_as_markdown_puts_the_redacted_section_on_the_clipboard() {
    let mut harness = app_with_samples(Settings::default(), None);
    harness
        .get_all_by_label_contains("Candidate Firstname")
        .next()
        .expect("the candidate's row")
        .click();
    harness.run();
    assert!(harness.state().selection().is_some());
    harness
        .get_by_role_and_label(Role::Button, "Copy as Markdown")
        .click();
    // The copy is in the output of the frame that handles the click.
    harness.step();
    let copied: Vec<&String> = harness
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|command| match command {
            egui::OutputCommand::CopyText(text) => Some(text),
            _ => None,
        })
        .collect();
    let text = copied.first().expect("something was copied");
    assert!(
        text.contains("```json"),
        "the body is in a fenced block: {text}"
    );
    assert!(text.contains("\"email\""), "{text}");
    for value in PERSONAL {
        assert!(!text.contains(value), "{value:?} is in the copied Markdown");
    }
    harness.run();
    harness.get_by_label_contains("as Markdown, redacted (");
}
