//! Write faults at run time: a 409 (alone, or after another writer's change got in first), a
//! write applied and then answered with 500, and a write applied and then cut off before its
//! answer is complete — what a client's executor must survive without guessing.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::api::{self, Route};
use super::crud::{self, Req};
use super::faults::WriteEffect;
use super::requests::{self, Write};
use super::server::AppState;
use super::status::ApiError;
use super::world::lock;

/// Answers a write that met a fault; returns the response and what the fault did, for the
/// write log.
pub async fn answer(
    app: &AppState,
    path: &str,
    effect: WriteEffect,
    req: Request,
    next: Next,
) -> (Response, Option<String>) {
    match effect {
        WriteEffect::Conflict {
            patch: None,
            field_manager: _,
        } => {
            let e = match api::route(path) {
                Ok(Route::Object(t)) if t.name.is_some() => ApiError::Conflict {
                    kind: t.kind,
                    name: t.name.unwrap_or_default(),
                },
                _ => ApiError::Injected {
                    code: 409,
                    message: format!("injected fault: 409 on {path}"),
                },
            };
            (e.into_response(), Some("conflict".to_string()))
        }
        WriteEffect::Conflict {
            patch: Some(patch),
            field_manager,
        } => {
            other_writer(app, path, &patch, &field_manager);
            (
                next.run(req).await,
                Some(format!("{field_manager} wrote first")),
            )
        }
        WriteEffect::Fail500 => {
            let e = ApiError::Injected {
                code: 500,
                message: format!("injected fault: 500 on {path}; the write was not applied"),
            };
            (e.into_response(), Some("500, not applied".into()))
        }
        WriteEffect::ApplyThen500 => {
            let resp = next.run(req).await;
            if !resp.status().is_success() {
                return (
                    resp,
                    Some("not applied (the write failed by itself)".into()),
                );
            }
            let e = ApiError::Injected {
                code: 500,
                message: format!("injected fault: the write to {path} was applied, then 500"),
            };
            (e.into_response(), Some("applied, then 500".into()))
        }
        WriteEffect::ApplyThenDrop => {
            let resp = next.run(req).await;
            let code = resp.status();
            if !code.is_success() {
                return (
                    resp,
                    Some("not applied (the write failed by itself)".into()),
                );
            }
            (
                cut_off(code),
                Some("applied, then the connection was cut".into()),
            )
        }
    }
}

/// Another writer's merge patch, applied under its own field manager and logged as its own
/// write.
fn other_writer(app: &AppState, path: &str, patch: &Value, manager: &str) {
    let Ok(Route::Object(target)) = api::route(path) else {
        return;
    };
    let body = serde_json::to_vec(patch).unwrap_or_default();
    let query = std::collections::HashMap::new();
    let r = Req {
        target: &target,
        query: &query,
        content_type: "application/merge-patch+json",
        table: false,
        body: &body,
        manager,
    };
    let mut w = lock(&app.world);
    let code = match crud::patch(&mut w, &r) {
        Ok(_) => 200,
        Err(e) => e.code(),
    };
    w.writes.push(Write {
        seq: 0,
        at_ms: requests::now_ms(),
        method: "PATCH".into(),
        path: path.to_string(),
        field_manager: Some(manager.to_string()),
        action: None,
        code,
        fault: Some("the other writer of a conflict fault".into()),
    });
}

/// A response whose body breaks right away: the client gets the status line (or nothing)
/// and then a connection that ends mid-answer.
fn cut_off(code: StatusCode) -> Response {
    let broken = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected fault: connection cut",
        ))
    });
    (
        code,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONTENT_LENGTH, "4096"),
        ],
        Body::from_stream(broken),
    )
        .into_response()
}
