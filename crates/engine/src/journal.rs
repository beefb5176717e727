//! The apply journal: append-only JSON lines, each made durable before the next step goes on,
//! read back and checked when it is opened, and locked so two applies of the same plan cannot
//! run at once.
//!
//! The journal is a record and a hint; observed state is the truth. On resume apply observes
//! again and every step whose resource is already done is `=`. What the journal is the only
//! source of is **ownership**: which resource ids linkplan created ([`Journal::owned`]), the
//! ones destroy may delete.
//!
//! Where the bytes live is a [`JournalStore`]: the local file ([`Journal::open`], the default)
//! or a remote object (the S3 store of `linkplan-state`, opened there and handed over with
//! [`Journal::from_store`]). Apply and destroy record through a [`Journal`] whatever the store.
//!
//! One reading rule for every reader ([`Journal::open`] / [`Journal::from_store`] for apply and
//! destroy, [`Journal::load`] / [`Journal::parse`] for plan and status):
//! - a torn *last* line (no newline: a kill mid-write) is recovered. `open` truncates it away
//!   before anything is appended (or, when it is a whole entry that only lost its newline, adds
//!   the newline), `load` leaves the file alone; both report it ([`Recovered`]) so the caller warns;
//! - any other line that is not an entry of a version this linkplan knows (garbage, binary bytes,
//!   a newer version) is an error naming the line and the way out ([`JournalError::help`]):
//!   linkplan never appends after it and never skips it.
//!
//! The file's lock is an OS advisory lock (`File::try_lock`: `flock` on Unix, `LockFileEx` on
//! Windows) on the journal file itself, held for the [`Journal`]'s lifetime. The OS drops it when
//! the process dies, so a killed apply never leaves a stale lock behind. On Unix, the path must
//! keep naming the locked file: a journal deleted or replaced under a running apply is noticed at
//! the next record, which fails instead of writing into a file no one will read. A remote store
//! locks with an object of its own, which a killed run does leave behind: [`LockInfo`] says who
//! holds it, and [`JournalError::Locked`] carries it.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::future::Future;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::step::{Action, StepId};

/// How often [`Journal::open_waiting`] tries the file's lock again.
const LOCK_POLL: Duration = Duration::from_millis(200);

/// The journal line format version (2 added `create_sent`; version 1 lines are still read).
pub const JOURNAL_VERSION: u32 = 2;

/// Journal and lock errors. `path` is the journal's path, or its URL for a remote store
/// (`s3://bucket/key`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    #[error("another linkplan run holds the journal {}{}", path.display(), holder.as_deref().map(|h| format!(" ({h})")).unwrap_or_default())]
    Locked {
        path: PathBuf,
        /// Who holds it, for a store whose lock says (a remote one); `None` for the file's OS lock.
        holder: Option<Box<Holder>>,
    },
    #[error("cannot use the journal {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}:{line}: not a journal entry", path.display())]
    Corrupt {
        path: PathBuf,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}:{line}: journal version {found} is not one this linkplan understands (1 to {JOURNAL_VERSION})", path.display())]
    Version { path: PathBuf, line: usize, found: u32 },
    #[error("the journal {} was deleted or replaced while this run held it", path.display())]
    Replaced { path: PathBuf },
    /// A remote store's failure (access denied, no such bucket, unreachable), with its way out.
    #[error("cannot use the journal {}: {message}", path.display())]
    Store {
        path: PathBuf,
        message: String,
        help: Option<String>,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl JournalError {
    /// The way out, for the edge to show as help.
    pub fn help(&self) -> Option<String> {
        match self {
            JournalError::Locked { holder: None, .. } => {
                Some("wait for the other run to finish, or pass --lock-timeout to wait for it here".to_owned())
            }
            JournalError::Locked { holder: Some(holder), .. } => Some(format!(
                "wait for it to finish, or pass --lock-timeout to wait for it here. If that run is gone (killed, \
                 its machine lost), nothing will remove its lock: `linkplan force-unlock {}` with the same plan \
                 and state location does",
                holder.info.id
            )),
            JournalError::Io { .. } => None,
            JournalError::Corrupt { path, line, .. } => Some(format!(
                "linkplan never appends after a damaged record: look at line {line} of {}. If it is damage, \
                 remove that line and run again. To start a new record, move the file aside; linkplan then \
                 knows of nothing it created (`linkplan destroy --adopt` deletes what it finds by name)",
                path.display()
            )),
            JournalError::Version { .. } => {
                Some("a newer linkplan wrote this journal: run that version (or newer) instead".to_owned())
            }
            JournalError::Replaced { .. } => Some(
                "another process removed the file this run was recording into; stopping before a record is \
                 lost. Run the command again: it observes the clouds and resumes"
                    .to_owned(),
            ),
            JournalError::Store { help, .. } => help.clone(),
        }
    }
}

/// What a remote lock says about the run holding it: who, where, when and what it is doing.
/// Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// What `linkplan force-unlock` is given.
    pub id: String,
    /// The command: `apply`, `destroy`, `state push`.
    pub operation: String,
    /// `user@host`.
    pub who: String,
    /// Where it runs: a CI run's URL, else the host and working directory.
    #[serde(rename = "where")]
    pub place: String,
    /// When the lock was taken, milliseconds since the Unix epoch.
    pub created_ms: u64,
    /// The linkplan version that took it.
    pub version: String,
    /// The process id on that host.
    #[serde(default)]
    pub pid: u32,
    /// The journal it locks.
    pub journal: String,
}

/// A lock another run holds, and how old it was when seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub info: LockInfo,
    pub age: Duration,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let info = &self.info;
        write!(
            f,
            "`{}` by {} at {}, taken {} ago; lock id {}",
            info.operation,
            info.who,
            info.place,
            age(self.age),
            info.id
        )
    }
}

/// `45s`, `12m`, `3h 5m`, `2d 4h`: a lock's age, to the unit that matters.
pub fn age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86400, s % 86400 / 3600),
    }
}

/// Where a journal's bytes are kept while its lock is held: the file (private to this module) or
/// a remote object. A store appends whole lines and makes them durable before returning; a
/// failed append leaves the journal as it was.
pub trait JournalStore: Send + Sync + std::fmt::Debug {
    /// The journal's path, or its URL (`s3://bucket/key`), for messages.
    fn location(&self) -> &Path;
    /// Append `bytes` (whole lines) and make them durable.
    fn append(&self, bytes: &[u8]) -> Result<(), JournalError>;
    /// Cut the journal to its first `len` bytes (a torn last line, when it is opened).
    fn truncate(&self, len: usize) -> Result<(), JournalError>;
    /// Let go of the lock now, saying whether that failed (dropping the store lets go too, and
    /// can only log a failure).
    fn release(&self) -> Result<(), JournalError> {
        Ok(())
    }
    /// The id of the lock held, for a store whose lock has one (see [`LockInfo::id`]).
    fn lock_id(&self) -> Option<&str> {
        None
    }
}

/// What happened to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalEvent {
    Started,
    /// A create request is about to be sent: from here the resource may exist, and it is ours.
    CreateSent,
    Succeeded,
    Failed,
}

/// One line of the journal. Never holds a secret: ids, states and vendor messages only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub version: u32,
    pub step_id: StepId,
    pub event: JournalEvent,
    /// Milliseconds since the Unix epoch (from the engine's clock).
    pub at: u64,
    /// What the step set out to do (on `started` and `succeeded`; absent in older lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A torn last line found when the journal was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Its line number.
    pub line: usize,
    /// How many bytes it had.
    pub bytes: usize,
    /// Whether it was a whole entry that only lost its newline (kept), or a partial write
    /// (dropped: truncated away by [`Journal::open`], ignored by [`Journal::load`]).
    pub kept: bool,
}

impl std::fmt::Display for Recovered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kept {
            write!(f, "line {} was a whole entry without its newline; kept", self.line)
        } else {
            write!(
                f,
                "line {} was torn ({} bytes, no newline: a run was stopped while writing it); dropped",
                self.line, self.bytes
            )
        }
    }
}

/// A journal as read, without taking the lock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    pub entries: Vec<Entry>,
    /// The torn last line, if there was one.
    pub recovered: Option<Recovered>,
}

/// What the journal says linkplan created for one step, and has not deleted since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owned {
    /// The id of the resource linkplan created; `None` when a create was sent but the run
    /// stopped before it learned the id (a resume records it).
    pub id: Option<String>,
}

/// An open, locked journal.
#[derive(Debug)]
pub struct Journal {
    store: Box<dyn JournalStore>,
    /// Every entry: those read at open, then those recorded since (the lock orders appends).
    entries: Mutex<Vec<Entry>>,
    /// The entries it held when opened.
    opened_with: usize,
    recovered: Option<Recovered>,
}

/// The journal file, locked.
#[derive(Debug)]
struct FileStore {
    path: PathBuf,
    file: File,
}

impl FileStore {
    fn io(&self, source: io::Error) -> JournalError {
        JournalError::Io { path: self.path.clone(), source }
    }
}

impl JournalStore for FileStore {
    fn location(&self) -> &Path {
        &self.path
    }

    /// Fails, writing nothing, when the path no longer names the locked file.
    fn append(&self, bytes: &[u8]) -> Result<(), JournalError> {
        match same_file(&self.path, &self.file) {
            Ok(true) => (),
            Ok(false) => return Err(JournalError::Replaced { path: self.path.clone() }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(JournalError::Replaced { path: self.path.clone() });
            }
            Err(e) => return Err(self.io(e)),
        }
        (&self.file).write_all(bytes).map_err(|e| self.io(e))?;
        self.file.sync_data().map_err(|e| self.io(e))
    }

    fn truncate(&self, len: usize) -> Result<(), JournalError> {
        self.file.set_len(len as u64).map_err(|e| self.io(e))?;
        self.file.sync_data().map_err(|e| self.io(e))
    }
}

impl Journal {
    /// Lock the journal at `path` (created if absent), read and check every entry (a torn last
    /// line is truncated away, see the module docs), and open it for appending.
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let io = |source| JournalError::Io { path: path.to_owned(), source };
        // The path can be replaced between the open and the lock: lock again until the locked
        // file is the one the path names.
        let mut file = loop {
            let file = OpenOptions::new().create(true).read(true).append(true).open(path).map_err(io)?;
            match file.try_lock() {
                Ok(()) => (),
                Err(TryLockError::WouldBlock) => {
                    return Err(JournalError::Locked { path: path.to_owned(), holder: None });
                }
                Err(TryLockError::Error(source)) => return Err(io(source)),
            }
            if same_file(path, &file).map_err(io)? {
                break file;
            }
        };
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        Journal::from_store(Box::new(FileStore { path: path.to_owned(), file }), &bytes)
    }

    /// A journal over a store whose lock is held and whose bytes were just read: every entry is
    /// checked, a torn last line repaired through the store (see the module docs).
    pub fn from_store(store: Box<dyn JournalStore>, bytes: &[u8]) -> Result<Journal, JournalError> {
        let (entries, recovered) = parse(store.location(), bytes)?;
        match &recovered {
            Some(r) if r.kept => store.append(b"\n")?,
            Some(r) => store.truncate(bytes.len() - r.bytes)?,
            None => (),
        }
        let opened_with = entries.len();
        Ok(Journal { store, entries: Mutex::new(entries), opened_with, recovered })
    }

    /// [`Journal::open`], waiting up to `timeout` on `clock` for another run to let go of the
    /// lock (`on_wait` is called once, when the wait begins). Polls the lock every 200 ms.
    pub async fn open_waiting(
        path: &Path,
        timeout: Duration,
        clock: &dyn Clock,
        on_wait: impl FnOnce(),
    ) -> Result<Journal, JournalError> {
        Journal::open_waiting_with(timeout, LOCK_POLL, clock, |_| on_wait(), || async { Journal::open(path) }).await
    }

    /// Call `open` until it does not answer [`JournalError::Locked`], or `timeout` passed on
    /// `clock`, trying every `poll`; `on_wait` is called once, with the first `Locked` error,
    /// when the wait begins. Any store's opener waits through this.
    pub async fn open_waiting_with<F, Fut>(
        timeout: Duration,
        poll: Duration,
        clock: &dyn Clock,
        on_wait: impl FnOnce(&JournalError),
        mut open: F,
    ) -> Result<Journal, JournalError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Journal, JournalError>>,
    {
        let start = clock.now();
        let mut on_wait = Some(on_wait);
        loop {
            let waited = clock.now().saturating_sub(start);
            match open().await {
                Err(e @ JournalError::Locked { .. }) if waited < timeout => {
                    if let Some(f) = on_wait.take() {
                        f(&e);
                    }
                    clock.sleep(poll.min(timeout - waited)).await;
                }
                other => return other,
            }
        }
    }

    /// The journal's path, or its URL for a remote store.
    pub fn path(&self) -> &Path {
        self.store.location()
    }

    /// Every entry: those the journal held when it was opened, then those recorded since.
    pub fn entries(&self) -> Vec<Entry> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Whether the journal held no entry when it was opened (a first run, or a lost journal).
    pub fn was_empty(&self) -> bool {
        self.opened_with == 0
    }

    /// The torn last line [`Journal::open`] recovered, if any (the caller warns).
    pub fn recovered(&self) -> Option<&Recovered> {
        self.recovered.as_ref()
    }

    /// Append one entry and make it durable (the file: `fsync`) before returning. Fails, writing
    /// nothing, when the journal was deleted or replaced under the lock.
    pub fn record(&self, entry: &Entry) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(entry)
            .map_err(|e| JournalError::Io { path: self.path().to_owned(), source: e.into() })?;
        line.push(b'\n');
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        self.store.append(&line)?;
        entries.push(entry.clone());
        Ok(())
    }

    /// The id of the lock this journal holds, when its store's lock has one (a remote store).
    pub fn lock_id(&self) -> Option<&str> {
        self.store.lock_id()
    }

    /// Let go of the lock, saying whether that failed (dropping the journal lets go too).
    pub fn close(self) -> Result<(), JournalError> {
        self.store.release()
    }

    /// The journal at `path` without locking it (for readers such as `status`): empty when it
    /// does not exist; a torn last line is reported, not repaired.
    pub fn load(path: &Path) -> Result<Loaded, JournalError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Loaded::default()),
            Err(source) => return Err(JournalError::Io { path: path.to_owned(), source }),
        };
        Journal::parse(path, &bytes)
    }

    /// A journal's bytes read by the one reading rule (a torn last line reported, not
    /// repaired), `path` naming it in errors: what [`Journal::load`] does with a file's.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Loaded, JournalError> {
        let (entries, recovered) = parse(path, bytes)?;
        Ok(Loaded { entries, recovered })
    }

    /// Every entry of the journal at `path` ([`Journal::load`] without the report).
    pub fn read(path: &Path) -> Result<Vec<Entry>, JournalError> {
        Journal::load(path).map(|l| l.entries)
    }

    /// What linkplan created and has not deleted since, by step: a create request was sent
    /// (even if the process died before hearing back: the id is then unknown until a resume
    /// finds the resource), or a create succeeded (its id). A step that found someone else's
    /// resource (no create sent) owns nothing; a delete that succeeded ends ownership; a step
    /// that succeeded on an id another step of its kind owns takes the ownership over (the
    /// plan changed the resource's natural key, e.g. renamed the cluster). (Version 1 journals
    /// had no `create_sent`: there a started create counts.)
    pub fn owned(entries: &[Entry]) -> BTreeMap<StepId, Owned> {
        let mut out: BTreeMap<StepId, Owned> = BTreeMap::new();
        for e in entries {
            let id = e.outputs.get("id").filter(|id| !id.is_empty()).cloned();
            let created = e.outputs.get("created").is_some_and(|c| c == "true");
            match (e.event, e.action) {
                (JournalEvent::CreateSent, _) => {
                    // Only sent when the lookup found nothing: an id recorded before is gone.
                    out.insert(e.step_id.clone(), Owned { id: None });
                }
                (JournalEvent::Started, Some(Action::Create)) if e.version < 2 => {
                    out.insert(e.step_id.clone(), Owned { id: None });
                }
                (JournalEvent::Succeeded, Some(Action::Delete)) => {
                    out.remove(&e.step_id);
                }
                (JournalEvent::Succeeded, _) if created => {
                    out.insert(e.step_id.clone(), Owned { id });
                }
                (JournalEvent::Succeeded, _) => {
                    // Found by its natural key after a create whose answer was lost: that
                    // create's resource (or the oldest racer's, which the step kept).
                    if let Some(owned) = out.get_mut(&e.step_id)
                        && owned.id.is_none()
                    {
                        owned.id = id;
                    } else if let Some(id) = id {
                        // The resource linkplan created under an earlier natural key (a cluster
                        // renamed in the plan): ownership follows the id to the new step.
                        let earlier = out.iter().find_map(|(step, o)| {
                            (step != &e.step_id && step.kind() == e.step_id.kind() && o.id.as_ref() == Some(&id))
                                .then(|| step.clone())
                        });
                        if let Some(earlier) = earlier {
                            out.remove(&earlier);
                            out.insert(e.step_id.clone(), Owned { id: Some(id) });
                        }
                    }
                }
                _ => (),
            }
        }
        out
    }

    /// Whether `owned` records `id` as created by linkplan, under any step of `kind` (a step id
    /// holds the natural key, which a plan edit can change).
    pub fn owns(owned: &BTreeMap<StepId, Owned>, kind: crate::step::StepKind, id: &str) -> bool {
        owned.iter().any(|(step, o)| step.kind() == Some(kind) && o.id.as_deref() == Some(id))
    }

    /// The last outputs of every step that succeeded (a hint for resume and status).
    pub fn succeeded(entries: &[Entry]) -> BTreeMap<StepId, BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        for e in entries {
            match e.event {
                JournalEvent::Succeeded => {
                    out.insert(e.step_id.clone(), e.outputs.clone());
                }
                JournalEvent::Started | JournalEvent::Failed => {
                    out.remove(&e.step_id);
                }
                JournalEvent::CreateSent => (),
            }
        }
        out
    }
}

/// The entries of a journal's bytes, and its torn last line. Whitespace-only lines carry no
/// record and are passed over; any other line must be an entry of a known version.
fn parse(path: &Path, bytes: &[u8]) -> Result<(Vec<Entry>, Option<Recovered>), JournalError> {
    let (body, tail) = match bytes.iter().rposition(|b| *b == b'\n') {
        Some(last) => bytes.split_at(last + 1),
        None => (&[][..], bytes),
    };
    let mut entries = Vec::new();
    let mut line_no = 0;
    for line in body.split_inclusive(|b| *b == b'\n') {
        line_no += 1;
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        entries.push(entry(path, line_no, line)?);
    }
    if tail.is_empty() {
        return Ok((entries, None));
    }
    line_no += 1;
    let recovered = match serde_json::from_slice::<Entry>(tail) {
        Ok(_) => {
            entries.push(entry(path, line_no, tail)?);
            Recovered { line: line_no, bytes: tail.len(), kept: true }
        }
        Err(_) => Recovered { line: line_no, bytes: tail.len(), kept: false },
    };
    Ok((entries, Some(recovered)))
}

fn entry(path: &Path, line: usize, bytes: &[u8]) -> Result<Entry, JournalError> {
    let entry: Entry = serde_json::from_slice(bytes).map_err(|source| JournalError::Corrupt {
        path: path.to_owned(),
        line,
        source,
    })?;
    if entry.version == 0 || entry.version > JOURNAL_VERSION {
        return Err(JournalError::Version { path: path.to_owned(), line, found: entry.version });
    }
    Ok(entry)
}

/// Whether `path` still names `file` (on Unix: the same device and inode).
#[cfg(unix)]
fn same_file(path: &Path, file: &File) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let (named, held) = (std::fs::metadata(path)?, file.metadata()?);
    Ok(named.dev() == held.dev() && named.ino() == held.ino())
}

#[cfg(not(unix))]
fn same_file(path: &Path, _file: &File) -> io::Result<bool> {
    std::fs::metadata(path).map(|_| true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("linkplan-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        dir.join("apply.jsonl")
    }

    fn entry(step: &str, event: JournalEvent) -> Entry {
        let step_id: StepId = serde_json::from_value(serde_json::json!(step)).unwrap_or_else(|e| panic!("{e}"));
        Entry { version: JOURNAL_VERSION, step_id, event, at: 1, action: None, outputs: BTreeMap::new(), message: None }
    }

    fn write(path: &Path, bytes: impl AsRef<[u8]>) {
        std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    fn text(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    const LINE: &str = r#"{"version":2,"step_id":"a/1","event":"started","at":1}"#;

    #[test]
    fn a_torn_last_line_is_truncated_before_the_next_append() -> Result<(), JournalError> {
        let path = temp("torn");
        write(&path, format!("{LINE}\n{}", r#"{"version":2,"step_id":"b/1","ev"#));
        // A reader without the lock reports it and leaves the file alone.
        let loaded = Journal::load(&path)?;
        assert_eq!(loaded.entries.len(), 1);
        assert_eq!(loaded.recovered, Some(Recovered { line: 2, bytes: 32, kept: false }));
        assert!(text(&path).ends_with("\"ev"));
        {
            let journal = Journal::open(&path)?;
            assert_eq!(journal.recovered().map(|r| r.line), Some(2));
            assert_eq!(journal.entries().len(), 1);
            journal.record(&entry("c/1", JournalEvent::Started))?;
        }
        // The next append starts on its own line: every reader reads the whole journal.
        let reread = Journal::load(&path)?;
        assert_eq!(reread.recovered, None);
        let steps: Vec<&str> = reread.entries.iter().map(|e| e.step_id.as_str()).collect();
        assert_eq!(steps, ["a/1", "c/1"]);
        Ok(())
    }

    #[test]
    fn a_whole_last_entry_without_its_newline_is_kept() -> Result<(), JournalError> {
        let path = temp("no-newline");
        write(&path, LINE);
        {
            let journal = Journal::open(&path)?;
            assert_eq!(journal.recovered().map(|r| r.kept), Some(true));
            journal.record(&entry("c/1", JournalEvent::Started))?;
        }
        assert_eq!(Journal::read(&path)?.len(), 2);
        Ok(())
    }

    #[test]
    fn any_other_bad_line_is_an_error_naming_it_and_nothing_is_appended() {
        let path = temp("corrupt");
        let cases: [(&[u8], usize); 5] = [
            (b"not json\n", 1),
            (b"{\"version\":2,\"step_id\":\"a\",\"event\":\"started\",\"at\":1}\n\xff\xfe\x00\x01\n", 2),
            (b"\x00\x00\x00\x00\n", 1),
            (b"{\"version\":2,\"step_id\":\"a\",\"event\":\"exploded\",\"at\":1}\n", 1),
            // Garbage followed by a good line: still refused (never skipped).
            (b"\n{]\n{\"version\":2,\"step_id\":\"a\",\"event\":\"started\",\"at\":1}\n", 2),
        ];
        for (bytes, line) in cases {
            write(&path, bytes);
            for result in [Journal::load(&path).map(drop), Journal::open(&path).map(drop)] {
                match result {
                    Err(e @ JournalError::Corrupt { .. }) => {
                        assert!(matches!(e, JournalError::Corrupt { line: l, .. } if l == line), "{e}");
                        assert!(e.help().is_some_and(|h| h.contains(&format!("line {line}"))), "{:?}", e.help());
                    }
                    other => panic!("{:?} read as {other:?}", String::from_utf8_lossy(bytes)),
                }
            }
            assert_eq!(std::fs::read(&path).ok().as_deref(), Some(bytes), "the file is left as it was");
        }
        for version in [0, 3] {
            write(&path, format!("{{\"version\":{version},\"step_id\":\"a\",\"event\":\"started\",\"at\":1}}\n"));
            assert!(matches!(Journal::open(&path), Err(JournalError::Version { found, .. }) if found == version));
            assert!(matches!(Journal::load(&path), Err(JournalError::Version { .. })));
        }
        assert!(matches!(Journal::load(&path.with_file_name("absent.jsonl")), Ok(l) if l.entries.is_empty()));
    }

    #[test]
    fn ownership_follows_the_recorded_ids() {
        let with = |step: &str, event, action| Entry { action: Some(action), ..entry(step, event) };
        let done = |step: &str, action, id: &str, created: bool| Entry {
            outputs: BTreeMap::from([("id".to_owned(), id.to_owned()), ("created".to_owned(), created.to_string())]),
            ..with(step, JournalEvent::Succeeded, action)
        };
        let v1 = |e: Entry| Entry { version: 1, ..e };
        let entries = [
            // Killed after sending the create: ours, id unknown.
            with("killed/1", JournalEvent::Started, Action::Create),
            with("killed/1", JournalEvent::CreateSent, Action::Create),
            // Killed, then a resume found it by name: that is the one we made.
            with("resumed/1", JournalEvent::CreateSent, Action::Create),
            done("resumed/1", Action::Create, "r-1", false),
            // Started a create but found one meanwhile (no create sent): not ours.
            with("raced/1", JournalEvent::Started, Action::Create),
            done("raced/1", Action::Create, "theirs", false),
            // Created, then deleted by hand and someone else's found by name: still only ours.
            with("swapped/1", JournalEvent::CreateSent, Action::Create),
            done("swapped/1", Action::Create, "lkc-a", true),
            done("swapped/1", Action::Wait, "lkc-b", false),
            // Created, then destroyed.
            with("gone/1", JournalEvent::CreateSent, Action::Create),
            done("gone/1", Action::Create, "g-1", true),
            done("gone/1", Action::Delete, "g-1", false),
            // Created, gone out of band, created again: the new id.
            with("again/1", JournalEvent::CreateSent, Action::Create),
            done("again/1", Action::Create, "a-1", true),
            with("again/1", JournalEvent::CreateSent, Action::Create),
            done("again/1", Action::Create, "a-2", true),
            // Version 1 lines: a started create counts; so does a success that says it created.
            v1(with("v1/1", JournalEvent::Started, Action::Create)),
            v1(Entry {
                outputs: BTreeMap::from([("created".to_owned(), "true".to_owned())]),
                ..entry("v1/2", JournalEvent::Succeeded)
            }),
        ];
        let owned: Vec<(String, Option<String>)> =
            Journal::owned(&entries).into_iter().map(|(s, o)| (s.as_str().to_owned(), o.id)).collect();
        let expect = |s: &str, id: Option<&str>| (s.to_owned(), id.map(str::to_owned));
        assert_eq!(
            owned,
            [
                expect("again/1", Some("a-2")),
                expect("killed/1", None),
                expect("resumed/1", Some("r-1")),
                expect("swapped/1", Some("lkc-a")),
                expect("v1/1", None),
                expect("v1/2", None),
            ]
        );
    }

    #[test]
    fn the_journal_itself_is_locked_while_open() -> Result<(), JournalError> {
        let path = temp("lock");
        let first = Journal::open(&path)?;
        assert!(matches!(Journal::open(&path), Err(JournalError::Locked { .. })));
        // No separate lock file that could be deleted under a running apply.
        let files: Vec<_> = std::fs::read_dir(path.parent().unwrap_or(Path::new(".")))
            .map_err(|source| JournalError::Io { path: path.clone(), source })?
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        assert_eq!(files, ["apply.jsonl"]);
        // The wait runs on the injected clock: ten simulated minutes of polling, every 200 ms.
        let polls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counted = std::sync::Arc::clone(&polls);
        let clock = crate::clock::ManualClock::new(move |_| {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        let waited = std::cell::Cell::new(false);
        let timeout = Duration::from_secs(600);
        let timed_out = block_on(Journal::open_waiting(&path, timeout, &clock, || waited.set(true)));
        assert!(matches!(timed_out, Err(JournalError::Locked { .. })) && waited.get());
        assert_eq!(clock.now(), timeout, "waited exactly the timeout");
        assert_eq!(polls.load(std::sync::atomic::Ordering::SeqCst), 3000);
        // Released during the wait: the next poll takes the lock.
        let first = std::cell::RefCell::new(Some(first));
        let releasing = crate::clock::ManualClock::new(|_| ());
        let second = block_on(Journal::open_waiting(&path, timeout, &releasing, || drop(first.borrow_mut().take())))?;
        drop(second);
        Journal::open(&path).map(drop)
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        match tokio::runtime::Builder::new_current_thread().enable_time().build() {
            Ok(runtime) => runtime.block_on(future),
            Err(e) => panic!("a test runtime: {e}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_journal_deleted_or_replaced_under_a_run_stops_its_next_record() -> Result<(), JournalError> {
        let path = temp("replaced");
        let journal = Journal::open(&path)?;
        journal.record(&entry("a/1", JournalEvent::Started))?;
        let io = |source| JournalError::Io { path: path.clone(), source };
        std::fs::remove_file(&path).map_err(io)?;
        assert!(matches!(journal.record(&entry("a/1", JournalEvent::Succeeded)), Err(JournalError::Replaced { .. })));
        write(&path, "");
        assert!(matches!(journal.record(&entry("a/1", JournalEvent::Succeeded)), Err(JournalError::Replaced { .. })));
        assert_eq!(text(&path), "", "nothing written to the new file");
        Ok(())
    }
}
