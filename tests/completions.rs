//! `linkplan completions SHELL`: every shell's script is generated, parses in its shell, and
//! completes subcommands and options when the shell runs it.

use crate::util::{TempDir, have_tool, linkplan, run_program};

const SHELLS: &[&str] = &["bash", "zsh", "fish", "elvish", "powershell"];

/// The script for `shell`, written to a file of `dir`.
fn script(dir: &TempDir, shell: &str) -> String {
    let run = linkplan(&["completions", shell]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stderr.is_empty(), "{}", run.transcript());
    dir.write(&format!("linkplan.{shell}"), &run.stdout).display().to_string()
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    let subcommands: Vec<String> = linkplan::command().get_subcommands().map(|c| c.get_name().to_owned()).collect();
    assert!(subcommands.iter().any(|c| c == "completions"), "{subcommands:?}");
    for shell in SHELLS {
        let run = linkplan(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.transcript());
        for subcommand in &subcommands {
            assert!(run.stdout.contains(subcommand.as_str()), "{shell}: `{subcommand}` is not completed");
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error_that_lists_the_shells() {
    let run = linkplan(&["completions", "tcsh"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stdout.is_empty(), "{}", run.transcript());
    for shell in SHELLS {
        assert!(run.stderr.contains(shell), "{shell} is not offered:\n{}", run.stderr);
    }
}

#[test]
fn the_bash_script_parses_and_completes() {
    let dir = TempDir::new("completions-bash");
    let file = script(&dir, "bash");
    let check = run_program("bash", &["-n", &file]);
    assert_eq!(check.code, 0, "bash -n: {}", check.transcript());
    // What bash does on <TAB>: the words so far, then the function `complete -F` registered.
    let complete = |line: &str| {
        let program = r#"source "$1"; shift
            COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
            complete -p linkplan >/dev/null || exit 3
            _linkplan linkplan "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\n' "${COMPREPLY[@]}""#;
        let mut args = vec!["-c", program, "bash", &file];
        args.extend(line.split(' '));
        let run = run_program("bash", &args);
        assert_eq!(run.code, 0, "completing `{line}`: {}", run.transcript());
        run.stdout.lines().map(str::to_owned).collect::<Vec<_>>()
    };
    assert_eq!(complete("linkplan li"), ["lint"]);
    assert_eq!(complete("linkplan com"), ["completions"]);
    assert_eq!(complete("linkplan completions z"), ["zsh"]);
    let options = complete("linkplan lint --");
    for option in ["--format", "--select", "--config", "--help"] {
        assert!(options.iter().any(|o| o == option), "`linkplan lint --` lacks {option}: {options:?}");
    }
    assert_eq!(complete("linkplan state pu"), ["pull", "push"]);
}

#[test]
fn the_zsh_script_parses() {
    if !have_tool("zsh", "the_zsh_script_parses") {
        return;
    }
    let dir = TempDir::new("completions-zsh");
    let file = script(&dir, "zsh");
    let check = run_program("zsh", &["-n", &file]);
    assert_eq!(check.code, 0, "zsh -n: {}", check.transcript());
    assert!(check.stderr.is_empty(), "zsh -n: {}", check.transcript());
    let text = std::fs::read_to_string(&file).expect("the script was just written");
    assert!(text.starts_with("#compdef linkplan"), "not a zsh completion function:\n{text}");
}

#[test]
fn the_fish_script_parses_and_completes() {
    if !have_tool("fish", "the_fish_script_parses_and_completes") {
        return;
    }
    let dir = TempDir::new("completions-fish");
    let file = script(&dir, "fish");
    let check = run_program("fish", &["--no-execute", &file]);
    assert_eq!(check.code, 0, "fish --no-execute: {}", check.transcript());
    assert!(check.stderr.is_empty(), "fish --no-execute: {}", check.transcript());
    // `complete -C` prints what <TAB> would offer, `candidate<TAB>description` a line.
    let complete = |line: &str| {
        let program = format!("source {file}; complete -C '{line}'");
        let run = run_program("fish", &["--no-config", "-c", &program]);
        assert_eq!(run.code, 0, "completing `{line}`: {}", run.transcript());
        run.stdout.lines().map(|l| l.split('\t').next().unwrap_or(l).to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(complete("linkplan li"), ["lint"]);
    assert_eq!(complete("linkplan state pu"), ["pull", "push"]);
    assert_eq!(complete("linkplan lint --format "), ["github", "human", "json", "junit", "sarif"]);
    let options = complete("linkplan plan --");
    assert!(options.iter().any(|o| o == "--sandbox"), "`linkplan plan --` lacks --sandbox: {options:?}");
}
