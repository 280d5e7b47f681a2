//! Pure conversions from readings to the recorded `Sample`s, shared by the Prometheus and
//! direct-scrape sources.

use crate::event::{Sample, Signal};
use crate::metrics::{Reading, Unknown, VersionSignals};

/// Significant digits kept in recorded values: plenty for a chart or a threshold, and it keeps
/// `0.10714285714285714` from costing 19 bytes per sample in a 24-hour log.
pub const SIGNIFICANT_DIGITS: usize = 6;

/// `v` rounded to [`SIGNIFICANT_DIGITS`] (non-finite values are returned as they are).
pub fn round_significant(v: f64) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    // Going through decimal text rounds exactly as printing would.
    format!("{v:.*e}", SIGNIFICANT_DIGITS - 1)
        .parse()
        .unwrap_or(v)
}

/// A reading as a sample. An Unknown keeps its reason (`metrics::Unknown`'s wording) and, when
/// a raw value came with it (`"NaN"`, `"+Inf"`, a value made partial by warnings), that raw
/// string.
pub fn to_sample(signal: Signal, version: &str, reading: &Reading, raw: Option<&str>) -> Sample {
    match reading {
        Reading::Value(v) => Sample::known(signal, version, round_significant(*v)),
        Reading::Unknown(u) => unknown_sample(signal, version, u, raw),
    }
}

/// An Unknown reading as a sample.
pub fn unknown_sample(signal: Signal, version: &str, u: &Unknown, raw: Option<&str>) -> Sample {
    Sample {
        raw: raw.map(str::to_owned),
        ..Sample::unknown(signal, version, u.to_string())
    }
}

/// The five signals of one version as samples, in `Signal::ALL` order.
pub fn version_samples(version: &str, s: &VersionSignals) -> Vec<Sample> {
    Signal::ALL
        .iter()
        .map(|&signal| {
            let r = match signal {
                Signal::ErrorRatio => &s.error_ratio,
                Signal::LatencyP50 => &s.latency_p50,
                Signal::LatencyP95 => &s.latency_p95,
                Signal::LatencyP99 => &s.latency_p99,
                Signal::Throughput => &s.throughput,
            };
            let raw = match r.unknown() {
                Some(
                    Unknown::NotANumber { raw }
                    | Unknown::Infinite { raw }
                    | Unknown::NoTraffic { raw },
                ) => Some(raw.as_str()),
                _ => None,
            };
            to_sample(signal, version, r, raw)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_significant_digits() {
        assert_eq!(round_significant(0.10714285714285714), 0.107143);
        assert_eq!(round_significant(1234567.0), 1234570.0);
        assert_eq!(round_significant(0.000123456789), 0.000123457);
        assert_eq!(round_significant(0.0), 0.0);
        assert!(round_significant(f64::NAN).is_nan());
    }

    #[test]
    fn unknown_keeps_reason_and_raw() {
        let r = Reading::from_ratio_f64(f64::NAN, "NaN");
        let s = to_sample(Signal::ErrorRatio, "green", &r, Some("NaN"));
        assert_eq!(s.value, None);
        assert_eq!(s.unknown.as_deref(), Some("no traffic"));
        assert_eq!(s.raw.as_deref(), Some("NaN"));
    }
}
