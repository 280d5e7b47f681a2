//! Runs a loop over a live session: rebuilds the state from the file, starts the writer thread,
//! records the opening event, and if the loop panics, appends a synced `SessionCrashed` before
//! the process exits (the terminal is restored by ratatui's panic hook first).

use std::panic::{AssertUnwindSafe, catch_unwind};

use tokio::sync::mpsc;

use super::core::Core;
use super::prepare::Prepared;
use crate::error::{ExitCode, Fatal};
use crate::event::Event;
use crate::reduce::reduce;
use crate::session::Durability;
use crate::session::task::{self, LogReport};
use crate::state::State;

/// What a loop body receives: the core and the writer's reports.
#[derive(Debug)]
pub struct Session {
    /// The core, with the opening event queued.
    pub core: Core,
    /// Recorded lines coming back from the writer, to apply in order.
    pub reports: mpsc::Receiver<LogReport>,
    /// The control socket beside the session file, bound for the session's lifetime.
    pub control: Option<crate::control::Bound>,
    /// How heads are signed, if they are.
    pub signing: Option<crate::sign::SignSetup>,
}

/// Starts the session and runs `body` on it. Returns the body's result, or an internal error
/// after recording the crash if the body panicked.
pub fn run(mut p: Prepared, body: impl FnOnce(Session) -> Result<(), Fatal>) -> Result<(), Fatal> {
    let mut state = State::default();
    for env in &p.history {
        reduce(&mut state, env);
    }
    let (control, control_warning) = crate::control::open(p.writer.path());
    // Lines of a resumed file this version could not read as written are said in the session
    // itself, so nobody mistakes the rebuilt state for the whole story.
    let notices = p.writer.take_notices();
    let (log, reports, join) = task::spawn(p.writer);
    let crash_log = log.clone();
    let actor = p.actor.clone();
    let mut core = Core::new(state, p.actor, log);
    core.record_system(p.opening)
        .map_err(|e| Fatal::external(e.to_string()))?;
    if p.trust_runbook {
        core.record_system(Event::RunbookTrusted {})
            .map_err(|e| Fatal::external(e.to_string()))?;
    }
    for message in p
        .warnings
        .into_iter()
        .chain(notice_warnings(notices))
        .chain(control_warning)
    {
        core.record_system(Event::ConfigWarned { message })
            .map_err(|e| Fatal::external(e.to_string()))?;
    }
    let session = Session {
        core,
        reports,
        control,
        signing: p.signing,
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| body(session)));
    let result = match outcome {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            let recorded = crash_log
                .record(
                    &actor,
                    Event::SessionCrashed {
                        reason: format!("panic: {msg}"),
                    },
                    Durability::Sync,
                )
                .is_ok();
            Err(Fatal {
                code: ExitCode::Internal,
                message: format!(
                    "internal error: {msg}{}",
                    if recorded {
                        " (a crash record was appended to the session log)"
                    } else {
                        ""
                    }
                ),
            })
        }
    };
    drop(crash_log);
    // The writer finishes what is queued (the crash record included) and syncs before exiting.
    let _ = join.join();
    result
}

/// At most this many notices become warnings one by one; the rest are counted.
const NOTICE_WARNINGS: usize = 20;

/// Each line is cut to this many characters in a warning (the file keeps it whole).
const NOTICE_CHARS: usize = 1000;

fn notice_warnings(notices: Vec<String>) -> Vec<String> {
    let total = notices.len();
    let mut out: Vec<String> = notices
        .into_iter()
        .take(NOTICE_WARNINGS)
        .map(|n| {
            if n.chars().count() > NOTICE_CHARS {
                let cut: String = n.chars().take(NOTICE_CHARS).collect();
                format!("{cut}… (cut here; the session file holds the whole line)")
            } else {
                n
            }
        })
        .collect();
    if total > NOTICE_WARNINGS {
        out.push(format!(
            "{} more lines of the resumed file were not read as written; `warroom verify` lists them",
            total - NOTICE_WARNINGS
        ));
    }
    out
}
