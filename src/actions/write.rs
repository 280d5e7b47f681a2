//! One checked write (RELIABILITY rule 2): sent with the resourceVersion it was planned
//! against, the war room's field manager and annotations; the stored object compared with the
//! intent; a 409 re-read (never retried); a timeout, a broken connection or a 5xx reported as
//! unknown at once and then settled by a GET.

use serde_json::{Value, json};

use super::kube::{CallError, Kube, Res, Tag, written_by};
use super::{Out, Report};
use crate::event::{Outcome, TrafficRow};

/// What is sent.
#[derive(Debug, Clone)]
pub enum Body {
    /// A JSON merge patch; its `metadata` gets the resourceVersion precondition and the
    /// annotations here.
    Merge(Value),
    /// A JSON patch; the caller's operations carry the precondition and the annotations.
    JsonPatch(Value),
}

/// One write to one object.
pub struct Write<'a> {
    /// The object's kind.
    pub res: Res,
    /// Its name.
    pub name: &'a str,
    /// The resourceVersion the change was planned against (the precondition).
    pub rv: String,
    /// The patch.
    pub body: Body,
    /// Whether an object shows the intended state.
    pub holds: &'a (dyn Fn(&Value) -> bool + Sync),
    /// Traffic as read before, for the outcome reported while the write is unknown.
    pub before: Option<TrafficRow>,
}

/// How a write ended.
#[derive(Debug, Clone)]
pub enum Written {
    /// The intended state is in place. `read_back` is set when only a GET after an unknown
    /// answer showed it, with whether the write found was ours.
    Applied {
        /// The object as stored.
        obj: Value,
        /// After an unknown answer: `Some(ours)`.
        read_back: Option<bool>,
    },
    /// The API stored the write, but the object does not show the intent.
    Differs {
        /// The object as stored.
        obj: Value,
    },
    /// 409: someone changed the object since it was read; nothing was changed.
    Conflict {
        /// The object as read again, if that worked.
        now: Option<Value>,
    },
    /// The API refused the write: nothing was changed.
    Failed(CallError),
    /// After an unknown answer, the GET shows the write was not applied.
    NotApplied {
        /// The first error.
        error: CallError,
        /// The object as read back.
        now: Value,
    },
    /// After an unknown answer, the GET failed too: nobody can tell yet.
    Unknown {
        /// The first error.
        error: CallError,
        /// The read-back's error.
        read_back: CallError,
    },
}

/// Merges `extra` into `base` (objects recursively, everything else replaced).
pub fn merge_into(base: &mut Value, extra: Value) {
    match (base, extra) {
        (Value::Object(b), Value::Object(e)) => {
            for (k, v) in e {
                merge_into(b.entry(k).or_insert(Value::Null), v);
            }
        }
        (b, e) => *b = e,
    }
}

/// Sends the write and settles its outcome as far as the API lets it be told.
pub async fn checked(k: &Kube, tag: &Tag<'_>, w: &Write<'_>, out: &Out<'_>) -> Written {
    let sent = match &w.body {
        Body::Merge(p) => {
            let mut body = p.clone();
            merge_into(&mut body, json!({"metadata": tag.metadata(&w.rv)}));
            k.merge_patch(w.res, w.name, &body).await
        }
        Body::JsonPatch(ops) => k.json_patch(w.res, w.name, ops).await,
    };
    let error = match sent {
        Ok(obj) if (w.holds)(&obj) => {
            return Written::Applied {
                obj,
                read_back: None,
            };
        }
        Ok(obj) => return Written::Differs { obj },
        Err(e) if e.code() == Some(409) => {
            return Written::Conflict {
                now: k.get(w.res, w.name).await.ok(),
            };
        }
        Err(e) if e.outcome_unknown() => e,
        Err(e) => return Written::Failed(e),
    };
    out.send(Report {
        outcome: Outcome::Unknown,
        detail: format!(
            "PATCH {}: {}; reading back",
            w.res.object(w.name),
            error.describe()
        ),
        before: w.before.clone(),
        versions: vec![w.rv.clone()],
        ..Report::default()
    })
    .await;
    // The API may be struggling: keep reading for a while before saying it cannot be told.
    let deadline = tokio::time::Instant::now() + k.read_back_for;
    loop {
        match k.get(w.res, w.name).await {
            Ok(now) if (w.holds)(&now) => {
                return Written::Applied {
                    read_back: Some(written_by(&now, tag.action)),
                    obj: now,
                };
            }
            Ok(now) => return Written::NotApplied { error, now },
            Err(read_back) => {
                if tokio::time::Instant::now() + READ_BACK_EVERY > deadline {
                    return Written::Unknown { error, read_back };
                }
                tokio::time::sleep(READ_BACK_EVERY).await;
            }
        }
    }
}

/// Pause between read-backs while they fail.
const READ_BACK_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_merges_into_a_patch() {
        let mut p = json!({"spec": {"replicas": 2}, "metadata": {"annotations": {"x": "1"}}});
        merge_into(
            &mut p,
            json!({"metadata": {"resourceVersion": "9", "annotations": {"warroom.io/seq": "4"}}}),
        );
        assert_eq!(
            p,
            json!({"spec": {"replicas": 2}, "metadata": {"resourceVersion": "9",
                "annotations": {"x": "1", "warroom.io/seq": "4"}}})
        );
    }
}
