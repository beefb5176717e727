//! The `linkplan` command line: argument parsing, file discovery, printing and exit codes.
//! This is the only crate that prints or exits; the libraries return data and typed errors.
//!
//! Public API: [`main`] (parse the process arguments and run) and [`run`] (run parsed
//! arguments, returning the exit status), used by the binary and the integration tests;
//! [`command`] (the clap definition) and [`man_pages`], for `cargo xtask codegen`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod args;
mod commands;
mod config;
mod fleet;
mod man;
mod printer;
mod progress;
mod runner;
mod session;
mod walk;

use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;
pub use man::{ManPage, man_pages};

/// How a command ended. `lint` and `explain` map it as ruff does (0 clean, 1 findings, 2 usage
/// or I/O error); `plan`, `apply`, `destroy` and `status` as Terraform does (0 success, 1 error
/// of any kind, 2 changes present — only with `--detailed-exitcode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: clean, converged, nothing to change.
    Success,
    /// 1: findings at or above the deny level; any error of plan, apply, destroy and status.
    Failure,
    /// 2: a usage or I/O error of `lint` / `explain` / `sim`.
    Error,
    /// 2: `--detailed-exitcode` found changes to make.
    Changes,
    /// 128 + the signal's number: stopped by Ctrl-C (130) or SIGTERM (143).
    Interrupted(u8),
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error | ExitStatus::Changes => ExitCode::from(2),
            ExitStatus::Interrupted(code) => ExitCode::from(code),
        }
    }
}

/// The status an error ends a command with: Terraform's 1 for the commands that talk to the
/// clouds, ruff's 2 for the others.
fn error_status(command: Option<&str>) -> ExitStatus {
    match command {
        Some("plan" | "apply" | "destroy" | "status" | "state" | "force-unlock" | "init") => ExitStatus::Failure,
        // doctor, like lint: 1 is "causes found", 2 an error.
        _ => ExitStatus::Error,
    }
}

/// The status a command line clap refuses ends with: as [`error_status`], but `init` (whose
/// errors reaching the clouds are 1) keeps 2 for usage errors, as ruff and cargo do.
fn usage_status(command: Option<&str>) -> ExitStatus {
    match command {
        Some("init") => ExitStatus::Error,
        other => error_status(other),
    }
}

/// The command line's definition (what `--help`, the completions and the man pages describe).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Parses `std::env::args` and runs the command.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            if !e.use_stderr() {
                // --help, --version.
                return ExitCode::SUCCESS;
            }
            // The subcommand is the first argument that is neither a flag nor the value of the
            // one global flag that takes one (`--color WHEN`).
            let args: Vec<String> = std::env::args().skip(1).collect();
            let command = args
                .iter()
                .enumerate()
                .find(|(i, a)| !a.starts_with('-') && (*i == 0 || args[i - 1] != "--color"))
                .map(|(_, a)| a.as_str());
            return usage_status(command).into();
        }
    };
    let on_error = error_status(Some(cli.command.name()));
    match run(cli) {
        Ok(status) => status.into(),
        Err(report) => {
            printer::error(&report);
            on_error.into()
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> miette::Result<ExitStatus> {
    init_logging(cli.verbose);
    printer::configure(cli.color, cli.quiet);
    match cli.command {
        args::Command::Lint(args) => commands::lint::run(&args),
        args::Command::Explain(args) => commands::explain::run(&args),
        args::Command::Sim(args) => commands::sim::run(&args),
        args::Command::Plan(args) => commands::plan::run(&args),
        args::Command::Apply(args) => commands::apply::run(&args),
        args::Command::Status(args) => commands::status::run(&args),
        args::Command::Destroy(args) => commands::destroy::run(&args),
        args::Command::Doctor(args) => commands::doctor::run(&args),
        args::Command::Init(args) => commands::init::run(&args),
        args::Command::ForceUnlock(args) => commands::force_unlock::run(&args),
        args::Command::State(args) => commands::state::run(&args),
        args::Command::Completions(args) => commands::completions::run(&args),
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
