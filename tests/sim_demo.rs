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
        .write_all(b"tick t-1d-prerequisites/code-freeze\n")
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
    // The operator's run continues the demo team's recorded week.
    let resumed = &events.first().expect("events")["event"];
    assert_eq!(resumed["type"], "SessionResumed", "{stdout}");
    assert_eq!(resumed["previous_clean_close"], true);
    let tick = events
        .iter()
        .find(|e| e["event"]["type"] == "ItemTicked")
        .unwrap_or_else(|| panic!("the tick was recorded:\n{stdout}"));
    assert_eq!(tick["event"]["item"], "code-freeze");
    assert_eq!(tick["actor"]["name"], "tester");
    assert!(session.is_file());

    // The file opens with the week before release day, said to be the demo team's.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&session)
        .expect("session")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let started = &lines[0];
    assert_eq!(started["event"]["type"], "SessionStarted");
    assert_eq!(started["event"]["runbook"]["title"], "app release (demo)");
    let t0: jiff::Timestamp = started["event"]["t0"]
        .as_str()
        .expect("T-0 is set")
        .parse()
        .expect("t0");
    let resumed_at: jiff::Timestamp = lines
        .iter()
        .find(|l| l["event"]["type"] == "SessionResumed")
        .and_then(|l| l["at"].as_str())
        .expect("resumed")
        .parse()
        .expect("at");
    // T-0 is a little ahead: release day, before go/no-go.
    let ahead = t0.duration_since(resumed_at);
    assert!(
        ahead > jiff::SignedDuration::from_mins(5) && ahead <= jiff::SignedDuration::from_mins(16),
        "T-0 {t0} vs start {resumed_at}"
    );
    let team_ticks: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["event"]["type"] == "ItemTicked" && l["actor"]["name"] == "demo-team")
        .collect();
    assert!(team_ticks.len() >= 15, "{} ticks", team_ticks.len());
    // Every stage of the days before is done, so nothing is overdue when the demo opens.
    let runbook: warroom::runbook::Runbook =
        serde_json::from_value(started["event"]["runbook"].clone()).expect("runbook");
    for (si, stage) in runbook.stages.iter().enumerate() {
        let due = warroom::reduce::checklist::stage_deadline(&runbook, si, Some(t0));
        if due.is_some_and(|d| d <= resumed_at) {
            for item in &stage.items {
                assert!(
                    team_ticks
                        .iter()
                        .any(|t| t["event"]["stage"] == stage.id.as_str()
                            && t["event"]["item"] == item.id.as_str()),
                    "{}/{} is overdue at the demo's start",
                    stage.id,
                    item.id
                );
            }
        }
    }
    // The chain is one file that verifies.
    let verify = Command::new(support::warroom())
        .arg("verify")
        .arg(&session)
        .output()
        .expect("verify");
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}
