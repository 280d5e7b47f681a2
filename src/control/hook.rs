//! The loop's side of the control socket: turns a connection's request into a release
//! intent for the core, and answers each connection once the line that settles its request
//! (the `ApprovalRecorded` or `ActionRefused` carrying its request id) has been applied.
//! Only the core records anything; the session file keeps its single writer.

use std::collections::HashMap;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::peer::Identity;
use super::protocol::Answer;
use super::server::{self, Bound, SocketFile, ToLoop};
use crate::event::{Actor, ApprovalVia, Envelope, Event};
use crate::release::{self, Approval, ReleaseIntent, plan};
use crate::runtime::core::{Core, Rejected};

/// The served socket and the connections waiting for their line.
#[derive(Debug)]
pub struct Control {
    rx: mpsc::Receiver<ToLoop>,
    waiting: HashMap<String, oneshot::Sender<Answer>>,
    task: JoinHandle<()>,
    next: u64,
    // Last field: dropped after the task is aborted, so the file goes once nobody serves it.
    _file: SocketFile,
}

impl Drop for Control {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves a bound socket from the current runtime. A failure is recorded as a warning and
/// the session goes on without the socket.
pub fn start(bound: Option<Bound>, core: &mut Core) -> Option<Control> {
    let bound = bound?;
    let shown = bound.path().display().to_string();
    match server::spawn(bound) {
        Ok((task, rx, file)) => Some(Control {
            rx,
            waiting: HashMap::new(),
            task,
            next: 0,
            _file: file,
        }),
        Err(e) => {
            let _ = core.record_system(Event::ConfigWarned {
                message: format!(
                    "warroom approve cannot reach this war room: cannot serve {shown}: {e}"
                ),
            });
            None
        }
    }
}

/// The next request from the socket; never resolves when there is no socket. If the server
/// task ended, the socket is dropped (and its file removed): nobody would answer on it.
pub async fn next(slot: &mut Option<Control>) -> ToLoop {
    if let Some(c) = slot.as_mut()
        && let Some(req) = c.rx.recv().await
    {
        return req;
    }
    *slot = None;
    std::future::pending().await
}

impl Control {
    /// Handles one request: answers a query at once, hands an approval to the core, records
    /// a refused peer.
    pub fn handle(&mut self, req: ToLoop, core: &mut Core) {
        match req {
            ToLoop::Pending { reply } => {
                let _ = reply.send(pending(core));
            }
            ToLoop::Approve {
                who,
                request,
                reason,
                as_name,
                decision,
                reply,
            } => {
                if self.waiting.contains_key(&request) {
                    let _ = reply.send(Answer::refused(
                        format!(
                            "request {request} is already waiting for its answer; send a new id"
                        ),
                        None,
                    ));
                    return;
                }
                let approval = approval(core, &who, &request, reason, as_name, decision);
                match core.release(ReleaseIntent::Approve(approval)) {
                    // Recorded (or queued behind the event in flight), or refused and the
                    // refusal recorded: either way a line with this request id is coming.
                    Ok(()) | Err(Rejected::Release(_)) => {
                        self.waiting.insert(request, reply);
                    }
                    Err(e) => {
                        let _ = reply.send(Answer::unavailable(e.to_string()));
                    }
                }
            }
            ToLoop::Refuse {
                who,
                action,
                request,
                reason,
                reply,
            } => {
                let request = request
                    .filter(|r| !self.waiting.contains_key(r))
                    .unwrap_or_else(|| {
                        self.next += 1;
                        format!("socket-{}", self.next)
                    });
                let actor = actor(core, &who.login, role_of(core, &who.login));
                let event = Event::ActionRefused {
                    action: action.to_string(),
                    reason: reason.clone(),
                    request: Some(request.clone()),
                };
                match core.record_refusal_as(&actor, event) {
                    Ok(()) => {
                        self.waiting.insert(request, reply);
                    }
                    Err(e) => {
                        let _ = reply.send(Answer::refused(
                            format!("{reason} (the refusal could not be recorded: {e})"),
                            None,
                        ));
                    }
                }
            }
        }
    }

    /// Answers the connection whose request `env` settles, if any.
    pub fn on_applied(&mut self, env: &Envelope) {
        let answer = match &env.event {
            Event::ApprovalRecorded {
                decision,
                os_user,
                request: Some(id),
                ..
            } => self.waiting.remove(id).map(|reply| {
                (
                    reply,
                    Answer {
                        ok: true,
                        seq: Some(env.seq),
                        decision: Some(decision.to_string()),
                        request: Some(id.clone()),
                        approver: Some(env.actor.name.clone()),
                        role: Some(env.actor.role.clone()),
                        os_user: os_user.clone(),
                        ..Answer::default()
                    },
                )
            }),
            Event::ActionRefused {
                reason,
                request: Some(id),
                ..
            } => self.waiting.remove(id).map(|reply| {
                (
                    reply,
                    Answer {
                        request: Some(id.clone()),
                        approver: Some(env.actor.name.clone()),
                        role: Some(env.actor.role.clone()),
                        ..Answer::refused(reason.clone(), Some(env.seq))
                    },
                )
            }),
            _ => None,
        };
        if let Some((reply, answer)) = answer {
            // The client may have given up; the line is in the log either way.
            let _ = reply.send(answer);
        }
    }
}

/// The role `[operators]` of the recorded config gives `name`, if any.
fn role_of(core: &Core, name: &str) -> Option<String> {
    core.state
        .config
        .as_deref()
        .and_then(|c| c.role_of(name))
        .map(str::to_string)
}

fn actor(core: &Core, name: &str, role: Option<String>) -> Actor {
    Actor {
        name: name.to_string(),
        // Someone `[operators]` does not list may watch, nothing more.
        role: role.unwrap_or_else(|| "observer".to_string()),
        host: core.actor().host.clone(),
    }
}

/// The approval as the rules will see it: the approver is the socket's peer (its login name
/// and that name's role), or a declared name recorded together with the peer that declared it.
fn approval(
    core: &Core,
    who: &Identity,
    request: &str,
    reason: Option<String>,
    as_name: Option<String>,
    decision: Option<crate::event::DecisionRef>,
) -> Approval {
    let os_role = role_of(core, &who.login);
    let approver = match &as_name {
        Some(name) => actor(core, name, role_of(core, name).or(os_role)),
        None => actor(core, &who.login, os_role),
    };
    Approval {
        approver,
        os_user: Some(who.login.clone()),
        declared: as_name,
        via: ApprovalVia::Socket,
        reason,
        decision,
        request: Some(request.to_string()),
        same_os_user: own_uid() == Some(who.uid),
    }
}

/// The uid this war room runs as: `/proc/self` belongs to the process's effective user.
fn own_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|m| m.uid())
}

/// What is waiting for an approval, for `warroom approve` to name the decision it means.
fn pending(core: &Core) -> Answer {
    let state = &core.state;
    let r = &state.release;
    let cfg = state.config.as_deref();
    let pending = cfg.and_then(|c| release::pending_decision(state, c));
    Answer {
        ok: true,
        decision: pending.as_ref().map(ToString::to_string),
        pending,
        release: cfg.and_then(|c| c.deployment.release.clone()),
        next_round: Some(r.next_round()),
        go_round: r.go_round(),
        next_step: cfg.and_then(|c| plan::next_step(state, c)).map(|(i, _)| i),
        operator: Some(core.actor().name.clone()),
        ..Answer::default()
    }
}
