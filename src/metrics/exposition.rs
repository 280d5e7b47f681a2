//! Parser for the Prometheus text exposition format 0.0.4 (what `/metrics` serves).
//!
//! Handles `# HELP`/`# TYPE` lines, plain comments, blank lines, labels with `\"`, `\\` and `\n`
//! escapes, optional timestamps, `NaN`/`+Inf`/`-Inf`, histogram `_bucket`/`_sum`/`_count`
//! series and counters named with or without `_total`. A malformed line is reported with its
//! line number and skipped; the rest of the scrape is still used.

use std::collections::BTreeMap;

use super::Labels;

/// A metric family's `# TYPE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricType {
    /// `counter`.
    Counter,
    /// `gauge`.
    Gauge,
    /// `histogram` (classic, with `le` buckets).
    Histogram,
    /// `summary`.
    Summary,
    /// `untyped`, or no `# TYPE` line.
    Untyped,
}

impl MetricType {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "counter" => Self::Counter,
            "gauge" => Self::Gauge,
            "histogram" => Self::Histogram,
            "summary" => Self::Summary,
            "untyped" | "unknown" => Self::Untyped,
            _ => return None,
        })
    }
}

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpoSample {
    /// Series name as written (`http_requests_total`, `…_bucket`).
    pub name: String,
    /// Labels (without `__name__`; labels with empty values dropped, as Prometheus does).
    pub labels: Labels,
    /// The value (may be NaN or ±Inf).
    pub value: f64,
    /// The sample's own timestamp in ms, when the line had one.
    pub timestamp_ms: Option<i64>,
    /// The family the sample belongs to (`name` without `_bucket`/`_sum`/`_count`/`_total`
    /// where a `# TYPE` line says so).
    pub family: String,
    /// The family's type.
    pub metric_type: MetricType,
}

/// A line that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A parsed scrape.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exposition {
    /// Samples in the order they appeared.
    pub samples: Vec<ExpoSample>,
    /// `# TYPE` per family name.
    pub types: BTreeMap<String, MetricType>,
    /// `# HELP` per family name (unescaped).
    pub help: BTreeMap<String, String>,
    /// Lines that were skipped, and why.
    pub errors: Vec<LineError>,
}

/// Parses a `/metrics` body. Never fails: bad lines land in [`Exposition::errors`].
pub fn parse_exposition(body: &[u8]) -> Exposition {
    let mut out = Exposition::default();
    for (i, raw) in body.split(|b| *b == b'\n').enumerate() {
        let line_no = i + 1;
        let result = std::str::from_utf8(raw)
            .map_err(|e| format!("invalid UTF-8: {e}"))
            .and_then(|line| parse_line(line.strip_suffix('\r').unwrap_or(line), &mut out));
        if let Err(message) = result {
            out.errors.push(LineError {
                line: line_no,
                message,
            });
        }
    }
    out
}

fn parse_line(line: &str, out: &mut Exposition) -> Result<(), String> {
    let line = line.trim_start_matches([' ', '\t']);
    if line.trim_end().is_empty() {
        return Ok(());
    }
    if let Some(comment) = line.strip_prefix('#') {
        return parse_comment(comment, out);
    }
    let sample = parse_sample(line)?;
    let (family, metric_type) = family_of(&sample.0, &out.types);
    if metric_type == MetricType::Histogram
        && sample.0.ends_with("_bucket")
        && !sample.1.contains_key("le")
    {
        return Err(format!("histogram bucket {} has no le label", sample.0));
    }
    out.samples.push(ExpoSample {
        name: sample.0,
        labels: sample.1,
        value: sample.2,
        timestamp_ms: sample.3,
        family,
        metric_type,
    });
    Ok(())
}

/// `# HELP name text`, `# TYPE name type`, or any other comment (ignored).
fn parse_comment(comment: &str, out: &mut Exposition) -> Result<(), String> {
    let comment = comment.trim_start_matches([' ', '\t']);
    let (keyword, rest) = split_token(comment);
    if keyword != "HELP" && keyword != "TYPE" {
        return Ok(());
    }
    let (name, rest) = split_token(rest);
    if !is_metric_name(name) {
        return Err(format!(
            "# {keyword} line has an invalid metric name {name:?}"
        ));
    }
    if keyword == "HELP" {
        out.help.insert(name.to_owned(), unescape(rest, false));
        return Ok(());
    }
    let kind = rest.trim_end_matches([' ', '\t']);
    let Some(kind) = MetricType::parse(kind) else {
        return Err(format!("unknown metric type {kind:?} for {name}"));
    };
    if out.types.contains_key(name) {
        return Err(format!("second TYPE line for metric {name}"));
    }
    out.types.insert(name.to_owned(), kind);
    Ok(())
}

/// Splits off the first whitespace-separated token; the rest starts after one run of blanks.
fn split_token(s: &str) -> (&str, &str) {
    let end = s.find([' ', '\t']).unwrap_or(s.len());
    (&s[..end], s[end..].trim_start_matches([' ', '\t']))
}

/// (name, labels, value, timestamp).
type RawSample = (String, Labels, f64, Option<i64>);

fn parse_sample(line: &str) -> Result<RawSample, String> {
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if !is_metric_name(name) {
        return Err(format!(
            "invalid metric name at the start of {:?}",
            clip(line)
        ));
    }
    let mut rest = line[name_end..].trim_start_matches([' ', '\t']);
    let mut labels = Labels::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = parse_labels(after, &mut labels)?;
    }
    let (value_token, rest) = split_token(rest.trim_start_matches([' ', '\t']));
    let value = parse_float(value_token)
        .ok_or_else(|| format!("invalid value {value_token:?} for {name}"))?;
    let (ts_token, rest) = split_token(rest);
    let timestamp_ms = if ts_token.is_empty() {
        None
    } else {
        Some(
            ts_token
                .parse::<i64>()
                .map_err(|_| format!("invalid timestamp {ts_token:?} for {name}"))?,
        )
    };
    if !rest.trim_end().is_empty() {
        return Err(format!(
            "unexpected text {:?} after the sample of {name}",
            clip(rest)
        ));
    }
    Ok((name.to_owned(), labels, value, timestamp_ms))
}

/// Parses `name="value",…}` and returns what follows the closing brace.
fn parse_labels<'a>(mut s: &'a str, labels: &mut Labels) -> Result<&'a str, String> {
    loop {
        s = s.trim_start_matches([' ', '\t']);
        if let Some(after) = s.strip_prefix('}') {
            return Ok(after);
        }
        let name_end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(s.len());
        let name = &s[..name_end];
        if !is_label_name(name) {
            return Err(format!("invalid label name near {:?}", clip(s)));
        }
        s = s[name_end..].trim_start_matches([' ', '\t']);
        s = s
            .strip_prefix('=')
            .ok_or_else(|| format!("expected '=' after label {name}"))?
            .trim_start_matches([' ', '\t']);
        s = s
            .strip_prefix('"')
            .ok_or_else(|| format!("expected '\"' to open the value of label {name}"))?;
        let close =
            closing_quote(s).ok_or_else(|| format!("unterminated value of label {name}"))?;
        let value = unescape(&s[..close], true);
        if labels.contains_key(name) {
            return Err(format!("label {name} appears twice"));
        }
        // An empty label value is the same as no label (Prometheus drops it).
        if !value.is_empty() {
            labels.insert(name.to_owned(), value);
        }
        s = s[close + 1..].trim_start_matches([' ', '\t']);
        if let Some(after) = s.strip_prefix(',') {
            s = after;
        } else if !s.starts_with('}') {
            return Err(format!("expected ',' or '}}' after label {name}"));
        }
    }
}

/// Index of the unescaped `"` that ends a label value.
fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// Undoes `\\`, `\n` (and `\"` in label values); any other escape is kept as written, like
/// Prometheus' own parser.
fn unescape(s: &str, quotes: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if quotes => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Go `strconv.ParseFloat` as used by the text format: decimals, exponents, `NaN`, `±Inf`.
fn parse_float(s: &str) -> Option<f64> {
    if s.is_empty() || s.contains('_') {
        return None;
    }
    s.parse::<f64>().ok()
}

fn is_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The family and type of a series name: the exact `# TYPE` name, else the name without a
/// suffix its family's type allows (`_bucket`/`_sum`/`_count` for histograms, `_sum`/`_count`
/// for summaries, `_total` for counters declared without it, as OpenMetrics does).
fn family_of(name: &str, types: &BTreeMap<String, MetricType>) -> (String, MetricType) {
    if let Some(t) = types.get(name) {
        return (name.to_owned(), *t);
    }
    let suffixes: [(&str, &[MetricType]); 4] = [
        ("_bucket", &[MetricType::Histogram]),
        ("_sum", &[MetricType::Histogram, MetricType::Summary]),
        ("_count", &[MetricType::Histogram, MetricType::Summary]),
        ("_total", &[MetricType::Counter]),
    ];
    for (suffix, allowed) in suffixes {
        if let Some(base) = name.strip_suffix(suffix)
            && let Some(t) = types.get(base)
            && allowed.contains(t)
        {
            return (base.to_owned(), *t);
        }
    }
    (name.to_owned(), MetricType::Untyped)
}

/// At most 60 characters of a line, for error messages.
fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}
