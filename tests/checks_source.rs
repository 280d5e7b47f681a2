//! The checks source as the war room runs it: rounds against a fake Prometheus with an injected
//! clock, what gets recorded (changes, heartbeats, the pass that completes `for`), a `for 10m`
//! proven only after ten minutes of recorded passes, replay agreeing with the live state, and
//! which checks the plan lets run (proposals once accepted, commands once trusted).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fakes;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use fakes::prom::{reply, time_ms, vector};
use fakes::{Fake, Reply};
use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use warroom::checks::{ChecksSpec, plan};
use warroom::event::{Actor, CheckResult, Envelope, Event, LOG_VERSION};
use warroom::reduce::reduce;
use warroom::runbook::{Format, Runbook, parse_str};
use warroom::sources::{PrometheusSpec, channel};
use warroom::state::State;

const RUNBOOK: &str = r#"
title = "checks"

[[stage]]
id = "canary"
title = "Canary at 10 %"

[[stage.item]]
id = "errors"
text = "Candidate error ratio under 1 % for 10 minutes"
check = { promql = 'error_ratio{version="green"} < 0.01 for 10m' }

[[stage.item]]
id = "proposal"
text = "Health endpoint healthy"
check = { http = "http://127.0.0.1:9/health", proposed = true }

[[stage.item]]
id = "script"
text = "Smoke tests pass"
check = { command = ["./smoke.sh", "--prod"] }
"#;

fn runbook() -> Runbook {
    parse_str(RUNBOOK, Format::Toml, "rb.toml").expect("runbook")
}

/// Feeds events through the reducer as the core does, numbering them.
struct Log {
    state: State,
    envelopes: Vec<Envelope>,
}

impl Log {
    fn new(at: Timestamp) -> Self {
        let mut l = Self {
            state: State::default(),
            envelopes: Vec::new(),
        };
        l.push(
            at,
            Event::SessionStarted {
                app_version: "test".into(),
                runbook_path: "rb.toml".into(),
                runbook_sha256: "00".into(),
                runbook: runbook(),
                t0: None,
                deployment: None,
                config: None,
            },
        );
        l
    }

    fn push(&mut self, at: Timestamp, event: Event) {
        let env = Envelope {
            v: LOG_VERSION,
            seq: self.envelopes.len() as u64 + 1,
            at,
            session: "s".into(),
            actor: Actor {
                name: "ann".into(),
                role: "deployment-lead".into(),
                host: "test".into(),
            },
            event,
            prev: String::new(),
            hash: format!("h{}", self.envelopes.len() + 1),
        };
        reduce(&mut self.state, &env);
        self.envelopes.push(env);
    }

    /// A state rebuilt from the recorded envelopes alone.
    fn replayed(&self) -> State {
        let mut s = State::default();
        for e in &self.envelopes {
            reduce(&mut s, e);
        }
        s
    }
}

fn start() -> Timestamp {
    "2026-11-24T15:00:00Z".parse().expect("ts")
}

#[test]
fn the_plan_runs_proposals_once_accepted_and_commands_once_trusted() {
    let mut log = Log::new(start());
    let names =
        |s: &State| -> Vec<String> { plan(s, start()).into_iter().map(|p| p.item).collect() };
    assert_eq!(names(&log.state), ["errors"]);
    log.push(
        start(),
        Event::CheckTrusted {
            stage: "canary".into(),
            item: "proposal".into(),
            argv: vec![],
        },
    );
    assert_eq!(names(&log.state), ["errors", "proposal"]);
    // A trust recorded for a command without --trust-runbook does not let it run.
    log.push(
        start(),
        Event::CheckTrusted {
            stage: "canary".into(),
            item: "script".into(),
            argv: vec!["./smoke.sh".into(), "--prod".into()],
        },
    );
    assert_eq!(names(&log.state), ["errors", "proposal"]);
    log.push(start(), Event::RunbookTrusted {});
    assert_eq!(names(&log.state), ["errors", "proposal", "script"]);
    // Once the session ends nothing runs.
    log.push(
        start(),
        Event::SessionEnded {
            reason: "quit".into(),
        },
    );
    assert!(names(&log.state).is_empty());
}

/// A clock that moves `step` forward each time it is read (once a round), from `start()`.
fn stepping_clock(step: SignedDuration) -> warroom::checks::Clock {
    let reads = Arc::new(AtomicI64::new(0));
    Arc::new(move || {
        let k = reads.fetch_add(1, Ordering::SeqCst);
        start() + step * i32::try_from(k).expect("small")
    })
}

#[tokio::test]
async fn for_10m_is_proven_by_ten_minutes_of_recorded_passes_and_replay_agrees() {
    // The candidate's error ratio: fine, except when evaluated at 160 s.
    let spike_ms = (start() + SignedDuration::from_secs(160)).as_millisecond();
    let prom = Fake::start(move |req| {
        let v = if time_ms(req) == spike_ms {
            "0.03"
        } else {
            "0.002"
        };
        match req.path.as_str() {
            "/api/v1/query" => reply(200, &vector(v, time_ms(req))),
            _ => Reply::text(404, "not found"),
        }
    })
    .await;
    let clock = stepping_clock(SignedDuration::from_secs(40));
    let spec = ChecksSpec {
        interval: Duration::from_millis(20),
        prometheus: Some(PrometheusSpec::new(
            prom.url("/"),
            Vec::new(),
            Duration::from_secs(5),
            Duration::from_secs(2),
        )),
        kube: None,
        clock,
    };
    let mut log = Log::new(start());
    let (tx, rx) = watch::channel(plan(&log.state, start()));
    assert_eq!(tx.borrow().len(), 1);
    let (sink, mut events) = channel();
    let cancel = CancellationToken::new();
    let task = tokio::spawn(warroom::checks::run(spec, rx, sink, cancel.clone()));

    // Each round is 40 s later on the injected clock. Record what the source sends, applying
    // it as the live war room does, until the item is proven.
    let mut recorded: Vec<(i64, CheckResult)> = Vec::new();
    let mut done_at = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while done_at.is_none() {
        let e = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("an evaluation in time")
            .expect("the source runs");
        let Event::CheckEvaluated { at, result, .. } = &e else {
            panic!("unexpected {e:?}");
        };
        let secs = at.duration_since(start()).as_secs();
        recorded.push((secs, *result));
        log.push(*at, e.clone());
        if log.state.is_done("canary", "errors") {
            done_at = Some(secs);
        }
    }
    cancel.cancel();
    task.await.expect("the source stops");

    use CheckResult::{Fail, Pass};
    // Rounds every 40 s. Recorded: the first pass; a heartbeat (a minute or more since the
    // last record); the failure at 160 s; the pass after it (a change) at 200 s; heartbeats;
    // and at 800 s the pass that completes ten minutes since 200 s.
    assert_eq!(
        recorded,
        vec![
            (0, Pass),
            (80, Pass),
            (160, Fail),
            (200, Pass),
            (280, Pass),
            (360, Pass),
            (440, Pass),
            (520, Pass),
            (600, Pass),
            (680, Pass),
            (760, Pass),
            (800, Pass),
        ]
    );
    assert_eq!(
        done_at,
        Some(800),
        "proven by the recorded pass at 200 s + 10 min"
    );
    let live = &log.state;
    let c = live.checks.get("canary", "errors").expect("check state");
    assert_eq!(
        c.proof.as_ref().map(|p| p.at),
        Some(start() + SignedDuration::from_secs(800))
    );
    // Rebuilt from the log alone, the checklist is the same.
    let replayed = log.replayed();
    assert_eq!(replayed.checks, live.checks);
    assert_eq!(
        replayed.is_done("canary", "errors"),
        live.is_done("canary", "errors")
    );
}
