//! Release fixtures: the healthy live state with a release config (the 10/25/50/100 plan, one
//! approval from a release manager), and the decisions and actions of a release fed through
//! the reducer the way the war room records them: approval, go, steps with their outcomes, a
//! pause, drift, a lock, an automatic rollback with the watch's own effects applied.

use jiff::SignedDuration;
use warroom::config::warroom::{Strategy, WarroomConfig, parse_str};
use warroom::effect::Effect;
use warroom::event::{
    Action, Actor, ApprovalVia, AutoTrigger, DecisionKind, DecisionRef, Drift, Envelope, Event,
    LOG_VERSION, LeaseRow, Measurement, Outcome, TrafficRow,
};
use warroom::reduce::reduce;
use warroom::runbook::Format;
use warroom::state::State;

use super::live::{self, Scenario, live_now};
use super::{Feed, actor, ts};

/// The release config: `environment` as given (`demo`, `production`).
pub fn config(environment: &str) -> WarroomConfig {
    let declared = if environment == "production" {
        ""
    } else {
        ", allow_declared = true"
    };
    let text = format!(
        r#"
[deployment]
name = "checkout"
environment = "{environment}"
release = "2.4.0"
stable = "2.3.1"

[versions]
stable = "blue"
candidate = "green"

[prometheus]
url = "http://prometheus.monitoring:9090"

[kubernetes]
namespace = "shop"
stable = "deployment/checkout-blue"
candidate = "deployment/checkout-green"
route = "checkout"

[[health]]
name = "api"
url = "https://api.example.com/health"
version_field = "version"

[traffic]
strategy = "httproute-weights"
steps = [{{ weight = 10, bake = "15m" }}, {{ weight = 25, bake = "15m" }}, {{ weight = 50, bake = "30m" }}, {{ weight = 100, bake = "30m" }}]

[gates]
advisory = ["checklist"]
approvals = {{ required = 1, roles = ["release-manager", "platform-lead"]{declared} }}

[operators]
rel = "release-manager"
"#
    );
    parse_str(&text, Format::Toml, "warroom.toml").expect("release config")
}

/// The war room's operator in these fixtures.
pub fn lead() -> Actor {
    actor("lead", "deployment-lead")
}

/// Seconds after `LIVE_NOW`, as a timestamp string.
pub fn at(secs: i64) -> String {
    (live_now() + SignedDuration::from_secs(secs)).to_string()
}

/// The go of 2.4.0 in round `round`.
pub fn go_ref(round: u32) -> DecisionRef {
    DecisionRef {
        kind: DecisionKind::Go,
        release: Some("2.4.0".into()),
        round,
        step: None,
    }
}

/// The healthy live state with the release config, before go (no approval yet).
pub fn before_go(environment: &str) -> Feed {
    let mut state = live::state(Scenario::Healthy);
    state.config = Some(Box::new(config(environment)));
    Feed { state, seq: 5_000 }
}

/// Pushes an event as `who` (with `role`), then the events the reducer asked to record
/// (`Effect::Record`: the watch's pauses and automatic rollbacks), as the war room would.
pub fn push_as(f: &mut Feed, when: &str, who: &Actor, event: Event) {
    f.seq += 1;
    let env = Envelope {
        v: LOG_VERSION,
        seq: f.seq,
        at: ts(when),
        session: "s1".into(),
        actor: who.clone(),
        event,
        prev: String::new(),
        hash: format!("h{}", f.seq),
    };
    for e in reduce(&mut f.state, &env) {
        if let Effect::Record(ev) = e {
            push_as(f, when, &actor("warroom", ""), *ev);
        }
    }
}

/// rel (release manager) approves the go of round 1.
pub fn approve(f: &mut Feed, when: i64) {
    push_as(
        f,
        &at(when),
        &actor("rel", "release-manager"),
        Event::ApprovalRecorded {
            decision: go_ref(1),
            reason: Some("plan reviewed".into()),
            via: ApprovalVia::Socket,
            os_user: Some("rel".into()),
            declared: None,
            request: Some("r1".into()),
        },
    );
}

/// The lead decides go for round 1.
pub fn go(f: &mut Feed, when: i64) {
    push_as(
        f,
        &at(when),
        &lead(),
        Event::GoNoGoDecided {
            go: true,
            approvals: vec!["rel".into()],
            decision: go_ref(1),
            reason: "go".into(),
            gates: vec![],
            overridden: None,
            baseline: None,
        },
    );
}

/// Requests action `id` and, when `outcome` is given, records it.
pub fn act(f: &mut Feed, when: i64, id: &str, action: Action, outcome: Option<Outcome>) {
    push_as(
        f,
        &at(when),
        &lead(),
        Event::ActionRequested {
            id: id.into(),
            action,
        },
    );
    if let Some(outcome) = outcome {
        outcome_of(f, when, id, outcome, "weights patched and read back", None);
    }
}

/// Records an outcome of action `id`.
pub fn outcome_of(
    f: &mut Feed,
    when: i64,
    id: &str,
    outcome: Outcome,
    detail: &str,
    changed_by: Option<&str>,
) {
    push_as(
        f,
        &at(when),
        &actor("warroom", ""),
        Event::ActionOutcome {
            id: id.into(),
            outcome,
            detail: detail.into(),
            before: None,
            after: Some(weights(100 - weight_of(f, id), weight_of(f, id))),
            versions: vec![],
            changed_by: changed_by.map(str::to_string),
        },
    );
}

fn weight_of(f: &Feed, id: &str) -> u32 {
    f.state
        .release
        .actions
        .get(id)
        .and_then(|a| a.action.target_weight())
        .unwrap_or(0)
}

/// The route's weights: blue, green.
pub fn weights(blue: u32, green: u32) -> TrafficRow {
    TrafficRow {
        selector: Default::default(),
        weights: vec![
            ("checkout-blue".into(), blue),
            ("checkout-green".into(), green),
        ],
        manager: Some("warroom".into()),
    }
}

/// A shift to plan step `step` (0-based) from `from` %.
pub fn shift(step: usize, weight: u32, from: u32) -> Action {
    Action::Shift {
        step,
        weight,
        from,
        strategy: Strategy::HttprouteWeights,
        override_bake: None,
    }
}

/// Approved, go 35 minutes ago, step 1 (10 %) 30 minutes ago, step 2 (25 %) 5 minutes ago:
/// step 2 bakes for another 10 minutes.
pub fn baking(environment: &str) -> Feed {
    let mut f = before_go(environment);
    approve(&mut f, -36 * 60);
    go(&mut f, -35 * 60);
    act(&mut f, -30 * 60, "a1", shift(0, 10, 0), Some(Outcome::Applied));
    act(&mut f, -5 * 60, "a2", shift(1, 25, 10), Some(Outcome::Applied));
    f
}

/// As `baking`, but step 2 was taken 20 minutes ago: its bake is done and the candidate is
/// healthy, so the next step is offered.
pub fn baked(environment: &str) -> Feed {
    let mut f = before_go(environment);
    approve(&mut f, -36 * 60);
    go(&mut f, -35 * 60);
    act(&mut f, -34 * 60, "a1", shift(0, 10, 0), Some(Outcome::Applied));
    act(&mut f, -20 * 60, "a2", shift(1, 25, 10), Some(Outcome::Applied));
    f
}

/// Another war room holds the deployment lock, renewed a few seconds ago.
pub fn lock_held(f: &mut Feed, when: i64) {
    push_as(
        f,
        &at(when),
        &actor("warroom", ""),
        Event::LeaseObserved {
            lease: LeaseRow {
                name: "warroom-checkout".into(),
                holder: Some("ops2@bastion s-7f3a".into()),
                renewed: Some(ts(&at(when))),
                duration_s: 30,
                ours: false,
            },
        },
    );
}

/// GitOps put the weights back to 100/0 behind the war room's back.
pub fn drifted(f: &mut Feed, when: i64) {
    push_as(
        f,
        &at(when),
        &actor("warroom", ""),
        Event::DriftObserved {
            drift: Drift {
                object: "httproute/checkout".into(),
                expected: weights(75, 25),
                actual: weights(100, 0),
                manager: Some("argocd".into()),
            },
        },
    );
}

/// What the error-ratio rule saw when it fired: 8.1 % against 5 % over 5 minutes.
pub fn error_trigger() -> AutoTrigger {
    AutoTrigger {
        rule: "error-ratio".into(),
        summary: "green error ratio 8.10 % over 5.00 % for the 5m window".into(),
        measurements: vec![
            Measurement {
                signal: "error_ratio".into(),
                version: "green".into(),
                value: Some(0.081),
                threshold: Some(0.05),
                at: live_now() - SignedDuration::from_secs(5),
                unknown: None,
            },
            Measurement {
                signal: "error_ratio".into(),
                version: "green".into(),
                value: None,
                threshold: Some(0.05),
                at: live_now() - SignedDuration::from_secs(10),
                unknown: Some("no traffic in the scrape".into()),
            },
        ],
        window_s: 300,
        breaches: 58,
        samples: 59,
        unknown_samples: 1,
        on_unknown: "pause".into(),
    }
}

/// Baking at 25 %, then auto-rollback fired 4 s ago and traffic was read back on stable 3 s
/// ago; verification still pending.
pub fn auto_rolled_back(environment: &str) -> State {
    let mut f = baking(environment);
    act(
        &mut f,
        -4,
        "auto-6001",
        Action::Rollback {
            reason: "green error ratio 8.10 % over 5.00 % for the 5m window".into(),
            ticket: None,
            undo: false,
            from: 25,
            strategy: Strategy::HttprouteWeights,
            auto: Some(Box::new(error_trigger())),
        },
        None,
    );
    outcome_of(
        &mut f,
        -3,
        "auto-6001",
        Outcome::Applied,
        "weights checkout-blue 100 / checkout-green 0, read back",
        None,
    );
    f.state
}
