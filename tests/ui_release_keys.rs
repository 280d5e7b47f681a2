//! The keys for deciding and acting, as an operator presses them: every key that changes
//! production opens a confirmation that says what will happen and leaves as a release intent
//! only on enter; refusals are shown before the key press; production asks for the
//! deployment's name; q asks first mid-shift; pastes arrive in one piece.

mod ui_common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ui_common::live::live_now;
use ui_common::release::{self, baked, baking, before_go, lead};
use ui_common::{ch, ctrl, draw_at, key, row_text};
use warroom::config::keymap::Mode;
use warroom::event::{Event, Outcome};
use warroom::release::ReleaseIntent;
use warroom::state::State;
use warroom::ui::{Ui, UiAction};

fn ui() -> Ui {
    let mut ui = Ui::with_defaults();
    ui.set_operator(&lead());
    ui
}

fn now() -> Timestamp {
    live_now()
}

fn press(ui: &mut Ui, s: &State, k: KeyEvent) -> Option<UiAction> {
    ui.handle_key_at(k, s, now())
}

fn typ(ui: &mut Ui, s: &State, text: &str) {
    for c in text.chars() {
        assert_eq!(press(ui, s, ch(c)), None, "typing {c:?}");
    }
}

fn screen(ui: &mut Ui, s: &State, w: u16, h: u16) -> String {
    let t: Terminal<TestBackend> = draw_at(ui, s, w, h, now());
    (0..h).map(|y| row_text(&t, y)).collect::<Vec<_>>().join("\n")
}

/// The text inside the overlay box titled `title`, its rows joined with spaces, so a sentence
/// the box wraps reads whole.
fn boxed(ui: &mut Ui, s: &State, title: &str) -> String {
    let t: Terminal<TestBackend> = draw_at(ui, s, 160, 48, now());
    let (x, y) = ui_common::find(&t, title).unwrap_or_else(|| panic!("no box {title:?}"));
    let top: Vec<char> = row_text(&t, y).chars().collect();
    let left = (0..usize::from(x))
        .rev()
        .find(|&i| matches!(top[i], '┏' | '┌'))
        .expect("top left corner");
    let right = (left + 1..top.len())
        .find(|&i| matches!(top[i], '┓' | '┐'))
        .expect("top right corner");
    let mut out = Vec::new();
    for row in y + 1..48 {
        let cells: Vec<char> = row_text(&t, row).chars().collect();
        if matches!(cells[left], '┗' | '└') {
            break;
        }
        out.push(cells[left + 1..right].iter().collect::<String>());
    }
    let joined = out.join(" ");
    joined.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn release(i: ReleaseIntent) -> Option<UiAction> {
    Some(UiAction::Release(i))
}

#[test]
fn g_shows_the_gates_and_approvals_then_y_asks_for_a_reason_and_enter_goes() {
    let mut f = before_go("demo");
    let mut ui = ui();
    assert_eq!(press(&mut ui, &f.state, ch('g')), None);
    assert_eq!(ui.mode(), Mode::Decide);
    let text = screen(&mut ui, &f.state, 160, 48);
    assert!(text.contains("go for 2.4.0 (round 1): refused now"), "{text}");
    assert!(text.contains("required approvals"), "{text}");
    assert!(text.contains("approvals  0 of 1 for the go of 2.4.0 (round 1)"), "{text}");
    assert!(text.contains("none yet"), "{text}");

    // The approval arrives while the overlay is open: it shows at once.
    release::approve(&mut f, -10);
    let text = screen(&mut ui, &f.state, 160, 48);
    assert!(text.contains("approvals  1 of 1"), "{text}");
    assert!(text.contains("rel (release-manager)"), "{text}");
    assert!(text.contains("would be accepted"), "{text}");

    assert_eq!(press(&mut ui, &f.state, ch('y')), None);
    assert_eq!(ui.mode(), Mode::Confirm);
    let text = screen(&mut ui, &f.state, 160, 48);
    assert!(text.contains("decide GO for 2.4.0 (green) (round 1)"), "{text}");
    assert!(text.contains("the rules accept it now"), "{text}");
    // y and n are typed into the reason now, not read as keys.
    typ(&mut ui, &f.state, "canary metrics fine, no");
    assert_eq!(
        press(&mut ui, &f.state, key(KeyCode::Enter)),
        release(ReleaseIntent::Go {
            reason: "canary metrics fine, no".into(),
            override_reason: None,
        })
    );
    assert_eq!(ui.mode(), Mode::Normal);
}

#[test]
fn a_go_past_failing_gates_says_it_will_be_refused_and_takes_an_emergency_reason() {
    let s = before_go("demo").state;
    let mut ui = ui();
    press(&mut ui, &s, ch('g'));
    press(&mut ui, &s, ch('y'));
    let text = screen(&mut ui, &s, 160, 48);
    assert!(text.contains("go will be refused now: 1 hard gate fails"), "{text}");
    assert!(text.contains("an emergency override would be refused too"), "{text}");
    assert!(text.contains("emergency reason"), "{text}");
    press(&mut ui, &s, key(KeyCode::Tab));
    typ(&mut ui, &s, "CVE fix must ship");
    assert_eq!(
        press(&mut ui, &s, key(KeyCode::Enter)),
        release(ReleaseIntent::Go {
            reason: String::new(),
            override_reason: Some("CVE fix must ship".into()),
        })
    );
}

#[test]
fn in_production_an_override_needs_the_deployment_name_typed() {
    let s = before_go("production").state;
    let mut ui = ui();
    press(&mut ui, &s, ch('g'));
    press(&mut ui, &s, ch('y'));
    press(&mut ui, &s, key(KeyCode::Tab));
    typ(&mut ui, &s, "CVE fix");
    assert_eq!(press(&mut ui, &s, key(KeyCode::Enter)), None);
    let text = screen(&mut ui, &s, 160, 48);
    assert!(
        text.contains("this is production: type the deployment's name, checkout, to confirm"),
        "{text}"
    );
    // The focus went to the name; a wrong name is refused too.
    typ(&mut ui, &s, "checkot");
    assert_eq!(press(&mut ui, &s, key(KeyCode::Enter)), None);
    assert!(screen(&mut ui, &s, 160, 48).contains("('checkot' is not it)"));
    press(&mut ui, &s, key(KeyCode::Backspace));
    typ(&mut ui, &s, "ut");
    assert_eq!(
        press(&mut ui, &s, key(KeyCode::Enter)),
        release(ReleaseIntent::Go {
            reason: String::new(),
            override_reason: Some("CVE fix".into()),
        })
    );
}

#[test]
fn no_go_needs_a_reason_and_esc_goes_back_to_the_gates() {
    let s = before_go("demo").state;
    let mut ui = ui();
    press(&mut ui, &s, ch('g'));
    press(&mut ui, &s, ch('n'));
    assert_eq!(press(&mut ui, &s, key(KeyCode::Enter)), None);
    assert!(screen(&mut ui, &s, 160, 48).contains("type a reason first"));
    press(&mut ui, &s, key(KeyCode::Esc));
    assert_eq!(ui.mode(), Mode::Decide);
    press(&mut ui, &s, ch('n'));
    typ(&mut ui, &s, "staging soak too short");
    assert_eq!(
        press(&mut ui, &s, key(KeyCode::Enter)),
        release(ReleaseIntent::NoGo {
            reason: "staging soak too short".into()
        })
    );
}

#[test]
fn s_says_what_the_step_will_do_and_enter_asks_for_it() {
    let s = baked("demo").state;
    let mut ui = ui();
    assert_eq!(press(&mut ui, &s, ch('s')), None);
    assert_eq!(ui.mode(), Mode::Confirm);
    let text = boxed(&mut ui, &s, "confirm: next traffic step");
    assert!(
        text.contains(
            "send 50 % of traffic to 2.4.0 (green): HTTPRoute checkout weights checkout-blue 50 \
             / checkout-green 50 — step 3 of 4, then bake 30m"
        ),
        "{text}"
    );
    assert!(text.contains("the rules accept it now"), "{text}");
    assert_eq!(
        press(&mut ui, &s, key(KeyCode::Enter)),
        release(ReleaseIntent::Shift {
            override_reason: None
        })
    );
}

#[test]
fn a_step_before_its_bake_is_done_shows_the_refusal_and_offers_an_override() {
    let s = baking("demo").state;
    let mut ui = ui();
    press(&mut ui, &s, ch('s'));
    let text = screen(&mut ui, &s, 160, 48);
    assert!(
        text.contains("will be refused now: step 2 bakes for another 10m"),
        "{text}"
    );
    assert!(text.contains("o override with a reason"), "{text}");
    // The time left is the wall clock's: a minute later it says so.
    let later = now() + jiff::SignedDuration::from_mins(1);
    let t = draw_at(&mut ui, &s, 160, 48, later);
    let text: String = (0..48).map(|y| row_text(&t, y)).collect();
    assert!(text.contains("bakes for another 9m"), "{text}");

    assert_eq!(press(&mut ui, &s, ch('o')), None);
    assert_eq!(press(&mut ui, &s, key(KeyCode::Enter)), None);
    assert!(screen(&mut ui, &s, 160, 48).contains("an override needs a reason"));
    typ(&mut ui, &s, "customer waiting on the fix");
    assert_eq!(
        press(&mut ui, &s, key(KeyCode::Enter)),
        release(ReleaseIntent::Shift {
            override_reason: Some("customer waiting on the fix".into())
        })
    );
}

#[test]
fn an_override_where_the_rules_allow_none_is_refused_on_the_spot() {
    let mut f = baked("demo");
    release::lock_held(&mut f, -2);
    let mut ui = ui();
    press(&mut ui, &f.state, ch('s'));
    let text = screen(&mut ui, &f.state, 160, 48);
    assert!(
        text.contains("will be refused now: cannot shift traffic: the deployment lock"),
        "{text}"
    );
    assert!(!text.contains("override with a reason"), "{text}");
    assert_eq!(press(&mut ui, &f.state, ch('o')), None);
    assert!(
        ui.flash_message()
            .is_some_and(|m| m.contains("the rules allow no override here")),
        "{:?}",
        ui.flash_message()
    );
}

#[test]
fn b_steps_back_and_holds() {
    let s = baked("demo").state;
    let mut ui = ui();
    press(&mut ui, &s, ch('b'));
    let text = boxed(&mut ui, &s, "confirm: step back");
    assert!(
        text.contains(
            "step back to 10 % and hold: HTTPRoute checkout weights checkout-blue 90 / \
             checkout-green 10 — step 1 of 4"
        ),
        "{text}"
    );
    assert_eq!(
        press(&mut ui, &s, key(KeyCode::Enter)),
        release(ReleaseIntent::Back { reason: None })
    );
}

#[test]
fn r_needs_a_reason_takes_a_ticket_and_toggles_undo_on_its_row() {
    let s = baking("demo").state;
    let mut ui = ui();
    press(&mut ui, &s, ch('r'));
    let text = boxed(&mut ui, &s, "confirm: ROLL BACK");
    assert!(
        text.contains(
            "roll back: ALL traffic to 2.3.1 (blue) at once: HTTPRoute checkout weights \
             checkout-blue 100 / checkout-green 0"
        ),
        "{text}"
    );
    assert!(!text.contains("then rollout undo"), "{text}");
    assert_eq!(press(&mut ui, &s, key(KeyCode::Enter)), None);
    // The reason takes every character, u and space included.
    typ(&mut ui, &s, "errors up, users unhappy");
    press(&mut ui, &s, key(KeyCode::Tab));
    typ(&mut ui, &s, "INC-42");
    press(&mut ui, &s, key(KeyCode::Tab));
    press(&mut ui, &s, ch('u'));
    let text = boxed(&mut ui, &s, "confirm: ROLL BACK");
    assert!(text.contains("[x] also rollout undo deployment/checkout-green"), "{text}");
    assert!(
        text.contains("then rollout undo of deployment/checkout-green"),
        "{text}"
    );
    assert_eq!(
        press(&mut ui, &s, key(KeyCode::Enter)),
        release(ReleaseIntent::Rollback {
            reason: "errors up, users unhappy".into(),
            ticket: Some("INC-42".into()),
            undo: true,
        })
    );
}

#[test]
fn a_production_rollback_asks_for_the_name() {
    let s = baking("production").state;
    let mut ui = ui();
    press(&mut ui, &s, ch('r'));
    typ(&mut ui, &s, "errors");
    assert_eq!(press(&mut ui, &s, key(KeyCode::Enter)), None);
    typ(&mut ui, &s, "checkout");
    assert_eq!(
        press(&mut ui, &s, key(KeyCode::Enter)),
        release(ReleaseIntent::Rollback {
            reason: "errors".into(),
            ticket: None,
            undo: false,
        })
    );
}

#[test]
fn p_pauses_and_resumes_at_once_and_a_disarms_only_after_asking() {
    let mut f = baking("demo");
    let mut ui = ui();
    assert_eq!(
        press(&mut ui, &f.state, ch('p')),
        release(ReleaseIntent::Pause { reason: None })
    );
    release::push_as(
        &mut f,
        &release::at(-1),
        &lead(),
        Event::ShiftPaused {
            reason: "paused by lead".into(),
            auto: false,
        },
    );
    assert_eq!(
        press(&mut ui, &f.state, ch('p')),
        release(ReleaseIntent::Resume { reason: None })
    );
    assert!(f.state.release.auto.armed);
    assert_eq!(press(&mut ui, &f.state, ch('a')), None);
    let text = screen(&mut ui, &f.state, 160, 48);
    assert!(text.contains("disarm auto-rollback"), "{text}");
    assert_eq!(
        press(&mut ui, &f.state, key(KeyCode::Enter)),
        release(ReleaseIntent::Arm {
            armed: false,
            reason: None
        })
    );
    release::push_as(
        &mut f,
        &release::at(-1),
        &lead(),
        Event::AutoRollbackArmed {
            armed: false,
            reason: None,
        },
    );
    assert_eq!(
        press(&mut ui, &f.state, ch('a')),
        release(ReleaseIntent::Arm {
            armed: true,
            reason: None
        })
    );
}

#[test]
fn disarming_in_production_needs_a_reason() {
    let s = baking("production").state;
    let mut ui = ui();
    press(&mut ui, &s, ch('a'));
    assert_eq!(press(&mut ui, &s, key(KeyCode::Enter)), None);
    typ(&mut ui, &s, "flapping metric");
    assert_eq!(
        press(&mut ui, &s, key(KeyCode::Enter)),
        release(ReleaseIntent::Arm {
            armed: false,
            reason: Some("flapping metric".into())
        })
    );
}

#[test]
fn m_writes_a_marker_at_any_moment() {
    let s = before_go("demo").state;
    let mut ui = ui();
    press(&mut ui, &s, ch('m'));
    assert_eq!(ui.mode(), Mode::Editor);
    assert!(screen(&mut ui, &s, 80, 24).contains("marker"));
    typ(&mut ui, &s, "paged the DBA");
    assert_eq!(
        press(&mut ui, &s, ctrl('s')),
        release(ReleaseIntent::Marker {
            note: "paged the DBA".into()
        })
    );
}

#[test]
fn q_asks_first_while_a_shift_is_under_way() {
    let s = baking("demo").state;
    let mut ui = ui();
    assert_eq!(press(&mut ui, &s, ch('q')), None);
    assert_eq!(ui.mode(), Mode::Confirm);
    let text = screen(&mut ui, &s, 160, 48);
    assert!(
        text.contains("quit while a shift is under way: 25 % of traffic stays on 2.4.0"),
        "{text}"
    );
    assert!(text.contains("auto-rollback stops watching"), "{text}");
    assert_eq!(press(&mut ui, &s, key(KeyCode::Esc)), None);
    assert_eq!(ui.mode(), Mode::Normal);
    press(&mut ui, &s, ctrl('c'));
    assert_eq!(press(&mut ui, &s, key(KeyCode::Enter)), Some(UiAction::Quit));

    // Before go, and once an action's outcome is in, q quits at once.
    let idle = before_go("demo").state;
    assert_eq!(press(&mut ui, &idle, ch('q')), Some(UiAction::Quit));
}

#[test]
fn q_asks_while_an_action_is_in_flight() {
    let mut f = baked("demo");
    release::act(&mut f, -2, "a3", release::shift(2, 50, 25), None);
    let mut ui = ui();
    press(&mut ui, &f.state, ch('q'));
    let text = screen(&mut ui, &f.state, 160, 48);
    assert!(text.contains("shift (a3) has no outcome yet"), "{text}");
    release::outcome_of(&mut f, -1, "a3", Outcome::Applied, "read back", None);
    assert_eq!(
        press(&mut ui, &f.state, key(KeyCode::Enter)),
        Some(UiAction::Quit)
    );
}

#[test]
fn without_a_config_the_release_keys_say_what_is_missing() {
    let s = ui_common::state();
    let mut ui = ui();
    for c in ['g', 's', 'b', 'r', 'p', 'a'] {
        assert_eq!(press(&mut ui, &s, ch(c)), None, "{c}");
        assert_eq!(ui.mode(), Mode::Normal, "{c}");
        assert!(
            ui.flash_message().is_some_and(|m| m.contains("no warroom.toml")),
            "{c}"
        );
    }
}

#[test]
fn a_paste_goes_into_the_note_in_one_piece_and_the_note_limit_holds() {
    let s = before_go("demo").state;
    let mut ui = ui();
    // Outside a text field a paste never presses keys.
    ui.handle_paste("gy\rs\r");
    assert_eq!(ui.mode(), Mode::Normal);
    assert!(ui.flash_message().is_some_and(|m| m.contains("paste ignored")));

    press(&mut ui, &s, ch('m'));
    let big = "log line\n".repeat(8_000);
    ui.handle_paste(&big);
    let msg = ui.flash_message().unwrap_or_default().to_string();
    assert!(msg.contains("a note holds at most 64 KiB"), "{msg}");
    // Nothing of the refused paste went in; a paste that fits goes in whole.
    ui.handle_paste("pasted\r\nfrom the runbook");
    assert_eq!(
        press(&mut ui, &s, ctrl('s')),
        release(ReleaseIntent::Marker {
            note: "pasted\nfrom the runbook".into()
        })
    );
    let fits = "x".repeat(60 * 1024);
    press(&mut ui, &s, ch('m'));
    ui.handle_paste(&fits);
    assert_eq!(ui.flash_message(), None);
    assert_eq!(
        press(&mut ui, &s, ctrl('s')),
        release(ReleaseIntent::Marker { note: fits })
    );
}

#[test]
fn a_paste_into_a_reason_field_is_one_line() {
    let s = baking("demo").state;
    let mut ui = ui();
    press(&mut ui, &s, ch('r'));
    ui.handle_paste("errors\nat 8 %");
    assert_eq!(
        press(&mut ui, &s, key(KeyCode::Enter)),
        release(ReleaseIntent::Rollback {
            reason: "errors at 8 %".into(),
            ticket: None,
            undo: false,
        })
    );
}

#[test]
fn the_why_panel_opens_by_itself_once_when_auto_rollback_fires() {
    let s = release::auto_rolled_back("demo");
    let mut ui = ui();
    let text = screen(&mut ui, &s, 160, 48);
    assert_eq!(ui.mode(), Mode::Why);
    assert!(
        text.contains("AUTO-ROLLBACK FIRED: green error ratio 8.10 % over 5.00 %"),
        "{text}"
    );
    assert!(
        text.contains("window 5m: 58 of 59 known samples breached; 1 unknown"),
        "{text}"
    );
    assert!(text.contains("error_ratio green 8.10 % over 5.00 %"), "{text}");
    assert!(
        text.contains("error_ratio green unknown (no traffic in the scrape)"),
        "{text}"
    );
    assert!(text.contains("verifying: the checks as they stand now"), "{text}");
    assert!(text.contains("traffic-on-stable"), "{text}");
    assert_eq!(press(&mut ui, &s, key(KeyCode::Esc)), None);
    assert_eq!(ui.mode(), Mode::Normal);
    screen(&mut ui, &s, 160, 48);
    assert_eq!(ui.mode(), Mode::Normal, "it opens once per rollback");
    press(&mut ui, &s, ch('w'));
    assert_eq!(ui.mode(), Mode::Why);
}

#[test]
fn a_note_being_written_is_kept_when_auto_rollback_fires() {
    let before = release::baking("demo").state;
    let after = release::auto_rolled_back("demo");
    let mut ui = ui();
    press(&mut ui, &before, ch('m'));
    typ(&mut ui, &before, "half a thought");
    let _ = screen(&mut ui, &after, 160, 48);
    assert_eq!(ui.mode(), Mode::Editor);
    assert!(
        ui.flash_message()
            .is_some_and(|m| m.contains("auto-rollback fired: w shows why"))
    );
}

#[test]
fn ctrl_and_alt_keys_in_a_field_are_not_typed() {
    let s = baking("demo").state;
    let mut ui = ui();
    press(&mut ui, &s, ch('r'));
    typ(&mut ui, &s, "why");
    press(&mut ui, &s, KeyEvent::new(KeyCode::Char('x'), KeyModifiers::ALT));
    assert_eq!(
        press(&mut ui, &s, key(KeyCode::Enter)),
        release(ReleaseIntent::Rollback {
            reason: "why".into(),
            ticket: None,
            undo: false,
        })
    );
}
