//! Runs effects in live mode: starts the configured sources as tasks with a shared
//! cancellation token, and stops them on shutdown. Replay and follow never build one, so they
//! cannot start a source or touch production.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

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
    cancel: CancellationToken,
    tasks: JoinSet<()>,
    started: bool,
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
        Self {
            sink,
            observations,
            cancel: CancellationToken::new(),
            tasks: JoinSet::new(),
            started: false,
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
                        let specs = sources::specs(&cfg);
                        sources::spawn(specs, &self.sink, &self.cancel, &mut self.tasks);
                    }
                }
                Effect::Shutdown => over = true,
            }
        }
        over
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
