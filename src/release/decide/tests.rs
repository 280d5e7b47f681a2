//! The decision rules: who may do what, gates at go, approvals for one decision only, bakes
//! and healthy signals before the next step, one change at a time, the lock.

use super::*;
use crate::event::{ApprovalVia, LeaseRow, Outcome};
use crate::release::intent::Approval;
use crate::release::testkit::{Harness, actor, approvals_config, lead, weights};

fn go() -> ReleaseIntent {
    ReleaseIntent::Go {
        reason: "ready".into(),
        override_reason: None,
    }
}

fn shift() -> ReleaseIntent {
    ReleaseIntent::Shift {
        override_reason: None,
    }
}

fn refusals(h: &Harness) -> Vec<(String, String, String)> {
    h.state
        .release
        .refusals
        .iter()
        .map(|r| (r.by.clone(), r.action.clone(), r.reason.clone()))
        .collect()
}

#[test]
fn an_observer_changes_nothing_and_the_attempt_is_logged() {
    let mut h = Harness::new(approvals_config());
    let observer = actor("watcher", "observer");
    let r = h.act_as(observer.clone(), go()).expect_err("observer go");
    assert!(r.reason.contains("may not decide"), "{}", r.reason);
    assert!(h.act_as(observer.clone(), shift()).is_err());
    let r = h
        .act_as(
            observer.clone(),
            ReleaseIntent::Rollback {
                reason: "x".into(),
                ticket: None,
                undo: false,
            },
        )
        .expect_err("observer rollback");
    assert!(r.reason.contains("may not roll back"), "{}", r.reason);
    let logged = refusals(&h);
    assert_eq!(logged.len(), 3);
    assert!(logged.iter().all(|(by, _, _)| by == "watcher"));
    assert_eq!(h.state.release.phase, Phase::Preparing);
}

#[test]
fn go_is_refused_while_a_hard_gate_fails_and_the_refusal_names_it() {
    let mut h = Harness::new(approvals_config());
    let r = h.act(go()).expect_err("no approval yet");
    assert!(r.reason.contains("approvals"), "{}", r.reason);
    assert!(r.reason.contains("0 of 1"), "{}", r.reason);
    assert_eq!(h.state.release.refusals.len(), 1);
    h.approve(actor("rm", "release-manager")).expect("approval");
    h.act(go()).expect("go once approved");
    assert_eq!(h.state.release.phase, Phase::Shifting);
    let d = h.state.release.last_decision().expect("decision");
    assert!(d.go);
    assert_eq!(d.decision.round, 1);
    // The decision carries every gate's evidence at that moment.
    assert_eq!(d.gates.len(), crate::event::GateId::ALL.len());
    let baseline = h.state.release.baseline.clone().expect("baseline");
    assert_eq!(baseline.latency_p99, Some(0.120));
}

#[test]
fn an_override_needs_an_emergency_reason_and_an_approver_with_override_power() {
    let mut cfg = approvals_config();
    cfg.gates.freeze = vec![crate::config::warroom::Freeze {
        from: "2026-11-20".parse().expect("date"),
        to: "2026-11-30".parse().expect("date"),
        reason: "Black Friday".into(),
    }];
    let mut h = Harness::new(cfg);
    h.approve(actor("rm", "release-manager"))
        .expect("rm approves");
    let r = h.act(go()).expect_err("frozen");
    assert!(r.reason.contains("Black Friday"), "{}", r.reason);
    let r = h
        .act(ReleaseIntent::Go {
            reason: String::new(),
            override_reason: Some("CVE-2026-1 fix".into()),
        })
        .expect_err("release managers cannot override");
    assert!(r.reason.contains("override"), "{}", r.reason);
    h.approve(actor("vp", "platform-lead"))
        .expect("platform lead approves");
    h.act(ReleaseIntent::Go {
        reason: String::new(),
        override_reason: Some("CVE-2026-1 fix".into()),
    })
    .expect("overridden");
    let d = h.state.release.last_decision().expect("decision");
    let o = d.overridden.as_ref().expect("override recorded");
    assert_eq!(o.approver, "vp");
    assert_eq!(o.gates, vec![crate::event::GateId::Freeze]);
    assert_eq!(o.reason, "CVE-2026-1 fix");
}

#[test]
fn nobody_approves_their_own_go_and_approvals_do_not_carry_over() {
    let mut h = Harness::new(approvals_config());
    let r = h.approve(lead()).expect_err("self approval");
    assert!(r.reason.contains("own"), "{}", r.reason);
    h.approve(actor("rm", "release-manager")).expect("approval");
    let r = h
        .approve(actor("rm", "release-manager"))
        .expect_err("twice");
    assert!(r.reason.contains("already approved"), "{}", r.reason);
    h.act(ReleaseIntent::NoGo {
        reason: "dashboards missing".into(),
    })
    .expect("no-go");
    // Round 2: the round-1 approval no longer counts.
    let r = h.act(go()).expect_err("needs a fresh approval");
    assert!(r.reason.contains("0 of 1"), "{}", r.reason);
    // An approval naming round 1 is refused.
    let stale = h
        .act_as(
            lead(),
            ReleaseIntent::Approve(Approval {
                approver: actor("rm", "release-manager"),
                os_user: Some("rm".into()),
                declared: None,
                via: ApprovalVia::Socket,
                reason: None,
                decision: Some(DecisionRef {
                    kind: DecisionKind::Go,
                    release: Some("1.2.3".into()),
                    round: 1,
                    step: None,
                }),
                request: Some("r1".into()),
                same_os_user: false,
            }),
        )
        .expect_err("previous round");
    assert!(
        stale.reason.contains("never carry over"),
        "{}",
        stale.reason
    );
    assert_eq!(stale.request.as_deref(), Some("r1"));
}

#[test]
fn a_step_approval_is_for_that_step_only() {
    let mut cfg = approvals_config();
    if let Some(a) = cfg.gates.approvals.as_mut() {
        a.steps = true;
    }
    let mut h = Harness::new(cfg);
    h.go();
    let r = h.act(shift()).expect_err("step 1 needs its approval");
    assert!(r.reason.contains("step 1"), "{}", r.reason);
    h.approve(actor("rm", "release-manager"))
        .expect("approve step 1");
    h.step();
    h.advance(16);
    h.samples(&[("blue", 0.001, 0.12), ("green", 0.001, 0.12)]);
    let r = h.act(shift()).expect_err("step 2 needs its own approval");
    assert!(r.reason.contains("step 2"), "{}", r.reason);
}

#[test]
fn the_next_step_waits_for_its_bake_and_healthy_signals() {
    let mut h = Harness::new(approvals_config());
    let r = h.act(shift()).expect_err("before go");
    assert!(r.reason.contains("go"), "{}", r.reason);
    h.go();
    h.step();
    assert_eq!(h.state.release.plan.weight, 10);
    h.advance(5);
    h.samples(&[("blue", 0.001, 0.12), ("green", 0.002, 0.13)]);
    let r = h.act(shift()).expect_err("baking");
    assert!(r.reason.contains("bakes for another"), "{}", r.reason);
    h.advance(11);
    h.samples(&[("blue", 0.001, 0.12), ("green", f64::NAN, f64::NAN)]);
    let r = h.act(shift()).expect_err("unknown signals");
    assert!(r.reason.contains("unknown"), "{}", r.reason);
    h.samples(&[("blue", 0.001, 0.12), ("green", 0.03, 0.13)]);
    let r = h.act(shift()).expect_err("over the SLO");
    assert!(r.reason.contains("over the SLO"), "{}", r.reason);
    // An explicit override with a reason is recorded on the action.
    let d = h
        .act(ReleaseIntent::Shift {
            override_reason: Some("known noisy endpoint".into()),
        })
        .expect("override");
    let Event::ActionRequested { action, .. } = d.event else {
        panic!("not a request");
    };
    assert!(matches!(
        action,
        Action::Shift {
            step: 1,
            weight: 25,
            from: 10,
            override_bake: Some(_),
            ..
        }
    ));
}

#[test]
fn one_change_in_flight_at_a_time_but_a_rollback_is_never_held_back() {
    let mut h = Harness::new(approvals_config());
    h.go();
    h.act(shift()).expect("step 1 requested");
    let r = h.act(shift()).expect_err("in flight");
    assert!(r.reason.contains("in flight"), "{}", r.reason);
    h.act(ReleaseIntent::Rollback {
        reason: "customer reports".into(),
        ticket: Some("INC-1".into()),
        undo: false,
    })
    .expect("rollback while a shift waits");
}

#[test]
fn a_lock_held_by_another_war_room_stops_shift_and_rollback() {
    let mut h = Harness::new(approvals_config());
    h.go();
    h.apply(
        lead(),
        Event::LeaseObserved {
            lease: LeaseRow {
                name: "warroom-app".into(),
                holder: Some("bob@ops-2 session 9f".into()),
                renewed: Some(h.now),
                duration_s: 30,
                ours: false,
            },
        },
    );
    let r = h.act(shift()).expect_err("locked");
    assert!(r.reason.contains("bob@ops-2"), "{}", r.reason);
    let r = h
        .act(ReleaseIntent::Rollback {
            reason: "x".into(),
            ticket: None,
            undo: false,
        })
        .expect_err("locked");
    assert!(r.reason.contains("held by"), "{}", r.reason);
    // Once the lease expires, the change is allowed.
    h.advance(31);
    h.act(shift()).expect("expired lease");
}

#[test]
fn a_conflict_leaves_the_plan_where_it_was_and_the_next_press_asks_again() {
    let mut h = Harness::new(approvals_config());
    h.go();
    let d = h.act(shift()).expect("request");
    let Event::ActionRequested { id, .. } = d.event else {
        panic!()
    };
    h.outcome(&id, Outcome::Conflict, None);
    assert_eq!(h.state.release.plan.step, None);
    assert!(h.state.release.in_flight().is_none());
    let again = h.act(shift()).expect("asked again");
    assert!(matches!(
        again.event,
        Event::ActionRequested {
            action: Action::Shift { step: 0, .. },
            ..
        }
    ));
}

#[test]
fn back_steps_one_rung_and_holds() {
    let mut h = Harness::new(approvals_config());
    h.go();
    h.step();
    h.advance(16);
    h.samples(&[("blue", 0.001, 0.12), ("green", 0.001, 0.12)]);
    h.step();
    let d = h.act(ReleaseIntent::Back { reason: None }).expect("back");
    let Event::ActionRequested { id, action } = d.event else {
        panic!()
    };
    assert!(matches!(
        action,
        Action::Back {
            step: Some(0),
            weight: 10,
            from: 25,
            ..
        }
    ));
    h.outcome(&id, Outcome::Applied, Some(weights(90, 10)));
    assert_eq!(h.state.release.plan.weight, 10);
    assert!(
        h.state.release.paused.is_some(),
        "holds after stepping back"
    );
    let r = h.act(shift()).expect_err("held");
    assert!(r.reason.contains("paused"), "{}", r.reason);
}

#[test]
fn disarming_in_production_needs_a_reason() {
    let mut cfg = approvals_config();
    cfg.deployment.environment = "production".into();
    let mut h = Harness::new(cfg);
    let r = h
        .act(ReleaseIntent::Arm {
            armed: false,
            reason: None,
        })
        .expect_err("no reason");
    assert!(r.reason.contains("reason"), "{}", r.reason);
    h.act(ReleaseIntent::Arm {
        armed: false,
        reason: Some("known flapping alert".into()),
    })
    .expect("with a reason");
    assert!(!h.state.release.auto.armed);
}

#[test]
fn the_operators_own_os_user_cannot_approve_under_another_name() {
    let mut h = Harness::new(approvals_config());
    let r = h
        .act_as(
            lead(),
            ReleaseIntent::Approve(Approval {
                approver: actor("root", "release-manager"),
                os_user: Some("root".into()),
                declared: None,
                via: ApprovalVia::Socket,
                reason: None,
                decision: None,
                request: None,
                same_os_user: true,
            }),
        )
        .expect_err("same person");
    assert!(r.reason.contains("OS user root"), "{}", r.reason);
}

#[test]
fn declared_names_only_where_allowed() {
    let mut cfg = approvals_config();
    let mut h = Harness::new(cfg.clone());
    let declared = |name: &str| {
        ReleaseIntent::Approve(Approval {
            approver: actor(name, "release-manager"),
            os_user: Some("root".into()),
            declared: Some(name.into()),
            via: ApprovalVia::Socket,
            reason: None,
            decision: None,
            request: None,
            same_os_user: true,
        })
    };
    assert!(h.act_as(lead(), declared("ann")).is_err());
    if let Some(a) = cfg.gates.approvals.as_mut() {
        a.allow_declared = true;
    }
    let mut h = Harness::new(cfg);
    h.act_as(lead(), declared("ann"))
        .expect("declared outside production");
    let a = h.state.release.approvals.last().expect("recorded");
    assert_eq!(a.os_user.as_deref(), Some("root"));
    assert_eq!(a.declared.as_deref(), Some("ann"));
}

#[test]
fn an_unknown_outcome_waits_for_its_read_back_and_a_second_one_settles_it() {
    let mut h = Harness::new(approvals_config());
    h.go();
    let d = h.act(shift()).expect("request");
    let Event::ActionRequested { id, .. } = d.event else {
        panic!()
    };
    h.outcome(&id, Outcome::Unknown, None);
    let r = h.act(shift()).expect_err("reading back");
    assert!(r.reason.contains("in flight"), "{}", r.reason);
    // The read-back failed too: the action is settled as unknown and blocks nothing.
    h.outcome(&id, Outcome::Unknown, None);
    assert!(h.state.release.in_flight().is_none());
    assert_eq!(
        h.state.release.actions.get(&id).and_then(|a| a.outcome),
        Some(Outcome::Unknown)
    );
    h.act(shift()).expect("asked again");
}
