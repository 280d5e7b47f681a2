//! The release lines of the traffic pane, most pressing first: an action in flight or with an
//! unknown outcome, a conflict, the lock another war room holds, drift, a pause and why, the
//! step's bake timer and the next step once it is offered, a rollback and its verification,
//! and whether auto-rollback is armed. Each has a short form for a narrow pane.

use ratatui::text::Line;

use super::widgets::{fit, span};
use super::{Ctx, sanitize, timefmt, words};
use crate::config::theme::Role;
use crate::config::warroom::{Strategy, WarroomConfig};
use crate::event::Outcome;
use crate::release::plan;
use crate::release::preview::lock_holder;
use crate::state::release::Phase;

/// One line: its role, and a full and a short text.
struct Status {
    role: Role,
    full: String,
    short: String,
}

fn status(role: Role, full: impl Into<String>, short: impl Into<String>) -> Status {
    Status {
        role,
        full: full.into(),
        short: short.into(),
    }
}

/// The lines for a pane `width` columns wide, most pressing first (none before anything was
/// decided, unless a lock or drift is seen).
pub fn lines<'a>(ctx: &Ctx<'_>, width: u16) -> Vec<Line<'a>> {
    let Some(cfg) = ctx.state.config.as_deref() else {
        return Vec::new();
    };
    let w = usize::from(width);
    statuses(ctx, cfg)
        .into_iter()
        .map(|s| {
            let text = if s.full.chars().count() <= w {
                s.full
            } else {
                fit(&s.short, w)
            };
            Line::from(span(ctx.theme, s.role, sanitize::line(&text).into_owned()))
        })
        .collect()
}

fn statuses(ctx: &Ctx<'_>, cfg: &WarroomConfig) -> Vec<Status> {
    let state = ctx.state;
    let r = &state.release;
    let now = ctx.now;
    let mut out = Vec::new();
    if let Some(a) = r.last_action() {
        let id = &a.id;
        let ago = |t: jiff::Timestamp| timefmt::span(now.duration_since(t).as_secs().max(0));
        match a.outcome {
            None => out.push(status(
                Role::Warn,
                format!(
                    "{id} {} sent {} ago, waiting for the API",
                    a.action.name(),
                    ago(a.requested_at)
                ),
                format!("{id} sent {} ago, waiting", ago(a.requested_at)),
            )),
            Some(Outcome::Unknown) => out.push(status(
                Role::Warn,
                if a.detail.contains("reading back") {
                    format!("{id} outcome unknown: {}", a.detail)
                } else {
                    format!("{id} outcome unknown: reading back ({})", a.detail)
                },
                format!("{id} outcome unknown: reading back"),
            )),
            Some(Outcome::Conflict) => {
                let who = a.changed_by.as_deref().unwrap_or("someone else");
                out.push(status(
                    Role::Crit,
                    format!(
                        "{id} conflict: changed by {who} since you confirmed; nothing was \
                         changed: press s to ask again"
                    ),
                    format!("{id} conflict: changed by {who}; s asks again"),
                ));
            }
            Some(Outcome::Failed | Outcome::Refused) => out.push(status(
                Role::Crit,
                format!("{id} {}: {}", a.action.name(), a.detail),
                format!("{id} failed: {}", a.detail),
            )),
            Some(Outcome::Applied | Outcome::Skipped) => {}
        }
    }
    if let Some(holder) = lock_holder(state, now) {
        out.push(status(
            Role::Crit,
            format!("lock held by {holder}: no change until it is released or expires"),
            format!("lock: {holder}"),
        ));
    }
    if let Some(d) = &r.drift {
        let what = match cfg.traffic.strategy {
            Strategy::HttprouteWeights => "weights",
            Strategy::ServiceSelector => "selector",
            Strategy::ReplicaRatio => "replicas",
        };
        let by = d.manager.as_deref().unwrap_or("someone unknown");
        out.push(status(
            Role::Crit,
            format!(
                "drift: {what} of {} changed outside this war room by {by}",
                d.object
            ),
            format!("drift: {what} changed by {by}"),
        ));
    }
    match r.phase {
        Phase::Shifting => shifting(ctx, cfg, &mut out),
        Phase::Completed => out.push(status(
            Role::Ok,
            format!(
                "release complete: {} % on {}",
                r.plan.weight,
                words::candidate(cfg)
            ),
            "release complete",
        )),
        Phase::RolledBack => {}
        Phase::Preparing | Phase::NoGo => {}
    }
    rollback(ctx, cfg, &mut out);
    if r.auto.recommended.is_some() {
        out.push(status(
            Role::Warn,
            "planned rollback recommended: w shows why, r rolls back",
            "rollback recommended (w)",
        ));
    }
    if r.phase == Phase::Shifting {
        out.push(if r.auto.armed {
            status(Role::Ok, "auto-rollback armed", "auto armed")
        } else {
            status(
                Role::Warn,
                "auto-rollback DISARMED: a breach will not roll back by itself",
                "auto DISARMED",
            )
        });
    }
    out
}

/// During a shift: a pause, the bake timer, and the next step once it is offered.
fn shifting(ctx: &Ctx<'_>, cfg: &WarroomConfig, out: &mut Vec<Status>) {
    let state = ctx.state;
    let r = &state.release;
    if let Some(p) = &r.paused {
        let (full, short) = if p.auto {
            (
                format!("PAUSED by the war room, because data is unknown: {}", p.reason),
                "PAUSED by the war room: data is unknown".to_string(),
            )
        } else {
            (
                format!("PAUSED: {} · p resumes", p.reason),
                "PAUSED (p resumes)".to_string(),
            )
        };
        out.push(status(Role::Warn, full, short));
    }
    if r.rollback.is_some() {
        return;
    }
    let n = cfg.traffic.steps.len();
    let next = plan::next_step(state, cfg);
    let next_words = match next {
        Some((_, s)) => format!("s → {} %", s.weight),
        None => "s completes the release".to_string(),
    };
    let Some((i, step)) = plan::current_step(state, cfg) else {
        out.push(status(
            Role::Ok,
            format!("go decided · next: {next_words}"),
            format!("next: {next_words}"),
        ));
        return;
    };
    let at = format!("step {} of {n} ({} %)", i + 1, step.weight);
    let left = plan::bake_left(state, cfg, ctx.now).map_or(0, |d| d.as_secs());
    if left > 0 {
        let left = timefmt::span(left);
        out.push(status(
            Role::Text,
            format!("{at} · bake {left} left, then {next_words}"),
            format!("bake {left} left"),
        ));
        return;
    }
    let health = plan::candidate_health(state, cfg);
    let busy = r.paused.is_some() || r.in_flight().is_some();
    if !health.ok() {
        out.push(status(
            Role::Warn,
            format!("{at} baked · next held: {}", health.summary()),
            "baked · next held: signals".to_string(),
        ));
    } else if busy {
        out.push(status(
            Role::Text,
            format!("{at} baked · next when nothing is in the way: {next_words}"),
            format!("baked · {next_words} later"),
        ));
    } else {
        out.push(status(
            Role::Ok,
            format!("{at} baked, signals healthy · next: {next_words}"),
            format!("next: {next_words}"),
        ));
    }
}

/// A rollback under way or done, and how its verification stands.
fn rollback(ctx: &Ctx<'_>, cfg: &WarroomConfig, out: &mut Vec<Status>) {
    let r = &ctx.state.release;
    let Some(p) = &r.rollback else {
        return;
    };
    let auto = if r.auto.fired.is_some() {
        "AUTO-ROLLBACK"
    } else {
        "ROLLBACK"
    };
    let stable = words::stable(cfg);
    let (role, state) = match (&p.verified, p.traffic_at) {
        (_, None) => (Role::Danger, "traffic moving back".to_string()),
        (None, Some(_)) => (Role::Danger, "traffic back, verifying".to_string()),
        (Some((true, _)), _) => (Role::Danger, "verified".to_string()),
        (Some((false, _)), _) => (Role::Crit, "NOT verified: escalate".to_string()),
    };
    out.push(status(
        role,
        format!("{auto} {} to {stable}: {state} · w shows why", p.id),
        format!("{auto}: {state}"),
    ));
}
