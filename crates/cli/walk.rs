//! Finding plan files: explicit files as given, directories searched for `*.yaml`/`*.yml`.

use std::io;
use std::path::{Path, PathBuf};

/// Directories never searched (besides hidden ones).
const SKIPPED_DIRS: &[&str] = &["target", "node_modules"];

/// A path that could not be searched.
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
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk_dir(path, &mut files, &mut errors),
            Ok(_) => files.push(path.clone()),
            Err(error) => errors.push(WalkError { path: path.clone(), error }),
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
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
