//! ## What it does
//! Flags `changefeed.credentials` that do not name exactly one way to get the Kafka API key:
//! both `create: true` and `api_key_env`/`api_secret_env`; neither of them (an empty block, or
//! `create: false` alone); only one of the two variables; or `service_account` without
//! `create: true`.
//!
//! ## Why is this bad?
//! The changefeed writes to Kafka with one Kafka API key, and linkplan must know whose it is:
//! with `create: true` linkplan creates a service account, a Kafka API key for exactly this
//! cluster and role bindings limited to the changefeed's topics (and destroy removes them);
//! with `api_key_env` and `api_secret_env` it reads your key from those two environment
//! variables at plan and apply time. Both at once, or neither, leaves it guessing; and
//! `service_account` names the account linkplan would create, which it does not in the second
//! mode.
//!
//! ## Example
//! ```yaml
//! changefeed:
//!   credentials:
//!     create: true
//!     api_key_env: ORDERS_KAFKA_API_KEY
//! ```
//!
//! Use instead:
//! ```yaml
//! changefeed:
//!   credentials:
//!     create: true
//!     service_account: tidb-orders-cdc
//! ```
//!
//! ## Needs
//! `changefeed.credentials`.
//!
//! ## References
//! - Confluent Cloud IAM: service accounts, Kafka API keys and role bindings
//!   (`vendor-apis.md` §12)
//! - linkplan plan format, `changefeed.credentials`

use crate::context::Context;
use crate::facts::Facts;

/// CF006
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(credentials) = facts.plan.changefeed().and_then(|c| c.credentials()) else {
        return;
    };
    let creates = credentials.creates();
    let key = credentials.key_span_of("api_key_env");
    let secret = credentials.key_span_of("api_secret_env");
    let from_env = key.is_some() || secret.is_some();
    if creates && from_env {
        let mut finding = ctx
            .finding(credentials.key_span(), "`credentials` names both modes: `create: true` and your own key")
            .with_label("two modes");
        if let Some(span) = credentials.key_span_of("create") {
            finding = finding.with_related(span, "linkplan creates a key");
        }
        if let Some(span) = key.or(secret) {
            finding = finding.with_related(span, "you supply a key");
        }
        let finding = finding.with_help(
            "keep one: `create: true` to let linkplan make a service account, key and role bindings, or `api_key_env` and `api_secret_env` for a key you have",
        );
        ctx.report(finding);
        return;
    }
    if let Some(span) = credentials.key_span_of("service_account")
        && !creates
    {
        let finding = ctx
            .finding(span, "`service_account` only applies with `create: true`")
            .with_label("no service account is created")
            .with_help(if from_env {
                "remove `service_account`: with your own key linkplan creates no service account"
            } else {
                "add `create: true` to let linkplan create this service account, its key and role bindings"
            });
        ctx.report(finding);
        if !from_env {
            return;
        }
    }
    if from_env {
        for (present, missing, name) in [(key, secret, "api_secret_env"), (secret, key, "api_key_env")] {
            if let (Some(span), None) = (present, missing) {
                let finding = ctx
                    .finding(span, format!("your own key also needs `{name}`"))
                    .with_label(format!("no `{name}`"))
                    .with_help(format!("add `{name}`: the name of the environment variable holding the other half"));
                ctx.report(finding);
            }
        }
        return;
    }
    if creates {
        return;
    }
    let finding = match credentials.create() {
        Some(create) => ctx
            .finding(create.span, "`create: false` names no credentials")
            .with_label("no key")
            .with_help("write `create: true`, or give `api_key_env` and `api_secret_env` for a key you have"),
        None => ctx
            .finding(credentials.key_span(), "`credentials` names no credentials")
            .with_label("no mode")
            .with_help("add `create: true`, or `api_key_env` and `api_secret_env` for a key you have"),
    };
    ctx.report(finding);
}
