//! The Kubernetes API routes: discovery, `/version`, and every resource path
//! (`/api/v1/namespaces/{ns}/{resource}/{name}/{sub}` and the `/apis/{group}/{version}/…`
//! equivalents), parsed by hand and dispatched to the verbs.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::crud::{self, Req, Target};
use super::delete;
use super::managed;
use super::openapi;
use super::resources::{self, Kind};
use super::server::AppState;
use super::status::{ApiError, json_response};
use super::table;
use super::watch;
use super::world::lock;

/// The largest request body accepted.
pub const MAX_BODY: usize = 8 << 20;

/// What a path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/version`.
    Version,
    /// `/api`.
    CoreVersions,
    /// `/apis`.
    Groups,
    /// `/apis/{group}`.
    Group(String),
    /// `/api/v1`, `/apis/{group}/{version}`.
    Resources(String, String),
    /// `/openapi/v3`.
    OpenApiRoot,
    /// `/openapi/v3/{group/version path}`.
    OpenApi(String),
    /// `/openapi/v2`.
    OpenApiV2,
    /// A resource path.
    Object(Target),
}

/// Parses a request path.
pub fn route(path: &str) -> Result<Route, ApiError> {
    let segs: Vec<&str> = path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (group, version, rest) = match segs.as_slice() {
        ["version"] => return Ok(Route::Version),
        ["openapi", "v3"] => return Ok(Route::OpenApiRoot),
        ["openapi", "v3", gv @ ..] => return Ok(Route::OpenApi(gv.join("/"))),
        ["openapi", "v2"] => return Ok(Route::OpenApiV2),
        ["api"] => return Ok(Route::CoreVersions),
        ["apis"] => return Ok(Route::Groups),
        ["api", v] => return Ok(Route::Resources(String::new(), (*v).to_string())),
        ["apis", g] => return Ok(Route::Group((*g).to_string())),
        ["apis", g, v] => return Ok(Route::Resources((*g).to_string(), (*v).to_string())),
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Err(ApiError::NoRoute),
    };
    let kind = |plural: &str| Kind::lookup(group, version, plural).ok_or(ApiError::NoRoute);
    let owned = |s: &&str| (*s).to_string();
    let target = match rest {
        ["namespaces", name] if group.is_empty() => Target {
            kind: Kind::Namespace,
            ns: None,
            name: Some(owned(name)),
            sub: None,
        },
        ["namespaces", ns, plural] => Target {
            kind: kind(plural)?,
            ns: Some(owned(ns)),
            name: None,
            sub: None,
        },
        ["namespaces", ns, plural, name] => Target {
            kind: kind(plural)?,
            ns: Some(owned(ns)),
            name: Some(owned(name)),
            sub: None,
        },
        ["namespaces", ns, plural, name, sub] => Target {
            kind: kind(plural)?,
            ns: Some(owned(ns)),
            name: Some(owned(name)),
            sub: Some(owned(sub)),
        },
        [plural] => Target {
            kind: kind(plural)?,
            ns: None,
            name: None,
            sub: None,
        },
        [plural, name] => {
            let k = kind(plural)?;
            if k.def().namespaced {
                return Err(ApiError::NoRoute);
            }
            Target {
                kind: k,
                ns: None,
                name: Some(owned(name)),
                sub: None,
            }
        }
        _ => return Err(ApiError::NoRoute),
    };
    if let Some(sub) = &target.sub
        && !target.kind.def().subresources.contains(&sub.as_str())
    {
        return Err(ApiError::NoRoute);
    }
    Ok(Route::Object(target))
}

fn ok(v: &Value) -> Response {
    json_response(StatusCode::OK, v)
}

/// Serves every Kubernetes API request.
pub async fn handle(State(app): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let route = match route(parts.uri.path()) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let target = match route {
        Route::Version => return ok(&resources::version()),
        Route::CoreVersions => return ok(&resources::api_versions(&app.addr)),
        Route::Groups => return ok(&resources::api_group_list()),
        Route::Group(g) => {
            return resources::api_group(&g)
                .map_or_else(|| ApiError::NoRoute.into_response(), |v| ok(&v));
        }
        Route::Resources(g, v) => {
            return resources::resource_list(&g, &v)
                .map_or_else(|| ApiError::NoRoute.into_response(), |v| ok(&v));
        }
        Route::OpenApiRoot => return ok(&openapi::v3_root()),
        Route::OpenApi(gv) => {
            return openapi::v3_group_version(&gv)
                .map_or_else(|| ApiError::NoRoute.into_response(), |v| ok(&v));
        }
        Route::OpenApiV2 => return openapi_v2(&parts.headers),
        Route::Object(t) => t,
    };
    let query: HashMap<String, String> = Query::try_from_uri(&parts.uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let header_str = |h: header::HeaderName| {
        parts
            .headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let accept = header_str(header::ACCEPT);
    let content_type = header_str(header::CONTENT_TYPE);
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            return ApiError::BadRequest(format!("cannot read the request body: {e}"))
                .into_response();
        }
    };
    let manager = managed::manager_of(
        query.get("fieldManager").map(String::as_str),
        &header_str(header::USER_AGENT),
    );
    let r = Req {
        target: &target,
        query: &query,
        content_type: &content_type,
        table: table::wants_table(&accept),
        body: &bytes,
        manager: &manager,
    };
    let watching = query.get("watch").is_some_and(|v| v == "true" || v == "1");
    let verb = super::rbac::verb(&parts.method, target.name.is_some(), watching);
    let named = |h: &str| parts.headers.get(h).and_then(|v| v.to_str().ok());
    let (auth, impersonate) = (named("authorization"), named("impersonate-user"));
    if let Err(e) = super::rbac::authorize(
        &app.users,
        auth,
        impersonate,
        verb,
        target.kind,
        target.ns.as_deref(),
    ) {
        return e.into_response();
    }
    let result = {
        let mut w = lock(&app.world);
        let m = &parts.method;
        if *m == Method::GET && watching {
            match watch::plan(&w, &r) {
                Ok(plan) => Ok(Reply::Watch(plan)),
                Err(e) => Err(e),
            }
        } else if *m == Method::GET && target.name.is_none() {
            crud::list(&w, &r).map(Reply::ok)
        } else if *m == Method::GET {
            crud::get(&w, &r).map(Reply::ok)
        } else if *m == Method::POST && target.name.is_none() {
            crud::create(&mut w, &r).map(|(c, v)| Reply::Json(c, v))
        } else if *m == Method::PUT {
            crud::replace(&mut w, &r).map(Reply::ok)
        } else if *m == Method::PATCH {
            crud::patch(&mut w, &r).map(Reply::ok)
        } else if *m == Method::DELETE && target.name.is_some() {
            delete::delete(&mut w, &r).map(Reply::ok)
        } else {
            Err(ApiError::MethodNotAllowed)
        }
    };
    match result {
        Ok(Reply::Json(code, v)) => {
            json_response(StatusCode::from_u16(code).unwrap_or(StatusCode::OK), &v)
        }
        Ok(Reply::Watch(plan)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-cache, private"),
            ],
            watch::body(plan, app.shutdown.clone()),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

enum Reply {
    Json(u16, Value),
    Watch(watch::Plan),
}

impl Reply {
    fn ok(v: Value) -> Self {
        Reply::Json(200, v)
    }
}

/// `/openapi/v2`: protobuf clients (kubectl before 1.27) get an empty document, which is a
/// valid zero-length protobuf message; others get JSON.
fn openapi_v2(headers: &axum::http::HeaderMap) -> Response {
    // The real server labels the protobuf document application/octet-stream; Go's mime
    // parser rejects the `@` in the requested type.
    const PB: &str = "application/octet-stream";
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains("protobuf") {
        return (StatusCode::OK, [(header::CONTENT_TYPE, PB)], Body::empty()).into_response();
    }
    ok(&openapi::v2_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse() {
        assert_eq!(route("/api").expect("api"), Route::CoreVersions);
        assert_eq!(
            route("/apis/apps/v1").expect("gv"),
            Route::Resources("apps".into(), "v1".into())
        );
        let Route::Object(t) =
            route("/apis/apps/v1/namespaces/demo/deployments/app-blue/scale").expect("scale")
        else {
            panic!("not an object route");
        };
        assert_eq!(
            (t.kind, t.name.as_deref(), t.sub.as_deref()),
            (Kind::Deployment, Some("app-blue"), Some("scale"))
        );
        let Route::Object(t) = route("/api/v1/namespaces/demo").expect("ns") else {
            panic!("not an object route");
        };
        assert_eq!(t.kind, Kind::Namespace);
        assert!(route("/api/v1/namespaces/demo/widgets").is_err());
        assert!(route("/api/v1/namespaces/demo/pods/p/scale").is_err());
        let Route::Object(t) = route("/api/v1/pods").expect("all pods") else {
            panic!("not an object route");
        };
        assert_eq!((t.kind, t.ns), (Kind::Pod, None));
    }
}
