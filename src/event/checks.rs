//! Wire types of checklist checks: the result of one evaluation.

use serde::{Deserialize, Serialize};

/// What one evaluation of a check found. Missing, NaN, stale or unreachable data is Unknown,
/// never a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    /// The condition held.
    Pass,
    /// The condition did not hold.
    Fail,
    /// It could not be told (the source is down, the answer was empty, NaN, stale…).
    Unknown,
}

impl CheckResult {
    /// The word shown and logged: `pass`, `fail`, `unknown`.
    pub fn word(self) -> &'static str {
        match self {
            CheckResult::Pass => "pass",
            CheckResult::Fail => "fail",
            CheckResult::Unknown => "unknown",
        }
    }
}
