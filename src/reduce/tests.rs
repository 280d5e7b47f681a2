//! Reducer unit tests: ticks, notes, stage progression from the clock, overdue items.

use jiff::Timestamp;

use super::checklist::{self, Intent, Refusal, decide};
use super::reduce;
use crate::effect::Effect;
use crate::event::{Actor, Envelope, Event, LOG_VERSION};
use crate::runbook::{Item, Offset, Runbook, Stage};
use crate::state::State;

pub(crate) fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn actor(name: &str) -> Actor {
    Actor {
        name: name.into(),
        role: "deployment-lead".into(),
        host: "test".into(),
    }
}

pub(crate) fn env(seq: u64, at: &str, event: Event) -> Envelope {
    Envelope {
        v: LOG_VERSION,
        seq,
        at: ts(at),
        session: "s".into(),
        actor: actor("ann"),
        event,
        prev: String::new(),
        hash: format!("h{seq}"),
    }
}

fn item(id: &str, required: bool) -> Item {
    Item {
        id: id.into(),
        text: format!("do {id}"),
        required,
        role: None,
        commands: vec![],
        notes: vec![],
        check: None,
    }
}

fn stage(id: &str, offset: Option<&str>, items: Vec<Item>) -> Stage {
    Stage {
        id: id.into(),
        title: id.into(),
        offset: offset.map(|o| o.parse::<Offset>().expect("offset")),
        notes: vec![],
        items,
    }
}

pub(crate) fn runbook() -> Runbook {
    Runbook {
        title: "release".into(),
        source: None,
        stages: vec![
            stage(
                "t-7d",
                Some("-7d"),
                vec![item("review", true), item("perf", false)],
            ),
            stage("t-1d", Some("-1d"), vec![item("backup", true)]),
            stage("t-0", Some("0"), vec![item("go", true)]),
            stage("t+0", Some("+0"), vec![item("health", true)]),
            stage("t+1h", Some("+1h"), vec![item("monitor", true)]),
            stage("rollback", None, vec![item("switch-back", true)]),
        ],
    }
}

const T0: &str = "2026-11-24T15:00:00Z";

pub(crate) fn started(at: &str) -> State {
    let mut s = State::default();
    reduce(
        &mut s,
        &env(
            1,
            at,
            Event::SessionStarted {
                app_version: "test".into(),
                runbook_path: "rb.toml".into(),
                runbook_sha256: "00".into(),
                runbook: runbook(),
                t0: Some(ts(T0)),
                deployment: None,
                config: None,
            },
        ),
    );
    s
}

fn tick(stage: &str, item: &str) -> Event {
    Event::ItemTicked {
        stage: stage.into(),
        item: item.into(),
    }
}

#[test]
fn session_start_loads_the_recorded_runbook() {
    let s = started("2026-11-17T15:00:00Z");
    assert_eq!(s.runbook.stages.len(), 6);
    assert_eq!(s.t0, Some(ts(T0)));
    assert_eq!(s.session.as_deref(), Some("s"));
    assert_eq!(s.log_tail.len(), 1);
}

#[test]
fn tick_records_operator_and_time_and_untick_clears() {
    let mut s = started("2026-11-17T15:00:00Z");
    reduce(
        &mut s,
        &env(2, "2026-11-17T15:05:00Z", tick("t-7d", "review")),
    );
    let p = s.progress("t-7d", "review").expect("progress");
    let stamp = p.ticked.as_ref().expect("ticked");
    assert_eq!(stamp.by.name, "ann");
    assert_eq!(stamp.at, ts("2026-11-17T15:05:00Z"));
    assert!(s.is_ticked("t-7d", "review"));
    reduce(
        &mut s,
        &env(
            3,
            "2026-11-17T15:06:00Z",
            Event::ItemUnticked {
                stage: "t-7d".into(),
                item: "review".into(),
            },
        ),
    );
    assert!(!s.is_ticked("t-7d", "review"));
}

#[test]
fn notes_accumulate_in_order_with_author() {
    let mut s = started("2026-11-17T15:00:00Z");
    for (i, text) in ["first", "second"].iter().enumerate() {
        reduce(
            &mut s,
            &env(
                2 + i as u64,
                "2026-11-17T15:05:00Z",
                Event::NoteAdded {
                    stage: "t-1d".into(),
                    item: "backup".into(),
                    text: (*text).into(),
                },
            ),
        );
    }
    let notes = &s.progress("t-1d", "backup").expect("p").notes;
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0].text, "first");
    assert_eq!(notes[1].stamp.by.name, "ann");
    assert!(s.log_tail.back().expect("tail").summary.contains("second"));
}

#[test]
fn current_stage_follows_the_clock() {
    let s = started("2026-11-10T00:00:00Z");
    let at = |t: &str| checklist::current_stage(&s, ts(t));
    // Before T-7d: the first timed stage is up next.
    assert_eq!(at("2026-11-10T00:00:00Z"), Some(0));
    assert_eq!(at("2026-11-17T15:00:00Z"), Some(0));
    assert_eq!(at("2026-11-20T00:00:00Z"), Some(0));
    assert_eq!(at("2026-11-23T15:00:00Z"), Some(1));
    // T-0 and T+0 share an offset: the later stage in the runbook is current.
    assert_eq!(at(T0), Some(3));
    assert_eq!(at("2026-11-24T16:30:00Z"), Some(4));
    // Untimed stages are never current by the clock.
    assert_eq!(at("2026-12-30T00:00:00Z"), Some(4));
}

#[test]
fn without_t0_the_first_open_stage_is_current() {
    let mut s = started("2026-11-10T00:00:00Z");
    s.t0 = None;
    assert_eq!(checklist::current_stage(&s, ts(T0)), Some(0));
    reduce(
        &mut s,
        &env(2, "2026-11-17T15:05:00Z", tick("t-7d", "review")),
    );
    // `perf` is optional, so t-7d has no open required item left.
    assert_eq!(checklist::current_stage(&s, ts(T0)), Some(1));
}

#[test]
fn decide_refuses_unknown_duplicate_and_empty() {
    let mut s = started("2026-11-17T15:00:00Z");
    let t = |st: &str, it: &str| Intent::Tick {
        stage: st.into(),
        item: it.into(),
    };
    assert_eq!(decide(&s, t("t-7d", "review")), Ok(tick("t-7d", "review")));
    assert!(matches!(
        decide(&s, t("t-7d", "nope")),
        Err(Refusal::UnknownItem { .. })
    ));
    reduce(
        &mut s,
        &env(2, "2026-11-17T15:05:00Z", tick("t-7d", "review")),
    );
    assert!(matches!(
        decide(&s, t("t-7d", "review")),
        Err(Refusal::AlreadyTicked { .. })
    ));
    let toggle = Intent::Toggle {
        stage: "t-7d".into(),
        item: "review".into(),
    };
    assert!(matches!(decide(&s, toggle), Ok(Event::ItemUnticked { .. })));
    let note = Intent::Note {
        stage: "t-7d".into(),
        item: "review".into(),
        text: "  ".into(),
    };
    assert_eq!(decide(&s, note), Err(Refusal::EmptyNote));
}

#[test]
fn the_end_marker_shuts_down_and_refuses_more() {
    let mut s = started("2026-11-17T15:00:00Z");
    let fx = reduce(
        &mut s,
        &env(
            2,
            "2026-11-17T16:00:00Z",
            Event::SessionEnded {
                reason: "quit".into(),
            },
        ),
    );
    assert_eq!(fx, vec![Effect::Shutdown]);
    let t = Intent::Tick {
        stage: "t-7d".into(),
        item: "review".into(),
    };
    assert_eq!(decide(&s, t), Err(Refusal::Ended));
}

#[test]
fn the_clock_never_goes_back() {
    let mut s = started("2026-11-17T15:00:00Z");
    reduce(
        &mut s,
        &env(2, "2026-11-17T14:00:00Z", tick("t-7d", "review")),
    );
    assert_eq!(s.now, ts("2026-11-17T15:00:00Z"));
}
