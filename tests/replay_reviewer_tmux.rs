//! A post-mortem reviewer in tmux: open the `bad-canary` recording in replay, jump from moment
//! to moment with `]` until the auto-rollback, read its reason on screen, step back with `,`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::tmux::Tmux;

/// The `line N of M` position the replay bar shows.
fn line_of(screen: &str) -> u64 {
    screen
        .match_indices("line ")
        .find_map(|(i, _)| {
            let rest = &screen[i + 5..];
            let mut words = rest.split_whitespace();
            let n = words.next()?.parse().ok()?;
            (words.next()? == "of").then_some(n)
        })
        .expect("the replay bar's `line N of M`")
}

fn has_line(screen: &str) -> bool {
    screen.contains(" of ") && screen.contains("REPLAY")
}

#[test]
fn jump_to_the_rollback_read_why_and_step_back() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let rec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("recordings/bad-canary.jsonl");
    let script = format!(
        "'{}' replay '{}' --paused; echo EXIT=$?; sleep 30",
        common::bin().display(),
        rec.display()
    );
    let t = Tmux::start(
        &script,
        160,
        48,
        &[("HOME", h), ("XDG_CONFIG_HOME", &h.join("c"))],
    );
    t.wait_for("REPLAY");
    t.wait_for("chain intact");
    let mut screen = t.capture();
    for _ in 0..20 {
        if screen.contains("AUTO-ROLLBACK FIRED") {
            break;
        }
        let before = line_of(&screen);
        t.keys(&["]"]);
        screen = t.wait_until("the next moment", |s| {
            s.contains("AUTO-ROLLBACK FIRED") || has_line(s) && line_of(s) != before
        });
    }
    assert!(screen.contains("AUTO-ROLLBACK FIRED"), "{screen}");
    assert!(screen.contains("error ratio"), "{screen}");
    assert!(screen.contains("over the 5.00 % limit"), "{screen}");
    // Close the why panel and step one event back.
    t.keys(&["Escape"]);
    let at = line_of(&t.wait_until("the panel closed", |s| !s.contains("AUTO-ROLLBACK FIRED")));
    t.keys(&[","]);
    let back = t.wait_until("one event back", |s| has_line(s) && line_of(s) == at - 1);
    assert!(back.contains("replay: read-only"), "{back}");
    // Nothing here records or changes anything: a rollback key is refused and stays put.
    t.keys(&["r"]);
    let refused = t.wait_for("replay: read-only; rollback records nothing");
    assert_eq!(line_of(&refused), at - 1);
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
}
