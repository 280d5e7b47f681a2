//! Threshold checks with three outcomes: Pass, Fail, Unknown (RELIABILITY.md rule 1).
//!
//! Unknown stays Unknown: unlike a template with only a failure condition (Argo's
//! `result > 0.05` passes on NaN), no input that is not a finite number can Pass here.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::reading::{Reading, Unknown};

/// The result of checking a reading against a threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "reason", rename_all = "snake_case")]
pub enum Outcome {
    /// The value is within the threshold.
    Pass,
    /// The value breaches the threshold.
    Fail,
    /// The value is not known, and why; never promotion.
    Unknown(Unknown),
}

/// A limit a value must respect.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    /// Pass while `value <= limit` (error ratio, latency).
    AtMost(f64),
    /// Pass while `value >= limit` (throughput floor, success ratio).
    AtLeast(f64),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pass => f.write_str("pass"),
            Self::Fail => f.write_str("fail"),
            Self::Unknown(u) => write!(f, "unknown: {u}"),
        }
    }
}

/// Checks a reading against a threshold. A non-finite threshold (a config bug) is Unknown too.
pub fn evaluate(reading: &Reading, threshold: Threshold) -> Outcome {
    let value = match reading {
        Reading::Unknown(u) => return Outcome::Unknown(u.clone()),
        // `Reading::Value` is finite by construction, but a hand-built one may not be.
        Reading::Value(v) if !v.is_finite() => {
            return Outcome::Unknown(Unknown::NotANumber { raw: v.to_string() });
        }
        Reading::Value(v) => *v,
    };
    let (limit, pass) = match threshold {
        Threshold::AtMost(l) => (l, value <= l),
        Threshold::AtLeast(l) => (l, value >= l),
    };
    if !limit.is_finite() {
        return Outcome::Unknown(Unknown::Malformed(format!(
            "threshold {limit} is not finite"
        )));
    }
    if pass { Outcome::Pass } else { Outcome::Fail }
}

/// "current must stay at most `max_factor` × baseline" (e.g. p99 ≤ 2× the stable version's).
/// A missing, Unknown, zero or negative baseline makes the check Unknown, so a missing baseline
/// can never cause a divide-by-zero rollback (RELIABILITY.md row 10).
pub fn evaluate_vs_baseline(current: &Reading, baseline: &Reading, max_factor: f64) -> Outcome {
    match baseline {
        Reading::Unknown(u) => Outcome::Unknown(Unknown::NoBaseline { raw: u.to_string() }),
        Reading::Value(b) if !(b.is_finite() && *b > 0.0) => {
            Outcome::Unknown(Unknown::NoBaseline { raw: b.to_string() })
        }
        Reading::Value(b) => evaluate(current, Threshold::AtMost(b * max_factor)),
    }
}
