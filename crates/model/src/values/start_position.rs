//! Where a changefeed starts (`changefeed.start_position`): `now`, a TiDB TSO, or an RFC 3339
//! time.
//!
//! A TSO is TiDB's timestamp: the physical part `tso >> 18` is Unix milliseconds, the low 18
//! bits a logical counter. linkplan takes a TSO or a time only when it falls between
//! 2015-01-01 and 2100-01-01 (UTC): anything earlier is older than TiDB and certainly a mistake
//! (Unix seconds or milliseconds written where a TSO belongs, for instance), anything later is
//! no time a changefeed can start at. RFC 3339 times are parsed with `chrono` (already in the
//! dependency tree through `quick-junit`), after a syntax check of linkplan's own that the
//! schema's pattern mirrors: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, `T` and `Z` in either
//! case.

use std::fmt;

use chrono::{DateTime, SecondsFormat};

use crate::yaml::{Node, NodeKind};

/// Why a value is not a start position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartPositionError {
    #[error("a start position is `now`, a TSO (an integer) or an RFC 3339 time; found {found}")]
    WrongType { found: &'static str },
    #[error("`{value}` is not `now`, a TSO or an RFC 3339 time such as `2024-05-01T00:00:00Z`")]
    Malformed { value: String },
    #[error("`{value}` is a TSO written as a string")]
    QuotedTso { value: String },
    #[error("`{value}` is not a time that exists (no such day, or an offset beyond ±23:59)")]
    NoSuchTime { value: String },
    #[error("`{value}` is before 2015 or after 2100: not a time a changefeed can start at")]
    TimeOutOfRange { value: String },
    #[error("{value} cannot be a TSO: a TSO is a positive 64-bit integer")]
    NotU64 { value: String },
    #[error("{tso} looks like Unix {unit}, not a TSO (a TSO is Unix milliseconds shifted left by 18 bits)")]
    UnixTime { tso: u64, unit: &'static str },
    #[error("TSO {tso} stands for {time}: before 2015 or after 2100")]
    TsoOutOfRange { tso: u64, time: String },
}

/// A changefeed's start.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StartPosition {
    /// `now` (the default): from the moment it is created.
    Now,
    /// From a TiDB TSO.
    Tso(u64),
    /// From an RFC 3339 time, as written, and as Unix milliseconds.
    Time { rfc3339: String, unix_ms: u64 },
}

impl StartPosition {
    /// 2015-01-01T00:00:00Z, the earliest start linkplan accepts, in Unix milliseconds.
    pub const EARLIEST_MS: u64 = 1_420_070_400_000;
    /// 2100-01-01T00:00:00Z, the first start linkplan refuses as too late.
    pub const LATEST_MS: u64 = 4_102_444_800_000;
    /// The smallest TSO accepted: [`Self::EARLIEST_MS`] with logical part 0.
    pub const MIN_TSO: u64 = Self::EARLIEST_MS << 18;
    /// The largest TSO accepted: the last one before [`Self::LATEST_MS`].
    pub const MAX_TSO: u64 = (Self::LATEST_MS << 18) - 1;

    /// `now` or an RFC 3339 time. (A TSO is an integer: [`Self::from_tso`].)
    pub fn parse(value: &str) -> Result<StartPosition, StartPositionError> {
        if value == "now" {
            return Ok(StartPosition::Now);
        }
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StartPositionError::QuotedTso { value: value.to_owned() });
        }
        let out_of_range = || StartPositionError::TimeOutOfRange { value: value.to_owned() };
        match rfc3339_year(value) {
            None => return Err(StartPositionError::Malformed { value: value.to_owned() }),
            Some(year) if !(2015..=2099).contains(&year) => return Err(out_of_range()),
            Some(_) => {}
        }
        let time = DateTime::parse_from_rfc3339(value)
            .map_err(|_| StartPositionError::NoSuchTime { value: value.to_owned() })?;
        let unix_ms = u64::try_from(time.timestamp_millis())
            .ok()
            .filter(|ms| (Self::EARLIEST_MS..Self::LATEST_MS).contains(ms))
            .ok_or_else(out_of_range)?;
        Ok(StartPosition::Time { rfc3339: value.to_owned(), unix_ms })
    }

    /// A TSO, written as a YAML integer.
    pub fn from_tso(value: i128) -> Result<StartPosition, StartPositionError> {
        let tso = u64::try_from(value).map_err(|_| StartPositionError::NotU64 { value: value.to_string() })?;
        if (Self::MIN_TSO..=Self::MAX_TSO).contains(&tso) {
            return Ok(StartPosition::Tso(tso));
        }
        let window = Self::EARLIEST_MS..Self::LATEST_MS;
        if window.contains(&tso.saturating_mul(1000)) {
            return Err(StartPositionError::UnixTime { tso, unit: "seconds" });
        }
        if window.contains(&tso) {
            return Err(StartPositionError::UnixTime { tso, unit: "milliseconds" });
        }
        Err(StartPositionError::TsoOutOfRange { tso, time: format_ms(tso >> 18) })
    }

    /// From a plan value: a string (`now`, a time) or an integer (a TSO).
    pub fn from_node(node: &Node) -> Result<StartPosition, StartPositionError> {
        match &node.kind {
            NodeKind::Str(s) => StartPosition::parse(s),
            NodeKind::Int(n) => StartPosition::from_tso(*n),
            _ => Err(StartPositionError::WrongType { found: node.type_name() }),
        }
    }

    /// Where it starts in Unix milliseconds (the TSO's physical part); `None` for `now`.
    pub fn unix_ms(&self) -> Option<u64> {
        match self {
            StartPosition::Now => None,
            StartPosition::Tso(tso) => Some(tso >> 18),
            StartPosition::Time { unix_ms, .. } => Some(*unix_ms),
        }
    }
}

impl fmt::Display for StartPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartPosition::Now => f.write_str("now"),
            StartPosition::Tso(tso) => write!(f, "{tso}"),
            StartPosition::Time { rfc3339, .. } => f.write_str(rfc3339),
        }
    }
}

/// An RFC 3339 time from an API (a GC safe point, a checkpoint) as Unix milliseconds, without
/// [`StartPosition`]'s 2015–2100 window; `None` when it is not RFC 3339 or before 1970.
pub fn rfc3339_unix_ms(value: &str) -> Option<u64> {
    DateTime::parse_from_rfc3339(value).ok().and_then(|t| u64::try_from(t.timestamp_millis()).ok())
}

/// Unix milliseconds as an RFC 3339 UTC time (`2024-05-01T00:00:00Z`, `…:00.250Z`), for messages.
pub fn format_ms(ms: u64) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .map_or_else(|| format!("{ms} ms after 1970"), |t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// The year of `YYYY-MM-DD[Tt]HH:MM:SS[.d+]([Zz]|[+-]HH:MM)` with months 01–12, days 01–31,
/// hours 00–23, minutes 00–59, seconds 00–60 and offsets up to ±23:59 (the schema's pattern
/// says the same, with years 2015–2099); `None` when the value has another shape.
fn rfc3339_year(value: &str) -> Option<u32> {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| b.get(range).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let two = |i: usize| b.get(i..i + 2).map(|d| u32::from(d[0] - b'0') * 10 + u32::from(d[1] - b'0'));
    if b.len() < 20 || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return None;
    }
    if !digits(11..13) || !digits(14..16) || !digits(17..19) {
        return None;
    }
    let year = b[..4].iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let in_range = |i: usize, lo: u32, hi: u32| two(i).is_some_and(|n| (lo..=hi).contains(&n));
    let shape = b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't')
        && b[13] == b':'
        && b[16] == b':'
        && in_range(5, 1, 12)
        && in_range(8, 1, 31)
        && in_range(11, 0, 23)
        && in_range(14, 0, 59)
        && in_range(17, 0, 60);
    if !shape {
        return None;
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let n = fraction.iter().take_while(|d| d.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &fraction[n..];
    }
    let offset_ok = match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit())
                && (u32::from(h1 - b'0') * 10 + u32::from(h2 - b'0')) <= 23
                && (u32::from(m1 - b'0') * 10 + u32::from(m2 - b'0')) <= 59
        }
        _ => false,
    };
    offset_ok.then_some(year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_times_and_tsos() {
        assert_eq!(StartPosition::parse("now"), Ok(StartPosition::Now));
        let time = StartPosition::parse("2024-05-01T00:00:00Z");
        assert_eq!(time.as_ref().ok().and_then(StartPosition::unix_ms), Some(1_714_521_600_000));
        let offset = StartPosition::parse("2024-05-01t02:00:00.5+02:00");
        assert_eq!(offset.ok().and_then(|s| s.unix_ms()), Some(1_714_521_600_500));
        let tso = 1_714_521_600_000u64 << 18 | 7;
        assert_eq!(StartPosition::from_tso(i128::from(tso)).ok().and_then(|s| s.unix_ms()), Some(1_714_521_600_000));
        assert_eq!(
            StartPosition::from_tso(i128::from(StartPosition::MIN_TSO)),
            Ok(StartPosition::Tso(StartPosition::MIN_TSO))
        );
        assert!(StartPosition::from_tso(i128::from(StartPosition::MAX_TSO)).is_ok());
        assert!(StartPosition::from_tso(i128::from(StartPosition::MAX_TSO) + 1).is_err());
        assert!(StartPosition::from_tso(i128::from(StartPosition::MIN_TSO) - 1).is_err());
    }

    #[test]
    fn refusals() {
        use StartPositionError as E;
        assert!(matches!(StartPosition::parse("NOW"), Err(E::Malformed { .. })));
        assert!(matches!(StartPosition::parse("yesterday"), Err(E::Malformed { .. })));
        assert!(matches!(StartPosition::parse("2024-05-01"), Err(E::Malformed { .. })));
        assert!(matches!(StartPosition::parse("2024-05-01T00:00:00"), Err(E::Malformed { .. })));
        assert!(matches!(StartPosition::parse("2024-05-01 00:00:00Z"), Err(E::Malformed { .. })));
        assert!(matches!(StartPosition::parse("449451550310400000"), Err(E::QuotedTso { .. })));
        assert!(matches!(StartPosition::parse("2023-02-29T00:00:00Z"), Err(E::NoSuchTime { .. })));
        assert!(matches!(StartPosition::parse("2010-01-01T00:00:00Z"), Err(E::TimeOutOfRange { .. })));
        assert!(matches!(StartPosition::parse("2015-01-01T00:30:00+01:00"), Err(E::TimeOutOfRange { .. })));
        assert!(matches!(StartPosition::from_tso(-1), Err(E::NotU64 { .. })));
        assert!(matches!(StartPosition::from_tso(1_714_521_600), Err(E::UnixTime { unit: "seconds", .. })));
        assert!(matches!(StartPosition::from_tso(1_714_521_600_000), Err(E::UnixTime { unit: "milliseconds", .. })));
        assert!(matches!(StartPosition::from_tso(42), Err(E::TsoOutOfRange { .. })));
        let node = Node { span: crate::Span::empty(0), kind: NodeKind::Bool(true) };
        assert_eq!(StartPosition::from_node(&node), Err(E::WrongType { found: "boolean" }));
    }

    #[test]
    fn api_times() {
        assert_eq!(rfc3339_unix_ms("2024-05-01T00:00:00.5Z"), Some(1_714_521_600_500));
        assert_eq!(rfc3339_unix_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_unix_ms("1969-12-31T23:59:59Z"), None);
        assert_eq!(rfc3339_unix_ms("yesterday"), None);
    }

    #[test]
    fn formats_milliseconds() {
        assert_eq!(format_ms(1_714_521_600_000), "2024-05-01T00:00:00Z");
        assert_eq!(format_ms(1_714_521_600_250), "2024-05-01T00:00:00.250Z");
    }
}
