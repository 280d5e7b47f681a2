//! Query results → [`Reading`]s: per series for instant vectors and scalars, and point series
//! for charts from matrices.
//!
//! The order of checks is fixed so a reading is Unknown for the most basic reason first: an
//! unusable response (error, wrong shape), then no data, then per sample staleness, NaN/±Inf,
//! and finally warnings, which turn a would-be number into `Partial` (RELIABILITY.md rows 4–9).

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::api::{ApiResponse, QueryResult, Sample, Status};
use super::time::PromTime;
use crate::metrics::{Labels, Reading, Unknown};

/// How to read a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A plain value: NaN is `NotANumber`.
    Value,
    /// A ratio (errors / requests): NaN means 0/0, i.e. `NoTraffic`.
    Ratio,
}

/// One series' reading, with what it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The series' labels (empty for scalars and whole-response Unknowns).
    pub labels: Labels,
    /// The sample's timestamp, when there was a sample.
    pub at: Option<PromTime>,
    /// The value string as received, when there was a sample.
    pub raw: Option<String>,
    /// The reading.
    pub reading: Reading,
}

impl Observation {
    /// An observation with no sample behind it.
    pub fn unknown(reason: Unknown) -> Self {
        Self {
            labels: Labels::new(),
            at: None,
            raw: None,
            reading: Reading::Unknown(reason),
        }
    }
}

/// A chart point of a range query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartPoint {
    /// Sample time.
    pub at: PromTime,
    /// Value string as received.
    pub raw: String,
    /// The reading (Unknown points are drawn as gaps).
    pub reading: Reading,
}

/// One series of a range query, for a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSeries {
    /// The series' labels.
    pub labels: Labels,
    /// Points, oldest first.
    pub points: Vec<ChartPoint>,
}

/// The series of a range query and any partial-data warnings that came with them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeResult {
    /// The series (empty when the query matched nothing).
    pub series: Vec<ChartSeries>,
    /// Warnings sent with the result; non-empty means the chart may have holes.
    pub warnings: Vec<String>,
}

/// `start`, `end` and `step` for a range query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeParams {
    /// First evaluation time.
    pub start: PromTime,
    /// Last evaluation time.
    pub end: PromTime,
    /// Resolution.
    pub step: Duration,
}

/// Most points per series Prometheus accepts in a range query (`queryRange`).
const MAX_POINTS: u128 = 11_000;

/// Range-query parameters covering the last `span` before `now` (e.g. 30 minutes when the war
/// room opens), with `step` widened if needed to stay under Prometheus' 11,000-point cap.
pub fn range_for(now: Timestamp, span: Duration, step: Duration) -> RangeParams {
    let end = PromTime::from_timestamp(now);
    let span_ms = i64::try_from(span.as_millis()).unwrap_or(i64::MAX / 2);
    let start = PromTime::from_millis(end.as_millis().saturating_sub(span_ms));
    let mut step = step.max(Duration::from_millis(1));
    if span.as_millis() / step.as_millis().max(1) > MAX_POINTS {
        // Widen to whole seconds so chart points stay on round times.
        let min_step_s = span.as_millis().div_ceil(MAX_POINTS).div_ceil(1000);
        step = Duration::from_secs(u64::try_from(min_step_s).unwrap_or(u64::MAX));
    }
    RangeParams { start, end, step }
}

/// Checks the envelope and returns the query result, or the reason it is unusable.
fn usable(resp: &ApiResponse) -> Result<&QueryResult, Unknown> {
    if resp.status == Status::Error {
        return Err(Unknown::QueryError {
            error_type: resp
                .error_type
                .clone()
                .unwrap_or_else(|| crate::prom::ErrorType::Other("unknown".into())),
            message: resp.error.clone().unwrap_or_default(),
        });
    }
    resp.query()
        .ok_or_else(|| Unknown::Malformed("the response holds no query result".into()))
}

/// One sample → reading: stale, then NaN/±Inf, then warnings.
fn read_sample(
    sample: &Sample,
    expect: Expect,
    now: Timestamp,
    max_age: Duration,
    warnings: &[String],
) -> Reading {
    let raw = sample.value.raw();
    let Some(sample_at) = sample.at.to_timestamp() else {
        return Reading::Unknown(Unknown::Malformed(format!(
            "timestamp {} out of range",
            sample.at
        )));
    };
    let age = now.duration_since(sample_at);
    if age.is_positive() && age.unsigned_abs() > max_age {
        return Reading::Unknown(Unknown::Stale { sample_at, now });
    }
    let reading = match expect {
        Expect::Value => Reading::from_f64(sample.value.value(), raw),
        Expect::Ratio => Reading::from_ratio_f64(sample.value.value(), raw),
    };
    match reading {
        Reading::Value(_) if !warnings.is_empty() => {
            Reading::Unknown(Unknown::Partial(warnings.to_vec()))
        }
        r => r,
    }
}

/// Every series of an instant result (vector or scalar) as an [`Observation`]. `Err` when the
/// whole response is unusable: an error, a matrix or string, or an empty result (`NoData`).
pub fn to_readings(
    resp: &ApiResponse,
    expect: Expect,
    now: Timestamp,
    max_age: Duration,
) -> Result<Vec<Observation>, Unknown> {
    let observe = |labels: &Labels, sample: &Sample| Observation {
        labels: labels.clone(),
        at: Some(sample.at),
        raw: Some(sample.value.raw().to_owned()),
        reading: read_sample(sample, expect, now, max_age, &resp.warnings),
    };
    match usable(resp)? {
        QueryResult::Scalar(s) => Ok(vec![observe(&Labels::new(), s)]),
        QueryResult::Vector(v) if v.is_empty() => Err(Unknown::NoData),
        QueryResult::Vector(v) => Ok(v
            .iter()
            .map(|e| match &e.value {
                Some(s) => observe(&e.metric, s),
                None => Observation {
                    labels: e.metric.clone(),
                    ..Observation::unknown(Unknown::Malformed(
                        "native histogram sample where a float was expected".into(),
                    ))
                },
            })
            .collect()),
        other => Err(Unknown::Malformed(format!(
            "expected an instant vector or scalar, got a {}",
            other.kind()
        ))),
    }
}

/// The single reading of a query that should yield one series (the per-version templates):
/// a scalar or a one-element vector. Zero elements is `NoData`; several is `Malformed`,
/// because picking one would be a guess.
pub fn to_reading(
    resp: &ApiResponse,
    expect: Expect,
    now: Timestamp,
    max_age: Duration,
) -> Observation {
    match to_readings(resp, expect, now, max_age) {
        Err(u) => Observation::unknown(u),
        Ok(mut v) if v.len() == 1 => v.remove(0),
        Ok(v) => Observation::unknown(Unknown::Malformed(format!(
            "expected one series, got {}; aggregate the query (e.g. sum(...))",
            v.len()
        ))),
    }
}

/// Readings keyed by one label's value (e.g. `version` for a `sum by (version)` query). A
/// series without the label is keyed by ""; two series with the same key make that key
/// `Malformed`.
pub fn readings_by_label(
    resp: &ApiResponse,
    label: &str,
    expect: Expect,
    now: Timestamp,
    max_age: Duration,
) -> Result<BTreeMap<String, Observation>, Unknown> {
    let mut out = BTreeMap::new();
    for obs in to_readings(resp, expect, now, max_age)? {
        let key = obs.labels.get(label).cloned().unwrap_or_default();
        if let Some(prev) = out.get_mut(&key) {
            *prev = Observation {
                labels: obs.labels,
                ..Observation::unknown(Unknown::Malformed(format!(
                    "several series have {label}={key:?}"
                )))
            };
        } else {
            out.insert(key, obs);
        }
    }
    Ok(out)
}

/// The series of a matrix result for charts. NaN in a ratio series is a no-traffic gap.
pub fn to_series(resp: &ApiResponse, expect: Expect) -> Result<RangeResult, Unknown> {
    match usable(resp)? {
        QueryResult::Matrix(m) => Ok(RangeResult {
            series: m
                .iter()
                .map(|s| ChartSeries {
                    labels: s.metric.clone(),
                    points: s
                        .values
                        .iter()
                        .flatten()
                        .map(|p| ChartPoint {
                            at: p.at,
                            raw: p.value.raw().to_owned(),
                            reading: match expect {
                                Expect::Value => Reading::from_f64(p.value.value(), p.value.raw()),
                                Expect::Ratio => {
                                    Reading::from_ratio_f64(p.value.value(), p.value.raw())
                                }
                            },
                        })
                        .collect(),
                })
                .collect(),
            warnings: resp.warnings.clone(),
        }),
        other => Err(Unknown::Malformed(format!(
            "expected a matrix, got a {}",
            other.kind()
        ))),
    }
}
