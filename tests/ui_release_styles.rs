//! Style assertions for deciding and acting, cell by cell in every built-in theme: the
//! production frame and the header's PRODUCTION are danger; rollback readiness is ok when the
//! stable workload is ready and crit when it is not; the events pane shows rollbacks in
//! danger, refusals and crashes in crit, decisions and approvals in accent.

mod ui_common;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Style;
use ui_common::live::live_now;
use ui_common::release::{self, before_go, lead};
use ui_common::{actor, draw_at, find};
use warroom::config::theme::Role;
use warroom::config::warroom::Strategy;
use warroom::event::{Action, Event, WorkloadRow};
use warroom::state::State;
use warroom::ui::Ui;

fn carries(cell: Style, want: Style) -> bool {
    want.fg.is_none_or(|c| cell.fg == Some(c))
        && want.bg.is_none_or(|c| cell.bg == Some(c))
        && cell.add_modifier.contains(want.add_modifier)
}

fn style_of(t: &Terminal<TestBackend>, text: &str) -> Style {
    let (x, y) = find(t, text).unwrap_or_else(|| panic!("{text:?} is not on screen"));
    t.backend().buffer()[(x, y)].style()
}

/// Draws `s` in every theme, handing each frame and theme to `check`.
fn every_theme(s: &State, check: impl Fn(&Terminal<TestBackend>, &warroom::config::theme::Theme)) {
    let mut ui = Ui::with_defaults();
    ui.set_operator(&lead());
    for _ in 0..ui.themes().len() {
        let theme = ui.theme().clone();
        let t = draw_at(&mut ui, s, 160, 48, live_now());
        check(&t, &theme);
        ui.handle_key_at(ui_common::ch('t'), s, live_now());
    }
}

#[test]
fn production_is_framed_in_danger_and_named_in_the_header() {
    let s = before_go("production").state;
    every_theme(&s, |t, theme| {
        let danger = theme.style(Role::Danger);
        let buf = t.backend().buffer();
        for (x, y) in [(0, 0), (159, 0), (0, 47), (159, 47), (80, 0), (0, 20)] {
            assert!(
                carries(buf[(x, y)].style(), danger),
                "{}: frame cell {x},{y}",
                theme.name
            );
        }
        assert!(carries(style_of(t, "PRODUCTION"), danger), "{}", theme.name);
    });
    // Outside production: no frame, no name.
    let demo = before_go("demo").state;
    every_theme(&demo, |t, theme| {
        assert!(find(t, "PRODUCTION").is_none(), "{}", theme.name);
        assert_eq!(t.backend().buffer()[(0, 0)].symbol(), " ", "{}", theme.name);
    });
}

#[test]
fn rollback_readiness_is_ok_when_stable_is_ready_and_crit_when_it_is_not() {
    let s = before_go("demo").state;
    every_theme(&s, |t, theme| {
        let text = "rollback ✓ checkout-blue 6/6 ready · live";
        assert!(
            carries(style_of(t, text), theme.style(Role::Ok)),
            "{}",
            theme.name
        );
    });
    let mut f = before_go("demo");
    release::push_as(
        &mut f,
        &release::at(-1),
        &actor("warroom", ""),
        Event::WorkloadObserved {
            source: "kubernetes".into(),
            workload: WorkloadRow {
                name: "checkout-blue".into(),
                desired: 6,
                updated: 6,
                ready: 0,
                available: 0,
                revision: Some("12".into()),
                image: None,
                paused: false,
            },
        },
    );
    every_theme(&f.state, |t, theme| {
        let text = "rollback ✗ checkout-blue 0/6 ready";
        assert!(
            carries(style_of(t, text), theme.style(Role::Crit)),
            "{}",
            theme.name
        );
    });
}

#[test]
fn the_events_pane_colours_rollbacks_refusals_crashes_and_decisions() {
    let mut f = before_go("demo");
    release::approve(&mut f, -5);
    release::go(&mut f, -4);
    release::push_as(
        &mut f,
        &release::at(-3),
        &lead(),
        Event::ActionRefused {
            action: "shift".into(),
            reason: "step 2 bakes for another 10m".into(),
            request: None,
        },
    );
    release::act(
        &mut f,
        -2,
        "a3",
        Action::Rollback {
            reason: "errors".into(),
            ticket: None,
            undo: false,
            from: 0,
            strategy: Strategy::HttprouteWeights,
            auto: None,
        },
        None,
    );
    release::push_as(
        &mut f,
        &release::at(-1),
        &lead(),
        Event::SessionCrashed {
            reason: "test".into(),
        },
    );
    every_theme(&f.state, |t, theme| {
        for (text, role) in [
            ("a3: rollback: candidate 0 %", Role::Danger),
            ("shift refused: step 2 bakes", Role::Crit),
            ("session crashed (test)", Role::Crit),
            ("approved the go of 2.4.0", Role::Accent),
            ("GO for the go of 2.4.0", Role::Accent),
        ] {
            assert!(
                carries(style_of(t, text), theme.style(role)),
                "{}: {text} in {role:?}",
                theme.name
            );
        }
    });
}
