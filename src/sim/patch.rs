//! The three patch types kubectl sends: JSON merge patch (RFC 7386), JSON patch (RFC 6902)
//! and a strategic merge patch good enough for Services, Deployments and Pods.

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

/// RFC 7386: objects merge recursively, `null` deletes, everything else replaces.
pub fn merge(target: &Value, patch: &Value) -> Value {
    let Value::Object(p) = patch else {
        return patch.clone();
    };
    let mut out = match target {
        Value::Object(t) => t.clone(),
        _ => Map::new(),
    };
    for (k, v) in p {
        if v.is_null() {
            out.remove(k);
        } else {
            let merged = merge(out.get(k).unwrap_or(&Value::Null), v);
            out.insert(k.clone(), merged);
        }
    }
    Value::Object(out)
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

/// Decodes one JSON pointer token (`~1` is `/`, `~0` is `~`).
fn token(t: &str) -> String {
    t.replace("~1", "/").replace("~0", "~")
}

fn split_pointer(path: &str) -> Result<(Vec<String>, String), String> {
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| format!("invalid JSON pointer {path:?}"))?;
    let mut toks: Vec<String> = rest.split('/').map(token).collect();
    let last = toks.pop().unwrap_or_default();
    Ok((toks, last))
}

fn parent_mut<'a>(
    doc: &'a mut Value,
    toks: &[String],
    path: &str,
) -> Result<&'a mut Value, String> {
    toks.iter().try_fold(doc, |v, t| {
        let next = match v {
            Value::Object(m) => m.get_mut(t),
            Value::Array(a) => t.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
            _ => None,
        };
        next.ok_or_else(|| format!("doc is missing path: {path:?}"))
    })
}

fn op_add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    if path.is_empty() {
        *doc = value;
        return Ok(());
    }
    let (toks, last) = split_pointer(path)?;
    match parent_mut(doc, &toks, path)? {
        Value::Object(m) => {
            m.insert(last, value);
            Ok(())
        }
        Value::Array(a) => {
            let i = if last == "-" {
                a.len()
            } else {
                last.parse::<usize>()
                    .map_err(|_| format!("invalid index in {path:?}"))?
            };
            if i > a.len() {
                return Err(format!("index out of bounds in {path:?}"));
            }
            a.insert(i, value);
            Ok(())
        }
        _ => Err(format!("doc is missing path: {path:?}")),
    }
}

fn op_remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (toks, last) = split_pointer(path)?;
    let missing = || format!("doc is missing path: {path:?}");
    match parent_mut(doc, &toks, path)? {
        Value::Object(m) => m.remove(&last).ok_or_else(missing),
        Value::Array(a) => {
            let i = last.parse::<usize>().map_err(|_| missing())?;
            (i < a.len()).then(|| a.remove(i)).ok_or_else(missing)
        }
        _ => Err(missing()),
    }
}

fn pointer<'a>(doc: &'a Value, path: &str) -> Result<&'a Value, String> {
    doc.pointer(path)
        .ok_or_else(|| format!("doc is missing path: {path:?}"))
}

/// RFC 6902 JSON patch.
pub fn json_patch(target: &Value, patch: &Value) -> Result<Value, String> {
    let ops = patch
        .as_array()
        .ok_or("a JSON patch must be an array of operations")?;
    let mut doc = target.clone();
    for op in ops {
        let name = op["op"].as_str().ok_or("operation has no \"op\"")?;
        let path = op["path"].as_str().ok_or("operation has no \"path\"")?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or(format!("{name} needs a value"))
        };
        match name {
            "add" => op_add(&mut doc, path, value()?)?,
            "remove" => {
                op_remove(&mut doc, path)?;
            }
            "replace" => {
                pointer(&doc, path)?;
                op_remove(&mut doc, path)?;
                op_add(&mut doc, path, value()?)?;
            }
            "move" | "copy" => {
                let from = op["from"].as_str().ok_or("operation has no \"from\"")?;
                let v = if name == "move" {
                    op_remove(&mut doc, from)?
                } else {
                    pointer(&doc, from)?.clone()
                };
                op_add(&mut doc, path, v)?;
            }
            "test" => {
                if *pointer(&doc, path)? != value()? {
                    return Err(format!("testing value {path} failed"));
                }
            }
            other => return Err(format!("unexpected kind of operation {other:?}")),
        }
    }
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
        assert!(json_patch(&t, &json!([{"op": "replace", "path": "/nope", "value": 1}])).is_err());
    }
}
