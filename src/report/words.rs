//! Values in words, shared by the Markdown and HTML views: ratios as percentages, latencies
//! in milliseconds, measurements against their limits, people with their roles.

use super::model::{Crossing, Measured, Person, Rule};
use super::time::{clock, dur};

/// A signal's value in its unit.
pub fn value(signal: &str, v: f64) -> String {
    match signal {
        "error_ratio" => pct(v),
        s if s.starts_with("latency") || s.starts_with("baseline") => {
            format!("{:.0} ms", v * 1000.0)
        }
        "throughput" => format!("{v:.1} rps"),
        "restarts_since_go" | "crashloop" => format!("{v:.0} restarts"),
        _ => format!("{v:.3}"),
    }
}

/// A ratio as a percentage with two decimals.
pub fn pct(v: f64) -> String {
    format!("{:.2} %", v * 100.0)
}

/// A signal's name for people.
pub fn signal(name: &str) -> String {
    match name {
        "error_ratio" => "error ratio".to_string(),
        "latency_p50" => "p50".to_string(),
        "latency_p95" => "p95".to_string(),
        "latency_p99" => "p99".to_string(),
        "baseline_p99" => "baseline p99".to_string(),
        "restarts_since_go" => "restarts since go".to_string(),
        "crashloop" => "crash loop".to_string(),
        other => other.replace('_', " "),
    }
}

/// `name (role)`.
pub fn person(p: &Person) -> String {
    if p.role.is_empty() {
        p.name.clone()
    } else {
        format!("{} ({})", p.name, p.role)
    }
}

/// "green error ratio 8.10 % (limit 5.00 %: over)", or "… unknown (no traffic)".
pub fn measured(m: &Measured) -> String {
    let what = format!("{} {}", m.version, signal(&m.signal));
    let limit = |w: &str| {
        m.threshold
            .map(|t| format!(" ({w} {}", value(&m.signal, t)))
            .unwrap_or_default()
    };
    match m.value {
        Some(v) => {
            let verdict = match m.over {
                Some(true) => ": over)",
                Some(false) => ": within)",
                None if m.threshold.is_some() => ")",
                None => "",
            };
            let unknown = m
                .unknown
                .as_deref()
                .map(|u| format!(" [{u}]"))
                .unwrap_or_default();
            format!(
                "{what} {}{}{verdict}{unknown}",
                value(&m.signal, v),
                limit("limit")
            )
        }
        None => format!(
            "{what} unknown ({}){}",
            m.unknown.as_deref().unwrap_or("no data"),
            m.threshold
                .map(|t| format!(", limit {}", value(&m.signal, t)))
                .unwrap_or_default()
        ),
    }
}

/// The rule's window, breaches and unknown handling in a line.
pub fn rule_counts(r: &Rule) -> String {
    let window = if r.window_s > 0 {
        format!("window {}", dur(r.window_s as f64))
    } else {
        "no window (instant rule)".to_string()
    };
    format!(
        "{window}; {} of {} known samples over the limit; {} unknown (unknown data: {})",
        r.breaches, r.samples, r.unknown_samples, r.on_unknown
    )
}

/// "green error ratio 8.10 % over the auto-rollback limit 5.00 % at 15:10:02".
pub fn crossing(c: &Crossing) -> String {
    format!(
        "{} {} {} over the {} limit {} at {}",
        c.version,
        signal(&c.signal),
        value(&c.signal, c.value),
        c.threshold_of,
        value(&c.signal, c.threshold),
        clock(&c.at)
    )
}
