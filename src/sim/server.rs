//! The HTTP server: `/metrics`, `/health/*`, the `/sim/*` control endpoints and the
//! Kubernetes API, behind the path-fault middleware; plus the task that drives the clock.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::faults::FaultRequest;
use super::routing::RoutingMode;
use super::status::{ApiError, json_response};
use super::world::{Shared, World, lock};
use super::{SimError, SimOptions, api, metrics, write_fault};

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The simulator state.
    pub world: Shared,
    /// Cancelled on shutdown; ends open watches.
    pub shutdown: CancellationToken,
    /// `host:port` the server listens on.
    pub addr: String,
    /// Whether the clock only moves through `POST /sim/advance`.
    pub manual_clock: bool,
    /// The users known by bearer token, and who may only read.
    pub users: Arc<Vec<super::rbac::SimUser>>,
}

async fn metrics_handler(State(app): State<AppState>) -> Response {
    let text = {
        let mut w = lock(&app.world);
        let split = w.split();
        metrics::render(&w.traffic, &split)
    };
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response()
}

async fn health(State(app): State<AppState>) -> Response {
    let (code, body) = metrics::health(&lock(&app.world).split());
    json_response(StatusCode::from_u16(code).unwrap_or(StatusCode::OK), &body)
}

fn bad(msg: impl std::fmt::Display) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({"error": msg.to_string()}))
}

fn faults_json(w: &World) -> Value {
    serde_json::to_value(&w.faults).unwrap_or(Value::Null)
}

async fn faults_get(State(app): State<AppState>) -> Response {
    json_response(StatusCode::OK, &faults_json(&lock(&app.world)))
}

async fn faults_post(State(app): State<AppState>, body: Bytes) -> Response {
    let req: FaultRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad(format!("bad fault request: {e}")),
    };
    let mut w = lock(&app.world);
    match w.apply_fault(&req) {
        Ok(()) => json_response(StatusCode::OK, &faults_json(&w)),
        Err(e) => bad(e),
    }
}

async fn faults_clear(State(app): State<AppState>) -> Response {
    let mut w = lock(&app.world);
    let req = FaultRequest {
        fault: Some("none".into()),
        ..FaultRequest::default()
    };
    w.faults.paths.clear();
    w.faults.writes.clear();
    match w.apply_fault(&req) {
        Ok(()) => json_response(StatusCode::OK, &faults_json(&w)),
        Err(e) => bad(e),
    }
}

async fn routing_get(State(app): State<AppState>) -> Response {
    let mut w = lock(&app.world);
    let split = w.split();
    json_response(StatusCode::OK, &json!({"mode": w.routing, "split": split}))
}

async fn routing_post(State(app): State<AppState>, body: Bytes) -> Response {
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mode = match req["mode"].as_str().map(str::parse::<RoutingMode>) {
        Some(Ok(m)) => m,
        Some(Err(e)) => return bad(e),
        None => {
            return bad(
                "give {\"mode\": \"service-selector\" | \"httproute-weights\" | \"replica-ratio\"}",
            );
        }
    };
    let mut w = lock(&app.world);
    w.routing = mode;
    let split = w.split();
    json_response(StatusCode::OK, &json!({"mode": w.routing, "split": split}))
}

async fn advance(State(app): State<AppState>, body: Bytes) -> Response {
    if !app.manual_clock {
        return bad("the clock runs in real time; start with --manual-clock to step it");
    }
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(ms) = req["ms"].as_u64() else {
        return bad("give {\"ms\": N}");
    };
    let mut w = lock(&app.world);
    let target = w.now_ms + ms;
    w.advance_to(target);
    json_response(
        StatusCode::OK,
        &json!({"now_ms": w.now_ms, "requests": w.traffic.total()}),
    )
}

async fn sim_state(State(app): State<AppState>) -> Response {
    let mut w = lock(&app.world);
    let split = w.split();
    let body = json!({
        "now_ms": w.now_ms, "routing": w.routing, "split": split, "faults": faults_json(&w),
        "requests": w.traffic.total(), "resource_version": w.store.rv(),
    });
    json_response(StatusCode::OK, &body)
}

/// Slow or failing answers for paths with an active path fault (never for `/sim/*`); writes
/// also meet their write faults and are logged.
async fn path_faults(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path.starts_with("/sim/") {
        return next.run(req).await;
    }
    let write = is_write(req.method());
    let mut logged = write.then(|| Logged::of(&req));
    let hit = lock(&app.world).faults.take_path(&path);
    if let Some(f) = hit {
        if f.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(f.delay_ms)).await;
        }
        if let Some(code) = f.status {
            let message = format!("injected fault: {code} on {path}");
            let resp = ApiError::Injected { code, message }.into_response();
            if let Some(l) = logged.take() {
                l.finish(&app, resp.status().as_u16(), Some(format!("status {code}")));
            }
            return resp;
        }
    }
    let Some(mut logged) = logged else {
        lock(&app.world).writes.reads += 1;
        return next.run(req).await;
    };
    // The body is read here once, for the log, and handed on unchanged.
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, api::MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            return ApiError::BadRequest(format!("cannot read the request body: {e}"))
                .into_response();
        }
    };
    logged.action = super::requests::action_of(&bytes);
    let req = Request::from_parts(parts, axum::body::Body::from(bytes));
    let effect = lock(&app.world).faults.take_write(&path);
    let (resp, fault) = match effect {
        None => (next.run(req).await, None),
        Some(e) => write_fault::answer(&app, &path, e, req, next).await,
    };
    logged.finish(&app, resp.status().as_u16(), fault);
    resp
}

fn is_write(m: &axum::http::Method) -> bool {
    use axum::http::Method;
    [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(m)
}

/// What the write log keeps of a request, filled in as it is handled.
struct Logged {
    at_ms: u64,
    method: String,
    path: String,
    field_manager: Option<String>,
    action: Option<String>,
}

impl Logged {
    fn of(req: &Request) -> Self {
        let query: std::collections::HashMap<String, String> =
            axum::extract::Query::try_from_uri(req.uri())
                .map(|q| q.0)
                .unwrap_or_default();
        Self {
            at_ms: super::requests::now_ms(),
            method: req.method().to_string(),
            path: req.uri().path().to_string(),
            field_manager: query.get("fieldManager").cloned(),
            action: None,
        }
    }

    fn finish(self, app: &AppState, code: u16, fault: Option<String>) {
        lock(&app.world).writes.push(super::requests::Write {
            seq: 0,
            at_ms: self.at_ms,
            method: self.method,
            path: self.path,
            field_manager: self.field_manager,
            action: self.action,
            code,
            fault,
        });
    }
}

async fn requests_get(
    State(app): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let w = lock(&app.world);
    let list = w.writes.list(q.get("action").map(String::as_str));
    json_response(
        StatusCode::OK,
        &json!({ "writes": list, "reads": w.writes.reads }),
    )
}

async fn requests_clear(State(app): State<AppState>) -> Response {
    lock(&app.world).writes.clear();
    json_response(StatusCode::OK, &json!({ "writes": [], "reads": 0 }))
}

/// The whole router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/health", get(health))
        .route("/health/live", get(health))
        .route("/health/ready", get(health))
        .route(
            "/sim/faults",
            get(faults_get).post(faults_post).delete(faults_clear),
        )
        .route("/sim/routing", get(routing_get).post(routing_post))
        .route("/sim/advance", post(advance))
        .route("/sim/state", get(sim_state))
        .route("/sim/requests", get(requests_get).delete(requests_clear))
        .fallback(api::handle)
        .layer(middleware::from_fn_with_state(state.clone(), path_faults))
        .with_state(state)
}

/// A running simulator.
#[derive(Debug)]
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its state, for in-process callers (the demo, benchmarks).
    pub world: Shared,
    shutdown: CancellationToken,
    server: JoinHandle<()>,
}

impl Running {
    /// `http://host:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving, ends open watches, and waits for the server task.
    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.server.await;
    }
}

/// Binds `listen`, builds the world and serves it; returns once connections are accepted.
pub async fn start(opts: &SimOptions, listen: SocketAddr) -> Result<Running, SimError> {
    let world: Shared = Arc::new(Mutex::new(World::new(opts)?));
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| SimError::Bind {
            addr: listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| SimError::Bind {
        addr: listen,
        source,
    })?;
    let shutdown = CancellationToken::new();
    let state = AppState {
        world: world.clone(),
        shutdown: shutdown.clone(),
        addr: addr.to_string(),
        manual_clock: opts.manual_clock,
        users: Arc::new(opts.users.clone()),
    };
    if !opts.manual_clock {
        tokio::spawn(clock(world.clone(), shutdown.clone()));
    }
    let app = router(state);
    let stop = shutdown.clone();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await;
    });
    Ok(Running {
        addr,
        world,
        shutdown,
        server,
    })
}

/// Moves the simulated clock with the real one, one tick at a time.
async fn clock(world: Shared, shutdown: CancellationToken) {
    let tick = Duration::from_millis(lock(&world).tick_ms());
    let started = tokio::time::Instant::now();
    let mut every = tokio::time::interval(tick);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = every.tick() => {
                let target = started.elapsed().as_millis() as u64;
                lock(&world).advance_to(target);
            }
        }
    }
}
