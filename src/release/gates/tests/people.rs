//! The checklist and the approvals.

use super::*;
use crate::event::ApprovalVia;
use crate::event::GateStatus::{Fail, NotConfigured, Pass};
use crate::runbook::{Item, Offset, Runbook, Stage};

fn item(id: &str, required: bool) -> Item {
    Item {
        id: id.into(),
        text: id.into(),
        required,
        role: None,
        commands: vec![],
        notes: vec![],
        check: None,
    }
}

fn stage(id: &str, offset: Option<&str>, items: Vec<Item>) -> Stage {
    Stage {
        id: id.into(),
        title: id.into(),
        offset: offset.map(|o| o.parse::<Offset>().expect("offset")),
        notes: vec![],
        items,
    }
}

fn runbook() -> Runbook {
    Runbook {
        title: "release".into(),
        source: None,
        stages: vec![
            stage(
                "t-7d",
                Some("-7d"),
                vec![
                    item("review", true),
                    item("perf", false),
                    item("scan", true),
                ],
            ),
            stage("t-1d", Some("-1d"), vec![item("backup", true)]),
            // The day's own work and the rollback procedure are never required before go.
            stage("t-0", Some("0"), vec![item("shift", true)]),
            stage("rollback", None, vec![item("switch-back", true)]),
        ],
    }
}

fn tick(s: &mut State, stage: &str, item: &str) {
    record(
        s,
        "ops1",
        "sre",
        "2026-11-20T10:00:00Z",
        Event::ItemTicked {
            stage: stage.into(),
            item: item.into(),
        },
    );
}

#[test]
fn required_items_before_t0_must_be_done() {
    let c = cfg("", "");
    let mut s = state(&c);
    let now = ts("2026-11-24T10:00:00Z");
    let r = one(&s, now, GateId::Checklist);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Pass, "no required items before T-0")
    );
    s.runbook = runbook();
    let r = one(&s, now, GateId::Checklist);
    assert_eq!(
        (r.status, r.why.as_str()),
        (
            Fail,
            "3 of 3 required items before T-0 open: t-7d/review, t-7d/scan and 1 more"
        )
    );
    tick(&mut s, "t-7d", "review");
    tick(&mut s, "t-1d", "backup");
    let r = one(&s, now, GateId::Checklist);
    assert_eq!(r.why, "1 of 3 required items before T-0 open: t-7d/scan");
    assert_eq!(r.evidence["open"], serde_json::json!(["t-7d/scan"]));
    tick(&mut s, "t-7d", "scan");
    let r = one(&s, now, GateId::Checklist);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Pass, "all 3 required items before T-0 done")
    );
}

#[test]
fn the_checklist_gate_can_be_advisory() {
    let c = cfg("", "[gates]\nadvisory = [\"checklist\"]");
    let mut s = state(&c);
    s.runbook = runbook();
    let r = one(&s, ts("2026-11-24T10:00:00Z"), GateId::Checklist);
    assert_eq!(r.status, Fail);
    assert!(
        !r.hard && !r.blocks(),
        "an advisory gate warns, it does not block"
    );
}

fn approvals_cfg() -> WarroomConfig {
    cfg(
        "release = \"1.2.3\"\nenvironment = \"staging\"",
        "[gates]\napprovals = { required = 2, roles = [\"platform-lead\", \"release-manager\"] }",
    )
}

fn approve(s: &mut State, who: &str, role: &str, round: u32) {
    record(
        s,
        who,
        role,
        "2026-11-24T09:00:00Z",
        Event::ApprovalRecorded {
            decision: go(round),
            reason: None,
            via: ApprovalVia::Socket,
            os_user: None,
            declared: None,
            request: None,
        },
    );
}

#[test]
fn approvals_count_once_per_person_from_approver_roles_for_this_decision_only() {
    let c = approvals_cfg();
    let mut s = state(&c);
    let now = ts("2026-11-24T10:00:00Z");
    let r = one(&s, now, GateId::Approvals);
    assert_eq!(
        (r.status, r.why.as_str()),
        (
            Fail,
            "0 of 2 approvals for the go of 1.2.3 (round 1); from platform-lead or release-manager"
        )
    );
    // The decider's own approval, an observer's and one for another round never count.
    approve(&mut s, "lead", "platform-lead", 1);
    approve(&mut s, "watcher", "observer", 1);
    approve(&mut s, "rm", "release-manager", 0);
    approve(&mut s, "pl", "platform-lead", 1);
    let r = one(&s, now, GateId::Approvals);
    assert_eq!(r.status, Fail);
    assert_eq!(
        r.why,
        "1 of 2 approvals for the go of 1.2.3 (round 1); from platform-lead or release-manager; \
         have pl; not counted: lead (their own decision), watcher (role observer does not approve)"
    );
    approve(&mut s, "rm", "release-manager", 1);
    let r = one(&s, now, GateId::Approvals);
    assert_eq!(
        (r.status, r.why.as_str()),
        (Pass, "2 of 2 approvals: pl, rm")
    );
    assert_eq!(counted_approvals(&s, &c, &go(1), "lead"), ["pl", "rm"]);
    // The next round starts from nothing.
    assert!(counted_approvals(&s, &c, &go(2), "lead").is_empty());
}

#[test]
fn without_an_approvals_rule_none_are_required() {
    let c = cfg("", "");
    let r = one(&state(&c), ts("2026-11-24T10:00:00Z"), GateId::Approvals);
    assert_eq!(r.status, NotConfigured);
    assert!(!r.blocks());
}
