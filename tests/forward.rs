//! Live forwarding over real HTTP on 127.0.0.1: copy mode answers at once
//! and forwards behind, whatever the target does; proxy mode answers with
//! the target's answer, 502 or 504 without one.

mod common;

use std::time::{Duration, Instant};

use common::listening::Listening;
use common::target::{Behaviour, Target, closed_port_url};
use common::{SAMPLES, agent, reply};
use hookscope::capture::Answer;
use hookscope::capture::answer::ReplacedBy;
use hookscope::listener::{Forward, ListenerConfig};
use hookscope::outbound::{Failure, ForwardMode, Origin, Timeouts};

fn forwarding(base_url: &str, mode: ForwardMode, timeouts: Timeouts) -> Listening {
    Listening::with(ListenerConfig {
        port: 0,
        forward: Some(Forward {
            timeouts,
            ..Forward::new(base_url, mode).expect("a valid base URL")
        }),
        ..ListenerConfig::default()
    })
}

/// Short timeouts, so that a slow target times out quickly.
fn short() -> Timeouts {
    Timeouts {
        connect: Duration::from_millis(500),
        total: Duration::from_millis(400),
    }
}

#[test]
fn copy_mode_delivers_byte_identical_bodies_in_order_with_path_query_and_headers() {
    let target = Target::start(Behaviour::status(200));
    let listening = forwarding(&target.base_url(), ForwardMode::Copy, Timeouts::default());
    let not_utf8: &[u8] = b"\xff\xfe not a webhook \x00\x01";
    let mut sent: Vec<(String, Vec<u8>)> = SAMPLES
        .iter()
        .map(|s| (format!("{}?attempt=1", s.path), s.body.as_bytes().to_vec()))
        .collect();
    sent.push(("/job".to_owned(), not_utf8.to_vec()));
    let agent = agent();
    for (path, body) in &sent {
        let answer = reply(
            agent
                .post(listening.url(path))
                .header("Content-Type", "application/json")
                .header("X-Signature", "sha256=abc")
                .send(&body[..]),
        );
        assert!(answer.status == 200 || answer.status == 400, "{answer:?}");
    }
    for (path, body) in &sent {
        let capture = listening.next_capture();
        let got = target.next();
        assert_eq!(got.method, "POST");
        assert_eq!(&got.url, path, "path and query as received");
        assert_eq!(&got.body, body, "the exact bytes reach the target");
        assert_eq!(got.header("X-Signature"), Some("sha256=abc"));
        assert_eq!(got.header("Content-Type"), Some("application/json"));
        assert_ne!(
            got.header("Host"),
            Some(listening.addr().to_string().as_str()),
            "Host names the target, not hookscope"
        );
        let exchange = listening.next_exchange();
        assert_eq!(
            exchange.origin,
            Origin::Forward {
                capture: capture.id,
                mode: ForwardMode::Copy
            }
        );
        assert_eq!(exchange.outcome.status_text(), "200");
        assert_eq!(&exchange.request.body[..], &body[..]);
        // Copy mode: the capture keeps hookscope's own answer.
        assert!(!matches!(capture.answer, Answer::Replaced(_)));
    }
}

#[test]
fn copy_mode_keeps_answering_and_capturing_while_the_target_is_down_slow_or_failing() {
    let slow = Target::start(Behaviour {
        delay: Duration::from_millis(1500),
        ..Behaviour::status(200)
    });
    let failing = Target::start(Behaviour::status(500));
    for (name, base_url) in [
        ("down", closed_port_url()),
        ("slow", slow.base_url()),
        ("failing", failing.base_url()),
    ] {
        let listening = forwarding(&base_url, ForwardMode::Copy, short());
        let started = Instant::now();
        for sample in SAMPLES {
            let answer = listening.post(sample.path, sample.body.as_bytes());
            assert_eq!(answer.status, 200, "{name}: {answer:?}");
        }
        // Answered without waiting on the target: six slow forwards alone
        // would take 2.4 s of timeouts.
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{name}: answering took {:?}",
            started.elapsed()
        );
        let ids: Vec<u64> = SAMPLES
            .iter()
            .map(|_| listening.next_capture().id)
            .collect();
        for id in ids {
            let exchange = listening.next_exchange();
            assert_eq!(
                exchange.origin,
                Origin::Forward {
                    capture: id,
                    mode: ForwardMode::Copy
                },
                "{name}: one result per capture, in order"
            );
            match name {
                "down" => assert!(
                    matches!(exchange.outcome.result, Err(Failure::Unreachable(_))),
                    "{name}: {:?}",
                    exchange.outcome
                ),
                "slow" => assert!(
                    matches!(exchange.outcome.result, Err(Failure::TimedOut(_))),
                    "{name}: {:?}",
                    exchange.outcome
                ),
                _ => assert_eq!(exchange.outcome.status_text(), "500"),
            }
        }
    }
}

#[test]
fn proxy_mode_answers_with_the_targets_status_headers_and_body() {
    let target = Target::start(Behaviour {
        status: 201,
        headers: vec![
            ("Content-Type".to_owned(), "text/plain".to_owned()),
            ("X-Target".to_owned(), "yes".to_owned()),
        ],
        body: b"made by the target".to_vec(),
        delay: Duration::ZERO,
    });
    let listening = forwarding(&target.base_url(), ForwardMode::Proxy, Timeouts::default());
    let sample = &SAMPLES[0];
    let mut response = agent()
        .post(listening.url(sample.path))
        .header("Content-Type", "application/json")
        .send(sample.body.as_bytes())
        .expect("an answer");
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(
        response
            .headers()
            .get("x-target")
            .and_then(|v| v.to_str().ok()),
        Some("yes")
    );
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/plain")
    );
    let body = response.body_mut().read_to_string().expect("a body");
    assert_eq!(body, "made by the target");
    assert_eq!(target.next().body, sample.body.as_bytes());

    let capture = listening.next_capture();
    assert_eq!(
        capture.status(),
        201,
        "the capture records what was answered"
    );
    let Answer::Replaced(replaced) = &capture.answer else {
        panic!("a replaced answer: {:?}", capture.answer)
    };
    assert_eq!(replaced.by, ReplacedBy::Proxy);
    assert_eq!(&replaced.body[..], b"made by the target");
    assert!(matches!(replaced.verdict, Answer::Received { events: 1 }));
    let exchange = listening.next_exchange();
    assert_eq!(
        exchange.origin,
        Origin::Forward {
            capture: capture.id,
            mode: ForwardMode::Proxy
        }
    );
    assert_eq!(exchange.outcome.status_text(), "201");
}

#[test]
fn proxy_mode_answers_502_when_the_target_is_unreachable_and_504_on_timeout() {
    let slow = Target::start(Behaviour {
        delay: Duration::from_millis(1500),
        ..Behaviour::status(200)
    });
    for (base_url, status) in [(closed_port_url(), 502), (slow.base_url(), 504)] {
        let listening = forwarding(&base_url, ForwardMode::Proxy, short());
        let sample = &SAMPLES[3];
        let answer = listening.post(sample.path, sample.body.as_bytes());
        assert_eq!(answer.status, status, "{answer:?}");
        assert_eq!(answer.content_type, "application/json");
        let error = answer.json()["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(error.contains(&base_url), "{error}");
        let capture = listening.next_capture();
        assert_eq!(capture.status(), status);
        let Answer::Replaced(replaced) = &capture.answer else {
            panic!("a replaced answer: {:?}", capture.answer)
        };
        assert!(
            matches!(&replaced.by, ReplacedBy::ProxyFailed { reason } if *reason == error),
            "{:?}",
            replaced.by
        );
        let exchange = listening.next_exchange();
        assert!(exchange.outcome.result.is_err(), "{:?}", exchange.outcome);
    }
}

#[test]
fn proxy_mode_does_not_hold_the_request_workers() {
    // More proxied requests waiting on a slow target than there are request
    // workers (8, or the core count); a request hookscope answers itself
    // (over the body cap: not received whole, so not proxied) is still
    // answered long before any of them.
    let slow = Target::start(Behaviour {
        delay: Duration::from_secs(3),
        ..Behaviour::status(200)
    });
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let listening = Listening::with(ListenerConfig {
        port: 0,
        max_body: 2000,
        forward: Some(Forward {
            timeouts: Timeouts {
                connect: Duration::from_secs(1),
                total: Duration::from_millis(1500),
            },
            ..Forward::new(&slow.base_url(), ForwardMode::Proxy).expect("a valid base URL")
        }),
        ..ListenerConfig::default()
    });
    let url = listening.url("/job");
    let senders: Vec<_> = (0..cores.max(8) + 1)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || common::post(&agent(), &url, common::JOB_DELETE).status)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let refused = listening.post("/job", &[b' '; 5000]);
    assert_eq!(refused.status, 413, "{refused:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1200),
        "hookscope's own answer waited {:?}",
        started.elapsed()
    );
    for sender in senders {
        assert_eq!(sender.join().expect("a sender"), 504);
    }
}
