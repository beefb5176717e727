//! The `linkplan` command-line tests: one binary, one module per area.

// Helpers: running the binary, temporary directories, snapshot filters.
mod util;

// `linkplan lint`: exit codes, paths and directories, output formats, suppressions.
mod lint;
// `linkplan explain`: rule pages and the rule list.
mod explain;
// Project configuration, directory walks and plan discovery, rule selection as ruff has it.
mod config;
// `linkplan plan` / `apply` in the sandbox: steps, exit codes, the lint gate, confirmation.
mod plan;
// SARIF output validates against the official SARIF 2.1.0 schema.
mod sarif;
// `schemas/plan.schema.json`: valid plans pass it, its keys match the model's.
mod schema;
// `linkplan sim`: export lines, Basic and Digest against the binary, SIGTERM, world errors.
mod sim;
// Every command × outcome: its exit code.
mod exit_codes;
// Apply as real processes: killed at every point and resumed, two at once, a 429 storm.
mod processes;
// Fleets: a directory of plans applied, planned, destroyed a tenant at a time.
mod fleet;
// `linkplan doctor`: causes found in the scenario worlds and after a cloud-side failure.
mod doctor;
// `linkplan init`: the plan it writes for each init world, adoption, overwrite refusal.
mod init;
// Shared state in S3 (moto, from .ci/run): the lock between processes, force-unlock, resume
// and destroy from fresh checkouts, state list/show/pull/push.
mod state;
// `linkplan completions SHELL`: each shell's script parses (bash, zsh, fish) and completes.
mod completions;
// The man pages in docs/man/: up to date, one per subcommand, rendered by groff without warnings.
mod man;
// action.yml, the workflows and the release metadata agree; the Action's download step run
// against a stand-in for GitHub's release downloads.
mod action;
// Tidy checks over the tree: module docs, no new unwrap_or_default() in tests.
mod tidy;
