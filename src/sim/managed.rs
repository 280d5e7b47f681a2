//! `metadata.managedFields` the way the API server keeps them for writes that are not
//! server-side apply: each write's manager (the `fieldManager` parameter, else the client's
//! User-Agent) takes ownership of the fields it changed, those fields leave every other
//! manager's set, fields that no longer exist leave every set, and entries left empty go.
//! Lists are owned whole (atomic), which is what the API server does for lists without merge
//! keys; `kubectl get --show-managed-fields` prints the result, and the war room names the
//! manager of the last routing change from it.

use serde_json::{Map, Value, json};

use super::store::stamp;

/// Who wrote, and how.
#[derive(Debug, Clone, Copy)]
pub struct Writer<'a> {
    /// The field manager.
    pub manager: &'a str,
    /// `Update` (create, update, patch) or `Apply` (server-side apply).
    pub operation: &'a str,
    /// `status` or `scale` for subresource writes.
    pub subresource: Option<&'a str>,
    /// The simulated wall clock.
    pub now: jiff::Timestamp,
}

/// Metadata the API server never tracks in managedFields.
const UNTRACKED_META: &[&str] = &[
    "resourceVersion",
    "generation",
    "managedFields",
    "uid",
    "creationTimestamp",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "name",
    "namespace",
    "generateName",
];

/// The manager a request names: `fieldManager`, else the User-Agent's program name (what the
/// API server does), else `unknown`.
pub fn manager_of(field_manager: Option<&str>, user_agent: &str) -> String {
    if let Some(m) = field_manager.filter(|m| !m.is_empty()) {
        return m.to_string();
    }
    let program = user_agent.split('/').next().unwrap_or("").trim();
    if program.is_empty() {
        "unknown".to_string()
    } else {
        program.to_string()
    }
}

/// Sets `new`'s managedFields for a write that turned `old` (None: a create) into `new`.
/// Whatever managedFields the client sent are ignored; a write that changes nothing leaves
/// them as they were.
pub fn record(old: Option<&Value>, new: &mut Value, w: &Writer<'_>) {
    let previous = old
        .and_then(|o| o["metadata"]["managedFields"].as_array())
        .cloned()
        .unwrap_or_default();
    let mut changed = Vec::new();
    let status_only = w.subresource == Some("status");
    if let Value::Object(top) = &*new {
        for (k, v) in top {
            let tracked = match k.as_str() {
                "apiVersion" | "kind" => false,
                "status" => status_only,
                _ => !status_only,
            };
            if !tracked {
                continue;
            }
            let before = old.map_or(&Value::Null, |o| &o[k]);
            let mut path = vec![k.clone()];
            diff(before, v, &mut path, &mut changed);
        }
    }
    let mut entries: Vec<Value> = previous;
    if !changed.is_empty() {
        for set in entries.iter_mut().filter_map(fields_mut) {
            for p in &changed {
                remove(set, p);
            }
        }
        let at = entries.iter().position(|e| {
            e["manager"] == w.manager
                && e["operation"] == w.operation
                && e["subresource"].as_str() == w.subresource
        });
        let i = at.unwrap_or_else(|| {
            let mut e = json!({"manager": w.manager, "operation": w.operation,
                "fieldsType": "FieldsV1", "fieldsV1": {}});
            if let Some(s) = w.subresource {
                e["subresource"] = json!(s);
            }
            entries.push(e);
            entries.len() - 1
        });
        let e = &mut entries[i];
        e["apiVersion"] = new["apiVersion"].clone();
        e["time"] = json!(stamp(w.now));
        if let Some(set) = fields_mut(e) {
            for p in &changed {
                insert(set, p);
            }
        }
    }
    for set in entries.iter_mut().filter_map(fields_mut) {
        prune(set, new);
    }
    entries.retain(|e| e["fieldsV1"].as_object().is_some_and(|m| !m.is_empty()));
    sort(&mut entries);
    if let Some(meta) = new["metadata"].as_object_mut() {
        if entries.is_empty() {
            meta.remove("managedFields");
        } else {
            meta.insert("managedFields".into(), Value::Array(entries));
        }
    }
}

/// Collects the leaf paths where `new` differs from `old` (fields removed are not owned by
/// anyone afterwards, so they are left to `prune`).
fn diff(old: &Value, new: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    if path.len() == 2 && path[0] == "metadata" && UNTRACKED_META.contains(&path[1].as_str()) {
        return;
    }
    match new {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                let before = old.get(k).unwrap_or(&Value::Null);
                path.push(k.clone());
                diff(before, v, path, out);
                path.pop();
            }
        }
        Value::Null => {}
        _ if old != new => out.push(path.clone()),
        _ => {}
    }
}

fn fields_mut(entry: &mut Value) -> Option<&mut Map<String, Value>> {
    if !entry["fieldsV1"].is_object() {
        entry["fieldsV1"] = json!({});
    }
    entry.get_mut("fieldsV1").and_then(Value::as_object_mut)
}

fn insert(set: &mut Map<String, Value>, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let slot = set.entry(format!("f:{first}")).or_insert_with(|| json!({}));
    if !slot.is_object() {
        *slot = json!({});
    }
    if let Value::Object(m) = slot {
        insert(m, rest);
    }
}

/// Removes a path and everything under it; parents left empty go too.
fn remove(set: &mut Map<String, Value>, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let key = format!("f:{first}");
    if rest.is_empty() {
        set.remove(&key);
        return;
    }
    if let Some(Value::Object(m)) = set.get_mut(&key) {
        remove(m, rest);
        if m.is_empty() {
            set.remove(&key);
        }
    }
}

/// Drops owned fields that `obj` no longer has. Keys other than `f:` (list keys, `.`) are
/// kept: they cannot be checked against a plain object.
fn prune(set: &mut Map<String, Value>, obj: &Value) {
    set.retain(|k, sub| {
        let Some(name) = k.strip_prefix("f:") else {
            return true;
        };
        let Some(child) = obj.get(name) else {
            return false;
        };
        if let Value::Object(m) = sub
            && !m.is_empty()
        {
            if child.is_object() {
                prune(m, child);
                return !m.is_empty();
            }
            // The object became a scalar or a list: owned whole by whoever set it.
            return false;
        }
        true
    });
}

/// The API server's order: operation, then time (seconds), then manager.
fn sort(entries: &mut [Value]) {
    entries.sort_by(|a, b| {
        let key = |e: &Value| {
            (
                e["operation"].as_str().unwrap_or("").to_string(),
                e["time"].as_str().unwrap_or("").to_string(),
                e["manager"].as_str().unwrap_or("").to_string(),
                e["subresource"].as_str().unwrap_or("").to_string(),
            )
        };
        key(a).cmp(&key(b))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer(manager: &str, secs: i64) -> Writer<'_> {
        Writer {
            manager,
            operation: "Update",
            subresource: None,
            now: jiff::Timestamp::from_second(1_800_000_000 + secs).expect("time"),
        }
    }

    fn managers(obj: &Value) -> Vec<String> {
        obj["metadata"]["managedFields"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["manager"].as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn each_write_owns_what_it_changed() {
        let mut svc = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "app", "resourceVersion": "5", "labels": {"app": "app"}},
            "spec": {"selector": {"app": "app", "version": "blue"}, "ports": [{"port": 80}]},
            "status": {"loadBalancer": {}}});
        record(None, &mut svc, &writer("kubectl-client-side-apply", 0));
        assert_eq!(managers(&svc), ["kubectl-client-side-apply"]);
        let f = &svc["metadata"]["managedFields"][0];
        assert_eq!(f["operation"], "Update");
        assert_eq!(f["fieldsType"], "FieldsV1");
        assert_eq!(f["apiVersion"], "v1");
        assert_eq!(f["time"], "2027-01-15T08:00:00Z");
        assert!(f["fieldsV1"]["f:spec"]["f:selector"]["f:version"].is_object());
        assert!(f["fieldsV1"]["f:spec"]["f:ports"].is_object());
        assert!(
            f["fieldsV1"]["f:metadata"]
                .get("f:resourceVersion")
                .is_none()
        );
        assert!(f["fieldsV1"].get("f:status").is_none());

        // warroom switches the version: it owns that key and nothing else.
        let old = svc.clone();
        svc["spec"]["selector"]["version"] = json!("green");
        svc["metadata"]["annotations"] = json!({"warroom.io/seq": "7"});
        record(Some(&old), &mut svc, &writer("warroom", 5));
        assert_eq!(managers(&svc), ["kubectl-client-side-apply", "warroom"]);
        let mf = &svc["metadata"]["managedFields"];
        assert!(mf[0]["fieldsV1"]["f:spec"]["f:selector"]["f:app"].is_object());
        assert!(
            mf[0]["fieldsV1"]["f:spec"]["f:selector"]
                .get("f:version")
                .is_none()
        );
        assert!(mf[1]["fieldsV1"]["f:spec"]["f:selector"]["f:version"].is_object());
        assert!(mf[1]["fieldsV1"]["f:metadata"]["f:annotations"]["f:warroom.io/seq"].is_object());

        // A write that changes nothing changes no entry.
        let old = svc.clone();
        record(Some(&old), &mut svc, &writer("argocd", 9));
        assert_eq!(svc, old);

        // argocd takes the version back; warroom keeps only its annotation.
        let old = svc.clone();
        svc["spec"]["selector"]["version"] = json!("blue");
        record(Some(&old), &mut svc, &writer("argocd", 9));
        let mf = svc["metadata"]["managedFields"].as_array().expect("list");
        let wr = mf
            .iter()
            .find(|e| e["manager"] == "warroom")
            .expect("warroom");
        assert!(wr["fieldsV1"].get("f:spec").is_none());
        let ar = mf
            .iter()
            .find(|e| e["manager"] == "argocd")
            .expect("argocd");
        assert!(ar["fieldsV1"]["f:spec"]["f:selector"]["f:version"].is_object());

        // Removing the annotation leaves warroom with nothing: its entry goes.
        let old = svc.clone();
        svc["metadata"]
            .as_object_mut()
            .expect("meta")
            .remove("annotations");
        record(Some(&old), &mut svc, &writer("kubectl-edit", 12));
        assert!(!managers(&svc).contains(&"warroom".to_string()));
    }

    #[test]
    fn lists_are_owned_whole_and_status_writes_apart() {
        let mut route = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "app"}, "spec": {"rules": [{"backendRefs": [{"name": "a", "weight": 100}]}]}});
        record(None, &mut route, &writer("kubectl-create", 0));
        let old = route.clone();
        route["spec"]["rules"][0]["backendRefs"][0]["weight"] = json!(90);
        record(Some(&old), &mut route, &writer("warroom", 1));
        let mf = route["metadata"]["managedFields"].as_array().expect("list");
        let wr = mf
            .iter()
            .find(|e| e["manager"] == "warroom")
            .expect("warroom");
        assert_eq!(wr["fieldsV1"]["f:spec"]["f:rules"], json!({}));
        assert!(
            mf.iter()
                .all(|e| e["manager"] == "warroom" || e["fieldsV1"].get("f:spec").is_none())
        );

        let old = route.clone();
        route["status"] = json!({"parents": []});
        let w = Writer {
            subresource: Some("status"),
            ..writer("gateway-controller", 2)
        };
        record(Some(&old), &mut route, &w);
        let mf = route["metadata"]["managedFields"].as_array().expect("list");
        let st = mf
            .iter()
            .find(|e| e["manager"] == "gateway-controller")
            .expect("status writer");
        assert_eq!(st["subresource"], "status");
        assert!(st["fieldsV1"].get("f:spec").is_none());
    }

    #[test]
    fn manager_names() {
        assert_eq!(manager_of(Some("warroom"), "kube-rs/5"), "warroom");
        assert_eq!(
            manager_of(None, "kubectl/v1.32.4 (linux/amd64) kubernetes/abc"),
            "kubectl"
        );
        assert_eq!(manager_of(Some(""), ""), "unknown");
    }
}
