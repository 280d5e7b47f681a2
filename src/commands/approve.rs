//! `warroom approve SESSION.jsonl`: approve, from another terminal of this machine, the
//! decision a running war room waits for. Asks the war room's control socket what is pending,
//! then sends the approval for exactly that decision; the war room records it (or its
//! refusal) and answers. Exit 0 recorded, 1 refused, 3 no war room answering. With
//! `--cluster` the approval goes through the cluster instead (`approve_cluster`).

use crate::cli::{ApproveArgs, ForDecision};
use crate::control::client::{self, ClientError};
use crate::control::protocol::{Answer, Request, VERSION};
use crate::control::socket_path;
use crate::error::Fatal;
use crate::event::{DecisionKind, DecisionRef};

/// Runs `warroom approve`.
pub fn run(args: &ApproveArgs) -> Result<(), Fatal> {
    let Some(session) = args.session.as_deref().filter(|_| !args.cluster) else {
        return super::approve_cluster::run(args);
    };
    // Only looked at, never opened: the war room's writer is the file's one writer.
    std::fs::metadata(session).map_err(|e| {
        Fatal::input(format!(
            "{}: {e}; give the session log the war room is writing (its --session path)",
            session.display()
        ))
    })?;
    let socket = socket_path(session);
    let info = client::exchange(
        &socket,
        &Request {
            v: VERSION,
            query: Some("pending".to_string()),
            ..Request::default()
        },
    )
    .map_err(client_error)?;
    if !info.ok {
        return Err(not_recorded(&info));
    }
    let request = client::request_id();
    let answer = client::exchange(
        &socket,
        &Request {
            v: VERSION,
            request: Some(request),
            reason: args.reason.clone(),
            as_name: args.as_name.clone(),
            for_decision: target(args, &info),
            ..Request::default()
        },
    )
    .map_err(client_error)?;
    if !answer.ok {
        return Err(not_recorded(&answer));
    }
    println!(
        "recorded: {} ({}{}) approved {}{}",
        answer.approver.as_deref().unwrap_or("?"),
        answer.role.as_deref().unwrap_or("no role"),
        answer
            .os_user
            .as_deref()
            .filter(|u| Some(*u) != answer.approver.as_deref())
            .map(|u| format!(", declared by OS user {u}"))
            .unwrap_or_default(),
        answer.decision.as_deref().unwrap_or("the pending decision"),
        answer
            .seq
            .map(|s| format!(", line {s} of {}", session.display()))
            .unwrap_or_default(),
    );
    Ok(())
}

/// The decision the approval is for: what `--for` names, in the round the war room reported
/// (or `--round`); without `--for`, the one pending now. Pinning it means an approval that
/// arrives after the war room moved on is refused instead of counting for the next decision.
pub(super) fn target(args: &ApproveArgs, info: &Answer) -> Option<DecisionRef> {
    let release = info.release.clone();
    let pending_step = info
        .pending
        .as_ref()
        .filter(|d| d.kind == DecisionKind::Step)
        .and_then(|d| d.step);
    let round = |default: Option<u32>| args.round.or(default).unwrap_or(0);
    match args.for_decision {
        None => info.pending.clone(),
        Some(ForDecision::Go) => Some(DecisionRef {
            kind: DecisionKind::Go,
            release,
            round: round(info.next_round),
            step: None,
        }),
        Some(ForDecision::Step) => Some(DecisionRef {
            kind: DecisionKind::Step,
            release,
            round: round(info.go_round),
            step: args
                .step
                .map(|s| s.saturating_sub(1) as usize)
                .or(pending_step)
                .or(info.next_step),
        }),
        Some(ForDecision::Rollback) => Some(DecisionRef {
            kind: DecisionKind::Rollback,
            release,
            round: round(info.go_round),
            step: None,
        }),
    }
}

fn not_recorded(a: &Answer) -> Fatal {
    let reason = a.reason.as_deref().unwrap_or("no reason given");
    if a.unavailable {
        return Fatal::external(format!("not recorded: {reason}"));
    }
    Fatal::failed(format!(
        "refused: {reason}{}",
        a.seq
            .map(|s| format!(" (the refusal is line {s} of the session log)"))
            .unwrap_or_default()
    ))
}

fn client_error(e: ClientError) -> Fatal {
    match e {
        ClientError::Denied(m) => Fatal::failed(format!("refused: {m}")),
        ClientError::NotServing(m) => Fatal::external(m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(
        for_decision: Option<ForDecision>,
        step: Option<u32>,
        round: Option<u32>,
    ) -> ApproveArgs {
        ApproveArgs {
            session: Some("s.jsonl".into()),
            cluster: false,
            config: None,
            key: None,
            principal: None,
            kubeconfig: None,
            context: None,
            wait: 30,
            reason: None,
            as_name: None,
            for_decision,
            step,
            round,
        }
    }

    fn info() -> Answer {
        Answer {
            ok: true,
            release: Some("1.2.3".into()),
            next_round: Some(2),
            go_round: Some(1),
            next_step: Some(1),
            pending: Some(DecisionRef {
                kind: DecisionKind::Step,
                release: Some("1.2.3".into()),
                round: 1,
                step: Some(1),
            }),
            ..Answer::default()
        }
    }

    #[test]
    fn the_target_is_what_the_war_room_reported_unless_named() {
        assert_eq!(target(&args(None, None, None), &info()), info().pending);
        let go = target(&args(Some(ForDecision::Go), None, None), &info()).expect("go");
        assert_eq!((go.kind, go.round, go.step), (DecisionKind::Go, 2, None));
        let old = target(&args(Some(ForDecision::Go), None, Some(1)), &info()).expect("go");
        assert_eq!(old.round, 1);
        let step = target(&args(Some(ForDecision::Step), Some(3), None), &info()).expect("step");
        assert_eq!((step.round, step.step), (1, Some(2)));
        let step = target(&args(Some(ForDecision::Step), None, None), &info()).expect("step");
        assert_eq!(step.step, Some(1));
        let rb = target(&args(Some(ForDecision::Rollback), None, None), &info()).expect("rb");
        assert_eq!((rb.kind, rb.round), (DecisionKind::Rollback, 1));
        assert_eq!(rb.release.as_deref(), Some("1.2.3"));
    }

    #[test]
    fn refusals_exit_1_and_silence_exits_3() {
        use crate::error::ExitCode;
        assert_eq!(
            not_recorded(&Answer::refused("no", Some(4))).code,
            ExitCode::Failed
        );
        assert_eq!(
            not_recorded(&Answer::unavailable("ending")).code,
            ExitCode::External
        );
        assert_eq!(
            client_error(ClientError::Denied("x".into())).code,
            ExitCode::Failed
        );
        assert_eq!(
            client_error(ClientError::NotServing("x".into())).code,
            ExitCode::External
        );
    }
}
