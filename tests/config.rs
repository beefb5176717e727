//! Project configuration (`linkplan.toml`, `pyproject.toml`'s `[tool.linkplan]`, `--config`,
//! `--isolated`), directory walks (.gitignore, .ignore, exclude, plans found and non-plans
//! skipped) and rule selection as ruff has it, end to end.

use std::path::Path;

use crate::util::{Run, TempDir, example, linkplan, linkplan_command, run_command};

/// Runs `linkplan ARGS…` in `dir`.
fn linkplan_in(dir: &Path, args: &[&str]) -> Run {
    let mut command = linkplan_command(args);
    command.current_dir(dir);
    run_command(command)
}

/// A plan with an error (CL001, a Standard cluster) and a warning (NW003, a legacy service id).
fn flawed_plan() -> String {
    example().replace("type: dedicated", "type: standard").replace("vpce-svc-0123456789abcdef0", "vpce-svc-0123abcd")
}

/// The codes of every finding in a `--format json` report, in order.
fn codes(run: &Run) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("the report is JSON");
    let mut codes = Vec::new();
    for file in json["files"].as_array().expect("a files array") {
        for finding in file["findings"].as_array().expect("a findings array") {
            codes.push(finding["code"].as_str().expect("a code").to_owned());
        }
    }
    codes
}

/// The paths of the files a `--format json` report covers.
fn paths(run: &Run) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("the report is JSON");
    json["files"]
        .as_array()
        .expect("a files array")
        .iter()
        .map(|f| f["path"].as_str().expect("a path").to_owned())
        .collect()
}

#[test]
fn the_configuration_is_found_walking_up_and_isolated_ignores_it() {
    let dir = TempDir::new("config-up");
    dir.write("linkplan.toml", "ignore = [\"CL\"]\n");
    dir.write("plans/prod/plan.yaml", flawed_plan());
    let sub = dir.path().join("plans/prod");
    let run = linkplan_in(&sub, &["lint", "--format", "json", "plan.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(codes(&run), ["NW003"]);
    let run = linkplan_in(&sub, &["lint", "--format", "json", "--isolated", "plan.yaml"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(codes(&run), ["CL001", "NW003"]);
    // -v says which file it read.
    let run = linkplan_in(&sub, &["-v", "lint", "plan.yaml"]);
    assert!(
        run.stderr.contains(&format!("configuration: `{}`", dir.path().join("linkplan.toml").display())),
        "{}",
        run.stderr
    );
}

#[test]
fn a_pyproject_without_tool_linkplan_is_passed_over() {
    let dir = TempDir::new("config-pyproject");
    dir.write("linkplan.toml", "ignore = [\"CL\"]\n");
    dir.write("app/pyproject.toml", "[project]\nname = \"app\"\n\n[tool.ruff]\nline-length = 100\n");
    dir.write("app/plan.yaml", flawed_plan());
    let run = linkplan_in(&dir.path().join("app"), &["lint", "--format", "json", "plan.yaml"]);
    assert_eq!(codes(&run), ["NW003"], "the linkplan.toml above counts: {}", run.stderr);
    // With the table, the pyproject.toml is the project's configuration (and stops the walk).
    dir.write("app/pyproject.toml", "[project]\nname = \"app\"\n\n[tool.linkplan]\nignore = [\"NW003\"]\n");
    let run = linkplan_in(&dir.path().join("app"), &["lint", "--format", "json", "plan.yaml"]);
    assert_eq!(codes(&run), ["CL001"], "{}", run.stderr);
    // In one directory .linkplan.toml comes first, then linkplan.toml, then pyproject.toml.
    dir.write("app/linkplan.toml", "select = [\"NW\"]\n");
    let run = linkplan_in(&dir.path().join("app"), &["lint", "--format", "json", "plan.yaml"]);
    assert_eq!(codes(&run), ["NW003"], "{}", run.stderr);
    dir.write("app/.linkplan.toml", "select = [\"CL\"]\n");
    let run = linkplan_in(&dir.path().join("app"), &["lint", "--format", "json", "plan.yaml"]);
    assert_eq!(codes(&run), ["CL001"], "{}", run.stderr);
}

#[test]
fn config_names_the_file_and_a_missing_one_is_an_error() {
    let dir = TempDir::new("config-flag");
    dir.write("linkplan.toml", "ignore = [\"CL\"]\n");
    dir.write("ci/strict.toml", "select = [\"ALL\"]\ndeny = \"warnings\"\n");
    dir.write("plan.yaml", flawed_plan().replace("type: standard", "type: dedicated"));
    let run = linkplan_in(dir.path(), &["lint", "plan.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let run = linkplan_in(dir.path(), &["lint", "--config", "ci/strict.toml", "plan.yaml"]);
    assert_eq!(run.code, 1, "the warning is denied: {}", run.stdout);
    let run = linkplan_in(dir.path(), &["lint", "--config", "ci/missing.toml", "plan.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read the configuration file `ci/missing.toml`"), "{}", run.stderr);
    let run = linkplan_in(dir.path(), &["lint", "--config", "ci/strict.toml", "--isolated", "plan.yaml"]);
    assert_eq!(run.code, 2, "the two conflict: {}", run.stderr);
    // A pyproject.toml named by --config must have the table.
    dir.write("pyproject.toml", "[project]\nname = \"x\"\n");
    let run = linkplan_in(dir.path(), &["lint", "--config", "pyproject.toml", "plan.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("has no [tool.linkplan] table"), "{}", run.stderr);
}

#[test]
fn flags_beat_the_configuration() {
    let dir = TempDir::new("config-precedence");
    dir.write("linkplan.toml", "select = [\"NW\"]\nignore = [\"NW003\"]\nformat = \"json\"\ndeny = \"warnings\"\n");
    dir.write("plan.yaml", flawed_plan());
    // The configuration alone: JSON, nothing selected that fires.
    let run = linkplan_in(dir.path(), &["lint", "plan.yaml"]);
    assert_eq!((run.code, codes(&run)), (0, vec![]), "{}", run.stderr);
    // --select replaces the configuration's select and ignore.
    let run = linkplan_in(dir.path(), &["lint", "--select", "NW003", "plan.yaml"]);
    assert_eq!((run.code, codes(&run)), (1, vec!["NW003".to_owned()]), "deny = warnings holds: {}", run.stderr);
    // --extend-select builds on it.
    let run = linkplan_in(dir.path(), &["lint", "--extend-select", "CL", "plan.yaml"]);
    assert_eq!(codes(&run), ["CL001"]);
    // --format and LINKPLAN_FORMAT beat `format`.
    let run = linkplan_in(dir.path(), &["lint", "--format", "human", "--select", "CL", "plan.yaml"]);
    assert!(run.stdout.contains("CL001") && !run.stdout.starts_with('{'), "{}", run.stdout);
    let mut command = linkplan_command(&["lint", "--select", "CL", "plan.yaml"]);
    command.current_dir(dir.path()).env("LINKPLAN_FORMAT", "github");
    let run = run_command(command);
    assert!(run.stdout.starts_with("::error"), "{}", run.stdout);
}

#[test]
fn an_unknown_key_points_at_its_line() {
    let dir = TempDir::new("config-unknown");
    dir.write("linkplan.toml", "# the project's lint settings\nselect = [\"AZ\"]\nextend-exclud = [\"k8s\"]\n");
    dir.write("plan.yaml", example());
    let run = linkplan_in(dir.path(), &["lint", "plan.yaml"]);
    assert_eq!(run.code, 2);
    let transcript = run.transcript().replace(&dir.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!(transcript);
}

#[test]
fn a_bad_value_points_at_it_with_the_closest_rule() {
    let dir = TempDir::new("config-bad-value");
    dir.write("linkplan.toml", "select = [\"AZ\", \"AZ0O1\"]\n");
    dir.write("plan.yaml", example());
    let run = linkplan_in(dir.path(), &["lint", "plan.yaml"]);
    assert_eq!(run.code, 2);
    let transcript = run.transcript().replace(&dir.path().display().to_string(), "[TMP]");
    insta::assert_snapshot!(transcript);
    for (text, expected) in [
        ("format = \"xml\"\n", "`format` in"),
        ("deny = \"everything\"\n", "`deny` in"),
        ("state = \"gs://bucket\"\n", "`state` in"),
        ("exclude = [\"a[\"]\n", "`exclude` in"),
        ("extend-exclude = [\"ok\", \"a[\"]\n", "`extend-exclude` in"),
        ("select = \"AZ\"\n", "invalid configuration in"),
        ("select = [\n", "invalid configuration in"),
    ] {
        dir.write("linkplan.toml", text);
        let run = linkplan_in(dir.path(), &["lint", "plan.yaml"]);
        assert_eq!(run.code, 2, "{text}");
        assert!(run.stderr.contains(expected), "{text}: {}", run.stderr);
    }
}

#[test]
fn directories_skip_what_is_not_a_plan_and_say_so_with_verbose() {
    let dir = TempDir::new("config-discovery");
    dir.write("plans/orders.yaml", example());
    dir.write("docker-compose.yml", "version: '3.8'\nservices:\n  tidb:\n    image: pingcap/tidb:v8.5.0\n");
    dir.write(
        "k8s/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: tidb\nspec:\n  replicas: 1\n",
    );
    dir.write("helm/values.yaml", "{{ .Values.version }}\n  tidb: [\n");
    let run = linkplan_in(dir.path(), &["lint", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(paths(&run), ["plans/orders.yaml"]);
    let run = linkplan_in(dir.path(), &["-v", "lint", "."]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    for skipped in ["./docker-compose.yml", "./k8s/deployment.yaml", "./helm/values.yaml"] {
        let line = format!("skipped `{skipped}`: not a plan (no top-level `version` with `tidb` or `confluent`)");
        assert!(run.stderr.contains(&line), "{line}\n{}", run.stderr);
    }
    // A file named on the command line is always linted.
    let run = linkplan_in(dir.path(), &["lint", "--format", "json", "docker-compose.yml"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(codes(&run).contains(&"PL003".to_owned()), "{}", run.stdout);
    // Only non-plans: a warning that says how to see why.
    let only = TempDir::new("config-discovery-none");
    only.write("docker-compose.yml", "version: '3.8'\nservices: {}\n");
    let run = linkplan_in(only.path(), &["lint"]);
    assert_eq!(run.code, 0);
    assert!(run.stderr.contains("no plan files found") && run.stderr.contains("-v says"), "{}", run.stderr);
}

#[test]
fn a_plan_broken_by_a_typo_is_still_linted_when_walking() {
    let dir = TempDir::new("config-broken-plan");
    dir.write("plan.yaml", example().replace("confluent:\n", "confluent:\n  network: [\n"));
    let run = linkplan_in(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(codes(&run), ["PL001"]);
}

#[test]
fn exclude_include_and_per_file_ignores_come_from_the_configuration() {
    let dir = TempDir::new("config-globs");
    dir.write(
        "linkplan.toml",
        "extend-exclude = [\"plans/legacy\", \"*.draft.yaml\"]\ninclude = [\"*.yaml\", \"*.plan\"]\n\n[per-file-ignores]\n\"staging/*.yaml\" = [\"CL001\"]\n",
    );
    dir.write("plans/orders.yaml", example());
    dir.write("plans/extra.plan", example());
    dir.write("plans/legacy/old.yaml", flawed_plan());
    dir.write("plans/new.draft.yaml", flawed_plan());
    dir.write("plans/other.yml", flawed_plan());
    dir.write("staging/stage.yaml", flawed_plan());
    dir.write("target/built.yaml", flawed_plan());
    let run = linkplan_in(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(paths(&run), ["plans/extra.plan", "plans/orders.yaml", "staging/stage.yaml"], "{}", run.stderr);
    // staging's CL001 is ignored for that file; the warning stays.
    assert_eq!(codes(&run), ["NW003"]);
    let run = linkplan_in(dir.path(), &["-v", "lint"]);
    let config = dir.path().join("linkplan.toml").display().to_string();
    for line in [
        format!("skipped `./plans/legacy`: excluded by `plans/legacy` (`{config}`)"),
        format!("skipped `./plans/new.draft.yaml`: excluded by `*.draft.yaml` (`{config}`)"),
        format!("skipped `./target`: excluded by `target` (`{config}`)"),
    ] {
        assert!(run.stderr.contains(&line), "{line}\n{}", run.stderr);
    }
    // Named explicitly, an excluded file is linted (as ruff, without --force-exclude).
    let run = linkplan_in(dir.path(), &["lint", "--format", "json", "plans/legacy/old.yaml"]);
    assert_eq!(codes(&run), ["CL001", "NW003"]);
    // With it (pre-commit names every changed file), not: neither in an excluded directory
    // nor matching an excluded name.
    let named = ["lint", "--format", "json", "--force-exclude", "plans/legacy/old.yaml", "plans/new.draft.yaml"];
    let run = linkplan_in(dir.path(), &[&named[..], &["plans/orders.yaml"]].concat());
    assert_eq!(paths(&run), ["plans/orders.yaml"], "{}", run.stderr);
    dir.write("linkplan.toml", "extend-exclude = [\"plans/legacy\"]\nforce-exclude = true\n");
    let run = linkplan_in(dir.path(), &["lint", "--format", "json", "plans/legacy/old.yaml", "plans/orders.yaml"]);
    assert_eq!(paths(&run), ["plans/orders.yaml"], "{}", run.stderr);
    let run = linkplan_in(dir.path(), &["-v", "lint", "--format", "json", "plans/legacy"]);
    assert_eq!(paths(&run), Vec::<String>::new(), "{}", run.stderr);
    assert!(run.stderr.contains("skipped `plans/legacy`: excluded by `plans/legacy`"), "{}", run.stderr);
}

/// `git init` in `dir`; false when git cannot run.
fn git_init(dir: &Path) -> bool {
    std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir)
        .status()
        .is_ok_and(|status| status.success())
}

#[test]
fn gitignore_counts_inside_a_git_repository_and_dot_ignore_everywhere() {
    let dir = TempDir::new("config-gitignore");
    dir.write(".gitignore", "generated/\n");
    dir.write(".ignore", "scratch.yaml\n");
    dir.write("plans/orders.yaml", example());
    dir.write("generated/plan.yaml", flawed_plan());
    dir.write("scratch.yaml", flawed_plan());
    // Outside a repository .gitignore is only a file (ripgrep and ruff); .ignore still counts.
    let run = linkplan_in(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(paths(&run), ["generated/plan.yaml", "plans/orders.yaml"], "{}", run.stderr);
    assert!(git_init(dir.path()), "`git init` runs (the test needs git)");
    let run = linkplan_in(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(paths(&run), ["plans/orders.yaml"], "{}", run.stderr);
    // From a subdirectory, the repository's .gitignore still counts.
    dir.write(".gitignore", "generated/\n*.local.yaml\n");
    dir.write("plans/mine.local.yaml", flawed_plan());
    let run = linkplan_in(&dir.path().join("plans"), &["lint", "--format", "json"]);
    assert_eq!(paths(&run), ["orders.yaml"], "{}", run.stderr);
    // --no-respect-gitignore, or `respect-gitignore = false`, turns both off.
    let run = linkplan_in(dir.path(), &["lint", "--format", "json", "--no-respect-gitignore"]);
    assert_eq!(paths(&run).len(), 4, "{}", run.stdout);
    dir.write("linkplan.toml", "respect-gitignore = false\n");
    let run = linkplan_in(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(paths(&run).len(), 4, "{}", run.stdout);
    dir.write("linkplan.toml", "respect-gitignore = true\n");
    let run = linkplan_in(dir.path(), &["lint", "--format", "json"]);
    assert_eq!(paths(&run), ["plans/orders.yaml"], "{}", run.stdout);
}

#[test]
fn prefixes_all_and_extend_select_as_ruff() {
    let dir = TempDir::new("config-select");
    dir.write("plan.yaml", flawed_plan());
    let lint = |flags: &[&str]| {
        let mut args = vec!["lint", "--isolated", "--format", "json"];
        args.extend_from_slice(flags);
        args.push("plan.yaml");
        codes(&linkplan_in(dir.path(), &args))
    };
    assert_eq!(lint(&["--select", "CL"]), ["CL001"]);
    assert_eq!(lint(&["--select", "cl0"]), ["CL001"]);
    assert_eq!(lint(&["--select", "ALL", "--ignore", "CL"]), ["NW003"]);
    assert_eq!(lint(&["--select", "CL", "--extend-select", "NW003"]), ["CL001", "NW003"]);
    // The more specific selector wins whatever the order.
    assert_eq!(lint(&["--ignore", "NW", "--select", "NW003"]), ["NW003"]);
    assert_eq!(lint(&["--select", "NW,CL", "--ignore", "NW003"]), ["CL001"]);
    assert_eq!(lint(&["--extend-ignore", "ALL"]), Vec::<String>::new());
    // Names are selectors too.
    assert_eq!(lint(&["--select", "legacy-vpc-endpoint-service-id"]), ["NW003"]);
    let run = linkplan_in(dir.path(), &["lint", "--isolated", "--select", "AZ9", "plan.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--select: unknown rule or prefix `AZ9`"), "{}", run.stderr);
    assert!(run.stderr.contains("did you mean"), "{}", run.stderr);
}

#[test]
fn explain_json_for_one_rule_and_for_all() {
    let run = linkplan(&["explain", "AZ003", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
    let run = linkplan(&["explain", "--all", "--output-format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("explain prints JSON");
    assert_eq!(json["version"], 1);
    let rules = json["rules"].as_array().expect("a rules array");
    assert_eq!(rules.len(), linkplan_lint::rules::RULES.len());
    for rule in rules {
        for key in ["code", "name", "category", "severity", "summary", "url", "docs"] {
            assert!(rule[key].as_str().is_some_and(|v| !v.is_empty()), "{key} in {rule}");
        }
    }
}
