//! Snapshots (insta + TestBackend, fixed clock) of deciding and acting: the go/no-go overlay,
//! confirmations, the why panel, and the traffic pane's release lines (bake timer, the next
//! step offered, a pause, an action in flight, an unknown outcome, a conflict, drift, the
//! lock, auto-rollback disarmed), at 80×24 and 160×48.

mod ui_common;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ui_common::live::live_now;
use ui_common::release::{self, baked, baking, before_go, lead};
use ui_common::{ch, draw_at, key};
use warroom::config::layout::PaneId;
use warroom::event::{Event, Outcome};
use warroom::state::State;
use warroom::ui::Ui;

fn ui(layout: &str) -> Ui {
    let mut ui = Ui::with_defaults();
    assert!(ui.select_layout(layout), "no layout {layout}");
    ui.set_operator(&lead());
    ui
}

fn shot(ui: &mut Ui, s: &State, w: u16, h: u16) -> String {
    draw_at(ui, s, w, h, live_now()).backend().to_string()
}

/// The traffic pane alone, full screen.
fn traffic(s: &State) -> Ui {
    let mut ui = ui("traffic-shift");
    while ui.focus() != PaneId::Traffic {
        ui.handle_key_at(key(KeyCode::Tab), s, live_now());
    }
    ui.handle_key_at(key(KeyCode::Enter), s, live_now());
    assert_eq!(ui.maximised(), Some(PaneId::Traffic));
    ui
}

fn keys(ui: &mut Ui, s: &State, keys: &str) {
    for c in keys.chars() {
        ui.handle_key_at(ch(c), s, live_now());
    }
}

/// A shift to 50 % sent two seconds ago, with no answer yet; another war room's lock seen;
/// GitOps put the weights back behind the war room's back.
fn busy() -> State {
    let mut f = baked("demo");
    release::drifted(&mut f, -30);
    release::lock_held(&mut f, -3);
    release::act(&mut f, -2, "a3", release::shift(2, 50, 25), None);
    f.state
}

/// A shift answered with a 504 (unknown, reading back), the war room paused the shift because
/// the candidate's data is unknown, and auto-rollback was disarmed.
fn unknown() -> State {
    let mut f = baked("demo");
    release::act(&mut f, -8, "a3", release::shift(2, 50, 25), None);
    release::outcome_of(
        &mut f,
        -6,
        "a3",
        Outcome::Unknown,
        "answered 504 Gateway Timeout; reading back",
        None,
    );
    release::push_as(
        &mut f,
        &release::at(-5),
        &ui_common::actor("warroom", ""),
        Event::ShiftPaused {
            reason: "green error ratio unknown (no traffic): unknown is not healthy, so the \
                     shift holds"
                .into(),
            auto: true,
        },
    );
    release::push_as(
        &mut f,
        &release::at(-4),
        &lead(),
        Event::AutoRollbackArmed {
            armed: false,
            reason: Some("flapping metric".into()),
        },
    );
    f.state
}

/// A shift refused with 409: argocd changed the route since it was read.
fn conflict() -> State {
    let mut f = baked("demo");
    release::act(&mut f, -8, "a3", release::shift(2, 50, 25), None);
    release::outcome_of(
        &mut f,
        -7,
        "a3",
        Outcome::Conflict,
        "409: weights checkout-blue 100 / checkout-green 0 now, changed by argocd",
        Some("argocd"),
    );
    f.state
}

#[test]
fn traffic_shift_while_baking_80x24() {
    let s = baking("demo").state;
    assert_snapshot!(shot(&mut ui("traffic-shift"), &s, 80, 24));
}

#[test]
fn traffic_shift_while_baking_160x48() {
    let s = baking("demo").state;
    assert_snapshot!(shot(&mut ui("traffic-shift"), &s, 160, 48));
}

#[test]
fn traffic_pane_next_step_offered_80x24() {
    let s = baked("demo").state;
    assert_snapshot!(shot(&mut traffic(&s), &s, 80, 24));
}

#[test]
fn traffic_pane_in_flight_lock_and_drift_80x24() {
    let s = busy();
    assert_snapshot!(shot(&mut traffic(&s), &s, 80, 24));
}

#[test]
fn traffic_pane_in_flight_lock_and_drift_160x48() {
    let s = busy();
    assert_snapshot!(shot(&mut traffic(&s), &s, 160, 48));
}

#[test]
fn traffic_pane_unknown_outcome_auto_pause_disarmed_80x24() {
    let s = unknown();
    assert_snapshot!(shot(&mut traffic(&s), &s, 80, 24));
}

#[test]
fn traffic_pane_conflict_160x48() {
    let s = conflict();
    assert_snapshot!(shot(&mut traffic(&s), &s, 160, 48));
}

#[test]
fn go_no_go_before_the_approval_80x24() {
    let s = before_go("demo").state;
    let mut ui = ui("war-room");
    keys(&mut ui, &s, "g");
    assert_snapshot!(shot(&mut ui, &s, 80, 24));
}

#[test]
fn go_no_go_before_the_approval_160x48() {
    let s = before_go("demo").state;
    let mut ui = ui("war-room");
    // The hint names this session's file, quoted for the shell.
    ui.set_session_file(std::path::Path::new("sessions/checkout 2.3.1.jsonl"));
    keys(&mut ui, &s, "g");
    assert_snapshot!(shot(&mut ui, &s, 160, 48));
}

#[test]
fn go_confirmation_past_a_failing_gate_in_production_160x48() {
    let s = before_go("production").state;
    let mut ui = ui("war-room");
    keys(&mut ui, &s, "gy");
    assert_snapshot!(shot(&mut ui, &s, 160, 48));
}

#[test]
fn shift_confirmation_80x24() {
    let s = baked("demo").state;
    let mut ui = ui("traffic-shift");
    keys(&mut ui, &s, "s");
    assert_snapshot!(shot(&mut ui, &s, 80, 24));
}

#[test]
fn shift_confirmation_before_the_bake_is_done_160x48() {
    let s = baking("demo").state;
    let mut ui = ui("traffic-shift");
    keys(&mut ui, &s, "s");
    assert_snapshot!(shot(&mut ui, &s, 160, 48));
}

#[test]
fn rollback_confirmation_in_production_80x24() {
    let s = baking("production").state;
    let mut ui = ui("traffic-shift");
    keys(&mut ui, &s, "rerrors at 8 %");
    assert_snapshot!(shot(&mut ui, &s, 80, 24));
}

#[test]
fn rollback_confirmation_in_production_160x48() {
    let s = baking("production").state;
    let mut ui = ui("traffic-shift");
    keys(&mut ui, &s, "rerrors at 8 %");
    ui.handle_key_at(key(KeyCode::Enter), &s, live_now());
    assert_snapshot!(shot(&mut ui, &s, 160, 48));
}

#[test]
fn quit_confirmation_mid_shift_80x24() {
    let s = baking("demo").state;
    let mut ui = ui("war-room");
    keys(&mut ui, &s, "q");
    assert_snapshot!(shot(&mut ui, &s, 80, 24));
}

#[test]
fn why_panel_after_an_auto_rollback_160x48() {
    let s = release::auto_rolled_back("demo");
    assert_snapshot!(shot(&mut ui("traffic-shift"), &s, 160, 48));
}

#[test]
fn why_panel_after_an_auto_rollback_80x24() {
    let s = release::auto_rolled_back("demo");
    assert_snapshot!(shot(&mut ui("traffic-shift"), &s, 80, 24));
}

#[test]
fn traffic_shift_after_an_auto_rollback_160x48() {
    let s = release::auto_rolled_back("demo");
    let mut ui = ui("traffic-shift");
    // The why panel opened by itself; closed, the panes show the rollback.
    shot(&mut ui, &s, 160, 48);
    ui.handle_key_at(key(KeyCode::Esc), &s, live_now());
    assert_snapshot!(shot(&mut ui, &s, 160, 48));
}

#[test]
fn help_lists_the_release_keys_160x48() {
    let s = before_go("demo").state;
    let mut ui = ui("war-room");
    keys(&mut ui, &s, "?");
    assert_snapshot!(shot(&mut ui, &s, 160, 48));
}
