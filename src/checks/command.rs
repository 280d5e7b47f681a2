//! Command checks: a program run with its argv as written (no shell), stdin closed, each output
//! stream read up to a cap and the rest drained, killed when its evaluation times out. Only a
//! trusted runbook gets here (see `reduce::checks::readiness`).

use std::process::Stdio;

use tokio::io::{AsyncRead, AsyncReadExt};

use super::{MAX_BODY_BYTES, Outcome};

/// How much of stderr a failure quotes.
const QUOTE_CHARS: usize = 200;

/// Runs `argv` and judges its exit code (and stdout against `stdout`, a regular expression).
pub async fn run(argv: &[String], exit: i32, stdout: Option<&str>) -> Outcome {
    let Some((program, args)) = argv.split_first() else {
        return Outcome::unknown("the command is empty");
    };
    // `^` and `$` match at every line: output nearly always ends in a newline.
    let pattern = match stdout
        .map(|re| regex::RegexBuilder::new(re).multi_line(true).build())
        .transpose()
    {
        Ok(p) => p,
        Err(e) => return Outcome::unknown(format!("stdout pattern: {e}")),
    };
    let mut child = match tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // A timed-out evaluation drops the future, and with it the child.
        .kill_on_drop(true)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return Outcome::unknown(format!("cannot start {program}: {e}")),
    };
    let (out, err) = tokio::join!(capped(child.stdout.take()), capped(child.stderr.take()));
    let status = match child.wait().await {
        Ok(s) => s,
        Err(e) => return Outcome::unknown(format!("{program}: cannot wait for it: {e}")),
    };
    let Some(code) = status.code() else {
        return Outcome::fail(None, format!("{program} was ended by a signal ({status})"));
    };
    let value = format!("exit {code}");
    if code != exit {
        let mut reason = format!("exit {code}, expected {exit}");
        if let Some(last) = last_line(&err) {
            reason.push_str(&format!(": {last}"));
        }
        return Outcome::fail(Some(value), reason);
    }
    let text = String::from_utf8_lossy(&out);
    if let Some(re) = &pattern
        && !re.is_match(&text)
    {
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Outcome::fail(
            Some(value),
            format!("stdout does not match /{re}/: {}", cut(first)),
        );
    }
    Outcome::pass(value)
}

/// Reads up to the cap, then drains the rest so the program never blocks on a full pipe.
async fn capped<R: AsyncRead + Unpin>(stream: Option<R>) -> Vec<u8> {
    let Some(mut stream) = stream else {
        return Vec::new();
    };
    let mut buf = Vec::new();
    let _ = (&mut stream)
        .take(MAX_BODY_BYTES)
        .read_to_end(&mut buf)
        .await;
    let _ = tokio::io::copy(&mut stream, &mut tokio::io::sink()).await;
    buf
}

fn last_line(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| cut(l.trim()))
}

fn cut(s: &str) -> String {
    if s.chars().count() > QUOTE_CHARS {
        format!("{}…", s.chars().take(QUOTE_CHARS).collect::<String>())
    } else {
        s.to_string()
    }
}
