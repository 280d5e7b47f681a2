//! The loop's side of approvals through the cluster: turns a delivered, signature-checked
//! approval object into an approval intent for the core (so the same rules decide as for the
//! control socket: roles, nobody approving their own decision, one approval per person, no
//! carrying over, the quorum of `[gates] approvals`), publishes what is pending and the head
//! to sign, and answers each object once the line that settles it is applied.

use std::collections::{HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};

use super::core::{Core, Rejected};
use crate::event::{Actor, ApprovalVia, DecisionRef, Envelope, Event};
use crate::release::{self, Approval, ReleaseIntent, plan};
use crate::sources::approvals::{Answer, Delivery, Link, Pending, Settled};

/// How far from the war room's clock an approval's signing time may be.
const SKEW: SignedDuration = SignedDuration::from_mins(10);

/// The watcher's link and what the loop remembers about it.
#[derive(Debug)]
pub struct Cluster {
    link: Link,
    /// Every head published to approvers in this run: an approval must name one of them.
    published: HashSet<(u64, String)>,
    /// What was published last (decision, head seq), to publish only on a change.
    last: Option<(Option<DecisionRef>, u64)>,
    /// Approval objects waiting for their line, by name.
    waiting: HashMap<String, ()>,
}

/// The next delivery; never resolves without a watcher.
pub async fn next(slot: &mut Option<Cluster>) -> Option<Delivery> {
    match slot {
        Some(c) => c.link.deliveries.recv().await,
        None => std::future::pending().await,
    }
}

impl Cluster {
    /// Wraps a started watcher and publishes the current state at once.
    pub fn new(link: Link, core: &Core) -> Self {
        let mut c = Self {
            link,
            published: HashSet::new(),
            last: None,
            waiting: HashMap::new(),
        };
        c.publish(core, true);
        c
    }

    /// Hands a delivery to the core: a signature that does not check, another session's
    /// approval or an unpublished head is refused here (and recorded); anything else goes to
    /// the release rules.
    pub fn handle(&mut self, d: Delivery, core: &mut Core) {
        let object = d.object.clone();
        if core.is_ending() {
            // Nothing is recorded after the end marker; the approver is told, and the object
            // stays unanswered in the log's eyes.
            return self.settle(
                object,
                false,
                "not recorded: the session is ending".into(),
                None,
            );
        }
        // The object as it arrived, signature and all, is evidence for the post-mortem.
        let _ = core.record_decided(Event::ApprovalDelivered {
            object: object.clone(),
            approval: d.text.clone(),
            signature: d.signature.clone(),
        });
        let (claim, who) = match d.checked {
            Ok(ok) => ok,
            Err(why) => {
                let actor = unverified(core, d.claimed.as_deref());
                return self.refuse(
                    core,
                    &actor,
                    &object,
                    format!("its signature does not count: {why}"),
                );
            }
        };
        let signing = core.state.config.as_deref().and_then(|c| c.signing.clone());
        let name = signing
            .as_ref()
            .map_or(claim.principal.as_str(), |s| {
                s.operator_of(&claim.principal)
            })
            .to_string();
        let role = core
            .state
            .config
            .as_deref()
            .and_then(|c| c.role_of(&name))
            .map_or_else(|| "observer".to_string(), str::to_string);
        let approver = Actor {
            name,
            role,
            host: "cluster".to_string(),
        };
        let session = core.state.session.clone().unwrap_or_default();
        let problem = if claim.session != session {
            Some(format!(
                "it is for session {}, not this one ({session})",
                claim.session
            ))
        } else if !self
            .published
            .contains(&(claim.head_seq, claim.head_hash.clone()))
        {
            Some(format!(
                "it names head line {} ({}…), which this war room did not publish; approve \
                 again from what it publishes now",
                claim.head_seq,
                claim.head_hash.get(..12).unwrap_or(&claim.head_hash)
            ))
        } else if claim.at.duration_since(Timestamp::now()).abs() > SKEW {
            Some(format!(
                "it was signed at {}, more than {} minutes from this war room's clock; sign a \
                 fresh one",
                claim.at,
                SKEW.as_mins()
            ))
        } else {
            None
        };
        if let Some(why) = problem {
            return self.refuse(core, &approver, &object, why);
        }
        tracing::debug!(object, signer = %who.signer(), "cluster approval checked");
        let approval = Approval {
            approver,
            os_user: None,
            declared: None,
            via: ApprovalVia::Cluster,
            reason: claim.reason,
            decision: Some(claim.decision),
            request: Some(object.clone()),
            same_os_user: false,
        };
        match core.release(ReleaseIntent::Approve(approval)) {
            // Recorded, or refused and the refusal recorded: a line with this id is coming.
            Ok(()) | Err(Rejected::Release(_)) => {
                self.waiting.insert(object, ());
            }
            Err(e) => self.settle(object, false, format!("not recorded: {e}"), None),
        }
    }

    fn refuse(&mut self, core: &mut Core, actor: &Actor, object: &str, why: String) {
        let event = Event::ActionRefused {
            action: "approve".to_string(),
            reason: why.clone(),
            request: Some(object.to_string()),
        };
        match core.record_refusal_as(actor, event) {
            Ok(()) => {
                self.waiting.insert(object.to_string(), ());
            }
            Err(e) => self.settle(
                object.to_string(),
                false,
                format!("{why} (the refusal could not be recorded: {e})"),
                None,
            ),
        }
    }

    fn settle(&mut self, object: String, recorded: bool, detail: String, seq: Option<u64>) {
        let answer = Answer {
            recorded,
            detail,
            seq,
        };
        // The watcher may have stopped; the session log has the answer either way.
        let _ = self.link.settle.send(Settled { object, answer });
    }

    /// After a line is applied: answers the approval object it settles, and publishes the
    /// pending decision and head when a decision changed them.
    pub fn on_applied(&mut self, env: &Envelope, core: &Core) {
        match &env.event {
            Event::ApprovalRecorded {
                decision,
                request: Some(id),
                ..
            } if self.waiting.remove(id).is_some() => {
                let detail = format!(
                    "{} ({}) approved {decision}",
                    env.actor.name, env.actor.role
                );
                self.settle(id.clone(), true, detail, Some(env.seq));
            }
            Event::ActionRefused {
                reason,
                request: Some(id),
                ..
            } if self.waiting.remove(id).is_some() => {
                self.settle(id.clone(), false, reason.clone(), Some(env.seq));
            }
            _ => {}
        }
        let decided = crate::sign::log::needs_signature(&env.event)
            || matches!(
                env.event,
                Event::HeadSigned { .. } | Event::SessionResumed { .. }
            );
        self.publish(core, decided);
    }

    /// Publishes the pending decision and the current head, when the decision changed or
    /// `decided` says a human decision moved the head worth signing.
    fn publish(&mut self, core: &Core, decided: bool) {
        let state = &core.state;
        let (Some(cfg), Some(session), Some(seq), Some(hash)) = (
            state.config.as_deref(),
            state.session.as_deref(),
            state.last_seq,
            state.last_hash.as_deref(),
        ) else {
            return;
        };
        let decision = release::pending_decision(state, cfg);
        let changed = self.last.as_ref().is_none_or(|(d, _)| *d != decision);
        if !(changed || decided) || core.is_ending() {
            return;
        }
        self.last = Some((decision.clone(), seq));
        self.published.insert((seq, hash.to_string()));
        let r = &state.release;
        let pending = Pending {
            session: session.to_string(),
            decision,
            release: cfg.deployment.release.clone(),
            next_round: r.next_round(),
            go_round: r.go_round(),
            next_step: plan::next_step(state, cfg).map(|(i, _)| i),
            head_seq: seq,
            head_hash: hash.to_string(),
            operator: core.actor().name.clone(),
            at: crate::event::at_format::to_string(&Timestamp::now()),
        };
        let _ = self.link.publish.send(Some(pending));
    }
}

/// The actor of an approval whose signature did not check: the name it claims, marked as
/// unverified, with no role.
fn unverified(core: &Core, claimed: Option<&str>) -> Actor {
    Actor {
        name: format!("{} (unverified)", claimed.unwrap_or("unknown")),
        role: "observer".to_string(),
        host: core.actor().host.clone(),
    }
}
