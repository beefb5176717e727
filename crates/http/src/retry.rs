//! Backoff mechanics shared by the clients: the policy, jittered delays, one call's attempt budget.
//!
//! *Which* calls are safe to replay is vendor policy and lives in each client crate's `retry.rs`;
//! this module holds the decision table both vendors share ([`for_status`], [`for_transport`],
//! [`ambiguous_status`]) and turns a decision into a delay, or into giving up.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

use crate::timer::{Timer, TokioTimer};

/// How hard one call tries: attempts, capped exponential backoff with jitter, overall deadline.
/// Every value is valid (`max_attempts` 0 counts as 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most attempts per call, the first one included (1: never retry).
    pub max_attempts: u32,
    /// The first backoff; it doubles with each retry.
    pub base_delay: Duration,
    /// The largest backoff, before jitter.
    pub max_delay: Duration,
    /// The whole call, waits and retries included, ends by then: a retry that would start later
    /// is not made, and the last error is returned.
    pub deadline: Duration,
}

impl RetryPolicy {
    /// 5 attempts, 1 s doubling to at most 30 s, within 2 minutes (the Terraform providers use
    /// 4 retries from 1 s to 30 s).
    pub const fn standard() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            deadline: Duration::from_secs(120),
        }
    }

    /// One attempt, no retries.
    pub const fn none() -> RetryPolicy {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::standard() }
    }

    /// The wait before retry number `retry` (1 = the first retry): uniformly random in
    /// `[d/2, d]` where `d = min(max_delay, base_delay · 2^(retry−1))`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(30);
        let full = self.base_delay.saturating_mul(1 << doublings).min(self.max_delay);
        let half = full / 2;
        half + half.mul_f64(unit_random())
    }
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy::standard()
    }
}

/// A vendor classifier's verdict on a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Do not repeat the request.
    Never,
    /// Repeat after the policy's backoff.
    Backoff,
    /// Repeat after at least this long (the server said so: `Retry-After` or a reset header).
    After(Duration),
}

/// Whether a request may be sent again after it possibly reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    /// Idempotent (GET, DELETE, and what each vendor's policy adds).
    Safe,
    /// A create: never replayed after an ambiguous failure.
    Unsafe,
}

/// The verdict for an error response: 429 is always repeated (the server did nothing);
/// 500/502/503/504 only when the call is safe to replay; anything else never.
pub fn for_status(status: reqwest::StatusCode, retry_after: Option<Duration>, replay: Replay) -> Retry {
    let after = || retry_after.map_or(Retry::Backoff, Retry::After);
    match status {
        reqwest::StatusCode::TOO_MANY_REQUESTS => after(),
        s if transient_status(s) && replay == Replay::Safe => after(),
        _ => Retry::Never,
    }
}

/// The statuses after which the same call may succeed later: 429 and 500/502/503/504.
pub fn transient_status(status: reqwest::StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// The verdict for a transport failure: transient ones are repeated when the call is safe to
/// replay, or when the request provably never left.
pub fn for_transport(transient: bool, maybe_sent: bool, replay: Replay) -> Retry {
    if transient && (replay == Replay::Safe || !maybe_sent) { Retry::Backoff } else { Retry::Never }
}

/// The server's requested wait for an error response: `Retry-After` (seconds or an HTTP-date,
/// see [`retry_after_header`]), or on 429 the vendor's rate-limit `reset_header` (seconds).
///
/// An HTTP-date is the server's clock, so it is measured from the response's own `Date` header
/// when there is one (a client clock minutes off would otherwise wait minutes too long, or not
/// at all); from this machine's clock only when the server sent no usable `Date`.
pub fn retry_after(status: reqwest::StatusCode, headers: &HeaderMap, reset_header: &str) -> Option<Duration> {
    let server_now = headers
        .get(reqwest::header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v.trim()).ok());
    let header = retry_after_header(headers, server_now.unwrap_or_else(SystemTime::now));
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        header.or_else(|| seconds_header(headers, reset_header))
    } else {
        header
    }
}

/// Whether a failed create may have created the resource.
pub fn ambiguous_status(status: reqwest::StatusCode, replay: Replay) -> bool {
    replay == Replay::Unsafe && status.is_server_error()
}

/// The attempt budget of one call, measured on a [`Timer`].
#[derive(Debug)]
pub struct Attempts {
    policy: RetryPolicy,
    timer: Arc<dyn Timer>,
    started: Duration,
    made: u32,
}

impl Attempts {
    /// Start the clock for a call, on the real clock.
    pub fn start(policy: RetryPolicy) -> Attempts {
        Attempts::start_on(policy, Arc::new(TokioTimer::new()))
    }

    /// Start the clock for a call, on `timer` (whose sleeps the caller waits with).
    pub fn start_on(policy: RetryPolicy, timer: Arc<dyn Timer>) -> Attempts {
        let started = timer.now();
        Attempts { policy, timer, started, made: 0 }
    }

    /// Count an attempt; returns its number (1 for the first).
    pub fn begin(&mut self) -> u32 {
        self.made = self.made.saturating_add(1);
        self.made
    }

    /// Attempts made so far.
    pub fn made(&self) -> u32 {
        self.made
    }

    /// Time since the call started.
    pub fn elapsed(&self) -> Duration {
        self.timer.now().saturating_sub(self.started)
    }

    /// The timeout for the next attempt: `per_request`, cut to the time left before the
    /// deadline (but never below 10 ms, so a late attempt can still be answered).
    pub fn timeout(&self, per_request: Duration) -> Duration {
        let left = self.policy.deadline.saturating_sub(self.elapsed());
        per_request.min(left).max(Duration::from_millis(10))
    }

    /// How long to wait before the next attempt, or `None` to give up: the classifier said
    /// never, the attempts are used up, or the wait would end past the deadline.
    pub fn next_delay(&self, retry: Retry) -> Option<Duration> {
        let backoff = self.policy.backoff(self.made);
        let delay = match retry {
            Retry::Never => return None,
            Retry::Backoff => backoff,
            Retry::After(at_least) => at_least.max(backoff),
        };
        if self.made >= self.policy.max_attempts.max(1) || self.elapsed() + delay >= self.policy.deadline {
            return None;
        }
        Some(delay)
    }
}

/// The longest wait a server's header is taken at (a day); the policy's deadline then decides
/// whether to wait at all ([`Attempts::next_delay`] gives up on a wait that would pass it).
const MAX_SERVER_WAIT: Duration = Duration::from_secs(86_400);

/// `Retry-After` (RFC 9110 §10.2.3) as a wait from `now`: delay-seconds (`Retry-After: 7`) or an
/// HTTP-date (`Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`; the obsolete RFC 850 and asctime
/// forms are accepted too, as the RFC asks of recipients). A date in the past is zero; both
/// forms are capped at a day. `None` when absent or neither form, so the caller backs off as
/// usual.
pub fn retry_after_header(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if let Some(seconds) = seconds_header(headers, "retry-after") {
        return Some(seconds);
    }
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO).min(MAX_SERVER_WAIT))
}

/// A header holding a whole number of seconds (`Retry-After: 7`, `X-RateLimit-Reset: 23`), at
/// most a day; `None` when absent or not a number.
pub fn seconds_header(headers: &HeaderMap, name: &str) -> Option<Duration> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    let secs: u64 = value.parse().ok()?;
    Some(Duration::from_secs(secs).min(MAX_SERVER_WAIT))
}

/// A random number from the standard library's per-process random hash keys (no extra crate):
/// enough for jitter and Digest client nonces, not for keys.
pub fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    hasher.write_u128(now);
    hasher.finish()
}

/// Uniform in `[0, 1)`.
fn unit_random() -> f64 {
    // 53 random bits fill an f64 mantissa exactly.
    #[allow(clippy::cast_precision_loss)]
    let value = (random_u64() >> 11) as f64 / (1u64 << 53) as f64;
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_attempts: u32, deadline_ms: u64) -> RetryPolicy {
        RetryPolicy {
            max_attempts,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
            deadline: Duration::from_millis(deadline_ms),
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter() {
        let p = policy(10, 60_000);
        for _ in 0..200 {
            for (retry, full) in [(1, 100), (2, 200), (3, 400), (4, 400), (40, 400)] {
                let d = p.backoff(retry);
                assert!(d >= Duration::from_millis(full / 2) && d <= Duration::from_millis(full), "{retry}: {d:?}");
            }
        }
        let spread: std::collections::HashSet<Duration> = (0..50).map(|_| p.backoff(3)).collect();
        assert!(spread.len() > 10, "jitter varies the delay");
    }

    #[test]
    fn the_budget_ends_at_max_attempts_or_the_deadline() {
        let mut a = Attempts::start(policy(3, 60_000));
        a.begin();
        assert_eq!(a.next_delay(Retry::Never), None);
        assert!(a.next_delay(Retry::Backoff).is_some());
        assert_eq!(a.next_delay(Retry::After(Duration::from_secs(5))), Some(Duration::from_secs(5)));
        a.begin();
        a.begin();
        assert_eq!(a.next_delay(Retry::Backoff), None, "3 attempts made");

        let mut a = Attempts::start(policy(10, 1_000));
        a.begin();
        assert_eq!(a.next_delay(Retry::After(Duration::from_secs(2))), None, "the wait would pass the deadline");
        assert!(a.timeout(Duration::from_secs(30)) <= Duration::from_secs(1));

        let mut a = Attempts::start(policy(0, 60_000));
        a.begin();
        assert_eq!(a.next_delay(Retry::Backoff), None, "0 attempts means 1");
    }

    #[test]
    fn the_budget_is_measured_on_the_calls_timer() {
        let timer = Arc::new(crate::timer::Stepped::default());
        let mut a = Attempts::start_on(policy(10, 1_000), timer.clone());
        a.begin();
        assert_eq!(a.next_delay(Retry::After(Duration::from_millis(500))), Some(Duration::from_millis(500)));
        // Only the timer's time counts: 900 ms of it pass in no time at all.
        timer.0.store(900, Ordering::SeqCst);
        assert_eq!(a.elapsed(), Duration::from_millis(900));
        assert_eq!(a.next_delay(Retry::After(Duration::from_millis(500))), None, "past the deadline");
        assert!(a.timeout(Duration::from_secs(30)) <= Duration::from_millis(100));
    }

    #[test]
    fn seconds_headers() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", reqwest::header::HeaderValue::from_static("7"));
        h.insert("x-ratelimit-reset", reqwest::header::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(seconds_header(&h, "retry-after"), Some(Duration::from_secs(7)));
        assert_eq!(seconds_header(&h, "x-ratelimit-reset"), None);
        assert_eq!(seconds_header(&h, "missing"), None);
    }

    fn retry_after_value(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("retry-after", reqwest::header::HeaderValue::from_str(value).expect("a header value"));
        h
    }

    /// 2015-10-21T07:28:00Z, the RFC's example date.
    fn rfc_example_time() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480)
    }

    #[test]
    fn retry_after_as_delay_seconds() {
        let now = rfc_example_time();
        assert_eq!(retry_after_header(&retry_after_value("120"), now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after_header(&retry_after_value(" 0 "), now), Some(Duration::ZERO));
        assert_eq!(retry_after_header(&retry_after_value("99999999"), now), Some(MAX_SERVER_WAIT), "capped at a day");
        assert_eq!(retry_after_header(&HeaderMap::new(), now), None);
    }

    #[test]
    fn retry_after_as_an_http_date() {
        let now = rfc_example_time();
        let date = retry_after_value("Wed, 21 Oct 2015 07:29:30 GMT");
        assert_eq!(retry_after_header(&date, now), Some(Duration::from_secs(90)), "IMF-fixdate");
        let rfc850 = retry_after_value("Wednesday, 21-Oct-15 07:28:05 GMT");
        assert_eq!(retry_after_header(&rfc850, now), Some(Duration::from_secs(5)), "obsolete RFC 850 form");
        let asctime = retry_after_value("Wed Oct 21 07:28:07 2015");
        assert_eq!(retry_after_header(&asctime, now), Some(Duration::from_secs(7)), "obsolete asctime form");
        let next_year = retry_after_value("Fri, 21 Oct 2016 07:28:00 GMT");
        assert_eq!(retry_after_header(&next_year, now), Some(MAX_SERVER_WAIT), "capped at a day");
        // Against the real clock: a minute from now is about a minute (the formatting drops the
        // sub-second part, so a little under).
        let soon = retry_after_value(&httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(60)));
        let wait = retry_after(reqwest::StatusCode::SERVICE_UNAVAILABLE, &soon, "x-ratelimit-reset");
        assert!(wait.is_some_and(|w| w > Duration::from_secs(55) && w <= Duration::from_secs(60)), "{wait:?}");
    }

    #[test]
    fn an_http_date_is_measured_on_the_servers_clock() {
        // The server's clock says 07:28:00 and asks for 07:29:30: ninety seconds, however far
        // this machine's clock is from 2015.
        let mut h = retry_after_value("Wed, 21 Oct 2015 07:29:30 GMT");
        h.insert("date", reqwest::header::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        let wait = retry_after(reqwest::StatusCode::SERVICE_UNAVAILABLE, &h, "x-ratelimit-reset");
        assert_eq!(wait, Some(Duration::from_secs(90)));
        // A `Date` that does not parse falls back to this machine's clock (2015 is long past).
        h.insert("date", reqwest::header::HeaderValue::from_static("yesterday"));
        let wait = retry_after(reqwest::StatusCode::SERVICE_UNAVAILABLE, &h, "x-ratelimit-reset");
        assert_eq!(wait, Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_in_the_past_is_no_wait() {
        let now = rfc_example_time();
        let past = retry_after_value("Wed, 21 Oct 2015 07:27:00 GMT");
        assert_eq!(retry_after_header(&past, now), Some(Duration::ZERO));
        let long_ago = retry_after_value("Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            retry_after(reqwest::StatusCode::TOO_MANY_REQUESTS, &long_ago, "x-ratelimit-reset"),
            Some(Duration::ZERO)
        );
        // Zero means "no extra wait": the next attempt still waits the policy's backoff.
        let mut a = Attempts::start(policy(3, 60_000));
        a.begin();
        let delay = a.next_delay(Retry::After(Duration::ZERO));
        assert!(delay.is_some_and(|d| d >= Duration::from_millis(50) && d <= Duration::from_millis(100)), "{delay:?}");
    }

    #[test]
    fn garbage_retry_after_is_ignored() {
        let now = rfc_example_time();
        for garbage in
            ["soon", "-5", "1.5", "", "Wed, 32 Oct 2015 07:28:00 GMT", "2015-10-21T07:28:00Z", "Wed, 21 Oct 2015"]
        {
            assert_eq!(retry_after_header(&retry_after_value(garbage), now), None, "{garbage:?}");
        }
        // On a 429 the vendor's reset header is used instead; otherwise the policy's backoff.
        let mut h = retry_after_value("soon");
        h.insert("x-ratelimit-reset", reqwest::header::HeaderValue::from_static("12"));
        assert_eq!(
            retry_after(reqwest::StatusCode::TOO_MANY_REQUESTS, &h, "x-ratelimit-reset"),
            Some(Duration::from_secs(12))
        );
        assert_eq!(retry_after(reqwest::StatusCode::SERVICE_UNAVAILABLE, &h, "x-ratelimit-reset"), None);
        assert_eq!(for_status(reqwest::StatusCode::SERVICE_UNAVAILABLE, None, Replay::Safe), Retry::Backoff);
    }
}
