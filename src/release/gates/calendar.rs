//! The deployment window and the change-freeze calendar, read in `[deployment] timezone`:
//! whether now is inside, and when that changes. Wall-clock times (10:00, midnight) are turned
//! into instants per day through jiff, so a window or a freeze keeps its local hours across a
//! DST change, and the countdowns are real time ("opens Tue 10:00 (in 2d 3h)").

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, Timestamp, Zoned};
use serde_json::json;

use super::{Eval, not_configured};
use crate::config::warroom::{Freeze, WarroomConfig, Window};
use crate::event::GateStatus;
use crate::ui::timefmt;

/// How far ahead the next opening of a window is looked for.
const LOOKAHEAD_DAYS: i64 = 14;

fn zone(cfg: &WarroomConfig) -> TimeZone {
    cfg.deployment
        .timezone
        .as_ref()
        .map_or(TimeZone::UTC, |z| z.tz())
}

fn zone_name(cfg: &WarroomConfig) -> String {
    cfg.deployment
        .timezone
        .as_ref()
        .map_or_else(|| "UTC".to_string(), |z| z.0.clone())
}

fn until(from: Timestamp, to: Timestamp) -> String {
    timefmt::span(to.duration_since(from).as_secs().max(0))
}

/// The window's open interval on `date`, if the window opens that day. A time that does not
/// exist that day (a DST gap) moves forward by the gap; one that exists twice (a DST fold)
/// is its first occurrence.
fn open_on(w: &Window, tz: &TimeZone, date: Date) -> Option<(Zoned, Zoned)> {
    if !w.days.iter().any(|d| d.0 == date.weekday()) {
        return None;
    }
    let from = date.to_datetime(w.from.0).to_zoned(tz.clone()).ok()?;
    let to = date.to_datetime(w.to.0).to_zoned(tz.clone()).ok()?;
    Some((from, to))
}

fn days_after(date: Date, n: i64) -> Option<Date> {
    date.checked_add(Span::new().days(n)).ok()
}

/// `Tue–Thu 10:00–14:00 Europe/Berlin`.
fn describe(w: &Window, cfg: &WarroomConfig) -> String {
    format!("{} {}–{} {}", days_text(w), w.from, w.to, zone_name(cfg))
}

/// The interval the window is open now, if it is.
fn open_now(w: &Window, tz: &TimeZone, now: Timestamp) -> Option<(Zoned, Zoned)> {
    let today = now.to_zoned(tz.clone()).date();
    open_on(w, tz, today).filter(|(from, to)| from.timestamp() <= now && now < to.timestamp())
}

/// The next time the window opens after `now`, within two weeks.
fn next_open(w: &Window, tz: &TimeZone, now: Timestamp) -> Option<Zoned> {
    let today = now.to_zoned(tz.clone()).date();
    (0..=LOOKAHEAD_DAYS)
        .filter_map(|d| days_after(today, d))
        .filter_map(|date| open_on(w, tz, date))
        .map(|(from, _)| from)
        .find(|from| from.timestamp() > now)
}

/// Inside `[gates] window` (days and hours), and for how long.
pub fn window(cfg: &WarroomConfig, now: Timestamp) -> Eval {
    let Some(w) = cfg.gates.window.as_ref() else {
        return not_configured("no deployment window configured");
    };
    let tz = zone(cfg);
    let spec = describe(w, cfg);
    let here = now.to_zoned(tz.clone());
    if let Some((_, to)) = open_now(w, &tz, now) {
        return (
            GateStatus::Pass,
            format!("open ({spec}); closes in {}", until(now, to.timestamp())),
            json!({ "window": spec, "now": here.to_string(), "closes": to.timestamp().to_string() }),
        );
    }
    let next = next_open(w, &tz, now);
    let why = match &next {
        Some(z) => format!(
            "closed ({spec}); opens {} (in {})",
            z.strftime("%a %H:%M"),
            until(now, z.timestamp())
        ),
        None => format!("closed ({spec})"),
    };
    let opens = next.map(|z| z.timestamp().to_string());
    (
        GateStatus::Fail,
        why,
        json!({ "window": spec, "now": here.to_string(), "opens": opens }),
    )
}

/// How long until the window closes, if it is open now (the gates pane's countdown).
pub fn closes_in(cfg: &WarroomConfig, now: Timestamp) -> Option<SignedDuration> {
    let w = cfg.gates.window.as_ref()?;
    let (_, to) = open_now(w, &zone(cfg), now)?;
    Some(to.timestamp().duration_since(now))
}

/// When the window next opens, if it is closed now and opens within two weeks.
pub fn next_opening(cfg: &WarroomConfig, now: Timestamp) -> Option<Zoned> {
    let w = cfg.gates.window.as_ref()?;
    let tz = zone(cfg);
    if open_now(w, &tz, now).is_some() {
        return None;
    }
    next_open(w, &tz, now)
}

fn reason(f: &Freeze) -> &str {
    if f.reason.trim().is_empty() {
        "change freeze"
    } else {
        f.reason.trim()
    }
}

/// Not inside any `[gates] freeze`: whole days, `from` to `to` inclusive, each day starting at
/// midnight in the deployment's zone (not UTC's).
pub fn freeze(cfg: &WarroomConfig, now: Timestamp) -> Eval {
    let freezes = &cfg.gates.freeze;
    if freezes.is_empty() {
        return not_configured("no change freeze configured");
    }
    let tz = zone(cfg);
    let today = now.to_zoned(tz.clone()).date();
    if let Some(f) = freezes
        .iter()
        .find(|f| f.from.0 <= today && today <= f.to.0)
    {
        // Freezes back to back (or overlapping) lift together.
        let mut last = f.to.0;
        while let Some(next) =
            days_after(last, 1).and_then(|d| freezes.iter().find(|g| g.from.0 <= d && d <= g.to.0))
        {
            last = next.to.0;
        }
        let lifts = days_after(last, 1).and_then(|d| d.to_zoned(tz.clone()).ok());
        let lift_text = lifts.as_ref().map_or_else(String::new, |z| {
            format!(
                "; lifts {} (in {})",
                z.strftime("%a %Y-%m-%d %H:%M"),
                until(now, z.timestamp())
            )
        });
        return (
            GateStatus::Fail,
            format!("frozen {} to {}: {}{lift_text}", f.from, f.to, reason(f)),
            json!({
                "from": f.from.to_string(),
                "to": f.to.to_string(),
                "reason": f.reason,
                "today": today.to_string(),
                "zone": zone_name(cfg),
                "lifts": lifts.map(|z| z.timestamp().to_string()),
            }),
        );
    }
    let upcoming = freezes
        .iter()
        .filter(|f| f.from.0 > today)
        .min_by_key(|f| f.from.0);
    let why = match upcoming {
        Some(f) => {
            let starts = f.from.0.to_zoned(tz.clone()).ok();
            let when = starts.map_or_else(String::new, |z| {
                format!(" (in {})", until(now, z.timestamp()))
            });
            format!(
                "no freeze now; next {} from {} to {}{when}",
                reason(f),
                f.from,
                f.to
            )
        }
        None => "no freeze now or ahead".to_string(),
    };
    (
        GateStatus::Pass,
        why,
        json!({ "today": today.to_string(), "zone": zone_name(cfg), "freezes": freezes.len() }),
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

/// The window's days as people write them: `Tue–Thu`, `Mon,Wed,Fri`, `Mon–Wed,Fri`, `daily`.
fn days_text(w: &Window) -> String {
    let on = |n: i8| w.days.iter().any(|d| d.0.to_monday_one_offset() == n);
    if (1..=7).all(on) {
        return "daily".to_string();
    }
    let mut runs: Vec<(i8, i8)> = Vec::new();
    for n in (1..=7).filter(|n| on(*n)) {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == n => *end = n,
            _ => runs.push((n, n)),
        }
    }
    let name = |n: i8| {
        Weekday::from_monday_one_offset(n)
            .map(short_day)
            .unwrap_or("?")
    };
    runs.iter()
        .map(|&(a, b)| match b - a {
            0 => name(a).to_string(),
            1 => format!("{},{}", name(a), name(b)),
            _ => format!("{}–{}", name(a), name(b)),
        })
        .collect::<Vec<_>>()
        .join(",")
}
