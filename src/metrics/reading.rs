//! A signal's value: a finite number, or Unknown with the reason why.
//!
//! NaN, ±Inf, an empty result, a stale sample, warnings, query and transport errors all become
//! [`Reading::Unknown`]; nothing here ever turns them into a number that could pass a check.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::prom::ErrorType;

/// A signal value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Reading {
    /// A finite number.
    Value(f64),
    /// No trustworthy number, and why.
    Unknown(Unknown),
}

/// Why a reading is Unknown. Raw values are kept as strings, never coerced (RELIABILITY.md
/// row 5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum Unknown {
    /// The query matched no series (never read as 0 %).
    NoData,
    /// 0/0: a ratio with no traffic in the window.
    NoTraffic {
        /// The raw value(s): `"NaN"` from a ratio query, or `"0/0"` from two readings.
        raw: String,
    },
    /// The value was NaN.
    NotANumber {
        /// The raw string.
        raw: String,
    },
    /// The value was +Inf or -Inf.
    Infinite {
        /// The raw string.
        raw: String,
    },
    /// The newest sample is older than the allowed age.
    Stale {
        /// The sample's timestamp.
        sample_at: Timestamp,
        /// The time of the check.
        now: Timestamp,
    },
    /// The result came with warnings (partial data); the warnings as sent.
    Partial(Vec<String>),
    /// Prometheus refused or failed the query.
    QueryError {
        /// `errorType`.
        error_type: ErrorType,
        /// `error` text.
        message: String,
    },
    /// The source could not be reached.
    Transport(String),
    /// The answer could not be understood.
    Malformed(String),
    /// The answer was over the size cap.
    TooLarge {
        /// Body length in bytes.
        len: u64,
        /// The cap in bytes.
        limit: u64,
    },
    /// A comparison against a baseline had no usable baseline (missing, Unknown or ≤ 0).
    NoBaseline {
        /// The baseline as it was.
        raw: String,
    },
}

impl Reading {
    /// Classifies a number: finite → `Value`; NaN → `NotANumber`; ±Inf → `Infinite`. `raw` is
    /// the string the number came from (kept in the reason).
    pub fn from_f64(value: f64, raw: &str) -> Self {
        if value.is_nan() {
            Self::Unknown(Unknown::NotANumber {
                raw: raw.to_owned(),
            })
        } else if value.is_infinite() {
            Self::Unknown(Unknown::Infinite {
                raw: raw.to_owned(),
            })
        } else {
            Self::Value(value)
        }
    }

    /// Like [`from_f64`](Self::from_f64) for the result of a ratio, where NaN means 0/0: no
    /// traffic (flagger #1098).
    pub fn from_ratio_f64(value: f64, raw: &str) -> Self {
        if value.is_nan() {
            Self::Unknown(Unknown::NoTraffic {
                raw: raw.to_owned(),
            })
        } else {
            Self::from_f64(value, raw)
        }
    }

    /// The number, if known.
    pub fn value(&self) -> Option<f64> {
        match self {
            Self::Value(v) => Some(*v),
            Self::Unknown(_) => None,
        }
    }

    /// The reason, if Unknown.
    pub fn unknown(&self) -> Option<&Unknown> {
        match self {
            Self::Value(_) => None,
            Self::Unknown(u) => Some(u),
        }
    }
}

impl fmt::Display for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Value(v) => write!(f, "{v}"),
            Self::Unknown(u) => write!(f, "unknown: {u}"),
        }
    }
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoData => f.write_str("no data"),
            // The raw value (NaN, 0/0) travels in the sample's `raw`; the reason reads plainly.
            Self::NoTraffic { .. } => f.write_str("no traffic"),
            Self::NotANumber { raw } => write!(f, "not a number ({raw:?})"),
            Self::Infinite { raw } => write!(f, "infinite ({raw:?})"),
            Self::Stale { sample_at, now } => {
                let age = now.duration_since(*sample_at);
                write!(
                    f,
                    "stale: newest sample {}s old (at {sample_at})",
                    age.as_secs()
                )
            }
            Self::Partial(warnings) => write!(f, "partial data: {}", warnings.join("; ")),
            Self::QueryError {
                error_type,
                message,
            } => write!(f, "query error ({error_type}): {message}"),
            Self::Transport(m) => write!(f, "source unreachable: {m}"),
            Self::Malformed(m) => write!(f, "malformed answer: {m}"),
            Self::TooLarge { len, limit } => {
                write!(f, "answer too large ({len} bytes, cap {limit})")
            }
            Self::NoBaseline { raw } => write!(f, "no usable baseline ({raw})"),
        }
    }
}

/// `numerator / denominator` for two readings, e.g. 5xx rate over total rate.
///
/// An Unknown input stays Unknown (the numerator's reason first). `0/0` is
/// `Unknown(NoTraffic)`; `x/0` with `x > 0` is `Unknown(Infinite)`. Queries should add
/// `or vector(0)` to the numerator, so "no 5xx series yet" is 0 and not NoData.
pub fn ratio(numerator: &Reading, denominator: &Reading) -> Reading {
    match (numerator, denominator) {
        (Reading::Unknown(u), _) | (_, Reading::Unknown(u)) => Reading::Unknown(u.clone()),
        (Reading::Value(n), Reading::Value(d)) => {
            let raw = format!("{n}/{d}");
            if *d == 0.0 && *n == 0.0 {
                Reading::Unknown(Unknown::NoTraffic { raw })
            } else {
                Reading::from_ratio_f64(n / d, &raw)
            }
        }
    }
}
