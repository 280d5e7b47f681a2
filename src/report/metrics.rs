//! `warroom report --metrics DIR`: many session logs summarised into the production
//! deployment metrics of the readiness policy (deployment frequency, success rate, mean time
//! to deploy, rollback frequency, change failure rate) and the five DORA metrics (deployment
//! frequency, change lead time, change fail rate, failed-deployment recovery time, deployment
//! rework rate). Each session is read by the same report pass; a file that cannot be counted
//! is listed with its reason, never skipped silently.

use std::path::Path;

use serde::Serialize;

use super::model::{OutcomeKind, REPORT_VERSION, Report, Trigger};
use super::time::{parse, secs};

/// The metrics document.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    /// `deployment-metrics`.
    pub kind: &'static str,
    /// The report structure's version.
    pub report_version: u32,
    /// The warroom version that wrote it.
    pub generator: String,
    /// The directory summarised.
    pub dir: String,
    /// Every session counted.
    pub sessions: Vec<SessionRow>,
    /// Every go of those sessions, oldest first.
    pub deployments: Vec<DeploymentRow>,
    /// The readiness policy's deployment metrics.
    pub policy: Policy,
    /// The five DORA metrics.
    pub dora: Dora,
    /// Files that could not be counted, with the reason.
    pub bad_files: Vec<BadFile>,
    /// Entries of the directory that are not `*.jsonl` files.
    pub ignored: Vec<String>,
}

/// One session counted.
#[derive(Debug, Clone, Serialize)]
pub struct SessionRow {
    /// The file.
    pub file: String,
    /// Session id.
    pub session: Option<String>,
    /// Deployment name.
    pub deployment: Option<String>,
    /// Release.
    pub release: Option<String>,
    /// The session's outcome.
    pub outcome: OutcomeKind,
    /// First line.
    pub started_at: Option<String>,
    /// How many times it went.
    pub deployments: u32,
}

/// One go.
#[derive(Debug, Clone, Serialize)]
pub struct DeploymentRow {
    /// The session file.
    pub file: String,
    /// Deployment name.
    pub deployment: Option<String>,
    /// Release.
    pub release: Option<String>,
    /// The go/no-go round in its session.
    pub round: u32,
    /// When go was decided.
    pub go_at: String,
    /// How it ended.
    pub outcome: OutcomeKind,
    /// Go to the last step applied, seconds.
    pub time_to_deploy_s: Option<f64>,
    /// Rolled back: automatically or by hand.
    pub rollback: Option<Trigger>,
    /// The rollback's incident ticket.
    pub ticket: Option<String>,
    /// First breach (or the request) to traffic on stable, seconds.
    pub recovery_s: Option<f64>,
    /// Made right after a failed deployment of the same deployment.
    pub rework: bool,
}

/// A share of the deployments.
#[derive(Debug, Clone, Serialize)]
pub struct Rate {
    /// count / of (None when there is no deployment).
    pub value: Option<f64>,
    /// The deployments counted.
    pub count: u32,
    /// All deployments.
    pub of: u32,
}

/// A duration over some deployments.
#[derive(Debug, Clone, Serialize)]
pub struct Span {
    /// Mean, seconds.
    pub mean_s: Option<f64>,
    /// Median, seconds.
    pub median_s: Option<f64>,
    /// How many deployments it is over.
    pub count: u32,
}

/// How often production is deployed.
#[derive(Debug, Clone, Serialize)]
pub struct Frequency {
    /// Deployments (gos).
    pub deployments: u32,
    /// From the first go to the last, in days (at least one).
    pub days: Option<f64>,
    /// Deployments per day.
    pub per_day: Option<f64>,
    /// Deployments per week.
    pub per_week: Option<f64>,
}

/// The readiness policy's deployment metrics.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// How often production is deployed (target: weekly or more).
    pub deployment_frequency: Frequency,
    /// Deployments that completed without a rollback (target > 95 %).
    pub deployment_success_rate: Rate,
    /// Go (the approved decision) to production live (target < 30 min).
    pub mean_time_to_deploy: Span,
    /// Deployments rolled back (target < 5 %).
    pub rollback_frequency: Rate,
    /// Deployments causing an incident: an automatic rollback, or a rollback with an incident
    /// ticket (target < 3 %).
    pub change_failure_rate: Rate,
}

/// The five DORA metrics.
#[derive(Debug, Clone, Serialize)]
pub struct Dora {
    /// Deployment frequency.
    pub deployment_frequency: Frequency,
    /// Change lead time: commit to production.
    pub change_lead_time: LeadTime,
    /// Deployments that needed immediate intervention (rolled back).
    pub change_fail_rate: Rate,
    /// Failed deployment to traffic back on stable.
    pub failed_deployment_recovery_time: Span,
    /// Deployments made right after a failed one of the same deployment (unplanned).
    pub deployment_rework_rate: Rate,
}

/// Change lead time, when the sessions know the commit time.
#[derive(Debug, Clone, Serialize)]
pub struct LeadTime {
    /// Mean, seconds (None: unknown).
    pub mean_s: Option<f64>,
    /// Why it is unknown.
    pub note: String,
}

/// A file that could not be counted.
#[derive(Debug, Clone, Serialize)]
pub struct BadFile {
    /// The file.
    pub file: String,
    /// Why.
    pub reason: String,
}

/// Summarises every `*.jsonl` file in `dir` (not its subdirectories).
pub fn from_dir(dir: &Path) -> std::io::Result<Metrics> {
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    names.sort();
    let mut reports = Vec::new();
    let mut bad_files = Vec::new();
    let mut ignored = Vec::new();
    for path in names {
        let name = path.display().to_string();
        if !path.is_file() || path.extension().is_none_or(|e| e != "jsonl") {
            ignored.push(name);
            continue;
        }
        match super::from_file(&path) {
            Err(e) => bad_files.push(BadFile {
                file: name,
                reason: format!("cannot read: {e}"),
            }),
            Ok(r) => match countable(&r) {
                Some(reason) => bad_files.push(BadFile { file: name, reason }),
                None => reports.push(r),
            },
        }
    }
    Ok(summarise(dir, &reports, bad_files, ignored))
}

/// Why a report cannot be counted, if it cannot.
fn countable(r: &Report) -> Option<String> {
    let v = &r.verification;
    if let (Some(line), Some(reason)) = (v.first_bad_line, &v.damage) {
        return Some(format!(
            "damaged at line {line}: {reason} (not counted; `warroom report` on it shows what is there)"
        ));
    }
    if v.lines == 0 {
        return Some("holds no complete session-log line".to_string());
    }
    if r.session.app_version.is_none() {
        return Some("not a war-room session: it has no SessionStarted line".to_string());
    }
    None
}

/// The metrics of the counted reports.
pub fn summarise(
    dir: &Path,
    reports: &[Report],
    bad_files: Vec<BadFile>,
    ignored: Vec<String>,
) -> Metrics {
    let mut deployments: Vec<DeploymentRow> = reports
        .iter()
        .flat_map(|r| {
            r.summary.deployments.iter().map(|d| DeploymentRow {
                file: r.file.clone(),
                deployment: r.session.deployment.clone(),
                release: r.session.release.clone(),
                round: d.round,
                go_at: d.go_at.clone(),
                outcome: d.outcome,
                time_to_deploy_s: d.time_to_deploy_s,
                rollback: d.rollback.as_ref().map(|b| b.trigger),
                ticket: d.rollback.as_ref().and_then(|b| b.ticket.clone()),
                recovery_s: d.rollback.as_ref().and_then(|b| b.recovery_s),
                rework: false,
            })
        })
        .collect();
    deployments.sort_by_key(|d| parse(&d.go_at));
    // A deployment right after a failed one of the same deployment is rework: the log does
    // not say why a release was made, but a redeploy after a rollback is the unplanned kind.
    for i in 1..deployments.len() {
        let prev_failed = deployments[..i]
            .iter()
            .rev()
            .find(|p| p.deployment == deployments[i].deployment)
            .is_some_and(|p| p.rollback.is_some());
        deployments[i].rework = prev_failed;
    }
    let n = u32::try_from(deployments.len()).unwrap_or(u32::MAX);
    let rate = |keep: &dyn Fn(&DeploymentRow) -> bool| {
        let count = u32::try_from(deployments.iter().filter(|d| keep(d)).count()).unwrap_or(0);
        Rate {
            value: (n > 0).then(|| f64::from(count) / f64::from(n)),
            count,
            of: n,
        }
    };
    let frequency = frequency(&deployments);
    let deploy_times: Vec<f64> = deployments
        .iter()
        .filter_map(|d| d.time_to_deploy_s)
        .collect();
    let recoveries: Vec<f64> = deployments.iter().filter_map(|d| d.recovery_s).collect();
    Metrics {
        kind: "deployment-metrics",
        report_version: REPORT_VERSION,
        generator: format!("warroom {}", env!("CARGO_PKG_VERSION")),
        dir: dir.display().to_string(),
        sessions: reports
            .iter()
            .map(|r| SessionRow {
                file: r.file.clone(),
                session: r.session.id.clone(),
                deployment: r.session.deployment.clone(),
                release: r.session.release.clone(),
                outcome: r.summary.outcome,
                started_at: r.session.started_at.clone(),
                deployments: u32::try_from(r.summary.deployments.len()).unwrap_or(0),
            })
            .collect(),
        policy: Policy {
            deployment_frequency: frequency.clone(),
            deployment_success_rate: rate(&|d| d.outcome == OutcomeKind::Completed),
            mean_time_to_deploy: span(&deploy_times),
            rollback_frequency: rate(&|d| d.rollback.is_some()),
            change_failure_rate: rate(&|d| {
                d.rollback == Some(Trigger::Auto) || (d.rollback.is_some() && d.ticket.is_some())
            }),
        },
        dora: Dora {
            deployment_frequency: frequency,
            change_lead_time: LeadTime {
                mean_s: None,
                note: "unknown (no commit time recorded)".to_string(),
            },
            change_fail_rate: rate(&|d| d.rollback.is_some()),
            failed_deployment_recovery_time: span(&recoveries),
            deployment_rework_rate: rate(&|d| d.rework),
        },
        deployments,
        bad_files,
        ignored,
    }
}

fn frequency(deps: &[DeploymentRow]) -> Frequency {
    let n = u32::try_from(deps.len()).unwrap_or(u32::MAX);
    let times: Vec<_> = deps.iter().filter_map(|d| parse(&d.go_at)).collect();
    let days = match (times.first(), times.last()) {
        (Some(a), Some(b)) => Some((secs(*a, *b) / 86_400.0).max(1.0)),
        _ => None,
    };
    Frequency {
        deployments: n,
        days,
        per_day: days.map(|d| f64::from(n) / d),
        per_week: days.map(|d| f64::from(n) / d * 7.0),
    }
}

fn span(v: &[f64]) -> Span {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    Span {
        mean_s: (n > 0).then(|| s.iter().sum::<f64>() / n as f64),
        median_s: (n > 0).then(|| {
            if n % 2 == 1 {
                s[n / 2]
            } else {
                (s[n / 2 - 1] + s[n / 2]) / 2.0
            }
        }),
        count: u32::try_from(n).unwrap_or(u32::MAX),
    }
}
