//! A bounded printer: lines go through a queue to a thread that writes them, so a reader that
//! never reads (a stalled pipe) blocks that thread only, never the loop that records.
//!
//! Policy: the queue holds `PRINT_QUEUE` lines. When it is full the new line is not printed
//! and counted (`skipped`); printing is a copy of what is recorded, and the session file
//! holds every line. At the end the printer waits a bounded time for the reader.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Lines a printer queues before it skips.
pub const PRINT_QUEUE: usize = 4096;

/// Where lines go.
#[derive(Debug, Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

/// The loop's end of a printer thread.
#[derive(Debug)]
pub struct Printer {
    tx: Option<SyncSender<String>>,
    join: Option<JoinHandle<()>>,
    queued: u64,
    skipped: u64,
    written: Arc<AtomicU64>,
}

impl Printer {
    /// A printer to stdout.
    pub fn stdout() -> Self {
        Self::start(Stream::Stdout, PRINT_QUEUE)
    }

    /// A printer to stderr.
    pub fn stderr() -> Self {
        Self::start(Stream::Stderr, PRINT_QUEUE)
    }

    fn start(stream: Stream, capacity: usize) -> Self {
        let (tx, rx) = sync_channel::<String>(capacity);
        let written = Arc::new(AtomicU64::new(0));
        let count = Arc::clone(&written);
        let join = std::thread::Builder::new()
            .name("headless-printer".into())
            .spawn(move || {
                for line in rx {
                    let ok = match stream {
                        Stream::Stdout => writeln!(std::io::stdout().lock(), "{line}"),
                        Stream::Stderr => writeln!(std::io::stderr().lock(), "{line}"),
                    };
                    if ok.is_err() {
                        // The reader is gone: nothing more can be printed, the rest is dropped.
                        return;
                    }
                    count.fetch_add(1, Ordering::Relaxed);
                }
            })
            .ok();
        Self {
            tx: join.is_some().then_some(tx),
            join,
            queued: 0,
            skipped: 0,
            written,
        }
    }

    /// Queues a line without blocking; `false` if it was skipped (queue full or printer gone).
    pub fn print(&mut self, line: String) -> bool {
        let sent = match &self.tx {
            Some(tx) => match tx.try_send(line) {
                Ok(()) => true,
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
            },
            None => false,
        };
        if sent {
            self.queued += 1;
        } else {
            self.skipped += 1;
        }
        sent
    }

    /// Lines skipped so far.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Waits up to `wait` for the queued lines to be written; returns how many lines were not
    /// printed (skipped, or still queued when the wait ran out).
    pub fn finish(mut self, wait: Duration) -> u64 {
        self.tx = None;
        let deadline = Instant::now() + wait;
        if let Some(join) = self.join.take() {
            while !join.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if join.is_finished() {
                let _ = join.join();
            }
            // Otherwise the thread is blocked on a reader that never reads; the process exits
            // without it.
        }
        let written = self.written.load(Ordering::Relaxed);
        self.skipped + self.queued.saturating_sub(written)
    }
}
