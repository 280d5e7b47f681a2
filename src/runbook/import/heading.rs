//! Reading T-offsets out of heading text ("(T-7 days)", "T-0 Day", "T+1 hour") and tidying
//! heading text into stage titles.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::runbook::Offset;

/// `T`, a sign (`+`, `-`, `−`, `–`), a number, then an optional unit. Only this pattern counts:
/// "(30 minutes)" or "(2 hours before)" are durations, not offsets from T-0.
static T_OFFSET: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?:^|[^\p{L}\p{N}_])
        (?P<all>
          T\ ?(?P<sign>[-+−–])\ ?(?P<n>[0-9]{1,6})
          (?:\ ?(?P<unit>(?i:days?|d|hours?|hrs?|h|minutes?|mins?|m|weeks?|w)))?
        )
        (?:$|[^\p{L}\p{N}_])",
    )
    .ok()
});

/// The offset a heading names, and the byte range of the text that named it.
pub fn t_offset(text: &str) -> Option<(Offset, Range<usize>)> {
    let re = T_OFFSET.as_ref()?;
    for caps in re.captures_iter(text) {
        let (Some(all), Some(sign), Some(n)) =
            (caps.name("all"), caps.name("sign"), caps.name("n"))
        else {
            continue;
        };
        let Ok(n) = n.as_str().parse::<i64>() else {
            continue;
        };
        let unit = caps.name("unit").map(|u| u.as_str().to_ascii_lowercase());
        let seconds_per = match unit.as_deref() {
            // A bare number only makes sense for zero: "T-0".
            None if n == 0 => 0,
            None => continue,
            Some(u) if u.starts_with('w') => 7 * 86_400,
            Some(u) if u.starts_with('d') => 86_400,
            Some(u) if u.starts_with('h') => 3_600,
            Some(_) => 60,
        };
        let sign = if sign.as_str() == "+" { 1 } else { -1 };
        return Some((Offset::from_seconds(sign * n * seconds_per), all.range()));
    }
    None
}

/// Collapses runs of whitespace to one space and trims.
pub fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A heading as a stage title: the T-offset dropped when it was written in parentheses
/// ("Code Quality & Testing (T-7 days)" → "Code Quality & Testing"), since the checklist shows
/// the offset anyway. "T-0 Day (Morning)" stays as written.
pub fn title(text: &str) -> String {
    let Some((_, range)) = t_offset(text) else {
        return squash(text);
    };
    let before = text[..range.start].trim_end();
    let after = text[range.end..].trim_start();
    if let (Some(b), Some(a)) = (before.strip_suffix('('), after.strip_prefix(')')) {
        let t = squash(&format!("{b} {a}"));
        if !t.is_empty() {
            return t;
        }
    }
    squash(text)
}

/// The heading text an id is made from: the T-offset words removed (the id leads with the
/// offset instead), e.g. "T-0 Day (Morning)" → "(Morning)".
pub fn id_text(text: &str) -> String {
    match t_offset(text) {
        Some((_, range)) => squash(&format!("{} {}", &text[..range.start], &text[range.end..])),
        None => squash(text),
    }
}

/// The id prefix for a timed stage: `t-7d`, `t0`, `t-plus-1h`.
pub fn offset_prefix(offset: Offset) -> String {
    let s = offset.to_string();
    match s.strip_prefix('+') {
        Some(rest) => format!("t-plus-{rest}"),
        None if s == "0" => "t0".to_string(),
        None => format!("t{s}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn off(text: &str) -> Option<String> {
        t_offset(text).map(|(o, _)| o.to_string())
    }

    #[test]
    fn reads_the_seed_headings() {
        assert_eq!(
            off("1. Code Quality & Testing (T-7 days)").as_deref(),
            Some("-7d")
        );
        assert_eq!(off("3. Database (T-5 days)").as_deref(), Some("-5d"));
        assert_eq!(
            off("11. Deployment Prerequisites (T-1 day)").as_deref(),
            Some("-1d")
        );
        assert_eq!(off("T-0 Day (Morning)").as_deref(), Some("0"));
        assert_eq!(
            off("Immediate Validation (T+0 minutes)").as_deref(),
            Some("0")
        );
        assert_eq!(
            off("Short-Term Validation (T+1 hour)").as_deref(),
            Some("+1h")
        );
        assert_eq!(
            off("Medium-Term Validation (T+4 hours)").as_deref(),
            Some("+4h")
        );
        assert_eq!(
            off("Long-Term Validation (T+24 hours)").as_deref(),
            Some("+24h")
        );
        assert_eq!(off("Freeze (T−2d)").as_deref(), Some("-2d"));
        assert_eq!(off("Prep T–3 days").as_deref(), Some("-3d"));
        assert_eq!(off("Bake (T+30m)").as_deref(), Some("+30m"));
        assert_eq!(off("T-0").as_deref(), Some("0"));
    }

    #[test]
    fn durations_are_not_offsets() {
        for text in [
            "Step 1: Deploy Green Environment (30 minutes)",
            "Pre-Deployment Meeting (2 hours before)",
            "Step 4: Remove Blue Environment (after 24 hours of stability)",
            "Final Validation (1 hour before)",
            "T-5 without a unit",
            "AT-7 days",
            "T-7 daysx",
            "Rollback Procedures",
        ] {
            assert_eq!(off(text), None, "{text}");
        }
    }

    #[test]
    fn titles_and_id_text() {
        assert_eq!(
            title("1. Code Quality & Testing (T-7 days)"),
            "1. Code Quality & Testing"
        );
        assert_eq!(title("T-0 Day (Morning)"), "T-0 Day (Morning)");
        assert_eq!(title("(T-7 days)"), "(T-7 days)");
        assert_eq!(id_text("T-0 Day (Morning)"), "(Morning)");
        assert_eq!(offset_prefix("-7d".parse().expect("offset")), "t-7d");
        assert_eq!(offset_prefix("0".parse().expect("offset")), "t0");
        assert_eq!(offset_prefix("+24h".parse().expect("offset")), "t-plus-24h");
    }
}
