//! Configuration checks: base URLs (HTTPS except loopback), environment variables, path segments.

use std::net::{Ipv4Addr, Ipv6Addr};

use reqwest::Url;

use crate::Secret;

/// A configuration mistake, found before any request is sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required environment variable is not set.
    #[error("environment variable {name} is not set")]
    MissingEnv {
        /// The variable.
        name: &'static str,
    },
    /// A required environment variable is set but empty (or only whitespace).
    #[error("environment variable {name} is empty")]
    EmptyEnv {
        /// The variable.
        name: &'static str,
    },
    /// The base URL does not parse or has parts a base URL must not have.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given (with any user info removed).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `http://` to a host that is not a loopback address.
    #[error("base URL `{url}` uses http:// but is not a loopback address; use https://")]
    Insecure {
        /// The URL as given.
        url: String,
    },
    /// A credential has characters an HTTP header cannot carry.
    #[error("{what} cannot be sent in an HTTP header (control characters or non-ASCII)")]
    InvalidCredential {
        /// Which credential, e.g. `the API key`.
        what: &'static str,
    },
    /// The HTTP client could not be built (TLS setup).
    #[error("could not build the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// A validated base URL: `https://…`, or `http://` to 127.0.0.0/8, `::1` or `localhost`; no user
/// info, query or fragment; no trailing slash. Request paths are appended to it as strings, so
/// colon paths such as `…/privateLinkConnections:getAvailabilityZones` are never resolved as
/// relative references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    url: String,
    loopback: bool,
}

impl BaseUrl {
    /// Check and normalise a base URL.
    pub fn parse(input: &str) -> Result<BaseUrl, ConfigError> {
        let shown = || redact_userinfo(input);
        let invalid = |reason: &str| ConfigError::InvalidUrl { url: shown(), reason: reason.to_owned() };
        let url = Url::parse(input.trim()).map_err(|e| invalid(&e.to_string()))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("credentials do not belong in the URL"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("a base URL has no query or fragment"));
        }
        let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
            return Err(invalid("a base URL needs a host"));
        };
        let loopback = is_loopback_host(host);
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => return Err(ConfigError::Insecure { url: shown() }),
            _ => return Err(invalid("the scheme must be https")),
        }
        let text = url.as_str().trim_end_matches('/').to_owned();
        Ok(BaseUrl { url: text, loopback })
    }

    /// The URL without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// Whether the host is a loopback address (plain `http://` allowed; no proxy used).
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }

    /// The absolute URL for `path_and_query` (which starts with `/`).
    pub fn join(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.url)
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

/// `localhost`, 127.0.0.0/8 or `[::1]` (as `Url::host_str` spells them).
fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return v6.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
    }
    host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// `input` with any `user:password@` removed, for error messages.
fn redact_userinfo(input: &str) -> String {
    let (scheme, rest) = match input.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, input),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((_, host)) => format!("<redacted>@{host}"),
        None => authority.to_owned(),
    };
    match scheme {
        Some(s) => format!("{s}://{authority}{tail}"),
        None => format!("{authority}{tail}"),
    }
}

/// A variable from `lookup` (an environment reader; tests pass a map), unset when empty.
pub fn env_var(lookup: &dyn Fn(&str) -> Option<String>, name: &'static str) -> Option<String> {
    lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A required variable from `lookup`, trimmed: unset is [`ConfigError::MissingEnv`], empty or
/// blank [`ConfigError::EmptyEnv`].
pub fn required_env(lookup: &dyn Fn(&str) -> Option<String>, name: &'static str) -> Result<String, ConfigError> {
    match lookup(name) {
        None => Err(ConfigError::MissingEnv { name }),
        Some(value) if value.trim().is_empty() => Err(ConfigError::EmptyEnv { name }),
        Some(value) => Ok(value.trim().to_owned()),
    }
}

/// A required secret from `lookup` (trimmed: API keys hold no spaces, a pasted newline would).
pub fn required_secret(lookup: &dyn Fn(&str) -> Option<String>, name: &'static str) -> Result<Secret, ConfigError> {
    required_env(lookup, name).map(Secret::from)
}

/// Percent-encode one path segment (an id): everything but `A–Z a–z 0–9 - . _ ~`.
pub fn segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path?k=v&…` with the pairs form-encoded (no `?` when there are none).
pub fn with_query<K: AsRef<str>, V: AsRef<str>>(path: &str, pairs: &[(K, V)]) -> String {
    if pairs.is_empty() {
        return path.to_owned();
    }
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k.as_ref(), v.as_ref());
    }
    format!("{path}?{}", ser.finish())
}

/// The value of query parameter `name` in an absolute or relative URL (e.g. a `next` link).
pub fn query_param(link: &str, name: &str) -> Option<String> {
    let query = link.split_once('?')?.1;
    let query = query.split_once('#').map_or(query, |(q, _)| q);
    form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        let ok = |s: &str| BaseUrl::parse(s).map(|b| (b.as_str().to_owned(), b.is_loopback()));
        assert_eq!(ok("https://api.confluent.cloud").ok(), Some(("https://api.confluent.cloud".to_owned(), false)));
        assert_eq!(ok("https://api.confluent.cloud/").ok(), Some(("https://api.confluent.cloud".to_owned(), false)));
        assert_eq!(ok("https://proxy.example/tidb/").ok(), Some(("https://proxy.example/tidb".to_owned(), false)));
        assert_eq!(ok("http://127.0.0.1:8080").ok(), Some(("http://127.0.0.1:8080".to_owned(), true)));
        assert_eq!(ok("http://127.1.2.3:8080").ok(), Some(("http://127.1.2.3:8080".to_owned(), true)));
        assert_eq!(ok("http://[::1]:9").ok(), Some(("http://[::1]:9".to_owned(), true)));
        assert_eq!(ok("http://LOCALHOST:9").ok(), Some(("http://localhost:9".to_owned(), true)));
        assert!(matches!(BaseUrl::parse("http://api.confluent.cloud"), Err(ConfigError::Insecure { .. })));
        assert!(matches!(BaseUrl::parse("http://10.0.0.1"), Err(ConfigError::Insecure { .. })));
        assert!(matches!(BaseUrl::parse("http://127.0.0.1.nip.io"), Err(ConfigError::Insecure { .. })));
        for bad in ["ftp://x", "https://x/?a=1", "https://x/#f", "not a url", "https://"] {
            assert!(matches!(BaseUrl::parse(bad), Err(ConfigError::InvalidUrl { .. })), "{bad}");
        }
    }

    #[test]
    fn url_credentials_are_refused_without_being_echoed() {
        let err = BaseUrl::parse("https://KEY:hunter2@api.confluent.cloud/x").map(|_| ()).expect_err("refused");
        let text = format!("{err} {err:?}");
        assert!(!text.contains("hunter2") && !text.contains("KEY"), "{text}");
        assert!(text.contains("<redacted>@api.confluent.cloud/x"), "{text}");
    }

    #[test]
    fn segments_queries_and_links() {
        assert_eq!(segment("env-abc_1.2~"), "env-abc_1.2~");
        assert_eq!(segment("a/b?c:d e"), "a%2Fb%3Fc%3Ad%20e");
        assert_eq!(with_query("/p", &[("a", "x y"), ("b", "1")]), "/p?a=x+y&b=1");
        assert_eq!(with_query::<&str, &str>("/p", &[]), "/p");
        let next =
            "https://api.confluent.cloud/networking/v1/networks?environment=env-1&page_token=UvmDWOB1iwfAIBPj6EYb";
        assert_eq!(query_param(next, "page_token").as_deref(), Some("UvmDWOB1iwfAIBPj6EYb"));
        assert_eq!(query_param(next, "missing"), None);
        assert_eq!(query_param("/x", "page_token"), None);
    }

    #[test]
    fn env_lookups() {
        let lookup = |k: &str| match k {
            "SET" => Some(" v ".to_owned()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        assert_eq!(env_var(&lookup, "SET").as_deref(), Some("v"));
        assert_eq!(env_var(&lookup, "EMPTY"), None);
        assert!(matches!(required_env(&lookup, "NOPE"), Err(ConfigError::MissingEnv { name: "NOPE" })));
        let message = |r: Result<String, ConfigError>| r.err().map(|e| e.to_string());
        assert_eq!(message(required_env(&lookup, "NOPE")).as_deref(), Some("environment variable NOPE is not set"));
        // Set but empty (or blank) is said as such: "not set" would send the user looking for
        // a variable that is there.
        assert_eq!(message(required_env(&lookup, "EMPTY")).as_deref(), Some("environment variable EMPTY is empty"));
        let lookup_blank = |k: &str| (k == "BLANK").then(|| " \n".to_owned());
        let secret = required_secret(&lookup_blank, "BLANK").map(|s| s.expose().to_owned());
        assert_eq!(message(secret).as_deref(), Some("environment variable BLANK is empty"));
        assert_eq!(required_secret(&lookup, "SET").map(|s| s.expose().to_owned()).ok().as_deref(), Some("v"));
    }
}
