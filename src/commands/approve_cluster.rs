//! `warroom approve --cluster -c warroom.toml`: approve from any machine that can reach the
//! cluster. Reads what the war room publishes as pending (the session, the decision, the head
//! to sign), signs the approval with the approver's SSH key, delivers it as a ConfigMap in the
//! deployment's namespace, and waits for the war room's answer written back on it. Exit 0
//! recorded, 1 refused (by the rules, the signature check or the cluster's access control),
//! 2 bad input, 3 no war room answering or the cluster unreachable.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};

use super::printable::escape;
use crate::cli::ApproveArgs;
use crate::config::warroom::{self as warroom_config, WarroomConfig};
use crate::control::protocol::Answer as Info;
use crate::error::Fatal;
use crate::sign::{AGENT_TIMEOUT, ApprovalClaim, SIGNER_ENV, SignSetup, parse_setting};
use crate::sources::approvals::objects;
use crate::sources::kube::{KubeSpec, client};

/// How often the approval object is read back while waiting for the answer.
const POLL: Duration = Duration::from_millis(100);

/// Runs `warroom approve --cluster`.
pub fn run(args: &ApproveArgs) -> Result<(), Fatal> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let dirs = crate::config::Dirs::from_env();
    let path =
        warroom_config::find(args.config.as_deref(), &cwd, &dirs.config).ok_or_else(|| {
            Fatal::input(
                "--cluster needs the war room's config: -c warroom.toml (its [kubernetes] and \
             [signing] tables say where to deliver and who may sign)",
            )
        })?;
    let cfg = warroom_config::load(&path).map_err(|p| {
        Fatal::input(
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let mut kube = KubeSpec::from_config(&cfg).ok_or_else(|| {
        Fatal::input(format!(
            "{}: has no [kubernetes] table, so there is no cluster to deliver to",
            path.display()
        ))
    })?;
    if let Some(k) = &args.kubeconfig {
        kube.kubeconfig = Some(k.clone());
    }
    if let Some(c) = &args.context {
        kube.context = Some(c.clone());
    }
    kube.retry_transient = false;
    let signer = signer(args, &cfg)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fatal::external(format!("cannot start the runtime: {e}")))?;
    rt.block_on(deliver(args, &cfg, &kube, &signer))
}

/// The approver's key and principal: `--key`, else `WARROOM_SIGNER`, else the agent; `--principal`,
/// else `[signing.principals]` for the operator name, else the name.
fn signer(args: &ApproveArgs, cfg: &WarroomConfig) -> Result<SignSetup, Fatal> {
    let env = |k: &str| std::env::var(k).ok();
    let operator = crate::config::operator(None, &env);
    let principal = args.principal.clone().unwrap_or_else(|| {
        cfg.signing
            .as_ref()
            .map_or(operator.as_str(), |s| s.principal_of(&operator))
            .to_string()
    });
    let setting = args.key.clone().or_else(|| env(SIGNER_ENV));
    let home = env("HOME").map(std::path::PathBuf::from);
    let cwd = std::env::current_dir().unwrap_or_default();
    Ok(SignSetup {
        source: parse_setting(setting.as_deref(), &cwd, home.as_deref()),
        principal,
    })
}

async fn deliver(
    args: &ApproveArgs,
    cfg: &WarroomConfig,
    kube: &KubeSpec,
    setup: &SignSetup,
) -> Result<(), Fatal> {
    let built = client::build(kube)
        .await
        .map_err(|e| Fatal::external(format!("cannot reach the cluster: {e}")))?;
    let api: Api<ConfigMap> = Api::namespaced(built.client, &kube.namespace);
    let name = objects::pending_name(&cfg.deployment.name);
    let where_ = format!("configmap/{name} in namespace {}", kube.namespace);
    let pending = match api.get(&name).await {
        Ok(cm) => {
            objects::read_pending(&cm).map_err(|e| Fatal::external(format!("{where_}: {e}")))?
        }
        Err(kube::Error::Api(s)) if s.code == 404 => {
            return Err(Fatal::external(format!(
                "no war room publishes a pending decision ({where_} does not exist): is one \
                 running for {} with [signing] allowed_signers set?",
                cfg.deployment.name
            )));
        }
        Err(kube::Error::Api(s)) if s.code == 403 => {
            return Err(Fatal::failed(format!(
                "the cluster does not let you read {where_}: {}",
                s.message
            )));
        }
        Err(e) => return Err(Fatal::external(format!("cannot read {where_}: {e}"))),
    };
    let info = Info {
        ok: true,
        pending: pending.decision.clone(),
        release: pending.release.clone(),
        next_round: Some(pending.next_round),
        go_round: pending.go_round,
        next_step: pending.next_step,
        ..Info::default()
    };
    let decision = super::approve::target(args, &info).ok_or_else(|| {
        Fatal::failed(format!(
            "refused: nothing is waiting for an approval now (as {} publishes it); name the \
             decision with --for",
            pending.operator
        ))
    })?;
    let claim = ApprovalClaim {
        session: pending.session.clone(),
        decision,
        head_seq: pending.head_seq,
        head_hash: pending.head_hash.clone(),
        principal: setup.principal.clone(),
        at: Timestamp::now(),
        reason: args.reason.clone().filter(|r| !r.trim().is_empty()),
    };
    claim.check().map_err(Fatal::input)?;
    let signature = setup
        .signer(AGENT_TIMEOUT)
        .and_then(|s| claim.sign(&s))
        .map_err(|e| Fatal::input(setup.explain(&e)))?;
    let object = format!("warroom-approval-{}", crate::control::client::request_id());
    let cm = objects::approval_object(&object, &pending.session, &claim.text(), &signature);
    match api.create(&PostParams::default(), &cm).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 403 || s.code == 401 => {
            return Err(Fatal::failed(format!(
                "the cluster refused the delivery: {}; the cluster's access control decides who \
                 may deliver approvals (it takes `create` on configmaps in namespace {})",
                s.message, kube.namespace
            )));
        }
        Err(e) => {
            return Err(Fatal::external(format!(
                "cannot deliver the approval to namespace {}: {e}",
                kube.namespace
            )));
        }
    }
    eprintln!(
        "delivered configmap/{object}: {} approves {} of session {} (head line {}), signed \
         with {}",
        escape(&claim.principal),
        claim.decision,
        escape(&claim.session),
        claim.head_seq,
        setup.describe()
    );
    wait(&api, &object, Duration::from_secs(args.wait)).await
}

/// Reads the approval object back until the war room's answer is on it.
async fn wait(api: &Api<ConfigMap>, object: &str, limit: Duration) -> Result<(), Fatal> {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(cm) = api.get(object).await
            && let Some(answer) = objects::read_answer(&cm)
        {
            let line = answer
                .seq
                .map(|s| format!(" (line {s} of the session log)"))
                .unwrap_or_default();
            let detail = escape(&answer.detail).into_owned();
            if answer.recorded {
                println!("recorded: {detail}{line}");
                return Ok(());
            }
            return Err(Fatal::failed(format!("refused: {detail}{line}")));
        }
        if Instant::now() >= deadline {
            return Err(Fatal::external(format!(
                "delivered as configmap/{object}, but no war room answered within {} s; it is \
                 still considered if the war room sees it later",
                limit.as_secs()
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}
