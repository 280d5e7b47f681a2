//! Times and durations as the report writes them: RFC 3339 UTC with milliseconds (the log's
//! own format), and durations that stay exact for short spans ("4.2 s", "3m 05s", "1h 32m").

use jiff::Timestamp;

/// A timestamp as the log writes it.
pub fn iso(t: Timestamp) -> String {
    crate::event::at_format::to_string(&t)
}

/// Seconds from `a` to `b`.
pub fn secs(a: Timestamp, b: Timestamp) -> f64 {
    b.duration_since(a).as_secs_f64()
}

/// Parses a time the report wrote.
pub fn parse(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

/// A duration for people.
pub fn dur(secs: f64) -> String {
    if !secs.is_finite() {
        return "unknown".to_string();
    }
    let neg = if secs < 0.0 { "-" } else { "" };
    let s = secs.abs();
    if s < 60.0 {
        return format!("{neg}{s:.1} s");
    }
    let whole = s.round() as u64;
    let (d, h, m, sec) = (
        whole / 86_400,
        whole % 86_400 / 3_600,
        whole % 3_600 / 60,
        whole % 60,
    );
    match (d, h) {
        (0, 0) => format!("{neg}{m}m {sec:02}s"),
        (0, h) => format!("{neg}{h}h {m:02}m"),
        (d, h) => format!("{neg}{d}d {h}h"),
    }
}

/// The clock time of a report timestamp (`15:04:05`), or the string itself if it does not
/// parse.
pub fn clock(s: &str) -> String {
    parse(s).map_or_else(|| s.to_string(), |t| t.strftime("%H:%M:%S").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(dur(4.24), "4.2 s");
        assert_eq!(dur(185.0), "3m 05s");
        assert_eq!(dur(5_520.0), "1h 32m");
        assert_eq!(dur(90_000.0), "1d 1h");
        assert_eq!(dur(f64::NAN), "unknown");
    }
}
