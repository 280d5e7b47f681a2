//! Keys on the live panes: the pods pane's own `/` filter and its scrolling cursor, the chart
//! zoom keys, and `enter` maximising a live pane.

mod ui_common;

use crossterm::event::KeyCode;
use ui_common::live::{self, Scenario};
use ui_common::{ch, draw_at, find, key};
use warroom::config::keymap::Mode;
use warroom::config::layout::PaneId;
use warroom::state::State;
use warroom::ui::{Ui, WINDOWS};

/// Tabs until `pane` has focus.
fn focus(ui: &mut Ui, s: &State, pane: PaneId) {
    for _ in 0..PaneId::ALL.len() {
        if ui.focus() == pane {
            return;
        }
        ui.handle_key(key(KeyCode::Tab), s);
    }
    panic!("{pane:?} is not in the layout");
}

#[test]
fn slash_filters_the_pods_when_they_have_focus_and_the_checklist_otherwise() {
    let s = live::state(Scenario::Degraded);
    let mut ui = Ui::with_defaults();
    focus(&mut ui, &s, PaneId::Pods);
    ui.handle_key(ch('/'), &s);
    assert_eq!(ui.mode(), Mode::Filter);
    for c in "LOOP".chars() {
        // Typed, even keys that mean something in the panes (l is layout).
        assert_eq!(ui.handle_key(ch(c), &s), None);
    }
    assert_eq!(ui.pods_filter(), "LOOP");
    assert_eq!(ui.filter(), "", "the checklist's filter is untouched");
    assert_eq!(ui.pods_cursor(), Some("checkout-green-5b6c1a-1p9zt"));
    ui.handle_key(key(KeyCode::Enter), &s);
    assert_eq!(ui.mode(), Mode::Normal);
    assert_eq!(ui.layout().name, "war-room");
    let t = draw_at(&mut ui, &s, 160, 48, live::live_now());
    assert!(find(&t, "/LOOP").is_some(), "the filter is in the title");
    assert!(find(&t, "CrashLoopBackOff").is_some());
    assert!(find(&t, "1x4kq").is_none(), "other pods are filtered out");
    assert!(find(&t, " 1/1 ").is_some(), "position among the matches");
    // A filter that matches nothing says so.
    ui.handle_key(ch('/'), &s);
    ui.handle_key(ch('z'), &s);
    ui.handle_key(key(KeyCode::Enter), &s);
    let t = draw_at(&mut ui, &s, 160, 48, live::live_now());
    assert!(find(&t, "no pod matches the filter").is_some());
    // esc clears the pods filter first; the pane stays focused.
    ui.handle_key(key(KeyCode::Esc), &s);
    assert_eq!(ui.pods_filter(), "");
    assert_eq!(ui.focus(), PaneId::Pods);
    // Backspace edits, esc while typing clears.
    ui.handle_key(ch('/'), &s);
    ui.handle_key(ch('x'), &s);
    ui.handle_key(key(KeyCode::Backspace), &s);
    ui.handle_key(ch('g'), &s);
    assert_eq!(ui.pods_filter(), "g");
    ui.handle_key(key(KeyCode::Esc), &s);
    assert_eq!((ui.pods_filter(), ui.mode()), ("", Mode::Normal));

    // From another pane, / is the checklist's filter as before.
    focus(&mut ui, &s, PaneId::Errors);
    ui.handle_key(ch('/'), &s);
    ui.handle_key(ch('s'), &s);
    assert_eq!((ui.filter(), ui.pods_filter()), ("s", ""));
    assert_eq!(ui.focus(), PaneId::Checklist);
}

#[test]
fn in_a_layout_without_a_checklist_slash_goes_to_the_pods() {
    let s = live::state(Scenario::Degraded);
    let mut ui = Ui::with_defaults();
    assert!(ui.select_layout("traffic-shift"));
    assert_eq!(ui.focus(), PaneId::Errors);
    ui.handle_key(ch('/'), &s);
    ui.handle_key(ch('b'), &s);
    assert_eq!(ui.focus(), PaneId::Pods);
    assert_eq!(ui.pods_filter(), "b");
}

#[test]
fn the_pods_cursor_scrolls_through_ten_thousand_pods() {
    let s = live::big_live(10_000);
    let mut ui = Ui::with_defaults();
    focus(&mut ui, &s, PaneId::Pods);
    ui.handle_key(key(KeyCode::Enter), &s);
    assert_eq!(ui.maximised(), Some(PaneId::Pods));
    let now = live::live_now();
    let t = draw_at(&mut ui, &s, 120, 30, now);
    // Problems first: the crash-looping pods lead the list.
    let first = ui.pods_cursor().expect("cursor").to_string();
    let checklist_cursor = ui.cursor();
    assert!(find(&t, &first).is_some());
    assert!(find(&t, " 1/10000 ").is_some());
    assert!(find(&t, "pods 10000 · 104 crash-looping · 104 not ready").is_some());
    let (_, y) = find(&t, "CrashLoopBackOff").expect("crash row");
    // Inside the production frame (the fixture's config names no environment).
    assert_eq!(y, 4, "the first row under the header");

    for _ in 0..5 {
        ui.handle_key(key(KeyCode::PageDown), &s);
    }
    ui.handle_key(key(KeyCode::Down), &s);
    let t = draw_at(&mut ui, &s, 120, 30, now);
    let cur = ui.pods_cursor().expect("cursor").to_string();
    assert_ne!(cur, first);
    assert!(find(&t, &cur).is_some(), "{cur} is on screen");
    // 24 rows inside the maximised pane (within the production frame), 23 of them pods: a
    // page moves 22, keeping one row of context; five pages and one more.
    assert!(find(&t, " 112/10000 ").is_some());

    ui.handle_key(key(KeyCode::End), &s);
    let t = draw_at(&mut ui, &s, 120, 30, now);
    assert!(find(&t, " 10000/10000 ").is_some());
    let last = ui.pods_cursor().expect("cursor").to_string();
    assert!(find(&t, &last).is_some());
    ui.handle_key(key(KeyCode::Up), &s);
    assert_ne!(ui.pods_cursor(), Some(last.as_str()));
    ui.handle_key(key(KeyCode::Home), &s);
    assert_eq!(ui.pods_cursor(), Some(first.as_str()));
    // The checklist's cursor did not move.
    assert_eq!(ui.cursor(), checklist_cursor);
}

#[test]
fn zoom_keys_step_through_the_windows_and_stop_at_the_ends() {
    let s = live::state(Scenario::Healthy);
    let mut ui = Ui::with_defaults();
    assert_eq!(ui.chart_window(), WINDOWS[1], "15 minutes to start");
    ui.handle_key(ch('+'), &s);
    assert_eq!(ui.chart_window(), WINDOWS[0]);
    ui.handle_key(ch('='), &s);
    assert_eq!(ui.chart_window(), WINDOWS[0]);
    let t = draw_at(&mut ui, &s, 160, 48, live::live_now());
    assert!(find(&t, "errors % · 5m").is_some());
    assert!(find(&t, "-2m30s").is_some(), "the time axis follows");
    for _ in 0..10 {
        ui.handle_key(ch('-'), &s);
    }
    assert_eq!(ui.chart_window(), WINDOWS[4]);
    let t = draw_at(&mut ui, &s, 160, 48, live::live_now());
    assert!(find(&t, "latency p50/p95/p99 · 24h").is_some());
    assert!(find(&t, "-24h").is_some());
    // The footer offers zoom while a chart has focus.
    focus(&mut ui, &s, PaneId::Latency);
    let t = draw_at(&mut ui, &s, 160, 48, live::live_now());
    assert!(find(&t, "shorter chart window").is_some());
}

#[test]
fn enter_maximises_a_live_pane() {
    let s = live::state(Scenario::Degraded);
    let mut ui = Ui::with_defaults();
    focus(&mut ui, &s, PaneId::Errors);
    ui.handle_key(key(KeyCode::Enter), &s);
    assert_eq!(ui.maximised(), Some(PaneId::Errors));
    let t = draw_at(&mut ui, &s, 160, 48, live::live_now());
    assert!(find(&t, "errors % · 15m · 2s").is_some());
    assert!(find(&t, " checklist ").is_none());
    // The chart uses the whole screen: its time axis sits on the last row above the border
    // (and the production frame's).
    let (_, y) = find(&t, "-7m30s").expect("axis");
    assert_eq!(y, 44);
    for pane in [
        PaneId::Latency,
        PaneId::Throughput,
        PaneId::Traffic,
        PaneId::Gates,
        PaneId::Pods,
    ] {
        ui.handle_key(key(KeyCode::Tab), &s);
        assert_eq!(ui.maximised(), Some(pane));
        let t = draw_at(&mut ui, &s, 160, 48, live::live_now());
        assert!(find(&t, &format!(" {}", pane.name())).is_some(), "{pane:?}");
    }
    ui.handle_key(key(KeyCode::Esc), &s);
    assert_eq!(ui.maximised(), None);
}
