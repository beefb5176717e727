//! Project configuration, found as ruff finds its own: walking up from the current directory,
//! the first directory with `.linkplan.toml`, `linkplan.toml`, or a `pyproject.toml` that has a
//! `[tool.linkplan]` table (one without it is passed over) holds the project's settings;
//! `--config FILE` names the file instead, `--isolated` reads none. Flags beat the file, which
//! beats the defaults.
//!
//! Keys (kebab-case, as ruff's; any other key is an error naming it): `include`, `exclude`,
//! `extend-exclude` (globs, relative to the file's directory), `respect-gitignore`,
//! `force-exclude`, `select`,
//! `ignore`, `extend-select`, `extend-ignore`, `deny`, `format`, `state` and
//! `[per-file-ignores]` (glob → rules).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use linkplan_lint::selection::{RuleSelection, Selector};
use linkplan_state::StateLocation;
use miette::{LabeledSpan, NamedSource, miette};
use serde::Deserialize;
use toml::Spanned;

use crate::args::{ConfigArgs, DenyLevel, Format};
use crate::walk::{Discovery, Patterns};

/// The files looked for in each directory, in this order (ruff: `.ruff.toml`, `ruff.toml`,
/// `pyproject.toml`).
const FILE_NAMES: &[&str] = &[".linkplan.toml", "linkplan.toml", "pyproject.toml"];

/// The keys of `linkplan.toml` (or of `[tool.linkplan]`), each with its span for errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Settings {
    include: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<Spanned<String>>>,
    extend_exclude: Option<Vec<Spanned<String>>>,
    respect_gitignore: Option<bool>,
    force_exclude: Option<bool>,
    select: Option<Vec<Spanned<String>>>,
    ignore: Option<Vec<Spanned<String>>>,
    extend_select: Option<Vec<Spanned<String>>>,
    extend_ignore: Option<Vec<Spanned<String>>>,
    deny: Option<Spanned<String>>,
    format: Option<Spanned<String>>,
    state: Option<Spanned<String>>,
    per_file_ignores: Option<BTreeMap<Spanned<String>, Vec<Spanned<String>>>>,
}

/// `pyproject.toml`: only `[tool.linkplan]` is read; everything else is some other tool's.
#[derive(Debug, Deserialize)]
struct Pyproject {
    tool: Option<PyprojectTools>,
}

#[derive(Debug, Deserialize)]
struct PyprojectTools {
    linkplan: Option<Settings>,
}

/// Rules left out for the files a glob matches (`[per-file-ignores]`).
#[derive(Debug, Clone)]
struct PerFileIgnore {
    pattern: Patterns,
    rules: Vec<Selector>,
}

/// The project's settings: from its configuration file, or the defaults.
#[derive(Debug, Clone, Default)]
pub(crate) struct Project {
    source: Option<PathBuf>,
    root: PathBuf,
    discovery: Discovery,
    selection: RuleSelection,
    per_file_ignores: Vec<PerFileIgnore>,
    deny: Option<DenyLevel>,
    format: Option<Format>,
    state: Option<StateLocation>,
}

impl Project {
    /// The settings `args` point at: `--isolated`, none; `--config FILE`, that file (an error
    /// if it is missing or wrong); else the first configuration file walking up from the
    /// current directory, or the defaults when there is none.
    pub(crate) fn load(args: &ConfigArgs) -> miette::Result<Project> {
        if args.isolated {
            tracing::info!("configuration: none (--isolated)");
            return Ok(Project::default());
        }
        if let Some(path) = &args.config {
            let text = std::fs::read_to_string(path)
                .map_err(|e| miette!("cannot read the configuration file `{}`: {e}", path.display()))?;
            let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
            return match parse(path, &text, is_pyproject)? {
                Some(settings) => Project::from_settings(path, &text, settings),
                None => Err(miette!(
                    help = "add a [tool.linkplan] table, or name a linkplan.toml",
                    "`{}` has no [tool.linkplan] table",
                    path.display()
                )),
            };
        }
        let cwd = std::env::current_dir().map_err(|e| miette!("cannot read the current directory: {e}"))?;
        match find(&cwd)? {
            Some((path, text, settings)) => Project::from_settings(&path, &text, settings),
            None => {
                tracing::info!("configuration: none found from `{}` up; the defaults", cwd.display());
                Ok(Project::default())
            }
        }
    }

    fn from_settings(path: &Path, text: &str, settings: Settings) -> miette::Result<Project> {
        tracing::info!("configuration: `{}`", path.display());
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        let root = path.parent().map(Path::to_owned).unwrap_or_default();
        let at = |span: std::ops::Range<usize>, message: String, help: String| {
            miette!(labels = vec![LabeledSpan::at(span, "here")], help = help, "{message}")
                .with_source_code(NamedSource::new(path.display().to_string(), text.to_owned()).with_language("TOML"))
        };
        let globs = |list: &[Spanned<String>], key: &str| -> miette::Result<Patterns> {
            Patterns::new(&list.iter().map(|s| s.get_ref().as_str()).collect::<Vec<_>>()).map_err(|(index, error)| {
                let span = list.get(index).map_or(0..0, Spanned::span);
                at(span, format!("`{key}` in {}: {error}", path.display()), "a glob such as `plans/**/*.yaml`".into())
            })
        };
        let selectors = |list: &Option<Vec<Spanned<String>>>, key: &str| -> miette::Result<Vec<Selector>> {
            list.iter()
                .flatten()
                .filter(|s| !s.get_ref().trim().is_empty())
                .map(|s| {
                    Selector::parse(s.get_ref())
                        .map_err(|e| at(s.span(), format!("`{key}` in {}: {e}", path.display()), e.help()))
                })
                .collect()
        };
        let include = match &settings.include {
            Some(list) => globs(list, "include")?,
            None => Discovery::default_include(),
        };
        let mut exclude_texts: Vec<Spanned<String>> = match &settings.exclude {
            Some(list) => list.clone(),
            None => crate::walk::DEFAULT_EXCLUDE.iter().map(|p| Spanned::new(0..0, (*p).to_owned())).collect(),
        };
        if let Some(list) = &settings.extend_exclude {
            // Checked alone first, so that an error names the key it is under.
            globs(list, "extend-exclude")?;
            exclude_texts.extend(list.iter().cloned());
        }
        let exclude = globs(&exclude_texts, "exclude")?;
        let discovery = Discovery::new(root.clone(), include, exclude, format!("`{}`", path.display()))
            .respect_gitignore(settings.respect_gitignore.unwrap_or(true))
            .force_exclude(settings.force_exclude.unwrap_or(false));
        let mut ignore = selectors(&settings.ignore, "ignore")?;
        ignore.extend(selectors(&settings.extend_ignore, "extend-ignore")?);
        let selection = RuleSelection {
            select: match &settings.select {
                Some(_) => Some(selectors(&settings.select, "select")?),
                None => None,
            },
            extend_select: selectors(&settings.extend_select, "extend-select")?,
            ignore,
        };
        let mut per_file_ignores = Vec::new();
        for (glob, rules) in settings.per_file_ignores.iter().flatten() {
            per_file_ignores.push(PerFileIgnore {
                pattern: globs(std::slice::from_ref(glob), "per-file-ignores")?,
                rules: selectors(&Some(rules.clone()), "per-file-ignores")?,
            });
        }
        let value = |given: &Option<Spanned<String>>| given.as_ref().map(|t| (t.get_ref().trim().to_owned(), t.span()));
        let deny = match value(&settings.deny) {
            None => None,
            Some((text, span)) => Some(DenyLevel::from_str(&text, true).map_err(|_| {
                at(
                    span,
                    format!("`deny` in {}: `{text}` is not a level", path.display()),
                    "one of `warnings`, `info`".into(),
                )
            })?),
        };
        let formats = "one of `human`, `json`, `sarif`, `github`, `junit`";
        let format = match value(&settings.format) {
            None => None,
            Some((text, span)) => Some(Format::from_str(&text, true).map_err(|_| {
                at(span, format!("`format` in {}: `{text}` is not an output format", path.display()), formats.into())
            })?),
        };
        let state = match value(&settings.state) {
            None => None,
            Some((text, span)) => Some(StateLocation::parse(&text).map_err(|e| {
                at(span, format!("`state` in {}: {e}", path.display()), "`file` or `s3://bucket/prefix`".into())
            })?),
        };
        Ok(Project { source: Some(path.clone()), root, discovery, selection, per_file_ignores, deny, format, state })
    }

    /// The configuration file the settings came from (`None`: the defaults).
    #[allow(dead_code)]
    pub(crate) fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// How to walk directories: `include`, `exclude` + `extend-exclude`, `respect-gitignore`,
    /// `force-exclude`.
    pub(crate) fn discovery(&self) -> &Discovery {
        &self.discovery
    }

    /// The configuration's layer of rule selection, under the command line's.
    pub(crate) fn selection(&self) -> &RuleSelection {
        &self.selection
    }

    /// `deny`: the level from which findings fail the run, unless `--deny` says.
    pub(crate) fn deny(&self) -> Option<DenyLevel> {
        self.deny
    }

    /// `format`: the output format, unless `--format` or `LINKPLAN_FORMAT` says.
    pub(crate) fn format(&self) -> Option<Format> {
        self.format
    }

    /// `state`: where journals live, for `plan`, `apply`, `destroy` and `status`. Its place in
    /// the precedence: `--journal` > `--state` > `LINKPLAN_STATE` > the plan file's `state:` >
    /// this (the project's default; the plan's own is the more specific) > the file beside the
    /// plan.
    pub(crate) fn state(&self) -> Option<&StateLocation> {
        self.state.as_ref()
    }

    /// The rules `[per-file-ignores]` leaves out for `path` (as given or walked).
    pub(crate) fn ignored_for(&self, path: &Path) -> Vec<&Selector> {
        if self.per_file_ignores.is_empty() {
            return Vec::new();
        }
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        self.per_file_ignores
            .iter()
            .filter(|entry| entry.pattern.matched(&self.root, &absolute).is_some())
            .flat_map(|entry| &entry.rules)
            .collect()
    }
}

/// The first configuration walking up from `start`: its path, text and settings.
fn find(start: &Path) -> miette::Result<Option<(PathBuf, String, Settings)>> {
    for dir in start.ancestors() {
        for name in FILE_NAMES {
            let path = dir.join(name);
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            match parse(&path, &text, *name == "pyproject.toml")? {
                Some(settings) => return Ok(Some((path, text, settings))),
                None => {
                    tracing::info!("configuration: `{}` has no [tool.linkplan]; looking further up", path.display())
                }
            }
        }
    }
    Ok(None)
}

/// The settings in a file's text (`None`: a `pyproject.toml` without `[tool.linkplan]`); a TOML
/// error or an unknown key points at its place in the file.
fn parse(path: &Path, text: &str, is_pyproject: bool) -> miette::Result<Option<Settings>> {
    let result = match is_pyproject {
        true => toml::from_str::<Pyproject>(text).map(|p| p.tool.and_then(|t| t.linkplan)),
        false => toml::from_str::<Settings>(text).map(Some),
    };
    result.map_err(|error| {
        let message = error.message().trim_end().to_owned();
        let labels = error.span().map(|span| vec![LabeledSpan::at(span, "here")]).unwrap_or_default();
        let help = match message.starts_with("unknown field") {
            true => "remove it or fix its spelling; the README's Configuration section describes every key",
            false => "see the README's Configuration section",
        };
        miette!(labels = labels, help = help, "invalid configuration in {}: {message}", path.display())
            .with_source_code(NamedSource::new(path.display().to_string(), text.to_owned()).with_language("TOML"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyproject_without_the_table_is_passed_over() {
        let path = Path::new("pyproject.toml");
        let parsed = parse(path, "[project]\nname = \"x\"\n[tool.ruff]\nline-length = 100\n", true);
        assert!(parsed.is_ok_and(|s| s.is_none()));
        let parsed = parse(path, "[tool.linkplan]\nselect = [\"AZ\"]\n", true);
        assert!(parsed.is_ok_and(|s| s.is_some_and(|s| s.select.is_some())));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let path = Path::new("linkplan.toml");
        assert!(parse(path, "selct = [\"AZ\"]\n", false).is_err());
        assert!(parse(path, "select = \"AZ\"\n", false).is_err());
        let Ok(Some(settings)) = parse(path, "select = [\"AZ9\"]\n", false) else { panic!("parses") };
        assert!(Project::from_settings(path, "select = [\"AZ9\"]\n", settings).is_err());
        let text = "state = \"gs://bucket\"\n";
        let Ok(Some(settings)) = parse(path, text, false) else { panic!("parses") };
        assert!(Project::from_settings(path, text, settings).is_err());
    }

    #[test]
    fn settings_become_a_project() {
        let text = "select = [\"AZ\"]\nextend-ignore = [\"AZ003\"]\ndeny = \"warnings\"\nformat = \"json\"\nstate = \"s3://acme-state/prod\"\n[per-file-ignores]\n\"legacy/*.yaml\" = [\"NW\"]\n";
        let path = Path::new("/repo/linkplan.toml");
        let Ok(Some(settings)) = parse(path, text, false) else { panic!("parses") };
        let project = Project::from_settings(path, text, settings).expect("valid settings");
        assert_eq!(project.deny(), Some(DenyLevel::Warnings));
        assert_eq!(project.format(), Some(Format::Json));
        assert!(matches!(project.state(), Some(StateLocation::S3 { .. })));
        assert_eq!(project.ignored_for(Path::new("/repo/legacy/a.yaml")), [&Selector::Prefix("NW".into())]);
        assert!(project.ignored_for(Path::new("/repo/a.yaml")).is_empty());
    }
}
