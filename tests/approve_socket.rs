//! `warroom approve` against a headless war room running as another process: approvals are
//! recorded with the OS user and the role `[operators]` gives it, the rules refuse what they
//! must (self-approval, observers, declared names in production, stale rounds) and every
//! refusal is in the log, a peer outside the session's group is refused, and the session file
//! only ever grows through the war room's own writer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::SimProcess;

/// This process's login name (the OS user every `warroom approve` here runs as).
fn me() -> String {
    let uid = std::fs::metadata("/proc/self").unwrap().uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    passwd
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 2 && f[2] == uid.to_string()).then(|| f[0].to_string())
        })
        .expect("this user in /etc/passwd")
}

/// The simulator's config plus the blocks under test, written beside it (its relative paths
/// stay valid). `quiet` keeps only `[deployment]` and `[versions]`, so no source appends to
/// the log and its size moves only when something is recorded.
fn config(sim: &SimProcess, extra: &str, production: bool, quiet: bool) -> PathBuf {
    let mut text = std::fs::read_to_string(sim.file("warroom.toml")).unwrap();
    if production {
        assert!(text.contains("environment = \"demo\""), "{text}");
        text = text.replace("environment = \"demo\"", "environment = \"production\"");
    }
    if quiet {
        let cut = text.find("\n[scrape]").expect("a [scrape] table to cut at");
        text.truncate(cut);
    }
    // The tests bring their own approvals and operators.
    if let Some(cut) = text.find("\n[gates]") {
        let end = text[cut..].find("\n[operators]").map(|o| cut + o);
        let tail = end.and_then(|e| text[e + 1..].find("\n[").map(|n| e + 1 + n));
        let rest = tail.map(|t| text[t..].to_string()).unwrap_or_default();
        text.truncate(cut);
        text.push_str(&rest);
    }
    let path = sim.file(if production { "prod.toml" } else { "test.toml" });
    std::fs::write(&path, format!("{text}\n{extra}")).unwrap();
    path
}

/// One approval needed, declared names allowed, and these operators.
fn blocks(operators: &str) -> String {
    format!("[gates.approvals]\nrequired = 1\nallow_declared = true\n\n[operators]\n{operators}\n")
}

/// The same for production, where the config check refuses `allow_declared`.
fn production_blocks(operators: &str) -> String {
    format!("[gates.approvals]\nrequired = 1\n\n[operators]\n{operators}\n")
}

/// A headless war room child and every line it printed (each one durable in the log).
struct Room {
    home: tempfile::TempDir,
    session: PathBuf,
    child: Child,
    lines: mpsc::Receiver<String>,
    printed: Vec<String>,
}

impl Room {
    fn start(config: &Path, operator: &str) -> Self {
        let home = tempfile::tempdir().unwrap();
        let rb = common::write_runbook(home.path());
        let session = home.path().join("s.jsonl");
        let mut child = common::warroom(home.path())
            .args(["run", "--headless", "-c"])
            .arg(config)
            .arg("--runbook")
            .arg(&rb)
            .arg("--session")
            .arg(&session)
            .args(["--operator", operator])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(home.path().join("stderr")).unwrap())
            .spawn()
            .unwrap();
        let lines = common::read_lines(child.stdout.take().unwrap());
        let mut room = Self {
            home,
            session,
            child,
            lines,
            printed: Vec::new(),
        };
        room.wait_for("SessionStarted", |v| v["event"]["type"] == "SessionStarted");
        room
    }

    fn socket(&self) -> PathBuf {
        PathBuf::from(format!("{}.sock", self.session.display()))
    }

    fn send(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// The first printed line (earlier ones included) that `pred` accepts, waiting up to 20 s.
    fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let parse = |l: &String| serde_json::from_str::<Value>(l).unwrap();
        if let Some(v) = self.printed.iter().map(parse).find(&pred) {
            return v;
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(l) = self.lines.recv_timeout(Duration::from_millis(200)) {
                let v = parse(&l);
                self.printed.push(l);
                if pred(&v) {
                    return v;
                }
            }
        }
        panic!(
            "no {what} line within 20 s; printed:\n{}\nstderr:\n{}",
            self.printed.join("\n"),
            std::fs::read_to_string(self.home.path().join("stderr")).unwrap_or_default()
        );
    }

    /// The printed line with sequence number `seq`.
    fn line(&mut self, seq: u64) -> Value {
        self.wait_for(&format!("line {seq}"), |v| v["seq"] == seq)
    }

    /// `warroom approve SESSION ARGS…` as another OS user, `nobody`, in the session's group:
    /// a second person on the same machine.
    fn approve_as_peer(&self, args: &[&str]) -> Output {
        let home = self.home.path();
        std::fs::set_permissions(home, std::fs::Permissions::from_mode(0o755)).unwrap();
        let bin = client_binary(home);
        let gid = std::fs::metadata(&self.session).unwrap().gid().to_string();
        std::process::Command::new("setpriv")
            .args([
                "--reuid=nobody",
                &format!("--regid={gid}"),
                "--clear-groups",
            ])
            .arg(&bin)
            .arg("approve")
            .arg(&self.session)
            .args(args)
            .env("HOME", home)
            .env("XDG_STATE_HOME", home.join("state"))
            .output()
            .unwrap()
    }

    /// `warroom approve SESSION ARGS…` as this test's user.
    fn approve(&self, args: &[&str]) -> Output {
        common::warroom(self.home.path())
            .arg("approve")
            .arg(&self.session)
            .args(args)
            .output()
            .unwrap()
    }

    /// Quits, waits for a clean exit, and checks the file holds exactly what the war room
    /// printed (its writer is the only one that appended) and that its chain verifies.
    fn quit(mut self) {
        self.send("quit");
        self.wait_for("SessionEnded", |v| v["event"]["type"] == "SessionEnded");
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the war room exited with {status}");
        while let Ok(l) = self.lines.recv_timeout(Duration::from_millis(100)) {
            self.printed.push(l);
        }
        let file = std::fs::read_to_string(&self.session).unwrap();
        let in_file: Vec<&str> = file.lines().collect();
        assert_eq!(
            in_file, self.printed,
            "every line in the file came from the war room"
        );
        assert!(
            !self.socket().exists(),
            "the socket is removed on a clean exit"
        );
        let verify = common::warroom(self.home.path())
            .arg("verify")
            .arg(&self.session)
            .output()
            .unwrap();
        assert!(verify.status.success(), "{verify:?}");
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The log line a `warroom approve` answer names ("line N of …").
fn seq_of(o: &Output) -> u64 {
    let t = text(o);
    let at = t
        .find("line ")
        .unwrap_or_else(|| panic!("no line number in {t:?}"));
    t[at + 5..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no line number in {t:?}"))
}

#[test]
fn an_approval_is_recorded_with_the_os_user_and_its_role() {
    if !can_switch_users() {
        return;
    }
    let sim = SimProcess::start(&[]);
    // The approver is a second OS user; the war room runs as this test's user.
    let me = "nobody";
    let cfg = config(
        &sim,
        &blocks(&format!(
            "lead = \"deployment-lead\"\n{me} = \"release-manager\""
        )),
        false,
        false,
    );
    let mut room = Room::start(&cfg, "lead");
    let socket = std::fs::symlink_metadata(room.socket()).unwrap();
    assert_eq!(socket.permissions().mode() & 0o777, 0o660);
    assert_eq!(
        socket.gid(),
        std::fs::metadata(&room.session).unwrap().gid()
    );

    let out = room.approve_as_peer(&["--reason", "canary plan reviewed"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "recorded: {me} (release-manager) approved the go of"
        )),
        "{}",
        text(&out)
    );
    let v = room.line(seq_of(&out));
    let e = &v["event"];
    assert_eq!(e["type"], "ApprovalRecorded", "{v}");
    assert_eq!(v["actor"]["name"], me);
    assert_eq!(v["actor"]["role"], "release-manager");
    assert_eq!(e["os_user"], me);
    assert_eq!(e["via"], "socket");
    assert_eq!(e["reason"], "canary plan reviewed");
    assert_eq!(e["decision"]["kind"], "go");
    assert_eq!(e["decision"]["round"], 1);
    assert!(e.get("declared").is_none());
    let request = e["request"].as_str().unwrap();
    assert!(request.len() >= 16 && request.chars().all(|c| c.is_ascii_hexdigit()));

    // The same person again: refused, and the refusal is logged with its reason.
    let out = room.approve_as_peer(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v = room.line(seq_of(&out));
    assert_eq!(v["event"]["type"], "ActionRefused");
    assert!(
        v["event"]["reason"]
            .as_str()
            .unwrap()
            .contains("already approved"),
        "{v}"
    );
    room.quit();
}

#[test]
fn nobody_approves_their_own_go_and_observers_approve_nothing() {
    let sim = SimProcess::start(&[]);
    let me = me();
    // The war room is operated by this test's user: its own approval is a self-approval.
    let cfg = config(
        &sim,
        &blocks(&format!("{me} = \"release-manager\"")),
        false,
        false,
    );
    let mut room = Room::start(&cfg, &me);
    let out = room.approve(&["--reason", "mine"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("nobody approves their own decisions"),
        "{}",
        text(&out)
    );
    let v = room.line(seq_of(&out));
    assert_eq!(v["event"]["type"], "ActionRefused");
    assert_eq!(v["event"]["action"], "approve");
    assert_eq!(v["actor"]["name"], me.as_str());
    assert!(v["event"]["request"].is_string());
    room.quit();

    // The OS user running the war room, under any operator name, is the same person.
    let cfg = config(
        &sim,
        &blocks(&format!(
            "lead = \"deployment-lead\"\n{me} = \"release-manager\""
        )),
        false,
        false,
    );
    let room = Room::start(&cfg, "lead");
    let out = room.approve(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("OS user {me} is running this war room")),
        "{}",
        text(&out)
    );
    room.quit();

    // An OS user `[operators]` does not list is an observer: refused, and logged.
    if !can_switch_users() {
        return;
    }
    let cfg = config(&sim, &blocks("lead = \"deployment-lead\""), false, false);
    let mut room = Room::start(&cfg, "lead");
    let out = room.approve_as_peer(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v = room.line(seq_of(&out));
    assert_eq!(v["event"]["type"], "ActionRefused");
    assert_eq!(v["actor"]["role"], "observer");
    assert!(
        v["event"]["reason"]
            .as_str()
            .unwrap()
            .contains("(role observer) may not approve"),
        "{v}"
    );
    room.quit();
}

#[test]
fn a_declared_name_counts_outside_production_and_is_refused_in_production() {
    let sim = SimProcess::start(&[]);
    let me = me();
    let ops = blocks(&format!(
        "lead = \"deployment-lead\"\n{me} = \"release-manager\"\nalice = \"platform-lead\""
    ));
    let mut room = Room::start(&config(&sim, &ops, false, false), "lead");
    let out = room.approve(&["--as", "alice"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("declared by OS user {me}")),
        "{}",
        text(&out)
    );
    let v = room.line(seq_of(&out));
    assert_eq!(v["event"]["type"], "ApprovalRecorded");
    assert_eq!(v["actor"]["name"], "alice");
    assert_eq!(
        v["actor"]["role"], "platform-lead",
        "the declared name's own role"
    );
    assert_eq!(v["event"]["declared"], "alice");
    assert_eq!(v["event"]["os_user"], me.as_str());
    // A declared name `[operators]` does not list takes the OS user's role.
    let out = room.approve(&["--as", "bob"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v = room.line(seq_of(&out));
    assert_eq!(v["actor"]["name"], "bob");
    assert_eq!(v["actor"]["role"], "release-manager");
    room.quit();

    let ops = production_blocks(&format!(
        "lead = \"deployment-lead\"\n{me} = \"release-manager\"\nalice = \"platform-lead\""
    ));
    let mut room = Room::start(&config(&sim, &ops, true, false), "lead");
    let out = room.approve(&["--as", "alice"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v = room.line(seq_of(&out));
    assert_eq!(v["event"]["type"], "ActionRefused");
    assert!(
        v["event"]["reason"]
            .as_str()
            .unwrap()
            .contains("declared names are not accepted here (production)"),
        "{v}"
    );
    assert_eq!(v["event"]["declared"], Value::Null);
    room.quit();
}

#[test]
fn an_approval_for_a_previous_round_is_refused_and_never_carries_over() {
    if !can_switch_users() {
        return;
    }
    let sim = SimProcess::start(&[]);
    let me = "nobody";
    let cfg = config(
        &sim,
        &blocks(&format!(
            "lead = \"deployment-lead\"\n{me} = \"release-manager\""
        )),
        false,
        false,
    );
    let mut room = Room::start(&cfg, "lead");
    let out = room.approve_as_peer(&["--for", "go"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(room.line(seq_of(&out))["event"]["decision"]["round"], 1);

    // Round 1 is decided (no-go): an approval for it no longer counts.
    room.send("nogo --reason \"not today\"");
    room.wait_for("GoNoGoDecided", |v| v["event"]["type"] == "GoNoGoDecided");
    let out = room.approve_as_peer(&["--for", "go", "--round", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v = room.line(seq_of(&out));
    assert_eq!(v["event"]["type"], "ActionRefused");
    assert!(
        v["event"]["reason"]
            .as_str()
            .unwrap()
            .contains("approvals never carry over"),
        "{v}"
    );
    // Round 2 needs its own approval, and gets it.
    let out = room.approve_as_peer(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(room.line(seq_of(&out))["event"]["decision"]["round"], 2);
    room.quit();
}

#[test]
fn a_stale_socket_is_replaced_and_a_missing_war_room_exits_3() {
    if !can_switch_users() {
        return;
    }
    let sim = SimProcess::start(&[]);
    let me = "nobody";
    let cfg = config(
        &sim,
        &blocks(&format!(
            "lead = \"deployment-lead\"\n{me} = \"release-manager\""
        )),
        false,
        true,
    );
    let home = tempfile::tempdir().unwrap();
    let session = home.path().join("s.jsonl");
    std::fs::write(&session, "").unwrap();
    let none = common::warroom(home.path())
        .arg("approve")
        .arg(&session)
        .output()
        .unwrap();
    assert_eq!(none.status.code(), Some(3), "{}", text(&none));
    assert!(text(&none).contains("does not exist"), "{}", text(&none));

    // A war room that was killed leaves its socket; the next one replaces it.
    let mut room = Room::start(&cfg, "lead");
    room.child.kill().unwrap();
    room.child.wait().unwrap();
    assert!(room.socket().exists(), "SIGKILL leaves the socket behind");
    let out = room.approve(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("nobody answers"), "{}", text(&out));
    let resumed = common::warroom(room.home.path())
        .args([
            "run",
            "--headless",
            "--resume",
            "--operator",
            "lead",
            "--session",
        ])
        .arg(&room.session)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    room.child = resumed;
    room.lines = common::read_lines(room.child.stdout.take().unwrap());
    room.printed = std::fs::read_to_string(&room.session)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    room.wait_for("SessionResumed", |v| v["event"]["type"] == "SessionResumed");
    let out = room.approve_as_peer(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(room.line(seq_of(&out))["event"]["type"], "ApprovalRecorded");
    room.quit();
}

/// Whether this test may run clients as other users (root, with util-linux's setpriv). Under
/// CI it must: the test fails rather than skip.
fn can_switch_users() -> bool {
    let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    let setpriv = std::process::Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let why = match (root, setpriv) {
        (true, true) => return true,
        (false, _) => "needs root, to run the client as another user with setpriv",
        (true, false) => "needs setpriv (util-linux)",
    };
    assert!(
        std::env::var_os("CI").is_none(),
        "{why}; CI must provide it"
    );
    eprintln!("skipped: {why}");
    false
}

#[test]
fn a_peer_outside_the_sessions_group_is_refused_and_the_file_is_untouched() {
    if !can_switch_users() {
        return;
    }
    let sim = SimProcess::start(&[]);
    let me = me();
    let cfg = config(
        &sim,
        &blocks(&format!(
            "lead = \"deployment-lead\"\n{me} = \"release-manager\""
        )),
        false,
        true,
    );
    let mut room = Room::start(&cfg, "lead");
    // Other users may reach the directory and a copy of the binary; the socket stays 0660.
    let home = room.home.path().to_path_buf();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin = client_binary(&home);
    let group = std::fs::metadata(&room.session).unwrap().gid().to_string();
    let session = room.session.clone();
    let as_user = |gid: &str| -> Output {
        std::process::Command::new("setpriv")
            .args([
                "--reuid=nobody",
                &format!("--regid={gid}"),
                "--clear-groups",
            ])
            .arg(&bin)
            .arg("approve")
            .arg(&session)
            .env("HOME", &home)
            .env("XDG_STATE_HOME", home.join("state"))
            .output()
            .unwrap()
    };
    // Everything recorded so far is printed once the marker is: the log is quiet from here.
    room.send("marker before the peers");
    let marker = room.wait_for("MarkerAdded", |v| v["event"]["type"] == "MarkerAdded");
    let before = std::fs::metadata(&room.session).unwrap();

    // Outside the group: the kernel refuses the connection (mode 0660), nothing is written.
    let out = as_user("nogroup");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("permission denied"), "{}", text(&out));
    assert!(text(&out).contains("open to group"), "{}", text(&out));
    let after = std::fs::metadata(&room.session).unwrap();
    assert_eq!(
        (after.len(), after.mtime(), after.mtime_nsec()),
        (before.len(), before.mtime(), before.mtime_nsec()),
        "a refused connect changes nothing in the session file"
    );

    // In the group by gid, but not in `[operators]`: let in, and refused as an observer.
    let out = as_user(&group);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let observer = room.line(seq_of(&out));
    assert_eq!(observer["event"]["type"], "ActionRefused");
    assert_eq!(observer["actor"]["name"], "nobody");
    assert_eq!(observer["actor"]["role"], "observer");
    // The refused connect above left no line: this one follows the marker directly.
    assert_eq!(observer["seq"], marker["seq"].as_u64().unwrap() + 1);

    // With the socket's mode loosened, the war room's own check refuses the peer and logs it.
    std::fs::set_permissions(room.socket(), std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = as_user("nogroup");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("is not in group"), "{}", text(&out));
    let refused = room.line(seq_of(&out));
    assert_eq!(refused["event"]["type"], "ActionRefused");
    assert_eq!(refused["event"]["action"], "approve");
    assert_eq!(refused["actor"]["name"], "nobody");
    assert!(
        refused["event"]["reason"]
            .as_str()
            .unwrap()
            .contains("nobody (uid 65534) is not in group"),
        "{refused}"
    );
    room.quit();
}

/// The war room's binary where another OS user can reach it: a hard link in `home` (0755).
/// A copy is the fallback across filesystems; a freshly written copy can fail to execute with
/// "Text file busy" while another test thread's child, forked before its exec, still holds the
/// copy's write descriptor, so a link (never opened for writing) is preferred.
fn client_binary(home: &std::path::Path) -> std::path::PathBuf {
    let bin = home.join("warroom-client");
    if bin.exists() {
        return bin;
    }
    if std::fs::hard_link(common::bin(), &bin).is_err() {
        std::fs::copy(common::bin(), &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        // Let any child forked while the copy was open reach its exec.
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    bin
}
