//! The single polling loop: poll, judge with an [`Acceptor`], back off with jitter, repeat.
//!
//! The delay before the next poll is a share of the time already waited ([`WaitPolicy::lateness`]),
//! between `min_delay` (2 s) and `max_delay`, shortened by up to a fifth at random so concurrent
//! waits do not poll in step. So polling starts every 2 s, backs off geometrically to the cap,
//! and notices a resource that became ready after `t` no later than `(1 + lateness)·t`. Two
//! policies: [`WaitPolicy::patient`] (14 %, up to a minute) for the network and the Kafka
//! cluster, whose tens of minutes run beside the rest — a 25-minute cluster wait costs under
//! 60 polls — and [`WaitPolicy::brisk`] (7 %, up to 30 s) for the access, the connection, its
//! domains and the changefeed, which follow one another on the critical path, so their
//! lateness adds up (with 14 % for them too, `bench/apply.sh` measured rows up to 1.053× the
//! critical path). (Doubling delays would poll less, but could notice readiness up to twice as
//! late.) The request budget may stretch a delay (`pace`): its fair share when many waits poll
//! one API key. Time comes from the injected [`Clock`]; tests never sleep.

use std::future::Future;
use std::time::Duration;

use crate::clock::{Clock, Jitter};

/// What a poll result means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acceptor {
    /// Done.
    Ready,
    /// Not yet; the vendor's state, for progress and for the timeout message.
    Pending(String),
    /// Terminal failure: the vendor's state and its reason.
    Failed { state: String, reason: String },
}

/// How long and how often to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitPolicy {
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// The most a poll may trail readiness, in percent of the time already waited.
    pub lateness: u32,
    pub max_wait: Duration,
}

impl WaitPolicy {
    /// From 2 s up to a 60 s cap, at most 14 % late, giving up after `max_wait`.
    pub fn patient(max_wait: Duration) -> WaitPolicy {
        WaitPolicy { min_delay: Duration::from_secs(2), max_delay: Duration::from_secs(60), lateness: 14, max_wait }
    }

    /// From 2 s up to a 30 s cap, at most 7 % late: for the runbook's minutes-long resources
    /// (the access, the connection, its domains, the changefeed), which follow one another on
    /// the critical path, so each one's lateness adds to the apply's. A 5-minute wait costs
    /// about 50 polls, not 33 — cheap against TiDB Cloud's 100 a minute for one plan, and when
    /// many waits share a key the budget's pacing spaces them out (`wait_for`'s `pace`).
    pub fn brisk(max_wait: Duration) -> WaitPolicy {
        WaitPolicy { min_delay: Duration::from_secs(2), max_delay: Duration::from_secs(30), lateness: 7, max_wait }
    }

    /// The delay before the next poll, `waited` into the wait, before jitter.
    fn backoff(&self, waited: Duration) -> Duration {
        (waited * self.lateness / 100).clamp(self.min_delay, self.max_delay.max(self.min_delay))
    }
}

/// Whether a poll error may clear by itself (a 429 or 5xx storm that outlasted the client's own
/// retries): the loop then keeps polling until its deadline instead of failing the step.
pub trait Transient {
    fn is_transient(&self) -> bool;
}

impl Transient for linkplan_confluent::Error {
    fn is_transient(&self) -> bool {
        self.is_retryable()
    }
}

impl Transient for linkplan_tidbcloud::Error {
    fn is_transient(&self) -> bool {
        self.is_retryable()
    }
}

/// Why a wait ended without the resource being ready.
#[derive(Debug, thiserror::Error)]
pub enum WaitError<E: std::error::Error + 'static> {
    #[error("still {last_state} after {}s ({attempts} polls)", elapsed.as_secs())]
    TimedOut { elapsed: Duration, attempts: u32, last_state: String },
    #[error("{state}: {reason}")]
    FailedState { state: String, reason: String },
    #[error(transparent)]
    Poll(E),
}

/// Poll until `accept` says Ready (returns the last value) or Failed, or `policy.max_wait` passes.
/// `on_pending` sees every pending state (for progress display). `pace` is the least delay
/// between polls the request budget allows this wait now (its fair share when many waits poll
/// one API key: [`linkplan_http::Budget::poll_spacing`]); it stretches the backoff, never
/// shortens it. A [`Transient`] poll error counts as pending; any other ends the wait.
pub async fn wait_for<T, E, F, Fut>(
    clock: &dyn Clock,
    policy: WaitPolicy,
    seed: u64,
    mut poll: F,
    accept: impl Fn(&T) -> Acceptor,
    on_pending: &(dyn Fn(&str) + Sync),
    pace: &(dyn Fn() -> Duration + Sync),
) -> Result<T, WaitError<E>>
where
    E: std::error::Error + Transient + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let start = clock.now();
    let mut jitter = Jitter::new(seed);
    let mut attempts = 0u32;
    loop {
        let polled = poll().await;
        let polled_at = clock.now();
        attempts += 1;
        let state = match polled {
            Err(e) if e.is_transient() => format!("unreachable ({e})"),
            Err(e) => return Err(WaitError::Poll(e)),
            Ok(value) => match accept(&value) {
                Acceptor::Ready => return Ok(value),
                Acceptor::Failed { state, reason } => return Err(WaitError::FailedState { state, reason }),
                Acceptor::Pending(state) => state,
            },
        };
        on_pending(&state);
        let elapsed = polled_at.saturating_sub(start);
        if elapsed >= policy.max_wait {
            return Err(WaitError::TimedOut { elapsed, attempts, last_state: state });
        }
        let full = policy.backoff(elapsed);
        let delay = full.mul_f64(1.0 - jitter.next_fraction() / 5.0).max(policy.min_delay.min(full)).max(pace());
        clock.sleep_until(polled_at + delay.min(policy.max_wait - elapsed)).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::clock::Sleep;

    /// A clock that only moves when slept on.
    #[derive(Default)]
    struct FakeClock {
        now_ms: AtomicU64,
        sleeps: Mutex<Vec<Duration>>,
    }

    impl Clock for FakeClock {
        fn now(&self) -> Duration {
            Duration::from_millis(self.now_ms.load(Ordering::SeqCst))
        }
        fn sleep(&self, d: Duration) -> Sleep<'_> {
            self.now_ms.fetch_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX), Ordering::SeqCst);
            self.sleeps.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(d);
            Box::pin(std::future::ready(()))
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("poll failed")]
    struct PollError;

    impl Transient for PollError {
        fn is_transient(&self) -> bool {
            false
        }
    }

    /// A resource that becomes ready at `ready_at` seconds of fake time.
    async fn run(clock: &FakeClock, ready_at: u64, policy: WaitPolicy) -> Result<u64, WaitError<PollError>> {
        wait_for(
            clock,
            policy,
            7,
            || async { Ok::<_, PollError>(clock.now().as_secs()) },
            |now| if *now >= ready_at { Acceptor::Ready } else { Acceptor::Pending("PROVISIONING".to_owned()) },
            &|_| (),
            &|| Duration::ZERO,
        )
        .await
    }

    #[tokio::test]
    async fn a_25_minute_wait_costs_a_few_dozen_polls() {
        let clock = FakeClock::default();
        let result = run(&clock, 25 * 60, WaitPolicy::patient(Duration::from_secs(3 * 3600))).await;
        assert!(matches!(result, Ok(t) if t >= 25 * 60));
        let sleeps = clock.sleeps.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        assert!((20..=60).contains(&sleeps.len()), "{} polls", sleeps.len() + 1);
        assert!(sleeps.iter().all(|d| *d >= Duration::from_secs(1) && *d <= Duration::from_secs(60)), "{sleeps:?}");
        assert!(sleeps[0] <= Duration::from_secs(2), "starts at seconds: {sleeps:?}");
        assert!(sleeps.iter().any(|d| *d >= Duration::from_secs(48)), "reaches the cap: {sleeps:?}");
        // Overshoot past readiness is at most one capped delay.
        assert!(clock.now() <= Duration::from_secs(25 * 60 + 60));
    }

    /// Waits for resources ready at each of `readies` (seconds) and checks each was noticed no
    /// more than `bound(ready_at)` seconds late.
    async fn assert_noticed_within(policy: WaitPolicy, readies: impl Iterator<Item = u64>, bound: impl Fn(u64) -> u64) {
        for ready_at in readies {
            let clock = FakeClock::default();
            let noticed = run(&clock, ready_at, policy).await.unwrap_or_else(|e| panic!("ready at {ready_at}s: {e}"));
            assert!(noticed - ready_at <= bound(ready_at), "ready at {ready_at}s, noticed at {noticed}s");
        }
    }

    /// Whenever the resource becomes ready, the wait notices within 14 % (or the 2 s floor).
    #[tokio::test]
    async fn readiness_is_noticed_at_most_14_percent_late() {
        let policy = WaitPolicy::patient(Duration::from_secs(7 * 3600));
        assert_noticed_within(policy, (10..=6 * 3600).step_by(37), |t| (t * 14 / 100).max(2)).await;
    }

    /// The brisk policy notices readiness within 7 % (or the 2 s floor), capped at 30 s.
    #[tokio::test]
    async fn a_brisk_wait_is_at_most_7_percent_late() {
        let policy = WaitPolicy::brisk(Duration::from_secs(3 * 3600));
        assert_noticed_within(policy, (10..=2 * 3600).step_by(23), |t| (t * 7 / 100).clamp(2, 30)).await;
        let clock = FakeClock::default();
        let _ = run(&clock, 300, WaitPolicy::brisk(Duration::from_secs(3600))).await;
        let polls = clock.sleeps.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len() + 1;
        assert!((35..=65).contains(&polls), "a 5-minute wait took {polls} polls");
    }

    /// A pace longer than the backoff spaces the polls out; a shorter one changes nothing.
    #[tokio::test]
    async fn the_budget_pace_stretches_delays_and_never_shortens_them() {
        let clock = FakeClock::default();
        let policy = WaitPolicy::patient(Duration::from_secs(3600));
        let ready = |now: &u64| if *now >= 600 { Acceptor::Ready } else { Acceptor::Pending("CREATING".to_owned()) };
        let poll = || async { Ok::<_, PollError>(clock.now().as_secs()) };
        let result = wait_for(&clock, policy, 3, poll, ready, &|_| (), &|| Duration::from_secs(40)).await;
        assert!(matches!(result, Ok(t) if (600..=660).contains(&t)), "{result:?}");
        let sleeps = clock.sleeps.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        assert!(sleeps.iter().all(|d| *d >= Duration::from_secs(40)), "{sleeps:?}");
        assert!(sleeps.len() <= 15, "{sleeps:?}");

        let clock = FakeClock::default();
        let _ = run(&clock, 600, policy).await;
        let unpaced = clock.sleeps.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let clock = FakeClock::default();
        let poll = || async { Ok::<_, PollError>(clock.now().as_secs()) };
        let _ = wait_for(&clock, policy, 7, poll, ready, &|_| (), &|| Duration::from_millis(500)).await;
        let paced = clock.sleeps.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        assert_eq!(paced, unpaced);
    }

    #[tokio::test]
    async fn times_out_with_the_last_state() {
        let clock = FakeClock::default();
        let result = run(&clock, u64::MAX, WaitPolicy::patient(Duration::from_secs(300))).await;
        match result {
            Err(WaitError::TimedOut { elapsed, last_state, .. }) => {
                assert_eq!(last_state, "PROVISIONING");
                assert!(elapsed >= Duration::from_secs(300) && elapsed <= Duration::from_secs(301));
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn failed_state_and_poll_errors_end_the_wait() {
        let clock = FakeClock::default();
        let policy = WaitPolicy::patient(Duration::from_secs(300));
        let failed: Result<(), WaitError<PollError>> = wait_for(
            &clock,
            policy,
            1,
            || async { Ok(()) },
            |()| Acceptor::Failed { state: "FAILED".to_owned(), reason: "quota".to_owned() },
            &|_| (),
            &|| Duration::ZERO,
        )
        .await;
        assert_eq!(failed.map_err(|e| e.to_string()), Err("FAILED: quota".to_owned()));
        let poll: Result<(), WaitError<PollError>> =
            wait_for(&clock, policy, 1, || async { Err(PollError) }, |()| Acceptor::Ready, &|_| (), &|| Duration::ZERO)
                .await;
        assert!(matches!(poll, Err(WaitError::Poll(PollError))));
    }
}
