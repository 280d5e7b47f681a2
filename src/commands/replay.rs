//! `warroom replay`: open, verify and index the file, then show it in the war room's screen
//! driven by the replay clock (`screen.rs`), or with `--headless` play it to the end and print
//! what the final state holds and what the chain says.

mod screen;

pub use screen::bar;

use std::fmt::Write as _;

use jiff::tz::TimeZone;

use super::printable::escape;
use crate::cli::ReplayArgs;
use crate::config::Dirs;
use crate::error::Fatal;
use crate::release::summary::outcome_word;
use crate::runtime::replay::{Replay, ReplayError, Speed, goto};
use crate::ui::Ui;

/// Files larger than this say on stderr that they are being read (opening reads them once).
const BIG: u64 = 64 << 20;

/// Runs `warroom replay`.
pub fn run(args: &ReplayArgs) -> Result<(), Fatal> {
    let speed = Speed::parse(&args.speed).map_err(|e| Fatal::input(format!("--speed: {e}")))?;
    // Everything that can fail on bad input is loaded before the file is read.
    // A layout or theme that does not exist is refused in either mode.
    let loaded = Ui::load(
        &Dirs::from_env(),
        args.layout.as_deref(),
        args.theme.as_deref(),
    )?;
    let ui = (!args.headless).then_some(loaded);
    let name = escape(&args.file.display().to_string()).into_owned();
    if std::fs::metadata(&args.file).is_ok_and(|m| m.len() > BIG) {
        eprintln!("reading {name} (verifying its chain and indexing it)…");
    }
    let mut replay = Replay::open(&args.file).map_err(|e| open_error(&name, e))?;
    if let Some(at) = &args.at {
        let tz = ui
            .as_ref()
            .map_or_else(TimeZone::system, |u| u.time_zone().clone());
        let t = goto::parse(at, &tz, replay.span().0)
            .map_err(|e| Fatal::input(format!("--at: {e}")))?;
        replay.seek_time(t).map_err(|e| open_error(&name, e))?;
    }
    replay.clock.speed = speed;
    match ui {
        None => headless(&mut replay, &name),
        Some(ui) => {
            replay.clock.playing = !args.paused;
            screen::run(replay, ui)
        }
    }
}

fn open_error(name: &str, e: ReplayError) -> Fatal {
    match e {
        ReplayError::Io { source, .. } => Fatal::input(format!("{name}: cannot read: {source}")),
        ReplayError::Empty { .. } => {
            Fatal::failed(format!("{name}: holds no complete session-log line"))
        }
        other => Fatal::external(other.to_string()),
    }
}

fn headless(replay: &mut Replay, name: &str) -> Result<(), Fatal> {
    replay
        .play_to_end()
        .map_err(|e| Fatal::external(e.to_string()))?;
    let mut text = summary(replay, name);
    if let Some(kb) = peak_kb() {
        let _ = writeln!(text, "memory: peak {} MB resident", kb / 1024);
    }
    // A reader that stops early (`| head`) is not an error: the exit code still says it all.
    let mut out = std::io::stdout().lock();
    let _ = std::io::Write::write_all(&mut out, text.as_bytes())
        .and_then(|()| std::io::Write::flush(&mut out));
    if let Some(d) = &replay.verification().damage {
        return Err(Fatal::failed(format!(
            "{name}:{}: damaged: {}",
            d.line,
            escape(&d.reason)
        )));
    }
    Ok(())
}

/// The process's peak resident memory in KiB (`VmHWM` in `/proc/self/status`), where the
/// system says.
fn peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What `--headless` prints: the file, its chain, and the final state in a few lines.
pub fn summary(replay: &Replay, name: &str) -> String {
    let mut out = String::new();
    let v = replay.verification();
    let s = replay.state();
    let (start, end) = replay.span();
    let _ = writeln!(
        out,
        "{name}: {} lines, session {}, {} to {}",
        replay.lines(),
        escape(s.session.as_deref().unwrap_or("?")),
        crate::event::at_format::to_string(&start),
        crate::event::at_format::to_string(&end)
    );
    let chain = match &v.damage {
        Some(d) => format!(
            "chain: BROKEN at line {}: {} ({} lines verify; it and the {} after it read \
             unverified)",
            d.line,
            escape(&d.reason),
            v.report.lines,
            // The count includes the bad line itself.
            v.unverified.saturating_sub(1)
        ),
        None => format!(
            "chain: intact, {} lines{}{}",
            v.report.lines,
            if v.report.clean_close {
                ", closed cleanly"
            } else {
                ", not closed cleanly"
            },
            v.report
                .torn_tail
                .as_ref()
                .map_or(String::new(), |t| format!(
                    "; warning: torn final line {} ({} bytes)",
                    t.line, t.bytes
                ))
        ),
    };
    let _ = writeln!(out, "{chain}");
    if let Some(h) = &v.report.final_hash {
        let _ = writeln!(out, "final hash: {h}");
    }
    for n in &v.report.notices {
        let _ = writeln!(out, "note: {}", escape(&n.to_string()));
    }
    let stats = replay.stats();
    let _ = writeln!(
        out,
        "opened in {} ms ({} bytes, {} snapshots)",
        stats.elapsed.as_millis(),
        stats.bytes,
        stats.snapshots
    );
    let done = s.items.values().filter(|p| p.ticked.is_some()).count();
    let _ = writeln!(
        out,
        "runbook: {}: {done} of {} items ticked",
        escape(&s.runbook.title),
        s.runbook.item_count()
    );
    let r = &s.release;
    let _ = writeln!(
        out,
        "release: {}, candidate at {} %",
        r.phase.label(),
        r.plan.weight
    );
    for d in &r.decisions {
        let _ = writeln!(
            out,
            "decision: {} (round {}) by {}: {}",
            if d.go { "go" } else { "no-go" },
            d.decision.round,
            escape(&d.by),
            escape(&d.reason)
        );
    }
    for a in &r.approvals {
        let _ = writeln!(out, "approval: {} ({})", escape(&a.by), escape(&a.role));
    }
    for id in &r.order {
        let Some(a) = r.actions.get(id) else {
            continue;
        };
        let auto = match &a.action {
            crate::event::Action::Rollback { auto: Some(t), .. } => format!(" (auto: {})", t.rule),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "action {}: {}{auto} by {}: {}",
            escape(&a.id),
            a.action.name(),
            escape(&a.by),
            a.outcome.map_or("no outcome", outcome_word)
        );
    }
    if let Some(p) = &r.rollback {
        let verified = match &p.verified {
            Some((true, _)) => "verified",
            Some((false, _)) => "NOT verified",
            None => "not verified yet",
        };
        let _ = writeln!(out, "rollback {}: {verified}", escape(&p.id));
    }
    for m in &r.markers {
        let _ = writeln!(
            out,
            "marker at line {} by {}: {}",
            m.seq,
            escape(&m.by),
            escape(&m.note)
        );
    }
    let _ = writeln!(
        out,
        "ended: {}",
        s.ended
            .as_deref()
            .map_or("no (the file stops here)".into(), escape)
    );
    out
}
