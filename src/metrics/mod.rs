//! Source-independent signal values and the direct-scrape engine.
//!
//! - [`reading`] and [`outcome`]: the three-outcome model every source feeds (RELIABILITY.md
//!   rule 1): a [`Reading`] is a number or `Unknown(reason)`, and a threshold check is Pass, Fail
//!   or Unknown, never a healthy-looking number made up from NaN, ±Inf, nothing, or stale data.
//! - [`exposition`]: the Prometheus text format parser for `/metrics`.
//! - [`history`], [`mod@rate`], [`quantile`], [`signal`]: counter history from successive scrapes
//!   and PromQL-faithful `rate`, `increase`, `sum by` and `histogram_quantile` over it, giving
//!   the same per-version signals a Prometheus would.

pub mod counters;
pub mod exposition;
pub mod history;
pub mod outcome;
pub mod quantile;
pub mod rate;
pub mod reading;
pub mod signal;

use std::collections::BTreeMap;

/// A label set: name → value, sorted by name like Prometheus' own `labels.Labels`.
pub type Labels = BTreeMap<String, String>;

pub use exposition::{ExpoSample, Exposition, LineError, MetricType, parse_exposition};
pub use history::{DEFAULT_MAX_SERIES, History, IngestStats, Point, Pushed, SeriesKey};
pub use outcome::{Outcome, Threshold, evaluate, evaluate_vs_baseline};
pub use quantile::{Bucket, bucket_quantile, histogram_quantile};
pub use rate::{delta, extrapolated_rate, increase, rate, select_range, sum_by};
pub use reading::{Reading, Unknown, ratio};
pub use signal::{SignalConfig, VersionSignals, derive_signals};
