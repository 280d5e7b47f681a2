//! The gates that need I/O, judged: the staging verification answer (status 200 and every
//! `expect_json` field equal), the staging soak (time since staging got the release), and the
//! vulnerability report (Trivy JSON, or a `{"critical": N}` summary). The gates source does the
//! I/O and records each result as `GateObserved`; these functions are pure so the source, the
//! gates and the tests share one reading.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::{Eval, not_configured, unknown};
use crate::config::warroom::WarroomConfig;
use crate::event::{GateId, GateStatus};
use crate::state::State;
use crate::ui::timefmt;

/// How many mismatching fields or finding ids a why line names.
const NAMED: usize = 3;
/// Longest JSON value quoted in a why line.
const VALUE_CHARS: usize = 40;
/// A deployed-at time this far ahead of the clock is not believed (clock skew, wrong field).
const FUTURE_SLACK: SignedDuration = SignedDuration::from_secs(60);

/// What the staging verification endpoint answered.
#[derive(Debug, Clone, PartialEq)]
pub enum StagingAnswer {
    /// No usable answer: the request failed or timed out, or the body could not be read.
    Unreadable(String),
    /// An HTTP status, and the body read as JSON (or why it is not JSON).
    Answered {
        /// The HTTP status.
        status: u16,
        /// The body as JSON, or why it could not be read as JSON.
        json: Result<Value, String>,
    },
}

/// The value at a dotted path (`checks.smoke`) of a JSON document; a key that itself holds
/// dots is found too.
pub fn field<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(v) = doc.get(path) {
        return Some(v);
    }
    path.split('.').try_fold(doc, |at, part| at.get(part))
}

/// A JSON value as a why line quotes it: compact, cut at 40 characters.
fn quote(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > VALUE_CHARS {
        let cut: String = s.chars().take(VALUE_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// Equal as JSON, numbers by value (`1` equals `1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if a.is_number() && b.is_number() => x == y,
        _ => a == b,
    }
}

/// Judges the staging verification: Pass on status 200 with every expected field equal; Fail
/// on another 1xx–4xx status or a field that is missing or differs (naming it and both
/// values); Unknown when there is no readable answer (transport, 5xx, not JSON).
pub fn judge_staging(answer: &StagingAnswer, expect: &BTreeMap<String, Value>) -> Eval {
    let (status, json) = match answer {
        StagingAnswer::Unreadable(why) => return unknown(format!("staging check: {why}")),
        StagingAnswer::Answered { status, json } => (*status, json),
    };
    let evidence = |extra: Value| json!({ "status": status, "fields": extra });
    if status >= 500 || status == 429 {
        return (
            GateStatus::Unknown,
            format!("staging check answered {status}; the result is not known"),
            evidence(Value::Null),
        );
    }
    if status != 200 {
        return (
            GateStatus::Fail,
            format!("staging check answered {status}, expected 200"),
            evidence(Value::Null),
        );
    }
    let doc = match json {
        Ok(doc) => doc,
        Err(_) if expect.is_empty() => {
            return (
                GateStatus::Pass,
                "staging check answered 200".to_string(),
                evidence(Value::Null),
            );
        }
        Err(why) => {
            return (
                GateStatus::Unknown,
                format!("staging answer is not JSON: {why}"),
                evidence(Value::Null),
            );
        }
    };
    let mut wrong = Vec::new();
    let mut seen = serde_json::Map::new();
    for (key, want) in expect {
        let got = field(doc, key);
        seen.insert(key.clone(), got.cloned().unwrap_or(Value::Null));
        match got {
            Some(g) if same(g, want) => {}
            Some(g) => wrong.push(format!("{key} is {}, expected {}", quote(g), quote(want))),
            None => wrong.push(format!(
                "no field {key} in the answer (expected {})",
                quote(want)
            )),
        }
    }
    let evidence = evidence(Value::Object(seen));
    if wrong.is_empty() {
        let fields = expect
            .iter()
            .take(NAMED)
            .map(|(k, v)| format!("{k} = {}", quote(v)))
            .collect::<Vec<_>>()
            .join(", ");
        let why = if fields.is_empty() {
            "staging check answered 200".to_string()
        } else {
            format!("staging verified: {fields}")
        };
        return (GateStatus::Pass, why, evidence);
    }
    let n = wrong.len();
    let mut why = wrong.into_iter().take(NAMED).collect::<Vec<_>>().join("; ");
    if n > NAMED {
        why.push_str(&format!(" (and {} more)", n - NAMED));
    }
    (GateStatus::Fail, why, evidence)
}

/// When staging got the release, from the answer's `field`: an RFC 3339 time, or Unix seconds
/// (milliseconds when the number is that large).
pub fn deployed_at(answer: &StagingAnswer, path: &str) -> Result<Timestamp, String> {
    let doc = match answer {
        StagingAnswer::Unreadable(why) => return Err(format!("staging check: {why}")),
        StagingAnswer::Answered { json: Err(why), .. } => {
            return Err(format!("staging answer is not JSON: {why}"));
        }
        StagingAnswer::Answered { json: Ok(doc), .. } => doc,
    };
    let v = field(doc, path).ok_or_else(|| format!("no field {path} in the staging answer"))?;
    let bad = || {
        format!(
            "{path} is {}, not a time (RFC 3339 or Unix seconds)",
            quote(v)
        )
    };
    match v {
        Value::String(s) => s.trim().parse::<Timestamp>().map_err(|_| bad()),
        Value::Number(n) => {
            let x = n
                .as_f64()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(bad)?;
            // Past 10^11 seconds is the year 5138: such a number is milliseconds.
            let ms = if x > 1e11 { x } else { x * 1000.0 };
            Timestamp::from_millisecond(ms as i64).map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

/// Judges the staging soak: at least `min` since `deployed` at `now`.
pub fn judge_soak(deployed: Result<Timestamp, String>, min: Duration, now: Timestamp) -> Eval {
    let at = match deployed {
        Ok(at) => at,
        Err(why) => return unknown(why),
    };
    let need = SignedDuration::try_from(min).unwrap_or(SignedDuration::MAX);
    let elapsed = now.duration_since(at);
    let evidence = json!({
        "deployed_at": at.to_string(),
        "min_s": min.as_secs(),
        "elapsed_s": elapsed.as_secs(),
    });
    let span = |d: SignedDuration| timefmt::span(d.as_secs().max(0));
    if elapsed < -FUTURE_SLACK {
        return (
            GateStatus::Unknown,
            format!(
                "staging deployed-at {at} is {} ahead of the clock",
                span(-elapsed)
            ),
            evidence,
        );
    }
    let need_text = span(need);
    if elapsed >= need {
        (
            GateStatus::Pass,
            format!("in staging for {} (needs {need_text})", span(elapsed)),
            evidence,
        )
    } else {
        (
            GateStatus::Fail,
            format!(
                "in staging for {} of {need_text}; met in {}",
                span(elapsed.max(SignedDuration::ZERO)),
                span(need - elapsed.max(SignedDuration::ZERO))
            ),
            evidence,
        )
    }
}

/// Critical findings in a report: Trivy JSON (`Results[].Vulnerabilities[].Severity ==
/// "CRITICAL"`, with their ids) or a summary such as seed 001's `{"critical": N}`.
pub fn critical_findings(doc: &Value) -> Result<(u64, Vec<String>), String> {
    if let Some(n) = doc.get("critical") {
        return n
            .as_u64()
            .map(|n| (n, Vec::new()))
            .ok_or_else(|| format!("\"critical\" is {}, not a count", quote(n)));
    }
    let results = match doc.get("Results") {
        Some(Value::Array(r)) => r.as_slice(),
        // Trivy leaves Results out (or null) when there was nothing to scan.
        None | Some(Value::Null) if doc.get("SchemaVersion").is_some() => &[],
        _ => {
            return Err(
                "neither a Trivy report (Results) nor a summary ({\"critical\": N})".to_string(),
            );
        }
    };
    let mut ids = Vec::new();
    let mut n = 0u64;
    for v in results
        .iter()
        .filter_map(|r| r.get("Vulnerabilities")?.as_array())
        .flatten()
    {
        let critical = v
            .get("Severity")
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("CRITICAL"));
        if critical {
            n += 1;
            if let Some(id) = v.get("VulnerabilityID").and_then(Value::as_str)
                && !ids.iter().any(|i| i == id)
            {
                ids.push(id.to_string());
            }
        }
    }
    Ok((n, ids))
}

/// Judges the vulnerability report: `read` is the file's bytes or why it could not be read;
/// `name` is how the why line names the file.
pub fn judge_report(read: Result<Vec<u8>, String>, name: &str, max_critical: u32) -> Eval {
    let bytes = match read {
        Ok(b) => b,
        Err(why) => return unknown(format!("cannot read {name}: {why}")),
    };
    let doc: Value = match serde_json::from_slice(&bytes) {
        Ok(d) => d,
        Err(e) => return unknown(format!("{name} is not JSON: {e}")),
    };
    let (n, ids) = match critical_findings(&doc) {
        Ok(found) => found,
        Err(why) => return unknown(format!("{name}: {why}")),
    };
    let evidence = json!({
        "report": name,
        "critical": n,
        "max_critical": max_critical,
        "ids": ids.iter().take(20).collect::<Vec<_>>(),
        "artifact": doc.get("ArtifactName"),
        "created": doc.get("CreatedAt"),
    });
    if n <= u64::from(max_critical) {
        return (
            GateStatus::Pass,
            format!("{n} critical (allowed {max_critical}) in {name}"),
            evidence,
        );
    }
    let mut why = format!("{n} critical (allowed {max_critical}) in {name}");
    if !ids.is_empty() {
        let named = ids
            .iter()
            .take(NAMED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = if ids.len() > NAMED { ", …" } else { "" };
        why.push_str(&format!(": {named}{more}"));
    }
    (GateStatus::Fail, why, evidence)
}

/// A gate the gates source reports, as last recorded. The soak is judged again at `now` from
/// the recorded deployed-at time, so it passes the moment the soak is met rather than at the
/// next observation.
pub fn recorded(state: &State, cfg: &WarroomConfig, gate: GateId, now: Timestamp) -> Eval {
    let g = &cfg.gates;
    let configured = match gate {
        GateId::StagingVerified => g.staging_verified.is_some(),
        GateId::StagingSoak => g.staging_soak.is_some(),
        GateId::Vulnerabilities => g.vulnerabilities.is_some(),
        _ => false,
    };
    if !configured {
        return not_configured(format!("not configured ([gates] has no {})", key(gate)));
    }
    let Some((r, _)) = state.release.observed_gates.get(&gate) else {
        return unknown("not checked yet");
    };
    if gate == GateId::StagingSoak
        && let Some(min) = g.staging_soak
        && let Some(at) = r
            .evidence
            .get("deployed_at")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Timestamp>().ok())
    {
        return judge_soak(Ok(at), min.0, now);
    }
    (r.status, r.why.clone(), r.evidence.clone())
}

/// The `[gates]` key that configures a gate the source reports.
fn key(gate: GateId) -> &'static str {
    match gate {
        GateId::StagingVerified => "staging_verified",
        GateId::StagingSoak => "staging_soak",
        _ => "vulnerabilities",
    }
}
