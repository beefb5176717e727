//! Kafka topic names (`changefeed.topics.topic`) and the parts TiDB builds topic names from
//! (`prefix`, `separator`, `suffix`).
//!
//! Kafka accepts a topic name of 1 to 249 characters from `[a-zA-Z0-9._-]`, except `.` and
//! `..` (Kafka's `Topic.validate`). With `BY_TABLE` TiDB names a topic
//! `<prefix><database><separator><table><suffix>`, with `BY_DATABASE`
//! `<prefix><database><suffix>`, replacing characters of the database and table names that
//! Kafka refuses with `_`: the fixed parts must use Kafka's characters themselves and leave room
//! for the names.

use std::fmt;

/// Why a value is not a topic name or a part of one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicNameError {
    #[error("a topic name cannot be empty")]
    Empty,
    #[error("`{0}` is not a topic name: Kafka refuses `.` and `..`")]
    Dots(String),
    #[error(
        "`{found}` (character {at}) is not allowed in a Kafka topic name: only ASCII letters, digits, `.`, `_` and `-`"
    )]
    Character { found: char, at: usize },
    #[error("{len} characters is too long: Kafka topic names have at most {max}")]
    TooLong { len: usize, max: usize },
}

/// A Kafka topic name: 1..=249 characters of `[a-zA-Z0-9._-]`, not `.` or `..`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicName(String);

impl TopicName {
    /// Kafka's limit on a topic name's length.
    pub const MAX_LEN: usize = 249;

    pub fn parse(value: &str) -> Result<TopicName, TopicNameError> {
        if value.is_empty() {
            return Err(TopicNameError::Empty);
        }
        check_characters(value)?;
        if value == "." || value == ".." {
            return Err(TopicNameError::Dots(value.to_owned()));
        }
        if value.len() > Self::MAX_LEN {
            return Err(TopicNameError::TooLong { len: value.len(), max: Self::MAX_LEN });
        }
        Ok(TopicName(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A fixed part of generated topic names: a `prefix`, `separator` or `suffix`. Kafka's
/// characters only, and at most [`TopicAffix::MAX_LEN`] of them, so that a one-character name
/// still fits; [`TopicAffix::room`] checks the parts together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TopicAffix(String);

impl TopicAffix {
    /// The longest part that leaves room for a one-character database name.
    pub const MAX_LEN: usize = TopicName::MAX_LEN - 1;

    /// A separator or suffix: may be empty.
    pub fn parse(value: &str) -> Result<TopicAffix, TopicNameError> {
        check_characters(value)?;
        if value.len() > Self::MAX_LEN {
            return Err(TopicNameError::TooLong { len: value.len(), max: Self::MAX_LEN });
        }
        Ok(TopicAffix(value.to_owned()))
    }

    /// A prefix: not empty (role bindings cover `<prefix>*`; an empty prefix would grant every
    /// topic of the cluster).
    pub fn parse_prefix(value: &str) -> Result<TopicAffix, TopicNameError> {
        if value.is_empty() {
            return Err(TopicNameError::Empty);
        }
        TopicAffix::parse(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How many characters the names TiDB inserts may still have once `parts` are in place;
    /// `names` is how many names go in (2 with `BY_TABLE`, 1 with `BY_DATABASE`), each at least
    /// one character long. `Err` gives the shortest topic name the parts make.
    pub fn room(parts: &[&str], names: usize) -> Result<usize, usize> {
        let shortest = parts.iter().map(|p| p.len()).sum::<usize>() + names;
        if shortest > TopicName::MAX_LEN { Err(shortest) } else { Ok(TopicName::MAX_LEN - shortest + names) }
    }
}

fn check_characters(value: &str) -> Result<(), TopicNameError> {
    match value.chars().enumerate().find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        Some((i, found)) => Err(TopicNameError::Character { found, at: i + 1 }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_names() {
        assert!(TopicName::parse("orders-cdc").is_ok());
        assert!(TopicName::parse("a.b_c-D9").is_ok());
        assert!(TopicName::parse("...").is_ok());
        assert_eq!(TopicName::parse(""), Err(TopicNameError::Empty));
        assert!(matches!(TopicName::parse(".."), Err(TopicNameError::Dots(_))));
        assert!(matches!(TopicName::parse("orders cdc"), Err(TopicNameError::Character { found: ' ', at: 7 })));
        assert!(matches!(TopicName::parse("ordérs"), Err(TopicNameError::Character { found: 'é', at: 4 })));
        assert!(TopicName::parse(&"a".repeat(249)).is_ok());
        assert!(matches!(TopicName::parse(&"a".repeat(250)), Err(TopicNameError::TooLong { len: 250, .. })));
    }

    #[test]
    fn affixes_and_room() {
        assert!(TopicAffix::parse("").is_ok());
        assert_eq!(TopicAffix::parse_prefix(""), Err(TopicNameError::Empty));
        assert!(TopicAffix::parse_prefix("tidb_").is_ok());
        assert!(matches!(TopicAffix::parse("/"), Err(TopicNameError::Character { found: '/', .. })));
        assert!(TopicAffix::parse(&"a".repeat(248)).is_ok());
        assert!(TopicAffix::parse(&"a".repeat(249)).is_err());
        assert_eq!(TopicAffix::room(&["tidb_", "_", ""], 2), Ok(249 - 6));
        let long = "a".repeat(240);
        assert_eq!(TopicAffix::room(&[&long, "_", "_suffix"], 2), Err(250));
    }
}
