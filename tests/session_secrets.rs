//! Secrets never reach a session log: seed 003's API key and password, typed notes, and the
//! values of secret environment variables.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

const API_KEY: &str = "rsolv_9nk_8xwsWn9wykMTRaIr9PUra_jBK3we6GbFKDZ4";
const PASSWORD: &str = "RSolvMonitor123!";

fn seed(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/seeds")
        .join(name)
}

#[test]
fn seed_003_secrets_never_appear_in_the_session_log() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let seed = seed("003_e9000486841e4d0f.txt");
    let text = std::fs::read_to_string(&seed).unwrap();
    assert!(
        text.contains(API_KEY) && text.contains(PASSWORD),
        "the seed holds both secrets"
    );

    // Import first, as a team would, then run the imported runbook.
    let runbook = h.join("rfc-060.toml");
    let out = common::warroom(h)
        .args(["import"])
        .arg(&seed)
        .arg("-o")
        .arg(&runbook)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    for (runbook, name) in [(runbook, "imported"), (seed.clone(), "markdown")] {
        let session = h.join(format!("{name}.jsonl"));
        let mut child = common::warroom(h)
            .args(["run", "--headless", "--operator", "lead", "--runbook"])
            .arg(&runbook)
            .arg("--session")
            .arg(&session)
            .env("DEPLOY_TOKEN", "zq8Wm2pLk4Xv")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let lines = common::read_lines(child.stdout.take().unwrap());
        let first = lines
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        let started: serde_json::Value = serde_json::from_str(&first).unwrap();
        let stage = started["event"]["runbook"]["stage"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let item = started["event"]["runbook"]["stage"][0]["item"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        {
            use std::io::Write;
            let stdin = child.stdin.as_mut().unwrap();
            writeln!(
                stdin,
                "note {stage}/{item} set it with gh secret set K --body {API_KEY}"
            )
            .unwrap();
            writeln!(
                stdin,
                "note {stage}/{item} grafana at https://admin:{PASSWORD}@grafana.internal/d/1 works"
            )
            .unwrap();
            writeln!(stdin, "note {stage}/{item} token from env zq8Wm2pLk4Xv").unwrap();
            writeln!(stdin, "quit").unwrap();
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let log = std::fs::read_to_string(&session).unwrap();
        for secret in [API_KEY, PASSWORD, "zq8Wm2pLk4Xv"] {
            assert!(
                !log.contains(secret),
                "{name}: {secret:?} reached the session log"
            );
        }
        // The redaction left a mark where each secret was, and the notes are there.
        assert_eq!(log.matches("\"type\":\"NoteAdded\"").count(), 3, "{name}");
        assert!(log.contains("[REDACTED]"), "{name}");
        // The rest of the runbook is intact: the command that set the key still reads as one.
        assert!(
            log.contains("gh secret set STAGING_API_KEY --body"),
            "{name}"
        );
        let verify = common::warroom(h)
            .arg("verify")
            .arg(&session)
            .output()
            .unwrap();
        assert_eq!(verify.status.code(), Some(0));
    }
}
