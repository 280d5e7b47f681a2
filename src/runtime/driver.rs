//! What the terminal and headless loops share: applying the writer's reports in order, running
//! effects, recording the sources' observations, and the clock. Each loop adds its own input
//! (keys or stdin) and output (the screen or stdout) around `Driver::wake`.

use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc;
use tokio::time::{Interval, MissedTickBehavior, interval};

use super::core::{Core, HOLD_LIMIT};
use super::live::Runner;
use super::supervise::Session;
use crate::effect::Effect;
use crate::error::Fatal;
use crate::event::{Envelope, Event};
use crate::session::task::LogReport;
use crate::sign::{HeadSigner, Signed};

/// At most this many writer reports are applied per wake, so a burst of samples cannot starve
/// the keyboard or the screen.
pub const DRAIN_PER_WAKE: usize = 256;

/// How often the clock moves countdowns, overdue items and data ages.
pub const CLOCK_TICK: Duration = Duration::from_secs(1);

/// What woke the driver.
#[derive(Debug)]
pub enum Wake {
    /// Recorded lines were applied, in order.
    Applied {
        /// The lines exactly as written.
        lines: Vec<String>,
        /// Queued intents refused when their turn came, with the reason.
        refused: Vec<String>,
        /// Things the operator must see that refuse nothing (a head that could not be signed).
        warnings: Vec<String>,
        /// Set when the session is over (its end marker applied, or the log failed).
        over: Option<Result<(), Fatal>>,
    },
    /// An observation was queued for recording.
    Observed,
    /// The clock moved.
    Tick,
}

/// The shared half of a live loop.
#[derive(Debug)]
pub struct Driver {
    /// State, intents and the path into the log.
    pub core: Core,
    reports: mpsc::Receiver<LogReport>,
    runner: Runner,
    clock: Interval,
    /// The control socket (`warroom approve`), when it could be bound.
    control: Option<crate::control::Control>,
    /// The signing thread, when heads are signed.
    signer: Option<HeadSigner>,
    /// The close's signature is being made.
    close_pending: bool,
    /// How many times the close was signed (again when a line landed meanwhile).
    close_tries: u32,
    /// Approvals through the cluster, once the sources started a watcher for them.
    cluster: Option<super::approvals::Cluster>,
}

/// The close is signed again at most this often when lines keep landing while it is signed
/// (an executor's outcome); after that the last signature is recorded as it is.
const CLOSE_TRIES: u32 = 3;

impl Driver {
    /// Wraps a started session; sources start when their effect is applied.
    pub fn new(session: Session) -> Self {
        let mut clock = interval(CLOCK_TICK);
        clock.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut core = session.core;
        core.now = Timestamp::now();
        let control = crate::control::start(session.control, &mut core);
        let signer = session
            .signing
            .and_then(|setup| match HeadSigner::start(setup) {
                Ok(s) => Some(s),
                Err(e) => {
                    let _ = core.record_system(Event::ConfigWarned {
                        message: format!(
                            "heads cannot be signed: cannot start the signing thread: {e}"
                        ),
                    });
                    None
                }
            });
        if signer.is_some() {
            core.sign_the_close();
        }
        Self {
            core,
            reports: session.reports,
            runner: Runner::new(),
            clock,
            control,
            signer,
            close_pending: false,
            close_tries: 0,
            cluster: None,
        }
    }

    /// The key heads are signed with, if they are.
    pub fn signing(&self) -> Option<&str> {
        self.signer.as_ref().map(HeadSigner::describe)
    }

    /// Waits for the next report, observation or clock tick and handles it. Cancel-safe, so it
    /// can sit in a `select!` beside the loop's own inputs.
    pub async fn wake(&mut self) -> Wake {
        let room = self.core.held() < HOLD_LIMIT;
        tokio::select! {
            report = self.reports.recv() => match report {
                Some(r) => self.apply_batch(r),
                None => Wake::Applied {
                    lines: Vec::new(),
                    refused: Vec::new(),
                    warnings: Vec::new(),
                    over: Some(Err(Fatal::external("the session log writer stopped"))),
                },
            },
            delivered = super::approvals::next(&mut self.cluster) => {
                match (delivered, self.cluster.as_mut()) {
                    (Some(d), Some(c)) => c.handle(d, &mut self.core),
                    // The watcher ended: approvals through the cluster stop here.
                    _ => self.cluster = None,
                }
                Wake::Observed
            }
            signed = next_signed(&mut self.signer) => {
                if let Some(s) = signed {
                    self.on_signed(s);
                }
                Wake::Observed
            }
            ev = self.runner.observations.recv(), if room => {
                if let Some(ev) = ev {
                    // Refused only while the session ends: nothing is recorded after the end
                    // marker, by design.
                    let _ = self.core.record_observed(ev);
                }
                Wake::Observed
            }
            ev = self.runner.outcomes.recv() => {
                if let Some(ev) = ev {
                    // An executor's outcome changes production's recorded state: synced, and
                    // intents wait for it. Refused only once the log failed.
                    let _ = self.core.record_decided(ev);
                }
                Wake::Observed
            }
            req = crate::control::next(&mut self.control) => {
                // A request from the control socket; its answer goes out once its line is
                // applied (see `apply_batch`).
                if let Some(c) = self.control.as_mut() {
                    c.handle(req, &mut self.core);
                }
                Wake::Observed
            }
            _ = self.clock.tick() => {
                self.core.now = Timestamp::now();
                // The current stage moves with the clock, and with it the checks to run.
                self.runner.plan_checks(&self.core.state, self.core.now);
                if let Some(msg) = self.runner.poll_panicked() {
                    // A worker panic ends the war room the same way a loop panic does: the
                    // supervisor records the crash.
                    panic!("{msg}");
                }
                Wake::Tick
            }
        }
    }

    fn apply_batch(&mut self, first: LogReport) -> Wake {
        let mut lines = Vec::new();
        let mut refused = Vec::new();
        let mut warnings = Vec::new();
        let mut next = Some(first);
        let mut n = 0;
        while let Some(r) = next {
            self.core.now = Timestamp::now();
            let applied = self.core.on_report(r);
            if let (Some(c), Some(env)) = (self.control.as_mut(), applied.envelope.as_ref()) {
                c.on_applied(env);
            }
            if let Some(env) = applied.envelope.as_ref() {
                self.sign_after(env, &mut warnings);
                if let Some(c) = self.cluster.as_mut() {
                    c.on_applied(env, &self.core);
                }
            }
            lines.extend(applied.line);
            refused.extend(applied.refused);
            if let Some(reason) = applied.log_failed {
                return Wake::Applied {
                    lines,
                    refused,
                    warnings,
                    over: Some(Err(Fatal::external(format!(
                        "the session log failed: {reason}; nothing after this was recorded"
                    )))),
                };
            }
            let mut effects = Vec::with_capacity(applied.effects.len());
            for e in applied.effects {
                match e {
                    Effect::Record(event) => {
                        if let Err(e) = self.core.record_decided(*event) {
                            refused.push(format!("cannot record the war room's decision: {e}"));
                        }
                    }
                    other => effects.push(other),
                }
            }
            self.runner.know_session(self.core.state.session.as_deref());
            let over = self.runner.run(effects);
            if self.cluster.is_none()
                && let Some(link) = self.runner.approvals.take()
            {
                self.cluster = Some(super::approvals::Cluster::new(link, &self.core));
            }
            if over {
                return Wake::Applied {
                    lines,
                    refused,
                    warnings,
                    over: Some(Ok(())),
                };
            }
            n += 1;
            if n >= DRAIN_PER_WAKE {
                break;
            }
            next = self.reports.try_recv().ok();
        }
        self.sign_close();
        self.runner.plan_checks(&self.core.state, self.core.now);
        Wake::Applied {
            lines,
            refused,
            warnings,
            over: None,
        }
    }

    /// After a human decision is applied, asks for its head to be signed; a failed signature
    /// is said on screen.
    fn sign_after(&mut self, env: &Envelope, warnings: &mut Vec<String>) {
        if let Event::HeadSignFailed { .. } = &env.event {
            warnings.push(crate::reduce::summarize(&self.core.state, &env.event));
        }
        if let Some(signer) = self.signer.as_mut()
            && crate::sign::log::needs_signature(&env.event)
        {
            signer.sign(&env.session, env.seq, &env.hash, false);
        }
    }

    /// Signs the close once the end is asked for, every decision's signature is back and
    /// nothing is in flight.
    fn sign_close(&mut self) {
        let Some(signer) = self.signer.as_mut() else {
            return;
        };
        if self.close_pending || signer.outstanding() > 0 {
            return;
        }
        let (Some((seq, hash)), Some(session)) =
            (self.core.close_head(), self.core.state.session.as_deref())
        else {
            return;
        };
        self.close_pending = true;
        self.close_tries += 1;
        signer.sign(session, seq, &hash, true);
    }

    fn on_signed(&mut self, s: Signed) {
        if !s.close {
            // Refused only once the log failed: then nothing more can be recorded anyway.
            let _ = self.core.record_decided(s.event);
            self.sign_close();
            return;
        }
        self.close_pending = false;
        match self.core.close_head() {
            // The close must sign the last line before the end; a line that landed meanwhile
            // gets the close signed again.
            Some((seq, _)) if seq == s.seq || self.close_tries >= CLOSE_TRIES => {
                let _ = self.core.finish_close(s.event);
            }
            _ => self.sign_close(),
        }
    }

    /// Asks for the end marker (after anything already queued; with signing, after the close's
    /// signature).
    pub fn end(&mut self, reason: &str) -> Result<(), super::core::Rejected> {
        self.core.end(reason)?;
        self.sign_close();
        Ok(())
    }

    /// Stops the sources and lets the writer finish.
    pub async fn finish(mut self) {
        self.core.close_log();
        self.runner.stop().await;
    }
}

/// The next signature from the signing thread; pending forever without one.
async fn next_signed(signer: &mut Option<HeadSigner>) -> Option<Signed> {
    match signer {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}
