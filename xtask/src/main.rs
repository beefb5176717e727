//! Workspace tasks, run as `cargo xtask <task>` (see <https://github.com/matklad/cargo-xtask>).
//!
//! - `lint|explain|plan|apply|destroy|status|sim …`: the same as `linkplan <command> …`, run
//!   from this workspace (`cargo run` of the `linkplan` binary, arguments passed through).
//! - `codegen [--check]`: writes `docs/rules/<CODE>.md` from the rules' docs and the man pages
//!   `docs/man/linkplan*.1` from the command line's definition (removing the page of a subcommand
//!   that is gone); `--check` fails when a committed file is stale instead of writing it.
//! - `conformance`: runs the real engine (plan, apply, destroy) against the simulator, adds the
//!   error cases the engine never provokes by hand, and checks every body against the vendors'
//!   API documents in `../shared/vendor-specs` (or `$LINKPLAN_VENDOR_SPECS`); see
//!   `conformance/mod.rs`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod conformance;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The `linkplan` subcommands `cargo xtask` runs as they are (see [`linkplan`]).
const LINKPLAN_COMMANDS: &[&str] = &["lint", "explain", "plan", "apply", "destroy", "status", "sim"];

/// What `cargo xtask` without a known task prints: every task it implements.
fn usage() -> String {
    format!(
        "usage: cargo xtask <{}> [ARGS…]   (the linkplan command, run from this workspace)\n       \
         cargo xtask codegen [--check]\n       cargo xtask conformance",
        LINKPLAN_COMMANDS.join("|")
    )
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some(command) if LINKPLAN_COMMANDS.contains(&command) => linkplan(&args),
        Some("codegen") => codegen(args.iter().any(|a| a == "--check")),
        Some("conformance") => conformance::run(&args[1..]),
        _ => {
            eprintln!("{}", usage());
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::from(2)
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Runs the `linkplan` binary with the same arguments: no logic of its own.
fn linkplan(args: &[String]) -> Result<ExitCode, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args(["run", "--quiet", "--package", "linkplan", "--bin", "linkplan", "--"])
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    Ok(status.code().and_then(|c| u8::try_from(c).ok()).map_or(ExitCode::FAILURE, ExitCode::from))
}

fn codegen(check: bool) -> Result<ExitCode, String> {
    let root = project_root();
    let mut generated: Vec<(PathBuf, String)> = Vec::new();
    let rules = root.join("docs/rules");
    for (path, contents) in linkplan_lint::rules::generated_docs() {
        generated.push((rules.join(path), contents));
    }
    let man = root.join("docs/man");
    let pages = linkplan::man_pages().map_err(|e| format!("cannot render the man pages: {e}"))?;
    for page in &pages {
        generated.push((man.join(&page.file_name), page.roff.clone()));
    }
    let mut stale = Vec::new();
    for (path, contents) in generated {
        if std::fs::read_to_string(&path).ok().as_deref() == Some(contents.as_str()) {
            continue;
        }
        if check {
            stale.push(path.display().to_string());
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            std::fs::write(&path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    // The page of a subcommand that is gone (no directory yet: every page is stale already).
    for entry in std::fs::read_dir(&man).into_iter().flatten() {
        let path = entry.map_err(|e| format!("cannot read {}: {e}", man.display()))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !name.ends_with(".1") || pages.iter().any(|p| p.file_name == name) {
            continue;
        }
        if check {
            stale.push(format!("{} (no such subcommand)", path.display()));
        } else {
            std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
            println!("removed {}", path.display());
        }
    }
    if stale.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("not up to date (run `cargo xtask codegen`):\n  {}", stale.join("\n  "));
    Ok(ExitCode::FAILURE)
}

#[cfg(test)]
mod tests {
    /// The usage line named only lint and explain, though plan, apply, destroy, status and sim
    /// were passed through as well.
    #[test]
    fn the_usage_names_every_task() {
        let usage = super::usage();
        for task in ["lint", "explain", "plan", "apply", "destroy", "status", "sim", "codegen [--check]", "conformance"]
        {
            assert!(usage.contains(task), "{task} is missing from:\n{usage}");
        }
    }
}
