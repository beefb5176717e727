//! ## What it does
//! Flags a PrivateLink access whose `account` differs from TiDB Cloud's AWS account
//! (`tidb.aws_account_id`).
//!
//! ## Why is this bad?
//! Confluent only accepts endpoint connections from the accounts it was told about. An access
//! for another account leaves TiDB Cloud's private link connection in PENDING_ACCEPTANCE
//! forever. `account` defaults to `tidb.aws_account_id`; when both are given they must agree.
//!
//! ## Example
//! ```yaml
//! tidb:
//!   aws_account_id: "123456789012"
//! confluent:
//!   private_link_access:
//!     account: "210987654321"
//! ```
//!
//! Use instead:
//! ```yaml
//! tidb:
//!   aws_account_id: "123456789012"
//! confluent:
//!   private_link_access:
//!     display_name: tidb-orders-cdc
//! ```
//!
//! ## Needs
//! `confluent.private_link_access.account` and `tidb.aws_account_id` (declared, or online).
//!
//! ## References
//! - Runbook, step 2: add a PrivateLink access for the TiDB Cloud AWS account ID

use linkplan_model::AwsAccountId;

use crate::context::Context;
use crate::facts::Facts;

/// AC002
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let plan = &facts.plan;
    let Some(access) = plan.confluent().and_then(|c| c.private_link_access()).and_then(|a| a.account()) else {
        return;
    };
    let Some(tidb) = plan.tidb() else { return };
    let Some(tidb_account) = tidb.aws_account_id() else {
        ctx.missing("tidb.aws_account_id", tidb.key_span());
        return;
    };
    if AwsAccountId::parse(access.value).is_err() || AwsAccountId::parse(tidb_account.value).is_err() {
        return; // AC001 reports malformed IDs.
    }
    if access.value != tidb_account.value {
        let finding = ctx
            .finding(
                access.span,
                format!(
                    "access is for account `{}`, but TiDB Cloud's account is `{}`",
                    access.value, tidb_account.value
                ),
            )
            .with_label("not TiDB Cloud's account")
            .with_related(tidb_account.span, "TiDB Cloud's AWS account")
            .with_help("remove `account` (it defaults to tidb.aws_account_id) or set it to the same ID");
        ctx.report(finding);
    }
}
