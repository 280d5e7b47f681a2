//! Crash safety: a headless war room writing events is killed with SIGKILL at random moments,
//! over and over; every event it reported durable (printed after fdatasync) must survive, and
//! the file must verify (a torn final line is allowed and reported).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use warroom::session::verify_bytes;

/// xorshift64*: enough randomness for kill timings without a crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

const KILLS: usize = 200;

#[test]
fn sigkill_never_loses_an_event_reported_durable() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("kill-timing seed {seed}");
    let mut rng = Rng(seed);
    let home = tempfile::tempdir().unwrap();
    let rb = common::write_runbook(home.path());
    let (mut printed_total, mut torn_tails, mut resumed) = (0usize, 0usize, 0usize);
    let mut rounds_with_events = 0usize;

    for round in 0..KILLS {
        let session = home.path().join(format!("s{round}.jsonl"));
        let mut child = common::warroom(home.path())
            .args(["run", "--headless", "--operator", "lead", "--runbook"])
            .arg(&rb)
            .arg("--session")
            .arg(&session)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let lines = common::read_lines(child.stdout.take().unwrap());
        let mut stdin = child.stdin.take().unwrap();
        let feeder = std::thread::spawn(move || {
            for i in 0..5_000 {
                let cmd = if i % 2 == 0 {
                    format!("note t-7d/review progress {i}\n")
                } else {
                    "tick t-1d/backup\nuntick t-1d/backup\n".to_string()
                };
                if stdin.write_all(cmd.as_bytes()).is_err() {
                    return;
                }
            }
        });
        // Most kills land in the stream of synced events: wait for the first durable line,
        // then a random moment. Every fifth lands anywhere from process start, start-up
        // included. Anchoring on the first line keeps a loaded machine from turning every
        // kill into a kill during start-up.
        let mut printed: Vec<String> = Vec::new();
        if round % 5 != 0 {
            match lines.recv_timeout(Duration::from_secs(20)) {
                Ok(first) => printed.push(first),
                Err(e) => panic!("round {round}: no first line: {e}"),
            }
        }
        let wait = Duration::from_micros(rng.next() % 60_000);
        std::thread::sleep(wait);
        child.kill().unwrap();
        child.wait().unwrap();
        let _ = feeder.join();
        printed.extend(lines.iter());
        if printed.len() > 1 {
            rounds_with_events += 1;
        }
        printed_total += printed.len();

        let bytes = std::fs::read(&session).unwrap_or_default();
        let (report, _) = verify_bytes(&bytes)
            .unwrap_or_else(|d| panic!("round {round} (seed {seed}): damaged after SIGKILL: {d}"));
        if report.torn_tail.is_some() {
            torn_tails += 1;
        }
        let text = String::from_utf8_lossy(&bytes);
        let on_disk: Vec<&str> = text
            .split_inclusive('\n')
            .filter(|l| l.ends_with('\n'))
            .map(|l| l.trim_end_matches('\n'))
            .collect();
        assert!(
            on_disk.len() >= printed.len(),
            "round {round} (seed {seed}): {} lines reported durable, {} on disk",
            printed.len(),
            on_disk.len()
        );
        for (i, p) in printed.iter().enumerate() {
            assert_eq!(
                on_disk[i],
                p,
                "round {round} (seed {seed}): durable line {} differs on disk",
                i + 1
            );
        }

        // One file in ten is resumed: a torn tail is moved aside and the chain continues.
        if round % 10 == 1 && report.lines > 0 {
            let out = common::warroom(home.path())
                .args(["run", "--headless", "--resume", "--session"])
                .arg(&session)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let (after, _) = verify_bytes(&std::fs::read(&session).unwrap()).unwrap();
            assert!(after.clean_close);
            assert!(after.torn_tail.is_none());
            assert_eq!(
                after.lines,
                report.lines + 2,
                "resume adds SessionResumed and SessionEnded"
            );
            resumed += 1;
        }
    }
    eprintln!(
        "{KILLS} kills: {printed_total} durable events checked, {rounds_with_events} rounds killed \
         mid-stream, {torn_tails} torn tails, {resumed} resumes"
    );
    assert!(
        rounds_with_events >= KILLS / 2,
        "most kills should land after events were written ({rounds_with_events} of {KILLS})"
    );
    assert!(resumed >= KILLS / 20, "resumed only {resumed} files");
}
