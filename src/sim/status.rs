//! API errors and the `Status` bodies the real API server sends with them.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::resources::Kind;

/// An error answered by the simulated Kubernetes API, with the HTTP code and `reason` the real
/// API server uses for the same situation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// 404: the object (or collection) does not exist.
    #[error("{} \"{name}\" not found", kind.qualified())]
    NotFound {
        /// The resource type.
        kind: Kind,
        /// The missing name.
        name: String,
    },
    /// 404 for a path that names no known resource.
    #[error("the server could not find the requested resource")]
    NoRoute,
    /// 409 on create: the name is taken.
    #[error("{} \"{name}\" already exists", kind.qualified())]
    AlreadyExists {
        /// The resource type.
        kind: Kind,
        /// The taken name.
        name: String,
    },
    /// 409 on update: the resourceVersion precondition failed.
    #[error(
        "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
        kind.qualified()
    )]
    Conflict {
        /// The resource type.
        kind: Kind,
        /// The object's name.
        name: String,
    },
    /// 422: the object would be invalid.
    #[error("{} \"{name}\" is invalid: {detail}", kind.qualified_kind())]
    Invalid {
        /// The resource type.
        kind: Kind,
        /// The object's name.
        name: String,
        /// Field path and why, as the API server words it.
        detail: String,
    },
    /// 400: the request cannot be understood.
    #[error("{0}")]
    BadRequest(String),
    /// 405: the verb is not supported on this path.
    #[error("the server does not allow this method on the requested resource")]
    MethodNotAllowed,
    /// 410: a watch asked for history the server no longer has.
    #[error("too old resource version: {asked} ({oldest})")]
    Gone {
        /// The resourceVersion asked for.
        asked: u64,
        /// The oldest one still in history.
        oldest: u64,
    },
    /// 415: a patch type this resource does not accept.
    #[error(
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
    )]
    UnsupportedMediaType,
    /// 403: RBAC does not let this user do this.
    #[error(
        "{} is forbidden: User \"{user}\" cannot {verb} resource \"{}\" in API group \"{}\"{}",
        kind.qualified(),
        kind.def().plural,
        kind.def().group,
        namespace.as_deref().map(|n| format!(" in the namespace \"{n}\"")).unwrap_or_default()
    )]
    Forbidden {
        /// Who asked.
        user: String,
        /// What they asked (`create`, `patch`, …).
        verb: String,
        /// The resource type.
        kind: Kind,
        /// The namespace, for namespaced resources.
        namespace: Option<String>,
    },
    /// An injected fault: any status code with a message.
    #[error("{message}")]
    Injected {
        /// HTTP status to answer.
        code: u16,
        /// Message for the Status body.
        message: String,
    },
}

impl ApiError {
    /// The HTTP status code.
    pub fn code(&self) -> u16 {
        match self {
            ApiError::NotFound { .. } | ApiError::NoRoute => 404,
            ApiError::AlreadyExists { .. } | ApiError::Conflict { .. } => 409,
            ApiError::Invalid { .. } => 422,
            ApiError::BadRequest(_) => 400,
            ApiError::MethodNotAllowed => 405,
            ApiError::Gone { .. } => 410,
            ApiError::UnsupportedMediaType => 415,
            ApiError::Forbidden { .. } => 403,
            ApiError::Injected { code, .. } => *code,
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            ApiError::NotFound { .. } | ApiError::NoRoute => "NotFound",
            ApiError::AlreadyExists { .. } => "AlreadyExists",
            ApiError::Conflict { .. } => "Conflict",
            ApiError::Invalid { .. } => "Invalid",
            ApiError::BadRequest(_) => "BadRequest",
            ApiError::MethodNotAllowed => "MethodNotAllowed",
            ApiError::Gone { .. } => "Expired",
            ApiError::UnsupportedMediaType => "UnsupportedMediaType",
            ApiError::Forbidden { .. } => "Forbidden",
            ApiError::Injected { code, .. } => match code {
                409 => "Conflict",
                429 => "TooManyRequests",
                500 => "InternalError",
                503 => "ServiceUnavailable",
                504 => "Timeout",
                _ => "Unknown",
            },
        }
    }

    /// The `Status` object for this error.
    pub fn status(&self) -> Value {
        let mut s = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.to_string(),
            "reason": self.reason(),
            "code": self.code(),
        });
        let details = match self {
            ApiError::NotFound { kind, name }
            | ApiError::AlreadyExists { kind, name }
            | ApiError::Conflict { kind, name } => Some(details(*kind, name)),
            ApiError::Invalid { kind, name, detail } => {
                let mut d = details(*kind, name);
                d["kind"] = json!(kind.def().kind);
                let field = detail.split(':').next().unwrap_or_default();
                d["causes"] =
                    json!([{"reason": "FieldValueInvalid", "message": detail, "field": field}]);
                Some(d)
            }
            // The API server tells a throttled client when to come back, in the body and in
            // a Retry-After header.
            ApiError::Injected { code: 429, .. } => {
                Some(json!({"retryAfterSeconds": RETRY_AFTER_S}))
            }
            ApiError::Forbidden { kind, .. } => {
                let mut d = json!({"kind": kind.def().plural});
                if !kind.def().group.is_empty() {
                    d["group"] = json!(kind.def().group);
                }
                Some(d)
            }
            _ => None,
        };
        if let Some(d) = details {
            s["details"] = d;
        }
        s
    }
}

fn details(kind: Kind, name: &str) -> Value {
    let d = kind.def();
    let mut v = json!({"name": name, "kind": d.plural});
    if !d.group.is_empty() {
        v["group"] = json!(d.group);
    }
    v
}

/// A JSON response with the API server's content type.
pub fn json_response(code: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (
        code,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response()
}

/// The Retry-After an injected 429 carries, in seconds.
pub const RETRY_AFTER_S: u64 = 1;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = json_response(code, &self.status());
        if code == StatusCode::TOO_MANY_REQUESTS {
            resp.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(RETRY_AFTER_S),
            );
        }
        resp
    }
}

/// The `Status` a successful delete of a non-graceful object returns.
pub fn deleted(kind: Kind, name: &str, uid: &str) -> Value {
    let mut d = details(kind, name);
    d["uid"] = json!(uid);
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": d})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_reads_like_the_api_server() {
        let e = ApiError::NotFound {
            kind: Kind::Deployment,
            name: "web".into(),
        };
        let s = e.status();
        assert_eq!(s["message"], "deployments.apps \"web\" not found");
        assert_eq!(s["reason"], "NotFound");
        assert_eq!(s["code"], 404);
        assert_eq!(s["details"]["group"], "apps");
    }
}
