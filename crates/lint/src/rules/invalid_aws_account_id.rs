//! ## What it does
//! Flags an AWS account ID that is not exactly 12 digits, in `tidb.aws_account_id` or
//! `confluent.private_link_access.account`, including one written as a bare number.
//!
//! ## Why is this bad?
//! The PrivateLink access is granted to this account. A wrong account ID means TiDB Cloud's
//! endpoint is never accepted, and the connection waits in PENDING_ACCEPTANCE. Written without
//! quotes, YAML reads the ID as a number and drops leading zeros (`012345678901` becomes
//! `12345678901`).
//!
//! ## Example
//! ```yaml
//! tidb:
//!   aws_account_id: 012345678901
//! ```
//!
//! Use instead:
//! ```yaml
//! tidb:
//!   aws_account_id: "012345678901"
//! ```
//!
//! ## Needs
//! The declared account IDs.
//!
//! ## References
//! - Runbook, prerequisites: record TiDB Cloud's AWS account ID (getAvailabilityZones `accountId`)
//! - Runbook, step 2: add a PrivateLink access for that account

use linkplan_model::plan::Section;
use linkplan_model::{AwsAccountId, NodeKind};

use crate::context::Context;
use crate::facts::Facts;

/// AC001
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let plan = &facts.plan;
    if let Some(tidb) = plan.tidb() {
        check_key(ctx, &tidb, "aws_account_id");
    }
    if let Some(access) = plan.confluent().and_then(|c| c.private_link_access()) {
        check_key(ctx, &access, "account");
    }
}

fn check_key(ctx: &mut Context, section: &Section<'_>, key: &str) {
    let Some(entry) = section.entry(key) else {
        return;
    };
    let node = &entry.value;
    let finding = match &node.kind {
        NodeKind::Str(value) if AwsAccountId::parse(value).is_err() => {
            let digits = value.chars().filter(char::is_ascii_digit).count();
            ctx.finding(node.span, format!("`{value}` is not a 12-digit AWS account ID"))
                .with_label(format!("{} characters, {digits} digits", value.chars().count()))
                .with_help("AWS account IDs are exactly 12 digits; copy it from TiDB Cloud's \"Create Private Link Connection\" dialog")
        }
        NodeKind::Int(number) => ctx
            .finding(node.span, format!("AWS account ID `{number}` is written as a number"))
            .with_label("unquoted")
            .with_help(format!(
                "quote it: `\"{number:0>12}\"` if the ID starts with zeros; YAML drops them from numbers"
            )),
        _ => return,
    };
    ctx.report(finding);
}
