//! reduce(log) is the live state: a live war room (the headless core, driven through the
//! library against the simulator: go, a shift, a marker, a rollback, quit) holds at its end
//! exactly the state replay rebuilds from the file it wrote.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use warroom::cli::RunArgs;
use warroom::config::Dirs;
use warroom::error::Fatal;
use warroom::event::Event;
use warroom::release::ReleaseIntent;
use warroom::runtime::driver::{Driver, Wake};
use warroom::runtime::prepare::prepare;
use warroom::runtime::replay::Replay;
use warroom::runtime::supervise::{self, Session};
use warroom::sim::{self, RoutingMode, SimOptions};
use warroom::state::State;

const DEADLINE: Duration = Duration::from_secs(60);

/// The kinds of the lines recorded so far.
fn kinds(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["event"]["type"].as_str().map(str::to_string))
        .collect()
}

/// Drives the live core the way an operator does, and returns its state once the end marker
/// is applied.
async fn drive(session: Session) -> Result<State, Fatal> {
    let mut driver = Driver::new(session);
    let mut seen: Vec<String> = Vec::new();
    let start = Instant::now();
    let mut step = 0;
    let mut asked = Instant::now();
    loop {
        assert!(start.elapsed() < DEADLINE, "stuck at step {step}: {seen:?}");
        let wake = tokio::time::timeout(Duration::from_millis(200), driver.wake()).await;
        if let Ok(Wake::Applied { lines, over, .. }) = wake {
            seen.extend(kinds(&lines));
            if let Some(r) = over {
                r?;
                let state = driver.core.state.clone();
                driver.finish().await;
                return Ok(state);
            }
        }
        let has = |k: &str| seen.iter().any(|s| s == k);
        let count = |k: &str| seen.iter().filter(|s| s.as_str() == k).count();
        let core = &mut driver.core;
        let again = asked.elapsed() > Duration::from_millis(500);
        match step {
            // Go once the gates have the stable version's data (refused until then).
            0 if count("SamplesObserved") >= 3 && again => {
                asked = Instant::now();
                let _ = core.release(ReleaseIntent::Go {
                    reason: "live equals replay".into(),
                    override_reason: None,
                });
                if has("GoNoGoDecided") {
                    step = 1;
                }
            }
            0 if has("GoNoGoDecided") => step = 1,
            1 => {
                let _ = core.release(ReleaseIntent::Shift {
                    override_reason: Some("test: no bake".into()),
                });
                step = 2;
            }
            2 if count("ActionOutcome") >= 1 && count("SamplesObserved") >= 8 => {
                let _ = core.release(ReleaseIntent::Marker {
                    note: "watching the candidate".into(),
                });
                let _ = core.release(ReleaseIntent::Rollback {
                    reason: "test: back to stable".into(),
                    ticket: None,
                    undo: false,
                });
                step = 3;
            }
            3 if has("RollbackVerified") => {
                driver.end("quit").expect("end");
                step = 4;
            }
            _ => {}
        }
    }
}

#[test]
fn the_state_at_quit_is_the_state_replay_rebuilds_from_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let sim_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let opts = SimOptions {
        routing: RoutingMode::HttprouteWeights,
        ..SimOptions::default()
    };
    let running = sim_rt
        .block_on(sim::start(
            &opts,
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        ))
        .expect("sim");
    sim::config_writer::write_all(dir.path(), &running.url(), RoutingMode::HttprouteWeights)
        .expect("config");
    // No second approver in this test: the checklist and approvals do not hold go back.
    let cfg = std::fs::read_to_string(dir.path().join("warroom.toml")).expect("config");
    let base = cfg.split("\n[gates]").next().unwrap_or(&cfg);
    std::fs::write(
        dir.path().join("warroom.toml"),
        format!("{base}\n[gates]\nadvisory = [\"checklist\"]\n"),
    )
    .expect("config");
    std::fs::write(dir.path().join("runbook.toml"), sim::DEMO_RUNBOOK).expect("runbook");
    let session = dir.path().join("session.jsonl");
    let args = RunArgs {
        config: Some(dir.path().join("warroom.toml")),
        runbook: Some(dir.path().join("runbook.toml")),
        operator: Some("lead".into()),
        role: Some("deployment-lead".into()),
        session: Some(session.clone()),
        headless: true,
        ..RunArgs::default()
    };
    let dirs = Dirs {
        config: dir.path().join("xdg/config"),
        data: dir.path().join("xdg/data"),
        state: dir.path().join("xdg/state"),
    };
    let prepared = prepare(&args, &dirs, &|_| None).expect("prepare");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut live = None;
    supervise::run(prepared, |s| {
        live = Some(rt.block_on(drive(s))?);
        Ok(())
    })
    .expect("the live session runs");
    sim_rt.block_on(running.stop());
    let live = live.expect("the live state");

    let mut replay = Replay::open(&session).expect("open");
    assert!(replay.verification().damage.is_none());
    replay.play_to_end().expect("play");
    let rebuilt = replay.state();
    assert!(
        live.release.actions.len() >= 2 && live.ended.as_deref() == Some("quit"),
        "the session went as planned: {:?}",
        live.release.actions.keys()
    );
    assert!(
        rebuilt == &live,
        "replay differs from the live state:\nlive: {live:#?}\nreplay: {rebuilt:#?}"
    );
    // And so does every line in between: the events pane's last line is the end marker.
    assert!(matches!(
        rebuilt.log_tail.back().map(|l| l.kind),
        Some(k) if k == Event::SessionEnded { reason: String::new() }.kind()
    ));
}
