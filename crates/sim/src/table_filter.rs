//! TiDB's table filter, as changefeeds and `:describeSchemaTable` apply it: rules of the form
//! `schema.table`, each part a wildcard pattern (`*` any run, `?` one character, `[a-z]` /
//! `[!a-z]` classes, `\` escapes, `"…"` or `` `…` `` quoted literals), a leading `!` for an
//! exclusion, and the **last** rule that matches a table deciding whether it is in; a table no
//! rule matches is out. Matching ignores case unless the filter is case-sensitive. Written from
//! TiDB's table-filter documentation; regular-expression rules (`/…/`) and `@file` imports are
//! refused as unsupported.

use std::fmt;

/// Why a filter rule could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RuleError {
    pub(crate) rule: String,
    pub(crate) why: &'static str,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid table filter rule {:?}: {}", self.rule, self.why)
    }
}

/// One token of a part's pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyRun,
    AnyOne,
    Class { negated: bool, ranges: Vec<(char, char)> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    exclude: bool,
    schema: Vec<Token>,
    table: Vec<Token>,
}

/// A parsed list of rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableFilter {
    rules: Vec<Rule>,
    case_sensitive: bool,
}

impl TableFilter {
    /// Parse rules; an empty list means TiCDC's default, `*.*`.
    pub(crate) fn parse(rules: &[String], case_sensitive: bool) -> Result<TableFilter, RuleError> {
        let parsed = if rules.is_empty() {
            vec![Rule { exclude: false, schema: vec![Token::AnyRun], table: vec![Token::AnyRun] }]
        } else {
            rules.iter().map(|r| parse_rule(r)).collect::<Result<Vec<_>, _>>()?
        };
        Ok(TableFilter { rules: parsed, case_sensitive })
    }

    /// Whether the table `schema`.`table` is selected: the last matching rule decides.
    pub(crate) fn matches(&self, schema: &str, table: &str) -> bool {
        let fold = |s: &str| if self.case_sensitive { s.to_owned() } else { s.to_lowercase() };
        let (schema, table) = (fold(schema), fold(table));
        let schema: Vec<char> = schema.chars().collect();
        let table: Vec<char> = table.chars().collect();
        self.rules
            .iter()
            .rev()
            .find(|r| glob(&r.schema, &schema, self.case_sensitive) && glob(&r.table, &table, self.case_sensitive))
            .is_some_and(|r| !r.exclude)
    }
}

fn parse_rule(raw: &str) -> Result<Rule, RuleError> {
    let err = |why| RuleError { rule: raw.to_owned(), why };
    let text = raw.trim();
    if text.is_empty() {
        return Err(err("a rule must not be empty"));
    }
    let (exclude, body) = match text.strip_prefix('!') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text),
    };
    if body.starts_with('@') {
        return Err(err("importing rules from a file (@…) is not supported"));
    }
    if body.starts_with('/') {
        return Err(err("regular-expression rules (/…/) are not supported by the simulator"));
    }
    let chars: Vec<char> = body.chars().collect();
    let mut at = 0;
    let schema = parse_part(&chars, &mut at, true).map_err(err)?;
    if chars.get(at) != Some(&'.') {
        return Err(err("a rule is schema.table: the '.' between them is missing"));
    }
    at += 1;
    let table = parse_part(&chars, &mut at, false).map_err(err)?;
    if at != chars.len() {
        return Err(err("unexpected text after the table pattern"));
    }
    if schema.is_empty() || table.is_empty() {
        return Err(err("the schema and the table pattern must both be non-empty"));
    }
    Ok(Rule { exclude, schema, table })
}

/// One part's tokens, up to an unquoted, unescaped `.` (for the schema) or the end.
fn parse_part(chars: &[char], at: &mut usize, stop_at_dot: bool) -> Result<Vec<Token>, &'static str> {
    let mut tokens = Vec::new();
    while let Some(&c) = chars.get(*at) {
        match c {
            '.' if stop_at_dot => break,
            '.' => return Err("a rule has exactly one '.' between schema and table (escape others with \\)"),
            '*' => {
                tokens.push(Token::AnyRun);
                *at += 1;
            }
            '?' => {
                tokens.push(Token::AnyOne);
                *at += 1;
            }
            '\\' => {
                let next = chars.get(*at + 1).copied().ok_or("a '\\' at the end escapes nothing")?;
                tokens.push(Token::Literal(next));
                *at += 2;
            }
            '"' | '`' => {
                *at += 1;
                loop {
                    let d = chars.get(*at).copied().ok_or("an unterminated quoted name")?;
                    *at += 1;
                    if d == c {
                        // A doubled quote is the quote itself.
                        if chars.get(*at) == Some(&c) {
                            tokens.push(Token::Literal(c));
                            *at += 1;
                            continue;
                        }
                        break;
                    }
                    tokens.push(Token::Literal(d));
                }
            }
            '[' => {
                *at += 1;
                let negated = matches!(chars.get(*at), Some('!' | '^'));
                if negated {
                    *at += 1;
                }
                let mut ranges = Vec::new();
                let mut first = true;
                loop {
                    let lo = chars.get(*at).copied().ok_or("an unterminated character class '['")?;
                    if lo == ']' && !first {
                        *at += 1;
                        break;
                    }
                    first = false;
                    let lo = if lo == '\\' {
                        *at += 1;
                        chars.get(*at).copied().ok_or("a '\\' at the end escapes nothing")?
                    } else {
                        lo
                    };
                    *at += 1;
                    if chars.get(*at) == Some(&'-') && chars.get(*at + 1).is_some_and(|&h| h != ']') {
                        let hi = chars.get(*at + 1).copied().ok_or("an unterminated character class '['")?;
                        if hi < lo {
                            return Err("a character range runs backwards");
                        }
                        ranges.push((lo, hi));
                        *at += 2;
                    } else {
                        ranges.push((lo, lo));
                    }
                }
                tokens.push(Token::Class { negated, ranges });
            }
            c if c.is_alphanumeric() || c == '_' || c == '$' || !c.is_ascii() => {
                tokens.push(Token::Literal(c));
                *at += 1;
            }
            c if c.is_whitespace() => return Err("whitespace inside a rule must be quoted or escaped"),
            _ => return Err("a character other than letters, digits, '_' and '$' must be quoted or escaped"),
        }
    }
    Ok(tokens)
}

/// Wildcard match of a whole name (already case-folded unless case-sensitive).
fn glob(pattern: &[Token], name: &[char], case_sensitive: bool) -> bool {
    let fold = |c: char| if case_sensitive { c } else { c.to_lowercase().next().unwrap_or(c) };
    let one = |t: &Token, c: char| match t {
        Token::Literal(l) => fold(*l) == c,
        Token::AnyOne => true,
        Token::AnyRun => false,
        Token::Class { negated, ranges } => {
            let c_alt = if case_sensitive { c } else { c.to_uppercase().next().unwrap_or(c) };
            let hit = ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&c) || (lo..=hi).contains(&c_alt));
            hit != *negated
        }
    };
    // Iterative matching with one backtrack point for the last `*`.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some(Token::AnyRun) => {
                star = Some((p, n));
                p += 1;
            }
            Some(t) if name.get(n).is_some_and(|&c| one(t, c)) => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|t| *t == Token::AnyRun)
}

#[cfg(test)]
mod tests {
    use super::TableFilter;

    fn filter(rules: &[&str]) -> TableFilter {
        let rules: Vec<String> = rules.iter().map(|r| (*r).to_owned()).collect();
        TableFilter::parse(&rules, false).expect("rules parse")
    }

    #[test]
    fn the_last_matching_rule_wins() {
        let f = filter(&["orders.*", "!orders.tmp_*"]);
        assert!(f.matches("orders", "items"));
        assert!(!f.matches("orders", "tmp_1"));
        assert!(!f.matches("billing", "items"), "no rule matches: out");
        let f = filter(&["!orders.tmp_*", "orders.*"]);
        assert!(f.matches("orders", "tmp_1"), "the later positive rule wins");
        assert!(!filter(&["!orders.items"]).matches("orders", "items"));
        assert!(!filter(&["!orders.items"]).matches("orders", "other"), "exclusions alone select nothing");
        assert!(filter(&[]).matches("any", "table"), "no rules: *.*");
    }

    #[test]
    fn wildcards_classes_quotes_and_case() {
        let f = filter(&["db?.t[0-9]", "\"we.ird\".`x``y`", "s.[!a-c]*", "a\\-b.*"]);
        assert!(f.matches("db1", "t7"));
        assert!(!f.matches("db12", "t7"));
        assert!(!f.matches("db1", "tx"));
        assert!(f.matches("we.ird", "x`y"));
        assert!(f.matches("s", "dog") && !f.matches("s", "cat"));
        assert!(f.matches("a-b", "z"));
        assert!(f.matches("DB1", "T7"), "case-insensitive by default");
        let strict = TableFilter::parse(&["Orders.*".to_owned()], true).expect("parses");
        assert!(strict.matches("Orders", "x") && !strict.matches("orders", "x"));
    }

    #[test]
    fn bad_rules_are_errors() {
        for bad in ["", "orders", "a.b.c", "a b.c", "a-b.c", "[a.b", "/re/.x", "@file", "a.", ".b", "\"a.b", "[z-a].b"]
        {
            let e = TableFilter::parse(&[bad.to_owned()], false).expect_err(bad);
            assert!(e.to_string().contains("invalid table filter rule"), "{bad}: {e}");
        }
    }
}
