//! The gates pane: snapshots (insta + TestBackend, fixed clock) of the war-room layout before
//! go and of the traffic-shift layout during a shift, at 80×24 and 160×48, and the pane
//! maximised; styles asserted cell by cell (a failing hard gate is crit, an advisory one warn,
//! a passing one ok; the preview's refusal is crit).

mod ui_common;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use ui_common::live::{self, Scenario, live_now};
use ui_common::{Feed, draw_at, find, key};
use warroom::config::layout::PaneId;
use warroom::config::theme::Role;
use warroom::config::warroom::{Strategy, WarroomConfig, parse_str};
use warroom::event::{
    Action, Actor, DecisionKind, DecisionRef, Event, GateId, GateResult, GateStatus, Outcome,
};
use warroom::runbook::Format;
use warroom::state::State;
use warroom::ui::Ui;

const DIGEST: &str = "sha256:4f1c9d0a7be2e3c1d6f0a8b9c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1";

/// The live fixtures' config with gates: Tue–Thu 10:00–14:00 in New York (LIVE_NOW, Tue
/// 15:40 UTC, is 10:40 there), a Black Friday freeze ahead, staging, soak, scan, one approval
/// from a platform lead, and the checklist advisory.
fn config() -> WarroomConfig {
    let text = format!(
        r#"
[deployment]
name = "checkout"
release = "2.4.0"
stable = "2.3.1"
image = "registry.example.com/shop/checkout:2.4.0@{DIGEST}"
timezone = "America/New_York"

[versions]
stable = "blue"
candidate = "green"

[prometheus]
url = "http://prometheus.monitoring:9090"

[kubernetes]
namespace = "shop"
stable = "deployment/checkout-blue"
candidate = "deployment/checkout-green"
route = "checkout"

[traffic]
strategy = "httproute-weights"
steps = [{{ weight = 10, bake = "15m" }}, {{ weight = 25, bake = "15m" }}, {{ weight = 50, bake = "30m" }}, {{ weight = 100, bake = "30m" }}]

[gates]
window = {{ days = ["Tue", "Wed", "Thu"], from = "10:00", to = "14:00" }}
freeze = [{{ from = "2026-11-26", to = "2026-11-30", reason = "Black Friday" }}]
staging_soak = "1h"
staging_verified = {{ http = "https://ci.example.com/verify/2.4.0", expect_json = {{ status = "PASSED" }}, deployed_at_field = "deployedAt" }}
vulnerabilities = {{ report = "trivy.json" }}
approvals = {{ required = 1, roles = ["platform-lead"] }}
advisory = ["checklist"]
"#
    );
    parse_str(&text, Format::Toml, "warroom.toml").expect("gates config")
}

fn at(secs: i64) -> String {
    (live_now() + SignedDuration::from_secs(secs)).to_string()
}

fn observed(
    f: &mut Feed,
    when: i64,
    gate: GateId,
    status: GateStatus,
    why: &str,
    evidence: serde_json::Value,
) {
    f.push(
        &at(when),
        "warroom",
        Event::GateObserved {
            result: GateResult {
                gate,
                status,
                hard: true,
                why: why.into(),
                evidence,
            },
        },
    );
}

/// The healthy live state, before go: staging verified, 40 minutes of a 1 h soak, one
/// critical finding, no approval yet.
fn before_go() -> Feed {
    let mut state = live::state(Scenario::Healthy);
    state.config = Some(Box::new(config()));
    let mut f = Feed { state, seq: 5_000 };
    observed(
        &mut f,
        -60,
        GateId::StagingVerified,
        GateStatus::Pass,
        "staging verified: status = \"PASSED\"",
        json!({}),
    );
    let deployed = live_now() - SignedDuration::from_mins(40);
    observed(
        &mut f,
        -60,
        GateId::StagingSoak,
        GateStatus::Fail,
        "in staging for 39m of 1h; met in 21m",
        json!({ "deployed_at": deployed.to_string() }),
    );
    observed(
        &mut f,
        -60,
        GateId::Vulnerabilities,
        GateStatus::Fail,
        "1 critical (allowed 0) in trivy.json: CVE-2026-0001",
        json!({ "critical": 1 }),
    );
    f
}

fn lead() -> Actor {
    Actor {
        name: "lead".into(),
        role: "deployment-lead".into(),
        host: "test".into(),
    }
}

fn go_ref() -> DecisionRef {
    DecisionRef {
        kind: DecisionKind::Go,
        release: Some("2.4.0".into()),
        round: 1,
        step: None,
    }
}

/// Go decided 30 minutes ago; 25 % on the candidate since 5 minutes ago (step 2 bakes 15m).
fn shifting() -> State {
    let mut f = before_go();
    f.push(
        &at(-35 * 60),
        "lead",
        Event::GoNoGoDecided {
            go: true,
            approvals: vec![],
            decision: go_ref(),
            reason: "go".into(),
            gates: vec![],
            overridden: None,
            baseline: None,
        },
    );
    for (id, step, weight, from, when) in [("a1", 0, 10, 0, -30 * 60), ("a2", 1, 25, 10, -5 * 60)] {
        f.push(
            &at(when),
            "lead",
            Event::ActionRequested {
                id: id.into(),
                action: Action::Shift {
                    step,
                    weight,
                    from,
                    strategy: Strategy::HttprouteWeights,
                    override_bake: None,
                },
            },
        );
        f.push(
            &at(when),
            "warroom",
            Event::ActionOutcome {
                id: id.into(),
                outcome: Outcome::Applied,
                detail: "weights patched and read back".into(),
                before: None,
                after: None,
                versions: vec![],
                changed_by: None,
            },
        );
    }
    f.state
}

fn ui(layout: &str) -> Ui {
    let mut ui = Ui::with_defaults();
    assert!(ui.select_layout(layout), "no layout {layout}");
    ui.set_operator(&lead());
    ui
}

fn draw(ui: &mut Ui, s: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    draw_at(ui, s, w, h, live_now())
}

fn now() -> Timestamp {
    live_now()
}

#[test]
fn war_room_before_go_80x24() {
    let s = before_go().state;
    assert_snapshot!(draw(&mut ui("war-room"), &s, 80, 24).backend());
}

#[test]
fn war_room_before_go_160x48() {
    let s = before_go().state;
    assert_snapshot!(draw(&mut ui("war-room"), &s, 160, 48).backend());
}

#[test]
fn traffic_shift_during_a_shift_80x24() {
    assert_snapshot!(draw(&mut ui("traffic-shift"), &shifting(), 80, 24).backend());
}

#[test]
fn traffic_shift_during_a_shift_160x48() {
    assert_snapshot!(draw(&mut ui("traffic-shift"), &shifting(), 160, 48).backend());
}

/// The gates pane alone, focused with tab and maximised with enter.
fn maximised(s: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    maximised_at(s, w, h, now())
}

fn maximised_at(s: &State, w: u16, h: u16, at: Timestamp) -> Terminal<TestBackend> {
    let mut u = ui("war-room");
    while u.focus() != PaneId::Gates {
        u.handle_key(key(KeyCode::Tab), s);
    }
    u.handle_key(key(KeyCode::Enter), s);
    assert_eq!(u.maximised(), Some(PaneId::Gates));
    draw_at(&mut u, s, w, h, at)
}

#[test]
fn gates_maximised_before_go_80x24() {
    assert_snapshot!(maximised(&before_go().state, 80, 24).backend());
}

#[test]
fn gates_maximised_during_a_shift_160x48() {
    assert_snapshot!(maximised(&shifting(), 160, 48).backend());
}

#[test]
fn the_pane_says_what_blocks_go_and_counts_down_to_the_window_closing() {
    let t = maximised(&before_go().state, 160, 48);
    assert!(find(&t, "gates 3 blocking · window closes in 3h 20m").is_some());
    assert!(
        find(
            &t,
            "▶ go for 2.4.0 (round 1): refused now (3 hard gates fail)"
        )
        .is_some()
    );
    // The soak is counted on from the recorded deployed-at time, not the recorded why.
    assert!(find(&t, "in staging for 40m of 1h; met in 20m").is_some());
    assert!(find(&t, "0 of 1 approvals for the go of 2.4.0 (round 1)").is_some());
    assert!(find(&t, "no freeze now; next Black Friday from 2026-11-26").is_some());
    // The blocking gates come first, the advisory one next.
    let row = |needle: &str| find(&t, needle).map(|(_, y)| y).expect(needle);
    assert!(row("staging soak time") < row("required checklist items"));
    assert!(row("required checklist items") < row("staging verified"));
}

#[test]
fn after_the_window_closes_the_title_says_when_it_opens() {
    let s = before_go().state;
    // Tue 14:30 in New York.
    let later = now() + SignedDuration::from_hours(4) - SignedDuration::from_mins(10);
    let t = maximised_at(&s, 160, 48, later);
    assert!(find(&t, "window opens Wed 10:00 (in 19h 30m)").is_some());
}

#[test]
fn a_window_closing_before_the_plan_ends_is_a_warning_and_the_countdown_turns_warn() {
    let s = before_go().state;
    // Tue 13:50 in New York: ten minutes left, the plan's bakes take 1h 30m.
    let late = now() + SignedDuration::from_mins(3 * 60 + 10);
    let t = maximised_at(&s, 160, 48, late);
    assert!(
        find(
            &t,
            "! plan: the window closes in 10m; the plan's bakes take 1h 30m"
        )
        .is_some()
    );
    let theme = ui("war-room").theme().clone();
    let (x, y) = find(&t, "window closes in 10m").expect("countdown");
    let got = t.backend().buffer()[(x, y)].style();
    assert_eq!(got.fg, theme.style(Role::Warn).fg);
}

#[test]
fn during_a_shift_the_preview_names_what_the_next_step_meets() {
    let t = maximised(&shifting(), 160, 48);
    assert!(find(&t, "▶ step 3 of 4: 50 % to green: refused now (1 reason)").is_some());
    assert!(
        find(
            &t,
            "✗ bake: step 2 bakes for another 10m (override with a reason)"
        )
        .is_some()
    );
}

#[test]
fn failing_gates_are_crit_advisory_ones_warn_and_passing_ones_ok_in_every_theme() {
    let s = before_go().state;
    let mut u = ui("war-room");
    while u.focus() != PaneId::Gates {
        u.handle_key(key(KeyCode::Tab), &s);
    }
    u.handle_key(key(KeyCode::Enter), &s);
    for _ in 0..u.themes().len() {
        let theme = u.theme().clone();
        let t = draw(&mut u, &s, 160, 48);
        let style = |needle: &str| {
            let (x, y) = find(&t, needle).unwrap_or_else(|| panic!("{needle:?} on screen"));
            t.backend().buffer()[(x, y)].style()
        };
        let is = |needle: &str, role: Role| {
            let want = theme.style(role);
            let got = style(needle);
            assert!(
                want.fg.is_none_or(|c| got.fg == Some(c))
                    && got.add_modifier.contains(want.add_modifier),
                "{}: {needle:?} should be {} ({want:?}), is {got:?}",
                theme.name,
                role.name()
            );
        };
        assert_ne!(theme.style(Role::Crit), theme.style(Role::Ok));
        is("✗ no critical vulnerabilities", Role::Crit);
        is("1 critical (allowed 0)", Role::Crit);
        is("✗ required checklist items", Role::Warn);
        is("✓ staging verified", Role::Ok);
        is("▶ go for 2.4.0", Role::Crit);
        is("3 blocking", Role::Crit);
        u.handle_key(ui_common::ch('t'), &s);
    }
}

#[test]
fn without_a_config_the_pane_says_what_it_needs() {
    let t = maximised(&ui_common::state(), 160, 48);
    assert!(find(&t, "no warroom.toml: gates and go/no-go need one (-c FILE)").is_some());
}
