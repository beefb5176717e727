//! One logical API call: a [`Call`] (method, target, body, and whether it may be replayed),
//! sent by [`run`] as attempts under the [`RetryPolicy`], each failure turned into the client's
//! [`Error`] and judged by [`Error::retry`]. Both clients' `send` is this loop around their own
//! authentication (Basic: one request an attempt; Digest: one, or two after a fresh challenge).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, EncodeError, Error, VendorBody};
use crate::retry::{Attempts, Replay, RetryPolicy, ambiguous_status, retry_after};
use crate::timer::Timer;
use crate::transport::{Incoming, TransportError};

/// One logical API call (its attempts share the body and the retry budget).
#[derive(Debug)]
pub struct Call {
    /// The method.
    pub method: Method,
    /// Path and query.
    pub target: String,
    /// The JSON body, encoded once.
    pub body: Option<Vec<u8>>,
    /// Whether an attempt that may have reached the server can be sent again.
    pub replay: Replay,
}

impl Call {
    /// A read: always safe to repeat.
    pub fn get(target: String) -> Call {
        Call { method: Method::GET, target, body: None, replay: Replay::Safe }
    }

    /// A delete: safe to repeat (deleting twice cannot delete two things).
    pub fn delete(target: String) -> Call {
        Call { method: Method::DELETE, target, body: None, replay: Replay::Safe }
    }

    /// A create: never replayed once it may have reached the server.
    pub fn create(target: String, body: &impl Serialize) -> Result<Call, EncodeError> {
        Call::post(target, body, Replay::Unsafe)
    }

    /// A POST that changes nothing, or removes by id (a validate-only attach, a detach).
    pub fn post_idempotent(target: String, body: &impl Serialize) -> Result<Call, EncodeError> {
        Call::post(target, body, Replay::Safe)
    }

    fn post(target: String, body: &impl Serialize, replay: Replay) -> Result<Call, EncodeError> {
        match serde_json::to_vec(body) {
            Ok(body) => Ok(Call { method: Method::POST, target, body: Some(body), replay }),
            Err(source) => Err(EncodeError { path: target, source }),
        }
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(self.target.as_str(), |(p, _)| p)
    }

    /// A [`Error::Protocol`] about this call's answer.
    pub fn protocol<B: VendorBody>(&self, reason: impl Into<String>) -> Error<B> {
        Error::Protocol { method: self.method.clone(), path: self.path().to_owned(), reason: reason.into() }
    }
}

/// Decode a success body, reporting where it failed to match (a create's body that does not
/// decode still means the object exists: the error says so).
pub fn decode<T: DeserializeOwned, B: VendorBody>(call: &Call, response: &Incoming) -> Result<T, Error<B>> {
    let mut de = serde_json::Deserializer::from_slice(&response.body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| Error::Decode {
        ambiguous: call.replay == Replay::Unsafe,
        method: call.method.clone(),
        path: call.path().to_owned(),
        at: e.path().to_string(),
        request_id: response.request_id.clone(),
        source: e.into_inner(),
    })
}

/// The fixed parts of one call.
#[derive(Debug, Clone, Copy)]
pub struct CallSpec<'a> {
    /// `"confluent"` or `"tidbcloud"`, for logs.
    pub vendor: &'static str,
    /// The call.
    pub call: &'a Call,
    /// Attempts, backoff and the overall deadline.
    pub policy: RetryPolicy,
    /// The per-request timeout (shortened to what is left of the policy's deadline).
    pub timeout: Duration,
    /// The clock of the deadline and of the waits between attempts.
    pub timer: &'a Arc<dyn Timer>,
}

/// Runs `attempt(number, timeout)` until it gets a 2xx answer or the policy says stop; the last
/// failure is returned as the client's error. Sleeps between attempts on the spec's [`Timer`]
/// (tokio's unless a test passes a simulated one; these are a single call's retries, a minute at
/// most for a rate-limit reset; waiting for resources is the engine's business).
pub async fn run<B, F, Fut>(spec: CallSpec<'_>, mut attempt: F) -> Result<Incoming, Error<B>>
where
    B: VendorBody,
    F: FnMut(u32, Duration) -> Fut,
    Fut: Future<Output = Result<Incoming, TransportError>>,
{
    let (method, path, replay) = (&spec.call.method, spec.call.path(), spec.call.replay);
    let mut attempts = Attempts::start_on(spec.policy, Arc::clone(spec.timer));
    loop {
        let number = attempts.begin();
        let error = match attempt(number, attempts.timeout(spec.timeout)).await {
            Ok(response) if response.status.is_success() => return Ok(response),
            Ok(response) => {
                let after = retry_after(response.status, &response.headers, B::RESET_HEADER);
                let ambiguous = ambiguous_status(response.status, replay);
                Error::Api(Box::new(ApiError::from_response(method, path, &response, after, ambiguous)))
            }
            Err(source) => {
                let ambiguous = replay == Replay::Unsafe && source.maybe_sent();
                Error::Transport { ambiguous, source }
            }
        };
        match attempts.next_delay(error.retry(replay)) {
            Some(delay) => {
                // Info, not debug: `-v` shows the retries without every request.
                tracing::info!(
                    target: "linkplan::http",
                    vendor = spec.vendor,
                    attempt = number,
                    delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "{} {} will be retried: {error}",
                    method,
                    path,
                );
                spec.timer.sleep(delay).await;
            }
            None => return Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use reqwest::StatusCode;
    use reqwest::header::{HeaderMap, HeaderValue};

    use super::{Call, CallSpec, run};
    use crate::error::VendorBody;
    use crate::retry::RetryPolicy;
    use crate::timer::{Stepped, Timer};
    use crate::transport::{Incoming, TransportError};

    /// A vendor with no error body of its own.
    #[derive(Debug)]
    struct Bare;

    impl VendorBody for Bare {
        const SERVICE: &'static str = "Bare Cloud";
        const REQUEST_ID: &'static str = "request id";
        const RESET_HEADER: &'static str = "x-ratelimit-reset";

        fn parse(_: &[u8]) -> Option<Bare> {
            None
        }

        fn describe(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            Ok(())
        }
    }

    #[test]
    fn a_rate_limit_reset_is_waited_out_on_the_calls_timer() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build();
        runtime.expect("a runtime").block_on(reset_waited_out());
    }

    async fn reset_waited_out() {
        let stepped = Arc::new(Stepped::default());
        let timer: Arc<dyn Timer> = stepped.clone();
        let call = Call::get("/x".to_owned());
        let policy = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
            deadline: Duration::from_secs(120),
        };
        let spec = CallSpec { vendor: "bare", call: &call, policy, timeout: Duration::from_secs(1), timer: &timer };
        let mut statuses = vec![StatusCode::OK, StatusCode::TOO_MANY_REQUESTS];
        let started = Instant::now();
        let answer =
            run::<Bare, _, _>(spec, |_, _| {
                let status = statuses.pop().unwrap_or(StatusCode::OK);
                let mut headers = HeaderMap::new();
                headers.insert("x-ratelimit-reset", HeaderValue::from_static("60"));
                async move {
                    Ok::<_, TransportError>(Incoming { status, headers, body: Vec::new().into(), request_id: None })
                }
            })
            .await;
        assert!(answer.is_ok_and(|r| r.status == StatusCode::OK), "the attempt after the 429 succeeds");
        assert!(stepped.now() >= Duration::from_secs(60), "waited {:?} on the timer", stepped.now());
        assert!(started.elapsed() < Duration::from_secs(5), "not on the wall clock: {:?}", started.elapsed());
    }
}
