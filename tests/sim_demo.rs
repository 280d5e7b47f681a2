//! `warroom demo --headless`: the simulator starts in-process, the generated config and the
//! shipped runbook open, and stdout carries only the session's JSON event lines.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn headless_demo_prints_only_events() {
    let home = tempfile::tempdir().expect("temp dir");
    let session = home.path().join("demo.jsonl");
    let mut child = Command::new(support::warroom())
        .args([
            "demo",
            "--headless",
            "--duration",
            "1s",
            "--scenario",
            "bad-canary",
        ])
        .args([
            "--operator",
            "tester",
            "--role",
            "deployment-lead",
            "--session",
        ])
        .arg(&session)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn warroom demo");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"tick t-7d-code-quality/code-reviewed\n")
        .expect("write command");
    let out = child.wait_with_output().expect("demo ends");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{stderr}");
    assert!(stderr.contains("ready http://127.0.0.1:"), "{stderr}");
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let started = &events.first().expect("events")["event"];
    assert_eq!(started["type"], "SessionStarted");
    assert_eq!(started["runbook"]["title"], "app release (demo)");
    assert!(started["t0"].is_string(), "T-0 is set to now: {started}");
    let tick = events
        .iter()
        .find(|e| e["event"]["type"] == "ItemTicked")
        .unwrap_or_else(|| panic!("the tick was recorded:\n{stdout}"));
    assert_eq!(tick["event"]["item"], "code-reviewed");
    assert!(session.is_file());
}
