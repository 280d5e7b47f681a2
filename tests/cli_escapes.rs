//! What the command-line commands print never carries a file's escape sequences or bidi
//! controls to the terminal: a runbook whose title and items set the window title (OSC 0),
//! write the clipboard (OSC 52) and reverse text (U+202E) goes through `import`, `check`,
//! `run --headless` and `verify`, and every byte printed is inert; the escapes are shown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Output;

use warroom::session::hash::{GENESIS, chain_hash, insert_hash};

const TITLE: &str = "Release \u{1b}]0;pwned\u{7} \u{1b}]52;c;cm0gLXJmIC8=\u{7} \u{202e}txt.exe";
const ITEM: &str = "Check \u{1b}]52;c;ZWNobyBoaQ==\u{1b}\\ the \u{9b}2J \u{202e}gnp.exe";

/// The bytes a terminal would act on: ESC, BEL, C1 CSI, RLO.
fn assert_inert(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for (bad, name) in [
        ('\u{1b}', "ESC"),
        ('\u{7}', "BEL"),
        ('\u{9b}', "CSI"),
        ('\u{202e}', "RLO"),
    ] {
        assert!(
            !text.contains(bad),
            "{what} printed a raw {name}:\n{text:?}"
        );
    }
}

fn run(home: &Path, args: &[&str]) -> Output {
    common::warroom(home).args(args).output().unwrap()
}

fn hostile_markdown(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("# {TITLE}\n\n## Stage\n\n- [ ] {ITEM}\n- [ ] plain item\n"),
    )
    .unwrap();
    path
}

#[test]
fn import_and_check_show_escapes_instead_of_running_them() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let md = hostile_markdown(h, "hostile.md");
    let md_s = md.to_str().unwrap();

    // To stdout: the escapes are TOML escapes, and the document is the same runbook.
    let out = run(h, &["import", md_s]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_inert("import (stdout)", &out.stdout);
    assert_inert("import (stderr)", &out.stderr);
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(printed.contains("\\u001B]52;c;"), "{printed}");
    assert!(printed.contains("\\u202E"), "{printed}");
    let from_stdout =
        warroom::runbook::parse_str(&printed, warroom::runbook::Format::Toml, "stdout").unwrap();
    assert_eq!(from_stdout.title, TITLE, "the title means the same");

    // To a file: the file keeps the runbook exactly; the note on stderr is inert.
    let toml = h.join("hostile.toml");
    let out = run(h, &["import", md_s, "-o", toml.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_inert("import -o (stderr)", &out.stderr);
    let written = warroom::runbook::parse_str(
        &std::fs::read_to_string(&toml).unwrap(),
        warroom::runbook::Format::Toml,
        "f",
    )
    .unwrap();
    assert_eq!(written, from_stdout);

    // check prints the title in its summary, and a file name of its own.
    let odd_name = hostile_markdown(h, "odd\u{1b}]0;name\u{7}.md");
    let out = run(
        h,
        &[
            "check",
            toml.to_str().unwrap(),
            md_s,
            odd_name.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_inert("check (stdout)", &out.stdout);
    assert_inert("check (stderr)", &out.stderr);
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(
        printed.contains("\\u{1b}]52;c;cm0gLXJmIC8=\\u{7}"),
        "{printed}"
    );
    assert!(printed.contains("\\u{202e}txt.exe"), "{printed}");
    assert!(
        printed.contains("odd\\u{1b}]0;name\\u{7}.md: ok"),
        "{printed}"
    );

    // A problem that quotes the file's text goes to stderr, escaped.
    let bad = h.join("bad.toml");
    std::fs::write(
        &bad,
        "title = \"t\"\n\"\\u001b]0;key\\u0007\" = 1\n[[stage]]\nid = \"s\"\ntitle = \"S\"\n",
    )
    .unwrap();
    let out = run(h, &["check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_inert("check of a bad file (stderr)", &out.stderr);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("\\u{1b}]0;key\\u{7}"), "{err}");
}

#[test]
fn a_session_of_a_hostile_runbook_verifies_with_inert_output() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let md = hostile_markdown(h, "hostile.md");
    let session = h.join("s.jsonl");
    let mut hl = common::Headless::start(
        h,
        &[
            "--operator",
            "ops\u{1b}]0;op\u{7}",
            "--runbook",
            md.to_str().unwrap(),
            "--session",
            session.to_str().unwrap(),
        ],
    );
    hl.wait_for("SessionStarted");
    hl.send("quit");
    let out = hl.child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_inert("run --headless (stderr)", &out.stderr);

    let out = run(h, &["verify", session.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_inert("verify (stdout)", &out.stdout);
    assert_inert("verify (stderr)", &out.stderr);
}

/// A log line with the given session id, chained onto `prev`; returns (line, its hash).
fn forged_line(seq: u64, session: &str, prev: &str) -> (String, String) {
    // Written by hand: the hash field must come last, as the writer puts it.
    let bare = format!(
        "{{\"v\":1,\"seq\":{seq},\"at\":\"2026-11-24T15:00:00Z\",\"session\":{},\
         \"actor\":{{\"name\":\"x\",\"role\":\"r\",\"host\":\"h\"}},\
         \"event\":{{\"type\":\"SessionEnded\",\"reason\":\"quit\"}},\
         \"prev\":\"{prev}\",\"hash\":\"\"}}",
        serde_json::to_string(session).unwrap()
    );
    let bytes = bare.into_bytes();
    let hash = chain_hash(prev, &bytes);
    let line = String::from_utf8(insert_hash(&bytes, &hash)).unwrap();
    (line, hash)
}

#[test]
fn verify_escapes_what_a_forged_log_says() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let evil = "\u{1b}]52;c;cm0gLXJmIC8=\u{7}\u{202e}";
    let (one, hash) = forged_line(1, evil, GENESIS);
    let intact = h.join("intact.jsonl");
    std::fs::write(&intact, format!("{one}\n")).unwrap();
    let out = run(h, &["verify", intact.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_inert("verify of a forged log (stdout)", &out.stdout);
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(printed.contains("session \\u{1b}]52;c;"), "{printed}");

    // The second line names another session: the damage message quotes both ids.
    let (two, _) = forged_line(2, "other\u{1b}[2J", &hash);
    let damaged = h.join("damaged.jsonl");
    std::fs::write(&damaged, format!("{one}\n{two}\n")).unwrap();
    let out = run(h, &["verify", damaged.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_inert("verify of a damaged log (stderr)", &out.stderr);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("other\\u{1b}[2J"), "{err}");
}
