//! The injected clock: every wait in the engine sleeps through it, so tests drive time.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

/// A boxed sleep (keeps [`Clock`] object-safe without an async-trait crate).
pub type Sleep<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Time as the engine sees it.
pub trait Clock: Send + Sync {
    /// Monotonic time since an arbitrary start.
    fn now(&self) -> Duration;
    /// Wait `duration`.
    fn sleep(&self, duration: Duration) -> Sleep<'_>;
    /// Wait until [`Clock::now`] reaches `deadline` (the polling loop computes deadlines from the
    /// moment of each poll, so a simulated clock shared by concurrent waits never counts one
    /// stretch of time twice).
    fn sleep_until(&self, deadline: Duration) -> Sleep<'_> {
        self.sleep(deadline.saturating_sub(self.now()))
    }
    /// Milliseconds since the Unix epoch, for journal timestamps.
    fn unix_ms(&self) -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

/// The real clock (tokio timers).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    start: Instant,
}

impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock { start: Instant::now() }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn sleep(&self, duration: Duration) -> Sleep<'_> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A small deterministic generator for backoff jitter (SplitMix64): jitter needs spread, not
/// secrecy, and a seed makes test runs repeatable.
#[derive(Debug, Clone)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn new(seed: u64) -> Jitter {
        Jitter(seed)
    }

    /// A fraction in `[0, 1)`.
    pub(crate) fn next_fraction(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // 53 random bits into the mantissa.
        #[allow(clippy::cast_precision_loss)]
        let fraction = (z >> 11) as f64 / (1u64 << 53) as f64;
        fraction
    }
}

/// A seed from a string (step ids), FNV-1a.
pub(crate) fn seed_of(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}
