//! `Secret`: a credential whose `Debug` and `Display` never show the value.

use std::fmt;

/// An API key, secret or password. `Debug` and `Display` print `<redacted>`; only
/// [`Secret::expose`] gives the value, and only the authentication code calls it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself: for building an `Authorization` header, never for printing.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty (an unset credential).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new("hunter2");
        assert_eq!(
            format!("{s:?} {s} {:#?}", Some(&s)),
            "Secret(<redacted>) <redacted> Some(\n    Secret(<redacted>),\n)"
        );
        assert_eq!(s.expose(), "hunter2");
    }
}
