//! Just enough OpenAPI for kubectl's validation: v3 documents whose PATCH operations declare
//! the `fieldValidation` parameter (so kubectl leaves validation to the server), and an empty
//! v2 document for older clients (unknown kinds are not validated client-side).

use serde_json::{Map, Value, json};

use super::resources::Kind;

/// The group/version paths served (`api/v1`, `apis/apps/v1`, …).
fn gv_paths() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in Kind::ALL {
        let d = k.def();
        let p = if d.group.is_empty() {
            format!("api/{}", d.version)
        } else {
            format!("apis/{}/{}", d.group, d.version)
        };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// `GET /openapi/v3`.
pub fn v3_root() -> Value {
    let paths: Map<String, Value> = gv_paths()
        .into_iter()
        .map(|p| {
            let url = format!("/openapi/v3/{p}?hash=0");
            (p, json!({"serverRelativeURL": url}))
        })
        .collect();
    json!({"paths": paths})
}

/// `GET /openapi/v3/{gv}`, if served.
pub fn v3_group_version(gv: &str) -> Option<Value> {
    if !gv_paths().iter().any(|p| p == gv) {
        return None;
    }
    let mut paths = Map::new();
    for k in Kind::ALL {
        let d = k.def();
        let prefix = if d.group.is_empty() {
            format!("api/{}", d.version)
        } else {
            format!("apis/{}/{}", d.group, d.version)
        };
        if prefix != gv {
            continue;
        }
        let path = if d.namespaced {
            format!("/{prefix}/namespaces/{{namespace}}/{}/{{name}}", d.plural)
        } else {
            format!("/{prefix}/{}/{{name}}", d.plural)
        };
        let gvk = json!({"group": d.group, "version": d.version, "kind": d.kind});
        let param = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}});
        let op = |id: &str| {
            json!({
                "operationId": format!("{id}{}", d.kind),
                "x-kubernetes-group-version-kind": gvk,
                "parameters": [param("dryRun"), param("fieldManager"), param("fieldValidation")],
                "responses": {"200": {"description": "OK"}},
            })
        };
        paths.insert(path, json!({"patch": op("patch"), "put": op("replace")}));
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0"},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

/// `GET /openapi/v2` as JSON (protobuf clients get an empty body, an empty document).
pub fn v2_json() -> Value {
    json!({"swagger": "2.0", "info": {"title": "Kubernetes", "version": "v1.32.0"}, "paths": {}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_declare_field_validation() {
        let root = v3_root();
        assert!(root["paths"]["apis/coordination.k8s.io/v1"]["serverRelativeURL"].is_string());
        let doc = v3_group_version("apis/coordination.k8s.io/v1").expect("served");
        let op = &doc["paths"]["/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}"]
            ["patch"];
        assert_eq!(op["x-kubernetes-group-version-kind"]["kind"], "Lease");
        assert!(v3_group_version("apis/nope/v1").is_none());
    }
}
