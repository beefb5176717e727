//! `linkplan plan` and `linkplan apply` against the in-process sandbox (`--sandbox`).

use crate::util::{TempDir, example, linkplan};

#[test]
fn plan_in_the_sandbox_lists_the_runbook_steps() {
    let run = linkplan(&["plan", "--sandbox", "examples/orders-cdc.yaml", "--detailed-exitcode"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    for line in [
        "+ confluent.cluster/n-abc123/orders",
        "+ confluent.private_link_access/n-abc123/123456789012",
        "+ tidbcloud.private_link_connection/10140100115280519574/confluent-orders",
        "~ tidbcloud.domains/10140100115280519574/confluent-orders/CONFLUENT",
        "Plan: 3 to create, 1 to wait or attach, 0 unchanged.",
    ] {
        assert!(run.stdout.contains(line), "missing {line:?}:\n{}", run.stdout);
    }
    let plain = linkplan(&["plan", "--sandbox", "examples/orders-cdc.yaml"]);
    assert_eq!(plain.code, 0, "{}", plain.transcript());

    let json = linkplan(&["plan", "--sandbox", "examples/orders-cdc.yaml", "--format", "json"]);
    let value: serde_json::Value =
        serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}", json.stdout));
    assert_eq!(value["version"], 1);
    assert_eq!(value["steps"][1]["action"], "create");
}

#[test]
fn a_lint_error_stops_before_anything_is_observed() {
    let dir = TempDir::new("plan-lint-error");
    let bad = dir.write("bad.yaml", example().replace("type: dedicated", "type: basic"));
    let path = bad.display().to_string();
    let run = linkplan(&["plan", "--sandbox", &path]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stdout.contains("CL001"), "{}", run.stdout);
    assert!(run.stderr.contains("nothing was observed or created"), "{}", run.stderr);
    assert!(!run.stderr.contains("sandbox:"), "the simulator was not even started: {}", run.stderr);
}

#[test]
fn apply_on_a_connected_world_has_nothing_to_do() {
    let dir = TempDir::new("apply-connected");
    let journal = dir.path().join("journal.jsonl").display().to_string();
    let run = linkplan(&[
        "apply",
        "--sandbox",
        "--world",
        "fixtures/sim/worlds/already-connected.yaml",
        "examples/orders-cdc.yaml",
        "--journal",
        &journal,
    ]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("Plan: 0 to create, 0 to wait or attach, 4 unchanged."), "{}", run.stdout);
    assert!(run.stderr.contains("nothing to do"), "{}", run.stderr);
}

#[test]
fn apply_without_a_terminal_needs_auto_approve() {
    let dir = TempDir::new("apply-no-tty");
    let journal = dir.path().join("journal.jsonl").display().to_string();
    let run = linkplan(&["apply", "--sandbox", "examples/orders-cdc.yaml", "--journal", &journal]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("pass --auto-approve"), "{}", run.stderr);
}

#[test]
fn a_saved_plan_is_applied_only_while_the_world_and_the_file_are_unchanged() {
    let dir = TempDir::new("saved-plan");
    let saved = dir.path().join("saved.json").display().to_string();
    let journal = dir.path().join("journal.jsonl").display().to_string();
    let connected = "fixtures/sim/worlds/already-connected.yaml";
    let plan = linkplan(&["plan", "--sandbox", "--world", connected, "examples/orders-cdc.yaml", "--out", &saved]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());

    // Same world: the saved plan is current (and has nothing to do).
    let same = linkplan(&["apply", "--sandbox", "--world", connected, &saved, "--journal", &journal]);
    assert_eq!(same.code, 0, "{}", same.transcript());
    assert!(same.stderr.contains("nothing to do"), "{}", same.stderr);

    // Another world (the example's, not yet connected): refused as stale, nothing applied.
    let stale = linkplan(&["apply", "--sandbox", &saved, "--journal", &journal]);
    assert_eq!(stale.code, 2, "{}", stale.transcript());
    assert!(stale.stderr.contains("the clouds changed since the plan"), "{}", stale.stderr);

    // A saved plan whose plan file changed is refused too.
    let copy = dir.write("plan.yaml", example());
    let copy = copy.display().to_string();
    let saved2 = dir.path().join("saved2.json").display().to_string();
    let plan = linkplan(&["plan", "--sandbox", "--world", connected, &copy, "--out", &saved2]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    dir.write("plan.yaml", example().replace("cku: 2", "cku: 4"));
    let changed = linkplan(&["apply", "--sandbox", "--world", connected, &saved2, "--journal", &journal]);
    assert_eq!(changed.code, 2, "{}", changed.transcript());
    assert!(changed.stderr.contains("changed since the plan"), "{}", changed.stderr);
}

#[test]
fn status_reports_connected_or_remaining_steps() {
    let connected = linkplan(&[
        "status",
        "--sandbox",
        "--world",
        "fixtures/sim/worlds/already-connected.yaml",
        "examples/orders-cdc.yaml",
    ]);
    assert_eq!(connected.code, 0, "{}", connected.transcript());
    let fresh = linkplan(&["status", "--sandbox", "examples/orders-cdc.yaml", "--format", "json"]);
    assert_eq!(fresh.code, 2, "{}", fresh.transcript());
    let value: serde_json::Value = serde_json::from_str(&fresh.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(value["observed"]["network"]["id"], "n-abc123");
}

#[test]
fn destroy_shows_the_reverse_and_keeps_what_linkplan_did_not_create() {
    let dir = TempDir::new("destroy");
    let journal = dir.path().join("journal.jsonl").display().to_string();
    let world = "fixtures/sim/worlds/already-connected.yaml";
    let run = linkplan(&["destroy", "--sandbox", "--world", world, "examples/orders-cdc.yaml", "--journal", &journal]);
    // No terminal and no --auto-approve: shown, not done.
    assert_eq!(run.code, 2, "{}", run.transcript());
    for line in [
        "- tidbcloud.domains/10140100115280519574/confluent-orders/CONFLUENT",
        "- tidbcloud.private_link_connection/10140100115280519574/confluent-orders",
        // This journal never saw them created: the access may serve other connections.
        "= confluent.private_link_access/n-abc123/123456789012",
        "kept: no journal record says linkplan created it; other connections from AWS account 123456789012",
        "= confluent.cluster/n-abc123/orders",
        "Destroy: 2 to delete, 2 kept.",
    ] {
        assert!(run.stdout.contains(line), "missing {line:?}:\n{}", run.stdout);
    }
    assert!(run.stderr.contains("pass --auto-approve"), "{}", run.stderr);
}

/// `lint --online` merges what the clouds say into a plan that leaves it out, then runs every
/// rule: offline the sparse plan only gets notes on what could not be checked; online against a
/// world where the zones overlap those notes go, and against one where they do not, AZ003
/// points at the keys the zones were looked up by.
#[test]
fn lint_online_runs_the_rules_on_live_facts() {
    let sparse = "fixtures/online/sparse.yaml";
    let offline = linkplan(&["lint", "--format", "json", sparse]);
    assert_eq!(offline.code, 0, "{}", offline.transcript());
    assert!(offline.stdout.contains("\"PL007\""), "{}", offline.stdout);

    let online = linkplan(&["lint", "--online", "--sandbox", "--format", "json", sparse]);
    assert_eq!(online.code, 0, "{}", online.transcript());
    assert!(!online.stdout.contains("\"PL007\""), "the live facts were merged: {}", online.stdout);

    let world = "fixtures/sim/worlds/no-shared-az.yaml";
    let blocked = linkplan(&["lint", "--online", "--sandbox", "--world", world, sparse]);
    assert_eq!(blocked.code, 1, "{}", blocked.transcript());
    insta::assert_snapshot!("lint_online_no_shared_az", blocked.stdout);

    // A file with errors is reported offline and not looked up.
    let broken = linkplan(&["lint", "--online", "--sandbox", "fixtures/lint/CL001/fail_standard_cluster.yaml"]);
    assert_eq!(broken.code, 1, "{}", broken.transcript());
}
