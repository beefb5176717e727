//! The crate's one error type; Confluent's `{"errors":[…]}` body stays structured in [`ApiError`].

use std::fmt;
use std::time::Duration;

use linkplan_http::{ConfigError, Incoming, Method, StatusCode, TransportError};
use serde::Deserialize;

/// Everything a call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Confluent Cloud answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// No complete response arrived (connect error, timeout, broken connection).
    #[error("no response from Confluent Cloud{}", if *ambiguous { " (the request may have been applied)" } else { "" })]
    Transport {
        /// A create that may have reached the server: re-list by natural key before repeating.
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
        /// Confluent's `X-Request-Id`.
        request_id: Option<String>,
        /// The decoder's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The server broke the protocol in another way (say, a page link that does not advance).
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
    #[error("could not encode the request body for {path}")]
    Encode {
        /// The path.
        path: String,
        /// The encoder's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The client is misconfigured.
    #[error("invalid Confluent Cloud client configuration")]
    Config(#[from] ConfigError),
}

impl Error {
    /// The vendor error, if Confluent answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The HTTP status, if a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        self.api().map(ApiError::status)
    }

    /// 404: the resource does not exist (after a DELETE completes Confluent may also answer
    /// 403; see [`Error::is_forbidden`]).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// 409: it already exists (a second PrivateLink access for the same account and network) or
    /// is in use.
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(StatusCode::CONFLICT)
    }

    /// 401: the API key or secret is wrong, or not a Cloud API key.
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
            Error::Api(api) => api.is_transient(),
            Error::Transport { source, .. } => source.is_transient(),
            _ => false,
        }
    }

    /// A create that failed in a way that may have created the resource anyway (a timeout, a
    /// dropped connection or a 5xx after the request was sent). Re-list by natural key (the
    /// `find` helpers) before creating again.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Error::Api(api) => api.ambiguous,
            Error::Transport { ambiguous, .. } | Error::Decode { ambiguous, .. } => *ambiguous,
            _ => false,
        }
    }

    /// Confluent's `X-Request-Id`, to quote to support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.request_id(),
            Error::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
}

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
    pub(crate) ambiguous: bool,
}

impl ApiError {
    /// Read an error response (any body: a non-JSON body becomes the detail, shortened).
    pub(crate) fn from_response(
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

    /// 429 or 500/502/503/504.
    pub(crate) fn is_transient(&self) -> bool {
        matches!(self.status.as_u16(), 429 | 500 | 502 | 503 | 504)
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
