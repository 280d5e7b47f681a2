//! The write log: every POST, PUT, PATCH and DELETE the Kubernetes API received, with its
//! field manager, the `warroom.io/action` annotation it carried and the status answered, so a
//! test can count the writes one action made (`GET /sim/requests`); reads are only counted.

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::Value;

/// How many writes are kept (the oldest go first).
pub const KEPT: usize = 4096;

/// The annotation that names the action a write belongs to.
pub const ACTION_ANNOTATION: &str = "warroom.io/action";

/// One write.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Write {
    /// Position in the log, from 1.
    pub seq: u64,
    /// Wall-clock time the request arrived, in ms since the Unix epoch.
    pub at_ms: u64,
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// The `fieldManager` query parameter, if sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_manager: Option<String>,
    /// The `warroom.io/action` annotation found anywhere in the body, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The status answered.
    pub code: u16,
    /// What an injected fault did to it, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

/// The log.
#[derive(Debug, Default)]
pub struct WriteLog {
    writes: VecDeque<Write>,
    next: u64,
    /// API reads (GET, watches included) since the last clear.
    pub reads: u64,
}

impl WriteLog {
    /// Appends a write, giving it the next sequence number.
    pub fn push(&mut self, mut w: Write) {
        self.next += 1;
        w.seq = self.next;
        if self.writes.len() == KEPT {
            self.writes.pop_front();
        }
        self.writes.push_back(w);
    }

    /// The writes kept, oldest first; only those of `action` when given.
    pub fn list(&self, action: Option<&str>) -> Vec<Write> {
        self.writes
            .iter()
            .filter(|w| action.is_none_or(|a| w.action.as_deref() == Some(a)))
            .cloned()
            .collect()
    }

    /// Forgets every write and the read count.
    pub fn clear(&mut self) {
        self.writes.clear();
        self.reads = 0;
    }
}

/// The `warroom.io/action` annotation in a JSON body (a merge patch, a JSON patch, a whole
/// object), wherever it sits.
pub fn action_of(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    find(&v)
}

fn find(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => m
            .get(ACTION_ANNOTATION)
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| m.values().find_map(find)),
        Value::Array(a) => a.iter().find_map(find),
        _ => None,
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_found_in_any_patch_shape() {
        let merge = br#"{"metadata":{"annotations":{"warroom.io/action":"a1"}}}"#;
        assert_eq!(action_of(merge).as_deref(), Some("a1"));
        let json_patch = br#"[{"op":"replace","path":"/spec/template","value":{}},
            {"op":"replace","path":"/metadata/annotations","value":{"warroom.io/action":"a2-undo"}}]"#;
        assert_eq!(action_of(json_patch).as_deref(), Some("a2-undo"));
        assert_eq!(action_of(b"not json"), None);

        let mut log = WriteLog::default();
        for a in [Some("a1"), None, Some("a1")] {
            log.push(Write {
                seq: 0,
                at_ms: 1,
                method: "PATCH".into(),
                path: "/x".into(),
                field_manager: None,
                action: a.map(str::to_string),
                code: 200,
                fault: None,
            });
        }
        assert_eq!(log.list(Some("a1")).len(), 2);
        assert_eq!(
            log.list(None).iter().map(|w| w.seq).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        log.clear();
        assert!(log.list(None).is_empty());
    }
}
