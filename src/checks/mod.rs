//! The checks source: evaluates the checks of the checklist's current items every poll
//! interval, off the render loop, each under its own timeout, and sends what it found as
//! `CheckEvaluated` events to be recorded.
//!
//! Which checks run is decided from the state (`plan`): the current stage and the untimed
//! stages after it, minus proposals nobody accepted and commands nobody trusted. The loop
//! hands the plan over a watch channel whenever it changes; the source never reads the state.
//!
//! Evaluations are recorded when the result or its reason changes, when a check with `for`
//! has passed for that long, and at least once a minute otherwise (`reduce::checks`), which
//! keeps the log bounded while showing a check kept passing.

mod command;
mod eval;
mod kube;
mod plan;
mod source;

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use crate::config::warroom::WarroomConfig;
use crate::event::CheckResult;
use crate::sources::PrometheusSpec;
use crate::sources::kube::KubeSpec;

pub use eval::Evaluator;
pub use plan::{Planned, plan, plan_keys};
pub use source::{Memory, run};

/// Time between evaluation rounds.
pub const INTERVAL: Duration = Duration::from_secs(10);

/// Cap on an HTTP check's body and on each output stream of a command.
pub const MAX_BODY_BYTES: u64 = 64 * 1024;

/// Where the time of an evaluation comes from (tests move it by hand).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The wall clock.
pub fn wall_clock() -> Clock {
    Arc::new(Timestamp::now)
}

/// What the checks source needs: where Prometheus and the cluster are, and how often to run.
#[derive(Clone)]
pub struct ChecksSpec {
    /// Time between rounds.
    pub interval: Duration,
    /// The Prometheus that `promql` checks query (`[prometheus]` of warroom.toml).
    pub prometheus: Option<PrometheusSpec>,
    /// The cluster that `kube` checks read (`[kubernetes]` of warroom.toml).
    pub kube: Option<KubeSpec>,
    /// The time of each round.
    pub clock: Clock,
}

impl std::fmt::Debug for ChecksSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChecksSpec")
            .field("interval", &self.interval)
            .field(
                "prometheus",
                &self.prometheus.as_ref().map(|p| p.url.as_str()),
            )
            .field("kube", &self.kube.as_ref().map(|k| k.namespace.as_str()))
            .finish_non_exhaustive()
    }
}

impl ChecksSpec {
    /// The spec for a session's config (none: only http and command checks can run).
    pub fn from_config(cfg: Option<&WarroomConfig>) -> Self {
        let specs = cfg.map(crate::sources::specs).unwrap_or_default();
        Self {
            interval: INTERVAL,
            prometheus: specs.prometheus,
            kube: specs.kube,
            clock: wall_clock(),
        }
    }
}

/// What one evaluation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Pass, fail or unknown.
    pub result: CheckResult,
    /// What was measured, as shown.
    pub value: Option<String>,
    /// Why it failed or is unknown.
    pub reason: Option<String>,
}

impl Outcome {
    /// The condition held.
    pub fn pass(value: impl Into<String>) -> Self {
        Self {
            result: CheckResult::Pass,
            value: Some(value.into()),
            reason: None,
        }
    }

    /// The condition did not hold, and why.
    pub fn fail(value: Option<String>, reason: impl Into<String>) -> Self {
        Self {
            result: CheckResult::Fail,
            value,
            reason: Some(reason.into()),
        }
    }

    /// It could not be told, and why.
    pub fn unknown(reason: impl Into<String>) -> Self {
        Self {
            result: CheckResult::Unknown,
            value: None,
            reason: Some(reason.into()),
        }
    }
}
