//! A reviewer in a real terminal (tmux): open the bad-canary session in replay, jump with `]`
//! from moment to moment until the auto-rollback, read on screen why it fired, step back one
//! event with `,` to the moment before it, and leave with `q`. Needs tmux: under CI a missing
//! tmux fails the test.

mod common;
#[path = "shared/tool.rs"]
mod tool;

use std::path::Path;
use std::process::Command;

use common::tmux::Tmux;

/// The line the bar says the replay is at: `line N of M`.
fn line_of(screen: &str) -> u64 {
    try_line(screen).unwrap_or_else(|| panic!("no line number on screen:\n{screen}"))
}

fn try_line(screen: &str) -> Option<u64> {
    screen
        .match_indices("line ")
        .filter_map(|(i, m)| {
            let rest = &screen[i + m.len()..];
            let (n, tail) = rest.split_once(' ')?;
            tail.starts_with("of ").then(|| n.parse().ok())?
        })
        .next()
}

#[test]
fn a_reviewer_jumps_to_the_auto_rollback_reads_why_and_steps_back() {
    if Command::new("tmux").arg("-V").output().is_err() {
        tool::missing("replay_tmux", "tmux is not installed");
        return;
    }
    let home = tempfile::tempdir().expect("tmp");
    let session =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sessions/demo-bad-canary.jsonl");
    let script = format!(
        "{} replay --paused {}; sleep 5",
        common::bin().display(),
        session.display()
    );
    let t = Tmux::start(
        &script,
        160,
        48,
        &[
            ("HOME", home.path()),
            ("XDG_CONFIG_HOME", &home.path().join("config")),
            ("TZ", Path::new("UTC")),
        ],
    );
    let first = t.wait_for("⏸ REPLAY");
    assert!(first.contains("line 1 of 61"), "{first}");
    assert!(first.contains("replay: read-only"), "{first}");
    assert!(
        first.contains("✓ chain intact (61 lines), closed cleanly"),
        "{first}"
    );

    // `]` from moment to moment (the approval, go, the shift…) until the rollback.
    let mut screen = first;
    for _ in 0..10 {
        let before = line_of(&screen);
        t.keys(&["]"]);
        screen = t.wait_until("the next moment", |s| {
            s.contains("⏸ REPLAY") && try_line(s).is_some_and(|n| n > before)
        });
        if screen.contains("at a rollback") {
            break;
        }
    }
    assert!(screen.contains("at a rollback"), "{screen}");
    let at = line_of(&screen);
    // The why panel opened by itself: the rule, the measurement and the limit.
    let screen = t.wait_for("AUTO-ROLLBACK FIRED");
    assert!(
        screen.contains("green error ratio 8.82 % over the 30s window is over the 5.00 % limit"),
        "{screen}"
    );
    assert!(
        screen.contains("AUTO-rollback"),
        "the events pane has it:\n{screen}"
    );

    // One event back: the moment before the rollback was asked for.
    t.keys(&[","]);
    let back = t.wait_until("one line back", |s| try_line(s) == Some(at - 1));
    assert!(!back.contains("at a rollback"), "{back}");
    assert!(!back.contains("AUTO-ROLLBACK FIRED"), "{back}");

    // Nothing here records or changes anything.
    t.keys(&["r"]);
    let refused = t.wait_for("replay: read-only; rollback records nothing");
    assert_eq!(line_of(&refused), at - 1);

    // `q` closes the why panel (as in the war room), then leaves.
    t.keys(&["q"]);
    t.wait_until("the why panel to close", |s| {
        !s.contains("why (esc/w/q closes)")
    });
    t.keys(&["q"]);
    t.wait_until("the replay to end", |s| !s.contains("REPLAY"));
}
