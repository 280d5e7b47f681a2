use jiff::Timestamp;

use super::*;
use crate::config::warroom::parse_str;
use crate::event::{
    Action, ApprovalVia, Envelope, Event, GateId, LOG_VERSION, LeaseRow, Outcome, PodRow, Signal,
};
use crate::release::{ReleaseIntent, decide};
use crate::runbook::Format;
use crate::state::live::SignalPoint;

const CONFIG: &str = r#"
[deployment]
name = "app"
environment = "staging"
release = "1.2.3"
stable = "1.2.2"
timezone = "UTC"

[versions]
stable = "blue"
candidate = "green"

[scrape]
targets = ["http://127.0.0.1:9/metrics"]

[traffic]
strategy = "replica-ratio"
steps = [{ weight = 10, bake = "1m" }, { weight = 25, bake = "1m" }, { weight = 100, bake = "1m" }]

[gates]
window = { days = ["Tue", "Wed", "Thu"], from = "10:00", to = "14:00" }
approvals = { required = 1, steps = true, roles = ["platform-lead"] }
advisory = ["checklist"]
"#;

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn actor(name: &str, role: &str) -> Actor {
    Actor {
        name: name.into(),
        role: role.into(),
        host: "test".into(),
    }
}

fn lead() -> Actor {
    actor("lead", "deployment-lead")
}

fn state() -> State {
    let cfg = parse_str(CONFIG, Format::Toml, "warroom.toml").expect("config");
    State {
        config: Some(Box::new(cfg)),
        ..State::default()
    }
}

/// The scrape is current at `at` and the stable version (blue) holds its SLOs.
fn stable_healthy(s: &mut State, at: &str) {
    s.live.sources.insert(
        "scrape".into(),
        crate::state::live::SourceStatus {
            kind: crate::event::SourceKind::Scrape,
            target: "test".into(),
            interval_ms: 2_000,
            last_ok: Some(ts(at)),
            failing: None,
        },
    );
    for (signal, v) in [
        (Signal::ErrorRatio, 0.001),
        (Signal::LatencyP95, 0.100),
        (Signal::LatencyP99, 0.200),
    ] {
        s.live
            .signals
            .entry(signal)
            .or_default()
            .entry("blue".to_string())
            .or_default()
            .push(
                SignalPoint {
                    at: ts(at),
                    value: Some(v),
                },
                ts(at),
            );
    }
}

fn record(s: &mut State, who: &Actor, at: &str, event: Event) {
    let seq = s.last_seq.map_or(1, |n| n + 1);
    let env = Envelope {
        v: LOG_VERSION,
        seq,
        at: ts(at),
        session: "s1".into(),
        actor: who.clone(),
        event,
        prev: String::new(),
        hash: format!("h{seq}"),
    };
    crate::reduce::reduce(s, &env);
}

fn approve(s: &mut State, decision: DecisionRef, at: &str) {
    record(
        s,
        &actor("pl", "platform-lead"),
        at,
        Event::ApprovalRecorded {
            decision,
            reason: None,
            via: ApprovalVia::Socket,
            os_user: None,
            declared: None,
            request: None,
        },
    );
}

fn go_ref(round: u32) -> DecisionRef {
    DecisionRef {
        kind: DecisionKind::Go,
        release: Some("1.2.3".into()),
        round,
        step: None,
    }
}

fn step_ref(step: usize) -> DecisionRef {
    DecisionRef {
        kind: DecisionKind::Step,
        release: Some("1.2.3".into()),
        round: 1,
        step: Some(step),
    }
}

fn view(s: &State, now: &str, who: &Actor) -> Preview {
    preview(s, s.config.as_deref().expect("config"), ts(now), Some(who))
}

/// The preview and `decide` agree on whether the next step is accepted.
fn agrees(s: &State, now: &str, who: &Actor) -> Preview {
    let p = view(s, now, who);
    let intent = match p.next {
        Next::Go(_) => ReleaseIntent::Go {
            reason: "go".into(),
            override_reason: None,
        },
        _ => ReleaseIntent::Shift {
            override_reason: None,
        },
    };
    let decided = decide(s, intent, ts(now), who);
    assert_eq!(
        p.allowed(),
        decided.is_ok(),
        "preview {p:#?} but decide said {decided:?}"
    );
    p
}

fn whats(bs: &[Blocker]) -> Vec<&str> {
    bs.iter().map(|b| b.what.as_str()).collect()
}

// Tue 2026-11-24 11:00 UTC: inside the window. Sat 11-21: outside it.
const OPEN: &str = "2026-11-24T11:00:00Z";
const CLOSED: &str = "2026-11-21T11:00:00Z";

#[test]
fn before_go_the_preview_is_the_gates_for_go() {
    let mut s = state();
    stable_healthy(&mut s, CLOSED);
    let p = agrees(&s, CLOSED, &lead());
    assert_eq!(p.next, Next::Go(go_ref(1)));
    assert_eq!(whats(&p.blockers), ["window", "approvals"]);
    assert_eq!(
        p.blockers[0].why,
        "closed (Tue–Thu 10:00–14:00 UTC); opens Tue 10:00 (in 2d 23h)"
    );
    assert_eq!(
        p.summary(),
        "go for 1.2.3 (round 1): refused now (2 hard gates fail)"
    );
    assert_eq!(p.gates.len(), GateId::ALL.len());
    approve(&mut s, go_ref(1), "2026-11-24T10:30:00Z");
    stable_healthy(&mut s, OPEN);
    let p = agrees(&s, OPEN, &lead());
    assert!(p.blockers.is_empty(), "{p:#?}");
    assert_eq!(p.summary(), "go for 1.2.3 (round 1): would be accepted");
}

#[test]
fn an_observer_is_told_they_may_not_decide() {
    let mut s = state();
    stable_healthy(&mut s, OPEN);
    approve(&mut s, go_ref(1), "2026-11-24T10:30:00Z");
    let p = agrees(&s, OPEN, &actor("watcher", "observer"));
    assert_eq!(whats(&p.blockers), ["role"]);
    assert_eq!(
        p.blockers[0].why,
        "watcher (role observer) may not decide go/no-go"
    );
    assert!(!p.blockers[0].overridable);
}

#[test]
fn a_window_closing_before_the_plan_ends_is_a_warning() {
    let mut s = state();
    stable_healthy(&mut s, "2026-11-24T13:58:00Z");
    approve(&mut s, go_ref(1), "2026-11-24T10:30:00Z");
    let p = agrees(&s, "2026-11-24T13:58:00Z", &lead());
    assert!(p.allowed());
    assert_eq!(whats(&p.warnings), ["plan"]);
    assert_eq!(
        p.warnings[0].why,
        "the window closes in 2m; the plan's bakes take 3m"
    );
    assert_eq!(
        p.summary(),
        "go for 1.2.3 (round 1): would be accepted (1 warning)"
    );
}

fn healthy(s: &mut State, at: &str) {
    for (signal, v) in [(Signal::ErrorRatio, 0.002), (Signal::LatencyP95, 0.120)] {
        s.live
            .signals
            .entry(signal)
            .or_default()
            .entry("green".to_string())
            .or_default()
            .push(
                SignalPoint {
                    at: ts(at),
                    value: Some(v),
                },
                ts(at),
            );
    }
}

fn pod(name: &str, version: &str) -> PodRow {
    PodRow {
        name: name.into(),
        version: version.into(),
        phase: "Running".into(),
        ready: (1, 1),
        ..PodRow::default()
    }
}

/// Go decided at 10:40 and step 1 (10 %) read back as applied at 10:45.
fn shifting() -> State {
    let mut s = state();
    approve(&mut s, go_ref(1), "2026-11-24T10:30:00Z");
    record(
        &mut s,
        &lead(),
        "2026-11-24T10:40:00Z",
        Event::GoNoGoDecided {
            go: true,
            approvals: vec!["pl".into()],
            decision: go_ref(1),
            reason: "go".into(),
            gates: vec![],
            overridden: None,
            baseline: None,
        },
    );
    record(
        &mut s,
        &lead(),
        "2026-11-24T10:45:00Z",
        Event::ActionRequested {
            id: "a1".into(),
            action: Action::Shift {
                step: 0,
                weight: 10,
                from: 0,
                strategy: crate::config::warroom::Strategy::ReplicaRatio,
                override_bake: None,
            },
        },
    );
    record(
        &mut s,
        &lead(),
        "2026-11-24T10:45:00Z",
        Event::ActionOutcome {
            id: "a1".into(),
            outcome: Outcome::Applied,
            detail: "scaled".into(),
            before: None,
            after: None,
            versions: vec![],
            changed_by: None,
        },
    );
    for p in [pod("app-blue-1", "blue"), pod("app-green-1", "green")] {
        s.live.pods.insert(p.name.clone(), p);
    }
    s
}

#[test]
fn during_a_shift_the_preview_is_what_the_next_step_meets() {
    let mut s = shifting();
    let p = agrees(&s, "2026-11-24T10:45:20Z", &lead());
    assert_eq!(
        p.next,
        Next::Shift {
            step: 1,
            weight: 25
        }
    );
    assert_eq!(p.label, "step 2 of 3: 25 % to green");
    assert_eq!(
        whats(&p.blockers),
        ["bake", "candidate health", "approvals"]
    );
    assert_eq!(p.blockers[0].why, "step 1 bakes for another 40s");
    assert!(
        p.blockers[1].why.contains("unknown is not healthy"),
        "{}",
        p.blockers[1].why
    );
    assert_eq!(
        p.blockers[2].why,
        "step 2 of 1.2.3 (round 1) needs 1 approval; 0 recorded"
    );
    assert!(p.blockers[0].overridable && p.blockers[1].overridable && !p.blockers[2].overridable);
    assert_eq!(
        p.summary(),
        "step 2 of 3: 25 % to green: refused now (3 reasons)"
    );

    healthy(&mut s, "2026-11-24T10:46:00Z");
    let p = agrees(&s, "2026-11-24T10:46:00Z", &lead());
    assert_eq!(whats(&p.blockers), ["approvals"]);
    // An approval of the go does not carry over to the step; one for this step does.
    approve(&mut s, step_ref(1), "2026-11-24T10:46:10Z");
    let p = agrees(&s, "2026-11-24T10:46:20Z", &lead());
    assert!(p.allowed(), "{p:#?}");
}

#[test]
fn the_lock_a_pause_and_a_change_in_flight_each_block_the_next_step() {
    let mut s = shifting();
    healthy(&mut s, "2026-11-24T10:46:00Z");
    approve(&mut s, step_ref(1), "2026-11-24T10:46:10Z");
    let now = "2026-11-24T10:46:20Z";
    record(
        &mut s,
        &lead(),
        now,
        Event::LeaseObserved {
            lease: LeaseRow {
                name: "warroom-app".into(),
                holder: Some("other@host s9".into()),
                renewed: Some(ts("2026-11-24T10:46:00Z")),
                duration_s: 60,
                ours: false,
            },
        },
    );
    let p = agrees(&s, now, &lead());
    assert_eq!(whats(&p.blockers), ["lock"]);
    assert_eq!(
        p.blockers[0].why,
        "the deployment lock is held by other@host s9"
    );
    // Expired: the holder stopped renewing.
    let p = agrees(&s, "2026-11-24T10:47:30Z", &lead());
    assert!(p.allowed(), "{p:#?}");

    record(
        &mut s,
        &lead(),
        now,
        Event::ShiftPaused {
            reason: "paused by lead".into(),
            auto: false,
        },
    );
    let p = agrees(&s, "2026-11-24T10:47:30Z", &lead());
    assert_eq!(whats(&p.blockers), ["paused"]);
    record(&mut s, &lead(), now, Event::ShiftResumed { reason: None });
    record(
        &mut s,
        &lead(),
        now,
        Event::ActionRequested {
            id: "a2".into(),
            action: Action::Shift {
                step: 1,
                weight: 25,
                from: 10,
                strategy: crate::config::warroom::Strategy::ReplicaRatio,
                override_bake: None,
            },
        },
    );
    let p = agrees(&s, "2026-11-24T10:47:30Z", &lead());
    assert_eq!(whats(&p.blockers), ["in flight"]);
    assert_eq!(p.blockers[0].why, "shift (a2) has no outcome yet");
}

#[test]
fn no_ready_candidate_pods_block_the_next_step() {
    let mut s = shifting();
    healthy(&mut s, "2026-11-24T10:46:00Z");
    approve(&mut s, step_ref(1), "2026-11-24T10:46:10Z");
    s.live.pods.remove("app-green-1");
    let p = agrees(&s, "2026-11-24T10:46:20Z", &lead());
    assert_eq!(whats(&p.blockers), ["ready pods"]);
    assert_eq!(
        p.blockers[0].why,
        "green has no ready pods to take 25 % of traffic"
    );
}
