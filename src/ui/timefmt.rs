//! Times as the panes show them: spans ("2d 4h"), T-0 countdowns ("T-2d 03:12:05", "T+0h 12m"),
//! stage starts ("in 2d 4h", "started 3h ago") and clock times in the operator's zone.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::runbook::Offset;

/// An offset as teams say it: `T-7d`, `T-0`, `T+1h`.
pub fn offset(off: Offset) -> String {
    if off.seconds == 0 {
        "T-0".to_string()
    } else {
        format!("T{off}")
    }
}

/// A length of time in at most two units: `2d 4h`, `3h 12m`, `12m`, `45s`.
pub fn span(secs: i64) -> String {
    let s = secs.unsigned_abs();
    let (d, h, m) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, 0) => format!("{h}h"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, 0, _) => format!("{d}d"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

/// A length of time in its largest unit only, for table columns: `45s`, `52m`, `3d` (as
/// kubectl's AGE column).
pub fn short_span(secs: i64) -> String {
    span(secs).split(' ').next().unwrap_or_default().to_string()
}

/// The countdown to T-0 before it (`T-2d 03:12:05`, `T-00:04:59`), time since after it
/// (`T+0h 12m`).
pub fn countdown(t0: Timestamp, now: Timestamp) -> String {
    let left = t0.as_second() - now.as_second();
    if left > 0 {
        let l = left.unsigned_abs();
        let (d, h, m, s) = (l / 86_400, l % 86_400 / 3_600, l % 3_600 / 60, l % 60);
        if d > 0 {
            format!("T-{d}d {h:02}:{m:02}:{s:02}")
        } else {
            format!("T-{h:02}:{m:02}:{s:02}")
        }
    } else {
        let e = left.unsigned_abs();
        format!("T+{}h {:02}m", e / 3_600, e % 3_600 / 60)
    }
}

/// When a stage starts, relative to now: `in 2d 4h`, `started 3h ago`.
pub fn relative(start: Timestamp, now: Timestamp) -> String {
    let d = start.as_second() - now.as_second();
    if d > 0 {
        format!("in {}", span(d))
    } else if d > -60 {
        "starting now".to_string()
    } else {
        format!("started {} ago", span(d))
    }
}

/// A clock time for a row: `14:05` on the same day as `now`, `11-20 14:05` otherwise.
pub fn clock(at: Timestamp, tz: &TimeZone, now: Timestamp) -> String {
    let t = tz.to_datetime(at);
    if t.date() == tz.to_datetime(now).date() {
        format!("{:02}:{:02}", t.hour(), t.minute())
    } else {
        format!(
            "{:02}-{:02} {:02}:{:02}",
            t.month(),
            t.day(),
            t.hour(),
            t.minute()
        )
    }
}

/// A clock time with seconds, for the events pane.
pub fn clock_secs(at: Timestamp, tz: &TimeZone) -> String {
    let t = tz.to_datetime(at);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// A full date and time with the zone, for T-0 in the header: `2026-11-24 15:00 UTC`.
pub fn full(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn spans_use_two_units() {
        assert_eq!(span(45), "45s");
        assert_eq!(span(12 * 60), "12m");
        assert_eq!(span(3 * 3_600), "3h");
        assert_eq!(span(3 * 3_600 + 12 * 60), "3h 12m");
        assert_eq!(span(2 * 86_400 + 4 * 3_600 + 59), "2d 4h");
        assert_eq!(span(-7 * 86_400), "7d");
        assert_eq!(short_span(2 * 86_400 + 4 * 3_600), "2d");
        assert_eq!(short_span(52 * 60 + 10), "52m");
    }

    #[test]
    fn countdown_before_and_after_t0() {
        let t0 = ts("2026-11-24T15:00:00Z");
        assert_eq!(countdown(t0, ts("2026-11-22T11:47:55Z")), "T-2d 03:12:05");
        assert_eq!(countdown(t0, ts("2026-11-24T14:55:01Z")), "T-00:04:59");
        assert_eq!(countdown(t0, t0), "T+0h 00m");
        assert_eq!(countdown(t0, ts("2026-11-24T15:12:30Z")), "T+0h 12m");
        assert_eq!(countdown(t0, ts("2026-11-25T17:00:00Z")), "T+26h 00m");
    }

    #[test]
    fn relative_and_clock() {
        let now = ts("2026-11-23T17:30:00Z");
        assert_eq!(relative(ts("2026-11-25T21:30:00Z"), now), "in 2d 4h");
        assert_eq!(relative(ts("2026-11-23T14:30:00Z"), now), "started 3h ago");
        assert_eq!(relative(now, now), "starting now");
        let utc = TimeZone::UTC;
        assert_eq!(clock(ts("2026-11-23T14:05:00Z"), &utc, now), "14:05");
        assert_eq!(clock(ts("2026-11-17T09:00:00Z"), &utc, now), "11-17 09:00");
        assert_eq!(
            full(ts("2026-11-24T15:00:00Z"), &utc),
            "2026-11-24 15:00 UTC"
        );
    }
}
