//! Starting and ending `warroom run` as a newcomer does: default session names that never
//! collide, the session file and its final hash printed on exit, T-0 read in the configured
//! zone (or refused without one), one duration syntax, and unknown roles refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

/// Runs a headless session to its end with `stdin` as the operator's commands.
fn headless(home: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = common::warroom(home)
        .args(["run", "--headless", "--operator", "lead"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The `session log:` and `final hash:` values printed on exit.
fn exit_note(o: &Output) -> (String, String) {
    let err = stderr(o);
    let path = err
        .lines()
        .find_map(|l| l.strip_prefix("session log: "))
        .unwrap_or_else(|| panic!("no session log line in {err}"));
    let hash = err
        .lines()
        .find_map(|l| l.strip_prefix("final hash: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no final hash line in {err}"));
    (path.to_string(), hash.to_string())
}

#[test]
fn sessions_started_together_get_their_own_files_and_print_them_on_exit() {
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let rb = rb.to_str().unwrap();
    // Four war rooms on the same runbook at once: same second, same default directory.
    let children: Vec<_> = (0..4)
        .map(|_| {
            common::warroom(home.path())
                .args(["run", "--headless", "--operator", "lead", "--runbook", rb])
                .args(["--t0", "2030-01-01T00:00:00Z"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut paths = Vec::new();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(!err.contains("--resume"), "{err}");
        let (path, hash) = exit_note(&o);
        assert!(
            err.contains(&format!("warroom verify {path} --head {hash}")),
            "{err}"
        );
        // The printed head is the file's head: verify accepts it.
        let v = common::warroom(home.path())
            .args(["verify", &path, "--head", &hash])
            .output()
            .unwrap();
        assert!(v.status.success(), "{}", stderr(&v));
        paths.push(path);
    }
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 4, "every war room has its own file: {paths:?}");
}

#[test]
fn a_session_file_chosen_by_the_user_is_not_overwritten() {
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let s = home.path().join("s.jsonl");
    let args = [
        "--runbook",
        rb.to_str().unwrap(),
        "--session",
        s.to_str().unwrap(),
        "--t0",
        "2030-01-01T00:00:00Z",
    ];
    let first = headless(home.path(), &args, "quit\n");
    assert!(first.status.success(), "{}", stderr(&first));
    let (path, _) = exit_note(&first);
    assert_eq!(Path::new(&path), s);
    let second = headless(home.path(), &args, "quit\n");
    assert_eq!(second.status.code(), Some(2), "{}", stderr(&second));
    assert!(stderr(&second).contains("--resume"), "{}", stderr(&second));
}

fn started_t0(home: &Path, config: &str, t0: &str) -> Result<String, String> {
    let dir = home.join("cfg");
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("warroom.toml");
    std::fs::write(&cfg, config).unwrap();
    let rb = common::write_runbook(home);
    let s = home.join(format!("t0-{}.jsonl", t0.len()));
    let _ = std::fs::remove_file(&s);
    let o = headless(
        home,
        &[
            "-c",
            cfg.to_str().unwrap(),
            "--runbook",
            rb.to_str().unwrap(),
            "--session",
            s.to_str().unwrap(),
            "--t0",
            t0,
        ],
        "quit\n",
    );
    if !o.status.success() {
        return Err(stderr(&o));
    }
    let lines = common::session_lines(&s);
    Ok(lines[0]["event"]["t0"].as_str().unwrap().to_string())
}

#[test]
fn a_local_t0_is_read_in_the_deployment_zone() {
    let home = tempfile::tempdir().unwrap();
    let berlin = "[deployment]\nname = \"app\"\ntimezone = \"Europe/Berlin\"\n";
    assert_eq!(
        started_t0(home.path(), berlin, "2026-11-24T10:00").unwrap(),
        "2026-11-24T09:00:00Z"
    );
    // An explicit zone or offset still wins.
    assert_eq!(
        started_t0(home.path(), berlin, "2026-11-24T10:00:00Z").unwrap(),
        "2026-11-24T10:00:00Z"
    );
    let plain = "[deployment]\nname = \"app\"\n";
    let e = started_t0(home.path(), plain, "2026-11-24T10:00").expect_err("no zone");
    assert!(
        e.contains("no zone") && e.contains("[deployment] timezone"),
        "{e}"
    );
}

#[test]
fn duration_reads_like_the_config_and_bad_roles_are_refused() {
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let rb = rb.to_str().unwrap();
    let bad = headless(
        home.path(),
        &["--runbook", rb, "--duration", "90 bananas"],
        "",
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("1h30m"), "{}", stderr(&bad));
    // `1h30m` is a duration here as in warroom.toml; `quit` ends the run long before.
    let ok = headless(
        home.path(),
        &[
            "--runbook",
            rb,
            "--t0",
            "2030-01-01T00:00:00Z",
            "--duration",
            "1h30m",
        ],
        "quit\n",
    );
    assert!(ok.status.success(), "{}", stderr(&ok));

    let role = headless(
        home.path(),
        &["--runbook", rb, "--role", "deployment-laed"],
        "quit\n",
    );
    assert_eq!(role.status.code(), Some(2));
    let e = stderr(&role);
    assert!(
        e.contains("'deployment-laed'") && e.contains("deployment-lead") && e.contains("observer"),
        "{e}"
    );
}
