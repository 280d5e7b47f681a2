//! Key handling: keys resolve through the keymap to intents for the loop or to view changes.
//! The UI never touches `State`; these tests only read it.

mod ui_common;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ui_common::{big_state, ch, ctrl, draw, find, key, state};
use warroom::config::keymap::Mode;
use warroom::config::layout::PaneId;
use warroom::reduce::checklist::Intent;
use warroom::ui::{Row, Ui, UiAction};

fn toggle(stage: &str, item: &str) -> Option<UiAction> {
    Some(UiAction::Intent(Intent::Toggle {
        stage: stage.into(),
        item: item.into(),
    }))
}

#[test]
fn the_cursor_starts_on_the_current_stages_first_open_item() {
    let mut ui = Ui::with_defaults();
    let s = state();
    // t-1d is current at the fixture's clock; its backup item is ticked, comms is open.
    assert_eq!(ui.handle_key(ch(' '), &s), toggle("t-1d", "comms"));
    assert_eq!(ui.cursor(), Some(Row::Item(1, 1)));
}

#[test]
fn space_toggles_the_selected_item_and_arrows_move() {
    let mut ui = Ui::with_defaults();
    let s = state();
    ui.handle_key(key(KeyCode::Down), &s);
    assert_eq!(ui.handle_key(ch(' '), &s), toggle("t-1d", "oncall"));
    ui.handle_key(ch('k'), &s);
    ui.handle_key(ch('k'), &s);
    assert_eq!(ui.handle_key(ch(' '), &s), toggle("t-1d", "backup"));
    ui.handle_key(key(KeyCode::Home), &s);
    assert_eq!(ui.cursor(), Some(Row::Stage(0)));
    // A stage row cannot be ticked: nothing for the loop, a hint in the footer.
    assert_eq!(ui.handle_key(ch(' '), &s), None);
    assert!(ui.flash_message().is_some_and(|m| m.contains("stage")));
    ui.handle_key(key(KeyCode::End), &s);
    assert_eq!(ui.handle_key(ch(' '), &s), toggle("rollback", "verify-old"));
}

#[test]
fn a_key_release_does_nothing() {
    let mut ui = Ui::with_defaults();
    let s = state();
    let mut release = ch('q');
    release.kind = KeyEventKind::Release;
    assert_eq!(ui.handle_key(release, &s), None);
}

#[test]
fn n_opens_the_editor_and_save_returns_a_note_intent() {
    let mut ui = Ui::with_defaults();
    let s = state();
    assert_eq!(ui.handle_key(ch('n'), &s), None);
    assert_eq!(ui.mode(), Mode::Editor);
    // Keys go to the editor: q and ? are text, enter is a new line.
    for c in "queue drained?".chars() {
        assert_eq!(ui.handle_key(ch(c), &s), None, "{c}");
    }
    ui.handle_key(key(KeyCode::Enter), &s);
    for c in "ok".chars() {
        ui.handle_key(ch(c), &s);
    }
    assert_eq!(ui.mode(), Mode::Editor);
    let saved = ui.handle_key(ctrl('s'), &s);
    assert_eq!(
        saved,
        Some(UiAction::Intent(Intent::Note {
            stage: "t-1d".into(),
            item: "comms".into(),
            text: "queue drained?\nok".into(),
        }))
    );
    assert_eq!(ui.mode(), Mode::Normal);
}

#[test]
fn alt_enter_also_saves_and_esc_discards() {
    let mut ui = Ui::with_defaults();
    let s = state();
    ui.handle_key(ch('n'), &s);
    ui.handle_key(ch('x'), &s);
    let alt_enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT);
    assert!(matches!(
        ui.handle_key(alt_enter, &s),
        Some(UiAction::Intent(Intent::Note { .. }))
    ));
    ui.handle_key(ch('n'), &s);
    ui.handle_key(ch('x'), &s);
    assert_eq!(ui.handle_key(key(KeyCode::Esc), &s), None);
    assert_eq!(ui.mode(), Mode::Normal);
    // Ctrl-C in the editor discards the note rather than ending the session with it unsaved.
    ui.handle_key(ch('n'), &s);
    assert_eq!(ui.handle_key(ctrl('c'), &s), None);
    assert_eq!(ui.mode(), Mode::Normal);
}

#[test]
fn an_empty_note_is_not_saved() {
    let mut ui = Ui::with_defaults();
    let s = state();
    ui.handle_key(ch('n'), &s);
    ui.handle_key(ch(' '), &s);
    assert_eq!(ui.handle_key(ctrl('s'), &s), None);
    assert_eq!(ui.mode(), Mode::Editor);
    assert!(ui.flash_message().is_some());
}

#[test]
fn q_and_ctrl_c_quit_from_the_panes() {
    let s = state();
    assert_eq!(
        Ui::with_defaults().handle_key(ch('q'), &s),
        Some(UiAction::Quit)
    );
    assert_eq!(
        Ui::with_defaults().handle_key(ctrl('c'), &s),
        Some(UiAction::Quit)
    );
}

#[test]
fn help_opens_and_q_closes_it_without_quitting() {
    let mut ui = Ui::with_defaults();
    let s = state();
    ui.handle_key(ch('?'), &s);
    assert_eq!(ui.mode(), Mode::Help);
    assert_eq!(ui.handle_key(ch('q'), &s), None);
    assert_eq!(ui.mode(), Mode::Normal);
}

#[test]
fn tab_cycles_focus_and_enter_maximises() {
    let mut ui = Ui::with_defaults();
    let s = state();
    assert_eq!(ui.focus(), PaneId::Checklist);
    ui.handle_key(key(KeyCode::Tab), &s);
    assert_eq!(ui.focus(), PaneId::Detail);
    ui.handle_key(key(KeyCode::Tab), &s);
    assert_eq!(ui.focus(), PaneId::Events);
    // Then the live panes in reading order, and round to the checklist.
    for want in [
        PaneId::Errors,
        PaneId::Latency,
        PaneId::Throughput,
        PaneId::Traffic,
        PaneId::Gates,
        PaneId::Pods,
        PaneId::Health,
        PaneId::Rollout,
        PaneId::Alerts,
        PaneId::Checklist,
    ] {
        ui.handle_key(key(KeyCode::Tab), &s);
        assert_eq!(ui.focus(), want);
    }
    ui.handle_key(key(KeyCode::BackTab), &s);
    assert_eq!(ui.focus(), PaneId::Alerts);

    ui.handle_key(key(KeyCode::Enter), &s);
    assert_eq!(ui.maximised(), Some(PaneId::Alerts));
    // While maximised, tab pages through the panes full-size.
    ui.handle_key(key(KeyCode::Tab), &s);
    assert_eq!(ui.maximised(), Some(PaneId::Checklist));
    let t = draw(&mut ui, &s, 80, 24);
    assert!(find(&t, " detail ").is_none());
    ui.handle_key(key(KeyCode::Enter), &s);
    assert_eq!(ui.maximised(), None);
    ui.handle_key(key(KeyCode::Enter), &s);
    ui.handle_key(key(KeyCode::Esc), &s);
    assert_eq!(ui.maximised(), None);
}

#[test]
fn l_and_t_cycle_layouts_and_themes() {
    let mut ui = Ui::with_defaults();
    let s = state();
    assert_eq!(ui.layout().name, "war-room");
    assert_eq!(ui.theme().name, "dark");
    ui.handle_key(key(KeyCode::Tab), &s);
    ui.handle_key(ch('l'), &s);
    assert_eq!(ui.layout().name, "checklist");
    // The checklist layout has no detail pane, so focus moves to one it shows.
    assert_eq!(ui.focus(), PaneId::Checklist);
    assert!(ui.flash_message().is_some_and(|m| m.contains("checklist")));
    ui.handle_key(ch('l'), &s);
    assert_eq!(ui.layout().name, "traffic-shift");
    // No checklist there: focus goes to the first pane it shows.
    assert_eq!(ui.focus(), PaneId::Errors);
    ui.handle_key(ch('l'), &s);
    assert_eq!(ui.layout().name, "war-room");
    for want in ["light", "high-contrast", "dark"] {
        ui.handle_key(ch('t'), &s);
        assert_eq!(ui.theme().name, want);
    }
}

#[test]
fn filter_narrows_the_rows_and_esc_clears_it() {
    let mut ui = Ui::with_defaults();
    let s = state();
    ui.handle_key(ch('/'), &s);
    assert_eq!(ui.mode(), Mode::Filter);
    for c in "SCAN".chars() {
        // Typed, even keys that mean something in the panes.
        assert_eq!(ui.handle_key(ch(c), &s), None);
    }
    assert_eq!(ui.filter(), "SCAN");
    // The cursor lands on the (case-insensitive) match.
    assert_eq!(ui.cursor(), Some(Row::Item(0, 2)));
    ui.handle_key(key(KeyCode::Enter), &s);
    assert_eq!(ui.mode(), Mode::Normal);
    assert_eq!(ui.filter(), "SCAN");
    let t = draw(&mut ui, &s, 80, 24);
    assert!(find(&t, "No critical vulnerabilities").is_some());
    assert!(find(&t, "Database backup").is_none());
    assert_eq!(ui.handle_key(ch(' '), &s), toggle("t-7d", "scan"));
    ui.handle_key(key(KeyCode::Esc), &s);
    assert_eq!(ui.filter(), "");
    // Backspace edits the filter; esc while typing clears it.
    ui.handle_key(ch('/'), &s);
    ui.handle_key(ch('x'), &s);
    ui.handle_key(key(KeyCode::Backspace), &s);
    ui.handle_key(ch('y'), &s);
    assert_eq!(ui.filter(), "y");
    ui.handle_key(key(KeyCode::Esc), &s);
    assert_eq!((ui.filter(), ui.mode()), ("", Mode::Normal));
}

#[test]
fn folding_hides_a_stages_items() {
    let mut ui = Ui::with_defaults();
    let s = state();
    ui.handle_key(ch('z'), &s);
    assert_eq!(ui.cursor(), Some(Row::Stage(1)));
    let t = draw(&mut ui, &s, 80, 24);
    assert!(find(&t, "▸ ▶ Pre-deployment").is_some());
    assert!(find(&t, "Status page").is_none());
    ui.handle_key(key(KeyCode::Right), &s);
    let t = draw(&mut ui, &s, 80, 24);
    assert!(find(&t, "Status page").is_some());
    ui.handle_key(ch('j'), &s);
    ui.handle_key(key(KeyCode::Left), &s);
    assert_eq!(ui.cursor(), Some(Row::Stage(1)));
}

#[test]
fn scrolling_keeps_the_cursor_visible_in_a_long_checklist() {
    let mut ui = Ui::with_defaults();
    let s = big_state(500);
    draw(&mut ui, &s, 80, 24);
    for _ in 0..7 {
        ui.handle_key(key(KeyCode::PageDown), &s);
    }
    let Some(Row::Item(si, ii)) = ui.cursor() else {
        panic!("cursor on an item: {:?}", ui.cursor());
    };
    let text = &s.runbook.stages[si].items[ii].text;
    let t = draw(&mut ui, &s, 80, 24);
    assert!(find(&t, &text[..20]).is_some(), "{text} visible");
    ui.handle_key(key(KeyCode::End), &s);
    let t = draw(&mut ui, &s, 80, 24);
    assert!(find(&t, "Check number 49 of stage 9").is_some());
    ui.handle_key(key(KeyCode::Home), &s);
    let t = draw(&mut ui, &s, 80, 24);
    assert!(find(&t, "Stage 0").is_some());
}

#[test]
fn movement_scrolls_the_focused_pane() {
    let mut ui = Ui::with_defaults();
    let s = big_state(60);
    draw(&mut ui, &s, 80, 24);
    let before = ui.cursor();
    assert!(before.is_some());
    ui.handle_key(key(KeyCode::Tab), &s);
    ui.handle_key(key(KeyCode::Tab), &s);
    assert_eq!(ui.focus(), PaneId::Events);
    ui.handle_key(key(KeyCode::Up), &s);
    // The checklist cursor stays put while the events pane scrolls back.
    assert_eq!(ui.cursor(), before);
    let t = draw(&mut ui, &s, 80, 24);
    assert!(find(&t, "↑1").is_some());
}
