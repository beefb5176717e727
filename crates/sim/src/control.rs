//! The simulator's own control API under `/_sim` (no auth; for tests and demos).

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::faults::Fault;
use crate::http::{App, Ids, json, read_json};
use crate::state::AcceptError;

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/_sim/health", get(health))
        .route("/_sim/clock", get(clock))
        .route("/_sim/clock/advance", post(advance))
        .route("/_sim/faults", get(list_faults).post(add_fault).delete(clear_faults))
        .route("/_sim/resources/{id}/fail", post(fail))
        .route("/_sim/resources/{id}/accept", post(accept))
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    json(status, &json!({ "error": message.into() }))
}

async fn health() -> Response {
    json(StatusCode::OK, &json!({ "ok": true }))
}

async fn clock(AxState(app): AxState<App>) -> Response {
    let s = app.world();
    let now = s.now();
    let mode = match s.clock.mode() {
        crate::ClockMode::Auto => "auto",
        crate::ClockMode::Explicit => "explicit",
        crate::ClockMode::Scaled(_) => "scaled",
    };
    json(StatusCode::OK, &json!({ "mode": mode, "elapsed_seconds": now.as_secs_f64(), "now": s.ts(now) }))
}

/// `{"seconds": 30}`: move simulated time forward and run what became due.
async fn advance(AxState(app): AxState<App>, body: Body) -> Response {
    let body = match read_json(body, app.body_limit).await {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.message()),
    };
    let Some(secs) = body.get("seconds").and_then(Value::as_f64).filter(|s| s.is_finite() && *s >= 0.0) else {
        return error(StatusCode::BAD_REQUEST, "body must be {\"seconds\": <non-negative number>}");
    };
    let by = Duration::try_from_secs_f64(secs).unwrap_or(Duration::ZERO);
    let mut s = app.lock();
    s.clock.advance(by);
    s.tick();
    let now = s.now();
    json(StatusCode::OK, &json!({ "elapsed_seconds": now.as_secs_f64(), "now": s.ts(now) }))
}

async fn list_faults(AxState(app): AxState<App>) -> Response {
    let faults = app.lock().faults.list();
    json(StatusCode::OK, &json!({ "faults": faults }))
}

/// Arm a fault, e.g. `{"vendor":"confluent","path":"/networking","times":2,"action":{"server_error":{"status":503}}}`.
async fn add_fault(AxState(app): AxState<App>, body: Body) -> Response {
    let body = match read_json(body, app.body_limit).await {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.message()),
    };
    match serde_json::from_value::<Fault>(Value::Object(body)) {
        Ok(f) => {
            app.lock().faults.add(f);
            json(StatusCode::CREATED, &json!({ "ok": true }))
        }
        Err(e) => error(StatusCode::BAD_REQUEST, format!("not a fault: {e}")),
    }
}

async fn clear_faults(AxState(app): AxState<App>) -> Response {
    app.lock().faults.clear();
    json(StatusCode::OK, &json!({ "ok": true }))
}

/// `{"message": "…"}` (optional): put a resource (network, access, cluster, connection) in FAILED,
/// a changefeed in CREATE_FAILED (while CREATING) or RUNNING_FAILED.
async fn fail(AxState(app): AxState<App>, Ids(id): Ids<String>, body: Body) -> Response {
    let message = match read_json(body, app.body_limit).await {
        Ok(b) => b.get("message").and_then(Value::as_str).unwrap_or("simulated failure").to_owned(),
        Err(_) => "simulated failure".to_owned(),
    };
    let mut s = app.world();
    if s.force_failed(&id, &message) {
        json(StatusCode::OK, &json!({ "ok": true }))
    } else {
        error(StatusCode::NOT_FOUND, format!("no resource with id {id}"))
    }
}

/// The endpoint service's owner accepts a PENDING_ACCEPTANCE private link connection.
async fn accept(AxState(app): AxState<App>, Ids(id): Ids<String>) -> Response {
    match app.world().accept(&id) {
        Ok(()) => json(StatusCode::OK, &json!({ "ok": true })),
        Err(AcceptError::NotFound) => error(StatusCode::NOT_FOUND, format!("no private link connection with id {id}")),
        Err(AcceptError::NotPending(state)) => {
            error(StatusCode::CONFLICT, format!("private link connection {id} is {state}, not PENDING_ACCEPTANCE"))
        }
    }
}
