//! Documents made of headings and prose only (templates with sections to fill in): each leaf
//! heading becomes an item, its prose the item's notes, grouped in a stage per parent heading.

use super::draft::{Draft, StageDraft, is_optional};
use crate::runbook::Item;

/// Turns the stages of a walk that found no items into stages of items made from the leaf
/// headings. A lone level-1 heading that opens the document is its title, not a section.
pub fn from_headings(draft: &mut Draft) {
    let stages = std::mem::take(&mut draft.stages);
    let h1s = stages.iter().filter(|s| s.level == 1).count();
    // Index 0 is the implicit stage (text before the first heading).
    let title_heading = (h1s == 1 && stages.get(1).is_some_and(|s| s.level == 1)).then_some(1);
    // A heading is a leaf when the next heading is not below it.
    let leaf = |i: usize| {
        i != 0
            && Some(i) != title_heading
            && stages[i].level > 0
            && stages.get(i + 1).is_none_or(|n| n.level <= stages[i].level)
    };
    let mut out: Vec<StageDraft> = Vec::new();
    // (parent, offset) of the stage being filled.
    let mut open: Option<(usize, Option<crate::runbook::Offset>)> = None;
    let mut noted = vec![false; stages.len()];
    // The headings enclosing the current one, as (level, index): one pass, whatever the depth.
    let mut above: Vec<(usize, usize)> = Vec::new();
    for i in 1..stages.len() {
        let level = stages[i].level;
        if level == 0 {
            continue;
        }
        while above.last().is_some_and(|&(l, _)| l >= level) {
            above.pop();
        }
        // The nearest heading above; the title heading stands for the document.
        let p = above
            .last()
            .map(|&(_, k)| k)
            .filter(|&k| Some(k) != title_heading)
            .unwrap_or(0);
        above.push((level, i));
        if !leaf(i) {
            continue;
        }
        let s = &stages[i];
        if open != Some((p, s.offset)) {
            let from = &stages[p];
            let mut notes = Vec::new();
            if !noted[p] {
                noted[p] = true;
                if p == 0
                    && let Some(t) = title_heading
                {
                    notes.extend(stages[t].notes.iter().cloned());
                }
                notes.extend(from.notes.iter().cloned());
            }
            out.push(StageDraft {
                title: from.title.clone(),
                id_text: from.id_text.clone(),
                offset: s.offset,
                notes,
                items: Vec::new(),
                implicit: p == 0,
                level: from.level,
                heading: from.heading.clone(),
            });
            open = Some((p, s.offset));
        }
        let text = if s.heading.trim().is_empty() {
            "Untitled section".to_string()
        } else {
            s.heading.clone()
        };
        if let Some(stage) = out.last_mut() {
            stage.items.push(Item {
                id: String::new(),
                required: !is_optional(&text),
                role: None,
                commands: Vec::new(),
                notes: s.notes.clone(),
                check: None,
                text,
            });
        }
    }
    draft.stages = out;
}
