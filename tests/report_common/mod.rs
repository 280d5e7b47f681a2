//! Real session files for the report tests and benchmark: events written through the session
//! writer (the real hash chain), decided by the real `release::decide` against the state the
//! real reducer builds, with the war room's own decisions (auto-rollback, verification)
//! recorded from the reducer's effects, as the core records them. Outcomes of actions are
//! reported the way an executor would.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};
use warroom::config::warroom::{self as cfgmod, WarroomConfig};
use warroom::effect::Effect;
use warroom::event::{
    Action, Actor, AlertRow, Event, Outcome, PodRow, ProbeRow, Sample, Signal, SourceKind,
    TrafficRow, WorkloadRow,
};
use warroom::reduce::reduce;
use warroom::release::{Approval, ReleaseIntent, decide};
use warroom::runbook::{self, Format, Runbook};
use warroom::session::{Durability, Writer, hash};
use warroom::sim::RoutingMode;
use warroom::state::State;

/// A runbook with required and optional items.
pub const RUNBOOK: &str = r#"title = "Release 1.2.3"

[[stage]]
id = "t-1d"
title = "Prerequisites"
offset = "-1d"

[[stage.item]]
id = "backup"
text = "Database backup verified"

[[stage.item]]
id = "comms"
text = "Status page update drafted"
required = false

[[stage]]
id = "t-0"
title = "Go"
offset = "0"

[[stage.item]]
id = "oncall"
text = "On-call engineer acknowledged"
"#;

/// The lead.
pub fn lead() -> Actor {
    actor("lead", "deployment-lead")
}

/// An actor.
pub fn actor(name: &str, role: &str) -> Actor {
    Actor {
        name: name.into(),
        role: role.into(),
        host: "ops-1".into(),
    }
}

/// The simulator's config (HTTPRoute weights 10/25/50/100 %, auto-rollback window 30 s), with
/// one approval from a release manager.
pub fn config() -> WarroomConfig {
    let text = warroom::sim::config_writer::warroom_toml(
        "http://127.0.0.1:9",
        RoutingMode::HttprouteWeights,
    );
    let mut c = cfgmod::parse_str(&text, Format::Toml, "warroom.toml").expect("sim config");
    c.gates.approvals = Some(cfgmod::Approvals {
        required: 1,
        distinct: true,
        roles: vec!["release-manager".into()],
        steps: false,
        rollback: false,
        allow_declared: false,
    });
    c
}

/// HTTPRoute weights as the simulator names its backends.
pub fn weights(blue: u32, green: u32) -> TrafficRow {
    TrafficRow {
        weights: vec![("app-blue".into(), blue), ("app-green".into(), green)],
        ..TrafficRow::default()
    }
}

/// A session being written.
pub struct Recorder {
    /// The file.
    pub path: PathBuf,
    w: Writer,
    /// The state after every line written.
    pub state: State,
    /// The clock lines are stamped with.
    pub now: Timestamp,
    effects: Vec<Effect>,
}

impl Recorder {
    /// Starts `name.jsonl` in `dir` at 2026-11-24T15:00Z: the runbook, the config, sources,
    /// both Deployments ready, traffic on blue, healthy samples.
    pub fn start(dir: &Path, name: &str, cfg: WarroomConfig) -> Self {
        Self::start_on(dir, name, cfg, 0)
    }

    /// Like `start`, `day` days later.
    pub fn start_on(dir: &Path, name: &str, cfg: WarroomConfig, day: i64) -> Self {
        Self::start_quiet(dir, name, cfg, day, 0)
    }

    /// Like `start_on`, with `quiet_secs` between the session's start and its sources starting
    /// (a log opened days before release day).
    pub fn start_quiet(
        dir: &Path,
        name: &str,
        cfg: WarroomConfig,
        day: i64,
        quiet_secs: i64,
    ) -> Self {
        let path = dir.join(format!("{name}.jsonl"));
        let w = Writer::create(&path, &lead()).expect("create session");
        let mut r = Self {
            path,
            w,
            state: State::default(),
            now: "2026-11-24T15:00:00Z".parse::<Timestamp>().unwrap()
                + SignedDuration::from_hours(24 * day),
            effects: Vec::new(),
        };
        let runbook: Runbook =
            runbook::parse_str(RUNBOOK, Format::Toml, "runbook.toml").expect("runbook");
        r.apply(
            &lead(),
            Event::SessionStarted {
                app_version: "test".into(),
                runbook_path: "runbook.toml".into(),
                runbook_sha256: "0".repeat(64),
                runbook,
                t0: Some(r.now),
                deployment: Some("app".into()),
                config: Some(Box::new(cfg)),
            },
        );
        r.advance(quiet_secs);
        for (source, kind, interval_ms) in [
            ("kubernetes", SourceKind::Kubernetes, 0),
            ("scrape", SourceKind::Scrape, 2_000),
            ("health:live", SourceKind::Health, 5_000),
        ] {
            r.apply(
                &lead(),
                Event::SourceStarted {
                    source: source.into(),
                    kind,
                    target: "http://127.0.0.1:9".into(),
                    interval_ms,
                },
            );
        }
        for (name, version) in [("app-blue", "blue"), ("app-green", "green")] {
            r.apply(
                &lead(),
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
                r.pod(&format!("{name}-{i}"), version, 0, None);
            }
        }
        r.traffic(100, 0);
        r.samples(&[("blue", 0.002, 0.150), ("green", f64::NAN, f64::NAN)]);
        r
    }

    /// Writes an event as `actor` and applies it; records what the reducer asks to record.
    pub fn apply(&mut self, actor: &Actor, event: Event) {
        let rec = self
            .w
            .append_at(self.now, actor, event, Durability::Group)
            .expect("append");
        self.effects = reduce(&mut self.state, &rec.envelope);
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
                return;
            }
            self.effects.clear();
            for ev in events {
                let rec = self
                    .w
                    .append_at(self.now, &lead(), ev, Durability::Group)
                    .expect("append");
                let more = reduce(&mut self.state, &rec.envelope);
                self.effects.extend(more);
            }
        }
    }

    /// Decides an intent for `who` and records the event or the refusal, as the core does.
    pub fn act_as(&mut self, who: &Actor, intent: ReleaseIntent) -> Result<Event, String> {
        match decide(&self.state, intent, self.now, who) {
            Ok(d) => {
                let actor = d.actor.clone().unwrap_or_else(|| who.clone());
                self.apply(&actor, d.event.clone());
                Ok(d.event)
            }
            Err(r) => {
                let actor = r.actor.as_deref().cloned().unwrap_or_else(|| who.clone());
                self.apply(&actor, r.event());
                Err(r.reason)
            }
        }
    }

    /// Decides an intent for the lead.
    pub fn act(&mut self, intent: ReleaseIntent) -> Result<Event, String> {
        self.act_as(&lead(), intent)
    }

    /// Moves the clock.
    pub fn advance(&mut self, secs: i64) {
        self.now += SignedDuration::from_secs(secs);
    }

    /// One scrape: (version, error ratio, p99 seconds); NaN is unknown ("no traffic").
    pub fn samples(&mut self, rows: &[(&str, f64, f64)]) {
        let mut samples = Vec::new();
        for (v, err, p99) in rows {
            for (signal, value) in [
                (Signal::ErrorRatio, *err),
                (Signal::LatencyP50, *p99 * 0.4),
                (Signal::LatencyP95, *p99 * 0.8),
                (Signal::LatencyP99, *p99),
                (Signal::Throughput, if *v == "blue" { 180.0 } else { 20.0 }),
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
            &lead(),
            Event::SamplesObserved {
                source: "scrape".into(),
                at,
                samples,
            },
        );
    }

    /// `secs` seconds of scrapes every 2 s with the same readings.
    pub fn run(&mut self, secs: i64, rows: &[(&str, f64, f64)]) {
        for _ in 0..secs / 2 {
            self.advance(2);
            self.samples(rows);
        }
    }

    /// Observed weights.
    pub fn traffic(&mut self, blue: u32, green: u32) {
        self.apply(
            &lead(),
            Event::TrafficObserved {
                source: "kubernetes".into(),
                traffic: weights(blue, green),
            },
        );
    }

    /// A pod as observed.
    pub fn pod(&mut self, name: &str, version: &str, restarts: u32, reason: Option<&str>) {
        self.apply(
            &lead(),
            Event::PodChanged {
                source: "kubernetes".into(),
                pod: PodRow {
                    name: name.into(),
                    version: version.into(),
                    phase: "Running".into(),
                    ready: (u32::from(reason.is_none()), 1),
                    restarts,
                    reason: reason.map(str::to_string),
                    ..PodRow::default()
                },
            },
        );
    }

    /// Both health endpoints report `version`.
    pub fn probes(&mut self, version: &str) {
        for endpoint in ["live", "ready"] {
            self.apply(
                &lead(),
                Event::HealthProbed {
                    source: format!("health:{endpoint}"),
                    probe: ProbeRow {
                        endpoint: endpoint.into(),
                        ok: true,
                        status: Some(200),
                        latency_ms: Some(4),
                        version: Some(version.into()),
                        ..ProbeRow::default()
                    },
                },
            );
        }
    }

    /// Ticks an item as `who`.
    pub fn tick(&mut self, who: &Actor, stage: &str, item: &str) {
        self.apply(
            who,
            Event::ItemTicked {
                stage: stage.into(),
                item: item.into(),
            },
        );
    }

    /// An alert set as observed.
    pub fn alerts(&mut self, firing: &[&str]) {
        self.apply(
            &lead(),
            Event::AlertsObserved {
                source: "prometheus".into(),
                alerts: firing
                    .iter()
                    .map(|n| AlertRow {
                        name: (*n).into(),
                        state: warroom::event::AlertState::Firing,
                        severity: Some("page".into()),
                        summary: Some(format!("{n} on app")),
                        active_at: None,
                    })
                    .collect(),
            },
        );
    }

    /// The release manager approves, then the lead goes.
    pub fn go(&mut self) {
        self.go_by(&lead());
    }

    /// Like `go`, decided by `who`.
    pub fn go_by(&mut self, who: &Actor) {
        self.act(ReleaseIntent::Approve(Approval {
            approver: actor("rm", "release-manager"),
            os_user: Some("rm".into()),
            declared: None,
            via: warroom::event::ApprovalVia::Socket,
            reason: Some("change reviewed".into()),
            decision: None,
            request: None,
            same_os_user: false,
        }))
        .expect("approval");
        self.act_as(
            who,
            ReleaseIntent::Go {
                reason: "gates green".into(),
                override_reason: None,
            },
        )
        .expect("go");
    }

    /// The next step, applied and observed as the executor and the watch would report it.
    pub fn step(&mut self) -> String {
        let ev = self
            .act(ReleaseIntent::Shift {
                override_reason: None,
            })
            .expect("shift");
        let Event::ActionRequested { id, action } = ev else {
            panic!("not a request: {ev:?}");
        };
        let w = action.target_weight().expect("moves traffic");
        self.advance(1);
        self.outcome(&id, Outcome::Applied, Some(weights(100 - w, w)));
        self.traffic(100 - w, w);
        id
    }

    /// An action's outcome as an executor reports it.
    pub fn outcome(&mut self, id: &str, outcome: Outcome, after: Option<TrafficRow>) {
        self.apply(
            &lead(),
            Event::ActionOutcome {
                id: id.into(),
                outcome,
                detail: format!("patched httproute/app ({outcome:?}); read back"),
                before: None,
                after,
                versions: vec!["101".into(), "102".into()],
                changed_by: None,
            },
        );
    }

    /// The rollback in flight, if any, and its id.
    pub fn rollback_in_flight(&self) -> Option<String> {
        self.state
            .release
            .in_flight()
            .filter(|a| matches!(a.action, Action::Rollback { .. }))
            .map(|a| a.id.clone())
    }

    /// Traffic back on blue: the executor's outcome, the watch, fresh samples and probes.
    pub fn rollback_lands(&mut self, id: &str) {
        self.advance(1);
        self.outcome(id, Outcome::Applied, Some(weights(100, 0)));
        self.traffic(100, 0);
        self.advance(2);
        self.probes("1.2.2");
        self.samples(&[("blue", 0.002, 0.150), ("green", f64::NAN, f64::NAN)]);
    }

    /// Closes the session cleanly.
    pub fn end(mut self, reason: &str) -> PathBuf {
        self.advance(1);
        self.apply(
            &lead(),
            Event::SessionEnded {
                reason: reason.into(),
            },
        );
        self.w.sync().expect("sync");
        self.path.clone()
    }

    /// Ends with the record a panic leaves: `SessionCrashed` with its reason.
    pub fn panicked(mut self, reason: &str) -> PathBuf {
        self.advance(1);
        self.apply(
            &lead(),
            Event::SessionCrashed {
                reason: reason.into(),
            },
        );
        self.w.sync().expect("sync");
        self.path.clone()
    }

    /// Stops writing without a close, as a crash would.
    pub fn crash(mut self) -> PathBuf {
        self.w.sync().expect("sync");
        self.path.clone()
    }
}

/// Appends a line of an event type this version does not know, chained correctly (what a
/// newer war room would write).
pub fn append_foreign(path: &Path, at: &str, actor: &Actor, event: serde_json::Value) {
    let text = std::fs::read_to_string(path).unwrap();
    let last = text.lines().last().unwrap();
    let head: serde_json::Value = serde_json::from_str(last).unwrap();
    let prev = head["hash"].as_str().unwrap().to_string();
    let seq = head["seq"].as_u64().unwrap() + 1;
    let session = head["session"].as_str().unwrap();
    let bare = format!(
        "{{\"v\":1,\"seq\":{seq},\"at\":\"{at}\",\"session\":\"{session}\",\"actor\":{},\"event\":{},\"prev\":\"{prev}\",\"hash\":\"\"}}",
        serde_json::to_string(actor).unwrap(),
        event
    );
    let h = hash::chain_hash(&prev, bare.as_bytes());
    let line = hash::insert_hash(bare.as_bytes(), &h);
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(&line).unwrap();
    f.write_all(b"\n").unwrap();
}

/// A session that goes, shifts to 10 %, and is rolled back automatically when the candidate's
/// error ratio holds at 8 % past the 30 s window; verified; closed cleanly.
pub fn bad_canary(dir: &Path) -> PathBuf {
    bad_canary_on(dir, "bad-canary", 0)
}

/// The same session as `bad_canary`, in `name.jsonl`, `day` days later.
pub fn bad_canary_on(dir: &Path, name: &str, day: i64) -> PathBuf {
    let mut r = Recorder::start_on(dir, name, config(), day);
    r.tick(&lead(), "t-1d", "backup");
    r.advance(5);
    r.go();
    r.advance(2);
    r.step();
    r.run(10, &[("blue", 0.002, 0.150), ("green", 0.004, 0.160)]);
    r.apply(
        &actor("oncall", "on-call"),
        Event::MarkerAdded {
            note: "customer reports of 500s".into(),
        },
    );
    let mut rolled = None;
    for _ in 0..40 {
        r.advance(2);
        r.samples(&[("blue", 0.002, 0.150), ("green", 0.081, 0.190)]);
        if let Some(id) = r.rollback_in_flight() {
            rolled = Some(id);
            break;
        }
    }
    let id = rolled.expect("the auto-rollback fired");
    r.rollback_lands(&id);
    r.run(6, &[("blue", 0.002, 0.150), ("green", f64::NAN, f64::NAN)]);
    r.end("quit")
}

pub const HEALTHY: &[(&str, f64, f64)] = &[("blue", 0.002, 0.150), ("green", 0.003, 0.160)];

/// Goes with auto-rollback disarmed, takes two steps (a refused early shift and a scrape outage
/// between them), an alert fires; the lead rolls back by hand with a reason and a ticket when
/// the candidate's p95 passes the SLO.
pub fn manual_rollback(dir: &Path) -> PathBuf {
    manual_rollback_on(dir, "manual-rollback", 0)
}

/// The same session as `manual_rollback`, in `name.jsonl`, `day` days later.
pub fn manual_rollback_on(dir: &Path, name: &str, day: i64) -> PathBuf {
    let mut r = Recorder::start_on(dir, name, config(), day);
    r.tick(&actor("oncall", "on-call"), "t-0", "oncall");
    r.tick(&lead(), "t-1d", "backup");
    r.go();
    // The lead watches by hand: the p99 rule is disarmed, so the rollback below is manual.
    r.act(ReleaseIntent::Arm {
        armed: false,
        reason: Some("latency watched by hand during the migration".into()),
    })
    .expect("disarm");
    r.advance(2);
    r.step();
    r.advance(2);
    let refused = r.act(ReleaseIntent::Shift {
        override_reason: None,
    });
    assert!(refused.is_err(), "a shift during the bake is refused");
    r.run(6, HEALTHY);
    for attempt in 1..=3 {
        r.advance(2);
        r.apply(
            &lead(),
            Event::SourceFailed {
                source: "scrape".into(),
                error: "connection refused".into(),
                attempt,
            },
        );
    }
    r.advance(2);
    r.apply(
        &lead(),
        Event::SourceRecovered {
            source: "scrape".into(),
        },
    );
    r.run(4, HEALTHY);
    r.step();
    r.run(6, &[("blue", 0.002, 0.150), ("green", 0.004, 0.700)]);
    r.alerts(&["CheckoutLatencyHigh"]);
    r.run(4, &[("blue", 0.002, 0.150), ("green", 0.004, 0.720)]);
    r.act(ReleaseIntent::Rollback {
        reason: "checkout p95 over the SLO".into(),
        ticket: Some("INC-4711".into()),
        undo: false,
    })
    .expect("rollback");
    let id = r.rollback_in_flight().expect("rollback in flight");
    r.rollback_lands(&id);
    r.alerts(&[]);
    r.run(4, &[("blue", 0.002, 0.150), ("green", f64::NAN, f64::NAN)]);
    r.end("quit")
}

/// An approval, then no-go.
pub fn no_go(dir: &Path) -> PathBuf {
    no_go_on(dir, "no-go", 0)
}

/// The same session as `no_go`, in `name.jsonl`, `day` days later.
pub fn no_go_on(dir: &Path, name: &str, day: i64) -> PathBuf {
    let mut r = Recorder::start_on(dir, name, config(), day);
    r.run(4, HEALTHY);
    r.act(ReleaseIntent::NoGo {
        reason: "payments team asks to wait for the freeze to end".into(),
    })
    .expect("no-go");
    r.end("quit")
}

/// The whole plan, four steps through their bakes, then complete.
pub fn completed(dir: &Path) -> PathBuf {
    completed_on(dir, "completed", 0)
}

/// The same session as `completed`, in `name.jsonl`, `day` days later.
pub fn completed_on(dir: &Path, name: &str, day: i64) -> PathBuf {
    let mut r = Recorder::start_on(dir, name, config(), day);
    r.tick(&lead(), "t-1d", "backup");
    r.tick(&lead(), "t-0", "oncall");
    r.go();
    for bake in [16, 16, 32, 32] {
        r.advance(2);
        r.step();
        r.run(bake, HEALTHY);
    }
    r.act(ReleaseIntent::Shift {
        override_reason: None,
    })
    .expect("complete");
    r.run(4, HEALTHY);
    r.end("quit")
}

/// Goes and shifts, then the writer dies mid-line.
pub fn crashed(dir: &Path) -> PathBuf {
    crashed_on(dir, "crashed", 0)
}

/// The same session as `crashed`, in `name.jsonl`, `day` days later.
pub fn crashed_on(dir: &Path, name: &str, day: i64) -> PathBuf {
    let mut r = Recorder::start_on(dir, name, config(), day);
    r.go();
    r.advance(2);
    r.step();
    r.run(6, HEALTHY);
    let path = r.crash();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(br#"{"v":1,"seq":99,"at":"2026-11-24"#).unwrap();
    path
}

/// A release day: `hours` of scrapes every 2 s (both versions), both health endpoints every
/// 5 s, the go after the first tenth, the four steps with seed 002's 15/15/30/30-minute bakes,
/// the completion, a marker each hour; closed cleanly.
pub fn long_session(dir: &Path, hours: i64) -> PathBuf {
    let mut cfg = config();
    for (step, mins) in cfg.traffic.steps.iter_mut().zip([15, 15, 30, 30]) {
        step.bake = cfgmod::Duration::secs(mins * 60);
    }
    let mut r = Recorder::start(dir, "day", cfg);
    r.tick(&lead(), "t-1d", "backup");
    r.tick(&lead(), "t-0", "oncall");
    let total = hours * 3600;
    let go_at = total / 10;
    let mut share = 0u32;
    let mut next_step_at = None;
    let mut steps_done = 0;
    for t in (2..=total).step_by(2) {
        r.advance(2);
        let green = if share > 0 { 0.003 } else { f64::NAN };
        r.samples(&[("blue", 0.002, 0.150), ("green", green, 0.160)]);
        if t % 10 == 0 {
            r.probes(if share == 100 { "1.2.3" } else { "1.2.2" });
        }
        if t % 3600 == 0 {
            r.apply(
                &lead(),
                Event::MarkerAdded {
                    note: format!("hour {}", t / 3600),
                },
            );
        }
        if t == go_at {
            r.go();
            next_step_at = Some(t + 2);
        }
        if next_step_at == Some(t) {
            if steps_done < 4 {
                r.step();
                share = r.state.release.plan.weight;
                steps_done += 1;
                let bake = [15, 15, 30, 30][steps_done - 1] * 60;
                next_step_at = Some(t + bake + 2);
            } else {
                r.act(ReleaseIntent::Shift {
                    override_reason: None,
                })
                .expect("complete");
                next_step_at = None;
            }
        }
    }
    r.end("quit")
}
