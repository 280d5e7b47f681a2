//! Checks across keys of `warroom.toml` once each value has been read: required names,
//! orderings, references between tables, and secrets written inline.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::WarroomConfig;
use super::sections::{Permission, Strategy};
use crate::path;
use crate::runbook::input::Diagnostics;

/// Key names that hold a secret when written inline.
static SECRET_KEY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(token|password|passwd|secret|api_?key|credential|private_key|webhook_url|bearer)",
    )
    .ok()
});

/// Placeholders a query template may use.
static PLACEHOLDER: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\{([A-Za-z_][A-Za-z0-9_]*)\}").ok());

/// An unknown key that looks like an inline secret gets a message about secrets rather than
/// the list of allowed keys.
pub fn secret_key_hint(key: &str, allowed: &[&str]) -> Option<String> {
    let lower = key.to_ascii_lowercase();
    if lower.ends_with("_file") || lower.ends_with("_env") {
        return None;
    }
    if !SECRET_KEY.as_ref().is_some_and(|r| r.is_match(key)) {
        return None;
    }
    let by_file = format!("{key}_file");
    let by_env = format!("{key}_env");
    let instead = match (
        allowed.contains(&by_file.as_str()),
        allowed.contains(&by_env.as_str()),
    ) {
        (true, _) => format!("`{by_file}` (a file holding it)"),
        (false, true) => format!("`{by_env}` (the environment variable holding it)"),
        _ => "a `…_file` or `…_env` key".to_string(),
    };
    Some(format!(
        "`{key}` looks like an inline secret; secrets never go in warroom.toml: use {instead}"
    ))
}

/// Checks `c`, reporting against the positions `d` knows.
pub fn check(c: &WarroomConfig, d: &mut Diagnostics<'_>) {
    deployment(c, d);
    metrics(c, d);
    health(c, d);
    thresholds(c, d);
    traffic(c, d);
    gates(c, d);
    people(c, d);
    comms(c, d);
}

fn comms(c: &WarroomConfig, d: &mut Diagnostics<'_>) {
    if c.comms.progress_every.is_zero() {
        d.at_value(
            &path!["comms", "progress_every"],
            "`progress_every` must be longer than 0s, e.g. \"30m\"",
        );
    }
    if c.comms.timeout.is_zero() {
        d.at_value(
            &path!["comms", "timeout"],
            "`timeout` must be longer than 0s, e.g. \"10s\"",
        );
    }
    for kind in crate::comms::CommsKind::ALL {
        if let Some(t) = c.comms.templates.get(kind)
            && let Err(why) = crate::comms::template::Template::parse(t)
        {
            d.at_value(&path!["comms", "templates", kind.name()], why);
        }
    }
}

fn deployment(c: &WarroomConfig, d: &mut Diagnostics<'_>) {
    let dep = &c.deployment;
    if dep.name.trim().is_empty() {
        d.at_key(
            &path!["deployment", "name"],
            "the config needs the deployment's name: [deployment] name = \"my-service\"",
        );
    }
    // A zone written but unreadable was reported already.
    if matches!(dep.t0, Some(super::T0::Local(_)))
        && dep.timezone.is_none()
        && !d.exists(&path!["deployment", "timezone"])
    {
        d.at_value(
            &path!["deployment", "t0"],
            "`t0` has no zone; set `timezone` (e.g. \"America/New_York\") or write an offset (\"…Z\", \"…-05:00\")",
        );
    }
    if let (Some(r), Some(s)) = (&dep.release, &dep.stable)
        && r == s
    {
        d.at_value(
            &path!["deployment", "stable"],
            format!("`stable` is the same version as `release` (\"{s}\"); the rollback target must be the previous version"),
        );
    }
}

fn metrics(c: &WarroomConfig, d: &mut Diagnostics<'_>) {
    if c.prometheus.is_some() && c.scrape.is_some() {
        d.at_key(
            &path!["scrape"],
            "both [prometheus] and [scrape] are set; keep one ([scrape] is only for running without Prometheus)",
        );
    }
    if let Some(p) = &c.prometheus {
        if p.interval.is_zero() {
            d.at_value(
                &path!["prometheus", "interval"],
                "`interval` must be longer than 0s",
            );
        } else if p.timeout >= p.interval {
            d.at_value(
                &path!["prometheus", "timeout"],
                format!(
                    "`timeout` ({}) must be shorter than `interval` ({})",
                    p.timeout, p.interval
                ),
            );
        }
        if p.window.is_zero() {
            d.at_value(
                &path!["prometheus", "window"],
                "`window` must be longer than 0s, e.g. \"1m\"",
            );
        }
        for (key, q) in p
            .queries
            .named()
            .into_iter()
            .chain(p.queries.named_counters())
        {
            let at = path!["prometheus", "queries", key];
            if !q.contains("{version}") {
                d.at_value(&at, format!("query `{key}` has no {{version}} placeholder, so it cannot tell stable from candidate"));
            }
            let Some(re) = PLACEHOLDER.as_ref() else {
                continue;
            };
            for cap in re.captures_iter(q) {
                let name = &cap[1];
                if name != "version" && name != "window" {
                    d.at_value(&at, format!("query `{key}` uses {{{name}}}; the placeholders are {{version}} and {{window}}"));
                }
            }
        }
    }
    if let Some(s) = &c.scrape {
        if s.targets.is_empty() {
            d.at_value(
                &path!["scrape", "targets"],
                "`targets` is empty; list the /metrics URLs to scrape",
            );
        }
        if s.interval.is_zero() {
            d.at_value(
                &path!["scrape", "interval"],
                "`interval` must be longer than 0s",
            );
        } else if let Some(w) = s.window
            && w.0 < s.interval.0 * 2
        {
            // A rate needs two samples inside the window.
            d.at_value(
                &path!["scrape", "window"],
                format!(
                    "`window` ({w}) must span at least two scrapes (2 × `interval` = {}), e.g. \"{}\"",
                    super::Duration(s.interval.0 * 2),
                    super::Duration(s.interval.0 * 5)
                ),
            );
        }
    }
    versions(c, d);
    if let Some(k) = &c.kubernetes {
        if let (Some(a), Some(b)) = (&k.stable, &k.candidate)
            && a == b
        {
            d.at_value(
                &path!["kubernetes", "candidate"],
                format!("`candidate` is the same workload as `stable` ({b})"),
            );
        }
        if k.version_label.trim().is_empty() {
            d.at_value(
                &path!["kubernetes", "version_label"],
                "`version_label` is empty; name the pod label that holds the version",
            );
        }
        exec_allowlist(&k.exec_allowlist, d);
        let (needs, has) = match c.traffic.strategy {
            Strategy::ServiceSelector => ("service", k.service.is_some()),
            Strategy::HttprouteWeights => ("route", k.route.is_some()),
            Strategy::ReplicaRatio => ("stable", k.stable.is_some() && k.candidate.is_some()),
        };
        if !has {
            let what = match needs {
                "service" => "`service` (the Service whose selector switches)",
                "route" => "`route` (the HTTPRoute whose weights shift)",
                _ => "`stable` and `candidate` (the two Deployments)",
            };
            // Name the strategy (and whether it is the default) and the other choices, so
            // the fix is one of two edits, whichever matches the cluster.
            let strategy = strategy_name(c.traffic.strategy);
            let chosen = if d.exists(&path!["traffic", "strategy"]) {
                format!("traffic strategy \"{strategy}\"")
            } else {
                format!("the default traffic strategy \"{strategy}\"")
            };
            let others: Vec<String> = STRATEGIES
                .iter()
                .filter(|(s, _)| *s != c.traffic.strategy)
                .map(|(s, needs)| format!("\"{}\" (needs {needs})", strategy_name(*s)))
                .collect();
            d.at_key(
                &path!["kubernetes", needs],
                format!(
                    "{chosen} needs [kubernetes] {what}; set it, or choose another in [traffic] strategy: {}",
                    others.join(" or ")
                ),
            );
        }
    }
}

/// Every strategy and the `[kubernetes]` keys it needs.
const STRATEGIES: [(Strategy, &str); 3] = [
    (Strategy::ServiceSelector, "`service`"),
    (Strategy::HttprouteWeights, "`route`"),
    (Strategy::ReplicaRatio, "`stable` and `candidate`"),
];

/// The name written in `[traffic] strategy`.
fn strategy_name(s: Strategy) -> &'static str {
    match s {
        Strategy::ServiceSelector => "service-selector",
        Strategy::HttprouteWeights => "httproute-weights",
        Strategy::ReplicaRatio => "replica-ratio",
    }
}

fn versions(c: &WarroomConfig, d: &mut Diagnostics<'_>) {
    let v = &c.versions;
    for (key, value) in [("stable", &v.stable), ("candidate", &v.candidate)] {
        if value.as_ref().is_some_and(|s| s.trim().is_empty()) {
            d.at_value(
                &path!["versions", key],
                format!("`{key}` is empty; write the `version` label value, e.g. \"blue\""),
            );
        }
    }
    // Equal values from [deployment] alone are reported there already.
    if let (Some(s), Some(k)) = c.versions()
        && s == k
        && (v.stable.is_some() || v.candidate.is_some())
    {
        let key = if v.candidate.is_some() {
            "candidate"
        } else {
            "stable"
        };
        d.at_value(
            &path!["versions", key],
            format!("stable and candidate are both \"{s}\"; their metrics could not be told apart"),
        );
    }
}

fn health(c: &WarroomConfig, d: &mut Diagnostics<'_>) {
    let mut names = HashSet::new();
    for (i, h) in c.health.iter().enumerate() {
        if h.name.trim().is_empty() {
            d.at_value(
                &path!["health", i, "name"],
                "`name` is empty; give the endpoint a short name such as \"api\"",
            );
        } else if !names.insert(h.name.as_str()) {
            d.at_value(
                &path!["health", i, "name"],
                format!("duplicate health check name \"{}\"", h.name),
            );
        }
        if !(100..=599).contains(&h.expect_status) {
            d.at_value(
                &path!["health", i, "expect_status"],
                format!(
                    "`expect_status` {} is not an HTTP status (100–599)",
                    h.expect_status
                ),
            );
        }
        health_body(i, &h.expect_json, d);
        if h.interval.is_zero() {
            d.at_value(
                &path!["health", i, "interval"],
                "`interval` must be longer than 0s",
            );
        } else if h.timeout >= h.interval {
            d.at_value(
                &path!["health", i, "timeout"],
                format!(
                    "`timeout` ({}) must be shorter than `interval` ({})",
                    h.timeout, h.interval
                ),
            );
        }
    }
}

/// `expect_json` names fields by name or dotted path and gives the value each must hold.
fn health_body(
    i: usize,
    expect: &std::collections::BTreeMap<String, serde_json::Value>,
    d: &mut Diagnostics<'_>,
) {
    for (key, value) in expect {
        let one = std::collections::BTreeMap::from([(key.clone(), value.clone())]);
        for (field, want) in crate::sources::health::expectations(&one) {
            let problem = if field.split('.').any(|p| p.trim().is_empty()) {
                format!(
                    "`expect_json` field \"{field}\" has an empty name; write fields as \"status\" \
                     or \"checks.db\""
                )
            } else if want.as_object().is_some_and(serde_json::Map::is_empty) {
                format!(
                    "`expect_json` field \"{field}\" expects an empty table; name the fields it must \
                     hold, e.g. {{ \"{field}.status\" = \"ok\" }}"
                )
            } else {
                continue;
            };
            d.at_value(&path!["health", i, "expect_json", key.as_str()], problem);
        }
    }
}

/// Entries are a full path or a bare name looked up on PATH, as kubectl's allowlist takes.
fn exec_allowlist(entries: &[String], d: &mut Diagnostics<'_>) {
    for (i, e) in entries.iter().enumerate() {
        let problem = if e.trim().is_empty() {
            Some("an empty entry allows nothing; remove it or name a plugin".to_string())
        } else if e.contains(['*', '?', '[']) {
            Some(format!(
                "\"{e}\": patterns are not supported; list each plugin by full path or name"
            ))
        } else if e.contains('/') && !e.starts_with('/') {
            Some(format!(
                "\"{e}\" is a relative path; write a full path (\"/usr/local/bin/…\") or a bare \
                 name found on PATH"
            ))
        } else {
            None
        };
        if let Some(p) = problem {
            d.at_value(&path!["kubernetes", "exec_allowlist", i], p);
        }
    }
}

fn ratio(d: &mut Diagnostics<'_>, table: &str, key: &str, v: f64) {
    if !(v > 0.0 && v < 1.0) {
        d.at_value(
            &path![table, key],
            format!("`{key}` is a ratio between 0 and 1 (0.01 = 1 %), not {v}"),
        );
    }
}

fn thresholds(c: &WarroomConfig, d: &mut Diagnostics<'_>) {
    ratio(d, "slo", "error_ratio", c.slo.error_ratio);
    if c.slo.latency_p95.is_zero() {
        d.at_value(
            &path!["slo", "latency_p95"],
            "`latency_p95` must be longer than 0ms",
        );
    }
    if c.slo.latency_p99 < c.slo.latency_p95 {
        d.at_value(
            &path!["slo", "latency_p99"],
            format!(
                "`latency_p99` ({}) is below `latency_p95` ({}); p99 can never be lower",
                c.slo.latency_p99, c.slo.latency_p95
            ),
        );
    }
    let ar = &c.auto_rollback;
    ratio(d, "auto_rollback", "error_ratio", ar.error_ratio);
    if ar.window.is_zero() {
        d.at_value(
            &path!["auto_rollback", "window"],
            "`window` must be longer than 0s, e.g. \"5m\"",
        );
    }
    if !(ar.alpha > 0.0 && ar.alpha < 1.0) {
        d.at_value(
            &path!["auto_rollback", "alpha"],
            format!(
                "`alpha` is the sequential test's false-alarm level, between 0 and 1 (0.01 = 1 %), not {}",
                ar.alpha
            ),
        );
    }
    if !(ar.p99_vs_baseline > 1.0 && ar.p99_vs_baseline.is_finite()) {
        d.at_value(
            &path!["auto_rollback", "p99_vs_baseline"],
            format!("`p99_vs_baseline` is a multiple of the baseline and must be above 1 (e.g. 2.0), not {}", ar.p99_vs_baseline),
        );
    }
}

fn traffic(c: &WarroomConfig, d: &mut Diagnostics<'_>) {
    let steps = &c.traffic.steps;
    if steps.is_empty() {
        d.at_value(
            &path!["traffic", "steps"],
            "`steps` is empty; list at least { weight = 100, bake = \"30m\" }",
        );
        return;
    }
    let mut prev = 0;
    for (i, s) in steps.iter().enumerate() {
        if !(1..=100).contains(&s.weight) {
            d.at_value(
                &path!["traffic", "steps", i, "weight"],
                format!("weight {} is not a percentage from 1 to 100", s.weight),
            );
        } else if s.weight <= prev {
            d.at_value(
                &path!["traffic", "steps", i, "weight"],
                format!("weight {} does not increase on the previous step ({prev}); steps must go up, e.g. 10, 25, 50, 100", s.weight),
            );
        }
        prev = prev.max(s.weight);
    }
    if let Some(last) = steps.last()
        && last.weight != 100
        && (1..=100).contains(&last.weight)
    {
        d.at_value(
            &path!["traffic", "steps", steps.len() - 1, "weight"],
            format!(
                "the last step sends {} %; the plan must end with weight = 100",
                last.weight
            ),
        );
    }
    if c.traffic.strategy == Strategy::ServiceSelector && steps.len() > 1 {
        d.at_value(
            &path!["traffic", "strategy"],
            "strategy \"service-selector\" switches all traffic at once; use one step { weight = 100 }, or \"httproute-weights\"/\"replica-ratio\" for gradual steps",
        );
    }
}

fn gates(c: &WarroomConfig, d: &mut Diagnostics<'_>) {
    let g = &c.gates;
    if let Some(w) = &g.window {
        if w.days.is_empty() {
            d.at_value(
                &path!["gates", "window", "days"],
                "`days` is empty; list the allowed days, e.g. [\"Tue\", \"Wed\", \"Thu\"]",
            );
        }
        if w.from >= w.to {
            d.at_value(
                &path!["gates", "window", "to"],
                format!("the window ends ({}) before it starts ({})", w.to, w.from),
            );
        }
        if c.deployment.timezone.is_none() && !d.exists(&path!["deployment", "timezone"]) {
            d.at_key(
                &path!["gates", "window"],
                "a deployment window needs [deployment] timezone to be read in",
            );
        }
    }
    for (i, name) in g.advisory.iter().enumerate() {
        if crate::event::GateId::from_name(name).is_none() {
            let known: Vec<&str> = crate::event::GateId::ALL.iter().map(|g| g.name()).collect();
            d.at_value(
                &path!["gates", "advisory", i],
                format!("\"{name}\" is not a gate; gates: {}", known.join(", ")),
            );
        }
    }
    if g.approvals.as_ref().is_some_and(|a| a.allow_declared)
        && c.deployment.environment == "production"
    {
        d.at_value(
            &path!["gates", "approvals", "allow_declared"],
            "declared approver names are allowed only outside production; remove `allow_declared` or set [deployment] environment",
        );
    }
    for (i, f) in g.freeze.iter().enumerate() {
        if f.to < f.from {
            d.at_value(
                &path!["gates", "freeze", i, "to"],
                format!("the freeze ends ({}) before it starts ({})", f.to, f.from),
            );
        }
    }
    observed_gates(c, d);
    if let Some(a) = &g.approvals {
        if a.required == 0 {
            d.at_value(
                &path!["gates", "approvals", "required"],
                "`required` is 0; leave `approvals` out to need none",
            );
        }
        for (i, role) in a.roles.iter().enumerate() {
            let at = path!["gates", "approvals", "roles", i];
            if !c.roles.contains_key(role) {
                if d.exists(&path!["roles", role.as_str()]) {
                    continue;
                }
                d.at_value(
                    &at,
                    format!(
                        "approver role \"{role}\" is not defined in [roles]; defined: {}",
                        role_list(c)
                    ),
                );
            } else if !c.may(role, Permission::Approve) {
                d.at_value(
                    &at,
                    format!("role \"{role}\" cannot approve; give it \"approve\" in [roles]"),
                );
            }
        }
    }
}

/// The gates the gates source reads: the soak needs a time to count from, and the staging
/// request must end before the next one is due.
fn observed_gates(c: &WarroomConfig, d: &mut Diagnostics<'_>) {
    let g = &c.gates;
    if g.staging_soak.is_some()
        && g.staging_verified
            .as_ref()
            .is_none_or(|s| s.deployed_at_field.is_none())
    {
        d.at_value(
            &path!["gates", "staging_soak"],
            "`staging_soak` needs to know when staging got the release: set `deployed_at_field` in [gates.staging_verified] to the field of its JSON answer that holds it, e.g. \"deployedAt\"",
        );
    }
    if let Some(field) = g
        .staging_verified
        .as_ref()
        .and_then(|s| s.deployed_at_field.as_deref())
        && (field.is_empty() || field.split('.').any(str::is_empty))
    {
        d.at_value(
            &path!["gates", "staging_verified", "deployed_at_field"],
            format!("\"{field}\" is not a field path; write a name, or names joined by dots, e.g. \"staging.deployedAt\""),
        );
    }
    if g.interval.is_zero() {
        d.at_value(
            &path!["gates", "interval"],
            "`interval` must be longer than 0s, e.g. \"30s\"",
        );
    } else if g.timeout >= g.interval || g.timeout.is_zero() {
        d.at_value(
            &path!["gates", "timeout"],
            format!(
                "`timeout` ({}) must be longer than 0s and shorter than `interval` ({})",
                g.timeout, g.interval
            ),
        );
    }
}

fn people(c: &WarroomConfig, d: &mut Diagnostics<'_>) {
    for name in c.roles.keys() {
        if name.trim().is_empty() || name.chars().any(char::is_whitespace) {
            d.at_key(
                &path!["roles", name.as_str()],
                format!("role name \"{name}\" must be one word, e.g. \"on-call\""),
            );
        }
    }
    for (op, role) in &c.operators {
        // A role written in the file but dropped for a bad permission was reported already.
        if !c.roles.contains_key(role) && !d.exists(&path!["roles", role.as_str()]) {
            d.at_value(
                &path!["operators", op.as_str()],
                format!("operator \"{op}\" has role \"{role}\", which is not defined in [roles]; defined: {}", role_list(c)),
            );
        }
    }
}

fn role_list(c: &WarroomConfig) -> String {
    if c.roles.is_empty() {
        return "none".to_string();
    }
    c.roles
        .keys()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
