//! Applying recorded counters to the canary verdict: each `CountsObserved` is one poll, the
//! increase of both versions' counters since their previous recorded reading. The evidence
//! starts over with each bake window (a go, a step, a step back), so the verdict on screen is
//! about the traffic split in place now; a rollback keeps the window that led to it.

use crate::event::{Envelope, Event};
use crate::release::plan::Sides;
use crate::state::State;
use crate::state::release::Phase;
use crate::state::verdict::WindowKey;
use crate::verdict::monitor::{Monitor, Side};

/// Applies a `CountsObserved` (other events leave the verdict alone).
pub fn apply(state: &mut State, env: &Envelope) {
    let Event::CountsObserved { counts, .. } = &env.event else {
        return;
    };
    let Some(cfg) = state.config.as_deref() else {
        return;
    };
    let sides = Sides::of(cfg);
    let alpha = cfg.auto_rollback.alpha;
    let (Some(candidate), Some(stable)) = (sides.candidate, sides.stable) else {
        return;
    };
    let key = WindowKey {
        round: state.release.go_round(),
        since: state.release.plan.since,
    };
    // After a rollback the candidate serves nothing: the window that led to it stays on
    // screen (its evidence is the why) until the next go starts a new one.
    let rolled_back =
        state.release.phase == Phase::RolledBack && state.verdict.window.round == key.round;
    let v = &mut state.verdict;
    v.counted = true;
    if v.window != key && !rolled_back {
        // A new bake window: the evidence of the last one says nothing about this split.
        v.window = key;
        v.weight = state.release.plan.weight;
        v.first_poll = None;
        v.last_poll = None;
        v.monitor = Monitor::new(alpha);
    }
    let find = |name: &str| counts.iter().find(|r| r.version == name);
    let (c, s) = (find(&candidate), find(&stable));
    let (pc, ps) = (v.last.get(&candidate), v.last.get(&stable));
    // The session's first reading has nothing to be differenced against: it is no poll.
    if pc.is_some() || ps.is_some() {
        v.monitor
            .observe(Side { prev: pc, cur: c }, Side { prev: ps, cur: s });
        v.first_poll.get_or_insert(env.at);
        v.last_poll = Some(env.at);
    }
    for row in [c, s].into_iter().flatten() {
        v.last.insert(row.version.clone(), row.clone());
    }
}
