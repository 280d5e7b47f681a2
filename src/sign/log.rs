//! Signed heads in a session log: which events the war room signs after, and the check of
//! every head signature of a log whose chain has already verified.
//!
//! The rules (docs/session-log.md, "Signed heads"): every signature must verify against the
//! allowed signers and the chain; every human decision must be covered by a valid signature of
//! its line or a later one; and the session must end with a signed close — a `HeadSigned` of
//! the line just before it, made as a close, followed only by `SessionEnded` — or a log cut
//! back to an earlier head would pass for whole.

use std::collections::HashMap;

use super::allowed::AllowedSigners;
use super::approval::verify_approval;
use super::head::verify_head;
use super::sshsig::{Verified, VerifyError};
use crate::event::{Action, ApprovalVia, Envelope, Event};

/// Whether the war room signs the head after this event: a human decision (go/no-go, an
/// approval, a shift or back, a manual rollback, an undo, a pause or resume, arming).
pub fn needs_signature(event: &Event) -> bool {
    match event {
        Event::GoNoGoDecided { .. }
        | Event::ApprovalRecorded { .. }
        | Event::ShiftResumed { .. }
        | Event::AutoRollbackArmed { .. } => true,
        Event::ShiftPaused { auto, .. } => !auto,
        Event::ActionRequested { action, .. } => match action {
            Action::Rollback { auto, .. } => auto.is_none(),
            Action::Shift { .. } | Action::Back { .. } | Action::Undo { .. } => true,
        },
        _ => false,
    }
}

/// One `HeadSigned` line and what its check found.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadCheck {
    /// The `seq` of the `HeadSigned` line.
    pub at_seq: u64,
    /// The `seq` of the line it signs.
    pub signs: u64,
    /// Whether it is the close's.
    pub close: bool,
    /// Who signed, or why the signature does not count.
    pub result: Result<Verified, String>,
}

/// A human decision and the signature that covers it.
#[derive(Debug, Clone, PartialEq)]
pub struct DecisionCheck {
    /// Its `seq`.
    pub seq: u64,
    /// Its event type.
    pub kind: &'static str,
    /// What was decided, in one line.
    pub what: String,
    /// Who the line says decided (`name (role)`).
    pub actor: String,
    /// The first valid signature covering it: the `HeadSigned` line's `seq` and the signer.
    pub signed: Option<(u64, Verified)>,
    /// For an approval delivered through the cluster: the approver's own signature, checked.
    pub approver: Option<Result<Verified, String>>,
}

/// Every signature of a log, checked.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogSignatures {
    /// Each `HeadSigned`, in order.
    pub heads: Vec<HeadCheck>,
    /// Each `HeadSignFailed`: its `seq`, the line it was for, and the reason.
    pub failures: Vec<(u64, u64, String)>,
    /// Each human decision, in order.
    pub decisions: Vec<DecisionCheck>,
    /// The close's signature, when the log ends with a valid one.
    pub close: Option<(u64, Verified)>,
    /// What makes the log fail, one line each.
    pub problems: Vec<String>,
}

impl LogSignatures {
    /// Whether no head of the log is signed.
    pub fn unsigned(&self) -> bool {
        self.heads.is_empty()
    }
}

/// Checks every signature of `envelopes` (a log whose chain verified) against `allowed`.
/// `clean_close` is whether the log's last line is `SessionEnded`.
pub fn check(envelopes: &[Envelope], allowed: &AllowedSigners, clean_close: bool) -> LogSignatures {
    let mut out = LogSignatures::default();
    let by_seq: HashMap<u64, &Envelope> = envelopes.iter().map(|e| (e.seq, e)).collect();
    // Approvals delivered through the cluster, by object, checked as of their arrival.
    let mut delivered: HashMap<&str, Result<Verified, String>> = HashMap::new();
    for env in envelopes {
        match &env.event {
            Event::HeadSigned { head } => {
                let result = match by_seq.get(&head.seq) {
                    Some(signed) if head.seq < env.seq => {
                        verify_head(head, &env.session, head.seq, &signed.hash, allowed, env.at)
                            .map_err(|e: VerifyError| e.to_string())
                    }
                    Some(_) => Err(format!(
                        "it claims to sign line {}, which is not before it",
                        head.seq
                    )),
                    None => Err(format!(
                        "it signs line {}, which this log does not hold in a form this version \
                         reads",
                        head.seq
                    )),
                };
                if let Err(why) = &result {
                    out.problems.push(format!(
                        "line {}: the signature of line {} does not verify: {why}",
                        env.seq, head.seq
                    ));
                }
                out.heads.push(HeadCheck {
                    at_seq: env.seq,
                    signs: head.seq,
                    close: head.close,
                    result,
                });
            }
            Event::HeadSignFailed { seq, error, .. } => {
                out.failures.push((env.seq, *seq, error.clone()));
            }
            Event::ApprovalDelivered {
                object,
                approval,
                signature,
            } => {
                let checked =
                    verify_approval(approval, signature, allowed, env.at).map(|(_, who)| who);
                delivered.insert(object.as_str(), checked);
            }
            e if needs_signature(e) => {
                let approver = match e {
                    Event::ApprovalRecorded {
                        via: ApprovalVia::Cluster,
                        request,
                        ..
                    } => Some(
                        request
                            .as_deref()
                            .and_then(|r| delivered.get(r).cloned())
                            .unwrap_or_else(|| {
                                Err("no delivered approval object is recorded for it".to_string())
                            }),
                    ),
                    _ => None,
                };
                if let Some(Err(why)) = &approver {
                    out.problems.push(format!(
                        "line {}: the approver's own signature does not verify: {why}",
                        env.seq
                    ));
                }
                out.decisions.push(DecisionCheck {
                    seq: env.seq,
                    kind: e.kind(),
                    what: what(e),
                    actor: format!("{} ({})", env.actor.name, env.actor.role),
                    signed: None,
                    approver,
                });
            }
            _ => {}
        }
    }
    for d in &mut out.decisions {
        d.signed = out
            .heads
            .iter()
            .filter(|h| h.signs >= d.seq)
            .find_map(|h| h.result.as_ref().ok().map(|v| (h.at_seq, v.clone())));
        if d.signed.is_none() {
            let failed = out
                .failures
                .iter()
                .find(|(_, s, _)| *s >= d.seq)
                .map(|(at, _, e)| format!(" (signing failed at line {at}: {e})"))
                .unwrap_or_default();
            out.problems.push(format!(
                "line {}: {} by {} is not covered by any valid signature{failed}",
                d.seq, d.what, d.actor
            ));
        }
    }
    close(envelopes, clean_close, &mut out);
    out
}

/// The close rule: the last line is `SessionEnded`, the one before it a valid close signature
/// of the line before that.
fn close(envelopes: &[Envelope], clean_close: bool, out: &mut LogSignatures) {
    let last_signed = out
        .heads
        .iter()
        .rev()
        .find(|h| h.result.is_ok())
        .map(|h| h.signs);
    let cut = match last_signed {
        Some(s) => format!(
            "the last valid signature covers line {s}; anything after it could have been cut \
             off or added without a key"
        ),
        None => "no valid signature covers any of it".to_string(),
    };
    let n = envelopes.len();
    if !clean_close || n < 2 {
        let end = envelopes.last().map_or(0, |e| e.seq);
        out.problems.push(format!(
            "the session does not end with a signed close (it ends at line {end} without a clean \
             close: killed, crashed, or cut off); {cut}"
        ));
        return;
    }
    let (before, ended) = (&envelopes[n - 2], &envelopes[n - 1]);
    let signed_close = match &before.event {
        Event::HeadSigned { head } if head.close && before.seq + 1 == ended.seq => out
            .heads
            .iter()
            .find(|h| h.at_seq == before.seq && h.signs + 1 == before.seq)
            .and_then(|h| h.result.as_ref().ok().cloned()),
        _ => None,
    };
    match signed_close {
        Some(v) => out.close = Some((before.seq, v)),
        None => {
            let why = match &before.event {
                Event::HeadSignFailed {
                    close: true, error, ..
                } => format!("signing it failed: {error}"),
                _ => "the line before the end is not a signature of the close".to_string(),
            };
            out.problems.push(format!(
                "line {}: the close is not signed ({why}); {cut}",
                ended.seq
            ));
        }
    }
}

/// A decision in one line, cut to a readable length.
fn what(e: &Event) -> String {
    const MAX: usize = 80;
    let s = crate::release::summary::summarize(e);
    if s.chars().count() <= MAX {
        return s;
    }
    let cut: String = s.chars().take(MAX).collect();
    format!("{cut}…")
}
