//! TiDB table filter rules (`changefeed.tables`): `orders.*`, `!orders.tmp_*`, `"db.with.dots".t`.
//!
//! The syntax is TiDB's table filter ("Table Filter" in the TiDB docs), as TiCDC and the TiDB
//! Cloud changefeed API read it:
//!
//! - a rule is `[!]<database pattern>.<table pattern>`; a leading `!` excludes what it matches
//!   (the last rule that matches a table decides);
//! - a pattern is plain identifier characters (ASCII letters and digits, `$`, `_`, anything
//!   outside ASCII), the wildcards `*` (any run of characters) and `?` (one character),
//!   character classes `[a-z]` / `[!a-z]` (negated), and `\` escapes of anything but an ASCII
//!   letter or digit (`my\-db`); every other ASCII character (`-`, space, `:`…) is special;
//! - or a whole name in double quotes or backquotes, where a doubled quote is a quote
//!   (`"foo""bar"`); quoting part of a name is refused.
//!
//! linkplan refuses what TiDB accepts but a plan should not carry: `/regex/` patterns and
//! `@file` imports (not supported: the plan is the whole filter), comments and blank rules
//! (TiDB ignores them silently), spaces around a rule (TiDB trims them), an empty database
//! pattern, `[!]`, and `[:` inside a class (Go's regexp would read a POSIX class there). A class
//! whose range is reversed (`[z-a]`) is refused as TiDB's regexp compiler refuses it.

use std::fmt;

/// Why a string is not a table filter rule. Positions are 1-based characters of the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableFilterError {
    #[error("the rule is empty")]
    Empty,
    #[error("`#…` is a comment in a TiDB filter file, not a rule: it would match nothing")]
    Comment,
    #[error("the rule starts or ends with a space or tab")]
    Whitespace,
    #[error("`@file` imports are not supported: list the rules themselves")]
    Import,
    #[error("regular expression patterns (`/…/`) are not supported: use the wildcards `*`, `?` and `[…]`")]
    Regex,
    #[error("the rule has no `.` between its database and table patterns")]
    MissingDot,
    #[error("the database pattern is empty")]
    EmptyDatabase,
    #[error("the table pattern is empty")]
    EmptyTable,
    #[error("`{found}` (character {at}) is a special character in a filter rule")]
    SpecialChar { found: char, at: usize },
    #[error("the `\\` at the end of the rule escapes nothing")]
    TrailingBackslash,
    #[error("`\\{found}` (character {at}): a letter or digit cannot be escaped (TiDB reserves it)")]
    EscapedAlphanumeric { found: char, at: usize },
    #[error("the quoted name at character {at} is empty or has no closing quote")]
    BadQuote { at: usize },
    #[error("the quoted name at character {at} must be the whole database or table pattern")]
    PartlyQuoted { at: usize },
    #[error("the character class at character {at} has no closing `]`")]
    UnterminatedClass { at: usize },
    #[error("the character class at character {at} is empty")]
    EmptyClass { at: usize },
    #[error("`\\{found}` (character {at}): only ASCII punctuation can be escaped inside `[…]`")]
    ClassEscape { found: char, at: usize },
    #[error(
        "`[:` inside the character class at character {at} would start a POSIX class, which table filters do not support"
    )]
    PosixClass { at: usize },
    #[error("the range `{range}` in a character class is reversed")]
    ReversedRange { range: String },
    #[error("`{rest}` follows the table pattern (character {at}): a second `.` must be escaped or quoted")]
    Stray { rest: String, at: usize },
}

/// One side of a rule: the database or the table pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FilterPattern {
    text: String,
    literal: Option<String>,
}

impl FilterPattern {
    /// The pattern as written (quotes and escapes included).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The one name it matches, when it has no wildcard or class (quotes and escapes removed).
    pub fn literal(&self) -> Option<&str> {
        self.literal.as_deref()
    }
}

/// A TiDB table filter rule such as `orders.*` or `!orders.tmp_*`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableFilterRule {
    value: String,
    exclude: bool,
    database: FilterPattern,
    table: FilterPattern,
}

impl TableFilterRule {
    /// Checks the rule's syntax (see the module docs) and splits it into its two patterns.
    pub fn parse(value: &str) -> Result<TableFilterRule, TableFilterError> {
        if value.is_empty() {
            return Err(TableFilterError::Empty);
        }
        if value.starts_with([' ', '\t']) || value.ends_with([' ', '\t']) {
            return Err(if value.trim_matches([' ', '\t']).is_empty() {
                TableFilterError::Empty
            } else {
                TableFilterError::Whitespace
            });
        }
        let chars: Vec<char> = value.chars().collect();
        let mut at = 0;
        match chars.first() {
            Some('#') => return Err(TableFilterError::Comment),
            Some('@') => return Err(TableFilterError::Import),
            Some('!') => at = 1,
            _ => {}
        }
        let exclude = at == 1;
        let (database, next) = pattern(&chars, at, Side::Database)?;
        match chars.get(next) {
            None => return Err(TableFilterError::MissingDot),
            Some('.') => {}
            // Only a quoted pattern can stop before a `.` or the end.
            Some(_) => return Err(TableFilterError::PartlyQuoted { at: at + 1 }),
        }
        let (table, end) = pattern(&chars, next + 1, Side::Table)?;
        if end < chars.len() {
            if chars[end] == '.' {
                return Err(TableFilterError::Stray { rest: chars[end..].iter().collect(), at: end + 1 });
            }
            return Err(TableFilterError::PartlyQuoted { at: next + 2 });
        }
        Ok(TableFilterRule { value: value.to_owned(), exclude, database, table })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// A `!` rule: it excludes what it matches.
    pub fn is_exclusion(&self) -> bool {
        self.exclude
    }

    pub fn database(&self) -> &FilterPattern {
        &self.database
    }

    pub fn table(&self) -> &FilterPattern {
        &self.table
    }
}

impl fmt::Display for TableFilterRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

#[derive(Clone, Copy)]
enum Side {
    Database,
    Table,
}

impl Side {
    fn empty(self) -> TableFilterError {
        match self {
            Side::Database => TableFilterError::EmptyDatabase,
            Side::Table => TableFilterError::EmptyTable,
        }
    }
}

/// The pattern starting at `start` and the index just after it.
fn pattern(chars: &[char], start: usize, side: Side) -> Result<(FilterPattern, usize), TableFilterError> {
    let text = |end: usize| chars[start..end].iter().collect::<String>();
    match chars.get(start) {
        None | Some('.') => Err(side.empty()),
        Some('/') => Err(TableFilterError::Regex),
        Some(&quote @ ('"' | '`')) => {
            let mut name = String::new();
            let mut i = start + 1;
            loop {
                match chars.get(i) {
                    None => return Err(TableFilterError::BadQuote { at: start + 1 }),
                    Some(&c) if c == quote => {
                        if chars.get(i + 1) == Some(&quote) {
                            name.push(quote);
                            i += 2;
                        } else {
                            break;
                        }
                    }
                    Some(&c) => {
                        name.push(c);
                        i += 1;
                    }
                }
            }
            if name.is_empty() {
                return Err(TableFilterError::BadQuote { at: start + 1 });
            }
            Ok((FilterPattern { text: text(i + 1), literal: Some(name) }, i + 1))
        }
        Some(_) => {
            let mut literal = Some(String::new());
            let mut i = start;
            while let Some(&c) = chars.get(i) {
                match c {
                    '.' => break,
                    '\\' => {
                        let Some(&escaped) = chars.get(i + 1) else {
                            return Err(TableFilterError::TrailingBackslash);
                        };
                        if escaped.is_ascii_alphanumeric() {
                            return Err(TableFilterError::EscapedAlphanumeric { found: escaped, at: i + 2 });
                        }
                        if let Some(l) = literal.as_mut() {
                            l.push(escaped);
                        }
                        i += 2;
                    }
                    '*' | '?' => {
                        literal = None;
                        i += 1;
                    }
                    '[' => {
                        literal = None;
                        i = class(chars, i)?;
                    }
                    c if c == '$' || c == '_' || c.is_ascii_alphanumeric() || !c.is_ascii() => {
                        if let Some(l) = literal.as_mut() {
                            l.push(c);
                        }
                        i += 1;
                    }
                    found => return Err(TableFilterError::SpecialChar { found, at: i + 1 }),
                }
            }
            if i == start {
                return Err(side.empty());
            }
            Ok((FilterPattern { text: text(i), literal }, i))
        }
    }
}

/// The character class opening at `start` (`[`); returns the index after its `]`.
fn class(chars: &[char], start: usize) -> Result<usize, TableFilterError> {
    let at = start + 1;
    let mut i = start + 1;
    let negated = chars.get(i) == Some(&'!') && chars.get(i + 1).is_some_and(|c| *c != ']');
    if chars.get(i) == Some(&'!') && chars.get(i + 1) == Some(&']') {
        return Err(TableFilterError::EmptyClass { at });
    }
    if negated {
        i += 1;
    }
    // (character, escaped)
    let mut atoms: Vec<(char, bool)> = Vec::new();
    loop {
        match chars.get(i) {
            None => return Err(TableFilterError::UnterminatedClass { at }),
            Some(']') => break,
            Some('\\') => {
                let Some(&escaped) = chars.get(i + 1) else {
                    return Err(TableFilterError::UnterminatedClass { at });
                };
                if !escaped.is_ascii() || escaped.is_ascii_alphanumeric() {
                    return Err(TableFilterError::ClassEscape { found: escaped, at: i + 2 });
                }
                atoms.push((escaped, true));
                i += 2;
            }
            Some('[') if chars.get(i + 1) == Some(&':') => return Err(TableFilterError::PosixClass { at }),
            Some(&c) => {
                atoms.push((c, false));
                i += 1;
            }
        }
    }
    if atoms.is_empty() {
        return Err(TableFilterError::EmptyClass { at });
    }
    let mut k = 0;
    while k < atoms.len() {
        if atoms.get(k + 1) == Some(&('-', false))
            && let Some(&(hi, _)) = atoms.get(k + 2)
        {
            let lo = atoms[k].0;
            if lo > hi {
                return Err(TableFilterError::ReversedRange { range: format!("{lo}-{hi}") });
            }
            k += 3;
        } else {
            k += 1;
        }
    }
    Ok(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(rule: &str) -> TableFilterRule {
        match TableFilterRule::parse(rule) {
            Ok(r) => r,
            Err(e) => panic!("{rule:?}: {e}"),
        }
    }

    #[test]
    fn documented_examples_parse() {
        for rule in [
            "orders.*",
            "!orders.tmp_*",
            "db1.tbl1",
            "db[0-9].tbl[0-9a-f][0-9a-f]",
            "data.*",
            "*.backup_*",
            "*.*",
            "!*.Password",
            "db\\.with\\.dots.*",
            "\"db.with.dots\".\"tbl\\1\"",
            "`db.with.dots`.`tbl\\2`",
            "\"foo\"\"bar\".`foo``bar`",
            "foo\\\"bar.foo\\`bar",
            "db?.t[!a-c]",
            "café.t",
            "$x.y_z",
            "a.[^]",
            "a.[!!]",
            "a.[a-]",
            "a.[\\]\\-]",
        ] {
            ok(rule);
        }
    }

    #[test]
    fn parts_and_literals() {
        let rule = ok("!orders.tmp_*");
        assert!(rule.is_exclusion());
        assert_eq!(rule.database().literal(), Some("orders"));
        assert_eq!(rule.table().as_str(), "tmp_*");
        assert_eq!(rule.table().literal(), None);
        let quoted = ok("\"a.b\"\"c\".t");
        assert_eq!(quoted.database().literal(), Some("a.b\"c"));
        assert_eq!(ok("my\\-db.t").database().literal(), Some("my-db"));
    }

    #[test]
    fn refusals() {
        use TableFilterError as E;
        type Expect = fn(&E) -> bool;
        let cases: &[(&str, Expect)] = &[
            ("", |e| *e == E::Empty),
            ("  ", |e| *e == E::Empty),
            (" orders.*", |e| *e == E::Whitespace),
            ("orders.* ", |e| *e == E::Whitespace),
            ("# note", |e| *e == E::Comment),
            ("@rules.txt", |e| *e == E::Import),
            ("/^db/.t", |e| *e == E::Regex),
            ("db./^t/", |e| *e == E::Regex),
            ("orders", |e| *e == E::MissingDot),
            (".t", |e| *e == E::EmptyDatabase),
            ("!", |e| *e == E::EmptyDatabase),
            ("db.", |e| *e == E::EmptyTable),
            ("my-db.t", |e| matches!(e, E::SpecialChar { found: '-', at: 3 })),
            ("!!db.t", |e| matches!(e, E::SpecialChar { found: '!', at: 2 })),
            ("db.t\\", |e| *e == E::TrailingBackslash),
            ("db.\\n", |e| matches!(e, E::EscapedAlphanumeric { found: 'n', .. })),
            ("\"\".t", |e| matches!(e, E::BadQuote { at: 1 })),
            ("\"db.t", |e| matches!(e, E::BadQuote { .. })),
            ("\"this is \"invalid*.*", |e| matches!(e, E::PartlyQuoted { .. })),
            ("db.\"t\"x", |e| matches!(e, E::PartlyQuoted { .. })),
            ("db.t[a", |e| matches!(e, E::UnterminatedClass { .. })),
            ("db.t[]", |e| matches!(e, E::UnterminatedClass { .. } | E::EmptyClass { .. })),
            ("db.t[!]", |e| matches!(e, E::EmptyClass { .. })),
            ("db.t[\\d]", |e| matches!(e, E::ClassEscape { found: 'd', .. })),
            ("db.t[[:alpha:]]", |e| matches!(e, E::PosixClass { .. })),
            ("db.t[z-a]", |e| matches!(e, E::ReversedRange { range } if range == "z-a")),
            ("db.t.x", |e| matches!(e, E::Stray { at: 5, .. })),
        ];
        for (rule, expected) in cases {
            match TableFilterRule::parse(rule) {
                Ok(_) => panic!("{rule:?} parsed"),
                Err(e) => assert!(expected(&e), "{rule:?}: {e:?}"),
            }
        }
    }
}
