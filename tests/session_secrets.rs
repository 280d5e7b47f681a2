//! Secrets never reach a session log or the screen: seed 003's API key and password, typed
//! notes, the values of secret environment variables, and the runbook's own commands.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use common::tmux::{Tmux, wait_for_end};

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

/// A runbook whose first item carries secrets in its text and commands.
const LEAKY_RUNBOOK: &str = r#"title = "Release with secrets"

[[stage]]
id = "prep"
title = "Preparation"

[[stage.item]]
id = "registry"
text = "Log in to the registry and the database"
commands = [
  "docker login -u ci -p dckrPass1234 registry.example.com",
  "mysql -h db -u root -pMyS3cretPw appdb",
  "curl -X POST https://hooks.slack.com/services/T0123ABCD/B0456EFGH/slackSecretPath99",
]
"#;

#[test]
fn the_screen_shows_what_the_log_holds_redacted() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let rb = h.join("leaky.toml");
    std::fs::write(&rb, LEAKY_RUNBOOK).unwrap();
    let session = h.join("s.jsonl");
    let script = format!(
        "'{bin}' run --runbook '{rb}' --session '{s}' --operator ops1; echo EXIT=$?; sleep 60",
        bin = common::bin().display(),
        rb = rb.display(),
        s = session.display(),
    );
    let t = Tmux::start(
        &script,
        // Tall enough for the detail pane to show the commands and the recorded note.
        160,
        100,
        &[
            ("HOME", h),
            ("XDG_CONFIG_HOME", &h.join("config")),
            ("XDG_DATA_HOME", &h.join("data")),
            ("XDG_STATE_HOME", &h.join("state")),
        ],
    );
    t.wait_for("docker login -u ci -p [REDACTED]");
    t.keys(&["n"]);
    t.wait_for("ctrl-s");
    t.type_text("used curl -H 'Cookie: sid=cookieSecret42' and X-Auth-Token: hdrSecret77");
    t.keys(&["C-s"]);
    let screen = t.wait_for("sid=[REDACTED]");
    let secrets = [
        "dckrPass1234",
        "MyS3cretPw",
        "slackSecretPath99",
        "cookieSecret42",
        "hdrSecret77",
    ];
    for secret in secrets {
        assert!(
            !screen.contains(secret),
            "{secret} is on the screen:\n{screen}"
        );
    }
    assert!(screen.contains("-p[REDACTED] appdb"), "{screen}");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
    assert_eq!(wait_for_end(&session), "quit");
    let log = std::fs::read_to_string(&session).unwrap();
    for secret in secrets {
        assert!(!log.contains(secret), "{secret} reached the session log");
    }
    assert!(log.contains("hooks.slack.com/services/[REDACTED]"));
    assert!(log.contains("X-Auth-Token: [REDACTED]"));
}
