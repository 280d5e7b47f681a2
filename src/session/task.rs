//! The writer thread: owns the `Writer`, takes append requests over a bounded channel, hands
//! each recorded line back to the loop, and group-syncs unsynced lines at least once a second.

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc;

use super::SessionLogError;
use super::writer::{Durability, Recorded, Writer};
use crate::event::{Actor, Event};

/// Requests queued for the writer. Human events are rare; samples arrive a few per second per
/// source, so 4,096 is minutes of backlog before `record` reports the queue full.
pub const REQUEST_CAPACITY: usize = 4096;

/// Recorded lines waiting for the loop. The writer blocks when the loop falls this far behind,
/// which slows sources down rather than dropping anything.
pub const RESULT_CAPACITY: usize = 1024;

/// How often lines written with `Durability::Group` are fdatasync'ed.
pub const GROUP_SYNC: Duration = Duration::from_secs(1);

enum Request {
    Append {
        actor: Actor,
        event: Event,
        durability: Durability,
    },
}

/// What the writer thread reports back.
#[derive(Debug)]
pub enum LogReport {
    /// A line is written (and synced if it had to be): apply it.
    Recorded(Box<Recorded>),
    /// Writing failed; the writer refuses further appends.
    Failed(String),
}

/// The loop's end of the writer: submit events to record.
#[derive(Debug, Clone)]
pub struct LogHandle {
    tx: SyncSender<Request>,
}

/// Why an event could not be queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    /// The queue is full; try again on the next loop turn.
    #[error("the session log is busy; try again")]
    Full,
    /// The writer has stopped.
    #[error("the session log writer has stopped")]
    Closed,
}

impl LogHandle {
    /// Queues an event without blocking.
    pub fn record(
        &self,
        actor: &Actor,
        event: Event,
        durability: Durability,
    ) -> Result<(), SubmitError> {
        self.try_record(actor, event, durability)
            .map_err(|(e, _)| e)
    }

    /// Queues an event without blocking; when it cannot be queued the event comes back, so
    /// the caller can hold it and try again instead of losing it.
    pub fn try_record(
        &self,
        actor: &Actor,
        event: Event,
        durability: Durability,
    ) -> Result<(), (SubmitError, Box<Event>)> {
        self.tx
            .try_send(Request::Append {
                actor: actor.clone(),
                event,
                durability,
            })
            .map_err(|e| match e {
                TrySendError::Full(Request::Append { event, .. }) => {
                    (SubmitError::Full, Box::new(event))
                }
                TrySendError::Disconnected(Request::Append { event, .. }) => {
                    (SubmitError::Closed, Box::new(event))
                }
            })
    }
}

/// Starts the writer thread. It ends when every `LogHandle` is dropped, after a final sync.
pub fn spawn(writer: Writer) -> (LogHandle, mpsc::Receiver<LogReport>, JoinHandle<()>) {
    let (tx, rx) = sync_channel(REQUEST_CAPACITY);
    let (out_tx, out_rx) = mpsc::channel(RESULT_CAPACITY);
    let join = std::thread::Builder::new()
        .name("session-writer".into())
        .spawn(move || run(writer, rx, out_tx))
        .unwrap_or_else(|e| panic!("cannot start the session writer thread: {e}"));
    (LogHandle { tx }, out_rx, join)
}

fn run(mut writer: Writer, rx: Receiver<Request>, out: mpsc::Sender<LogReport>) {
    // Once the loop is gone (normal end, or a panic unwinding it) requests are still written:
    // the crash record of a panicking war room arrives exactly then.
    let mut out = Some(out);
    loop {
        match rx.recv_timeout(GROUP_SYNC) {
            Ok(Request::Append {
                actor,
                event,
                durability,
            }) => {
                let report = match writer.append(&actor, event, durability) {
                    Ok(r) => LogReport::Recorded(Box::new(r)),
                    Err(e) => fail(&e),
                };
                send(&mut out, report);
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Err(e) = writer.sync() {
                    send(&mut out, fail(&e));
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                let _ = writer.sync();
                return;
            }
        }
    }
}

fn send(out: &mut Option<mpsc::Sender<LogReport>>, report: LogReport) {
    if let Some(tx) = out
        && tx.blocking_send(report).is_err()
    {
        *out = None;
    }
}

fn fail(e: &SessionLogError) -> LogReport {
    tracing::error!(error = %e, "session log write failed");
    LogReport::Failed(e.to_string())
}
