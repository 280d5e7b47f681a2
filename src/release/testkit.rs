//! A small harness for release tests: a session with the simulator's generated config, and
//! helpers that decide intents and apply events exactly as the core does (a refusal is
//! recorded as `ActionRefused`), collecting the effects.

use jiff::{SignedDuration, Timestamp};

use super::decide::{Decided, Refused, decide};
use super::intent::ReleaseIntent;
use crate::config::warroom::{self, WarroomConfig};
use crate::effect::Effect;
use crate::event::{
    Actor, Envelope, Event, LOG_VERSION, Outcome, PodRow, Sample, Signal, TrafficRow, WorkloadRow,
};
use crate::reduce::reduce;
use crate::runbook::input::Format;
use crate::sim::RoutingMode;
use crate::state::State;

/// The war room's operator in tests.
pub fn lead() -> Actor {
    actor("lead", "deployment-lead")
}

/// An actor.
pub fn actor(name: &str, role: &str) -> Actor {
    Actor {
        name: name.into(),
        role: role.into(),
        host: "test".into(),
    }
}

/// The simulator's config (httproute weights, stable blue 1.2.2, candidate green 1.2.3).
pub fn config() -> WarroomConfig {
    let text = crate::sim::config_writer::warroom_toml(
        "http://127.0.0.1:9",
        RoutingMode::HttprouteWeights,
    );
    warroom::parse_str(&text, Format::Toml, "warroom.toml").expect("the sim config parses")
}

/// A session under test.
pub struct Harness {
    /// The state.
    pub state: State,
    /// Effects returned by the last applied events.
    pub effects: Vec<Effect>,
    /// The clock.
    pub now: Timestamp,
    /// Every envelope applied, in order: the log.
    pub log: Vec<Envelope>,
    seq: u64,
}

impl Harness {
    /// A started session with `cfg` at 2026-11-24T15:00Z, the stable version healthy and
    /// both Deployments ready, traffic all on blue.
    pub fn new(cfg: WarroomConfig) -> Self {
        let now: Timestamp = "2026-11-24T15:00:00Z".parse().expect("ts");
        let mut h = Self {
            state: State::default(),
            effects: Vec::new(),
            now,
            log: Vec::new(),
            seq: 0,
        };
        h.apply(
            lead(),
            Event::SessionStarted {
                app_version: "test".into(),
                runbook_path: "r.toml".into(),
                runbook_sha256: String::new(),
                runbook: crate::runbook::Runbook::default(),
                t0: Some(now),
                deployment: Some("app".into()),
                config: Some(Box::new(cfg)),
            },
        );
        for (source, kind, interval_ms) in [
            ("kubernetes", crate::event::SourceKind::Kubernetes, 0),
            ("scrape", crate::event::SourceKind::Scrape, 2_000),
        ] {
            h.apply(
                lead(),
                Event::SourceStarted {
                    source: source.into(),
                    kind,
                    target: "http://127.0.0.1:9".into(),
                    interval_ms,
                },
            );
        }
        for (name, version) in [("app-blue", "blue"), ("app-green", "green")] {
            h.apply(
                lead(),
                Event::WorkloadObserved {
                    source: "kubernetes".into(),
                    workload: WorkloadRow {
                        name: name.into(),
                        desired: 3,
                        updated: 3,
                        ready: 3,
                        available: 3,
                        ..WorkloadRow::default()
                    },
                },
            );
            for i in 0..3 {
                h.apply(
                    lead(),
                    Event::PodChanged {
                        source: "kubernetes".into(),
                        pod: PodRow {
                            name: format!("{name}-{i}"),
                            version: version.into(),
                            phase: "Running".into(),
                            ready: (1, 1),
                            ..PodRow::default()
                        },
                    },
                );
            }
        }
        h.traffic(100, 0);
        h.samples(&[("blue", 0.001, 0.120), ("green", f64::NAN, f64::NAN)]);
        h
    }

    /// Moves the clock.
    pub fn advance(&mut self, secs: i64) {
        self.now += SignedDuration::from_secs(secs);
    }

    /// Applies an event recorded as `actor`, keeping the effects it returned.
    pub fn apply(&mut self, actor: Actor, event: Event) -> u64 {
        self.seq += 1;
        let env = Envelope {
            v: LOG_VERSION,
            seq: self.seq,
            at: self.now,
            session: "s1".into(),
            actor,
            event,
            prev: String::new(),
            hash: format!("h{}", self.seq),
        };
        self.effects = reduce(&mut self.state, &env);
        self.log.push(env);
        self.seq
    }

    /// The state rebuilt from the log alone (as replay does), as JSON for comparison.
    pub fn replayed(&self) -> serde_json::Value {
        let mut s = State::default();
        for env in &self.log {
            reduce(&mut s, env);
        }
        serde_json::to_value(&s).expect("state serializes")
    }

    /// The live state as JSON.
    pub fn live(&self) -> serde_json::Value {
        serde_json::to_value(&self.state).expect("state serializes")
    }

    /// Decides an intent for the lead and records the result, as the core does.
    pub fn act(&mut self, intent: ReleaseIntent) -> Result<Decided, Refused> {
        self.act_as(lead(), intent)
    }

    /// Decides an intent for `operator` and records the result.
    pub fn act_as(&mut self, operator: Actor, intent: ReleaseIntent) -> Result<Decided, Refused> {
        match decide(&self.state, intent, self.now, &operator) {
            Ok(d) => {
                self.apply(d.actor.clone().unwrap_or(operator), d.event.clone());
                Ok(d)
            }
            Err(r) => {
                self.apply(r.actor.as_deref().cloned().unwrap_or(operator), r.event());
                Err(r)
            }
        }
    }

    /// Records every `Effect::Record` of the last event (what the core does), repeatedly.
    pub fn record_effects(&mut self) -> Vec<Event> {
        let mut recorded = Vec::new();
        loop {
            let events: Vec<Event> = self
                .effects
                .iter()
                .filter_map(|e| match e {
                    Effect::Record(ev) => Some((**ev).clone()),
                    _ => None,
                })
                .collect();
            if events.is_empty() {
                return recorded;
            }
            for ev in events {
                recorded.push(ev.clone());
                self.apply(lead(), ev);
            }
        }
    }

    /// The action the last applied event asked to execute, if any.
    pub fn executed(&self) -> Option<crate::effect::ActionSpec> {
        self.effects.iter().find_map(|e| match e {
            Effect::Execute(s) => Some((**s).clone()),
            _ => None,
        })
    }

    /// Reports an action's outcome (as the executor would).
    pub fn outcome(&mut self, id: &str, outcome: Outcome, after: Option<TrafficRow>) {
        self.apply(
            lead(),
            Event::ActionOutcome {
                id: id.into(),
                outcome,
                detail: format!("{outcome:?}"),
                before: None,
                after,
                versions: Vec::new(),
                changed_by: None,
            },
        );
    }

    /// Observed HTTPRoute weights.
    pub fn traffic(&mut self, blue: u32, green: u32) {
        self.apply(
            lead(),
            Event::TrafficObserved {
                source: "kubernetes".into(),
                traffic: weights(blue, green),
            },
        );
    }

    /// One poll of samples: (version, error ratio, p99 seconds); NaN means unknown.
    pub fn samples(&mut self, rows: &[(&str, f64, f64)]) {
        let mut samples = Vec::new();
        for (v, err, p99) in rows {
            for (signal, value) in [
                (Signal::ErrorRatio, *err),
                (Signal::LatencyP99, *p99),
                (Signal::LatencyP95, *p99 * 0.8),
                (Signal::Throughput, 20.0),
            ] {
                samples.push(if value.is_nan() {
                    Sample::unknown(signal, *v, "no traffic")
                } else {
                    Sample::known(signal, *v, value)
                });
            }
        }
        let at = self.now;
        self.apply(
            lead(),
            Event::SamplesObserved {
                source: "scrape".into(),
                at,
                samples,
            },
        );
    }

    /// Approves the pending decision as `who`.
    pub fn approve(&mut self, who: Actor) -> Result<Decided, Refused> {
        self.act_as(
            lead(),
            ReleaseIntent::Approve(super::intent::Approval {
                approver: who,
                os_user: None,
                declared: None,
                via: crate::event::ApprovalVia::Local,
                reason: Some("looks good".into()),
                decision: None,
                request: None,
                same_os_user: false,
            }),
        )
    }

    /// Goes, approved by a release manager, and returns the decision.
    pub fn go(&mut self) {
        self.approve(actor("rm", "release-manager"))
            .expect("approval");
        self.act(ReleaseIntent::Go {
            reason: "gates green".into(),
            override_reason: None,
        })
        .expect("go");
    }

    /// Takes the next step and reports it applied with the plan's weights.
    pub fn step(&mut self) -> String {
        let d = self
            .act(ReleaseIntent::Shift {
                override_reason: None,
            })
            .expect("shift");
        let Event::ActionRequested { id, action } = d.event else {
            panic!("not a request: {:?}", d.event);
        };
        let w = action.target_weight().expect("moves traffic");
        self.outcome(&id, Outcome::Applied, Some(weights(100 - w, w)));
        self.traffic(100 - w, w);
        id
    }
}

/// HTTPRoute weights as the sim names its backends.
pub fn weights(blue: u32, green: u32) -> TrafficRow {
    TrafficRow {
        weights: vec![("app-blue".into(), blue), ("app-green".into(), green)],
        ..TrafficRow::default()
    }
}

/// The demo-like config: gates pass at any hour, one approval from a release manager.
pub fn approvals_config() -> WarroomConfig {
    let mut c = config();
    c.gates.approvals = Some(crate::config::warroom::Approvals {
        required: 1,
        distinct: true,
        roles: vec!["release-manager".into(), "platform-lead".into()],
        steps: false,
        rollback: false,
        allow_declared: false,
    });
    c.gates.advisory = vec!["checklist".into()];
    c.traffic.steps = vec![step(10, 15), step(25, 15), step(50, 30), step(100, 30)];
    c
}

fn step(weight: u32, bake_s: u64) -> crate::config::warroom::Step {
    crate::config::warroom::Step {
        weight,
        bake: crate::config::warroom::Duration::secs(bake_s),
    }
}
