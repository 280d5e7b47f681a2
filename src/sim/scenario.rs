//! The named scenarios a simulator starts in: which faults the candidate version has.

use std::fmt;
use std::str::FromStr;

use super::faults::Faults;

/// A starting scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scenario {
    /// Both versions healthy.
    #[default]
    Healthy,
    /// The candidate answers about 8 % of requests with 5xx.
    BadCanary,
    /// The candidate's latency (and so its p99) is about 3× the stable one's.
    SlowCanary,
    /// Candidate pods crash shortly after starting and sit in CrashLoopBackOff.
    Crashloop,
    /// No requests at all: rates are 0 and ratios 0/0.
    NoTraffic,
}

impl Scenario {
    /// Every scenario, for help texts and tests.
    pub const ALL: [Scenario; 5] = [
        Scenario::Healthy,
        Scenario::BadCanary,
        Scenario::SlowCanary,
        Scenario::Crashloop,
        Scenario::NoTraffic,
    ];

    /// The scenario's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Healthy => "healthy",
            Scenario::BadCanary => "bad-canary",
            Scenario::SlowCanary => "slow-canary",
            Scenario::Crashloop => "crashloop",
            Scenario::NoTraffic => "no-traffic",
        }
    }

    /// Sets the scenario's faults on the candidate colour.
    pub fn apply(self, faults: &mut Faults, candidate: &str) {
        match self {
            Scenario::Healthy => {}
            Scenario::BadCanary => faults.set_errors(candidate, 0.08),
            Scenario::SlowCanary => {
                faults
                    .versions
                    .entry(candidate.into())
                    .or_default()
                    .latency_factor = 3.0;
            }
            Scenario::Crashloop => {
                faults
                    .versions
                    .entry(candidate.into())
                    .or_default()
                    .crashloop = true
            }
            Scenario::NoTraffic => faults.rps = 0.0,
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown scenario name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown scenario '{0}'; expected one of healthy, bad-canary, slow-canary, crashloop, no-traffic"
)]
pub struct UnknownScenario(pub String);

impl FromStr for Scenario {
    type Err = UnknownScenario;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scenario::ALL
            .into_iter()
            .find(|sc| sc.name() == s)
            .ok_or_else(|| UnknownScenario(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Scenario::ALL {
            assert_eq!(s.name().parse::<Scenario>(), Ok(s));
        }
        assert!("chaos".parse::<Scenario>().is_err());
        let mut f = Faults::new(200.0);
        Scenario::BadCanary.apply(&mut f, "green");
        assert!(f.version("green").error_ratio > 0.0);
        assert!(f.version("blue").error_ratio.abs() < 1e-12);
    }
}
