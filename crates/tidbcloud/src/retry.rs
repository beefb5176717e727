//! The crate's only retry policy: which failed attempts are repeated, and after how long.
//!
//! - Idempotent calls are repeated on connection errors, timeouts, 429 and 500/502/503/504:
//!   GETs; DELETE (deleting twice cannot delete two things: a repeat answers the DELETING
//!   connection or 404); `:detachDomains` (removes by id, cannot add anything);
//!   `:attachDomains` with `validateOnly: true` (changes nothing); and for changefeeds `:test`
//!   and `:describeSchemaTable` (change nothing), `:start` / `:stop` and the PATCH edit (they
//!   set a state or values: twice is the same as once, and none can make a second changefeed).
//! - Creates (`POST …/privateLinkConnections`, `:attachDomains`, `POST …/changefeeds`) are
//!   repeated only when the server provably did nothing: the connection was never made, or it
//!   answered 429. After a timeout, a dropped connection or a 5xx the error says
//!   [`Error::is_ambiguous`], and the caller looks the object up by natural key (a changefeed by
//!   its display name).
//! - A Digest 401 is not a retry: `auth.rs` answers the challenge inside one attempt.
//! - The wait honours `Retry-After` (on 429 falling back to `X-Ratelimit-Reset`, seconds until
//!   the per-minute window resets) as a minimum, else jittered exponential backoff;
//!   [`linkplan_http::Attempts`] bounds attempts and the overall deadline.
//!
//! The decision table itself is shared with the Confluent client ([`linkplan_http::retry`],
//! applied by [`linkplan_http::Error::retry`]); what is this crate's is which operations are
//! replay-safe (the [`linkplan_http::Call`] constructor each operation in `resources/` uses)
//! and the reset header above.

/// The vendor's rate-limit reset header (seconds until the per-minute window resets), read on
/// a 429 after `Retry-After`.
pub(crate) const RESET_HEADER: &str = "x-ratelimit-reset";

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use linkplan_http::StatusCode;
    use linkplan_http::header::{HeaderMap, HeaderValue};
    use linkplan_http::retry::retry_after;

    use super::RESET_HEADER;

    #[test]
    fn a_429_without_retry_after_waits_for_the_window_to_reset() {
        let mut h = HeaderMap::new();
        h.insert("X-Ratelimit-Reset", HeaderValue::from_static("41"));
        assert_eq!(retry_after(StatusCode::TOO_MANY_REQUESTS, &h, RESET_HEADER), Some(Duration::from_secs(41)));
        h.insert("Retry-After", HeaderValue::from_static("2"));
        assert_eq!(retry_after(StatusCode::TOO_MANY_REQUESTS, &h, RESET_HEADER), Some(Duration::from_secs(2)));
    }
}
