//! The one error type both clients answer with, [`Error`], generic over the vendor's own
//! decoded error response ([`VendorError`]): `linkplan_confluent::Error` is
//! `Error<linkplan_confluent::ApiError>`, `linkplan_tidbcloud::Error` is
//! `Error<linkplan_tidbcloud::ApiError>`. What differs between the vendors (the error body, the
//! request-id header, the rate-limit reset header) lives in the vendor's `ApiError`; what the
//! callers ask of a failure (not found? conflict? retryable? ambiguous?) is answered here once.

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode};

use crate::config::ConfigError;
use crate::retry::{Replay, Retry, for_status, for_transport};
use crate::transport::{Incoming, TransportError};

/// A vendor's error response, decoded the vendor's way.
pub trait VendorError: fmt::Display + fmt::Debug + Send + Sync + Sized + 'static {
    /// The service's name in messages, e.g. `Confluent Cloud`.
    const SERVICE: &'static str;
    /// The vendor's rate-limit reset header (seconds), read on a 429 without a usable
    /// `Retry-After`.
    const RESET_HEADER: &'static str;

    /// Read a non-2xx response (any body: a body that is not the vendor's JSON is kept as text).
    /// `retry_after` is the server's requested wait; `ambiguous`: a create that may have
    /// happened.
    fn from_response(
        method: &Method,
        path: &str,
        response: &Incoming,
        retry_after: Option<Duration>,
        ambiguous: bool,
    ) -> Self;

    /// The HTTP status.
    fn status(&self) -> StatusCode;

    /// The vendor's request or trace id, to quote to support.
    fn request_id(&self) -> Option<&str>;

    /// How long the server asked to wait.
    fn retry_after(&self) -> Option<Duration>;

    /// A create that failed after it may have been applied (a 5xx).
    fn is_ambiguous(&self) -> bool;
}

/// Everything a call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<A: VendorError> {
    /// The service answered with an error status.
    #[error("{0}")]
    Api(Box<A>),
    /// No complete response arrived (connect error, timeout, broken connection).
    #[error("no response from {}{}", A::SERVICE, if *ambiguous { " (the request may have been applied)" } else { "" })]
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
    #[error("invalid {} client configuration", A::SERVICE)]
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

impl<A: VendorError> Error<A> {
    /// The vendor error, if the service answered with one.
    pub fn api(&self) -> Option<&A> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// The HTTP status, if a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        self.api().map(A::status)
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
            Error::Api(api) => matches!(api.status().as_u16(), 429 | 500 | 502 | 503 | 504),
            Error::Transport { source, .. } => source.is_transient(),
            _ => false,
        }
    }

    /// A create (or attach) that failed in a way that may have applied it anyway (a timeout, a
    /// dropped connection or a 5xx after the request was sent). Look it up by natural key (the
    /// clients' `find` helpers) before sending it again.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Error::Api(api) => api.is_ambiguous(),
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
            Error::Api(api) => for_status(api.status(), api.retry_after(), replay),
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

    /// A vendor whose error body is ignored: enough to drive the shared decisions.
    #[derive(Debug)]
    struct Plain {
        status: StatusCode,
        retry_after: Option<Duration>,
        ambiguous: bool,
    }

    impl fmt::Display for Plain {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{}", self.status)
        }
    }

    impl VendorError for Plain {
        const SERVICE: &'static str = "Plain Cloud";
        const RESET_HEADER: &'static str = "x-ratelimit-reset";

        fn from_response(_: &Method, _: &str, r: &Incoming, retry_after: Option<Duration>, ambiguous: bool) -> Plain {
            Plain { status: r.status, retry_after, ambiguous }
        }

        fn status(&self) -> StatusCode {
            self.status
        }

        fn request_id(&self) -> Option<&str> {
            None
        }

        fn retry_after(&self) -> Option<Duration> {
            self.retry_after
        }

        fn is_ambiguous(&self) -> bool {
            self.ambiguous
        }
    }

    fn api(status: u16, headers: &[(&'static str, &'static str)], replay: Replay) -> Error<Plain> {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_static(v));
        }
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT);
        let response = Incoming { status, headers: map, body: Default::default(), request_id: None };
        let after = retry_after(status, &response.headers, Plain::RESET_HEADER);
        let ambiguous = ambiguous_status(status, replay);
        Error::Api(Box::new(Plain::from_response(&Method::GET, "/x", &response, after, ambiguous)))
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
}
