//! Where linkplan keeps its journal and lock: the local file beside the plan (the default), or
//! an S3 bucket (`s3://bucket/prefix`) that a team's machines and CI runners share.
//!
//! [`StateLocation`] is what the user gives (`--state`, `LINKPLAN_STATE`); [`Backend`] is one
//! plan's journal in it, which opens a locked [`linkplan_engine::Journal`] (apply and destroy
//! record through it, whatever the backend), loads one without the lock (plan, status, `state
//! list`), reports and removes a lock (`force-unlock`), and moves a journal in and out (`state
//! push`/`pull`). The S3 backend is [`s3`]: a lock object made with `If-None-Match: *`, appends
//! as compare-and-swap on the ETag; credentials from the AWS chain ([`credentials`]).

pub mod credentials;
pub mod lock;
pub mod s3;
mod worker;

use std::path::{Path, PathBuf};
use std::time::Duration;

use linkplan_engine::{Clock, Holder, Journal, JournalError, Loaded};

pub use credentials::{CredentialError, CredentialSource};
pub use lock::{lock_info, new_id};
pub use s3::{S3Journal, S3Location, S3Options};

/// How often a wait for an S3 lock tries again (each try is a request).
const S3_LOCK_POLL: Duration = Duration::from_secs(2);

/// Where journals are kept, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateLocation {
    /// The file beside the plan: `.linkplan/<plan file>.journal.jsonl` (`file`).
    File,
    /// `s3://bucket/prefix`: the journal is `<prefix>/<plan file>.journal.jsonl`; or
    /// `s3://bucket/key.jsonl`: that object.
    S3 { bucket: String, prefix: String },
}

/// A location that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not a state location: {why}")]
pub struct LocationError {
    pub given: String,
    pub why: String,
}

impl StateLocation {
    /// `file`, `s3://bucket`, `s3://bucket/prefix` or `s3://bucket/key.jsonl`.
    pub fn parse(text: &str) -> Result<StateLocation, LocationError> {
        let given = text.trim();
        let error = |why: &str| LocationError { given: given.to_owned(), why: why.to_owned() };
        if given == "file" {
            return Ok(StateLocation::File);
        }
        let Some(rest) = given.strip_prefix("s3://") else {
            let why = match given.split_once("://") {
                Some((scheme, _)) => format!("`{scheme}://` is not supported (only s3://, and `file`)"),
                None => "use `file` (the journal beside the plan), `s3://bucket/prefix`, or --journal FILE for a \
                         file elsewhere"
                    .to_owned(),
            };
            return Err(LocationError { given: given.to_owned(), why });
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            && !bucket.starts_with(['-', '.'])
            && !bucket.ends_with(['-', '.']);
        if !valid_bucket {
            return Err(error("a bucket name is 3 to 63 lowercase letters, digits, `-` and `.`"));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|part| part == "." || part == "..") || prefix.contains("//") {
            return Err(error("the prefix has an empty, `.` or `..` part"));
        }
        Ok(StateLocation::S3 { bucket: bucket.to_owned(), prefix: prefix.to_owned() })
    }

    /// The S3 object of the journal of the plan file named `plan_name`.
    pub fn s3_object(&self, plan_name: &str) -> Option<S3Location> {
        let StateLocation::S3 { bucket, prefix } = self else { return None };
        let key = if prefix.ends_with(".jsonl") {
            prefix.clone()
        } else if prefix.is_empty() {
            format!("{plan_name}.journal.jsonl")
        } else {
            format!("{prefix}/{plan_name}.journal.jsonl")
        };
        Some(S3Location { bucket: bucket.clone(), key })
    }
}

impl std::fmt::Display for StateLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateLocation::File => f.write_str("file"),
            StateLocation::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            StateLocation::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// One plan's journal, in a file or in S3.
#[derive(Debug, Clone)]
pub enum Backend {
    File(PathBuf),
    S3(S3Journal),
}

impl Backend {
    /// Its path or `s3://` URL.
    pub fn path(&self) -> &Path {
        match self {
            Backend::File(path) => path,
            Backend::S3(s3) => s3.url(),
        }
    }

    /// Take the lock for `operation` and open the journal, waiting up to `timeout` on `clock`
    /// for another run to let go (`on_wait` once, with the first refusal, when the wait begins).
    pub async fn open(
        &self,
        operation: &str,
        timeout: Duration,
        clock: &dyn Clock,
        env: &dyn Fn(&str) -> Option<String>,
        on_wait: impl FnOnce(&JournalError),
    ) -> Result<Journal, JournalError> {
        match self {
            Backend::File(path) => {
                Journal::open_waiting_with(timeout, Duration::from_millis(200), clock, on_wait, || async {
                    Journal::open(path)
                })
                .await
            }
            Backend::S3(s3) => {
                let journal = s3.location().url();
                Journal::open_waiting_with(timeout, S3_LOCK_POLL, clock, on_wait, || {
                    let info = lock_info(operation, &journal, clock.unix_ms(), env);
                    s3.lock(info)
                })
                .await
            }
        }
    }

    /// The journal without its lock: empty when there is none; a torn last line reported.
    pub async fn load(&self) -> Result<Loaded, JournalError> {
        match self {
            Backend::File(path) => Journal::load(path),
            Backend::S3(s3) => s3.load().await,
        }
    }

    /// The journal's bytes as they are (empty when there is none).
    pub async fn pull(&self) -> Result<Vec<u8>, JournalError> {
        match self {
            Backend::File(path) => match std::fs::read(path) {
                Ok(bytes) => Ok(bytes),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
                Err(source) => Err(JournalError::Io { path: path.clone(), source }),
            },
            Backend::S3(s3) => s3.pull().await,
        }
    }

    /// The lock's holder, for a backend whose lock can outlive its run (S3); `None` for a file,
    /// whose OS lock goes with its process.
    pub async fn holder(&self, now_ms: u64) -> Result<Option<Holder>, JournalError> {
        match self {
            Backend::File(_) => Ok(None),
            Backend::S3(s3) => s3.holder(now_ms).await,
        }
    }

    /// Replace the journal with `bytes` under its lock (see [`S3Journal::push`]; a file is
    /// replaced by a rename, under its OS lock). Returns how many entries were there before.
    pub async fn push(
        &self,
        bytes: &[u8],
        force: bool,
        clock: &dyn Clock,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<usize, JournalError> {
        match self {
            Backend::File(path) => push_file(path, bytes, force),
            Backend::S3(s3) => {
                let info = lock_info("state push", &s3.location().url(), clock.unix_ms(), env);
                s3.push(info, bytes, force).await
            }
        }
    }
}

/// `Wed, 02 Dec 2026 06:05:07 GMT`: a journal time, for people.
pub fn http_date(time: std::time::SystemTime) -> String {
    httpdate::fmt_http_date(time)
}

fn push_file(path: &Path, bytes: &[u8], force: bool) -> Result<usize, JournalError> {
    let pushed = Journal::parse(path, bytes)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| JournalError::Io { path: dir.to_owned(), source })?;
    }
    let held = Journal::open(path);
    let io = |source| JournalError::Io { path: path.to_owned(), source };
    let current = std::fs::read(path).map_err(io)?;
    let before = match &held {
        Ok(journal) => journal.entries().len(),
        Err(JournalError::Corrupt { .. } | JournalError::Version { .. }) if force => 0,
        Err(_) => return held.map(|_| 0),
    };
    if !force && !current.is_empty() && !bytes.starts_with(&current) {
        return Err(JournalError::Store {
            path: path.to_owned(),
            message: format!(
                "it holds {before} entries that the pushed journal ({} entries) does not begin with",
                pushed.entries.len()
            ),
            help: Some("pass --force to replace it and lose what only it records".to_owned()),
            source: None,
        });
    }
    let temp = path.with_extension("jsonl.push");
    std::fs::write(&temp, bytes).map_err(io)?;
    std::fs::File::open(&temp).and_then(|f| f.sync_all()).map_err(io)?;
    std::fs::rename(&temp, path).map_err(io)?;
    drop(held);
    Ok(before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_name_their_objects() {
        assert_eq!(StateLocation::parse("file"), Ok(StateLocation::File));
        let s3 = StateLocation::parse("s3://team-state/linkplan/prod/").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s3.to_string(), "s3://team-state/linkplan/prod");
        assert_eq!(
            s3.s3_object("orders.yaml").map(|o| o.url()).as_deref(),
            Some("s3://team-state/linkplan/prod/orders.yaml.journal.jsonl")
        );
        let exact = StateLocation::parse("s3://team-state/x/orders.jsonl").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(exact.s3_object("orders.yaml").map(|o| o.key).as_deref(), Some("x/orders.jsonl"));
        let root = StateLocation::parse("s3://team-state").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(root.s3_object("p.yaml").map(|o| o.key).as_deref(), Some("p.yaml.journal.jsonl"));
        for bad in ["gs://bucket/x", "s3://UPPER/x", "s3://a/x", "s3://bucket/../x", "./state", ""] {
            assert!(StateLocation::parse(bad).is_err(), "{bad}");
        }
    }
}
