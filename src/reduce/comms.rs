//! Applying status-update events to `state.comms`, and the posts they ask for: a recorded
//! update with `post` and a retry each ask the worker for one post (`Effect::Post`), tagged
//! with its attempt so a late answer never settles a later try.

use crate::comms::{Post, Update};
use crate::effect::{Effect, PostSpec};
use crate::event::{Envelope, Event};
use crate::state::State;

/// Whether the event belongs to this part of the state.
pub fn applies(event: &Event) -> bool {
    matches!(
        event,
        Event::CommsDrafted { .. } | Event::CommsRetried { .. } | Event::CommsSent { .. }
    )
}

/// Applies one comms event.
pub fn apply(state: &mut State, env: &Envelope, effects: &mut Vec<Effect>) {
    match &env.event {
        Event::CommsDrafted {
            id,
            kind,
            text,
            post,
        } => {
            let mut update = Update {
                id: id.clone(),
                kind: *kind,
                text: text.clone(),
                by: env.actor.name.clone(),
                at: env.at,
                seq: env.seq,
                post: Post::NotAsked,
            };
            if *post {
                update.post = ask(state, &update, 1, effects);
            }
            state.comms.updates.push(update);
        }
        Event::CommsRetried { id } => {
            let Some(i) = state.comms.updates.iter().position(|u| &u.id == id) else {
                return;
            };
            let attempt = match state.comms.updates[i].post {
                Post::Failed { attempt, .. } => attempt + 1,
                // A retry is decided only for a failed post; anything else is left alone.
                _ => return,
            };
            let update = state.comms.updates[i].clone();
            state.comms.updates[i].post = ask(state, &update, attempt, effects);
        }
        Event::CommsSent {
            id,
            ok,
            detail,
            attempt,
        } => {
            let Some(u) = state.comms.updates.iter_mut().find(|u| &u.id == id) else {
                return;
            };
            // Only the answer to the attempt in flight counts.
            if u.post != (Post::Posting { attempt: *attempt }) {
                return;
            }
            u.post = if *ok {
                Post::Posted {
                    attempt: *attempt,
                    at: env.at,
                    detail: detail.clone(),
                }
            } else {
                Post::Failed {
                    attempt: *attempt,
                    at: env.at,
                    detail: detail.clone(),
                }
            };
        }
        _ => {}
    }
}

/// Asks for a post of `update` (attempt `attempt`) and returns its new post state; without a
/// webhook in the recorded config there is nothing to post to, which is a failure to say.
fn ask(state: &State, update: &Update, attempt: u32, effects: &mut Vec<Effect>) -> Post {
    let Some(cfg) = state.config.as_deref() else {
        return no_webhook(update, attempt);
    };
    let Some(var) = &cfg.comms.webhook_url_env else {
        return no_webhook(update, attempt);
    };
    effects.push(Effect::Post(Box::new(PostSpec {
        id: update.id.clone(),
        attempt,
        text: update.text.clone(),
        url_env: var.0.clone(),
        timeout: cfg.comms.timeout.0,
    })));
    Post::Posting { attempt }
}

fn no_webhook(update: &Update, attempt: u32) -> Post {
    Post::Failed {
        attempt,
        at: update.at,
        detail: "no webhook in this session's config ([comms] webhook_url_env)".to_string(),
    }
}

/// What every event may change here besides the comms events: the completion time (for the
/// complete update), and after a resume, posts whose answer was never recorded.
pub fn note(state: &mut State, env: &Envelope) {
    match &env.event {
        Event::ReleaseCompleted { .. } => state.comms.completed_at = Some(env.at),
        Event::GoNoGoDecided { go: true, .. } => state.comms.completed_at = None,
        Event::SessionResumed { .. } => {
            for u in &mut state.comms.updates {
                if let Post::Posting { attempt } = u.post {
                    u.post = Post::Failed {
                        attempt,
                        at: env.at,
                        detail: "no answer was recorded: the war room stopped before the \
                                 webhook answered; it may or may not have taken it"
                            .to_string(),
                    };
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comms::CommsKind;
    use crate::config::warroom::{EnvVar, WarroomConfig};
    use crate::event::{Actor, LOG_VERSION};
    use crate::reduce::reduce;

    fn env(seq: u64, event: Event) -> Envelope {
        Envelope {
            v: LOG_VERSION,
            seq,
            at: "2026-11-24T15:00:00Z".parse().expect("ts"),
            session: "s".into(),
            actor: Actor {
                name: "lead".into(),
                role: "deployment-lead".into(),
                host: "h".into(),
            },
            event,
            prev: String::new(),
            hash: String::new(),
        }
    }

    fn with_webhook() -> State {
        let mut cfg = WarroomConfig::default();
        cfg.comms.webhook_url_env = Some(EnvVar("HOOK".into()));
        State {
            config: Some(Box::new(cfg)),
            ..State::default()
        }
    }

    fn drafted(post: bool) -> Event {
        Event::CommsDrafted {
            id: "c1".into(),
            kind: CommsKind::Progress,
            text: "Subject: x".into(),
            post,
        }
    }

    fn sent(ok: bool, attempt: u32) -> Event {
        Event::CommsSent {
            id: "c1".into(),
            ok,
            detail: if ok { "HTTP 200 OK" } else { "HTTP 500" }.into(),
            attempt,
        }
    }

    #[test]
    fn a_failed_post_keeps_the_text_and_a_retry_posts_it_again() {
        let mut s = with_webhook();
        let fx = reduce(&mut s, &env(1, drafted(true)));
        let Some(Effect::Post(p)) = fx.first() else {
            panic!("a post was asked for: {fx:?}");
        };
        assert_eq!(
            (p.attempt, p.text.as_str(), p.url_env.as_str()),
            (1, "Subject: x", "HOOK")
        );
        assert!(s.comms.posting());
        reduce(&mut s, &env(2, sent(false, 1)));
        assert!(s.comms.failed().is_some());
        assert_eq!(s.comms.updates[0].text, "Subject: x");
        let fx = reduce(&mut s, &env(3, Event::CommsRetried { id: "c1".into() }));
        let Some(Effect::Post(p)) = fx.first() else {
            panic!("the retry posts: {fx:?}");
        };
        assert_eq!((p.attempt, p.text.as_str()), (2, "Subject: x"));
        // A late answer to the first attempt changes nothing.
        reduce(&mut s, &env(4, sent(true, 1)));
        assert_eq!(s.comms.updates[0].post, Post::Posting { attempt: 2 });
        reduce(&mut s, &env(5, sent(true, 2)));
        assert!(matches!(
            s.comms.updates[0].post,
            Post::Posted { attempt: 2, .. }
        ));
        assert!(s.comms.last_out().is_some());
    }

    #[test]
    fn replaying_asks_nothing_and_a_resume_settles_what_had_no_answer() {
        let mut s = with_webhook();
        reduce(&mut s, &env(1, drafted(false)));
        assert_eq!(s.comms.updates[0].post, Post::NotAsked);
        let mut s = with_webhook();
        reduce(&mut s, &env(1, drafted(true)));
        reduce(
            &mut s,
            &env(
                2,
                Event::SessionResumed {
                    app_version: "t".into(),
                    previous_clean_close: false,
                    torn_bytes: 0,
                },
            ),
        );
        assert!(s.comms.failed().is_some());
        assert!(!s.comms.posting());
    }

    #[test]
    fn without_a_webhook_in_the_config_a_post_fails_at_once() {
        let mut s = State::default();
        let fx = reduce(&mut s, &env(1, drafted(true)));
        assert!(fx.iter().all(|e| !matches!(e, Effect::Post(_))), "{fx:?}");
        assert!(s.comms.failed().is_some());
    }
}
