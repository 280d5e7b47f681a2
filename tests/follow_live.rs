//! Following a session another war room writes: `warroom follow --headless FILE` and, through
//! a pipe, `tail -c +1 -f FILE | warroom follow --headless -`. Each new line the writer makes
//! durable is printed by the follower within 250 ms (a deadline, not a timing claim), the
//! writer's clean end is said, a resume after a crash mid-line (the torn bytes cut off, and
//! `tail` sending the whole file again) is followed without damage or repeated lines, and a
//! forged line is damage at once.

mod common;

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::Headless;

/// How soon a durable line must be printed by the follower.
const DEADLINE: Duration = Duration::from_millis(250);

/// A `warroom follow --headless` child: its stdout lines and its stderr lines.
struct Follower {
    child: Child,
    tail: Option<Child>,
    out: mpsc::Receiver<String>,
    err: mpsc::Receiver<String>,
    seen: VecDeque<serde_json::Value>,
    said: Vec<String>,
}

fn lines_of(r: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(r).lines() {
            let Ok(l) = l else { return };
            if tx.send(l).is_err() {
                return;
            }
        }
    });
    rx
}

impl Follower {
    /// Follows the file directly.
    fn file(home: &Path, session: &Path) -> Self {
        let mut child = common::warroom(home)
            .args(["follow", "--headless"])
            .arg(session)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn follow");
        Self::wrap(&mut child, None).with(child)
    }

    /// Follows it through `tail -c +1 -f FILE | warroom follow -`, as over ssh.
    fn pipe(home: &Path, session: &Path) -> Self {
        let mut tail = Command::new("tail")
            .args(["-c", "+1", "-f"])
            .arg(session)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn tail");
        let from_tail = tail.stdout.take().expect("tail stdout");
        let mut child = common::warroom(home)
            .args(["follow", "--headless", "-"])
            .stdin(Stdio::from(from_tail))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn follow -");
        Self::wrap(&mut child, Some(tail)).with(child)
    }

    fn wrap(child: &mut Child, tail: Option<Child>) -> Partial {
        Partial {
            tail,
            out: lines_of(child.stdout.take().expect("stdout")),
            err: lines_of(child.stderr.take().expect("stderr")),
        }
    }

    /// Takes what the follower printed so far.
    fn drain(&mut self) {
        while let Ok(l) = self.out.try_recv() {
            self.seen
                .push_back(serde_json::from_str(&l).unwrap_or_else(|e| panic!("{e}: {l}")));
        }
        while let Ok(l) = self.err.try_recv() {
            self.said.push(l);
        }
    }

    /// Waits until the follower printed the line with `hash`, at most `limit`; true if so.
    fn printed_within(&mut self, hash: &str, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        loop {
            self.drain();
            if self.seen.iter().any(|v| v["hash"] == hash) {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits (up to 10 s) until stderr says something containing `text`.
    fn says(&mut self, text: &str) -> String {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            self.drain();
            if let Some(s) = self.said.iter().find(|s| s.contains(text)) {
                return s.clone();
            }
            assert!(
                Instant::now() < until,
                "the follower never said {text:?}; it said {:?}",
                self.said
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn count(&mut self, kind: &str) -> usize {
        self.drain();
        self.seen
            .iter()
            .filter(|v| v["event"]["type"] == kind)
            .count()
    }
}

struct Partial {
    tail: Option<Child>,
    out: mpsc::Receiver<String>,
    err: mpsc::Receiver<String>,
}

impl Partial {
    fn with(self, child: Child) -> Follower {
        Follower {
            child,
            tail: self.tail,
            out: self.out,
            err: self.err,
            seen: VecDeque::new(),
            said: Vec::new(),
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        if let Some(t) = self.tail.as_mut() {
            let _ = t.kill();
            let _ = t.wait();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Ticks an item in the writer and checks every follower prints it within the deadline.
fn tick_and_see(writer: &mut Headless, item: &str, followers: &mut [&mut Follower]) {
    writer.send(&format!("tick {item}"));
    let line = writer.wait_for("ItemTicked");
    let hash = line["hash"].as_str().expect("hash").to_string();
    for f in followers.iter_mut() {
        assert!(
            f.printed_within(&hash, DEADLINE),
            "the follower did not print line {} within {DEADLINE:?} of it being durable; it \
             said {:?}",
            line["seq"],
            f.said
        );
    }
}

#[test]
fn followers_see_each_new_line_within_250ms_and_follow_a_resume_after_a_crash() {
    let home = tempfile::tempdir().expect("tmp");
    let runbook = common::write_runbook(home.path());
    let session = home.path().join("s.jsonl");
    let writer_args = |resume: bool| {
        let mut a = vec![
            "--runbook".to_string(),
            runbook.display().to_string(),
            "--operator".into(),
            "lead".into(),
            "--session".into(),
            session.display().to_string(),
        ];
        if resume {
            a.push("--resume".into());
        }
        a
    };
    let args: Vec<String> = writer_args(false);
    let mut writer = Headless::start(
        home.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    writer.wait_for("SessionStarted");
    let mut file = Follower::file(home.path(), &session);
    let mut pipe = Follower::pipe(home.path(), &session);
    for f in [&mut file, &mut pipe] {
        let until = Instant::now() + Duration::from_secs(10);
        while f.count("SessionStarted") == 0 {
            assert!(Instant::now() < until, "no opening line: {:?}", f.said);
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    for item in ["t-7d/review", "t-7d/unit-tests", "t-1d/backup"] {
        tick_and_see(&mut writer, item, &mut [&mut file, &mut pipe]);
    }

    // The writer quits: both say so.
    writer.send("quit");
    writer.wait_for("SessionEnded");
    let _ = writer.child.wait();
    file.says("the writer closed the session (quit)");
    pipe.says("the writer closed the session (quit)");

    // A later run crashed mid-line, leaving a torn line; the next one resumes the file.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&session)
        .expect("append");
    f.write_all(br#"{"v":1,"seq":6,"at":"2026-"#).expect("torn");
    drop(f);
    std::thread::sleep(Duration::from_millis(300));
    let args = writer_args(true);
    let mut writer = Headless::start(
        home.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let resumed = writer.wait_for("SessionResumed");
    assert!(
        resumed["event"]["torn_bytes"].as_u64() > Some(0),
        "{resumed}"
    );
    tick_and_see(
        &mut writer,
        "rollback/switch-back",
        &mut [&mut file, &mut pipe],
    );
    file.says("cut off");
    pipe.says("started over");
    for f in [&mut file, &mut pipe] {
        assert_eq!(f.count("SessionResumed"), 1, "{:?}", f.said);
        assert_eq!(f.count("SessionStarted"), 1, "no line twice: {:?}", f.said);
        assert_eq!(f.count("ItemTicked"), 4);
        assert!(
            !f.said.iter().any(|s| s.starts_with("damage")),
            "a resume is not damage: {:?}",
            f.said
        );
    }
    writer.send("quit");
    writer.wait_for("SessionEnded");
    let _ = writer.child.wait();

    // A forged line: damage, said at once.
    let text = std::fs::read_to_string(&session).expect("read");
    let last = text.lines().last().expect("a line").to_string();
    let forged = last.replacen("\"quit\"", "\"forged\"", 1);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&session)
        .expect("append");
    writeln!(f, "{forged}").expect("forge");
    drop(f);
    let d = file.says("damage: line");
    assert!(d.contains("does not match the previous line's hash"), "{d}");
    pipe.says("damage: line");
}

#[test]
fn follow_from_stdin_ends_with_the_input_and_fails_on_damage() {
    let home = tempfile::tempdir().expect("tmp");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sessions/sim-go-shift-rollback.jsonl");
    let text = std::fs::read_to_string(&fixture).expect("fixture");
    let run = |input: String| {
        let mut child = common::warroom(home.path())
            .args(["follow", "--headless", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut stdin = child.stdin.take().expect("stdin");
        std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        child.wait_with_output().expect("runs")
    };
    let out = run(text.clone());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        text,
        "every line, as written"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the writer closed the session (quit)"),
        "{stderr}"
    );

    let edited = text.replacen("fixture: a manual rollback", "nobody rolled back", 1);
    let out = run(edited);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("damage: line 38: hash mismatch"),
        "{stderr}"
    );
}
