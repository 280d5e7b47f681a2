//! Executors: the only code that changes production. One worker runs actions one at a time,
//! in the order their intents were recorded, and reports each outcome as an event
//! (`ActionOutcome`, `LeaseObserved`) for the loop to record. It builds its Kubernetes client
//! once (from `[kubernetes]`, as the source does), takes the deployment lock before the first
//! change and renews it while it runs, and releases it when the war room stops. Replay and
//! follow never build one.

pub mod kube;
pub mod lease;
pub mod preflight;
pub mod ratio;
pub mod traffic;
pub mod undo;
pub mod write;

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::warroom::{Kubernetes, Strategy, WarroomConfig};
use crate::effect::ActionSpec;
use crate::event::{Action, Event, Outcome, TrafficRow};
use crate::release::plan::Sides;
use crate::sources::kube::{KubeSpec, client, lease_name};
use kube::{Kube, Tag};
use lease::Lock;

/// Actions waiting for the worker. Operators act a few times an hour; 64 is far beyond any
/// burst, and a full queue refuses the action with a reason instead of blocking the loop.
pub const QUEUE: usize = 64;

/// Outcomes waiting for the loop.
pub const OUTCOMES: usize = 64;

/// How the worker times its calls and waits (the defaults are the production figures).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Limit for one API call.
    pub call_timeout: Duration,
    /// How long a replica-ratio shrink waits for the other side's pods to be ready.
    pub ready_wait: Duration,
    /// How often the lock is renewed.
    pub renew_every: Duration,
    /// How long a read-back after an unknown answer keeps trying while the API fails.
    pub read_back_for: Duration,
    /// The host named in the lock's holder identity.
    pub host: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            call_timeout: kube::CALL_TIMEOUT,
            ready_wait: ratio::READY_WAIT,
            renew_every: lease::RETRY_PERIOD,
            read_back_for: kube::READ_BACK_FOR,
            host: crate::config::host_name(),
        }
    }
}

/// The loop's end of the worker.
#[derive(Debug, Clone)]
pub struct Executor {
    tx: mpsc::Sender<ActionSpec>,
}

impl Executor {
    /// Starts the worker; it stops when `cancel` fires or every `Executor` is dropped.
    pub fn start(
        outcomes: mpsc::Sender<Event>,
        cancel: CancellationToken,
        tasks: &mut JoinSet<()>,
    ) -> Self {
        Self::start_with(outcomes, cancel, tasks, Settings::default())
    }

    /// Like [`start`](Self::start), with other timings (tests).
    pub fn start_with(
        outcomes: mpsc::Sender<Event>,
        cancel: CancellationToken,
        tasks: &mut JoinSet<()>,
        settings: Settings,
    ) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tasks.spawn(worker(rx, outcomes, cancel, settings));
        Self { tx }
    }

    /// Queues an action; when the queue is full the action is refused with an event saying so.
    pub fn submit(&self, spec: ActionSpec) -> Result<(), Box<Event>> {
        self.tx.try_send(spec).map_err(|e| {
            let spec = match e {
                mpsc::error::TrySendError::Full(s) | mpsc::error::TrySendError::Closed(s) => s,
            };
            Box::new(
                Report::refused("the action queue is full or stopped; nothing was sent")
                    .event(&spec.id),
            )
        })
    }
}

/// An outcome about to be reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// How it ended.
    pub outcome: Outcome,
    /// In words.
    pub detail: String,
    /// Traffic as read before.
    pub before: Option<TrafficRow>,
    /// Traffic as read after.
    pub after: Option<TrafficRow>,
    /// resourceVersions before and after.
    pub versions: Vec<String>,
    /// Who changed the object meanwhile (conflicts).
    pub changed_by: Option<String>,
}

impl Default for Report {
    fn default() -> Self {
        Self {
            outcome: Outcome::Failed,
            detail: String::new(),
            before: None,
            after: None,
            versions: Vec::new(),
            changed_by: None,
        }
    }
}

impl Report {
    /// Refused before anything was sent.
    pub fn refused(detail: impl Into<String>) -> Self {
        Self {
            outcome: Outcome::Refused,
            detail: detail.into(),
            ..Self::default()
        }
    }

    /// Failed, nothing changed.
    pub fn failed(detail: impl Into<String>) -> Self {
        Self {
            outcome: Outcome::Failed,
            detail: detail.into(),
            ..Self::default()
        }
    }

    /// With the traffic as read before.
    pub fn with_before(mut self, before: TrafficRow) -> Self {
        self.before = Some(before);
        self
    }

    /// The event for action `id`.
    pub fn event(self, id: &str) -> Event {
        Event::ActionOutcome {
            id: id.to_string(),
            outcome: self.outcome,
            detail: self.detail,
            before: self.before,
            after: self.after,
            versions: self.versions,
            changed_by: self.changed_by,
        }
    }
}

/// Where one action's outcomes go, as they are known.
#[derive(Debug)]
pub struct Out<'a> {
    tx: &'a mpsc::Sender<Event>,
    id: &'a str,
}

impl Out<'_> {
    /// Sends an outcome (the loop gone means shutdown: nothing more to say).
    pub async fn send(&self, r: Report) {
        let _ = self.tx.send(r.event(self.id)).await;
    }
}

/// Which kind of traffic move an action is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveKind {
    /// The next step of the plan.
    Shift,
    /// One rung back.
    Back,
    /// All traffic back on stable.
    Rollback,
}

/// A traffic move: the candidate's share after it, and why.
#[derive(Debug, Clone, Copy)]
pub struct Move {
    /// The candidate's share in percent.
    pub weight: u32,
    /// Shift, back or rollback.
    pub kind: MoveKind,
}

impl Move {
    /// What was done, in words, with `how` in brackets.
    pub fn done(&self, how: &str) -> String {
        match self.kind {
            MoveKind::Shift => format!("shifted to {} % ({how})", self.weight),
            MoveKind::Back => format!("stepped back to {} % ({how})", self.weight),
            MoveKind::Rollback => {
                format!("rolled back: all traffic on stable in one change ({how})")
            }
        }
    }
}

/// What one action runs with.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The API.
    pub kube: &'a Kube,
    /// The action.
    pub spec: &'a ActionSpec,
    /// Where its outcomes go.
    pub out: Out<'a>,
    /// How long a replica-ratio shrink waits for ready pods.
    pub ready_wait: Duration,
}

impl Ctx<'_> {
    /// The tags every write carries.
    pub fn tag(&self) -> Tag<'_> {
        Tag {
            session: &self.spec.session,
            seq: self.spec.seq,
            action: &self.spec.id,
        }
    }

    /// The recorded config.
    pub fn cfg(&self) -> &WarroomConfig {
        &self.spec.config
    }

    /// `[kubernetes]`.
    pub fn k8s(&self) -> Option<&Kubernetes> {
        self.spec.config.kubernetes.as_ref()
    }

    /// Stable and candidate, as the config names them.
    pub fn sides(&self) -> Sides {
        Sides::of(self.cfg())
    }
}

/// The worker's connection to the cluster, built at the first action.
struct Live {
    kube: Kube,
    lock: Lock,
}

async fn worker(
    mut rx: mpsc::Receiver<ActionSpec>,
    outcomes: mpsc::Sender<Event>,
    cancel: CancellationToken,
    settings: Settings,
) {
    let mut live: Option<Live> = None;
    let mut renew = tokio::time::interval(settings.renew_every);
    renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let held = live.as_ref().is_some_and(|l| l.lock.is_held());
        tokio::select! {
            () = cancel.cancelled() => break,
            s = rx.recv() => match s {
                Some(spec) => {
                    if !handle(&spec, &mut live, &outcomes, &cancel, &mut renew, &settings).await {
                        break;
                    }
                }
                None => break,
            },
            _ = renew.tick(), if held => {
                if let Some(l) = live.as_mut()
                    && let Some(lease) = l.lock.renew(&l.kube).await
                {
                    let _ = outcomes.send(Event::LeaseObserved { lease }).await;
                }
            }
        }
    }
    // The war room stops: give the lock back so the next war room need not wait it out.
    if let Some(l) = live.as_mut()
        && let Some(lease) = l.lock.release(&l.kube).await
    {
        let _ = outcomes.try_send(Event::LeaseObserved { lease });
    }
}

/// Runs one action to its outcome; false when the war room is stopping.
async fn handle(
    spec: &ActionSpec,
    live: &mut Option<Live>,
    outcomes: &mpsc::Sender<Event>,
    cancel: &CancellationToken,
    renew: &mut tokio::time::Interval,
    settings: &Settings,
) -> bool {
    let out = Out {
        tx: outcomes,
        id: &spec.id,
    };
    let Some(mut kspec) = KubeSpec::from_config(&spec.config) else {
        out.send(Report::refused(
            "the config has no [kubernetes]: there is no cluster to change; nothing was sent",
        ))
        .await;
        return true;
    };
    // 429s are waited out by `Kube::call`; 503 and 504 on a write are unknown outcomes to
    // read back, never requests to repeat.
    kspec.retry_transient = false;
    if live.is_none() {
        let built = tokio::time::timeout(settings.call_timeout, client::build(&kspec)).await;
        match built {
            Ok(Ok(b)) => {
                let mut kube = Kube::new(b.client, kspec.namespace.clone());
                kube.timeout = settings.call_timeout;
                kube.read_back_for = settings.read_back_for;
                let name = kspec
                    .lease
                    .clone()
                    .unwrap_or_else(|| lease_name(&spec.config.deployment.name));
                *live = Some(Live {
                    kube,
                    lock: Lock::new(name, &spec.operator, &settings.host, &spec.session),
                });
            }
            Ok(Err(e)) => {
                out.send(Report::failed(format!(
                    "cannot build the Kubernetes client: {e}; nothing was sent"
                )))
                .await;
                return true;
            }
            Err(_) => {
                out.send(Report::failed(format!(
                    "building the Kubernetes client took over {} s; nothing was sent",
                    settings.call_timeout.as_secs()
                )))
                .await;
                return true;
            }
        }
    }
    let Some(Live { kube, lock }) = live.as_mut() else {
        return true;
    };
    let tag = Tag {
        session: &spec.session,
        seq: spec.seq,
        action: &spec.id,
    };
    match lock.acquire(kube, &tag).await {
        Ok(Some(lease)) => {
            let _ = outcomes.send(Event::LeaseObserved { lease }).await;
        }
        Ok(None) => {}
        Err(not) => {
            if let Some(lease) = not.lease {
                let _ = outcomes.send(Event::LeaseObserved { lease }).await;
            }
            out.send(not.report).await;
            return true;
        }
    }
    let ctx = Ctx {
        kube,
        spec,
        out: Out {
            tx: outcomes,
            id: &spec.id,
        },
        ready_wait: settings.ready_wait,
    };
    let action = execute(&ctx);
    tokio::pin!(action);
    // The lock is renewed while the action runs: a slow read-back must not let it lapse.
    let mut report = loop {
        tokio::select! {
            () = cancel.cancelled() => return false,
            r = &mut action => break r,
            _ = renew.tick() => {
                if let Some(lease) = lock.renew(kube).await {
                    let _ = outcomes.send(Event::LeaseObserved { lease }).await;
                }
            }
        }
    };
    let notes = kube.take_throttle_notes();
    if !notes.is_empty() {
        report.detail = format!("{} ({})", report.detail, notes.join("; "));
    }
    out.send(report).await;
    !outcomes.is_closed()
}

/// Runs the action itself.
async fn execute(ctx: &Ctx<'_>) -> Report {
    let (strategy, mv) = match &ctx.spec.action {
        Action::Shift {
            weight, strategy, ..
        } => (
            *strategy,
            Move {
                weight: *weight,
                kind: MoveKind::Shift,
            },
        ),
        Action::Back {
            weight, strategy, ..
        } => (
            *strategy,
            Move {
                weight: *weight,
                kind: MoveKind::Back,
            },
        ),
        Action::Rollback { strategy, .. } => (
            *strategy,
            Move {
                weight: 0,
                kind: MoveKind::Rollback,
            },
        ),
        Action::Undo { workload, .. } => return undo::run(ctx, workload).await,
    };
    match strategy {
        Strategy::ServiceSelector => traffic::selector(ctx, mv).await,
        Strategy::HttprouteWeights => traffic::weights(ctx, mv).await,
        Strategy::ReplicaRatio => ratio::run(ctx, mv).await,
    }
}
