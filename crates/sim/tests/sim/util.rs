//! Test harness: a simulator on an explicit clock and a client that speaks Basic and Digest.

use std::sync::Mutex;
use std::time::Duration;

use linkplan_sim::{RunningSim, Sim, SimConfig, World};
use md5::Md5;
use reqwest::header::{AUTHORIZATION, HeaderMap, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

pub(crate) const CLUSTER: &str = "10140100115280519574";
pub(crate) const ENV: &str = "env-abc123";
pub(crate) const NETWORK: &str = "n-abc123";
pub(crate) const SERVICE: &str = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";
pub(crate) const ACCOUNT: &str = "123456789012";

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

pub(crate) struct Harness {
    pub(crate) sim: RunningSim,
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    cf_key: (String, String),
    ti_key: (String, String),
    digest: Mutex<Option<Challenge>>,
}

#[derive(Clone)]
pub(crate) struct Challenge {
    pub(crate) realm: String,
    pub(crate) nonce: String,
    pub(crate) opaque: Option<String>,
    pub(crate) algorithm: String,
    pub(crate) nc: u32,
}

impl Harness {
    pub(crate) async fn new() -> Harness {
        Harness::with_world(World::example()).await
    }

    pub(crate) async fn with_yaml(yaml: &str) -> Harness {
        Harness::with_world(World::from_yaml(yaml).expect("test world parses")).await
    }

    pub(crate) async fn with_world(world: World) -> Harness {
        Harness::with_config(world, SimConfig::explicit()).await
    }

    pub(crate) async fn with_config(world: World, config: SimConfig) -> Harness {
        let cf_key = world.credentials.confluent[0].clone();
        let ti_key = world.credentials.tidbcloud[0].clone();
        let sim = Sim::start(world, config).await.expect("simulator starts");
        let base = sim.confluent_url().to_owned();
        Harness {
            sim,
            http: reqwest::Client::builder().no_proxy().build().expect("client"),
            base,
            cf_key: (cf_key.key, cf_key.secret),
            ti_key: (ti_key.public_key, ti_key.private_key),
            digest: Mutex::new(None),
        }
    }

    pub(crate) fn advance(&self, secs: u64) {
        self.sim.advance(Duration::from_secs(secs));
    }

    pub(crate) async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.expect("request is answered");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("body is JSON") };
        Reply { status, headers, body }
    }

    /// A Confluent request with the world's Basic credentials.
    pub(crate) async fn cf(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req =
            self.http.request(method, format!("{}{path}", self.base)).basic_auth(&self.cf_key.0, Some(&self.cf_key.1));
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req).await
    }

    /// A TiDB request with Digest auth: reuse the cached challenge, answer a 401 once.
    pub(crate) async fn ti(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        for _ in 0..2 {
            let auth = self.authorization(&method, path, &self.ti_key.0, &self.ti_key.1);
            let mut req = self.http.request(method.clone(), format!("{}{path}", self.base));
            if let Some(a) = auth {
                req = req.header(AUTHORIZATION, a);
            }
            if let Some(b) = &body {
                req = req.json(b);
            }
            let reply = self.send(req).await;
            if reply.status == StatusCode::UNAUTHORIZED {
                *self.digest.lock().expect("lock") =
                    Some(parse_challenge(&reply.headers, "SHA-256").expect("challenge"));
                continue;
            }
            return reply;
        }
        panic!("digest authentication failed twice for {path}");
    }

    /// The Authorization header for the cached challenge (and bump its nonce count).
    pub(crate) fn authorization(&self, method: &Method, uri: &str, user: &str, pass: &str) -> Option<String> {
        let mut guard = self.digest.lock().expect("lock");
        let ch = guard.as_mut()?;
        ch.nc += 1;
        Some(digest_header(ch, method.as_str(), uri, user, pass, "0a4f113b"))
    }

    pub(crate) fn raw(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    pub(crate) fn tidb_key(&self) -> (String, String) {
        self.ti_key.clone()
    }

    pub(crate) fn confluent_key(&self) -> (String, String) {
        self.cf_key.clone()
    }
}

pub(crate) fn hash(algorithm: &str, s: &str) -> String {
    let bytes: Vec<u8> =
        if algorithm == "MD5" { Md5::digest(s.as_bytes()).to_vec() } else { Sha256::digest(s.as_bytes()).to_vec() };
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn digest_header(ch: &Challenge, method: &str, uri: &str, user: &str, pass: &str, cnonce: &str) -> String {
    let nc = format!("{:08x}", ch.nc);
    let ha1 = hash(&ch.algorithm, &format!("{user}:{}:{pass}", ch.realm));
    let ha2 = hash(&ch.algorithm, &format!("{method}:{uri}"));
    let response = hash(&ch.algorithm, &format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", ch.nonce));
    let opaque = ch.opaque.as_ref().map(|o| format!(", opaque=\"{o}\"")).unwrap_or_default();
    format!(
        "Digest username=\"{user}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm={}, qop=auth, nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\"{opaque}",
        ch.realm, ch.nonce, ch.algorithm
    )
}

/// Parse the WWW-Authenticate challenge offering `algorithm`.
pub(crate) fn parse_challenge(headers: &HeaderMap, algorithm: &str) -> Option<Challenge> {
    for value in headers.get_all(WWW_AUTHENTICATE) {
        let v = value.to_str().ok()?;
        let params = v.strip_prefix("Digest ")?;
        let get = |k: &str| {
            params.split(", ").find_map(|p| p.strip_prefix(&format!("{k}="))).map(|s| s.trim_matches('"').to_owned())
        };
        if get("algorithm").as_deref() == Some(algorithm) {
            return Some(Challenge {
                realm: get("realm")?,
                nonce: get("nonce")?,
                opaque: get("opaque"),
                algorithm: algorithm.to_owned(),
                nc: 0,
            });
        }
    }
    None
}

/// The single Confluent error in a body.
pub(crate) fn cf_error(body: &Value) -> &Value {
    &body["errors"][0]
}
