//! Apply as real, separate processes against a simulator this test runs: killed at every point
//! between two API calls and run again, started twice at once, and through a 429 storm. Each
//! ends with exactly one of each resource.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use linkplan_sim::{Delays, Fault, FaultAction, Inventory, RunningSim, Sim, SimConfig, World};

use crate::util::{Run, TempDir, linkplan_command};

/// The example world with no provisioning delays (every wait is answered at its first poll),
/// served on a runtime the test owns while it drives the binary.
pub(crate) struct Cloud {
    pub(crate) sim: RunningSim,
    _runtime: tokio::runtime::Runtime,
}

impl Cloud {
    pub(crate) fn start() -> Cloud {
        Cloud::with_world(World::example())
    }

    pub(crate) fn with_world(world: World) -> Cloud {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("a runtime: {e}"));
        let config = SimConfig { delays: Some(Delays::zero()), ..SimConfig::default() };
        let sim = runtime.block_on(Sim::start(world, config)).unwrap_or_else(|e| panic!("the simulator starts: {e}"));
        Cloud { sim, _runtime: runtime }
    }

    /// `linkplan ARGS…` pointed at this simulator with its keys, as a child process.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut command = linkplan_command(args);
        command.envs(self.sim.env()).stdout(Stdio::piped()).stderr(Stdio::piped());
        command
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).spawn().unwrap_or_else(|e| panic!("cannot run linkplan: {e}"))
    }

    pub(crate) fn run(&self, args: &[&str]) -> Run {
        finish(self.spawn(args))
    }

    /// Fail a resource as the cloud would (see `RunningSim::fail`).
    pub(crate) fn fail(&self, id: &str, message: &str) -> bool {
        self.sim.fail(id, message)
    }

    /// The plan's private link connection id, as `status --format json` reports it.
    pub(crate) fn connection_id(&self, plan: &str) -> String {
        let status = self.run(&["status", "--format", "json", plan]);
        let value: serde_json::Value =
            serde_json::from_str(&status.stdout).unwrap_or_else(|e| panic!("{e}: {}", status.transcript()));
        value["observed"]["connection"]["id"].as_str().map(str::to_owned).unwrap_or_else(|| panic!("no connection"))
    }

    /// Wait (30 s at most) until the simulator holds a request (a `hang` fault took it).
    fn wait_until_held(&self, or_else: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.sim.held() == 0 {
            assert!(Instant::now() < deadline, "{or_else}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn secrets(&self) -> Vec<String> {
        self.sim
            .env()
            .into_iter()
            .filter(|(k, _)| k.ends_with("SECRET") || k.ends_with("PRIVATE_KEY"))
            .map(|(_, v)| v)
            .collect()
    }
}

fn finish(child: Child) -> Run {
    crate::util::finish(child.wait_with_output().unwrap_or_else(|e| panic!("linkplan did not finish: {e}")))
}

const PLAN: &str = "examples/orders-cdc.yaml";

/// Exactly one of each resource the example plan makes (its network is referenced, not made).
const ONE_OF_EACH: Inventory = Inventory {
    networks: 1,
    private_link_accesses: 1,
    kafka_clusters: 1,
    private_link_connections: 1,
    attached_domains: 1,
};

fn apply_args(journal: &str) -> Vec<&str> {
    vec!["apply", "--auto-approve", "--journal", journal, PLAN]
}

/// Kill `linkplan apply` while its request number `n` (0-based, counting every HTTP request
/// including Digest challenges and polls) is held by the server, before or after the server
/// carried it out, for every `n` until an apply gets through untouched. After each kill, apply
/// again (the journal and the lock file stay as the killed process left them): it converges,
/// `status` says connected, and the clouds hold exactly one of each resource. Walked for the
/// example plan (a referenced network) and for a plan whose network linkplan creates.
#[test]
fn killed_at_every_point_between_two_api_calls_apply_again_converges() {
    let created_network = || {
        World::from_path(&crate::util::root().join("fixtures/sim/worlds/create-network.yaml"))
            .unwrap_or_else(|e| panic!("the create-network world: {e}"))
    };
    let cases: [(&str, &dyn Fn() -> World, usize); 2] =
        [(PLAN, &World::example, 40), ("fixtures/plans/create-network.yaml", &created_network, 40)];
    for (plan, world, at_least) in cases {
        let walked = kill_walk(plan, world);
        assert!(walked >= at_least, "{plan}: walked only {walked} kill points");
    }
}

/// The kill walk for one plan; returns how many kill points it walked.
fn kill_walk(plan: &str, world: &dyn Fn() -> World) -> usize {
    let mut kill_points = 0;
    for n in 0..400 {
        for after_apply in [false, true] {
            let cloud = Cloud::with_world(world());
            let before = cloud.sim.inventory();
            let expected =
                Inventory { networks: if before.networks == 0 { 1 } else { before.networks }, ..ONE_OF_EACH };
            let dir = TempDir::new(&format!("kill-{n}-{after_apply}"));
            let journal = dir.path().join("apply.jsonl").display().to_string();
            let args = ["apply", "--auto-approve", "--journal", journal.as_str(), plan];
            let hang = FaultAction::Hang { millis: 30_000, after_apply };
            cloud.sim.add_fault(Fault {
                vendor: None,
                method: None,
                path: None,
                after: n,
                times: Some(1),
                action: hang,
            });
            let mut child = cloud.spawn(&args);
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if cloud.sim.held() > 0 {
                    // SIGKILL on Unix: no destructor, no flush, no unlock runs.
                    child.kill().unwrap_or_else(|e| panic!("kill: {e}"));
                    let _ = child.wait();
                    break;
                }
                if let Ok(Some(_)) = child.try_wait() {
                    let run = finish(child);
                    assert_eq!(run.code, 0, "{plan}: apply with nothing held (request {n}):\n{}", run.stderr);
                    assert_eq!(cloud.sim.inventory(), expected, "{plan}");
                    return kill_points;
                }
                assert!(Instant::now() < deadline, "{plan}: request {n} was never held and apply never ended");
                std::thread::sleep(Duration::from_millis(1));
            }
            kill_points += 1;
            cloud.sim.clear_faults();
            let resumed = cloud.run(&args);
            let at = format!("{plan}: kill at request {n} (after_apply: {after_apply})");
            assert_eq!(resumed.code, 0, "{at}, apply again:\n{}{}", resumed.stdout, resumed.stderr);
            let status = cloud.run(&["status", plan]);
            assert_eq!(status.code, 0, "{at}, status:\n{}", status.stdout);
            assert_eq!(cloud.sim.inventory(), expected, "{at}");
            // The example's changefeed: one, with one live key (a key whose secret a killed run
            // lost is deleted and replaced), one service account and its two role bindings.
            let cdc = cloud.sim.cdc_inventory();
            let want = if plan == PLAN { (1, 1, 1, 2) } else { (0, 0, 0, 0) };
            assert_eq!((cdc.changefeeds, cdc.api_keys, cdc.service_accounts, cdc.role_bindings), want, "{at}");
            let journal_text = std::fs::read_to_string(&journal).expect("the file reads");
            for secret in cloud.secrets().into_iter().chain(cloud.sim.api_key_secrets()) {
                assert!(
                    !journal_text.contains(&secret)
                        && !resumed.stdout.contains(&secret)
                        && !resumed.stderr.contains(&secret)
                );
            }
        }
    }
    kill_points
}

/// Two applies of the same plan started together: the second waits for the first's lock
/// (`--lock-timeout`), then finds everything done. Without a timeout it stops at once, saying
/// another apply is running. Either way: exactly one of each resource.
#[test]
fn two_applies_started_together_make_one_of_each() {
    let cloud = Cloud::start();
    let dir = TempDir::new("together");
    let journal = dir.path().join("apply.jsonl").display().to_string();
    let mut args = apply_args(&journal);
    args.extend(["--lock-timeout", "60s"]);
    let first = cloud.spawn(&args);
    let second = cloud.spawn(&args);
    let (first, second) = (finish(first), finish(second));
    assert_eq!(
        (first.code, second.code),
        (0, 0),
        "{}{}\n---\n{}{}",
        first.stdout,
        first.stderr,
        second.stdout,
        second.stderr
    );
    assert_eq!(cloud.sim.inventory(), ONE_OF_EACH);
    let nothing = [&first, &second].iter().filter(|r| r.stderr.contains("nothing to do")).count();
    assert_eq!(nothing, 1, "one of them found everything done:\n{}\n---\n{}", first.stderr, second.stderr);

    // Without --lock-timeout, an apply that finds the lock held gives up at once.
    let cloud = Cloud::start();
    cloud.sim.add_fault(Fault {
        vendor: None,
        method: None,
        path: None,
        after: 3,
        times: Some(1),
        action: FaultAction::Hang { millis: 20_000, after_apply: false },
    });
    let holder = cloud.spawn(&apply_args(&journal));
    cloud.wait_until_held("the first apply never reached its fourth request");
    let refused = cloud.run(&apply_args(&journal));
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("another linkplan run holds the journal"), "{}", refused.stderr);
    let holder = finish(holder);
    assert_eq!(holder.code, 0, "{}", holder.stderr);
    assert_eq!(cloud.sim.inventory(), ONE_OF_EACH);
}

/// Bursts of 429s and 5xx from both vendors, creates included: apply still converges through
/// the clients' retries and the steps' re-lists, without a duplicate.
#[test]
fn apply_converges_through_a_429_storm() {
    let cloud = Cloud::start();
    let dir = TempDir::new("storm");
    let journal = dir.path().join("apply.jsonl").display().to_string();
    // Every create's first attempt: a 429 is retried whatever the method (the request was
    // refused, not carried out).
    for path in ["/networking/v1/private-link-accesses", "/cmk/v2/clusters", "/v1beta1/clusters/"] {
        cloud.sim.add_fault(Fault {
            vendor: None,
            method: Some("POST".to_owned()),
            path: Some(path.to_owned()),
            after: 0,
            times: Some(1),
            action: FaultAction::RateLimit { retry_after: 0 },
        });
    }
    // Bursts of three in a row, all through the run: with a create's own 429, four failures in a
    // row at most, inside one call's budget of five attempts.
    for (after, action) in [
        (0, FaultAction::RateLimit { retry_after: 0 }),
        (6, FaultAction::RateLimit { retry_after: 1 }),
        (12, FaultAction::ServerError { status: 503 }),
        (18, FaultAction::RateLimit { retry_after: 0 }),
        (24, FaultAction::ServerError { status: 502 }),
    ] {
        cloud.sim.add_fault(Fault { vendor: None, method: None, path: None, after, times: Some(3), action });
    }
    let run = cloud.run(&apply_args(&journal));
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("apply complete"), "{}", run.stderr);
    assert_eq!(cloud.sim.inventory(), ONE_OF_EACH);
}

/// `--confluent-url`/`--tidbcloud-url` win over `LINKPLAN_*_URL`; a non-loopback http:// URL is
/// refused before any request, naming the flag.
#[test]
fn base_url_flags_win_over_the_environment_and_must_be_https() {
    let cloud = Cloud::start();
    let url = cloud.sim.confluent_url().to_owned();
    let unreachable = "http://127.0.0.1:9";
    let run = finish(
        cloud
            .command(&["plan", "--confluent-url", &url, "--tidbcloud-url", &url, PLAN])
            .env("LINKPLAN_CONFLUENT_URL", unreachable)
            .env("LINKPLAN_TIDBCLOUD_URL", unreachable)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run linkplan: {e}")),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("+ "), "{}", run.stdout);

    let refused = cloud.run(&["plan", "--confluent-url", "http://example.com", PLAN]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("https://") && refused.stderr.contains("--confluent-url"), "{}", refused.stderr);
    assert_eq!(cloud.sim.inventory().private_link_accesses, 0);
}

/// `-vv` logs one line per HTTP attempt (method, path, status, request id, duration) and never
/// a key, a secret, an `Authorization` header or a Digest response; nor does anything else:
/// apply's output and journal at `-vvv` (the changefeed's Kafka API key made and used), a saved
/// plan, `status --format json`.
#[test]
fn verbose_request_logs_never_show_a_credential() {
    let cloud = Cloud::start();
    let dir = TempDir::new("verbose");
    let journal = dir.path().join("apply.jsonl").display().to_string();
    let mut args = apply_args(&journal);
    args.push("-vvv");
    let run = cloud.run(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("POST /networking/v1/private-link-accesses 20"), "{}", run.stderr);
    assert!(run.stderr.contains("GET /v1beta1/clusters/10140100115280519574 401"), "the Digest challenge is logged");
    assert!(run.stderr.contains("request_id=") && run.stderr.contains("elapsed_ms="), "{}", run.stderr);
    let keys: Vec<String> =
        cloud.sim.env().into_iter().filter(|(k, _)| !k.starts_with("LINKPLAN_")).map(|(_, v)| v).collect();
    assert_eq!(keys.len(), 4);
    // The Kafka API key linkplan made for the changefeed: its secret went from Confluent's
    // create answer into the changefeed request, and nowhere else.
    let kafka_secrets = cloud.sim.api_key_secrets();
    assert_eq!(kafka_secrets.len(), 1, "apply made the changefeed's key");
    assert!(run.stderr.contains("POST /iam/v2/api-keys 202"), "{}", run.stderr);
    assert!(run.stderr.contains("/changefeeds "), "{}", run.stderr);
    let keys: Vec<String> = keys.into_iter().chain(kafka_secrets).collect();
    let journal_text = std::fs::read_to_string(&journal).expect("the file reads");
    let saved = dir.path().join("saved.json").display().to_string();
    let plan = cloud.run(&["plan", "-vvv", "--out", &saved, "--format", "json", PLAN]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    let saved_text = std::fs::read_to_string(&saved).expect("the file reads");
    assert!(saved_text.contains("\"plan_digest\""), "{saved_text}");
    let status = cloud.run(&["status", "-vv", "--format", "json", PLAN]);
    for text in [
        &run.stdout,
        &run.stderr,
        &journal_text,
        &plan.stdout,
        &plan.stderr,
        &saved_text,
        &status.stdout,
        &status.stderr,
    ] {
        for key in &keys {
            assert!(!text.contains(key.as_str()), "a credential leaked");
        }
        for marker in ["Authorization", "authorization", "Digest username", "response=", "Basic "] {
            assert!(!text.contains(marker), "`{marker}` in the output");
        }
    }
}

/// Destroy after apply, with the apply's journal: the connection and domains go; the access
/// stays with the referenced network unless `--delete-access`; the Kafka cluster only with
/// `--delete-kafka-cluster`. With another journal (no record of creating anything) nothing goes.
#[test]
fn destroy_deletes_what_the_journal_says_linkplan_created() {
    let cloud = Cloud::start();
    let dir = TempDir::new("destroy-journal");
    let journal = dir.path().join("apply.jsonl").display().to_string();
    let other = dir.path().join("other.jsonl").display().to_string();
    assert_eq!(cloud.run(&apply_args(&journal)).code, 0);

    let stranger = cloud.run(&["destroy", "--auto-approve", "--journal", &other, PLAN]);
    assert_eq!(stranger.code, 0, "{}", stranger.stderr);
    assert!(stranger.stderr.contains("nothing to delete"), "{}", stranger.stderr);
    assert_eq!(cloud.sim.inventory(), ONE_OF_EACH);

    let first = cloud.run(&["destroy", "--auto-approve", "--journal", &journal, PLAN]);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    let after = cloud.sim.inventory();
    assert_eq!((after.private_link_connections, after.attached_domains), (0, 0), "{after:?}");
    assert_eq!((after.private_link_accesses, after.kafka_clusters, after.networks), (1, 1, 1), "{after:?}");

    let all = ["destroy", "--auto-approve", "--journal", &journal, "--delete-access", "--delete-kafka-cluster", PLAN];
    let second = cloud.run(&all);
    assert_eq!(second.code, 0, "{}{}", second.stdout, second.stderr);
    let gone = cloud.sim.inventory();
    assert_eq!(
        (gone.private_link_accesses, gone.kafka_clusters, gone.networks),
        (0, 0, 1),
        "the network is only referenced"
    );
}

/// A kill while the journal was being written leaves a torn last line: every reader recovers it
/// with a warning (status reads past it, the next destroy truncates it before appending) and
/// cleanup goes on. Any other damaged line stops apply, destroy and status, names the line, and
/// leaves the file as it was.
#[test]
fn a_torn_journal_line_never_blocks_cleanup_and_a_damaged_one_is_named() {
    let cloud = Cloud::start();
    let dir = TempDir::new("torn-journal");
    let journal = dir.path().join("apply.jsonl");
    let path = journal.display().to_string();
    assert_eq!(cloud.run(&apply_args(&path)).code, 0);
    let mut text = std::fs::read_to_string(&journal).expect("the file reads");
    text.push_str(r#"{"version":2,"step_id":"confluent.cluster/n-abc1"#);
    std::fs::write(&journal, &text).unwrap_or_else(|e| panic!("{e}"));

    let status = cloud.run(&["status", "--journal", &path, PLAN]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(status.stderr.contains("was torn") && status.stderr.contains("dropped"), "{}", status.stderr);
    assert_eq!(std::fs::read_to_string(&journal).expect("the file reads"), text, "status never writes");

    let all = ["destroy", "--auto-approve", "--journal", &path, "--delete-access", "--delete-kafka-cluster", PLAN];
    let destroy = cloud.run(&all);
    assert_eq!(destroy.code, 0, "{}{}", destroy.stdout, destroy.stderr);
    assert!(destroy.stderr.contains("was torn"), "{}", destroy.stderr);
    let gone = cloud.sim.inventory();
    assert_eq!((gone.private_link_accesses, gone.kafka_clusters, gone.private_link_connections), (0, 0, 0));
    let after = std::fs::read_to_string(&journal).expect("the file reads");
    assert!(after.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()), "{after}");

    // A damaged line that is not the last: named, with the way out, and nothing appended.
    let damaged = format!("{}\u{0}\u{1}garbage\n{}", &after[..after.find('\n').map_or(0, |i| i + 1)], after);
    std::fs::write(&journal, &damaged).unwrap_or_else(|e| panic!("{e}"));
    for args in [apply_args(&path), vec!["status", "--journal", &path, PLAN], all.to_vec()] {
        let run = cloud.run(&args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("apply.jsonl:2: not a journal entry"), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("never appends after a damaged record"), "{args:?}: {}", run.stderr);
    }
    assert_eq!(std::fs::read_to_string(&journal).expect("the file reads"), damaged, "left as it was");
}

/// Ctrl-C during apply: exit 130, with what was in flight and how to resume; apply again
/// converges.
#[cfg(unix)]
#[test]
fn ctrl_c_during_apply_says_what_was_in_flight_and_apply_resumes() {
    let cloud = Cloud::start();
    let dir = TempDir::new("ctrl-c");
    let journal = dir.path().join("apply.jsonl").display().to_string();
    cloud.sim.add_fault(Fault {
        vendor: None,
        method: Some("POST".to_owned()),
        path: Some("/cmk/v2/clusters".to_owned()),
        after: 0,
        times: Some(1),
        action: FaultAction::Hang { millis: 30_000, after_apply: true },
    });
    let child = cloud.spawn(&apply_args(&journal));
    cloud.wait_until_held("the cluster create was never held");
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    assert!(sent.is_ok_and(|s| s.success()), "kill -INT");
    let run = finish(child);
    assert_eq!(run.code, 130, "{}", run.stderr);
    for said in [
        "apply interrupted by Ctrl-C",
        "in flight: confluent.cluster/n-abc123/orders (creating)",
        "keep provisioning in the cloud",
        "run `linkplan apply` again",
    ] {
        assert!(run.stderr.contains(said), "missing {said:?}:\n{}", run.stderr);
    }
    cloud.sim.clear_faults();
    let resumed = cloud.run(&apply_args(&journal));
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_eq!(cloud.sim.inventory(), ONE_OF_EACH);
    // The cluster whose create was cut off is linkplan's: destroy may delete it.
    let destroy = cloud.run(&[
        "destroy",
        "--auto-approve",
        "--journal",
        &journal,
        "--delete-access",
        "--delete-kafka-cluster",
        PLAN,
    ]);
    assert_eq!(destroy.code, 0, "{}", destroy.stderr);
    let text = std::fs::read_to_string(&journal).expect("the file reads");
    assert_eq!(cloud.sim.inventory().kafka_clusters, 0, "{}{}\n{text}", destroy.stdout, destroy.stderr);
}

/// The journal is lost between runs (a fresh CI runner): apply says loudly that it does not own
/// what it found, destroy keeps it, and `destroy --adopt` claims and deletes it.
#[test]
fn after_a_lost_journal_apply_warns_and_destroy_needs_adopt() {
    let cloud = Cloud::start();
    let dir = TempDir::new("lost-journal");
    let journal = dir.path().join("apply.jsonl");
    let path = journal.display().to_string();
    assert_eq!(cloud.run(&apply_args(&path)).code, 0);
    std::fs::remove_file(&journal).unwrap_or_else(|e| panic!("{e}"));

    let again = cloud.run(&apply_args(&path));
    assert_eq!(again.code, 0, "{}", again.stderr);
    for said in ["were found, not created, by linkplan", "there was no journal at", "linkplan destroy --adopt"] {
        assert!(again.stderr.contains(said), "missing {said:?}:\n{}", again.stderr);
    }
    let all = ["destroy", "--auto-approve", "--journal", &path, "--delete-access", "--delete-kafka-cluster", PLAN];
    let kept = cloud.run(&all);
    assert_eq!(kept.code, 0, "{}", kept.stderr);
    assert!(kept.stderr.contains("nothing to delete"), "{}{}", kept.stdout, kept.stderr);
    assert_eq!(cloud.sim.inventory(), ONE_OF_EACH);

    let adopted = cloud.run(&[&all[..], &["--adopt"]].concat());
    assert_eq!(adopted.code, 0, "{}{}", adopted.stdout, adopted.stderr);
    let gone = cloud.sim.inventory();
    assert_eq!((gone.private_link_accesses, gone.kafka_clusters, gone.private_link_connections), (0, 0, 0));
}

/// Edits to managed values through the CLI: a CKU edit is `~` and applied in place; an
/// availability edit blocks the plan (exit 1) until `--replace` names the step, then `-/+`.
#[test]
fn edited_values_are_planned_as_changes_and_replacements_need_the_flag() {
    let cloud = Cloud::start();
    let dir = TempDir::new("edits");
    let journal = dir.path().join("apply.jsonl").display().to_string();
    let plan = dir.write("orders.yaml", crate::util::example()).display().to_string();
    assert_eq!(cloud.run(&["apply", "--auto-approve", "--journal", &journal, &plan]).code, 0);

    dir.write("orders.yaml", crate::util::example().replace("cku: 2", "cku: 4"));
    let planned = cloud.run(&["plan", "--detailed-exitcode", &plan]);
    assert_eq!(planned.code, 2, "{}", planned.stderr);
    assert!(planned.stdout.contains("~ confluent.cluster.cku: 2 → 4"), "{}", planned.stdout);
    let applied = cloud.run(&["apply", "--auto-approve", "--journal", &journal, &plan]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert_eq!(cloud.run(&["plan", "--detailed-exitcode", &plan]).code, 0, "converged after the resize");

    dir.write("orders.yaml", crate::util::example().replace("cku: 2", "cku: 4").replace("MULTI_ZONE", "SINGLE_ZONE"));
    let blocked = cloud.run(&["plan", "--detailed-exitcode", &plan]);
    assert_eq!(blocked.code, 1, "{}", blocked.stdout);
    assert!(blocked.stdout.contains("-/+ confluent.cluster/n-abc123/orders"), "{}", blocked.stdout);
    assert!(blocked.stdout.contains("(forces replacement)"), "{}", blocked.stdout);
    let step = "confluent.cluster/n-abc123/orders";
    let replace = cloud.run(&["plan", "--detailed-exitcode", "--replace", step, &plan]);
    assert_eq!(replace.code, 2, "{}", replace.stdout);
    assert!(replace.stdout.contains("1 to replace"), "{}", replace.stdout);
    let applied = cloud.run(&["apply", "--auto-approve", "--replace", step, "--journal", &journal, &plan]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert_eq!(cloud.run(&["plan", "--detailed-exitcode", &plan]).code, 0, "converged after the replacement");
    assert_eq!(cloud.sim.inventory().kafka_clusters, 1);
}

/// `status` after an apply with a changefeed: its state, checkpoint and lag, in human and JSON
/// form; `--detailed-exitcode` 0 while it runs, and not 0 once the cloud fails it (a scheduled CI
/// job's alarm), with `doctor` naming the cause.
#[test]
fn status_shows_the_changefeed_and_alarms_when_it_fails() {
    let cloud = Cloud::start();
    let dir = TempDir::new("status-changefeed");
    let journal = dir.path().join("apply.jsonl").display().to_string();
    assert_eq!(cloud.run(&apply_args(&journal)).code, 0);
    let status = cloud.run(&["status", "--detailed-exitcode", "--journal", &journal, PLAN]);
    assert_eq!(status.code, 0, "{}", status.transcript());
    assert!(status.stdout.contains("RUNNING, checkpoint "), "{}", status.stdout);
    assert!(status.stdout.contains(", lag "), "{}", status.stdout);
    let json = cloud.run(&["status", "--format", "json", "--journal", &journal, PLAN]);
    let value: serde_json::Value =
        serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}", json.transcript()));
    assert_eq!(value["changefeed"]["state"], "RUNNING", "{value}");
    assert!(value["changefeed"]["lag_seconds"].is_u64(), "{value}");
    let id = value["changefeed"]["id"].as_str().unwrap_or_else(|| panic!("no changefeed id: {value}")).to_owned();

    assert!(cloud.fail(&id, "Kafka broker refused the connection"));
    let failed = cloud.run(&["status", "--detailed-exitcode", "--journal", &journal, PLAN]);
    assert_ne!(failed.code, 0, "{}", failed.transcript());
    assert!(failed.stdout.contains("Kafka broker refused the connection"), "{}", failed.stdout);
    let doctor = cloud.run(&["doctor", "--journal", &journal, PLAN]);
    assert_eq!(doctor.code, 1, "{}", doctor.transcript());
    assert!(doctor.stdout.contains(&format!("changefeed {id} is")), "{}", doctor.stdout);
}
