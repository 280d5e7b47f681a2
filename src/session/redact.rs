//! Secret redaction, applied to every string of an event before it is written anywhere; the
//! screen draws only recorded events, so it shows the same redacted text.
//!
//! `rules` says where secrets are written (flags, fields, headers, URLs, commands), `names`
//! which names hold one, `yaml` handles block scalars. The rules err on the side of hiding: a
//! redacted value that was not a secret costs a reviewer a little context; a secret in a
//! session log that is shared for a post-mortem costs far more. They never cost a word or a
//! quote around the secret (`tests/fixtures/redaction/` holds the corpus that says so).

use std::sync::LazyLock;

use regex::{Captures, Regex};

use serde_json::Value;

use crate::event::{Actor, Event};

/// What replaces a secret.
pub const MASK: &str = "[REDACTED]";

mod names;
mod rules;
mod yaml;

use rules::{RULE_SET, RULES};

/// The secret-named environment variables, read once: the environment of a running war room
/// does not change, and reading it for every string would dominate the cost of an append.
static SECRET_ENV: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    std::env::vars()
        .filter(|(n, v)| is_secret_env_name(n) && v.len() >= 6)
        .collect()
});

/// Environment variables are judged broadly: hiding a value that was not secret costs
/// nothing here.
fn is_secret_env_name(name: &str) -> bool {
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
    let mut out = if yaml::may_apply(s) {
        yaml::blocks(s)
    } else {
        s.to_string()
    };
    // One pass of the set tells which rules can apply; most strings match none. After a rule
    // rewrote the text, one more pass tells which of the later rules apply to the new text.
    let mut hits = RULE_SET.matches(&out);
    for (i, r) in RULES.iter().enumerate() {
        if !hits.matched_any() {
            break;
        }
        if !hits.matched(i) {
            continue;
        }
        let next = r.re.replace_all(&out, |c: &Captures| (r.fix)(c));
        if next != out {
            out = next.into_owned();
            hits = RULE_SET.matches(&out);
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
        if is_secret_env_name(&name) && value.len() >= 6 && out.contains(&value) {
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
    // A path through a randomly named directory (`tmpw6GjIs/touch-marker-auth`) still has a
    // segment that is a word; a base64 key's segments almost never are.
    if s.contains('/') && s.split('/').any(is_word) {
        return false;
    }
    shannon_bits(s) >= 4.0
}

/// Five or more lowercase letters, or lowercase words joined by `-`/`_`.
fn is_word(seg: &str) -> bool {
    let letters = seg.bytes().filter(u8::is_ascii_lowercase).count();
    seg.bytes().all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_')
        && (letters >= 5 || (letters >= 3 && seg.contains(['-', '_'])))
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
