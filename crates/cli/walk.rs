//! Finding plan files: explicit files as given (regular files only, always read), directories
//! walked as ripgrep and ruff walk them (the `ignore` crate: hidden files skipped, `.ignore`
//! respected, `.gitignore` inside a git repository), then the project's `include` and
//! `exclude`, then plan discovery: a YAML file that is clearly not a plan is skipped.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use linkplan_model::yaml::MAX_FILE_BYTES;

/// Excluded unless the configuration's `exclude` says otherwise (hidden directories are skipped
/// anyway).
pub(crate) const DEFAULT_EXCLUDE: &[&str] = &["target", "node_modules"];

/// The files a directory walk looks at unless the configuration's `include` says otherwise.
pub(crate) const DEFAULT_INCLUDE: &[&str] = &["*.yaml", "*.yml"];

/// A path that could not be searched, or is not a file to read (the reason is the OS's error, or
/// what kind of file it is).
#[derive(Debug)]
pub(crate) struct WalkError {
    pub(crate) path: PathBuf,
    pub(crate) error: io::Error,
}

/// Globs as ruff reads `include` and `exclude`: one without a `/` matches a file or directory
/// name anywhere; one with a `/` matches the path relative to the project root (the
/// configuration file's directory). `*` stops at `/`, `**` does not.
#[derive(Debug, Clone)]
pub(crate) struct Patterns {
    names: GlobSet,
    name_texts: Vec<String>,
    anchored: GlobSet,
    anchored_texts: Vec<String>,
}

impl Patterns {
    /// Compiles `patterns`; an error says which one (its index) and why.
    pub(crate) fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Patterns, (usize, globset::Error)> {
        let (mut names, mut anchored) = (GlobSetBuilder::new(), GlobSetBuilder::new());
        let (mut name_texts, mut anchored_texts) = (Vec::new(), Vec::new());
        for (index, pattern) in patterns.iter().enumerate() {
            let text = pattern.as_ref();
            let trimmed = text.trim_start_matches("./").trim_start_matches('/').trim_end_matches('/');
            let glob = GlobBuilder::new(trimmed).literal_separator(true).build().map_err(|e| (index, e))?;
            if trimmed.contains('/') {
                anchored.add(glob);
                anchored_texts.push(text.to_owned());
            } else {
                names.add(glob);
                name_texts.push(text.to_owned());
            }
        }
        let build = |set: GlobSetBuilder| set.build().map_err(|e| (0, e));
        Ok(Patterns { names: build(names)?, name_texts, anchored: build(anchored)?, anchored_texts })
    }

    /// The first pattern that matches `path` (absolute), relative to `root`.
    pub(crate) fn matched(&self, root: &Path, path: &Path) -> Option<&str> {
        if let Some(name) = path.file_name()
            && let Some(&index) = self.names.matches(name).first()
        {
            return self.name_texts.get(index).map(String::as_str);
        }
        let relative = path.strip_prefix(root).ok()?;
        let index = *self.anchored.matches(relative).first()?;
        self.anchored_texts.get(index).map(String::as_str)
    }
}

/// How directories are walked: the project's root (for anchored globs), what to include and
/// exclude, and whether `.gitignore` counts. [`Discovery::default`] is the behaviour without a
/// configuration file, rooted at the current directory.
#[derive(Debug, Clone)]
pub(crate) struct Discovery {
    root: PathBuf,
    include: Patterns,
    exclude: Patterns,
    respect_gitignore: bool,
    force_exclude: bool,
    /// Where the settings came from, for `-v` messages.
    origin: String,
}

impl Default for Discovery {
    fn default() -> Discovery {
        let root = std::env::current_dir().unwrap_or_default();
        Discovery::new(root, patterns(DEFAULT_INCLUDE), patterns(DEFAULT_EXCLUDE), "the defaults".to_owned())
    }
}

/// The built-in patterns, which compile.
fn patterns(texts: &[&str]) -> Patterns {
    Patterns::new(texts).unwrap_or_else(|_| Patterns {
        names: GlobSet::empty(),
        name_texts: Vec::new(),
        anchored: GlobSet::empty(),
        anchored_texts: Vec::new(),
    })
}

impl Discovery {
    /// A walk rooted at `root` (globs with a `/` are relative to it), `origin` naming where the
    /// settings came from.
    pub(crate) fn new(root: PathBuf, include: Patterns, exclude: Patterns, origin: String) -> Discovery {
        Discovery { root, include, exclude, respect_gitignore: true, force_exclude: false, origin }
    }

    /// Whether `.gitignore` (git's own excludes too) and `.ignore` files leave files out: ruff's
    /// `respect-gitignore`, which turns off both.
    pub(crate) fn respect_gitignore(mut self, respect: bool) -> Discovery {
        self.respect_gitignore = respect;
        self
    }

    /// The default include patterns when `None`.
    pub(crate) fn default_include() -> Patterns {
        patterns(DEFAULT_INCLUDE)
    }

    /// Whether `exclude` also leaves out files named explicitly (ruff's `force-exclude`: for
    /// pre-commit, which names every changed file).
    pub(crate) fn force_exclude(mut self, force: bool) -> Discovery {
        self.force_exclude = force;
        self
    }

    fn excluded(&self, path: &Path) -> Option<&str> {
        self.exclude.matched(&self.root, &absolute(path))
    }

    /// For a path named explicitly: the pattern that excludes it or a directory it is in (up to
    /// the project's root).
    fn excluded_named(&self, path: &Path) -> Option<&str> {
        let path = absolute(path);
        let mut ancestors = path.ancestors();
        let first = ancestors.next().and_then(|p| self.exclude.matched(&self.root, p));
        first.or_else(|| {
            ancestors
                .take_while(|dir| dir.starts_with(&self.root) && *dir != self.root)
                .find_map(|dir| self.exclude.matched(&self.root, dir))
        })
    }
}

/// Expands `paths` into plan files, sorted and without duplicates; `-` stays as is. A file named
/// in `paths` is always taken (a FIFO, socket or device refused), unless `force-exclude` and
/// `exclude` leave it out; a directory is walked as
/// [`Discovery`] says, and of what it holds only plans are taken: what was skipped, and why, is
/// logged at `-v`. The errors are paths that could not be read or searched.
pub(crate) fn collect(paths: &[PathBuf], discovery: &Discovery) -> (Vec<PathBuf>, Vec<WalkError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            files.push(path.clone());
            continue;
        }
        // Follows symbolic links: a link to a plan is read, a link to a FIFO refused.
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                match discovery.force_exclude.then(|| discovery.excluded_named(path)).flatten() {
                    Some(pattern) => tracing::info!(
                        "skipped `{}`: excluded by `{pattern}` ({}, force-exclude)",
                        path.display(),
                        discovery.origin
                    ),
                    None => walk_dir(path, discovery, &mut files, &mut errors),
                }
            }
            Ok(meta) if meta.is_file() => {
                match discovery.force_exclude.then(|| discovery.excluded_named(path)).flatten() {
                    Some(pattern) => tracing::info!(
                        "skipped `{}`: excluded by `{pattern}` ({}, force-exclude)",
                        path.display(),
                        discovery.origin
                    ),
                    None => files.push(path.clone()),
                }
            }
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

fn walk_dir(dir: &Path, discovery: &Discovery, files: &mut Vec<PathBuf>, errors: &mut Vec<WalkError>) {
    let filter = Arc::new(discovery.clone());
    let mut builder = ignore::WalkBuilder::new(dir);
    builder
        .standard_filters(true)
        // .gitignore only inside a git repository, as ripgrep and ruff (`require_git`).
        .git_ignore(discovery.respect_gitignore)
        .git_global(discovery.respect_gitignore)
        .git_exclude(discovery.respect_gitignore)
        .ignore(discovery.respect_gitignore)
        // Symbolic links to directories are not followed, so a link cycle cannot loop.
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |entry| {
            if entry.depth() == 0 {
                return true;
            }
            match filter.excluded(entry.path()) {
                Some(pattern) => {
                    tracing::info!("skipped `{}`: excluded by `{pattern}` ({})", entry.path().display(), filter.origin);
                    false
                }
                None => true,
            }
        });
    for result in builder.build() {
        let entry = match result {
            Ok(entry) => entry,
            Err(error) => {
                walk_error(dir, error, errors);
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let path = entry.path();
        let is_file = entry.file_type().is_some_and(|kind| kind.is_file() || (kind.is_symlink() && path.is_file()));
        if !is_file || discovery.include.matched(&discovery.root, &absolute(path)).is_none() {
            continue;
        }
        match looks_like_plan(path) {
            Ok(true) => files.push(path.to_owned()),
            Ok(false) => tracing::info!(
                "skipped `{}`: not a plan (no top-level `version` with `tidb` or `confluent`)",
                path.display()
            ),
            // Unreadable: taken, so that reading it reports why.
            Err(_) => files.push(path.to_owned()),
        }
    }
}

/// An error from the walk: a directory that cannot be read is an error; a bad line in an ignore
/// file only a warning (as ripgrep does), the walk goes on.
fn walk_error(dir: &Path, error: ignore::Error, errors: &mut Vec<WalkError>) {
    let path = error_path(&error).unwrap_or(dir).to_owned();
    match error.io_error() {
        Some(io) => errors.push(WalkError { path, error: io::Error::new(io.kind(), io.to_string()) }),
        None => crate::printer::warning(&format!("{}: {error}", path.display())),
    }
}

fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        ignore::Error::Partial(errors) => errors.first().and_then(error_path),
        _ => None,
    }
}

/// `path` made absolute against the current directory, without touching the file system.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// Whether the file has a top-level `version` key and a top-level `tidb` or `confluent` key:
/// what every plan has, and what a docker-compose file, a Kubernetes manifest or a CI workflow
/// has not. It looks at lines (or, for one flow mapping, at words), not at parsed YAML, so a plan broken by a typo is still linted
/// (and its error shown), and a file that is not YAML at all without those keys (a Helm
/// template) is skipped.
fn looks_like_plan(path: &Path) -> io::Result<bool> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(MAX_FILE_BYTES as u64).read_to_end(&mut bytes)?;
    Ok(is_plan_text(&String::from_utf8_lossy(&bytes)))
}

fn is_plan_text(text: &str) -> bool {
    // A document that is one flow mapping (`{version: 1, tidb: …}`) has no key lines: its words.
    let body = text.lines().map(str::trim_start).find(|l| !l.is_empty() && !l.starts_with('#') && *l != "---");
    if body.is_some_and(|line| line.starts_with('{')) {
        let has = |word: &str| text.contains(&format!("{word}:")) || text.contains(&format!("\"{word}\""));
        return has("version") && (has("tidb") || has("confluent"));
    }
    let (mut version, mut side) = (false, false);
    for line in text.lines() {
        match top_level_key(line.strip_prefix('\u{feff}').unwrap_or(line)) {
            Some("version") => version = true,
            Some("tidb" | "confluent") => side = true,
            _ => {}
        }
        if version && side {
            return true;
        }
    }
    false
}

/// The key of a mapping entry at column 0 (`key:`, `"key":`, `'key':`), if the line is one.
fn top_level_key(line: &str) -> Option<&str> {
    let (key, rest) = match line.chars().next()? {
        quote @ ('"' | '\'') => {
            let end = line[1..].find(quote)? + 1;
            (&line[1..end], &line[end + 1..])
        }
        c if c.is_whitespace() || matches!(c, '#' | '-' | '[' | '{' | '?' | ':') => return None,
        _ => {
            let colon = line.find(':')?;
            (line[..colon].trim_end(), &line[colon..])
        }
    };
    let after = rest.trim_start_matches([' ', '\t']).strip_prefix(':')?;
    (after.is_empty() || after.starts_with([' ', '\t'])).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_have_version_and_a_side() {
        assert!(is_plan_text("version: 1\nname: orders\ntidb:\n  cluster_id: '1'\n"));
        assert!(is_plan_text("\u{feff}\"version\": 1\nconfluent: {}\n"));
        assert!(is_plan_text("# a plan\nconfluent:\n  network: [\nversion: 1\n"));
        assert!(!is_plan_text("version: '3.8'\nservices:\n  tidb:\n    image: pingcap/tidb\n"));
        assert!(!is_plan_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tidb\n"));
        assert!(!is_plan_text("tidb: 1\n"));
        assert!(!is_plan_text("version:1\ntidb:x\n"));
        assert!(!is_plan_text("{{ .Values.version }}\n"));
        assert!(is_plan_text("# flow\n{version: 1, tidb: {cluster_id: '1'}}\n"));
        assert!(!is_plan_text("{version: 1, name: a, bogus: 1}"));
    }

    #[test]
    fn patterns_match_names_anywhere_and_slashes_from_the_root() {
        let root = Path::new("/repo");
        let patterns = Patterns::new(&["k8s", "plans/legacy/*.yaml", "*.tmpl.yaml"]).expect("globs compile");
        assert_eq!(patterns.matched(root, Path::new("/repo/deploy/k8s")), Some("k8s"));
        assert_eq!(patterns.matched(root, Path::new("/repo/plans/legacy/a.yaml")), Some("plans/legacy/*.yaml"));
        assert_eq!(patterns.matched(root, Path::new("/repo/plans/legacy/x/a.yaml")), None);
        assert_eq!(patterns.matched(root, Path::new("/other/plans/legacy/a.yaml")), None);
        assert_eq!(patterns.matched(root, Path::new("/repo/a.tmpl.yaml")), Some("*.tmpl.yaml"));
        assert!(Patterns::new(&["ok", "a[b"]).is_err_and(|(index, _)| index == 1));
    }
}
