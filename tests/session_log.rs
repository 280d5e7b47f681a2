//! Session-log tests: the chain verifies; edits, deletions, reorders and insertions are caught
//! with their line number; torn tails; `--head`; lock contention; resume.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Stdio;

use warroom::event::{Actor, Event};
use warroom::session::{Durability, SessionLogError, Writer, verify_bytes};

fn actor() -> Actor {
    Actor {
        name: "lead".into(),
        role: "deployment-lead".into(),
        host: "test".into(),
    }
}

fn note(i: usize) -> Event {
    Event::NoteAdded {
        stage: "t-7d".into(),
        item: "review".into(),
        text: format!("note number {i}"),
    }
}

/// Writes a closed session of `n` notes and returns the file's lines.
fn write_session(path: &Path, n: usize) -> Vec<String> {
    let mut w = Writer::create(path, &actor()).unwrap();
    for i in 0..n {
        w.append(&actor(), note(i), Durability::Sync).unwrap();
    }
    w.append(
        &actor(),
        Event::SessionEnded {
            reason: "quit".into(),
        },
        Durability::Sync,
    )
    .unwrap();
    drop(w);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn damage_line(lines: &[String]) -> u64 {
    let bytes = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    verify_bytes(bytes.as_bytes())
        .expect_err("damage must be detected")
        .line
}

#[test]
fn an_intact_chain_verifies_and_reports_its_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    let mut w = Writer::create(&path, &actor()).unwrap();
    for i in 0..50 {
        w.append(&actor(), note(i), Durability::Group).unwrap();
    }
    w.sync().unwrap();
    let head = w.head().to_string();
    drop(w);
    let (report, envs) = verify_bytes(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(report.lines, 50);
    assert_eq!(envs.len(), 50);
    assert_eq!(report.final_hash.as_deref(), Some(head.as_str()));
    assert!(!report.clean_close, "no end marker was written");
    assert_eq!(envs[0].seq, 1);
    assert_eq!(envs[0].prev, "0".repeat(64));
    assert_eq!(envs[49].seq, 50);
}

#[test]
fn every_line_has_exactly_the_spec_fields_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let lines = write_session(&dir.path().join("s.jsonl"), 1);
    for l in &lines {
        let keys: Vec<&str> = l
            .trim_start_matches('{')
            .split(',')
            .filter_map(|kv| kv.strip_prefix('"').and_then(|k| k.split('"').next()))
            .collect();
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let obj = v.as_object().unwrap();
        let mut top: Vec<&str> = obj.keys().map(String::as_str).collect();
        top.sort_unstable();
        assert_eq!(
            top,
            [
                "actor", "at", "event", "hash", "prev", "seq", "session", "v"
            ]
        );
        assert!(keys[0] == "v" && l.contains(",\"hash\":\"") && l.ends_with("\"}"));
        let at = v["at"].as_str().unwrap();
        assert_eq!(at.len(), "2026-11-24T15:01:02.123Z".len(), "{at}");
    }
}

#[test]
fn an_edited_line_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = write_session(&dir.path().join("s.jsonl"), 10);
    lines[4] = lines[4].replace("note number 4", "note number 9");
    assert!(lines[4].contains("number 9"));
    assert_eq!(damage_line(&lines), 5);
    // Editing only the hash is caught as well.
    let mut lines = write_session(&dir.path().join("t.jsonl"), 10);
    let l = &lines[6];
    let cut = l.len() - 3;
    let flipped = if &l[cut..cut + 1] == "0" { "1" } else { "0" };
    lines[6] = format!("{}{flipped}{}", &l[..cut], &l[cut + 1..]);
    assert_eq!(damage_line(&lines), 7);
}

#[test]
fn a_deleted_line_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = write_session(&dir.path().join("s.jsonl"), 10);
    lines.remove(3);
    assert_eq!(damage_line(&lines), 4);
}

#[test]
fn reordered_lines_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = write_session(&dir.path().join("s.jsonl"), 10);
    lines.swap(2, 3);
    assert_eq!(damage_line(&lines), 3);
}

#[test]
fn an_inserted_line_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = write_session(&dir.path().join("s.jsonl"), 10);
    let copy = lines[5].clone();
    lines.insert(6, copy);
    assert_eq!(damage_line(&lines), 7);
    // A line forged from another session's chain is caught too.
    let other = write_session(&dir.path().join("o.jsonl"), 10);
    let mut lines = write_session(&dir.path().join("p.jsonl"), 10);
    lines[2].clone_from(&other[2]);
    assert_eq!(damage_line(&lines), 3);
}

#[test]
fn garbage_in_the_middle_is_damage_not_a_torn_tail() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = write_session(&dir.path().join("s.jsonl"), 5);
    lines[2] = "\0".repeat(512);
    assert_eq!(damage_line(&lines), 3);
}

#[test]
fn verify_cli_reports_intact_torn_damaged_and_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    let lines = write_session(&path, 5);
    let verify = |args: &[&str]| {
        let out = common::warroom(dir.path())
            .arg("verify")
            .arg(&path)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, text) = verify(&[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("intact: 6 lines"), "{text}");
    assert!(text.contains("closed cleanly"), "{text}");
    let head: serde_json::Value = serde_json::from_str(&lines[5]).unwrap();
    let head = head["hash"].as_str().unwrap().to_string();
    assert!(text.contains(&head), "{text}");

    // Torn final line: a warning, still exit 0, and the close is reported missing.
    let mut torn = lines[..5].join("\n");
    torn.push('\n');
    torn.push_str(&lines[5][..40]);
    std::fs::write(&path, &torn).unwrap();
    let (code, text) = verify(&[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("torn final line"), "{text}");
    assert!(text.contains("line 6") || text.contains(":6:"), "{text}");
    assert!(text.contains("ended without a clean close"), "{text}");

    // Cut-off tail: the known head is no longer reached.
    let cut = lines[..4].join("\n") + "\n";
    std::fs::write(&path, cut).unwrap();
    let (code, text) = verify(&["--head", &head]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("cut off"), "{text}");

    // Damage: exit 1 naming the line.
    let mut edited = lines.clone();
    edited[1] = edited[1].replace("number 1", "number 7");
    assert!(edited[1].contains("number 7"));
    std::fs::write(&path, edited.join("\n") + "\n").unwrap();
    let (code, text) = verify(&[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains(":2: damaged"), "{text}");
}

#[test]
fn a_second_writer_is_refused_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    let _first = Writer::create(&path, &actor()).unwrap();
    let other = Actor {
        name: "oncall".into(),
        ..actor()
    };
    match Writer::create(&path, &other) {
        Err(SessionLogError::Locked { holder, .. }) => {
            assert!(
                holder.contains(&format!("pid {}", std::process::id())),
                "{holder}"
            );
            assert!(holder.contains("operator lead"), "{holder}");
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    match Writer::resume(&path, &other) {
        Err(SessionLogError::Locked { .. }) => {}
        other => panic!("expected Locked, got {other:?}"),
    }
}

#[test]
fn a_second_run_process_fails_at_once_naming_the_holder() {
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let session = home.path().join("s.jsonl");
    let s = session.to_str().unwrap();
    let r = rb.to_str().unwrap();
    let mut first = common::Headless::start(
        home.path(),
        &[
            "--runbook",
            r,
            "--session",
            s,
            "--operator",
            "lead",
            "--duration",
            "60s",
        ],
    );
    first.wait_for("SessionStarted");
    let out = common::warroom(home.path())
        .args([
            "run",
            "--headless",
            "--runbook",
            r,
            "--session",
            s,
            "--resume",
        ])
        .args(["--operator", "oncall"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("pid {}", first.child.id())), "{err}");
    assert!(err.contains("operator lead"), "{err}");
    first.child.kill().unwrap();
    first.child.wait().unwrap();
}

#[test]
fn an_existing_session_needs_resume_and_resume_continues_the_chain() {
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let session = home.path().join("s.jsonl");
    let (s, r) = (session.to_str().unwrap(), rb.to_str().unwrap());
    let mut a = common::Headless::start(home.path(), &["--runbook", r, "--session", s]);
    a.send("tick t-7d/review");
    a.send("quit");
    a.wait_for("SessionEnded");
    a.child.wait().unwrap();

    let out = common::warroom(home.path())
        .args(["run", "--headless", "--runbook", r, "--session", s])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--resume"));

    // Simulate a crash mid-write: a torn line at the end.
    let mut bytes = std::fs::read(&session).unwrap();
    bytes.extend_from_slice(br#"{"v":1,"seq":4,"at":"2026-"#);
    std::fs::write(&session, &bytes).unwrap();

    let mut b = common::Headless::start(
        home.path(),
        &["--session", s, "--resume", "--operator", "oncall"],
    );
    let resumed = b.wait_for("SessionResumed");
    assert_eq!(resumed["seq"], 4);
    assert_eq!(resumed["event"]["torn_bytes"], 26);
    assert_eq!(resumed["event"]["previous_clean_close"], true);
    // The earlier tick was rebuilt from the file: ticking again is refused, unticking works.
    b.send("tick t-7d/review");
    b.send("untick t-7d/review");
    b.send("quit");
    let un = b.wait_for("ItemUnticked");
    assert_eq!(un["actor"]["name"], "oncall");
    b.wait_for("SessionEnded");
    let out = b.child.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("already ticked"));

    let torn = std::fs::read(home.path().join("s.jsonl.torn")).unwrap();
    assert_eq!(torn, br#"{"v":1,"seq":4,"at":"2026-"#);
    let (report, envs) = verify_bytes(&std::fs::read(&session).unwrap()).unwrap();
    assert!(report.clean_close);
    assert_eq!(envs.len(), 6);
    assert!(envs.windows(2).all(|w| w[1].prev == w[0].hash));
}
