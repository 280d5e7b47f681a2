//! The report's sections from what the pass collected: the outcome and every round, the
//! detection and resolution of each rollback, checklist sign-off, outages, verification and
//! the charts' data.

use jiff::Timestamp;

use super::build::{Builder, RollbackSeen};
use super::model::{
    Check, Checklist, ChecklistItem, Crossing, Deployment, Detection, Impact, Note, Outage,
    OutcomeKind, Person, REPORT_VERSION, Report, Resolution, RollbackDetection, RollbackRef,
    SessionInfo, Stamp, Summary, TornTail, Trigger, UndoResult, UnknownKind, Verification,
};
use super::reader::Chain;
use super::signals::sampled_signal;
use super::time::{dur, iso, secs};
use super::{charts, view};
use crate::event::{Action, TrafficRow};
use crate::release::summary::outcome_word;
use crate::state::ItemKey;

impl Builder {
    /// The finished report, given what the read found about the chain.
    pub fn finish(mut self, chain: &Chain) -> Report {
        self.close_outages();
        let cfg = self.state.config.clone();
        let (stable_label, candidate_label) =
            cfg.as_ref().map(|c| c.versions()).unwrap_or_default();
        let crashed = !chain.clean_close
            || self.crashed
            || self
                .end_reason
                .as_deref()
                .is_some_and(|r| r.starts_with("panic"));
        let detections: Vec<RollbackDetection> =
            self.rollbacks.iter().map(|r| self.detect(r)).collect();
        let deployments = self.deployments(&detections, crashed);
        let (outcome, rollback, detail) = self.outcome(&deployments, crashed);
        let (budget, versions) = self.signals.impact(
            cfg.as_ref().map(|c| c.slo.error_ratio),
            stable_label.as_deref(),
            candidate_label.as_deref(),
        );
        let resolution = self.rollbacks.iter().map(|r| self.resolve(r)).collect();
        let checklist = self.checklist();
        let outages = self.outages();
        let verification = self.verification(chain);
        let charts = charts::build(&self);
        let session = SessionInfo {
            id: self.state.session.clone().or_else(|| chain.session.clone()),
            deployment: self.state.deployment.clone(),
            environment: cfg.as_ref().map(|c| c.deployment.environment.clone()),
            release: cfg.as_ref().and_then(|c| c.deployment.release.clone()),
            stable: cfg.as_ref().and_then(|c| c.deployment.stable.clone()),
            stable_label,
            candidate_label,
            app_version: self.app_version.clone(),
            runbook: Some(self.state.runbook.title.clone()).filter(|t| !t.is_empty()),
            t0: self.state.t0.map(iso),
            started_at: self.first_at.map(iso),
            ended_at: self.last_at.map(iso),
            operators: self.operators.clone(),
        };
        Report {
            kind: "session-report",
            report_version: REPORT_VERSION,
            generator: format!("warroom {}", env!("CARGO_PKG_VERSION")),
            file: self.file.clone(),
            summary: Summary {
                release: session.release.clone(),
                outcome,
                rollback,
                detail,
                duration_s: self.first_at.zip(self.last_at).map(|(a, b)| secs(a, b)),
                led_by: self.decider.clone().or_else(|| self.lead.clone()),
                deployments,
            },
            session,
            impact: Impact {
                slo_error_ratio: cfg.as_ref().map(|c| c.slo.error_ratio),
                budget,
                versions,
            },
            timeline: std::mem::take(&mut self.timeline),
            detection: Detection {
                crossings: self.signals.crossings.clone(),
                rollbacks: detections,
            },
            resolution,
            gates: std::mem::take(&mut self.decisions),
            checklist,
            comms: std::mem::take(&mut self.comms),
            outages,
            verification,
            charts,
        }
    }

    fn go_at(&self, round: Option<u32>) -> Option<Timestamp> {
        let round = round?;
        self.rounds
            .iter()
            .find(|r| r.round == round)
            .map(|r| r.go_at)
    }

    /// The first sample over the threshold that led to a rollback: for an automatic one, the
    /// first breach of its rule's limit within the rule's window before it fired; for a manual
    /// one, the round's first crossing of any threshold by the candidate.
    fn detect(&self, r: &RollbackSeen) -> RollbackDetection {
        let req_ms = r.requested_at.as_millisecond();
        let go_ms = self.go_at(r.round).map_or(i64::MIN, |t| t.as_millisecond());
        let first_breach = match &r.auto {
            Some(t) => t
                .measurements
                .iter()
                .find_map(|m| {
                    let signal = sampled_signal(&m.signal)?;
                    let limit = m.threshold?;
                    let window_ms = i64::try_from(t.window_s).unwrap_or(0) * 1000;
                    let from = go_ms.max(req_ms.saturating_sub(window_ms));
                    let (at, value) = self
                        .signals
                        .first_over(signal, &m.version, limit, from, req_ms)?;
                    Some(Crossing {
                        round: r.round.unwrap_or(0),
                        signal: m.signal.clone(),
                        version: m.version.clone(),
                        threshold_of: "auto-rollback",
                        threshold: limit,
                        value,
                        at: iso(Timestamp::from_millisecond(at).ok()?),
                    })
                })
                .or_else(|| {
                    (t.rule == "crashloop")
                        .then(|| self.first_crossing(r, |c| c.signal == "crashloop"))
                        .flatten()
                }),
            None => {
                let candidate = self
                    .state
                    .config
                    .as_ref()
                    .and_then(|c| c.versions().1)
                    .unwrap_or_default();
                self.first_crossing(r, |c| c.version == candidate)
            }
        };
        let breach_at = first_breach
            .as_ref()
            .and_then(|c| c.at.parse::<Timestamp>().ok());
        RollbackDetection {
            id: r.id.clone(),
            round: r.round,
            trigger: if r.auto.is_some() {
                Trigger::Auto
            } else {
                Trigger::Manual
            },
            rule: r.auto.as_ref().map(view::rule),
            requested_at: iso(r.requested_at),
            on_stable_at: r.on_stable_at.map(iso),
            breach_to_request_s: breach_at.map(|b| secs(b, r.requested_at)),
            breach_to_stable_s: breach_at.zip(r.on_stable_at).map(|(b, s)| secs(b, s)),
            request_to_stable_s: r.on_stable_at.map(|s| secs(r.requested_at, s)),
            first_breach,
        }
    }

    fn first_crossing(
        &self,
        r: &RollbackSeen,
        keep: impl Fn(&Crossing) -> bool,
    ) -> Option<Crossing> {
        self.signals
            .crossings
            .iter()
            .filter(|c| Some(c.round) == r.round && keep(c))
            .filter(|c| c.at.parse::<Timestamp>().is_ok_and(|t| t <= r.requested_at))
            .min_by(|a, b| a.at.cmp(&b.at))
            .cloned()
    }

    fn deployments(&self, det: &[RollbackDetection], crashed: bool) -> Vec<Deployment> {
        let n = self.rounds.len();
        self.rounds
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let rollback = r.rollback.as_ref().and_then(|id| {
                    let seen = self.rollbacks.iter().find(|s| &s.id == id)?;
                    let d = det.iter().find(|d| &d.id == id)?;
                    let failure_at = d
                        .first_breach
                        .as_ref()
                        .and_then(|c| c.at.parse::<Timestamp>().ok())
                        .unwrap_or(seen.requested_at);
                    let ticket = match self.state.release.actions.get(id).map(|a| &a.action) {
                        Some(Action::Rollback { ticket, .. }) => ticket.clone(),
                        _ => None,
                    };
                    Some(RollbackRef {
                        id: id.clone(),
                        trigger: d.trigger,
                        ticket,
                        requested_at: iso(seen.requested_at),
                        failure_at: iso(failure_at),
                        on_stable_at: seen.on_stable_at.map(iso),
                        recovery_s: seen.on_stable_at.map(|s| secs(failure_at, s)),
                    })
                });
                let outcome = if r.completed_at.is_some() {
                    OutcomeKind::Completed
                } else if rollback.is_some() {
                    OutcomeKind::RolledBack
                } else if i + 1 < n || !crashed {
                    OutcomeKind::Abandoned
                } else {
                    OutcomeKind::Crashed
                };
                Deployment {
                    round: r.round,
                    go_at: iso(r.go_at),
                    go_by: r.go_by.clone(),
                    live_at: r.live_at.map(iso),
                    time_to_deploy_s: r.live_at.map(|l| secs(r.go_at, l)),
                    completed_at: r.completed_at.map(iso),
                    rollback,
                    outcome,
                }
            })
            .collect()
    }

    fn outcome(
        &self,
        deps: &[Deployment],
        crashed: bool,
    ) -> (OutcomeKind, Option<Trigger>, String) {
        let release = self
            .state
            .config
            .as_ref()
            .and_then(|c| c.deployment.release.clone())
            .unwrap_or_else(|| "the release".to_string());
        let position = || {
            let p = &self.state.release.plan;
            let steps = self
                .state
                .config
                .as_ref()
                .map_or(0, |c| c.traffic.steps.len());
            match p.step {
                Some(s) => format!("at {} % (step {} of {steps})", p.weight, s + 1),
                None => "before its first traffic step".to_string(),
            }
        };
        let end = || match (&self.end_reason, self.last_at) {
            (Some(r), _) if crashed => format!("the session ended with \"{r}\""),
            (Some(r), _) => format!("the session closed ({r})"),
            (None, Some(t)) => format!("the log ends without a clean close at {}", iso(t)),
            (None, None) => "the log holds no readable line".to_string(),
        };
        let Some(last) = deps.last() else {
            return match self.state.release.decisions.last() {
                Some(d) if !d.go => (
                    OutcomeKind::NoGo,
                    None,
                    format!("no-go for {release} by {} ({}): {}", d.by, d.role, d.reason),
                ),
                _ if crashed => (
                    OutcomeKind::Crashed,
                    None,
                    format!("{} before any go/no-go decision", end()),
                ),
                _ => (
                    OutcomeKind::Abandoned,
                    None,
                    format!("{} before any go/no-go decision", end()),
                ),
            };
        };
        match (last.outcome, &last.rollback) {
            (OutcomeKind::Completed, _) => (
                OutcomeKind::Completed,
                None,
                format!(
                    "{release} completed: every traffic step held{}",
                    last.time_to_deploy_s
                        .map(|s| format!("; go to production live in {}", dur(s)))
                        .unwrap_or_default()
                ),
            ),
            (OutcomeKind::RolledBack, Some(rb)) => {
                let seen = self.rollbacks.iter().find(|r| r.id == rb.id);
                let how = match rb.trigger {
                    Trigger::Auto => match seen.and_then(|r| r.auto.as_ref()) {
                        Some(t) => format!("automatic rollback (rule {}): {}", t.rule, t.summary),
                        None => "automatic rollback".to_string(),
                    },
                    Trigger::Manual => {
                        let by = seen
                            .map(|r| format!(" by {} ({})", r.by.name, r.by.role))
                            .unwrap_or_default();
                        format!("manual rollback{by}")
                    }
                };
                let reason = match self.state.release.actions.get(&rb.id).map(|a| &a.action) {
                    Some(Action::Rollback { reason, ticket, .. })
                        if rb.trigger == Trigger::Manual =>
                    {
                        format!(
                            ": {reason}{}",
                            ticket
                                .as_deref()
                                .map(|t| format!(" [{t}]"))
                                .unwrap_or_default()
                        )
                    }
                    _ => String::new(),
                };
                let stable = match &rb.on_stable_at {
                    Some(_) => format!(
                        "; traffic on stable {} after the request",
                        rb.on_stable_at
                            .as_deref()
                            .and_then(|s| s.parse::<Timestamp>().ok())
                            .zip(rb.requested_at.parse::<Timestamp>().ok())
                            .map(|(s, r)| dur(secs(r, s)))
                            .unwrap_or_default()
                    ),
                    None => "; traffic was never read back on stable".to_string(),
                };
                (
                    OutcomeKind::RolledBack,
                    Some(rb.trigger),
                    format!("{release} rolled back: {how}{reason}{stable}"),
                )
            }
            (kind, _) => (
                kind,
                None,
                format!(
                    "{}, with {release} {}: neither complete nor rolled back",
                    end(),
                    position()
                ),
            ),
        }
    }

    fn resolve(&self, r: &RollbackSeen) -> Resolution {
        let rec = self.state.release.actions.get(&r.id);
        let (reason, ticket, from) = match rec.map(|a| &a.action) {
            Some(Action::Rollback {
                reason,
                ticket,
                from,
                ..
            }) => (reason.clone(), ticket.clone(), *from),
            _ => (String::new(), None, 0),
        };
        let undo = self
            .state
            .release
            .actions
            .get(&format!("{}-undo", r.id))
            .map(|u| UndoResult {
                id: u.id.clone(),
                outcome: u.outcome.map(|o| outcome_word(o).to_string()),
                detail: u.detail.clone(),
            });
        let verified = self.verifications.get(&r.id);
        Resolution {
            id: r.id.clone(),
            by: r.by.clone(),
            trigger: if r.auto.is_some() {
                Trigger::Auto
            } else {
                Trigger::Manual
            },
            reason,
            ticket,
            from_weight: from,
            requested_at: iso(r.requested_at),
            outcome: rec
                .and_then(|a| a.outcome)
                .map(|o| outcome_word(o).to_string()),
            detail: rec.map(|a| a.detail.clone()).unwrap_or_default(),
            finished_at: rec.and_then(|a| a.finished_at).map(iso),
            traffic_before: rec.and_then(|a| a.before.as_ref()).map(traffic),
            traffic_after: rec.and_then(|a| a.after.as_ref()).map(traffic),
            undo,
            verified: verified.map(|v| v.0),
            verified_at: verified.map(|v| iso(v.2)),
            checks: verified
                .map(|v| {
                    v.1.iter()
                        .map(|c| Check {
                            name: c.name.clone(),
                            ok: c.ok,
                            detail: c.detail.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn checklist(&self) -> Checklist {
        let person = |a: &crate::event::Actor| Person {
            name: a.name.clone(),
            role: a.role.clone(),
        };
        let mut items = Vec::new();
        let mut keys = Vec::new();
        for s in &self.state.runbook.stages {
            for i in &s.items {
                keys.push((
                    ItemKey::new(&s.id, &i.id),
                    s.title.clone(),
                    i.text.clone(),
                    i.required,
                ));
            }
        }
        // Ticks of items the runbook does not have (it cannot change mid-session, but a
        // damaged log may say anything) are shown too.
        for k in self.ticks.keys() {
            if self.state.runbook.item(&k.stage, &k.item).is_none() {
                keys.push((
                    k.clone(),
                    String::new(),
                    "(not in the runbook)".to_string(),
                    false,
                ));
            }
        }
        for (key, stage_title, text, required) in keys {
            let p = self.state.items.get(&key);
            items.push(ChecklistItem {
                stage: key.stage.clone(),
                stage_title,
                item: key.item.clone(),
                text,
                required,
                ticked: p.and_then(|p| p.ticked.as_ref()).map(|s| Stamp {
                    by: person(&s.by),
                    at: iso(s.at),
                }),
                history: self.ticks.get(&key).cloned().unwrap_or_default(),
                notes: p
                    .map(|p| {
                        p.notes
                            .iter()
                            .map(|n| Note {
                                by: person(&n.stamp.by),
                                at: iso(n.stamp.at),
                                text: n.text.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
        let mut skipped: Vec<String> = Vec::new();
        for d in self.decisions.iter().filter(|d| d.go) {
            for i in &d.open_required_items {
                if !skipped.contains(i) {
                    skipped.push(i.clone());
                }
            }
        }
        Checklist {
            total: u32::try_from(self.state.runbook.item_count()).unwrap_or(u32::MAX),
            ticked: u32::try_from(items.iter().filter(|i| i.ticked.is_some()).count())
                .unwrap_or(u32::MAX),
            required_open: view::open_required(&self.state),
            skipped_at_go: skipped,
            items,
        }
    }

    fn outages(&self) -> Vec<Outage> {
        let end = self.last_at;
        self.outages
            .iter()
            .map(|(source, o, to)| Outage {
                source: source.clone(),
                from: iso(o.from),
                to: to.map(iso),
                duration_s: to.or(end).map_or(0.0, |t| secs(o.from, t)),
                attempts: o.attempts,
                last_error: o.last_error.clone(),
                recovered: to.is_some(),
            })
            .collect()
    }

    fn verification(&self, chain: &Chain) -> Verification {
        Verification {
            intact: chain.damage.is_none(),
            lines: chain.lines,
            first_bad_line: chain.damage.as_ref().map(|d| d.line),
            damage: chain.damage.as_ref().map(|d| d.reason.clone()),
            unverified_lines: chain.unverified_lines,
            unreadable_lines: chain.unreadable_lines,
            torn_tail: chain.torn_tail.as_ref().map(|t| TornTail {
                line: t.line,
                bytes: t.bytes,
            }),
            final_hash: chain.final_hash.clone(),
            clean_close: chain.clean_close,
            end_reason: self.end_reason.clone(),
            resumed: self.resumed,
            signed: !self.signers.is_empty(),
            signers: self.signers.clone(),
            unknown_events: self
                .unknown
                .iter()
                .map(|(kind, count)| UnknownKind {
                    kind: kind.clone(),
                    count: *count,
                })
                .collect(),
        }
    }
}

/// Where traffic went, in a few words.
pub fn traffic(t: &TrafficRow) -> String {
    let mut parts: Vec<String> = t.selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.extend(t.weights.iter().map(|(b, w)| format!("{b} {w}")));
    if parts.is_empty() {
        "nothing routed".to_string()
    } else {
        parts.join(", ")
    }
}
