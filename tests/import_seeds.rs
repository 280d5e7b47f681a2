//! The seed checklists import into sensible runbooks: every task item survives, offsets come
//! from the headings, commands land on the right items, and the result passes `check`.

use std::sync::LazyLock;

use regex::Regex;
use warroom::runbook::{Format, Runbook, Stage, import_markdown, parse_str, to_toml};

const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/seeds");

fn seed(name: &str) -> String {
    std::fs::read_to_string(format!("{SEEDS}/{name}")).expect("seed file")
}

fn import(name: &str) -> Runbook {
    import_markdown(&seed(name), Some(name)).expect("imports")
}

static TASK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[-*+] \[[ xX]\] (.+)$").expect("regex"));
static HEADING: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(#{1,6}) (.+)$").expect("regex"));
// An oracle independent of the importer's own pattern.
static T_OFF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"T([+-])(\d+)\s*(days?|hours?|minutes?|Day)?").expect("regex"));

/// Task items of a seed, in order, with the offset (seconds) the headings above them name.
fn task_items(text: &str) -> Vec<(String, Option<i64>)> {
    let mut out = Vec::new();
    let mut fence = false;
    let mut stack: Vec<(usize, Option<i64>)> = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        if let Some(c) = HEADING.captures(line) {
            let level = c[1].len();
            while stack.last().is_some_and(|(l, _)| *l >= level) {
                stack.pop();
            }
            let own = T_OFF.captures(&c[2]).map(|t| {
                let n: i64 = t[2].parse().expect("number");
                let unit = match t.get(3).map(|u| u.as_str().to_lowercase()) {
                    Some(u) if u.starts_with("day") => 86_400,
                    Some(u) if u.starts_with("hour") => 3_600,
                    Some(_) => 60,
                    None => 0,
                };
                if &t[1] == "-" { -n * unit } else { n * unit }
            });
            stack.push((level, own));
            continue;
        }
        if let Some(c) = TASK.captures(line) {
            let offset = stack.iter().rev().find_map(|(_, o)| *o);
            // The importer keeps inline code in backticks and drops emphasis markers.
            let plain = c[1].replace("**", "");
            let text = plain.split_whitespace().collect::<Vec<_>>().join(" ");
            out.push((text, offset));
        }
    }
    out
}

/// Every item with the stage it is in, in document order.
fn flat(rb: &Runbook) -> Vec<(&Stage, &warroom::runbook::Item)> {
    rb.stages
        .iter()
        .flat_map(|s| s.items.iter().map(move |i| (s, i)))
        .collect()
}

/// Matches each task item, in order, to the next imported item with the same text.
fn match_in_order<'a>(
    rb: &'a Runbook,
    tasks: &[(String, Option<i64>)],
) -> Vec<(&'a Stage, &'a warroom::runbook::Item)> {
    let items = flat(rb);
    let mut at = 0;
    let mut found = Vec::new();
    for (text, _) in tasks {
        let pos = items[at..]
            .iter()
            .position(|(_, i)| &i.text == text)
            .unwrap_or_else(|| panic!("task item {text:?} missing (or out of order)"));
        found.push(items[at + pos]);
        at += pos + 1;
    }
    found
}

fn assert_round_trips(rb: &Runbook, name: &str) {
    let toml = to_toml(rb).expect("serializes");
    let back = parse_str(&toml, Format::Toml, name).unwrap_or_else(|p| {
        let lines: Vec<String> = p.iter().map(ToString::to_string).collect();
        panic!("imported runbook fails check:\n{}", lines.join("\n"))
    });
    assert_eq!(&back, rb, "TOML round trip changed the runbook");
}

#[test]
fn seed_002_keeps_all_291_task_items() {
    let name = "002_fb38115b3ba74769.txt";
    let rb = import(name);
    let tasks = task_items(&seed(name));
    assert_eq!(tasks.len(), 291);
    assert!(rb.item_count() >= 291, "{} items", rb.item_count());
    let matched = match_in_order(&rb, &tasks);
    assert_eq!(matched.len(), 291);
    assert_round_trips(&rb, name);
}

#[test]
fn seed_002_items_take_the_offset_of_their_heading() {
    let name = "002_fb38115b3ba74769.txt";
    let rb = import(name);
    let tasks = task_items(&seed(name));
    let matched = match_in_order(&rb, &tasks);
    let mut seen = std::collections::BTreeSet::new();
    for ((text, want), (stage, _)) in tasks.iter().zip(&matched) {
        let got = stage.offset.map(|o| o.seconds);
        assert_eq!(got, *want, "{text:?} in stage {:?}", stage.title);
        if let Some(o) = stage.offset {
            seen.insert(o.to_string());
        }
    }
    let expect: std::collections::BTreeSet<String> =
        ["-7d", "-5d", "-3d", "-2d", "-1d", "0", "+1h", "+4h", "+24h"]
            .into_iter()
            .map(String::from)
            .collect();
    assert_eq!(seen, expect);
    // Both "T-0 Day" and "Immediate Validation (T+0 minutes)" are offset 0.
    assert!(
        rb.stages
            .iter()
            .any(|s| s.title.starts_with("T-0 Day") && s.offset.is_some_and(|o| o.seconds == 0))
    );
    assert!(
        rb.stages
            .iter()
            .any(|s| s.title.starts_with("Immediate Validation")
                && s.offset.is_some_and(|o| o.seconds == 0))
    );
    // "#### Code Review" inherits T-7d from "### 1. Code Quality & Testing (T-7 days)".
    let review = rb.stage("t-7d-code-review").expect("code review stage");
    assert_eq!(review.offset.map(|o| o.to_string()).as_deref(), Some("-7d"));
    assert_eq!(review.title, "1. Code Quality & Testing › Code Review");
}

#[test]
fn seed_002_execution_and_rollback_stages_are_untimed() {
    let rb = import("002_fb38115b3ba74769.txt");
    for needle in [
        "Blue-Green",
        "Step 1",
        "Step 2",
        "Step 3",
        "Traffic Validation",
        "Rollback Procedure",
        "Post-Rollback",
    ] {
        let stages: Vec<&Stage> = rb
            .stages
            .iter()
            .filter(|s| s.title.contains(needle))
            .collect();
        assert!(!stages.is_empty(), "no stage titled with {needle:?}");
        for s in stages {
            assert_eq!(s.offset, None, "{:?} should be untimed", s.title);
        }
    }
    // "(30 minutes)" and "(after 24 hours of stability)" are durations, not offsets.
    let step1 = rb
        .stages
        .iter()
        .find(|s| {
            s.title
                .ends_with("Step 1: Deploy Green Environment (30 minutes)")
        })
        .expect("step 1 stage");
    assert_eq!(step1.items.len(), 1);
    assert_eq!(
        step1.items[0].text,
        "Step 1: Deploy Green Environment (30 minutes)"
    );
    assert!(
        step1.items[0].commands[0]
            .contains("kubectl apply -f k8s/deployments/greenlang-api-green.yaml")
    );
    assert!(
        step1.items[0].commands[0].contains("--timeout=600s"),
        "a code block stays one command"
    );
}

#[test]
fn seed_002_commands_attach_to_the_right_items() {
    let rb = import("002_fb38115b3ba74769.txt");
    let unit = rb
        .stages
        .iter()
        .find(|s| s.title.ends_with("Testing - Unit Tests"))
        .expect("unit test stage");
    assert!(unit.items.iter().any(|i| {
        i.commands
            .iter()
            .any(|c| c.contains("pytest tests/unit/ -v"))
    }));
    assert!(unit.items.iter().any(|i| {
        i.commands
            .iter()
            .any(|c| c.contains("coverage report --fail-under=80"))
    }));

    let with_patch: Vec<(&Stage, &warroom::runbook::Item)> = flat(&rb)
        .into_iter()
        .filter(|(_, i)| {
            i.commands
                .iter()
                .any(|c| c.contains("kubectl patch service greenlang-api"))
        })
        .collect();
    assert_eq!(with_patch.len(), 3, "10% shift, 100% switch, rollback");
    assert!(
        with_patch[0]
            .0
            .title
            .contains("Step 3: Gradual Traffic Shift"),
        "{}",
        with_patch[0].0.title
    );
    assert!(with_patch[0].1.commands[0].contains("10-percent-green.yaml"));
    assert!(
        with_patch[1].0.title.contains("Gradual Traffic Shift"),
        "{}",
        with_patch[1].0.title
    );
    assert!(
        with_patch[2]
            .0
            .title
            .contains("Rollback Procedure (Blue-Green)"),
        "{}",
        with_patch[2].0.title
    );
    assert_eq!(with_patch[2].1.text, "Fastest Rollback (2 minutes)");

    // A YAML block is kept as a note, not run as a command.
    let flags = rb
        .stages
        .iter()
        .find(|s| s.title.ends_with("Feature Flags"))
        .expect("flags");
    let last = flags.items.last().expect("items");
    assert!(last.commands.is_empty());
    assert!(
        last.notes
            .iter()
            .any(|n| n.starts_with("```yaml") && n.contains("kill_switch: true"))
    );
}

#[test]
fn seed_002_labels_open_sub_stages_and_tocs_are_not_steps() {
    let rb = import("002_fb38115b3ba74769.txt");
    let ten = rb
        .stages
        .iter()
        .find(|s| s.title.ends_with("10% Traffic Validation Checklist"))
        .expect("10% sub-stage");
    assert_eq!(ten.items.len(), 6);
    assert!(ten.title.starts_with("Step 3: Gradual Traffic Shift"));
    let go = rb
        .stages
        .iter()
        .find(|s| s.title.ends_with("Go/No-Go Criteria"))
        .expect("go/no-go");
    assert_eq!(go.offset.map(|o| o.seconds), Some(0));
    assert_eq!(go.items.len(), 5);
    assert!(
        !rb.stages
            .iter()
            .any(|s| s.title.contains("Table of Contents"))
    );
    assert!(
        !flat(&rb)
            .iter()
            .any(|(_, i)| i.text == "Pre-Deployment Checklist")
    );
    // Post-rollback numbered steps are items; their bullets are notes.
    let post = rb
        .stage("post-rollback-actions")
        .expect("post-rollback stage");
    let texts: Vec<&str> = post.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, ["Communication", "Investigation", "Prevention"]);
    assert!(post.items[0].commands[0].contains("status.greenlang.io"));
    assert!(
        post.items[1]
            .notes
            .contains(&"- Preserve logs from failed deployment".to_string())
    );
}

#[test]
fn seed_003_keeps_all_151_task_items() {
    let name = "003_e9000486841e4d0f.txt";
    let rb = import(name);
    let tasks = task_items(&seed(name));
    assert_eq!(tasks.len(), 151);
    let matched = match_in_order(&rb, &tasks);
    assert_eq!(matched.len(), 151);
    // Checked items stay required: a tick is a session event, not part of the runbook.
    let promex = matched[0].1;
    assert_eq!(
        promex.text,
        "PromEx metrics collection infrastructure deployed and tested"
    );
    assert!(promex.required);
    // "(optional)" and "if applicable" make an item optional.
    let tagged = flat(&rb)
        .into_iter()
        .find(|(_, i)| i.text.starts_with("Version tagged:"))
        .expect("version tagged");
    assert!(!tagged.1.required);
    assert_eq!(
        tagged.1.text,
        "Version tagged: `git tag v0.1.0-rfc060-phase5` (optional)"
    );
    assert_round_trips(&rb, name);
}

#[test]
fn seed_003_labelled_code_blocks_become_steps() {
    let rb = import("003_e9000486841e4d0f.txt");
    let fails = rb
        .stages
        .iter()
        .find(|s| s.title.ends_with("If Deployment Fails"))
        .expect("rollback stage");
    let texts: Vec<&str> = fails.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, ["Immediate Rollback", "Restore from Backup"]);
    assert!(fails.items[0].commands[0].contains("kubectl rollout undo deployment/rsolv-platform"));
    // A heading with only a YAML block is still a step.
    let wf = rb
        .stages
        .iter()
        .find(|s| s.title.ends_with("2. Create Test Workflow File"))
        .expect("workflow stage");
    assert_eq!(wf.items.len(), 1);
    assert!(wf.items[0].notes[0].contains("rsolv-staging-test.yml"));
}

#[test]
fn other_seeds_import_into_checkable_runbooks() {
    for (name, min_stages, min_items) in [
        ("000_b8e73fabff5556e2.txt", 1, 20),
        ("001_16da304f52833afc.txt", 5, 30),
        ("004_fc4c4c25df265ab3.txt", 8, 40),
    ] {
        let rb = import(name);
        assert!(
            rb.stages.len() >= min_stages,
            "{name}: {} stages",
            rb.stages.len()
        );
        assert!(
            rb.item_count() >= min_items,
            "{name}: {} items",
            rb.item_count()
        );
        assert!(!rb.title.is_empty());
        assert_round_trips(&rb, name);
    }
    // 001's checklist keeps its nine task items.
    let rb = import("001_16da304f52833afc.txt");
    let tasks = task_items(&seed("001_16da304f52833afc.txt"));
    assert_eq!(match_in_order(&rb, &tasks).len(), 9);
    // 004 has no task items or numbered steps: its bullets are the steps.
    let rb = import("004_fc4c4c25df265ab3.txt");
    assert!(rb.stage("goals").is_some_and(|s| s.items.len() == 4));
}

#[test]
fn importing_twice_gives_identical_ids() {
    let a = import("002_fb38115b3ba74769.txt");
    let b = import("002_fb38115b3ba74769.txt");
    assert_eq!(a, b);
    let ids: Vec<&str> = flat(&a).iter().map(|(_, i)| i.id.as_str()).collect();
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
    assert!(
        ids.contains(&"error-rate-stable-1-2"),
        "repeated text gets -2, -3 suffixes"
    );
    assert!(ids.contains(&"error-rate-stable-1-4"));
}

#[test]
fn seed_tables_are_items_only_where_the_seed_has_no_other_steps() {
    // 001, 002 and 003 have task items; their tables (approvers, deployment windows, method
    // comparison, document history, phase timings) are reference, never items.
    for name in [
        "001_16da304f52833afc.txt",
        "002_fb38115b3ba74769.txt",
        "003_e9000486841e4d0f.txt",
    ] {
        let rb = import(name);
        for (_, item) in flat(&rb) {
            for cell in [
                "Platform Lead",
                "Weekends",
                "Rollback Speed",
                "Initial comprehensive checklist",
                "Docker build",
                "Total",
            ] {
                assert!(
                    !item.text.contains(cell),
                    "{name}: {:?} became an item",
                    item.text
                );
            }
        }
    }
    // 004's steps are its bullets, so its module test matrix is one item per module, the
    // other columns kept as notes under their headers.
    let rb = import("004_fc4c4c25df265ab3.txt");
    let matrix = rb
        .stages
        .iter()
        .find(|s| s.title.starts_with("Module Test Matrix"))
        .expect("matrix stage");
    assert_eq!(matrix.items.len(), 7);
    assert_eq!(matrix.items[0].text, "`app/services/ai_platforms/*`");
    assert_eq!(
        matrix.items[0].notes,
        [
            "Unit: adapters, rate limiters",
            "Integration: real HTTP via sandbox/fakes",
            "E2E: end-to-end prompt pipelines",
            "Property/Contract: provider response schema",
            "Load/Chaos: burst rate + timeouts",
        ]
    );
    assert_round_trips(&rb, "004_fc4c4c25df265ab3.txt");
}

#[test]
fn seed_003_checked_items_import_open_with_a_warning() {
    let name = "003_e9000486841e4d0f.txt";
    // Proposed checks have warnings of their own (tests/checks_import.rs).
    let others = |w: Vec<String>| -> Vec<String> {
        w.into_iter().filter(|w| !w.contains("proposed")).collect()
    };
    let i = warroom::runbook::import::import(&seed(name), Some(name)).expect("imports");
    assert_eq!(
        others(i.warnings),
        [
            "6 items marked done in the source ([x], ✓, yes…) import open: ticks are recorded in the session, with who and when"
        ]
    );
    for name in [
        "000_b8e73fabff5556e2.txt",
        "001_16da304f52833afc.txt",
        "002_fb38115b3ba74769.txt",
        "004_fc4c4c25df265ab3.txt",
    ] {
        let i = warroom::runbook::import::import(&seed(name), Some(name)).expect("imports");
        let w = others(i.warnings);
        assert!(w.is_empty(), "{name}: {w:?}");
    }
}
