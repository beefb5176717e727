//! ## What it does
//! Flags `changefeed.protocol: AVRO`.
//!
//! ## Why is this bad?
//! TiDB's Avro protocol writes each message's schema to a schema registry and needs its URL
//! (and credentials) in the changefeed. Plans do not model a schema registry yet, so linkplan
//! cannot create a changefeed that would work with AVRO: TiDB would refuse it, or it would
//! fail on its first change.
//!
//! ## Example
//! ```yaml
//! changefeed:
//!   protocol: AVRO
//! ```
//!
//! Use instead:
//! ```yaml
//! changefeed:
//!   protocol: CANAL_JSON   # or OPEN_PROTOCOL, DEBEZIUM
//! ```
//!
//! ## Needs
//! `changefeed.protocol`.
//!
//! ## References
//! - TiDB Cloud changefeed API: `dataFormat.protocol` and `avroConfig` (`vendor-apis.md` §11:
//!   AVRO needs a schema registry)
//! - TiCDC docs, "Avro protocol": the schema registry is required

use crate::context::Context;
use crate::facts::Facts;

/// CF005
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(protocol) = facts.plan.changefeed().and_then(|c| c.protocol()) else {
        return;
    };
    if protocol.value == "AVRO" {
        let finding = ctx
            .finding(protocol.span, "the AVRO protocol needs a schema registry, which plans cannot declare yet")
            .with_label("needs a schema registry")
            .with_help("use `protocol: CANAL_JSON`, `OPEN_PROTOCOL` or `DEBEZIUM`; none of them needs a registry");
        ctx.report(finding);
    }
}
