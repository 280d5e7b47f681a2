//! Posting status updates to a webhook, end to end with the headless war room and a webhook
//! fake on 127.0.0.1: a post that fails (a 500, then no answer within the timeout) is logged
//! as failed with its text kept, and `comms retry` posts the same text again until the fake
//! takes it; the fake receives Slack's `{"text": …}` JSON; the URL never appears in the log,
//! on stdout or on stderr; the end of input waits for a post's answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// What the fake does with the n-th request (0-based); past the list, it answers 200.
#[derive(Clone, Copy)]
enum Answer {
    Status(u16),
    /// Holds the request without answering for this long.
    Silence(Duration),
}

/// A request the fake received.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    content_type: String,
    body: serde_json::Value,
}

struct Fake {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Fake {
    fn start(script: Vec<Answer>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        std::thread::spawn(move || {
            for (n, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { return };
                let answer = script.get(n).copied().unwrap_or(Answer::Status(200));
                let log = Arc::clone(&log);
                // One thread per connection: a silent answer must not hold up the next post.
                std::thread::spawn(move || serve(stream, answer, &log));
            }
        });
        Self { port, received }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn serve(mut stream: TcpStream, answer: Answer, log: &Mutex<Vec<Received>>) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut r = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    r.read_line(&mut request_line).unwrap();
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let (mut len, mut content_type) = (0usize, String::new());
    loop {
        let mut h = String::new();
        r.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':').unwrap_or((h, ""));
        match name.to_ascii_lowercase().as_str() {
            "content-length" => len = value.trim().parse().unwrap(),
            "content-type" => content_type = value.trim().to_string(),
            _ => {}
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    log.lock().unwrap().push(Received {
        path,
        content_type,
        body: serde_json::from_slice(&body).unwrap(),
    });
    let status = match answer {
        Answer::Silence(d) => {
            std::thread::sleep(d);
            return;
        }
        Answer::Status(s) => s,
    };
    let text = if status == 200 {
        "ok"
    } else {
        "internal_error"
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

/// The secret part of the URL: it must never be written anywhere.
const SECRET: &str = "T0AAA1BBB/B0CCC2DDD/q8ZrXw2Lm4Kp9Vt7Ys1Nh3Jd";

const CONFIG: &str = r##"
[deployment]
name = "checkout"
environment = "staging"
release = "2.4.0"
stable = "2.3.1"

[comms]
webhook_url_env = "WARROOM_TEST_WEBHOOK"
timeout = "1s"
channel = "#deployment-war-room"
"##;

struct Room {
    child: Child,
    lines: mpsc::Receiver<String>,
    session: std::path::PathBuf,
}

impl Room {
    fn start(home: &Path, port: u16) -> Self {
        std::fs::write(home.join("warroom.toml"), CONFIG).unwrap();
        let rb = common::write_runbook(home);
        let session = home.join("s.jsonl");
        let mut child = common::warroom(home)
            .env(
                "WARROOM_TEST_WEBHOOK",
                format!("http://127.0.0.1:{port}/services/{SECRET}"),
            )
            .args([
                "run",
                "--headless",
                "--operator",
                "lead",
                "--role",
                "deployment-lead",
            ])
            .arg("--config")
            .arg(home.join("warroom.toml"))
            .arg("--runbook")
            .arg(&rb)
            .arg("--session")
            .arg(&session)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = common::read_lines(child.stdout.take().unwrap());
        Self {
            child,
            lines,
            session,
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// The next recorded line of type `kind` (every stdout line is checked for the secret).
    fn wait_for(&self, kind: &str) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(l) = self.lines.recv_timeout(Duration::from_millis(200)) {
                assert!(!l.contains(SECRET), "the webhook URL on stdout: {l}");
                let v: serde_json::Value = serde_json::from_str(&l).unwrap();
                if v["event"]["type"] == kind {
                    return v["event"].clone();
                }
            }
        }
        panic!("no {kind} within 15 s");
    }

    /// Closes stdin, waits for the clean end, and returns stderr.
    fn finish(mut self) -> (String, String) {
        drop(self.child.stdin.take());
        let out = self.child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let log = std::fs::read_to_string(&self.session).unwrap();
        (log, String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn a_failed_post_is_logged_and_the_same_text_is_posted_again_on_request() {
    let fake = Fake::start(vec![
        Answer::Status(500),
        Answer::Silence(Duration::from_secs(4)),
    ]);
    let home = tempfile::tempdir().unwrap();
    let mut room = Room::start(home.path(), fake.port);
    room.send("comms start --post");
    let drafted = room.wait_for("CommsDrafted");
    assert_eq!(drafted["id"], "c1");
    assert_eq!(drafted["kind"], "start");
    assert_eq!(drafted["post"], true);
    let text = drafted["text"].as_str().unwrap().to_string();
    assert!(
        text.starts_with("Subject: Staging Deployment Started - checkout 2.4.0"),
        "{text}"
    );
    assert!(text.contains("War Room: #deployment-war-room"), "{text}");

    // A 500: failed, and said so.
    let sent = room.wait_for("CommsSent");
    assert_eq!(
        (sent["id"].as_str(), sent["ok"].as_bool()),
        (Some("c1"), Some(false))
    );
    assert_eq!(sent["attempt"], 1);
    let detail = sent["detail"].as_str().unwrap();
    assert!(detail.starts_with("HTTP 500"), "{detail}");
    assert!(detail.contains("internal_error"), "{detail}");

    // Retried: no answer within the one-second timeout.
    room.send("comms retry");
    assert_eq!(room.wait_for("CommsRetried")["id"], "c1");
    let sent = room.wait_for("CommsSent");
    assert_eq!(
        (sent["ok"].as_bool(), sent["attempt"].as_u64()),
        (Some(false), Some(2))
    );
    let detail = sent["detail"].as_str().unwrap();
    assert!(detail.contains("no answer within 1s"), "{detail}");

    // Retried again: taken.
    room.send("comms retry c1");
    room.wait_for("CommsRetried");
    let sent = room.wait_for("CommsSent");
    assert_eq!(
        (sent["ok"].as_bool(), sent["attempt"].as_u64()),
        (Some(true), Some(3))
    );
    assert_eq!(sent["detail"], "HTTP 200 OK: ok");

    // Nothing left to retry: refused, on stderr.
    room.send("comms retry");
    room.send("quit");
    let (log, stderr) = room.finish();
    assert!(stderr.contains("no failed post to retry"), "{stderr}");

    // Three posts, each Slack's JSON with the recorded text, to the URL from the environment.
    let got = fake.received();
    assert_eq!(got.len(), 3, "{got:?}");
    for r in &got {
        assert_eq!(r.path, format!("/services/{SECRET}"));
        assert!(r.content_type.starts_with("application/json"), "{r:?}");
        assert_eq!(r.body, serde_json::json!({ "text": text }));
    }
    // The URL is a secret: not in the log, not in any error.
    assert!(
        !log.contains(SECRET) && !log.contains("/services/"),
        "{log}"
    );
    assert!(!log.contains(&format!(":{}", fake.port)), "{log}");
    assert!(!stderr.contains(SECRET), "{stderr}");
    // The failures are in the log, in order, before the clean end.
    let kinds: Vec<String> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| {
            v["event"]["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("Comms"))
        })
        .map(|v| format!("{} {}", v["event"]["type"], v["event"]["ok"]))
        .collect();
    assert_eq!(
        kinds,
        [
            "\"CommsDrafted\" null",
            "\"CommsSent\" false",
            "\"CommsRetried\" null",
            "\"CommsSent\" false",
            "\"CommsRetried\" null",
            "\"CommsSent\" true",
        ]
    );
}

#[test]
fn the_end_of_input_waits_for_the_webhooks_answer() {
    let fake = Fake::start(vec![]);
    let home = tempfile::tempdir().unwrap();
    let mut room = Room::start(home.path(), fake.port);
    room.send("comms progress --post");
    room.send("comms start");
    // stdin closes at once: the session ends only once the post's answer is recorded.
    let (log, _) = room.finish();
    let events: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["event"].clone())
        .collect();
    let sent = events
        .iter()
        .position(|e| e["type"] == "CommsSent" && e["ok"] == true)
        .unwrap_or_else(|| panic!("no CommsSent in {log}"));
    let end = events
        .iter()
        .position(|e| e["type"] == "SessionEnded")
        .expect("a clean end");
    assert!(sent < end, "{log}");
    // The second update was recorded without a post.
    let second = events
        .iter()
        .find(|e| e["type"] == "CommsDrafted" && e["id"] == "c2")
        .expect("c2");
    assert_eq!(second["kind"], "start");
    assert!(second.get("post").is_none(), "{second}");
    assert_eq!(fake.received().len(), 1);
    assert!(
        fake.received()[0].body["text"]
            .as_str()
            .unwrap()
            .starts_with("Subject: Deployment Progress Update - 0% traffic shifted")
    );
}

#[test]
fn a_post_without_the_variable_set_is_refused_and_nothing_is_sent() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("warroom.toml"), CONFIG).unwrap();
    let rb = common::write_runbook(home.path());
    let session = home.path().join("s.jsonl");
    let out = common::warroom(home.path())
        .env_remove("WARROOM_TEST_WEBHOOK")
        .args([
            "run",
            "--headless",
            "--operator",
            "lead",
            "--role",
            "deployment-lead",
        ])
        .arg("--config")
        .arg(home.path().join("warroom.toml"))
        .arg("--runbook")
        .arg(&rb)
        .arg("--session")
        .arg(&session)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            writeln!(c.stdin.as_mut().unwrap(), "comms start --post")?;
            drop(c.stdin.take());
            c.wait_with_output()
        })
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("$WARROOM_TEST_WEBHOOK is not set in the war room's environment"),
        "{stderr}"
    );
    let log = std::fs::read_to_string(&session).unwrap();
    assert!(
        log.contains("\"ActionRefused\""),
        "the refusal is recorded: {log}"
    );
    assert!(!log.contains("CommsDrafted"), "{log}");
}
