//! The streaming checker agrees with `verify_bytes` line for line: same report on intact
//! files, same first damage (line and reason) on damaged ones.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::session::hash::{chain_hash, insert_hash};
use crate::session::reader::LineReader;
use crate::session::verify_bytes;

fn file_of(events: &[&str]) -> Vec<u8> {
    file_in(events, |_| "27e59f99719af05b")
}

/// Seals events into a chained file, the session id of each line chosen by its index.
fn file_in(events: &[&str], session: impl Fn(usize) -> &'static str) -> Vec<u8> {
    let mut prev = GENESIS.to_string();
    let mut out = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let bare = format!(
            r#"{{"v":1,"seq":{},"at":"2026-11-24T15:01:02.123Z","session":"{}","actor":{{"name":"lead","role":"deployment-lead","host":"ops-1"}},"event":{event},"prev":"{prev}","hash":""}}"#,
            i + 1,
            session(i)
        );
        let hash = chain_hash(&prev, bare.as_bytes());
        out.extend_from_slice(&insert_hash(bare.as_bytes(), &hash));
        out.push(b'\n');
        prev = hash;
    }
    out
}

const STARTED: &str = r#"{"type":"SessionStarted","app_version":"0.1.0","runbook_path":"r.toml","runbook_sha256":"ab","runbook":{"title":"Release","stage":[{"id":"s","title":"S","item":[{"id":"i","text":"Item"}]}]}}"#;

fn events() -> Vec<&'static str> {
    vec![
        STARTED,
        r#"{"type":"ItemTicked","stage":"s","item":"i"}"#,
        r#"{"type":"HeadSigned","head":"abc","sig":"-----BEGIN SSH SIGNATURE-----"}"#,
        r#"{"type":"MarkerAdded","note":"before the shift"}"#,
        r#"{"type":"SessionCrashed","reason":"panic: boom"}"#,
        r#"{"type":"SessionResumed","app_version":"0.1.0","previous_clean_close":false,"torn_bytes":0}"#,
        r#"{"type":"SessionEnded","reason":"quit"}"#,
    ]
}

/// Streams `bytes` through the checker the way replay reads a file.
fn stream(bytes: &[u8]) -> Result<(Report, Vec<Envelope>), Damage> {
    let mut chain = Chain::new();
    let mut envs = Vec::new();
    let mut r = LineReader::new(bytes);
    while let Some(l) = r.next_line().expect("read") {
        if !l.complete {
            chain.torn(l.offset, l.bytes.len() as u64);
            break;
        }
        let c = chain.check(l.bytes)?;
        envs.extend(c.envelope.map(|e| *e));
    }
    Ok((chain.report, envs))
}

fn same(bytes: &[u8]) {
    assert_eq!(stream(bytes), verify_bytes(bytes));
}

#[test]
fn an_intact_file_gives_the_verifiers_report() {
    let bytes = file_of(&events());
    same(&bytes);
    let (report, envs) = stream(&bytes).expect("intact");
    assert_eq!(report.lines, 7);
    assert!(report.clean_close);
    assert_eq!(report.crashes.len(), 1);
    assert_eq!(
        report.notices.len(),
        1,
        "the unknown HeadSigned line is kept"
    );
    assert_eq!(envs.len(), 6);
}

#[test]
fn a_torn_tail_is_reported_like_the_verifier_does() {
    let mut bytes = file_of(&events());
    bytes.extend_from_slice(br#"{"v":1,"seq":8,"at":"#);
    same(&bytes);
    let (report, _) = stream(&bytes).expect("torn tail is no damage");
    assert_eq!(report.torn_tail.map(|t| (t.line, t.bytes)), Some((8, 20)));
}

#[test]
fn every_kind_of_damage_is_found_at_the_same_line_for_the_same_reason() {
    let good = file_of(&events());
    let lines: Vec<&[u8]> = good
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let join = |ls: &[&[u8]]| {
        let mut out = Vec::new();
        for l in ls {
            out.extend_from_slice(l);
            out.push(b'\n');
        }
        out
    };
    let edited =
        String::from_utf8(good.clone())
            .unwrap()
            .replacen("before the shift", "after the shift", 1);
    let removed = join(&[lines[0], lines[1], lines[3]]);
    let swapped = join(&[lines[0], lines[2], lines[1]]);
    let garbage = join(&[lines[0], b"not json", lines[1]]);
    let empty = join(&[lines[0], b"", lines[1]]);
    let newer = String::from_utf8(join(&[lines[0], lines[1]]))
        .unwrap()
        .replacen("{\"v\":1,\"seq\":2", "{\"v\":9,\"seq\":2", 1);
    let other_session = file_in(&events()[..3], |i| {
        if i == 2 {
            "ffffffffffffffff"
        } else {
            "27e59f99719af05b"
        }
    });
    for bytes in [
        edited.into_bytes(),
        removed,
        swapped,
        garbage,
        empty,
        newer.into_bytes(),
        other_session,
    ] {
        let want = verify_bytes(&bytes);
        assert!(want.is_err(), "the case is damage");
        assert_eq!(stream(&bytes), want);
    }
}

#[test]
fn after_damage_lines_are_still_read_unverified() {
    let bytes = file_of(&events());
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(matches!(read_unverified(lines[3].as_bytes()), Unverified::Envelope(e) if e.seq == 4));
    assert!(matches!(
        read_unverified(lines[2].as_bytes()),
        Unverified::Unknown { seq: Some(3), ref kind } if kind == "HeadSigned"
    ));
    assert!(matches!(read_unverified(b"{oops"), Unverified::Garbage));
}

#[test]
fn the_chain_remembers_its_first_line_and_head() {
    let bytes = file_of(&events()[..2]);
    let mut chain = Chain::new();
    let text = String::from_utf8(bytes).unwrap();
    let hash_of = |l: &str| l[l.len() - 66..l.len() - 2].to_string();
    let (l1, l2) = (text.lines().next().unwrap(), text.lines().nth(1).unwrap());
    chain.check(l1.as_bytes()).expect("ok");
    chain.check(l2.as_bytes()).expect("ok");
    assert_eq!(chain.first_hash(), Some(hash_of(l1).as_str()));
    assert_eq!(chain.head(), hash_of(l2));
    assert_eq!(chain.lines(), 2);
    // A damaged line leaves the chain as it was.
    assert!(chain.check(b"{}").is_err());
    assert_eq!(chain.lines(), 2);
    assert_eq!(chain.head(), hash_of(l2));
}
