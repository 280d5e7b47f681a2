//! The canary verdict on screen: one line in the traffic pane during a shift (the headline and
//! the sequential evidence as it accumulates, then Kayenta's judgment of the window so far),
//! and the why panel's section with the numbers behind each metric. NODATA and inconclusive
//! read as such; nothing here says "pass" without counted requests on both sides.

use ratatui::text::Line;

use super::widgets::span;
use super::{Ctx, sanitize, timefmt};
use crate::config::theme::Role;
use crate::release::plan::Sides;
use crate::state::State;
use crate::verdict::format::{number, number_from_log, percent, seconds};
use crate::verdict::judge::{Judgment, MetricJudgment};
use crate::verdict::monitor::Headline;
use crate::verdict::{Evidence, Metric};

/// The verdict line in three widths: full, without Kayenta's numbers, and short.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictLine {
    /// How it is drawn.
    pub role: Role,
    /// Everything: headline, evidence, Kayenta's metrics.
    pub full: String,
    /// Headline and evidence.
    pub mid: String,
    /// The headline and e against its threshold.
    pub short: String,
}

fn role(h: &Headline) -> Role {
    match h {
        Headline::Worse => Role::Crit,
        Headline::NoData(_) | Headline::Error(_) | Headline::Marginal | Headline::Fail => {
            Role::Warn
        }
        Headline::Inconclusive(_) => Role::Text,
        Headline::Pass => Role::Ok,
    }
}

/// `e 0.9 of 100 (errors 1.2, latency 0.6)`: the verdict's e-value (the mean of the two
/// tests') against 1/α, and each test's.
fn evidence_words(ev: &Evidence) -> (String, String) {
    let threshold = number(1.0 / ev.alpha);
    let e = number_from_log(ev.log_e);
    (
        format!(
            "e {e} of {threshold} (errors {}, latency {})",
            number_from_log(ev.errors.log_e),
            number_from_log(ev.latency.log_e)
        ),
        format!("e {e}/{threshold}"),
    )
}

/// `errors Pass 0.10 % vs 0.11 %`: Kayenta's label and the compared values (means of the
/// error-ratio series, medians of the latency series).
fn metric_words(m: &MetricJudgment) -> String {
    let r = &m.result;
    let (c, s) = match m.metric {
        Metric::Errors => (r.candidate.mean, r.baseline.mean),
        Metric::Latency => (r.candidate.median, r.baseline.median),
    };
    let show = |v: f64| match m.metric {
        Metric::Errors => percent(v),
        Metric::Latency => seconds(v),
    };
    match (c, s) {
        (Some(c), Some(s)) => format!(
            "{} {:?} {} vs {}",
            m.metric.name(),
            r.label,
            show(c),
            show(s)
        ),
        _ => format!("{} {:?}", m.metric.name(), r.label),
    }
}

fn kayenta_words(j: &Judgment) -> String {
    let parts: Vec<String> = j.metrics.iter().map(metric_words).collect();
    format!("MW {}", parts.join(", "))
}

/// The traffic pane's verdict line, during a shift.
pub fn line(state: &State) -> Option<VerdictLine> {
    let cfg = state.config.as_deref()?;
    let v = &state.verdict;
    if !v.counted {
        return Some(VerdictLine {
            role: Role::Warn,
            full: "verdict NODATA: no request counters recorded yet (each poll records them)"
                .into(),
            mid: "verdict NODATA: no request counters recorded".into(),
            short: "verdict NODATA".into(),
        });
    }
    let m = &v.monitor;
    let ev = m.evidence();
    let h = m.headline();
    let (e_long, e_short) = evidence_words(&ev);
    let word = h.word();
    let acts = if cfg.auto_rollback.sequential {
        ""
    } else {
        " (does not roll back)"
    };
    let (full, mid, short) = match &h {
        Headline::Worse => {
            let what = ev.summary();
            let what = what.trim_start_matches("WORSE: ");
            (
                format!("verdict WORSE: {what}{acts}"),
                format!("verdict WORSE: {what}"),
                format!("verdict WORSE · {e_short}"),
            )
        }
        Headline::NoData(why) => (
            format!("verdict NODATA: {why} · {e_long}"),
            format!("verdict NODATA: {why}"),
            "verdict NODATA".to_string(),
        ),
        Headline::Inconclusive(_) | Headline::Error(_) => {
            let samples = m.judgment.as_ref().map_or(0, |j| j.samples);
            let need = m.judge.errors.min_samples.max(m.judge.latency.min_samples);
            let kay = match &h {
                Headline::Error(why) => format!("MW error: {why}"),
                _ => format!("MW {samples} of {need} samples"),
            };
            (
                format!("verdict: {word} · {e_long} · {kay}"),
                format!("verdict: {word} · {e_long}"),
                format!("verdict: {word} · {e_short}"),
            )
        }
        Headline::Pass | Headline::Marginal | Headline::Fail => {
            let kay = m.judgment.as_ref().map(kayenta_words).unwrap_or_default();
            (
                format!("verdict: {word} · {e_long} · {kay}"),
                format!("verdict: {word} · {e_long}"),
                format!("verdict: {word} · {e_short}"),
            )
        }
    };
    Some(VerdictLine {
        role: role(&h),
        full,
        mid,
        short,
    })
}

/// The why panel's verdict section: the window, the sequential test's evidence per metric,
/// and Kayenta's judgment with its numbers.
pub fn why_lines<'a>(ctx: &Ctx<'_>) -> Vec<Line<'a>> {
    let theme = ctx.theme;
    let state = ctx.state;
    let v = &state.verdict;
    let text = |s: String| sanitize::line(&s).into_owned();
    let muted = |s: String| Line::from(span(theme, Role::Muted, text(s)));
    let plain = |s: String| Line::from(span(theme, Role::Text, text(s)));
    let Some(line) = line(state) else {
        return Vec::new();
    };
    let mut out = vec![Line::from(vec![
        span(theme, Role::Heading, "canary "),
        span(theme, line.role, text(line.mid)),
    ])];
    if !v.counted {
        out.push(muted(
            "  the verdict counts requests: it needs each version's request and 5xx counters \
             and latency histogram, which the scrape source records every poll"
                .to_string(),
        ));
        return out;
    }
    let cfg = state.config.as_deref();
    let sides = cfg.map(Sides::of).unwrap_or_default();
    let cand = sides.candidate.unwrap_or_else(|| "candidate".into());
    let stable = sides.stable.unwrap_or_else(|| "stable".into());
    let ev = v.monitor.evidence();
    let since = v
        .first_poll
        .map(|t| format!(" since {}", timefmt::clock_secs(t, ctx.tz)))
        .unwrap_or_default();
    out.push(muted(format!(
        "  window at {} %{since}: {} polls, {} unusable{}",
        v.weight,
        ev.polls,
        ev.skipped_polls,
        v.monitor
            .unusable
            .as_ref()
            .map(|u| format!(" (last: {u})"))
            .unwrap_or_default()
    )));
    let threshold = number(1.0 / ev.alpha);
    let acts = match cfg.map(|c| c.auto_rollback.sequential) {
        Some(true) => "auto-rollback acts on it ([auto_rollback] sequential = true)",
        _ => "shown only: [auto_rollback] sequential is off",
    };
    out.push(plain(format!(
        "  sequential test (anytime-valid at α = {}; worse at e ≥ {threshold}): {acts}",
        ev.alpha
    )));
    out.push(plain(format!(
        "    verdict e {} (largest {}; always-valid p = {}){}",
        number_from_log(ev.log_e),
        number_from_log(ev.max_log_e),
        number(ev.p_value),
        match ev.decision {
            crate::verdict::Decision::Worse { poll, metric } => {
                format!(" · WORSE at poll {poll}, mostly {}", metric.name())
            }
            crate::verdict::Decision::Continue => String::new(),
        }
    )));
    let count = |n: u64| n.to_string();
    out.push(plain(format!(
        "    errors  e {} (p = {}, {} tables) · {cand} {} of {} requests vs {stable} {} of {}",
        number_from_log(ev.errors.log_e),
        number(ev.errors.p_value),
        ev.errors.tables,
        percent(ev.candidate.error_ratio()),
        count(ev.candidate.requests),
        percent(ev.stable.error_ratio()),
        count(ev.stable.requests)
    )));
    let p99 = ev.p99().map_or_else(
        || "p99 unknown (no histogram counted)".to_string(),
        |(c, s)| format!("p99 {cand} {} vs {stable} {}", seconds(c), seconds(s)),
    );
    out.push(plain(format!(
        "    latency e {} (p = {}, {} tables) · {p99}",
        number_from_log(ev.latency.log_e),
        number(ev.latency.p_value),
        ev.latency.tables
    )));
    let m = &v.monitor;
    out.push(plain(format!(
        "  Kayenta judgment (Mann-Whitney U, {:.0} % confidence; valid once at the end of the \
         bake, re-judged here as each sample of {} polls completes; shown, never acted on)",
        m.judge.errors.confidence_level * 100.0,
        m.judge.step_polls
    )));
    match &m.judgment {
        None => out.push(muted("    no complete sample yet".to_string())),
        Some(j) => {
            out.push(plain(format!("    {}", j.summary())));
            for mj in &j.metrics {
                let level = m.judge.errors.confidence_level;
                out.push(muted(format!("      {}", metric_detail(mj, level))));
            }
        }
    }
    out
}

/// One metric's numbers: label, compared values, p, the interval and its bound, the effect.
fn metric_detail(m: &MetricJudgment, confidence: f64) -> String {
    let r = &m.result;
    let mut s = metric_words(m);
    let show = |v: f64| match m.metric {
        Metric::Errors => percent(v),
        Metric::Latency => seconds(v),
    };
    if let Some(t) = r.test {
        s.push_str(&format!(
            ", p = {}, {:.0} % CI of the shift [{}, {}] vs ±{} (HL {})",
            number(t.p_value),
            confidence * 100.0,
            show(t.ci_low),
            show(t.ci_high),
            show(t.bound),
            show(t.hodges_lehmann)
        ));
        if let Some(e) = t.effect_size {
            s.push_str(&format!(", effect {}", number(e)));
        }
    }
    s.push_str(&format!(
        "; samples {} vs {} ({} vs {} NaN)",
        r.candidate.count, r.baseline.count, r.candidate.nans, r.baseline.nans
    ));
    if let Some(why) = &r.reason {
        s.push_str(&format!("; {why}"));
    }
    s
}
