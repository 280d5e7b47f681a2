//! The values a status update is filled with, read from the state the way the panes read them:
//! the error rate and p95 are the candidate's latest points formatted as the charts' legends
//! format them, the step and next step come from the same plan functions as the traffic pane,
//! "all green" is the same SLO check that holds the next step. Nothing is recomputed another
//! way, so an update never says a number the screen does not show.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::CommsKind;
use crate::config::warroom::WarroomConfig;
use crate::event::{Action, Actor, AlertState, Signal, SourceKind};
use crate::release::plan::{self, Sides};
use crate::state::State;
use crate::state::live::Freshness;
use crate::state::release::Phase;
use crate::ui::{Unit, Versions, legend, timefmt, words};

/// Every placeholder a template may use, with what it holds (docs/comms.md lists the same).
pub const NAMES: &[(&str, &str)] = &[
    ("service", "the deployment's name ([deployment] name)"),
    (
        "version",
        "the candidate's release ([deployment] release), else its label",
    ),
    (
        "stable",
        "the stable version ([deployment] stable), else its label",
    ),
    (
        "candidate",
        "the candidate as the screen names it: `2.4.0 (green)`",
    ),
    (
        "environment",
        "[deployment] environment as written: `production`",
    ),
    ("Environment", "the same with a capital: `Production`"),
    (
        "time",
        "when what the update reports happened: the go (start), now (progress), the \
         completion (complete), the rollback (rollback)",
    ),
    ("now", "the time the update is drafted"),
    ("next_update", "now plus [comms] progress_every"),
    (
        "weight",
        "the candidate's share of traffic the war room set, in percent",
    ),
    ("step", "`step 2 of 4`, or `no step taken yet`"),
    (
        "error_rate",
        "the candidate's latest error rate as the errors pane shows it",
    ),
    (
        "p95",
        "the candidate's latest p95 latency as the latency pane shows it",
    ),
    (
        "p99",
        "the candidate's latest p99 latency as the latency pane shows it",
    ),
    (
        "metrics",
        "`All green`, or which SLO the candidate breaches or cannot be read",
    ),
    (
        "alerts",
        "`No alerts`, the alerts firing, or why alerts are unknown",
    ),
    (
        "next_step",
        "`Increase to 50% in 12m`, `Complete the release now`, … (during a shift)",
    ),
    ("duration", "from the go to the completion (or now)"),
    ("reason", "the rollback's reason"),
    ("ticket", "the rollback's incident ticket"),
    (
        "rollback_status",
        "`Running 2.3.1 (previous version)` once traffic is back",
    ),
    (
        "service_status",
        "`Stable` once the rollback is verified, else how verification stands",
    ),
    ("dashboard", "[comms] dashboard"),
    ("channel", "[comms] channel"),
    ("operator", "the operator's name"),
    ("role", "the operator's role in words: `Deployment Lead`"),
];

/// The values of one draft: name → value. A name without a value leaves its line out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    values: BTreeMap<&'static str, String>,
}

impl Facts {
    /// The value of a placeholder, if it has one.
    pub fn value(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned()
    }

    /// Sets a placeholder's value; names not in `NAMES` are ignored.
    pub fn set(&mut self, name: &str, value: String) {
        if let Some((n, _)) = NAMES.iter().find(|(n, _)| *n == name) {
            self.values.insert(n, value);
        }
    }

    fn put(&mut self, name: &'static str, value: Option<String>) {
        if let Some(v) = value {
            self.values.insert(name, v);
        }
    }

    /// Reads every value from the state for an update of `kind`, drafted by `operator` at
    /// `now`. Times are in UTC, as the seed's templates ask (`[TIME UTC]`).
    pub fn gather(
        state: &State,
        cfg: &WarroomConfig,
        kind: CommsKind,
        now: Timestamp,
        operator: &Actor,
    ) -> Self {
        let mut f = Self::default();
        let r = &state.release;
        let sides = Sides::of(cfg);
        let utc = |t: Timestamp| timefmt::full(t, &TimeZone::UTC);
        let version = cfg
            .deployment
            .release
            .clone()
            .or_else(|| sides.candidate.clone())
            .unwrap_or_else(|| "the candidate".to_string());
        let stable = cfg
            .deployment
            .stable
            .clone()
            .or_else(|| sides.stable.clone())
            .unwrap_or_else(|| "the stable version".to_string());
        f.put("service", Some(cfg.deployment.name.clone()));
        f.put("version", Some(version));
        f.put("stable", Some(stable.clone()));
        f.put("candidate", Some(words::candidate(cfg)));
        let env = cfg.deployment.environment.clone();
        f.put("Environment", Some(capitalised(&env)));
        f.put("environment", Some(env));

        let go_at = r.decisions.iter().rev().find(|d| d.go).map(|d| d.at);
        let rollback = r.rollback.as_ref();
        let time = match kind {
            CommsKind::Start => go_at.unwrap_or(now),
            CommsKind::Progress => now,
            CommsKind::Complete => state.comms.completed_at.unwrap_or(now),
            CommsKind::Rollback => rollback.map_or(now, |p| p.requested_at),
        };
        f.put("time", Some(utc(time)));
        f.put("now", Some(utc(now)));
        let every = jiff::SignedDuration::try_from(cfg.comms.progress_every.0)
            .unwrap_or(jiff::SignedDuration::MAX);
        f.put("next_update", now.checked_add(every).ok().map(utc));

        f.put("weight", Some(r.plan.weight.to_string()));
        let n = cfg.traffic.steps.len();
        f.put(
            "step",
            Some(match plan::current_step(state, cfg) {
                Some((i, _)) => format!("step {} of {n}", i + 1),
                None => "no step taken yet".to_string(),
            }),
        );
        let versions = Versions::of(state, cfg);
        let candidate = versions.candidate.as_deref();
        f.put(
            "error_rate",
            Some(latest(state, candidate, Signal::ErrorRatio, Unit::Percent)),
        );
        f.put(
            "p95",
            Some(latest(state, candidate, Signal::LatencyP95, Unit::Millis)),
        );
        f.put(
            "p99",
            Some(latest(state, candidate, Signal::LatencyP99, Unit::Millis)),
        );
        let health = plan::candidate_health(state, cfg);
        f.put(
            "metrics",
            Some(if health.ok() {
                "All green".to_string()
            } else {
                health.summary()
            }),
        );
        f.put("alerts", Some(alerts(state, now)));
        f.put("next_step", next_step(state, cfg, now));
        f.put(
            "duration",
            go_at.map(|g| {
                let end = match r.phase {
                    Phase::Completed => state.comms.completed_at.unwrap_or(now),
                    _ => now,
                };
                timefmt::span(end.duration_since(g).as_secs().max(0))
            }),
        );

        if let Some(p) = rollback {
            if let Some(Action::Rollback {
                reason,
                ticket,
                auto,
                ..
            }) = r.actions.get(&p.id).map(|a| &a.action)
            {
                f.put(
                    "reason",
                    Some(if auto.is_some() {
                        format!("automatic rollback: {reason}")
                    } else {
                        reason.clone()
                    }),
                );
                f.put("ticket", ticket.clone());
            }
            f.put(
                "rollback_status",
                Some(match p.traffic_at {
                    Some(_) => format!("Running {stable} (previous version)"),
                    None => format!("moving all traffic back to {}", words::stable(cfg)),
                }),
            );
            f.put(
                "service_status",
                Some(match (&p.verified, p.traffic_at) {
                    (Some((true, _)), _) => {
                        "Stable (verified: traffic on stable, health and errors recovered)"
                            .to_string()
                    }
                    (Some((false, checks)), _) => {
                        let failed: Vec<&str> = checks
                            .iter()
                            .filter(|c| !c.ok)
                            .map(|c| c.name.as_str())
                            .collect();
                        format!("NOT verified ({}): escalating", failed.join(", "))
                    }
                    (None, Some(_)) => "verifying".to_string(),
                    (None, None) => "traffic moving back".to_string(),
                }),
            );
        }
        f.put("dashboard", cfg.comms.dashboard.clone());
        f.put("channel", cfg.comms.channel.clone());
        f.put("operator", Some(operator.name.clone()));
        f.put(
            "role",
            Some(if operator.role.trim().is_empty() {
                "Operator".to_string()
            } else {
                role_words(&operator.role)
            }),
        );
        f
    }
}

/// The candidate's latest value of `signal` as the chart legends show it (`0.42%`, `285ms`),
/// or `unknown (why)`: never a number that looks healthy.
fn latest(state: &State, candidate: Option<&str>, signal: Signal, unit: Unit) -> String {
    let Some(v) = candidate else {
        return "unknown (no candidate version in the data)".to_string();
    };
    let Some(series) = state.live.series(signal, v) else {
        return "unknown (no data)".to_string();
    };
    match series.latest().and_then(|p| p.value) {
        Some(x) => unit.format(x * unit.scale()),
        None => format!(
            "unknown ({})",
            legend::unknown_reason(series).unwrap_or_else(|| "no data".to_string())
        ),
    }
}

/// The alerts as the alerts pane tells them: only a working source can say none is firing.
fn alerts(state: &State, now: Timestamp) -> String {
    let firing: Vec<&str> = state
        .live
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
        .map(|a| a.name.as_str())
        .collect();
    if !firing.is_empty() {
        return format!(
            "{} alert{} firing: {}",
            firing.len(),
            if firing.len() == 1 { "" } else { "s" },
            firing.join(", ")
        );
    }
    match state.live.freshness_of(SourceKind::Prometheus, now) {
        Freshness::Fresh(_) => "No alerts".to_string(),
        Freshness::Absent => "Alerts not watched (no Prometheus)".to_string(),
        Freshness::Waiting => "Alerts unknown (waiting for Prometheus)".to_string(),
        Freshness::Stale(_) => "Alerts unknown (Prometheus data is stale)".to_string(),
        Freshness::Down { .. } => "Alerts unknown (Prometheus is down)".to_string(),
    }
}

/// What comes next in the plan, as the traffic pane says it: the next weight after the bake,
/// held while signals are unhealthy or the shift is paused. Only during a shift.
fn next_step(state: &State, cfg: &WarroomConfig, now: Timestamp) -> Option<String> {
    let r = &state.release;
    if r.phase != Phase::Shifting || r.rollback.is_some() {
        return None;
    }
    if let Some(p) = &r.paused {
        return Some(format!("Held at {}% (paused: {})", r.plan.weight, p.reason));
    }
    let what = match plan::next_step(state, cfg) {
        Some((_, s)) => format!("Increase to {}%", s.weight),
        None => "Complete the release".to_string(),
    };
    let left = plan::bake_left(state, cfg, now).map_or(0, |d| d.as_secs());
    if left > 0 {
        return Some(format!("{what} in {}", timefmt::span(left)));
    }
    let health = plan::candidate_health(state, cfg);
    Some(if health.ok() {
        format!("{what} now")
    } else {
        format!("{what} once signals are healthy ({})", health.summary())
    })
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `deployment-lead` → `Deployment Lead`.
fn role_words(role: &str) -> String {
    role.split(['-', '_', ' '])
        .filter(|w| !w.is_empty())
        .map(capitalised)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_environments_read_as_words() {
        assert_eq!(role_words("deployment-lead"), "Deployment Lead");
        assert_eq!(role_words("on-call"), "On Call");
        assert_eq!(capitalised("production"), "Production");
        assert_eq!(capitalised(""), "");
    }

    #[test]
    fn only_known_names_are_set() {
        let mut f = Facts::default();
        f.set("service", "x".into());
        f.set("nonsense", "y".into());
        assert_eq!(f.value("service").as_deref(), Some("x"));
        assert_eq!(f.value("nonsense"), None);
    }
}
