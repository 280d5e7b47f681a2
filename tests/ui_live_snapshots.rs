//! Live pane snapshots (insta + TestBackend, fixed clocks): the war-room and traffic-shift
//! layouts at 160×48 and 80×24 in four states: healthy, degraded, stale and source-down.
//! Colours are not in these text snapshots; `ui_live_styles.rs` asserts them.

mod ui_common;

use insta::assert_snapshot;
use jiff::Timestamp;
use ui_common::draw_at;
use ui_common::live::{self, Scenario};
use warroom::state::State;
use warroom::ui::Ui;

/// A UI showing the named layout.
fn ui_with(layout: &str) -> Ui {
    let mut ui = Ui::with_defaults();
    assert!(ui.select_layout(layout), "no layout {layout}");
    ui
}

fn check(name: &str, state: &State, now: Timestamp) {
    for layout in ["war-room", "traffic-shift"] {
        for (w, h) in [(160, 48), (80, 24)] {
            let mut ui = ui_with(layout);
            let t = draw_at(&mut ui, state, w, h, now);
            assert_snapshot!(format!("{layout}_{name}_{w}x{h}"), t.backend());
        }
    }
}

#[test]
fn healthy() {
    check("healthy", &live::state(Scenario::Healthy), live::live_now());
}

#[test]
fn degraded() {
    check(
        "degraded",
        &live::state(Scenario::Degraded),
        live::live_now(),
    );
}

#[test]
fn stale() {
    check("stale", &live::state(Scenario::Healthy), live::stale_now());
}

#[test]
fn source_down() {
    check("source_down", &live::source_down(), live::down_now());
}
