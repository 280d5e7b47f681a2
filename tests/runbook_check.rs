//! `warroom check` on runbooks: the fixture corpus, the shipped examples, and the command's
//! output and exit codes.

mod runbook_corpus;

use std::process::Command;

use runbook_corpus::{check_invalid, fixtures};
use warroom::commands::check::{Checked, check_file};

fn is_config(p: &std::path::Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with("config") || name.contains("warroom")
}

#[test]
fn invalid_runbooks_report_every_problem_at_its_position() {
    let files: Vec<_> = fixtures("invalid")
        .into_iter()
        .filter(|p| !is_config(p))
        .collect();
    assert!(files.len() >= 8, "runbook corpus shrank: {files:?}");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| check_invalid(f).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn valid_runbooks_pass() {
    let files: Vec<_> = fixtures("valid")
        .into_iter()
        .filter(|p| !is_config(p))
        .collect();
    assert!(files.len() >= 4);
    for f in files {
        match check_file(&f) {
            Ok(Checked::Runbook(rb)) => assert!(rb.item_count() > 0, "{}", f.display()),
            Ok(Checked::Config(_)) => panic!("{} read as a config", f.display()),
            Err(p) => panic!("{}: {:?}", f.display(), p),
        }
    }
}

#[test]
fn yaml_reads_the_same_schema_as_toml() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid");
    let Ok(Checked::Runbook(rb)) = check_file(&dir.join("runbook-full.yaml")) else {
        panic!("runbook-full.yaml should pass");
    };
    assert_eq!(rb.stages.len(), 3);
    assert_eq!(
        rb.stages[0].offset.map(|o| o.to_string()).as_deref(),
        Some("-7d")
    );
    assert_eq!(rb.stages[1].offset.map(|o| o.seconds), Some(0));
    assert_eq!(rb.stages[2].offset, None);
    let item = &rb.stages[0].items[0];
    assert_eq!(item.role.as_deref(), Some("release-manager"));
    assert_eq!(
        item.commands[0],
        "pytest tests/ -v\ncoverage report --fail-under=80\n"
    );
    assert!(!rb.stages[0].items[1].required);
    // Written back as TOML, it reads the same.
    let toml = warroom::runbook::to_toml(&rb).expect("toml");
    let back = warroom::runbook::parse_str(&toml, warroom::runbook::Format::Toml, "back.toml")
        .expect("valid");
    assert_eq!(back, rb);
}

#[test]
fn shipped_examples_pass_check() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples");
    let Ok(Checked::Runbook(release)) = check_file(&dir.join("release.toml")) else {
        panic!("release.toml should pass check");
    };
    assert!(
        (20..=40).contains(&release.item_count()),
        "{} items",
        release.item_count()
    );
    let offsets: Vec<String> = release
        .stages
        .iter()
        .filter_map(|s| s.offset)
        .map(|o| o.to_string())
        .collect();
    assert_eq!(offsets.first().map(String::as_str), Some("-7d"));
    assert_eq!(offsets.last().map(String::as_str), Some("+24h"));

    let Ok(Checked::Runbook(demo)) = check_file(&dir.join("demo.toml")) else {
        panic!("demo.toml should pass check");
    };
    assert!(
        (40..=60).contains(&demo.item_count()),
        "{} items",
        demo.item_count()
    );
    let all: Vec<&str> = demo
        .stages
        .iter()
        .flat_map(|s| &s.items)
        .flat_map(|i| &i.commands)
        .map(String::as_str)
        .collect();
    assert!(
        all.iter()
            .any(|c| c.contains("kubectl -n demo patch httproute app"))
    );
    assert!(
        all.iter()
            .any(|c| c.contains("kubectl -n demo patch service app"))
    );
    assert!(
        all.iter().any(|c| c.contains("app-green")) && all.iter().any(|c| c.contains("app-blue"))
    );
    for want in ["-7d", "-5d", "-3d", "-2d", "-1d", "0", "+1h", "+4h", "+24h"] {
        assert!(
            demo.stages
                .iter()
                .any(|s| s.offset.map(|o| o.to_string()).as_deref() == Some(want)),
            "no {want} stage"
        );
    }
    let shift = demo.stage("traffic-shift").expect("traffic shift stage");
    assert_eq!(shift.offset, None);
    assert_eq!(demo.stage("rollback").map(|s| s.offset), Some(None));

    assert!(matches!(
        check_file(&dir.join("warroom.toml")),
        Ok(Checked::Config(_))
    ));
}

#[test]
fn check_command_prints_file_line_col_and_exits_2() {
    let bin = env!("CARGO_BIN_EXE_warroom");
    let root = env!("CARGO_MANIFEST_DIR");
    let bad = format!("{root}/tests/fixtures/invalid/runbook-unknown-key.toml");
    let good = format!("{root}/tests/fixtures/valid/runbook-minimal.toml");
    let out = Command::new(bin)
        .args(["check", &good, &bad])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains(&format!(
            "{good}: ok (runbook \"Minimal\": 1 stages (1 timed), 1 items"
        )),
        "{stdout}"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&bad)).collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(
        lines.iter().any(|l| l.ends_with(
            ":8:1: unknown key `titel` in [[stage]]; allowed: id, title, offset, notes, item"
        )),
        "{stderr}"
    );

    let out = Command::new(bin)
        .args(["check", &good])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
}

mod never_panics {
    use proptest::prelude::*;
    use warroom::runbook::{Format, parse_str};

    /// Lines that look like runbooks, good and bad, combined at random.
    fn tomlish() -> impl Strategy<Value = String> {
        let line = prop_oneof![
            Just("title = \"t\"".to_string()),
            Just("[[stage]]".to_string()),
            Just("[[stage.item]]".to_string()),
            Just("id = \"a\"".to_string()),
            Just("id = \"A b\"".to_string()),
            Just("text = \"x\"".to_string()),
            Just("title = \"s\"".to_string()),
            Just("offset = \"-7d\"".to_string()),
            Just("offset = 5".to_string()),
            Just("required = \"no\"".to_string()),
            Just("commands = [\"a\", 1]".to_string()),
            Just("notes = [[1]]".to_string()),
            Just("titel = 1".to_string()),
            Just("stage = 3".to_string()),
            "[ -~]{0,20}".prop_map(|s| s),
        ];
        proptest::collection::vec(line, 0..30).prop_map(|v| v.join("\n"))
    }

    proptest! {
        #[test]
        fn checking_any_text_reports_positions_and_never_panics(text in "\\PC{0,200}", yaml in any::<bool>()) {
            let format = if yaml { Format::Yaml } else { Format::Toml };
            if let Err(problems) = parse_str(&text, format, "f") {
                prop_assert!(!problems.is_empty());
                for p in problems {
                    prop_assert!(p.line >= 1 && p.col >= 1, "{p}");
                }
            }
        }

        #[test]
        fn checking_runbook_like_toml_never_panics(text in tomlish()) {
            if let Err(problems) = parse_str(&text, Format::Toml, "f") {
                let lines = text.lines().count().max(1);
                for p in problems {
                    prop_assert!(p.line >= 1 && p.line <= lines + 1 && p.col >= 1, "{p}");
                }
            }
        }

        #[test]
        fn checking_any_text_as_a_config_reports_positions_or_a_named_deployment(text in tomlish()) {
            match warroom::config::warroom::parse_str(&text, Format::Toml, "w.toml") {
                // A config that passes has the one required key.
                Ok(c) => prop_assert!(!c.deployment.name.trim().is_empty()),
                Err(problems) => {
                    prop_assert!(!problems.is_empty());
                    let lines = text.lines().count().max(1);
                    for p in problems {
                        prop_assert!(p.file == "w.toml" && p.line >= 1 && p.line <= lines + 1 && p.col >= 1, "{p}");
                    }
                }
            }
        }
    }
}
