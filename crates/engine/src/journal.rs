//! The apply journal: append-only JSON lines, each `fsync`ed, plus the lock that keeps two
//! applies of the same plan apart.
//!
//! The journal is a record and a hint; observed state is the truth. On resume apply observes
//! again and every step whose resource is already done is `=`. Each line carries `version`
//! (a serialization boundary). A torn last line (a kill mid-write) is ignored when reading.
//!
//! The lock is an OS advisory lock (`File::try_lock`: `flock` on Unix, `LockFileEx` on
//! Windows) on `<journal>.lock`, held for the [`Journal`]'s lifetime. The OS drops it when the
//! process dies, so a killed apply never leaves a stale lock behind.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::step::{Action, StepId};

/// How often [`Journal::open_waiting`] tries the lock again.
const LOCK_POLL: Duration = Duration::from_millis(200);

/// The journal line format version (2 added `create_sent`; version 1 lines are still read).
pub const JOURNAL_VERSION: u32 = 2;

/// Journal and lock errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    #[error("another apply of this plan is running (it holds {})", path.display())]
    Locked { path: PathBuf },
    #[error("cannot use {}", path.display())]
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
    #[error("{}:{line}: journal version {found} is newer than this linkplan understands ({JOURNAL_VERSION})", path.display())]
    Version { path: PathBuf, line: usize, found: u32 },
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

/// An open, locked journal.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
    _lock: File,
}

impl Journal {
    /// Lock `<path>.lock` and open `path` for appending (created if absent).
    pub fn open(path: &Path) -> Result<Journal, JournalError> {
        let lock_path = lock_path(path);
        let io = |p: &Path| {
            let p = p.to_owned();
            move |source| JournalError::Io { path: p, source }
        };
        let lock =
            OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path).map_err(io(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => (),
            Err(TryLockError::WouldBlock) => return Err(JournalError::Locked { path: lock_path }),
            Err(TryLockError::Error(source)) => return Err(JournalError::Io { path: lock_path, source }),
        }
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(io(path))?;
        Ok(Journal { path: path.to_owned(), file: Mutex::new(file), _lock: lock })
    }

    /// [`Journal::open`], waiting up to `timeout` for another apply to let go of the lock
    /// (`on_wait` is called once, when the wait begins). Polls the lock every 200 ms.
    pub fn open_waiting(path: &Path, timeout: Duration, on_wait: impl FnOnce()) -> Result<Journal, JournalError> {
        let start = Instant::now();
        let mut on_wait = Some(on_wait);
        loop {
            match Journal::open(path) {
                Err(JournalError::Locked { .. }) if start.elapsed() < timeout => {
                    if let Some(f) = on_wait.take() {
                        f();
                    }
                    std::thread::sleep(LOCK_POLL.min(timeout.saturating_sub(start.elapsed())));
                }
                other => return other,
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one entry and `fsync` it before returning.
    pub fn record(&self, entry: &Entry) -> Result<(), JournalError> {
        let mut line =
            serde_json::to_vec(entry).map_err(|e| JournalError::Io { path: self.path.clone(), source: e.into() })?;
        line.push(b'\n');
        let file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let io = |source| JournalError::Io { path: self.path.clone(), source };
        (&*file).write_all(&line).map_err(io)?;
        file.sync_data().map_err(io)
    }

    /// Every entry of the journal at `path` (empty when it does not exist).
    pub fn read(path: &Path) -> Result<Vec<Entry>, JournalError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(JournalError::Io { path: path.to_owned(), source }),
        };
        let complete = text.ends_with('\n');
        let lines: Vec<&str> = text.lines().collect();
        let mut entries = Vec::with_capacity(lines.len());
        for (idx, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let entry: Entry = match serde_json::from_str(line) {
                Ok(entry) => entry,
                // A kill while writing leaves a torn last line: it never completed.
                Err(_) if idx + 1 == lines.len() && !complete => break,
                Err(source) => return Err(JournalError::Corrupt { path: path.to_owned(), line: idx + 1, source }),
            };
            if entry.version > JOURNAL_VERSION {
                return Err(JournalError::Version { path: path.to_owned(), line: idx + 1, found: entry.version });
            }
            entries.push(entry);
        }
        Ok(entries)
    }

    /// The steps whose resources linkplan created and has not deleted since: a create request
    /// was sent for them (even if the process died before hearing back), or a create succeeded;
    /// a delete that succeeded ends it. Destroy deletes only what is listed here. (Version 1
    /// journals had no `create_sent`: there a started create counts.)
    pub fn created(entries: &[Entry]) -> BTreeSet<StepId> {
        let mut out = BTreeSet::new();
        for e in entries {
            let created = e.outputs.get("created").is_some_and(|c| c == "true");
            match (e.event, e.action) {
                (JournalEvent::CreateSent, _) => {
                    out.insert(e.step_id.clone());
                }
                (JournalEvent::Started, Some(Action::Create)) if e.version < 2 => {
                    out.insert(e.step_id.clone());
                }
                (JournalEvent::Succeeded, Some(Action::Delete)) => {
                    out.remove(&e.step_id);
                }
                (JournalEvent::Succeeded, _) if created => {
                    out.insert(e.step_id.clone());
                }
                _ => (),
            }
        }
        out
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

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
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

    #[test]
    fn appends_reads_back_and_ignores_a_torn_last_line() -> Result<(), JournalError> {
        let path = temp("torn");
        {
            let journal = Journal::open(&path)?;
            journal.record(&entry("a/1", JournalEvent::Started))?;
            journal.record(&entry("a/1", JournalEvent::Succeeded))?;
            journal.record(&entry("b/1", JournalEvent::Started))?;
        }
        let mut text =
            std::fs::read_to_string(&path).map_err(|source| JournalError::Io { path: path.clone(), source })?;
        assert!(text.starts_with(r#"{"version":2,"step_id":"a/1","event":"started","at":1}"#), "{text}");
        text.push_str(r#"{"version":2,"step_id":"b/1","ev"#);
        std::fs::write(&path, &text).map_err(|source| JournalError::Io { path: path.clone(), source })?;
        let entries = Journal::read(&path)?;
        assert_eq!(entries.len(), 3);
        let done = Journal::succeeded(&entries);
        assert_eq!(done.keys().map(StepId::as_str).collect::<Vec<_>>(), ["a/1"]);
        Ok(())
    }

    #[test]
    fn refuses_corrupt_lines_and_newer_versions() {
        let path = temp("corrupt");
        let write = |text: &str| std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        write("not json\n{\"version\":1,\"step_id\":\"a\",\"event\":\"started\",\"at\":1}\n");
        assert!(matches!(Journal::read(&path), Err(JournalError::Corrupt { line: 1, .. })));
        write("{\"version\":3,\"step_id\":\"a\",\"event\":\"started\",\"at\":1}\n");
        assert!(matches!(Journal::read(&path), Err(JournalError::Version { found: 3, .. })));
        assert!(matches!(Journal::read(&path.with_file_name("absent.jsonl")), Ok(v) if v.is_empty()));
    }

    #[test]
    fn ownership_starts_with_a_create_and_ends_with_a_delete() {
        let with = |step: &str, event, action| Entry { action: Some(action), ..entry(step, event) };
        let mut adopted = with("found/1", JournalEvent::Succeeded, Action::Wait);
        adopted.outputs.insert("created".to_owned(), "false".to_owned());
        let v1 = |e: Entry| Entry { version: 1, ..e };
        let entries = [
            // Killed after sending the create: the resource may exist, and it is ours.
            with("killed/1", JournalEvent::Started, Action::Create),
            with("killed/1", JournalEvent::CreateSent, Action::Create),
            // Started a create but found one meanwhile: not ours.
            with("raced/1", JournalEvent::Started, Action::Create),
            adopted,
            with("gone/1", JournalEvent::Started, Action::Create),
            with("gone/1", JournalEvent::CreateSent, Action::Create),
            with("gone/1", JournalEvent::Succeeded, Action::Create),
            with("gone/1", JournalEvent::Started, Action::Delete),
            with("gone/1", JournalEvent::Succeeded, Action::Delete),
            // Version 1 lines: a started create counts; so does a success that says it created.
            v1(with("v1/1", JournalEvent::Started, Action::Create)),
            v1(Entry {
                outputs: BTreeMap::from([("created".to_owned(), "true".to_owned())]),
                ..entry("v1/2", JournalEvent::Succeeded)
            }),
        ];
        let owned: Vec<String> = Journal::created(&entries).iter().map(|s| s.as_str().to_owned()).collect();
        assert_eq!(owned, ["killed/1", "v1/1", "v1/2"]);
    }

    #[test]
    fn the_lock_is_exclusive_while_open() -> Result<(), JournalError> {
        let path = temp("lock");
        let first = Journal::open(&path)?;
        assert!(matches!(Journal::open(&path), Err(JournalError::Locked { .. })));
        let waited = std::cell::Cell::new(false);
        let timed_out = Journal::open_waiting(&path, Duration::from_millis(50), || waited.set(true));
        assert!(matches!(timed_out, Err(JournalError::Locked { .. })) && waited.get());
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(first);
        });
        let second = Journal::open_waiting(&path, Duration::from_secs(30), || ())?;
        let _ = releaser.join();
        drop(second);
        Journal::open(&path).map(drop)
    }
}
