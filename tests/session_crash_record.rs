//! A crash is not a clean close: a panicking war room leaves a synced `SessionCrashed` record,
//! `verify` names the crash and its reason, and `--resume` records that the previous part did
//! not close cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Stdio;

use common::tmux::{Tmux, wait_for_last};

#[test]
fn a_panic_is_recorded_as_a_crash_named_by_verify_and_by_resume() {
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let session = home.path().join("s.jsonl");
    let script = format!(
        "WARROOM_TEST_PANIC_KEY=Z '{bin}' run --runbook '{rb}' --session '{s}' --operator lead; \
         echo EXIT=$?; sleep 60",
        bin = common::bin().display(),
        rb = rb.display(),
        s = session.display(),
    );
    let home_path = home.path();
    let t = Tmux::start(
        &script,
        100,
        30,
        &[
            ("HOME", home_path),
            ("XDG_CONFIG_HOME", &home_path.join("config")),
            ("XDG_DATA_HOME", &home_path.join("data")),
            ("XDG_STATE_HOME", &home_path.join("state")),
        ],
    );
    t.wait_for("Code quality");
    t.keys(&["Z"]);
    let screen = t.wait_for("EXIT=");
    assert!(screen.contains("EXIT=101"), "{screen}");
    let crash = wait_for_last(&session, "SessionCrashed");
    let reason = crash["event"]["reason"].as_str().unwrap().to_string();
    assert!(reason.starts_with("panic: test panic"), "{reason}");

    let out = common::warroom(home_path)
        .arg("verify")
        .arg(&session)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("ended by a crash at line"), "{text}");
    assert!(text.contains(&reason), "{text}");
    assert!(!text.contains("closed cleanly"), "{text}");

    let mut b = common::Headless::start(
        home_path,
        &["--resume", "--session", session.to_str().unwrap()],
    );
    let resumed = b.wait_for("SessionResumed");
    assert_eq!(resumed["event"]["previous_clean_close"], false);
    b.send("quit");
    b.wait_for("SessionEnded");
    assert!(b.child.wait().unwrap().success());

    // After the resume the file closed cleanly, and the crash before it is still named.
    let out = common::warroom(home_path)
        .arg("verify")
        .arg(&session)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("the war room crashed here"), "{text}");
    assert!(text.contains("closed cleanly"), "{text}");
}
