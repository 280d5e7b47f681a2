//! Offsets from T-0 such as `-7d`, `0`, `+1h`, `+24h`, `+30m`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A signed offset from T-0, in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Offset {
    /// Seconds after T-0 (negative: before).
    pub seconds: i64,
}

/// Why an offset string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an offset from T-0; write e.g. -7d, -2h, 0, +30m, +1h, +24h")]
pub struct OffsetError(pub String);

impl Offset {
    /// Builds an offset from days, hours, minutes.
    pub const fn from_seconds(seconds: i64) -> Self {
        Self { seconds }
    }

    /// The offset as a jiff signed duration.
    pub fn as_duration(self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_secs(self.seconds)
    }
}

impl FromStr for Offset {
    type Err = OffsetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let err = || OffsetError(s.to_string());
        if t == "0" || t == "+0" || t == "-0" {
            return Ok(Self::from_seconds(0));
        }
        let (sign, rest) = match t.as_bytes().first() {
            Some(b'+') => (1, &t[1..]),
            Some(b'-') => (-1, &t[1..]),
            _ => (1, t),
        };
        let unit_at = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
        let (num, unit) = rest.split_at(unit_at);
        let n: i64 = num.parse().map_err(|_| err())?;
        let mult = match unit {
            "d" => 86_400,
            "h" => 3_600,
            "m" => 60,
            "s" => 1,
            _ => return Err(err()),
        };
        n.checked_mul(mult)
            .and_then(|v| v.checked_mul(sign))
            .map(Self::from_seconds)
            .ok_or_else(err)
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seconds;
        if s == 0 {
            return f.write_str("0");
        }
        let sign = if s < 0 { '-' } else { '+' };
        let a = s.unsigned_abs();
        // Before T-0 teams count in days; after it in hours (T+24h reads better than T+1d).
        let days_fit = a.is_multiple_of(86_400) && (s < 0 || a > 72 * 3_600);
        let (n, unit) = if days_fit {
            (a / 86_400, 'd')
        } else if a.is_multiple_of(3_600) {
            (a / 3_600, 'h')
        } else if a.is_multiple_of(60) {
            (a / 60, 'm')
        } else {
            (a, 's')
        };
        write!(f, "{sign}{n}{unit}")
    }
}

impl Serialize for Offset {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Offset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor rather than an untagged enum, so a wrong type gets a message that says
        // what an offset looks like. A bare integer 0 is accepted too, since `offset = 0` is
        // the natural way to write T-0.
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Offset;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an offset from T-0 such as \"-7d\", \"0\" or \"+1h\"")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Offset, E> {
                s.parse().map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, i: i64) -> Result<Offset, E> {
                if i == 0 {
                    Ok(Offset::from_seconds(0))
                } else {
                    Err(E::custom(OffsetError(i.to_string())))
                }
            }
            fn visit_u64<E: serde::de::Error>(self, i: u64) -> Result<Offset, E> {
                if i == 0 {
                    Ok(Offset::from_seconds(0))
                } else {
                    Err(E::custom(OffsetError(i.to_string())))
                }
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_round_trip() {
        for (s, secs, back) in [
            ("-7d", -7 * 86_400, "-7d"),
            ("0", 0, "0"),
            ("+0", 0, "0"),
            ("+1h", 3_600, "+1h"),
            ("+24h", 86_400, "+24h"),
            ("+7d", 7 * 86_400, "+7d"),
            ("+30m", 1_800, "+30m"),
            ("2h", 7_200, "+2h"),
        ] {
            let o: Offset = s.parse().expect(s);
            assert_eq!(o.seconds, secs, "{s}");
            assert_eq!(o.to_string(), back);
        }
    }

    #[test]
    fn rejects_garbage() {
        for s in ["", "d", "-7x", "7 days", "--1d", "+"] {
            assert!(s.parse::<Offset>().is_err(), "{s}");
        }
    }
}
