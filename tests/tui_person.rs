//! The war room as a person uses it, in tmux: open a runbook, tick an item, write a note,
//! quit; then verify the session log and find the tick with its operator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::tmux::{Tmux, wait_for_end};

#[test]
fn tick_note_quit_then_verify_finds_the_tick_with_its_operator() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let rb = common::write_runbook(h);
    let session = h.join("s.jsonl");
    // T-0 is a week and a day away, so the first stage (T-7d) is the one up next.
    let t0 = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24 * 8))
        .unwrap();
    let script = format!(
        "'{bin}' run --runbook '{rb}' --session '{s}' --operator ops1 --role deployment-lead \
         --t0 {t0}; echo EXIT=$?; sleep 60",
        bin = common::bin().display(),
        rb = rb.display(),
        s = session.display(),
    );
    let t = Tmux::start(
        &script,
        160,
        48,
        &[
            ("HOME", h),
            ("XDG_CONFIG_HOME", &h.join("config")),
            ("XDG_DATA_HOME", &h.join("data")),
            ("XDG_STATE_HOME", &h.join("state")),
        ],
    );
    t.wait_for("All code reviewed by two engineers");

    // The cursor starts on the current stage's first open item: tick it.
    t.keys(&["Space"]);
    let screen = t.wait_for("✓ ops1");
    assert!(
        screen.contains("1/2"),
        "stage progress should read 1/2:\n{screen}"
    );

    // A note on the same item.
    t.keys(&["n"]);
    t.wait_for("ctrl-s");
    t.type_text("reviewed in PR 4711 by two seniors");
    t.keys(&["C-s"]);
    t.wait_for("reviewed in PR 4711");

    t.keys(&["q"]);
    t.wait_for("EXIT=0");
    assert_eq!(wait_for_end(&session), "quit");

    let out = common::warroom(h)
        .arg("verify")
        .arg(&session)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("closed cleanly"), "{text}");

    let lines = common::session_lines(&session);
    let tick = lines
        .iter()
        .find(|l| l["event"]["type"] == "ItemTicked")
        .expect("a tick in the log");
    assert_eq!(tick["event"]["stage"], "t-7d");
    assert_eq!(tick["event"]["item"], "review");
    assert_eq!(tick["actor"]["name"], "ops1");
    assert_eq!(tick["actor"]["role"], "deployment-lead");
    let note = lines
        .iter()
        .find(|l| l["event"]["type"] == "NoteAdded")
        .expect("a note in the log");
    assert_eq!(note["event"]["text"], "reviewed in PR 4711 by two seniors");
    assert_eq!(note["event"]["item"], "review");
}
