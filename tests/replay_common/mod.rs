//! Session files for the replay and follow tests and the replay benchmark: a sealer that
//! chains envelopes the way the writer does (without its fsyncs and redaction, so a day-long
//! file is written in seconds), and a generated 24-hour session with as many lines as asked.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use warroom::config::warroom::Strategy;
use warroom::event::{
    Action, Actor, AlertRow, AlertState, DecisionKind, DecisionRef, Envelope, Event, LOG_VERSION,
    Outcome, PodRow, Sample, Signal, SourceKind, TrafficRow, VerifyCheck,
};
use warroom::runbook::{Item, Runbook, Stage};
use warroom::session::hash::{GENESIS, chain_hash, insert_hash};

/// Appends chained lines to a file.
pub struct Sealer {
    out: BufWriter<File>,
    prev: String,
    seq: u64,
    session: String,
}

impl Sealer {
    /// A new file at `path`.
    pub fn create(path: &Path) -> Self {
        Self {
            out: BufWriter::with_capacity(1 << 20, File::create(path).unwrap()),
            prev: GENESIS.to_string(),
            seq: 0,
            session: "5e55107a11d0a7e5".into(),
        }
    }

    /// Appends one event, returns the line as written (without the newline).
    pub fn push(&mut self, at: Timestamp, actor: &Actor, event: Event) -> Vec<u8> {
        self.seq += 1;
        let env = Envelope {
            v: LOG_VERSION,
            seq: self.seq,
            at: at.round(jiff::Unit::Millisecond).unwrap(),
            session: self.session.clone(),
            actor: actor.clone(),
            event,
            prev: std::mem::take(&mut self.prev),
            hash: String::new(),
        };
        let bare = serde_json::to_vec(&env).unwrap();
        let hash = chain_hash(&env.prev, &bare);
        let line = insert_hash(&bare, &hash);
        self.out.write_all(&line).unwrap();
        self.out.write_all(b"\n").unwrap();
        self.prev = hash;
        line
    }

    /// Appends one event given as its JSON (for the bulk of a generated day: formatting is
    /// far cheaper than serializing in a debug build).
    pub fn push_json(&mut self, at: Timestamp, actor: &Actor, event: &str) {
        use std::fmt::Write as _;
        self.seq += 1;
        let mut bare = String::with_capacity(256 + event.len());
        let _ = write!(
            bare,
            r#"{{"v":{LOG_VERSION},"seq":{},"at":"{}","session":"{}","actor":{{"name":"{}","role":"{}","host":"{}"}},"event":{event},"prev":"{}","hash":""}}"#,
            self.seq,
            warroom::event::at_format::to_string(&at),
            self.session,
            actor.name,
            actor.role,
            actor.host,
            self.prev
        );
        let hash = chain_hash(&self.prev, bare.as_bytes());
        self.out
            .write_all(&insert_hash(bare.as_bytes(), &hash))
            .unwrap();
        self.out.write_all(b"\n").unwrap();
        self.prev = hash;
    }

    /// Lines written.
    pub fn lines(&self) -> u64 {
        self.seq
    }

    /// Flushes everything to the file.
    pub fn finish(mut self) {
        self.out.flush().unwrap();
    }
}

pub fn lead() -> Actor {
    Actor {
        name: "lead".into(),
        role: "deployment-lead".into(),
        host: "ops-1".into(),
    }
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn item(id: &str, text: &str) -> Item {
    Item {
        id: id.into(),
        text: text.into(),
        required: true,
        role: None,
        commands: vec![],
        notes: vec![],
        check: None,
    }
}

/// A release-day runbook.
pub fn runbook() -> Runbook {
    let stage = |id: &str, title: &str, items: Vec<Item>| Stage {
        id: id.into(),
        title: title.into(),
        offset: None,
        notes: vec![],
        items,
    };
    Runbook {
        title: "app release (day)".into(),
        source: None,
        stages: vec![
            stage(
                "t-0",
                "Deployment day",
                (0..12)
                    .map(|i| item(&format!("check-{i}"), &format!("release check {i}")))
                    .collect(),
            ),
            stage(
                "t+24h",
                "The day after",
                (0..12)
                    .map(|i| item(&format!("after-{i}"), &format!("follow-up {i}")))
                    .collect(),
            ),
        ],
    }
}

/// The simulator's config (httproute weights, stable blue 1.2.2, candidate green 1.2.3).
pub fn config() -> warroom::config::warroom::WarroomConfig {
    let text = warroom::sim::config_writer::warroom_toml(
        "http://127.0.0.1:9",
        warroom::sim::RoutingMode::HttprouteWeights,
    );
    warroom::config::warroom::parse_str(
        &text,
        warroom::runbook::input::Format::Toml,
        "warroom.toml",
    )
    .expect("the sim config parses")
}

/// The opening line of a session with the simulator's config.
pub fn started(t0: Timestamp) -> Event {
    Event::SessionStarted {
        app_version: "0.1.0".into(),
        runbook_path: "day.toml".into(),
        runbook_sha256: "00".into(),
        runbook: runbook(),
        t0: Some(t0),
        deployment: Some("app".into()),
        config: Some(Box::new(config())),
    }
}

/// When the generated day starts.
pub const DAY_START: &str = "2026-11-24T06:00:00Z";

/// Health endpoints the generated day probes.
const ENDPOINTS: usize = 10;

/// What the generated day holds besides its samples and probes: its human and production
/// events, at seconds from the start.
fn specials(s: u64) -> Vec<Event> {
    let mut out = Vec::new();
    if s % 600 == 300 {
        out.push(Event::PodChanged {
            source: "kubernetes/pods".into(),
            pod: PodRow {
                name: format!("app-green-{}", (s / 600) % 3),
                version: "green".into(),
                phase: "Running".into(),
                ready: (1, 1),
                restarts: u32::try_from(s / 6000).unwrap_or(0),
                ..PodRow::default()
            },
        });
    }
    if s % 1800 == 900 {
        out.push(Event::MarkerAdded {
            note: format!("checkpoint {}", s / 1800),
        });
    }
    if s % 3600 == 1200 {
        let i = (s / 3600) % 24;
        let (stage, item) = if i < 12 {
            ("t-0", format!("check-{i}"))
        } else {
            ("t+24h", format!("after-{}", i - 12))
        };
        out.push(Event::ItemTicked {
            stage: stage.into(),
            item,
        });
    }
    if s % 7200 == 2400 {
        out.push(Event::AlertsObserved {
            source: "prometheus".into(),
            alerts: vec![AlertRow {
                name: "HighLatency".into(),
                state: AlertState::Firing,
                severity: Some("warning".into()),
                summary: Some("p99 over 500 ms".into()),
                active_at: None,
            }],
        });
    }
    if s % 7200 == 2700 {
        out.push(Event::AlertsObserved {
            source: "prometheus".into(),
            alerts: vec![],
        });
    }
    if s == 3600 {
        out.push(Event::GoNoGoDecided {
            go: true,
            decision: DecisionRef {
                kind: DecisionKind::Go,
                release: Some("1.2.3".into()),
                round: 1,
                step: None,
            },
            reason: "gates green".into(),
            gates: vec![],
            approvals: vec![],
            overridden: None,
            baseline: None,
        });
    }
    for (k, at) in [3700u64, 5500, 7300, 9100].into_iter().enumerate() {
        let weights = [10, 25, 50, 100];
        if s == at {
            let from = if k == 0 { 0 } else { weights[k - 1] };
            let id = format!("a{}", k + 1);
            out.push(Event::ActionRequested {
                id: id.clone(),
                action: Action::Shift {
                    step: k,
                    weight: weights[k],
                    from,
                    strategy: Strategy::HttprouteWeights,
                    override_bake: None,
                },
            });
            out.push(outcome(&id, 100 - weights[k], weights[k]));
            out.push(traffic(100 - weights[k], weights[k]));
        }
    }
    if (5 * 3600..5 * 3600 + 60).contains(&s) && s.is_multiple_of(2) {
        out.push(Event::SourceFailed {
            source: "scrape".into(),
            error: "connection refused".into(),
            attempt: u32::try_from(1 + (s - 5 * 3600) / 2).unwrap_or(1),
        });
    }
    if s == 5 * 3600 + 60 {
        out.push(Event::SourceRecovered {
            source: "scrape".into(),
        });
    }
    if s == 20 * 3600 {
        out.push(Event::ActionRequested {
            id: "a5".into(),
            action: Action::Rollback {
                reason: "latency regression seen by customers".into(),
                ticket: Some("INC-42".into()),
                undo: false,
                from: 100,
                strategy: Strategy::HttprouteWeights,
                auto: None,
            },
        });
        out.push(outcome("a5", 100, 0));
        out.push(traffic(100, 0));
        out.push(Event::RollbackVerified {
            id: "a5".into(),
            ok: true,
            checks: vec![VerifyCheck {
                name: "traffic-on-stable".into(),
                ok: true,
                detail: "candidate share 0 %".into(),
            }],
        });
    }
    out
}

fn weights(blue: u32, green: u32) -> TrafficRow {
    TrafficRow {
        weights: vec![("app-blue".into(), blue), ("app-green".into(), green)],
        ..TrafficRow::default()
    }
}

fn outcome(id: &str, blue: u32, green: u32) -> Event {
    Event::ActionOutcome {
        id: id.into(),
        outcome: Outcome::Applied,
        detail: format!("weights app-blue {blue} / app-green {green}"),
        before: None,
        after: Some(weights(blue, green)),
        versions: vec![],
        changed_by: None,
    }
}

fn traffic(blue: u32, green: u32) -> Event {
    Event::TrafficObserved {
        source: "kubernetes/httproute".into(),
        traffic: weights(blue, green),
    }
}

/// Ten samples: five signals for each version, varying with the second.
fn samples(s: u64, failing: bool) -> Vec<Sample> {
    let mut out = Vec::with_capacity(10);
    for version in ["blue", "green"] {
        for signal in Signal::ALL {
            let wave = ((s % 300) as f64 / 300.0 * std::f64::consts::TAU).sin();
            let value = match signal {
                Signal::ErrorRatio => 0.002 + 0.001 * wave,
                Signal::LatencyP50 => 0.040 + 0.005 * wave,
                Signal::LatencyP95 => 0.120 + 0.010 * wave,
                Signal::LatencyP99 => 0.200 + 0.020 * wave,
                Signal::Throughput => 200.0 + 20.0 * wave,
            };
            out.push(Sample {
                signal,
                version: version.into(),
                value: (!failing).then_some(value),
                unknown: failing.then(|| "connection refused".to_string()),
                raw: None,
            });
        }
    }
    out
}

/// A `HealthProbed` event as the writer serializes it (a test holds the two together).
pub fn probe_json(endpoint: usize, latency_ms: u64, version: &str) -> String {
    format!(
        r#"{{"type":"HealthProbed","source":"health:e{endpoint}","probe":{{"endpoint":"e{endpoint}","ok":true,"status":200,"latency_ms":{latency_ms},"version":"{version}"}}}}"#
    )
}

/// What a generated day holds.
#[derive(Debug, Clone, Copy)]
pub struct Day {
    /// Lines written.
    pub lines: u64,
    /// When it starts and ends.
    pub start: Timestamp,
    /// See `start`.
    pub end: Timestamp,
}

/// Writes a 24-hour session of exactly `lines` lines: a sample of every signal for both
/// versions every second, health probes spread evenly to fill the count, pods, ticks,
/// markers, alerts, a scrape outage, go, four shifts and a rollback, and a clean end.
pub fn day(path: &Path, lines: u64) -> Day {
    const SECONDS: u64 = 86_400;
    let start = ts(DAY_START);
    let specials_total: u64 = (0..SECONDS).map(|s| specials(s).len() as u64).sum();
    let opening = 2 + ENDPOINTS as u64;
    let fixed = opening + SECONDS + specials_total + 1;
    assert!(lines >= fixed, "a day needs at least {fixed} lines");
    let probes = lines - fixed;
    let mut w = Sealer::create(path);
    let lead = lead();
    w.push(start, &lead, started(start + SignedDuration::from_hours(1)));
    w.push(
        start,
        &lead,
        Event::SourceStarted {
            source: "scrape".into(),
            kind: SourceKind::Scrape,
            target: "http://127.0.0.1:9/metrics".into(),
            interval_ms: 1000,
        },
    );
    for e in 0..ENDPOINTS {
        w.push(
            start,
            &lead,
            Event::SourceStarted {
                source: format!("health:e{e}"),
                kind: SourceKind::Health,
                target: format!("http://127.0.0.1:9/health/{e}"),
                interval_ms: 1000,
            },
        );
    }
    for s in 0..SECONDS {
        let base = start + SignedDuration::from_secs(i64::try_from(s).unwrap());
        let failing = (5 * 3600..5 * 3600 + 60).contains(&s);
        w.push(
            base,
            &lead,
            Event::SamplesObserved {
                source: "scrape".into(),
                at: base,
                samples: samples(s, failing),
            },
        );
        let n = (s + 1) * probes / SECONDS - s * probes / SECONDS;
        for k in 0..n {
            let e = (s * 7 + k) as usize % ENDPOINTS;
            let at = base + SignedDuration::from_millis(i64::try_from(10 + k * 40).unwrap());
            let version = if s < 9100 { "1.2.2" } else { "1.2.3" };
            w.push_json(at, &lead, &probe_json(e, 3 + (s + k) % 20, version));
        }
        let at = base + SignedDuration::from_millis(900);
        for event in specials(s) {
            w.push(at, &lead, event);
        }
    }
    let end = start + SignedDuration::from_secs(i64::try_from(SECONDS).unwrap());
    w.push(
        end,
        &lead,
        Event::SessionEnded {
            reason: "quit".into(),
        },
    );
    let lines = w.lines();
    w.finish();
    Day { lines, start, end }
}
