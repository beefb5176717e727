//! ## What it does
//! Flags an item of `changefeed.tables` that is not a TiDB table filter rule: a name with a
//! special character left unescaped (`my-db.*`), a rule without its `.table` part, an unclosed
//! quote or character class, a reversed range, or a form linkplan does not support (`/regex/`
//! patterns, `@file` imports, comments, spaces around the rule).
//!
//! ## Why is this bad?
//! TiDB refuses the whole changefeed when one rule does not parse, and only after the service
//! account, the API key and the role bindings have been made. A rule is
//! `[!]<database>.<table>`; each part is plain identifier characters (letters, digits, `$`,
//! `_`, anything outside ASCII), the wildcards `*` and `?`, a class `[a-z]` or `[!a-z]`, `\`
//! escapes of punctuation (`my\-db`), or a whole name in double quotes or backquotes. Every
//! other ASCII character, `-` and space included, is special. linkplan also refuses what TiDB
//! would accept but a reviewed plan should not carry: `/regex/` patterns and `@file` imports
//! (the plan is the whole filter), `#` comments and blank rules (TiDB ignores them), spaces
//! around a rule (TiDB trims them), `[!]` and `[:` inside a class.
//!
//! ## Example
//! ```yaml
//! changefeed:
//!   tables: ["order-history.*", "orders"]
//! ```
//!
//! Use instead:
//! ```yaml
//! changefeed:
//!   tables: ["order\\-history.*", "orders.*"]   # or "`order-history`.*"
//! ```
//!
//! ## Needs
//! `changefeed.tables`.
//!
//! ## References
//! - TiDB docs, "Table Filter": syntax, wildcards, quoting and escaping, exclusion
//! - TiDB Cloud changefeed API: `filter.filterRule[]` (`vendor-apis.md` §11)

use linkplan_model::TableFilterRule;
use linkplan_model::values::TableFilterError as E;

use crate::context::Context;
use crate::facts::Facts;

/// CF001
pub(crate) fn check(ctx: &mut Context, facts: &Facts<'_>) {
    let Some(tables) = facts.plan.changefeed().and_then(|c| c.tables()) else {
        return;
    };
    for item in tables.items() {
        let Err(error) = TableFilterRule::parse(item.value) else { continue };
        let finding = ctx
            .finding(item.span, format!("`{}` is not a TiDB table filter rule: {error}", item.value))
            .with_label(label(&error))
            .with_help(help(item.value, &error));
        ctx.report(finding);
    }
}

fn label(error: &E) -> &'static str {
    match error {
        E::Regex | E::Import | E::Comment => "not supported",
        _ => "invalid rule",
    }
}

fn help(rule: &str, error: &E) -> String {
    match error {
        E::Empty => "remove the empty item".to_owned(),
        E::Comment => "remove it: a YAML comment goes after the quotes, `- \"orders.*\"  # note`".to_owned(),
        E::Whitespace => {
            "remove the spaces around the rule; to match a space, escape it (`\\ `) or quote the name".to_owned()
        }
        E::Import => "list the rules of the file in `tables` itself".to_owned(),
        E::Regex => {
            "write the pattern with wildcards instead: `*` (any characters), `?` (one), `[0-9]` (a class)".to_owned()
        }
        E::MissingDot => "add the table part: `orders.*` is every table of the `orders` database".to_owned(),
        E::EmptyDatabase => "name the database, or write `*` for every database".to_owned(),
        E::EmptyTable => "name the table, or write `*` for every table".to_owned(),
        E::SpecialChar { found, .. } => {
            // The rule with every such character escaped, and with the part holding it quoted,
            // when that is all it takes.
            let escaped = rule.replace(*found, &format!("\\{found}"));
            let (bang, body) = rule.strip_prefix('!').map_or(("", rule), |b| ("!", b));
            let quoted = body.split_once('.').and_then(|(db, table)| {
                [format!("{bang}\"{db}\".{table}"), format!("{bang}{db}.\"{table}\"")]
                    .into_iter()
                    .find(|q| TableFilterRule::parse(q).is_ok())
            });
            match (TableFilterRule::parse(&escaped).is_ok(), quoted) {
                (true, Some(quoted)) => format!("escape it, `{escaped}`, or quote the name, `{quoted}`"),
                (true, None) => format!("escape it: `{escaped}`"),
                (false, Some(quoted)) => format!("quote the name: `{quoted}`"),
                (false, None) => format!("escape it (`\\{found}`) or quote the whole name (`\"my{found}db\".*`)"),
            }
        }
        E::TrailingBackslash | E::EscapedAlphanumeric { .. } => {
            "remove the `\\`: only punctuation is escaped, and `\\n`, `\\t` mean nothing in a filter".to_owned()
        }
        E::BadQuote { .. } | E::PartlyQuoted { .. } => {
            "quote a whole name, doubling any quote inside it: `\"foo\"\"bar\".*`".to_owned()
        }
        E::UnterminatedClass { .. } | E::EmptyClass { .. } | E::ClassEscape { .. } | E::PosixClass { .. } => {
            "a class is `[a-z0-9]`, or `[!a-z]` for any character but those; escape `]`, `\\` and `[` inside it"
                .to_owned()
        }
        E::ReversedRange { range } => match (range.chars().next(), range.chars().last()) {
            (Some(lo), Some(hi)) => format!("write the range low to high: `{hi}-{lo}`"),
            _ => "write the range low to high".to_owned(),
        },
        E::Stray { .. } => "a name with a `.` is escaped (`db\\.name.*`) or quoted (`\"db.name\".*`)".to_owned(),
    }
}
