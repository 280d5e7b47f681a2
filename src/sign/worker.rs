//! The signing worker: one thread that signs heads in the order they were asked for, so the
//! loop never waits for a key file, an agent or a security-key touch. Each result comes back
//! as the event to record: `HeadSigned`, or `HeadSignFailed` with the reason.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::head::{sign_close, sign_head};
use super::setup::SignSetup;
use super::signer::AGENT_TIMEOUT;
use crate::event::Event;

/// How long the close may wait for an agent: the session is ending (perhaps on a signal), so
/// a hung agent must not hold it for the full [`AGENT_TIMEOUT`].
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

struct Job {
    session: String,
    seq: u64,
    hash: String,
    close: bool,
}

/// A signature made (or not) by the worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Signed {
    /// `HeadSigned` or `HeadSignFailed`.
    pub event: Event,
    /// The `seq` of the line it is for.
    pub seq: u64,
    /// Whether it is the close's.
    pub close: bool,
}

/// The handle to the signing thread.
#[derive(Debug)]
pub struct HeadSigner {
    jobs: std_mpsc::Sender<Job>,
    results: mpsc::UnboundedReceiver<Signed>,
    outstanding: usize,
    what: String,
}

impl HeadSigner {
    /// Starts the thread for `setup`. It ends when the handle is dropped.
    pub fn start(setup: SignSetup) -> std::io::Result<Self> {
        let (jobs, rx) = std_mpsc::channel::<Job>();
        let (tx, results) = mpsc::unbounded_channel();
        let what = setup.describe();
        std::thread::Builder::new()
            .name("warroom-sign".into())
            .spawn(move || {
                for job in rx {
                    let signed = run(&setup, &job);
                    if tx.send(signed).is_err() {
                        return;
                    }
                }
            })?;
        Ok(Self {
            jobs,
            results,
            outstanding: 0,
            what,
        })
    }

    /// Asks for the head (`session`, `seq`, `hash`) to be signed; `close` for the session's
    /// last head.
    pub fn sign(&mut self, session: &str, seq: u64, hash: &str, close: bool) {
        let job = Job {
            session: session.to_string(),
            seq,
            hash: hash.to_string(),
            close,
        };
        if self.jobs.send(job).is_ok() {
            self.outstanding += 1;
        }
    }

    /// The next result. Cancel-safe; pending forever once nothing is outstanding.
    pub async fn next(&mut self) -> Option<Signed> {
        let r = self.results.recv().await;
        if r.is_some() {
            self.outstanding = self.outstanding.saturating_sub(1);
        }
        r
    }

    /// Signatures asked for and not yet returned.
    pub fn outstanding(&self) -> usize {
        self.outstanding
    }

    /// The key signed with, for a person to read.
    pub fn describe(&self) -> &str {
        &self.what
    }
}

fn run(setup: &SignSetup, job: &Job) -> Signed {
    let timeout = if job.close {
        CLOSE_TIMEOUT
    } else {
        AGENT_TIMEOUT
    };
    let sign = if job.close { sign_close } else { sign_head };
    let result = setup
        .signer(timeout)
        .and_then(|signer| sign(&signer, &job.session, job.seq, &job.hash));
    let event = match result {
        Ok(head) => Event::HeadSigned { head },
        Err(e) => Event::HeadSignFailed {
            seq: job.seq,
            hash: job.hash.clone(),
            close: job.close,
            error: setup.explain(&e),
        },
    };
    Signed {
        event,
        seq: job.seq,
        close: job.close,
    }
}
