//! The gates before go (seed 001's mandatory checks): each evaluated from the state, the config
//! and the clock into a status, a one-line why and its evidence. Pure: gates that need I/O
//! (staging verification, a scan report) arrive as recorded `GateObserved` events, judged by
//! the same functions (`observed`) the gates source uses.
//!
//! Unknown is never a pass (RELIABILITY rule 1): a gate whose data is missing, stale or from a
//! source that is down says so and blocks like a failure. A gate whose table is not in the
//! config is `NotConfigured` and lets the release through.

mod calendar;
mod image;
mod live;
pub mod observed;
mod people;

use jiff::Timestamp;

use crate::config::warroom::WarroomConfig;
use crate::event::{DecisionRef, GateId, GateResult, GateStatus};
use crate::state::State;

pub use calendar::{closes_in, freeze, next_opening, window};
pub use image::{digest_of, image};
pub use people::counted_approvals;

/// Evaluates every gate for `decision` at `now`, in the order of [`GateId::ALL`]. `decider` is
/// the operator who would decide (their own approval never counts).
pub fn evaluate(
    state: &State,
    cfg: &WarroomConfig,
    now: Timestamp,
    decision: &DecisionRef,
    decider: &str,
) -> Vec<GateResult> {
    GateId::ALL
        .into_iter()
        .map(|gate| {
            let (status, why, evidence) = match gate {
                GateId::StagingVerified | GateId::StagingSoak | GateId::Vulnerabilities => {
                    observed::recorded(state, cfg, gate, now)
                }
                GateId::ImageImmutable => image(state, cfg),
                GateId::Window => window(cfg, now),
                GateId::Freeze => freeze(cfg, now),
                GateId::RollbackTarget => live::rollback_target(state, cfg, now),
                GateId::NoFiringAlerts => live::alerts(state, cfg, now),
                GateId::SloHealthy => live::slo(state, cfg, now),
                GateId::Checklist => people::checklist(state),
                GateId::Approvals => people::approvals(state, cfg, decision, decider),
            };
            GateResult {
                gate,
                status,
                hard: is_hard(cfg, gate),
                why,
                evidence,
            }
        })
        .collect()
}

/// Whether a gate blocks go when it does not pass: every gate not listed in `[gates] advisory`.
pub fn is_hard(cfg: &WarroomConfig, gate: GateId) -> bool {
    !cfg.gates.advisory.iter().any(|a| a == gate.name())
}

/// A gate's status, its one-line why and the evidence behind it.
pub type Eval = (GateStatus, String, serde_json::Value);

fn not_configured(why: impl Into<String>) -> Eval {
    (
        GateStatus::NotConfigured,
        why.into(),
        serde_json::Value::Null,
    )
}

fn unknown(why: impl Into<String>) -> Eval {
    (GateStatus::Unknown, why.into(), serde_json::Value::Null)
}

#[cfg(test)]
mod tests;
