//! The crate's one error type; TiDB Cloud's `{code, message, details}` body stays structured in
//! [`ErrorBody`].

use std::fmt;

use linkplan_http::VendorBody;
use serde::Deserialize;

/// Everything a call can fail with: [`linkplan_http::Error`] over TiDB Cloud's [`ErrorBody`]
/// (`is_not_found`, `is_conflict`, `is_retryable`, `is_ambiguous`, `request_id` (the trace id),
/// …).
pub type Error = linkplan_http::Error<ErrorBody>;

/// An error response from TiDB Cloud: status, [`ErrorBody`], `X-Debug-Trace-Id` (as
/// `request_id`), requested wait.
pub type ApiError = linkplan_http::ApiError<ErrorBody>;

/// TiDB Cloud's google.rpc.Status error body: `code` is a TiDB code such as `49900007`, not an
/// HTTP status.
#[derive(Debug, Clone)]
pub struct ErrorBody {
    code: Option<i64>,
    message: Option<String>,
    details: Vec<serde_json::Value>,
}

impl ErrorBody {
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
}

impl VendorBody for ErrorBody {
    const SERVICE: &'static str = "TiDB Cloud";
    const REQUEST_ID: &'static str = "trace id";
    const RESET_HEADER: &'static str = crate::retry::RESET_HEADER;

    /// `{code, message, details}` with a code or a message.
    fn parse(body: &[u8]) -> Option<ErrorBody> {
        let status: Status = serde_json::from_slice(body).ok()?;
        if status.code.is_none() && status.message.is_none() {
            return None;
        }
        Some(ErrorBody { code: status.code, message: status.message, details: status.details.unwrap_or_default() })
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = self.code {
            write!(f, " (code {code})")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
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
