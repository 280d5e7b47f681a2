//! A kubeconfig's credential plugin runs only when `[kubernetes] exec_allowlist` allows it
//! (RELIABILITY row 44): the fixture's plugin would create a marker file, and the marker
//! appears only once the plugin is listed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use warroom::sources::kube::KubeSpec;
use warroom::sources::kube::client::{self, ClientError};
use warroom::sources::kube::plugin::PluginError;

/// Writes the plugin (a shell script that touches `marker` and prints a token) and a
/// kubeconfig whose only user runs it; returns (kubeconfig, plugin).
fn fixture(dir: &Path, marker: &Path) -> (PathBuf, PathBuf) {
    let plugin = dir.join("touch-marker-auth");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\ntouch '{}'\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\
             \"kind\":\"ExecCredential\",\"status\":{{\"token\":\"from-the-plugin\"}}}}'\n",
            marker.display()
        ),
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {{server: \"http://127.0.0.1:1\"}}
contexts:
- name: cloud
  context: {{cluster: c, user: cloud, namespace: demo}}
current-context: cloud
users:
- name: cloud
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: {}
      interactiveMode: Never
",
            plugin.display()
        ),
    )
    .unwrap();
    (kubeconfig, plugin)
}

fn spec(kubeconfig: &Path, allowlist: &[&str]) -> KubeSpec {
    KubeSpec {
        kubeconfig: Some(kubeconfig.to_path_buf()),
        exec_allowlist: allowlist.iter().map(|s| (*s).to_string()).collect(),
        ..KubeSpec::new("demo")
    }
}

#[tokio::test]
async fn the_plugin_runs_only_when_allowlisted() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("plugin-ran");
    let (kubeconfig, plugin) = fixture(dir.path(), &marker);

    for allowlist in [&[][..], &["gke-gcloud-auth-plugin"], &["touch-marker-auth"]] {
        // A bare name allows the program of that name on PATH, not this one.
        let e = client::build(&spec(&kubeconfig, allowlist))
            .await
            .expect_err("refused");
        assert!(
            matches!(e, ClientError::Plugin(PluginError::NotAllowed { .. })),
            "{allowlist:?}: {e}"
        );
        let text = e.to_string();
        assert!(text.contains(&plugin.display().to_string()), "{text}");
        assert!(text.contains("[kubernetes] exec_allowlist"), "{text}");
        assert!(!marker.exists(), "{allowlist:?}: the plugin ran");
    }

    let listed = plugin.display().to_string();
    let built = client::build(&spec(&kubeconfig, &[&listed]))
        .await
        .expect("allowed");
    assert_eq!(built.context, "cloud");
    assert!(marker.exists(), "the allowlisted plugin did not run");
}

/// Polls the session file (up to 10 s) until a line contains `text`; returns that line.
fn wait_for_line(session: &Path, text: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(session).unwrap_or_default();
        if let Some(l) = log.lines().find(|l| l.contains(text)) {
            return l.to_string();
        }
        assert!(Instant::now() < deadline, "no line with {text:?}:\n{log}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_war_room_refuses_the_plugin_and_says_which_key_allows_it() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let marker = h.join("plugin-ran");
    let (_, plugin) = fixture(h, &marker);
    let rb = common::write_runbook(h);
    let write_config = |allow: &str| {
        let config = h.join("warroom.toml");
        std::fs::write(
            &config,
            format!(
                "[deployment]\nname = \"app\"\n\n[traffic]\nstrategy = \"service-selector\"\n\
                 steps = [{{ weight = 100, bake = \"30m\" }}]\n\n[kubernetes]\n\
                 kubeconfig = \"kubeconfig\"\nnamespace = \"demo\"\nservice = \"app\"\n{allow}"
            ),
        )
        .unwrap();
        config
    };

    let config = write_config("");
    let session = h.join("refused.jsonl");
    let mut hl = common::Headless::start(
        h,
        &[
            "--config",
            config.to_str().unwrap(),
            "--runbook",
            rb.to_str().unwrap(),
            "--session",
            session.to_str().unwrap(),
        ],
    );
    let line = wait_for_line(&session, "exec_allowlist");
    assert!(line.contains("SourceFailed"), "{line}");
    assert!(line.contains("touch-marker-auth"), "{line}");
    hl.send("quit");
    assert_eq!(hl.child.wait().unwrap().code(), Some(0));
    assert!(!marker.exists(), "the plugin ran without being allowed");

    let config = write_config(&format!("exec_allowlist = [\"{}\"]\n", plugin.display()));
    let check = common::warroom(h)
        .arg("check")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{check:?}");
    let session = h.join("allowed.jsonl");
    let mut hl = common::Headless::start(
        h,
        &[
            "--config",
            config.to_str().unwrap(),
            "--runbook",
            rb.to_str().unwrap(),
            "--session",
            session.to_str().unwrap(),
        ],
    );
    let note = wait_for_line(&session, "allowed by [kubernetes] exec_allowlist");
    assert!(note.contains("ConfigWarned"), "{note}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !marker.exists() {
        assert!(Instant::now() < deadline, "the allowed plugin never ran");
        std::thread::sleep(Duration::from_millis(50));
    }
    hl.send("quit");
    assert_eq!(hl.child.wait().unwrap().code(), Some(0));
}
