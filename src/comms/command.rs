//! The headless `comms` command: `comms start|progress|complete|rollback [--post]` records the
//! update drafted from the state at that moment (the same text the terminal's overlay shows),
//! and posts it with `--post`; `comms retry [ID]` posts a failed update again.

use super::CommsKind;
use crate::release::ReleaseIntent;

/// What `comms` takes, for messages.
const USAGE: &str = "comms start|progress|complete|rollback [--post], or comms retry [ID]";

/// Parses the words after `comms`.
pub fn parse(rest: &str) -> Result<ReleaseIntent, String> {
    let words =
        shlex::split(rest).ok_or_else(|| format!("comms: unbalanced quotes in '{rest}'"))?;
    let mut it = words.iter().map(String::as_str);
    let Some(what) = it.next() else {
        return Err(format!("comms needs a kind: {USAGE}"));
    };
    let rest: Vec<&str> = it.collect();
    if what == "retry" {
        return match rest.as_slice() {
            [] => Ok(ReleaseIntent::CommsRetry { id: None }),
            [id] if !id.starts_with("--") => Ok(ReleaseIntent::CommsRetry {
                id: Some((*id).to_string()),
            }),
            _ => Err(format!(
                "comms retry takes at most an update id (c1, c2, …): {USAGE}"
            )),
        };
    }
    let kind = CommsKind::from_name(what)
        .ok_or_else(|| format!("comms: '{what}' is not a kind of update; {USAGE}"))?;
    let mut post = false;
    for w in rest {
        match w {
            "--post" => post = true,
            other => {
                return Err(format!(
                    "comms {what}: unexpected '{other}'; {what} takes only --post"
                ));
            }
        }
    }
    Ok(ReleaseIntent::Comms {
        kind,
        text: None,
        post,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_kinds_posts_and_retries() {
        assert_eq!(
            parse("progress --post"),
            Ok(ReleaseIntent::Comms {
                kind: CommsKind::Progress,
                text: None,
                post: true
            })
        );
        assert_eq!(
            parse("start"),
            Ok(ReleaseIntent::Comms {
                kind: CommsKind::Start,
                text: None,
                post: false
            })
        );
        assert_eq!(parse("retry"), Ok(ReleaseIntent::CommsRetry { id: None }));
        assert_eq!(
            parse("retry c2"),
            Ok(ReleaseIntent::CommsRetry {
                id: Some("c2".into())
            })
        );
        for bad in ["", "launch", "progress --now", "retry c1 c2", "start extra"] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
