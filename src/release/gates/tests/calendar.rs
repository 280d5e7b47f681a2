//! The window and the freeze at fixed instants, in zones with DST changes.

use super::*;

fn windowed(zone: &str, window: &str) -> WarroomConfig {
    cfg(
        &format!("timezone = \"{zone}\""),
        &format!("[gates]\nwindow = {window}"),
    )
}

fn tue_thu(zone: &str) -> WarroomConfig {
    windowed(
        zone,
        r#"{ days = ["Tue", "Wed", "Thu"], from = "10:00", to = "14:00" }"#,
    )
}

#[test]
fn inside_the_window_it_passes_and_counts_down_to_the_close() {
    let c = tue_thu("Europe/Berlin");
    // Tue 2026-11-24 11:00 in Berlin (CET, UTC+1).
    let now = ts("2026-11-24T10:00:00Z");
    let (status, why, evidence) = window(&c, now);
    assert_eq!(status, GateStatus::Pass);
    assert_eq!(
        why,
        "open (Tue–Thu 10:00–14:00 Europe/Berlin); closes in 3h"
    );
    assert_eq!(evidence["closes"], "2026-11-24T13:00:00Z");
    assert_eq!(closes_in(&c, now).map(|d| d.as_secs()), Some(3 * 3600));
    assert!(next_opening(&c, now).is_none());
}

#[test]
fn outside_the_window_it_fails_and_says_when_it_opens() {
    let c = tue_thu("Europe/Berlin");
    // Sun 2026-11-22 07:00 in Berlin.
    let now = ts("2026-11-22T06:00:00Z");
    let (status, why, evidence) = window(&c, now);
    assert_eq!(status, GateStatus::Fail);
    assert_eq!(
        why,
        "closed (Tue–Thu 10:00–14:00 Europe/Berlin); opens Tue 10:00 (in 2d 3h)"
    );
    assert_eq!(evidence["opens"], "2026-11-24T09:00:00Z");
    assert_eq!(closes_in(&c, now), None);
    // At 14:00 sharp the window is closed; it opens again the next morning.
    let (status, why, _) = window(&c, ts("2026-11-24T13:00:00Z"));
    assert_eq!(status, GateStatus::Fail);
    assert!(why.ends_with("opens Wed 10:00 (in 20h)"), "{why}");
    // Before the opening on an allowed day.
    let (_, why, _) = window(&c, ts("2026-11-24T08:15:00Z"));
    assert!(why.ends_with("opens Tue 10:00 (in 45m)"), "{why}");
}

#[test]
fn the_countdown_is_real_time_across_the_spring_dst_change_in_berlin() {
    let c = tue_thu("Europe/Berlin");
    // Sat 2026-03-28 10:00 CET; clocks go forward on Sun 03-29, so Tue 10:00 CEST is one
    // hour less than three days away.
    let (_, why, evidence) = window(&c, ts("2026-03-28T09:00:00Z"));
    assert!(why.ends_with("opens Tue 10:00 (in 2d 23h)"), "{why}");
    assert_eq!(evidence["opens"], "2026-03-31T08:00:00Z");
    // The window keeps its local hours after the change: 10:00–14:00 CEST is 08:00–12:00 UTC.
    let (status, _, _) = window(&c, ts("2026-03-31T08:00:00Z"));
    assert_eq!(status, GateStatus::Pass);
    assert_eq!(
        closes_in(&c, ts("2026-03-31T11:30:00Z")).map(|d| d.as_secs()),
        Some(30 * 60)
    );
}

#[test]
fn the_countdown_is_real_time_across_the_autumn_dst_change_in_new_york() {
    let c = tue_thu("America/New_York");
    // Sat 2026-10-31 10:00 EDT; clocks go back on Sun 11-01, so Tue 10:00 EST is an hour
    // more than three days away.
    let (_, why, evidence) = window(&c, ts("2026-10-31T14:00:00Z"));
    assert!(why.ends_with("opens Tue 10:00 (in 3d 1h)"), "{why}");
    assert_eq!(evidence["opens"], "2026-11-03T15:00:00Z");
}

#[test]
fn a_window_on_the_night_clocks_go_back_is_an_hour_longer() {
    let c = windowed(
        "America/New_York",
        r#"{ days = ["Sun"], from = "00:00", to = "04:00" }"#,
    );
    // 01:30 happens twice on 2026-11-01: first in EDT (05:30Z), then in EST (06:30Z); the
    // window closes at 04:00 EST (09:00Z) either way.
    assert_eq!(
        closes_in(&c, ts("2026-11-01T05:30:00Z")).map(|d| d.as_secs()),
        Some(3 * 3600 + 1800)
    );
    assert_eq!(
        closes_in(&c, ts("2026-11-01T06:30:00Z")).map(|d| d.as_secs()),
        Some(2 * 3600 + 1800)
    );
    let (_, why, _) = window(&c, ts("2026-11-01T04:00:00Z"));
    assert!(why.ends_with("closes in 5h"), "{why}");
}

#[test]
fn day_lists_read_as_people_write_them() {
    let c = windowed(
        "UTC",
        r#"{ days = ["Fri", "Mon", "Wed", "Tue"], from = "09:00", to = "17:00" }"#,
    );
    let (_, why, _) = window(&c, ts("2026-11-24T10:00:00Z"));
    assert!(
        why.starts_with("open (Mon–Wed,Fri 09:00–17:00 UTC)"),
        "{why}"
    );
    let every = windowed(
        "UTC",
        r#"{ days = ["Mon","Tue","Wed","Thu","Fri","Sat","Sun"], from = "00:00", to = "23:59" }"#,
    );
    let (_, why, _) = window(&every, ts("2026-11-24T10:00:00Z"));
    assert!(why.starts_with("open (daily 00:00–23:59 UTC)"), "{why}");
}

#[test]
fn no_window_and_no_freeze_are_not_configured() {
    let c = cfg("", "");
    let now = ts("2026-11-24T10:00:00Z");
    assert_eq!(window(&c, now).0, GateStatus::NotConfigured);
    assert_eq!(freeze(&c, now).0, GateStatus::NotConfigured);
    assert_eq!(closes_in(&c, now), None);
}

fn frozen(zone: &str, freezes: &str) -> WarroomConfig {
    cfg(
        &format!("timezone = \"{zone}\""),
        &format!("[gates]\nfreeze = {freezes}"),
    )
}

const BLACK_FRIDAY: &str =
    r#"[{ from = "2026-11-26", to = "2026-11-30", reason = "Black Friday" }]"#;

#[test]
fn a_freeze_ends_at_midnight_in_the_zone_not_in_utc() {
    let ny = frozen("America/New_York", BLACK_FRIDAY);
    // 2026-12-01 03:00 UTC is still Mon 11-30 22:00 in New York: frozen.
    let (status, why, evidence) = freeze(&ny, ts("2026-12-01T03:00:00Z"));
    assert_eq!(status, GateStatus::Fail);
    assert_eq!(
        why,
        "frozen 2026-11-26 to 2026-11-30: Black Friday; lifts Tue 2026-12-01 00:00 (in 2h)"
    );
    assert_eq!(evidence["today"], "2026-11-30");
    assert_eq!(evidence["lifts"], "2026-12-01T05:00:00Z");
    // Read in UTC the same instant is already past the freeze.
    let utc = frozen("UTC", BLACK_FRIDAY);
    assert_eq!(freeze(&utc, ts("2026-12-01T03:00:00Z")).0, GateStatus::Pass);
    // Half an hour after midnight in New York it has lifted.
    let (status, why, _) = freeze(&ny, ts("2026-12-01T05:30:00Z"));
    assert_eq!(status, GateStatus::Pass);
    assert_eq!(why, "no freeze now or ahead");
}

#[test]
fn a_freeze_starts_at_midnight_in_the_zone() {
    let ny = frozen("America/New_York", BLACK_FRIDAY);
    // Wed 11-25 23:30 in New York (04:30 UTC on the 26th, already frozen in UTC).
    let (status, why, _) = freeze(&ny, ts("2026-11-26T04:30:00Z"));
    assert_eq!(status, GateStatus::Pass);
    assert_eq!(
        why,
        "no freeze now; next Black Friday from 2026-11-26 to 2026-11-30 (in 30m)"
    );
    assert_eq!(freeze(&ny, ts("2026-11-26T05:00:00Z")).0, GateStatus::Fail);
}

#[test]
fn back_to_back_freezes_lift_together_and_a_freeze_without_a_reason_says_so() {
    let c = frozen(
        "Europe/Berlin",
        r#"[{ from = "2026-12-20", to = "2026-12-27" }, { from = "2026-12-28", to = "2027-01-02", reason = "year end" }]"#,
    );
    // Tue 2026-12-22 12:00 in Berlin.
    let (status, why, evidence) = freeze(&c, ts("2026-12-22T11:00:00Z"));
    assert_eq!(status, GateStatus::Fail);
    assert!(
        why.starts_with(
            "frozen 2026-12-20 to 2026-12-27: change freeze; lifts Sun 2027-01-03 00:00"
        ),
        "{why}"
    );
    assert_eq!(evidence["lifts"], "2027-01-02T23:00:00Z");
}
