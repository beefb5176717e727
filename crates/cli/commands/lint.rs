//! `linkplan lint`: find the files, lint them on every core, print one report.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use linkplan_engine::Desired;
use linkplan_lint::output::{github, json, junit, sarif};
use linkplan_lint::selection::{self, RuleSelection, Selector};
use linkplan_lint::{FileReport, Linter, Options, Severity};
use linkplan_model::yaml::MAX_FILE_BYTES;
use linkplan_model::{Document, PlanView};
use miette::{IntoDiagnostic, WrapErr, miette};

use crate::args::{DenyLevel, Format, LintArgs};
use crate::config::Project;
use crate::{ExitStatus, printer, walk};

/// Below this many files, threads cost more than they save.
const PARALLEL_THRESHOLD: usize = 16;

pub(crate) fn run(args: &LintArgs) -> miette::Result<ExitStatus> {
    let project = Project::load(&args.config)?;
    let mut ignore = selectors(&args.ignore, "--ignore")?;
    ignore.extend(selectors(&args.extend_ignore, "--extend-ignore")?);
    let cli = RuleSelection {
        select: if args.select.iter().all(|s| s.trim().is_empty()) {
            None
        } else {
            Some(selectors(&args.select, "--select")?)
        },
        extend_select: selectors(&args.extend_select, "--extend-select")?,
        ignore,
    };
    let options = Options {
        select: Some(selection::resolve(&[project.selection().clone(), cli])),
        ignore: Vec::new(),
        deny: match args.deny.or(project.deny()) {
            None => Severity::Error,
            Some(DenyLevel::Warnings) => Severity::Warning,
            Some(DenyLevel::Info) => Severity::Info,
        },
    };
    let format = args.format.or(project.format()).unwrap_or(Format::Human);
    let linter = Linter::new(options).map_err(|e| crate::session::failure(&e, None))?;
    let mut discovery = project.discovery().clone();
    if args.no_respect_gitignore {
        discovery = discovery.respect_gitignore(false);
    }
    if args.force_exclude {
        discovery = discovery.force_exclude(true);
    }
    let (files, walk_errors) = walk::collect(&args.paths, &discovery);
    let mut incomplete = printer::Incomplete { unread: walk_errors.len(), not_online: 0 };
    for error in &walk_errors {
        printer::io_error(&error.path, &error.error);
    }
    if files.is_empty() && walk_errors.is_empty() {
        printer::warning(
            "no plan files found under the given paths (*.yaml and *.yml files with a top-level `version` and `tidb` or `confluent`; -v says what was skipped)",
        );
    }
    // `--online` lints standard input twice (offline, then merged), so it is read up front.
    let stdin = match args.online && files.iter().any(|f| f.as_os_str() == "-") {
        true => {
            Some(read_limited(std::io::stdin().lock(), 0).into_diagnostic().wrap_err("cannot read standard input")?)
        }
        false => None,
    };
    let mut reports = Vec::with_capacity(files.len());
    // The file behind each report (unreadable files have none).
    let mut read: Vec<&PathBuf> = Vec::with_capacity(files.len());
    let stdin_name = args.stdin_filename.as_deref();
    for (path, result) in files.iter().zip(lint_all(&linter, &files, stdin_name, stdin.as_deref())) {
        match result {
            Ok(report) => {
                reports.push(report);
                read.push(path);
            }
            Err(error) => {
                incomplete.unread += 1;
                printer::io_error(path, &error);
            }
        }
    }
    if args.online {
        incomplete.not_online = online(&linter, &read, &mut reports, stdin.as_deref(), args)?;
    }
    // `[per-file-ignores]`: what the configuration leaves out for each file.
    for (path, report) in read.iter().zip(reports.iter_mut()) {
        let path = match (path.as_os_str() == "-", stdin_name) {
            (true, Some(name)) => Path::new(name),
            (true, None) => continue,
            (false, _) => path.as_path(),
        };
        let ignored = project.ignored_for(path);
        if !ignored.is_empty() {
            report.findings.retain(|f| !ignored.iter().any(|s| s.matches(f.code)));
        }
    }
    let to_file = args.output_file.is_some();
    let text = match format {
        Format::Human => {
            printer::lint_report(&reports, !to_file && printer::stdout_color(), incomplete, printer::quiet())
        }
        Format::Json => json::render(&reports) + "\n",
        Format::Sarif => sarif::render(&reports) + "\n",
        Format::Github => github::render(&reports),
        Format::Junit => junit::render(&reports),
    };
    match &args.output_file {
        Some(path) => std::fs::write(path, text)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot write the report to `{}`", path.display()))?,
        None => printer::stdout(&text),
    }
    let failed = reports.iter().any(|r| r.max_severity() == Some(Severity::Error));
    Ok(if incomplete != printer::Incomplete::default() {
        ExitStatus::Error
    } else if failed {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// `--online`: for every file without errors, observe both clouds and lint again with the live
/// facts merged in. One engine (and, with `--sandbox`, one simulator) serves every file. A file
/// whose lookup fails keeps its offline report, with a warning; returns how many files (of those
/// without errors) were not looked up.
fn online(
    linter: &Linter,
    files: &[&PathBuf],
    reports: &mut [FileReport],
    stdin: Option<&[u8]>,
    args: &LintArgs,
) -> miette::Result<usize> {
    let runtime = crate::session::runtime()?;
    runtime.block_on(async {
        let target = match crate::session::Target::start(&args.cloud).await {
            Ok(target) => target,
            Err(report) => {
                printer::error(&report);
                printer::warning("not looked up online: the offline checks ran; see the report");
                return Ok(reports.iter().filter(|r| r.max_severity() != Some(Severity::Error)).count());
            }
        };
        let mut missed = 0;
        for (path, report) in files.iter().zip(reports.iter_mut()) {
            if report.max_severity() == Some(Severity::Error) {
                continue;
            }
            // The text the offline pass read (a file is read again only when the offline pass,
            // finding nothing, let go of its text; the offline report keeps its own for snippets).
            let text = match (path.as_os_str() == "-", stdin) {
                (true, Some(bytes)) => String::from_utf8(bytes.to_vec()).ok(),
                (true, None) => None,
                (false, _) if !report.text.is_empty() => Some(report.text.clone()),
                (false, _) => match std::fs::File::open(path).and_then(|f| read_limited(f, 0)) {
                    Ok(bytes) => String::from_utf8(bytes).ok(),
                    Err(e) => {
                        printer::io_error(path, &e);
                        missed += 1;
                        continue;
                    }
                },
            };
            let Some(text) = text else { continue };
            let Ok(document) = Document::parse(&text) else { continue };
            let Some(view) = PlanView::new(&document) else { continue };
            let desired = match Desired::from_plan(&view) {
                Ok(desired) => desired,
                Err(e) => {
                    printer::warning(&format!("{}: not looked up online: {e}", report.path));
                    continue;
                }
            };
            match target.engine.observe(&desired).await {
                Ok(observed) => {
                    *report = linter.lint_online(report.path.clone(), text, &observed.live(&desired));
                }
                Err(e) => {
                    printer::warning(&format!("{}: not looked up online (offline checks only): {e}", report.path));
                    missed += 1;
                }
            }
        }
        Ok(missed)
    })
}

/// Reads rule selectors given to `flag` (codes, prefixes, names, `ALL`; empty ones skipped).
fn selectors(values: &[String], flag: &str) -> miette::Result<Vec<Selector>> {
    values
        .iter()
        .filter(|v| !v.trim().is_empty())
        .map(|value| Selector::parse(value).map_err(|e| miette!(help = e.help(), "{flag}: {e}")))
        .collect()
}

/// Lints every file, on as many threads as there are cores; results keep the files' order.
fn lint_all(
    linter: &Linter,
    files: &[PathBuf],
    stdin_name: Option<&str>,
    stdin: Option<&[u8]>,
) -> Vec<std::io::Result<FileReport>> {
    let lint_one = |path: &PathBuf| -> std::io::Result<FileReport> {
        if path.as_os_str() == "-" {
            let bytes = match stdin {
                Some(bytes) => bytes.to_vec(),
                None => read_limited(std::io::stdin().lock(), 0)?,
            };
            return Ok(linter.lint_bytes(stdin_name.unwrap_or("<stdin>").to_owned(), bytes));
        }
        let file = std::fs::File::open(path)?;
        let size = file.metadata().map_or(0, |m| m.len() as usize);
        let bytes = read_limited(file, size)?;
        Ok(linter.lint_bytes(display(path), bytes))
    };
    let threads =
        std::thread::available_parallelism().map_or(1, usize::from).min(files.len() / PARALLEL_THRESHOLD).max(1);
    if threads == 1 {
        return files.iter().map(lint_one).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, std::io::Result<FileReport>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let idx = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(idx) else { break };
                        done.push((idx, lint_one(path)));
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    });
    results.sort_by_key(|(idx, _)| *idx);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Reads at most one byte more than a plan may have, so a huge file cannot exhaust memory.
fn read_limited(reader: impl Read, size_hint: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(size_hint.min(MAX_FILE_BYTES) + 1);
    reader.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn display(path: &Path) -> String {
    let text = path.display().to_string();
    text.strip_prefix("./").map(str::to_owned).unwrap_or(text)
}
