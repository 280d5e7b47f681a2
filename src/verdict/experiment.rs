//! Watching one simulated canary poll by poll with every monitor side by side: the sequential
//! test, a two-proportion z-test on the cumulative errors re-run at every poll, and Kayenta's
//! judgment re-run over the window so far. The benchmark and the suite's statistical test use
//! it to measure false alarms on healthy canaries and time to detect bad ones.

use super::judge::{JudgeConfig, Outcome, Series};
use super::sequential::{ConfigError, Decision, SequentialConfig, SequentialTest};
use super::simulate::{CanaryModel, bounds};
use super::{Metric, normal};

/// How long and with what to watch.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchConfig {
    /// Polls to watch (900 = 30 min at 2 s).
    pub polls: u64,
    /// The level of the sequential test and the z-test.
    pub alpha: f64,
    /// Also re-run Kayenta's judgment at every poll (the slowest monitor).
    pub kayenta: bool,
    /// Stop as soon as every monitor has fired (detection runs); false keeps the full
    /// horizon so the largest evidence over it is known.
    pub stop_when_all_fired: bool,
}

impl Default for WatchConfig {
    fn default() -> Self {
        Self {
            polls: 900,
            alpha: 0.01,
            kayenta: true,
            stop_when_all_fired: false,
        }
    }
}

/// When each monitor first said "worse" (1-based poll numbers), and the largest statistics
/// over the horizon (which give the false-alarm rate at any other level).
#[derive(Debug, Clone, PartialEq)]
pub struct Watched {
    /// Polls watched.
    pub polls: u64,
    /// The sequential test's decision poll and metric.
    pub sequential: Option<(u64, Metric)>,
    /// The largest ln e of the sequential verdict.
    pub max_log_e: f64,
    /// The z-test's first rejection at the configured alpha.
    pub z_test: Option<u64>,
    /// The largest z of the z-test (−∞ before it could be computed).
    pub max_z: f64,
    /// Kayenta's first FAIL, and the metric that failed first.
    pub kayenta: Option<(u64, Metric)>,
    /// Kayenta's judgment of the whole horizon, once at the end (its intended use).
    pub kayenta_final: Option<Outcome>,
    /// The z statistic at the end of the horizon.
    pub z_final: Option<f64>,
}

/// One-sided two-proportion z statistic (pooled), candidate minus stable; `None` while it is
/// undefined (no requests on a side, or no errors at all).
pub fn two_proportion_z(c_err: u64, c_n: u64, s_err: u64, s_n: u64) -> Option<f64> {
    if c_n == 0 || s_n == 0 {
        return None;
    }
    let (cn, sn) = (c_n as f64, s_n as f64);
    let pooled = (c_err + s_err) as f64 / (cn + sn);
    let var = pooled * (1.0 - pooled) * (1.0 / cn + 1.0 / sn);
    (var > 0.0).then(|| (c_err as f64 / cn - s_err as f64 / sn) / var.sqrt())
}

/// Watches one canary from `seed`.
pub fn watch(model: &CanaryModel, seed: u64, w: &WatchConfig) -> Result<Watched, ConfigError> {
    let seq_cfg = SequentialConfig {
        alpha: w.alpha,
        bounds: bounds(),
        ..SequentialConfig::default()
    };
    let mut seq = SequentialTest::new(seq_cfg)?;
    let judge_cfg = JudgeConfig {
        bounds: bounds(),
        ..JudgeConfig::default()
    };
    let mut series = Series::new();
    let z_crit = normal::quantile(1.0 - w.alpha);
    let (mut c_err, mut c_n, mut s_err, mut s_n) = (0u64, 0u64, 0u64, 0u64);
    let mut out = Watched {
        polls: 0,
        sequential: None,
        max_log_e: 0.0,
        z_test: None,
        max_z: f64::NEG_INFINITY,
        kayenta: None,
        kayenta_final: None,
        z_final: None,
    };
    for (i, poll) in model.polls(seed).take(w.polls as usize).enumerate() {
        let at = i as u64 + 1;
        out.polls = at;
        let ev = seq.update(&poll);
        out.max_log_e = ev.max_log_e;
        if let (None, Decision::Worse { poll, metric }) = (out.sequential, ev.decision) {
            out.sequential = Some((poll, metric));
        }
        if let (Some(c), Some(s)) = (&poll.candidate, &poll.stable) {
            c_err += c.errors;
            c_n += c.requests;
            s_err += s.errors;
            s_n += s.requests;
        }
        out.z_final = two_proportion_z(c_err, c_n, s_err, s_n);
        if let Some(z) = out.z_final {
            out.max_z = out.max_z.max(z);
            if out.z_test.is_none() && z >= z_crit {
                out.z_test = Some(at);
            }
        }
        if w.kayenta {
            let before = series.samples();
            series.push(&poll, &judge_cfg);
            // The series only change when a step completes; re-judging in between would
            // repeat the same answer.
            if out.kayenta.is_none() && series.samples() > before {
                let j = series.judge(&judge_cfg);
                if j.outcome == Outcome::Fail {
                    let metric = j
                        .metrics
                        .iter()
                        .find(|m| m.grade != super::Grade::Pass)
                        .map_or(Metric::Errors, |m| m.metric);
                    out.kayenta = Some((at, metric));
                }
            }
        }
        let all_fired = out.sequential.is_some()
            && out.z_test.is_some()
            && (!w.kayenta || out.kayenta.is_some());
        if w.stop_when_all_fired && all_fired {
            break;
        }
    }
    if w.kayenta {
        out.kayenta_final = Some(series.judge(&judge_cfg).outcome);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn z_is_zero_for_equal_ratios_and_undefined_without_errors() {
        assert_eq!(two_proportion_z(1, 100, 9, 900), Some(0.0));
        assert_eq!(two_proportion_z(0, 100, 0, 900), None);
        assert_eq!(two_proportion_z(1, 0, 9, 900), None);
        let z = two_proportion_z(8, 100, 1, 900).expect("defined");
        assert!(z > 5.0, "{z}");
    }

    #[test]
    fn a_bad_canary_is_caught_by_every_monitor() {
        let w = WatchConfig {
            polls: 300,
            stop_when_all_fired: true,
            ..WatchConfig::default()
        };
        let r = watch(&CanaryModel::bad_canary(), 11, &w).expect("valid config");
        assert!(matches!(r.sequential, Some((_, Metric::Errors))), "{r:?}");
        assert!(r.z_test.is_some() && r.kayenta.is_some(), "{r:?}");
    }
}
