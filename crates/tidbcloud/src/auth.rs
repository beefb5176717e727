//! HTTP Digest authentication, client side (RFC 7616): MD5 and SHA-256, `qop=auth` (or none),
//! nonce counting, `stale=true` re-challenges, `userhash`.
//!
//! The challenge is cached after the first 401, so every later request is signed up front and
//! costs one round trip; a 401 answers with a fresh challenge, which is used once more only
//! when the request was unsigned or the server said the nonce was stale.

use std::sync::Mutex;

use linkplan_http::header::{HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use linkplan_http::retry::random_u64;
use linkplan_http::{Method, Secret};
use md5::Md5;
use sha2::{Digest as _, Sha256};

/// The Digest state of one client: the key pair and the cached challenge.
pub(crate) struct DigestAuth {
    username: Secret,
    password: Secret,
    cached: Mutex<Option<Challenge>>,
}

/// What a signed request used (to tell a stale nonce from a wrong key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signed {
    nonce: String,
}

/// What to do after a 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rechallenge {
    /// A usable new challenge is cached: send the request once more.
    Resend,
    /// The credentials were refused (or no usable challenge came): report the 401.
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    fn hash(self, data: &str) -> String {
        match self {
            Algorithm::Md5 => hex(&Md5::digest(data.as_bytes())),
            Algorithm::Sha256 => hex(&Sha256::digest(data.as_bytes())),
        }
    }
}

#[derive(Debug, Clone)]
struct Challenge {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    algorithm: Algorithm,
    qop_auth: bool,
    userhash: bool,
    stale: bool,
    nc: u32,
}

impl DigestAuth {
    pub(crate) fn new(username: Secret, password: Secret) -> DigestAuth {
        DigestAuth { username, password, cached: Mutex::new(None) }
    }

    /// The `Authorization` header for `method uri` from the cached challenge (bumping its
    /// nonce count), or `None` before the first challenge.
    pub(crate) fn authorize(&self, method: &Method, uri: &str) -> Option<(HeaderValue, Signed)> {
        let mut guard = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let challenge = guard.as_mut()?;
        challenge.nc = challenge.nc.wrapping_add(1);
        let challenge = challenge.clone();
        drop(guard);
        let cnonce = format!("{:016x}{:016x}", random_u64(), random_u64());
        let header = self.header(&challenge, method.as_str(), uri, &cnonce);
        let mut value = HeaderValue::from_str(&header).ok()?;
        value.set_sensitive(true);
        Some((value, Signed { nonce: challenge.nonce }))
    }

    /// Take the challenge of a 401 answer to a request signed with `signed` (or unsigned).
    pub(crate) fn rechallenge(&self, headers: &HeaderMap, signed: Option<&Signed>) -> Rechallenge {
        let Some(challenge) = best_challenge(headers) else {
            return Rechallenge::Refused;
        };
        let resend = match signed {
            None => true,
            Some(s) => challenge.stale && challenge.nonce != s.nonce,
        };
        let mut guard = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard = Some(challenge);
        if resend { Rechallenge::Resend } else { Rechallenge::Refused }
    }

    fn header(&self, c: &Challenge, method: &str, uri: &str, cnonce: &str) -> String {
        let alg = c.algorithm;
        let user = self.username.expose();
        let ha1 = alg.hash(&format!("{user}:{}:{}", c.realm, self.password.expose()));
        let ha2 = alg.hash(&format!("{method}:{uri}"));
        let nc = format!("{:08x}", c.nc);
        let response = if c.qop_auth {
            alg.hash(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", c.nonce))
        } else {
            alg.hash(&format!("{ha1}:{}:{ha2}", c.nonce))
        };
        let username = if c.userhash { alg.hash(&format!("{user}:{}", c.realm)) } else { user.to_owned() };
        let mut out = format!(
            "Digest username={}, realm={}, nonce={}, uri={}, algorithm={}, response={}",
            quote(&username),
            quote(&c.realm),
            quote(&c.nonce),
            quote(uri),
            alg.name(),
            quote(&response),
        );
        if c.qop_auth {
            out.push_str(&format!(", qop=auth, nc={nc}, cnonce={}", quote(cnonce)));
        }
        if let Some(opaque) = &c.opaque {
            out.push_str(&format!(", opaque={}", quote(opaque)));
        }
        if c.userhash {
            out.push_str(", userhash=true");
        }
        out
    }
}

impl std::fmt::Debug for DigestAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cached = self.cached.lock().map(|c| c.as_ref().map(|c| c.algorithm.name())).unwrap_or(None);
        f.debug_struct("DigestAuth")
            .field("username", &self.username)
            .field("password", &self.password)
            .field("challenge", &cached)
            .finish()
    }
}

/// The strongest usable Digest challenge among the `WWW-Authenticate` headers: SHA-256 over
/// MD5, `qop` absent or offering `auth`; other schemes, algorithms and qops are skipped.
fn best_challenge(headers: &HeaderMap) -> Option<Challenge> {
    let mut best: Option<Challenge> = None;
    for value in headers.get_all(WWW_AUTHENTICATE) {
        let Ok(text) = value.to_str() else { continue };
        for (scheme, params) in parse_challenges(text) {
            if !scheme.eq_ignore_ascii_case("digest") {
                continue;
            }
            let Some(c) = challenge_from(&params) else { continue };
            if best.as_ref().is_none_or(|b| b.algorithm == Algorithm::Md5 && c.algorithm == Algorithm::Sha256) {
                best = Some(c);
            }
        }
    }
    best
}

fn challenge_from(params: &[(String, String)]) -> Option<Challenge> {
    let get = |k: &str| params.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)).map(|(_, v)| v.as_str());
    let algorithm = match get("algorithm") {
        None => Algorithm::Md5,
        Some(a) if a.eq_ignore_ascii_case("MD5") => Algorithm::Md5,
        Some(a) if a.eq_ignore_ascii_case("SHA-256") => Algorithm::Sha256,
        Some(_) => return None,
    };
    let qop_auth = match get("qop") {
        None => false,
        Some(q) if q.split(',').any(|o| o.trim().eq_ignore_ascii_case("auth")) => true,
        Some(_) => return None,
    };
    let flag = |k: &str| get(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    Some(Challenge {
        realm: get("realm")?.to_owned(),
        nonce: get("nonce").filter(|n| !n.is_empty())?.to_owned(),
        opaque: get("opaque").map(str::to_owned),
        algorithm,
        qop_auth,
        userhash: flag("userhash"),
        stale: flag("stale"),
        nc: 0,
    })
}

/// Split a `WWW-Authenticate` value into challenges: `Digest a=1, b="x, y", Basic realm="r"`
/// → `[("Digest", [(a, 1), (b, "x, y")]), ("Basic", [(realm, r)])]`.
fn parse_challenges(value: &str) -> Vec<(String, Vec<(String, String)>)> {
    let bytes = value.as_bytes();
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut i = 0;
    let skip = |i: &mut usize, also_commas: bool| {
        while *i < bytes.len() && (bytes[*i].is_ascii_whitespace() || also_commas && bytes[*i] == b',') {
            *i += 1;
        }
    };
    loop {
        skip(&mut i, true);
        if i >= bytes.len() {
            break;
        }
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' && bytes[i] != b',' {
            i += 1;
        }
        let token = String::from_utf8_lossy(&bytes[start..i]).into_owned();
        let mut j = i;
        skip(&mut j, false);
        if j < bytes.len() && bytes[j] == b'=' {
            i = j + 1;
            skip(&mut i, false);
            let mut raw = Vec::new();
            if i < bytes.len() && bytes[i] == b'"' {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' && i + 1 < bytes.len() {
                        i += 1;
                    }
                    raw.push(bytes[i]);
                    i += 1;
                }
                i += 1;
            } else {
                while i < bytes.len() && bytes[i] != b',' && !bytes[i].is_ascii_whitespace() {
                    raw.push(bytes[i]);
                    i += 1;
                }
            }
            if let Some((_, params)) = out.last_mut() {
                params.push((token, String::from_utf8_lossy(&raw).into_owned()));
            }
        } else if !token.is_empty() {
            out.push((token, Vec::new()));
        } else {
            i += 1;
        }
    }
    out
}

/// A quoted-string with `"` and `\` escaped.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            if let Ok(v) = HeaderValue::from_str(v) {
                h.append(WWW_AUTHENTICATE, v);
            }
        }
        h
    }

    fn param<'a>(header: &'a str, key: &str) -> Option<&'a str> {
        let start = header.find(&format!(" {key}="))? + key.len() + 2;
        let rest = &header[start..];
        Some(match rest.strip_prefix('"') {
            Some(q) => &q[..q.find('"')?],
            None => rest.split(',').next()?,
        })
    }

    #[test]
    fn parses_several_challenges_in_one_header() {
        let c = parse_challenges(r#"Basic realm="x", Digest realm="a, b", qop="auth,auth-int", nonce=abc, stale=TRUE"#);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].0, "Basic");
        assert_eq!(c[1].0, "Digest");
        assert_eq!(c[1].1[0], ("realm".to_owned(), "a, b".to_owned()));
        assert_eq!(c[1].1[2], ("nonce".to_owned(), "abc".to_owned()));
        let ch = challenge_from(&c[1].1).map(|c| (c.qop_auth, c.stale, c.algorithm));
        assert_eq!(ch, Some((true, true, Algorithm::Md5)));
    }

    #[test]
    fn prefers_sha256_and_skips_what_it_cannot_answer() {
        let h = headers(&[
            r#"Digest realm="r", nonce="n1", algorithm=MD5, qop="auth""#,
            r#"Digest realm="r", nonce="n2", algorithm=SHA-512-256, qop="auth""#,
            r#"Digest realm="r", nonce="n3", algorithm=SHA-256, qop="auth-int""#,
            r#"Digest realm="r", nonce="n4", algorithm=SHA-256, qop="auth""#,
        ]);
        let c = best_challenge(&h).map(|c| (c.nonce, c.algorithm));
        assert_eq!(c, Some(("n4".to_owned(), Algorithm::Sha256)));
        assert!(best_challenge(&headers(&[r#"Basic realm="x""#])).is_none());
        assert!(best_challenge(&headers(&[r#"Digest realm="r""#])).is_none(), "no nonce");
    }

    /// RFC 7616 §3.9.1: the Mufasa example, MD5 and SHA-256.
    #[test]
    fn rfc_7616_examples() {
        let auth = DigestAuth::new(Secret::new("Mufasa"), Secret::new("Circle of Life"));
        let challenge = |algorithm| Challenge {
            realm: "http-auth@example.org".to_owned(),
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v".to_owned(),
            opaque: Some("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS".to_owned()),
            algorithm,
            qop_auth: true,
            userhash: false,
            stale: false,
            nc: 1,
        };
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        let md5 = auth.header(&challenge(Algorithm::Md5), "GET", "/dir/index.html", cnonce);
        assert_eq!(param(&md5, "response"), Some("8ca523f5e9506fed4657c9700eebdbec"));
        let sha = auth.header(&challenge(Algorithm::Sha256), "GET", "/dir/index.html", cnonce);
        assert_eq!(param(&sha, "response"), Some("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"));
        assert_eq!(param(&sha, "nc"), Some("00000001"));
        assert_eq!(param(&sha, "algorithm"), Some("SHA-256"));
        assert_eq!(param(&sha, "opaque"), Some("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"));
    }

    #[test]
    fn counts_nonces_and_rechallenges_only_when_stale_or_unsigned() {
        let auth = DigestAuth::new(Secret::new("u"), Secret::new("p"));
        assert!(auth.authorize(&Method::GET, "/x").is_none(), "nothing cached yet");
        let first = headers(&[r#"Digest realm="r", nonce="n1", qop="auth", algorithm=SHA-256"#]);
        assert_eq!(auth.rechallenge(&first, None), Rechallenge::Resend);
        let (h1, signed) = auth.authorize(&Method::GET, "/x").unzip();
        let (h2, _) = auth.authorize(&Method::GET, "/x").unzip();
        let text = |h: Option<HeaderValue>| h.and_then(|h| h.to_str().ok().map(str::to_owned)).unwrap_or_default();
        let (t1, t2) = (text(h1), text(h2));
        assert_eq!(param(&t1, "nc"), Some("00000001"));
        assert_eq!(param(&t2, "nc"), Some("00000002"));
        assert_ne!(param(&t1, "cnonce"), param(&t2, "cnonce"));
        let signed = signed.as_ref();
        assert_eq!(auth.rechallenge(&first, signed), Rechallenge::Refused, "same nonce, not stale: wrong key");
        let fresh = headers(&[r#"Digest realm="r", nonce="n2", qop="auth", algorithm=SHA-256"#]);
        assert_eq!(auth.rechallenge(&fresh, signed), Rechallenge::Refused, "a new nonce without stale: wrong key");
        let stale = headers(&[r#"Digest realm="r", nonce="n3", qop="auth", algorithm=SHA-256, stale=true"#]);
        assert_eq!(auth.rechallenge(&stale, signed), Rechallenge::Resend);
        let (h3, _) = auth.authorize(&Method::GET, "/x").unzip();
        let t3 = text(h3);
        assert_eq!((param(&t3, "nonce"), param(&t3, "nc")), (Some("n3"), Some("00000001")));
    }

    #[test]
    fn without_qop_and_with_userhash() {
        let auth = DigestAuth::new(Secret::new("u\"ser"), Secret::new("p"));
        let h = headers(&[r#"Digest realm="r", nonce="n", userhash=true"#]);
        assert_eq!(auth.rechallenge(&h, None), Rechallenge::Resend);
        let (value, _) = auth.authorize(&Method::POST, "/a:b").unzip();
        let t = value.and_then(|v| v.to_str().ok().map(str::to_owned)).unwrap_or_default();
        assert!(!t.contains("qop=") && !t.contains("nc=") && t.contains("userhash=true"), "{t}");
        let ha1 = Algorithm::Md5.hash("u\"ser:r:p");
        let ha2 = Algorithm::Md5.hash("POST:/a:b");
        assert_eq!(param(&t, "response"), Some(Algorithm::Md5.hash(&format!("{ha1}:n:{ha2}")).as_str()));
        assert_eq!(param(&t, "username"), Some(Algorithm::Md5.hash("u\"ser:r").as_str()));
    }

    #[test]
    fn debug_shows_no_key() {
        let auth = DigestAuth::new(Secret::new("PUBKEY"), Secret::new("PRIVKEY"));
        let text = format!("{auth:?}");
        assert!(!text.contains("PUBKEY") && !text.contains("PRIVKEY"), "{text}");
    }
}
