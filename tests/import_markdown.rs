//! Markdown import on odd input: code blocks, HTML comments, front matter, lazy lines, `###x`,
//! and property tests that any text at all imports without a panic into a runbook that
//! passes `check` and holds the importer's invariants.

use std::collections::HashSet;

use proptest::prelude::*;
use warroom::runbook::slug::{MAX_IMPORTED, is_slug};
use warroom::runbook::{Format, ImportError, Runbook, import_markdown, parse_str, to_toml};

fn import(md: &str) -> Runbook {
    import_markdown(md, Some("test.md")).expect("imports")
}

fn texts(rb: &Runbook) -> Vec<&str> {
    rb.stages
        .iter()
        .flat_map(|s| &s.items)
        .map(|i| i.text.as_str())
        .collect()
}

/// The runbook passes check after a TOML round trip and comes back equal.
fn passes_check(rb: &Runbook) -> Result<(), String> {
    let toml = to_toml(rb).map_err(|e| format!("serialize: {e}"))?;
    let back = parse_str(&toml, Format::Toml, "imported.toml").map_err(|p| {
        p.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
            + "\n---\n"
            + &toml
    })?;
    if &back != rb {
        return Err(format!("round trip changed the runbook:\n{toml}"));
    }
    Ok(())
}

#[test]
fn headings_and_checkboxes_inside_code_are_not_stages_or_items() {
    let rb = import(
        "# Real\n\n- [ ] real item\n\n```bash\n# not a heading\n- [ ] not an item\n```\n\n    - [ ] indented code, not an item\n",
    );
    assert_eq!(rb.stages.len(), 1);
    assert_eq!(texts(&rb), ["real item"]);
    let item = &rb.stages[0].items[0];
    assert_eq!(item.commands, ["# not a heading\n- [ ] not an item"]);
    assert!(
        item.notes.iter().any(|n| n.contains("indented code")),
        "{:?}",
        item.notes
    );
}

#[test]
fn checkboxes_in_html_comments_are_ignored() {
    let rb = import(
        "## Stage\n\n- [ ] visible\n<!--\n- [ ] hidden\n## Hidden heading\n-->\n- [ ] also visible <!-- trailing comment -->\n",
    );
    assert_eq!(texts(&rb), ["visible", "also visible"]);
    assert!(!rb.stages.iter().any(|s| s.title.contains("Hidden")));
}

#[test]
fn lazy_continuation_lines_belong_to_their_item() {
    let rb = import("## S\n\n- [ ] Check the backup\nand its restore listing\n- [ ] Next\n");
    assert_eq!(
        texts(&rb),
        ["Check the backup and its restore listing", "Next"]
    );
}

#[test]
fn front_matter_is_skipped() {
    let rb = import("---\ntitle: ignored\nsteps:\n- [ ] hidden\n---\n# Title\n\n- [ ] shown\n");
    assert_eq!(rb.title, "Title");
    assert_eq!(texts(&rb), ["shown"]);
}

#[test]
fn no_space_after_hashes_is_not_a_heading() {
    let rb = import("## Real\n\n- [ ] one\n\n###NoSpace\n\n- [ ] two\n");
    assert_eq!(rb.stages.len(), 1, "{:?}", rb.stages);
    assert_eq!(texts(&rb), ["one", "two"]);
    assert!(
        rb.stages[0].items[0]
            .notes
            .contains(&"###NoSpace".to_string())
    );
}

#[test]
fn offsets_are_inherited_and_durations_ignored() {
    let rb = import(
        "# Plan\n\n## Prep (T-1 day)\n\n### Backups\n\n- [ ] a\n\n### Step 1 (30 minutes)\n\n- [ ] b\n\n## Cut-over\n\n- [ ] c\n\n## After (T+24 hours)\n\n- [ ] d\n",
    );
    let offs: Vec<(String, Option<String>)> = rb
        .stages
        .iter()
        .map(|s| (s.id.clone(), s.offset.map(|o| o.to_string())))
        .collect();
    assert_eq!(
        offs,
        [
            ("t-1d-backups".to_string(), Some("-1d".to_string())),
            (
                "t-1d-step-1-30-minutes".to_string(),
                Some("-1d".to_string())
            ),
            ("cut-over".to_string(), None),
            ("t-plus-24h-after".to_string(), Some("+24h".to_string())),
        ]
    );
    assert_eq!(rb.stages[0].title, "Prep › Backups");
    assert_eq!(rb.stages[3].title, "After");
}

#[test]
fn nested_tasks_numbered_steps_and_tocs() {
    let rb = import(
        "# Doc\n\n1. [Intro](#intro)\n2. [Steps](#steps)\n\n## Steps\n\n- [ ] Benchmarks met:\n  - [ ] p95 < 500ms\n  - plain detail\n\n1. Drain the node\n2. Patch it\n   - with care\n",
    );
    assert_eq!(
        texts(&rb),
        [
            "Benchmarks met:",
            "p95 < 500ms",
            "Drain the node",
            "Patch it"
        ]
    );
    let items: Vec<_> = rb.stages.iter().flat_map(|s| &s.items).collect();
    assert_eq!(items[1].notes, ["- plain detail"]);
    assert_eq!(items[3].notes, ["- with care"]);
}

#[test]
fn bold_labels_open_sub_stages_or_name_commands() {
    let rb = import(
        "## Shift (T+0 minutes)\n\n```bash\nkubectl apply -f 10.yaml\n```\n\n**10% Checklist:**\n- [ ] errors < 1%\n\n**Rollback**:\n```sh\nkubectl rollout undo deploy/app\n```\n\n**Just prose:**\n\nSome words.\n",
    );
    assert_eq!(rb.stages.len(), 2);
    // The item made from the heading uses the stage title (the offset is shown apart).
    assert_eq!(rb.stages[0].items[0].text, "Shift");
    assert_eq!(rb.stages[0].items[0].commands, ["kubectl apply -f 10.yaml"]);
    let sub = &rb.stages[1];
    assert_eq!(sub.title, "Shift › 10% Checklist");
    assert_eq!(sub.offset.map(|o| o.seconds), Some(0));
    assert_eq!(texts(&rb)[1..], ["errors < 1%", "Rollback"]);
    assert_eq!(sub.items[1].commands, ["kubectl rollout undo deploy/app"]);
    assert_eq!(sub.items[1].notes, ["Just prose:", "Some words."]);
}

#[test]
fn ids_are_slugs_unique_in_document_order() {
    let md =
        "# D\n\n- [ ] Logs normal\n- [ ] Logs normal\n- [ ] Logs normal 2\n- [ ] ✅ ⚠️\n- [ ] ✅\n";
    let rb = import(md);
    let ids: Vec<&str> = rb.stages[0].items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "logs-normal",
            "logs-normal-2",
            "logs-normal-2-2",
            "item",
            "item-2"
        ]
    );
    assert_eq!(import(md), rb, "re-import gives the same ids");
}

#[test]
fn checked_and_optional_items() {
    let rb = import(
        "# D\n\n- [x] done already\n- [ ] OAuth tested (if applicable)\n- [ ] Tag pushed (optional)\n- [ ]\n",
    );
    let req: Vec<(&str, bool)> = rb.stages[0]
        .items
        .iter()
        .map(|i| (i.text.as_str(), i.required))
        .collect();
    assert_eq!(
        req,
        [
            ("done already", true),
            ("OAuth tested (if applicable)", false),
            ("Tag pushed (optional)", false)
        ]
    );
}

#[test]
fn content_before_any_heading_and_blockquotes() {
    let rb = import_markdown(
        "> - [ ] quoted task\n\n1. first step\n",
        Some("dir/release-plan.md"),
    )
    .expect("imports");
    assert_eq!(rb.title, "release-plan");
    assert_eq!(rb.stages[0].title, "release-plan");
    assert_eq!(texts(&rb), ["quoted task", "first step"]);
    assert_eq!(rb.source.as_deref(), Some("dir/release-plan.md"));
}

#[test]
fn bullet_only_plans_use_bullets_and_prose_only_files_are_refused() {
    let rb = import("## Goals\n- Ship safely\n- Roll back fast\n");
    assert_eq!(texts(&rb), ["Ship safely", "Roll back fast"]);
    assert_eq!(
        import_markdown("# Only prose\n\nNothing to do.\n", None),
        Err(ImportError::NoItems)
    );
    assert_eq!(import_markdown("", None), Err(ImportError::NoItems));
}

#[test]
fn setext_headings_and_inline_code() {
    let rb = import("Prep (T-2 days)\n===============\n\n- [ ] Run `make check` first\n");
    assert_eq!(
        rb.stages[0].offset.map(|o| o.to_string()).as_deref(),
        Some("-2d")
    );
    assert_eq!(texts(&rb), ["Run `make check` first"]);
}

/// What every imported runbook holds, whatever the input: a title; stages with titles and at
/// least one item; ids that are slugs no longer than the importer makes them (plus a `-N`
/// suffix), unique among stages and across items; item text non-empty, trimmed, on one line;
/// no empty command.
fn invariants(rb: &Runbook) -> Result<(), String> {
    let fail = |m: String| Err(format!("{m}\n{rb:#?}"));
    if rb.title.trim().is_empty() {
        return fail("empty title".into());
    }
    if rb.stages.is_empty() {
        return fail("no stages".into());
    }
    let id_ok = |id: &str| {
        let base = id
            .rsplit_once('-')
            .filter(|(_, n)| n.parse::<u32>().is_ok())
            .map_or(id, |(b, _)| b);
        is_slug(id) && (base.len() <= MAX_IMPORTED || id.len() <= MAX_IMPORTED)
    };
    let mut stage_ids = HashSet::new();
    let mut item_ids = HashSet::new();
    for s in &rb.stages {
        if !id_ok(&s.id) || !stage_ids.insert(s.id.as_str()) {
            return fail(format!("stage id {:?} is not a fresh slug", s.id));
        }
        if s.title.trim().is_empty() || s.items.is_empty() {
            return fail(format!("stage {:?} has no title or no items", s.id));
        }
        let mut in_stage = HashSet::new();
        for i in &s.items {
            if !id_ok(&i.id) || !in_stage.insert(i.id.as_str()) || !item_ids.insert(i.id.as_str()) {
                return fail(format!("item id {:?} is not a fresh slug", i.id));
            }
            if i.text.is_empty() || i.text.trim() != i.text || i.text.contains('\n') {
                return fail(format!("item {:?} has text {:?}", i.id, i.text));
            }
            if i.commands.iter().any(|c| c.trim().is_empty()) {
                return fail(format!("item {:?} has an empty command", i.id));
            }
        }
    }
    Ok(())
}

/// Imports `text`, asserting the invariants and `check` on success; `Err` only means "no
/// items".
fn import_holds(text: &str, source: Option<&str>) -> Result<(), String> {
    match warroom::runbook::import::import(text, source) {
        Ok(i) => {
            invariants(&i.runbook)?;
            passes_check(&i.runbook)?;
            if i.warnings.iter().any(String::is_empty) {
                return Err("empty warning".into());
            }
            Ok(())
        }
        Err(ImportError::NoItems) => Ok(()),
    }
}

#[test]
fn the_invariants_catch_what_they_claim_to() {
    let good = import("# D\n\n- [ ] a\n- [ ] a\n");
    assert_eq!(invariants(&good), Ok(()));
    let mut dup = good.clone();
    dup.stages[0].items[1].id = "a".into();
    assert!(invariants(&dup).is_err());
    let mut bad = good.clone();
    bad.stages[0].items[0].id = "Not A Slug".into();
    assert!(invariants(&bad).is_err());
    let mut multi = good;
    multi.stages[0].items[0].text = "two\nlines".into();
    assert!(invariants(&multi).is_err());
}

/// Lines that exercise the importer's paths, combined at random.
fn markdownish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("# Title".to_string()),
        Just("## Stage (T-7 days)".to_string()),
        Just("### Sub (T+1 hour)".to_string()),
        Just("#### Step 1 (30 minutes)".to_string()),
        Just("###NoSpace".to_string()),
        Just("- [ ] task".to_string()),
        Just("- [x] done".to_string()),
        Just("  - [ ] nested".to_string()),
        Just("- plain".to_string()),
        Just("1. step".to_string()),
        Just("2. [link](#x)".to_string()),
        Just("```bash".to_string()),
        Just("```".to_string()),
        Just("    indented".to_string()),
        Just("<!--".to_string()),
        Just("-->".to_string()),
        Just("---".to_string()),
        Just("> - [ ] quoted".to_string()),
        Just("**Label:**".to_string()),
        Just("".to_string()),
        Just("Title\n=====".to_string()),
        Just("| a | b |".to_string()),
        Just("| Check | Level | Done |".to_string()),
        Just("|---|---|---|".to_string()),
        Just("| row | high | ✓ |".to_string()),
        Just("| [x] | row | |".to_string()),
        Just("| 1 | | yes |".to_string()),
        Just("|  |  |  |".to_string()),
        Just("Prose under a section.".to_string()),
        Just("## Leaf section (optional)".to_string()),
        "[ -~]{0,30}".prop_map(|s| s),
        "\\PC{0,20}".prop_map(|s| s),
        "[-*#>`\\[\\] x0-9.(T+)]{0,12}".prop_map(|s| s),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn any_text_imports_into_a_checkable_runbook(text in "\\PC{0,400}") {
        let held = import_holds(&text, Some("any.md"));
        prop_assert!(held.is_ok(), "{}", held.err().unwrap_or_default());
    }

    #[test]
    fn any_markdownish_text_imports_into_a_checkable_runbook(text in markdownish()) {
        let held = import_holds(&text, Some("any.md"));
        prop_assert!(held.is_ok(), "{}", held.err().unwrap_or_default());
        prop_assert_eq!(
            import_markdown(&text, Some("any.md")),
            import_markdown(&text, Some("any.md")),
            "import is deterministic"
        );
    }

    #[test]
    fn any_bytes_import_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let held = import_holds(&text, None);
        prop_assert!(held.is_ok(), "{}", held.err().unwrap_or_default());
    }
}
