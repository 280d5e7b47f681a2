//! Markdown checklists → runbooks (`warroom import`, and `.md` runbooks on load).
//!
//! The rules (documented in docs/runbook-format.md): headings are stages, with T-offsets read
//! from the heading text or inherited from the nearest ancestor heading that names one; task
//! items, numbered steps and checklist tables are items; fenced shell code is the nearest
//! item's commands; other prose becomes notes. Nothing inside code or HTML comments becomes a
//! stage or an item. A document with none of those falls back to its bullets and tables, then
//! to its section headings.

mod draft;
mod heading;
mod outline;
mod propose;
mod table;
mod walker;

pub use heading::t_offset;

use super::model::{Runbook, Stage};
use super::slug::{Ids, MAX_IMPORTED, slugify};
use draft::{Mode, StageDraft};
use walker::walk;

/// Why a Markdown file could not become a runbook.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Nothing in the file reads as a step.
    #[error(
        "no checklist items found; write task items (`- [ ] …`), numbered steps (`1. …`), a table with one check per row, or bullet lists or sections under headings"
    )]
    NoItems,
}

/// An imported runbook and what the user should know about how it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The runbook.
    pub runbook: Runbook,
    /// Things worth a second look (items made from headings, done marks not carried over).
    pub warnings: Vec<String>,
}

/// Imports a Markdown checklist. `source` is recorded in the runbook (a file name, not a path)
/// and titles it when the document has no heading.
pub fn import_markdown(text: &str, source: Option<&str>) -> Result<Runbook, ImportError> {
    import(text, source).map(|i| i.runbook)
}

/// [`import_markdown`], with the warnings.
pub fn import(text: &str, source: Option<&str>) -> Result<Imported, ImportError> {
    let body = strip_front_matter(text);
    let mut warnings = Vec::new();
    let mut draft = walk(body, Mode::Checklist);
    if draft.item_count() == 0 {
        // A plan written only as bullet lists or tables: its bullets and rows are the steps.
        draft = walk(body, Mode::Bullets);
    }
    if draft.item_count() == 0 {
        // A template of sections to fill in: its leaf headings are the steps.
        outline::from_headings(&mut draft);
        let n = draft.item_count();
        if n > 0 {
            warnings.push(format!(
                "no task items, numbered steps, bullet lists or tables found, so the {n} section heading{} without sub-sections became the item{} (their prose kept as notes); check that they are what the team has to do",
                plural(n),
                plural(n),
            ));
        }
    }
    if draft.item_count() == 0 {
        return Err(ImportError::NoItems);
    }
    if draft.marked_done > 0 {
        let n = draft.marked_done;
        warnings.push(format!(
            "{n} item{} marked done in the source ([x], ✓, yes…) import{} open: ticks are recorded in the session, with who and when",
            plural(n),
            if n == 1 { "s" } else { "" },
        ));
    }
    let title = draft
        .h1
        .clone()
        .or_else(|| draft.first_heading.clone())
        .or_else(|| source.map(file_stem).filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "Imported runbook".to_string());

    let mut stage_ids = Ids::default();
    let mut item_ids = Ids::default();
    let stages = draft
        .stages
        .into_iter()
        .filter(|s| !s.items.is_empty())
        .map(|s| finish_stage(s, &title, &mut stage_ids, &mut item_ids))
        .collect();
    let mut runbook = Runbook {
        title,
        source: source.map(str::to_string),
        stages,
    };
    let proposals = propose::propose(&mut runbook);
    if proposals.made > 0 {
        let n = proposals.made;
        warnings.push(format!(
            "{n} check{} proposed from the commands and text (Prometheus queries with a threshold, curl and kubectl verifications), marked `proposed = true`: {} only once accepted (T in the checklist, or remove `proposed = true`)",
            plural(n),
            if n == 1 { "it runs" } else { "they run" },
        ));
    }
    if !proposals.crowded.is_empty() {
        let shown: Vec<&str> = proposals
            .crowded
            .iter()
            .take(3)
            .map(String::as_str)
            .collect();
        let more = proposals.crowded.len().saturating_sub(shown.len());
        warnings.push(format!(
            "{} item{} spelled out more than one check; an item carries one, so only the first was proposed: {}{}",
            proposals.crowded.len(),
            plural(proposals.crowded.len()),
            shown.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() },
        ));
    }
    Ok(Imported { runbook, warnings })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn finish_stage(mut s: StageDraft, title: &str, stage_ids: &mut Ids, item_ids: &mut Ids) -> Stage {
    if s.implicit {
        s.title = title.to_string();
        s.id_text = title.to_string();
    }
    let base = match s.offset {
        Some(o) => format!("{} {}", heading::offset_prefix(o), s.id_text),
        None => s.id_text.clone(),
    };
    let id = stage_ids.unique(&slugify(&base, MAX_IMPORTED), "stage");
    let mut items = s.items;
    for item in &mut items {
        item.id = item_ids.unique(&slugify(&item.text, MAX_IMPORTED), "item");
    }
    Stage {
        id,
        title: s.title,
        offset: s.offset,
        notes: s.notes,
        items,
    }
}

fn file_stem(source: &str) -> String {
    let name = source.rsplit(['/', '\\']).next().unwrap_or(source);
    name.rsplit_once('.')
        .map_or(name, |(stem, _)| stem)
        .to_string()
}

/// Skips YAML front matter: a first line `---`, then `key: value` lines, then `---` or `...`.
/// A document that merely opens with a thematic break keeps it.
fn strip_front_matter(text: &str) -> &str {
    let t = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = t.split_inclusive('\n');
    let Some(first) = lines.next().filter(|l| l.trim_end() == "---") else {
        return t;
    };
    let mut offset = first.len();
    let mut first_content = true;
    for line in lines {
        offset += line.len();
        let l = line.trim_end();
        if l == "---" || l == "..." {
            return if first_content { t } else { &t[offset..] };
        }
        if first_content && !l.trim().is_empty() {
            if !looks_like_yaml_key(l) {
                return t;
            }
            first_content = false;
        }
    }
    t
}

fn looks_like_yaml_key(line: &str) -> bool {
    let Some((key, _)) = line.split_once(':') else {
        return false;
    };
    let key = key.trim_matches(|c| c == '"' || c == '\'');
    !key.is_empty()
        && !key.starts_with(' ')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_skipped_but_a_leading_rule_is_not() {
        assert_eq!(strip_front_matter("---\ntitle: x\n---\n# A\n"), "# A\n");
        assert_eq!(strip_front_matter("---\r\ntitle: x\r\n...\r\nbody"), "body");
        let rule = "---\n# Heading\n- [ ] a\n---\n";
        assert_eq!(strip_front_matter(rule), rule);
        assert_eq!(
            strip_front_matter("---\nno close: x\n"),
            "---\nno close: x\n"
        );
    }

    #[test]
    fn file_stems() {
        assert_eq!(file_stem("dir/002_x.txt"), "002_x");
        assert_eq!(file_stem("plain"), "plain");
    }
}
