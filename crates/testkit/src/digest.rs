//! The test side's HTTP Digest signer (RFC 7616), as the simulator's TiDB Cloud API expects it:
//! `qop=auth`, MD5 or SHA-256, a nonce count per challenge, the `opaque` echoed back.
//!
//! Written apart from the product client's (`linkplan-tidbcloud`'s `auth.rs`) and from the
//! simulator's checker, and tested against the RFC's own example, so a mistake in either cannot
//! hide behind the same mistake here.

use md5::Md5;
use reqwest::header::{HeaderMap, WWW_AUTHENTICATE};
use sha2::{Digest as _, Sha256};

/// The hash a challenge names (`algorithm=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `MD5`, also what a challenge without `algorithm=` means.
    Md5,
    /// `SHA-256`.
    Sha256,
}

impl Algorithm {
    /// The token in `algorithm=`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    /// `MD5` or `SHA-256`, any case; `None` for anything else (including the `-sess` variants,
    /// which the simulator does not offer).
    pub fn parse(token: &str) -> Option<Algorithm> {
        if token.eq_ignore_ascii_case("MD5") {
            Some(Algorithm::Md5)
        } else if token.eq_ignore_ascii_case("SHA-256") {
            Some(Algorithm::Sha256)
        } else {
            None
        }
    }

    /// The lowercase hex digest of `text`.
    pub fn hex(self, text: &str) -> String {
        let bytes = match self {
            Algorithm::Md5 => Md5::digest(text.as_bytes()).to_vec(),
            Algorithm::Sha256 => Sha256::digest(text.as_bytes()).to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// One `WWW-Authenticate: Digest …` challenge, and the nonce count of the requests signed with
/// it so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    /// `stale=true`: the nonce expired or its count was replayed, the key was right.
    pub stale: bool,
    /// The `nc` of the last request signed ([`Challenge::next`] counts it up).
    pub nc: u32,
}

/// The cnonce [`Challenge::next`] sends: a fixed one is as good as any for a test (the nonce
/// count keeps every request distinct).
pub const CNONCE: &str = "0a4f113b";

impl Challenge {
    /// One header value; `None` unless it is a Digest challenge with a realm, a nonce and an
    /// algorithm this signer knows.
    pub fn parse(value: &str) -> Option<Challenge> {
        let value = value.trim();
        let (scheme, params) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("Digest") {
            return None;
        }
        let params = params_of(params);
        let get = |key: &str| params.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.clone());
        let algorithm = match get("algorithm") {
            Some(token) => Algorithm::parse(&token)?,
            None => Algorithm::Md5,
        };
        Some(Challenge {
            realm: get("realm")?,
            nonce: get("nonce")?,
            opaque: get("opaque"),
            algorithm,
            stale: get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
            nc: 0,
        })
    }

    /// Every Digest challenge among a response's `WWW-Authenticate` headers, in order.
    pub fn offered(headers: &HeaderMap) -> Vec<Challenge> {
        headers.get_all(WWW_AUTHENTICATE).iter().filter_map(|v| v.to_str().ok()).filter_map(Challenge::parse).collect()
    }

    /// The challenge offering `algorithm`.
    pub fn pick(headers: &HeaderMap, algorithm: Algorithm) -> Option<Challenge> {
        Challenge::offered(headers).into_iter().find(|c| c.algorithm == algorithm)
    }

    /// The `Authorization` value for the next request (the nonce count goes up by one).
    pub fn next(&mut self, method: &str, uri: &str, user: &str, password: &str) -> String {
        self.nc += 1;
        self.authorization(method, uri, user, password, CNONCE)
    }

    /// The `Authorization` value for `method uri` at the current nonce count, with `cnonce`
    /// (RFC 7616 §3.4.1: `response = H(H(A1):nonce:nc:cnonce:auth:H(A2))`, `A1 =
    /// user:realm:password`, `A2 = method:uri`).
    pub fn authorization(&self, method: &str, uri: &str, user: &str, password: &str, cnonce: &str) -> String {
        let h = |text: String| self.algorithm.hex(&text);
        let nc = format!("{:08x}", self.nc);
        let ha1 = h(format!("{user}:{}:{password}", self.realm));
        let ha2 = h(format!("{method}:{uri}"));
        let response = h(format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce));
        let opaque = self.opaque.as_ref().map(|o| format!(", opaque=\"{o}\"")).unwrap_or_default();
        format!(
            "Digest username=\"{user}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm={}, qop=auth, \
             nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\"{opaque}",
            self.realm,
            self.nonce,
            self.algorithm.name()
        )
    }
}

/// `k=v, k="v, with a comma"` as pairs (quotes removed, `\"` unescaped).
fn params_of(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ',')).collect();
        if key.is_empty() {
            return out;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            if chars.next_if_eq(&'"').is_some() {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => value.extend(chars.next()),
                        '"' => break,
                        c => value.push(c),
                    }
                }
            } else {
                value = std::iter::from_fn(|| chars.next_if(|c| *c != ',')).collect::<String>().trim().to_owned();
            }
        }
        out.push((key.trim().to_owned(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7616 §3.9.1: the same request signed with MD5 and with SHA-256.
    #[test]
    fn the_rfc_7616_example_signs_as_published() {
        for (algorithm, expected) in [
            ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
            ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
        ] {
            let header = format!(
                "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm={algorithm}, \
                 nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
                 opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
            );
            let mut challenge = Challenge::parse(&header).expect("the RFC's challenge parses");
            challenge.nc = 1;
            let signed = challenge.authorization(
                "GET",
                "/dir/index.html",
                "Mufasa",
                "Circle of Life",
                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            );
            assert!(signed.contains(&format!("response=\"{expected}\"")), "{algorithm}: {signed}");
            assert!(signed.contains("nc=00000001") && signed.contains(&format!("algorithm={algorithm}")), "{signed}");
            assert!(signed.ends_with("opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""), "{signed}");
        }
    }

    #[test]
    fn challenges_parse_with_quoted_commas_and_any_case() {
        let c = Challenge::parse(r#"digest REALM="a, b", nonce=n1, stale=TRUE, algorithm=sha-256"#).expect("parses");
        assert_eq!((c.realm.as_str(), c.nonce.as_str(), c.algorithm, c.stale), ("a, b", "n1", Algorithm::Sha256, true));
        let c = Challenge::parse(r#"Digest realm="r", nonce="n\"2""#).expect("no algorithm means MD5");
        assert_eq!((c.nonce.as_str(), c.algorithm, c.opaque), ("n\"2", Algorithm::Md5, None));
        assert_eq!(Challenge::parse(r#"Basic realm="r""#), None);
        assert_eq!(Challenge::parse(r#"Digest realm="r", nonce="n", algorithm=MD5-sess"#), None);
        assert_eq!(Challenge::parse(r#"Digest nonce="n""#), None, "no realm");
    }

    #[test]
    fn next_counts_the_nonce_up() {
        let mut c = Challenge::parse(r#"Digest realm="r", nonce="n""#).expect("parses");
        assert!(c.next("GET", "/", "u", "p").contains("nc=00000001"));
        assert!(c.next("GET", "/", "u", "p").contains("nc=00000002"));
        assert_eq!(c.nc, 2);
    }
}
