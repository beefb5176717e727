//! Server side of HTTP Digest authentication (RFC 7616): MD5 and SHA-256, qop=auth, nonce counts.

use std::collections::HashSet;

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use md5::Md5;
use sha2::{Digest as _, Sha256};

use super::TiError;
use crate::http::App;
use crate::state::Nonce;

/// The realm in every challenge.
pub(crate) const REALM: &str = "tidbcloud";
const OPAQUE: &str = "5ccc069c403ebaf9f0171e9517f40e41";
/// How many requests one nonce may sign (bounds the memory of seen nonce counts).
const MAX_USES: usize = 100_000;

/// The public key a Digest `Authorization` header names, checked or not (for the rate-limit
/// headers of a response that is not counted).
pub(crate) fn claimed_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let params = value.strip_prefix("Digest ").or_else(|| value.strip_prefix("digest "))?;
    parse_params(params).into_iter().find(|(k, _)| k.eq_ignore_ascii_case("username")).map(|(_, v)| v)
}

/// The authenticated public key, or the 401 challenge to send.
pub(crate) fn check(app: &App, method: &Method, uri: &Uri, headers: &HeaderMap) -> Result<String, Box<Response>> {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Err(Box::new(challenge(app, false, "authentication required")));
    };
    let Some(params) = value.trim().strip_prefix("Digest ").or_else(|| value.trim().strip_prefix("digest ")) else {
        return Err(Box::new(challenge(app, false, "only HTTP Digest authentication is accepted")));
    };
    let p = parse_params(params);
    let get = |k: &str| p.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)).map(|(_, v)| v.as_str());
    let (Some(user), Some(realm), Some(nonce), Some(digest_uri), Some(response)) =
        (get("username"), get("realm"), get("nonce"), get("uri"), get("response"))
    else {
        return Err(Box::new(challenge(app, false, "incomplete Digest credentials")));
    };
    let algorithm = get("algorithm").unwrap_or("MD5");
    let hash: fn(&str) -> String = if algorithm.eq_ignore_ascii_case("MD5") {
        md5_hex
    } else if algorithm.eq_ignore_ascii_case("SHA-256") {
        sha256_hex
    } else {
        return Err(Box::new(challenge(app, false, "unsupported Digest algorithm")));
    };
    let pq = uri.path_and_query().map_or("/", |pq| pq.as_str());
    if realm != REALM || !(digest_uri == pq || digest_uri.ends_with(pq) && digest_uri.contains("://")) {
        return Err(Box::new(challenge(app, false, "Digest realm or uri does not match the request")));
    }
    let password = app.lock().tidb_keys.iter().find(|k| k.public_key == user).map(|k| k.private_key.clone());
    let Some(password) = password else {
        return Err(Box::new(challenge(app, false, "the API key cannot be authenticated")));
    };
    let ha1 = hash(&format!("{user}:{REALM}:{password}"));
    let ha2 = hash(&format!("{}:{digest_uri}", method.as_str()));
    let (expected, nc) = match get("qop") {
        Some(qop) if qop.eq_ignore_ascii_case("auth") => {
            let (Some(nc), Some(cnonce)) = (get("nc"), get("cnonce")) else {
                return Err(Box::new(challenge(app, false, "qop=auth needs nc and cnonce")));
            };
            let Ok(count) = u32::from_str_radix(nc, 16) else {
                return Err(Box::new(challenge(app, false, "nc is not a hexadecimal count")));
            };
            (hash(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")), Some(count))
        }
        Some(_) => return Err(Box::new(challenge(app, false, "only qop=auth is supported"))),
        None => (hash(&format!("{ha1}:{nonce}:{ha2}")), None),
    };
    if !expected.eq_ignore_ascii_case(response) {
        return Err(Box::new(challenge(app, false, "the API key cannot be authenticated")));
    }
    // The password is right; now the nonce must be ours, fresh, and the count not replayed.
    let mut s = app.lock();
    let now = s.now();
    let ttl = app.nonce_ttl;
    let fresh = match s.nonces.get_mut(nonce) {
        Some(n) if now.saturating_sub(n.issued) <= ttl => match nc {
            // A nonce answers at most MAX_USES requests; then the client is re-challenged.
            Some(c) => n.seen.len() < MAX_USES && n.seen.insert(c),
            None => true,
        },
        _ => false,
    };
    drop(s);
    if !fresh {
        return Err(Box::new(challenge(app, true, "the nonce is stale")));
    }
    Ok(user.to_owned())
}

/// A 401 with one challenge per algorithm (SHA-256 first) sharing a fresh nonce.
fn challenge(app: &App, stale: bool, message: &str) -> Response {
    let nonce = app.request_ids.nonce();
    {
        let mut s = app.lock();
        let now = s.now();
        let ttl = app.nonce_ttl;
        if s.nonces.len() > 4096 {
            s.nonces.retain(|_, n| now.saturating_sub(n.issued) <= ttl);
            if s.nonces.len() > 65_536 {
                s.nonces.clear();
            }
        }
        s.nonces.insert(nonce.clone(), Nonce { issued: now, seen: HashSet::new() });
    }
    let mut r = TiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    for algorithm in ["SHA-256", "MD5"] {
        let stale = if stale { ", stale=true" } else { "" };
        let value = format!(
            "Digest realm=\"{REALM}\", qop=\"auth\", algorithm={algorithm}, nonce=\"{nonce}\", opaque=\"{OPAQUE}\"{stale}"
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            r.headers_mut().append(header::WWW_AUTHENTICATE, v);
        }
    }
    r
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn md5_hex(s: &str) -> String {
    hex(&Md5::digest(s.as_bytes()))
}

fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

/// Split `k=v, k="v, with comma"` into pairs (quotes removed, `\"` unescaped).
fn parse_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                value.push(n);
                            }
                        }
                        '"' => break,
                        c => value.push(c),
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
            }
        }
        out.push((key.trim().to_owned(), value.trim().to_owned()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse_params;

    #[test]
    fn parses_quoted_and_bare_values() {
        let p = parse_params(r#"username="a\"b", realm="r, x", nc=00000001, qop=auth"#);
        assert_eq!(p[0], ("username".to_owned(), "a\"b".to_owned()));
        assert_eq!(p[1], ("realm".to_owned(), "r, x".to_owned()));
        assert_eq!(p[2], ("nc".to_owned(), "00000001".to_owned()));
        assert_eq!(p[3], ("qop".to_owned(), "auth".to_owned()));
    }
}
