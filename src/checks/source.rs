//! The checks source's loop: a round of evaluations every interval (and at once when the plan
//! changes), all of a round's checks at the same time, and only what is worth recording sent.

use std::collections::HashMap;
use std::time::Duration;

use futures::future::join_all;
use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;
use tokio::time::{MissedTickBehavior, interval};
use tokio_util::sync::CancellationToken;

use super::{ChecksSpec, Evaluator, Outcome, Planned};
use crate::event::{CheckResult, Event};
use crate::reduce::checks::{HEARTBEAT, MAX_GAP};
use crate::sources::Sink;

/// What the source remembers of one item's recorded evaluations, to tell what is worth
/// recording. It follows the reducer's rules (`reduce::checks`), so the evaluation that
/// completes a `for` is always recorded, not left for the next heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memory {
    last: Option<(CheckResult, Option<String>, Timestamp)>,
    since: Option<Timestamp>,
    proved: bool,
}

impl Memory {
    /// Whether `o`, evaluated at `at`, should be recorded (and if so, remembers it): the first
    /// evaluation, a new result or reason, a minute since the last record, or the pass that
    /// completes `hold`.
    pub fn note(&mut self, o: &Outcome, at: Timestamp, hold: Option<Duration>) -> bool {
        let hold = hold
            .and_then(|h| SignedDuration::try_from(h).ok())
            .unwrap_or(SignedDuration::ZERO);
        let changed = self
            .last
            .as_ref()
            .is_none_or(|(r, why, _)| *r != o.result || *why != o.reason);
        let due = self
            .last
            .as_ref()
            .is_some_and(|(_, _, t)| at.duration_since(*t) >= HEARTBEAT);
        let pass = o.result == CheckResult::Pass;
        let since = pass.then(|| {
            let continues = self.last.as_ref().is_some_and(|(r, _, t)| {
                *r == CheckResult::Pass && at >= *t && at.duration_since(*t) <= MAX_GAP
            });
            match (continues, self.since) {
                (true, Some(s)) => s,
                _ => at,
            }
        });
        let held = since.is_some_and(|s| at.duration_since(s) >= hold);
        let proves = held && !self.proved;
        if !(changed || due || proves) {
            return false;
        }
        self.last = Some((o.result, o.reason.clone(), at));
        self.since = since;
        self.proved |= held;
        true
    }
}

/// Runs the checks source until `cancel` fires or the sink or the plan's sender closes.
pub async fn run(
    spec: ChecksSpec,
    mut plan: watch::Receiver<Vec<Planned>>,
    sink: Sink,
    cancel: CancellationToken,
) {
    let evaluator = Evaluator::new(&spec);
    let mut memory: HashMap<(String, String), Memory> = HashMap::new();
    let mut ticker = interval(spec.interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = ticker.tick() => {}
            changed = plan.changed() => if changed.is_err() { return },
        }
        let planned = plan.borrow_and_update().clone();
        // An item that left the plan starts afresh when it comes back.
        memory.retain(|(s, i), _| planned.iter().any(|p| &p.stage == s && &p.item == i));
        if planned.is_empty() {
            continue;
        }
        let at = (spec.clock)();
        let round = join_all(planned.iter().map(|p| evaluator.evaluate(&p.spec, at)));
        let outcomes = tokio::select! {
            () = cancel.cancelled() => return,
            o = round => o,
        };
        for (p, o) in planned.iter().zip(outcomes) {
            let m = memory.entry((p.stage.clone(), p.item.clone())).or_default();
            if !m.note(&o, at, p.spec.hold) {
                continue;
            }
            let event = Event::CheckEvaluated {
                stage: p.stage.clone(),
                item: p.item.clone(),
                result: o.result,
                value: o.value,
                reason: o.reason,
                at,
            };
            if sink.send(event).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64, sec: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + min * 60 + sec).expect("ts")
    }

    #[test]
    fn only_changes_heartbeats_and_the_proving_pass_are_recorded() {
        let mut m = Memory::default();
        let hold = Some(Duration::from_secs(270));
        let pass = Outcome::pass("0.001");
        let unknown = Outcome::unknown("no data");
        let mut recorded = Vec::new();
        // Every 10 s for 7 minutes: unknown for the first minute, then passing.
        for n in 0..42 {
            let t = at(0, n * 10);
            let o = if n < 6 { &unknown } else { &pass };
            if m.note(o, t, hold) {
                recorded.push(n * 10);
            }
        }
        // The first evaluation, the change to pass at 60 s, heartbeats a minute apart, the
        // pass at 330 s that completes 4m30s, and a minute after it the next heartbeat.
        assert_eq!(recorded, vec![0, 60, 120, 180, 240, 300, 330, 390]);
    }

    #[test]
    fn a_new_reason_is_a_change_but_a_new_value_is_not() {
        let mut m = Memory::default();
        let fail = |v: &str| Outcome::fail(Some(v.into()), "not < 0.1");
        assert!(m.note(&fail("0.2"), at(0, 0), None));
        assert!(!m.note(&fail("0.3"), at(0, 10), None));
        assert!(m.note(&Outcome::unknown("connection refused"), at(0, 20), None));
        assert!(!m.note(&Outcome::unknown("connection refused"), at(0, 30), None));
        assert!(m.note(&Outcome::unknown("connection refused"), at(1, 20), None));
    }
}
