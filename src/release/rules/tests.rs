//! Auto-rollback end to end through the reducer: a breach asks for one rollback with the
//! measurements behind it; unknown data pauses instead; the p99 rule cannot fire without a
//! baseline; crash loops count restarts since go; the rollback's verification follows.

use crate::effect::Effect;
use crate::event::{Action, Event, Outcome, PodRow, ProbeRow};
use crate::release::intent::ReleaseIntent;
use crate::release::testkit::{Harness, approvals_config, lead, weights};
use crate::state::release::Phase;

fn shifted() -> Harness {
    let mut h = Harness::new(approvals_config());
    h.go();
    h.step();
    h
}

fn auto_rollback(recorded: &[Event]) -> Option<(String, Box<crate::event::AutoTrigger>)> {
    recorded.iter().find_map(|e| match e {
        Event::ActionRequested {
            id,
            action: Action::Rollback { auto: Some(t), .. },
        } => Some((id.clone(), t.clone())),
        _ => None,
    })
}

#[test]
fn an_error_breach_rolls_back_once_with_the_measurements() {
    let mut h = shifted();
    h.advance(2);
    h.samples(&[("blue", 0.001, 0.12), ("green", 0.081, 0.13)]);
    let recorded = h.record_effects();
    let (id, why) = auto_rollback(&recorded).expect("auto-rollback asked for");
    assert!(id.starts_with("auto-"));
    assert_eq!(why.rule, "error-ratio");
    let m = &why.measurements[0];
    assert!((m.value.expect("value") - 0.081).abs() < 1e-9);
    assert_eq!(m.threshold, Some(0.05));
    assert_eq!(why.breaches, 1);
    assert!(why.summary.contains("8.10 %"), "{}", why.summary);
    // The rollback's intent asked the executor to run it.
    assert!(h.executed().is_some_and(|s| s.id == id));
    // Further breaching samples do not ask again.
    h.advance(2);
    h.samples(&[("blue", 0.001, 0.12), ("green", 0.09, 0.13)]);
    assert!(h.record_effects().is_empty());
    assert_eq!(
        h.state.release.auto.fired.as_ref().map(|t| t.rule.as_str()),
        Some("error-ratio")
    );
    assert_eq!(h.replayed(), h.live());
}

#[test]
fn disarmed_watches_but_does_not_act() {
    let mut h = shifted();
    h.act(ReleaseIntent::Arm {
        armed: false,
        reason: Some("test".into()),
    })
    .expect("disarm");
    h.advance(2);
    h.samples(&[("blue", 0.001, 0.12), ("green", 0.2, 0.13)]);
    assert!(auto_rollback(&h.record_effects()).is_none());
    assert!(
        h.state
            .release
            .auto
            .last
            .iter()
            .any(|t| t.rule == "error-ratio")
    );
}

#[test]
fn unknown_candidate_data_pauses_and_never_promotes() {
    let mut h = shifted();
    h.advance(20);
    h.samples(&[("blue", 0.001, 0.12), ("green", f64::NAN, f64::NAN)]);
    let recorded = h.record_effects();
    assert!(
        recorded.iter().any(
            |e| matches!(e, Event::ShiftPaused { auto: true, reason } if reason.contains("unknown"))
        ),
        "{recorded:?}"
    );
    assert!(
        auto_rollback(&recorded).is_none(),
        "unknown alone does not roll back"
    );
    let r = h
        .act(ReleaseIntent::Shift {
            override_reason: None,
        })
        .expect_err("paused");
    assert!(r.reason.contains("paused"), "{}", r.reason);
}

#[test]
fn unknown_rolls_back_only_by_policy() {
    let mut cfg = approvals_config();
    cfg.auto_rollback.on_unknown = crate::config::warroom::OnUnknown::Rollback;
    let mut h = Harness::new(cfg);
    h.go();
    h.step();
    h.advance(20);
    h.samples(&[("blue", 0.001, 0.12), ("green", f64::NAN, f64::NAN)]);
    let (_, why) = auto_rollback(&h.record_effects()).expect("policy rollback");
    assert_eq!(why.rule, "unknown-data");
    assert_eq!(why.on_unknown, "rollback");
}

#[test]
fn p99_rule_needs_a_baseline_and_fires_over_its_multiple() {
    let mut h = Harness::new(approvals_config());
    // No usable stable p99 at go: baseline 0.
    h.samples(&[("blue", 0.001, 0.0), ("green", f64::NAN, f64::NAN)]);
    h.go();
    h.step();
    h.advance(2);
    h.samples(&[("blue", 0.001, 0.0), ("green", 0.001, 5.0)]);
    assert!(
        auto_rollback(&h.record_effects()).is_none(),
        "no divide-by-zero rollback"
    );
    let p99 = h
        .state
        .release
        .auto
        .last
        .iter()
        .find(|t| t.rule == "p99-vs-baseline")
        .expect("evaluated");
    assert!(p99.summary.contains("cannot tell"), "{}", p99.summary);

    let mut h = shifted(); // baseline p99 0.120 s, limit 2× = 0.240 s
    h.advance(2);
    h.samples(&[("blue", 0.001, 0.12), ("green", 0.001, 0.36)]);
    let (_, why) = auto_rollback(&h.record_effects()).expect("p99 rollback");
    assert_eq!(why.rule, "p99-vs-baseline");
    assert!(why.summary.contains("360 ms"), "{}", why.summary);
}

#[test]
fn crash_loops_count_restarts_since_go() {
    let mut h = Harness::new(approvals_config());
    // A stable pod that restarted before go is no reason to roll back.
    h.apply(
        lead(),
        Event::PodChanged {
            source: "kubernetes".into(),
            pod: PodRow {
                name: "app-green-0".into(),
                version: "green".into(),
                phase: "Running".into(),
                ready: (1, 1),
                restarts: 5,
                ..PodRow::default()
            },
        },
    );
    h.go();
    h.step();
    h.advance(2);
    h.apply(
        lead(),
        Event::PodChanged {
            source: "kubernetes".into(),
            pod: PodRow {
                name: "app-green-0".into(),
                version: "green".into(),
                phase: "Running".into(),
                ready: (0, 1),
                restarts: 6,
                ..PodRow::default()
            },
        },
    );
    assert!(auto_rollback(&h.record_effects()).is_none());
    h.apply(
        lead(),
        Event::PodChanged {
            source: "kubernetes".into(),
            pod: PodRow {
                name: "app-green-1".into(),
                version: "green".into(),
                phase: "Running".into(),
                ready: (0, 1),
                restarts: 1,
                reason: Some("CrashLoopBackOff".into()),
                ..PodRow::default()
            },
        },
    );
    let (_, why) = auto_rollback(&h.record_effects()).expect("crashloop rollback");
    assert_eq!(why.rule, "crashloop");
    assert!(why.summary.contains("app-green-1"), "{}", why.summary);
}

#[test]
fn a_rollback_moves_all_traffic_at_once_then_undoes_and_verifies() {
    let mut h = shifted();
    h.advance(16);
    h.samples(&[("blue", 0.001, 0.12), ("green", 0.001, 0.12)]);
    h.step(); // 25 %
    let d = h
        .act(ReleaseIntent::Rollback {
            reason: "customer reports".into(),
            ticket: Some("INC-9".into()),
            undo: true,
        })
        .expect("rollback");
    let Event::ActionRequested { id, action } = d.event else {
        panic!()
    };
    assert!(matches!(
        action,
        Action::Rollback {
            from: 25,
            undo: true,
            ..
        }
    ));
    assert_eq!(
        action.target_weight(),
        Some(0),
        "one change, straight to 0 %"
    );
    h.outcome(&id, Outcome::Applied, Some(weights(100, 0)));
    assert_eq!(h.state.release.phase, Phase::RolledBack);
    // The undo is asked for only now that traffic is on stable.
    let undo = h.record_effects();
    assert!(undo.iter().any(|e| matches!(
        e,
        Event::ActionRequested { id: u, action: Action::Undo { workload, .. } }
            if u == &format!("{id}-undo") && workload == "app-green"
    )));
    h.outcome(&format!("{id}-undo"), Outcome::Applied, None);
    // Verification: traffic on stable, health reports the stable release, errors recovered.
    h.advance(3);
    h.traffic(100, 0);
    assert!(
        h.record_effects().is_empty(),
        "health not probed since the rollback yet"
    );
    for endpoint in ["live", "ready"] {
        h.apply(
            lead(),
            Event::HealthProbed {
                source: format!("health:{endpoint}"),
                probe: ProbeRow {
                    endpoint: endpoint.into(),
                    ok: true,
                    status: Some(200),
                    version: Some("1.2.2".into()),
                    ..ProbeRow::default()
                },
            },
        );
    }
    h.samples(&[("blue", 0.001, 0.12), ("green", f64::NAN, f64::NAN)]);
    let verified = h.record_effects();
    assert!(
        verified
            .iter()
            .any(|e| matches!(e, Event::RollbackVerified { ok: true, .. })),
        "{verified:?}"
    );
    assert!(matches!(
        h.state
            .release
            .rollback
            .as_ref()
            .and_then(|p| p.verified.as_ref()),
        Some((true, _))
    ));
    // What a reviewer rebuilds from the log is exactly the live state.
    assert_eq!(h.replayed(), h.live());
}

#[test]
fn drift_names_who_changed_the_traffic() {
    let mut h = shifted();
    h.advance(5);
    let mut reverted = weights(100, 0);
    reverted.manager = Some("argocd-controller".into());
    h.apply(
        lead(),
        Event::TrafficObserved {
            source: "kubernetes".into(),
            traffic: reverted,
        },
    );
    let recorded = h.record_effects();
    let drift = recorded
        .iter()
        .find_map(|e| match e {
            Event::DriftObserved { drift } => Some(drift.clone()),
            _ => None,
        })
        .expect("drift recorded");
    assert_eq!(drift.manager.as_deref(), Some("argocd-controller"));
    assert_eq!(drift.expected, weights(90, 10));
    // Once.
    h.traffic(100, 0);
    assert!(!h.effects.iter().any(|e| matches!(e, Effect::Record(_))));
}
