//! `warroom.toml`: the fixture corpus, defaults from the seeds, lookup, relative paths.

mod runbook_corpus;

use std::path::Path;

use runbook_corpus::{check_invalid, fixtures};
use warroom::commands::check::{Checked, check_file};
use warroom::config::warroom::{
    self as config, Duration, OnUnknown, Permission, Strategy, WarroomConfig,
};
use warroom::runbook::Format;

fn is_config(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with("config") || name.contains("warroom")
}

#[test]
fn invalid_configs_report_every_problem_at_its_position() {
    let files: Vec<_> = fixtures("invalid")
        .into_iter()
        .filter(|p| is_config(p))
        .collect();
    assert!(files.len() >= 10, "config corpus shrank: {files:?}");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| check_invalid(f).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn valid_configs_pass() {
    let files: Vec<_> = fixtures("valid")
        .into_iter()
        .filter(|p| is_config(p))
        .collect();
    assert!(files.len() >= 3);
    for f in files {
        match check_file(&f) {
            Ok(Checked::Config(c)) => assert_eq!(c.deployment.name, "app", "{}", f.display()),
            Ok(Checked::Runbook(_)) => panic!("{} read as a runbook", f.display()),
            Err(p) => panic!("{}: {:?}", f.display(), p),
        }
    }
}

#[test]
fn defaults_come_from_the_seeds() {
    let c =
        config::parse_str("[deployment]\nname = \"app\"\n", Format::Toml, "w.toml").expect("valid");
    assert_eq!(c.deployment.environment, "production");
    assert_eq!(c.slo.error_ratio, 0.01);
    assert_eq!(c.slo.latency_p95, Duration::millis(500));
    assert_eq!(c.slo.latency_p99, Duration::millis(1000));
    assert!(c.auto_rollback.armed);
    assert_eq!(c.auto_rollback.error_ratio, 0.05);
    assert_eq!(c.auto_rollback.window, Duration::secs(300));
    assert_eq!(c.auto_rollback.p99_vs_baseline, 2.0);
    assert_eq!(c.auto_rollback.on_unknown, OnUnknown::Pause);
    assert_eq!(c.traffic.strategy, Strategy::HttprouteWeights);
    let plan: Vec<(u32, u64)> = c
        .traffic
        .steps
        .iter()
        .map(|s| (s.weight, s.bake.0.as_secs() / 60))
        .collect();
    assert_eq!(plan, [(10, 15), (25, 15), (50, 30), (100, 30)]);
    assert!(
        c.prometheus.is_none() && c.scrape.is_none(),
        "both may be absent"
    );
    assert!(c.may("deployment-lead", Permission::Rollback));
    assert!(c.may("platform-lead", Permission::Override));
    assert!(!c.may("observer", Permission::Shift));
    assert_eq!(
        c,
        WarroomConfig {
            deployment: c.deployment.clone(),
            ..WarroomConfig::default()
        }
    );
}

#[test]
fn default_queries_have_version_and_window_placeholders() {
    let c = config::parse_str(
        "[deployment]\nname = \"app\"\n[prometheus]\nurl = \"http://127.0.0.1:9090\"\n",
        Format::Toml,
        "w.toml",
    )
    .expect("valid");
    let p = c.prometheus.expect("prometheus");
    assert_eq!(p.interval, Duration::secs(5));
    for (name, q) in p.queries.named() {
        assert!(
            q.contains("{version}") && q.contains("{window}"),
            "{name}: {q}"
        );
    }
    assert!(p.queries.latency_p99.starts_with("histogram_quantile(0.99"));
}

#[test]
fn the_full_example_reads_as_documented() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/examples/warroom.toml");
    let c = config::load(&path).expect("docs/examples/warroom.toml passes");
    assert_eq!(c.deployment.name, "app");
    assert_eq!(c.deployment.release.as_deref(), Some("1.2.3"));
    // A local T-0 is read in the deployment's zone: 10:00 in New York is 15:00 UTC.
    assert_eq!(
        c.t0().map(|t| t.to_string()).as_deref(),
        Some("2026-11-24T15:00:00Z")
    );
    assert_eq!(c.role_of("oncall"), Some("on-call"));
    assert_eq!(c.health.len(), 2);
    let k = c.kubernetes.as_ref().expect("kubernetes");
    assert_eq!(k.namespace.0, "demo");
    assert_eq!(
        k.candidate.as_ref().map(|w| w.name.as_str()),
        Some("app-green")
    );
    // Relative paths are read from the config file's directory.
    let dir = path.parent().expect("dir");
    assert_eq!(
        c.runbook.path.as_deref(),
        Some(dir.join("release.toml").as_path())
    );
    let report = &c.gates.vulnerabilities.as_ref().expect("gate").report;
    assert_eq!(report, &dir.join("reports/trivy.json"));
    assert_eq!(
        c.prometheus
            .as_ref()
            .and_then(|p| p.bearer_token_file.as_deref()),
        Some(Path::new("/var/run/secrets/prometheus-token")),
        "absolute paths stay as written"
    );
}

#[test]
fn find_prefers_the_flag_then_cwd_then_xdg() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cwd = tmp.path().join("work");
    let xdg = tmp.path().join("xdg");
    std::fs::create_dir_all(&cwd).expect("mkdir");
    std::fs::create_dir_all(&xdg).expect("mkdir");
    let flag = tmp.path().join("other.toml");
    assert_eq!(config::find(None, &cwd, &xdg), None);
    std::fs::write(xdg.join("warroom.toml"), "[deployment]\nname = \"x\"\n").expect("write");
    assert_eq!(
        config::find(None, &cwd, &xdg),
        Some(xdg.join("warroom.toml"))
    );
    std::fs::write(cwd.join("warroom.toml"), "[deployment]\nname = \"x\"\n").expect("write");
    assert_eq!(
        config::find(None, &cwd, &xdg),
        Some(cwd.join("warroom.toml"))
    );
    assert_eq!(config::find(Some(&flag), &cwd, &xdg), Some(flag));
}

#[test]
fn a_config_names_its_runbook_relative_to_itself() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("release");
    std::fs::create_dir_all(dir.join("runbooks")).expect("mkdir");
    std::fs::write(
        dir.join("warroom.toml"),
        "[deployment]\nname = \"app\"\n\n[runbook]\npath = \"runbooks/rb.toml\"\n",
    )
    .expect("write");
    // Missing runbook: reported at the path's value.
    let problems = match check_file(&dir.join("warroom.toml")) {
        Err(p) => p,
        Ok(_) => panic!("a missing runbook should be a problem"),
    };
    assert_eq!((problems[0].line, problems[0].col), (5, 8));
    assert!(
        problems[0].message.contains("does not exist"),
        "{}",
        problems[0].message
    );
    // Present but broken: its own problems are reported, in its own file.
    std::fs::write(
        dir.join("runbooks/rb.toml"),
        "title = \"x\"\n[[stage]]\nid = \"A\"\n",
    )
    .expect("write");
    let problems = check_file(&dir.join("warroom.toml")).expect_err("broken runbook");
    assert!(
        problems.iter().all(|p| p.file.ends_with("rb.toml")),
        "{problems:?}"
    );
    // Fixed: the config loads with the path resolved.
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/runbook-minimal.toml"),
        dir.join("runbooks/rb.toml"),
    )
    .expect("copy");
    let Ok(Checked::Config(c)) = check_file(&dir.join("warroom.toml")) else {
        panic!("should pass now");
    };
    assert_eq!(c.runbook.path, Some(dir.join("runbooks/rb.toml")));
    assert_eq!(c.base_dir, dir);
}

#[test]
fn inline_secrets_are_refused_without_echoing_them() {
    let text = "[deployment]\nname = \"app\"\n[comms]\nwebhook_url = \"https://hooks.example.com/T0/B0/SECRETVALUE\"\n";
    let problems = config::parse_str(text, Format::Toml, "w.toml").expect_err("secret");
    assert_eq!(problems.len(), 1);
    assert_eq!((problems[0].line, problems[0].col), (4, 1));
    assert!(
        problems[0].message.contains("webhook_url_env"),
        "{}",
        problems[0].message
    );
    assert!(!problems[0].message.contains("SECRETVALUE"));
}

#[test]
fn config_detection_by_content_and_name() {
    let tmp = tempfile::tempdir().expect("tmp");
    // Named warroom.toml: a config even when it is wrong.
    std::fs::write(tmp.path().join("warroom.toml"), "title = \"x\"\n").expect("write");
    let p = check_file(&tmp.path().join("warroom.toml")).expect_err("not a config");
    assert!(
        p.iter()
            .any(|p| p.message.contains("unknown key `title` in the top level")),
        "{p:?}"
    );
    // Any name, config tables: a config.
    std::fs::write(
        tmp.path().join("prod.toml"),
        "[deployment]\nname = \"app\"\n",
    )
    .expect("write");
    assert!(matches!(
        check_file(&tmp.path().join("prod.toml")),
        Ok(Checked::Config(_))
    ));
}

#[test]
fn query_defaults_are_the_query_code_defaults_and_versions_fall_back() {
    let c = config::parse_str(
        "[deployment]\nname = \"app\"\nrelease = \"2\"\nstable = \"1\"\n[prometheus]\nurl = \"http://127.0.0.1:9090\"\n",
        Format::Toml,
        "w.toml",
    )
    .expect("valid");
    let p = c.prometheus.as_ref().expect("prometheus");
    assert_eq!(
        p.queries.templates(),
        warroom::prom::QueryTemplates::default(),
        "one source of truth for the default queries"
    );
    assert_eq!(p.queries.named().len(), 5);
    assert_eq!(c.versions(), (Some("1".into()), Some("2".into())));

    let c = config::parse_str(
        "[deployment]\nname = \"app\"\nrelease = \"2\"\n[versions]\nstable = \"blue\"\ncandidate = \"green\"\n[scrape]\ntargets = [\"http://127.0.0.1:1/metrics\"]\n",
        Format::Toml,
        "w.toml",
    )
    .expect("valid");
    assert_eq!(c.versions(), (Some("blue".into()), Some("green".into())));
    let s = c.scrape.as_ref().expect("scrape");
    assert_eq!(s.window(), std::time::Duration::from_secs(10), "5 × 2s");
}
