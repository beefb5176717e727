//! Plain HTTP to a running simulator, with no vendor client in between: Basic for Confluent, the
//! test-side Digest signer for TiDB Cloud. The simulator's own tests, the conformance check's
//! error cases and the load example speak to it this way.

use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use linkplan_sim::RunningSim;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap};
pub use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value;

use crate::digest::{Algorithm, Challenge};

/// A response, read to the end.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body as JSON; `Null` when it is empty or not JSON (then see [`Reply::not_json`]).
    pub body: Value,
    /// Why a non-empty body is not JSON.
    pub not_json: Option<String>,
}

/// `Basic base64(key:secret)`, the whole `Authorization` value.
pub fn basic_authorization(key: &str, secret: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{key}:{secret}")))
}

/// A reqwest client that talks to one simulator with its first API keys. A TiDB Cloud request
/// reuses the last Digest challenge with the next nonce count (as a real client does), so only
/// the first request, and the first after the nonce went stale, is answered 401.
#[derive(Debug)]
pub struct RawClient {
    pub http: reqwest::Client,
    /// The simulator's base URL (both vendors').
    pub base: String,
    confluent_key: (String, String),
    tidb_key: (String, String),
    algorithm: Algorithm,
    challenge: Mutex<Option<Challenge>>,
}

impl RawClient {
    /// The simulator's URL and its first keys of each vendor (what it exports), signing TiDB
    /// Cloud requests with SHA-256.
    pub fn for_sim(sim: &RunningSim) -> RawClient {
        let env = sim.env();
        let get = |name: &str| {
            let value = env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
            value.unwrap_or_else(|| panic!("the simulator exports no {name}: its world needs both vendors' keys"))
        };
        RawClient {
            http: reqwest::Client::builder().no_proxy().build().expect("a plain HTTP client builds"),
            base: sim.confluent_url().to_owned(),
            confluent_key: (get("CONFLUENT_CLOUD_API_KEY"), get("CONFLUENT_CLOUD_API_SECRET")),
            tidb_key: (get("TIDBCLOUD_PUBLIC_KEY"), get("TIDBCLOUD_PRIVATE_KEY")),
            algorithm: Algorithm::Sha256,
            challenge: Mutex::new(None),
        }
    }

    /// Answer TiDB Cloud's challenges with `algorithm` instead.
    pub fn with_algorithm(mut self, algorithm: Algorithm) -> RawClient {
        self.algorithm = algorithm;
        self
    }

    /// `(key, secret)` of the Confluent key.
    pub fn confluent_key(&self) -> (String, String) {
        self.confluent_key.clone()
    }

    /// `(public key, private key)` of the TiDB Cloud key.
    pub fn tidb_key(&self) -> (String, String) {
        self.tidb_key.clone()
    }

    /// A request to `path` (path and query) with no authentication.
    pub fn raw(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// A Confluent request with `(key, secret)` as Basic credentials.
    pub fn basic(&self, method: Method, path: &str, (key, secret): (&str, &str)) -> RequestBuilder {
        self.raw(method, path).header(AUTHORIZATION, basic_authorization(key, secret))
    }

    /// A TiDB Cloud request signed with the cached challenge (unsigned while there is none).
    pub fn digest(&self, method: Method, path: &str) -> RequestBuilder {
        let (user, pass) = &self.tidb_key;
        let auth = self.authorization(&method, path, user, pass);
        let req = self.raw(method, path);
        match auth {
            Some(auth) => req.header(AUTHORIZATION, auth),
            None => req,
        }
    }

    /// The `Authorization` value for the cached challenge, its nonce count bumped; `None` before
    /// the first challenge.
    pub fn authorization(&self, method: &Method, uri: &str, user: &str, pass: &str) -> Option<String> {
        let mut cached = self.challenge.lock().unwrap_or_else(PoisonError::into_inner);
        Some(cached.as_mut()?.next(method.as_str(), uri, user, pass))
    }

    /// Keep the challenge of a 401 in our algorithm for the next requests; whether there was one.
    pub fn learn(&self, reply: &Reply) -> bool {
        let Some(challenge) = Challenge::pick(&reply.headers, self.algorithm) else {
            return false;
        };
        *self.challenge.lock().unwrap_or_else(PoisonError::into_inner) = Some(challenge);
        true
    }

    /// Send and read the whole response.
    pub async fn fetch(&self, req: RequestBuilder) -> Result<Reply, reqwest::Error> {
        let resp = req.send().await?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await?;
        let (body, not_json) = if bytes.is_empty() {
            (Value::Null, None)
        } else {
            match serde_json::from_slice(&bytes) {
                Ok(body) => (body, None),
                Err(e) => (Value::Null, Some(format!("{e}: {}", String::from_utf8_lossy(&bytes)))),
            }
        };
        Ok(Reply { status, headers, body, not_json })
    }

    /// [`RawClient::fetch`] for a test: panics when no response arrives or its body is not JSON.
    pub async fn send(&self, req: RequestBuilder) -> Reply {
        let reply = self.fetch(req).await.expect("the request is answered");
        if let Some(why) = &reply.not_json {
            panic!("the {} response body is not JSON: {why}", reply.status);
        }
        reply
    }

    /// A Confluent request with the simulator's key; `body` is sent as JSON.
    pub async fn cf(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let (key, secret) = &self.confluent_key;
        self.send(with_json(self.basic(method, path, (key, secret)), body.as_ref())).await
    }

    /// A TiDB Cloud request with Digest authentication: the cached challenge, and a 401's new
    /// one answered once.
    pub async fn ti(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        for _ in 0..2 {
            let reply = self.send(with_json(self.digest(method.clone(), path), body.as_ref())).await;
            if reply.status == StatusCode::UNAUTHORIZED && self.learn(&reply) {
                continue;
            }
            return reply;
        }
        panic!("Digest authentication failed twice for {method} {path}");
    }
}

/// `req` with `body` as its JSON body (and the content type), when there is one.
pub fn with_json(req: RequestBuilder, body: Option<&Value>) -> RequestBuilder {
    match body {
        Some(b) => req.header(CONTENT_TYPE, "application/json").body(b.to_string()),
        None => req,
    }
}
