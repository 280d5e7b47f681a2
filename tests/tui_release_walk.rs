//! The seed-002 release as a deployment lead runs it in `warroom demo`, in tmux: go/no-go with
//! an approval given from a second terminal window, the four traffic steps with their (demo
//! length) bakes, then a rollback; every change checked through kubectl as well as on screen.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::tmux::{Tmux, wait_for_end};
use support::kubectl::{self, Kubectl};

/// The demo's config directory, from the `ready … config in DIR)` line on its stderr.
fn demo_dir(stderr: &Path) -> PathBuf {
    support::eventually(Duration::from_secs(30), "the demo's ready line", || {
        let text = std::fs::read_to_string(stderr).ok()?;
        let line = text.lines().find(|l| l.starts_with("ready "))?;
        let dir = line.split("config in ").nth(1)?.trim_end_matches(')');
        Some(PathBuf::from(dir))
    })
}

/// The HTTPRoute's backend weights as kubectl prints them, e.g. `app-blue=90 app-green=10`.
fn weights(k: &Kubectl, dir: &Path) -> String {
    k.ok(
        &dir.join("kubeconfig"),
        dir,
        &[
            "get",
            "httproute",
            "app",
            "-n",
            "demo",
            "-o",
            "jsonpath={range .spec.rules[0].backendRefs[*]}{.name}={.weight} {end}",
        ],
    )
    .trim()
    .to_string()
}

fn wait_weights(k: &Kubectl, dir: &Path, want: &str) {
    support::eventually(Duration::from_secs(20), want, || {
        (weights(k, dir) == want).then_some(())
    });
}

#[test]
fn go_with_a_second_window_approving_four_steps_then_a_rollback() {
    let k = kubectl::all().into_iter().next();
    assert!(
        k.is_some() || std::env::var_os("CI").is_none(),
        "kubectl is required in CI"
    );
    let Some(k) = k else { return };
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let session = h.join("release.jsonl");
    let stderr = h.join("demo.err");
    let bin = common::bin();
    let script = format!(
        "'{bin}' demo --session '{s}' --operator lead 2>'{e}'; echo EXIT=$?; sleep 60",
        bin = bin.display(),
        s = session.display(),
        e = stderr.display(),
    );
    let env: [(&str, &Path); 5] = [
        ("HOME", h),
        ("TMPDIR", h),
        ("XDG_CONFIG_HOME", &h.join("config")),
        ("XDG_DATA_HOME", &h.join("data")),
        ("XDG_STATE_HOME", &h.join("state")),
    ];
    let t = Tmux::start(&script, 160, 48, &env);
    let dir = demo_dir(&stderr);
    t.wait_for("g go/no-go");
    assert_eq!(weights(&k, &dir), "app-blue=100 app-green=0");

    // Go/no-go: the approval is missing, so go is refused and the overlay says who may give it.
    t.keys(&["g"]);
    t.wait_for("0 of 1 approvals");

    // A second person, in a second window, approves; the overlay shows it at once.
    t.window(
        "approver",
        &format!(
            "'{bin}' approve '{s}' --as approver --reason 'staging soak reviewed'; \
             echo APPROVE=$?; sleep 60",
            bin = bin.display(),
            s = session.display(),
        ),
    );
    let out = t.wait_in("approver", "APPROVE=");
    assert!(
        out.contains("APPROVE=0") && out.contains("recorded: approver"),
        "{out}"
    );
    t.wait_for("declared as approver");
    // The SLO gate needs a first scrape of the stable version: unknown is not healthy.
    t.wait_for("✓ SLOs healthy");

    t.keys(&["y"]);
    t.wait_for("reason");
    t.type_text("all gates green");
    t.keys(&["Enter"]);
    t.wait_for("next: s → 10 %");

    // The four steps; each one only once the step before has baked with healthy signals.
    let steps = [
        (10, "app-blue=90 app-green=10", "next: s → 25 %"),
        (25, "app-blue=75 app-green=25", "next: s → 50 %"),
        (50, "app-blue=50 app-green=50", "next: s → 100 %"),
        (100, "app-blue=0 app-green=100", "next: s completes"),
    ];
    for (pct, want, next) in steps {
        t.keys(&["s"]);
        let confirm = t.wait_for(&format!("send {pct} % of traffic to 1.2.3"));
        assert!(confirm.contains("enter confirm"), "{confirm}");
        t.keys(&["Enter"]);
        wait_weights(&k, &dir, want);
        t.wait_for("bake");
        // Bakes are seconds long in the demo; the screen offers the next step when it ends.
        t.wait_within(Duration::from_secs(90), next, |s| s.contains(next));
    }

    // Rollback: all traffic to stable in one change, then verified.
    t.keys(&["r"]);
    t.wait_for("reason");
    t.type_text("walk-through rollback");
    t.keys(&["Enter"]);
    wait_weights(&k, &dir, "app-blue=100 app-green=0");
    t.wait_within(Duration::from_secs(60), "the rollback verified", |s| {
        s.contains("ROLLBACK") && s.contains(": verified")
    });

    t.keys(&["q"]);
    t.wait_for("EXIT=0");
    assert_eq!(wait_for_end(&session), "quit");

    let lines = common::session_lines(&session);
    let kinds: Vec<&str> = lines
        .iter()
        .filter_map(|l| l["event"]["type"].as_str())
        .collect();
    let approval = lines
        .iter()
        .find(|l| l["event"]["type"] == "ApprovalRecorded")
        .expect("the approval in the log");
    assert_eq!(approval["actor"]["name"], "approver");
    let go = lines
        .iter()
        .find(|l| l["event"]["type"] == "GoNoGoDecided")
        .expect("the go in the log");
    assert_eq!(go["actor"]["name"], "lead");
    // Every action: its intent before its outcome, and no rollback walked back step by step.
    let requested: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i]["event"]["type"] == "ActionRequested")
        .collect();
    assert_eq!(requested.len(), 5, "four steps and a rollback: {kinds:?}");
    for &i in &requested {
        let id = &lines[i]["event"]["id"];
        let outcome = lines
            .iter()
            .position(|l| l["event"]["type"] == "ActionOutcome" && &l["event"]["id"] == id)
            .unwrap_or_else(|| panic!("no outcome for {id}"));
        assert!(outcome > i, "the outcome of {id} comes after its intent");
    }
    assert!(kinds.contains(&"RollbackVerified"), "{kinds:?}");

    let out = common::warroom(h)
        .arg("verify")
        .arg(&session)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
