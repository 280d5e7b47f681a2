//! `warroom import` end to end: Markdown in, a TOML runbook out that `warroom check` accepts,
//! byte-identical on a second run; and Markdown runbooks loaded directly.

use std::process::Command;

use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_warroom");
const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/seeds/002_fb38115b3ba74769.txt"
);

#[test]
fn import_writes_a_runbook_that_passes_check() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("greenlang.toml");
    let run = Command::new(BIN)
        .args(["import", SEED, "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("stages") && stderr.contains("items"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&out).expect("written");
    assert!(written.starts_with("# Imported by `warroom import` from 002_fb38115b3ba74769.txt."));
    assert!(written.contains("[[stage.item]]"));
    assert!(
        !written.contains("/work/"),
        "no machine paths in the output"
    );

    let check = Command::new(BIN)
        .arg("check")
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    // Standard output gets the same bytes, and a second import is identical.
    let stdout = Command::new(BIN)
        .args(["import", SEED])
        .output()
        .expect("runs");
    assert!(stdout.status.success());
    assert_eq!(String::from_utf8_lossy(&stdout.stdout), written);
}

#[test]
fn import_refuses_prose_only_markdown_with_exit_2() {
    let tmp = tempfile::tempdir().expect("tmp");
    let md = tmp.path().join("notes.md");
    std::fs::write(&md, "# Notes\n\nNothing to tick here.\n").expect("write");
    let run = Command::new(BIN)
        .arg("import")
        .arg(&md)
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("no checklist items found"));
    let missing = Command::new(BIN)
        .args(["import", "does-not-exist.md"])
        .output()
        .expect("runs");
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn markdown_runbooks_load_directly_with_the_digest_of_the_file() {
    let loaded = warroom::runbook::load(std::path::Path::new(SEED)).expect("loads");
    let bytes = std::fs::read(SEED).expect("seed");
    assert_eq!(loaded.sha256, hex::encode(Sha256::digest(&bytes)));
    assert_eq!(
        loaded.runbook.title,
        "GreenLang Production Deployment Checklist"
    );
    assert_eq!(
        loaded.runbook.source.as_deref(),
        Some("002_fb38115b3ba74769.txt")
    );
    assert!(loaded.runbook.item_count() >= 291);
}
