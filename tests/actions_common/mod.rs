//! Helpers for the executors' tests: an in-process simulator with its written config, the
//! executor running against it, actions submitted as the runtime submits them, their
//! outcomes awaited with a deadline, kubectl for the independent view, and the simulator's
//! write log to count requests per action.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use warroom::actions::{Executor, Settings};
use warroom::config::warroom::WarroomConfig;
use warroom::effect::ActionSpec;
use warroom::event::{Action, Event, Outcome};
use warroom::sim::{self, RoutingMode, Scenario, SimOptions};

use crate::support::kubectl::{self, Kubectl};

/// How long any expected outcome may take.
pub const DEADLINE: Duration = Duration::from_secs(60);
/// The session id the actions carry.
pub const SESSION: &str = "test-session-1";
/// The operator and host named in the lock.
pub const OPERATOR: &str = "alice";
/// The host named in the lock.
pub const HOST: &str = "testhost";

/// Installs the process's TLS provider (kube and reqwest need one).
pub fn init() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The kubectl binaries to check with; none outside CI only (inside CI a missing kubectl
/// fails the test).
pub fn kubectls() -> Vec<Kubectl> {
    let all = kubectl::all();
    assert!(
        !(all.is_empty() && std::env::var_os("CI").is_some()),
        "kubectl is required in CI"
    );
    all
}

/// One outcome as reported.
#[derive(Debug, Clone)]
pub struct Seen {
    /// How it ended.
    pub outcome: Outcome,
    /// The detail.
    pub detail: String,
    /// The whole event.
    pub event: Event,
}

/// A simulator, its config and an executor pointed at it.
pub struct Rig {
    /// The simulator.
    pub sim: sim::Running,
    /// Holds the kubeconfig, warroom.toml and kubectl's HOME.
    pub dir: tempfile::TempDir,
    /// The loaded config.
    pub cfg: WarroomConfig,
    exec: Executor,
    rx: mpsc::Receiver<Event>,
    /// Every event the executor sent, in order.
    pub events: Vec<Event>,
    cancel: CancellationToken,
    tasks: JoinSet<()>,
    seq: u64,
}

/// Fast simulator settings with a routing mode and scenario.
pub fn options(routing: RoutingMode, scenario: Scenario) -> SimOptions {
    SimOptions {
        routing,
        scenario,
        pod_step: Duration::from_millis(40),
        tick: Duration::from_millis(20),
        ..SimOptions::default()
    }
}

/// Short timings for tests.
pub fn settings() -> Settings {
    Settings {
        call_timeout: Duration::from_secs(5),
        ready_wait: Duration::from_secs(20),
        renew_every: Duration::from_millis(500),
        read_back_for: Duration::from_secs(3),
        host: HOST.to_string(),
    }
}

impl Rig {
    /// Starts a simulator and an executor.
    pub async fn start(routing: RoutingMode, scenario: Scenario) -> Self {
        Self::start_with(options(routing, scenario), settings()).await
    }

    /// Starts with explicit options.
    pub async fn start_with(opts: SimOptions, settings: Settings) -> Self {
        init();
        let running = sim::start(&opts, std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("simulator starts");
        let dir = tempfile::tempdir().expect("temp dir");
        sim::config_writer::write_all(dir.path(), &running.url(), opts.routing)
            .expect("write config");
        let cfg = warroom::config::warroom::load(&dir.path().join("warroom.toml"))
            .unwrap_or_else(|p| panic!("the written config loads: {p:?}"));
        let (tx, rx) = mpsc::channel(warroom::actions::OUTCOMES);
        let cancel = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let exec = Executor::start_with(tx, cancel.clone(), &mut tasks, settings);
        Self {
            sim: running,
            dir,
            cfg,
            exec,
            rx,
            events: Vec::new(),
            cancel,
            tasks,
            seq: 10,
        }
    }

    /// The simulator's URL.
    pub fn url(&self) -> String {
        self.sim.url()
    }

    /// The written kubeconfig.
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// A kube client for changing things under the executor.
    pub fn client(&self) -> kube::Client {
        let url = self.url().parse().expect("url");
        kube::Client::try_from(kube::Config::new(url)).expect("client")
    }

    /// The spec the runtime would hand over for `action`, in session `session`.
    pub fn spec_in(&mut self, session: &str, id: &str, action: Action) -> ActionSpec {
        self.seq += 1;
        ActionSpec {
            id: id.to_string(),
            action,
            session: session.to_string(),
            seq: self.seq,
            operator: OPERATOR.to_string(),
            config: Box::new(self.cfg.clone()),
        }
    }

    /// The sequence number the last spec carried.
    pub fn last_seq(&self) -> u64 {
        self.seq
    }

    /// Submits an action and waits for its settled outcome (an outcome other than Unknown,
    /// or a second Unknown); returns every outcome reported for it.
    pub async fn run(&mut self, id: &str, action: Action) -> Vec<Seen> {
        let spec = self.spec_in(SESSION, id, action);
        self.exec.submit(spec).expect("queued");
        self.settle(id).await
    }

    /// Waits for the settled outcome of `id`.
    pub async fn settle(&mut self, id: &str) -> Vec<Seen> {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        let mut seen = Vec::new();
        loop {
            let ev = match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(e)) => e,
                Ok(None) => panic!("the executor stopped before {id} settled: {seen:?}"),
                Err(_) => panic!("{id} did not settle within {DEADLINE:?}: {seen:?}"),
            };
            self.events.push(ev.clone());
            if let Event::ActionOutcome {
                id: got,
                outcome,
                detail,
                ..
            } = &ev
                && got == id
            {
                seen.push(Seen {
                    outcome: *outcome,
                    detail: detail.clone(),
                    event: ev.clone(),
                });
                let unknowns = seen
                    .iter()
                    .filter(|s| s.outcome == Outcome::Unknown)
                    .count();
                if *outcome != Outcome::Unknown || unknowns >= 2 {
                    return seen;
                }
            }
        }
    }

    /// Stops the executor (the war room quitting) and returns what it sent meanwhile.
    pub async fn stop(mut self) -> (Vec<Event>, sim::Running, tempfile::TempDir) {
        self.cancel.cancel();
        tokio::time::timeout(DEADLINE, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await
        .expect("the executor stops on cancel");
        while let Ok(e) = self.rx.try_recv() {
            self.events.push(e);
        }
        (self.events, self.sim, self.dir)
    }

    /// Sends `POST /sim/faults`.
    pub async fn fault(&self, body: Value) {
        let resp = reqwest::Client::new()
            .post(format!("{}/sim/faults", self.url()))
            .json(&body)
            .send()
            .await
            .expect("fault request");
        assert!(resp.status().is_success(), "fault {body} refused");
    }

    /// The writes the simulator received for an action id.
    pub async fn writes(&self, action: &str) -> Vec<Value> {
        let v: Value = reqwest::Client::new()
            .get(format!("{}/sim/requests?action={action}", self.url()))
            .send()
            .await
            .expect("requests")
            .json()
            .await
            .expect("json");
        v["writes"].as_array().cloned().unwrap_or_default()
    }

    /// Every write the simulator received.
    pub async fn all_writes(&self) -> Vec<Value> {
        let v: Value = reqwest::Client::new()
            .get(format!("{}/sim/requests", self.url()))
            .send()
            .await
            .expect("requests")
            .json()
            .await
            .expect("json");
        v["writes"].as_array().cloned().unwrap_or_default()
    }

    /// A GET on the simulator, as JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        reqwest::Client::new()
            .get(format!("{}{path}", self.url()))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .unwrap_or(Value::Null)
    }

    /// The `/metrics` text.
    pub async fn metrics(&self) -> String {
        reqwest::Client::new()
            .get(format!("{}/metrics", self.url()))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text")
    }

    /// Runs kubectl against the simulator (off the async threads) and returns stdout.
    pub async fn kubectl(&self, k: &Kubectl, args: &[&str]) -> String {
        let (k, cfg, home) = (k.clone(), self.kubeconfig(), self.dir.path().to_path_buf());
        let args: Vec<String> = args.iter().map(|a| (*a).to_string()).collect();
        tokio::task::spawn_blocking(move || {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            k.ok(&cfg, &home, &a)
        })
        .await
        .expect("kubectl thread")
    }

    /// Waits until `check` holds for the simulator's state (polling every 100 ms).
    pub async fn until<F: Fn(&Value) -> bool>(&self, what: &str, path: &str, check: F) -> Value {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let v = self.get_json(path).await;
            if check(&v) {
                return v;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}; last {path}: {v}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The gauge `sim_traffic_weight{version}` from a `/metrics` text.
pub fn weight(metrics: &str, version: &str) -> Option<f64> {
    let prefix = format!("sim_traffic_weight{{version=\"{version}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
}
