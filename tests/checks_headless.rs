//! Checks in the real binary, headless (RELIABILITY row 43): a command check never runs
//! without `--trust-runbook`, and with it only after `trust ITEM` recorded its exact argv; an
//! HTTP check against a loopback fake proves its item; the session file, reduced again, gives
//! the same checklist.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod fakes;

use std::io::Read;
use std::path::Path;

use common::Headless;
use fakes::{Fake, Reply};
use warroom::event::{CheckResult, Envelope};
use warroom::reduce::reduce;
use warroom::state::State;

fn runbook(dir: &Path, health: &str, marker: &Path) -> std::path::PathBuf {
    let text = format!(
        r#"title = "Release with checks"

[[stage]]
id = "verify"
title = "Verify the release"

[[stage.item]]
id = "health"
text = "Health endpoint healthy"
check = {{ http = "{health}", json = ['status == "healthy"'] }}

[[stage.item]]
id = "smoke"
text = "Smoke script passes"
check = {{ command = ["sh", "-c", "touch '{}' && echo smoke ok"], stdout = "^smoke ok$" }}
"#,
        marker.display()
    );
    let p = dir.join("rb.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn start(home: &Path, rb: &Path, session: &Path, trust: bool) -> Headless {
    let mut args = vec![
        "--runbook".to_string(),
        rb.display().to_string(),
        "--session".into(),
        session.display().to_string(),
        "--operator".into(),
        "ann".into(),
        "--role".into(),
        "deployment-lead".into(),
    ];
    if trust {
        args.push("--trust-runbook".into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Headless::start(home, &args)
}

/// Waits for a `CheckEvaluated` line of `item`.
fn evaluated(h: &Headless, item: &str) -> serde_json::Value {
    loop {
        let v = h.wait_for("CheckEvaluated");
        if v["event"]["item"] == item {
            return v;
        }
    }
}

/// Quits and returns what the war room said on stderr.
fn quit(mut h: Headless) -> String {
    h.send("quit");
    let status = h.child.wait().unwrap();
    assert!(status.success(), "{status}");
    let mut err = String::new();
    h.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    err
}

fn envelopes(path: &Path) -> Vec<Envelope> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_check_runs_only_in_a_trusted_runbook_after_its_argv_is_trusted() {
    let app = Fake::start(|req| match req.path.as_str() {
        "/health" => Reply::json(200, r#"{"status":"healthy"}"#),
        _ => Reply::text(404, "not found"),
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let marker = home.path().join("smoke-ran");
    let rb = runbook(home.path(), app.url("/health").as_str(), &marker);

    // Without --trust-runbook: the HTTP check runs, the command never does, and trusting it
    // is refused with the reason.
    let first = home.path().join("first.jsonl");
    let mut h = start(home.path(), &rb, &first, false);
    let health = tokio::task::block_in_place(|| evaluated(&h, "health"));
    assert_eq!(health["event"]["result"], "pass", "{health}");
    h.send("trust smoke");
    let err = tokio::task::block_in_place(|| quit(h));
    assert!(err.contains("--trust-runbook"), "{err}");
    assert!(
        err.contains(r#"["sh", "-c""#),
        "the refusal names the argv: {err}"
    );
    assert!(!marker.exists(), "the command ran without --trust-runbook");
    let lines = envelopes(&first);
    assert!(!lines.iter().any(|e| matches!(
        &e.event,
        warroom::event::Event::CheckTrusted { .. } | warroom::event::Event::RunbookTrusted {}
    )));

    // With it: recorded as RunbookTrusted, still nothing runs until `trust smoke` records the
    // argv; then it runs, passes and proves its item.
    let second = home.path().join("second.jsonl");
    let mut h = start(home.path(), &rb, &second, true);
    tokio::task::block_in_place(|| {
        h.wait_for("RunbookTrusted");
        evaluated(&h, "health");
    });
    assert!(
        !marker.exists(),
        "the command ran before its argv was trusted"
    );
    h.send("trust smoke");
    let trusted = tokio::task::block_in_place(|| h.wait_for("CheckTrusted"));
    assert_eq!(trusted["event"]["item"], "smoke");
    assert_eq!(trusted["event"]["argv"][0], "sh");
    assert_eq!(trusted["event"]["argv"][1], "-c");
    let smoke = tokio::task::block_in_place(|| evaluated(&h, "smoke"));
    assert_eq!(smoke["event"]["result"], "pass", "{smoke}");
    assert_eq!(smoke["event"]["value"], "exit 0");
    assert!(marker.exists(), "the trusted command ran");
    // Read in order before `quit`, so its refusal is said before the session ends.
    h.send("trust smoke");
    let err = tokio::task::block_in_place(|| quit(h));
    assert!(
        err.contains("already trusted"),
        "asked once per command: {err}"
    );

    // The file alone rebuilds the same checklist: both items proven by recorded passes, the
    // command trusted by ann.
    let mut state = State::default();
    let lines = envelopes(&second);
    for e in &lines {
        reduce(&mut state, e);
    }
    assert!(state.is_done("verify", "health") && state.is_done("verify", "smoke"));
    assert!(!state.is_ticked("verify", "smoke"));
    let smoke = state.checks.get("verify", "smoke").expect("check state");
    assert_eq!(
        smoke.trusted.as_ref().map(|t| t.by.name.as_str()),
        Some("ann")
    );
    assert_eq!(
        smoke.proof.as_ref().map(|p| p.result),
        Some(CheckResult::Pass)
    );
    let verified = common::warroom(home.path())
        .args(["verify", &second.display().to_string()])
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
}
