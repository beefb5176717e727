//! Fleets from the command line: a directory of plans (one per tenant) on one network and one
//! Kafka cluster, against a simulator the test runs — applied once for all, planned and
//! reported per plan, one tenant destroyed while the others keep what they share, a failing
//! tenant that stops no other, and plans that disagree about what they share.

use linkplan_sim::{Inventory, World};

use crate::processes::Cloud;
use crate::util::{Run, TempDir, root};

const TENANTS: [&str; 3] = ["tenant-a", "tenant-b", "tenant-c"];

fn fleet_world(extra: &str) -> World {
    let text = std::fs::read_to_string(root().join("fixtures/sim/worlds/fleet.yaml")).expect("the fleet world");
    World::from_yaml(&format!("{text}\n{extra}")).expect("the fleet world parses")
}

/// The fleet's plans, copied into a fresh directory (their journals go beside them).
fn plans(name: &str) -> TempDir {
    let dir = TempDir::new(name);
    for tenant in TENANTS {
        let text = std::fs::read_to_string(root().join(format!("fixtures/plans/fleet/{tenant}.yaml")))
            .expect("the fleet plan");
        dir.write(&format!("plans/{tenant}.yaml"), text);
    }
    dir
}

fn ok(run: &Run) {
    assert_eq!(run.code, 0, "{}", run.transcript());
}

#[test]
fn a_directory_of_plans_is_applied_as_one_fleet_and_destroyed_a_tenant_at_a_time() {
    let cloud = Cloud::with_world(fleet_world(""));
    let dir = plans("fleet-apply");
    let plans = dir.path().join("plans").display().to_string();

    let applied = cloud.run(&["apply", "--auto-approve", &plans]);
    ok(&applied);
    // What they share, once; each tenant's own connection and domains.
    let one_each = Inventory {
        networks: 1,
        private_link_accesses: 1,
        kafka_clusters: 1,
        private_link_connections: 3,
        attached_domains: 3,
    };
    assert_eq!(cloud.sim.inventory(), one_each);
    for tenant in TENANTS {
        assert!(applied.stderr.contains(&format!("{tenant}.yaml: ")), "progress names {tenant}:\n{}", applied.stderr);
        let row =
            applied.stdout.lines().rfind(|l| l.contains(&format!("{tenant}.yaml "))).expect("a summary row per plan");
        assert!(row.contains(" done "), "{tenant}: {row:?}\n{}", applied.transcript());
    }
    assert!(applied.stdout.contains("3 plan(s), 0 failed"), "{}", applied.stdout);
    // Three plans' steps fit in the default ten slots: no word about parallelism.
    assert!(!applied.stderr.contains("waited for a free slot"), "{}", applied.stderr);
    assert!(applied.stdout.contains("Shared by several plans"), "{}", applied.stdout);

    // Planned again: everything converged, one JSON document for the run.
    let planned = cloud.run(&["plan", "--detailed-exitcode", "--format", "json", &plans]);
    ok(&planned);
    let value: serde_json::Value = serde_json::from_str(&planned.stdout).expect("the plan is JSON");
    assert_eq!(value["kind"], "linkplan.fleet");
    let statuses: Vec<&str> =
        value["plans"].as_array().into_iter().flatten().filter_map(|p| p["status"].as_str()).collect();
    assert_eq!(statuses, ["converged"; 3], "{}", planned.stdout);
    let shared = value["shared"].as_object().map(|s| s.len()).expect("a shared map");
    assert_eq!(shared, 3, "the network, the access and the Kafka cluster are shared: {}", planned.stdout);

    // Destroy one tenant, with everything a plan may delete: what the others use stays.
    let a = dir.path().join("plans/tenant-a.yaml").display().to_string();
    let all_flags = ["destroy", "--auto-approve", "--delete-access", "--delete-kafka-cluster"];
    let mut one = all_flags.to_vec();
    one.extend(["--only", &a, &plans]);
    let destroyed = cloud.run(&one);
    ok(&destroyed);
    assert!(destroyed.stdout.contains("still use"), "{}", destroyed.stdout);
    let after = cloud.sim.inventory();
    assert_eq!(
        (after.networks, after.private_link_accesses, after.kafka_clusters, after.private_link_connections),
        (1, 1, 1, 2),
        "{}",
        destroyed.transcript()
    );

    // Destroy the rest: the shared resources go last, once.
    let mut rest = all_flags.to_vec();
    rest.push(&plans);
    let gone = cloud.run(&rest);
    ok(&gone);
    assert_eq!(cloud.sim.inventory(), Inventory::default(), "{}", gone.transcript());
}

#[test]
fn a_failing_tenant_stops_no_other_and_the_run_exits_1() {
    let failures = "failures:\n  - kind: private_link_connection\n    display_name: confluent-tenant-b\n    \
                    message: endpoint quota exceeded for the project\n";
    let cloud = Cloud::with_world(fleet_world(failures));
    let dir = plans("fleet-failing");
    let plans = dir.path().join("plans").display().to_string();
    // One slot: the plans take turns, and one failing still stops no other.
    let applied = cloud.run(&["apply", "--auto-approve", "--parallelism", "1", "--format", "json", &plans]);
    assert_eq!(applied.code, 1, "{}", applied.transcript());
    assert!(applied.stderr.contains("waited for a free slot (--parallelism 1,"), "{}", applied.stderr);
    let value: serde_json::Value = serde_json::from_str(&applied.stdout).expect("the run is JSON");
    let by_file = |tenant: &str| {
        value["plans"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["file"].as_str().is_some_and(|f| f.ends_with(&format!("{tenant}.yaml"))))
            .cloned()
            .expect("a result per plan")
    };
    assert_eq!(by_file("tenant-a")["status"], "done", "{}", applied.stdout);
    assert_eq!(by_file("tenant-c")["status"], "done", "{}", applied.stdout);
    assert_eq!(by_file("tenant-b")["status"], "failed", "{}", applied.stdout);
    let error = by_file("tenant-b")["error"].as_str().expect("an error").to_owned();
    assert!(error.contains("endpoint quota exceeded"), "{error}");
    assert_eq!(value["failed"], 1);
}

#[test]
fn plans_that_disagree_about_a_shared_resource_are_not_applied() {
    let cloud = Cloud::with_world(fleet_world(""));
    let dir = plans("fleet-conflict");
    let b = dir.path().join("plans/tenant-b.yaml");
    let text = std::fs::read_to_string(&b).expect("the plan").replace("cku: 2", "cku: 4");
    dir.write("plans/tenant-b.yaml", text);
    let plans = dir.path().join("plans").display().to_string();
    let planned = cloud.run(&["plan", &plans]);
    assert_eq!(planned.code, 1, "{}", planned.transcript());
    assert!(planned.stdout.contains("describe confluent.cluster/"), "{}", planned.stdout);
    let applied = cloud.run(&["apply", "--auto-approve", &plans]);
    assert_eq!(applied.code, 1, "{}", applied.transcript());
    // Which value is meant is not linkplan's to guess: no plan that shares the cluster is applied.
    assert_eq!(cloud.sim.inventory(), Inventory::default(), "{}", applied.transcript());
}
