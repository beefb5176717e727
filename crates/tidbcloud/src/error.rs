//! The crate's one error type; TiDB Cloud's `{code, message, details}` body stays structured in
//! [`ApiError`].

use std::fmt;
use std::time::Duration;

use linkplan_http::{Incoming, Method, StatusCode, VendorError};
use serde::Deserialize;

/// Everything a call can fail with: [`linkplan_http::Error`] over TiDB Cloud's [`ApiError`]
/// (`is_not_found`, `is_conflict`, `is_retryable`, `is_ambiguous`, `request_id` (the trace id),
/// …).
pub type Error = linkplan_http::Error<ApiError>;

/// An error response from TiDB Cloud: the status, the google.rpc.Status body (`code` is a TiDB
/// code such as `49900007`, not an HTTP status) and the trace id.
#[derive(Debug, Clone)]
pub struct ApiError {
    method: Method,
    path: String,
    status: StatusCode,
    code: Option<i64>,
    message: Option<String>,
    details: Vec<serde_json::Value>,
    trace_id: Option<String>,
    retry_after: Option<Duration>,
    ambiguous: bool,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// TiDB's numeric error code.
    pub fn code(&self) -> Option<i64> {
        self.code
    }

    /// The message.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The `details` array (`google.protobuf.Any` objects), as sent.
    pub fn details(&self) -> &[serde_json::Value] {
        &self.details
    }

    /// The `X-Debug-Trace-Id` response header.
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }

    /// How long the server asked to wait (`Retry-After`, or `X-Ratelimit-Reset` on a 429).
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

impl VendorError for ApiError {
    const SERVICE: &'static str = "TiDB Cloud";
    const RESET_HEADER: &'static str = crate::retry::RESET_HEADER;

    /// Read an error response (a non-JSON body becomes the message, shortened).
    fn from_response(
        method: &Method,
        path: &str,
        response: &Incoming,
        retry_after: Option<Duration>,
        ambiguous: bool,
    ) -> ApiError {
        let status: Option<Status> = serde_json::from_slice(&response.body).ok();
        let (code, message, details) = match status {
            Some(s) => (s.code, s.message, s.details.unwrap_or_default()),
            None => (None, Some(snippet(&response.body)).filter(|s| !s.is_empty()), Vec::new()),
        };
        ApiError {
            method: method.clone(),
            path: path.to_owned(),
            status: response.status,
            code,
            message,
            details,
            trace_id: response.request_id.clone(),
            retry_after,
            ambiguous,
        }
    }

    fn status(&self) -> StatusCode {
        ApiError::status(self)
    }

    fn request_id(&self) -> Option<&str> {
        self.trace_id()
    }

    fn retry_after(&self) -> Option<Duration> {
        ApiError::retry_after(self)
    }

    fn is_ambiguous(&self) -> bool {
        self.ambiguous
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} failed: {}", self.method, self.path, self.status.as_u16())?;
        if let Some(code) = self.code {
            write!(f, " (code {code})")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if let Some(id) = &self.trace_id {
            write!(f, " [trace id {id}]")?;
        }
        if self.ambiguous {
            f.write_str(" (the request may have been applied)")?;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct Status {
    code: Option<i64>,
    message: Option<String>,
    details: Option<Vec<serde_json::Value>>,
}

/// The start of a body, as text, for errors whose body is not TiDB's JSON.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
