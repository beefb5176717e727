//! The crate's one error type; Confluent's `{"errors":[…]}` body stays structured in [`ApiError`].

use std::fmt;
use std::time::Duration;

use linkplan_http::{Incoming, Method, StatusCode, VendorError};
use serde::Deserialize;

/// Everything a call can fail with: [`linkplan_http::Error`] over Confluent's [`ApiError`]
/// (`is_not_found`, `is_conflict`, `is_retryable`, `is_ambiguous`, `request_id`, …). After a
/// delete completes Confluent may answer 403 rather than 404 ([`linkplan_http::Error::is_forbidden`]).
pub type Error = linkplan_http::Error<ApiError>;

/// An error response from Confluent Cloud: the status, the first entry of the `errors` array
/// (`code`, `title`, `detail`, `source`), and the request id.
#[derive(Debug, Clone)]
pub struct ApiError {
    method: Method,
    path: String,
    status: StatusCode,
    code: Option<String>,
    title: Option<String>,
    detail: Option<String>,
    error_id: Option<String>,
    source_pointer: Option<String>,
    source_parameter: Option<String>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    more: usize,
    ambiguous: bool,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Confluent's error code, e.g. `resource_already_exists`, `invalid_configuration`.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The short title, e.g. `Not Found`.
    pub fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The human explanation.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The JSON pointer into the request body the error is about (`source.pointer`).
    pub fn source_pointer(&self) -> Option<&str> {
        self.source_pointer.as_deref()
    }

    /// The query parameter the error is about (`source.parameter`).
    pub fn source_parameter(&self) -> Option<&str> {
        self.source_parameter.as_deref()
    }

    /// The error's own id (`errors[0].id`).
    pub fn error_id(&self) -> Option<&str> {
        self.error_id.as_deref()
    }

    /// The `X-Request-Id` response header.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// How long the server asked to wait (`Retry-After`, or `X-RateLimit-Reset` on a 429).
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
    const SERVICE: &'static str = "Confluent Cloud";
    const RESET_HEADER: &'static str = crate::retry::RESET_HEADER;

    /// Read an error response (any body: a non-JSON body becomes the detail, shortened).
    fn from_response(
        method: &Method,
        path: &str,
        response: &Incoming,
        retry_after: Option<Duration>,
        ambiguous: bool,
    ) -> ApiError {
        let failure: Option<Failure> = serde_json::from_slice(&response.body).ok();
        let mut errors = failure.map(|f| f.errors).unwrap_or_default().into_iter();
        let first = errors.next();
        let detail = match &first {
            Some(e) => e.detail.clone(),
            None => Some(snippet(&response.body)).filter(|s| !s.is_empty()),
        };
        let (code, title, error_id, pointer, parameter) = match first {
            Some(e) => {
                let (pointer, parameter) = e.source.map_or((None, None), |s| (s.pointer, s.parameter));
                (e.code, e.title, e.id, pointer, parameter)
            }
            None => (None, None, None, None, None),
        };
        ApiError {
            method: method.clone(),
            path: path.to_owned(),
            status: response.status,
            code,
            title,
            detail,
            error_id,
            source_pointer: pointer,
            source_parameter: parameter,
            request_id: response.request_id.clone(),
            retry_after,
            more: errors.count(),
            ambiguous,
        }
    }

    fn status(&self) -> StatusCode {
        ApiError::status(self)
    }

    fn request_id(&self) -> Option<&str> {
        ApiError::request_id(self)
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
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        match (&self.detail, &self.title) {
            (Some(d), _) => write!(f, ": {d}")?,
            (None, Some(t)) => write!(f, ": {t}")?,
            (None, None) => {}
        }
        if let Some(p) = self.source_pointer.as_ref().or(self.source_parameter.as_ref()) {
            write!(f, " (at {p})")?;
        }
        if self.more > 0 {
            write!(f, " (and {} more)", self.more)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        if self.ambiguous {
            f.write_str(" (the request may have been applied)")?;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct Failure {
    #[serde(default)]
    errors: Vec<FailureItem>,
}

#[derive(Deserialize)]
struct FailureItem {
    id: Option<String>,
    code: Option<String>,
    title: Option<String>,
    detail: Option<String>,
    source: Option<FailureSource>,
}

#[derive(Deserialize)]
struct FailureSource {
    pointer: Option<String>,
    parameter: Option<String>,
}

/// The start of a body, as text, for errors whose body is not Confluent's JSON.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
