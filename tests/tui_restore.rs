//! The terminal is restored and the session closed on quit, SIGINT, SIGTERM, SIGHUP and panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::tmux::{Tmux, wait_for_end, wait_for_last};

/// Runs the war room in tmux; after it exits the wrapper prints its exit code and whether the
/// terminal is back in canonical mode with echo.
fn start(home: &std::path::Path, extra_env: &str) -> (Tmux, std::path::PathBuf) {
    let rb = common::write_runbook(home);
    let session = home.join("s.jsonl");
    let script = format!(
        "{extra_env} '{bin}' run --runbook '{rb}' --session '{s}' --operator lead \
         --t0 2026-11-24T15:00:00Z; echo EXIT=$?; \
         stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; \
         echo; echo WRAPPER-DONE; sleep 60",
        bin = common::bin().display(),
        rb = rb.display(),
        s = session.display(),
    );
    let t = Tmux::start(
        &script,
        100,
        30,
        &[
            ("HOME", home),
            ("XDG_CONFIG_HOME", &home.join("config")),
            ("XDG_DATA_HOME", &home.join("data")),
            ("XDG_STATE_HOME", &home.join("state")),
        ],
    );
    t.wait_for("Code quality");
    (t, session)
}

fn assert_restored(screen: &str) {
    assert!(
        screen.contains("icanon echo"),
        "terminal not restored:\n{screen}"
    );
    assert!(!screen.contains("-icanon"), "still in raw mode:\n{screen}");
    // Leaving the alternate screen brings back the shell's own screen: no checklist frame.
    assert!(
        !screen.contains("Code quality"),
        "alternate screen still shown:\n{screen}"
    );
}

fn pid_of(home: &std::path::Path) -> String {
    let lock = home.join("s.jsonl.lock");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(&lock).unwrap_or_default();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) {
            return v["pid"].to_string();
        }
        assert!(std::time::Instant::now() < deadline, "no lock holder");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn quit_restores_the_terminal_and_closes_the_session() {
    let home = tempfile::tempdir().unwrap();
    let (t, session) = start(home.path(), "");
    t.keys(&["q"]);
    let screen = t.wait_for("WRAPPER-DONE");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert_restored(&screen);
    assert_eq!(wait_for_end(&session), "quit");
}

#[test]
fn signals_restore_the_terminal_and_close_the_session() {
    for (sig, reason) in [("TERM", "SIGTERM"), ("INT", "SIGINT")] {
        let home = tempfile::tempdir().unwrap();
        let (t, session) = start(home.path(), "");
        let pid = pid_of(home.path());
        let st = std::process::Command::new("kill")
            .args([&format!("-{sig}"), &pid])
            .status()
            .unwrap();
        assert!(st.success());
        let screen = t.wait_for("WRAPPER-DONE");
        assert!(screen.contains("EXIT=0"), "{sig}: {screen}");
        assert_restored(&screen);
        assert_eq!(wait_for_end(&session), reason);
    }
}

#[test]
fn closing_the_terminal_closes_the_session() {
    let home = tempfile::tempdir().unwrap();
    let (t, session) = start(home.path(), "");
    t.kill_pane();
    let reason = wait_for_end(&session);
    assert!(
        reason == "SIGHUP" || reason == "terminal closed",
        "unexpected end reason {reason}"
    );
    let out = common::warroom(home.path())
        .arg("verify")
        .arg(&session)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_panic_restores_the_terminal_and_leaves_a_crash_record() {
    let home = tempfile::tempdir().unwrap();
    let (t, session) = start(home.path(), "WARROOM_TEST_PANIC_KEY=Z");
    t.keys(&["Z"]);
    let screen = t.wait_for("WRAPPER-DONE");
    assert!(screen.contains("EXIT=101"), "{screen}");
    assert_restored(&screen);
    let crash = wait_for_last(&session, "SessionCrashed");
    let reason = crash["event"]["reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("panic: test panic"), "{reason}");
    let out = common::warroom(home.path())
        .arg("verify")
        .arg(&session)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ended by a crash"), "{text}");
    assert!(!text.contains("closed cleanly"), "{text}");
}
