//! `warroom demo` signs its heads with a throwaway key and leaves an allowed_signers file
//! beside the session, so the command it prints at exit checks the signatures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn a_demo_session_is_signed_and_checks_with_the_printed_command() {
    let home = tempfile::tempdir().unwrap();
    let session = home.path().join("demo.jsonl");
    let mut child = Command::new(support::warroom())
        .args(["demo", "--headless", "--duration", "2s"])
        .args([
            "--operator",
            "tester",
            "--role",
            "deployment-lead",
            "--session",
        ])
        .arg(&session)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env_remove("WARROOM_SIGNER")
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn warroom demo");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"disarm --reason \"demo: a decision to sign\"\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let kinds: Vec<String> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| v["event"]["type"].as_str().unwrap_or_default().to_string())
        .collect();
    let disarm = kinds
        .iter()
        .position(|k| k == "AutoRollbackArmed")
        .expect("disarmed");
    assert!(
        kinds[disarm..].iter().any(|k| k == "HeadSigned"),
        "{kinds:?}"
    );
    assert_eq!(kinds[kinds.len() - 2], "HeadSigned", "the close: {kinds:?}");

    // The exit message names the command; run it as printed.
    let line = stderr
        .lines()
        .find(|l| l.contains("check the signatures: "))
        .unwrap_or_else(|| panic!("no check command in:\n{stderr}"));
    let cmd = line.split("check the signatures: ").nth(1).unwrap();
    let words: Vec<&str> = cmd.split_whitespace().collect();
    assert_eq!(words[..2], ["warroom", "verify"], "{cmd}");
    assert_eq!(words[3], "--allowed-signers", "{cmd}");
    assert_eq!(words[2], session.display().to_string());
    let allowed = std::path::Path::new(words[4]);
    assert_eq!(allowed, session.with_extension("allowed_signers"));
    let verify = Command::new(support::warroom())
        .args(&words[1..])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{said}");
    assert!(said.contains("auto-rollback DISARMED"), "{said}");
    assert!(said.contains("signed by tester"), "{said}");
    assert!(said.contains("close: signed by tester"), "{said}");
    // The throwaway key went with the demo's directory; only its public half is left.
    let text = std::fs::read_to_string(allowed).unwrap();
    assert!(
        text.starts_with("tester namespaces=\"warroom-head@warroom\" ssh-ed25519 "),
        "{text}"
    );
    assert!(!text.contains("PRIVATE"));
}

/// `warroom demo --headless` on `session`, given `input` on stdin; `resume` continues it.
fn demo(home: &std::path::Path, session: &std::path::Path, resume: bool, input: &[u8]) {
    let mut cmd = Command::new(support::warroom());
    cmd.args(["demo", "--headless", "--duration", "2s"]);
    if resume {
        cmd.arg("--resume");
    }
    let mut child = cmd
        .args(["--operator", "tester", "--role", "deployment-lead"])
        .arg("--session")
        .arg(session)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("WARROOM_SIGNER")
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn warroom demo");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "demo failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_resumed_demo_still_checks_with_its_allowed_signers() {
    let home = tempfile::tempdir().unwrap();
    let session = home.path().join("demo.jsonl");
    demo(
        home.path(),
        &session,
        false,
        b"disarm --reason \"before\"\n",
    );
    demo(home.path(), &session, true, b"arm\n");
    // Each run signed with a key of its own; both stay listed.
    let allowed = session.with_extension("allowed_signers");
    let text = std::fs::read_to_string(&allowed).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    let verify = Command::new(support::warroom())
        .arg("verify")
        .arg(&session)
        .arg("--allowed-signers")
        .arg(&allowed)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{said}");
    assert!(said.contains("auto-rollback DISARMED"), "{said}");
    assert!(said.contains("close: signed by tester"), "{said}");
}
