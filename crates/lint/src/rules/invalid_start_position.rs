//! ## What it does
//! Flags a `changefeed.start_position` that is not `now`, a TiDB TSO or an RFC 3339 time, or
//! that falls before 2015 or after 2100: a TSO written in quotes, Unix seconds or milliseconds
//! where a TSO belongs, a time without its offset, a day that does not exist.
//!
//! ## Why is this bad?
//! TiDB refuses a start it cannot read, and a number that is not a TSO reads as a moment in
//! 1970 — long before the cluster's GC safe point, so the changefeed cannot start. A TSO is
//! TiDB's timestamp: its physical part, `tso >> 18`, is Unix milliseconds (so
//! `449451550310400000` is 2024-05-01). A time needs its offset (`Z` or `+02:00`): without
//! one it names a different moment in every time zone.
//!
//! ## Example
//! ```yaml
//! changefeed:
//!   start_position: 1714521600   # Unix seconds
//! ```
//!
//! Use instead:
//! ```yaml
//! changefeed:
//!   start_position: 2024-05-01T00:00:00Z   # or a TSO: 449451550310400000, or now
//! ```
//!
//! ## Needs
//! `changefeed.start_position`.
//!
//! ## Known problems
//! Offline, linkplan has no clock: a time in the future, or one older than the cluster keeps
//! changes for, is only found online (CF102 compares it with the GC safe point).
//!
//! ## References
//! - TiDB Cloud changefeed API: `startPosition` (`mode` FROM_NOW / FROM_TSO / FROM_TIME, `tso`,
//!   `time`; `vendor-apis.md` §11)
//! - TiDB docs, "TSO": a 64-bit timestamp, physical time in milliseconds and an 18-bit logical
//!   counter
//! - RFC 3339, section 5.6 (`date-time`)

use linkplan_model::values::{StartPositionError as E, format_ms};
use linkplan_model::{NodeKind, StartPosition};

use crate::context::Context;
use crate::facts::Facts;

/// CF004
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(node) = facts.plan.changefeed().and_then(|c| c.start_position()) else {
        return;
    };
    let Err(error) = StartPosition::from_node(node) else {
        return;
    };
    let help = match &error {
        E::WrongType { .. } => {
            "write `now`, a TSO such as `449451550310400000`, or a time such as `2024-05-01T00:00:00Z`".to_owned()
        }
        E::Malformed { value } if value.eq_ignore_ascii_case("now") => "write `now` in lowercase".to_owned(),
        E::Malformed { .. } => {
            "an RFC 3339 time has a date, a `T`, a time and an offset: `2024-05-01T00:00:00Z` or `2024-05-01T02:00:00+02:00`"
                .to_owned()
        }
        E::QuotedTso { .. } => "remove the quotes: a TSO is an integer".to_owned(),
        E::NoSuchTime { .. } => "check the day of the month and the offset".to_owned(),
        E::TimeOutOfRange { .. } | E::TsoOutOfRange { .. } | E::NotU64 { .. } => {
            "start at `now`, or at a recent time the cluster still keeps the changes of".to_owned()
        }
        E::UnixTime { tso, unit } => {
            let ms = if *unit == "seconds" { tso.saturating_mul(1000) } else { *tso };
            format!(
                "write the time itself, `{}`, or its TSO, `{}`",
                format_ms(ms),
                ms.checked_shl(18).filter(|t| t >> 18 == ms).map_or_else(|| "?".to_owned(), |t| t.to_string())
            )
        }
    };
    let label = if matches!(node.kind, NodeKind::Int(_)) { "not a TSO" } else { "not a start position" };
    let finding = ctx.finding(node.span, error.to_string()).with_label(label).with_help(help);
    ctx.report(finding);
}
