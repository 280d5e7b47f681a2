//! The one pure reducer: `reduce(&mut State, &Envelope) -> Vec<Effect>`.
//!
//! No I/O, no clock: time comes from the envelope (or an explicit clock tick), so live, replay
//! and follow rebuild exactly the same state from the same events.

pub mod checklist;
pub mod checks;
pub mod comms;
pub mod live;
pub mod release;
pub mod review;
pub mod verdict;
pub mod watch;

use jiff::Timestamp;

use crate::effect::Effect;
use crate::event::{Envelope, Event};
use crate::state::{EVENTS_TAIL, ItemKey, LogLine, NoteEntry, Stamp, State};

/// Applies one recorded envelope to the state and returns the effects it asks for.
pub fn reduce(state: &mut State, env: &Envelope) -> Vec<Effect> {
    advance_clock(state, env.at);
    state.last_seq = Some(env.seq);
    state.last_hash = Some(env.hash.clone());
    let mut effects = Vec::new();
    comms::note(state, env);
    let stamp = || Stamp {
        by: env.actor.clone(),
        at: env.at,
    };
    match &env.event {
        Event::SessionStarted {
            runbook,
            runbook_sha256,
            t0,
            deployment,
            config,
            ..
        } => {
            state.session = Some(env.session.clone());
            state.runbook = runbook.clone();
            state.runbook_sha256 = runbook_sha256.clone();
            state.t0 = *t0;
            state.deployment = deployment.clone();
            state.config.clone_from(config);
            // Armed by default during a shift; `a` toggles it, logged.
            state.release.auto.armed = config.as_ref().is_some_and(|c| c.auto_rollback.armed);
            state.ended = None;
            effects.extend(start_sources(state));
        }
        Event::SessionResumed { .. } => {
            state.ended = None;
            // Whatever the war room asked to record before it stopped and did not get written
            // is asked for again by the next observation.
            state.release.auto.pending = false;
            state.release.drift_pending = false;
            if let Some(p) = state.release.rollback.as_mut() {
                p.verifying = false;
            }
            // Sources observed nothing while the war room was away.
            state.live.sources.clear();
            checks::on_resume(state);
            effects.extend(start_sources(state));
        }
        Event::ItemTicked { stage, item } => {
            let p = state.items.entry(ItemKey::new(stage, item)).or_default();
            p.ticked = Some(stamp());
        }
        Event::ItemUnticked { stage, item } => {
            if let Some(p) = state.items.get_mut(&ItemKey::new(stage, item)) {
                p.ticked = None;
            }
        }
        Event::NoteAdded { stage, item, text } => {
            let p = state.items.entry(ItemKey::new(stage, item)).or_default();
            p.notes.push(NoteEntry {
                stamp: stamp(),
                text: text.clone(),
            });
        }
        Event::ConfigWarned { message } => state.warnings.push(message.clone()),
        Event::SessionEnded { reason } => {
            state.ended = Some(reason.clone());
            effects.push(Effect::Shutdown);
        }
        Event::SessionCrashed { reason } => {
            state.ended = Some(format!("crashed: {reason}"));
            effects.push(Effect::Shutdown);
        }
        // A signature changes nothing on screen but its line in the events pane.
        Event::HeadSigned { .. } | Event::ApprovalDelivered { .. } => {}
        Event::HeadSignFailed { error, .. } => {
            state.warnings.push(format!("head not signed: {error}"));
        }
        Event::CheckEvaluated { .. } => {
            // A heartbeat repeating the latest result proves continuity, not news.
            if !checks::apply(state, env) {
                return effects;
            }
        }
        Event::CheckTrusted { .. } | Event::RunbookTrusted {} => {
            checks::apply(state, env);
        }
        e if release::applies(e) => release::apply(state, env, &mut effects),
        e if comms::applies(e) => comms::apply(state, env, &mut effects),
        observed => {
            live::apply(state, env.at, observed);
            verdict::apply(state, env);
            watch::after_observation(state, env, &mut effects);
            // Samples and probes arrive every few seconds; the events pane shows what matters:
            // changes, failures and recoveries.
            if matches!(
                observed,
                Event::SamplesObserved { .. }
                    | Event::HealthProbed { .. }
                    | Event::SeriesBackfilled { .. }
                    | Event::CountsObserved { .. }
            ) {
                return effects;
            }
        }
    }
    push_log_line(state, env);
    effects
}

fn start_sources(state: &State) -> Option<Effect> {
    state.config.clone().map(Effect::StartSources)
}

/// Moves the reducer's notion of "now" forward (never back: the log is ordered by `seq`, and a
/// wall clock that steps backwards must not make finished stages current again).
pub fn advance_clock(state: &mut State, at: Timestamp) {
    if at > state.now {
        state.now = at;
    }
}

fn push_log_line(state: &mut State, env: &Envelope) {
    let summary = summarize(state, &env.event);
    // A source that keeps failing the same way is one line in the events pane, not hundreds.
    if let Event::SourceFailed { source, error, .. } = &env.event
        && let Some(last) = state.log_tail.back_mut()
        && last.kind == "SourceFailed"
        && last.summary.starts_with(source.as_str())
        && last.summary.ends_with(error.as_str())
    {
        last.seq = env.seq;
        last.at = env.at;
        last.summary = summary;
        return;
    }
    if state.log_tail.len() == EVENTS_TAIL {
        state.log_tail.pop_front();
    }
    state.log_tail.push_back(LogLine {
        seq: env.seq,
        at: env.at,
        actor: env.actor.name.clone(),
        kind: env.event.kind(),
        summary,
    });
}

/// A one-line description of an event for the events pane.
pub fn summarize(state: &State, event: &Event) -> String {
    let item_text = |stage: &str, item: &str| {
        state
            .runbook
            .item(stage, item)
            .map(|i| i.text.clone())
            .unwrap_or_else(|| format!("{stage}/{item}"))
    };
    match event {
        Event::SessionStarted { runbook, .. } => format!(
            "session started: {} ({} stages, {} items)",
            runbook.title,
            runbook.stages.len(),
            runbook.item_count()
        ),
        Event::SessionResumed {
            previous_clean_close,
            torn_bytes,
            ..
        } => {
            let mut s = String::from("session resumed");
            if !previous_clean_close {
                s.push_str(" after an unclean end");
            }
            if *torn_bytes > 0 {
                s.push_str(&format!(" ({torn_bytes} torn bytes moved aside)"));
            }
            s
        }
        Event::ItemTicked { stage, item } => format!("ticked {}", item_text(stage, item)),
        Event::ItemUnticked { stage, item } => format!("unticked {}", item_text(stage, item)),
        Event::NoteAdded { stage, item, text } => {
            format!("note on {}: {}", item_text(stage, item), first_line(text))
        }
        Event::ConfigWarned { message } => format!("warning: {message}"),
        Event::SourceStarted { source, target, .. } => format!("{source} started ({target})"),
        Event::SamplesObserved {
            source, samples, ..
        } => {
            format!("{source}: {} samples", samples.len())
        }
        Event::CountsObserved { source, counts, .. } => {
            format!("{source}: request counters of {} versions", counts.len())
        }
        Event::SeriesBackfilled { source, series } => {
            format!("{source}: history loaded for {} series", series.len())
        }
        Event::AlertsObserved { alerts, .. } => {
            let firing: Vec<&str> = alerts
                .iter()
                .filter(|a| a.state == crate::event::AlertState::Firing)
                .map(|a| a.name.as_str())
                .collect();
            if firing.is_empty() {
                format!("alerts: none firing ({} pending)", alerts.len())
            } else {
                format!("alerts firing: {}", firing.join(", "))
            }
        }
        Event::PodsListed { pods, .. } => format!("pods listed: {}", pods.len()),
        Event::PodChanged { pod, .. } => format!(
            "pod {} {} {}/{} restarts {}{}",
            pod.name,
            pod.phase,
            pod.ready.0,
            pod.ready.1,
            pod.restarts,
            pod.reason
                .as_deref()
                .map(|r| format!(" {r}"))
                .unwrap_or_default()
        ),
        Event::PodDeleted { name, .. } => format!("pod {name} deleted"),
        Event::WorkloadObserved { workload: w, .. } => format!(
            "{}: {}/{} updated, {} ready, {} available",
            w.name, w.updated, w.desired, w.ready, w.available
        ),
        Event::TrafficObserved { traffic, .. } => {
            let sel: Vec<String> = traffic
                .selector
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let w: Vec<String> = traffic
                .weights
                .iter()
                .map(|(b, w)| format!("{b}:{w}"))
                .collect();
            let mut parts = Vec::new();
            if !sel.is_empty() {
                parts.push(format!("selector {}", sel.join(",")));
            }
            if !w.is_empty() {
                parts.push(format!("weights {}", w.join(" ")));
            }
            format!("traffic: {}", parts.join(", "))
        }
        Event::HealthProbed { probe, .. } => format!(
            "health {}: {}",
            probe.endpoint,
            if probe.ok { "ok" } else { "failing" }
        ),
        Event::SourceFailed {
            source,
            error,
            attempt,
        } => format!("{source} failed (attempt {attempt}): {error}"),
        Event::SourceRecovered { source } => format!("{source} recovered"),
        Event::SessionEnded { reason } => format!("session ended ({reason})"),
        Event::SessionCrashed { reason } => format!("session crashed ({reason})"),
        e if comms::applies(e) => crate::comms::summarize(e),
        Event::HeadSigned { head } => format!(
            "{} line {} signed by {} ({})",
            if head.close { "close:" } else { "head:" },
            head.seq,
            head.principal.as_deref().unwrap_or("a key"),
            head.fingerprint
        ),
        Event::ApprovalDelivered { object, .. } => {
            format!("approval delivered through the cluster: configmap/{object}")
        }
        Event::HeadSignFailed {
            seq, close, error, ..
        } => format!(
            "{} line {seq} NOT signed: {error}",
            if *close { "close:" } else { "head:" }
        ),
        e @ (Event::CheckEvaluated { .. }
        | Event::CheckTrusted { .. }
        | Event::RunbookTrusted {}) => checks::summarize(state, e).unwrap_or_default(),
        e => crate::release::summary::summarize(e),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod tests_live;
