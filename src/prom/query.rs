//! PromQL query templates: `{version}` and `{window}` placeholders filled in per series.
//!
//! Values are escaped for where the placeholder stands: inside `"…"` or `'…'` strings with Go
//! string escapes (plus regex escapes after `=~`/`!~`), never inside a raw backtick string
//! that would need them, and outside strings only when the value is a plain identifier. So a
//! version such as `1.2.3` or `a"b` can never change the shape of the query.

use std::time::Duration;

/// Placeholder for the version label value.
const VERSION: &str = "{version}";
/// Placeholder for the rate window.
const WINDOW: &str = "{window}";

/// The signal queries, as in `[prometheus.queries]` of `warroom.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTemplates {
    /// 5xx ratio. The numerator has `or vector(0)` so a version that never served a 5xx reads
    /// 0, not "no data"; with no traffic at all it is 0/0 = NaN, read as no traffic.
    pub error_ratio: String,
    /// Median latency in seconds.
    pub latency_p50: String,
    /// 95th percentile latency in seconds.
    pub latency_p95: String,
    /// 99th percentile latency in seconds.
    pub latency_p99: String,
    /// Requests per second.
    pub throughput: String,
    /// Cumulative requests of every status code, for the canary verdict's counts.
    pub requests: String,
    /// Cumulative 5xx responses (no series reads as none served).
    pub errors: String,
    /// Cumulative latency histogram buckets, one series per `le`.
    pub latency_buckets: String,
}

fn latency(q: &str) -> String {
    format!(
        "histogram_quantile({q}, sum by (le) (rate(http_request_duration_seconds_bucket{{version=\"{VERSION}\"}}[{WINDOW}])))"
    )
}

impl Default for QueryTemplates {
    fn default() -> Self {
        Self {
            error_ratio: format!(
                "(sum(rate(http_requests_total{{code=~\"5..\",version=\"{VERSION}\"}}[{WINDOW}])) or vector(0)) / sum(rate(http_requests_total{{version=\"{VERSION}\"}}[{WINDOW}]))"
            ),
            latency_p50: latency("0.5"),
            latency_p95: latency("0.95"),
            latency_p99: latency("0.99"),
            throughput: format!(
                "sum(rate(http_requests_total{{version=\"{VERSION}\"}}[{WINDOW}]))"
            ),
            requests: format!("sum(http_requests_total{{version=\"{VERSION}\"}})"),
            errors: format!("sum(http_requests_total{{code=~\"5..\",version=\"{VERSION}\"}})"),
            latency_buckets: format!(
                "sum by (le) (http_request_duration_seconds_bucket{{version=\"{VERSION}\"}})"
            ),
        }
    }
}

/// Why a template could not be filled in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A string literal is not closed.
    #[error("query template has an unterminated string starting at byte {offset}: {template}")]
    UnterminatedString {
        /// Byte offset of the opening quote.
        offset: usize,
        /// The template.
        template: String,
    },
    /// The value cannot stand where the placeholder is.
    #[error(
        "{placeholder} = {value:?} cannot be placed {context}; put the placeholder inside \"…\""
    )]
    NotAllowedHere {
        /// `{version}` or `{window}`.
        placeholder: &'static str,
        /// The value.
        value: String,
        /// Where it was.
        context: &'static str,
    },
    /// The window is zero or not a whole number of milliseconds.
    #[error("rate window {0:?} must be a positive whole number of milliseconds")]
    BadWindow(Duration),
}

/// A duration in PromQL syntax, in its largest whole unit (`5m`, `90s`, `1500ms`).
pub fn promql_duration(d: Duration) -> Result<String, TemplateError> {
    let ms = d.as_millis();
    if ms == 0 || !d.subsec_nanos().is_multiple_of(1_000_000) {
        return Err(TemplateError::BadWindow(d));
    }
    // Single units parse in every Prometheus 2.x; compound ones ("1m30s") only in newer ones.
    Ok(match ms {
        ms if ms.is_multiple_of(3_600_000) => format!("{}h", ms / 3_600_000),
        ms if ms.is_multiple_of(60_000) => format!("{}m", ms / 60_000),
        ms if ms.is_multiple_of(1_000) => format!("{}s", ms / 1_000),
        ms => format!("{ms}ms"),
    })
}

/// Escapes `value` for a PromQL string literal quoted with `quote` (`"` or `'`): Go escapes
/// for the quote, backslash and control characters.
pub fn escape_string(value: &str, quote: char) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Escapes RE2 metacharacters so a value matches itself under `=~`.
fn escape_regex(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Fills `{version}` and `{window}` into a template.
pub fn render(template: &str, version: &str, window: Duration) -> Result<String, TemplateError> {
    let window = promql_duration(window)?;
    let mut out = String::with_capacity(template.len() + version.len());
    let mut rest = template;
    // Inside a string: (quote, is a regex matcher's operand).
    let mut string: Option<(char, bool, usize)> = None;
    while let Some(c) = rest.chars().next() {
        let offset = template.len() - rest.len();
        if let Some(tail) = rest.strip_prefix(VERSION) {
            let value = match string {
                None if is_identifier(version) => version.to_owned(),
                None => return Err(not_allowed(VERSION, version, "outside a string literal")),
                Some(('`', ..)) if version.contains('`') => {
                    return Err(not_allowed(VERSION, version, "in a raw `…` string"));
                }
                Some(('`', true, _)) => escape_regex(version),
                Some(('`', false, _)) => version.to_owned(),
                Some((q, true, _)) => escape_string(&escape_regex(version), q),
                Some((q, false, _)) => escape_string(version, q),
            };
            out.push_str(&value);
            rest = tail;
            continue;
        }
        if let Some(tail) = rest.strip_prefix(WINDOW) {
            out.push_str(&window);
            rest = tail;
            continue;
        }
        let len = c.len_utf8();
        match (string, c) {
            (Some((q, ..)), '\\') if q != '`' => {
                // Copy the escape and the escaped character as they are.
                let escaped = rest[len..].chars().next().map_or(0, char::len_utf8);
                out.push_str(&rest[..len + escaped]);
                rest = &rest[len + escaped..];
                continue;
            }
            (Some((q, ..)), c) if c == q => string = None,
            (None, '"' | '\'' | '`') => {
                let before = out.trim_end();
                let regex = before.ends_with("=~") || before.ends_with("!~");
                string = Some((c, regex, offset));
            }
            (None, '#') => {
                // A comment runs to the end of the line; copy it untouched.
                let end = rest.find('\n').unwrap_or(rest.len());
                out.push_str(&rest[..end]);
                rest = &rest[end..];
                continue;
            }
            _ => {}
        }
        out.push(c);
        rest = &rest[len..];
    }
    if let Some((_, _, offset)) = string {
        return Err(TemplateError::UnterminatedString {
            offset,
            template: template.to_owned(),
        });
    }
    Ok(out)
}

fn not_allowed(placeholder: &'static str, value: &str, context: &'static str) -> TemplateError {
    TemplateError::NotAllowedHere {
        placeholder,
        value: value.to_owned(),
        context,
    }
}

impl QueryTemplates {
    /// Every signal's query for one version: (signal name, PromQL).
    pub fn render_all(
        &self,
        version: &str,
        window: Duration,
    ) -> Result<Vec<(&'static str, String)>, TemplateError> {
        [
            ("error_ratio", &self.error_ratio),
            ("latency_p50", &self.latency_p50),
            ("latency_p95", &self.latency_p95),
            ("latency_p99", &self.latency_p99),
            ("throughput", &self.throughput),
        ]
        .into_iter()
        .map(|(name, t)| Ok((name, render(t, version, window)?)))
        .collect()
    }
}
