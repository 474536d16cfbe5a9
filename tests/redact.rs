//! Redacted exports: nothing the policy covers is left in any byte of the
//! session file or the HAR (bodies stored as base64 or gzip decoded too);
//! the redacted session gives the same findings, entities, anomalies and
//! diffs as the original; pseudonyms are stable within an export and
//! differ across exports.

mod common;

use std::io::Read as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use common::*;
use hookscope::capture::answer::{Replaced, ReplacedBy};
use hookscope::capture::{Answer, Received, Routes};
use hookscope::hs::dates::parse_date;
use hookscope::outbound::{Exchange, Failure, ForwardMode, Origin, OutRequest, OutResponse};
use hookscope::redact::{Options, PLACEHOLDER, Policy, Redacted, Redactor, Rule, Tally};
use hookscope::session::diff::{ActionChangeKind, Change, ChangeKind, EntityDiff};
use hookscope::session::{Session, file, open};
use hookscope::task::Progress;

// ---- the session -------------------------------------------------------------------

const NAME: &str = "Zoé <b>Lefèvre</b>";
const LAST: &str = "Ÿvès-Ågård & \"Fils\"\u{1F600}";
const PHONE: &str = "+33 (0)6 12 34 56 78";
const TOKEN: &str = "tok_9f8e7d6c5b4a39281706";
const API_TOKEN: &str = "x-api-0123456789abcdef";
const BEARER_SECRET: &str = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2lnbmF0dXJl";
const API_KEY: &str = "key-55aa66bb77cc88dd";
/// The name as a Latin-1 sender writes it: not UTF-8.
const LATIN1_NAME: &[u8] = b"Zo\xe9 Lef\xe8vre-Latin";
const ORIGIN: &str = "http://127.0.0.1:8090";

/// Built at run time: a literal address is not kept as such in every copy
/// of this file.
fn email() -> String {
    ["zoe.lefevre+jobs", "mail.example.org"].join("@")
}

/// The candidate creation sample with these names, email and mobile.
fn candidate(first: &str, last: &str) -> String {
    edited(CANDIDATE_CREATION, |v| {
        let data = &mut v[0]["data"];
        data["first_name"] = json!(first);
        data["last_name"] = json!(last);
        data["email"] = json!(email());
        data["tel_mobile"] = json!(PHONE);
    })
}

/// An update of the sample candidate: new name, a tag, a new action by
/// another consultant, a changed answer and a null where an object belongs.
fn candidate_update() -> String {
    edited(CANDIDATE_UPDATE, |v| {
        let data = &mut v[0]["data"];
        data["first_name"] = json!(NAME);
        data["last_name"] = json!(LAST);
        data["tags"] = json!(["vip"]);
        let mut action = data["action"][0].clone();
        action["id"] = json!("99999999");
        action["consultant"]["first_name"] = json!("Hélène-Marguerite");
        action["consultant"]["last_name"] = json!("de La Tour d'Auvergne");
        data["action"].as_array_mut().unwrap().insert(0, action);
        data["action"][3]["form"]["input"][1]["answer"] = json!("Lefèvre-Dupuis");
        data["action"][2]["poste"] = Value::Null;
    })
}

fn odd_requests() -> Vec<Received> {
    let named = candidate(NAME, LAST);
    let truncated = {
        let cut = named.find("Ÿvès").unwrap() + 6;
        named.as_bytes()[..cut].to_vec()
    };
    let mut latin1 = br#"[{"event":"creation","type":"candidate","data":{"id":5,"first_name":""#.to_vec();
    latin1.extend_from_slice(LATIN1_NAME);
    latin1.extend_from_slice(br#""}}]"#);
    let unknown = edited(&candidate("Élodie", "Marchand-Lévêque"), |v| {
        v[0]["sent_by"] = json!("ats-7");
        v[0]["data"]["skills"] = json!(["rust", {"level": 3}]);
        v[0]["data"]["action"][0]["consultant"]["nickname"] = json!("Vané");
    });
    let nulls = edited(&candidate("Anaïs", "Nuls-Partout"), |v| {
        let action = &mut v[0]["data"]["action"];
        action[0]["consultant"] = Value::Null;
        action[1]["attachment"] = Value::Null;
        action[2]["form"] = Value::Null;
        action[2]["attachment"][0] = Value::Null;
    });
    let job_nulls = edited(JOB_CREATION, |v| {
        v[0]["data"]["job_country_intl"] = Value::Null;
        v[0]["data"]["job_interlocutor_name"] = json!("Bérénice Interlocutrice");
    });
    let gzipped = gzip(candidate("Gzip-Gaëlle", "Compressée").as_bytes());
    let with_secrets = candidate("Sécrète", "Headers-Query");
    let echoed = candidate(NAME, LAST);
    let plain_echo = candidate("Texte", "Plain-Echo");

    let mut requests = vec![
        request("/candidate", candidate_update()).id(7).at(time(7)).received(),
        request("/candidate", latin1).id(8).at(time(8)).received(),
        request("/candidate", truncated).id(9).at(time(9)).received(),
        request("/candidate", unknown).id(10).at(time(10)).received(),
        request("/candidate", nulls).id(11).at(time(11)).received(),
        request("/job", job_nulls).id(12).at(time(12)).received(),
        request("/candidate", &gzipped)
            .id(13)
            .at(time(13))
            .header("Content-Encoding", "gzip")
            .header("Content-Length", gzipped.len().to_string())
            .received(),
        request(
            &format!("/candidate?page=2&token={TOKEN}&x%5Fapi%5Fkey={API_KEY}"),
            &with_secrets,
        )
        .id(14)
        .at(time(14))
        .header("Authorization", format!("Bearer {BEARER_SECRET}"))
        .header("X-Api-Token", API_TOKEN)
        .header("Content-Length", with_secrets.len().to_string())
        .received(),
    ];
    // A target's answer, passed on, that echoes the name and the address.
    let answer = format!(
        r#"{{"ok":true,"echo":{},"contact":"{}","ref":1234567876}}"#,
        serde_json::to_string(NAME).unwrap(),
        email()
    );
    let mut proxied = request("/candidate", &echoed).id(15).at(time(15)).received();
    proxied.answer = Answer::Replaced(Box::new(Replaced {
        status: 201,
        headers: vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Content-Length".to_owned(), answer.len().to_string()),
            ("Set-Cookie".to_owned(), format!("sid={TOKEN}; HttpOnly")),
        ],
        body: answer.into_bytes().into_boxed_slice(),
        by: ReplacedBy::Proxy,
        verdict: proxied.answer.clone(),
    }));
    requests.push(proxied);
    let chosen = request("/candidate", &plain_echo).id(16).at(time(16)).received();
    requests.push(replaced(
        chosen,
        200,
        format!("Merci {NAME}").as_bytes(),
        ReplacedBy::Chosen { delay_ms: 0 },
    ));
    requests
}

fn requests() -> Vec<Received> {
    let mut requests: Vec<Received> = SAMPLES
        .iter()
        .enumerate()
        .map(|(i, sample)| {
            request(sample.path, sample.body)
                .id(i as u64 + 1)
                .at(time(i as i64 + 1))
                .received()
        })
        .collect();
    requests.extend(odd_requests());
    requests
}

fn exchanges() -> Vec<Exchange> {
    let mut forward = exchange(
        1,
        Origin::Forward {
            capture: 15,
            mode: ForwardMode::Proxy,
        },
    );
    forward.request = OutRequest::json_post(
        format!("http://127.0.0.1:9000/hooks/candidate?api_key={API_KEY}"),
        candidate(NAME, LAST).into_bytes(),
    );
    forward
        .request
        .headers
        .push(("Authorization".to_owned(), format!("Bearer {BEARER_SECRET}")));
    forward.outcome.result = Ok(OutResponse {
        status: 200,
        headers: vec![("Content-Type".to_owned(), "application/json".to_owned())],
        body: format!(
            r#"{{"stored":{},"mobile":"{PHONE}"}}"#,
            serde_json::to_string(NAME).unwrap()
        )
        .into_bytes()
        .into_boxed_slice(),
    });
    let failed_forward = failed(
        exchange(
            2,
            Origin::Forward {
                capture: 14,
                mode: ForwardMode::Copy,
            },
        ),
        Failure::Other(format!("the target refused candidate {NAME}")),
    );
    let mut send = exchange(3, Origin::Send);
    send.outcome.result = Ok(OutResponse {
        status: 200,
        headers: vec![("Content-Type".to_owned(), "text/plain".to_owned())],
        body: format!("thanks {NAME}").into_bytes().into_boxed_slice(),
    });
    vec![forward, failed_forward, send]
}

fn redactor(key: u128, options: Options) -> Redactor {
    Redactor::with_key(Policy::default(), options, key)
}

fn redacted(key: u128, options: Options) -> (Vec<Received>, Vec<Exchange>, Redacted) {
    let requests = requests();
    let exchanges = exchanges();
    let refs: Vec<&Received> = requests.iter().collect();
    let redacted = redactor(key, options).all(&refs, &exchanges);
    (requests, exchanges, redacted)
}

fn session_file(captures: &[Received], exchanges: &[Exchange]) -> Vec<u8> {
    session_with(captures, exchanges, time(100))
}

fn har_file(captures: &[Received], exchanges: &[Exchange]) -> Vec<u8> {
    har_with(captures, exchanges, ORIGIN)
}

// ---- what the policy covers, read independently of the redactor -------------------

/// Every value the default policy covers in these requests and exchanges,
/// and the secrets and names planted where no JSON parser reaches.
fn covered_values(requests: &[Received], exchanges: &[Exchange]) -> Vec<Vec<u8>> {
    let policy = Policy::default();
    let mut values: Vec<String> = Vec::new();
    let mut bodies: Vec<&[u8]> = Vec::new();
    for request in requests {
        bodies.push(request.content());
        let url = request.head.url().to_owned();
        values.extend(query_values(&policy, &url));
        for header in request.head.headers() {
            if header_rule(&policy, header.name) {
                values.push(header.value_text().into_owned());
            }
        }
        if let Answer::Replaced(replaced) = &request.answer {
            for (name, value) in &replaced.headers {
                if header_rule(&policy, name) {
                    values.push(value.clone());
                }
            }
        }
    }
    for exchange in exchanges {
        bodies.push(&exchange.request.body);
        values.extend(query_values(&policy, &exchange.request.url));
        for (name, value) in &exchange.request.headers {
            if header_rule(&policy, name) {
                values.push(value.clone());
            }
        }
    }
    for body in bodies {
        values.extend(body_values(&policy, body));
    }
    values.extend(
        [
            NAME, LAST, PHONE, TOKEN, API_TOKEN, BEARER_SECRET, API_KEY, "Gzip-Gaëlle",
        ]
        .map(str::to_owned),
    );
    values.push(email());
    let mut values: Vec<Vec<u8>> = values
        .into_iter()
        .map(String::into_bytes)
        // Shorter values turn up by chance in any few hundred kilobytes of
        // pseudonyms, ids and base64 ("Nom", "128").
        .filter(|v| String::from_utf8_lossy(v).chars().count() >= 5)
        .collect();
    values.push(LATIN1_NAME.to_vec());
    values.sort();
    values.dedup();
    values
}

fn header_rule(policy: &Policy, name: &str) -> bool {
    policy
        .rules
        .iter()
        .any(|rule| matches!(rule, Rule::Header(pattern) if Rule::names(pattern, name)))
}

fn query_values(policy: &Policy, url: &str) -> Vec<String> {
    let Some((_, query)) = url.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(name, _)| {
            let name = name.replace("%5F", "_");
            policy
                .rules
                .iter()
                .any(|rule| matches!(rule, Rule::Query(pattern) if Rule::names(pattern, &name)))
        })
        .map(|(_, value)| value.to_owned())
        .collect()
}

/// The scalars under each body rule of each event, but those the issue
/// keeps (null, booleans, blank strings, dates, ids).
fn body_values(policy: &Policy, body: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let events: Vec<&Value> = match &value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for event in events {
        for rule in &policy.rules {
            if let Rule::Body(tokens) = rule {
                under(event, tokens, None, &mut out);
            }
        }
    }
    out
}

fn under(value: &Value, tokens: &[String], key: Option<&str>, out: &mut Vec<String>) {
    let Some((token, rest)) = tokens.split_first() else {
        return leaves(value, key, out);
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if token == "*" || token == k {
                    under(v, rest, Some(k), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                if token == "*" || *token == i.to_string() {
                    under(v, rest, key, out);
                }
            }
        }
        _ => {}
    }
}

fn leaves(value: &Value, key: Option<&str>, out: &mut Vec<String>) {
    let is_id = key.is_some_and(|k| k == "id" || k.starts_with("id_") || k.ends_with("_id"));
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| leaves(v, Some(k), out)),
        Value::Array(items) => items.iter().for_each(|v| leaves(v, key, out)),
        Value::String(s) if !is_id && !s.trim().is_empty() && parse_date(s).is_err() => {
            out.push(s.clone())
        }
        Value::Number(n) if !is_id => out.push(n.to_string()),
        _ => {}
    }
}

/// The bytes of a file and everything inside it: every JSON string (escapes
/// undone), what base64 strings decode to, gzip and zlib streams inflated.
fn haystacks(bytes: &[u8], depth: u32, out: &mut Vec<Vec<u8>>) {
    out.push(bytes.to_vec());
    if depth > 6 {
        return;
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut inflated = Vec::new();
        if flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut inflated)
            .is_ok()
        {
            haystacks(&inflated, depth + 1, out);
        }
    }
    let mut values: Vec<Value> = Vec::new();
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        values.push(value);
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        // One record per line in a session file, one entry per line in a HAR.
        for line in text.lines() {
            let line = line.trim_end_matches(',');
            if let Ok(value) = serde_json::from_str::<Value>(line) {
                values.push(value);
            }
        }
    }
    for value in &values {
        strings(value, &mut |s| {
            if let Ok(decoded) = BASE64.decode(s)
                && !decoded.is_empty()
            {
                haystacks(&decoded, depth + 1, out);
            }
            haystacks(s.as_bytes(), depth + 1, out);
        });
    }
}

fn strings(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, f)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            f(k);
            strings(v, f);
        }),
        _ => {}
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

// ---- nothing leaks -------------------------------------------------------------------

#[test]
fn nothing_the_policy_covers_is_left_in_the_redacted_session_or_har() {
    let (requests, exchanges, redacted) = redacted(0x5eed, Options::default());
    let values = covered_values(&requests, &exchanges);
    assert!(values.len() > 40, "only {} values to look for", values.len());

    let original_session = session_file(&requests, &exchanges);
    let mut original = Vec::new();
    haystacks(&original_session, 0, &mut original);
    for value in &values {
        assert!(
            original.iter().any(|h| contains(h, value)),
            "the test looks for {:?}, which the original does not hold",
            String::from_utf8_lossy(value)
        );
    }

    let session = session_file(&redacted.captures, &redacted.exchanges);
    let har = har_file(&redacted.captures, &redacted.exchanges);
    for (what, file) in [("session", &session), ("HAR", &har)] {
        let mut stacks = Vec::new();
        haystacks(file, 0, &mut stacks);
        for value in &values {
            if let Some(found) = stacks.iter().find(|h| contains(h, value)) {
                let at = found.windows(value.len()).position(|w| w == value.as_slice()).unwrap();
                let around = &found[at.saturating_sub(80)..(at + value.len() + 80).min(found.len())];
                panic!(
                    "the redacted {what} holds {:?}: …{}…",
                    String::from_utf8_lossy(value),
                    String::from_utf8_lossy(around)
                );
            }
        }
    }
    let tally = &redacted.tally;
    assert_eq!(tally.unparsed_replaced, 4, "latin-1, truncated, two plain-text answers: {tally:?}");
    assert!(tally.echoes >= 4, "{tally:?}");
}

#[test]
fn redacted_requests_read_back_as_they_were_written() {
    let (requests, _, redacted) = redacted(9, Options::default());
    let routes = Routes::default();
    // The gzip body: its content is redacted, encoded again, and read back.
    let gz = redacted.captures.iter().find(|c| c.id == 13).unwrap();
    let original = requests.iter().find(|c| c.id == 13).unwrap();
    let decoded = gz.decoded.as_ref().expect("still decoded");
    assert_eq!(decoded.names(), "gzip");
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..]).read_to_end(&mut inflated).unwrap();
    assert_eq!(inflated, &decoded.bytes[..]);
    assert!(!contains(&inflated, "Gzip-Gaëlle".as_bytes()));
    assert_eq!(
        header_values(gz, "content-length"),
        [gz.body.len().to_string()],
        "the Content-Length follows the new body"
    );
    assert_ne!(gz.body.len(), original.body.len());
    // Headers and query: replaced, the scheme and the other parameters kept.
    let secrets = redacted.captures.iter().find(|c| c.id == 14).unwrap();
    let auth = header_values(secrets, "authorization");
    assert!(auth[0].starts_with("Bearer ") && !auth[0].contains(BEARER_SECRET), "{auth:?}");
    assert_ne!(header_values(secrets, "x-api-token"), [API_TOKEN]);
    let url = secrets.head.url();
    assert!(url.starts_with("/candidate?page=2&token=") && url.contains("&x%5Fapi%5Fkey="), "{url}");
    assert!(!url.contains(TOKEN) && !url.contains(API_KEY), "{url}");
    assert_eq!(
        header_values(secrets, "content-length"),
        [secrets.body.len().to_string()]
    );
    // Through a session file and back, each capture is what was redacted.
    let bytes = session_file(&redacted.captures, &redacted.exchanges);
    let read = file::read(&bytes, &routes).unwrap();
    assert_same(&read.captures, &redacted.captures);
    assert_eq!(read.exchanges, redacted.exchanges);
    // Same statuses as the originals.
    for (got, want) in read.captures.iter().zip(&requests) {
        assert_eq!(got.status(), want.status(), "capture {}", want.id);
    }
    // Bodies that are not JSON: a placeholder of the same length.
    for id in [8, 9] {
        let got = redacted.captures.iter().find(|c| c.id == id).unwrap();
        let want = requests.iter().find(|c| c.id == id).unwrap();
        assert_eq!(got.body.len(), want.body.len());
        assert!(got.body.starts_with(PLACEHOLDER.as_bytes()), "capture {id}");
    }
}

// ---- findings, entities, anomalies and diffs line up --------------------------------------

type Found = Vec<(u64, Vec<Vec<(String, String, Option<String>)>>, Vec<(String, String, String)>)>;

/// Per capture: the (level, pointer, code) of each row's findings and the
/// rows, as `hookscope validate` reads them from a file.
fn findings(path: &std::path::Path) -> Found {
    let routes = Routes::default();
    let opened = open::read_file(path, &routes, &Progress::default()).unwrap();
    hookscope::summarise::all(opened.captures, &routes)
        .iter()
        .map(|capture| {
            let findings = capture
                .all_findings()
                .into_iter()
                .map(|row| {
                    row.into_iter()
                        .map(|f| (f.level.to_string(), f.pointer, f.code.map(|c| format!("{c:?}"))))
                        .collect()
                })
                .collect();
            (capture.id, findings, rows_of(capture))
        })
        .collect()
}

#[test]
fn the_redacted_session_gives_the_same_findings_as_the_original() {
    let (requests, exchanges, redacted) = redacted(77, Options::default());
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: Vec<u8>| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let original = write("original.json", session_file(&requests, &exchanges));
    let session = write("redacted.json", session_file(&redacted.captures, &redacted.exchanges));
    let har = write("redacted.har", har_file(&redacted.captures, &redacted.exchanges));
    let original_har = write("original.har", har_file(&requests, &exchanges));
    let want = findings(&original);
    let located = want
        .iter()
        .flat_map(|c| &c.1)
        .flatten()
        .filter(|(_, pointer, _)| !pointer.is_empty());
    assert!(located.count() >= 5, "the session has findings to compare: {want:?}");
    assert_eq!(findings(&session), want);
    assert_eq!(findings(&har), findings(&original_har));
}

/// What a diff says, without the values.
fn shape_of(diff: &EntityDiff) -> Vec<String> {
    let change = |c: &Change| {
        let kind = match &c.kind {
            ChangeKind::Added(_) => "added",
            ChangeKind::Removed(_) => "removed",
            ChangeKind::Changed { .. } => "changed",
        };
        format!("{} {kind} {}", c.pointer, c.is_type_change())
    };
    let mut out: Vec<String> = diff.fields.iter().map(change).collect();
    for action in &diff.actions {
        let inner = match &action.kind {
            ActionChangeKind::Added(_) => "added".to_owned(),
            ActionChangeKind::Removed(_) => "removed".to_owned(),
            ActionChangeKind::Changed(changes) => changes.iter().map(change).collect::<Vec<_>>().join(", "),
        };
        out.push(format!(
            "action {} {:?} → {:?}: {inner}",
            action.id, action.old_index, action.new_index
        ));
    }
    out
}

fn session_of(captures: &[Received]) -> Session {
    let routes = Routes::default();
    let mut session = Session::new();
    for capture in captures {
        session.push(capture.clone().summarise(&routes));
    }
    session
}

/// Entities (type, id, events, state) and each one's consecutive diffs.
fn histories(session: &Session) -> Vec<(String, String, usize, String, Vec<Vec<String>>)> {
    session
        .entities()
        .iter()
        .map(|entity| {
            let rows: Vec<_> = session.history(&entity.key).map(|row| row.id).collect();
            let diffs = rows
                .windows(2)
                .map(|pair| session.compare(pair[0], pair[1]).map(|d| shape_of(&d)).unwrap_or_default())
                .collect();
            (
                entity.key.entity.to_string(),
                entity.key.id.clone(),
                entity.events(),
                entity.state.to_string(),
                diffs,
            )
        })
        .collect()
}

fn anomalies(session: &Session) -> Vec<String> {
    session
        .all_anomalies()
        .map(|(row, a)| format!("{row:?} {} {} {:?} {:?}", a.kind, a.level, a.pointer, a.related))
        .collect()
}

#[test]
fn entities_anomalies_and_the_diffs_of_updates_line_up() {
    let (requests, _, redacted) = redacted(123, Options::default());
    let (before, after) = (session_of(&requests), session_of(&redacted.captures));
    let want = histories(&before);
    assert_eq!(histories(&after), want);
    // The update changes a name, a tag, an answer and a poste, and adds an action.
    let candidate = want.iter().find(|e| e.1 == "1234567876").unwrap();
    let update = &candidate.4[1];
    assert!(update.iter().any(|c| c.starts_with("/first_name changed")), "{update:?}");
    assert!(update.iter().any(|c| c.starts_with("action 99999999 None")), "{update:?}");
    assert_eq!(anomalies(&after), anomalies(&before));
    assert!(!anomalies(&before).is_empty());
    // Labels are names: pseudonyms now.
    for (b, a) in before.entities().iter().zip(after.entities()) {
        if b.key.entity.as_str() == "candidate" && !b.label.is_empty() {
            assert_ne!(a.label, b.label);
        }
    }
}

#[test]
fn ids_mapped_on_request_keep_the_entity_list_and_its_histories() {
    let options = Options {
        redact_ids: true,
        ..Options::default()
    };
    let (requests, _, redacted) = redacted(5, options);
    let (before, after) = (session_of(&requests), session_of(&redacted.captures));
    let (want, got) = (histories(&before), histories(&after));
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((&g.0, g.2, &g.3), (&w.0, w.2, &w.3), "type, events, state");
        assert_ne!(g.1, w.1, "the id is mapped");
        assert_eq!(g.1.len(), w.1.len(), "to as many digits");
        // Action ids are mapped too: diffs line up but for them.
        assert_eq!(g.4.len(), w.4.len());
    }
    assert!(redacted.tally.ids > 50, "{:?}", redacted.tally);
    assert_eq!(anomalies(&after).len(), anomalies(&before).len());
}

// ---- stable pseudonyms -------------------------------------------------------------------

/// The redacted value at `pointer` in capture `id`'s content.
fn value_at(redacted: &Redacted, id: u64, pointer: &str) -> Value {
    let capture = redacted.captures.iter().find(|c| c.id == id).unwrap();
    let body: Value = serde_json::from_slice(capture.content()).unwrap();
    body.pointer(pointer).cloned().unwrap_or(Value::Null)
}

#[test]
fn pseudonyms_are_stable_within_an_export_and_differ_across_exports() {
    let (_, _, one) = redacted(1, Options::default());
    let (_, _, again) = redacted(1, Options::default());
    let (_, _, other) = redacted(2, Options::default());
    assert_eq!(one.captures, again.captures);
    assert_eq!(one.exchanges, again.exchanges);
    assert_eq!(one.tally, again.tally);
    assert_eq!(
        session_file(&one.captures, &one.exchanges),
        session_file(&again.captures, &again.exchanges)
    );

    let first = "/0/data/first_name";
    assert_ne!(value_at(&one, 4, first), value_at(&other, 4, first));
    // The same name in three captures, one of them gzip-free and one
    // proxied: one pseudonym.
    assert_eq!(value_at(&one, 7, first), value_at(&one, 15, first));
    // The consultant of every action of every candidate sample.
    let consultant = value_at(&one, 4, "/0/data/action/0/consultant/first_name");
    assert!(consultant.is_string() && consultant != "Vanessa");
    for (id, action) in [(4, 1), (4, 3), (5, 2), (10, 1), (15, 0)] {
        let pointer = format!("/0/data/action/{action}/consultant/first_name");
        assert_eq!(value_at(&one, id, &pointer), consultant, "capture {id} {pointer}");
    }
    // The echo in the proxied answer and in the forward's answer: the
    // same pseudonym as in the requests.
    let name = value_at(&one, 15, first);
    let Answer::Replaced(answer) = &one.captures.iter().find(|c| c.id == 15).unwrap().answer else {
        panic!("still a replaced answer");
    };
    let answer: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(answer["echo"], name);
    let forward = &one.exchanges[0];
    let response: Value = serde_json::from_slice(&forward.outcome.result.as_ref().unwrap().body).unwrap();
    assert_eq!(response["stored"], name);
    let request: Value = serde_json::from_slice(&forward.request.body).unwrap();
    assert_eq!(request[0]["data"]["first_name"], name);
}

#[test]
fn all_cores_give_what_one_capture_at_a_time_gives() {
    let redactor = redactor(31, Options::default());
    let requests: Vec<Received> = (0..200)
        .map(|i| {
            let sample = SAMPLES[i % SAMPLES.len()];
            request(sample.path, sample.body).id(i as u64).received()
        })
        .collect();
    let refs: Vec<&Received> = requests.iter().collect();
    let all = redactor.all(&refs, &[]);
    let mut tally = redactor.tally();
    let one_by_one: Vec<Received> = requests.iter().map(|r| redactor.capture(r, &mut tally)).collect();
    assert_eq!(all.captures, one_by_one);
    assert_eq!(all.tally, tally);
    let names = &all.tally.rules[0];
    assert_eq!(names.rule, "/data/first_name");
    assert_eq!(names.replaced, 66, "the creation and update samples of 200");
    assert_eq!(names.examples.len(), 1);
    assert_eq!(names.examples[0].before, "Candidate Firstname");
    assert_eq!(Tally::default().total(), 0);
}
