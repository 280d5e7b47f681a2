//! The comms overlay as an operator uses it: `c` opens the draft the phase calls for, tab
//! changes the kind, `e` edits the text in place, enter leaves as the intent to record it;
//! a failed post is in the header and the overlay, and `r` asks for the same text again; the
//! reminder appears once `progress_every` has passed since the last update that went out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_common;

use crossterm::event::{KeyCode, KeyEvent};
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ui_common::live::live_now;
use ui_common::release::{at, auto_rolled_back, baking, lead, push_as};
use ui_common::{actor, ch, ctrl, draw_at, key, row_text};
use warroom::comms::decide::render;
use warroom::comms::{CommsKind, Reminder, reminder};
use warroom::config::keymap::Mode;
use warroom::config::warroom::EnvVar;
use warroom::event::Event;
use warroom::release::{ReleaseIntent, decide};
use warroom::state::State;
use warroom::ui::{Ui, UiAction};

fn ui() -> Ui {
    let mut ui = Ui::with_defaults();
    ui.set_operator(&lead());
    ui
}

fn press(ui: &mut Ui, s: &State, k: KeyEvent) -> Option<UiAction> {
    ui.handle_key_at(k, s, live_now())
}

fn screen_at(ui: &mut Ui, s: &State, now: Timestamp) -> String {
    let t: Terminal<TestBackend> = draw_at(ui, s, 160, 48, now);
    (0..48)
        .map(|y| row_text(&t, y))
        .collect::<Vec<_>>()
        .join("\n")
}

fn screen(ui: &mut Ui, s: &State) -> String {
    screen_at(ui, s, live_now())
}

fn header(ui: &mut Ui, s: &State, now: Timestamp) -> String {
    let t: Terminal<TestBackend> = draw_at(ui, s, 160, 48, now);
    row_text(&t, 0)
}

#[test]
fn c_drafts_the_update_the_phase_calls_for_and_enter_records_the_edited_text() {
    let s = baking("demo").state;
    let mut ui = ui();
    assert_eq!(press(&mut ui, &s, ch('c')), None);
    assert_eq!(ui.mode(), Mode::Comms);
    let text = screen(&mut ui, &s);
    assert!(text.contains("comms: status update"), "{text}");
    // Nothing went out since the go: the start update first.
    assert!(
        text.contains("Subject: Demo Deployment Started - checkout 2.4.0"),
        "{text}"
    );
    assert!(text.contains("recorded only: no webhook"), "{text}");

    // Tab: the progress update, with the error rate and p95 of the moment.
    press(&mut ui, &s, key(KeyCode::Tab));
    let text = screen(&mut ui, &s);
    let draft = render(
        &s,
        s.config.as_deref().unwrap(),
        CommsKind::Progress,
        live_now(),
        &lead(),
    );
    for line in draft.lines().filter(|l| !l.is_empty()) {
        assert!(text.contains(line), "{line:?} not in the overlay:\n{text}");
    }

    // e edits in place: the text is typed into, ctrl-s keeps the edit.
    press(&mut ui, &s, ch('e'));
    assert_eq!(ui.mode(), Mode::Editor);
    let text = screen(&mut ui, &s);
    assert!(text.contains("comms: edit the progress update"), "{text}");
    for c in "[canary] ".chars() {
        assert_eq!(press(&mut ui, &s, ch(c)), None);
    }
    press(&mut ui, &s, ctrl('s'));
    assert_eq!(ui.mode(), Mode::Comms);
    let text = screen(&mut ui, &s);
    assert!(
        text.contains("[canary] Subject: Deployment Progress Update - 25% traffic shifted"),
        "{text}"
    );
    assert!(text.contains("edited"), "{text}");

    // Enter: the edited text leaves as the intent to record it (no webhook: no post).
    let Some(UiAction::Release(ReleaseIntent::Comms { kind, text, post })) =
        press(&mut ui, &s, key(KeyCode::Enter))
    else {
        panic!("enter records the update");
    };
    assert_eq!((kind, post), (CommsKind::Progress, false));
    let text = text.expect("the text as shown");
    assert_eq!(text, format!("[canary] {draft}"));
    assert_eq!(ui.mode(), Mode::Normal);
}

#[test]
fn an_edit_dropped_with_esc_leaves_the_draft_and_esc_closes() {
    let s = baking("demo").state;
    let mut ui = ui();
    press(&mut ui, &s, ch('c'));
    press(&mut ui, &s, ch('e'));
    for c in "junk".chars() {
        press(&mut ui, &s, ch(c));
    }
    press(&mut ui, &s, key(KeyCode::Esc));
    assert_eq!(ui.mode(), Mode::Comms);
    assert!(!screen(&mut ui, &s).contains("junk"));
    press(&mut ui, &s, key(KeyCode::Esc));
    assert_eq!(ui.mode(), Mode::Normal);
}

/// The baking release with a webhook configured, an update c1 whose post failed.
fn failed_post() -> State {
    let mut f = baking("demo");
    let mut cfg = f.state.config.clone().unwrap();
    cfg.comms.webhook_url_env = Some(EnvVar("WARROOM_TEST_WEBHOOK_UNSET".into()));
    f.state.config = Some(cfg);
    push_as(
        &mut f,
        &at(-120),
        &lead(),
        Event::CommsDrafted {
            id: "c1".into(),
            kind: CommsKind::Start,
            text: "Subject: Demo Deployment Started - checkout 2.4.0".into(),
            post: true,
        },
    );
    push_as(
        &mut f,
        &at(-119),
        &actor("warroom", ""),
        Event::CommsSent {
            id: "c1".into(),
            ok: false,
            detail: "HTTP 500 Internal Server Error: internal_error".into(),
            attempt: 1,
        },
    );
    f.state
}

#[test]
fn a_failed_post_is_shown_and_r_asks_for_the_same_text_again() {
    let s = failed_post();
    let mut ui = ui();
    let head = header(&mut ui, &s, live_now());
    assert!(head.contains("✉ c1 post failed (c)"), "{head}");
    press(&mut ui, &s, ch('c'));
    let text = screen(&mut ui, &s);
    assert!(
        text.contains("post FAILED: HTTP 500 Internal Server Error: internal_error"),
        "{text}"
    );
    assert!(
        text.contains("the text of c1 is kept: r posts it again, word for word"),
        "{text}"
    );
    assert!(text.contains("r retry the failed post"), "{text}");
    assert_eq!(
        press(&mut ui, &s, ch('r')),
        Some(UiAction::Release(ReleaseIntent::CommsRetry {
            id: Some("c1".into())
        }))
    );
    // The retry is decided against the state: the webhook's variable is not set here, so it
    // is refused with the reason, and the text stays.
    let refused = decide(
        &s,
        ReleaseIntent::CommsRetry { id: None },
        live_now(),
        &lead(),
    )
    .expect_err("no webhook URL in this environment");
    assert!(
        refused
            .reason
            .contains("$WARROOM_TEST_WEBHOOK_UNSET is not set"),
        "{refused}"
    );
    assert_eq!(
        s.comms.get("c1").map(|u| u.text.as_str()),
        Some("Subject: Demo Deployment Started - checkout 2.4.0")
    );
}

#[test]
fn the_recorded_update_is_the_one_decided_and_an_observer_is_refused() {
    let s = baking("demo").state;
    let intent = ReleaseIntent::Comms {
        kind: CommsKind::Progress,
        text: None,
        post: false,
    };
    let d = decide(&s, intent.clone(), live_now(), &lead()).expect("the lead may");
    let Event::CommsDrafted {
        id,
        kind,
        text,
        post,
    } = d.event
    else {
        panic!("{:?}", d.event);
    };
    assert_eq!(
        (id.as_str(), kind, post),
        ("c1", CommsKind::Progress, false)
    );
    assert_eq!(
        text,
        render(
            &s,
            s.config.as_deref().unwrap(),
            CommsKind::Progress,
            live_now(),
            &lead()
        )
    );
    let r = decide(&s, intent, live_now(), &actor("obs", "observer")).expect_err("observer");
    assert!(
        r.reason.contains("may not record or post status updates"),
        "{r}"
    );
}

#[test]
fn a_progress_update_is_due_progress_every_after_the_last_one_that_went_out() {
    // Go was 35 minutes before the fixture's now; progress_every is 30m.
    let mut f = baking("demo");
    let cfg = f.state.config.clone().unwrap();
    let go = live_now() - SignedDuration::from_mins(35);
    let mut ui = ui();
    let before = go + SignedDuration::from_mins(29);
    assert_eq!(reminder(&f.state, &cfg, before), None);
    assert!(!header(&mut ui, &f.state, before).contains('✉'));
    let due = go + SignedDuration::from_mins(30);
    assert_eq!(
        reminder(&f.state, &cfg, due),
        Some(Reminder::Due { since: due })
    );
    let head = header(&mut ui, &f.state, live_now());
    assert!(head.contains("✉ update due 5m ago (c)"), "{head}");

    // An update went out two minutes ago: the next one is due in 28 minutes.
    push_as(
        &mut f,
        &at(-120),
        &lead(),
        Event::CommsDrafted {
            id: "c1".into(),
            kind: CommsKind::Progress,
            text: "Subject: Deployment Progress Update - 25% traffic shifted".into(),
            post: false,
        },
    );
    assert_eq!(reminder(&f.state, &cfg, live_now()), None);
    assert!(!header(&mut ui, &f.state, live_now()).contains('✉'));
    let next = live_now() + SignedDuration::from_mins(28);
    assert_eq!(
        reminder(&f.state, &cfg, next),
        Some(Reminder::Due { since: next })
    );
    assert!(header(&mut ui, &f.state, next).contains("✉ update due (c)"));

    // No reminder once the release rolled back: the rollback update is the one to send.
    let s = auto_rolled_back("demo");
    assert_eq!(
        reminder(&s, &cfg, live_now() + SignedDuration::from_hours(2)),
        None
    );
}

#[test]
fn the_help_lists_the_comms_keys_and_a_paste_lands_in_the_edit() {
    let s = baking("demo").state;
    let mut ui = ui();
    press(&mut ui, &s, ch('?'));
    let text = screen(&mut ui, &s);
    assert!(text.contains("comms update  (comms)"), "{text}");
    press(&mut ui, &s, key(KeyCode::Esc));
    press(&mut ui, &s, ch('c'));
    ui.handle_paste("ignored");
    assert_eq!(
        ui.flash_message(),
        Some("paste ignored: e edits the update's text")
    );
    press(&mut ui, &s, ch('e'));
    ui.handle_paste("INC-4242 ");
    press(&mut ui, &s, ctrl('s'));
    let Some(UiAction::Release(ReleaseIntent::Comms { text, .. })) =
        press(&mut ui, &s, key(KeyCode::Enter))
    else {
        panic!("enter records");
    };
    assert!(text.unwrap().starts_with("INC-4242 Subject:"));
}
