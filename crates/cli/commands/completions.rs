//! `linkplan completions SHELL`: the shell's completion script (clap_complete), on standard
//! output.

use crate::args::CompletionsArgs;
use crate::{ExitStatus, printer};

pub(crate) fn run(args: &CompletionsArgs) -> miette::Result<ExitStatus> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut crate::command(), "linkplan", &mut script);
    // The scripts are ASCII; lossy only so that a surprise cannot panic.
    printer::stdout(&String::from_utf8_lossy(&script));
    Ok(ExitStatus::Success)
}
