//! Checks of checklist items in the reducer: recorded evaluations, the runs of passes a `for`
//! needs, the pass that proves an item, and trusting a check.
//!
//! Only recorded evaluations count: a run of passes is measured between their `at`s, so a
//! state rebuilt from the log proves exactly the items the live war room proved.

use jiff::{SignedDuration, Timestamp};

use super::checklist::{Refusal, resolve};
use crate::event::{CheckResult, Envelope, Event};
use crate::runbook::Runbook;
use crate::state::checks::{CheckState, Evaluation};
use crate::state::{ItemKey, Stamp, State};

/// While a check is evaluated, an unchanged result is still recorded this often, so the log
/// shows it kept passing.
pub const HEARTBEAT: SignedDuration = SignedDuration::from_secs(60);

/// Two recorded passes further apart than this are not one run: the check was not watched in
/// between (the war room stopped, or its stage was not current).
pub const MAX_GAP: SignedDuration = SignedDuration::from_secs(120);

/// Applies a check event; true when it is news for the events pane (a heartbeat that repeats
/// the latest result is not).
pub fn apply(state: &mut State, env: &Envelope) -> bool {
    match &env.event {
        Event::CheckEvaluated {
            stage,
            item,
            result,
            value,
            reason,
            at,
        } => {
            let hold = hold_of(&state.runbook, stage, item);
            let c = state
                .checks
                .items
                .entry(ItemKey::new(stage, item))
                .or_default();
            let eval = Evaluation {
                result: *result,
                value: value.clone(),
                reason: reason.clone(),
                at: *at,
            };
            let news = c
                .last
                .as_ref()
                .is_none_or(|l| l.result != eval.result || l.reason != eval.reason)
                || (c.proof.is_none() && proves(c, &eval, hold));
            record(c, eval, hold);
            news
        }
        Event::CheckTrusted { stage, item, .. } => {
            let c = state
                .checks
                .items
                .entry(ItemKey::new(stage, item))
                .or_default();
            c.trusted = Some(Stamp {
                by: env.actor.clone(),
                at: env.at,
            });
            true
        }
        Event::RunbookTrusted {} => {
            state.checks.runbook_trusted = true;
            true
        }
        _ => false,
    }
}

/// How long the item's check must keep passing (zero: one pass proves it).
fn hold_of(rb: &Runbook, stage: &str, item: &str) -> SignedDuration {
    rb.item(stage, item)
        .and_then(|i| i.check.as_ref())
        .and_then(|c| c.spec().ok())
        .and_then(|s| s.hold)
        .and_then(|h| SignedDuration::try_from(h).ok())
        .unwrap_or(SignedDuration::ZERO)
}

/// The start of the run of passes `eval` belongs to: the latest's run when `eval` follows a
/// recorded pass closely enough, else `eval` itself.
fn run_start(c: &CheckState, eval: &Evaluation) -> Option<Timestamp> {
    if eval.result != CheckResult::Pass {
        return None;
    }
    let continues = c.last.as_ref().is_some_and(|l| {
        l.result == CheckResult::Pass && eval.at >= l.at && eval.at.duration_since(l.at) <= MAX_GAP
    });
    match (continues, c.since) {
        (true, Some(since)) => Some(since),
        _ => Some(eval.at),
    }
}

fn proves(c: &CheckState, eval: &Evaluation, hold: SignedDuration) -> bool {
    run_start(c, eval).is_some_and(|since| eval.at.duration_since(since) >= hold)
}

fn record(c: &mut CheckState, eval: Evaluation, hold: SignedDuration) {
    let since = run_start(c, &eval);
    if c.proof.is_none() && since.is_some_and(|s| eval.at.duration_since(s) >= hold) {
        c.proof = Some(eval.clone());
    }
    c.since = since;
    c.last = Some(eval);
    c.recorded += 1;
}

/// A resumed war room watched nothing while it was away: every run of passes starts again,
/// command checks must be trusted again (by a war room started with `--trust-runbook`).
pub fn on_resume(state: &mut State) {
    state.checks.runbook_trusted = false;
    let rb = &state.runbook;
    for (key, c) in &mut state.checks.items {
        c.since = None;
        let command = rb
            .item(&key.stage, &key.item)
            .and_then(|i| i.check.as_ref())
            .is_some_and(|k| k.is_command());
        if command {
            c.trusted = None;
        }
    }
}

/// How far along a check with `for` is at `now`: (passing for, needed), when it is in a run.
pub fn progress(
    state: &State,
    stage: &str,
    item: &str,
) -> Option<(SignedDuration, SignedDuration)> {
    let c = state.checks.get(stage, item)?;
    let since = c.since?;
    let last = c.last.as_ref()?;
    let hold = hold_of(&state.runbook, stage, item);
    Some((
        last.at.duration_since(since).max(SignedDuration::ZERO),
        hold,
    ))
}

/// Whether an item's check may be evaluated now, or what it waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// It runs.
    Runs,
    /// A proposed check an operator has not accepted.
    Proposed,
    /// A command check in a war room started without `--trust-runbook`.
    NeedsTrustFlag,
    /// A command check whose argv no operator has allowed yet.
    NeedsTrust,
}

/// Whether the item's check may run: proposals need accepting, commands need
/// `--trust-runbook` and then each its own yes.
pub fn readiness(state: &State, stage: &str, item: &str) -> Option<Readiness> {
    let check = state.runbook.item(stage, item)?.check.as_ref()?;
    let trusted = state
        .checks
        .get(stage, item)
        .is_some_and(|c| c.trusted.is_some());
    Some(if check.is_command() {
        if !state.checks.runbook_trusted {
            Readiness::NeedsTrustFlag
        } else if !trusted {
            Readiness::NeedsTrust
        } else {
            Readiness::Runs
        }
    } else if check.proposed && !trusted {
        Readiness::Proposed
    } else {
        Readiness::Runs
    })
}

/// Turns "trust this item's check" into the event to record, or the reason not to.
pub fn decide_trust(state: &State, stage: &str, item: &str) -> Result<Event, Refusal> {
    let stage = resolve(&state.runbook, stage, item)?;
    let refuse = |reason: String| Err(Refusal::Check { reason });
    let Some(check) = state
        .runbook
        .item(&stage, item)
        .and_then(|i| i.check.as_ref())
    else {
        return refuse(format!("'{stage}/{item}' has no check to trust"));
    };
    match readiness(state, &stage, item) {
        Some(Readiness::NeedsTrustFlag) => refuse(format!(
            "'{stage}/{item}' runs {:?}: command checks run only in a war room started with \
             --trust-runbook",
            check.argv()
        )),
        Some(Readiness::Runs) if check.is_command() || check.proposed => {
            refuse(format!("the check of '{stage}/{item}' is already trusted"))
        }
        Some(Readiness::Runs) | None => refuse(format!(
            "the check of '{stage}/{item}' runs without trust (it is not a proposal or a command)"
        )),
        Some(Readiness::Proposed | Readiness::NeedsTrust) => Ok(Event::CheckTrusted {
            stage,
            item: item.to_string(),
            argv: check.argv().to_vec(),
        }),
    }
}

/// One line for the events pane.
pub fn summarize(state: &State, event: &Event) -> Option<String> {
    Some(match event {
        Event::CheckEvaluated {
            stage,
            item,
            result,
            value,
            reason,
            ..
        } => {
            let mut s = format!("check {stage}/{item}: {}", result.word());
            if let Some(v) = value {
                s.push_str(&format!(" ({v})"));
            }
            if let Some(r) = reason {
                s.push_str(&format!(": {r}"));
            }
            // Applied before the line is made: the proof is this evaluation when they agree.
            let proved_now = state.checks.get(stage, item).is_some_and(|c| {
                c.proof
                    .as_ref()
                    .zip(c.last.as_ref())
                    .is_some_and(|(p, l)| p.at == l.at)
            });
            if proved_now {
                s.push_str(" — proven");
            }
            s
        }
        Event::CheckTrusted { stage, item, argv } if argv.is_empty() => {
            format!("accepted the check of {stage}/{item}")
        }
        Event::CheckTrusted { stage, item, argv } => {
            format!("trusted the command of {stage}/{item}: {argv:?}")
        }
        Event::RunbookTrusted {} => {
            "runbook trusted (--trust-runbook): command checks run once each is trusted".into()
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
