//! Search and filters over a session: what `Filter` shows and how
//! `FilteredRows` follows the session as rows arrive.

use std::sync::mpsc;
use std::time::Duration;

use hookscope::capture::{Capture, Received, RequestHead, Route, Routes, Status};
use hookscope::session::Session;
use hookscope::session::filter::{
    EntityClass, EventClass, Filter, FilteredRows, KindSet, PathSet, StatusSet, Toggle, TypeSet,
};
use hookscope::waker::Waker;

const JOB_CREATION: &str = include_str!("../assets/samples/job_creation.json");
const JOB_UPDATE: &str = include_str!("../assets/samples/job_update.json");
const JOB_DELETE: &str = include_str!("../assets/samples/job_delete.json");
const CANDIDATE_CREATION: &str = include_str!("../assets/samples/candidate_creation.json");
const CANDIDATE_UPDATE: &str = include_str!("../assets/samples/candidate_update.json");
const CANDIDATE_DELETE: &str = include_str!("../assets/samples/candidate_delete.json");

/// A candidate with a real email address, an accented first name and no
/// "Maxime" attachment.
const ELODIE: &str = r#"{"event":"creation","type":"candidate","data":{"id":777,"id_company":"11111","first_name":"Élodie","last_name":"Martin","email":"elodie.martin@example.com","action":[]}}"#;
/// Two events in one body: only the element that holds a hit should show.
const BATCH: &str = r#"[
 {"event":"creation","type":"job","data":{"job_id":9001,"job_reference":"ALPHA-7","job_title":"Batch alpha"}},
 {"event":"creation","type":"job","data":{"job_id":9002,"job_reference":"BETA-7","job_title":"Batch beta"}}
]"#;
const UNKNOWN_EVENT: &str =
    r#"{"event":"archive","type":"job","data":{"job_id":5150,"job_title":"Archived"}}"#;

/// Session rows, in the order `session()` pushes them.
mod row {
    pub const JOB_CREATION: usize = 0;
    pub const JOB_UPDATE: usize = 1;
    pub const JOB_DELETE: usize = 2;
    pub const CANDIDATE_CREATION: usize = 3;
    pub const CANDIDATE_UPDATE: usize = 4;
    pub const CANDIDATE_DELETE: usize = 5;
    pub const ELODIE: usize = 6;
    /// job_update.json posted to the candidate path.
    pub const JOB_ON_CANDIDATE_PATH: usize = 7;
    /// A body that is not JSON: one error row with no event.
    pub const BROKEN: usize = 8;
    pub const BATCH_ALPHA: usize = 9;
    pub const BATCH_BETA: usize = 10;
    pub const UNKNOWN_EVENT: usize = 11;
    /// Not UTF-8 at all.
    pub const BINARY: usize = 12;
    /// A job creation posted to a path that is neither.
    pub const OTHER_PATH: usize = 13;
    pub const COUNT: usize = 14;
}

fn capture(id: u64, url: &str, body: &[u8]) -> Capture {
    let routes = Routes::default();
    let head = RequestHead::new(
        "POST",
        url,
        "127.0.0.1:50000",
        [("Content-Type", "application/json")],
    );
    Received::loaded(
        id,
        hookscope::capture::received_now(),
        head,
        body.to_vec(),
        None,
        &routes,
    )
    .summarise(&routes)
}

fn binary_body() -> Vec<u8> {
    let mut body = b"\xff\xfe binaryNEEDLE \x00\x80".to_vec();
    body.extend(std::iter::repeat_n(0xAAu8, 200));
    body
}

fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("/job", JOB_CREATION.into()),
        ("/job", JOB_UPDATE.into()),
        ("/job", JOB_DELETE.into()),
        ("/candidate", CANDIDATE_CREATION.into()),
        ("/candidate", CANDIDATE_UPDATE.into()),
        ("/candidate", CANDIDATE_DELETE.into()),
        ("/candidate", ELODIE.into()),
        ("/candidate", JOB_UPDATE.into()),
        ("/job", b"{not json".to_vec()),
        ("/job", BATCH.into()),
        ("/job", UNKNOWN_EVENT.into()),
        ("/job", binary_body()),
        ("/elsewhere", JOB_CREATION.into()),
    ]
}

fn session() -> Session {
    let mut session = Session::new();
    for (i, (url, body)) in inputs().into_iter().enumerate() {
        session.push(capture(i as u64 + 1, url, &body));
    }
    assert_eq!(session.row_count(), row::COUNT);
    session
}

/// The session rows the filter shows, checked against `Filter::matches`.
fn shown(session: &Session, filter: Filter) -> Vec<usize> {
    let mut rows = FilteredRows::new(filter.clone());
    rows.update(session);
    let shown: Vec<usize> = rows.iter().collect();
    let one_by_one: Vec<usize> = (0..session.row_count())
        .filter(|&i| filter.matches(session.row(i).unwrap()))
        .collect();
    assert_eq!(shown, one_by_one, "FilteredRows and Filter::matches agree");
    assert_eq!(rows.len(), shown.len());
    shown
}

fn search(session: &Session, text: &str) -> Vec<usize> {
    shown(session, Filter::search(text))
}

#[test]
fn an_empty_filter_shows_everything() {
    let session = session();
    let filter = Filter::default();
    assert!(filter.is_empty());
    assert!(Filter::search("   ").is_empty());
    assert!(!Filter::search("x").is_empty());
    assert_eq!(shown(&session, filter), (0..row::COUNT).collect::<Vec<_>>());
}

#[test]
fn search_by_entity_id() {
    let session = session();
    assert_eq!(
        search(&session, "126751"),
        [
            row::JOB_CREATION,
            row::JOB_UPDATE,
            row::JOB_DELETE,
            row::JOB_ON_CANDIDATE_PATH,
            row::OTHER_PATH
        ]
    );
    assert_eq!(search(&session, "12121"), [row::CANDIDATE_DELETE]);
    // Part of an id is enough.
    assert_eq!(search(&session, "5150"), [row::UNKNOWN_EVENT]);
}

#[test]
fn search_by_name_or_title_ignores_case() {
    let session = session();
    let candidates = [row::CANDIDATE_CREATION, row::CANDIDATE_UPDATE];
    assert_eq!(search(&session, "firstname"), candidates);
    assert_eq!(search(&session, "CANDIDATE FIRSTNAME"), candidates);
    assert_eq!(search(&session, "  Candidate Firstname "), candidates);
    assert_eq!(search(&session, "batch ALPHA"), [row::BATCH_ALPHA]);
}

#[test]
fn search_by_job_reference_and_email_reads_the_body() {
    let session = session();
    // "REF" also matches the key "job_reference" in any case: every job body with one.
    assert_eq!(
        search(&session, "REF"),
        [
            row::JOB_CREATION,
            row::JOB_UPDATE,
            row::JOB_ON_CANDIDATE_PATH,
            row::BATCH_ALPHA,
            row::BATCH_BETA,
            row::OTHER_PATH
        ]
    );
    assert_eq!(search(&session, "\"REF\""), search(&session, "\"ref\""));
    assert_eq!(search(&session, "beta-7"), [row::BATCH_BETA]);
    assert_eq!(search(&session, "elodie.martin@example.com"), [row::ELODIE]);
    assert_eq!(search(&session, "ELODIE.MARTIN@"), [row::ELODIE]);
}

#[test]
fn search_for_a_word_only_in_the_body() {
    let session = session();
    assert_eq!(
        search(&session, "Maxime"),
        [row::CANDIDATE_CREATION, row::CANDIDATE_UPDATE]
    );
    assert_eq!(search(&session, "mAxImE"), search(&session, "Maxime"));
    assert_eq!(search(&session, "Vanessa DURANT"), Vec::<usize>::new());
    assert_eq!(
        search(&session, "no such text anywhere"),
        Vec::<usize>::new()
    );
}

#[test]
fn a_hit_in_one_event_of_a_batch_shows_that_event_only() {
    let session = session();
    assert_eq!(search(&session, "9002"), [row::BATCH_BETA]);
    assert_eq!(search(&session, "alpha-7"), [row::BATCH_ALPHA]);
    assert_eq!(
        search(&session, "-7\""),
        [row::BATCH_ALPHA, row::BATCH_BETA]
    );
}

/// Folding choice: byte-wise, ASCII letters plus the Latin-1 letters
/// (é/É, à/À, ç/Ç…) and œ/Œ. So "spontanÉe" finds "Spontanée" too; other
/// scripts and unpaired letters match exactly.
#[test]
fn non_ascii_text_folds_latin_letters() {
    let session = session();
    let titled = [
        row::JOB_CREATION,
        row::JOB_UPDATE,
        row::JOB_ON_CANDIDATE_PATH,
        row::OTHER_PATH,
    ];
    assert_eq!(search(&session, "Spontanée"), titled);
    assert_eq!(search(&session, "spontanée"), titled);
    assert_eq!(search(&session, "SPONTANÉE"), titled);
    assert_eq!(search(&session, "spontanÉe"), titled);
    // An accent is not dropped: "e" and "é" differ.
    assert_eq!(search(&session, "spontanee"), Vec::<usize>::new());
    assert_eq!(search(&session, "élodie"), [row::ELODIE]);
    assert_eq!(search(&session, "ÉLODIE MARTIN"), [row::ELODIE]);
}

#[test]
fn bodies_that_are_not_utf8_are_searched_as_bytes() {
    let session = session();
    assert_eq!(search(&session, "binaryneedle"), [row::BINARY]);
    assert_eq!(search(&session, "not json"), [row::BROKEN]);
}

#[test]
fn toggles_for_event_kind() {
    let session = session();
    let only = |class| Filter {
        events: KindSet::only(class),
        ..Filter::default()
    };
    assert_eq!(
        shown(&session, only(EventClass::Delete)),
        [row::JOB_DELETE, row::CANDIDATE_DELETE]
    );
    assert_eq!(
        shown(&session, only(EventClass::Update)),
        [
            row::JOB_UPDATE,
            row::CANDIDATE_UPDATE,
            row::JOB_ON_CANDIDATE_PATH
        ]
    );
    // Unknown events and rows with no event at all.
    assert_eq!(
        shown(&session, only(EventClass::Other)),
        [row::BROKEN, row::UNKNOWN_EVENT, row::BINARY]
    );
    let mut events = KindSet::all();
    events.remove(EventClass::Creation);
    events.remove(EventClass::Update);
    events.remove(EventClass::Other);
    assert_eq!(events, KindSet::only(EventClass::Delete));
    assert_eq!(
        shown(&session, Filter::default()).len() - 2,
        shown(
            &session,
            Filter {
                events: {
                    let mut e = KindSet::all();
                    e.toggle(EventClass::Delete);
                    e
                },
                ..Filter::default()
            }
        )
        .len()
    );
    assert!(
        shown(
            &session,
            Filter {
                events: KindSet::none(),
                ..Filter::default()
            }
        )
        .is_empty()
    );
}

#[test]
fn toggles_for_entity_type() {
    let session = session();
    let only = |class| Filter {
        entities: TypeSet::only(class),
        ..Filter::default()
    };
    assert_eq!(
        shown(&session, only(EntityClass::Candidate)),
        [
            row::CANDIDATE_CREATION,
            row::CANDIDATE_UPDATE,
            row::CANDIDATE_DELETE,
            row::ELODIE
        ]
    );
    assert_eq!(
        shown(&session, only(EntityClass::Job)),
        [
            row::JOB_CREATION,
            row::JOB_UPDATE,
            row::JOB_DELETE,
            row::JOB_ON_CANDIDATE_PATH,
            row::BATCH_ALPHA,
            row::BATCH_BETA,
            row::UNKNOWN_EVENT,
            row::OTHER_PATH
        ]
    );
    assert_eq!(
        shown(&session, only(EntityClass::Other)),
        [row::BROKEN, row::BINARY]
    );
}

#[test]
fn toggles_for_path() {
    let session = session();
    let only = |route| Filter {
        paths: PathSet::only(route),
        ..Filter::default()
    };
    // A job event posted to the candidate path shows under the candidate path.
    assert_eq!(
        shown(&session, only(Route::Candidate)),
        [
            row::CANDIDATE_CREATION,
            row::CANDIDATE_UPDATE,
            row::CANDIDATE_DELETE,
            row::ELODIE,
            row::JOB_ON_CANDIDATE_PATH
        ]
    );
    assert!(!shown(&session, only(Route::Job)).contains(&row::JOB_ON_CANDIDATE_PATH));
    assert_eq!(shown(&session, only(Route::Other)), [row::OTHER_PATH]);
}

#[test]
fn toggles_for_status() {
    let session = session();
    let only = |status| Filter {
        statuses: StatusSet::only(status),
        ..Filter::default()
    };
    let errors = shown(&session, only(Status::Error));
    assert!(errors.contains(&row::BROKEN), "{errors:?}");
    assert!(errors.contains(&row::BINARY), "{errors:?}");
    for &r in &errors {
        assert_eq!(session.row(r).unwrap().summary.status(), Status::Error);
    }
    let warnings = shown(&session, only(Status::Warning));
    assert!(
        warnings.contains(&row::JOB_ON_CANDIDATE_PATH),
        "{warnings:?}"
    );
    assert!(warnings.contains(&row::OTHER_PATH), "{warnings:?}");
    let ok = shown(&session, only(Status::Ok));
    for sample in [
        row::JOB_CREATION,
        row::CANDIDATE_UPDATE,
        row::CANDIDATE_DELETE,
    ] {
        assert!(ok.contains(&sample), "{ok:?}");
    }
    assert_eq!(errors.len() + warnings.len() + ok.len(), row::COUNT);
}

#[test]
fn filters_combine_and_across_groups_or_within_a_group() {
    let session = session();
    // Text AND path.
    let filter = Filter {
        text: "126751".to_owned(),
        paths: PathSet::only(Route::Candidate),
        ..Filter::default()
    };
    assert_eq!(shown(&session, filter), [row::JOB_ON_CANDIDATE_PATH]);
    // creation OR delete, AND candidate.
    let filter = Filter {
        events: [EventClass::Creation, EventClass::Delete]
            .into_iter()
            .collect(),
        entities: TypeSet::only(EntityClass::Candidate),
        ..Filter::default()
    };
    assert_eq!(
        shown(&session, filter),
        [row::CANDIDATE_CREATION, row::CANDIDATE_DELETE, row::ELODIE]
    );
    // Every group at once.
    let filter = Filter {
        text: "spontan".to_owned(),
        events: KindSet::only(EventClass::Update),
        entities: TypeSet::only(EntityClass::Job),
        paths: [Route::Job, Route::Candidate].into_iter().collect(),
        statuses: [Status::Ok, Status::Warning].into_iter().collect(),
        pinned_only: false,
    };
    assert_eq!(
        shown(&session, filter),
        [row::JOB_UPDATE, row::JOB_ON_CANDIDATE_PATH]
    );
}

#[test]
fn update_adds_only_the_new_rows_that_match() {
    let mut session = Session::new();
    let mut rows = FilteredRows::new(Filter::search("firstname"));
    rows.update(&session);
    assert!(rows.is_empty());

    session.push(capture(1, "/job", JOB_CREATION.as_bytes()));
    session.push(capture(2, "/candidate", CANDIDATE_CREATION.as_bytes()));
    rows.update(&session);
    assert_eq!(rows.iter().collect::<Vec<_>>(), [1]);
    assert_eq!(rows.seen(), 2);

    session.push(capture(3, "/job", JOB_UPDATE.as_bytes()));
    rows.update(&session);
    assert_eq!(rows.iter().collect::<Vec<_>>(), [1]);

    session.push(capture(4, "/candidate", CANDIDATE_UPDATE.as_bytes()));
    rows.update(&session);
    assert_eq!(rows.iter().collect::<Vec<_>>(), [1, 3]);
    assert_eq!((rows.len(), rows.seen()), (2, 4));
    rows.update(&session);
    assert_eq!(rows.len(), 2);
}

#[test]
fn an_empty_filter_follows_the_session_without_a_list() {
    let mut session = Session::new();
    let mut rows = FilteredRows::default();
    session.push(capture(1, "/job", JOB_CREATION.as_bytes()));
    rows.update(&session);
    session.push(capture(2, "/job", JOB_DELETE.as_bytes()));
    rows.update(&session);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows.row_index(1), Some(1));
    assert_eq!(rows.row_index(2), None);
    assert_eq!(rows.position(1), Some(1));
    assert_eq!(rows.position(2), None);
}

#[test]
fn positions_of_rows_shown_and_hidden() {
    let session = session();
    let mut rows = FilteredRows::new(Filter::search("Maxime"));
    rows.update(&session);
    assert_eq!(rows.row_index(0), Some(row::CANDIDATE_CREATION));
    assert_eq!(rows.row_index(1), Some(row::CANDIDATE_UPDATE));
    assert_eq!(rows.row_index(2), None);
    assert_eq!(rows.position(row::CANDIDATE_UPDATE), Some(1));
    assert_eq!(rows.position(row::JOB_CREATION), None);
    assert!(!rows.contains(row::JOB_CREATION));
    assert_eq!(rows.position(usize::MAX), None);

    // Keeping a selection: by stable id, through the session, to a position.
    let selected = session.row(row::CANDIDATE_UPDATE).unwrap().id;
    let index = session.row_index(selected).unwrap();
    assert_eq!(rows.position(index), Some(1));
}

#[test]
fn clear_then_update_shows_nothing_and_starts_over() {
    let mut session = session();
    let mut rows = FilteredRows::new(Filter::search("126751"));
    rows.update(&session);
    assert_eq!(rows.len(), 5);

    session.clear();
    rows.update(&session);
    assert!(rows.is_empty());
    assert_eq!(rows.seen(), 0);

    // Cleared and refilled past the old count between two updates.
    let mut rows = FilteredRows::new(Filter::search("firstname"));
    let mut session = Session::new();
    session.push(capture(1, "/candidate", CANDIDATE_CREATION.as_bytes()));
    rows.update(&session);
    assert_eq!(rows.len(), 1);
    session.clear();
    for id in 10..13 {
        session.push(capture(id, "/job", JOB_CREATION.as_bytes()));
    }
    rows.update(&session);
    assert!(rows.is_empty(), "{:?}", rows.iter().collect::<Vec<_>>());
    assert_eq!(rows.seen(), 3);
}

#[test]
fn narrowing_a_search_gives_what_a_fresh_search_gives() {
    let mut session = session();
    let mut rows = FilteredRows::new(Filter::default());
    rows.update(&session);
    for text in [
        "s",
        "sp",
        "spo",
        "spon",
        "spontanÉe",
        "spon",
        "",
        "c",
        "ca",
        "cand",
    ] {
        rows.set_filter(Filter::search(text), &session);
        assert_eq!(
            rows.iter().collect::<Vec<_>>(),
            search(&session, text),
            "typing {text:?}"
        );
    }
    let mut narrower = Filter::search("candidate");
    narrower.statuses.remove(Status::Error);
    assert!(narrower.narrows(&Filter::search("cand")));
    assert!(!Filter::search("cand").narrows(&narrower));
    rows.set_filter(narrower.clone(), &session);
    assert_eq!(
        rows.iter().collect::<Vec<_>>(),
        shown(&session, narrower.clone())
    );

    // Narrowing with rows that arrived meanwhile.
    session.push(capture(99, "/candidate", CANDIDATE_UPDATE.as_bytes()));
    let narrower_still = Filter {
        text: "candidate firstname".to_owned(),
        ..narrower
    };
    rows.set_filter(narrower_still.clone(), &session);
    assert_eq!(rows.filter(), &narrower_still);
    assert_eq!(
        rows.iter().collect::<Vec<_>>(),
        [row::CANDIDATE_CREATION, row::CANDIDATE_UPDATE, row::COUNT]
    );
}

#[test]
fn a_big_session_is_searched_in_parts_with_the_same_result() {
    let mut session = Session::new();
    let inputs = inputs();
    for i in 0..5000 {
        let (url, body) = &inputs[i % inputs.len()];
        session.push(capture(i as u64 + 1, url, body));
    }
    for text in ["maxime", "9002", "spontanÉe", "binaryneedle"] {
        let filter = Filter::search(text);
        let mut rows = FilteredRows::new(filter.clone());
        rows.update(&session);
        let one_by_one: Vec<usize> = (0..session.row_count())
            .filter(|&i| filter.matches(session.row(i).unwrap()))
            .collect();
        assert!(!one_by_one.is_empty());
        assert_eq!(rows.iter().collect::<Vec<_>>(), one_by_one, "{text}");
    }
}

#[test]
fn toggle_sets_behave_like_small_sets() {
    let mut set = StatusSet::default();
    assert!(set.is_all());
    set.toggle(Status::Ok);
    assert!(!set.contains(Status::Ok) && set.contains(Status::Error));
    set.set(Status::Ok, true);
    assert!(set.is_all());
    assert!(StatusSet::none().is_empty());
    assert!(StatusSet::only(Status::Error).is_subset(set));
    assert_eq!(
        TypeSet::all().iter().map(Toggle::label).collect::<Vec<_>>(),
        ["job", "candidate", "other"]
    );
    assert_eq!(
        PathSet::all().iter().map(Toggle::label).collect::<Vec<_>>(),
        ["job path", "candidate path", "other path"]
    );
    assert_eq!(EventClass::ALL.len(), 4);
    assert_eq!(
        format!("{:?}", KindSet::only(EventClass::Update)),
        "{\"update\"}"
    );
}

// ---------------------------------------------------------------------------
// Searching on a worker

/// Bodies that matter to the searches below, in a session big enough that
/// `FilteredRows::in_background` hands every new filter to a worker.
fn big_session(captures: usize) -> Session {
    let mut session = Session::new();
    let inputs = inputs();
    for i in 0..captures {
        let (url, body) = &inputs[i % inputs.len()];
        session.push(capture(i as u64 + 1, url, body));
    }
    session
}

/// A waker that counts on a channel, so a test can wait for the worker.
fn waker() -> (Waker, mpsc::Receiver<()>) {
    let (send, woken) = mpsc::channel();
    (
        Waker::to(move || {
            let _ = send.send(());
        }),
        woken,
    )
}

/// Waits (bounded) for the search under way to end, calling `each` with
/// the rows shown after every wake-up.
fn settle(
    rows: &mut FilteredRows,
    session: &Session,
    woken: &mpsc::Receiver<()>,
    mut each: impl FnMut(&FilteredRows),
) {
    for _ in 0..1000 {
        if !rows.is_searching() {
            return;
        }
        woken
            .recv_timeout(Duration::from_secs(120))
            .expect("a search wakes the window when it is done");
        rows.update(session);
        each(rows);
    }
    panic!("the search never ended");
}

/// What a filter shows, looked at on this thread.
fn at_once(session: &Session, filter: &Filter) -> Vec<usize> {
    let mut rows = FilteredRows::new(Filter::default());
    rows.set_filter(filter.clone(), session);
    assert!(!rows.is_searching());
    rows.iter().collect()
}

#[test]
fn a_big_search_runs_on_a_worker_and_keeps_the_rows_shown_meanwhile() {
    let session = big_session(3000);
    let (waker, woken) = waker();
    let mut rows = FilteredRows::in_background(Filter::default(), waker);
    rows.update(&session);
    let before: Vec<usize> = rows.iter().collect();
    assert_eq!(before.len(), session.row_count());

    let filter = Filter::search("maxime");
    rows.set_filter(filter.clone(), &session);
    assert!(rows.is_searching());
    assert_eq!(rows.filter(), &filter);
    assert_eq!(rows.iter().collect::<Vec<_>>(), before);

    settle(&mut rows, &session, &woken, |_| {});
    assert_eq!(rows.iter().collect::<Vec<_>>(), at_once(&session, &filter));
    assert_eq!(rows.seen(), session.row_count());
}

#[test]
fn a_superseded_search_never_shows_its_result() {
    let session = big_session(3000);
    let (waker, woken) = waker();
    let mut rows = FilteredRows::in_background(Filter::default(), waker);
    rows.update(&session);
    let before: Vec<usize> = rows.iter().collect();
    let stale = at_once(&session, &Filter::search("maxime"));
    let wanted = at_once(&session, &Filter::search("9002"));
    assert!(stale != wanted && stale != before && wanted != before);

    for _ in 0..20 {
        rows.set_filter(Filter::default(), &session);
        assert!(!rows.is_searching());
        rows.set_filter(Filter::search("maxime"), &session);
        rows.set_filter(Filter::search("9002"), &session);
        assert!(rows.is_searching());
        settle(&mut rows, &session, &woken, |rows| {
            let shown: Vec<usize> = rows.iter().collect();
            assert!(shown == before || shown == wanted, "{:?}", rows);
        });
        assert_eq!(rows.iter().collect::<Vec<_>>(), wanted);
        assert_eq!(rows.filter(), &Filter::search("9002"));
    }
}

#[test]
fn rows_arriving_during_a_search_are_included_once_it_is_in() {
    let mut session = big_session(3000);
    let (waker, woken) = waker();
    let mut rows = FilteredRows::in_background(Filter::default(), waker);
    rows.update(&session);
    let filter = Filter::search("firstname");
    rows.set_filter(filter.clone(), &session);
    assert!(rows.is_searching());
    // The worker looks at a copy: these arrive after it.
    let first_new = session.row_count();
    for id in 0..5 {
        session.push(capture(
            10_000 + id,
            "/candidate",
            CANDIDATE_UPDATE.as_bytes(),
        ));
        session.push(capture(20_000 + id, "/job", JOB_UPDATE.as_bytes()));
    }
    settle(&mut rows, &session, &woken, |_| {});
    let shown: Vec<usize> = rows.iter().collect();
    assert_eq!(shown, at_once(&session, &filter));
    assert_eq!(
        shown.iter().filter(|&&r| r >= first_new).count(),
        5,
        "the five candidates that arrived during the search"
    );
    assert_eq!(rows.seen(), session.row_count());
}

#[test]
fn searches_on_a_worker_find_what_searches_here_find() {
    let session = big_session(4000);
    let (waker, woken) = waker();
    let mut rows = FilteredRows::in_background(Filter::default(), waker);
    rows.update(&session);
    let updates = Filter {
        events: KindSet::only(EventClass::Update),
        ..Filter::default()
    };
    let filters = [
        Filter::search("s"),
        Filter::search("sp"),
        Filter::search("spontanÉe"),
        Filter::search("REF"),
        Filter::search("binaryneedle"),
        updates.clone(),
        Filter {
            text: "candidate".to_owned(),
            ..updates
        },
        Filter::search("-7\""),
        Filter::search("no such text anywhere"),
        Filter::default(),
    ];
    for filter in filters {
        rows.set_filter(filter.clone(), &session);
        settle(&mut rows, &session, &woken, |_| {});
        let one_by_one: Vec<usize> = (0..session.row_count())
            .filter(|&i| filter.matches(session.row(i).unwrap()))
            .collect();
        assert_eq!(rows.iter().collect::<Vec<_>>(), one_by_one, "{filter:?}");
        assert_eq!(at_once(&session, &filter), one_by_one, "{filter:?}");
    }
}

#[test]
fn a_session_cleared_during_a_search_shows_only_its_new_rows() {
    let mut session = big_session(3000);
    let (waker, woken) = waker();
    let mut rows = FilteredRows::in_background(Filter::default(), waker);
    rows.update(&session);
    rows.set_filter(Filter::search("firstname"), &session);
    assert!(rows.is_searching());
    session.clear();
    session.push(capture(1, "/job", JOB_CREATION.as_bytes()));
    session.push(capture(2, "/candidate", CANDIDATE_CREATION.as_bytes()));
    rows.update(&session);
    settle(&mut rows, &session, &woken, |_| {});
    assert_eq!(rows.iter().collect::<Vec<_>>(), [1]);
    assert_eq!(rows.seen(), 2);
}

#[test]
fn many_rows_arriving_at_once_are_looked_at_on_a_worker_after_the_rows_shown() {
    let mut session = big_session(10);
    let (waker, woken) = waker();
    let filter = Filter::search("firstname");
    let mut rows = FilteredRows::in_background(filter.clone(), waker);
    rows.update(&session);
    assert!(!rows.is_searching());
    let before: Vec<usize> = rows.iter().collect();
    assert_eq!(before, at_once(&session, &filter));

    let inputs = inputs();
    for i in 0..3000 {
        let (url, body) = &inputs[i % inputs.len()];
        session.push(capture(100 + i as u64, url, body));
    }
    rows.update(&session);
    assert!(rows.is_searching());
    assert_eq!(rows.filter(), &filter);
    assert_eq!(rows.iter().collect::<Vec<_>>(), before);
    settle(&mut rows, &session, &woken, |_| {});
    assert_eq!(rows.iter().collect::<Vec<_>>(), at_once(&session, &filter));
    assert_eq!(rows.seen(), session.row_count());
}

#[test]
fn pinned_only_shows_the_rows_of_pinned_captures_and_follows_the_pins() {
    let mut session = session();
    // Élodie (capture 7) and the batch (capture 10, two rows).
    session.marks_mut().set_pinned(7, true);
    session.marks_mut().set_pinned(10, true);
    let pinned = Filter {
        pinned_only: true,
        ..Filter::default()
    };
    assert!(!pinned.is_empty());
    let mut rows = FilteredRows::new(pinned.clone());
    rows.update(&session);
    assert_eq!(
        rows.iter().collect::<Vec<_>>(),
        [row::ELODIE, row::BATCH_ALPHA, row::BATCH_BETA]
    );
    assert_eq!(rows.position(row::BATCH_BETA), Some(2));
    assert!(!rows.contains(row::JOB_CREATION));
    // With a search, both hold.
    rows.set_filter(
        Filter {
            text: "beta-7".to_owned(),
            ..pinned.clone()
        },
        &session,
    );
    assert_eq!(rows.iter().collect::<Vec<_>>(), [row::BATCH_BETA]);
    // Unpinned, the row goes on the next update.
    session.marks_mut().set_pinned(10, false);
    rows.update(&session);
    assert!(rows.is_empty());
    // "Pinned only" off: the search alone.
    rows.set_filter(Filter::search("beta-7"), &session);
    assert_eq!(rows.iter().collect::<Vec<_>>(), [row::BATCH_BETA]);
}
