//! The shared server state and what every request goes through: ids, faults, auth, headers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Request, State as AxState};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;

use crate::faults::{FaultAction, Vendor};
use crate::ids::RequestIds;
use crate::state::{RateWindow, State};
use crate::{confluent, tidbcloud};

/// What every handler gets: the world behind one mutex, plus lock-free helpers.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    pub(crate) request_ids: RequestIds,
    pub(crate) body_limit: usize,
    pub(crate) nonce_ttl: Duration,
    /// Requests a `hang` fault holds right now.
    pub(crate) held: AtomicUsize,
}

pub(crate) type App = Arc<Shared>;

impl Shared {
    pub(crate) fn new(state: State, body_limit: usize, nonce_ttl: Duration) -> Shared {
        Shared {
            state: Mutex::new(state),
            request_ids: RequestIds::new(),
            body_limit,
            nonce_ttl,
            held: AtomicUsize::new(0),
        }
    }

    /// Lock the world (a panicked holder cannot leave it half-updated in a way we care about).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Lock the world with every due transition applied.
    pub(crate) fn world(&self) -> MutexGuard<'_, State> {
        let mut s = self.lock();
        s.tick();
        s
    }
}

/// Which vendor a path belongs to (`None`: the simulator's own control API).
pub(crate) fn vendor_of(path: &str) -> Option<Vendor> {
    if path == "/_sim" || path.starts_with("/_sim/") {
        None
    } else if path == "/v1beta1" || path.starts_with("/v1beta1/") {
        Some(Vendor::Tidbcloud)
    } else {
        Some(Vendor::Confluent)
    }
}

/// The middleware every request passes: faults, authentication, rate limits, common headers.
pub(crate) async fn gate(AxState(app): AxState<App>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let Some(vendor) = vendor_of(&path) else {
        return next.run(req).await;
    };
    let request_id = app.request_ids.uuid();
    let method = req.method().clone();
    // The key the request names, for the rate-limit headers of a response that is not counted.
    let claimed = match vendor {
        Vendor::Confluent => confluent::auth::claimed_key(req.headers()),
        Vendor::Tidbcloud => tidbcloud::digest::claimed_key(req.headers()),
    };
    let action = app.lock().faults.check(vendor, method.as_str(), &path);
    let mut response = match action {
        Some(FaultAction::Drop) => return dropped(),
        Some(FaultAction::DropAfterApply) => {
            let _applied = authed(&app, vendor, &method, req, next).await;
            return dropped();
        }
        Some(FaultAction::RateLimit { retry_after }) => {
            let limit = app.lock().rate_peek(vendor, claimed.as_deref()).limit;
            too_many(vendor, RateWindow { limit, remaining: 0, reset: retry_after })
        }
        Some(FaultAction::ServerError { status }) => server_error(vendor, status),
        Some(FaultAction::Unavailable { retry_after }) => {
            let mut r = server_error(vendor, 503);
            insert(&mut r, "retry-after", &retry_after.to_string());
            r
        }
        Some(FaultAction::Hang { millis, after_apply }) => {
            let hold = || async {
                let _held = Held::new(&app.held);
                tokio::time::sleep(Duration::from_millis(millis)).await;
            };
            if after_apply {
                let response = authed(&app, vendor, &method, req, next).await;
                hold().await;
                response
            } else {
                hold().await;
                authed(&app, vendor, &method, req, next).await
            }
        }
        Some(FaultAction::Slow { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            authed(&app, vendor, &method, req, next).await
        }
        None => authed(&app, vendor, &method, req, next).await,
    };
    // Every vendor response reports the key's window; the counted ones already do.
    if !response.headers().contains_key(limit_header(vendor)) {
        let window = app.lock().rate_peek(vendor, claimed.as_deref());
        rate_headers(&mut response, vendor, window);
    }
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        let name = match vendor {
            Vendor::Confluent => "x-request-id",
            Vendor::Tidbcloud => "x-debug-trace-id",
        };
        headers.insert(HeaderName::from_static(name), v);
    }
    response
}

/// Counts a held request for as long as it lives (the handler may be dropped mid-hold when the
/// client goes away).
struct Held<'a>(&'a AtomicUsize);

impl<'a> Held<'a> {
    fn new(count: &'a AtomicUsize) -> Held<'a> {
        count.fetch_add(1, Ordering::SeqCst);
        Held(count)
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn authed(app: &App, vendor: Vendor, method: &Method, mut req: Request, next: Next) -> Response {
    let key = match vendor {
        Vendor::Confluent => confluent::auth::check(app, req.headers()),
        Vendor::Tidbcloud => tidbcloud::digest::check(app, method, req.uri(), req.headers()),
    };
    let key = match key {
        Ok(k) => k,
        Err(resp) => return *resp,
    };
    let rate = app.lock().rate_count(vendor, &key);
    req.extensions_mut().insert(tidbcloud::Caller(key));
    match rate {
        Err(window) => too_many(vendor, window),
        Ok(window) => {
            let mut r = next.run(req).await;
            rate_headers(&mut r, vendor, window);
            r
        }
    }
}

/// The header that carries the limit: Confluent's `X-RateLimit-Limit` (its API documents), TiDB
/// Cloud's `X-Ratelimit-Limit-Minute` (its API overview).
fn limit_header(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Confluent => "x-ratelimit-limit",
        Vendor::Tidbcloud => "x-ratelimit-limit-minute",
    }
}

/// The vendor's rate-limit headers. Both send the reset as seconds from now
/// (`X-RateLimit-Reset`); the remaining count is `X-RateLimit-Remaining` at Confluent,
/// `X-Ratelimit-Remaining-Minute` at TiDB Cloud.
fn rate_headers(r: &mut Response, vendor: Vendor, window: RateWindow) {
    let remaining = match vendor {
        Vendor::Confluent => "x-ratelimit-remaining",
        Vendor::Tidbcloud => "x-ratelimit-remaining-minute",
    };
    insert(r, limit_header(vendor), &window.limit.to_string());
    insert(r, remaining, &window.remaining.to_string());
    insert(r, "x-ratelimit-reset", &window.reset.to_string());
}

pub(crate) fn insert(r: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(HeaderName::from_static(name), v);
    }
}

/// The vendor's 429 with its rate-limit headers. Confluent also sends `Retry-After` (its
/// documents: only when the limit is reached); TiDB Cloud documents none, only the reset header.
fn too_many(vendor: Vendor, window: RateWindow) -> Response {
    let mut r = match vendor {
        Vendor::Confluent => {
            let mut r = confluent::CfError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too Many Requests",
                "rate limit exceeded; retry after the time given in Retry-After",
            )
            .into_response();
            insert(&mut r, "retry-after", &window.reset.to_string());
            r
        }
        Vendor::Tidbcloud => tidbcloud::TiError::too_many(window.limit).into_response(),
    };
    rate_headers(&mut r, vendor, window);
    r
}

fn server_error(vendor: Vendor, status: u16) -> Response {
    let status = StatusCode::from_u16(status).ok().filter(StatusCode::is_server_error);
    let status = status.unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    match vendor {
        Vendor::Confluent => {
            confluent::CfError::new(status, "server_error", "Server Error", "simulated server error").into_response()
        }
        Vendor::Tidbcloud => tidbcloud::TiError::new(status, "simulated server error").into_response(),
    }
}

/// A response whose body fails at once, so the server closes the connection without answering.
fn dropped() -> Response {
    Response::new(Body::new(Dropped))
}

struct Dropped;

impl http_body::Body for Dropped {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "simulated dropped connection",
        ))))
    }
}

/// Path parameters; a malformed one (say, percent-encoded bytes that are not UTF-8) gets the
/// vendor's 400 instead of axum's plain-text rejection.
#[derive(Debug)]
pub(crate) struct Ids<T>(pub(crate) T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for Ids<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Ids(value)),
            Err(rejection) => {
                let detail = format!("invalid path parameter: {}", rejection.body_text());
                Err(match vendor_of(parts.uri.path()) {
                    Some(Vendor::Confluent) => confluent::CfError::bad_request(detail).into_response(),
                    Some(Vendor::Tidbcloud) => tidbcloud::TiError::bad_request(detail).into_response(),
                    None => json(StatusCode::BAD_REQUEST, &serde_json::json!({ "error": detail })),
                })
            }
        }
    }
}

/// Why a request body was refused.
#[derive(Debug)]
pub(crate) enum BodyError {
    TooLarge(usize),
    Unreadable,
    Syntax(String),
    NotObject,
}

impl BodyError {
    pub(crate) fn message(&self) -> String {
        match self {
            BodyError::TooLarge(limit) => format!("request body is larger than {limit} bytes"),
            BodyError::Unreadable => "request body could not be read".to_owned(),
            BodyError::Syntax(e) => format!("request body is not valid JSON: {e}"),
            BodyError::NotObject => "request body must be a JSON object".to_owned(),
        }
    }
}

/// Read a JSON object body, at most `limit` bytes.
pub(crate) async fn read_json(body: Body, limit: usize) -> Result<serde_json::Map<String, Value>, BodyError> {
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|e| {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = source {
            if s.to_string().contains("length limit") {
                return BodyError::TooLarge(limit);
            }
            source = s.source();
        }
        BodyError::Unreadable
    })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(BodyError::NotObject),
        Err(e) => Err(BodyError::Syntax(e.to_string())),
    }
}

/// Decoded query pairs, in order (repeated keys kept).
pub(crate) fn query_pairs(uri: &axum::http::Uri) -> Vec<(String, String)> {
    uri.query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
}

/// The first value of a query parameter.
pub(crate) fn query_one<'q>(pairs: &'q [(String, String)], key: &str) -> Option<&'q str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Every value of a repeatable query parameter.
pub(crate) fn query_all<'q>(pairs: &'q [(String, String)], key: &str) -> Vec<&'q str> {
    pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
}

/// A JSON response with a status.
pub(crate) fn json(status: StatusCode, value: &Value) -> Response {
    let mut r = (status, value.to_string()).into_response();
    r.headers_mut().insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}
