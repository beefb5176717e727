//! The `linkplan` command line: argument parsing, file discovery, printing and exit codes.
//! This is the only crate that prints or exits; the libraries return data and typed errors.
//!
//! Public API: [`main`] (parse the process arguments and run) and [`run`] (run parsed
//! arguments, returning the exit status), used by the binary and the integration tests.

#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod args;
mod commands;
mod printer;
mod progress;
mod walk;

use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;

/// How a command ended, as `ripgrep` and `ruff` map it to exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: clean.
    Success,
    /// 1: findings at or above the deny level; a blocked or failed plan or apply.
    Failure,
    /// 2: usage or I/O error.
    Error,
    /// 2: `plan --detailed-exitcode` found changes to make.
    Changes,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error | ExitStatus::Changes => ExitCode::from(2),
        }
    }
}

/// Parses `std::env::args` and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(status) => status.into(),
        Err(report) => {
            printer::error(&report);
            ExitStatus::Error.into()
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> miette::Result<ExitStatus> {
    init_logging(cli.verbose);
    match cli.command {
        args::Command::Lint(args) => commands::lint::run(&args),
        args::Command::Explain(args) => commands::explain::run(&args),
        args::Command::Sim(args) => commands::sim::run(&args),
        args::Command::Plan(args) => commands::plan::run(&args),
        args::Command::Apply(args) => commands::apply::run(&args),
        args::Command::Status(args) => commands::plan::status(&args),
        args::Command::Destroy(args) => commands::apply::destroy(&args),
    }
}

/// `-v` info (retried requests), `-vv` debug (one line per HTTP attempt: vendor, method, path,
/// status, request id, attempt, milliseconds), `-vvv` trace; to standard error, as plain text.
/// Up to -vv only linkplan's own events, none of which carries a credential (the transport logs
/// the path, never headers or bodies); -vvv adds the HTTP stack's (connections, pooling: hosts
/// and ports, no headers either).
fn init_logging(verbose: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    let filter = match verbose {
        0 => return,
        1 => Targets::new().with_target("linkplan", LevelFilter::INFO),
        2 => Targets::new().with_target("linkplan", LevelFilter::DEBUG),
        // Everything, the HTTP stack's connection pool included.
        _ => Targets::new().with_default(LevelFilter::TRACE),
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(LevelFilter::TRACE)
        .with_writer(std::io::stderr)
        // Plain text: logs get read in files and CI as often as on a terminal (and colour would
        // take another crate).
        .with_ansi(false)
        .finish()
        .with(filter);
    // A second `run` in one process (tests) keeps the first subscriber.
    let _ = tracing::subscriber::set_global_default(subscriber);
}
