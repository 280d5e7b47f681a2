//! Semantic checks of a runbook once its shape is right: ids present, slugs, unique; text and
//! titles not empty; at least one stage and one item per stage.

use std::collections::HashMap;

use super::input::Diagnostics;
use super::model::Runbook;
use super::slug::{MAX_ID, is_slug, slugify};
use crate::path;

/// Checks `rb`, reporting against the positions `d` knows.
pub fn validate(rb: &Runbook, d: &mut Diagnostics<'_>) {
    if rb.title.trim().is_empty() {
        d.at_key(
            &path!["title"],
            "the runbook needs a `title`, e.g. title = \"Release 1.2.3\"",
        );
    }
    if rb.stages.is_empty() {
        d.at_key(
            &path!["stage"],
            "the runbook has no stages; add a [[stage]] table with at least one [[stage.item]]",
        );
    }
    let mut stage_ids: HashMap<&str, usize> = HashMap::new();
    let mut item_ids: HashMap<&str, (usize, usize)> = HashMap::new();
    for (s, stage) in rb.stages.iter().enumerate() {
        let id = stage.id.as_str();
        if id.trim().is_empty() {
            d.at_key(
                &path!["stage", s, "id"],
                "this [[stage]] needs an `id`, e.g. id = \"t-1d-backups\"",
            );
        } else if !is_slug(id) {
            d.at_value(&path!["stage", s, "id"], not_slug("stage", id));
        } else if let Some(first) = stage_ids.get(id) {
            d.at_value(
                &path!["stage", s, "id"],
                format!(
                    "duplicate stage id `{id}` (stage {} uses it too); stage ids must be unique",
                    first + 1
                ),
            );
        } else {
            stage_ids.insert(id, s);
        }
        if stage.title.trim().is_empty() {
            d.at_key(
                &path!["stage", s, "title"],
                "this [[stage]] needs a `title`",
            );
        }
        if stage.items.is_empty() {
            d.at_key(
                &path!["stage", s],
                format!(
                    "stage `{}` has no items; add [[stage.item]] tables or remove the stage",
                    stage.id
                ),
            );
        }
        for (i, item) in stage.items.iter().enumerate() {
            let iid = item.id.as_str();
            if iid.trim().is_empty() {
                d.at_key(
                    &path!["stage", s, "item", i, "id"],
                    "this [[stage.item]] needs an `id`, e.g. id = \"backup-verified\"",
                );
            } else if !is_slug(iid) {
                d.at_value(&path!["stage", s, "item", i, "id"], not_slug("item", iid));
            } else if let Some((fs, _)) = item_ids.get(iid) {
                d.at_value(
                    &path!["stage", s, "item", i, "id"],
                    format!(
                        "duplicate item id `{iid}` (also in stage `{}`); item ids must be unique in the runbook",
                        rb.stages[*fs].id
                    ),
                );
            } else {
                item_ids.insert(iid, (s, i));
            }
            if item.text.trim().is_empty() {
                d.at_key(
                    &path!["stage", s, "item", i, "text"],
                    "this [[stage.item]] needs a `text` saying what to do or confirm",
                );
            }
            if item.role.as_deref().is_some_and(|r| r.trim().is_empty()) {
                d.at_value(
                    &path!["stage", s, "item", i, "role"],
                    "`role` is empty; name a role such as \"deployment-lead\" or leave the key out",
                );
            }
            for (c, cmd) in item.commands.iter().enumerate() {
                if cmd.trim().is_empty() {
                    d.at_value(
                        &path!["stage", s, "item", i, "commands", c],
                        "empty command; remove it",
                    );
                }
            }
            if let Some(check) = &item.check
                && let Err(problems) = check.spec()
            {
                for p in problems {
                    match p.key {
                        Some(key) => {
                            d.at_value(&path!["stage", s, "item", i, "check", key], p.message)
                        }
                        // A kind key the file has was dropped for its own problem, already
                        // reported; "needs a kind" would only repeat it.
                        None if super::check::KINDS
                            .iter()
                            .any(|k| d.exists(&path!["stage", s, "item", i, "check", *k])) => {}
                        None => d.at_key(&path!["stage", s, "item", i, "check"], p.message),
                    }
                }
            }
        }
    }
}

fn not_slug(what: &str, id: &str) -> String {
    let suggestion = slugify(id, MAX_ID);
    let hint = if suggestion.is_empty() {
        String::new()
    } else {
        format!(", e.g. \"{suggestion}\"")
    };
    format!(
        "{what} id \"{id}\" is not a slug; use lowercase letters, digits and single hyphens (at most {MAX_ID} characters){hint}"
    )
}
