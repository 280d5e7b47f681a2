//! The checklist pane shows each check live — proven, pass with `for` progress, fail with the
//! value and why, unknown with the reason, what it waits for — and the detail pane what it
//! runs; `T` shows a command's exact argv and asks before recording the trust.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_common;

use crossterm::event::KeyCode;
use ui_common::{Feed, ch, draw, find, item, key, row_text, stage};
use warroom::event::{CheckResult, Event};
use warroom::reduce::checklist::Intent;
use warroom::runbook::check::Argv;
use warroom::runbook::{Check, Runbook};
use warroom::state::State;
use warroom::ui::{Ui, UiAction};

fn promql(expr: &str) -> Option<Check> {
    Some(Check {
        promql: Some(expr.into()),
        ..Check::default()
    })
}

fn runbook() -> Runbook {
    let with = |id: &str, text: &str, check: Option<Check>| {
        let mut i = item(id, text);
        i.check = check;
        i
    };
    Runbook {
        title: "checks".into(),
        source: None,
        stages: vec![
            stage(
                "t-1d",
                "Pre-deployment checks",
                Some("-1d"),
                vec![
                    with("once", "Target up", promql("up == 1")),
                    with(
                        "errors",
                        "Error ratio low",
                        promql("error_ratio < 0.01 for 10m"),
                    ),
                    with("latency", "p99 under 500 ms", promql("p99 < 0.5")),
                    with(
                        "health",
                        "Health endpoint healthy",
                        Some(Check {
                            http: Some("http://127.0.0.1:8080/health".into()),
                            proposed: true,
                            ..Check::default()
                        }),
                    ),
                    with(
                        "smoke",
                        "Smoke tests pass",
                        Some(Check {
                            command: Some(Argv(vec!["./smoke.sh".into(), "--env=prod".into()])),
                            ..Check::default()
                        }),
                    ),
                    with("db", "Database reachable", promql("db_up == 1")),
                    with("manual", "Dashboards reviewed", promql("dash_ok == 1")),
                ],
            ),
            stage(
                "t-0",
                "Release day",
                Some("0"),
                vec![item("go", "Go decided")],
            ),
        ],
    }
}

fn eval(
    item: &str,
    result: CheckResult,
    value: Option<&str>,
    reason: Option<&str>,
    at: &str,
) -> Event {
    Event::CheckEvaluated {
        stage: "t-1d".into(),
        item: item.into(),
        result,
        value: value.map(str::to_string),
        reason: reason.map(str::to_string),
        at: at.parse().expect("ts"),
    }
}

fn state(trusted: bool) -> State {
    let mut f = Feed::new(runbook(), "2026-11-23T15:00:00Z");
    let at = "2026-11-23T17:20:00Z";
    f.push(
        at,
        "lead",
        eval("once", CheckResult::Pass, Some("1"), None, at),
    )
    .push(
        at,
        "lead",
        eval("errors", CheckResult::Pass, Some("0.004"), None, at),
    )
    .push(
        "2026-11-23T17:22:00Z",
        "lead",
        eval(
            "errors",
            CheckResult::Pass,
            Some("0.004"),
            None,
            "2026-11-23T17:22:00Z",
        ),
    )
    .push(
        "2026-11-23T17:24:00Z",
        "lead",
        eval(
            "errors",
            CheckResult::Pass,
            Some("0.004"),
            None,
            "2026-11-23T17:24:00Z",
        ),
    )
    .push(
        at,
        "lead",
        eval(
            "latency",
            CheckResult::Fail,
            Some("0.9"),
            Some("not < 0.5"),
            at,
        ),
    )
    .push(
        at,
        "lead",
        eval("db", CheckResult::Unknown, None, Some("no data"), at),
    )
    .tick("2026-11-23T17:25:00Z", "ann", "t-1d", "manual");
    if trusted {
        f.push(at, "lead", Event::RunbookTrusted {});
    }
    f.state
}

fn ui() -> Ui {
    let mut ui = Ui::with_defaults();
    assert!(ui.select_layout("checklist"));
    ui
}

#[test]
fn the_checklist_shows_each_checks_state() {
    let s = state(false);
    let mut ui = ui();
    let t = draw(&mut ui, &s, 160, 48);
    let row = |needle: &str| {
        let (_, y) = find(&t, needle).unwrap_or_else(|| panic!("no {needle:?} on screen"));
        row_text(&t, y)
    };
    assert!(
        row("Target up").contains("[✓]"),
        "proven: {}",
        row("Target up")
    );
    assert!(row("Target up").contains("proven"));
    let errors = row("Error ratio low");
    assert!(
        errors.contains("✓ pass 0.004") && errors.contains("for 4m/10m"),
        "{errors}"
    );
    assert!(
        errors.contains("[ ]"),
        "not proven before ten minutes: {errors}"
    );
    assert!(row("p99 under 500 ms").contains("✗ fail 0.9: not < 0.5"));
    assert!(row("Database reachable").contains("? unknown: no data"));
    assert!(row("Health endpoint healthy").contains("proposed check (T accepts)"));
    let smoke = row("Smoke tests pass");
    assert!(
        smoke.contains(r#"needs trust: ["./smoke.sh", "--env=prod"] (--trust-runbook)"#),
        "{smoke}"
    );
    let manual = row("Dashboards reviewed");
    assert!(
        manual.contains("[x]") && manual.contains("ann") && manual.contains("manual"),
        "{manual}"
    );
    // The header and stage count a proven item as done: once and manual of seven.
    assert!(
        row("Pre-deployment checks").contains("2/7"),
        "{}",
        row("Pre-deployment checks")
    );
}

#[test]
fn the_detail_pane_shows_what_a_check_runs() {
    let s = state(true);
    let mut ui = Ui::with_defaults();
    // The cursor starts on the first open item (errors); move to smoke.
    for _ in 0..3 {
        ui.handle_key(key(KeyCode::Down), &s);
    }
    let t = draw(&mut ui, &s, 160, 48);
    assert!(find(&t, r#"run ["./smoke.sh", "--env=prod"] → exit 0"#).is_some());
    assert!(find(&t, "not run until you allow this exact argv: press T").is_some());
    // The stage's figures say how many items their checks proved.
    ui.handle_key(key(KeyCode::Home), &s);
    let t = draw(&mut ui, &s, 160, 48);
    assert!(find(&t, "2/7 done (1 proven by checks)").is_some());
}

#[test]
fn t_shows_the_argv_and_enter_records_the_trust() {
    let s = state(false);
    let mut ui = ui();
    for _ in 0..3 {
        ui.handle_key(key(KeyCode::Down), &s);
    }
    // Without --trust-runbook: refused in the footer, nothing asked.
    assert_eq!(ui.handle_key(ch('T'), &s), None);
    assert!(!ui.overlay_open());
    assert!(
        ui.flash_message()
            .is_some_and(|m| m.contains("--trust-runbook")),
        "{:?}",
        ui.flash_message()
    );

    let s = state(true);
    assert_eq!(ui.handle_key(ch('T'), &s), None);
    assert!(ui.overlay_open());
    let t = draw(&mut ui, &s, 160, 48);
    assert!(find(&t, "trust this command?").is_some());
    assert!(find(&t, r#"argv[0] "./smoke.sh""#).is_some());
    assert!(find(&t, r#"argv[1] "--env=prod""#).is_some());
    // esc leaves it off; T and enter trust it.
    assert_eq!(ui.handle_key(key(KeyCode::Esc), &s), None);
    assert!(!ui.overlay_open());
    ui.handle_key(ch('T'), &s);
    assert_eq!(
        ui.handle_key(key(KeyCode::Enter), &s),
        Some(UiAction::Intent(Intent::Trust {
            stage: "t-1d".into(),
            item: "smoke".into()
        }))
    );
    // A check that needs no trust says so.
    ui.handle_key(key(KeyCode::Up), &s);
    ui.handle_key(key(KeyCode::Up), &s);
    assert_eq!(ui.handle_key(ch('T'), &s), None);
    assert!(
        ui.flash_message()
            .is_some_and(|m| m.contains("runs without trust")),
        "{:?}",
        ui.flash_message()
    );
}
