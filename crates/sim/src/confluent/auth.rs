//! Confluent's HTTP Basic authentication with Cloud API key / secret pairs.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::CfError;
use crate::http::App;

/// The key id a Basic `Authorization` header names, checked or not (for the rate-limit headers
/// of a response that is not counted).
pub(crate) fn claimed_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    decoded.split_once(':').map(|(key, _)| key.to_owned())
}

/// The authenticated key id, or the 401 to send.
pub(crate) fn check(app: &App, headers: &HeaderMap) -> Result<String, Box<Response>> {
    let unauthenticated = || {
        CfError::new(
            StatusCode::UNAUTHORIZED,
            "user_unauthenticated",
            "Authentication Required",
            "Valid authentication credentials must be provided",
        )
        .into_response()
    };
    let unauthenticated = || Box::new(unauthenticated());
    let value = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(unauthenticated)?;
    let (scheme, encoded) = value.trim().split_once(' ').ok_or_else(unauthenticated)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(unauthenticated());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| unauthenticated())?;
    let decoded = String::from_utf8(decoded).map_err(|_| unauthenticated())?;
    let (key, secret) = decoded.split_once(':').ok_or_else(unauthenticated)?;
    let ok = app.lock().confluent_keys.iter().any(|k| k.key == key && k.secret == secret);
    if ok { Ok(key.to_owned()) } else { Err(unauthenticated()) }
}
