//! The decisions that change traffic (shift, step back, pause, resume, rollback, arming
//! auto-rollback) and the rules every one of them meets first: one change in flight, no lock
//! held by another war room.

use super::*;

impl Ctx<'_> {
    /// Refuses any change while another one is in flight, a rollback runs, or another war room
    /// holds the lock.
    pub(super) fn can_change(&self, what: &str) -> Result<(), String> {
        if let Some(a) = self.state.release.in_flight() {
            return Err(format!(
                "{} ({}) is still in flight; wait for its outcome",
                a.action.name(),
                a.id
            ));
        }
        self.lock_free(what)
    }

    /// Refuses a change while another war room holds the deployment lock and it has not
    /// expired.
    pub(super) fn lock_free(&self, what: &str) -> Result<(), String> {
        if let Some(l) = &self.state.release.lease
            && !l.ours
            && let Some(holder) = &l.holder
        {
            let live = l
                .renewed
                .is_none_or(|t| self.now.duration_since(t).as_secs() < i64::from(l.duration_s));
            if live {
                return Err(format!(
                    "cannot {what}: the deployment lock {} is held by {holder}{}",
                    l.name,
                    l.renewed
                        .map(|t| format!(
                            " (renewed {} ago)",
                            timefmt::span(self.now.duration_since(t).as_secs())
                        ))
                        .unwrap_or_default()
                ));
            }
        }
        Ok(())
    }

    pub(super) fn shifting(&self) -> Result<(), String> {
        match self.state.release.phase {
            Phase::Shifting => Ok(()),
            Phase::Preparing | Phase::NoGo => {
                Err("no go has been decided yet; decide go (g) first".to_string())
            }
            Phase::Completed => Err("the release is complete".to_string()),
            Phase::RolledBack => Err("the release was rolled back; a new go is needed".to_string()),
        }
    }

    pub(super) fn shift(&self, override_reason: Option<String>) -> Verdict {
        self.may(self.operator, Permission::Shift, "shift traffic")?;
        self.shifting()?;
        let r = &self.state.release;
        if let Some(p) = &r.paused {
            return Err(format!(
                "the shift is paused ({}); resume (p) first",
                p.reason
            ));
        }
        self.can_change("shift traffic")?;
        let over = override_reason.filter(|s| !s.trim().is_empty());
        // The current step must have baked with healthy signals before the next one.
        if let Some((cur, _)) = plan::current_step(self.state, self.cfg) {
            let left = plan::bake_left(self.state, self.cfg, self.now).unwrap_or_default();
            if left.as_secs() > 0 && over.is_none() {
                return Err(format!(
                    "step {} bakes for another {}; wait, or override with a reason",
                    cur + 1,
                    timefmt::span(left.as_secs())
                ));
            }
            let health = plan::candidate_health(self.state, self.cfg);
            if !health.ok() && over.is_none() {
                return Err(format!(
                    "signals are not healthy: {}; no promotion (override with a reason)",
                    health.summary()
                ));
            }
        }
        let Some((i, step)) = plan::next_step(self.state, self.cfg) else {
            let Some((last, s)) = plan::current_step(self.state, self.cfg) else {
                return Err("the plan has no steps ([traffic] steps)".to_string());
            };
            return Ok(Event::ReleaseCompleted {
                step: last,
                weight: s.weight,
            });
        };
        if self.cfg.gates.approvals.as_ref().is_some_and(|a| a.steps) {
            let d = DecisionRef {
                kind: DecisionKind::Step,
                release: self.release(),
                round: r.go_round().unwrap_or(0),
                step: Some(i),
            };
            let need = self.cfg.gates.approvals.as_ref().map_or(0, |a| a.required);
            let have = counted_approvals(self.state, self.cfg, &d, &self.operator.name);
            if (have.len() as u32) < need {
                return Err(format!(
                    "{d} needs {need} approval{}; {} recorded",
                    if need == 1 { "" } else { "s" },
                    have.len()
                ));
            }
        }
        if let Some(cand) = Sides::of(self.cfg).candidate
            && !self.state.live.pods.is_empty()
            && plan::ready_pods(self.state, &cand) == 0
        {
            return Err(format!(
                "{cand} has no ready pods to take {} % of traffic",
                step.weight
            ));
        }
        Ok(Event::ActionRequested {
            id: next_id(self.state),
            action: Action::Shift {
                step: i,
                weight: step.weight,
                from: r.plan.weight,
                strategy: self.cfg.traffic.strategy,
                override_bake: over,
            },
        })
    }

    pub(super) fn back(&self) -> Verdict {
        self.may(self.operator, Permission::Shift, "shift traffic")?;
        self.shifting()?;
        self.can_change("shift traffic")?;
        let r = &self.state.release;
        let Some(cur) = r.plan.step else {
            return Err("no step has been taken; nothing to step back from".to_string());
        };
        let to = cur.checked_sub(1);
        let weight = to
            .and_then(|t| self.cfg.traffic.steps.get(t))
            .map_or(0, |s| s.weight);
        Ok(Event::ActionRequested {
            id: next_id(self.state),
            action: Action::Back {
                step: to,
                weight,
                from: r.plan.weight,
                strategy: self.cfg.traffic.strategy,
            },
        })
    }

    pub(super) fn pause(&self, reason: Option<String>) -> Verdict {
        self.may(self.operator, Permission::Pause, "pause the shift")?;
        self.shifting()?;
        if let Some(p) = &self.state.release.paused {
            return Err(format!("already paused ({})", p.reason));
        }
        Ok(Event::ShiftPaused {
            reason: reason
                .filter(|r| !r.trim().is_empty())
                .unwrap_or_else(|| format!("paused by {}", self.operator.name)),
            auto: false,
        })
    }

    pub(super) fn resume(&self, reason: Option<String>) -> Verdict {
        self.may(self.operator, Permission::Pause, "resume the shift")?;
        if self.state.release.paused.is_none() {
            return Err("the shift is not paused".to_string());
        }
        Ok(Event::ShiftResumed {
            reason: reason.filter(|r| !r.trim().is_empty()),
        })
    }

    pub(super) fn rollback(&self, reason: String, ticket: Option<String>, undo: bool) -> Verdict {
        self.may(self.operator, Permission::Rollback, "roll back")?;
        if reason.trim().is_empty() {
            return Err("a rollback needs a reason".to_string());
        }
        let r = &self.state.release;
        match r.phase {
            Phase::Shifting | Phase::Completed => {}
            Phase::RolledBack => return Err("already rolled back".to_string()),
            Phase::Preparing | Phase::NoGo => {
                return Err("no go was decided: traffic was never shifted".to_string());
            }
        }
        if r.rollback.as_ref().is_some_and(|p| p.traffic_at.is_none()) {
            return Err("a rollback is already under way".to_string());
        }
        // A rollback may jump the queue of a shift that is still waiting for its answer: the
        // executor runs them in order, and getting out must never wait for a key.
        self.lock_free("roll back")?;
        let policy = self
            .cfg
            .gates
            .approvals
            .as_ref()
            .is_some_and(|a| a.rollback);
        if policy && self.production() {
            let d = DecisionRef {
                kind: DecisionKind::Rollback,
                release: self.release(),
                round: r.go_round().unwrap_or(0),
                step: None,
            };
            if counted_approvals(self.state, self.cfg, &d, &self.operator.name).is_empty() {
                return Err(format!(
                    "a manual production rollback needs a second person's approval of {d} \
                     (warroom approve SESSION --for rollback)"
                ));
            }
        }
        Ok(Event::ActionRequested {
            id: next_id(self.state),
            action: Action::Rollback {
                reason,
                ticket: ticket.filter(|t| !t.trim().is_empty()),
                undo,
                from: r.plan.weight,
                strategy: self.cfg.traffic.strategy,
                auto: None,
            },
        })
    }

    pub(super) fn arm(&self, armed: bool, reason: Option<String>) -> Verdict {
        self.may(
            self.operator,
            Permission::Rollback,
            "arm or disarm auto-rollback",
        )?;
        let reason = reason.filter(|r| !r.trim().is_empty());
        if self.state.release.auto.armed == armed {
            return Err(format!(
                "auto-rollback is already {}",
                if armed { "armed" } else { "disarmed" }
            ));
        }
        if !armed && self.production() && reason.is_none() {
            return Err("disarming auto-rollback in production needs a reason".to_string());
        }
        Ok(Event::AutoRollbackArmed { armed, reason })
    }
}
