//! Every command × outcome as a table of exit codes: ruff's for `lint` and `doctor` (0 clean,
//! 1 findings or causes, 2 usage or I/O error), `init`'s (0 written, 1 an error reaching the
//! clouds, 2 a usage error), Terraform's for `plan`, `apply`, `destroy` and `status` (0 success,
//! 1 an error of any kind, 2 changes — only with `--detailed-exitcode`).

use std::process::Command;

use crate::processes::Cloud;
use crate::util::{Run, TempDir, example, finish, linkplan_command};

/// The runbook part of the example (its changefeed has rows of its own below).
const PLAN: &str = "fixtures/plans/runbook.yaml";
const WITH_CHANGEFEED: &str = "examples/orders-cdc.yaml";
const CONNECTED: &str = "fixtures/sim/worlds/already-connected.yaml";
/// Three tenants' plans on one network and Kafka cluster, and their world.
const FLEET: &str = "fixtures/plans/fleet";
const FLEET_WORLD: &str = "fixtures/sim/worlds/fleet.yaml";
/// The example world's TiDB cluster and Confluent environment (for `init`).
const TIDB: &str = "10140100115280519574";
const ENV: &str = "env-abc123";

/// How a row runs.
enum Env {
    /// As it is (the sandbox, or nothing to reach).
    Plain,
    /// With API keys and URLs that point at a closed port on 127.0.0.1.
    NoNetwork,
    /// Against a running simulator, with keys it refuses (401).
    WrongKeys,
}

#[test]
fn every_command_and_outcome_has_its_exit_code() {
    let dir = TempDir::new("exit-codes");
    let bad = dir.write("bad.yaml", example().replace("type: dedicated", "type: basic")).display().to_string();
    let missing = dir.path().join("nope.yaml").display().to_string();
    let journal = dir.path().join("journal.jsonl").display().to_string();
    let j = journal.as_str();
    // A saved plan made against the fresh example world: stale against the connected one.
    let saved = dir.path().join("saved.json").display().to_string();
    let made = run(&Env::Plain, None, &["plan", "--sandbox", PLAN, "--out", &saved]);
    assert_eq!(made.code, 0, "{}", made.transcript());
    // The same saved plan with a step's action edited.
    let edited_text =
        std::fs::read_to_string(&saved).expect("the file reads").replacen("\"create\"", "\"unchanged\"", 1);
    let edited = dir.write("edited.json", edited_text).display().to_string();

    let bad_config = dir.write("bad.toml", "selec = [\"AZ\"]\n").display().to_string();

    let cloud = Cloud::start();
    #[rustfmt::skip]
    let rows: Vec<(&str, Env, Vec<&str>, i32)> = vec![
        ("lint: clean", Env::Plain, vec!["lint", PLAN], 0),
        ("lint: findings", Env::Plain, vec!["lint", &bad], 1),
        ("lint: missing file", Env::Plain, vec!["lint", &missing], 2),
        ("lint: usage error", Env::Plain, vec!["lint", "--bogus"], 2),
        ("plan: changes", Env::Plain, vec!["plan", "--sandbox", PLAN], 0),
        ("plan: changes, detailed", Env::Plain, vec!["plan", "--sandbox", "--detailed-exitcode", PLAN], 2),
        ("plan: none, detailed", Env::Plain, vec!["plan", "--sandbox", "--world", CONNECTED, "--detailed-exitcode", PLAN], 0),
        ("plan: missing file", Env::Plain, vec!["plan", "--sandbox", "--detailed-exitcode", &missing], 1),
        ("plan: lint errors", Env::Plain, vec!["plan", "--sandbox", "--detailed-exitcode", &bad], 1),
        ("plan: blocked", Env::Plain, vec!["plan", "--sandbox", "--world", "fixtures/sim/worlds/no-shared-az.yaml", "--detailed-exitcode", PLAN], 1),
        ("plan: usage error", Env::Plain, vec!["plan", "--bogus", PLAN], 1),
        ("plan: no network", Env::NoNetwork, vec!["plan", "--detailed-exitcode", PLAN], 1),
        ("plan: 401", Env::WrongKeys, vec!["plan", "--detailed-exitcode", PLAN], 1),
        ("status: steps remain", Env::Plain, vec!["status", "--sandbox", PLAN], 0),
        ("status: steps remain, detailed", Env::Plain, vec!["status", "--sandbox", "--detailed-exitcode", PLAN], 2),
        ("status: connected, detailed", Env::Plain, vec!["status", "--sandbox", "--world", CONNECTED, "--detailed-exitcode", PLAN], 0),
        ("status: missing file", Env::Plain, vec!["status", "--sandbox", &missing], 1),
        ("status: 401", Env::WrongKeys, vec!["status", "--detailed-exitcode", PLAN], 1),
        ("apply: converged", Env::Plain, vec!["apply", "--sandbox", "--world", CONNECTED, "--journal", j, PLAN], 0),
        ("apply: applied", Env::Plain, vec!["apply", "--sandbox", "--auto-approve", "--journal", j, PLAN], 0),
        ("apply: no terminal to confirm", Env::Plain, vec!["apply", "--sandbox", "--journal", j, PLAN], 1),
        ("apply: missing file", Env::Plain, vec!["apply", "--sandbox", "--journal", j, &missing], 1),
        ("apply: lint errors", Env::Plain, vec!["apply", "--sandbox", "--auto-approve", "--journal", j, &bad], 1),
        ("apply: stale saved plan", Env::Plain, vec!["apply", "--sandbox", "--world", CONNECTED, "--journal", j, &saved], 1),
        ("apply: edited saved plan", Env::Plain, vec!["apply", "--sandbox", "--journal", j, &edited], 1),
        ("apply: usage error", Env::Plain, vec!["apply", "--bogus"], 1),
        ("apply: no network", Env::NoNetwork, vec!["apply", "--auto-approve", "--journal", j, PLAN], 1),
        ("apply: 401", Env::WrongKeys, vec!["apply", "--auto-approve", "--journal", j, PLAN], 1),
        ("destroy: nothing to delete", Env::Plain, vec!["destroy", "--sandbox", "--auto-approve", "--journal", j, PLAN], 0),
        ("destroy: missing file", Env::Plain, vec!["destroy", "--sandbox", "--journal", j, &missing], 1),
        ("destroy: usage error", Env::Plain, vec!["destroy", "--bogus", PLAN], 1),
        ("destroy: no network", Env::NoNetwork, vec!["destroy", "--auto-approve", "--journal", j, PLAN], 1),
        ("destroy: 401", Env::WrongKeys, vec!["destroy", "--auto-approve", "--journal", j, PLAN], 1),
        ("plan: a changefeed to make, detailed", Env::Plain, vec!["plan", "--sandbox", "--world", CONNECTED, "--detailed-exitcode", WITH_CHANGEFEED], 2),
        ("status: no changefeed yet, detailed", Env::Plain, vec!["status", "--sandbox", "--world", CONNECTED, "--detailed-exitcode", WITH_CHANGEFEED], 2),
        ("doctor: no cause", Env::Plain, vec!["doctor", "--sandbox", "--world", CONNECTED, PLAN], 0),
        ("doctor: causes", Env::Plain, vec!["doctor", "--sandbox", PLAN], 1),
        ("doctor: missing file", Env::Plain, vec!["doctor", "--sandbox", &missing], 2),
        ("doctor: usage error", Env::Plain, vec!["doctor", "--bogus"], 2),
        ("doctor: no network", Env::NoNetwork, vec!["doctor", PLAN], 2),
        ("doctor: 401", Env::WrongKeys, vec!["doctor", PLAN], 2),
        ("lint: bad configuration", Env::Plain, vec!["lint", "--config", &bad_config, PLAN], 2),
        ("lint: --quiet and --verbose", Env::Plain, vec!["lint", "-q", "-v", PLAN], 2),
        ("plan: lint errors, json", Env::Plain, vec!["plan", "--sandbox", "--format", "json", &bad], 1),
        ("plan: bad --color", Env::Plain, vec!["plan", "--sandbox", "--color", "sometimes", PLAN], 1),
        ("plan: several plans", Env::Plain, vec!["plan", "--sandbox", "--world", FLEET_WORLD, "--quiet", FLEET], 0),
        ("plan: several plans, detailed", Env::Plain, vec!["plan", "--sandbox", "--world", FLEET_WORLD, "--detailed-exitcode", FLEET], 2),
        ("plan: several plans, one with lint errors", Env::Plain, vec!["plan", "--sandbox", "--world", FLEET_WORLD, FLEET, &bad], 1),
        ("status: several plans, detailed", Env::Plain, vec!["status", "--sandbox", "--world", FLEET_WORLD, "--detailed-exitcode", FLEET], 2),
        ("apply: --parallelism 0", Env::Plain, vec!["apply", "--sandbox", "--auto-approve", "--parallelism", "0", FLEET], 1),
        ("destroy: --only a plan not named", Env::Plain, vec!["destroy", "--sandbox", "--auto-approve", "--only", PLAN, FLEET], 1),
        ("init: written", Env::Plain, vec!["init", "--sandbox", "--tidb-cluster", TIDB, "--environment", ENV], 0),
        ("init: usage error", Env::Plain, vec!["init", "--bogus"], 2),
        ("init: missing id, no terminal", Env::Plain, vec!["init", "--sandbox", "--environment", ENV], 2),
        ("init: output exists", Env::Plain, vec!["init", "--sandbox", "--tidb-cluster", TIDB, "--environment", ENV, "--output", PLAN], 2),
        ("init: cluster not found", Env::Plain, vec!["init", "--sandbox", "--tidb-cluster", "1", "--environment", ENV], 1),
        ("init: no network", Env::NoNetwork, vec!["init", "--tidb-cluster", TIDB, "--environment", ENV], 1),
        ("init: 401", Env::WrongKeys, vec!["init", "--tidb-cluster", TIDB, "--environment", ENV], 1),
    ];
    // The rows that share the journal run one after another; the no-network ones (each spends
    // its retries) at the same time, beside them.
    let (slow, fast): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(_, env, _, _)| matches!(env, Env::NoNetwork));
    let failures: Vec<String> = std::thread::scope(|scope| {
        let slow: Vec<_> = slow.iter().map(|row| scope.spawn(|| check(row, Some(&cloud), &dir))).collect();
        let mut failures: Vec<String> = fast.iter().filter_map(|row| check(row, Some(&cloud), &dir)).collect();
        failures.extend(slow.into_iter().filter_map(|h| h.join().unwrap_or_else(|_| Some("a row panicked".into()))));
        failures
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn check(row: &(&str, Env, Vec<&str>, i32), cloud: Option<&Cloud>, dir: &TempDir) -> Option<String> {
    let (label, env, args, expected) = row;
    // Each no-network row gets its own journal (they run at once).
    let own = dir.path().join(format!("{}.jsonl", label.replace([':', ' ', ','], "-")));
    let own = own.display().to_string();
    let args: Vec<&str> = match env {
        Env::NoNetwork => args.iter().map(|a| if a.ends_with("journal.jsonl") { own.as_str() } else { a }).collect(),
        _ => args.clone(),
    };
    let out = run(env, cloud, &args);
    (out.code != *expected).then(|| format!("{label}: expected {expected}, got {}\n{}", out.code, out.transcript()))
}

fn run(env: &Env, cloud: Option<&Cloud>, args: &[&str]) -> Run {
    let mut command: Command = match (env, cloud) {
        (Env::WrongKeys, Some(cloud)) => {
            let mut command = cloud.command(args);
            command.env("CONFLUENT_CLOUD_API_SECRET", "wrong").env("TIDBCLOUD_PRIVATE_KEY", "wrong");
            command
        }
        _ => linkplan_command(args),
    };
    if matches!(env, Env::NoNetwork) {
        command
            .env("CONFLUENT_CLOUD_API_KEY", "key")
            .env("CONFLUENT_CLOUD_API_SECRET", "secret")
            .env("TIDBCLOUD_PUBLIC_KEY", "public")
            .env("TIDBCLOUD_PRIVATE_KEY", "private")
            .env("LINKPLAN_CONFLUENT_URL", "http://127.0.0.1:9")
            .env("LINKPLAN_TIDBCLOUD_URL", "http://127.0.0.1:9");
    }
    let output = command.output().unwrap_or_else(|e| panic!("cannot run linkplan: {e}"));
    finish(output)
}
