//! The crate's only retry policy: which failed attempts are repeated, and after how long.
//!
//! - Reads (GET), deletes (DELETE: deleting twice cannot delete two things; a repeat after
//!   success answers 204 while deprovisioning, or 404 once gone) and updates (PATCH: a cluster's
//!   CKUs, a service account's name; setting a value twice is setting it once) are repeated on
//!   connection errors, timeouts, 429 and 500/502/503/504.
//! - Creates (POST: networks, accesses, clusters, service accounts, API keys, role bindings)
//!   are repeated only when the server provably did nothing: the connection was never made, or
//!   it answered 429. After a timeout, a dropped connection or a 5xx the error says
//!   [`Error::is_ambiguous`], and the caller re-lists by natural key — except for an API key,
//!   whose secret only the lost answer carried: the caller deletes what it finds and creates
//!   again.
//! - The wait honours `Retry-After` (on 429 falling back to `X-RateLimit-Reset`, which
//!   Confluent documents as relative seconds) as a minimum, else jittered exponential backoff;
//!   [`linkplan_http::Attempts`] bounds attempts and the overall deadline.
//!
//! The decision table itself is shared with the TiDB Cloud client ([`linkplan_http::retry`],
//! applied by [`linkplan_http::Error::retry`]); what is this crate's is which operations are
//! replay-safe (the [`linkplan_http::Call`] constructor each operation in `resources/` uses)
//! and the reset header above.

/// The vendor's rate-limit reset header (seconds), read on a 429 after `Retry-After`.
pub(crate) const RESET_HEADER: &str = "x-ratelimit-reset";

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use linkplan_http::StatusCode;
    use linkplan_http::header::{HeaderMap, HeaderValue};
    use linkplan_http::retry::retry_after;

    use super::RESET_HEADER;

    #[test]
    fn a_429_without_retry_after_waits_for_the_rate_limit_reset() {
        let mut h = HeaderMap::new();
        h.insert("X-RateLimit-Reset", HeaderValue::from_static("3"));
        assert_eq!(retry_after(StatusCode::TOO_MANY_REQUESTS, &h, RESET_HEADER), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(StatusCode::SERVICE_UNAVAILABLE, &h, RESET_HEADER), None);
    }
}
