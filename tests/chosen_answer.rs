//! Chosen answers over real HTTP on 127.0.0.1: the status, body and delay
//! chosen for a webhook path are what its senders get and what the capture
//! records; a delayed answer holds no one else up; "fail one in N" fails
//! exactly every Nth request; refusals stay hookscope's own.

mod common;

use std::time::{Duration, Instant};

use clap::Parser;
use common::listening::Listening;
use common::{CANDIDATE_DELETE, JOB_DELETE, agent};
use hookscope::capture::Answer;
use hookscope::capture::answer::ReplacedBy;
use hookscope::cli::{Cli, Command};
use hookscope::listener::act::ChosenAnswer;
use hookscope::listener::{ChosenAnswers, ListenerConfig};
use hookscope::outbound::ForwardMode;

fn choosing(job: ChosenAnswer, read_timeout: Duration) -> Listening {
    Listening::with(ListenerConfig {
        port: 0,
        read_timeout,
        chosen: Box::new(ChosenAnswers {
            job,
            candidate: ChosenAnswer::default(),
        }),
        ..ListenerConfig::default()
    })
}

#[test]
fn the_chosen_status_body_and_delay_are_what_the_sender_gets_and_the_capture_records() {
    let body: &[u8] = b"{\"nope\": true}\n\xff";
    let listening = choosing(
        ChosenAnswer {
            status: Some(503),
            body: Some(body.into()),
            delay: Duration::from_millis(500),
            fail_one_in: None,
        },
        Duration::from_secs(10),
    );
    let started = Instant::now();
    let mut response = agent()
        .post(listening.url("/job"))
        .header("Content-Type", "application/json")
        .send(JOB_DELETE.as_bytes())
        .expect("an answer");
    let waited = started.elapsed();
    assert_eq!(response.status().as_u16(), 503);
    let got = response.body_mut().read_to_vec().expect("a body");
    assert_eq!(got, body, "the exact bytes chosen");
    assert!(
        waited >= Duration::from_millis(500),
        "answered after {waited:?}"
    );

    let capture = listening.next_capture();
    assert_eq!(capture.status(), 503);
    let Answer::Replaced(replaced) = &capture.answer else {
        panic!("a replaced answer: {:?}", capture.answer)
    };
    assert_eq!(replaced.by, ReplacedBy::Chosen { delay_ms: 500 });
    assert_eq!(&replaced.body[..], body);
    assert!(matches!(replaced.verdict, Answer::Received { events: 1 }));

    // The other path keeps hookscope's own answer, at once.
    let answer = listening.post("/candidate", CANDIDATE_DELETE.as_bytes());
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["received"], 1);
}

#[test]
fn a_delayed_answer_does_not_delay_another_senders() {
    // Delayed past the read timeout, and more delayed senders than request
    // workers: the timer thread holds them, not the workers or a deadline.
    let delay = Duration::from_secs(2);
    let listening = choosing(
        ChosenAnswer {
            delay,
            ..ChosenAnswer::default()
        },
        Duration::from_secs(1),
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let url = listening.url("/job");
    let started = Instant::now();
    let delayed: Vec<_> = (0..cores.max(8) + 2)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                let answer = common::post(&agent(), &url, JOB_DELETE);
                (answer.status, answer.body, Instant::now())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let other = listening.post("/candidate", CANDIDATE_DELETE.as_bytes());
    let other_at = started.elapsed();
    assert_eq!(other.status, 200);
    assert!(
        other_at < delay - Duration::from_millis(500),
        "the other sender was answered after {other_at:?}, the delay being {delay:?}"
    );
    for sender in delayed {
        let (status, body, at) = sender.join().expect("a sender");
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, r#"{"received":1}"#, "hookscope's own body, late");
        assert!(at.duration_since(started) >= delay);
    }
}

#[test]
fn fail_one_in_n_fails_exactly_every_nth_request() {
    let listening = choosing(
        ChosenAnswer {
            fail_one_in: Some(3),
            ..ChosenAnswer::default()
        },
        Duration::from_secs(10),
    );
    let statuses: Vec<u16> = (0..9)
        .map(|_| listening.post("/job", JOB_DELETE.as_bytes()).status)
        .collect();
    assert_eq!(statuses, [200, 200, 500, 200, 200, 500, 200, 200, 500]);
    for status in statuses {
        let capture = listening.next_capture();
        assert_eq!(capture.status(), status);
        match &capture.answer {
            Answer::Replaced(replaced) => {
                assert_eq!(replaced.by, ReplacedBy::FailOneIn { n: 3 });
                assert!(matches!(replaced.verdict, Answer::Received { .. }));
            }
            other => assert!(matches!(other, Answer::Received { .. }), "{other:?}"),
        }
    }
}

#[test]
fn refusals_stay_hookscopes_own() {
    let listening = Listening::with(ListenerConfig {
        port: 0,
        max_body: 1000,
        chosen: Box::new(ChosenAnswers {
            job: ChosenAnswer {
                status: Some(202),
                ..ChosenAnswer::default()
            },
            candidate: ChosenAnswer::default(),
        }),
        ..ListenerConfig::default()
    });
    let answer = listening.post("/job", &[b' '; 3000]);
    assert_eq!(answer.status, 413, "{answer:?}");
    let capture = listening.next_capture();
    assert!(
        matches!(capture.answer, Answer::Refused(_)),
        "{:?}",
        capture.answer
    );
    // Not a webhook is answered as chosen (the verdict keeps why).
    assert_eq!(listening.post("/job", b"[]").status, 202);
}

#[test]
fn the_command_line_sets_answers_for_both_paths_and_forwarding() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("answer.json");
    std::fs::write(&file, b"{\"down\": true}").expect("the body file");
    let cli = Cli::try_parse_from([
        "hookscope".as_ref(),
        "listen".as_ref(),
        "--out".as_ref(),
        "x.json".as_ref(),
        "--respond-status".as_ref(),
        "500".as_ref(),
        "--respond-body".as_ref(),
        file.as_os_str(),
        "--respond-delay".as_ref(),
        "30000".as_ref(),
        "--respond-fail-one-in".as_ref(),
        "4".as_ref(),
        "--forward-to".as_ref(),
        "http://127.0.0.1:3000/".as_ref(),
        "--forward-mode".as_ref(),
        "proxy".as_ref(),
    ] as [&std::ffi::OsStr; 16])
    .expect("the flags parse");
    let Some(Command::Listen { listen, .. }) = cli.command else {
        panic!("the listen command")
    };
    let config = listen.config();
    for chosen in [&config.chosen.job, &config.chosen.candidate] {
        assert_eq!(chosen.status, Some(500));
        assert_eq!(chosen.body.as_deref(), Some(&b"{\"down\": true}"[..]));
        assert_eq!(chosen.delay, Duration::from_secs(30));
        assert_eq!(chosen.fail_one_in, Some(4));
    }
    let forward = config.forward.as_ref().expect("forwarding");
    assert_eq!(forward.base_url, "http://127.0.0.1:3000");
    assert_eq!(forward.mode, ForwardMode::Proxy);
    assert_eq!(
        config.acting(),
        [
            "answering 500 with a chosen body, 30000 ms late, failing 1 in 4 on /job",
            "answering 500 with a chosen body, 30000 ms late, failing 1 in 4 on /candidate",
            "forwarding to http://127.0.0.1:3000 (proxy)",
        ]
    );

    for bad in [
        ["--respond-status", "99"],
        ["--respond-status", "600"],
        ["--respond-delay", "30001"],
        ["--respond-fail-one-in", "0"],
        ["--forward-to", "localhost:3000"],
        ["--forward-mode", "mirror"],
    ] {
        let args = ["hookscope", "listen", "--out", "x.json", bad[0], bad[1]];
        assert!(Cli::try_parse_from(args).is_err(), "{bad:?} is refused");
    }
}
