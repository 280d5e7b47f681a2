//! `warroom demo`: the simulator in-process on a free loopback port, its generated config and
//! the shipped demo runbook in a temporary directory, and the war room opened against them
//! with T-0 = now.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use crate::cli::DemoArgs;
use crate::commands::run::open;
use crate::config::Dirs;
use crate::error::Fatal;
use crate::runtime::prepare::prepare;
use crate::sim::{self, RoutingMode, Scenario, SimOptions, config_writer};

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
        dir.0.display()
    );

    let mut run = args.run;
    run.config.get_or_insert_with(|| dir.0.join("warroom.toml"));
    run.runbook.get_or_insert_with(|| dir.0.join("demo.toml"));
    // The person trying the demo drives it, so they get the lead's role unless they said
    // otherwise (the simulator's config lists no operators).
    if run.role.is_none() && std::env::var_os("WARROOM_ROLE").is_none() {
        run.role = Some("deployment-lead".to_string());
    }
    if run.t0.is_none() && !run.resume {
        run.t0 = Some(jiff::Timestamp::now().to_string());
    }
    let result = prepare(&run, &Dirs::from_env(), &|k| std::env::var(k).ok())
        .and_then(|p| open(p, run.headless));
    rt.block_on(running.stop());
    rt.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}
