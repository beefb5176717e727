//! The `linkplan` command line: argument parsing, file discovery, printing and exit codes.
//! This is the only crate that prints or exits; the libraries return data and typed errors.
//!
//! Public API: [`main`] (parse the process arguments and run) and [`run`] (run parsed
//! arguments, returning the exit status), used by the binary and the integration tests.

#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod args;
mod commands;
mod printer;
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
