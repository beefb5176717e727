//! The crate's one error type; TiDB Cloud's `{code, message, details}` body stays structured in
//! [`ApiError`].

use std::fmt;
use std::time::Duration;

use linkplan_http::{ConfigError, Incoming, Method, StatusCode, TransportError};
use serde::Deserialize;

/// Everything a call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// TiDB Cloud answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// No complete response arrived (connect error, timeout, broken connection).
    #[error("no response from TiDB Cloud{}", if *ambiguous { " (the request may have been applied)" } else { "" })]
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
        /// Where in the body (a serde path such as `privateLinkConnections[2].state`).
        at: String,
        /// TiDB's `X-Debug-Trace-Id`.
        trace_id: Option<String>,
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
    #[error("could not encode the request body for {path}")]
    Encode {
        /// The path.
        path: String,
        /// The encoder's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// The client is misconfigured.
    #[error("invalid TiDB Cloud client configuration")]
    Config(#[from] ConfigError),
}

impl Error {
    /// The vendor error, if TiDB Cloud answered with one.
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

    /// 404: the cluster, connection or attachment does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// 409: it already exists (say, the same domains attached twice).
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(StatusCode::CONFLICT)
    }

    /// 401: the key pair was refused (after answering the Digest challenge).
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED)
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

    /// A create (or attach) that failed in a way that may have applied it anyway (a timeout, a
    /// dropped connection or a 5xx after the request was sent). Look it up by natural key (the
    /// `find` helpers) before sending it again.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Error::Api(api) => api.ambiguous,
            Error::Transport { ambiguous, .. } | Error::Decode { ambiguous, .. } => *ambiguous,
            _ => false,
        }
    }

    /// TiDB's `X-Debug-Trace-Id`, to quote to support.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.trace_id(),
            Error::Decode { trace_id, .. } => trace_id.as_deref(),
            _ => None,
        }
    }
}

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
    pub(crate) ambiguous: bool,
}

impl ApiError {
    /// Read an error response (a non-JSON body becomes the message, shortened).
    pub(crate) fn from_response(
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

    /// 429 or 500/502/503/504.
    pub(crate) fn is_transient(&self) -> bool {
        matches!(self.status.as_u16(), 429 | 500 | 502 | 503 | 504)
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
