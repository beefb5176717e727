//! Environment variable names (`changefeed.credentials.api_key_env` / `api_secret_env`): the
//! plan names the variables that hold a user's Kafka API key and secret, never the values.

use std::fmt;

/// Why a value is not an environment variable name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvVarNameError {
    #[error("an environment variable name cannot be empty")]
    Empty,
    #[error(
        "`{found}` (character {at}) is not allowed in an environment variable name: only ASCII letters, digits and `_`, not starting with a digit"
    )]
    Character { found: char, at: usize },
}

/// A portable environment variable name: `[A-Za-z_][A-Za-z0-9_]*` (POSIX names, lowercase
/// letters allowed as every shell does).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnvVarName(String);

impl EnvVarName {
    pub fn parse(value: &str) -> Result<EnvVarName, EnvVarNameError> {
        if value.is_empty() {
            return Err(EnvVarNameError::Empty);
        }
        let bad = value
            .chars()
            .enumerate()
            .find(|(i, c)| !(c.is_ascii_alphanumeric() || *c == '_') || (*i == 0 && c.is_ascii_digit()));
        match bad {
            Some((i, found)) => Err(EnvVarNameError::Character { found, at: i + 1 }),
            None => Ok(EnvVarName(value.to_owned())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EnvVarName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(EnvVarName::parse("ORDERS_KAFKA_API_KEY").is_ok());
        assert!(EnvVarName::parse("_x1").is_ok());
        assert_eq!(EnvVarName::parse(""), Err(EnvVarNameError::Empty));
        assert_eq!(EnvVarName::parse("1KEY"), Err(EnvVarNameError::Character { found: '1', at: 1 }));
        assert_eq!(EnvVarName::parse("MY-KEY"), Err(EnvVarNameError::Character { found: '-', at: 3 }));
    }
}
