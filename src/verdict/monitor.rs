//! One bake window's verdict as the war room keeps it: the recorded counters of both versions
//! turned into polls, fed to the sequential test (valid at every moment, what auto-rollback
//! acts on) and to Kayenta's judgment (re-judged as each sample of the window completes, shown
//! beside it), and one headline for the screen that never says "pass" without data.

use serde::Serialize;

use super::counts::{CounterReading, PollCounts, VersionCounts};
use super::judge::{JudgeConfig, Judgment, Outcome, Series};
use super::sequential::{Evidence, SequentialConfig, SequentialTest};
use crate::event::CounterRow;

/// What the screen leads with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Headline {
    /// Nothing to judge yet, and why (no counters recorded, no candidate traffic).
    NoData(String),
    /// The sequential test rejected "no worse" at the configured level.
    Worse,
    /// Too little data for Kayenta's judgment, and why.
    Inconclusive(String),
    /// Kayenta's judgment of the window so far could not be computed, and why.
    Error(String),
    /// Kayenta's judgment of the window so far: pass.
    Pass,
    /// … marginal.
    Marginal,
    /// … fail (shown; the war room acts on the sequential test, which stays valid however
    /// often it is looked at).
    Fail,
}

impl Headline {
    /// The word on screen.
    pub fn word(&self) -> &'static str {
        match self {
            Headline::NoData(_) => "NODATA",
            Headline::Worse => "WORSE",
            Headline::Inconclusive(_) => "inconclusive",
            Headline::Error(_) => "error",
            Headline::Pass => "pass",
            Headline::Marginal => "marginal",
            Headline::Fail => "fail",
        }
    }
}

/// The verdict of one window: plain data, rebuilt exactly by replaying the same counters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Monitor {
    /// The sequential test.
    pub sequential: SequentialTest,
    /// Kayenta's series of the window.
    pub series: Series,
    /// How they are judged (the histogram bounds come from the first reading with one).
    pub judge: JudgeConfig,
    /// Kayenta's judgment of the complete samples so far; `None` before the first.
    pub judgment: Option<Judgment>,
    /// Why the latest unusable poll could not be used.
    pub unusable: Option<String>,
}

impl Monitor {
    /// An empty window tested at `alpha`. An alpha outside (0, 1), which the config check
    /// refuses, falls back to the default 0.01 rather than leaving the verdict out.
    pub fn new(alpha: f64) -> Self {
        let cfg = SequentialConfig {
            alpha,
            ..SequentialConfig::default()
        };
        Self {
            sequential: SequentialTest::new(cfg).unwrap_or_default(),
            series: Series::new(),
            judge: JudgeConfig::default(),
            judgment: None,
            unusable: None,
        }
    }

    /// The level the sequential test rejects at.
    pub fn alpha(&self) -> f64 {
        self.sequential.config().alpha
    }

    /// Adds one poll: the increases from `prev` to `cur` of both versions (`None` where a
    /// version has no reading at one of the two polls).
    pub fn observe(&mut self, candidate: Side<'_>, stable: Side<'_>) {
        if self.judge.bounds.is_empty()
            && let Some(le) = [&candidate, &stable]
                .iter()
                .find_map(|s| s.cur.filter(|r| !r.le.is_empty()).map(|r| &r.le))
        {
            self.judge.bounds.clone_from(le);
            self.sequential.set_bounds(le);
        }
        let (c, why_c) = increase(candidate, &self.judge.bounds);
        let (s, why_s) = increase(stable, &self.judge.bounds);
        if let Some(why) = why_c.or(why_s) {
            self.unusable = Some(why);
        }
        let poll = PollCounts {
            candidate: c,
            stable: s,
        };
        self.sequential.update(&poll);
        let before = self.series.samples();
        self.series.push(&poll, &self.judge);
        if self.series.samples() > before {
            self.judgment = Some(self.series.judge(&self.judge));
        }
    }

    /// The sequential test's evidence so far.
    pub fn evidence(&self) -> Evidence {
        self.sequential.evidence()
    }

    /// What the screen leads with: WORSE once the sequential test rejected; NODATA while a
    /// version has served nothing counted; otherwise Kayenta's judgment of the window so far,
    /// inconclusive until it has enough samples.
    pub fn headline(&self) -> Headline {
        let ev = self.evidence();
        if ev.is_worse() {
            return Headline::Worse;
        }
        if ev.polls == 0 {
            return Headline::NoData("no counters read in this window yet".into());
        }
        let nothing_counted = ev.candidate.requests == 0 && ev.stable.requests == 0;
        if nothing_counted && ev.skipped_polls == ev.polls {
            return Headline::NoData(format!(
                "none of {} polls usable: {}",
                ev.polls,
                self.unusable.as_deref().unwrap_or("no counts")
            ));
        }
        if ev.candidate.requests == 0 {
            return Headline::NoData(format!(
                "no candidate requests counted in {} polls",
                ev.polls
            ));
        }
        if ev.stable.requests == 0 {
            return Headline::NoData(format!("no stable requests counted in {} polls", ev.polls));
        }
        let Some(j) = &self.judgment else {
            return Headline::Inconclusive(format!(
                "Kayenta's first sample completes after {} polls",
                self.judge.step_polls.max(1)
            ));
        };
        let why = || j.reason.clone().unwrap_or_default();
        match j.outcome {
            Outcome::Pass => Headline::Pass,
            Outcome::Marginal => Headline::Marginal,
            Outcome::Fail => Headline::Fail,
            Outcome::NoData => Headline::NoData(why()),
            Outcome::Inconclusive => Headline::Inconclusive(why()),
            Outcome::Error => Headline::Error(why()),
        }
    }
}

/// One version at one poll: its previous and current recorded counters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Side<'a> {
    /// The reading before this poll, if any.
    pub prev: Option<&'a CounterRow>,
    /// This poll's reading, if the version was read.
    pub cur: Option<&'a CounterRow>,
}

fn reading(r: &CounterRow) -> CounterReading {
    CounterReading {
        requests: r.requests,
        errors: r.errors,
        buckets: r.buckets.clone(),
    }
}

/// The increase of one version's counters, or why there is none.
fn increase(side: Side<'_>, bounds: &[f64]) -> (Option<VersionCounts>, Option<String>) {
    let (Some(prev), Some(cur)) = (side.prev, side.cur) else {
        let why = match side.cur {
            None => "a version's counters were not read",
            Some(_) => "a version's counters were read for the first time",
        };
        return (None, Some(why.into()));
    };
    let mut p = reading(prev);
    let mut c = reading(cur);
    // A histogram whose layout changed (or differs from the window's) cannot be differenced;
    // the request and error counts still can.
    let layout_ok = prev.le == cur.le && (bounds.is_empty() || cur.le == bounds);
    if !layout_ok {
        p.buckets.clear();
        c.buckets.clear();
    }
    match VersionCounts::between(&p, &c) {
        Some(v) if v.is_consistent() => {
            let why = (!layout_ok && !cur.buckets.is_empty())
                .then(|| "the latency histogram's buckets changed".to_string());
            (Some(v), why)
        }
        Some(_) => (None, Some("more errors than requests counted".into())),
        None => (
            None,
            Some("a counter went backwards (a restart reset it)".into()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(requests: f64, errors: f64) -> CounterRow {
        CounterRow {
            version: "v".into(),
            requests,
            errors,
            le: vec![0.1],
            buckets: vec![requests * 0.9, requests],
        }
    }

    #[test]
    fn no_data_until_both_versions_served_and_never_pass_without_samples() {
        let mut m = Monitor::new(0.01);
        assert!(matches!(m.headline(), Headline::NoData(_)));
        let (a, b) = (row(0.0, 0.0), row(0.0, 0.0));
        m.observe(
            Side {
                prev: Some(&a),
                cur: Some(&b),
            },
            Side {
                prev: Some(&a),
                cur: Some(&b),
            },
        );
        assert!(
            matches!(&m.headline(), Headline::NoData(w) if w.contains("no candidate requests")),
            "{:?}",
            m.headline()
        );
        let (c, d) = (row(100.0, 0.0), row(200.0, 0.0));
        m.observe(
            Side {
                prev: Some(&c),
                cur: Some(&d),
            },
            Side {
                prev: Some(&c),
                cur: Some(&d),
            },
        );
        assert!(matches!(m.headline(), Headline::Inconclusive(_)));
        assert_eq!(m.judge.bounds, vec![0.1]);
        assert_eq!(m.evidence().bounds, vec![0.1]);
    }

    #[test]
    fn resets_and_missing_versions_are_unusable_polls() {
        let mut m = Monitor::new(0.01);
        let (a, b) = (row(100.0, 1.0), row(50.0, 0.0));
        m.observe(
            Side {
                prev: Some(&b),
                cur: Some(&a),
            },
            Side {
                prev: Some(&a),
                cur: None,
            },
        );
        let ev = m.evidence();
        assert_eq!((ev.polls, ev.skipped_polls), (1, 1));
        assert!(
            m.unusable
                .as_deref()
                .is_some_and(|u| u.contains("not read"))
        );
        let bad = increase(
            Side {
                prev: Some(&a),
                cur: Some(&b),
            },
            &[],
        );
        assert!(bad.0.is_none() && bad.1.is_some_and(|w| w.contains("backwards")));
    }
}
