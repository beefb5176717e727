//! Where one call's retries get their time: the overall deadline is measured with
//! [`Timer::now`] and the waits between attempts (backoff, `Retry-After`, a rate-limit reset)
//! are [`Timer::sleep`]s. Production uses [`TokioTimer`]; tests against a simulator on an
//! explicit clock pass a timer that moves the simulation, so waiting out a 429's reset costs no
//! wall time and the simulated server sees the time pass.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// A boxed sleep (keeps [`Timer`] object-safe without an async-trait crate).
pub type TimerSleep<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// The clock of a call's retries.
pub trait Timer: Send + Sync + fmt::Debug {
    /// Monotonic time since an arbitrary start.
    fn now(&self) -> Duration;
    /// Wait `duration`.
    fn sleep(&self, duration: Duration) -> TimerSleep<'_>;
}

/// The real clock: [`Instant`] and tokio's timer (the default of every client).
#[derive(Debug, Clone, Copy)]
pub struct TokioTimer {
    start: Instant,
}

impl TokioTimer {
    /// Starts now.
    pub fn new() -> TokioTimer {
        TokioTimer { start: Instant::now() }
    }
}

impl Default for TokioTimer {
    fn default() -> Self {
        TokioTimer::new()
    }
}

impl Timer for TokioTimer {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn sleep(&self, duration: Duration) -> TimerSleep<'_> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that moves only when slept on, as a test's simulated clock does.
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct Stepped(pub(crate) std::sync::atomic::AtomicU64);

#[cfg(test)]
impl Timer for Stepped {
    fn now(&self) -> Duration {
        Duration::from_millis(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }

    fn sleep(&self, duration: Duration) -> TimerSleep<'_> {
        let millis = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        self.0.fetch_add(millis, std::sync::atomic::Ordering::SeqCst);
        Box::pin(std::future::ready(()))
    }
}
