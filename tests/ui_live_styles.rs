//! Style assertions for the live panes: colours are not in the text snapshots, so check that
//! cells carry the theme's roles: crit on a CrashLoopBackOff cell and on values over the
//! rollback threshold, the stale role on stale titles and dimmed data, crit on a source that
//! is down, warn on an unknown legend and on a health endpoint reporting another version.
//! Also: tiny terminals and every pane maximised draw without a panic.

mod ui_common;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Style;
use ui_common::live::{self, Scenario};
use ui_common::{draw_at, find, key};
use warroom::config::layout::PaneId;
use warroom::config::theme::{Role, Theme};
use warroom::event::{Event, PodRow};
use warroom::ui::Ui;

/// Whether a cell's style carries everything `want` sets.
fn carries(cell: Style, want: Style) -> bool {
    want.fg.is_none_or(|c| cell.fg == Some(c))
        && want.bg.is_none_or(|c| cell.bg == Some(c))
        && cell.add_modifier.contains(want.add_modifier)
}

fn style_of(t: &Terminal<TestBackend>, needle: &str) -> Style {
    let (x, y) = find(t, needle).unwrap_or_else(|| panic!("{needle:?} on screen"));
    t.backend().buffer()[(x, y)].style()
}

fn assert_role(t: &Terminal<TestBackend>, theme: &Theme, needle: &str, role: Role) {
    let want = theme.style(role);
    assert!(
        carries(style_of(t, needle), want),
        "{}: {needle:?} should be {} ({want:?}), is {:?}",
        theme.name,
        role.name(),
        style_of(t, needle)
    );
}

#[test]
fn degraded_values_and_crash_loops_are_crit_in_every_theme() {
    let s = live::state(Scenario::Degraded);
    let mut ui = Ui::with_defaults();
    for _ in 0..ui.themes().len() {
        let theme = ui.theme().clone();
        let t = draw_at(&mut ui, &s, 160, 48, live::live_now());
        assert_ne!(theme.style(Role::Crit), theme.style(Role::Text));
        assert_role(&t, &theme, "CrashLoopBackOff", Role::Crit);
        // The candidate's error ratio is over the 5 % rollback threshold.
        assert_role(&t, &theme, "8.26%", Role::Crit);
        // The stable one is under the SLO.
        assert_role(&t, &theme, "0.28%", Role::Ok);
        // The candidate's p99 is over 2× the stable p99 (the rollback line).
        assert_role(&t, &theme, "546ms", Role::Crit);
        assert_role(&t, &theme, "FIRING", Role::Crit);
        assert_role(&t, &theme, "pending", Role::Warn);
        assert_role(&t, &theme, "✗ api", Role::Crit);
        assert_role(&t, &theme, "1 crash-looping", Role::Crit);
        // The rollback line's label is in its role.
        assert_role(&t, &theme, "rollback 5%", Role::RollbackLine);
        ui.handle_key(ui_common::ch('t'), &s);
    }
}

#[test]
fn healthy_titles_show_the_age_and_values_look_healthy() {
    let s = live::state(Scenario::Healthy);
    let mut ui = Ui::with_defaults();
    let t = draw_at(&mut ui, &s, 160, 48, live::live_now());
    let theme = ui.theme().clone();
    assert!(find(&t, "errors % · 15m · 2s").is_some());
    // A working watch is live, in the ok role, whenever its last change was.
    assert_role(&t, &theme, "live", Role::Ok);
    assert!(find(&t, "pods 9 · live").is_some());
    assert!(find(&t, "no active alerts").is_some());
    assert!(find(&t, "at step 2 of 4: 25% on green").is_some());
    assert!(find(&t, "CrashLoopBackOff").is_none());
    // The version a health endpoint reports is warn when it is not the release being shipped.
    // (At the end of a health row, so it is the health pane's cell, not the gates pane's.)
    assert_role(&t, &theme, "2.3.1    │", Role::Warn);
    assert_role(&t, &theme, "2.4.0    │", Role::Ok);
}

#[test]
fn stale_titles_and_data_use_the_stale_role() {
    let s = live::state(Scenario::Healthy);
    let mut ui = Ui::with_defaults();
    let t = draw_at(&mut ui, &s, 160, 48, live::stale_now());
    let theme = ui.theme().clone();
    assert_role(&t, &theme, "stale 2m", Role::Stale);
    // The last numbers are still there, dimmed, under a banner that says why.
    assert_role(&t, &theme, "0.28%", Role::Stale);
    assert!(find(&t, "⚠ stale: no update for 2m").is_some());
    // Pods come from a watch: live until it fails, however quiet, so not dimmed or aged.
    assert!(find(&t, "pods 9 · live").is_some());
    assert!(find(&t, "pods 9 · 2m").is_none());
}

#[test]
fn a_source_that_is_down_says_so_in_crit_and_its_data_is_dimmed() {
    let s = live::source_down();
    let mut ui = Ui::with_defaults();
    let t = draw_at(&mut ui, &s, 160, 48, live::down_now());
    let theme = ui.theme().clone();
    assert_role(&t, &theme, "DOWN: connection refused", Role::Crit);
    assert_role(&t, &theme, "DOWN: API server unreachable", Role::Crit);
    assert_role(
        &t,
        &theme,
        "✗ down: connection refused · data 27s old",
        Role::Crit,
    );
    assert_role(&t, &theme, "0.28%", Role::Stale);
    assert_role(&t, &theme, "checkout-blue ", Role::Stale);
    // Alerts cannot be known while Prometheus is down: never "no active alerts".
    assert!(find(&t, "no active alerts").is_none());
    assert!(find(&t, "no alerts: the source is down").is_some());
}

#[test]
fn an_unknown_latest_reading_is_said_plainly_in_warn() {
    let s = live::unknown_candidate();
    let mut ui = Ui::with_defaults();
    let t = draw_at(&mut ui, &s, 160, 48, live::live_now());
    let theme = ui.theme().clone();
    assert!(find(&t, "green: unknown (no traffic)").is_some());
    assert_role(&t, &theme, "unknown (no traffic)", Role::Warn);
}

#[test]
fn escapes_in_pod_names_and_errors_never_reach_the_screen() {
    let mut f = ui_common::Feed {
        state: live::state(Scenario::Healthy),
        seq: 2_000,
    };
    let pod = PodRow {
        name: "evil-\u{1b}]0;owned\u{7}pod".into(),
        version: "green\u{202e}".into(),
        phase: "Running".into(),
        ready: (0, 1),
        reason: Some("Crash\u{1b}[31mLoop".into()),
        ..PodRow::default()
    };
    f.push(
        "2026-11-24T15:39:59Z",
        "warroom",
        Event::PodChanged {
            source: "kubernetes".into(),
            pod,
        },
    );
    f.push(
        "2026-11-24T15:39:59Z",
        "warroom",
        Event::SourceFailed {
            source: "prometheus".into(),
            error: "refused \u{1b}[2J\u{9b}1mnow".into(),
            attempt: 1,
        },
    );
    let mut ui = Ui::with_defaults();
    let t = draw_at(&mut ui, &f.state, 160, 48, live::live_now());
    for cell in t.backend().buffer().content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "control character {:?} drawn",
            cell.symbol()
        );
    }
    assert!(find(&t, "refused now").is_some());
    assert!(find(&t, "CrashLoop").is_some());
}

#[test]
fn tiny_terminals_and_every_pane_maximised_draw_without_a_panic() {
    let states = [
        (live::state(Scenario::Healthy), live::live_now()),
        (live::state(Scenario::Degraded), live::live_now()),
        (live::state(Scenario::Healthy), live::stale_now()),
        (live::source_down(), live::down_now()),
        (warroom::state::State::default(), live::live_now()),
    ];
    for layout in ["war-room", "traffic-shift"] {
        for (s, now) in &states {
            let mut ui = Ui::with_defaults();
            assert!(ui.select_layout(layout));
            for (w, h) in [
                (20, 5),
                (1, 1),
                (0, 0),
                (40, 10),
                (41, 11),
                (80, 24),
                (200, 3),
            ] {
                draw_at(&mut ui, s, w, h, *now);
            }
            // Each pane alone, from a full screen down to the smallest that shows panes.
            ui.handle_key(key(KeyCode::Enter), s);
            for _ in 0..PaneId::ALL.len() {
                for (w, h) in [(160, 48), (40, 10), (45, 12), (60, 14)] {
                    draw_at(&mut ui, s, w, h, *now);
                }
                ui.handle_key(key(KeyCode::Tab), s);
            }
        }
    }
    // The 20×5 notice with live data is the same notice.
    let mut ui = Ui::with_defaults();
    let s = live::state(Scenario::Degraded);
    let t = draw_at(&mut ui, &s, 20, 5, live::live_now());
    assert!(find(&t, "terminal too small").is_some());
}
