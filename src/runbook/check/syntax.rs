//! The small languages inside a check: `QUERY OP NUMBER [for DURATION]` for PromQL thresholds
//! and `path == value` for JSON fields.

use std::sync::LazyLock;
use std::time::Duration as StdDuration;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::config::warroom::Duration;

/// A comparison between a value and a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cmp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Cmp {
    /// Whether `value OP threshold` holds (finite numbers only reach here).
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Cmp::Lt => value < threshold,
            Cmp::Le => value <= threshold,
            Cmp::Gt => value > threshold,
            Cmp::Ge => value >= threshold,
            Cmp::Eq => value == threshold,
            Cmp::Ne => value != threshold,
        }
    }

    fn parse(s: &str) -> Option<Cmp> {
        Some(match s {
            "<" => Cmp::Lt,
            "<=" => Cmp::Le,
            ">" => Cmp::Gt,
            ">=" => Cmp::Ge,
            "==" => Cmp::Eq,
            "!=" => Cmp::Ne,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Cmp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
        })
    }
}

/// The last comparison of the expression, then the hold. The query is matched lazily and the
/// rest is anchored at the end, so a comparison inside the query (`sum(x > 5) < 3`) stays in
/// the query.
static PROMQL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?s)^\s*(?P<q>.+?)\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<n>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?:\bfor\s+(?P<d>\S+))?\s*$",
    )
    .expect("the PromQL threshold pattern compiles")
});

/// Reads `QUERY OP NUMBER [for DURATION]`: the query, the comparison, the threshold and the
/// hold. The comparison is made by the war room, not by Prometheus, so an empty answer stays
/// "no data" instead of reading as a filtered-out (failing) series.
pub fn parse_promql(text: &str) -> Result<(String, Cmp, f64, Option<StdDuration>), String> {
    let example = "write e.g. promql = 'sum(rate(http_requests_total{code=~\"5..\"}[5m])) / sum(rate(http_requests_total[5m])) < 0.01 for 10m'";
    let Some(c) = PROMQL.captures(text) else {
        return Err(format!(
            "a promql check is QUERY, a comparison (<, <=, >, >=, ==, !=), a number and \
             optionally `for DURATION`; {example}"
        ));
    };
    let query = c["q"].trim().to_string();
    let cmp = Cmp::parse(&c["op"]).ok_or_else(|| format!("unknown comparison; {example}"))?;
    let threshold: f64 = c["n"]
        .parse()
        .map_err(|_| format!("\"{}\" is not a number; {example}", &c["n"]))?;
    let hold = match c.name("d") {
        Some(d) => Some(
            d.as_str()
                .parse::<Duration>()
                .map_err(|e| format!("for: {e}"))?
                .0,
        ),
        None => None,
    };
    if query.is_empty() {
        return Err(format!("the query is empty; {example}"));
    }
    if unbalanced(&query) {
        return Err(format!(
            "the query's brackets or quotes do not close: {query}; check the expression"
        ));
    }
    Ok((query, cmp, threshold, hold))
}

/// Whether `(`, `[`, `{` and quotes fail to pair up (outside quoted strings).
fn unbalanced(q: &str) -> bool {
    let mut stack = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for ch in q.chars() {
        if let Some(open) = quote {
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == open {
                quote = None;
            }
            continue;
        }
        match ch {
            '"' | '\'' | '`' => quote = Some(ch),
            '(' | '[' | '{' => stack.push(ch),
            ')' | ']' | '}' => {
                let want = match ch {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if stack.pop() != Some(want) {
                    return true;
                }
            }
            _ => {}
        }
    }
    quote.is_some() || !stack.is_empty()
}

/// Reads one JSON expectation, `path == value`: a dotted path into the body and a JSON value
/// (`"ok"`, `true`, `3`, `null`); a value that is not JSON reads as a string (`status == ok`).
pub fn json_expectation(text: &str) -> Result<(String, serde_json::Value), String> {
    let Some((path, value)) = text.split_once("==") else {
        return Err(format!(
            "\"{text}\" is not `path == value`; write e.g. json = ['status == \"ok\"', 'checks.db == true']"
        ));
    };
    let path = path.trim();
    let value = value.trim();
    let path_ok = !path.is_empty()
        && path
            .split('.')
            .all(|p| !p.is_empty() && !p.contains(char::is_whitespace));
    if !path_ok {
        return Err(format!(
            "\"{path}\" is not a field path; name fields with dots, e.g. checks.db"
        ));
    }
    if value.is_empty() {
        return Err(format!("\"{text}\" has no value after `==`"));
    }
    let v = serde_json::from_str(value).unwrap_or_else(|_| serde_json::Value::String(value.into()));
    Ok((path.to_string(), v))
}
