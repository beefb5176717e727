//! The injected clock: every wait in the engine sleeps through it, so tests drive time.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// The wall clock sped up `factor` times: `now` runs fast and sleeps are short (benchmarks pair
/// it with the simulator's `ClockMode::Scaled` at the same factor, so waits, backoff and
/// concurrency behave as in production, only faster).
#[derive(Debug, Clone, Copy)]
pub struct ScaledClock {
    start: Instant,
    factor: u32,
}

impl ScaledClock {
    pub fn new(factor: u32) -> ScaledClock {
        ScaledClock { start: Instant::now(), factor: factor.max(1) }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> Duration {
        self.start.elapsed().saturating_mul(self.factor)
    }

    fn sleep(&self, duration: Duration) -> Sleep<'_> {
        Box::pin(tokio::time::sleep(duration / self.factor))
    }
}

/// A clock that moves only when slept on, handing each step forward to `advance` (tests and
/// benchmarks connect it to the simulator's explicit clock, so a six-hour wait runs in
/// milliseconds). Time is the furthest deadline any waiter asked for: concurrent waits overlap
/// instead of adding up, and every waiter wakes at or after its deadline — possibly later than
/// on a real clock, when a concurrent waiter asked for a later one (so times measured with it
/// are pessimistic; the apply benchmark uses [`ScaledClock`]).
pub struct ManualClock {
    now_ms: AtomicU64,
    advance: Box<dyn Fn(Duration) + Send + Sync>,
}

impl ManualClock {
    /// Starts at zero.
    pub fn new(advance: impl Fn(Duration) + Send + Sync + 'static) -> ManualClock {
        ManualClock { now_ms: AtomicU64::new(0), advance: Box::new(advance) }
    }
}

impl std::fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManualClock").field("now", &self.now()).finish_non_exhaustive()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.now_ms.load(Ordering::SeqCst))
    }

    fn sleep(&self, duration: Duration) -> Sleep<'_> {
        self.sleep_until(self.now() + duration)
    }

    fn sleep_until(&self, deadline: Duration) -> Sleep<'_> {
        let target = u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX);
        let before = self.now_ms.fetch_max(target, Ordering::SeqCst);
        if target > before {
            (self.advance)(Duration::from_millis(target - before));
        }
        Box::pin(std::future::ready(()))
    }

    /// A fixed epoch (2026-01-01) plus the manual time, so journals are reproducible.
    fn unix_ms(&self) -> u64 {
        1_767_225_600_000 + self.now_ms.load(Ordering::SeqCst)
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
