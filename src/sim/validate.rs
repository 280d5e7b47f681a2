//! Admission checks: objects must decode as their k8s-openapi type, plus the few rules kubectl
//! users hit most (negative replicas, immutable selectors, HTTPRoute weights).

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, Service};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::resources::Kind;
use super::selector::LabelSelector;
use super::status::ApiError;

fn decodes<T: DeserializeOwned>(obj: &Value) -> Result<(), String> {
    serde_json::from_value::<T>(obj.clone())
        .map(drop)
        .map_err(|e| format!("body: Invalid value: {e}"))
}

/// Checks a new or changed object; `old` is the stored version for updates.
pub fn check(kind: Kind, name: &str, obj: &Value, old: Option<&Value>) -> Result<(), ApiError> {
    let invalid = |detail: String| ApiError::Invalid {
        kind,
        name: name.to_string(),
        detail,
    };
    match kind {
        Kind::Pod => decodes::<Pod>(obj),
        Kind::Service => decodes::<Service>(obj),
        Kind::Deployment => decodes::<Deployment>(obj),
        Kind::ReplicaSet => decodes::<ReplicaSet>(obj),
        Kind::Lease => decodes::<Lease>(obj),
        Kind::Namespace => decodes::<Namespace>(obj),
        Kind::HttpRoute => Ok(()),
        Kind::ConfigMap => decodes::<ConfigMap>(obj),
    }
    .map_err(invalid)?;
    if matches!(kind, Kind::Deployment | Kind::ReplicaSet) {
        let replicas = &obj["spec"]["replicas"];
        if replicas.as_i64().is_some_and(|r| r < 0) {
            return Err(invalid(format!(
                "spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"
            )));
        }
        let sel = &obj["spec"]["selector"];
        if let Some(old) = old
            && old["spec"]["selector"] != *sel
        {
            return Err(invalid(format!(
                "spec.selector: Invalid value: {sel}: field is immutable"
            )));
        }
        let labels = &obj["spec"]["template"]["metadata"]["labels"];
        if !LabelSelector::from_map(&sel["matchLabels"]).matches(labels) {
            return Err(invalid(format!(
                "spec.template.metadata.labels: Invalid value: {labels}: `selector` does not match template `labels`"
            )));
        }
    }
    if kind == Kind::HttpRoute {
        let rules = obj["spec"]["rules"].as_array().cloned().unwrap_or_default();
        for (i, rule) in rules.iter().enumerate() {
            let refs = rule["backendRefs"].as_array().cloned().unwrap_or_default();
            for (j, b) in refs.iter().enumerate() {
                let w = &b["weight"];
                let ok = w.is_null() || w.as_i64().is_some_and(|w| (0..=1_000_000).contains(&w));
                if !ok {
                    return Err(invalid(format!(
                        "spec.rules[{i}].backendRefs[{j}].weight: Invalid value: {w}: must be an integer between 0 and 1000000"
                    )));
                }
                if !b["name"].is_string() {
                    return Err(invalid(format!(
                        "spec.rules[{i}].backendRefs[{j}].name: Required value"
                    )));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rejects_what_the_api_server_rejects() {
        let d = json!({"metadata": {"name": "d"}, "spec": {"replicas": -1,
            "selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": []}}}});
        let e = check(Kind::Deployment, "d", &d, None).expect_err("negative");
        assert_eq!(e.code(), 422);
        let mut ok = d.clone();
        ok["spec"]["replicas"] = json!(2);
        assert!(check(Kind::Deployment, "d", &ok, None).is_ok());
        let mut moved = ok.clone();
        moved["spec"]["selector"]["matchLabels"]["a"] = json!("c");
        assert!(check(Kind::Deployment, "d", &moved, Some(&ok)).is_err());
        let svc = json!({"metadata": {"name": "s"}, "spec": {"selector": {"version": 3}}});
        assert!(check(Kind::Service, "s", &svc, None).is_err());
        let r = json!({"spec": {"rules": [{"backendRefs": [{"name": "a", "weight": -5}]}]}});
        assert!(check(Kind::HttpRoute, "r", &r, None).is_err());
    }
}
