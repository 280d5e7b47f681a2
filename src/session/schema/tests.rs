//! Tests of reading across versions: lines written by older and newer versions open, and what
//! cannot be read is reported, never skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::event::Event;
use crate::session::hash::{GENESIS, chain_hash, insert_hash};
use crate::session::{NoticeKind, verify_bytes};

/// Seals events (JSON objects as text) into a chained file, the way the writer does.
fn file_of(events: &[String]) -> Vec<u8> {
    let mut prev = GENESIS.to_string();
    let mut out = Vec::new();
    for (i, event) in events.iter().enumerate() {
        let bare = format!(
            r#"{{"v":1,"seq":{},"at":"2026-11-24T15:01:02.123Z","session":"27e59f99719af05b","actor":{{"name":"lead","role":"deployment-lead","host":"ops-1"}},"event":{event},"prev":"{prev}","hash":""}}"#,
            i + 1
        );
        let hash = chain_hash(&prev, bare.as_bytes());
        out.extend_from_slice(&insert_hash(bare.as_bytes(), &hash));
        out.push(b'\n');
        prev = hash;
    }
    out
}

fn started_with_config(config: &serde_json::Value) -> String {
    format!(
        r#"{{"type":"SessionStarted","app_version":"0.1.0","runbook_path":"r.toml","runbook_sha256":"ab","runbook":{{"title":"Release","stage":[{{"id":"s","title":"S","item":[{{"id":"i","text":"Item"}}]}}]}},"config":{config}}}"#
    )
}

fn config_json() -> serde_json::Value {
    serde_json::to_value(WarroomConfig::default()).unwrap()
}

#[test]
fn known_types_are_exactly_the_event_variants() {
    // serde names every variant it expects when it meets one it does not know.
    let err = serde_json::from_str::<Event>(r#"{"type":"NoSuchEvent"}"#)
        .unwrap_err()
        .to_string();
    let listed = err
        .split_once("expected one of ")
        .and_then(|(_, l)| l.rsplit_once(" at line"))
        .map(|(l, _)| l)
        .expect("serde lists the variants");
    let mut from_serde: Vec<&str> = listed
        .split(", ")
        .map(|v| v.trim_matches(|c: char| c == '`' || !c.is_alphanumeric()))
        .filter(|v| !v.is_empty())
        .collect();
    let mut known = KNOWN_TYPES.to_vec();
    from_serde.sort_unstable();
    known.sort_unstable();
    assert_eq!(known, from_serde, "{err}");
}

#[test]
fn upgrades_cover_every_version_up_to_the_current_one() {
    assert_eq!(UPGRADES.len() as u32, LOG_VERSION - OLDEST);
    let mut v = serde_json::json!({"v": 1});
    assert!(upgrade(1, &mut v).is_ok());
    assert!(upgrade(0, &mut v).is_err());
    assert!(upgrade(LOG_VERSION + 1, &mut v).is_err());
}

#[test]
fn a_recorded_config_with_a_key_the_schema_lost_still_opens_and_says_so() {
    let mut cfg = config_json();
    cfg["deployment"]["name"] = "checkout".into();
    cfg["deployment"]["retired_key"] = "from an older version".into();
    cfg["traffic"]["strategy"] = "dns-weights".into();
    let bytes = file_of(&[
        started_with_config(&cfg),
        r#"{"type":"ItemTicked","stage":"s","item":"i"}"#.to_string(),
    ]);
    let (report, envs) = verify_bytes(&bytes).unwrap();
    assert_eq!(envs.len(), 2, "no line is dropped");
    let Event::SessionStarted {
        config: Some(c), ..
    } = &envs[0].event
    else {
        panic!("the config is kept: {:?}", envs[0].event);
    };
    assert_eq!(c.deployment.name, "checkout");
    assert_eq!(report.notices.len(), 1, "{:?}", report.notices);
    let n = &report.notices[0];
    assert_eq!((n.line, n.kind.as_str()), (1, "SessionStarted"));
    let NoticeKind::LeftOut { parts } = &n.what else {
        panic!("{n:?}");
    };
    assert!(
        parts[0].contains("config.deployment.retired_key"),
        "{parts:?}"
    );
    assert!(parts[1].contains("config.traffic.strategy"), "{parts:?}");
    assert!(n.to_string().contains("line 1"), "{n}");
}

#[test]
fn a_config_that_cannot_be_read_at_all_is_left_out_whole_and_named() {
    let mut cfg = config_json();
    cfg["slo"]["error_ratio"] = "not a number".into();
    let bytes = file_of(&[started_with_config(&cfg)]);
    let (report, envs) = verify_bytes(&bytes).unwrap();
    assert!(matches!(
        &envs[0].event,
        Event::SessionStarted { config: None, .. }
    ));
    let text = report.notices[0].to_string();
    assert!(text.contains("config: cannot be read"), "{text}");
    assert!(text.contains("slo.error_ratio"), "{text}");
}

#[test]
fn a_known_type_that_does_not_decode_is_reported_not_skipped() {
    let bytes = file_of(&[
        started_with_config(&config_json()),
        r#"{"type":"NoteAdded","stage":"s","item":"i","text":42}"#.to_string(),
        r#"{"type":"ItemTicked","stage":"s","item":"i"}"#.to_string(),
    ]);
    let (report, envs) = verify_bytes(&bytes).unwrap();
    assert_eq!(report.lines, 3);
    assert_eq!(envs.len(), 2);
    let n = &report.notices[0];
    assert_eq!((n.line, n.seq, n.kind.as_str()), (2, 2, "NoteAdded"));
    assert!(
        matches!(&n.what, NoticeKind::Unreadable { error } if error.contains("invalid type")),
        "{n:?}"
    );
}

#[test]
fn an_unknown_event_type_is_kept_verbatim() {
    let newer = r#"{"type":"DecisionRecorded","decision":"go","by":"lead"}"#;
    let bytes = file_of(&[started_with_config(&config_json()), newer.to_string()]);
    let (report, envs) = verify_bytes(&bytes).unwrap();
    assert_eq!(envs.len(), 1);
    let n = &report.notices[0];
    let NoticeKind::Unknown { raw } = &n.what else {
        panic!("{n:?}");
    };
    let line2 = String::from_utf8(bytes)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(raw, &line2, "kept exactly as written");
    assert!(n.to_string().contains(newer), "{n}");
}

#[test]
fn a_removed_runbook_key_is_left_out_but_a_broken_runbook_is_unreadable() {
    let cfg = config_json();
    let with_extra = started_with_config(&cfg)
        .replace(r#""text":"Item"}"#, r#""text":"Item","owner_retired":"x"}"#);
    let (report, envs) = verify_bytes(&file_of(&[with_extra])).unwrap();
    assert_eq!(envs.len(), 1);
    assert!(
        report.notices[0]
            .to_string()
            .contains("runbook.stage[0].item[0].owner_retired"),
        "{}",
        report.notices[0]
    );
    let broken = started_with_config(&cfg).replace(r#""title":"Release""#, r#""title":5"#);
    let (report, envs) = verify_bytes(&file_of(&[broken])).unwrap();
    assert!(envs.is_empty());
    assert!(matches!(
        report.notices[0].what,
        NoticeKind::Unreadable { .. }
    ));
}
