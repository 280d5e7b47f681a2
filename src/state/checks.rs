//! What the checks of checklist items have shown: each item's latest recorded evaluation, the
//! run of passes it is in, the pass that proved it, and whether an operator trusted it.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::{ItemKey, Stamp};
use crate::event::CheckResult;

/// Every check's state, and whether command checks may run at all.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Checks {
    /// The war room runs with `--trust-runbook` (recorded as `RunbookTrusted`).
    pub runbook_trusted: bool,
    /// Per item with a check that was trusted or evaluated.
    pub items: BTreeMap<ItemKey, CheckState>,
}

/// One item's check.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CheckState {
    /// Who trusted it and when (a proposed check, or a command check's argv).
    pub trusted: Option<Stamp>,
    /// The latest recorded evaluation.
    pub last: Option<Evaluation>,
    /// When the current run of recorded passes began (`None` unless the latest is a pass).
    pub since: Option<Timestamp>,
    /// The recorded pass that proved the item; once proven it stays proven, like a tick.
    pub proof: Option<Evaluation>,
    /// Evaluations recorded.
    pub recorded: u64,
}

/// One recorded evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Pass, fail or unknown.
    pub result: CheckResult,
    /// What was measured.
    pub value: Option<String>,
    /// Why it failed or is unknown.
    pub reason: Option<String>,
    /// When it was evaluated.
    pub at: Timestamp,
}

impl Checks {
    /// The state of an item's check, if anything happened to it.
    pub fn get(&self, stage: &str, item: &str) -> Option<&CheckState> {
        self.items.get(&ItemKey::new(stage, item))
    }

    /// Whether a recorded pass proved the item.
    pub fn is_proven(&self, stage: &str, item: &str) -> bool {
        self.get(stage, item).is_some_and(|c| c.proof.is_some())
    }
}
