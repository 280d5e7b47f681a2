//! Secret redaction, applied to every string of an event before it is written anywhere.
//!
//! The rules err on the side of hiding: a redacted value that was not a secret costs a reviewer
//! a little context; a secret in a session log that is shared for a post-mortem costs far more.

use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::Value;

use crate::event::{Actor, Event};

/// What replaces a secret.
pub const MASK: &str = "[REDACTED]";

/// Words that mark a name (env var, flag, parameter, header) as holding a secret.
const SECRET_WORDS: &str = r"(?:token|key|secret|password|passwd|credential|pwd)";

struct Rule {
    re: Regex,
    /// Builds the replacement from the captures; the secret part becomes `MASK`.
    fix: fn(&Captures) -> String,
}

#[allow(clippy::expect_used)] // the patterns are constants, checked by the tests below
fn rule(pattern: &str, fix: fn(&Captures) -> String) -> Rule {
    Rule {
        re: Regex::new(pattern).expect("valid redaction pattern"),
        fix,
    }
}

fn keep1(c: &Captures) -> String {
    format!("{}{MASK}", &c[1])
}

fn keep1_quoted(c: &Captures) -> String {
    // Keep whatever quote opened the value so the line still reads as a command.
    let q = c.get(2).map_or("", |m| m.as_str());
    format!("{}{q}{MASK}{q}", &c[1])
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        // Authorization headers (any scheme), then bare bearer tokens.
        rule(
            r#"(?i)(authorization\s*[:=]\s*)(["']?)[^"'\r\n]+["']?"#,
            keep1_quoted,
        ),
        rule(r"(?i)(bearer\s+)[A-Za-z0-9\-._~+/]+=*", keep1),
        // user:pass@ in URLs.
        rule(r"(?i)([a-z][a-z0-9+.\-]*://[^/\s:@]+:)[^@\s/]+(@)", |c| {
            format!("{}{MASK}{}", &c[1], &c[2])
        }),
        // curl --user a:b / -u a:b (also --user=a:b).
        rule(
            r#"((?:--user|-u)(?:\s+|=)(["']?)[^\s:"']+:)[^\s"']+["']?"#,
            |c| {
                let q = c.get(2).map_or("", |m| m.as_str());
                format!("{}{MASK}{q}", &c[1])
            },
        ),
        // gh secret set … --body X / -b X.
        rule(
            r#"(gh\s+secret\s+set\b[^\n]*?\s(?:--body|-b)(?:\s+|=))(["']?)[^\s"']+["']?"#,
            keep1_quoted,
        ),
        // kubectl create secret … --from-literal=name=value.
        rule(r#"(--from-literal(?:\s+|=)["']?[^=\s"']+=)[^\s"']+"#, keep1),
        // --flag value / --flag=value where the flag names a secret.
        rule(
            &format!(
                r#"(?i)(--?[a-z0-9_\-]*{SECRET_WORDS}[a-z0-9_\-]*(?:\s+|=))(["']?)[^\s"'-][^\s"']*["']?"#
            ),
            keep1_quoted,
        ),
        // NAME=value and query parameters (…?token=…&api_key=…) where the name names a secret;
        // `$VAR` references are kept since they are not the secret itself.
        rule(
            &format!(
                r#"(?i)(\b[a-z0-9_.\-]*{SECRET_WORDS}[a-z0-9_.\-]*=)(["']?)[^\s"'&$][^\s"'&]*["']?"#
            ),
            keep1_quoted,
        ),
        // Header-style `X-Api-Key: value` (not `$VAR` references).
        rule(
            &format!(
                r#"(?i)(\b[a-z0-9_\-]*{SECRET_WORDS}[a-z0-9_\-]*:[ \t]*)(["']?)[^\s"'$\{{][^\s"']*["']?"#
            ),
            keep1_quoted,
        ),
    ]
});

static RULE_SET: LazyLock<regex::RegexSet> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // the same constant patterns as RULES
    regex::RegexSet::new(RULES.iter().map(|r| r.re.as_str())).expect("valid pattern set")
});

/// The secret-named environment variables, read once: the environment of a running war room
/// does not change, and reading it for every string would dominate the cost of an append.
static SECRET_ENV: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    std::env::vars()
        .filter(|(n, v)| is_secret_name(n) && v.len() >= 6)
        .collect()
});

fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["TOKEN", "KEY", "SECRET", "PASSWORD"]
        .iter()
        .any(|w| upper.contains(w))
}

static CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // constant pattern
    Regex::new(r"[A-Za-z0-9_\-+/=]{24,}").expect("valid pattern")
});

/// Redacts secrets in one string.
pub fn text(s: &str) -> String {
    let mut out = s.to_string();
    // One pass of the set tells which rules can apply; most strings match none.
    let hits = RULE_SET.matches(s);
    if hits.matched_any() {
        for (i, r) in RULES.iter().enumerate() {
            // A rule may become applicable after an earlier one rewrote the text, so a rule
            // the set did not flag is still checked once the text has changed.
            if (hits.matched(i) || out != s) && r.re.is_match(&out) {
                out =
                    r.re.replace_all(&out, |c: &Captures| (r.fix)(c))
                        .into_owned();
            }
        }
    }
    out = redact_secret_values(&out, SECRET_ENV.iter().map(|(n, v)| (n.clone(), v.clone())));
    CANDIDATE
        .replace_all(&out, |c: &Captures| {
            let m = &c[0];
            if looks_like_secret(m) {
                MASK.to_string()
            } else {
                m.to_string()
            }
        })
        .into_owned()
}

/// Values of environment variables (this process's, in production) whose names mark them as
/// secrets.
fn redact_secret_values(s: &str, vars: impl Iterator<Item = (String, String)>) -> String {
    let mut out = s.to_string();
    for (name, value) in vars {
        // Very short values would redact ordinary words.
        if is_secret_name(&name) && value.len() >= 6 && out.contains(&value) {
            out = out.replace(&value, MASK);
        }
    }
    out
}

/// A long run of mixed-case letters and digits with high entropy: an API key or token.
/// Lowercase hex (digests, commit ids) is left alone on purpose.
fn looks_like_secret(s: &str) -> bool {
    let has_upper = s.bytes().any(|b| b.is_ascii_uppercase());
    let has_lower = s.bytes().any(|b| b.is_ascii_lowercase());
    let has_digit = s.bytes().any(|b| b.is_ascii_digit());
    if !(has_upper && has_lower && has_digit) {
        return false;
    }
    // Paths and dotted names are words joined by separators, not keys.
    if s.matches('/').count() > 1 || s.contains("--") {
        return false;
    }
    shannon_bits(s) >= 4.0
}

fn shannon_bits(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

fn value(v: &mut Value) {
    match v {
        Value::String(s) => {
            let r = text(s);
            if r != *s {
                *s = r;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(value),
        Value::Object(o) => {
            for (k, v) in o.iter_mut() {
                // Digests and the wire tag are structural, never secrets.
                if k != "type" && !k.ends_with("sha256") && k != "hash" && k != "prev" {
                    value(v);
                }
            }
        }
        _ => {}
    }
}

/// Redacts every string of an event. Falls back to the original only if the event cannot be
/// round-tripped, which would be a bug caught by the tests.
pub fn event(e: Event) -> Event {
    let Ok(mut v) = serde_json::to_value(&e) else {
        return e;
    };
    value(&mut v);
    serde_json::from_value(v).unwrap_or(e)
}

/// Redacts the actor's fields (an operator name could be pasted with a token by mistake).
pub fn actor(a: &Actor) -> Actor {
    Actor {
        name: text(&a.name),
        role: text(&a.role),
        host: text(&a.host),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hides(input: &str, secret: &str) {
        let out = text(input);
        assert!(!out.contains(secret), "{secret:?} survived in {out:?}");
        assert!(out.contains(MASK), "{out:?}");
    }

    #[test]
    fn each_rule_hides_its_secret() {
        hides(
            "curl -H \"Authorization: Bearer abc.def-ghi\" x",
            "abc.def-ghi",
        );
        hides("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz");
        hides("token abc: Bearer s3cr3tTok", "s3cr3tTok");
        hides("https://admin:hunter22@db.example.com/x", "hunter22");
        hides(
            "curl -s --user admin:RSolvMonitor123! 'http://x'",
            "RSolvMonitor123!",
        );
        hides("curl -u bob:pa55word http://x", "pa55word");
        hides("mysql --password hunter2", "hunter2");
        hides("mysql --password=hunter2", "hunter2");
        hides("tool --token abcdef", "abcdef");
        hides("tool --client-secret=zzz", "zzz");
        hides("GET /x?token=abc123&y=1", "abc123");
        hides("GET /x?a=1&api_key=abc123", "abc123");
        hides("export DB_PASSWORD=hunter2", "hunter2");
        hides("MY_CREDENTIAL='swordfish'", "swordfish");
        hides(
            "gh secret set STAGING_API_KEY --body \"rsolv_9nk_8xwsWn9wykMTRaIr9PUra_jBK3we6GbFKDZ4\" --repo x/y",
            "rsolv_9nk",
        );
        hides(
            "kubectl create secret generic s --from-literal=password=s3cret",
            "s3cret",
        );
        hides("x-api-key: abcd1234", "abcd1234");
        hides(
            "key AKIAIOSFODNN7EXAMPLEXyz9Q2w8 here",
            "AKIAIOSFODNN7EXAMPLEXyz9Q2w8",
        );
    }

    #[test]
    fn ordinary_text_and_references_survive() {
        for s in [
            "All unit tests passing",
            "kubectl rollout status deployment/app-green",
            "curl -H \"x-api-key: $PROD_API_KEY\" https://api.example.com/v1",
            "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "Code coverage ≥ 80% for new code",
            "`SECRET_KEY_BASE` (64 hex chars)",
            "rsolvApiKey: ${{ secrets.STAGING_API_KEY }}",
        ] {
            assert_eq!(text(s), s);
        }
    }

    #[test]
    fn env_values_are_hidden() {
        let vars = || {
            [
                ("MY_TOKEN".to_string(), "Zq93kslAAbc".to_string()),
                ("PATH".to_string(), "/usr/bin".to_string()),
                ("SHORT_KEY".to_string(), "ab".to_string()),
            ]
            .into_iter()
        };
        let out = redact_secret_values("value is Zq93kslAAbc in /usr/bin, ab", vars());
        assert_eq!(out, format!("value is {MASK} in /usr/bin, ab"));
    }
}
