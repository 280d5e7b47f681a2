//! The redaction corpus: texts that hold a secret must come out exactly as written in
//! `tests/fixtures/redaction/redacted.txt`, texts without one (`unchanged.txt`) must come out
//! untouched. Redacting twice changes nothing, JSON stays JSON, and a shell command that
//! parsed before redaction still parses after it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use warroom::session::redact;

/// One case of a corpus file.
struct Case {
    name: String,
    line: usize,
    input: String,
    expected: String,
}

fn corpus(file: &str) -> Vec<Case> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/redaction")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut cases = Vec::new();
    let mut current: Option<(Case, bool)> = None;
    let finish = |c: Option<(Case, bool)>, cases: &mut Vec<Case>| {
        if let Some((mut case, has_output)) = c {
            trim_block(&mut case.input);
            trim_block(&mut case.expected);
            if !has_output {
                case.expected.clone_from(&case.input);
            }
            cases.push(case);
        }
    };
    for (i, line) in text.lines().enumerate() {
        if let Some(name) = line.strip_prefix("=== ") {
            finish(current.take(), &mut cases);
            current = Some((
                Case {
                    name: name.to_string(),
                    line: i + 1,
                    input: String::new(),
                    expected: String::new(),
                },
                false,
            ));
            continue;
        }
        let Some((case, has_output)) = current.as_mut() else {
            continue; // the header comments
        };
        if line == "--- redacted" {
            *has_output = true;
            continue;
        }
        let into = if *has_output {
            &mut case.expected
        } else {
            &mut case.input
        };
        into.push_str(line);
        into.push('\n');
    }
    finish(current, &mut cases);
    cases
}

/// A block ends with the blank line that separates it from the next case.
fn trim_block(s: &mut String) {
    while s.ends_with('\n') {
        s.pop();
    }
}

/// Whether bash accepts `s` as a script without running it.
fn shell_parses(s: &str) -> bool {
    let mut child = match Command::new("bash")
        .arg("-n")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("the corpus test needs bash to check shell syntax: {e}"),
    };
    child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    child.wait().unwrap().success()
}

fn check(file: &str, min: usize) {
    let cases = corpus(file);
    assert!(
        cases.len() >= min,
        "{file} holds {} cases, fewer than {min}",
        cases.len()
    );
    let mut failures = Vec::new();
    for c in &cases {
        let out = redact::text(&c.input);
        let at = format!("{file}:{} ({})", c.line, c.name);
        if out != c.expected {
            failures.push(format!(
                "{at}\n  input:    {:?}\n  expected: {:?}\n  got:      {:?}",
                c.input, c.expected, out
            ));
            continue;
        }
        let again = redact::text(&out);
        if again != out {
            failures.push(format!(
                "{at}: a second pass changed {out:?} into {again:?}"
            ));
        }
        if serde_json::from_str::<serde_json::Value>(&c.input).is_ok()
            && serde_json::from_str::<serde_json::Value>(&out).is_err()
        {
            failures.push(format!("{at}: the JSON stopped being JSON: {out:?}"));
        }
        if shell_parses(&c.input) && !shell_parses(&out) {
            failures.push(format!("{at}: the command no longer parses: {out:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_secret_in_the_corpus_is_redacted_exactly() {
    check("redacted.txt", 30);
}

#[test]
fn texts_without_secrets_survive_unchanged() {
    check("unchanged.txt", 30);
}

#[test]
fn the_corpus_is_large_enough_and_half_of_it_survives() {
    let secret = corpus("redacted.txt").len();
    let plain = corpus("unchanged.txt").len();
    assert!(secret + plain >= 60, "{secret} + {plain} cases");
    assert!(
        plain >= secret,
        "{plain} of {} cases survive",
        secret + plain
    );
    for c in corpus("redacted.txt") {
        assert_ne!(c.input, c.expected, "{}: nothing to redact", c.name);
        assert!(c.expected.contains(redact::MASK), "{}", c.name);
    }
}
