//! Markdown import on the real seed checklists keeps their recognisable verifications as
//! proposed checks: Prometheus queries next to a threshold, `curl` verifications with an
//! expected status or body, `kubectl` waits. They pass `check`, and run only once accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use warroom::runbook::import::import;
use warroom::runbook::{Format, Runbook, parse_str, to_toml};

const SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/seeds");

fn seed(name: &str) -> (Runbook, Vec<String>) {
    let text = std::fs::read_to_string(format!("{SEEDS}/{name}")).expect("seed");
    let i = import(&text, Some(name)).expect("imports");
    (i.runbook, i.warnings)
}

/// `item: check` for every proposed check, in document order.
fn proposals(rb: &Runbook) -> Vec<String> {
    rb.stages
        .iter()
        .flat_map(|s| s.items.iter())
        .filter_map(|i| {
            let c = i.check.as_ref()?;
            assert!(c.proposed, "{}: an imported check is a proposal", i.id);
            Some(format!("{}: {}", i.id, c.describe()))
        })
        .collect()
}

#[test]
fn seed_002_proposes_its_health_metric_and_rollout_verifications() {
    let (rb, warnings) = seed("002_fb38115b3ba74769.txt");
    assert_eq!(
        proposals(&rb),
        [
            "step-1-deploy-green-environment-30-minutes: every pod app=greenlang-api,version=green ready",
            "procedure: deployment greenlang-api available",
            r#"health-checks: GET https://api.greenlang.io/health → 200, status == "healthy", version == "1.2.3""#,
            "metrics-verification: promql: rate(gl_errors_total[5m]) / rate(gl_requests_total[5m]) < 0.01",
            "rollback-procedure-rolling-update: deployment greenlang-api available",
            "essential-commands: deployment greenlang-api available",
        ]
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("6 checks proposed from the commands")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("2 items spelled out more than one check")
                && w.contains("t0-metrics-verification/metrics-verification")),
        "{warnings:?}"
    );
}

#[test]
fn seeds_001_and_003_propose_their_health_and_rollout_checks() {
    let (rb, _) = seed("001_16da304f52833afc.txt");
    assert_eq!(
        proposals(&rb),
        ["verify-health-checks-pass: GET https://prod.example.com/health/ready → 200"]
    );
    let (rb, _) = seed("003_e9000486841e4d0f.txt");
    assert_eq!(
        proposals(&rb),
        [
            "monitor-deployment: deployment rsolv-platform available in rsolv-production",
            "immediate-rollback: deployment rsolv-platform available in rsolv-production",
        ]
    );
    for name in ["000_b8e73fabff5556e2.txt", "004_fc4c4c25df265ab3.txt"] {
        let (rb, warnings) = seed(name);
        assert!(proposals(&rb).is_empty(), "{name}");
        assert!(
            !warnings.iter().any(|w| w.contains("proposed")),
            "{name}: {warnings:?}"
        );
    }
}

#[test]
fn proposed_checks_survive_toml_and_pass_check() {
    for name in [
        "001_16da304f52833afc.txt",
        "002_fb38115b3ba74769.txt",
        "003_e9000486841e4d0f.txt",
    ] {
        let (rb, _) = seed(name);
        let text = to_toml(&rb).expect("toml");
        assert!(text.contains("proposed = true"), "{name}");
        let again =
            parse_str(&text, Format::Toml, name).unwrap_or_else(|p| panic!("{name}: {p:?}"));
        assert_eq!(again, rb, "{name}");
    }
}
