//! Tidy checks over the source tree (as rust-analyzer has): every Rust file says what it is for
//! in a `//!` doc, and test code does not grow new `unwrap_or_default()` — in a test that only
//! dodges `clippy::unwrap_used` and turns a broken fixture into a confusing later failure; use
//! `expect("why")`.

use std::path::{Path, PathBuf};

use crate::util::root;

/// Test files that had `unwrap_or_default()` when this check came: they may keep as many (fewer
/// is welcome; lower the number), no file may add one.
const UNWRAP_OR_DEFAULT_BASELINE: &[(&str, usize)] = &[
    ("tests/lint.rs", 12),
    ("tests/sarif.rs", 1),
    ("tests/sim.rs", 1),
    ("tests/util.rs", 1),
    ("crates/engine/tests/engine/apply.rs", 1),
    ("crates/lint/tests/locations.rs", 2),
    ("crates/tidbcloud/tests/tidbcloud/resources.rs", 1),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn tree() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "tests"] {
        rust_files(&root().join(dir), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a source file reads");
            let relative = path.strip_prefix(root()).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            (relative, text)
        })
        .collect()
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let missing: Vec<String> =
        tree().into_iter().filter(|(_, text)| !text.trim_start().starts_with("//!")).map(|(path, _)| path).collect();
    assert!(missing.is_empty(), "these files need a `//!` doc saying what they are for:\n{}", missing.join("\n"));
}

#[test]
fn test_code_adds_no_unwrap_or_default() {
    let mut over = Vec::new();
    for (path, text) in tree() {
        let is_test = (path.starts_with("tests/") || path.contains("/tests/")) && path != "tests/tidy.rs";
        if !is_test {
            continue;
        }
        let count = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .map(|line| line.matches(".unwrap_or_default()").count())
            .sum::<usize>();
        let allowed = UNWRAP_OR_DEFAULT_BASELINE.iter().find(|(p, _)| *p == path).map_or(0, |(_, n)| *n);
        if count > allowed {
            over.push(format!("{path}: {count} (at most {allowed}); use expect(\"why\") instead"));
        }
    }
    assert!(over.is_empty(), "{}", over.join("\n"));
}
