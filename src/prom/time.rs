//! Sample timestamps as Prometheus keeps them: integer milliseconds since the Unix epoch.
//!
//! On the wire a timestamp is a JSON number of seconds with up to three decimals
//! (`1795450159.831`). Holding milliseconds as an integer keeps window arithmetic exact, the way
//! PromQL does it (`enh.Ts`, `durationMilliseconds`), and lets a response round-trip unchanged.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Prometheus timestamp: milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PromTime(i64);

impl PromTime {
    /// From milliseconds since the epoch.
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// From (fractional) seconds as found in API JSON, rounded to the millisecond the way
    /// Prometheus parses its `time` parameters. `None` for non-finite or out-of-range input.
    pub fn from_seconds_f64(seconds: f64) -> Option<Self> {
        let ms = (seconds * 1000.0).round();
        // i64 covers ±292 million years; anything beyond is not a timestamp.
        if ms.is_finite() && ms.abs() < 9.0e15 {
            #[allow(clippy::cast_possible_truncation)] // bounded just above
            Some(Self(ms as i64))
        } else {
            None
        }
    }

    /// Seconds since the epoch as a float (what the API writes).
    pub fn as_seconds_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// From a jiff timestamp (truncated to the millisecond).
    pub fn from_timestamp(t: jiff::Timestamp) -> Self {
        Self(t.as_millisecond())
    }

    /// As a jiff timestamp; `None` if outside jiff's range (years -9999..=9999).
    pub fn to_timestamp(self) -> Option<jiff::Timestamp> {
        jiff::Timestamp::from_millisecond(self.0).ok()
    }

    /// The value for a `time`, `start` or `end` query parameter (`1795450159.831`).
    pub fn to_param(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for PromTime {
    /// Seconds with up to three decimals and trailing zeros dropped, as Prometheus writes them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (secs, ms) = (abs / 1000, abs % 1000);
        if ms == 0 {
            write!(f, "{sign}{secs}")
        } else {
            let frac = format!("{ms:03}");
            write!(f, "{sign}{secs}.{}", frac.trim_end_matches('0'))
        }
    }
}

impl Serialize for PromTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Prometheus writes whole seconds without a decimal point (Go `FormatFloat(…, 'f', -1)`).
        if self.0 % 1000 == 0 {
            s.serialize_i64(self.0 / 1000)
        } else {
            s.serialize_f64(self.as_seconds_f64())
        }
    }
}

impl<'de> Deserialize<'de> for PromTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let seconds = f64::deserialize(d)?;
        Self::from_seconds_f64(seconds)
            .ok_or_else(|| serde::de::Error::custom(format!("timestamp {seconds} is out of range")))
    }
}

/// Serialises an `f64` the way Go's JSON encoders do: integral values without a decimal point,
/// so a response re-encoded by the simulator has the same shape as the one Prometheus sent.
pub(crate) fn serialize_go_float<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 1.0e15 {
        #[allow(clippy::cast_possible_truncation)] // integral and bounded just above
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

/// [`serialize_go_float`] for optional fields.
pub(crate) fn serialize_go_float_opt<S: Serializer>(
    v: &Option<f64>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => serialize_go_float(v, s),
        None => s.serialize_none(),
    }
}
