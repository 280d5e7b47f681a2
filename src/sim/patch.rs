//! The three patch types kubectl sends: JSON merge patch (RFC 7396) and JSON patch (RFC 6902),
//! both applied by the `json-patch` crate, and a strategic merge patch good enough for
//! Services, Deployments and Pods (Kubernetes' own format, written here).

use serde_json::{Map, Value};

/// Which patch the `Content-Type` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/merge-patch+json`.
    Merge,
    /// `application/json-patch+json`.
    Json,
    /// `application/strategic-merge-patch+json`.
    Strategic,
    /// `application/apply-patch+yaml` (server-side apply; applied as a merge).
    Apply,
}

impl PatchType {
    /// Reads the `Content-Type` header.
    pub fn from_content_type(ct: &str) -> Option<Self> {
        let base = ct.split(';').next().unwrap_or_default().trim();
        match base {
            "application/merge-patch+json" => Some(Self::Merge),
            "application/json-patch+json" => Some(Self::Json),
            "application/strategic-merge-patch+json" => Some(Self::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => Some(Self::Apply),
            _ => None,
        }
    }
}

/// Applies `patch` to `target`; the error text is what the API server would say.
pub fn apply(kind: PatchType, target: &Value, patch: &Value) -> Result<Value, String> {
    match kind {
        PatchType::Merge | PatchType::Apply => Ok(merge(target, patch)),
        PatchType::Strategic => Ok(strategic(target, patch)),
        PatchType::Json => json_patch(target, patch),
    }
}

/// RFC 7396: objects merge recursively, `null` deletes, everything else replaces.
pub fn merge(target: &Value, patch: &Value) -> Value {
    let mut doc = target.clone();
    json_patch::merge(&mut doc, patch);
    doc
}

/// The key that identifies list elements for strategic merge, from the element itself.
fn merge_key(field: &str, sample: &Value) -> Option<&'static str> {
    let has = |k: &str| sample.get(k).is_some();
    match field {
        "ports" if has("containerPort") => Some("containerPort"),
        "ports" if has("port") => Some("port"),
        "conditions" if has("type") => Some("type"),
        "containers" | "initContainers" | "env" | "volumes" | "volumeMounts"
        | "imagePullSecrets"
            if has("name") =>
        {
            Some("name")
        }
        _ => None,
    }
}

/// Strategic merge: like merge patch, but lists of known kinds merge by key, and `$patch`
/// directives (`replace`, `delete`) are honoured. `$setElementOrder` hints are dropped.
pub fn strategic(target: &Value, patch: &Value) -> Value {
    let Value::Object(p) = patch else {
        return patch.clone();
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut m = p.clone();
        m.remove("$patch");
        return Value::Object(m);
    }
    let mut out = match target {
        Value::Object(t) => t.clone(),
        _ => Map::new(),
    };
    for (k, v) in p {
        if k.starts_with("$setElementOrder/") || k == "$retainKeys" || k == "$patch" {
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(cur)), Value::Array(del)) = (out.get_mut(field), v) {
                cur.retain(|x| !del.contains(x));
            }
            continue;
        }
        if v.is_null() {
            out.remove(k);
            continue;
        }
        let merged = match (out.get(k), v) {
            (Some(Value::Array(cur)), Value::Array(items)) => merge_list(k, cur, items),
            (cur, _) => strategic(cur.unwrap_or(&Value::Null), v),
        };
        out.insert(k.clone(), merged);
    }
    Value::Object(out)
}

fn merge_list(field: &str, cur: &[Value], items: &[Value]) -> Value {
    let Some(key) = items.first().and_then(|s| merge_key(field, s)) else {
        return Value::Array(items.to_vec());
    };
    let mut out: Vec<Value> = cur.to_vec();
    for item in items {
        let id = item.get(key);
        let pos = out.iter().position(|c| c.get(key) == id);
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(i), true) => {
                out.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => out[i] = strategic(&out[i], item),
            (None, false) => out.push(strategic(&Value::Null, item)),
        }
    }
    Value::Array(out)
}

/// RFC 6902 JSON patch; all operations apply or none do.
pub fn json_patch(target: &Value, patch: &Value) -> Result<Value, String> {
    let ops: json_patch::Patch =
        serde_json::from_value(patch.clone()).map_err(|e| format!("invalid JSON patch: {e}"))?;
    let mut doc = target.clone();
    json_patch::patch(&mut doc, &ops).map_err(|e| format!("the JSON patch does not apply: {e}"))?;
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_replaces_lists_and_deletes_nulls() {
        let t = json!({"spec": {"selector": {"app": "app", "version": "blue"}, "ports": [1]}});
        let p = json!({"spec": {"selector": {"version": null}, "ports": [2]}});
        assert_eq!(
            merge(&t, &p),
            json!({"spec": {"selector": {"app": "app"}, "ports": [2]}})
        );
    }

    #[test]
    fn strategic_merges_containers_by_name() {
        let t = json!({"containers": [{"name": "app", "image": "a:1"}, {"name": "side", "image": "s"}]});
        let p = json!({"containers": [{"name": "app", "image": "a:2"}]});
        let out = strategic(&t, &p);
        assert_eq!(out["containers"][0]["image"], "a:2");
        assert_eq!(out["containers"][1]["name"], "side");
        let del = json!({"containers": [{"name": "side", "$patch": "delete"}]});
        assert_eq!(
            strategic(&out, &del)["containers"].as_array().map(Vec::len),
            Some(1)
        );
    }

    #[test]
    fn json_patch_ops() {
        let t = json!({"metadata": {"annotations": {"a": "1"}}, "spec": {"l": [1, 2]}});
        let p = json!([
            {"op": "replace", "path": "/metadata/annotations", "value": {"b": "2"}},
            {"op": "add", "path": "/spec/l/-", "value": 3},
            {"op": "remove", "path": "/spec/l/0"},
            {"op": "test", "path": "/spec/l", "value": [2, 3]}
        ]);
        let out = json_patch(&t, &p).expect("patch");
        assert_eq!(out["metadata"]["annotations"], json!({"b": "2"}));
        assert_eq!(out["spec"]["l"], json!([2, 3]));
        assert!(json_patch(&t, &json!([{"op": "replace", "path": "/nope", "value": 1}])).is_err());
        // A failing test leaves the document as it was (all or nothing).
        let failing = json!([
            {"op": "add", "path": "/spec/x", "value": 1},
            {"op": "test", "path": "/spec/l", "value": []}
        ]);
        assert!(json_patch(&t, &failing).is_err());
        assert!(json_patch(&t, &json!({"op": "add"})).is_err());
    }

    #[test]
    fn rfc_examples() {
        // RFC 6902 appendix A.1, A.6 (move), A.8 (test), and ~1 escaping.
        let doc = json!({"foo": "bar"});
        let out = json_patch(
            &doc,
            &json!([{"op": "add", "path": "/baz", "value": "qux"}]),
        )
        .expect("A.1");
        assert_eq!(out, json!({"baz": "qux", "foo": "bar"}));
        let doc = json!({"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}});
        let out = json_patch(
            &doc,
            &json!([{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}]),
        )
        .expect("A.6");
        assert_eq!(
            out,
            json!({"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}})
        );
        let doc = json!({"metadata": {"labels": {"app.kubernetes.io/name": "app"}}});
        let out = json_patch(
            &doc,
            &json!([{"op": "remove", "path": "/metadata/labels/app.kubernetes.io~1name"}]),
        )
        .expect("escaped");
        assert_eq!(out, json!({"metadata": {"labels": {}}}));
        // RFC 7396 section 3's example.
        let target = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        let patch = json!({"a": "z", "c": {"f": null}});
        assert_eq!(merge(&target, &patch), json!({"a": "z", "c": {"d": "e"}}));
        assert_eq!(merge(&json!({"a": [1]}), &json!([2])), json!([2]));
    }
}
