//! All terminal output: rendered diagnostics, the summary line, errors and warnings.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use linkplan_lint::FileReport;
use linkplan_lint::output::{Summary, human};

use crate::args::ColorChoice;

// Spinners are hidden around every write below.
use crate::progress;

/// The run's `--color` and `--quiet`, set once by [`configure`] before a command runs and read
/// by every writer here and by the progress display.
static COLOR: AtomicU8 = AtomicU8::new(COLOR_AUTO);
static QUIET: AtomicBool = AtomicBool::new(false);
const COLOR_AUTO: u8 = 0;
const COLOR_ALWAYS: u8 = 1;
const COLOR_NEVER: u8 = 2;

/// Takes the global `--color` and `--quiet` (also miette's colour for errors).
pub(crate) fn configure(color: ColorChoice, quiet: bool) {
    let code = match color {
        ColorChoice::Auto => COLOR_AUTO,
        ColorChoice::Always => COLOR_ALWAYS,
        ColorChoice::Never => COLOR_NEVER,
    };
    COLOR.store(code, Ordering::Relaxed);
    QUIET.store(quiet, Ordering::Relaxed);
    // `auto` keeps miette's own choice (a terminal, NO_COLOR); once per process: a second
    // `run` (tests) keeps the first hook.
    if color != ColorChoice::Auto {
        let _ = miette::set_hook(Box::new(move |_| {
            Box::new(miette::MietteHandlerOpts::new().color(color == ColorChoice::Always).build())
        }));
    }
}

/// `--quiet`: results only (no progress, summaries or notes).
pub(crate) fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Whether output to a stream that is (`terminal`) or is not a terminal gets colour.
fn color_on(terminal: bool) -> bool {
    match COLOR.load(Ordering::Relaxed) {
        COLOR_ALWAYS => true,
        COLOR_NEVER => false,
        _ => terminal && !no_color(),
    }
}

/// Whether human output on standard output gets colour.
pub(crate) fn stdout_color() -> bool {
    color_on(std::io::stdout().is_terminal())
}

/// Whether progress on standard error gets colour.
pub(crate) fn stderr_color() -> bool {
    color_on(std::io::stderr().is_terminal())
}

/// Whether `NO_COLOR` asks for no colour (set and not empty, per no-color.org).
pub(crate) fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

fn width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|w| *w >= 40).unwrap_or(100)
}

/// Every finding with its source snippet, then a one-line summary (`linkplan_lint::output::human`
/// at the terminal's width, `COLUMNS`).
pub(crate) fn human(reports: &[FileReport], color: bool) -> String {
    human::render(reports, human::Style { color, width: width() })
}

/// What kept a lint run from checking everything it was asked to (each makes it exit 2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Incomplete {
    /// Paths given, or found under a directory, that could not be searched or read.
    pub(crate) unread: usize,
    /// Files checked offline only, because their online lookup failed (`--online`).
    pub(crate) not_online: usize,
}

/// `lint`'s human report: [`human`], except that after a path that could not be read (or a
/// failed online lookup) the summary says so instead of claiming that all checks passed —
/// `1 path could not be read; 0 files checked.`
/// With `quiet`, the findings alone (no summary line), as `ruff --quiet`.
pub(crate) fn lint_report(reports: &[FileReport], color: bool, incomplete: Incomplete, quiet: bool) -> String {
    if incomplete == Incomplete::default() && !quiet {
        return human(reports, color);
    }
    let renderer = human::Renderer::new(human::Style { color, width: width() });
    let mut out = String::new();
    for report in reports {
        for finding in &report.findings {
            renderer.finding(&mut out, report, finding);
            out.push('\n');
        }
    }
    if !quiet {
        out.push_str(&incomplete_summary(&Summary::of(reports), incomplete));
        out.push('\n');
    }
    out
}

/// The summary line of a run that did not check everything: what was missed, then what was
/// checked (`2 paths could not be read; found 1 error in 1 of 3 files checked.`).
fn incomplete_summary(summary: &Summary, incomplete: Incomplete) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if incomplete.unread > 0 {
        parts.push(format!("{} could not be read", plural(incomplete.unread, "path")));
    }
    if incomplete.not_online > 0 {
        parts.push(format!(
            "{} could not be looked up online (offline checks only)",
            plural(incomplete.not_online, "file")
        ));
    }
    let files = plural(summary.files, "file");
    let checked = if summary.errors + summary.warnings + summary.infos > 0 {
        // `Found 1 error in 1 of 3 files.` → `found 1 error in 1 of 3 files checked`
        let line = human::summary_line(summary);
        let found = line.strip_prefix("Found ").unwrap_or(&line).trim_end_matches('.');
        format!("found {found} checked")
    } else if summary.files == 0 {
        format!("{files} checked")
    } else {
        format!("{files} checked, no findings")
    };
    parts.push(checked);
    format!("{}.", parts.join("; "))
}

/// Writes to stdout; a closed pipe (`linkplan lint | head`) is not an error.
pub(crate) fn stdout(text: &str) {
    let written = progress::suspend(|| {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).and_then(|()| out.flush())
    });
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        stderr(format_args!("linkplan: error: cannot write to standard output: {e}"));
    }
}

/// A plan (or a fleet of plans) on standard output: with colour, each step's first line in the
/// colour of its action, as Terraform's (`+` green, `~` yellow, `-` red, `=` dim) and the
/// `Plan:` line bold.
pub(crate) fn plan(text: &str) {
    if stdout_color() {
        stdout(&paint_plan(text));
    } else {
        stdout(text);
    }
}

fn paint_plan(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    for line in text.split_inclusive('\n') {
        let code = match line.as_bytes() {
            [b'+', b' ', ..] => Some("\x1b[32m"),
            [b'~', b' ', ..] => Some("\x1b[33m"),
            [b'-', b' ', ..] => Some("\x1b[31m"),
            [b'=', b' ', ..] => Some("\x1b[2m"),
            _ if line.starts_with("Plan:") => Some("\x1b[1m"),
            _ => None,
        };
        match code {
            Some(code) => {
                let body = line.trim_end_matches('\n');
                out.push_str(code);
                out.push_str(body);
                out.push_str("\x1b[0m");
                out.push_str(&line[body.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// Writes one line to standard error (spinners hidden meanwhile); a closed stderr is not worth
/// a panic.
fn stderr(line: std::fmt::Arguments<'_>) {
    progress::suspend(|| {
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    });
}

pub(crate) fn error(report: &miette::Report) {
    stderr(format_args!("{report:?}"));
}

pub(crate) fn io_error(path: &Path, error: &std::io::Error) {
    stderr(format_args!("linkplan: error: cannot read `{}`: {error}", path.display()));
}

/// A progress line on standard error (never secrets); a closed stderr is not an error.
pub(crate) fn status(message: &str) {
    if quiet() {
        return;
    }
    stderr(format_args!("linkplan: {message}"));
}

/// A line on standard error that `--quiet` keeps: how a run failed or was interrupted.
pub(crate) fn outcome(message: &str) {
    stderr(format_args!("linkplan: {message}"));
}

pub(crate) fn warning(message: &str) {
    stderr(format_args!("linkplan: warning: {message}"));
}

/// Ask a question on standard error and read one line from standard input.
pub(crate) fn prompt(question: &str) -> std::io::Result<String> {
    let mut err = std::io::stderr().lock();
    err.write_all(question.as_bytes())?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_are_painted_by_action_and_keep_their_text() {
        let text = "  TiDB cluster 1: ACTIVE\n+ confluent.network/x\n    Confluent network\n~ tidbcloud.domains/y\n\
                    - confluent.cluster/z\n= a\nPlan: 1 to create.\n";
        let painted = paint_plan(text);
        assert!(painted.contains("\x1b[32m+ confluent.network/x\x1b[0m\n"), "{painted:?}");
        assert!(painted.contains("\x1b[33m~ tidbcloud.domains/y\x1b[0m\n"), "{painted:?}");
        assert!(painted.contains("\x1b[31m- confluent.cluster/z\x1b[0m\n"), "{painted:?}");
        assert!(painted.contains("\x1b[1mPlan: 1 to create.\x1b[0m\n"), "{painted:?}");
        assert!(painted.contains("\n    Confluent network\n"), "detail lines stay plain: {painted:?}");
        let stripped = painted.replace("\x1b[32m", "").replace("\x1b[33m", "").replace("\x1b[31m", "");
        let stripped = stripped.replace("\x1b[2m", "").replace("\x1b[1m", "").replace("\x1b[0m", "");
        assert_eq!(stripped, text);
    }

    #[test]
    fn incomplete_summaries_never_claim_a_pass() {
        let summary = |files, errors, warnings| Summary {
            files,
            files_with_findings: usize::from(errors + warnings > 0),
            errors,
            warnings,
            infos: 0,
        };
        let unread = |n| Incomplete { unread: n, not_online: 0 };
        assert_eq!(incomplete_summary(&summary(0, 0, 0), unread(1)), "1 path could not be read; 0 files checked.");
        assert_eq!(
            incomplete_summary(&summary(1, 0, 0), unread(2)),
            "2 paths could not be read; 1 file checked, no findings."
        );
        assert_eq!(
            incomplete_summary(&summary(3, 1, 2), unread(1)),
            "1 path could not be read; found 1 error and 2 warnings in 1 of 3 files checked."
        );
        assert_eq!(
            incomplete_summary(&summary(2, 0, 0), Incomplete { unread: 1, not_online: 1 }),
            "1 path could not be read; 1 file could not be looked up online (offline checks only); 2 files \
             checked, no findings."
        );
    }
}
