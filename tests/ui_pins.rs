//! Pins, notes and the user's own columns in the window, under
//! egui_kittest with the real app: pinning by keyboard and toolbar, the
//! note editor, "pinned only", notes through export and open, the bug
//! report, and a column added, sorted and kept by the settings.

mod common;

use common::{
    CANDIDATE_CREATION, Dialogs, JOB_CREATION, app_from, capture, edited, retype, saved_and_loaded,
    settle,
};
use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use hookscope::session::filter::Filter;
use hookscope::ui::settings::SavedColumn;
use hookscope::ui::{App, Settings};

const NOTE: &str = "ATS sent this twice — ask Maxime";

/// A job creation whose city is `city`.
fn job_in(city: &str, title: &str) -> String {
    edited(JOB_CREATION, |v| {
        v[0]["data"]["job_city"] = city.into();
        v[0]["data"]["job_title"] = title.into();
    })
}

/// The app with three jobs in three cities and the candidate sample.
fn app_with_jobs(settings: Settings, dialogs: Dialogs) -> Harness<'static, App> {
    let mut harness = app_from(settings, dialogs).build();
    let bodies = [
        job_in("Paris", "Job in Paris"),
        job_in("Annecy", "Job in Annecy"),
        job_in("Lyon", "Job in Lyon"),
    ];
    for (i, body) in bodies.iter().enumerate() {
        harness
            .state_mut()
            .feed(capture(i as u64 + 1, "/job", body, i as i64));
    }
    harness
        .state_mut()
        .feed(capture(4, "/candidate", CANDIDATE_CREATION, 3));
    harness.run();
    harness
}

/// The table's node with this label: the leftmost (the detail pane on
/// the right may show the same title).
fn in_table<'a>(harness: &'a Harness<'static, App>, label: &'a str) -> egui_kittest::Node<'a> {
    harness
        .get_all_by_label(label)
        .min_by(|a, b| a.rect().min.x.total_cmp(&b.rect().min.x))
        .unwrap_or_else(|| panic!("no {label:?} in the table"))
}

fn select(harness: &mut Harness<'static, App>, label: &str) -> u64 {
    in_table(harness, label).click();
    harness.run();
    harness.state().selection().expect("a selection").capture
}

fn ctrl(harness: &mut Harness<'static, App>, shift: bool, key: Key) {
    let modifiers = if shift {
        Modifiers::COMMAND.plus(Modifiers::SHIFT)
    } else {
        Modifiers::COMMAND
    };
    harness.key_press_modifiers(modifiers, key);
    harness.run();
}

fn pinned(harness: &Harness<'static, App>, capture: u64) -> bool {
    harness.state().session().marks().is_pinned(capture)
}

/// Writes `text` in the note editor opened with Ctrl+Shift+D and saves it
/// with Ctrl+Enter.
fn write_note(harness: &mut Harness<'static, App>, text: &str) {
    ctrl(harness, true, Key::D);
    harness.get_by_label_contains("Note on request #");
    retype(harness, "Note", text);
    ctrl(harness, false, Key::Enter);
    assert!(
        harness
            .query_by_label_contains("Note on request #")
            .is_none(),
        "Ctrl+Enter saves and closes the editor"
    );
}

#[test]
fn ctrl_d_and_the_toolbar_pin_and_pinned_only_shows_just_those() {
    let mut harness = app_with_jobs(Settings::default(), Dialogs::default());
    let paris = select(&mut harness, "Job in Paris");
    ctrl(&mut harness, false, Key::D);
    assert!(pinned(&harness, paris), "Ctrl+D pins the selected request");

    let lyon = select(&mut harness, "Job in Lyon");
    harness.get_by_label("Pin").click();
    harness.run();
    assert!(pinned(&harness, lyon), "the toolbar pins it too");
    harness.get_by_label("Unpin");

    harness.get_by_label("pinned only").click();
    harness.run();
    harness.get_by_label("2 of 4");
    assert!(harness.query_by_label("Job in Annecy").is_none());
    in_table(&harness, "Job in Paris");

    // Unpinned, it leaves the filtered table.
    select(&mut harness, "Job in Lyon");
    ctrl(&mut harness, false, Key::D);
    assert!(!pinned(&harness, lyon));
    harness.get_by_label("1 of 4");
    assert!(harness.query_by_label("Job in Lyon").is_none());
}

#[test]
fn a_note_is_written_by_keyboard_and_esc_cancels_a_draft() {
    let mut harness = app_with_jobs(Settings::default(), Dialogs::default());
    let paris = select(&mut harness, "Job in Paris");
    write_note(&mut harness, NOTE);
    assert_eq!(harness.state().session().marks().note(paris), NOTE);
    // In the note column and under the toolbar.
    assert!(harness.get_all_by_label_contains(NOTE).count() >= 1);

    ctrl(&mut harness, true, Key::D);
    retype(&mut harness, "Note", "a draft");
    harness.key_press(Key::Escape);
    harness.run();
    assert!(
        harness
            .query_by_label_contains("Note on request #")
            .is_none()
    );
    assert_eq!(harness.state().session().marks().note(paris), NOTE);
}

#[test]
fn a_pinned_note_survives_export_and_opening_in_a_fresh_window() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("pins.json");
    let mut first = app_with_jobs(Settings::default(), Dialogs::saving_to(path.clone()));
    let paris = select(&mut first, "Job in Paris");
    ctrl(&mut first, false, Key::D);
    write_note(&mut first, NOTE);
    assert!(pinned(&first, paris));

    first.get_by_label("File").click();
    first.run();
    first.get_by_label_contains("Export session…").click();
    settle(&mut first);
    // The export choice: as it is, not redacted.
    if first.query_by_label("Redact personal data").is_some() {
        let boxed = first.get_by_label("Redact personal data");
        if boxed.accesskit_node().toggled() == Some(egui::accesskit::Toggled::True) {
            boxed.click();
            first.run();
        }
        first.get_by_role_and_label(Role::Button, "Export…").click();
        settle(&mut first);
    }
    first.get_by_label_contains("Exported 4 captures");
    let text = std::fs::read_to_string(&path).expect("the session was written");
    assert!(text.contains("\"version\":3"), "{}", &text[..200]);

    // A fresh window with a capture of its own: the file's are appended
    // after it, numbered anew, and the marks follow them.
    let mut second = app_from(Settings::default(), Dialogs::picking(vec![path])).build();
    second
        .state_mut()
        .feed(capture(1, "/candidate", CANDIDATE_CREATION, 0));
    second.run();
    second.get_by_label("File").click();
    second.run();
    second.get_by_label_contains("Open…").click();
    settle(&mut second);
    if second
        .query_by_label_contains("Add to this session")
        .is_some()
    {
        second.get_by_label_contains("Add to this session").click();
        settle(&mut second);
    }
    let session = second.state().session();
    assert_eq!(session.capture_count(), 5);
    let pins: Vec<u64> = session.marks().pinned().collect();
    assert_eq!(pins.len(), 1, "one pin came along");
    let paris_again = session
        .captures()
        .find(|c| String::from_utf8_lossy(&c.body).contains("Job in Paris"))
        .expect("the Paris job")
        .id;
    assert_eq!(pins, [paris_again]);
    assert_eq!(session.marks().note(paris_again), NOTE);
    second.get_by_label("Job in Paris").click();
    second.run();
    assert!(second.get_all_by_label_contains(NOTE).count() >= 1);
}

#[test]
fn the_bug_report_names_the_pin_and_keeps_the_note() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("report.zip");
    let mut harness = app_with_jobs(Settings::default(), Dialogs::saving_to(path.clone()));
    select(&mut harness, "Job in Paris");
    ctrl(&mut harness, false, Key::D);
    write_note(&mut harness, NOTE);
    harness
        .get_by_role_and_label(Role::Button, "Bug report…")
        .click();
    settle(&mut harness);
    harness.get_by_label_contains("Wrote a bug report of 1 capture,");
    let file = std::fs::File::open(&path).expect("the report was written");
    let mut zip = zip::ZipArchive::new(file).expect("a zip");
    let mut read = |name: &str| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).expect("an entry"), &mut text)
            .expect("text");
        text
    };
    let md = read("report.md");
    assert!(md.contains("· Pinned"), "{md}");
    assert!(md.contains("> ATS sent this twice — ask Maxime"), "{md}");
    let json = read("session.json");
    assert!(json.contains("\"pinned\":true"), "{json}");
    assert!(json.contains(NOTE), "{json}");
}

#[test]
fn a_column_added_by_keyboard_shows_sorts_and_persists() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut harness = app_with_jobs(Settings::default(), Dialogs::default());
    select(&mut harness, "Job in Annecy");
    ctrl(&mut harness, true, Key::K);
    harness.get_by_label("Columns");
    // The name field has the keyboard: type, Tab to the pointer, Enter.
    harness
        .get_by_role_and_label(Role::TextInput, "Name")
        .type_text("City");
    harness.run();
    harness.key_press(Key::Tab);
    harness.run();
    harness
        .get_by_role_and_label(Role::TextInput, "Pointer")
        .type_text("/job_city");
    harness.run();
    // The selected event's value, before adding.
    harness.get_by_label("Selected event: Annecy");
    harness.key_press(Key::Enter);
    harness.run();
    assert!(harness.query_by_label("Columns").is_none());
    assert_eq!(
        harness.state().settings().columns,
        [SavedColumn {
            name: "City".to_owned(),
            pointer: "/job_city".to_owned()
        }]
    );
    for city in ["Paris", "Lyon"] {
        harness.get_by_label(city);
    }
    in_table(&harness, "Annecy");

    // Sorted by city, then reversed: the titles follow.
    let titles_in_order = |harness: &Harness<'static, App>| -> Vec<String> {
        let mut found: Vec<(f32, String)> = ["Job in Paris", "Job in Annecy", "Job in Lyon"]
            .iter()
            .map(|t| {
                let node = in_table(harness, t);
                (node.rect().min.y, (*t).to_owned())
            })
            .collect();
        found.sort_by(|a, b| a.0.total_cmp(&b.0));
        found.into_iter().map(|(_, t)| t).collect()
    };
    assert_eq!(
        titles_in_order(&harness),
        ["Job in Paris", "Job in Annecy", "Job in Lyon"]
    );
    harness.get_by_role_and_label(Role::Button, "City").click();
    harness.run();
    assert_eq!(
        titles_in_order(&harness),
        ["Job in Annecy", "Job in Lyon", "Job in Paris"]
    );
    harness.get_by_label_contains("City (A-Z)").click();
    harness.run();
    assert_eq!(
        titles_in_order(&harness),
        ["Job in Paris", "Job in Lyon", "Job in Annecy"]
    );

    let settings = saved_and_loaded(harness.state_mut(), dir.path());
    assert_eq!(settings.columns.len(), 1);
    assert_eq!(settings.columns[0].pointer, "/job_city");
    let mut restarted = app_from(settings, Dialogs::default()).build();
    restarted
        .state_mut()
        .feed(capture(1, "/job", job_in("Grenoble", "Job in Grenoble"), 0));
    restarted.run();
    restarted.get_by_role_and_label(Role::Button, "City");
    restarted.get_by_label("Grenoble");
}

#[test]
fn a_pointer_without_a_slash_is_refused() {
    let mut harness = app_with_jobs(Settings::default(), Dialogs::default());
    ctrl(&mut harness, true, Key::K);
    retype(&mut harness, "Name", "City");
    retype(&mut harness, "Pointer", "job_city");
    harness.get_by_label_contains("a JSON pointer starts with /");
    harness.key_press(Key::Enter);
    harness.run();
    assert!(harness.state().settings().columns.is_empty());
    harness.get_by_label("Columns");
}

#[test]
fn pinned_only_is_part_of_the_filter_and_shows_all_clears_it() {
    let mut harness = app_with_jobs(Settings::default(), Dialogs::default());
    harness.state_mut().set_filter(Filter {
        pinned_only: true,
        ..Filter::default()
    });
    harness.run();
    harness.get_by_label("0 of 4");
    harness.get_by_label("Show all").click();
    harness.run();
    harness.get_by_label("4 events");
}
