//! docs/session-log.md lists every event type the log can hold: its table is read and held
//! to `Event::KINDS`, which is itself held to the enum's own wire names (serde's list).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use warroom::event::Event;

/// The wire names serde knows for `Event`, read from the error for an unknown `type`.
fn serde_kinds() -> Vec<String> {
    let err = serde_json::from_str::<Event>(r#"{"type":"NoSuchEvent"}"#)
        .expect_err("an unknown type is refused")
        .to_string();
    let list = err
        .split("expected one of ")
        .nth(1)
        .unwrap_or_else(|| panic!("no variant list in {err:?}"));
    list.split(',')
        .map(|s| s.trim().trim_matches('`').to_string())
        .map(|s| s.split('`').next().unwrap_or_default().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The types named in the first column of the doc's events table.
fn documented_kinds() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/session-log.md");
    let doc = std::fs::read_to_string(path).expect("docs/session-log.md");
    let table = doc
        .split("\n## Events\n")
        .nth(1)
        .expect("an Events section")
        .lines()
        .skip_while(|l| !l.starts_with("| type |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'));
    let mut out = Vec::new();
    for row in table {
        let first = row.split('|').nth(1).unwrap_or_default();
        out.extend(first.split('`').skip(1).step_by(2).map(str::to_string));
    }
    out
}

#[test]
fn kinds_are_every_variant_of_the_enum() {
    let from_serde = serde_kinds();
    assert!(from_serde.len() >= 19, "{from_serde:?}");
    assert_eq!(
        Event::KINDS,
        from_serde.iter().map(String::as_str).collect::<Vec<_>>(),
        "Event::KINDS must list every variant, in declaration order"
    );
}

#[test]
fn the_session_log_doc_lists_every_event_type() {
    let documented = documented_kinds();
    let missing: Vec<&str> = Event::KINDS
        .iter()
        .copied()
        .filter(|k| !documented.iter().any(|d| d == k))
        .collect();
    let unknown: Vec<&String> = documented
        .iter()
        .filter(|d| !Event::KINDS.contains(&d.as_str()))
        .collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "docs/session-log.md: missing {missing:?}, not event types {unknown:?}"
    );
}
