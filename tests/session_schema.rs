//! Resume and verify never drop a line silently: an older recorded config still opens (what
//! today's schema lacks is named), a newer event type is kept and shown verbatim, and a known
//! line that cannot be read is reported by number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Stdio;

use warroom::config::warroom::WarroomConfig;
use warroom::session::hash::{GENESIS, chain_hash, insert_hash};

/// Seals events (JSON objects as text) into a chained file the way the writer does.
fn write_file(path: &Path, events: &[String]) {
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
    std::fs::write(path, out).unwrap();
}

/// A `SessionStarted` with the test runbook and a config carrying a key today's schema lacks,
/// as a file written by an older version would.
fn old_start() -> String {
    let runbook = warroom::runbook::parse_str(
        common::RUNBOOK,
        warroom::runbook::Format::Toml,
        "runbook.toml",
    )
    .unwrap();
    let mut config = serde_json::to_value(WarroomConfig::default()).unwrap();
    config["deployment"]["name"] = "checkout".into();
    config["deployment"]["change_ticket"] = "CHG-1234".into();
    serde_json::json!({
        "type": "SessionStarted",
        "app_version": "0.0.9",
        "runbook_path": "runbook.toml",
        "runbook_sha256": "00",
        "runbook": runbook,
        "config": config,
    })
    .to_string()
}

fn ticked() -> String {
    r#"{"type":"ItemTicked","stage":"t-7d","item":"review"}"#.to_string()
}

fn crashed() -> String {
    r#"{"type":"SessionCrashed","reason":"panic: old"}"#.to_string()
}

fn verify(home: &Path, file: &Path) -> (Option<i32>, String) {
    let out = common::warroom(home)
        .arg("verify")
        .arg(file)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn an_older_config_resumes_with_its_history_and_names_what_was_left_out() {
    let home = tempfile::tempdir().unwrap();
    let session = home.path().join("s.jsonl");
    write_file(&session, &[old_start(), ticked(), crashed()]);
    let (code, text) = verify(home.path(), &session);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("config.deployment.change_ticket"), "{text}");

    let mut b = common::Headless::start(
        home.path(),
        &["--resume", "--session", session.to_str().unwrap()],
    );
    let resumed = b.wait_for("SessionResumed");
    assert_eq!(resumed["event"]["previous_clean_close"], false);
    let warned = b.wait_for("ConfigWarned");
    let message = warned["event"]["message"].as_str().unwrap();
    assert!(message.contains("line 1"), "{message}");
    assert!(
        message.contains("config.deployment.change_ticket"),
        "{message}"
    );
    // The tick before the resume was rebuilt from the file: taking it back works.
    b.send("untick t-7d/review");
    let un = b.wait_for("ItemUnticked");
    assert_eq!(un["event"]["item"], "review");
    b.send("quit");
    b.wait_for("SessionEnded");
    assert!(b.child.wait().unwrap().success());
}

#[test]
fn an_event_type_from_a_newer_version_is_kept_and_shown_verbatim() {
    let home = tempfile::tempdir().unwrap();
    let session = home.path().join("s.jsonl");
    let newer = r#"{"type":"DecisionRecorded","decision":"go","stage":"t-0"}"#.to_string();
    write_file(&session, &[old_start(), newer.clone(), ticked()]);
    let (code, text) = verify(home.path(), &session);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("warning:"), "{text}");
    assert!(
        text.contains("line 2: event type DecisionRecorded"),
        "{text}"
    );
    assert!(text.contains(&newer), "shown verbatim: {text}");

    let out = common::warroom(home.path())
        .args(["run", "--headless", "--resume", "--session"])
        .arg(&session)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = common::session_lines(&session);
    assert_eq!(
        lines[1]["event"]["type"], "DecisionRecorded",
        "kept in place"
    );
    let warned: Vec<&str> = lines
        .iter()
        .filter(|l| l["event"]["type"] == "ConfigWarned")
        .map(|l| l["event"]["message"].as_str().unwrap())
        .collect();
    assert!(
        warned
            .iter()
            .any(|m| m.contains("DecisionRecorded") && m.contains(&newer)),
        "{warned:?}"
    );
}

#[test]
fn a_known_line_that_cannot_be_read_is_reported_and_refuses_the_resume() {
    let home = tempfile::tempdir().unwrap();
    let session = home.path().join("s.jsonl");
    let bad = r#"{"type":"ItemTicked","stage":"t-7d","item":["review"]}"#.to_string();
    write_file(&session, &[old_start(), ticked(), bad]);
    let (code, text) = verify(home.path(), &session);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("intact: 3 lines"), "{text}");
    assert!(
        text.contains("error:")
            && text.contains("line 3: ItemTicked cannot be read by this version"),
        "{text}"
    );

    let before = std::fs::read(&session).unwrap();
    let out = common::warroom(home.path())
        .args(["run", "--headless", "--resume", "--session"])
        .arg(&session)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot resume: line 3"), "{err}");
    assert_eq!(
        std::fs::read(&session).unwrap(),
        before,
        "nothing was written"
    );
}
