//! Checks proposed by the import: verifications a Markdown checklist already spells out, kept
//! as `proposed = true` checks that run only once an operator accepts them.
//!
//! Recognised, in an item's commands (continuation lines joined):
//! - a Prometheus query sent with `curl` (`--data-urlencode 'query=…'` or `?query=…`) followed by
//!   a `# Expected: < 0.01` comment → a `promql` check against the configured Prometheus;
//! - a plain `curl` GET with an expected status (`# Expected: 200 OK`, or `-f`/`--fail`) or an
//!   expected JSON body (`# Expected: {"status": "healthy"}`) → an `http` check;
//! - `kubectl rollout status deployment/NAME` → a Deployment available;
//!   `kubectl wait --for=condition=ready pod -l SELECTOR` → those pods ready;
//!
//! and in an item's text, a PromQL expression in a code span followed by a threshold
//! (`` `sum(rate(errors_total[5m]))` < 5 ``). A `curl` that sends headers, credentials, a body
//! or another method, or skips TLS verification, is not proposed: the check could not do the
//! same.

use std::sync::LazyLock;

use regex::Regex;

use crate::runbook::check::Check;
use crate::runbook::model::Runbook;

/// `# Expected: …` (or `Expect:`), the comment that says what a command should show.
static EXPECTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^#\s*expect(?:ed)?(?:\s+output)?\s*:\s*(.+)$").expect("pattern compiles")
});

/// A threshold: a comparison and a number at the start of the expectation.
static THRESHOLD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(<=|>=|==|!=|<|>|≤|≥)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?:\s|$|\()")
        .expect("pattern compiles")
});

/// A status at the start of the expectation: `200`, `200 OK`.
static STATUS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([1-5]\d\d)\b").expect("pattern compiles"));

/// A code span holding PromQL, then a threshold, in an item's text.
static SPAN_THRESHOLD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"`([^`]+)`\s*(<=|>=|==|!=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?:\s|$|[),.;])")
        .expect("pattern compiles")
});

/// Curl options that make a request the check cannot repeat as it is.
const UNREPEATABLE: &[&str] = &[
    "-H",
    "--header",
    "-u",
    "--user",
    "-X",
    "--request",
    "-d",
    "--data",
    "--data-raw",
    "--data-binary",
    "--json",
    "-F",
    "--form",
    "-T",
    "--upload-file",
    "-b",
    "--cookie",
    "-k",
    "--insecure",
    "-E",
    "--cert",
    "--oauth2-bearer",
    "-x",
    "--proxy",
    "--unix-socket",
];

/// What the proposals came to: how many were made, and the items with more than one (only
/// the first is kept: an item carries one check).
#[derive(Debug, Default)]
pub struct Proposals {
    /// Checks proposed.
    pub made: usize,
    /// `stage/item` of items whose commands held more than one recognisable check.
    pub crowded: Vec<String>,
}

/// Adds a proposed check to every item that spells one out and has none yet.
pub fn propose(rb: &mut Runbook) -> Proposals {
    let mut out = Proposals::default();
    for stage in &mut rb.stages {
        for item in &mut stage.items {
            if item.check.is_some() {
                continue;
            }
            let mut found: Vec<Check> = from_text(&item.text).into_iter().collect();
            for script in &item.commands {
                found.extend(from_script(script));
            }
            if found.len() > 1 {
                out.crowded.push(format!("{}/{}", stage.id, item.id));
            }
            if let Some(first) = found.into_iter().next() {
                item.check = Some(first);
                out.made += 1;
            }
        }
    }
    out
}

fn proposed(check: Check) -> Option<Check> {
    let c = Check {
        proposed: true,
        ..check
    };
    // Only what `check` accepts is proposed, so an import always passes it.
    c.spec().is_ok().then_some(c)
}

/// A PromQL code span with a threshold in an item's text.
fn from_text(text: &str) -> Option<Check> {
    let c = SPAN_THRESHOLD.captures(text)?;
    let query = c[1].trim();
    let promql_like = query.contains('(') || query.contains('{') || query.contains('[');
    if !promql_like {
        return None;
    }
    proposed(Check {
        promql: Some(format!("{query} {} {}", &c[2], &c[3])),
        ..Check::default()
    })
}

/// Every check recognised in one script, in order.
fn from_script(script: &str) -> Vec<Check> {
    let joined = join_continuations(script);
    let lines: Vec<&str> = joined.lines().map(str::trim).collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // The comments right after a command say what it should show.
        let expected = lines[i + 1..]
            .iter()
            .take_while(|l| l.is_empty() || l.starts_with('#'))
            .find_map(|l| EXPECTED.captures(l).map(|c| c[1].trim().to_string()));
        let Some(words) = shlex::split(line) else {
            continue;
        };
        let check = match words.first().map(String::as_str) {
            Some("curl") => curl(&words, expected.as_deref()),
            Some("kubectl") => kubectl(&words),
            _ => None,
        };
        out.extend(check);
    }
    out
}

/// `\` at the end of a line continues the command on the next.
fn join_continuations(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    for line in script.lines() {
        match line.trim_end().strip_suffix('\\') {
            Some(head) => {
                out.push_str(head.trim_end());
                out.push(' ');
            }
            None => {
                out.push_str(line.trim_start());
                out.push('\n');
            }
        }
    }
    out
}

/// The words of the first command of a line (up to a pipe, `;`, `&&` or `||`), and whether it
/// is piped into another command.
fn first_command(words: &[String]) -> (&[String], bool) {
    match words
        .iter()
        .position(|w| matches!(w.as_str(), "|" | "||" | "&&" | ";" | "&"))
    {
        Some(i) => (&words[..i], words[i] == "|"),
        None => (words, false),
    }
}

fn curl(words: &[String], expected: Option<&str>) -> Option<Check> {
    let (words, piped) = first_command(words);
    let mut url: Option<reqwest::Url> = None;
    let mut query: Option<String> = None;
    let mut fail = false;
    let mut repeatable = true;
    let mut args = words.iter().skip(1).peekable();
    while let Some(w) = args.next() {
        let w = w.as_str();
        if let Some(q) = w.strip_prefix("query=") {
            query = Some(q.to_string());
        } else if matches!(w, "--data-urlencode" | "--url-query") {
            if let Some(q) = args.next().and_then(|v| v.strip_prefix("query=")) {
                query = Some(q.to_string());
            }
        } else if UNREPEATABLE.contains(&w)
            || UNREPEATABLE.iter().any(|o| w.starts_with(&format!("{o}=")))
        {
            repeatable = false;
        } else if w == "--fail" || w == "--fail-with-body" {
            fail = true;
        } else if let Some(short) = w.strip_prefix('-').filter(|s| !s.starts_with('-')) {
            // Bundled short flags: -fsS, -sf. A flag taking a value swallows the next word.
            fail |= short.contains('f');
            if short.contains(['k', 'I', 'X', 'H', 'u', 'd', 'F', 'T', 'b', 'E', 'x']) {
                repeatable = false;
            }
            if short.ends_with(['o', 'w', 'm', 'A', 'e']) {
                args.next();
            }
        } else if w.starts_with("http://") || w.starts_with("https://") {
            url = reqwest::Url::parse(w).ok();
        }
    }
    let url = url?;
    // `/api/v1/query?query=…`: the query travels in the URL.
    if query.is_none() && url.path().ends_with("/api/v1/query") {
        query = url
            .query_pairs()
            .find(|(k, _)| k == "query")
            .map(|(_, v)| v.into_owned());
    }
    if let Some(q) = query {
        let t = THRESHOLD.captures(expected?.trim())?;
        let op = match &t[1] {
            "≤" => "<=",
            "≥" => ">=",
            other => other,
        };
        return proposed(Check {
            promql: Some(format!("{} {op} {}", q.trim(), &t[2])),
            ..Check::default()
        });
    }
    let plain = repeatable && !url.as_str().contains('$') && url.username().is_empty();
    if !plain {
        return None;
    }
    let mut check = Check {
        http: Some(url.to_string()),
        ..Check::default()
    };
    match expected {
        Some(e) if e.starts_with('{') => {
            check.status = Some(200);
            check.json = json_fields(e);
        }
        Some(e) if STATUS.is_match(e) => {
            check.status = STATUS.captures(e).and_then(|c| c[1].parse().ok());
        }
        // Output piped elsewhere or an expectation in words: nothing to compare with.
        _ if fail && !piped => check.status = Some(200),
        _ => return None,
    }
    proposed(check)
}

/// The scalar top-level fields of an expected JSON body, as `path == value`; nothing if the
/// example is not JSON (then only the status is checked).
fn json_fields(example: &str) -> Vec<String> {
    let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(example)
    else {
        return Vec::new();
    };
    o.iter()
        .filter(|(_, v)| v.is_string() || v.is_number() || v.is_boolean())
        .map(|(k, v)| format!("{k} == {v}"))
        .collect()
}

fn kubectl(words: &[String]) -> Option<Check> {
    let (words, _) = first_command(words);
    let mut namespace = None;
    let mut selector = None;
    let mut condition = None;
    let mut positional = Vec::new();
    let mut args = words.iter().skip(1);
    while let Some(w) = args.next() {
        let w = w.as_str();
        if matches!(w, "-n" | "--namespace") {
            namespace = args.next().cloned();
        } else if let Some(n) = w.strip_prefix("--namespace=") {
            namespace = Some(n.to_string());
        } else if matches!(w, "-l" | "--selector") {
            selector = args.next().cloned();
        } else if let Some(s) = w.strip_prefix("--selector=") {
            selector = Some(s.to_string());
        } else if let Some(c) = w.strip_prefix("--for=condition=") {
            condition = Some(c.to_ascii_lowercase());
        } else if !w.starts_with('-') {
            positional.push(w);
        }
    }
    let deployment = |target: &str| {
        ["deployment/", "deployments/", "deploy/"]
            .iter()
            .find_map(|p| target.strip_prefix(p))
            .map(str::to_string)
    };
    let check = match (positional.as_slice(), condition.as_deref()) {
        (["rollout", "status", target, ..], _) => Check {
            kube: Some(format!("deployment/{}", deployment(target)?)),
            namespace,
            ..Check::default()
        },
        (["wait", target, ..], Some("available")) => Check {
            kube: Some(format!("deployment/{}", deployment(target)?)),
            namespace,
            ..Check::default()
        },
        (["wait", "pod" | "pods", ..], Some("ready")) => Check {
            kube: Some("pods".into()),
            selector: Some(selector?),
            namespace,
            ..Check::default()
        },
        _ => return None,
    };
    proposed(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(script: &str) -> Option<Check> {
        let mut all = from_script(script);
        // A shell line is not an argv: commands are never proposed.
        assert!(all.iter().all(|c| c.command.is_none()));
        (!all.is_empty()).then(|| all.remove(0))
    }

    #[test]
    fn prometheus_queries_with_an_expected_threshold_become_promql_checks() {
        let c = one(
            "# Check error rate\ncurl -G \"http://prometheus.example.com/api/v1/query\" \\\n  --data-urlencode 'query=rate(errors_total[5m]) / rate(requests_total[5m])'\n# Expected: < 0.01 (1%)\n",
        )
        .expect("proposed");
        assert_eq!(
            c.promql.as_deref(),
            Some("rate(errors_total[5m]) / rate(requests_total[5m]) < 0.01")
        );
        assert!(c.proposed);
        // Without a threshold there is nothing to judge by.
        assert_eq!(
            one(
                "curl -G http://p/api/v1/query --data-urlencode 'query=up'\n# Expected: Normal traffic levels"
            ),
            None
        );
    }

    #[test]
    fn curl_verifications_with_an_expected_status_become_http_checks() {
        let c = one("curl https://api.example.com/health\n# Expected: {\"status\": \"healthy\", \"version\": \"1.2.3\", \"providers\": [\"a\"]}")
            .expect("proposed");
        assert_eq!(c.http.as_deref(), Some("https://api.example.com/health"));
        assert_eq!(c.status, Some(200));
        assert_eq!(
            c.json,
            vec!["status == \"healthy\"", "version == \"1.2.3\""]
        );
        let c = one("curl -f https://prod.example.com/health/ready || escalate").expect("-f");
        assert_eq!(
            (c.http.as_deref(), c.status),
            (Some("https://prod.example.com/health/ready"), Some(200))
        );
        let c = one("curl -s https://app/ping\n# Expected: 204 No Content").expect("status");
        assert_eq!(c.status, Some(204));
        // Headers, credentials, other methods, skipped TLS or output piped away: not proposed.
        assert_eq!(
            one("curl -H \"Authorization: Bearer $K\" https://api/v1/agents\n# Expected: 200 OK"),
            None
        );
        assert_eq!(
            one("curl -X POST https://status/api/incidents\n# Expected: 201"),
            None
        );
        assert_eq!(one("curl -fk https://self-signed/health"), None);
        assert_eq!(one("curl -s https://rsolv.dev/health | jq '.'"), None);
        assert_eq!(one("curl https://api.example.com/health"), None);
    }

    #[test]
    fn kubectl_waits_become_kube_checks() {
        let c = one("kubectl rollout status deployment/app -n prod --timeout=5m").expect("rollout");
        assert_eq!(
            (c.kube.as_deref(), c.namespace.as_deref()),
            (Some("deployment/app"), Some("prod"))
        );
        let c = one("kubectl wait --for=condition=ready pod \\\n  -l app=api,version=green \\\n  --timeout=600s").expect("wait");
        assert_eq!(
            (c.kube.as_deref(), c.selector.as_deref()),
            (Some("pods"), Some("app=api,version=green"))
        );
        assert_eq!(one("kubectl rollout undo deployment/app"), None);
        assert_eq!(one("kubectl get pods"), None);
    }

    #[test]
    fn a_promql_code_span_with_a_threshold_in_the_text_is_proposed() {
        let c =
            from_text("Error budget: `sum(rate(errors_total[5m]))` < 5 per second").expect("span");
        assert_eq!(c.promql.as_deref(), Some("sum(rate(errors_total[5m])) < 5"));
        assert_eq!(from_text("Coverage `pytest` > 80"), None);
    }
}
