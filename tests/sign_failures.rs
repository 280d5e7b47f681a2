//! When a head cannot be signed (the agent went away, the agent does not hold the key named),
//! the decision is still recorded, the failure is recorded and said on stderr, and
//! `warroom verify --allowed-signers` names it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sign_common;

use std::ffi::OsStr;
use std::path::Path;

use sign_common::room::{Room, envelopes, verify};
use sign_common::*;
use warroom::event::Event;

/// A config with no sources: arming and disarming auto-rollback are decisions that need none.
fn config(dir: &Path, key: &str) -> std::path::PathBuf {
    let path = dir.join("warroom.toml");
    std::fs::write(
        &path,
        format!(
            "[deployment]\nname = \"app\"\nenvironment = \"staging\"\nrelease = \"1.2.3\"\n\
             stable = \"1.2.2\"\n\n[signing]\nkey = \"{key}\"\n"
        ),
    )
    .unwrap();
    path
}

fn runbook(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("runbook.toml");
    std::fs::write(&path, warroom::sim::DEMO_RUNBOOK).unwrap();
    path
}

fn said(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn an_agent_that_goes_away_loses_no_decision() {
    if !have_openssh("an_agent_that_goes_away_loses_no_decision") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = keygen(d, "lead", "ed25519");
    let allowed = allowed_signers(d, &[("lead", "", &key)]);
    let agent = Agent::start(d);
    agent.add(&key);
    let session = d.join("session.jsonl");
    let sock = agent.socket.display().to_string();
    let mut room = Room::start(
        d,
        &config(d, "agent"),
        &runbook(d),
        ("lead", "deployment-lead"),
        &session,
        &[("SSH_AUTH_SOCK", &sock)],
    );
    room.send("disarm --reason \"signed while the agent is up\"");
    let disarmed = room.wait("the disarm", |e| e["type"] == "AutoRollbackArmed");
    let signed = room.wait("its signature", |e| e["type"] == "HeadSigned");
    assert_eq!(signed["event"]["head"]["seq"], disarmed["seq"]);

    drop(agent);
    room.send("arm --reason \"after the agent went away\"");
    let armed = room.wait("the arm", |e| e["type"] == "AutoRollbackArmed");
    assert_eq!(armed["event"]["armed"], true, "the decision is recorded");
    let failed = room.wait("the failed signature", |e| e["type"] == "HeadSignFailed");
    assert_eq!(failed["event"]["seq"], armed["seq"]);
    let error = failed["event"]["error"].as_str().unwrap();
    assert!(error.contains("cannot connect"), "{error}");
    assert!(error.contains("ssh-agent"), "{error}");
    let stderr = room.quit();
    assert!(stderr.contains("NOT signed"), "{stderr}");

    let envs = envelopes(&session);
    let n = envs.len();
    assert!(matches!(
        &envs[n - 2].event,
        Event::HeadSignFailed { close: true, .. }
    ));
    let out = verify(&[
        session.as_os_str(),
        OsStr::new("--allowed-signers"),
        allowed.as_os_str(),
    ]);
    let text = said(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "line {}: auto-rollback armed: after the agent went away by lead (deployment-lead) \
             is not covered by any valid signature (signing failed at line {}",
            armed["seq"], failed["seq"]
        )),
        "{text}"
    );
    assert!(
        text.contains("the close is not signed (signing it failed"),
        "{text}"
    );
    assert!(
        text.contains("signed by lead"),
        "the first decision is: {text}"
    );
}

#[test]
fn a_key_the_agent_does_not_hold_is_said_at_start_and_at_each_decision() {
    if !have_openssh("a_key_the_agent_does_not_hold_is_said_at_start_and_at_each_decision") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let held = keygen(d, "held", "ed25519");
    let named = keygen(d, "named", "ed25519");
    let agent = Agent::start(d);
    agent.add(&held);
    let session = d.join("session.jsonl");
    let sock = agent.socket.display().to_string();
    let fingerprint = ssh_fingerprint(&named);
    let mut room = Room::start(
        d,
        &config(d, &fingerprint),
        &runbook(d),
        ("lead", "deployment-lead"),
        &session,
        &[("SSH_AUTH_SOCK", &sock)],
    );
    let warned = room.wait("the startup warning", |e| {
        e["type"] == "ConfigWarned"
            && e["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("heads cannot be signed"))
    });
    let message = warned["event"]["message"].as_str().unwrap();
    assert!(message.contains(&fingerprint), "{message}");
    assert!(message.contains("holds no key"), "{message}");
    room.send("disarm --reason \"x\"");
    room.wait("the disarm", |e| e["type"] == "AutoRollbackArmed");
    let failed = room.wait("the failed signature", |e| e["type"] == "HeadSignFailed");
    assert!(
        failed["event"]["error"]
            .as_str()
            .unwrap()
            .contains("holds no key"),
        "{failed}"
    );
    room.quit();
}
