//! Reading a time typed after `g` (or given as `--at`): a time of day or a date and time in the
//! operator's zone, an RFC 3339 timestamp, or a step from where the replay is.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// What the prompt says it takes.
pub const FORMS: &str = "14:05, 14:05:30, 2026-11-24 14:05, 2026-11-24T14:05:00Z, +10m, -1h30m";

/// Reads `text` as a time: `HH:MM[:SS]` on the day the replay is at (in `tz`), `YYYY-MM-DD
/// HH:MM[:SS]` in `tz`, RFC 3339 (`…Z`, `…+01:00`, or `…[Europe/Berlin]`), or `+D`/`-D`
/// (e.g. `+10m`, `-1h30m`) from `position`.
pub fn parse(text: &str, tz: &TimeZone, position: Timestamp) -> Result<Timestamp, String> {
    let t = text.trim();
    let bad = || format!("'{t}' is not a time; write one of {FORMS}");
    if t.is_empty() {
        return Err(bad());
    }
    if let Some(rest) = t.strip_prefix('+').or_else(|| t.strip_prefix('-')) {
        let d: crate::config::warroom::Duration = rest.parse().map_err(|_| bad())?;
        let d = SignedDuration::try_from(d.0).map_err(|_| bad())?;
        let d = if t.starts_with('-') { -d } else { d };
        return position.checked_add(d).map_err(|_| bad());
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Ok(z) = t.parse::<jiff::Zoned>() {
        return Ok(z.timestamp());
    }
    let civil = t.replacen(' ', "T", 1);
    if let Ok(dt) = civil.parse::<DateTime>() {
        return dt
            .to_zoned(tz.clone())
            .map(|z| z.timestamp())
            .map_err(|e| format!("'{t}': {e}"));
    }
    if let Ok(time) = t.parse::<Time>() {
        let day: Date = position.to_zoned(tz.clone()).date();
        return day
            .to_datetime(time)
            .to_zoned(tz.clone())
            .map(|z| z.timestamp())
            .map_err(|e| format!("'{t}': {e}"));
    }
    Err(bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("ts")
    }

    #[test]
    fn every_form_reads() {
        let pos = ts("2026-11-24T15:30:00Z");
        let utc = TimeZone::UTC;
        assert_eq!(parse("14:05", &utc, pos), Ok(ts("2026-11-24T14:05:00Z")));
        assert_eq!(parse("14:05:30", &utc, pos), Ok(ts("2026-11-24T14:05:30Z")));
        assert_eq!(
            parse("2026-11-23 09:00", &utc, pos),
            Ok(ts("2026-11-23T09:00:00Z"))
        );
        assert_eq!(
            parse("2026-11-24T15:01:02+01:00", &utc, pos),
            Ok(ts("2026-11-24T14:01:02Z"))
        );
        assert_eq!(parse("+10m", &utc, pos), Ok(ts("2026-11-24T15:40:00Z")));
        assert_eq!(parse("-1h30m", &utc, pos), Ok(ts("2026-11-24T14:00:00Z")));
    }

    #[test]
    fn times_of_day_are_read_in_the_operators_zone() {
        let berlin = TimeZone::get("Europe/Berlin").expect("tzdb");
        let pos = ts("2026-11-24T15:30:00Z");
        assert_eq!(parse("14:05", &berlin, pos), Ok(ts("2026-11-24T13:05:00Z")));
        assert_eq!(
            parse("2026-11-24T10:00[America/New_York]", &berlin, pos),
            Ok(ts("2026-11-24T15:00:00Z"))
        );
    }

    #[test]
    fn nonsense_says_what_is_accepted() {
        let e = parse("tomorrow", &TimeZone::UTC, ts("2026-11-24T15:30:00Z")).expect_err("refused");
        assert!(e.contains("14:05"), "{e}");
        assert!(parse("", &TimeZone::UTC, Timestamp::UNIX_EPOCH).is_err());
        assert!(parse("+soon", &TimeZone::UTC, Timestamp::UNIX_EPOCH).is_err());
    }
}
