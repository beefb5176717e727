//! The journal in S3 (or any store that speaks S3 and its conditional writes), through
//! `object_store`.
//!
//! Two objects per journal: `<key>` (the JSON lines, the same bytes as the file) and
//! `<key>.lock`, a JSON [`LockInfo`].
//! - **Lock**: `PUT <key>.lock` with `If-None-Match: *`; 412 means another run holds it, and its
//!   info is read back to say who, where, since when and under which id. Released by deleting it
//!   (only when it is still ours). A killed run's lock stays: `force-unlock` removes it, given
//!   its id.
//! - **Append**: the store keeps the bytes it last wrote and their ETag; an append is
//!   `PUT <key>` of those bytes plus the new line with `If-Match: <etag>` (`If-None-Match: *`
//!   for the first). A 412 means someone else wrote in between (or this very write landed and
//!   its answer was lost): the journal is read again, and when it still begins with what this
//!   run wrote, the line is appended to what is there now — or found already there — and put
//!   again, so no one's record is lost. A journal that no longer begins with this run's bytes
//!   was replaced or deleted: [`JournalError::Replaced`], nothing written. A PUT is atomic, so a
//!   write that fails half way leaves the previous version whole.
//!
//! Every request runs on the store's own [`Worker`]; credentials come from
//! [`crate::credentials`], the endpoint from the flag, `AWS_ENDPOINT_URL_S3` or
//! `AWS_ENDPOINT_URL` (plain HTTP only to a loopback address, or with `AWS_ALLOW_HTTP=true`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use linkplan_engine::{Holder, Journal, JournalError, JournalStore, Loaded, LockInfo};
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey, S3ConditionalPut};
use object_store::path::Path as Key;
use object_store::{
    ClientOptions, GetOptions, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, RetryConfig, UpdateVersion,
};

use crate::credentials::{self, CredentialSource, Credentials};
use crate::worker::Worker;

/// How many times an append is tried again after losing a race.
const APPEND_RACES: u32 = 20;

/// A journal object: `s3://bucket/key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
}

impl S3Location {
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    fn lock_key(&self) -> String {
        format!("{}.lock", self.key)
    }
}

/// How to reach the store; [`S3Options::default`] is what the command line uses.
#[derive(Debug, Clone)]
pub struct S3Options {
    /// An endpoint given on the command line (`--state-endpoint`), over the environment's.
    pub endpoint: Option<String>,
    /// Retries of one request (connect errors, 5xx), and the time they may take in all.
    pub retries: usize,
    pub retry_timeout: Duration,
    /// One request's timeout, and its connect timeout.
    pub timeout: Duration,
    pub connect_timeout: Duration,
}

impl Default for S3Options {
    fn default() -> S3Options {
        S3Options {
            endpoint: None,
            retries: 4,
            retry_timeout: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// A journal in S3, not locked yet: read it, lock it, or remove a stale lock. Its `Debug` names
/// the object, the endpoint and the credentials' source only.
#[derive(Clone)]
pub struct S3Journal {
    location: S3Location,
    url: PathBuf,
    endpoint: String,
    source: CredentialSource,
    store: Arc<AmazonS3>,
    worker: Arc<Worker>,
}

impl std::fmt::Debug for S3Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Journal")
            .field("url", &self.url)
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.source.to_string())
            .finish_non_exhaustive()
    }
}

/// One object as read: its bytes and the version to compare-and-swap on.
struct Read {
    bytes: Vec<u8>,
    version: UpdateVersion,
}

impl S3Journal {
    /// The journal at `location`, with credentials, region and endpoint from `env` and
    /// `options`. Sends nothing yet.
    pub fn new(
        location: S3Location,
        options: &S3Options,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<S3Journal, JournalError> {
        let url = PathBuf::from(location.url());
        let setup = |message: String, help: String| JournalError::Store {
            path: url.clone(),
            message,
            help: Some(help),
            source: None,
        };
        let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let resolved = credentials::resolve(env).map_err(|e| setup(e.to_string(), e.help()))?;
        let region = var("AWS_REGION")
            .or_else(|| var("AWS_DEFAULT_REGION"))
            .or(resolved.profile_region.clone())
            .unwrap_or_else(|| "us-east-1".to_owned());
        let endpoint =
            options.endpoint.clone().or_else(|| var("AWS_ENDPOINT_URL_S3")).or_else(|| var("AWS_ENDPOINT_URL"));
        let allow_http = var("AWS_ALLOW_HTTP").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if let Some(endpoint) = &endpoint {
            check_endpoint(endpoint, allow_http).map_err(|why| {
                setup(
                    format!("the S3 endpoint `{endpoint}` {why}"),
                    "give --state-endpoint (or AWS_ENDPOINT_URL) an https:// URL; http:// only to 127.0.0.1, [::1] \
                     or localhost, or with AWS_ALLOW_HTTP=true"
                        .to_owned(),
                )
            })?;
        }
        let client = ClientOptions::new()
            .with_allow_http(endpoint.as_deref().is_some_and(|e| e.starts_with("http://")))
            .with_timeout(options.timeout)
            .with_connect_timeout(options.connect_timeout);
        let retry = RetryConfig {
            max_retries: options.retries,
            retry_timeout: options.retry_timeout,
            backoff: object_store::BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(5),
                base: 2.0,
            },
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&location.bucket)
            .with_region(&region)
            .with_conditional_put(S3ConditionalPut::ETagMatch)
            .with_client_options(client)
            .with_retry(retry)
            .with_config(AmazonS3ConfigKey::DisableBulkDelete, "true")
            .with_config(AmazonS3ConfigKey::DisableTagging, "true");
        if let Some(endpoint) = &endpoint {
            builder = builder.with_endpoint(endpoint.trim_end_matches('/'));
        }
        if let Some(sts) = var("AWS_ENDPOINT_URL_STS") {
            builder = builder.with_config(AmazonS3ConfigKey::StsEndpoint, sts);
        }
        builder = match resolved.credentials {
            Credentials::Static { key_id, secret, token } => {
                let builder = builder.with_access_key_id(key_id).with_secret_access_key(secret.expose());
                match token {
                    Some(token) => builder.with_token(token.expose()),
                    None => builder,
                }
            }
            Credentials::WebIdentity { token_file, role_arn, session_name } => {
                let builder = builder
                    .with_config(AmazonS3ConfigKey::WebIdentityTokenFile, token_file)
                    .with_config(AmazonS3ConfigKey::RoleArn, role_arn);
                match session_name {
                    Some(name) => builder.with_config(AmazonS3ConfigKey::RoleSessionName, name),
                    None => builder,
                }
            }
            Credentials::Container { relative_uri, full_uri, token_file } => {
                let mut builder = builder;
                for (key, value) in [
                    (AmazonS3ConfigKey::ContainerCredentialsRelativeUri, relative_uri),
                    (AmazonS3ConfigKey::ContainerCredentialsFullUri, full_uri),
                    (AmazonS3ConfigKey::ContainerAuthorizationTokenFile, token_file),
                ] {
                    if let Some(value) = value {
                        builder = builder.with_config(key, value);
                    }
                }
                builder
            }
            Credentials::Instance => builder,
        };
        let store = builder.build().map_err(|e| {
            setup(format!("cannot set up the S3 client: {e}"), "check --state and the AWS_* variables".into())
        })?;
        let worker = Worker::start().map_err(|e| JournalError::Io { path: url.clone(), source: e })?;
        let endpoint = endpoint.unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        Ok(S3Journal {
            location,
            url,
            endpoint,
            source: resolved.source,
            store: Arc::new(store),
            worker: Arc::new(worker),
        })
    }

    pub fn location(&self) -> &S3Location {
        &self.location
    }

    /// `s3://bucket/key`.
    pub fn url(&self) -> &Path {
        &self.url
    }

    /// The endpoint requests go to (named in errors).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The journal without its lock (plan, status, `state list`): empty when there is none.
    pub async fn load(&self) -> Result<Loaded, JournalError> {
        match self.read_object(&self.location.key).await? {
            Some(read) => Journal::parse(&self.url, &read.bytes),
            None => Ok(Loaded::default()),
        }
    }

    /// The journal's bytes as they are (`state pull`): empty when there is none.
    pub async fn pull(&self) -> Result<Vec<u8>, JournalError> {
        Ok(self.read_object(&self.location.key).await?.map(|r| r.bytes).unwrap_or_default())
    }

    /// The lock, if one is held, and its age at `now_ms`.
    pub async fn holder(&self, now_ms: u64) -> Result<Option<Holder>, JournalError> {
        let Some(read) = self.read_object(&self.location.lock_key()).await? else { return Ok(None) };
        Ok(Some(self.holder_of(&read.bytes, now_ms)))
    }

    fn holder_of(&self, bytes: &[u8], now_ms: u64) -> Holder {
        let info = serde_json::from_slice::<LockInfo>(bytes).unwrap_or_else(|_| LockInfo {
            id: "(unreadable lock)".to_owned(),
            operation: "?".to_owned(),
            who: "?".to_owned(),
            place: "?".to_owned(),
            created_ms: now_ms,
            version: "?".to_owned(),
            pid: 0,
            journal: self.location.url(),
        });
        let age = Duration::from_millis(now_ms.saturating_sub(info.created_ms));
        Holder { info, age }
    }

    /// Take the lock with `info` (its id is the one `force-unlock` takes), then read the journal
    /// and open it for appending: a [`Journal`] whose records go to this object, and whose drop
    /// (or [`Journal::close`]) lets go of the lock. [`JournalError::Locked`] with the holder when
    /// another run has it.
    pub async fn lock(&self, info: LockInfo) -> Result<Journal, JournalError> {
        let held = self.take_lock(info).await?;
        let bytes = held.state.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|r| r.bytes.clone());
        // A damaged journal: the lock is let go as the held store drops.
        Journal::from_store(Box::new(held), &bytes.unwrap_or_default())
    }

    /// Take the lock and read the journal.
    async fn take_lock(&self, info: LockInfo) -> Result<Held, JournalError> {
        let lock_key = Key::from(self.location.lock_key());
        let body = serde_json::to_vec_pretty(&info)
            .map_err(|e| JournalError::Io { path: self.url.clone(), source: e.into() })?;
        let (store, key) = (Arc::clone(&self.store), lock_key.clone());
        let put = self
            .worker
            .run(async move { store.put_opts(&key, PutPayload::from(body), PutOptions::from(PutMode::Create)).await })
            .await
            .map_err(|e| self.gone(e))?;
        match put {
            Ok(_) => (),
            Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) => {
                let holder = match self.read_object(&self.location.lock_key()).await? {
                    Some(read) => Some(Box::new(self.holder_of(&read.bytes, info.created_ms))),
                    // Released in between: the caller's wait tries again.
                    None => None,
                };
                return Err(JournalError::Locked { path: self.url.clone(), holder });
            }
            Err(e) => return Err(self.error("taking the lock", &e, true)),
        }
        let held = Held {
            journal: self.clone(),
            lock_id: info.id.clone(),
            state: Mutex::new(None),
            released: Mutex::new(false),
        };
        // On an error the lock is let go as `held` drops.
        let read = self.read_object(&self.location.key).await?;
        *held.state.lock().unwrap_or_else(PoisonError::into_inner) = read;
        Ok(held)
    }

    /// Remove the lock whose id is `id` (a killed run's). Refuses another id, saying whose lock
    /// is there; returns the info of the lock removed.
    pub async fn force_unlock(&self, id: &str, now_ms: u64) -> Result<Holder, JournalError> {
        let Some(holder) = self.holder(now_ms).await? else {
            return Err(JournalError::Store {
                path: self.url.clone(),
                message: format!("it is not locked (no {} at {})", self.location.lock_key(), self.endpoint),
                help: Some("nothing to unlock".to_owned()),
                source: None,
            });
        };
        if holder.info.id != id {
            return Err(JournalError::Store {
                path: self.url.clone(),
                message: format!("the lock there has the id {}, not {id}", holder.info.id),
                help: Some(format!("the lock is {holder}; force-unlock takes the id of the lock to remove")),
                source: None,
            });
        }
        self.delete(&self.location.lock_key()).await?;
        Ok(holder)
    }

    /// Replace the journal with `bytes` (`state push`) under the lock taken with `info`,
    /// through a compare-and-swap on what was there when the lock was taken. Refuses, unless
    /// `force`, when `bytes` does not begin with every record already there (records would be
    /// lost). Returns how many entries were there before.
    pub async fn push(&self, info: LockInfo, bytes: &[u8], force: bool) -> Result<usize, JournalError> {
        let pushed = Journal::parse(&self.url, bytes)?;
        let held = self.take_lock(info).await?;
        let (current, version) = {
            let state = held.state.lock().unwrap_or_else(PoisonError::into_inner);
            match state.as_ref() {
                Some(read) => (read.bytes.clone(), Some(read.version.clone())),
                None => (Vec::new(), None),
            }
        };
        let before = Journal::parse(&self.url, &current).map(|l| l.entries.len());
        if !force && !current.is_empty() && !bytes.starts_with(&current) {
            let had = before.as_ref().map_or_else(|_| "a damaged journal".to_owned(), |n| format!("{n} entries"));
            return Err(JournalError::Store {
                path: self.url.clone(),
                message: format!(
                    "it holds {had} that the pushed journal ({} entries) does not begin with",
                    pushed.entries.len()
                ),
                help: Some(
                    "pull it first (`linkplan state pull`) and merge, or pass --force to replace it and lose what \
                     only it records"
                        .to_owned(),
                ),
                source: None,
            });
        }
        let mode = match version {
            Some(version) => PutMode::Update(version),
            None => PutMode::Create,
        };
        let (store, key, body) = (Arc::clone(&self.store), Key::from(self.location.key.clone()), bytes.to_vec());
        let put = self
            .worker
            .run(async move { store.put_opts(&key, PutPayload::from(body), PutOptions::from(mode)).await })
            .await
            .map_err(|e| self.gone(e))?;
        match put {
            Ok(_) => (),
            Err(object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. }) => {
                return Err(JournalError::Replaced { path: self.url.clone() });
            }
            Err(e) => return Err(self.error("writing the journal", &e, true)),
        }
        held.release()?;
        Ok(before.unwrap_or(0))
    }

    /// Append `line` to the journal without its lock (the compare-and-swap alone), as two
    /// writers that share no lock would: for tests of the race, and what [`Held`] does.
    pub fn append_unlocked(&self, line: &[u8]) -> Result<(), JournalError> {
        let read = self.worker.block(read_object(Arc::clone(&self.store), Key::from(self.location.key.clone())));
        let read = read.map_err(|e| self.gone(e))?.map_err(|e| self.error("reading the journal", &e, false))?;
        let mut state = read;
        self.append_cas(&mut state, line)
    }

    /// The compare-and-swap append (see the module docs). `state` is what this run last wrote or
    /// read, updated on success.
    fn append_cas(&self, state: &mut Option<Read>, line: &[u8]) -> Result<(), JournalError> {
        let key = Key::from(self.location.key.clone());
        for attempt in 0..APPEND_RACES {
            let (known, mode) = match state.as_ref() {
                Some(read) => (read.bytes.clone(), PutMode::Update(read.version.clone())),
                None => (Vec::new(), PutMode::Create),
            };
            let mut body = known.clone();
            body.extend_from_slice(line);
            let (store, key2, payload) = (Arc::clone(&self.store), key.clone(), Bytes::from(body.clone()));
            let put = self
                .worker
                .block(async move { store.put_opts(&key2, PutPayload::from(payload), PutOptions::from(mode)).await })
                .map_err(|e| self.gone(e))?;
            match put {
                Ok(result) => {
                    *state = Some(Read { bytes: body, version: result.into() });
                    return Ok(());
                }
                Err(
                    object_store::Error::Precondition { .. }
                    | object_store::Error::AlreadyExists { .. }
                    | object_store::Error::NotFound { .. },
                ) => {
                    let current = self
                        .worker
                        .block(read_object(Arc::clone(&self.store), key.clone()))
                        .map_err(|e| self.gone(e))?
                        .map_err(|e| self.error("reading the journal after a concurrent write", &e, false))?;
                    let Some(current) = current else {
                        // Deleted under the lock (a PUT on a missing key with If-Match is a 404).
                        return Err(JournalError::Replaced { path: self.url.clone() });
                    };
                    if !current.bytes.starts_with(&known) {
                        return Err(JournalError::Replaced { path: self.url.clone() });
                    }
                    let landed = current.bytes[known.len()..].split_inclusive(|b| *b == b'\n').any(|l| l == line);
                    tracing::debug!(journal = %self.url.display(), attempt, landed, "append lost a race; read again");
                    *state = Some(current);
                    if landed {
                        // This very write landed and its answer was lost.
                        return Ok(());
                    }
                    std::thread::sleep(Duration::from_millis(5 * u64::from(attempt + 1)));
                }
                Err(e) => return Err(self.error("appending to the journal", &e, true)),
            }
        }
        Err(JournalError::Store {
            path: self.url.clone(),
            message: format!("{APPEND_RACES} appends in a row lost a race with another writer"),
            help: Some("another process keeps writing this journal: is a run holding no lock writing it?".to_owned()),
            source: None,
        })
    }

    async fn read_object(&self, key: &str) -> Result<Option<Read>, JournalError> {
        let read = self.worker.run(read_object(Arc::clone(&self.store), Key::from(key.to_owned()))).await;
        read.map_err(|e| self.gone(e))?.map_err(|e| self.error("reading", &e, false))
    }

    async fn delete(&self, key: &str) -> Result<(), JournalError> {
        let (store, key) = (Arc::clone(&self.store), Key::from(key.to_owned()));
        let deleted = self.worker.run(async move { store.delete(&key).await }).await.map_err(|e| self.gone(e))?;
        match deleted {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error("removing the lock", &e, true)),
        }
    }

    fn gone(&self, e: crate::worker::WorkerGone) -> JournalError {
        JournalError::Store { path: self.url.clone(), message: e.to_string(), help: None, source: None }
    }

    /// A store error as a journal error naming the bucket, the endpoint and where the
    /// credentials came from, never a credential. `writing`: a 404 can only mean the bucket.
    fn error(&self, doing: &str, e: &object_store::Error, writing: bool) -> JournalError {
        let bucket = &self.location.bucket;
        let (detail, code) = detail(e);
        let (message, help) = match e {
            object_store::Error::NotFound { .. } if writing || code.as_deref() == Some("NoSuchBucket") => (
                format!("the bucket `{bucket}` does not exist at {}", self.endpoint),
                format!(
                    "create the bucket (`aws s3 mb s3://{bucket}`), or point --state / LINKPLAN_STATE at one that \
                     exists (and --state-endpoint / AWS_ENDPOINT_URL at the right store)"
                ),
            ),
            object_store::Error::Unauthenticated { .. } | object_store::Error::PermissionDenied { .. } => (
                format!(
                    "{doing}: access denied to s3://{bucket}/{} at {} with the credentials from {} ({detail})",
                    self.location.key, self.endpoint, self.source
                ),
                format!(
                    "check those credentials (a wrong or expired key, or one for another account), and that they may \
                     s3:GetObject, s3:PutObject and s3:DeleteObject on s3://{bucket}/{}*",
                    self.location.key
                ),
            ),
            _ if code.as_deref() == Some("PermanentRedirect")
                || code.as_deref() == Some("AuthorizationHeaderMalformed") =>
            {
                (
                    format!("{doing}: the bucket `{bucket}` is in another region than the one asked ({detail})"),
                    "set AWS_REGION to the bucket's region".to_owned(),
                )
            }
            _ => (
                format!("{doing} s3://{bucket}/{} at {}: {detail}", self.location.key, self.endpoint),
                "check the endpoint (--state-endpoint, AWS_ENDPOINT_URL) and the network, then run again: a failed \
                 write leaves the journal as it was"
                    .to_owned(),
            ),
        };
        JournalError::Store { path: self.url.clone(), message, help: Some(help), source: None }
    }
}

/// What an S3 error says, without its body's echo of the request: the `<Code>` and `<Message>`
/// when the body has them, else the error's text.
fn detail(e: &object_store::Error) -> (String, Option<String>) {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].to_owned())
    };
    match (tag("Code"), tag("Message")) {
        (Some(code), Some(message)) => (format!("{code}: {message}"), Some(code)),
        (Some(code), None) => (code.clone(), Some(code)),
        _ => {
            // No XML body: the transport's own words (no headers, no signatures in them).
            let text = match text.find("<?xml") {
                Some(at) => text[..at].trim_end().to_owned(),
                None => text,
            };
            (text, None)
        }
    }
}

/// GET `key`: its bytes and version, `None` when there is no such object.
async fn read_object(store: Arc<AmazonS3>, key: Key) -> Result<Option<Read>, object_store::Error> {
    let got = match store.get_opts(&key, GetOptions::default()).await {
        Ok(got) => got,
        Err(object_store::Error::NotFound { source, path }) => {
            // A missing bucket is a 404 too: that is an error, a missing object is not.
            let text = source.to_string();
            if text.contains("NoSuchBucket") {
                return Err(object_store::Error::NotFound { path, source });
            }
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let version = UpdateVersion { e_tag: got.meta.e_tag.clone(), version: got.meta.version.clone() };
    let bytes = got.bytes().await?;
    Ok(Some(Read { bytes: bytes.to_vec(), version }))
}

fn check_endpoint(endpoint: &str, allow_http: bool) -> Result<(), &'static str> {
    if endpoint.starts_with("https://") {
        return Ok(());
    }
    let Some(rest) = endpoint.strip_prefix("http://") else { return Err("is not an http(s):// URL") };
    let host = rest.split('/').next().unwrap_or_default();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    let loopback =
        host == "localhost" || host == "[::1]" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback());
    if loopback || allow_http { Ok(()) } else { Err("is plain HTTP to a host that is not loopback") }
}

/// The journal's store while its lock is held.
#[derive(Debug)]
struct Held {
    journal: S3Journal,
    lock_id: String,
    /// What this run last read or wrote (`None`: there was no journal yet).
    state: Mutex<Option<Read>>,
    released: Mutex<bool>,
}

impl std::fmt::Debug for Read {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Read").field("bytes", &self.bytes.len()).field("e_tag", &self.version.e_tag).finish()
    }
}

impl JournalStore for Held {
    fn location(&self) -> &Path {
        &self.journal.url
    }

    fn append(&self, bytes: &[u8]) -> Result<(), JournalError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        self.journal.append_cas(&mut state, bytes)
    }

    fn truncate(&self, len: usize) -> Result<(), JournalError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(read) = state.as_ref() else { return Ok(()) };
        let body = read.bytes[..len.min(read.bytes.len())].to_vec();
        let (store, key, mode) = (
            Arc::clone(&self.journal.store),
            Key::from(self.journal.location.key.clone()),
            PutMode::Update(read.version.clone()),
        );
        let payload = Bytes::from(body.clone());
        let put = self
            .journal
            .worker
            .block(async move { store.put_opts(&key, PutPayload::from(payload), PutOptions::from(mode)).await })
            .map_err(|e| self.journal.gone(e))?;
        match put {
            Ok(result) => {
                *state = Some(Read { bytes: body, version: result.into() });
                Ok(())
            }
            Err(object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. }) => {
                Err(JournalError::Replaced { path: self.journal.url.clone() })
            }
            Err(e) => Err(self.journal.error("repairing the journal's torn last line", &e, true)),
        }
    }

    fn release(&self) -> Result<(), JournalError> {
        let mut released = self.released.lock().unwrap_or_else(PoisonError::into_inner);
        if *released {
            return Ok(());
        }
        let lock_key = self.journal.location.lock_key();
        let read = self.journal.worker.block(read_object(Arc::clone(&self.journal.store), Key::from(lock_key.clone())));
        let read =
            read.map_err(|e| self.journal.gone(e))?.map_err(|e| self.journal.error("reading the lock", &e, false))?;
        let ours = read
            .as_ref()
            .and_then(|r| serde_json::from_slice::<LockInfo>(&r.bytes).ok())
            .is_some_and(|info| info.id == self.lock_id);
        if ours {
            let (store, key) = (Arc::clone(&self.journal.store), Key::from(lock_key));
            let deleted = self.journal.worker.block(async move { store.delete(&key).await });
            match deleted.map_err(|e| self.journal.gone(e))? {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => (),
                Err(e) => return Err(self.journal.error("removing the lock", &e, true)),
            }
        } else {
            tracing::warn!(journal = %self.journal.url.display(), lock = %self.lock_id, "the lock was removed (force-unlock?) while this run held it");
        }
        *released = true;
        Ok(())
    }

    fn lock_id(&self) -> Option<&str> {
        Some(&self.lock_id)
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Err(e) = self.release() {
            tracing::warn!(journal = %self.journal.url.display(), lock = %self.lock_id, "could not remove the lock: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_endpoint("https://s3.example.com", false).is_ok());
        assert!(check_endpoint("http://127.0.0.1:9000", false).is_ok());
        assert!(check_endpoint("http://localhost:9000/", false).is_ok());
        assert!(check_endpoint("http://[::1]:9000", false).is_ok());
        assert!(check_endpoint("http://10.0.0.5:9000", false).is_err());
        assert!(check_endpoint("http://10.0.0.5:9000", true).is_ok());
        assert!(check_endpoint("ftp://x", true).is_err());
    }
}
