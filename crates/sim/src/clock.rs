//! Simulated time: real time since start (auto) or time that only moves when a test advances it.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How simulated time passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockMode {
    /// Time follows the wall clock; lifecycles finish on their own (like omicron's `SimMode::Auto`).
    #[default]
    Auto,
    /// Time stands still until [`crate::RunningSim::advance`] (like `SimMode::Explicit`).
    /// Timestamps start at 2026-01-01T00:00:00Z so output is reproducible.
    Explicit,
    /// Time follows the wall clock sped up this many times (benchmarks: at 1000, a 25-minute
    /// provisioning delay passes in 1.5 s while every request still really happens).
    Scaled(u32),
}

/// The simulation clock; `now()` is the time since the simulation started.
#[derive(Debug)]
pub(crate) struct Clock {
    mode: ClockMode,
    started: Instant,
    advanced: Duration,
    epoch_secs: u64,
}

/// 2026-01-01T00:00:00Z.
const EXPLICIT_EPOCH: u64 = 1_767_225_600;

impl Clock {
    pub(crate) fn new(mode: ClockMode) -> Clock {
        let epoch_secs = match mode {
            ClockMode::Auto | ClockMode::Scaled(_) => {
                SystemTime::now().duration_since(UNIX_EPOCH).map_or(EXPLICIT_EPOCH, |d| d.as_secs())
            }
            ClockMode::Explicit => EXPLICIT_EPOCH,
        };
        Clock { mode, started: Instant::now(), advanced: Duration::ZERO, epoch_secs }
    }

    pub(crate) fn mode(&self) -> ClockMode {
        self.mode
    }

    pub(crate) fn now(&self) -> Duration {
        match self.mode {
            ClockMode::Auto => self.started.elapsed() + self.advanced,
            ClockMode::Scaled(factor) => self.started.elapsed().saturating_mul(factor) + self.advanced,
            ClockMode::Explicit => self.advanced,
        }
    }

    /// Move time forward (allowed in both modes; in auto mode it skips ahead).
    pub(crate) fn advance(&mut self, by: Duration) {
        self.advanced = self.advanced.saturating_add(by);
    }

    /// RFC 3339 UTC timestamp of a simulation instant.
    pub(crate) fn timestamp(&self, at: Duration) -> String {
        rfc3339(self.epoch_secs.saturating_add(at.as_secs()))
    }
}

/// Format Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub(crate) fn rfc3339(unix: u64) -> String {
    let days = unix / 86_400;
    let rem = unix % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's algorithm for non-negative days.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400 + 3661), "2000-02-29T01:01:01Z");
    }
}
