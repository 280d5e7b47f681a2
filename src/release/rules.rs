//! The auto-rollback rules (seed 001) and the softer "planned rollback recommended" criterion
//! (seed 002), evaluated over the candidate's recorded samples. Each evaluation says what it
//! measured against which threshold, over which window, how many samples breached, and how
//! missing data was treated, so the why panel and the report can show it. Unknown data never
//! counts as healthy and never, by itself, counts as a breach.

use jiff::{SignedDuration, Timestamp};

use super::plan::Sides;
use crate::config::warroom::{OnUnknown, WarroomConfig};
use crate::event::{AutoTrigger, Measurement, Signal};
use crate::state::State;
use crate::state::live::SignalPoint;
use crate::verdict::format::{number, number_from_log};

/// A rule's verdict at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Whether the rule holds (a breach: roll back, or recommend).
    pub fires: bool,
    /// What it looked at.
    pub trigger: AutoTrigger,
}

/// The seed 002 "planned rollback" criterion: errors over 2 % for 15 minutes, or latency 50 %
/// worse than the baseline for as long.
pub const RECOMMEND_ERROR_RATIO: f64 = 0.02;
/// See `RECOMMEND_ERROR_RATIO`.
pub const RECOMMEND_WINDOW: SignedDuration = SignedDuration::from_mins(15);
/// See `RECOMMEND_ERROR_RATIO`: p95 more than this much above the baseline's.
pub const RECOMMEND_LATENCY_INCREASE: f64 = 0.5;

fn on_unknown(cfg: &WarroomConfig) -> &'static str {
    match cfg.auto_rollback.on_unknown {
        OnUnknown::Pause => "pause",
        OnUnknown::Rollback => "rollback",
    }
}

fn window(cfg: &WarroomConfig) -> SignedDuration {
    SignedDuration::try_from(cfg.auto_rollback.window.0).unwrap_or(SignedDuration::MAX)
}

/// The candidate's points of `signal` in `[now - window, now]`, not before traffic reached it.
fn points<'a>(
    state: &'a State,
    version: &str,
    signal: Signal,
    now: Timestamp,
    window: SignedDuration,
) -> Vec<&'a SignalPoint> {
    let Some(series) = state.live.series(signal, version) else {
        return Vec::new();
    };
    let from = now.checked_sub(window).unwrap_or(Timestamp::MIN);
    let from = state.release.plan.started.map_or(from, |s| s.max(from));
    // Points are in time order: the window is found by bisection, not by a scan of the day.
    let (a, b) = (
        series.points.partition_point(|p| p.at < from),
        series.points.partition_point(|p| p.at <= now),
    );
    series.points.range(a..b.max(a)).collect()
}

fn trigger(rule: &str, cfg: &WarroomConfig, win: SignedDuration) -> AutoTrigger {
    AutoTrigger {
        rule: rule.to_string(),
        summary: String::new(),
        measurements: Vec::new(),
        window_s: u64::try_from(win.as_secs()).unwrap_or(0),
        breaches: 0,
        samples: 0,
        unknown_samples: 0,
        on_unknown: on_unknown(cfg).to_string(),
    }
}

/// The error ratio over the window: each sample weighted by the candidate's throughput at the
/// same moment (a ratio of sums, as PromQL over the whole window would give).
pub fn error_ratio(state: &State, cfg: &WarroomConfig, now: Timestamp) -> Option<Evaluation> {
    let cand = Sides::of(cfg).candidate?;
    let win = window(cfg);
    let limit = cfg.auto_rollback.error_ratio;
    let ratios = points(state, &cand, Signal::ErrorRatio, now, win);
    let rps = points(state, &cand, Signal::Throughput, now, win);
    let mut t = trigger("error-ratio", cfg, win);
    let (mut num, mut den) = (0.0, 0.0);
    for p in &ratios {
        match p.value {
            Some(v) => {
                t.samples += 1;
                if v > limit {
                    t.breaches += 1;
                }
                let w = rps
                    .iter()
                    .find(|r| r.at == p.at)
                    .and_then(|r| r.value)
                    .filter(|w| *w > 0.0)
                    .unwrap_or(1.0);
                num += v * w;
                den += w;
            }
            None => t.unknown_samples += 1,
        }
    }
    let value = (den > 0.0).then(|| num / den);
    t.measurements.push(Measurement {
        signal: "error_ratio".to_string(),
        version: cand.clone(),
        value,
        threshold: Some(limit),
        at: now,
        unknown: value
            .is_none()
            .then(|| unknown_reason(state, &cand, Signal::ErrorRatio)),
    });
    let fires = value.is_some_and(|v| v > limit);
    t.summary = match value {
        Some(v) => format!(
            "{cand} error ratio {:.2} % over the {} window {} the {:.2} % limit ({} of {} samples over; {} unknown)",
            v * 100.0,
            span(win),
            if fires { "is over" } else { "is within" },
            limit * 100.0,
            t.breaches,
            t.samples,
            t.unknown_samples
        ),
        None => format!("{cand} error ratio unknown over the {} window", span(win)),
    };
    Some(Evaluation { fires, trigger: t })
}

/// Candidate p99 against a multiple of the stable p99 captured at go. Without a usable
/// baseline (missing or 0) the rule cannot tell and never fires.
pub fn p99_vs_baseline(state: &State, cfg: &WarroomConfig, now: Timestamp) -> Option<Evaluation> {
    let cand = Sides::of(cfg).candidate?;
    let win = window(cfg);
    let k = cfg.auto_rollback.p99_vs_baseline;
    let baseline = state
        .release
        .baseline
        .as_ref()
        .and_then(|b| b.latency_p99)
        .filter(|b| b.is_finite() && *b > 0.0);
    let mut t = trigger("p99-vs-baseline", cfg, win);
    let mut known: Vec<f64> = Vec::new();
    for p in points(state, &cand, Signal::LatencyP99, now, win) {
        match p.value {
            Some(v) => known.push(v),
            None => t.unknown_samples += 1,
        }
    }
    t.samples = u32::try_from(known.len()).unwrap_or(u32::MAX);
    let limit = baseline.map(|b| b * k);
    if let Some(l) = limit {
        t.breaches = u32::try_from(known.iter().filter(|v| **v > l).count()).unwrap_or(0);
    }
    let median = median(&mut known);
    t.measurements.push(Measurement {
        signal: "latency_p99".to_string(),
        version: cand.clone(),
        value: median,
        threshold: limit,
        at: now,
        unknown: if median.is_none() {
            Some(unknown_reason(state, &cand, Signal::LatencyP99))
        } else if limit.is_none() {
            Some("no baseline p99 captured at go".to_string())
        } else {
            None
        },
    });
    t.measurements.push(Measurement {
        signal: "baseline_p99".to_string(),
        version: state
            .release
            .baseline
            .as_ref()
            .and_then(|b| b.version.clone())
            .unwrap_or_default(),
        value: baseline,
        threshold: None,
        at: state
            .release
            .baseline
            .as_ref()
            .and_then(|b| b.at)
            .unwrap_or(now),
        unknown: baseline.is_none().then(|| "missing or zero".to_string()),
    });
    let fires = matches!((median, limit), (Some(m), Some(l)) if m > l);
    t.summary = match (median, limit) {
        (Some(m), Some(l)) => format!(
            "{cand} p99 {:.0} ms (median over {}) {} {k}× the baseline = {:.0} ms",
            m * 1000.0,
            span(win),
            if fires { "is over" } else { "is within" },
            l * 1000.0
        ),
        (_, None) => "no usable p99 baseline from go: the p99 rule cannot tell".to_string(),
        (None, _) => format!("{cand} p99 unknown over the {} window", span(win)),
    };
    Some(Evaluation { fires, trigger: t })
}

/// Candidate pods crash-looping: CrashLoopBackOff, or restarts growing since go (a loop can
/// fall between two observations; the restart count cannot).
pub fn crashloop(state: &State, cfg: &WarroomConfig, now: Timestamp) -> Option<Evaluation> {
    let cand = Sides::of(cfg).candidate?;
    let mut t = trigger("crashloop", cfg, SignedDuration::ZERO);
    let mut looping = Vec::new();
    for p in state.live.pods.values().filter(|p| p.version == cand) {
        t.samples += 1;
        let since_go = p
            .restarts
            .saturating_sub(*state.release.restarts_at_go.get(&p.name).unwrap_or(&0));
        let backoff = p
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("CrashLoopBackOff"));
        if backoff || since_go >= 2 {
            t.breaches += 1;
            looping.push(format!(
                "{} ({}, {since_go} restarts since go)",
                p.name,
                p.reason.as_deref().unwrap_or("restarting")
            ));
            t.measurements.push(Measurement {
                signal: "restarts_since_go".to_string(),
                version: p.name.clone(),
                value: Some(f64::from(since_go)),
                threshold: Some(2.0),
                at: now,
                unknown: None,
            });
        }
    }
    let fires = !looping.is_empty();
    t.summary = if fires {
        format!("{cand} pods crash-looping: {}", looping.join(", "))
    } else {
        format!("no {cand} pod crash-looping ({} watched)", t.samples)
    };
    Some(Evaluation { fires, trigger: t })
}

/// Seed 002's planned-rollback criterion, over 15 minutes: every known error sample over 2 %,
/// or the median p95 more than 50 % over the baseline's. Needs the whole window observed.
pub fn recommend(state: &State, cfg: &WarroomConfig, now: Timestamp) -> Option<Evaluation> {
    let cand = Sides::of(cfg).candidate?;
    let started = state.release.plan.started?;
    if now.duration_since(started) < RECOMMEND_WINDOW {
        return None;
    }
    let errs = points(state, &cand, Signal::ErrorRatio, now, RECOMMEND_WINDOW);
    let known: Vec<f64> = errs.iter().filter_map(|p| p.value).collect();
    let mut t = trigger("recommend-error-ratio", cfg, RECOMMEND_WINDOW);
    t.samples = u32::try_from(known.len()).unwrap_or(0);
    t.unknown_samples = u32::try_from(errs.len() - known.len()).unwrap_or(0);
    t.breaches =
        u32::try_from(known.iter().filter(|v| **v > RECOMMEND_ERROR_RATIO).count()).unwrap_or(0);
    if !known.is_empty() && t.breaches == t.samples {
        let mean = known.iter().sum::<f64>() / known.len() as f64;
        t.measurements.push(Measurement {
            signal: "error_ratio".to_string(),
            version: cand.clone(),
            value: Some(mean),
            threshold: Some(RECOMMEND_ERROR_RATIO),
            at: now,
            unknown: None,
        });
        t.summary = format!(
            "{cand} error ratio over {:.0} % for {} (mean {:.2} %): a planned rollback is recommended",
            RECOMMEND_ERROR_RATIO * 100.0,
            span(RECOMMEND_WINDOW),
            mean * 100.0
        );
        return Some(Evaluation {
            fires: true,
            trigger: t,
        });
    }
    let base = state
        .release
        .baseline
        .as_ref()
        .and_then(|b| b.latency_p95)
        .filter(|b| *b > 0.0)?;
    let mut p95: Vec<f64> = points(state, &cand, Signal::LatencyP95, now, RECOMMEND_WINDOW)
        .iter()
        .filter_map(|p| p.value)
        .collect();
    let m = median(&mut p95)?;
    let limit = base * (1.0 + RECOMMEND_LATENCY_INCREASE);
    let mut t = trigger("recommend-latency", cfg, RECOMMEND_WINDOW);
    t.samples = u32::try_from(p95.len()).unwrap_or(0);
    t.breaches = u32::try_from(p95.iter().filter(|v| **v > limit).count()).unwrap_or(0);
    t.measurements.push(Measurement {
        signal: "latency_p95".to_string(),
        version: cand.clone(),
        value: Some(m),
        threshold: Some(limit),
        at: now,
        unknown: None,
    });
    let fires = m > limit;
    t.summary = format!(
        "{cand} p95 {:.0} ms is {:.0} % over the baseline's {:.0} ms{}",
        m * 1000.0,
        (m / base - 1.0) * 100.0,
        base * 1000.0,
        if fires {
            ": a planned rollback is recommended"
        } else {
            ""
        }
    );
    Some(Evaluation { fires, trigger: t })
}

/// The canary verdict's sequential test (`[auto_rollback] sequential`): fires once it has
/// rejected "the candidate is no worse than stable" at `alpha` in this bake window. Valid
/// however often it is evaluated, so it may act on every poll; with no counters recorded it
/// cannot tell and never fires.
pub fn sequential(state: &State, cfg: &WarroomConfig, now: Timestamp) -> Option<Evaluation> {
    if !cfg.auto_rollback.sequential {
        return None;
    }
    let sides = Sides::of(cfg);
    let cand = sides.candidate?;
    let stable = sides.stable.unwrap_or_default();
    let v = &state.verdict;
    let ev = v.monitor.evidence();
    let threshold = 1.0 / ev.alpha;
    let win = v
        .first_poll
        .map_or(SignedDuration::ZERO, |f| now.duration_since(f));
    let mut t = trigger("sequential-test", cfg, win);
    let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    t.samples = count(ev.polls - ev.skipped_polls);
    t.unknown_samples = count(ev.skipped_polls);
    let fires = ev.is_worse();
    t.breaches = u32::from(fires);
    // e can exceed f64's range; the summary prints it exactly, the measurement caps it.
    let e = |log_e: f64| Some(log_e.min(700.0).exp());
    let none = if v.counted {
        None
    } else {
        Some("no request counters recorded".to_string())
    };
    let m = |signal: &str, version: &str, value: Option<f64>, threshold: Option<f64>| Measurement {
        signal: signal.to_string(),
        version: version.to_string(),
        value: value.filter(|x| x.is_finite()),
        threshold,
        at: now,
        unknown: if value.is_some_and(f64::is_finite) {
            None
        } else {
            none.clone()
                .or_else(|| Some("no requests counted".to_string()))
        },
    };
    t.measurements = vec![
        m("e_value", &cand, e(ev.max_log_e), Some(threshold)),
        m("e_value_errors", &cand, e(ev.errors.log_e), None),
        m("e_value_latency", &cand, e(ev.latency.log_e), None),
        m("error_ratio", &cand, Some(ev.candidate.error_ratio()), None),
        m("error_ratio", &stable, Some(ev.stable.error_ratio()), None),
    ];
    if let Some((c, s)) = ev.p99() {
        t.measurements.push(m("latency_p99", &cand, Some(c), None));
        t.measurements
            .push(m("latency_p99", &stable, Some(s), None));
    }
    t.summary = if !v.counted {
        "no request counters recorded: the sequential test cannot tell".to_string()
    } else if fires {
        format!(
            "{cand} is worse than {stable}: {}",
            ev.summary().trim_start_matches("WORSE: ")
        )
    } else if ev.candidate.requests == 0 {
        format!("no {cand} requests counted in this bake window yet")
    } else {
        format!(
            "{cand} no worse than {stable} so far: e = {} (largest {}), rolls back at 1/α = {} ({} polls, {} {cand} requests)",
            number_from_log(ev.log_e),
            number_from_log(ev.max_log_e),
            number(threshold),
            ev.polls,
            ev.candidate.requests
        )
    };
    Some(Evaluation { fires, trigger: t })
}

/// Why the candidate's latest value of `signal` is unknown.
pub fn unknown_reason(state: &State, version: &str, signal: Signal) -> String {
    state
        .live
        .series(signal, version)
        .and_then(|s| s.unknown.clone())
        .unwrap_or_else(|| "no data".to_string())
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn span(d: SignedDuration) -> String {
    crate::ui::timefmt::span(d.as_secs())
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_sequential;
