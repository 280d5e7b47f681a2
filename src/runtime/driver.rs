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
use crate::session::task::LogReport;

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
}

impl Driver {
    /// Wraps a started session; sources start when their effect is applied.
    pub fn new(session: Session) -> Self {
        let mut clock = interval(CLOCK_TICK);
        clock.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut core = session.core;
        core.now = Timestamp::now();
        let control = crate::control::start(session.control, &mut core);
        Self {
            core,
            reports: session.reports,
            runner: Runner::new(),
            clock,
            control,
        }
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
                    over: Some(Err(Fatal::external("the session log writer stopped"))),
                },
            },
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
        let mut next = Some(first);
        let mut n = 0;
        while let Some(r) = next {
            self.core.now = Timestamp::now();
            let applied = self.core.on_report(r);
            if let (Some(c), Some(env)) = (self.control.as_mut(), applied.envelope.as_ref()) {
                c.on_applied(env);
            }
            lines.extend(applied.line);
            refused.extend(applied.refused);
            if let Some(reason) = applied.log_failed {
                return Wake::Applied {
                    lines,
                    refused,
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
            if self.runner.run(effects) {
                return Wake::Applied {
                    lines,
                    refused,
                    over: Some(Ok(())),
                };
            }
            n += 1;
            if n >= DRAIN_PER_WAKE {
                break;
            }
            next = self.reports.try_recv().ok();
        }
        self.runner.plan_checks(&self.core.state, self.core.now);
        Wake::Applied {
            lines,
            refused,
            over: None,
        }
    }

    /// Asks for the end marker (after anything already queued).
    pub fn end(&mut self, reason: &str) -> Result<(), super::core::Rejected> {
        self.core.end(reason)
    }

    /// Stops the sources and lets the writer finish.
    pub async fn finish(mut self) {
        self.core.close_log();
        self.runner.stop().await;
    }
}
