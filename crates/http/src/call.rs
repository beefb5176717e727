//! One logical API call: attempts under the [`RetryPolicy`], each failure turned into the
//! client's own error and judged by it. Both clients' `send` is this loop around their own
//! authentication (Basic: one request an attempt; Digest: one, or two after a fresh challenge).

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use reqwest::Method;

use crate::retry::{Attempts, Replay, Retry, RetryPolicy, ambiguous_status, retry_after};
use crate::transport::{Incoming, TransportError};

/// What a client's error type must offer the loop.
pub trait CallError: Display + Sized {
    /// The vendor's rate-limit reset header, read when a 429 has no usable `Retry-After`.
    const RESET_HEADER: &'static str;

    /// A non-2xx answer (`ambiguous`: a create that may have happened, see
    /// [`ambiguous_status`]).
    fn api(method: &Method, path: &str, response: &Incoming, retry_after: Option<Duration>, ambiguous: bool) -> Self;

    /// No answer (`ambiguous`: a create that may have reached the server).
    fn transport(source: TransportError, ambiguous: bool) -> Self;

    /// Whether and when to try again.
    fn retry(&self, replay: Replay) -> Retry;
}

/// The fixed parts of one call.
#[derive(Debug, Clone, Copy)]
pub struct CallSpec<'a> {
    /// `"confluent"` or `"tidbcloud"`, for logs.
    pub vendor: &'static str,
    pub method: &'a Method,
    /// The path, without the query (for errors and logs).
    pub path: &'a str,
    pub replay: Replay,
    pub policy: RetryPolicy,
    /// The per-request timeout (shortened to what is left of the policy's deadline).
    pub timeout: Duration,
}

/// Runs `attempt(number, timeout)` until it gets a 2xx answer or the policy says stop; the last
/// failure is returned as the client's error. Sleeps between attempts with tokio's timer (these
/// are a single call's retries, seconds at most; waiting for resources is the engine's business).
pub async fn run<E, F, Fut>(spec: CallSpec<'_>, mut attempt: F) -> Result<Incoming, E>
where
    E: CallError,
    F: FnMut(u32, Duration) -> Fut,
    Fut: Future<Output = Result<Incoming, TransportError>>,
{
    let mut attempts = Attempts::start(spec.policy);
    loop {
        let number = attempts.begin();
        let error = match attempt(number, attempts.timeout(spec.timeout)).await {
            Ok(response) if response.status.is_success() => return Ok(response),
            Ok(response) => {
                let after = retry_after(response.status, &response.headers, E::RESET_HEADER);
                let ambiguous = ambiguous_status(response.status, spec.replay);
                E::api(spec.method, spec.path, &response, after, ambiguous)
            }
            Err(source) => {
                let ambiguous = spec.replay == Replay::Unsafe && source.maybe_sent();
                E::transport(source, ambiguous)
            }
        };
        match attempts.next_delay(error.retry(spec.replay)) {
            Some(delay) => {
                // Info, not debug: `-v` shows the retries without every request.
                tracing::info!(
                    target: "linkplan::http",
                    vendor = spec.vendor,
                    attempt = number,
                    delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "{} {} will be retried: {error}",
                    spec.method,
                    spec.path,
                );
                tokio::time::sleep(delay).await;
            }
            None => return Err(error),
        }
    }
}
