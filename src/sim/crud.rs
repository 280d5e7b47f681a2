//! The verbs on objects: list, get, create, update (PUT), patch, delete, and the `scale` and
//! `status` subresources, with the API server's preconditions and identity rules.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::managed::{self, Writer};
use super::patch::{self, PatchType};
use super::pods::NewPod;
use super::resources::Kind;
use super::scale::{scale_of, set_scale};
use super::selector::{FieldSelector, LabelSelector};
use super::status::ApiError;
use super::store::Key;
use super::table::{self, Include};
use super::validate;
use super::world::World;

/// What a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Resource type.
    pub kind: Kind,
    /// Namespace from the path (None: all namespaces, or cluster-scoped).
    pub ns: Option<String>,
    /// Object name from the path.
    pub name: Option<String>,
    /// Subresource (`scale`, `status`).
    pub sub: Option<String>,
}

/// The parts of an HTTP request the verbs need.
#[derive(Debug)]
pub struct Req<'a> {
    /// What is addressed.
    pub target: &'a Target,
    /// Query parameters.
    pub query: &'a HashMap<String, String>,
    /// `Content-Type` (for PATCH).
    pub content_type: &'a str,
    /// Whether a Table was asked for.
    pub table: bool,
    /// The request body.
    pub body: &'a [u8],
    /// The field manager (`fieldManager`, else the User-Agent's program name).
    pub manager: &'a str,
}

impl Req<'_> {
    pub(super) fn key(&self) -> Result<Key, ApiError> {
        let name = self.target.name.clone().ok_or(ApiError::MethodNotAllowed)?;
        Ok(Key::new(
            self.target.kind,
            self.target.ns.as_deref().unwrap_or(""),
            &name,
        ))
    }

    fn json_body(&self) -> Result<Value, ApiError> {
        serde_json::from_slice(self.body)
            .map_err(|e| ApiError::BadRequest(format!("the request body is not valid JSON: {e}")))
    }

    /// A whole object sent with POST or PUT: `null` fields mean absent, as when the API
    /// server decodes into its typed objects.
    fn object_body(&self) -> Result<Value, ApiError> {
        let mut v = self.json_body()?;
        super::controller::drop_nulls(&mut v);
        Ok(v)
    }

    pub(super) fn dry_run(&self) -> bool {
        self.query.contains_key("dryRun")
    }

    /// Who writes, for managedFields.
    fn writer(&self, now: jiff::Timestamp) -> Writer<'_> {
        let apply = PatchType::from_content_type(self.content_type) == Some(PatchType::Apply);
        Writer {
            manager: self.manager,
            operation: if apply { "Apply" } else { "Update" },
            subresource: self.target.sub.as_deref(),
            now,
        }
    }
}

/// The selectors of a list or watch request.
pub fn selectors(q: &HashMap<String, String>) -> Result<(LabelSelector, FieldSelector), ApiError> {
    let l = LabelSelector::parse(q.get("labelSelector").map_or("", String::as_str))
        .map_err(ApiError::BadRequest)?;
    let f = FieldSelector::parse(q.get("fieldSelector").map_or("", String::as_str))
        .map_err(ApiError::BadRequest)?;
    Ok((l, f))
}

pub(super) fn not_found(key: &Key) -> ApiError {
    ApiError::NotFound {
        kind: key.kind,
        name: key.name.clone(),
    }
}

pub(super) fn current(w: &World, key: &Key) -> Result<Value, ApiError> {
    w.store.get(key).cloned().ok_or_else(|| not_found(key))
}

fn render(w: &World, r: &Req<'_>, obj: Value) -> Value {
    if r.table {
        let rv = obj["metadata"]["resourceVersion"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let include = Include::parse(r.query.get("includeObject").map(String::as_str));
        table::table(
            r.target.kind,
            std::iter::once(&obj),
            &rv,
            include,
            w.store.now,
        )
    } else {
        obj
    }
}

/// GET on a collection.
pub fn list(w: &World, r: &Req<'_>) -> Result<Value, ApiError> {
    let (l, f) = selectors(r.query)?;
    let kind = r.target.kind;
    let items: Vec<&Value> = w
        .store
        .list(kind, r.target.ns.as_deref())
        .map(|(_, v)| v)
        .filter(|v| l.matches(&v["metadata"]["labels"]) && f.matches(v))
        .collect();
    let rv = w.store.rv().to_string();
    if r.table {
        let include = Include::parse(r.query.get("includeObject").map(String::as_str));
        return Ok(table::table(
            kind,
            items.into_iter(),
            &rv,
            include,
            w.store.now,
        ));
    }
    Ok(json!({
        "kind": format!("{}List", kind.def().kind),
        "apiVersion": kind.api_version(),
        "metadata": {"resourceVersion": rv},
        "items": items,
    }))
}

/// GET on an object or subresource.
pub fn get(w: &World, r: &Req<'_>) -> Result<Value, ApiError> {
    let key = r.key()?;
    let obj = current(w, &key)?;
    match r.target.sub.as_deref() {
        None | Some("status") => Ok(render(w, r, obj)),
        Some("scale") => Ok(scale_of(&obj)),
        Some(_) => Err(ApiError::NoRoute),
    }
}

/// POST on a collection.
pub fn create(w: &mut World, r: &Req<'_>) -> Result<(u16, Value), ApiError> {
    let kind = r.target.kind;
    let mut obj = r.object_body()?;
    let ns = r.target.ns.clone().unwrap_or_default();
    if let Some(body_ns) = obj["metadata"]["namespace"].as_str()
        && kind.def().namespaced
        && body_ns != ns
    {
        return Err(ApiError::BadRequest(
            "the namespace of the provided object does not match the namespace sent on the request"
                .into(),
        ));
    }
    if kind.def().namespaced && w.store.get(&Key::new(Kind::Namespace, "", &ns)).is_none() {
        return Err(ApiError::NotFound {
            kind: Kind::Namespace,
            name: ns,
        });
    }
    let name = match (
        obj["metadata"]["name"].as_str(),
        obj["metadata"]["generateName"].as_str(),
    ) {
        (Some(n), _) if !n.is_empty() => n.to_string(),
        (_, Some(g)) => format!("{g}{}", w.rng.suffix(5)),
        _ => {
            return Err(ApiError::Invalid {
                kind,
                name: String::new(),
                detail: "metadata.name: Required value: name or generateName is required".into(),
            });
        }
    };
    validate::check(kind, &name, &obj, None)?;
    let key = Key::new(kind, &ns, &name);
    if r.dry_run() {
        if w.store.get(&key).is_some() {
            return Err(ApiError::AlreadyExists { kind, name });
        }
        obj["metadata"]["name"] = json!(name);
        return Ok((201, obj));
    }
    w.dirty = true;
    if kind == Kind::Pod {
        // Bare pods go through the lifecycle table like the ones ReplicaSets make.
        if w.store.get(&key).is_some() {
            return Err(ApiError::AlreadyExists { kind, name });
        }
        let template = json!({"metadata": obj["metadata"], "spec": obj["spec"]});
        let new = NewPod {
            ns: &ns,
            name: Some(&name),
            owner: ("", ""),
            template: &template,
            instant: false,
        };
        w.pods
            .create(&mut w.store, &mut w.rng, &new, w.now_ms, w.timing)?;
        return Ok((201, current(w, &key)?));
    }
    if let Some(m) = obj["metadata"].as_object_mut() {
        m.remove("managedFields");
    }
    obj["apiVersion"] = json!(kind.api_version());
    managed::record(None, &mut obj, &r.writer(w.store.now));
    Ok((201, w.store.create(key, obj)?))
}

/// Copies what a client may not change from the stored object, bumps the generation on spec
/// changes, and checks the resourceVersion precondition.
fn prepare_update(
    key: &Key,
    old: &Value,
    mut new: Value,
    status_only: bool,
) -> Result<Value, ApiError> {
    let want_rv = new["metadata"]["resourceVersion"]
        .as_str()
        .map(str::to_string);
    if let Some(rv) = want_rv.filter(|rv| !rv.is_empty())
        && Some(rv.as_str()) != old["metadata"]["resourceVersion"].as_str()
    {
        return Err(ApiError::Conflict {
            kind: key.kind,
            name: key.name.clone(),
        });
    }
    if let Some(n) = new["metadata"]["name"].as_str()
        && n != key.name
    {
        return Err(ApiError::BadRequest(format!(
            "the name of the object ({n}) does not match the name on the URL ({})",
            key.name
        )));
    }
    if status_only {
        let mut out = old.clone();
        out["status"] = new["status"].take();
        return Ok(out);
    }
    for f in [
        "uid",
        "creationTimestamp",
        "namespace",
        "name",
        "generation",
        "deletionTimestamp",
    ] {
        match old["metadata"].get(f) {
            Some(v) => new["metadata"][f] = v.clone(),
            None => {
                if let Some(m) = new["metadata"].as_object_mut() {
                    m.remove(f);
                }
            }
        }
    }
    new["apiVersion"] = old["apiVersion"].clone();
    new["kind"] = old["kind"].clone();
    // Status is owned by the controllers; writes to the main resource cannot change it.
    if key.kind != Kind::Lease && old.get("status").is_some() {
        new["status"] = old["status"].clone();
    }
    if key.kind.def().generation && old["spec"] != new["spec"] {
        let g = old["metadata"]["generation"].as_i64().unwrap_or(1);
        new["metadata"]["generation"] = json!(g + 1);
    }
    Ok(new)
}

pub(super) fn store_update(
    w: &mut World,
    r: &Req<'_>,
    key: &Key,
    old: &Value,
    new: Value,
) -> Result<Value, ApiError> {
    let status_only = r.target.sub.as_deref() == Some("status");
    let mut new = prepare_update(key, old, new, status_only)?;
    validate::check(key.kind, &key.name, &new, Some(old))?;
    managed::record(Some(old), &mut new, &r.writer(w.store.now));
    if r.dry_run() {
        return Ok(new);
    }
    w.dirty = true;
    w.store.update(key, new)
}

/// PUT on an object or subresource.
pub fn replace(w: &mut World, r: &Req<'_>) -> Result<Value, ApiError> {
    let key = r.key()?;
    let old = current(w, &key)?;
    let body = r.object_body()?;
    match r.target.sub.as_deref() {
        Some("scale") => set_scale(w, r, &key, &old, &body),
        None | Some("status") => store_update(w, r, &key, &old, body),
        Some(_) => Err(ApiError::NoRoute),
    }
}

/// PATCH on an object or subresource.
pub fn patch(w: &mut World, r: &Req<'_>) -> Result<Value, ApiError> {
    let key = r.key()?;
    let kind =
        PatchType::from_content_type(r.content_type).ok_or(ApiError::UnsupportedMediaType)?;
    if kind == PatchType::Strategic && key.kind == Kind::HttpRoute {
        // Custom resources have no strategic-merge schema: the real API server refuses.
        return Err(ApiError::UnsupportedMediaType);
    }
    let body = r.json_body()?;
    let old = current(w, &key)?;
    let base = if r.target.sub.as_deref() == Some("scale") {
        scale_of(&old)
    } else {
        old.clone()
    };
    let patched = patch::apply(kind, &base, &body).map_err(|e| ApiError::Invalid {
        kind: key.kind,
        name: key.name.clone(),
        detail: e,
    })?;
    match r.target.sub.as_deref() {
        Some("scale") => set_scale(w, r, &key, &old, &patched),
        None | Some("status") => store_update(w, r, &key, &old, patched),
        Some(_) => Err(ApiError::NoRoute),
    }
}
