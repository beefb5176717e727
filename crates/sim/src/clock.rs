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

    /// Unix milliseconds of a simulation instant (the physical part of a TiDB TSO).
    pub(crate) fn unix_millis(&self, at: Duration) -> u64 {
        let millis = u64::try_from(at.as_millis()).unwrap_or(u64::MAX);
        self.epoch_secs.saturating_mul(1000).saturating_add(millis)
    }
}

/// TiDB's TSO: the physical Unix milliseconds shifted left by the 18 bits of the logical counter.
pub(crate) fn tso_of_millis(unix_millis: u64) -> u64 {
    unix_millis.checked_shl(18).filter(|t| t >> 18 == unix_millis).unwrap_or(u64::MAX)
}

/// The physical Unix milliseconds of a TSO.
pub(crate) fn millis_of_tso(tso: u64) -> u64 {
    tso >> 18
}

/// Unix milliseconds as an RFC 3339 UTC timestamp (whole seconds, as the other timestamps).
pub(crate) fn rfc3339_millis(unix_millis: u64) -> String {
    rfc3339(unix_millis / 1000)
}

/// Parse an RFC 3339 timestamp (`2026-01-01T00:00:00Z`, fractions and `±HH:MM` offsets allowed)
/// into Unix milliseconds; `None` when it is not one or lies before 1970.
pub(crate) fn parse_rfc3339(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let s = text.get(from..from + len)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok()).flatten()
    };
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (y, mo, d, h, mi, s) = (num(0, 4)?, num(5, 2)?, num(8, 2)?, num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut at = 19;
    let mut millis = 0_i64;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return None;
        }
        let frac = text.get(start..at)?;
        let first3: String = frac.chars().chain("000".chars()).take(3).collect();
        millis = first3.parse().ok()?;
    }
    let offset_secs = match b.get(at) {
        Some(b'Z' | b'z') if at + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if at + 6 == b.len() && b[at + 3] == b':' => {
            let (oh, om) = (num(at + 1, 2)?, num(at + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    let secs = days * 86_400 + h * 3600 + mi * 60 + s - offset_secs;
    u64::try_from(secs.checked_mul(1000)?.checked_add(millis)?).ok()
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    use super::{millis_of_tso, parse_rfc3339, rfc3339, tso_of_millis};

    #[test]
    fn parses_what_it_formats_and_offsets() {
        for unix in [0_u64, 1_767_225_600, 951_782_400 + 3661, 4_102_444_799] {
            assert_eq!(parse_rfc3339(&rfc3339(unix)), Some(unix * 1000), "{unix}");
        }
        assert_eq!(parse_rfc3339("2026-01-01T01:00:00.25+01:00"), Some(1_767_225_600_250));
        assert_eq!(parse_rfc3339("2026-01-01T00:00:00.123456Z"), Some(1_767_225_600_123));
        for bad in [
            "",
            "2026-01-01",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-01-01T00:00:00",
            "1969-12-31T23:59:59Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+1:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_tso_is_physical_milliseconds_shifted_by_18_bits() {
        let ms = 1_767_225_600_000_u64;
        assert_eq!(tso_of_millis(ms), ms << 18);
        assert_eq!(millis_of_tso(tso_of_millis(ms) + 5), ms);
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400 + 3661), "2000-02-29T01:01:01Z");
    }
}
