//! `linkplan init` in the simulator's init worlds: the plan it writes (the fixtures
//! `fixtures/plans/init-*.yaml` are its output, byte for byte), the explanation and JSON
//! (snapshots), lint on the written plan, `plan` right after showing `=` for what was adopted,
//! the overwrite refusal and the usage errors.

use crate::util::{Run, TempDir, linkplan, root};

const CLUSTER: &str = "10140100115280519574";
const ENV: &str = "env-abc123";

/// Output lines that vary from run to run (the sandbox's port) are dropped.
fn steady(text: &str) -> String {
    text.lines().filter(|l| !l.contains("sandbox: simulated")).collect::<Vec<_>>().join("\n")
}

fn world(name: &str) -> String {
    format!("fixtures/sim/worlds/init-{name}.yaml")
}

fn init(name: &str, extra: &[&str]) -> Run {
    let world = world(name);
    let mut args = vec!["init", "--sandbox", "--world", &world, "--tidb-cluster", CLUSTER, "--environment", ENV];
    args.extend_from_slice(extra);
    linkplan(&args)
}

fn fixture(name: &str) -> String {
    let path = root().join(format!("fixtures/plans/init-{name}.yaml"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// init's plan on standard output is the fixture (which the world's header names), and lint
/// passes it.
fn writes_its_fixture(name: &str) -> Run {
    let run = init(name, &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(run.stdout, fixture(name), "init's plan for {name} differs from fixtures/plans/init-{name}.yaml");
    let lint = linkplan(&["lint", &format!("fixtures/plans/init-{name}.yaml")]);
    assert_eq!(lint.code, 0, "lint on init's plan: {}", lint.transcript());
    run
}

#[test]
fn of_several_networks_the_one_that_fits_is_chosen() {
    let run = writes_its_fixture("several-networks");
    assert!(run.stdout.contains("    id: n-fit01\n"), "{}", run.stdout);
    for rejected in ["n-peer01", "n-west01", "n-far01"] {
        assert!(run.stdout.contains(&format!("#   {rejected} ")), "{rejected} is listed: {}", run.stdout);
    }
    insta::assert_snapshot!("init_several_networks", steady(&run.stderr));

    // `plan` on it creates everything but the network, and draws the zones after the steps.
    let world = world("several-networks");
    let plan = linkplan(&["plan", "--sandbox", "--world", &world, "fixtures/plans/init-several-networks.yaml"]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    insta::assert_snapshot!("plan_after_init_several_networks", steady(&plan.stdout));
}

#[test]
fn when_none_fits_a_network_to_create_is_proposed() {
    let run = writes_its_fixture("none-fits");
    assert!(run.stdout.contains("    create: true\n"), "{}", run.stdout);
    assert!(run.stdout.contains("    zones: [use1-az1, use1-az2, use1-az4]\n"), "{}", run.stdout);
    insta::assert_snapshot!("init_none_fits", steady(&run.stderr));
}

#[test]
fn what_was_built_by_hand_is_adopted_and_plan_shows_it_unchanged() {
    let run = writes_its_fixture("half-built");
    insta::assert_snapshot!("init_half_built", steady(&run.stderr));

    let json = init("half-built", &["--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.transcript());
    let value: serde_json::Value =
        serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}", json.stdout));
    assert_eq!(value["version"], 1);
    assert_eq!(value["kind"], "linkplan.init");
    assert_eq!(value["plan"], serde_json::Value::String(fixture("half-built")));
    insta::assert_json_snapshot!("init_half_built_json", value);

    // Written with --output, then planned: `=` for every adopted step, nothing to do.
    let dir = TempDir::new("init-half-built");
    let out = dir.path().join("orders.yaml").display().to_string();
    let written = init("half-built", &["--output", &out]);
    assert_eq!(written.code, 0, "{}", written.transcript());
    assert_eq!(written.stdout, "", "with --output the plan goes to the file only");
    assert!(written.stderr.contains(&format!("wrote {out}; next: linkplan plan {out}")), "{}", written.stderr);
    let plan = linkplan(&["plan", "--sandbox", "--world", &world("half-built"), "--detailed-exitcode", &out]);
    assert_eq!(plan.code, 0, "no changes after init: {}", plan.transcript());
    let adopted = value["adopted"].as_array().expect("adopted is a list");
    assert_eq!(adopted.len(), 4, "access, cluster, connection, domains: {value}");
    for a in adopted {
        let step = a["step"].as_str().expect("a step id");
        assert!(plan.stdout.contains(&format!("\n= {step}\n")), "{step} is `=`: {}", plan.stdout);
    }
    assert!(plan.stdout.contains("Plan: 0 to create, 0 to wait or attach, 4 unchanged."), "{}", plan.stdout);
}

#[test]
fn an_existing_output_file_is_not_overwritten_without_force() {
    let dir = TempDir::new("init-overwrite");
    let existing = dir.write("plan.yaml", "# mine\n");
    let out = existing.display().to_string();
    let refused = init("half-built", &["--output", &out]);
    assert_eq!(refused.code, 2, "{}", refused.transcript());
    assert!(refused.stderr.contains("already exists"), "{}", refused.stderr);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(std::fs::read_to_string(&existing).expect("still there"), "# mine\n");

    let forced = init("half-built", &["--output", &out, "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.transcript());
    assert_eq!(std::fs::read_to_string(&existing).expect("written"), fixture("half-built"));
}

#[test]
fn missing_ids_without_a_terminal_are_usage_errors() {
    let run = linkplan(&["init", "--sandbox", "--environment", ENV]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("missing --tidb-cluster"), "{}", run.stderr);
    let run = linkplan(&["init", "--sandbox", "--tidb-cluster", CLUSTER]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("missing --environment"), "{}", run.stderr);
}

#[test]
fn an_unknown_cluster_or_environment_is_named() {
    let run = linkplan(&["init", "--sandbox", "--tidb-cluster", "1", "--environment", ENV]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stderr.contains("TiDB cluster 1 was not found"), "{}", run.stderr);
    let run = linkplan(&["init", "--sandbox", "--tidb-cluster", CLUSTER, "--environment", "env-nope"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stderr.contains("Confluent environment env-nope was not found"), "{}", run.stderr);
}
