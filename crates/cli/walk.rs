//! Finding plan files: explicit files as given (regular files only), directories searched for
//! `*.yaml`/`*.yml`.

use std::io;
use std::path::{Path, PathBuf};

/// Directories never searched (besides hidden ones).
const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

/// A path that could not be searched, or is not a file to read (the reason is the OS's error, or
/// what kind of file it is).
#[derive(Debug)]
pub(crate) struct WalkError {
    pub(crate) path: PathBuf,
    pub(crate) error: io::Error,
}

/// Expands `paths` into files, sorted and without duplicates; `-` stays as is.
pub(crate) fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            files.push(path.clone());
            continue;
        }
        // Follows symbolic links: a link to a plan is read, a link to a FIFO refused.
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk_dir(path, &mut files, &mut errors),
            Ok(meta) if meta.is_file() => files.push(path.clone()),
            Ok(meta) => errors.push(WalkError { path: path.clone(), error: not_regular(meta.file_type()) }),
            Err(error) => errors.push(WalkError { path: path.clone(), error }),
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

/// Why a path that is neither a directory nor a regular file is not read: opening a FIFO waits
/// for a writer (forever, in a hook or CI job), and a device or a socket holds no plan. Standard
/// input, `-`, can still be a pipe.
pub(crate) fn not_regular(kind: std::fs::FileType) -> io::Error {
    #[cfg(unix)]
    let what = {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            "a named pipe (FIFO)"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else {
            "a special file"
        }
    };
    #[cfg(not(unix))]
    let what = {
        let _ = kind;
        "a special file"
    };
    io::Error::new(io::ErrorKind::InvalidInput, format!("it is {what}, not a regular file"))
}

fn walk_dir(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<WalkError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => return errors.push(WalkError { path: dir.to_owned(), error }),
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                errors.push(WalkError { path: dir.to_owned(), error });
                continue;
            }
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        // Symbolic links to directories are not followed, so a link cycle cannot loop.
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => {
                if !SKIPPED_DIRS.contains(&name.as_ref()) {
                    walk_dir(&path, files, errors);
                }
            }
            Ok(kind) if kind.is_file() || (kind.is_symlink() && path.is_file()) => {
                if name.ends_with(".yaml") || name.ends_with(".yml") {
                    files.push(path);
                }
            }
            Ok(_) => {}
            Err(error) => errors.push(WalkError { path, error }),
        }
    }
}
