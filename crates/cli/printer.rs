//! All terminal output: rendered diagnostics, the summary line, errors and warnings.

use std::io::{IsTerminal, Write};
use std::path::Path;

use linkplan_lint::FileReport;
use linkplan_lint::output::human;

use crate::args::ColorChoice;

// Spinners are hidden around every write below.
use crate::progress;

/// Whether human output on stdout gets colour.
pub(crate) fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal() && !no_color(),
    }
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
