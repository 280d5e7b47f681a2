//! The writer thread: owns the `Writer`, takes append requests over a bounded channel, hands
//! each recorded line back to the loop, and group-syncs unsynced lines at least once a second,
//! by a deadline set when the first of them is written (a steady stream cannot postpone it).

use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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

/// The longest a line written with `Durability::Group` waits for its fdatasync.
pub const GROUP_SYNC: Duration = Duration::from_secs(1);

/// The writer thread's clock, injectable so a test can move time without waiting.
pub trait Clock: Send + 'static {
    /// Now, monotonic.
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

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
    spawn_with_clock(writer, SystemClock)
}

/// `spawn` with the clock that decides when group syncs are due.
pub fn spawn_with_clock(
    writer: Writer,
    clock: impl Clock,
) -> (LogHandle, mpsc::Receiver<LogReport>, JoinHandle<()>) {
    let (tx, rx) = sync_channel(REQUEST_CAPACITY);
    let (out_tx, out_rx) = mpsc::channel(RESULT_CAPACITY);
    let join = std::thread::Builder::new()
        .name("session-writer".into())
        .spawn(move || run(writer, rx, out_tx, &clock))
        .unwrap_or_else(|e| panic!("cannot start the session writer thread: {e}"));
    (LogHandle { tx }, out_rx, join)
}

fn run(mut writer: Writer, rx: Receiver<Request>, out: mpsc::Sender<LogReport>, clock: &dyn Clock) {
    // Once the loop is gone (normal end, or a panic unwinding it) requests are still written:
    // the crash record of a panicking war room arrives exactly then.
    let mut out = Some(out);
    // When the oldest unsynced line must be on the disk.
    let mut due: Option<Instant> = None;
    loop {
        let next = match due {
            Some(d) => rx.recv_timeout(d.saturating_duration_since(clock.now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        let mut report = match next {
            Ok(Request::Append {
                actor,
                event,
                durability,
            }) => Some(match writer.append(&actor, event, durability) {
                Ok(r) => LogReport::Recorded(Box::new(r)),
                Err(e) => fail(&e),
            }),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                let _ = writer.sync();
                return;
            }
        };
        if !writer.has_unsynced() {
            due = None;
        } else if due.is_none() {
            due = Some(clock.now() + GROUP_SYNC);
        }
        // Checked after every request too, not only when the queue is idle.
        if due.is_some_and(|d| clock.now() >= d) {
            due = None;
            if let Err(e) = writer.sync() {
                // A line whose sync failed may be gone: it is not handed back as recorded.
                report = Some(fail(&e));
            }
        }
        if let Some(r) = report {
            send(&mut out, r);
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
