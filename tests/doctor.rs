//! `linkplan doctor`: the causes it finds in the simulator's scenario worlds (snapshots), a
//! connection failed by the cloud after apply, a clean connection, and its exit codes.

use crate::processes::Cloud;
use crate::util::{TempDir, linkplan};

const RUNBOOK: &str = "fixtures/plans/runbook.yaml";

/// Output lines that vary from run to run (the sandbox's port) are dropped.
fn steady(text: &str) -> String {
    text.lines().filter(|l| !l.contains("sandbox: simulated")).collect::<Vec<_>>().join("\n")
}

#[test]
fn a_connected_world_has_no_cause() {
    let run = linkplan(&["doctor", "--sandbox", "--world", "fixtures/sim/worlds/already-connected.yaml", RUNBOOK]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    insta::assert_snapshot!("doctor_connected", steady(&run.stdout));
}

#[test]
fn no_shared_zone_is_named_with_the_rule_that_catches_it() {
    let world = "fixtures/sim/worlds/no-shared-az.yaml";
    let run = linkplan(&["doctor", "--sandbox", "--world", world, "fixtures/online/sparse.yaml"]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stdout.contains("[AZ003: `linkplan explain AZ003`]"), "{}", run.stdout);
    insta::assert_snapshot!("doctor_no_shared_az", steady(&run.stdout));

    // A plan that declares zones the network does not have: the drift is the cause.
    let declared = linkplan(&["doctor", "--sandbox", "--world", world, RUNBOOK]);
    assert_eq!(declared.code, 1, "{}", declared.transcript());
    assert!(declared.stdout.contains("the plan says `confluent.network.zones`"), "{}", declared.stdout);

    let json = linkplan(&["doctor", "--sandbox", "--world", world, "--format", "json", "fixtures/online/sparse.yaml"]);
    let value: serde_json::Value =
        serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}", json.stdout));
    assert_eq!(value["version"], 1);
    assert!(value["causes"].as_array().is_some_and(|c| c.iter().any(|c| c["rule"] == "AZ003")), "{value}");
}

/// Nothing applied yet: the missing access and connection are the causes.
#[test]
fn before_apply_the_missing_pieces_are_the_causes() {
    let run = linkplan(&["doctor", "--sandbox", RUNBOOK]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    insta::assert_snapshot!("doctor_before_apply", steady(&run.stdout));
}

/// Apply, then the cloud fails the connection: doctor says so, with TiDB's message.
#[test]
fn a_connection_failed_after_apply_is_explained() {
    let cloud = Cloud::start();
    let dir = TempDir::new("doctor-failed");
    let journal = dir.path().join("apply.jsonl").display().to_string();
    let apply = cloud.run(&["apply", "--auto-approve", "--journal", &journal, RUNBOOK]);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    let clean = cloud.run(&["doctor", "--journal", &journal, RUNBOOK]);
    assert_eq!(clean.code, 0, "{}", clean.transcript());
    let plc = cloud.connection_id(RUNBOOK);
    assert!(cloud.fail(&plc, "endpoint service has no availability zone in common with the cluster"));
    let run = cloud.run(&["doctor", "--journal", &journal, RUNBOOK]);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stdout.contains(&format!("connection {plc} FAILED: endpoint service has no availability zone")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("[AZ003"), "the rule that catches it: {}", run.stdout);
}

#[test]
fn doctor_errors_exit_2() {
    let run = linkplan(&["doctor", "--sandbox", "no/such/plan.yaml"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
}
