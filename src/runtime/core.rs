//! The core shared by the terminal and headless loops: the state, the reducer, and the rule
//! that a human's event is recorded durably before it is applied.
//!
//! One human event is in flight at a time; intents that arrive meanwhile wait in order and are
//! decided against the state that includes the previous one (two quick presses of `space`
//! tick and then untick, never tick twice).

use std::collections::VecDeque;

use jiff::Timestamp;

use crate::effect::Effect;
use crate::event::{Actor, Envelope, Event};
use crate::reduce::checklist::{Intent, Refusal, decide};
use crate::reduce::reduce;
use crate::release::{self, ReleaseIntent};
use crate::session::Durability;
use crate::session::task::{LogHandle, LogReport, SubmitError};
use crate::state::State;

/// What one writer report did.
#[derive(Debug, Default)]
pub struct Applied {
    /// The line that was applied, exactly as written.
    pub line: Option<String>,
    /// The envelope that was applied.
    pub envelope: Option<Envelope>,
    /// Effects the reducer asked for.
    pub effects: Vec<Effect>,
    /// Queued intents that were refused once their turn came, with the reason.
    pub refused: Vec<String>,
    /// The log failed: nothing more can be recorded.
    pub log_failed: Option<String>,
}

/// State plus the path into the session log.
#[derive(Debug)]
pub struct Core {
    /// The state, written only through `reduce`.
    pub state: State,
    actor: Actor,
    log: Option<LogHandle>,
    /// One flag per event sent and not yet reported back, in order: whether intents must wait
    /// for it (the opening, warnings and every human event do; observed samples will not).
    sent: VecDeque<bool>,
    queued: VecDeque<Pending>,
    ending: bool,
    /// Observations the writer queue could not take yet, oldest first (never dropped).
    held: VecDeque<Event>,
    /// Set when the log has failed; further intents are refused.
    pub log_failed: Option<String>,
    /// The wall clock as the loop last read it: release intents are decided at this time
    /// (bake timers, windows). Not part of the state, so a state rebuilt from the log equals
    /// the live one.
    pub now: Timestamp,
    /// Heads are signed: the end marker waits for the close's signature.
    sign_close: bool,
    /// The end's reason while the close is being signed.
    closing: Option<String>,
}

/// Past this many held observations the loop stops reading from the sources.
pub const HOLD_LIMIT: usize = 1024;

/// Work waiting for the in-flight event to be recorded.
#[derive(Debug)]
enum Pending {
    Intent(Intent),
    Release(ReleaseIntent),
    End(String),
}

/// Why an intent could not be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    /// The checklist rules refused it.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The log cannot take it.
    #[error(transparent)]
    Log(#[from] SubmitError),
    /// The log has failed earlier.
    #[error("the session log failed ({0}); nothing more can be recorded")]
    LogFailed(String),
    /// The release rules refused it (the refusal is recorded too).
    #[error(transparent)]
    Release(#[from] release::Refused),
}

impl Core {
    /// Builds the core from the state rebuilt so far.
    pub fn new(state: State, actor: Actor, log: LogHandle) -> Self {
        Self {
            state,
            actor,
            log: Some(log),
            sent: VecDeque::new(),
            queued: VecDeque::new(),
            ending: false,
            held: VecDeque::new(),
            log_failed: None,
            now: Timestamp::now(),
            sign_close: false,
            closing: None,
        }
    }

    /// Makes the end marker wait for the close's signature (see [`Core::close_head`]).
    pub fn sign_the_close(&mut self) {
        self.sign_close = true;
    }

    /// The head to sign as the close: once the end was asked for and every line before it is
    /// recorded (nothing in flight), the last line's `seq` and `hash`.
    pub fn close_head(&self) -> Option<(u64, String)> {
        if self.closing.is_none() || !self.sent.is_empty() || self.log_failed.is_some() {
            return None;
        }
        Some((self.state.last_seq?, self.state.last_hash.clone()?))
    }

    /// Records the close's signature (or its failure) and, right after it, the end marker.
    pub fn finish_close(&mut self, signed: Event) -> Result<(), Rejected> {
        let Some(reason) = self.closing.take() else {
            return Ok(());
        };
        self.send(signed, Durability::Sync, true)?;
        self.send(Event::SessionEnded { reason }, Durability::Sync, true)
    }

    /// How many observations wait for room in the writer queue; the loop stops taking more
    /// from the sources past `HOLD_LIMIT`, so sources slow down instead of anything dropping.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// The operator.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Whether the session is ending (the end marker is queued or written).
    pub fn is_ending(&self) -> bool {
        self.ending
    }

    /// Records an event the war room itself produced (session start, warnings), synced.
    /// Intents wait for it, so the first tick is decided against the recorded runbook.
    pub fn record_system(&mut self, event: Event) -> Result<(), Rejected> {
        self.send(event, Durability::Sync, true)
    }

    /// Records an observation from a source: group-synced, and intents never wait for it.
    /// Refused (dropped with a reason) only once the session is ending or the log failed.
    pub fn record_observed(&mut self, event: Event) -> Result<(), Rejected> {
        if let Some(reason) = &self.log_failed {
            return Err(Rejected::LogFailed(reason.clone()));
        }
        if self.ending {
            return Err(Refusal::Ended.into());
        }
        self.held.push_back(event);
        self.flush_held()
    }

    fn flush_held(&mut self) -> Result<(), Rejected> {
        let Some(log) = self.log.as_ref() else {
            return Err(SubmitError::Closed.into());
        };
        while let Some(event) = self.held.pop_front() {
            match log.try_record(&self.actor, event, Durability::Group) {
                Ok(()) => self.sent.push_back(false),
                Err((SubmitError::Full, event)) => {
                    self.held.push_front(*event);
                    return Ok(());
                }
                Err((e, _)) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn in_flight(&self) -> bool {
        self.sent.iter().any(|gating| *gating)
    }

    /// Takes an operator's intent: decided now if nothing is in flight, else queued.
    pub fn intent(&mut self, intent: Intent) -> Result<(), Rejected> {
        if let Some(reason) = &self.log_failed {
            return Err(Rejected::LogFailed(reason.clone()));
        }
        if self.ending {
            return Err(Refusal::Ended.into());
        }
        if self.in_flight() {
            self.queued.push_back(Pending::Intent(intent));
            return Ok(());
        }
        let event = decide(&self.state, intent)?;
        self.send(event, Durability::Sync, true)
    }

    /// Takes a release intent (go, approve, shift, rollback…): decided now if nothing is in
    /// flight, else queued. A refusal is recorded as `ActionRefused` and returned.
    pub fn release(&mut self, intent: ReleaseIntent) -> Result<(), Rejected> {
        if let Some(reason) = &self.log_failed {
            return Err(Rejected::LogFailed(reason.clone()));
        }
        if self.ending {
            return Err(Refusal::Ended.into());
        }
        if self.in_flight() {
            self.queued.push_back(Pending::Release(intent));
            return Ok(());
        }
        self.decide_release(intent)
    }

    fn decide_release(&mut self, intent: ReleaseIntent) -> Result<(), Rejected> {
        match release::decide(&self.state, intent, self.now, &self.actor) {
            Ok(d) => {
                let actor = d.actor.unwrap_or_else(|| self.actor.clone());
                self.send_as(&actor, d.event, Durability::Sync, true)
            }
            Err(refused) => {
                let actor = refused
                    .actor
                    .as_deref()
                    .cloned()
                    .unwrap_or_else(|| self.actor.clone());
                self.send_as(&actor, refused.event(), Durability::Sync, true)?;
                Err(refused.into())
            }
        }
    }

    /// Records an event the war room decided by itself (an effect of the reducer, or an
    /// executor's outcome): synced, and intents wait for it.
    pub fn record_decided(&mut self, event: Event) -> Result<(), Rejected> {
        if let Some(reason) = &self.log_failed {
            return Err(Rejected::LogFailed(reason.clone()));
        }
        self.send(event, Durability::Sync, true)
    }

    /// Records the end marker (once), after any intents already waiting; later intents are
    /// refused.
    pub fn end(&mut self, reason: &str) -> Result<(), Rejected> {
        if self.ending {
            return Ok(());
        }
        self.ending = true;
        if self.log_failed.is_some() {
            return Ok(());
        }
        if self.in_flight() || self.state.comms.posting() {
            self.queued.push_back(Pending::End(reason.to_string()));
            return Ok(());
        }
        self.send_end(reason)
    }

    fn send_end(&mut self, reason: &str) -> Result<(), Rejected> {
        // A change still waiting for the API's answer gets its outcome said before the end
        // marker (nothing is recorded after it): unknown, to be read from the cluster.
        if let Some(a) = self.state.release.in_flight() {
            let event = Event::ActionOutcome {
                id: a.id.clone(),
                outcome: crate::event::Outcome::Unknown,
                detail: format!(
                    "the war room stopped ({reason}) before the API's answer to {} was read back;                      what the cluster shows is in the next session's panes",
                    a.action.name()
                ),
                before: None,
                after: None,
                versions: Vec::new(),
                changed_by: None,
            };
            self.send(event, Durability::Sync, true)?;
        }
        if self.sign_close {
            // The end marker follows the close's signature (`finish_close`).
            self.closing = Some(reason.to_string());
            return Ok(());
        }
        self.send(
            Event::SessionEnded {
                reason: reason.to_string(),
            },
            Durability::Sync,
            true,
        )
    }

    fn send(&mut self, event: Event, durability: Durability, gating: bool) -> Result<(), Rejected> {
        let actor = self.actor.clone();
        self.send_as(&actor, event, durability, gating)
    }

    fn send_as(
        &mut self,
        actor: &Actor,
        event: Event,
        durability: Durability,
        gating: bool,
    ) -> Result<(), Rejected> {
        let log = self.log.as_ref().ok_or(SubmitError::Closed)?;
        log.record(actor, event, durability)?;
        self.sent.push_back(gating);
        Ok(())
    }

    /// Applies one report from the writer thread.
    pub fn on_report(&mut self, report: LogReport) -> Applied {
        let mut out = Applied::default();
        match report {
            LogReport::Recorded(rec) => {
                out.effects = reduce(&mut self.state, &rec.envelope);
                self.sent.pop_front();
                if !self.held.is_empty() && !self.ending {
                    let _ = self.flush_held();
                }
                out.line = Some(rec.line);
                out.envelope = Some(rec.envelope);
                self.drain_queue(&mut out);
            }
            LogReport::Failed(reason) => {
                self.log_failed = Some(reason.clone());
                self.sent.clear();
                self.queued.clear();
                out.log_failed = Some(reason);
            }
        }
        out
    }

    fn drain_queue(&mut self, out: &mut Applied) {
        while !self.in_flight() {
            // The end marker waits for the webhook's answer to a post (bounded by the post's
            // timeout), so the log says what came of every update it posted.
            if matches!(self.queued.front(), Some(Pending::End(_))) && self.state.comms.posting() {
                break;
            }
            let Some(next) = self.queued.pop_front() else {
                break;
            };
            let sent = match next {
                Pending::End(reason) => self.send_end(&reason),
                Pending::Intent(i) => match decide(&self.state, i) {
                    Ok(event) => self.send(event, Durability::Sync, true),
                    Err(r) => {
                        out.refused.push(r.to_string());
                        Ok(())
                    }
                },
                Pending::Release(i) => match self.decide_release(i) {
                    Err(Rejected::Release(r)) => {
                        out.refused.push(r.to_string());
                        Ok(())
                    }
                    other => other,
                },
            };
            if let Err(e) = sent {
                out.log_failed = Some(e.to_string());
            }
        }
    }

    /// Closes the path to the writer so its thread can finish.
    pub fn close_log(&mut self) {
        self.log = None;
    }

    /// Records a refusal the control socket made before any rule ran (a peer outside the
    /// session's group), under the actor who attempted it: synced, and intents wait for it.
    pub fn record_refusal_as(&mut self, actor: &Actor, event: Event) -> Result<(), Rejected> {
        if let Some(reason) = &self.log_failed {
            return Err(Rejected::LogFailed(reason.clone()));
        }
        if self.ending {
            return Err(Refusal::Ended.into());
        }
        self.send_as(actor, event, Durability::Sync, true)
    }
}
