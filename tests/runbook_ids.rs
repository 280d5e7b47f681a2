//! Items named by their id alone: a unique id is enough, an id that several stages use is
//! refused naming them, an unknown one is refused with close ids; STAGE/ITEM keeps working,
//! in the checklist's decision and through headless `tick`.

mod common;

use std::io::Read;

use warroom::event::Event;
use warroom::reduce::checklist::{Intent, Refusal, decide, resolve};
use warroom::runbook::{Item, Runbook, Stage};
use warroom::state::State;

fn item(id: &str) -> Item {
    Item {
        id: id.into(),
        text: format!("do {id}"),
        required: true,
        role: None,
        commands: Vec::new(),
        notes: Vec::new(),
        check: None,
    }
}

fn stage(id: &str, items: &[&str]) -> Stage {
    Stage {
        id: id.into(),
        title: id.into(),
        offset: None,
        notes: Vec::new(),
        items: items.iter().map(|i| item(i)).collect(),
    }
}

/// `smoke` is in two stages: a runbook that `check` refuses, but one a recorded session may
/// still hold, so the decision must not guess.
fn state() -> State {
    State {
        runbook: Runbook {
            title: "r".into(),
            source: None,
            stages: vec![
                stage("t-1d", &["backup-verified", "smoke"]),
                stage("t0", &["traffic-shifted", "smoke"]),
            ],
        },
        ..State::default()
    }
}

fn tick(stage: &str, item: &str) -> Intent {
    Intent::Tick {
        stage: stage.into(),
        item: item.into(),
    }
}

#[test]
fn a_unique_id_alone_is_recorded_with_its_stage() {
    let s = state();
    assert_eq!(
        decide(&s, tick("", "traffic-shifted")),
        Ok(Event::ItemTicked {
            stage: "t0".into(),
            item: "traffic-shifted".into()
        })
    );
    let note = Intent::Note {
        stage: String::new(),
        item: "backup-verified".into(),
        text: "restore listed".into(),
    };
    assert_eq!(
        decide(&s, note),
        Ok(Event::NoteAdded {
            stage: "t-1d".into(),
            item: "backup-verified".into(),
            text: "restore listed".into()
        })
    );
}

#[test]
fn stage_and_item_keep_working() {
    let s = state();
    assert_eq!(
        decide(&s, tick("t0", "smoke")),
        Ok(Event::ItemTicked {
            stage: "t0".into(),
            item: "smoke".into()
        })
    );
    assert_eq!(resolve(&s.runbook, "t-1d", "smoke"), Ok("t-1d".to_string()));
}

#[test]
fn an_id_two_stages_use_is_refused_naming_them() {
    let e = decide(&state(), tick("", "smoke")).expect_err("ambiguous");
    assert_eq!(
        e,
        Refusal::AmbiguousItem {
            item: "smoke".into(),
            stages: vec!["t-1d".into(), "t0".into()]
        }
    );
    let m = e.to_string();
    assert!(m.contains("t-1d, t0") && m.contains("t-1d/smoke"), "{m}");
}

#[test]
fn an_unknown_id_is_refused_with_close_ids() {
    let e = decide(&state(), tick("", "backup-verifed")).expect_err("unknown");
    let m = e.to_string();
    assert!(m.starts_with("no item 'backup-verifed'"), "{m}");
    assert!(m.contains("did you mean 'backup-verified'"), "{m}");
    // A close id that two stages share is offered with its stages.
    let m = decide(&state(), tick("", "smok"))
        .expect_err("unknown")
        .to_string();
    assert!(
        m.contains("'t-1d/smoke'") && m.contains("'t0/smoke'"),
        "{m}"
    );
    // The right item under the wrong stage points at the stage that has it.
    let m = decide(&state(), tick("t0", "backup-verified"))
        .expect_err("wrong stage")
        .to_string();
    assert!(m.contains("no item 't0/backup-verified'"), "{m}");
    assert!(m.contains("did you mean 't-1d/backup-verified'"), "{m}");
    // Nothing close: say how items are named.
    let m = decide(&state(), tick("", "zzzzzzzzzz"))
        .expect_err("unknown")
        .to_string();
    assert!(m.contains("STAGE/ITEM"), "{m}");
}

#[test]
fn headless_tick_takes_an_item_id_alone() {
    let home = tempfile::tempdir().expect("tmp");
    let rb = common::write_runbook(home.path());
    let session = home.path().join("s.jsonl");
    let mut h = common::Headless::start(
        home.path(),
        &[
            "--runbook",
            rb.to_str().expect("utf-8 path"),
            "--session",
            session.to_str().expect("utf-8 path"),
            "--operator",
            "lead",
        ],
    );
    h.send("tick backup");
    let ticked = h.wait_for("ItemTicked");
    assert_eq!(ticked["event"]["stage"], "t-1d");
    assert_eq!(ticked["event"]["item"], "backup");
    h.send("tick t-7d/review");
    let ticked = h.wait_for("ItemTicked");
    assert_eq!(ticked["event"]["stage"], "t-7d");
    h.send("tick backup-verified");
    h.send("quit");
    h.wait_for("SessionEnded");
    // The headless loop reads stdin until it closes; close it so the process can exit.
    drop(h.child.stdin.take());
    let mut stderr = String::new();
    h.child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    h.child.wait().expect("exits");
    assert!(
        stderr.contains("no item 'backup-verified'") && stderr.contains("did you mean 'backup'"),
        "{stderr}"
    );
}
