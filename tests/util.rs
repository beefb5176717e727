//! Running the `linkplan` binary in tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub(crate) fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The result of one run: exit code, stdout and stderr as text.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// `exit: N`, stdout and stderr, for snapshots.
    pub(crate) fn transcript(&self) -> String {
        format!("exit: {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// The [`Run`] of a finished process.
pub(crate) fn finish(output: Output) -> Run {
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_linkplan"));
    command
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("LINKPLAN_FORMAT")
        .stdin(Stdio::null());
    command
}

/// Runs `linkplan ARGS…` in the repository root.
pub(crate) fn linkplan(args: &[&str]) -> Run {
    match command(args).output() {
        Ok(output) => finish(output),
        Err(e) => panic!("cannot run linkplan: {e}"),
    }
}

/// Runs `linkplan ARGS…` with `input` on standard input.
pub(crate) fn linkplan_stdin(args: &[&str], input: &[u8]) -> Run {
    use std::io::Write;
    let mut child = match command(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) => panic!("cannot run linkplan: {e}"),
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input);
    }
    match child.wait_with_output() {
        Ok(output) => finish(output),
        Err(e) => panic!("linkplan did not finish: {e}"),
    }
}

/// A fresh directory under the system temp dir, removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("linkplan-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        if let Err(e) = std::fs::create_dir_all(&path) {
            panic!("cannot create {}: {e}", path.display());
        }
        TempDir(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    pub(crate) fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        if let Err(e) = std::fs::write(&path, contents) {
            panic!("cannot write {}: {e}", path.display());
        }
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The example plan's text.
pub(crate) fn example() -> String {
    std::fs::read_to_string(root().join("examples/orders-cdc.yaml")).unwrap_or_default()
}

/// `linkplan ARGS…` as a [`Command`] to spawn (in the repository root, no colour, no stdin).
pub(crate) fn linkplan_command(args: &[&str]) -> Command {
    command(args)
}

/// Runs a command from [`linkplan_command`] (with its own environment) to the end.
pub(crate) fn run_command(mut command: Command) -> Run {
    match command.output() {
        Ok(output) => finish(output),
        Err(e) => panic!("cannot run linkplan: {e}"),
    }
}

/// Whether the program `name` (a shell, groff) is on PATH. When it is not, the test says it is
/// skipped, on the process's standard error; under CI (`CI` set), where `.ci/run` installs it,
/// it fails instead.
pub(crate) fn have_tool(name: &str, test: &str) -> bool {
    use std::io::Write;
    let found =
        std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()));
    if !found {
        assert!(
            std::env::var_os("CI").is_none_or(|v| v.is_empty()),
            "{name} is not installed under CI: .ci/run installs it"
        );
        // Straight to the process's standard error: libtest captures `eprintln!` of a passing test.
        let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {name} is not installed (.ci/run installs it)");
    }
    found
}

/// Runs `program ARGS…` (not linkplan) in the repository root.
pub(crate) fn run_program(program: &str, args: &[&str]) -> Run {
    match Command::new(program).args(args).current_dir(root()).stdin(Stdio::null()).output() {
        Ok(output) => finish(output),
        Err(e) => panic!("cannot run {program}: {e}"),
    }
}
