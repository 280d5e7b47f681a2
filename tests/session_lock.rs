//! One writer per session file whatever happens to the files beside it, nothing left behind on
//! a clean exit, and private files and directories whatever the umask.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use warroom::event::Actor;
use warroom::session::{SessionLogError, Writer, verify_bytes};

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Reads the child's stdout until a line of type `kind`, keeping every line seen.
fn collect_until(h: &common::Headless, seen: &mut Vec<String>, kind: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "no {kind} line within 10 s");
        let Ok(l) = h.lines.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        seen.push(l);
        if v["event"]["type"] == kind {
            return;
        }
    }
}

#[test]
fn deleting_every_side_file_lets_no_second_writer_in() {
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let dir = home.path().join("sessions");
    let session = dir.join("s.jsonl");
    let (s, r) = (session.to_str().unwrap(), rb.to_str().unwrap());
    let mut first = common::Headless::start(
        home.path(),
        &["--runbook", r, "--session", s, "--operator", "lead"],
    );
    let mut printed = Vec::new();
    collect_until(&first, &mut printed, "SessionStarted");
    first.send("tick t-7d/review");
    collect_until(&first, &mut printed, "ItemTicked");

    // Everything beside the session file goes, as a careless cleanup or an attacker would do.
    let mut removed = 0;
    for name in names_in(&dir) {
        if name != "s.jsonl" {
            std::fs::remove_file(dir.join(&name)).unwrap();
            removed += 1;
        }
    }
    assert!(removed > 0, "the writer keeps no side file to delete?");

    let out = common::warroom(home.path())
        .args(["run", "--headless", "--resume", "--session", s])
        .args(["--operator", "oncall"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is being written by"), "{err}");
    assert!(err.contains(&format!("pid {}", first.child.id())), "{err}");
    assert!(err.contains("operator lead"), "{err}");

    // The first writer carries on; every line it printed is still in the file, in order.
    first.send("note t-7d/review written after the second writer was refused");
    collect_until(&first, &mut printed, "NoteAdded");
    first.send("quit");
    collect_until(&first, &mut printed, "SessionEnded");
    assert!(first.child.wait().unwrap().success());
    let text = std::fs::read_to_string(&session).unwrap();
    let on_disk: Vec<&str> = text.lines().collect();
    assert_eq!(
        on_disk, printed,
        "the file holds exactly what was acknowledged"
    );
    let (report, _) = verify_bytes(text.as_bytes()).unwrap();
    assert!(report.clean_close);
    let out = common::warroom(home.path())
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
    assert_eq!(
        names_in(&dir),
        ["s.jsonl"],
        "a clean exit leaves nothing behind"
    );
}

#[test]
fn the_side_file_names_the_holder_and_goes_with_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    let lead = Actor {
        name: "lead".into(),
        role: "deployment-lead".into(),
        host: "ops-1".into(),
    };
    let w = Writer::create(&path, &lead).unwrap();
    assert_eq!(names_in(dir.path()), ["s.jsonl", "s.jsonl.lock"]);
    assert_eq!(mode(&dir.path().join("s.jsonl.lock")), 0o600);
    // Without any side file the lock on the file itself still refuses a second writer.
    std::fs::remove_file(dir.path().join("s.jsonl.lock")).unwrap();
    match Writer::resume(&path, &lead) {
        Err(SessionLogError::Locked { holder, .. }) => {
            assert!(
                holder.contains(&format!("pid {}", std::process::id())),
                "{holder}"
            );
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    drop(w);
    assert_eq!(names_in(dir.path()), ["s.jsonl"]);
    let (w, _) = Writer::resume(&path, &lead).unwrap();
    drop(w);
    assert_eq!(names_in(dir.path()), ["s.jsonl"]);
}

#[test]
fn session_files_and_the_directories_made_for_them_are_private_whatever_the_umask() {
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let shared = home.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
    let explicit = shared.join("new/deeper/s.jsonl");
    // Each run goes through `sh -c 'umask 000; exec "$0" ARGS…' warroom ARGS…`.
    let run = |args: &[&str]| {
        let home = home.path();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg("umask 000; exec \"$0\" \"$@\"")
            .arg(common::bin())
            .args(["run", "--headless", "--operator", "lead"])
            .args(args)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .current_dir(home)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let (r, e) = (rb.to_str().unwrap(), explicit.to_str().unwrap());
    run(&["--runbook", r, "--session", e]);
    assert_eq!(mode(&explicit), 0o600);
    assert_eq!(mode(&shared.join("new")), 0o700);
    assert_eq!(mode(&shared.join("new/deeper")), 0o700);
    assert_eq!(
        mode(&shared),
        0o755,
        "a directory that existed is left as it was"
    );

    // A relative path is made from the working directory.
    run(&["--runbook", r, "--session", "rel/s.jsonl"]);
    assert_eq!(mode(&home.path().join("rel")), 0o700);
    assert_eq!(mode(&home.path().join("rel/s.jsonl")), 0o600);

    // The default place, under the XDG data dir, is made private too.
    run(&["--runbook", r]);
    let sessions = home.path().join("data/warroom/sessions");
    assert_eq!(mode(&sessions), 0o700);
    assert_eq!(mode(&home.path().join("data/warroom")), 0o700);
    let files = names_in(&sessions);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(mode(&sessions.join(&files[0])), 0o600);

    // A torn tail moved aside on resume is as private as the log.
    let mut bytes = std::fs::read(&explicit).unwrap();
    bytes.extend_from_slice(br#"{"v":1,"seq":9"#);
    std::fs::write(&explicit, bytes).unwrap();
    run(&["--resume", "--session", e]);
    let torn = shared.join("new/deeper/s.jsonl.torn");
    assert_eq!(mode(&torn), 0o600);
}

#[test]
fn links_planted_beside_the_session_file_are_never_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("precious.txt");
    std::fs::write(&victim, "precious").unwrap();
    let path = dir.path().join("s.jsonl");
    std::os::unix::fs::symlink(&victim, dir.path().join("s.jsonl.lock")).unwrap();
    let lead = Actor {
        name: "lead".into(),
        role: "deployment-lead".into(),
        host: "ops-1".into(),
    };
    let mut w = Writer::create(&path, &lead).unwrap();
    w.append(
        &lead,
        warroom::event::Event::ConfigWarned {
            message: "x".into(),
        },
        warroom::session::Durability::Sync,
    )
    .unwrap();
    drop(w);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");

    // A torn tail is not appended through a link either: the resume refuses, naming it.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"v\":1");
    std::fs::write(&path, bytes).unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("s.jsonl.torn")).unwrap();
    let err = Writer::resume(&path, &lead).unwrap_err().to_string();
    assert!(
        err.contains("s.jsonl.torn") && err.contains("symbolic link"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn a_session_file_deleted_under_the_writer_fails_closed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl");
    let lead = Actor {
        name: "lead".into(),
        role: "deployment-lead".into(),
        host: "ops-1".into(),
    };
    let note = || warroom::event::Event::ConfigWarned {
        message: "x".into(),
    };
    let mut w = Writer::create(&path, &lead).unwrap();
    w.append(&lead, note(), warroom::session::Durability::Sync)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    // A new file at the same path is another file: nothing may be acknowledged into the old one.
    std::fs::write(&path, "").unwrap();
    let err = w
        .append(&lead, note(), warroom::session::Durability::Sync)
        .unwrap_err()
        .to_string();
    assert!(err.contains("deleted or replaced"), "{err}");
    assert!(matches!(
        w.append(&lead, note(), warroom::session::Durability::Group),
        Err(SessionLogError::Poisoned { .. })
    ));
}
