//! The ConfigMaps approvals travel in: the war room's published pending decision and head
//! (`warroom-<deployment>-pending`), each approval an approver delivers, and the result the war
//! room writes back on it. Shared by the war room's watcher and `warroom approve --cluster`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::ObjectMeta;
use serde::{Deserialize, Serialize};

use crate::event::DecisionRef;

/// Marks an approval object: `warroom.dev/approval=true`.
pub const APPROVAL_LABEL: &str = "warroom.dev/approval";
/// The session an approval is for.
pub const SESSION_LABEL: &str = "warroom.dev/session";
/// Marks the published pending decision.
pub const PENDING_LABEL: &str = "warroom.dev/pending";
/// The war room's answer on an approval: `recorded` or `refused`.
pub const RESULT_ANNOTATION: &str = "warroom.dev/result";
/// The answer in words.
pub const DETAIL_ANNOTATION: &str = "warroom.dev/detail";
/// The session-log line of the answer.
pub const SEQ_ANNOTATION: &str = "warroom.dev/seq";
/// The data key holding the signed text.
pub const APPROVAL_KEY: &str = "approval";
/// The data key holding the armored signature.
pub const SIGNATURE_KEY: &str = "signature";
/// The data key holding the published pending decision (JSON).
pub const PENDING_KEY: &str = "pending";

/// What the war room publishes for approvers: the session, the decision waiting for
/// approvals (if any) and the chain head to sign, with what `--for` needs to name another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Pending {
    /// The session id.
    pub session: String,
    /// The decision waiting for approvals now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<DecisionRef>,
    /// The release version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// The go/no-go round that would be decided next.
    pub next_round: u32,
    /// The round that went, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go_round: Option<u32>,
    /// The plan's next step (0-based), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_step: Option<usize>,
    /// The head's `seq`.
    pub head_seq: u64,
    /// The head's `hash`.
    pub head_hash: String,
    /// Who operates the war room.
    pub operator: String,
    /// When this was published (RFC 3339).
    pub at: String,
}

/// The pending ConfigMap's name for a deployment: the lock's name and `-pending`.
pub fn pending_name(deployment: &str) -> String {
    let mut lease = crate::sources::kube::lease_name(deployment);
    lease.truncate(63 - "-pending".len());
    format!("{}-pending", lease.trim_end_matches('-'))
}

fn labels(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect(),
    )
}

/// The pending ConfigMap.
pub fn pending_object(name: &str, p: &Pending) -> ConfigMap {
    let json = serde_json::to_string(p).unwrap_or_default();
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: labels(&[(PENDING_LABEL, "true")]),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([(PENDING_KEY.to_string(), json)])),
        ..ConfigMap::default()
    }
}

/// Reads a pending ConfigMap.
pub fn read_pending(cm: &ConfigMap) -> Result<Pending, String> {
    let text = cm
        .data
        .as_ref()
        .and_then(|d| d.get(PENDING_KEY))
        .ok_or_else(|| format!("it has no `{PENDING_KEY}` data"))?;
    serde_json::from_str(text).map_err(|e| format!("its `{PENDING_KEY}` data does not read: {e}"))
}

/// An approval object: `name`, labelled for `session`, holding the signed text and signature.
pub fn approval_object(name: &str, session: &str, text: &str, signature: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: labels(&[(APPROVAL_LABEL, "true"), (SESSION_LABEL, session)]),
            ..ObjectMeta::default()
        },
        data: Some(BTreeMap::from([
            (APPROVAL_KEY.to_string(), text.to_string()),
            (SIGNATURE_KEY.to_string(), signature.to_string()),
        ])),
        ..ConfigMap::default()
    }
}

/// The signed text and the signature of an approval object, if it has both.
pub fn read_approval(cm: &ConfigMap) -> Result<(String, String), String> {
    let get = |k: &str| {
        cm.data
            .as_ref()
            .and_then(|d| d.get(k))
            .cloned()
            .ok_or_else(|| format!("it has no `{k}` data"))
    };
    Ok((get(APPROVAL_KEY)?, get(SIGNATURE_KEY)?))
}

/// The war room's answer written on an approval object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Recorded (true) or refused.
    pub recorded: bool,
    /// In words.
    pub detail: String,
    /// The session-log line.
    pub seq: Option<u64>,
}

/// The answer on an approval object, once the war room wrote one.
pub fn read_answer(cm: &ConfigMap) -> Option<Answer> {
    let ann = cm.metadata.annotations.as_ref()?;
    let result = ann.get(RESULT_ANNOTATION)?;
    Some(Answer {
        recorded: result == "recorded",
        detail: ann.get(DETAIL_ANNOTATION).cloned().unwrap_or_default(),
        seq: ann.get(SEQ_ANNOTATION).and_then(|s| s.parse().ok()),
    })
}

/// The merge patch that writes `answer` on an approval object.
pub fn answer_patch(answer: &Answer) -> serde_json::Value {
    let mut ann = serde_json::Map::new();
    let result = if answer.recorded {
        "recorded"
    } else {
        "refused"
    };
    ann.insert(RESULT_ANNOTATION.into(), result.into());
    ann.insert(DETAIL_ANNOTATION.into(), answer.detail.clone().into());
    if let Some(s) = answer.seq {
        ann.insert(SEQ_ANNOTATION.into(), s.to_string().into());
    }
    serde_json::json!({ "metadata": { "annotations": ann } })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_round_trip() {
        let p = Pending {
            session: "s1".into(),
            next_round: 1,
            head_seq: 4,
            head_hash: "ab".repeat(32),
            operator: "lead".into(),
            ..Pending::default()
        };
        let cm = pending_object(&pending_name("app"), &p);
        assert_eq!(cm.metadata.name.as_deref(), Some("warroom-app-pending"));
        assert_eq!(read_pending(&cm), Ok(p));
        let a = approval_object("warroom-approval-1", "s1", "text", "sig");
        assert_eq!(read_approval(&a), Ok(("text".into(), "sig".into())));
        assert_eq!(read_answer(&a), None);
        let answer = Answer {
            recorded: false,
            detail: "no".into(),
            seq: Some(9),
        };
        let mut a = a;
        let patch = answer_patch(&answer);
        a.metadata.annotations =
            serde_json::from_value(patch["metadata"]["annotations"].clone()).expect("annotations");
        assert_eq!(read_answer(&a), Some(answer));
        assert_eq!(pending_name(&"x".repeat(80)).len(), 63);
    }
}
