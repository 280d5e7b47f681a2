//! Style assertions: colours are not in text snapshots, so check cells carry the theme's
//! role styles (crit for overdue rows, focus for the focused pane, selected for the cursor,
//! danger once the session ended) in every built-in theme.

mod ui_common;

use crossterm::event::KeyCode;
use ratatui::style::Style;
use ui_common::{Feed, ch, draw, find, key, runbook, state};
use warroom::config::theme::Role;
use warroom::event::Event;
use warroom::ui::Ui;

/// Whether a cell's style carries everything `want` sets.
fn carries(cell: Style, want: Style) -> bool {
    want.fg.is_none_or(|c| cell.fg == Some(c))
        && want.bg.is_none_or(|c| cell.bg == Some(c))
        && cell.add_modifier.contains(want.add_modifier)
}

fn style_at(t: &ratatui::Terminal<ratatui::backend::TestBackend>, x: u16, y: u16) -> Style {
    t.backend().buffer()[(x, y)].style()
}

#[test]
fn overdue_rows_use_crit_and_the_cursor_and_focus_stand_out_in_every_theme() {
    let s = state();
    let mut ui = Ui::with_defaults();
    for _ in 0..ui.themes().len() {
        let theme = ui.theme().clone();
        let t = draw(&mut ui, &s, 160, 48);
        let crit = theme.style(Role::Crit);
        assert_ne!(crit, Style::default(), "{}: crit is styled", theme.name);

        let (x, y) = find(&t, "No critical vulnerabilities").expect("overdue row");
        assert!(
            carries(style_at(&t, x, y), crit),
            "{}: overdue text",
            theme.name
        );
        let (x, y) = find(&t, "OVERDUE").expect("badge");
        assert!(carries(style_at(&t, x, y), crit), "{}: badge", theme.name);
        let (x, y) = find(&t, "⚠ 1 overdue").expect("header count");
        assert!(
            carries(style_at(&t, x, y), crit),
            "{}: header count",
            theme.name
        );
        // An open item that is not overdue does not look critical.
        let (x, y) = find(&t, "Go/no-go meeting").expect("open row");
        assert!(!carries(style_at(&t, x, y), crit) || crit == theme.style(Role::Text));

        // The checklist is focused: its border uses the focus role, the detail's does not.
        let focus = theme.style(Role::Focus);
        assert!(
            carries(style_at(&t, 0, 1), focus),
            "{}: focused border",
            theme.name
        );
        let (dx, dy) = find(&t, " detail ").expect("detail title");
        assert!(carries(style_at(&t, dx - 1, dy), theme.style(Role::Border)));

        // The cursor row (t-1d/comms) carries the selected role across the row.
        let selected = theme.style(Role::Selected);
        let (x, y) = find(&t, "[ ] Status page maintenance").expect("cursor row");
        assert!(
            carries(style_at(&t, x, y), selected),
            "{}: cursor row",
            theme.name
        );
        assert!(
            carries(style_at(&t, 2, y), selected),
            "{}: row start",
            theme.name
        );
        ui.handle_key(ch('t'), &s);
    }
}

#[test]
fn focus_follows_tab() {
    let s = state();
    let mut ui = Ui::with_defaults();
    ui.handle_key(key(KeyCode::Tab), &s);
    let t = draw(&mut ui, &s, 160, 48);
    let theme = ui.theme();
    let (dx, dy) = find(&t, " detail ").expect("detail title");
    assert!(carries(style_at(&t, dx - 1, dy), theme.style(Role::Focus)));
    assert!(carries(style_at(&t, 0, 1), theme.style(Role::Border)));
}

#[test]
fn an_ended_session_is_marked_with_the_danger_role() {
    let mut f = Feed::new(runbook(), "2026-11-17T09:00:00Z");
    f.push(
        "2026-11-23T17:00:00Z",
        "lead",
        Event::SessionEnded {
            reason: "quit".into(),
        },
    );
    let mut ui = Ui::with_defaults();
    let t = draw(&mut ui, &f.state, 160, 48);
    let danger = ui.theme().style(Role::Danger);
    let (x, y) = find(&t, "ENDED (quit)").expect("ended marker");
    assert_eq!(y, 0, "in the header");
    assert!(carries(style_at(&t, x, y), danger));
    let (x, y) = find(&t, "session ended (quit)").expect("events line");
    assert!(carries(style_at(&t, x, y), danger));
}

#[test]
fn control_characters_and_escapes_from_data_never_reach_the_screen() {
    let mut rb = runbook();
    rb.title = "rel\u{1b}]0;owned\u{7}ease".into();
    rb.stages[1].items[1].text = "Status \u{1b}[31mpage\u{1b}[0m \u{202e}announced\r\n\u{7}".into();
    let mut f = Feed::new(rb, "2026-11-17T09:00:00Z");
    // Tick backup so the cursor (and the detail pane) starts on comms.
    f.tick("2026-11-23T16:10:00Z", "ops1", "t-1d", "backup")
        .note(
            "2026-11-23T16:12:00Z",
            "op\u{1b}[2Jx",
            "t-1d",
            "comms",
            "see \u{1b}]8;;http://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\ \u{9b}1mdone",
        );
    let mut ui = Ui::with_defaults();
    let t = draw(&mut ui, &f.state, 160, 48);
    let buf = t.backend().buffer();
    for cell in buf.content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "control character {:?} drawn",
            cell.symbol()
        );
    }
    assert!(find(&t, "release").is_some());
    assert!(find(&t, "Status page announced").is_some());
    assert!(
        find(&t, "see link done").is_some(),
        "note cleaned in the detail pane"
    );
    assert!(find(&t, "opx").is_some(), "actor cleaned");
}
