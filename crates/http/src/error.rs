//! The one error type both clients answer with, [`Error`], and the one error response,
//! [`ApiError`]: both generic over the vendor's decoded error body ([`VendorBody`]).
//! `linkplan_confluent::Error` is `Error<linkplan_confluent::ErrorBody>`,
//! `linkplan_tidbcloud::Error` is `Error<linkplan_tidbcloud::ErrorBody>`. What differs between
//! the vendors (the body's shape, what the request id is called, the rate-limit reset header)
//! is the vendor's `ErrorBody`; what every response has (status, request id, requested wait,
//! ambiguity) and what callers ask of a failure (not found? conflict? retryable? ambiguous?)
//! are here once.

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode};

use crate::config::ConfigError;
use crate::retry::{Replay, Retry, for_status, for_transport, transient_status};
use crate::transport::{Incoming, TransportError};

/// A vendor's error body, decoded the vendor's way.
pub trait VendorBody: fmt::Debug + Send + Sync + Sized + 'static {
    /// The service's name in messages, e.g. `Confluent Cloud`.
    const SERVICE: &'static str;
    /// What the vendor's request id is called in messages (`request id`, `trace id`).
    const REQUEST_ID: &'static str;
    /// The vendor's rate-limit reset header (seconds), read on a 429 without a usable
    /// `Retry-After`.
    const RESET_HEADER: &'static str;

    /// Decode an error body; `None` when it is not the vendor's error JSON (the response keeps
    /// the start of it as text instead).
    fn parse(body: &[u8]) -> Option<Self>;

    /// The body's part of the one-line message, after `METHOD path failed: status` (say,
    /// ` resource_already_exists: … (at /spec/zones)`).
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

/// An error response: the status, the vendor's decoded body (or the start of a body that was
/// not the vendor's JSON), the request id and the server's requested wait.
#[derive(Debug, Clone)]
pub struct ApiError<B> {
    method: Method,
    path: String,
    status: StatusCode,
    body: Option<B>,
    text: Option<String>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    ambiguous: bool,
}

impl<B: VendorBody> ApiError<B> {
    /// Read a non-2xx response. `retry_after` is the server's requested wait; `ambiguous`: a
    /// create that may have happened.
    pub fn from_response(
        method: &Method,
        path: &str,
        response: &Incoming,
        retry_after: Option<Duration>,
        ambiguous: bool,
    ) -> ApiError<B> {
        let body = B::parse(&response.body);
        let text = if body.is_none() { Some(snippet(&response.body)).filter(|s| !s.is_empty()) } else { None };
        ApiError {
            method: method.clone(),
            path: path.to_owned(),
            status: response.status,
            body,
            text,
            request_id: response.request_id.clone(),
            retry_after,
            ambiguous,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The vendor's decoded error body, when the body was the vendor's error JSON.
    pub fn body(&self) -> Option<&B> {
        self.body.as_ref()
    }

    /// The start of a body that was not the vendor's error JSON (say, a proxy's HTML page).
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// The vendor's request or trace id, to quote to support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// How long the server asked to wait (`Retry-After`, or the reset header on a 429).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The method of the failed request.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path of the failed request (no query).
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl<B: VendorBody> fmt::Display for ApiError<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} failed: {}", self.method, self.path, self.status.as_u16())?;
        match (&self.body, &self.text) {
            (Some(body), _) => body.describe(f)?,
            (None, Some(text)) => write!(f, ": {text}")?,
            (None, None) => {}
        }
        if let Some(id) = &self.request_id {
            write!(f, " [{} {id}]", B::REQUEST_ID)?;
        }
        if self.ambiguous {
            f.write_str(" (the request may have been applied)")?;
        }
        Ok(())
    }
}

/// The start of a body, as text, at most 200 characters.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Everything a call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<B: VendorBody> {
    /// The service answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError<B>>),
    /// No complete response arrived (connect error, timeout, broken connection).
    #[error("no response from {}{}", B::SERVICE, if *ambiguous { " (the request may have been applied)" } else { "" })]
    Transport {
        /// A create that may have reached the server: look it up by natural key before
        /// repeating it.
        ambiguous: bool,
        /// What happened.
        #[source]
        source: TransportError,
    },
    /// A success response whose body does not have the documented shape. For a create the
    /// object exists ([`Error::is_ambiguous`]): look it up by natural key.
    #[error("unexpected response body for {method} {path} at `{at}`")]
    Decode {
        /// The request was a create, and it was applied.
        ambiguous: bool,
        /// The method.
        method: Method,
        /// The path (no query).
        path: String,
        /// Where in the body (a serde path such as `data[3].status.phase`).
        at: String,
        /// The vendor's request or trace id.
        request_id: Option<String>,
        /// The decoder's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The server broke the protocol in another way (say, a page token that does not advance).
    #[error("unexpected response to {method} {path}: {reason}")]
    Protocol {
        /// The method.
        method: Method,
        /// The path (no query).
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// A request body could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The client is misconfigured.
    #[error("invalid {} client configuration", B::SERVICE)]
    Config(#[from] ConfigError),
}

/// A request body that could not be encoded as JSON.
#[derive(Debug, thiserror::Error)]
#[error("could not encode the request body for {path}")]
pub struct EncodeError {
    /// The path.
    pub path: String,
    /// The encoder's complaint.
    #[source]
    pub source: serde_json::Error,
}

impl<B: VendorBody> Error<B> {
    /// The vendor error, if the service answered with one.
    pub fn api(&self) -> Option<&ApiError<B>> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The HTTP status, if a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        self.api().map(ApiError::status)
    }

    /// 404: the resource does not exist (after a delete completes Confluent may also answer
    /// 403; see [`Error::is_forbidden`]).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// 409: it already exists (a second PrivateLink access for the same account and network,
    /// the same domains attached twice) or is in use.
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(StatusCode::CONFLICT)
    }

    /// 401: the key was refused (wrong, or not an API key of the right kind; for TiDB Cloud,
    /// after answering the Digest challenge).
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
    }

    /// 403: not allowed, or (after a delete) gone.
    pub fn is_forbidden(&self) -> bool {
        self.status() == Some(StatusCode::FORBIDDEN)
    }

    /// A transient failure (429, 500/502/503/504, connection or timeout): the same call may
    /// succeed later. For a create, check [`Error::is_ambiguous`] first.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(api) => transient_status(api.status),
            Error::Transport { source, .. } => source.is_transient(),
            _ => false,
        }
    }

    /// A create (or attach) that failed in a way that may have applied it anyway (a timeout, a
    /// dropped connection or a 5xx after the request was sent). Look it up by natural key (the
    /// clients' `find` helpers) before sending it again.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Error::Api(api) => api.ambiguous,
            Error::Transport { ambiguous, .. } | Error::Decode { ambiguous, .. } => *ambiguous,
            _ => false,
        }
    }

    /// The vendor's request or trace id (Confluent's `X-Request-Id`, TiDB Cloud's
    /// `X-Debug-Trace-Id`), to quote to support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.request_id(),
            Error::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether (and when) the call loop repeats an attempt that failed with this error.
    pub fn retry(&self, replay: Replay) -> Retry {
        match self {
            Error::Api(api) => for_status(api.status, api.retry_after, replay),
            Error::Transport { source, .. } => for_transport(source.is_transient(), source.maybe_sent(), replay),
            _ => Retry::Never,
        }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderMap, HeaderValue};

    use super::*;
    use crate::retry::{ambiguous_status, retry_after};

    /// A vendor whose error body is `{"reason": "…"}`: enough to drive the shared decisions.
    #[derive(Debug)]
    struct Plain {
        reason: String,
    }

    impl VendorBody for Plain {
        const SERVICE: &'static str = "Plain Cloud";
        const REQUEST_ID: &'static str = "request id";
        const RESET_HEADER: &'static str = "x-ratelimit-reset";

        fn parse(body: &[u8]) -> Option<Plain> {
            let value: serde_json::Value = serde_json::from_slice(body).ok()?;
            Some(Plain { reason: value.get("reason")?.as_str()?.to_owned() })
        }

        fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, ": {}", self.reason)
        }
    }

    fn response(status: u16, headers: &[(&'static str, &'static str)], body: &'static str) -> Incoming {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_static(v));
        }
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT);
        Incoming { status, headers: map, body: body.into(), request_id: Some("req-1".to_owned()) }
    }

    fn api(status: u16, headers: &[(&'static str, &'static str)], replay: Replay) -> Error<Plain> {
        let response = response(status, headers, "");
        let after = retry_after(response.status, &response.headers, Plain::RESET_HEADER);
        let ambiguous = ambiguous_status(response.status, replay);
        Error::Api(Box::new(ApiError::from_response(&Method::GET, "/x", &response, after, ambiguous)))
    }

    #[test]
    fn the_decision_table() {
        let secs = |s| Retry::After(Duration::from_secs(s));
        let retry = |status, headers: &[_], replay| api(status, headers, replay).retry(replay);
        assert_eq!(retry(429, &[("retry-after", "7")], Replay::Unsafe), secs(7));
        assert_eq!(retry(429, &[("x-ratelimit-reset", "3")], Replay::Safe), secs(3));
        assert_eq!(retry(429, &[], Replay::Safe), Retry::Backoff);
        assert_eq!(retry(503, &[("retry-after", "2"), ("x-ratelimit-reset", "9")], Replay::Safe), secs(2));
        assert_eq!(retry(503, &[("x-ratelimit-reset", "9")], Replay::Safe), Retry::Backoff);
        for s in [500, 502, 504] {
            assert_eq!(retry(s, &[], Replay::Safe), Retry::Backoff, "{s}");
            assert_eq!(retry(s, &[], Replay::Unsafe), Retry::Never, "{s}");
        }
        for s in [400, 401, 403, 404, 409, 422, 501] {
            assert_eq!(retry(s, &[], Replay::Safe), Retry::Never, "{s}");
        }
    }

    #[test]
    fn what_callers_ask() {
        let e = api(404, &[], Replay::Safe);
        assert!(e.is_not_found() && !e.is_conflict() && !e.is_retryable() && !e.is_ambiguous());
        assert_eq!(e.request_id(), Some("req-1"));
        assert!(api(409, &[], Replay::Unsafe).is_conflict());
        assert!(api(401, &[], Replay::Safe).is_unauthorized());
        assert!(api(403, &[], Replay::Safe).is_forbidden());
        let e = api(502, &[], Replay::Unsafe);
        assert!(e.is_retryable() && e.is_ambiguous(), "a 5xx on a create may have created it");
        let e = api(429, &[], Replay::Unsafe);
        assert!(e.is_retryable() && !e.is_ambiguous(), "a 429 provably did nothing");
        assert!(!api(502, &[], Replay::Safe).is_ambiguous());
        let config: Error<Plain> = ConfigError::InvalidCredential { what: "a key" }.into();
        assert_eq!(config.to_string(), "invalid Plain Cloud client configuration");
    }

    #[test]
    fn messages_keep_the_vendor_body_or_the_start_of_any_other_body() {
        let read = |body, ambiguous| {
            let r = response(503, &[], body);
            ApiError::<Plain>::from_response(&Method::POST, "/things", &r, None, ambiguous)
        };
        let vendor = read(r#"{"reason":"busy"}"#, false);
        assert_eq!(vendor.body().map(|b| b.reason.as_str()), Some("busy"));
        assert_eq!(vendor.to_string(), "POST /things failed: 503: busy [request id req-1]");
        let html = read("  <html>bad gateway</html>  ", true);
        assert!(html.body().is_none());
        assert_eq!(
            html.to_string(),
            "POST /things failed: 503: <html>bad gateway</html> [request id req-1] (the request may have been applied)"
        );
        let long = read(Box::leak("x".repeat(500).into_boxed_str()), false);
        assert_eq!(long.text().map(|t| t.chars().count()), Some(201), "200 characters and an ellipsis");
        assert_eq!(read("", false).to_string(), "POST /things failed: 503 [request id req-1]");
    }
}
