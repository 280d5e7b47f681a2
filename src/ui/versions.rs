//! Which version is stable and which is the candidate, for colours, baselines and the traffic
//! position. Versions are the values of the metrics' `version` label (e.g. blue/green) as they
//! appear in the series; `stable_and_candidate` is the one place that decides which is which.

use crate::config::theme::Role;
use crate::config::warroom::WarroomConfig;
use crate::state::State;

/// Names that mean "the version serving now" by convention.
const STABLE_NAMES: &[&str] = &["blue", "stable", "primary"];
/// Names that mean "the version being shifted to" by convention.
const CANDIDATE_NAMES: &[&str] = &["green", "canary", "candidate"];

/// The versions in the data, in display order (stable, candidate, then the rest by name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions {
    /// The stable version, if one is recognised.
    pub stable: Option<String>,
    /// The candidate, if one is recognised.
    pub candidate: Option<String>,
    /// Every version, stable first, candidate second.
    pub all: Vec<String>,
}

impl Versions {
    /// The versions named by the state's signal series.
    pub fn of(state: &State, config: &WarroomConfig) -> Self {
        let mut names: Vec<&str> = state
            .live
            .signals
            .values()
            .flat_map(|m| m.keys().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        let (stable, candidate) = stable_and_candidate(&names, config);
        let mut all: Vec<String> = Vec::with_capacity(names.len());
        all.extend(stable.clone());
        all.extend(candidate.clone());
        for n in names {
            if Some(n) != stable.as_deref() && Some(n) != candidate.as_deref() {
                all.push(n.to_string());
            }
        }
        Self {
            stable,
            candidate,
            all,
        }
    }

    /// The role a version is drawn in (also for versions not in the series, such as a pod's).
    pub fn role(&self, version: &str) -> Role {
        if self.stable.as_deref() == Some(version) {
            Role::SeriesStable
        } else if self.candidate.as_deref() == Some(version) {
            Role::SeriesCandidate
        } else if self.stable.is_none() && STABLE_NAMES.contains(&version) {
            Role::SeriesStable
        } else if self.candidate.is_none() && CANDIDATE_NAMES.contains(&version) {
            Role::SeriesCandidate
        } else {
            Role::SeriesOther
        }
    }

    /// "stable" / "candidate" for a version, for legends.
    pub fn tag(&self, version: &str) -> Option<&'static str> {
        match self.role(version) {
            Role::SeriesStable => Some("stable"),
            Role::SeriesCandidate => Some("candidate"),
            _ => None,
        }
    }
}

/// Picks the stable and candidate versions among `names`.
///
/// Until the config names them in a `[versions]` table: stable is the version named like
/// `[deployment] stable`, else one called blue/stable/primary; the candidate is the one named
/// like `[deployment] release`, else green/canary/candidate, else the first other version.
pub fn stable_and_candidate(
    names: &[&str],
    config: &WarroomConfig,
) -> (Option<String>, Option<String>) {
    let named = |want: Option<&str>, fallback: &[&str], skip: Option<&str>| {
        names
            .iter()
            .find(|n| want == Some(**n))
            .or_else(|| {
                names
                    .iter()
                    .find(|n| fallback.contains(n) && Some(**n) != skip)
            })
            .map(|n| n.to_string())
    };
    // `[versions]` (falling back to `[deployment] stable`/`release`) names them; the
    // conventional colour names cover configs that name neither.
    let (want_stable, want_candidate) = config.versions();
    let stable = named(want_stable.as_deref(), STABLE_NAMES, None);
    let candidate = named(
        want_candidate.as_deref(),
        CANDIDATE_NAMES,
        stable.as_deref(),
    )
    .filter(|c| Some(c) != stable.as_ref())
    .or_else(|| {
        names
            .iter()
            .find(|n| Some(**n) != stable.as_deref())
            .map(|n| n.to_string())
    });
    (stable, candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(stable: Option<&str>, release: Option<&str>) -> WarroomConfig {
        let mut c = WarroomConfig::default();
        c.deployment.stable = stable.map(str::to_string);
        c.deployment.release = release.map(str::to_string);
        c
    }

    fn pick(names: &[&str], c: &WarroomConfig) -> (Option<String>, Option<String>) {
        stable_and_candidate(names, c)
    }

    #[test]
    fn config_names_win_then_conventions_then_order() {
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            pick(&["blue", "green"], &cfg(None, None)),
            (s("blue"), s("green"))
        );
        assert_eq!(
            pick(&["1.2.2", "1.2.3"], &cfg(Some("1.2.2"), Some("1.2.3"))),
            (s("1.2.2"), s("1.2.3"))
        );
        // The config says green is stable this time (the previous release went blue → green).
        assert_eq!(
            pick(&["blue", "green"], &cfg(Some("green"), Some("blue"))),
            (s("green"), s("blue"))
        );
        assert_eq!(pick(&["a", "b"], &cfg(None, None)), (None, s("a")));
        assert_eq!(pick(&["blue"], &cfg(None, None)), (s("blue"), None));
        assert_eq!(pick(&[], &cfg(None, None)), (None, None));
    }

    #[test]
    fn the_versions_table_names_the_label_values() {
        let s = |x: &str| Some(x.to_string());
        // Releases in [deployment], colours in the metrics: [versions] maps one to the other.
        let mut c = cfg(Some("1.2.2"), Some("1.2.3"));
        c.versions.stable = s("green");
        c.versions.candidate = s("blue");
        assert_eq!(pick(&["blue", "green"], &c), (s("green"), s("blue")));
    }
}
