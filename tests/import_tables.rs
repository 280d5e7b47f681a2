//! Runbooks teams write without task lists: checklists as Markdown tables (one check per row)
//! and templates made of headings and prose only. Both import, with warnings where the
//! reading is a guess or a mark does not carry over.

use warroom::runbook::import::import;
use warroom::runbook::{Format, ImportError, Imported, Runbook, parse_str, to_toml};

fn imported(md: &str) -> Imported {
    import(md, Some("doc.md")).expect("imports")
}

fn texts(rb: &Runbook) -> Vec<&str> {
    rb.stages
        .iter()
        .flat_map(|s| &s.items)
        .map(|i| i.text.as_str())
        .collect()
}

fn assert_checks(rb: &Runbook) {
    let toml = to_toml(rb).expect("serializes");
    let back = parse_str(&toml, Format::Toml, "doc.toml").unwrap_or_else(|p| {
        let lines: Vec<String> = p.iter().map(ToString::to_string).collect();
        panic!("fails check:\n{}\n---\n{toml}", lines.join("\n"))
    });
    assert_eq!(&back, rb);
}

const HARDENING: &str = "# Server hardening\n\n## Network (T-2 days)\n\n\
| Description | Level | Done |\n|---|---|---|\n\
| Firewall denies inbound by default | 1 | ✓ |\n\
| SSH root login disabled | 1 | [ ] |\n\
| IPv6 disabled | 2 (optional) | ✔️ |\n\n\
## Logging\n\n\
| # | Check | Owner | Status |\n|---|---|---|---|\n\
| 1 | Audit logs shipped | SRE | ✅ |\n\
| 2 | Retention is `90d` | Security | no |\n";

#[test]
fn a_checklist_table_is_one_item_per_row_with_its_columns_as_notes() {
    let i = imported(HARDENING);
    let rb = &i.runbook;
    assert_eq!(
        texts(rb),
        [
            "Firewall denies inbound by default",
            "SSH root login disabled",
            "IPv6 disabled",
            "Audit logs shipped",
            "Retention is `90d`",
        ]
    );
    let network = &rb.stages[0];
    assert_eq!(network.id, "t-2d-network");
    assert_eq!(
        network.offset.map(|o| o.to_string()).as_deref(),
        Some("-2d")
    );
    assert_eq!(network.items[0].id, "firewall-denies-inbound-by-default");
    assert_eq!(network.items[0].notes, ["Level: 1"]);
    // "(optional" in any column makes the row optional, as in an item's text.
    assert!(network.items[0].required);
    assert!(!network.items[2].required);
    // Row numbers are not the text; they stay with the other columns.
    let logging = &rb.stages[1];
    assert_eq!(logging.items[0].notes, ["#: 1", "Owner: SRE"]);
    assert_checks(rb);
}

#[test]
fn done_marks_import_open_like_checked_task_items_with_a_warning() {
    let i = imported(HARDENING);
    // The status column is the check box: read, not kept as a note, and not a tick.
    for item in i.runbook.stages.iter().flat_map(|s| &s.items) {
        assert!(
            !item
                .notes
                .iter()
                .any(|n| n.starts_with("Done") || n.starts_with("Status")),
            "{:?}",
            item.notes
        );
    }
    assert_eq!(i.warnings.len(), 1, "{:?}", i.warnings);
    assert!(
        i.warnings[0].starts_with("3 items marked done in the source"),
        "{}",
        i.warnings[0]
    );
    let tasks = imported("# D\n\n- [x] one\n- [ ] two\n- [X] three\n");
    assert!(
        tasks.warnings[0].starts_with("2 items marked done"),
        "{:?}",
        tasks.warnings
    );
    assert!(imported("# D\n\n- [ ] one\n").warnings.is_empty());
}

#[test]
fn reference_tables_stay_notes_when_the_document_has_steps() {
    let md = "## Approvals\n\n- [ ] Approval obtained\n\n\
| Role | Can approve |\n|---|---|\n| Platform lead | everything |\n";
    let i = imported(md);
    assert_eq!(texts(&i.runbook), ["Approval obtained"]);
    assert_eq!(
        i.runbook.stages[0].items[0].notes,
        ["| Role | Can approve |\n| Platform lead | everything |"]
    );
    // The same table in a document with nothing else to do is the checklist.
    let alone = imported(
        "## Approvals\n\n| Role | Can approve |\n|---|---|\n| Platform lead | everything |\n",
    );
    assert_eq!(texts(&alone.runbook), ["Platform lead"]);
    assert_eq!(
        alone.runbook.stages[0].items[0].notes,
        ["Can approve: everything"]
    );
}

#[test]
fn a_table_with_a_status_column_is_a_checklist_next_to_task_items() {
    let md = "## Prep\n\n- [ ] Freeze announced\n\n\
| Setting | ✓ |\n|---|---|\n| TLS 1.2 minimum | |\n| HSTS on | ✓ |\n";
    let i = imported(md);
    assert_eq!(
        texts(&i.runbook),
        ["Freeze announced", "TLS 1.2 minimum", "HSTS on"]
    );
    assert!(i.runbook.stages[0].items[2].notes.is_empty());
}

#[test]
fn a_bold_label_before_a_checklist_table_opens_a_sub_stage() {
    let md = "## Cut-over\n\n- [ ] Announce\n\n**Smoke checks:**\n\n\
| Check | Done |\n|---|---|\n| Login works | |\n";
    let rb = imported(md).runbook;
    assert_eq!(rb.stages.len(), 2);
    assert_eq!(rb.stages[1].title, "Cut-over › Smoke checks");
    assert_eq!(texts(&rb), ["Announce", "Login works"]);
}

#[test]
fn table_cells_keep_inline_code_and_drop_emphasis() {
    let md = "| Task | Command |\n|---|---|\n| **Drain** the node | `kubectl drain n1` |\n| Empty text | |\n|  | orphan cell |\n";
    let rb = imported(md).runbook;
    assert_eq!(texts(&rb), ["Drain the node", "Empty text", "orphan cell"]);
    assert_eq!(rb.stages[0].items[0].notes, ["Command: `kubectl drain n1`"]);
    assert_checks(&rb);
}

const TEMPLATE: &str = "# Release template\n\nFill in each section before go/no-go.\n\n\
## Summary\n\nWhat ships, in two sentences.\n\n\
## Risk assessment\n\nRate each risk.\n\n\
### Technical risk\n\nWhich services change.\n\n\
### Rollback plan (T-1 day)\n\nHow to get back.\n\n\
## Communication (optional)\n";

#[test]
fn a_template_of_headings_becomes_items_from_its_leaf_headings_with_a_warning() {
    let i = imported(TEMPLATE);
    let rb = &i.runbook;
    assert_eq!(rb.title, "Release template");
    assert_eq!(
        texts(rb),
        [
            "Summary",
            "Technical risk",
            "Rollback plan",
            "Communication (optional)"
        ]
    );
    // Leaves under the document title go to a stage named after it; deeper leaves to a stage
    // per parent heading, which keeps its prose.
    assert_eq!(rb.stages[0].title, "Release template");
    assert_eq!(
        rb.stages[0].notes,
        ["Fill in each section before go/no-go."]
    );
    assert_eq!(
        rb.stages[0].items[0].notes,
        ["What ships, in two sentences."]
    );
    assert_eq!(rb.stages[1].title, "Risk assessment");
    assert_eq!(rb.stages[1].notes, ["Rate each risk."]);
    assert_eq!(rb.stages[1].items[0].notes, ["Which services change."]);
    // A leaf with its own offset starts a stage at that offset.
    assert_eq!(
        rb.stages[2].offset.map(|o| o.to_string()).as_deref(),
        Some("-1d")
    );
    assert_eq!(rb.stages[2].items[0].id, "rollback-plan");
    let last = rb.stages.last().expect("stage");
    assert!(!last.items[0].required, "(optional) in a heading");
    assert_eq!(i.warnings.len(), 1, "{:?}", i.warnings);
    assert!(
        i.warnings[0].contains("the 4 section headings without sub-sections became the items"),
        "{}",
        i.warnings[0]
    );
    assert_checks(rb);
}

#[test]
fn a_title_alone_is_still_not_a_checklist() {
    assert_eq!(
        import("# Notes\n\nNothing to tick here.\n", None),
        Err(ImportError::NoItems)
    );
    // Two top-level sections are sections, not a title.
    let rb = imported("# Prepare\n\ntext\n\n# Verify\n").runbook;
    assert_eq!(texts(&rb), ["Prepare", "Verify"]);
}

#[test]
fn documents_with_steps_never_fall_back_to_headings() {
    let i = imported("# D\n\n## A\n\nprose\n\n## B\n\n1. the only step\n");
    assert_eq!(texts(&i.runbook), ["the only step"]);
    assert!(i.warnings.is_empty());
}
