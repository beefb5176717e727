//! The crate's one error type; Confluent's `{"errors":[…]}` body stays structured in
//! [`ErrorBody`].

use std::fmt;

use linkplan_http::VendorBody;
use serde::Deserialize;

/// Everything a call can fail with: [`linkplan_http::Error`] over Confluent's [`ErrorBody`]
/// (`is_not_found`, `is_conflict`, `is_retryable`, `is_ambiguous`, `request_id`, …). After a
/// delete completes Confluent may answer 403 rather than 404
/// ([`linkplan_http::Error::is_forbidden`]).
pub type Error = linkplan_http::Error<ErrorBody>;

/// An error response from Confluent Cloud: status, [`ErrorBody`], `X-Request-Id`, requested wait.
pub type ApiError = linkplan_http::ApiError<ErrorBody>;

/// The first entry of Confluent's `errors` array (`id`, `code`, `title`, `detail`, `source`),
/// and how many more there were.
#[derive(Debug, Clone)]
pub struct ErrorBody {
    code: Option<String>,
    title: Option<String>,
    detail: Option<String>,
    error_id: Option<String>,
    source_pointer: Option<String>,
    source_parameter: Option<String>,
    more: usize,
}

impl ErrorBody {
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

    /// How many more entries the `errors` array had.
    pub fn more(&self) -> usize {
        self.more
    }
}

impl VendorBody for ErrorBody {
    const SERVICE: &'static str = "Confluent Cloud";
    const REQUEST_ID: &'static str = "request id";
    const RESET_HEADER: &'static str = crate::retry::RESET_HEADER;

    /// `{"errors":[…]}` with at least one entry.
    fn parse(body: &[u8]) -> Option<ErrorBody> {
        let failure: Failure = serde_json::from_slice(body).ok()?;
        let mut errors = failure.errors.into_iter();
        let first = errors.next()?;
        let (source_pointer, source_parameter) = first.source.map_or((None, None), |s| (s.pointer, s.parameter));
        Some(ErrorBody {
            code: first.code,
            title: first.title,
            detail: first.detail,
            error_id: first.id,
            source_pointer,
            source_parameter,
            more: errors.count(),
        })
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(text) = self.detail.as_ref().or(self.title.as_ref()) {
            write!(f, ": {text}")?;
        }
        if let Some(p) = self.source_pointer.as_ref().or(self.source_parameter.as_ref()) {
            write!(f, " (at {p})")?;
        }
        if self.more > 0 {
            write!(f, " (and {} more)", self.more)?;
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
