//! Pane snapshots (insta + TestBackend) of a realistic state at a fixed clock, at 80×24 and
//! 160×48, plus tiny terminals that must draw without a panic. Colours are not in these text
//! snapshots; `ui_styles.rs` asserts them cell by cell.

mod ui_common;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ui_common::{ch, draw, key, state};
use warroom::ui::Ui;

#[test]
fn war_room_80x24() {
    let mut ui = Ui::with_defaults();
    assert_snapshot!(draw(&mut ui, &state(), 80, 24).backend());
}

#[test]
fn war_room_160x48() {
    let mut ui = Ui::with_defaults();
    assert_snapshot!(draw(&mut ui, &state(), 160, 48).backend());
}

#[test]
fn checklist_layout_80x24() {
    let mut ui = Ui::with_defaults();
    let s = state();
    ui.handle_key(ch('l'), &s);
    assert_eq!(ui.layout().name, "checklist");
    assert_snapshot!(draw(&mut ui, &s, 80, 24).backend());
}

#[test]
fn checklist_layout_160x48() {
    let mut ui = Ui::with_defaults();
    let s = state();
    ui.handle_key(ch('l'), &s);
    assert_snapshot!(draw(&mut ui, &s, 160, 48).backend());
}

#[test]
fn detail_of_a_ticked_item_with_commands_and_notes_maximised() {
    let mut ui = Ui::with_defaults();
    let s = state();
    // The cursor starts on t-1d's first open item (comms); backup is the row above it.
    ui.handle_key(key(KeyCode::Up), &s);
    ui.handle_key(key(KeyCode::Tab), &s);
    ui.handle_key(key(KeyCode::Enter), &s);
    assert_snapshot!(draw(&mut ui, &s, 80, 24).backend());
}

#[test]
fn stage_detail_and_folded_stage_160x48() {
    let mut ui = Ui::with_defaults();
    let s = state();
    ui.handle_key(key(KeyCode::Home), &s);
    ui.handle_key(ch('z'), &s);
    assert_snapshot!(draw(&mut ui, &s, 160, 48).backend());
}

#[test]
fn help_overlay_80x24() {
    let mut ui = Ui::with_defaults();
    let s = state();
    ui.handle_key(ch('?'), &s);
    assert_snapshot!(draw(&mut ui, &s, 80, 24).backend());
}

#[test]
fn note_editor_overlay_80x24() {
    let mut ui = Ui::with_defaults();
    let s = state();
    ui.handle_key(ch('n'), &s);
    for c in "paged the dba".chars() {
        ui.handle_key(ch(c), &s);
    }
    assert_snapshot!(draw(&mut ui, &s, 80, 24).backend());
}

#[test]
fn filter_80x24() {
    let mut ui = Ui::with_defaults();
    let s = state();
    ui.handle_key(ch('/'), &s);
    for c in "verif".chars() {
        ui.handle_key(ch(c), &s);
    }
    assert_snapshot!(draw(&mut ui, &s, 80, 24).backend());
}

#[test]
fn too_small_20x5() {
    let mut ui = Ui::with_defaults();
    assert_snapshot!(draw(&mut ui, &state(), 20, 5).backend());
}

#[test]
fn tiny_and_empty_terminals_do_not_panic() {
    let s = state();
    let mut ui = Ui::with_defaults();
    for (w, h) in [
        (1, 1),
        (0, 0),
        (80, 0),
        (0, 24),
        (1, 24),
        (200, 1),
        (39, 9),
        (40, 10),
        (41, 11),
    ] {
        draw(&mut ui, &s, w, h);
    }
    // The overlays too, at the smallest size that shows panes.
    ui.handle_key(ch('?'), &s);
    draw(&mut ui, &s, 40, 10);
    ui.handle_key(key(KeyCode::Esc), &s);
    ui.handle_key(ch('n'), &s);
    draw(&mut ui, &s, 40, 10);
    draw(&mut ui, &s, 1, 1);
}

#[test]
fn before_the_session_starts_the_panes_wait() {
    let mut ui = Ui::with_defaults();
    let t = draw(&mut ui, &warroom::state::State::default(), 160, 48);
    assert!(ui_common::find(&t, "waiting for the session to start").is_some());
}
