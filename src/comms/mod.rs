//! Status updates (comms): start, progress, complete and rollback updates drafted from the live
//! state with the seed's templates, recorded in the session log, and optionally posted to a
//! Slack-compatible webhook whose URL is a secret read from the environment.
//!
//! `facts` reads the numbers the panes show, `template` fills the templates (`[comms.templates]`
//! or the built-in ones in `defaults`), `decide` turns an operator's request into the event to
//! record, `state` is what the reducer keeps, `reminder` says when a progress update is due,
//! `post` is the worker that talks to the webhook, `command` reads the headless verbs.

pub mod command;
pub mod decide;
pub mod defaults;
pub mod facts;
pub mod post;
pub mod reminder;
pub mod state;
pub mod template;
pub mod webhook;

use serde::{Deserialize, Serialize};

pub use decide::{draft, retry};
pub use facts::Facts;
pub use reminder::{Reminder, reminder};
pub use state::{CommsState, Post, Update};

/// Which update: the four templates of the seed's appendix.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum CommsKind {
    /// The deployment started.
    #[default]
    Start,
    /// Where the shift stands: step, error rate, p95, next step.
    Progress,
    /// The release is complete.
    Complete,
    /// The release was rolled back.
    Rollback,
}

impl CommsKind {
    /// Every kind, in the order the overlay offers them.
    pub const ALL: [CommsKind; 4] = [
        CommsKind::Start,
        CommsKind::Progress,
        CommsKind::Complete,
        CommsKind::Rollback,
    ];

    /// The kind's name (wire name, headless verb, template key).
    pub fn name(self) -> &'static str {
        match self {
            CommsKind::Start => "start",
            CommsKind::Progress => "progress",
            CommsKind::Complete => "complete",
            CommsKind::Rollback => "rollback",
        }
    }

    /// Finds a kind by name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The next kind (`step` 1) or the previous one (`step` -1), wrapping round.
    pub fn cycle(self, step: isize) -> Self {
        let n = Self::ALL.len() as isize;
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0) as isize;
        Self::ALL[(i + step).rem_euclid(n) as usize]
    }
}

/// A one-line description of a comms event for the events pane ("" for other events).
pub fn summarize(event: &crate::event::Event) -> String {
    use crate::event::Event;
    match event {
        Event::CommsDrafted {
            id,
            kind,
            text,
            post,
        } => format!(
            "{id} {} update recorded{}: {}",
            kind.name(),
            if *post { ", posting" } else { "" },
            subject(text)
        ),
        Event::CommsRetried { id } => format!("{id} post retried"),
        Event::CommsSent {
            id,
            ok,
            detail,
            attempt,
        } => format!(
            "{id} post {} (attempt {attempt}): {detail}",
            if *ok { "delivered" } else { "FAILED" }
        ),
        _ => String::new(),
    }
}

/// The update's first line without a `Subject:` label, for one-line summaries.
pub fn subject(text: &str) -> &str {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    first.strip_prefix("Subject:").unwrap_or(first).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_cycle_and_round_trip_their_names() {
        for k in CommsKind::ALL {
            assert_eq!(CommsKind::from_name(k.name()), Some(k));
            let j = serde_json::to_value(k).expect("json");
            assert_eq!(j, k.name());
        }
        assert_eq!(CommsKind::Start.cycle(-1), CommsKind::Rollback);
        assert_eq!(CommsKind::Rollback.cycle(1), CommsKind::Start);
        assert_eq!(CommsKind::Progress.cycle(1), CommsKind::Complete);
        assert_eq!(CommsKind::from_name("launch"), None);
    }

    #[test]
    fn subject_is_the_first_line_without_its_label() {
        assert_eq!(
            subject("\nSubject: Deployment Started - x\n\nTeam,"),
            "Deployment Started - x"
        );
        assert_eq!(subject("all good"), "all good");
        assert_eq!(subject(""), "");
    }
}
