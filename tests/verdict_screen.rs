//! The canary verdict on screen during a shift, from recorded counters fed through the
//! reducer: the traffic pane's line (NODATA without counters, never "pass"; inconclusive while
//! Kayenta has too few samples; pass over a healthy window; WORSE for a bad canary, saying it
//! does not roll back while `[auto_rollback] sequential` is off) and the why panel's numbers.

mod ui_common;

use crossterm::event::KeyCode;
use ui_common::live::live_now;
use ui_common::release::{self, at, baked};
use ui_common::{Feed, actor, draw_at, find, key, row_text};
use warroom::config::layout::PaneId;
use warroom::event::{CounterRow, Event};
use warroom::state::State;
use warroom::ui::Ui;
use warroom::verdict::VersionCounts;
use warroom::verdict::simulate::{CanaryModel, bounds};

fn row(version: &str) -> CounterRow {
    CounterRow {
        version: version.into(),
        requests: 0.0,
        errors: 0.0,
        le: bounds(),
        buckets: vec![0.0; bounds().len() + 1],
    }
}

fn add(r: &mut CounterRow, v: &VersionCounts) {
    r.requests += v.requests as f64;
    r.errors += v.errors as f64;
    let mut below = 0.0;
    for (cum, n) in r.buckets.iter_mut().zip(&v.buckets) {
        below += *n as f64;
        *cum += below;
    }
}

/// `polls` polls of `model` at 25 % (the fixture's current step), 2 s apart, ending now.
fn counted(mut f: Feed, model: &CanaryModel, polls: usize) -> State {
    let model = CanaryModel {
        candidate_share: 0.25,
        stable_share: 0.75,
        ..model.clone()
    };
    let (mut blue, mut green) = (row("blue"), row("green"));
    let start = -2 * i64::try_from(polls).expect("polls");
    let record = |f: &mut Feed, when: i64, blue: &CounterRow, green: &CounterRow| {
        release::push_as(
            f,
            &at(when),
            &actor("warroom", ""),
            Event::CountsObserved {
                source: "scrape".into(),
                at: ui_common::ts(&at(when)),
                counts: vec![blue.clone(), green.clone()],
            },
        );
    };
    record(&mut f, start, &blue, &green);
    for (i, p) in model.polls(22).take(polls).enumerate() {
        add(&mut green, p.candidate.as_ref().expect("candidate"));
        add(&mut blue, p.stable.as_ref().expect("stable"));
        let when = start + 2 * (i64::try_from(i).expect("i") + 1);
        record(&mut f, when, &blue, &green);
    }
    f.state
}

fn traffic_pane(s: &State) -> Ui {
    let mut ui = Ui::with_defaults();
    assert!(ui.select_layout("traffic-shift"));
    ui.set_operator(&release::lead());
    while ui.focus() != PaneId::Traffic {
        ui.handle_key_at(key(KeyCode::Tab), s, live_now());
    }
    ui.handle_key_at(key(KeyCode::Enter), s, live_now());
    ui
}

/// The verdict row of the maximised traffic pane.
fn verdict_row(s: &State) -> String {
    let mut ui = traffic_pane(s);
    let t = draw_at(&mut ui, s, 160, 48, live_now());
    let (_, y) = find(&t, "verdict").expect("a verdict line during the shift");
    row_text(&t, y)
}

fn why(s: &State) -> String {
    let mut ui = traffic_pane(s);
    ui.handle_key_at(ui_common::ch('w'), s, live_now());
    let t = draw_at(&mut ui, s, 160, 48, live_now());
    (0..48).map(|y| row_text(&t, y) + "\n").collect()
}

#[test]
fn without_counters_the_verdict_is_nodata_never_pass() {
    let s = baked("demo").state;
    let line = verdict_row(&s);
    assert!(
        line.contains("verdict NODATA: no request counters recorded"),
        "{line}"
    );
    assert!(!line.contains("pass"), "{line}");
    assert!(why(&s).contains("canary verdict NODATA"));
}

#[test]
fn a_few_polls_are_inconclusive_with_the_evidence_so_far() {
    let s = counted(baked("demo"), &CanaryModel::healthy(), 8);
    let line = verdict_row(&s);
    assert!(line.contains("verdict: inconclusive · e "), "{line}");
    assert!(line.contains(" of 100 (errors "), "{line}");
    assert!(line.contains("MW 1 of 10 samples"), "{line}");
}

#[test]
fn a_healthy_window_passes_with_the_numbers_behind_it() {
    let s = counted(baked("demo"), &CanaryModel::healthy(), 120);
    let line = verdict_row(&s);
    assert!(line.contains("verdict: pass · e "), "{line}");
    assert!(line.contains("MW errors Pass"), "{line}");
    assert!(line.contains("latency Pass"), "{line}");
    let ev = s.verdict.monitor.evidence();
    assert_eq!(ev.polls, 120);
    let panel = why(&s);
    assert!(panel.contains("canary verdict: pass"), "{panel}");
    assert!(panel.contains("window at 25 %"), "{panel}");
    assert!(
        panel.contains(&format!("of {} requests", ev.candidate.requests)),
        "{panel}"
    );
    assert!(
        panel.contains("Kayenta PASS (score 100) over 24 samples"),
        "{panel}"
    );
}

#[test]
fn a_bad_canary_reads_worse_and_says_it_does_not_act_when_the_rule_is_off() {
    let s = counted(baked("demo"), &CanaryModel::bad_canary(), 20);
    let line = verdict_row(&s);
    assert!(line.contains("verdict WORSE: errors "), "{line}");
    assert!(line.contains("≥ 1/α=100 at poll "), "{line}");
    assert!(line.contains("(does not roll back)"), "{line}");
    let panel = why(&s);
    assert!(
        panel.contains("shown only: [auto_rollback] sequential is off"),
        "{panel}"
    );
    assert!(panel.contains("WORSE at poll"), "{panel}");
}
