//! Shared fixtures for the gate tests: a config from TOML text, a state that carries it, and
//! sources marked current or not.

mod calendar;
mod image;
mod live;
mod observed;
mod people;

use jiff::Timestamp;

use super::*;
use crate::config::warroom::parse_str;
use crate::event::{Actor, DecisionKind, Envelope, Event, LOG_VERSION, SourceKind};
use crate::runbook::Format;
use crate::state::live::SourceStatus;

/// A config: `[deployment]` with the given extra lines, then `rest`.
fn cfg(deployment: &str, rest: &str) -> WarroomConfig {
    let text = format!("[deployment]\nname = \"app\"\n{deployment}\n{rest}");
    parse_str(&text, Format::Toml, "warroom.toml")
        .unwrap_or_else(|p| panic!("test config does not parse: {p:?}\n{text}"))
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn state(cfg: &WarroomConfig) -> State {
    State {
        config: Some(Box::new(cfg.clone())),
        ..State::default()
    }
}

/// Marks a source of `kind` as having delivered at `at` (and failing with `error`, if any).
fn source(state: &mut State, kind: SourceKind, at: Timestamp, error: Option<&str>) {
    state.live.sources.insert(
        format!("{kind:?}"),
        SourceStatus {
            kind,
            target: "test".into(),
            interval_ms: 5_000,
            last_ok: Some(at),
            failing: error.map(|e| (at, e.to_string())),
        },
    );
}

fn go(round: u32) -> DecisionRef {
    DecisionRef {
        kind: DecisionKind::Go,
        release: Some("1.2.3".into()),
        round,
        step: None,
    }
}

/// Applies `event` as recorded by `who` in `role` at `at`.
fn record(state: &mut State, who: &str, role: &str, at: &str, event: Event) {
    let seq = state.last_seq.map_or(1, |s| s + 1);
    let env = Envelope {
        v: LOG_VERSION,
        seq,
        at: ts(at),
        session: "s1".into(),
        actor: Actor {
            name: who.into(),
            role: role.into(),
            host: "test".into(),
        },
        event,
        prev: String::new(),
        hash: format!("h{seq}"),
    };
    crate::reduce::reduce(state, &env);
}

/// The result of one gate.
fn one(state: &State, now: Timestamp, gate: GateId) -> GateResult {
    let cfg = state.config.as_deref().expect("config");
    evaluate(state, cfg, now, &go(1), "lead")
        .into_iter()
        .find(|r| r.gate == gate)
        .expect("every gate is evaluated")
}
