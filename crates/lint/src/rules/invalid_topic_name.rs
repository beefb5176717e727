//! ## What it does
//! Flags a Kafka topic name Kafka would refuse: the `ONE_TOPIC` `topic`, and the `prefix`,
//! `separator` and `suffix` TiDB builds `BY_TABLE` and `BY_DATABASE` topic names from — a
//! character outside `[a-zA-Z0-9._-]`, an empty name or prefix, `.` or `..`, or parts so long
//! that no topic name built from them fits in Kafka's 249 characters.
//!
//! ## Why is this bad?
//! Kafka refuses to create such a topic, so the changefeed fails once it writes its first
//! change, long after `apply` reported success. TiDB replaces the characters of database and
//! table names that Kafka refuses with `_`, but it does not touch the parts written in the
//! plan. An empty prefix is refused too: the role bindings linkplan creates cover the topics
//! `<prefix>*`, and an empty prefix would grant the changefeed every topic of the cluster.
//!
//! ## Example
//! ```yaml
//! changefeed:
//!   topics:
//!     dispatch: BY_TABLE
//!     prefix: "tidb/orders:"
//! ```
//!
//! Use instead:
//! ```yaml
//! changefeed:
//!   topics:
//!     dispatch: BY_TABLE
//!     prefix: tidb.orders.
//! ```
//!
//! ## Needs
//! `changefeed.topics`.
//!
//! ## References
//! - Apache Kafka, topic names: at most 249 characters of ASCII letters, digits, `.`, `_` and
//!   `-`; `.` and `..` are refused
//! - TiCDC, Kafka sink topic dispatchers: `<prefix><schema><separator><table><suffix>`

use linkplan_model::values::{TopicAffix, TopicName, TopicNameError};
use linkplan_model::{Located, Span};

use crate::context::Context;
use crate::facts::Facts;

/// CF002
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(topics) = facts.plan.changefeed().and_then(|c| c.topics()) else {
        return;
    };
    if let Some(topic) = topics.topic()
        && let Err(error) = TopicName::parse(topic.value)
    {
        report(ctx, "topic", topic.span, &error);
    }
    let mut parts_ok = true;
    let prefix = part(ctx, "prefix", topics.prefix(), &mut parts_ok);
    let separator = part(ctx, "separator", topics.separator(), &mut parts_ok);
    let suffix = part(ctx, "suffix", topics.suffix(), &mut parts_ok);
    let Some(prefix) = prefix.filter(|_| parts_ok) else {
        return;
    };
    let suffix = suffix.map_or("", |s| s.value);
    let (parts, names) = match topics.dispatch().map(|d| d.value) {
        Some("BY_TABLE") => (vec![prefix.value, separator.map_or("_", |s| s.value), suffix], 2),
        Some("BY_DATABASE") => (vec![prefix.value, suffix], 1),
        _ => return,
    };
    if let Err(shortest) = TopicAffix::room(&parts, names) {
        let what = if names == 2 { "database and table" } else { "database" };
        let finding = ctx
            .finding(
                prefix.span,
                format!(
                    "every topic name would be at least {shortest} characters long: Kafka allows {}",
                    TopicName::MAX_LEN
                ),
            )
            .with_label("leaves no room for the names")
            .with_help(format!(
                "shorten the prefix (and suffix) so that {what} names fit in {} characters",
                TopicName::MAX_LEN
            ));
        ctx.report(finding);
    }
}

/// Checks one fixed part (reporting it), and passes it on.
fn part<'d>(
    ctx: &mut Context,
    key: &'static str,
    value: Option<Located<&'d str>>,
    ok: &mut bool,
) -> Option<Located<&'d str>> {
    let value = value?;
    let parsed = if key == "prefix" { TopicAffix::parse_prefix(value.value) } else { TopicAffix::parse(value.value) };
    if let Err(error) = parsed {
        report(ctx, key, value.span, &error);
        *ok = false;
    }
    Some(value)
}

fn report(ctx: &mut Context, key: &str, span: Span, error: &TopicNameError) {
    let what = if key == "topic" { "topic name".to_owned() } else { format!("topic {key}") };
    let (message, help) = match (key, error) {
        ("topic", TopicNameError::Empty) => ("the topic name is empty".to_owned(), "name the topic".to_owned()),
        ("prefix", TopicNameError::Empty) => (
            "the topic prefix is empty".to_owned(),
            "give a prefix such as `tidb_`: the role bindings cover `<prefix>*`, and an empty one would cover every topic of the cluster".to_owned(),
        ),
        (_, TopicNameError::Character { found, .. }) => (
            format!("the {what} has a character Kafka refuses: {error}"),
            format!("replace `{found}` with `.`, `_` or `-`"),
        ),
        (_, TopicNameError::Dots(_)) => (error.to_string(), "use a name with a letter or digit in it".to_owned()),
        (_, TopicNameError::TooLong { .. } | TopicNameError::Empty) => {
            (format!("the {what}: {error}"), format!("shorten the {what}"))
        }
    };
    let finding = ctx.finding(span, message).with_label("Kafka refuses this").with_help(help);
    ctx.report(finding);
}
