//! Executors: the only code that changes production. One worker runs actions one at a time,
//! in the order their intents were recorded, and reports each outcome as an event
//! (`ActionOutcome`, `LeaseObserved`) for the loop to record. Replay and follow never build
//! one.

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::effect::ActionSpec;
use crate::event::{Event, Outcome};

/// Actions waiting for the worker. Operators act a few times an hour; 64 is far beyond any
/// burst, and a full queue refuses the action with a reason instead of blocking the loop.
pub const QUEUE: usize = 64;

/// Outcomes waiting for the loop.
pub const OUTCOMES: usize = 64;

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
        let (tx, rx) = mpsc::channel(QUEUE);
        tasks.spawn(worker(rx, outcomes, cancel));
        Self { tx }
    }

    /// Queues an action; when the queue is full the action is refused with an event saying so.
    pub fn submit(&self, spec: ActionSpec) -> Result<(), Box<Event>> {
        self.tx.try_send(spec).map_err(|e| {
            let spec = match e {
                mpsc::error::TrySendError::Full(s) | mpsc::error::TrySendError::Closed(s) => s,
            };
            Box::new(Event::ActionOutcome {
                id: spec.id,
                outcome: Outcome::Refused,
                detail: "the action queue is full or stopped; nothing was sent".to_string(),
                before: None,
                after: None,
                versions: Vec::new(),
                changed_by: None,
            })
        })
    }
}

async fn worker(
    mut rx: mpsc::Receiver<ActionSpec>,
    outcomes: mpsc::Sender<Event>,
    cancel: CancellationToken,
) {
    loop {
        let spec = tokio::select! {
            () = cancel.cancelled() => return,
            s = rx.recv() => match s {
                Some(s) => s,
                None => return,
            },
        };
        for ev in run(spec).await {
            if outcomes.send(ev).await.is_err() {
                return;
            }
        }
    }
}

/// Runs one action to its outcome events.
async fn run(spec: ActionSpec) -> Vec<Event> {
    vec![Event::ActionOutcome {
        id: spec.id,
        outcome: Outcome::Refused,
        detail: "no executor is built in yet".to_string(),
        before: None,
        after: None,
        versions: Vec::new(),
        changed_by: None,
    }]
}
