//! Checks in the reducer: what proves an item, how `for` is measured from recorded
//! evaluations, and what trusting a check takes.

use jiff::SignedDuration;

use super::*;
use crate::reduce::checklist::{Intent, decide};
use crate::reduce::reduce;
use crate::reduce::tests::{env, ts};
use crate::runbook::{Check, Item, Runbook, Stage};
use crate::state::State;

fn item(id: &str, check: Option<Check>) -> Item {
    Item {
        id: id.into(),
        text: format!("do {id}"),
        required: true,
        role: None,
        commands: vec![],
        notes: vec![],
        check,
    }
}

fn promql(expr: &str) -> Check {
    Check {
        promql: Some(expr.into()),
        ..Check::default()
    }
}

fn command(argv: &[&str]) -> Check {
    Check {
        command: Some(crate::runbook::check::Argv(
            argv.iter().map(|s| s.to_string()).collect(),
        )),
        ..Check::default()
    }
}

fn runbook() -> Runbook {
    let proposed = Check {
        proposed: true,
        ..promql("up == 1")
    };
    Runbook {
        title: "checks".into(),
        source: None,
        stages: vec![
            Stage {
                id: "t-1d".into(),
                title: "before".into(),
                offset: Some("-1d".parse().expect("offset")),
                notes: vec![],
                items: vec![
                    item("errors", Some(promql("error_ratio < 0.01 for 10m"))),
                    item("once", Some(promql("up == 1"))),
                    item("proposal", Some(proposed)),
                    item("script", Some(command(&["./verify.sh", "--prod"]))),
                    item("plain", None),
                ],
            },
            Stage {
                id: "t0".into(),
                title: "go".into(),
                offset: Some("0".parse().expect("offset")),
                notes: vec![],
                items: vec![item("go", None)],
            },
        ],
    }
}

fn started() -> State {
    let mut s = State::default();
    reduce(
        &mut s,
        &env(
            1,
            "2026-11-23T10:00:00Z",
            Event::SessionStarted {
                app_version: "test".into(),
                runbook_path: "rb.toml".into(),
                runbook_sha256: "00".into(),
                runbook: runbook(),
                t0: Some(ts("2026-11-24T15:00:00Z")),
                deployment: None,
                config: None,
            },
        ),
    );
    s
}

fn eval(item: &str, result: CheckResult, at: &str) -> Event {
    Event::CheckEvaluated {
        stage: "t-1d".into(),
        item: item.into(),
        result,
        value: Some("0.004".into()),
        reason: (result != CheckResult::Pass).then(|| "no data".to_string()),
        at: ts(at),
    }
}

/// Applies `events` in order, one envelope each, starting at seq 2.
fn apply_all(s: &mut State, events: Vec<Event>) {
    for (n, e) in events.into_iter().enumerate() {
        let at = match &e {
            Event::CheckEvaluated { at, .. } => crate::event::at_format::to_string(at),
            _ => "2026-11-23T10:00:00Z".to_string(),
        };
        let seq = u64::try_from(n).expect("seq") + 2;
        reduce(s, &env(seq, &at, e));
    }
}

#[test]
fn one_recorded_pass_proves_a_check_without_for_and_the_gate_sees_it() {
    let mut s = started();
    assert!(!s.is_done("t-1d", "once"));
    apply_all(
        &mut s,
        vec![eval("once", CheckResult::Unknown, "2026-11-23T10:01:00Z")],
    );
    assert!(!s.is_done("t-1d", "once"), "unknown never proves");
    apply_all(
        &mut s,
        vec![eval("once", CheckResult::Pass, "2026-11-23T10:02:00Z")],
    );
    assert!(s.is_done("t-1d", "once") && !s.is_ticked("t-1d", "once"));
    // Proven stays proven, like a tick; the latest result is still shown as it is.
    apply_all(
        &mut s,
        vec![eval("once", CheckResult::Fail, "2026-11-23T10:03:00Z")],
    );
    assert!(s.is_done("t-1d", "once"));
    let c = s.checks.get("t-1d", "once").expect("state");
    assert_eq!(c.last.as_ref().map(|l| l.result), Some(CheckResult::Fail));
    assert_eq!(
        c.proof.as_ref().map(|p| p.at),
        Some(ts("2026-11-23T10:02:00Z"))
    );
    // The checklist gate counts proven items as done.
    let decision = crate::event::DecisionRef {
        kind: crate::event::DecisionKind::Go,
        release: None,
        round: 1,
        step: None,
    };
    let cfg = crate::config::warroom::WarroomConfig::default();
    let gates = crate::release::gates::evaluate(&s, &cfg, s.now, &decision, "ann");
    let gate = gates
        .iter()
        .find(|g| g.gate == crate::event::GateId::Checklist)
        .expect("the checklist gate");
    let (why, evidence) = (&gate.why, &gate.evidence);
    let open = evidence["open"].as_array().cloned().unwrap_or_default();
    assert!(!open.iter().any(|o| o == "t-1d/once"), "{why}");
    assert!(open.iter().any(|o| o == "t-1d/errors"), "{why}");
}

#[test]
fn for_needs_continuous_recorded_passes_for_that_long() {
    let mut s = started();
    let minute = |m: u32| format!("2026-11-23T11:{m:02}:00Z");
    // Passes every minute from 11:00; a failure at 11:04 starts the run again at 11:05.
    let mut events = Vec::new();
    for m in 0..4 {
        events.push(eval("errors", CheckResult::Pass, &minute(m)));
    }
    events.push(eval("errors", CheckResult::Fail, &minute(4)));
    for m in 5..15 {
        events.push(eval("errors", CheckResult::Pass, &minute(m)));
    }
    apply_all(&mut s, events);
    assert!(
        !s.is_done("t-1d", "errors"),
        "9 minutes of passes are not 10"
    );
    assert_eq!(
        progress(&s, "t-1d", "errors"),
        Some((SignedDuration::from_mins(9), SignedDuration::from_mins(10)))
    );
    apply_all(&mut s, vec![eval("errors", CheckResult::Pass, &minute(15))]);
    assert!(s.is_done("t-1d", "errors"));
    let proof = s.checks.get("t-1d", "errors").and_then(|c| c.proof.clone());
    assert_eq!(proof.map(|p| p.at), Some(ts(&minute(15))));
}

#[test]
fn a_gap_between_recorded_passes_breaks_the_run() {
    let mut s = started();
    apply_all(
        &mut s,
        vec![
            eval("errors", CheckResult::Pass, "2026-11-23T12:00:00Z"),
            eval("errors", CheckResult::Pass, "2026-11-23T12:01:00Z"),
            // Three minutes without a recorded evaluation: nobody watched.
            eval("errors", CheckResult::Pass, "2026-11-23T12:04:00Z"),
            eval("errors", CheckResult::Pass, "2026-11-23T12:05:30Z"),
            eval("errors", CheckResult::Pass, "2026-11-23T12:07:30Z"),
            eval("errors", CheckResult::Pass, "2026-11-23T12:09:30Z"),
            eval("errors", CheckResult::Pass, "2026-11-23T12:11:30Z"),
            eval("errors", CheckResult::Pass, "2026-11-23T12:13:30Z"),
        ],
    );
    // From 12:00 it would be 13.5 minutes; the run began again at 12:04.
    assert!(!s.is_done("t-1d", "errors"));
    apply_all(
        &mut s,
        vec![eval("errors", CheckResult::Pass, "2026-11-23T12:14:00Z")],
    );
    assert!(s.is_done("t-1d", "errors"));
}

#[test]
fn heartbeats_are_not_news_but_changes_and_proofs_are() {
    let mut s = started();
    let lines = |s: &State| {
        s.log_tail
            .iter()
            .filter(|l| l.kind == "CheckEvaluated")
            .count()
    };
    apply_all(
        &mut s,
        vec![
            eval("errors", CheckResult::Unknown, "2026-11-23T13:00:00Z"),
            eval("errors", CheckResult::Unknown, "2026-11-23T13:01:00Z"),
            eval("errors", CheckResult::Pass, "2026-11-23T13:02:00Z"),
            eval("errors", CheckResult::Pass, "2026-11-23T13:03:00Z"),
        ],
    );
    assert_eq!(lines(&s), 2);
    assert_eq!(s.checks.get("t-1d", "errors").map(|c| c.recorded), Some(4));
    let mut events = Vec::new();
    for m in 4..=12 {
        events.push(eval(
            "errors",
            CheckResult::Pass,
            &format!("2026-11-23T13:{m:02}:00Z"),
        ));
    }
    apply_all(&mut s, events);
    assert_eq!(lines(&s), 3, "the proving pass is news");
    let last = s
        .log_tail
        .back()
        .map(|l| l.summary.clone())
        .unwrap_or_default();
    assert!(last.ends_with("— proven"), "{last}");
}

#[test]
fn trusting_takes_a_proposal_or_a_command_in_a_trusted_runbook() {
    let mut s = started();
    let trust = |s: &State, item: &str| {
        decide(
            s,
            Intent::Trust {
                stage: String::new(),
                item: item.into(),
            },
        )
    };
    assert_eq!(readiness(&s, "t-1d", "proposal"), Some(Readiness::Proposed));
    assert_eq!(
        readiness(&s, "t-1d", "script"),
        Some(Readiness::NeedsTrustFlag)
    );
    assert_eq!(readiness(&s, "t-1d", "once"), Some(Readiness::Runs));
    let e = trust(&s, "script").expect_err("no --trust-runbook");
    assert!(e.to_string().contains("--trust-runbook"), "{e}");
    assert!(
        e.to_string().contains("./verify.sh"),
        "the argv is named: {e}"
    );
    let e = trust(&s, "plain").expect_err("no check");
    assert!(e.to_string().contains("has no check"), "{e}");
    let e = trust(&s, "once").expect_err("not a proposal");
    assert!(e.to_string().contains("runs without trust"), "{e}");

    let accepted = trust(&s, "proposal").expect("a proposal is accepted");
    apply_all(&mut s, vec![accepted, Event::RunbookTrusted {}]);
    assert_eq!(readiness(&s, "t-1d", "proposal"), Some(Readiness::Runs));
    assert_eq!(readiness(&s, "t-1d", "script"), Some(Readiness::NeedsTrust));
    let allowed = trust(&s, "script").expect("a command in a trusted runbook");
    assert_eq!(
        allowed,
        Event::CheckTrusted {
            stage: "t-1d".into(),
            item: "script".into(),
            argv: vec!["./verify.sh".into(), "--prod".into()],
        }
    );
    apply_all(&mut s, vec![allowed]);
    assert_eq!(readiness(&s, "t-1d", "script"), Some(Readiness::Runs));
    assert!(trust(&s, "script").is_err(), "asked once per command");

    // A resume forgets the flag and the commands' trust; accepted proposals stay accepted.
    apply_all(
        &mut s,
        vec![Event::SessionResumed {
            app_version: "test".into(),
            previous_clean_close: true,
            torn_bytes: 0,
        }],
    );
    assert_eq!(
        readiness(&s, "t-1d", "script"),
        Some(Readiness::NeedsTrustFlag)
    );
    assert_eq!(readiness(&s, "t-1d", "proposal"), Some(Readiness::Runs));
}
