//! Gates evaluated from the state: each status with its reason.

use jiff::Timestamp;

use super::*;
use crate::config::warroom::{ClockTime, Day, Freeze, Window, Zone};
use crate::event::{DecisionKind, GateId};
use crate::release::testkit::{Harness, actor, approvals_config};

fn decision() -> DecisionRef {
    DecisionRef {
        kind: DecisionKind::Go,
        release: Some("1.2.3".into()),
        round: 1,
        step: None,
    }
}

fn gate(h: &Harness, at: &str, id: GateId) -> GateResult {
    let cfg = h.state.config.clone().expect("config");
    let now: Timestamp = at.parse().expect("ts");
    evaluate(&h.state, &cfg, now, &decision(), "lead")
        .into_iter()
        .find(|g| g.gate == id)
        .expect("gate")
}

#[test]
fn a_window_is_read_in_the_deployment_zone() {
    let mut cfg = approvals_config();
    cfg.deployment.timezone = Some("America/New_York".parse::<Zone>().expect("zone"));
    cfg.gates.window = Some(Window {
        days: vec![
            "Tue".parse::<Day>().expect("day"),
            "Wed".parse().expect("day"),
        ],
        from: "10:00".parse::<ClockTime>().expect("time"),
        to: "14:00".parse::<ClockTime>().expect("time"),
    });
    let h = Harness::new(cfg);
    // Tue 2026-11-24 15:00Z is 10:00 in New York: open, closing in 4h.
    let g = gate(&h, "2026-11-24T15:00:00Z", GateId::Window);
    assert_eq!(g.status, GateStatus::Pass, "{}", g.why);
    assert!(g.why.contains("closes in 4h"), "{}", g.why);
    // 14:30Z is 09:30 in New York: closed, opens at 10:00 the same day.
    let g = gate(&h, "2026-11-24T14:30:00Z", GateId::Window);
    assert_eq!(g.status, GateStatus::Fail);
    assert!(g.why.contains("opens Tue 10:00"), "{}", g.why);
    // Thursday: closed until next Tuesday.
    let g = gate(&h, "2026-11-26T15:00:00Z", GateId::Window);
    assert_eq!(g.status, GateStatus::Fail);
    assert!(g.why.contains("opens Tue 10:00"), "{}", g.why);
}

#[test]
fn a_freeze_names_its_reason() {
    let mut cfg = approvals_config();
    cfg.deployment.timezone = Some("Europe/Berlin".parse::<Zone>().expect("zone"));
    cfg.gates.freeze = vec![Freeze {
        from: "2026-11-26".parse().expect("date"),
        to: "2026-11-30".parse().expect("date"),
        reason: "Black Friday".into(),
    }];
    let h = Harness::new(cfg);
    // 23:30Z on the 25th is already the 26th in Berlin.
    let g = gate(&h, "2026-11-25T23:30:00Z", GateId::Freeze);
    assert_eq!(g.status, GateStatus::Fail);
    assert!(g.why.contains("Black Friday"));
    let g = gate(&h, "2026-11-25T22:30:00Z", GateId::Freeze);
    assert_eq!(g.status, GateStatus::Pass);
}

#[test]
fn slo_unknown_is_not_healthy_and_approvals_skip_the_decider() {
    let mut h = Harness::new(approvals_config());
    let g = gate(&h, "2026-11-24T15:00:00Z", GateId::SloHealthy);
    assert_eq!(g.status, GateStatus::Pass, "{}", g.why);
    h.samples(&[("blue", f64::NAN, f64::NAN)]);
    let g = gate(&h, "2026-11-24T15:00:00Z", GateId::SloHealthy);
    assert_eq!(g.status, GateStatus::Unknown, "{}", g.why);
    assert!(g.blocks());
    h.approve(actor("rm", "release-manager")).expect("approve");
    let g = gate(&h, "2026-11-24T15:00:00Z", GateId::Approvals);
    assert_eq!(g.status, GateStatus::Pass, "{}", g.why);
    // The same approval does not count when the approver would be deciding.
    let cfg = h.state.config.clone().expect("config");
    let as_rm = evaluate(&h.state, &cfg, h.now, &decision(), "rm");
    let g = as_rm
        .iter()
        .find(|g| g.gate == GateId::Approvals)
        .expect("gate");
    assert_eq!(g.status, GateStatus::Fail);
}

#[test]
fn advisory_gates_warn_but_do_not_block() {
    let h = Harness::new(approvals_config());
    let g = gate(&h, "2026-11-24T15:00:00Z", GateId::Checklist);
    assert!(!g.hard, "the demo's checklist gate is advisory");
    let g = gate(&h, "2026-11-24T15:00:00Z", GateId::ImageImmutable);
    assert_eq!(g.status, GateStatus::Pass, "{}", g.why);
}
