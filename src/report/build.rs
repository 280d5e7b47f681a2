//! The one pass that builds a report: every envelope goes through the same reducer as live
//! mode (effects dropped, so nothing is ever run), and after each one the pass notes what the
//! report needs from the event and from the state it produced — the timeline with the signals
//! at that moment, the rounds of the release, samples, outages, comms and signatures.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use super::model::{
    ChartMarker, Comm, Crossing, Entry, GoDecision, Measured, Person, Signer, Tick,
};
use super::reader::{Item, Line, UnknownLine};
use super::signals::{Context, Limits, Signals};
use super::time::iso;
use super::view;
use crate::event::{Action, AutoTrigger, Envelope, Event, Outcome, Signal};
use crate::reduce::reduce;
use crate::release::{plan, rules};
use crate::state::release::Phase;
use crate::state::{ItemKey, State};

/// One go and what became of it, as the pass follows it.
#[derive(Debug, Clone)]
pub(super) struct Round {
    pub round: u32,
    pub go_at: Timestamp,
    pub go_by: Person,
    pub live_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub rollback: Option<String>,
}

/// A rollback as requested.
#[derive(Debug, Clone)]
pub(super) struct RollbackSeen {
    pub id: String,
    pub round: Option<u32>,
    pub auto: Option<AutoTrigger>,
    pub requested_at: Timestamp,
    pub by: Person,
    pub on_stable_at: Option<Timestamp>,
}

/// A source failing, not yet recovered.
#[derive(Debug, Clone)]
pub(super) struct OpenOutage {
    pub from: Timestamp,
    pub attempts: u32,
    pub last_error: String,
}

/// Everything collected so far.
pub struct Builder {
    pub(super) file: String,
    pub(super) state: State,
    pub(super) signals: Signals,
    limits: Limits,
    current: Option<u32>,
    pub(super) rounds: Vec<Round>,
    pub(super) rollbacks: Vec<RollbackSeen>,
    pub(super) timeline: Vec<Entry>,
    pub(super) share: Vec<(i64, Option<f64>)>,
    pub(super) markers: Vec<ChartMarker>,
    pub(super) ticks: BTreeMap<ItemKey, Vec<Tick>>,
    pub(super) decisions: Vec<GoDecision>,
    firing: BTreeSet<String>,
    pub(super) outages: Vec<(String, OpenOutage, Option<Timestamp>)>,
    open: BTreeMap<String, OpenOutage>,
    pub(super) comms: Vec<Comm>,
    pub(super) signers: Vec<Signer>,
    pub(super) unknown: BTreeMap<String, u64>,
    pub(super) verifications: BTreeMap<String, (bool, Vec<crate::event::VerifyCheck>, Timestamp)>,
    applied: BTreeSet<String>,
    pub(super) operators: Vec<Person>,
    pub(super) first_at: Option<Timestamp>,
    pub(super) last_at: Option<Timestamp>,
    pub(super) lead: Option<Person>,
    /// Who decided the first go/no-go: the one who led the release, whoever opened the log.
    pub(super) decider: Option<Person>,
    pub(super) app_version: Option<String>,
    pub(super) resumed: u32,
    pub(super) end_reason: Option<String>,
    /// A `SessionCrashed` line was read.
    pub(super) crashed: bool,
    intervals: BTreeMap<String, u64>,
    candidate: Option<String>,
}

impl Builder {
    /// A report of the file named `file` (as the reader shows it).
    pub fn new(file: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            state: State::default(),
            signals: Signals::default(),
            limits: Limits::default(),
            current: None,
            rounds: Vec::new(),
            rollbacks: Vec::new(),
            timeline: Vec::new(),
            share: Vec::new(),
            markers: Vec::new(),
            ticks: BTreeMap::new(),
            decisions: Vec::new(),
            firing: BTreeSet::new(),
            outages: Vec::new(),
            open: BTreeMap::new(),
            comms: Vec::new(),
            signers: Vec::new(),
            unknown: BTreeMap::new(),
            verifications: BTreeMap::new(),
            applied: BTreeSet::new(),
            operators: Vec::new(),
            first_at: None,
            last_at: None,
            lead: None,
            decider: None,
            app_version: None,
            resumed: 0,
            end_reason: None,
            crashed: false,
            intervals: BTreeMap::new(),
            candidate: None,
        }
    }

    /// Takes one line of the log.
    pub fn feed(&mut self, line: Line) {
        match line.item {
            Item::Envelope(env) => self.envelope(&env, line.verified),
            Item::Unknown(u) => self.unknown_line(&u, line.verified),
            Item::Unreadable(_) => {}
        }
    }

    fn person(env: &Envelope) -> Person {
        Person {
            name: env.actor.name.clone(),
            role: env.actor.role.clone(),
        }
    }

    fn seen_at(&mut self, at: Timestamp, who: Person) {
        if self.first_at.is_none() {
            self.first_at = Some(at);
        }
        if self.last_at.is_none_or(|l| at > l) {
            self.last_at = Some(at);
        }
        if !who.name.is_empty() && !self.operators.contains(&who) {
            self.operators.push(who);
        }
    }

    fn envelope(&mut self, env: &Envelope, verified: bool) {
        let who = Self::person(env);
        self.seen_at(env.at, who.clone());
        let share_before = self.share.last().and_then(|s| s.1);
        // The same reducer as live; its effects are dropped, so nothing can run from here.
        let _ = reduce(&mut self.state, env);
        let at = env.at;
        let entry = |b: &mut Self, kind: &'static str, rule: Option<&AutoTrigger>, m: bool| {
            let measurements = if m { b.signals_now() } else { Vec::new() };
            b.timeline.push(Entry {
                seq: env.seq,
                at: iso(at),
                kind,
                actor: who.clone(),
                summary: crate::reduce::summarize(&b.state, &env.event),
                measurements,
                rule: rule.map(view::rule),
                verified,
            });
        };
        match &env.event {
            Event::SessionStarted { app_version, .. } => {
                self.lead.get_or_insert_with(|| who.clone());
                self.app_version.get_or_insert_with(|| app_version.clone());
                self.limits = Limits::of(self.state.config.as_deref(), None);
                self.candidate = self.state.config.as_ref().and_then(|c| c.versions().1);
                entry(self, "session-started", None, false);
            }
            Event::SessionResumed { .. } => {
                self.resumed += 1;
                entry(self, "session-resumed", None, false);
            }
            Event::SessionEnded { reason } => {
                self.end_reason = Some(reason.clone());
                entry(self, "session-ended", None, false);
            }
            Event::SessionCrashed { reason } => {
                self.end_reason = Some(format!("crashed: {reason}"));
                self.crashed = true;
                entry(self, "session-crashed", None, false);
            }
            Event::ConfigWarned { .. } => entry(self, "warning", None, false),
            Event::ItemTicked { stage, item } | Event::ItemUnticked { stage, item } => {
                let action = if matches!(env.event, Event::ItemTicked { .. }) {
                    "ticked"
                } else {
                    "unticked"
                };
                self.ticks
                    .entry(ItemKey::new(stage, item))
                    .or_default()
                    .push(Tick {
                        action,
                        by: who.clone(),
                        at: iso(at),
                    });
            }
            Event::SourceStarted {
                source,
                interval_ms,
                ..
            } => {
                self.intervals.insert(source.clone(), *interval_ms);
            }
            Event::SamplesObserved {
                source,
                at: eval_at,
                samples,
            } => {
                let ctx = Context {
                    round: self.current,
                    candidate: self.candidate.as_deref(),
                    limits: &self.limits,
                    interval_ms: self.intervals.get(source).copied(),
                };
                self.signals.observe(*eval_at, samples, &ctx);
            }
            Event::SourceFailed { source, error, .. } => {
                let o = self.open.entry(source.clone()).or_insert(OpenOutage {
                    from: at,
                    attempts: 0,
                    last_error: String::new(),
                });
                o.attempts += 1;
                o.last_error.clone_from(error);
            }
            Event::SourceRecovered { source } => {
                if let Some(o) = self.open.remove(source) {
                    self.outages.push((source.clone(), o, Some(at)));
                }
            }
            Event::AlertsObserved { alerts, .. } => {
                let now: BTreeSet<String> = alerts
                    .iter()
                    .filter(|a| a.state == crate::event::AlertState::Firing)
                    .map(|a| a.name.clone())
                    .collect();
                let mut lines = Vec::new();
                for a in alerts
                    .iter()
                    .filter(|a| a.state == crate::event::AlertState::Firing)
                {
                    if !self.firing.contains(&a.name) {
                        lines.push(format!(
                            "alert firing: {}{}{}",
                            a.name,
                            a.severity
                                .as_deref()
                                .map(|s| format!(" ({s})"))
                                .unwrap_or_default(),
                            a.summary
                                .as_deref()
                                .map(|s| format!(": {s}"))
                                .unwrap_or_default()
                        ));
                    }
                }
                for gone in self.firing.difference(&now) {
                    lines.push(format!("alert resolved: {gone}"));
                }
                self.firing = now;
                for summary in lines {
                    let measurements = self.signals_now();
                    self.timeline.push(Entry {
                        seq: env.seq,
                        at: iso(at),
                        kind: "alert",
                        actor: who.clone(),
                        summary,
                        measurements,
                        rule: None,
                        verified,
                    });
                }
            }
            Event::GateObserved { .. } => entry(self, "gate", None, false),
            Event::GoNoGoDecided {
                go,
                decision,
                baseline,
                ..
            } => {
                self.decider.get_or_insert_with(|| who.clone());
                entry(self, "decision", None, true);
                self.decisions.extend(view::decision(&self.state, env));
                self.marker(at, "decision", if *go { "go" } else { "no-go" });
                if *go {
                    self.current = Some(decision.round);
                    self.limits = Limits::of(
                        self.state.config.as_deref(),
                        baseline.as_ref().and_then(|b| b.latency_p99),
                    );
                    self.rounds.push(Round {
                        round: decision.round,
                        go_at: at,
                        go_by: who.clone(),
                        live_at: None,
                        completed_at: None,
                        rollback: None,
                    });
                }
            }
            Event::ApprovalRecorded { .. } => entry(self, "approval", None, false),
            Event::ActionRefused { .. } => entry(self, "refusal", None, true),
            Event::ActionRequested { id, action } => match action {
                Action::Shift { step, weight, .. } => {
                    entry(self, "shift", None, true);
                    self.marker(at, "shift", &format!("step {} → {weight} %", step + 1));
                }
                Action::Back { weight, .. } => {
                    entry(self, "back", None, true);
                    self.marker(at, "shift", &format!("back → {weight} %"));
                }
                Action::Rollback { auto, .. } => {
                    let kind = if auto.is_some() {
                        "auto-rollback"
                    } else {
                        "rollback"
                    };
                    entry(self, kind, auto.as_deref(), true);
                    self.marker(at, kind, kind);
                    self.rollbacks.push(RollbackSeen {
                        id: id.clone(),
                        round: self.current,
                        auto: auto.as_deref().cloned(),
                        requested_at: at,
                        by: who.clone(),
                        on_stable_at: None,
                    });
                    if let Some(r) = self.rounds.last_mut().filter(|r| r.rollback.is_none()) {
                        r.rollback = Some(id.clone());
                    }
                }
                Action::Undo { .. } => entry(self, "undo", None, false),
            },
            Event::ActionOutcome { id, outcome, .. } => {
                entry(self, "outcome", None, false);
                if *outcome == Outcome::Applied && self.applied.insert(id.clone()) {
                    self.applied_first(id, at);
                }
                self.share_now(at, share_before);
            }
            Event::ShiftPaused { .. } => entry(self, "pause", None, true),
            Event::ShiftResumed { .. } => entry(self, "resume", None, false),
            Event::AutoRollbackArmed { .. } => entry(self, "arm", None, false),
            Event::RollbackRecommended { why } => entry(self, "recommendation", Some(why), true),
            Event::RollbackVerified { id, ok, checks } => {
                entry(self, "verification", None, false);
                self.verifications
                    .insert(id.clone(), (*ok, checks.clone(), at));
            }
            Event::DriftObserved { .. } => entry(self, "drift", None, false),
            Event::ReleaseCompleted { .. } => {
                entry(self, "completed", None, true);
                self.marker(at, "completed", "complete");
                if let Some(r) = self.rounds.last_mut() {
                    r.completed_at.get_or_insert(at);
                }
                self.current = None;
            }
            Event::MarkerAdded { note } => {
                entry(self, "marker", None, true);
                self.marker(at, "marker", note);
            }
            Event::TrafficObserved { .. }
            | Event::PodChanged { .. }
            | Event::PodsListed { .. }
            | Event::PodDeleted { .. }
            | Event::WorkloadObserved { .. } => {
                self.crashloop(at);
                self.share_now(at, share_before);
            }
            Event::NoteAdded { .. }
            | Event::SeriesBackfilled { .. }
            | Event::HealthProbed { .. }
            | Event::LeaseObserved { .. }
            | Event::CountsObserved { .. }
            | Event::ApprovalDelivered { .. }
            | Event::CheckEvaluated { .. } => {}
            Event::CheckTrusted { .. } | Event::RunbookTrusted {} => {
                entry(self, "trust", None, false)
            }
            Event::HeadSigned { .. } => {
                self.signers.push(view::signer(&UnknownLine {
                    seq: env.seq,
                    at: Some(at),
                    actor: env.actor.clone(),
                    kind: env.event.kind().to_string(),
                    event: serde_json::to_value(&env.event).unwrap_or_default(),
                }));
            }
            Event::HeadSignFailed { .. } => entry(self, "warning", None, false),
            Event::CommsDrafted { .. } | Event::CommsRetried { .. } | Event::CommsSent { .. } => {
                let u = UnknownLine {
                    seq: env.seq,
                    at: Some(at),
                    actor: env.actor.clone(),
                    kind: env.event.kind().to_string(),
                    event: serde_json::to_value(&env.event).unwrap_or_default(),
                };
                let summary = crate::reduce::summarize(&self.state, &env.event);
                self.comm_line(&u, who.clone(), Some(summary), verified);
            }
        }
    }

    /// The candidate's observed share after an event that may move it, kept when it changes.
    fn share_now(&mut self, at: Timestamp, before: Option<f64>) {
        if let Some(cfg) = self.state.config.as_deref() {
            let share = plan::observed_share(&self.state, cfg);
            if self.share.is_empty() || share != before {
                self.share.push((at.as_millisecond(), share));
            }
        }
    }

    /// An action's first applied outcome: a shift to the last step puts production live; a
    /// rollback puts traffic back on stable.
    fn applied_first(&mut self, id: &str, at: Timestamp) {
        let Some(rec) = self.state.release.actions.get(id) else {
            return;
        };
        let last_step = self
            .state
            .config
            .as_ref()
            .map_or(0, |c| c.traffic.steps.len().saturating_sub(1));
        match &rec.action {
            Action::Shift { step, .. } if *step == last_step => {
                if let Some(r) = self.rounds.last_mut() {
                    r.live_at.get_or_insert(at);
                }
            }
            Action::Rollback { .. } => {
                if let Some(r) = self.rollbacks.iter_mut().find(|r| r.id == id) {
                    r.on_stable_at.get_or_insert(at);
                }
                self.current = None;
            }
            _ => {}
        }
    }

    /// A crash loop in the candidate's pods during a round is a crossing of the crash-loop
    /// rule's threshold (two restarts since go, or CrashLoopBackOff).
    fn crashloop(&mut self, at: Timestamp) {
        let (Some(round), Some(cfg)) = (self.current, self.state.config.as_deref()) else {
            return;
        };
        if !cfg.auto_rollback.crashloop || self.state.release.phase != Phase::Shifting {
            return;
        }
        let Some(e) = rules::crashloop(&self.state, cfg, at).filter(|e| e.fires) else {
            return;
        };
        let value = e
            .trigger
            .measurements
            .iter()
            .filter_map(|m| m.value)
            .fold(0.0, f64::max);
        self.signals.cross(Crossing {
            round,
            signal: "crashloop".to_string(),
            version: cfg.versions().1.unwrap_or_default(),
            threshold_of: "auto-rollback",
            threshold: 2.0,
            value,
            at: iso(at),
        });
    }

    fn marker(&mut self, at: Timestamp, kind: &'static str, label: &str) {
        self.markers.push(ChartMarker {
            t_ms: at.as_millisecond(),
            kind,
            label: label.to_string(),
        });
    }

    /// The stable and candidate signals as the screen showed them at this moment, against the
    /// SLO.
    fn signals_now(&self) -> Vec<Measured> {
        let Some(cfg) = self.state.config.as_deref() else {
            return Vec::new();
        };
        let (stable, candidate) = cfg.versions();
        let mut out = Vec::new();
        for version in [candidate, stable].into_iter().flatten() {
            for (signal, limit) in [
                (Signal::ErrorRatio, cfg.slo.error_ratio),
                (Signal::LatencyP95, cfg.slo.latency_p95.0.as_secs_f64()),
                (Signal::LatencyP99, cfg.slo.latency_p99.0.as_secs_f64()),
            ] {
                let series = self.state.live.series(signal, &version);
                let latest = series.and_then(|s| s.latest());
                let value = latest.and_then(|p| p.value);
                out.push(Measured {
                    signal: signal.name().to_string(),
                    version: version.clone(),
                    value,
                    threshold: Some(limit),
                    over: value.map(|v| v > limit),
                    unknown: value.is_none().then(|| {
                        series
                            .and_then(|s| s.unknown.clone())
                            .unwrap_or_else(|| "no data".to_string())
                    }),
                    at: latest.map(|p| iso(p.at)),
                });
            }
        }
        out
    }

    fn unknown_line(&mut self, u: &UnknownLine, verified: bool) {
        let who = Person {
            name: u.actor.name.clone(),
            role: u.actor.role.clone(),
        };
        if let Some(at) = u.at {
            self.seen_at(at, who.clone());
        }
        *self.unknown.entry(u.kind.clone()).or_default() += 1;
        if u.kind.starts_with("Comms") {
            self.comm_line(u, who, None, verified);
        } else if u.kind == "HeadSigned" {
            self.signers.push(view::signer(u));
        }
    }

    /// A status update (drafted, posted, retried): in the timeline and the comms section.
    /// `summary` is the war room's own words for a known event; an unknown one is read by
    /// its fields.
    fn comm_line(&mut self, u: &UnknownLine, who: Person, summary: Option<String>, verified: bool) {
        {
            let mut comm = view::comm(u, who.clone());
            if let Some(s) = summary {
                comm.summary = s;
            }
            self.timeline.push(Entry {
                seq: u.seq,
                at: comm.at.clone().unwrap_or_default(),
                kind: "comms",
                actor: who,
                summary: comm.summary.clone(),
                measurements: Vec::new(),
                rule: None,
                verified,
            });
            self.comms.push(comm);
        }
    }

    /// Sources still failing when the log ends.
    pub(super) fn close_outages(&mut self) {
        let open = std::mem::take(&mut self.open);
        for (source, o) in open {
            self.outages.push((source, o, None));
        }
        self.outages.sort_by_key(|o| o.1.from);
    }
}
