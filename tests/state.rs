//! Shared state in S3, with real processes against a real S3 implementation (moto's server,
//! which `.ci/run` starts and names in `LINKPLAN_TEST_S3_*`) and a simulator this test runs: two
//! applies contending for the lock, a killed apply's lock reported with its holder and age and
//! removed by `force-unlock`, resume and destroy from fresh checkouts that have only the S3
//! journal, `state list|show|pull|push` across a file and S3, and a wrong key and a missing
//! bucket. Without `LINKPLAN_TEST_S3_ENDPOINT` each test says it is skipped (under CI it fails).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use linkplan_sim::{Delays, Fault, FaultAction, RunningSim, Sim, SimConfig, World};

use crate::util::{Run, TempDir, linkplan_command};

/// The plan every test copies into its own "checkout" (it matches the example world).
const PLAN: &str = "examples/orders-cdc.yaml";

/// The S3 server and its key, from `.ci/moto-setup.py`.
struct S3 {
    endpoint: String,
    bucket: String,
    key_id: String,
    secret: String,
}

fn s3(test: &str) -> Option<S3> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let Some(endpoint) = var("LINKPLAN_TEST_S3_ENDPOINT") else {
        assert!(var("CI").is_none(), "LINKPLAN_TEST_S3_ENDPOINT is unset under CI: .ci/run starts moto and exports it");
        // Straight to the process's standard error: libtest captures `eprintln!` of a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: LINKPLAN_TEST_S3_ENDPOINT is unset (.ci/run starts moto's S3 server and sets it)"
        );
        return None;
    };
    let need = |name: &str| var(name).unwrap_or_else(|| panic!("{name} is unset (LINKPLAN_TEST_S3_ENDPOINT is set)"));
    Some(S3 {
        endpoint,
        bucket: need("LINKPLAN_TEST_S3_BUCKET"),
        key_id: need("LINKPLAN_TEST_S3_ACCESS_KEY_ID"),
        secret: need("LINKPLAN_TEST_S3_SECRET_ACCESS_KEY"),
    })
}

impl S3 {
    /// A state location of the test's own.
    fn location(&self, test: &str) -> String {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        format!("s3://{}/cli/{test}-{}-{nanos}", self.bucket, std::process::id())
    }
}

/// The example world with no provisioning delays, served while the test drives the binary.
struct Cloud {
    sim: RunningSim,
    _runtime: tokio::runtime::Runtime,
}

impl Cloud {
    fn start() -> Cloud {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("a runtime: {e}"));
        let config = SimConfig { delays: Some(Delays::zero()), ..SimConfig::default() };
        let sim = runtime
            .block_on(Sim::start(World::example(), config))
            .unwrap_or_else(|e| panic!("the simulator starts: {e}"));
        Cloud { sim, _runtime: runtime }
    }

    /// `linkplan ARGS…` in `dir` (a checkout), pointed at this simulator and at `s3` with
    /// `secret`, and nothing else of the caller's AWS setup.
    fn command(&self, s3: &S3, secret: &str, dir: &Path, args: &[&str]) -> Command {
        let mut command = linkplan_command(args);
        command.current_dir(dir).envs(self.sim.env()).stdout(Stdio::piped()).stderr(Stdio::piped());
        for name in [
            "AWS_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_ROLE_ARN",
            "AWS_ENDPOINT_URL_S3",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "LINKPLAN_STATE",
        ] {
            command.env_remove(name);
        }
        command
            .env("AWS_ACCESS_KEY_ID", &s3.key_id)
            .env("AWS_SECRET_ACCESS_KEY", secret)
            .env("AWS_ENDPOINT_URL", &s3.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("HOME", dir)
            .env("USER", "tester");
        command
    }

    fn spawn(&self, s3: &S3, dir: &Path, args: &[&str]) -> Child {
        self.command(s3, &s3.secret, dir, args).spawn().unwrap_or_else(|e| panic!("cannot run linkplan: {e}"))
    }

    fn run(&self, s3: &S3, dir: &Path, args: &[&str]) -> Run {
        finish(self.spawn(s3, dir, args))
    }

    /// Hold the simulator's request number `after` (0-based) for `millis`.
    fn hang_at(&self, after: u32, millis: u64) {
        self.sim.add_fault(Fault {
            vendor: None,
            method: None,
            path: None,
            after,
            times: Some(1),
            action: FaultAction::Hang { millis, after_apply: true },
        });
    }

    fn wait_until_held(&self, or_else: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.sim.held() == 0 {
            assert!(Instant::now() < deadline, "{or_else}");
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn finish(child: Child) -> Run {
    crate::util::finish(child.wait_with_output().unwrap_or_else(|e| panic!("linkplan did not finish: {e}")))
}

/// A fresh checkout: a directory with only the plan file in it.
fn checkout(name: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new(name);
    let text = std::fs::read_to_string(crate::util::root().join(PLAN)).unwrap_or_else(|e| panic!("{PLAN}: {e}"));
    let plan = dir.write("orders.yaml", text);
    (dir, plan)
}

fn ok(run: &Run, what: &str) {
    assert_eq!(run.code, 0, "{what}:\n{}{}", run.stdout, run.stderr);
}

/// An error as one line: miette's wrapping (and its `|` margin) undone.
fn flat(stderr: &str) -> String {
    stderr.split_whitespace().filter(|w| *w != "|").collect::<Vec<_>>().join(" ")
}

/// Two applies on two checkouts with one S3 state: while the first holds the lock, the second
/// is refused at once, naming the holder (operation, who, age, lock id) and `force-unlock`;
/// a third with `--lock-timeout` waits for it and finds everything done.
#[test]
fn two_applies_on_two_machines_take_turns_through_the_s3_lock() {
    let Some(s3) = s3("two_applies_on_two_machines_take_turns_through_the_s3_lock") else { return };
    let cloud = Cloud::start();
    let state = s3.location("turns");
    let (a, plan_a) = checkout("s3-turns-a");
    let (b, plan_b) = checkout("s3-turns-b");
    let apply = |plan: &Path| -> Vec<String> {
        ["apply", "--auto-approve", "--state", &state, &plan.display().to_string()].map(str::to_owned).to_vec()
    };
    cloud.hang_at(3, 6_000);
    let first = cloud.spawn(&s3, a.path(), &strs(&apply(&plan_a)));
    cloud.wait_until_held("the first apply never reached its fourth request");

    let refused = cloud.run(&s3, b.path(), &strs(&apply(&plan_b)));
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    let text = flat(&refused.stderr);
    assert!(text.contains("another linkplan run holds the journal s3://"), "{}", refused.stderr);
    assert!(text.contains("`apply` by tester@") && text.contains("ago; lock id"), "{}", refused.stderr);
    assert!(text.contains("linkplan force-unlock"), "{}", refused.stderr);
    assert!(!text.contains(&s3.secret));

    let mut waiting = apply(&plan_b);
    waiting.extend(["--lock-timeout".to_owned(), "60s".to_owned()]);
    let waiter = cloud.spawn(&s3, b.path(), &strs(&waiting));
    let first = finish(first);
    ok(&first, "the first apply");
    let waited = finish(waiter);
    ok(&waited, "the apply that waited");
    assert!(waited.stderr.contains("waiting up to 1m for another linkplan run"), "{}", waited.stderr);
    assert!(waited.stderr.contains("nothing to do"), "{}", waited.stderr);
    assert!(!a.path().join(".linkplan").exists() && !b.path().join(".linkplan").exists(), "no local journal");
}

/// A killed apply leaves its S3 lock: the next run (on another checkout) is refused with the
/// holder and its age; `force-unlock` without a terminal needs --force and only takes the right
/// id; then an apply from a fresh checkout with only the S3 journal resumes to one of each, and
/// a destroy from yet another deletes what the killed and the resumed runs created.
#[test]
fn a_killed_apply_is_force_unlocked_then_resumed_and_destroyed_from_fresh_checkouts() {
    let Some(s3) = s3("a_killed_apply_is_force_unlocked_then_resumed_and_destroyed_from_fresh_checkouts") else {
        return;
    };
    let cloud = Cloud::start();
    let before = cloud.sim.inventory();
    let state = s3.location("killed");
    let (first, plan) = checkout("s3-killed-1");
    let plan_s = plan.display().to_string();
    cloud.hang_at(8, 30_000);
    let mut killed = cloud.spawn(&s3, first.path(), &["apply", "--auto-approve", "--state", &state, &plan_s]);
    cloud.wait_until_held("the apply never reached its ninth request");
    killed.kill().unwrap_or_else(|e| panic!("kill: {e}"));
    let _ = killed.wait();
    cloud.sim.clear_faults();
    drop(first);

    let (second, plan) = checkout("s3-killed-2");
    let plan_s = plan.display().to_string();
    let refused = cloud.run(&s3, second.path(), &["apply", "--auto-approve", "--state", &state, &plan_s]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(flat(&refused.stderr).contains("lock id"), "{}", refused.stderr);
    // The lock as `state list` reports it (JSON, for a script; its id is the one the refusal named).
    let listed = cloud.run(&s3, second.path(), &["state", "list", &plan_s, "--state", &state, "--format", "json"]);
    ok(&listed, "state list of the killed run's journal");
    let json: serde_json::Value =
        serde_json::from_str(&listed.stdout).unwrap_or_else(|e| panic!("{e}: {}", listed.stdout));
    let id = json["lock"]["id"].as_str().unwrap_or_else(|| panic!("no lock in {json}")).to_owned();
    assert_eq!(json["lock"]["operation"], "apply");
    assert!(flat(&refused.stderr).replace("- ", "-").contains(&id), "{}", refused.stderr);
    let human = cloud.run(&s3, second.path(), &["state", "list", &plan_s, "--state", &state]);
    assert!(flat(&human.stderr).contains("locked: `apply` by tester@"), "{}", human.stderr);

    let no_tty = cloud.run(&s3, second.path(), &["force-unlock", &id, &plan_s, "--state", &state]);
    assert_eq!(no_tty.code, 1, "{}", no_tty.stderr);
    assert!(no_tty.stderr.contains("pass --force"), "{}", no_tty.stderr);
    let wrong = cloud.run(&s3, second.path(), &["force-unlock", "not-it", &plan_s, "--state", &state, "--force"]);
    assert_eq!(wrong.code, 1, "{}", wrong.stderr);
    assert!(wrong.stderr.contains(&id), "names the lock that is there: {}", wrong.stderr);
    let unlocked = cloud.run(&s3, second.path(), &["force-unlock", &id, &plan_s, "--state", &state, "--force"]);
    ok(&unlocked, "force-unlock --force");
    assert!(unlocked.stderr.contains(&format!("removed the lock {id}")), "{}", unlocked.stderr);

    let resumed = cloud.run(&s3, second.path(), &["apply", "--auto-approve", "--state", &state, &plan_s]);
    ok(&resumed, "apply from a fresh checkout");
    let status = cloud.run(&s3, second.path(), &["status", &plan_s, "--state", &state]);
    ok(&status, "status");
    assert!(!resumed.stderr.contains("not created, by linkplan"), "the S3 journal owns them: {}", resumed.stderr);
    drop(second);

    let (third, plan) = checkout("s3-killed-3");
    let plan_s = plan.display().to_string();
    let owned = cloud.run(&s3, third.path(), &["state", "list", &plan_s, "--state", &state]);
    ok(&owned, "state list");
    for step in ["confluent.private_link_access/", "confluent.cluster/", "tidbcloud.private_link_connection/"] {
        assert!(owned.stdout.contains(step), "{step} owned:\n{}", owned.stdout);
    }
    let destroy =
        ["destroy", "--auto-approve", "--delete-kafka-cluster", "--delete-access", "--state", &state, &plan_s];
    let destroyed = cloud.run(&s3, third.path(), &destroy);
    ok(&destroyed, "destroy from a fresh checkout");
    assert_eq!(cloud.sim.inventory(), before, "everything linkplan created is gone:\n{}", destroyed.stdout);
    let after = cloud.run(&s3, third.path(), &["state", "list", &plan_s, "--state", &state]);
    ok(&after, "state list after destroy");
    assert_eq!(after.stdout.trim(), "", "owns nothing");
}

/// A file journal pushed to S3 reads the same there (`state list`, `show`, `pull`); a push that
/// would drop records is refused without --force; plan and status read the S3 journal named by
/// `LINKPLAN_STATE`.
#[test]
fn a_file_journal_moves_to_s3_and_reads_the_same() {
    let Some(s3) = s3("a_file_journal_moves_to_s3_and_reads_the_same") else { return };
    let cloud = Cloud::start();
    let state = s3.location("push");
    let (dir, plan) = checkout("s3-push");
    let plan_s = plan.display().to_string();
    ok(&cloud.run(&s3, dir.path(), &["apply", "--auto-approve", &plan_s]), "apply with a file journal");
    let file = dir.path().join(".linkplan/orders.yaml.journal.jsonl");
    let file_s = file.display().to_string();
    let local = cloud.run(&s3, dir.path(), &["state", "list", &plan_s]);
    ok(&local, "state list of the file");
    assert!(local.stdout.lines().count() >= 4, "{}", local.stdout);

    let pushed = cloud.run(&s3, dir.path(), &["state", "push", &plan_s, &file_s, "--state", &state]);
    ok(&pushed, "state push");
    let remote = cloud.run(&s3, dir.path(), &["state", "list", &plan_s, "--state", &state]);
    ok(&remote, "state list of S3");
    assert_eq!(remote.stdout, local.stdout);
    let step = local.stdout.split_whitespace().next().expect("a step listed").to_owned();
    let shown = cloud.run(&s3, dir.path(), &["state", "show", &plan_s, &step, "--state", &state]);
    ok(&shown, "state show");
    assert!(shown.stdout.contains("owned: ") && shown.stdout.contains("succeeded"), "{}", shown.stdout);
    let pull = dir.path().join("pulled.jsonl");
    let pull_s = pull.display().to_string();
    ok(&cloud.run(&s3, dir.path(), &["state", "pull", &plan_s, "--state", &state, "-o", &pull_s]), "state pull");
    assert_eq!(std::fs::read(&pull).ok(), std::fs::read(&file).ok(), "the same bytes");

    // A shorter journal would drop records.
    let text = std::fs::read_to_string(&file).expect("the journal file reads");
    let first_line = dir.write("short.jsonl", format!("{}\n", text.lines().next().expect("a first line")));
    let short = first_line.display().to_string();
    let refused = cloud.run(&s3, dir.path(), &["state", "push", &plan_s, &short, "--state", &state]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);

    // LINKPLAN_STATE names it for plan and status (the file beside the plan is moved away).
    std::fs::rename(&file, dir.path().join("aside.jsonl")).unwrap_or_else(|e| panic!("{e}"));
    let mut status = cloud.command(&s3, &s3.secret, dir.path(), &["status", &plan_s]);
    status.env("LINKPLAN_STATE", &state);
    let status = crate::util::run_command(status);
    ok(&status, "status with LINKPLAN_STATE");
    assert!(!dir.path().join(".linkplan/orders.yaml.journal.jsonl").exists(), "the file stays unused");

    // So does the plan file's own `state:` key: `state list` there is the S3 journal's.
    let text = std::fs::read_to_string(&plan).expect("the plan reads");
    let declared_text = text.replacen("name: ", &format!("state: {state}\nname: "), 1);
    let declared = dir.write("declared/orders.yaml", declared_text).display().to_string();
    let listed = cloud.run(&s3, dir.path(), &["state", "list", &declared]);
    ok(&listed, "state list of the plan's `state:`");
    assert_eq!(listed.stdout, local.stdout, "the pushed journal");
    let status = cloud.run(&s3, dir.path(), &["status", &declared]);
    ok(&status, "status with the plan's `state:`");
    assert!(!dir.path().join("declared/.linkplan").exists(), "no file journal beside it");
}

/// A wrong secret and a missing bucket: exit 1 before anything is observed, naming the bucket,
/// the endpoint and where the credentials came from; never the secret.
#[test]
fn a_wrong_key_or_a_missing_bucket_stops_before_anything_is_created() {
    let Some(s3) = s3("a_wrong_key_or_a_missing_bucket_stops_before_anything_is_created") else { return };
    let cloud = Cloud::start();
    let before = cloud.sim.inventory();
    let (dir, plan) = checkout("s3-denied");
    let plan_s = plan.display().to_string();
    let state = s3.location("denied");
    let wrong = "wrong-secret-for-the-test-0123";
    let denied = crate::util::run_command(cloud.command(
        &s3,
        wrong,
        dir.path(),
        &["apply", "--auto-approve", "--state", &state, &plan_s],
    ));
    assert_eq!(denied.code, 1, "{}", denied.stderr);
    let text = flat(&denied.stderr);
    assert!(text.contains("access denied") && text.contains(&s3.bucket) && text.contains(&s3.endpoint), "{text}");
    assert!(text.contains("AWS_ACCESS_KEY_ID") && text.contains("SignatureDoesNotMatch"), "{text}");
    assert!(!text.contains(wrong) && !text.contains(&s3.secret), "{text}");

    let nowhere = "s3://linkplan-no-such-bucket/x";
    let missing = cloud.run(&s3, dir.path(), &["apply", "--auto-approve", "--state", nowhere, &plan_s]);
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    let text = flat(&missing.stderr);
    assert!(
        text.contains("the bucket `linkplan-no-such-bucket` does not exist at") && text.contains(&s3.endpoint),
        "{text}"
    );
    let plan_run = cloud.run(&s3, dir.path(), &["plan", "--state", nowhere, &plan_s]);
    assert_eq!(plan_run.code, 1, "{}", plan_run.stderr);
    assert_eq!(cloud.sim.inventory(), before, "nothing was created");
}

/// SIGTERM while apply observes (before any step runs, so before `runner` takes the signals):
/// exit 143 and the S3 lock removed, so the next run is not refused.
#[test]
fn a_signal_before_the_steps_start_removes_the_s3_lock() {
    let Some(s3) = s3("a_signal_before_the_steps_start_removes_the_s3_lock") else { return };
    let cloud = Cloud::start();
    let state = s3.location("signal");
    let (dir, plan) = checkout("s3-signal");
    let plan_s = plan.display().to_string();
    cloud.hang_at(0, 30_000);
    let child = cloud.spawn(&s3, dir.path(), &["apply", "--auto-approve", "--state", &state, &plan_s]);
    cloud.wait_until_held("apply never sent its first request");
    let term = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    assert!(term.is_ok_and(|s| s.success()), "kill -TERM");
    let stopped = finish(child);
    assert_eq!(stopped.code, 143, "{}", stopped.stderr);
    assert!(stopped.stderr.contains("interrupted by SIGTERM; removed the lock"), "{}", stopped.stderr);
    cloud.sim.clear_faults();
    let listed = cloud.run(&s3, dir.path(), &["state", "list", &plan_s, "--state", &state, "--format", "json"]);
    ok(&listed, "state list");
    let json: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert!(json["lock"].is_null(), "no lock left: {json}");
}

/// Without any S3: a location that is not one is refused naming where it came from (flag or
/// `LINKPLAN_STATE`), an empty variable is said to be empty, `--sandbox` ignores the variable,
/// and `force-unlock` on a file journal says there is no lock to force.
#[test]
fn state_locations_are_checked_before_anything_runs() {
    let plan = "fixtures/plans/runbook.yaml";
    let run = |env: Option<&str>, args: &[&str]| {
        let mut command = linkplan_command(args);
        command.env_remove("LINKPLAN_STATE");
        if let Some(value) = env {
            command.env("LINKPLAN_STATE", value);
        }
        crate::util::run_command(command)
    };
    let flag = run(None, &["plan", "--sandbox", "--state", "gs://bucket/x", plan]);
    assert_eq!(flag.code, 1, "{}", flag.stderr);
    assert!(flat(&flag.stderr).contains("--state: `gs://bucket/x` is not a state location"), "{}", flag.stderr);
    let var = run(Some("./somewhere"), &["status", plan]);
    assert_eq!(var.code, 1, "{}", var.stderr);
    assert!(flat(&var.stderr).contains("LINKPLAN_STATE: `./somewhere` is not a state location"), "{}", var.stderr);
    let empty = run(Some(" "), &["plan", plan]);
    assert_eq!(empty.code, 1, "{}", empty.stderr);
    assert!(empty.stderr.contains("LINKPLAN_STATE is set but empty"), "{}", empty.stderr);
    let sandbox = run(Some("gs://not/used"), &["plan", "--sandbox", plan]);
    assert_eq!(sandbox.code, 0, "the sandbox ignores LINKPLAN_STATE:\n{}", sandbox.stderr);
    let both = run(None, &["plan", "--sandbox", "--journal", "x.jsonl", "--state", "file", plan]);
    assert_eq!(both.code, 1, "--journal and --state conflict:\n{}", both.stderr);
    // A plan file's `state:` is checked the same way, and named; the sandbox ignores it.
    let dir = TempDir::new("declared-state");
    let text = std::fs::read_to_string(plan).expect("the plan reads").replacen("name: ", "state: ./x\nname: ", 1);
    let declared = dir.write("orders.yaml", text).display().to_string();
    let bad = run(None, &["status", &declared]);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(flat(&bad.stderr).contains("`state` in") && flat(&bad.stderr).contains("`./x`"), "{}", bad.stderr);
    let ignored = run(None, &["plan", "--sandbox", &declared]);
    assert_eq!(ignored.code, 0, "the sandbox ignores the plan's `state:`:\n{}", ignored.stderr);
    let file = run(None, &["force-unlock", "5e0c0000-0000-4000-8000-000000000000", plan, "--force"]);
    assert_eq!(file.code, 1, "{}", file.stderr);
    assert!(flat(&file.stderr).contains("is a local file: there is no lock to force"), "{}", file.stderr);
}
