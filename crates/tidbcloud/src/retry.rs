//! The crate's only retry policy: which failed attempts are repeated, and after how long.
//!
//! - Idempotent calls are repeated on connection errors, timeouts, 429 and 500/502/503/504:
//!   GETs; DELETE (deleting twice cannot delete two things: a repeat answers the DELETING
//!   connection or 404); `:detachDomains` (removes by id, cannot add anything); and
//!   `:attachDomains` with `validateOnly: true` (changes nothing).
//! - Creates (`POST …/privateLinkConnections`, `:attachDomains`) are repeated only when the
//!   server provably did nothing: the connection was never made, or it answered 429. After a
//!   timeout, a dropped connection or a 5xx the error says [`Error::is_ambiguous`], and the
//!   caller looks the object up by natural key.
//! - A Digest 401 is not a retry: `auth.rs` answers the challenge inside one attempt.
//! - The wait honours `Retry-After` (on 429 falling back to `X-Ratelimit-Reset`, seconds until
//!   the per-minute window resets) as a minimum, else jittered exponential backoff;
//!   [`linkplan_http::Attempts`] bounds attempts and the overall deadline.

use std::time::Duration;

use linkplan_http::Retry;
pub(crate) use linkplan_http::retry::Replay;
use linkplan_http::retry::{for_status, for_transport};

use linkplan_http::call::CallError;
use linkplan_http::{Incoming, Method, TransportError};

use crate::error::{ApiError, Error};

/// Whether (and when) to repeat an attempt that failed with `error`.
pub(crate) fn classify(error: &Error, replay: Replay) -> Retry {
    match error {
        Error::Api(api) => for_status(api.status(), api.retry_after(), replay),
        Error::Transport { source, .. } => for_transport(source.is_transient(), source.maybe_sent(), replay),
        _ => Retry::Never,
    }
}

/// The vendor's rate-limit reset header (seconds), read on a 429 after `Retry-After`.
const RESET_HEADER: &str = "x-ratelimit-reset";

/// The server's requested wait for an error response, as the retry loop reads it.
#[cfg(test)]
pub(crate) fn retry_after(
    status: linkplan_http::StatusCode,
    headers: &linkplan_http::header::HeaderMap,
) -> Option<Duration> {
    linkplan_http::retry::retry_after(status, headers, RESET_HEADER)
}

impl CallError for Error {
    const RESET_HEADER: &'static str = RESET_HEADER;

    fn api(method: &Method, path: &str, response: &Incoming, retry_after: Option<Duration>, ambiguous: bool) -> Error {
        Error::Api(Box::new(ApiError::from_response(method, path, response, retry_after, ambiguous)))
    }

    fn transport(source: TransportError, ambiguous: bool) -> Error {
        Error::Transport { ambiguous, source }
    }

    fn retry(&self, replay: Replay) -> Retry {
        classify(self, replay)
    }
}

#[cfg(test)]
mod tests {
    use linkplan_http::header::HeaderValue;
    use linkplan_http::{Incoming, Method};

    use linkplan_http::StatusCode;
    use linkplan_http::header::HeaderMap;
    use linkplan_http::retry::ambiguous_status;

    use super::*;
    use crate::error::ApiError;

    fn api(status: u16, headers: &[(&'static str, &'static str)]) -> Error {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_static(v));
        }
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT);
        let response = Incoming { status, headers: map, body: Default::default(), request_id: None };
        let after = retry_after(status, &response.headers);
        Error::Api(Box::new(ApiError::from_response(&Method::GET, "/x", &response, after, false)))
    }

    #[test]
    fn statuses() {
        let secs = |s| Retry::After(Duration::from_secs(s));
        assert_eq!(classify(&api(429, &[("retry-after", "7")]), Replay::Unsafe), secs(7));
        assert_eq!(classify(&api(429, &[("x-ratelimit-reset", "3")]), Replay::Safe), secs(3));
        assert_eq!(classify(&api(429, &[]), Replay::Safe), Retry::Backoff);
        assert_eq!(classify(&api(503, &[("retry-after", "2"), ("x-ratelimit-reset", "9")]), Replay::Safe), secs(2));
        assert_eq!(classify(&api(503, &[("x-ratelimit-reset", "9")]), Replay::Safe), Retry::Backoff);
        for s in [500, 502, 504] {
            assert_eq!(classify(&api(s, &[]), Replay::Safe), Retry::Backoff, "{s}");
            assert_eq!(classify(&api(s, &[]), Replay::Unsafe), Retry::Never, "{s}");
        }
        for s in [400, 401, 403, 404, 409, 422, 501] {
            assert_eq!(classify(&api(s, &[]), Replay::Safe), Retry::Never, "{s}");
        }
    }

    #[test]
    fn ambiguity() {
        assert!(ambiguous_status(StatusCode::BAD_GATEWAY, Replay::Unsafe));
        assert!(!ambiguous_status(StatusCode::BAD_GATEWAY, Replay::Safe));
        assert!(!ambiguous_status(StatusCode::TOO_MANY_REQUESTS, Replay::Unsafe));
    }
}
