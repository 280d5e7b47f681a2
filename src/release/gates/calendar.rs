//! The deployment window and the change-freeze calendar, read in `[deployment] timezone`
//! (DST-safe through jiff): whether now is inside, and when that changes.

use jiff::civil::{Date, Weekday};
use jiff::{SignedDuration, Timestamp, Zoned};
use serde_json::json;

use super::Eval;
use crate::config::warroom::WarroomConfig;
use crate::event::GateStatus;
use crate::ui::timefmt;

fn short_duration(d: SignedDuration) -> String {
    timefmt::span(d.as_secs())
}

fn zone(cfg: &WarroomConfig) -> jiff::tz::TimeZone {
    cfg.deployment
        .timezone
        .as_ref()
        .map_or(jiff::tz::TimeZone::UTC, |z| z.tz())
}

fn zone_name(cfg: &WarroomConfig) -> String {
    cfg.deployment
        .timezone
        .as_ref()
        .map_or_else(|| "UTC".to_string(), |z| z.0.clone())
}

/// Inside `[gates] window` (days and hours), and for how long.
pub fn window(cfg: &WarroomConfig, now: Timestamp) -> Eval {
    let Some(w) = cfg.gates.window.as_ref() else {
        return (
            GateStatus::NotConfigured,
            "no deployment window configured".to_string(),
            serde_json::Value::Null,
        );
    };
    let tz = zone(cfg);
    let here = now.to_zoned(tz.clone());
    let days: Vec<Weekday> = w.days.iter().map(|d| d.0).collect();
    let spec = format!(
        "{} {}–{} {}",
        days.iter()
            .map(|d| short_day(*d))
            .collect::<Vec<_>>()
            .join(","),
        w.from,
        w.to,
        zone_name(cfg)
    );
    let open_today = |date: Date| -> Option<(Zoned, Zoned)> {
        if !days.contains(&date.weekday()) {
            return None;
        }
        let from = date.to_datetime(w.from.0).to_zoned(tz.clone()).ok()?;
        let to = date.to_datetime(w.to.0).to_zoned(tz.clone()).ok()?;
        Some((from, to))
    };
    let today = here.date();
    let evidence = |closes: Option<&Zoned>, opens: Option<&Zoned>| {
        json!({
            "window": spec,
            "now": here.to_string(),
            "closes": closes.map(|z| z.timestamp().to_string()),
            "opens": opens.map(|z| z.timestamp().to_string()),
        })
    };
    if let Some((from, to)) = open_today(today)
        && from.timestamp() <= now
        && now < to.timestamp()
    {
        let left = to.timestamp().duration_since(now);
        return (
            GateStatus::Pass,
            format!("open ({spec}); closes in {}", short_duration(left)),
            evidence(Some(&to), None),
        );
    }
    // The next opening within two weeks.
    let mut next = None;
    for d in 0..15 {
        let Some(date) = today.checked_add(jiff::Span::new().days(d)).ok() else {
            break;
        };
        if let Some((from, _)) = open_today(date)
            && from.timestamp() > now
        {
            next = Some(from);
            break;
        }
    }
    let why = match &next {
        Some(z) => format!(
            "closed ({spec}); opens {} (in {})",
            z.strftime("%a %H:%M"),
            short_duration(z.timestamp().duration_since(now))
        ),
        None => format!("closed ({spec})"),
    };
    (GateStatus::Fail, why, evidence(None, next.as_ref()))
}

/// Not inside any `[gates] freeze` (dates inclusive, in the deployment's zone).
pub fn freeze(cfg: &WarroomConfig, now: Timestamp) -> Eval {
    if cfg.gates.freeze.is_empty() {
        return (
            GateStatus::NotConfigured,
            "no change freeze configured".to_string(),
            serde_json::Value::Null,
        );
    }
    let today = now.to_zoned(zone(cfg)).date();
    for f in &cfg.gates.freeze {
        if f.from.0 <= today && today <= f.to.0 {
            let reason = if f.reason.is_empty() {
                "change freeze".to_string()
            } else {
                f.reason.clone()
            };
            return (
                GateStatus::Fail,
                format!("frozen {} to {}: {reason}", f.from, f.to),
                json!({ "from": f.from.to_string(), "to": f.to.to_string(), "reason": f.reason, "today": today.to_string() }),
            );
        }
    }
    let upcoming = cfg
        .gates
        .freeze
        .iter()
        .filter(|f| f.from.0 > today)
        .min_by_key(|f| f.from.0);
    let why = match upcoming {
        Some(f) => format!("no freeze today; next {} to {}", f.from, f.to),
        None => "no freeze today".to_string(),
    };
    (
        GateStatus::Pass,
        why,
        json!({ "today": today.to_string(), "freezes": cfg.gates.freeze.len() }),
    )
}

fn short_day(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "Mon",
        Weekday::Tuesday => "Tue",
        Weekday::Wednesday => "Wed",
        Weekday::Thursday => "Thu",
        Weekday::Friday => "Fri",
        Weekday::Saturday => "Sat",
        Weekday::Sunday => "Sun",
    }
}

/// How long until the window closes, if it is open now (for the gates pane's countdown).
pub fn closes_in(cfg: &WarroomConfig, now: Timestamp) -> Option<SignedDuration> {
    let (status, _, evidence) = window(cfg, now);
    if status != GateStatus::Pass {
        return None;
    }
    let closes: Timestamp = evidence.get("closes")?.as_str()?.parse().ok()?;
    Some(closes.duration_since(now))
}
