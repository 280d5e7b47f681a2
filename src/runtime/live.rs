//! Runs effects in live mode: starts the configured sources as tasks with a shared
//! cancellation token, hands actions to the executor and status updates to the poster, and
//! stops everything on shutdown. Replay
//! and follow never build one, so they cannot start a source or touch production.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::actions::{self, Executor};
use crate::comms::post::Poster;
use crate::effect::Effect;
use crate::event::Event;
use crate::sources::{self, Sink};

/// How long sources get to finish after cancellation before they are aborted.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// The live effect runner and the receiving end of every source's observations.
#[derive(Debug)]
pub struct Runner {
    sink: Sink,
    /// Observations from the sources, for the loop to record.
    pub observations: mpsc::Receiver<Event>,
    /// Outcomes from the executor, for the loop to record (synced).
    pub outcomes: mpsc::Receiver<Event>,
    outcomes_tx: mpsc::Sender<Event>,
    executor: Option<Executor>,
    poster: Option<Poster>,
    cancel: CancellationToken,
    tasks: JoinSet<()>,
    started: bool,
    /// The session id, so the Kubernetes source can tell this war room's lock from another's.
    session: Option<String>,
    /// The approvals watcher's link, for the driver to take once sources started.
    pub approvals: Option<sources::approvals::Link>,
    /// The checks source's plan, once it runs.
    checks: Option<tokio::sync::watch::Sender<Vec<crate::checks::Planned>>>,
    /// The items of the plan last handed over, so an unchanged plan costs no parsing.
    planned: Vec<crate::state::ItemKey>,
}

impl Default for Runner {
    fn default() -> Self {
        Self::new()
    }
}

impl Runner {
    /// A runner with no sources yet.
    pub fn new() -> Self {
        let (sink, observations) = sources::channel();
        let (outcomes_tx, outcomes) = mpsc::channel(actions::OUTCOMES);
        Self {
            sink,
            observations,
            outcomes,
            outcomes_tx,
            executor: None,
            poster: None,
            cancel: CancellationToken::new(),
            tasks: JoinSet::new(),
            started: false,
            session: None,
            approvals: None,
            checks: None,
            planned: Vec::new(),
        }
    }

    /// Tells the runner the session id once the state knows it (before sources start).
    pub fn know_session(&mut self, id: Option<&str>) {
        if self.session.is_none() {
            self.session = id.map(str::to_string);
        }
    }

    /// Runs the effects the reducer returned; true when the session is over.
    pub fn run(&mut self, effects: Vec<Effect>) -> bool {
        let mut over = false;
        for e in effects {
            match e {
                Effect::StartSources(cfg) => {
                    // A resumed session replays its SessionStarted before SessionResumed; the
                    // sources start once.
                    if !self.started {
                        self.started = true;
                        let mut specs = sources::specs(&cfg);
                        if let Some(k) = specs.kube.as_mut() {
                            k.session.clone_from(&self.session);
                        }
                        sources::spawn(specs, &self.sink, &self.cancel, &mut self.tasks);
                        // Approvals through the cluster, when the config asks for them.
                        let spec = self.session.as_deref().and_then(|id| {
                            sources::approvals::ApprovalsSpec::from_config(&cfg, id)
                        });
                        if let Some(spec) = spec {
                            self.approvals = Some(sources::approvals::start(
                                spec,
                                &self.sink,
                                &self.cancel,
                                &mut self.tasks,
                            ));
                        }
                    }
                }
                Effect::Shutdown => over = true,
                Effect::Execute(spec) => {
                    let exec = self.executor.get_or_insert_with(|| {
                        Executor::start(
                            self.outcomes_tx.clone(),
                            self.cancel.clone(),
                            &mut self.tasks,
                        )
                    });
                    if let Err(refused) = exec.submit(*spec) {
                        // The outcome channel has room for far more than one queue's worth.
                        let _ = self.outcomes_tx.try_send(*refused);
                    }
                }
                Effect::Post(spec) => {
                    let poster = self.poster.get_or_insert_with(|| {
                        Poster::start(
                            self.outcomes_tx.clone(),
                            self.cancel.clone(),
                            &mut self.tasks,
                        )
                    });
                    if let Err(failed) = poster.submit(*spec) {
                        let _ = self.outcomes_tx.try_send(*failed);
                    }
                }
                // Recorded by the driver before the rest reach the runner.
                Effect::Record(_) => {}
            }
        }
        over
    }

    /// Hands the checks source the checks to evaluate now (starting it the first time there
    /// are any): the current stage's, as `checks::plan` decides from the state.
    pub fn plan_checks(&mut self, state: &crate::state::State, now: jiff::Timestamp) {
        let keys = crate::checks::plan_keys(state, now);
        if keys == self.planned {
            return;
        }
        let plan = crate::checks::plan(state, now);
        self.planned = keys;
        match &self.checks {
            Some(tx) => {
                tx.send_replace(plan);
            }
            None if plan.is_empty() => {}
            None => {
                let spec = crate::checks::ChecksSpec::from_config(state.config.as_deref());
                let (tx, rx) = tokio::sync::watch::channel(plan);
                self.tasks.spawn(crate::checks::run(
                    spec,
                    rx,
                    self.sink.clone(),
                    self.cancel.clone(),
                ));
                self.checks = Some(tx);
            }
        }
    }

    /// Whether any source task has ended by panicking (a worker panic ends the war room).
    pub fn poll_panicked(&mut self) -> Option<String> {
        while let Some(done) = self.tasks.try_join_next() {
            if let Err(e) = done
                && e.is_panic()
            {
                return Some(format!("a source task panicked: {e}"));
            }
        }
        None
    }

    /// Cancels every source and waits briefly for them to finish.
    pub async fn stop(mut self) {
        self.cancel.cancel();
        let all = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(STOP_GRACE, all).await.is_err() {
            self.tasks.abort_all();
        }
    }
}
