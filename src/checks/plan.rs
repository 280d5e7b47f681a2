//! Which checks run now, decided from the state: those of the current stage and of the untimed
//! stages that follow it (the execution steps and validations of the day, written between two
//! timed stages), that an operator may let run.

use jiff::Timestamp;

use crate::reduce::checklist::current_stage;
use crate::reduce::checks::{Readiness, readiness};
use crate::runbook::check::Spec;
use crate::state::{ItemKey, State};

/// A check to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// Stage id.
    pub stage: String,
    /// Item id.
    pub item: String,
    /// What to evaluate.
    pub spec: Spec,
}

/// The stages whose checks run at `now`: the current one and the untimed stages right after it.
pub fn window(state: &State, now: Timestamp) -> std::ops::Range<usize> {
    let stages = &state.runbook.stages;
    let Some(start) = current_stage(state, now) else {
        return 0..0;
    };
    let end = stages
        .iter()
        .enumerate()
        .skip(start + 1)
        .find(|(_, s)| s.offset.is_some())
        .map_or(stages.len(), |(i, _)| i);
    start..end
}

/// The items whose checks run at `now`, in runbook order: cheap enough for every turn of the
/// loop (no check is parsed), so [`plan`] is only built when this changes.
pub fn plan_keys(state: &State, now: Timestamp) -> Vec<ItemKey> {
    let mut out = Vec::new();
    if state.ended.is_some() {
        return out;
    }
    for stage in &state.runbook.stages[window(state, now)] {
        for item in stage.items.iter().filter(|i| i.check.is_some()) {
            if readiness(state, &stage.id, &item.id) == Some(Readiness::Runs) {
                out.push(ItemKey::new(&stage.id, &item.id));
            }
        }
    }
    out
}

/// The checks to evaluate at `now`, in runbook order.
pub fn plan(state: &State, now: Timestamp) -> Vec<Planned> {
    plan_keys(state, now)
        .into_iter()
        .filter_map(|k| {
            let check = state.runbook.item(&k.stage, &k.item)?.check.as_ref()?;
            // A runbook that passed `check` always has valid checks; a recorded one that does
            // not is left alone rather than guessed at.
            let spec = check.spec().ok()?;
            Some(Planned {
                stage: k.stage,
                item: k.item,
                spec,
            })
        })
        .collect()
}
