//! Turning a request for a status update into the event to record, or the reason it is
//! refused: the text is the operator's edit or, when none was given, the draft of the moment;
//! a post needs a webhook that is configured and set; a retry needs a failed post.

use jiff::Timestamp;

use super::facts::Facts;
use super::state::Post;
use super::webhook::{self, Webhook};
use super::{CommsKind, defaults};
use crate::config::warroom::WarroomConfig;
use crate::event::{Actor, Event};
use crate::reduce::checklist::NOTE_LIMIT;
use crate::state::State;
use crate::state::release::Phase;

/// The draft of an update of `kind` from the state at `now`, signed by `operator`.
pub fn render(
    state: &State,
    cfg: &WarroomConfig,
    kind: CommsKind,
    now: Timestamp,
    operator: &Actor,
) -> String {
    let facts = Facts::gather(state, cfg, kind, now, operator);
    defaults::template(cfg, kind).render(&facts)
}

/// The kind of update the release's phase calls for: rollback once one is under way, complete
/// once complete, progress during a shift once an update went out since the go, else start.
pub fn kind_for(state: &State) -> CommsKind {
    let r = &state.release;
    if r.rollback.is_some() || r.phase == Phase::RolledBack {
        return CommsKind::Rollback;
    }
    match r.phase {
        Phase::Completed => CommsKind::Complete,
        Phase::Shifting => {
            let go_at = r.decisions.iter().rev().find(|d| d.go).map(|d| d.at);
            let since_go = state
                .comms
                .last_out()
                .is_some_and(|u| go_at.is_none_or(|g| u.at >= g));
            if since_go {
                CommsKind::Progress
            } else {
                CommsKind::Start
            }
        }
        Phase::Preparing | Phase::NoGo | Phase::RolledBack => CommsKind::Start,
    }
}

/// Decides a new update: `text` as edited, or the draft of the moment; posted when `post`.
pub fn draft(
    state: &State,
    cfg: &WarroomConfig,
    operator: &Actor,
    now: Timestamp,
    kind: CommsKind,
    text: Option<String>,
    post: bool,
) -> Result<Event, String> {
    let text = text.unwrap_or_else(|| render(state, cfg, kind, now, operator));
    let text = text.trim_end().to_string();
    if text.trim().is_empty() {
        return Err("the update is empty; write something, or close the overlay".to_string());
    }
    if text.len() > NOTE_LIMIT {
        return Err(format!(
            "the update is {} bytes; an update holds at most {NOTE_LIMIT}",
            text.len()
        ));
    }
    if post {
        postable(cfg)?;
    }
    if state.comms.posting() && post {
        return Err(
            "a post is still waiting for the webhook's answer; post again once it is in"
                .to_string(),
        );
    }
    Ok(Event::CommsDrafted {
        id: state.comms.next_id(),
        kind,
        // Pasted by mistake, the URL would be a secret in the log.
        text: webhook::mask(&text, cfg),
        post,
    })
}

/// Decides posting update `id` again (the latest update when `None`), with the same text.
pub fn retry(state: &State, cfg: &WarroomConfig, id: Option<&str>) -> Result<Event, String> {
    let update = match id {
        Some(id) => state
            .comms
            .get(id)
            .ok_or_else(|| format!("there is no update {id}"))?,
        None => state.comms.failed().ok_or_else(|| {
            "no failed post to retry: the latest update's post did not fail".to_string()
        })?,
    };
    match &update.post {
        Post::Failed { .. } => {}
        Post::Posting { .. } => {
            return Err(format!(
                "{} is being posted; wait for the answer",
                update.id
            ));
        }
        Post::Posted { .. } => return Err(format!("{} was posted already", update.id)),
        Post::NotAsked => {
            return Err(format!(
                "{} was recorded without a post; record a new update to post one",
                update.id
            ));
        }
    }
    postable(cfg)?;
    if state.comms.posting() {
        return Err(
            "a post is still waiting for the webhook's answer; retry once it is in".to_string(),
        );
    }
    Ok(Event::CommsRetried {
        id: update.id.clone(),
    })
}

fn postable(cfg: &WarroomConfig) -> Result<(), String> {
    match Webhook::of(cfg) {
        Webhook::Set(_) => Ok(()),
        w => Err(format!("cannot post: {}", w.describe())),
    }
}
