//! `warroom demo`: the simulator in-process on a free loopback port, its generated config and
//! the shipped demo runbook in a temporary directory, and the war room opened against them
//! as it looks on a normal release day: T-0 a quarter of an hour ahead, the checks of the days
//! before already ticked by the team, the day's prerequisites current.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use jiff::{SignedDuration, Timestamp};

use crate::cli::{DemoArgs, RunArgs};
use crate::commands::run::open;
use crate::config::Dirs;
use crate::error::Fatal;
use crate::event::{Actor, Event};
use crate::reduce::checklist::{stage_deadline, stage_start};
use crate::runtime::prepare::prepare;
use crate::session::Durability;
use crate::sim::{self, RoutingMode, Scenario, SimOptions, config_writer};

/// How far ahead of the demo's start T-0 is: long enough to look around and tick the day's
/// prerequisites before go/no-go, short enough to see the stage change.
const T0_AHEAD: SignedDuration = SignedDuration::from_mins(15);

/// Who ticked the checks of the days before in the demo's recorded week.
const TEAM: &str = "demo-team";

/// The demo routes by HTTPRoute weights so the plan's 10/25/50/100 % steps are exact.
const DEMO_ROUTING: RoutingMode = RoutingMode::HttprouteWeights;

/// Removes the temporary directory when the demo ends, however it ends.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write_files(dir: &Path, url: &str) -> std::io::Result<()> {
    config_writer::write_all(dir, url, DEMO_ROUTING)?;
    // Named after the demo, so its session files read `demo-<time>.jsonl`.
    std::fs::write(dir.join("demo.toml"), sim::DEMO_RUNBOOK)
}

/// Runs `warroom demo`.
pub fn run(args: DemoArgs) -> Result<(), Fatal> {
    let scenario: Scenario = args
        .scenario
        .parse()
        .map_err(|e: sim::scenario::UnknownScenario| Fatal::input(format!("--scenario: {e}")))?;
    let opts = SimOptions {
        scenario,
        routing: DEMO_ROUTING,
        ..SimOptions::default()
    };
    // The simulator gets its own small runtime; the war room builds its own on this thread.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("warroom-sim")
        .enable_all()
        .build()
        .map_err(|e| Fatal::external(format!("cannot start the simulator runtime: {e}")))?;
    let listen = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let running = rt
        .block_on(sim::start(&opts, listen))
        .map_err(|e| Fatal::external(e.to_string()))?;
    let url = running.url();
    let dir = TempDir(std::env::temp_dir().join(format!("warroom-demo-{}", std::process::id())));
    write_files(&dir.0, &url).map_err(|source| {
        Fatal::external(
            sim::SimError::WriteConfig {
                dir: dir.0.clone(),
                source,
            }
            .to_string(),
        )
    })?;
    // stdout belongs to the war room (headless: event JSON lines only).
    eprintln!(
        "ready {url} (simulator, scenario {scenario}; config in {})",
        super::printable::escape(&dir.0.display().to_string())
    );

    let mut run = args.run;
    // Signed like a real session, with a key of its own, unless the operator brings a config
    // or a key.
    let env = |k: &str| std::env::var(k).ok();
    let signing = if run.config.is_none() && env(crate::sign::SIGNER_ENV).is_none() {
        demo_signing(
            &dir.0,
            &crate::config::operator(run.operator.as_deref(), &env),
        )
    } else {
        None
    };
    run.config.get_or_insert_with(|| dir.0.join("warroom.toml"));
    run.runbook.get_or_insert_with(|| dir.0.join("demo.toml"));
    // The person trying the demo drives it, so they get the lead's role unless they said
    // otherwise (the simulator's config lists no operators).
    if run.role.is_none() && std::env::var_os("WARROOM_ROLE").is_none() {
        run.role = Some("deployment-lead".to_string());
    }
    let dirs = Dirs::from_env();
    let result = (|| {
        if run.t0.is_none() && !run.resume {
            release_day(&mut run, &dirs, Timestamp::now())?;
        }
        let p = prepare(&run, &dirs, &|k| std::env::var(k).ok())?;
        let session = p.writer.path().to_path_buf();
        let allowed = signing
            .as_ref()
            .and_then(|s| write_allowed_signers(&session, s));
        let result = open(p, run.headless);
        if let Some(allowed) = allowed {
            eprintln!(
                "signed with a throwaway demo key; check the signatures: warroom verify {} \
                 --allowed-signers {}",
                shown(&session),
                shown(&allowed)
            );
        }
        result
    })();
    rt.block_on(running.stop());
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

/// The demo's signing key: its public line and the principal it signs as.
struct DemoSigning {
    public: String,
    principal: String,
}

/// Makes a throwaway Ed25519 key in the demo's directory and turns signing on in its config.
/// `None` (unsigned, as before) when the operator's name cannot be an allowed_signers
/// principal or the key cannot be written; the demo runs either way.
fn demo_signing(dir: &Path, operator: &str) -> Option<DemoSigning> {
    let simple = !operator.is_empty()
        && operator
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._@+-".contains(&b));
    if !simple {
        return None;
    }
    let public = crate::sign::throwaway_key(&dir.join("demo_ed25519"), "warroom-demo").ok()?;
    let mut cfg = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("warroom.toml"))
        .ok()?;
    std::io::Write::write_all(
        &mut cfg,
        b"\n# The demo signs its heads with a throwaway key (made for this run, deleted after it).\n\
          [signing]\nkey = \"demo_ed25519\"\n",
    )
    .ok()?;
    Some(DemoSigning {
        public,
        principal: operator.to_string(),
    })
}

/// Adds the demo key to `<session>.allowed_signers` beside the session log, so the session can
/// be checked after the demo's directory is gone. Each run (a `--resume` too) signs with a new
/// throwaway key, so the keys of earlier runs stay listed: their signatures are in the log.
fn write_allowed_signers(session: &Path, s: &DemoSigning) -> Option<PathBuf> {
    use std::io::Write as _;
    let path = session.with_extension("allowed_signers");
    let line = format!(
        "{} namespaces=\"{}\" {}\n",
        s.principal,
        crate::sign::HEAD_NAMESPACE,
        s.public
    );
    let known = std::fs::read_to_string(&path).unwrap_or_default();
    if !known.lines().any(|l| format!("{l}\n") == line) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .ok()?;
        f.write_all(line.as_bytes()).ok()?;
    }
    Some(path)
}

fn shown(p: &Path) -> String {
    super::printable::escape(&p.display().to_string()).into_owned()
}

/// Writes the week before release day as a session of its own and points `run` at it, to be
/// resumed: started a week ago by the team with T-0 a quarter of an hour from `now`, every
/// item of each stage whose time is over ticked by `demo-team` during its stage, ended a
/// minute ago. The log says plainly that the demo did this; the operator's run continues it.
fn release_day(run: &mut RunArgs, dirs: &Dirs, now: Timestamp) -> Result<(), Fatal> {
    let t0 = (now + T0_AHEAD)
        .round(jiff::Unit::Minute)
        .unwrap_or(now + T0_AHEAD);
    let team_args = RunArgs {
        operator: Some(TEAM.to_string()),
        role: Some("deployment-lead".to_string()),
        headless: true,
        resume: false,
        duration: None,
        t0: Some(t0.to_string()),
        ..run.clone()
    };
    let mut week = prepare(&team_args, dirs, &|k| std::env::var(k).ok())?;
    let Event::SessionStarted { runbook, .. } = &week.opening else {
        return Ok(());
    };
    let mut ticks: Vec<(Timestamp, Option<String>, Event)> = Vec::new();
    for (si, stage) in runbook.stages.iter().enumerate() {
        let (Some(start), Some(deadline)) = (
            stage_start(stage, Some(t0)),
            stage_deadline(runbook, si, Some(t0)),
        ) else {
            continue;
        };
        if deadline > now {
            continue;
        }
        for (k, item) in stage.items.iter().enumerate() {
            let after = SignedDuration::from_mins(30 + 5 * i64::try_from(k).unwrap_or(0));
            ticks.push((
                (start + after).min(now - SignedDuration::from_mins(2)),
                item.role.clone(),
                Event::ItemTicked {
                    stage: stage.id.clone(),
                    item: item.id.clone(),
                },
            ));
        }
    }
    ticks.sort_by_key(|(at, _, _)| *at);
    let first = ticks.first().map_or(now, |(at, _, _)| *at);
    let lead = week.actor.clone();
    let io = |e: crate::session::SessionLogError| Fatal::external(e.to_string());
    let opening = week.opening.clone();
    let mut last = first - SignedDuration::from_mins(30);
    week.writer
        .append_at(last, &lead, opening, Durability::Sync)
        .map_err(io)?;
    for (at, role, event) in ticks {
        last = at.max(last);
        let who = Actor {
            name: TEAM.to_string(),
            role: role.unwrap_or_else(|| lead.role.clone()),
            host: lead.host.clone(),
        };
        week.writer
            .append_at(last, &who, event, Durability::Group)
            .map_err(io)?;
    }
    let ended = Event::SessionEnded {
        reason: "demo: the checks of the days before release day, ticked by the demo team"
            .to_string(),
    };
    week.writer
        .append_at(
            last.max(now - SignedDuration::from_mins(1)),
            &lead,
            ended,
            Durability::Sync,
        )
        .map_err(io)?;
    run.session = Some(week.writer.path().to_path_buf());
    run.resume = true;
    Ok(())
}
