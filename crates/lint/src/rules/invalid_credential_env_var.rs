//! ## What it does
//! Flags `changefeed.credentials.api_key_env` and `api_secret_env` values that are not
//! environment variable names, that name the same variable, or that name a variable linkplan
//! reads its own cloud credentials from (`CONFLUENT_CLOUD_API_KEY`, `CONFLUENT_CLOUD_API_SECRET`,
//! `TIDBCLOUD_PUBLIC_KEY`, `TIDBCLOUD_PRIVATE_KEY`).
//!
//! ## Why is this bad?
//! These keys hold the *names* of two variables, never the key or secret: linkplan reads them
//! at plan and apply time, so a plan in git carries no secret. A value that is not a variable
//! name (`[A-Za-z_][A-Za-z0-9_]*`) is often the secret itself pasted in — rotate it. One
//! variable cannot hold both halves. And `CONFLUENT_CLOUD_API_KEY` holds the Cloud API key
//! linkplan manages Confluent with, a different kind of key that Kafka refuses: the changefeed
//! needs a Kafka API key for this cluster.
//!
//! ## Example
//! ```yaml
//! changefeed:
//!   credentials:
//!     api_key_env: CONFLUENT_CLOUD_API_KEY
//!     api_secret_env: orders-kafka-secret
//! ```
//!
//! Use instead:
//! ```yaml
//! changefeed:
//!   credentials:
//!     api_key_env: ORDERS_KAFKA_API_KEY
//!     api_secret_env: ORDERS_KAFKA_API_SECRET
//! ```
//!
//! ## Needs
//! `changefeed.credentials.api_key_env`, `changefeed.credentials.api_secret_env`.
//!
//! ## References
//! - POSIX, "Environment Variables": names of letters, digits and `_`, not starting with a digit
//! - Confluent Cloud: Cloud API keys (the control plane) and resource-specific Kafka API keys
//!   are different keys (`vendor-apis.md` §1, §12)

use linkplan_model::EnvVarName;

use crate::context::Context;
use crate::facts::Facts;

/// The variables linkplan reads its own credentials from.
const LINKPLAN_VARIABLES: &[&str] =
    &["CONFLUENT_CLOUD_API_KEY", "CONFLUENT_CLOUD_API_SECRET", "TIDBCLOUD_PUBLIC_KEY", "TIDBCLOUD_PRIVATE_KEY"];

/// CF008
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(credentials) = facts.plan.changefeed().and_then(|c| c.credentials()) else {
        return;
    };
    let key = credentials.api_key_env();
    let secret = credentials.api_secret_env();
    let mut valid = Vec::new();
    for value in [key, secret].into_iter().flatten() {
        match EnvVarName::parse(value.value) {
            Err(error) => {
                let looks_secret = value.value.len() >= 16 && !value.value.contains([' ', '-', '.']);
                let help = if looks_secret {
                    "write the NAME of the variable that holds it (`ORDERS_KAFKA_API_SECRET`); if this is a key or secret itself, rotate it"
                } else {
                    "use a name of letters, digits and `_`, such as `ORDERS_KAFKA_API_KEY`"
                };
                let finding = ctx
                    .finding(value.span, format!("`{}` is not an environment variable name: {error}", value.value))
                    .with_label("not a variable name")
                    .with_help(help);
                ctx.report(finding);
            }
            Ok(_) if LINKPLAN_VARIABLES.contains(&value.value) => {
                let finding = ctx
                    .finding(value.span, format!("`{}` holds linkplan's own cloud credentials, not a Kafka API key", value.value))
                    .with_label("a Cloud API key, which Kafka refuses")
                    .with_help("create a Kafka API key for this cluster and put it in variables of its own, or use `create: true`");
                ctx.report(finding);
            }
            Ok(_) => valid.push(value),
        }
    }
    if let [first, second] = valid.as_slice()
        && first.value == second.value
    {
        let finding = ctx
            .finding(second.span, format!("`api_key_env` and `api_secret_env` both name `{}`", second.value))
            .with_label("the same variable")
            .with_related(first.span, "the key's variable")
            .with_help("the key and the secret are two values: give each its own variable");
        ctx.report(finding);
    }
}
