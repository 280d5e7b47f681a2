//! `warroom sim`: serve the simulator on loopback until SIGINT or SIGTERM.

use std::io::Write;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::cli::SimArgs;
use crate::error::Fatal;
use crate::sim::{self, RoutingMode, Scenario, SimOptions, config_writer};

/// Turns the command line into simulator options, refusing anything but loopback.
pub fn options(args: &SimArgs) -> Result<SimOptions, Fatal> {
    if !args.listen.ip().is_loopback() {
        return Err(Fatal::input(format!(
            "--listen {}: the simulator has no authentication and serves only on loopback; use 127.0.0.1:PORT",
            args.listen
        )));
    }
    let scenario: Scenario = args
        .scenario
        .parse()
        .map_err(|e: sim::scenario::UnknownScenario| Fatal::input(format!("--scenario: {e}")))?;
    let routing: RoutingMode = args
        .routing
        .parse()
        .map_err(|e: String| Fatal::input(format!("--routing: {e}")))?;
    if !(args.rps.is_finite() && args.rps >= 0.0) {
        return Err(Fatal::input(format!(
            "--rps {}: must be a number >= 0",
            args.rps
        )));
    }
    Ok(SimOptions {
        scenario,
        seed: args.seed,
        rps: args.rps,
        replicas: args.replicas,
        pod_step: Duration::from_millis(args.pod_step_ms),
        tick: Duration::from_millis(args.tick_ms.max(1)),
        routing,
        manual_clock: args.manual_clock,
        users: users(&args.read_only_users),
    })
}

/// The default users plus every `--read-only-user`.
fn users(read_only: &[String]) -> Vec<sim::rbac::SimUser> {
    let mut users = sim::rbac::SimUser::defaults();
    for name in read_only {
        match users.iter_mut().find(|u| &u.name == name) {
            Some(u) => u.read_only = true,
            None => users.push(sim::rbac::SimUser {
                name: name.clone(),
                read_only: true,
            }),
        }
    }
    users
}

/// Runs `warroom sim`.
pub fn run(args: &SimArgs) -> Result<(), Fatal> {
    let opts = options(args)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Fatal::external(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async {
        let signal_err = |e: std::io::Error| Fatal::external(format!("cannot watch signals: {e}"));
        let mut sigint = signal(SignalKind::interrupt()).map_err(signal_err)?;
        let mut sigterm = signal(SignalKind::terminate()).map_err(signal_err)?;
        let running = sim::start(&opts, args.listen)
            .await
            .map_err(|e| Fatal::external(e.to_string()))?;
        if let Some(dir) = &args.write_config {
            config_writer::write_all_for(dir, &running.url(), opts.routing, &opts.users).map_err(
                |source| {
                    Fatal::external(
                        sim::SimError::WriteConfig {
                            dir: dir.clone(),
                            source,
                        }
                        .to_string(),
                    )
                },
            )?;
        }
        let mut out = std::io::stdout().lock();
        // Tests and scripts wait for this exact line; flush so a pipe sees it at once.
        writeln!(out, "ready {}", running.url())
            .and_then(|()| out.flush())
            .map_err(|e| Fatal::external(format!("cannot write to stdout: {e}")))?;
        drop(out);
        tokio::select! {
            _ = sigint.recv() => {}
            _ = sigterm.recv() => {}
        }
        running.stop().await;
        Ok(())
    })
}
