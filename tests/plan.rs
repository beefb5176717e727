//! `linkplan plan` and `linkplan apply` against the in-process sandbox (`--sandbox`).

use crate::util::{TempDir, example, linkplan, linkplan_command, run_command};

#[test]
fn plan_in_the_sandbox_lists_the_runbook_steps() {
    let run = linkplan(&["plan", "--sandbox", "examples/orders-cdc.yaml", "--detailed-exitcode"]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    for line in [
        "+ confluent.cluster/n-abc123/orders",
        "+ confluent.private_link_access/n-abc123/123456789012",
        "+ tidbcloud.private_link_connection/10140100115280519574/confluent-orders",
        "~ tidbcloud.domains/10140100115280519574/confluent-orders/CONFLUENT",
        "+ confluent.service_account/tidb-orders-cdc",
        "+ confluent.api_key/tidb-orders-cdc/orders",
        "+ confluent.role_bindings/tidb-orders-cdc/orders",
        "+ tidbcloud.changefeed/10140100115280519574/orders-to-kafka",
        "connectivity test: runs during apply, once the connection is ACTIVE",
        "Plan: 7 to create, 1 to wait or attach, 0 unchanged.",
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
        "fixtures/plans/runbook.yaml",
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
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stderr.contains("pass --auto-approve to apply"), "{}", run.stderr);
}

#[test]
fn a_saved_plan_is_applied_only_while_the_world_and_the_file_are_unchanged() {
    let dir = TempDir::new("saved-plan");
    let saved = dir.path().join("saved.json").display().to_string();
    let journal = dir.path().join("journal.jsonl").display().to_string();
    let connected = "fixtures/sim/worlds/already-connected.yaml";
    let plan = linkplan(&["plan", "--sandbox", "--world", connected, "fixtures/plans/runbook.yaml", "--out", &saved]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());

    // Same world: the saved plan is current (and has nothing to do).
    let same = linkplan(&["apply", "--sandbox", "--world", connected, &saved, "--journal", &journal]);
    assert_eq!(same.code, 0, "{}", same.transcript());
    assert!(same.stderr.contains("nothing to do"), "{}", same.stderr);

    // Another world (the example's, not yet connected): refused as stale, nothing applied.
    let stale = linkplan(&["apply", "--sandbox", &saved, "--journal", &journal]);
    assert_eq!(stale.code, 1, "{}", stale.transcript());
    assert!(stale.stderr.contains("the clouds changed since the plan"), "{}", stale.stderr);

    // A saved plan whose plan file changed is refused too.
    let copy = dir.write("plan.yaml", example());
    let copy = copy.display().to_string();
    let saved2 = dir.path().join("saved2.json").display().to_string();
    let plan = linkplan(&["plan", "--sandbox", "--world", connected, &copy, "--out", &saved2]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    dir.write("plan.yaml", example().replace("cku: 2", "cku: 4"));
    let changed = linkplan(&["apply", "--sandbox", "--world", connected, &saved2, "--journal", &journal]);
    assert_eq!(changed.code, 1, "{}", changed.transcript());
    assert!(changed.stderr.contains("changed since the plan"), "{}", changed.stderr);
}

/// A saved plan is checked as a whole: its steps cannot be edited (an action, a value), and the
/// plan file it names is found beside it, from whatever directory apply runs in.
#[test]
fn a_saved_plan_cannot_be_edited_and_is_found_from_any_directory() {
    let dir = TempDir::new("saved-edited");
    let plan_file = dir.write("plans/orders.yaml", example()).display().to_string();
    let saved = dir.path().join("out/saved.json");
    std::fs::create_dir_all(dir.path().join("out")).unwrap_or_else(|e| panic!("{e}"));
    let saved = saved.display().to_string();
    let journal = dir.path().join("journal.jsonl").display().to_string();
    let plan = linkplan(&["plan", "--sandbox", &plan_file, "--out", &saved]);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    let text = std::fs::read_to_string(&saved).expect("the file reads");
    assert!(text.contains("\"plan_file\": \"../plans/orders.yaml\""), "{text}");

    // Edits to the steps: an action, a value in a step's details, a dependency.
    let edits = [("\"create\"", "\"unchanged\""), ("\"2\"", "\"6\""), ("\"depends_on\": [\n", "\"depends_on\": [ \n")];
    for (from, to) in edits {
        if !text.contains(from) {
            continue;
        }
        let edited = dir.write("out/edited.json", text.replacen(from, to, 1)).display().to_string();
        let run = linkplan(&["apply", "--sandbox", &edited, "--journal", &journal]);
        if from.starts_with("\"depends_on") {
            // Whitespace is not an edit of the steps.
            assert!(!run.stderr.contains("was edited"), "{}", run.transcript());
            continue;
        }
        assert_eq!(run.code, 1, "{from} → {to}: {}", run.transcript());
        assert!(run.stderr.contains("the saved plan was edited"), "{from} → {to}: {}", run.transcript());
        assert!(!run.stderr.contains("apply complete"), "{}", run.transcript());
    }

    // Unedited, from another directory: the plan file is found relative to the saved plan.
    let mut command = linkplan_command(&["apply", "--sandbox", &saved, "--journal", &journal]);
    command.current_dir(dir.path().join("out"));
    let run = run_command(command);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stderr.contains("apply complete"), "{}", run.transcript());
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
    assert_eq!(fresh.code, 0, "{}", fresh.transcript());
    let value: serde_json::Value = serde_json::from_str(&fresh.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(value["observed"]["network"]["id"], "n-abc123");
}

#[test]
fn destroy_shows_the_reverse_and_keeps_what_linkplan_did_not_create() {
    let dir = TempDir::new("destroy");
    let journal = dir.path().join("journal.jsonl").display().to_string();
    let world = "fixtures/sim/worlds/already-connected.yaml";
    let run = linkplan(&["destroy", "--sandbox", "--world", world, "examples/orders-cdc.yaml", "--journal", &journal]);
    // This journal never saw any of it created: everything is kept, with why, and nothing asked.
    assert_eq!(run.code, 0, "{}", run.transcript());
    for line in [
        "= tidbcloud.domains/10140100115280519574/confluent-orders/CONFLUENT",
        "= tidbcloud.private_link_connection/10140100115280519574/confluent-orders",
        "= confluent.private_link_access/n-abc123/123456789012",
        "kept: no journal record says linkplan created it (--adopt claims it); other connections from AWS account 123456789012",
        "= confluent.cluster/n-abc123/orders",
        "Destroy: 0 to delete, 4 kept.",
    ] {
        assert!(run.stdout.contains(line), "missing {line:?}:\n{}", run.stdout);
    }
    assert!(run.stderr.contains("nothing to delete"), "{}", run.stderr);
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

    // Standard input too.
    let text = std::fs::read(crate::util::root().join(sparse)).expect("the file reads");
    let piped = crate::util::linkplan_stdin(&["lint", "--online", "--sandbox", "--world", world, "-"], &text);
    assert_eq!(piped.code, 1, "{}", piped.transcript());
    assert!(piped.stdout.contains("AZ003"), "{}", piped.stdout);

    // A lookup that fails keeps the offline report and exits 2 after printing it.
    let mut command = linkplan_command(&["lint", "--online", "--format", "json", sparse]);
    command.env("LINKPLAN_CONFLUENT_URL", "http://127.0.0.1:9").env("LINKPLAN_TIDBCLOUD_URL", "http://127.0.0.1:9");
    for (name, value) in [
        ("CONFLUENT_CLOUD_API_KEY", "K"),
        ("CONFLUENT_CLOUD_API_SECRET", "S"),
        ("TIDBCLOUD_PUBLIC_KEY", "P"),
        ("TIDBCLOUD_PRIVATE_KEY", "Q"),
    ] {
        command.env(name, value);
    }
    let unreachable = run_command(command);
    assert_eq!(unreachable.code, 2, "{}", unreachable.transcript());
    assert!(unreachable.stdout.contains("\"PL007\""), "the offline report: {}", unreachable.stdout);
    assert!(unreachable.stderr.contains("not looked up online"), "{}", unreachable.stderr);

    // A file with errors is reported offline and not looked up.
    let broken = linkplan(&["lint", "--online", "--sandbox", "fixtures/lint/CL001/fail_standard_cluster.yaml"]);
    assert_eq!(broken.code, 1, "{}", broken.transcript());
}

/// `LINKPLAN_*_URL` in the environment (as after `. ./sim.env`) do not get in the way of
/// `--sandbox`, which ignores them; the flags themselves conflict with it.
#[test]
fn url_variables_are_ignored_by_the_sandbox_and_the_url_flags_conflict_with_it() {
    let mut command = linkplan_command(&["plan", "--sandbox", "examples/orders-cdc.yaml"]);
    command
        .env("LINKPLAN_CONFLUENT_URL", "https://confluent.invalid")
        .env("LINKPLAN_TIDBCLOUD_URL", "http://example.com");
    let run = run_command(command);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("+ "), "{}", run.stdout);

    for flag in ["--confluent-url", "--tidbcloud-url"] {
        let run = linkplan(&["plan", "--sandbox", flag, "https://api.example.com", "examples/orders-cdc.yaml"]);
        assert_eq!(run.code, 1, "{}", run.transcript());
        assert!(run.stderr.contains("--sandbox") && run.stderr.contains(flag), "{}", run.stderr);
    }
}

/// A bad base URL is refused before any request: from a flag, the error names the flag; from
/// the environment, the variable and the flag that overrides it.
#[test]
fn a_bad_base_url_names_where_it_came_from() {
    let keys = [
        ("CONFLUENT_CLOUD_API_KEY", "KEY"),
        ("CONFLUENT_CLOUD_API_SECRET", "SECRET"),
        ("TIDBCLOUD_PUBLIC_KEY", "PUBLIC"),
        ("TIDBCLOUD_PRIVATE_KEY", "PRIVATE"),
    ];
    let plan = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = linkplan_command(&[&["plan"], args, &["examples/orders-cdc.yaml"]].concat());
        command
            .env_remove("LINKPLAN_CONFLUENT_URL")
            .env_remove("LINKPLAN_TIDBCLOUD_URL")
            .envs(keys)
            .envs(env.iter().copied());
        run_command(command)
    };
    let flag = plan(&["--tidbcloud-url", "http://example.com"], &[]);
    assert_eq!(flag.code, 1, "{}", flag.transcript());
    assert!(
        flag.stderr.contains("`http://example.com`") && flag.stderr.contains("fix --tidbcloud-url"),
        "{}",
        flag.stderr
    );
    assert!(flag.stderr.contains("https://"), "{}", flag.stderr);

    let scheme = plan(&["--confluent-url", "ftp://api.example.com"], &[]);
    assert_eq!(scheme.code, 1, "{}", scheme.transcript());
    assert!(scheme.stderr.contains("fix --confluent-url"), "{}", scheme.stderr);

    let variable = plan(&[], &[("LINKPLAN_CONFLUENT_URL", "http://example.com")]);
    assert_eq!(variable.code, 1, "{}", variable.transcript());
    assert!(
        variable.stderr.contains("fix LINKPLAN_CONFLUENT_URL (or override it with --confluent-url)"),
        "{}",
        variable.stderr
    );

    // The flag wins over the variable, so a good flag covers a bad variable: then the
    // TiDB URL's error is the first.
    let both = plan(
        &["--confluent-url", "https://confluent.invalid", "--tidbcloud-url", "http://example.com"],
        &[("LINKPLAN_CONFLUENT_URL", "http://example.com")],
    );
    assert_eq!(both.code, 1, "{}", both.transcript());
    assert!(both.stderr.contains("TiDB Cloud") && both.stderr.contains("fix --tidbcloud-url"), "{}", both.stderr);
    for run in [&flag, &scheme, &variable, &both] {
        assert!(!run.stderr.contains("SECRET") && !run.stderr.contains("PRIVATE"), "{}", run.stderr);
    }
}

/// `-vv` on a whole sandbox apply: one line per HTTP attempt with method, path, status, vendor,
/// request id, attempt and duration, and not one credential, `Authorization` header or Digest
/// response anywhere; `-vvv` (a plan: Basic and Digest both) neither. No colour codes when
/// standard error is not a terminal, even without `NO_COLOR`.
#[test]
fn verbose_sandbox_runs_log_requests_and_never_a_credential() {
    let dir = TempDir::new("verbose-sandbox");
    let journal = dir.path().join("apply.jsonl").display().to_string();
    let args = ["apply", "--sandbox", "--auto-approve", "-vv", "examples/orders-cdc.yaml", "--journal", &journal];
    let mut command = linkplan_command(&args);
    command.env_remove("NO_COLOR");
    let apply = run_command(command);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    let line = apply
        .stderr
        .lines()
        .find(|l| l.contains("POST /networking/v1/private-link-accesses 202"))
        .unwrap_or_else(|| panic!("no request line: {}", apply.stderr));
    for field in ["linkplan::http", "vendor=\"confluent\"", "request_id=\"", "attempt=1", "elapsed_ms="] {
        assert!(line.contains(field), "`{field}` missing: {line}");
    }
    assert!(apply.stderr.contains("GET /v1beta1/clusters/10140100115280519574 401"), "the Digest challenge is logged");
    assert!(apply.stderr.contains("attempt=2"), "the answer to the challenge is attempt 2");
    assert!(!apply.stderr.contains('\x1b'), "no ANSI codes into a pipe: {}", apply.stderr);

    let trace = linkplan(&["plan", "--sandbox", "-vvv", "examples/orders-cdc.yaml"]);
    assert_eq!(trace.code, 0, "{}", trace.transcript());
    assert!(trace.stderr.contains("GET /networking/v1/networks 200"), "{}", trace.stderr);

    let credentials = linkplan_sim::World::example().credentials;
    let mut secrets: Vec<String> = Vec::new();
    for key in &credentials.confluent {
        secrets.extend([key.key.clone(), key.secret.clone()]);
    }
    for key in &credentials.tidbcloud {
        secrets.extend([key.public_key.clone(), key.private_key.clone()]);
    }
    assert!(secrets.len() >= 4 && secrets.iter().all(|s| s.len() >= 8), "the example world has keys");
    let journal_text = std::fs::read_to_string(&journal).expect("the file reads");
    assert!(!journal_text.is_empty());
    for text in [&apply.stdout, &apply.stderr, &trace.stdout, &trace.stderr, &journal_text] {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a credential leaked");
        }
        for marker in ["Authorization", "authorization", "Digest username", "response=", "Basic "] {
            assert!(!text.contains(marker), "`{marker}` in the output");
        }
    }
}

/// An API key variable that is set but empty (or only blanks) says so, rather than "not set";
/// an unset one still says "not set". Both before any request.
#[test]
fn an_empty_key_variable_is_reported_as_empty() {
    let keys = [
        ("CONFLUENT_CLOUD_API_KEY", "KEY"),
        ("CONFLUENT_CLOUD_API_SECRET", "SECRET"),
        ("TIDBCLOUD_PUBLIC_KEY", "PUBLIC"),
        ("TIDBCLOUD_PRIVATE_KEY", "PRIVATE"),
    ];
    let plan = |env: &[(&str, &str)], unset: &[&str]| {
        let mut command = linkplan_command(&["plan", "examples/orders-cdc.yaml"]);
        // Nothing to reach: a request would fail with a connection error, not a key error.
        command
            .env("LINKPLAN_CONFLUENT_URL", "http://127.0.0.1:9")
            .env("LINKPLAN_TIDBCLOUD_URL", "http://127.0.0.1:9")
            .envs(keys)
            .envs(env.iter().copied());
        for name in unset {
            command.env_remove(name);
        }
        run_command(command)
    };
    for (name, value) in
        [("CONFLUENT_CLOUD_API_KEY", ""), ("TIDBCLOUD_PUBLIC_KEY", ""), ("TIDBCLOUD_PRIVATE_KEY", "  ")]
    {
        let run = plan(&[(name, value)], &[]);
        assert_ne!(run.code, 0, "{}", run.transcript());
        let said = unwrapped(&run.stderr);
        assert!(said.contains(&format!("API key variables set but empty: {name}")), "{}", run.stderr);
        assert!(!said.contains("not set"), "{}", run.stderr);
    }
    let unset = plan(&[], &["CONFLUENT_CLOUD_API_SECRET"]);
    assert_ne!(unset.code, 0, "{}", unset.transcript());
    let said = unwrapped(&unset.stderr);
    assert!(said.contains("API key variables not set: CONFLUENT_CLOUD_API_SECRET"), "{}", unset.stderr);
    // Every missing or empty variable is named at once, both vendors'.
    let all = ["CONFLUENT_CLOUD_API_KEY", "CONFLUENT_CLOUD_API_SECRET", "TIDBCLOUD_PRIVATE_KEY"];
    let many = plan(&[("TIDBCLOUD_PUBLIC_KEY", "")], &all);
    let said = unwrapped(&many.stderr);
    assert!(
        said.contains(
            "API key variables not set: CONFLUENT_CLOUD_API_KEY, CONFLUENT_CLOUD_API_SECRET, TIDBCLOUD_PRIVATE_KEY; \
             set but empty: TIDBCLOUD_PUBLIC_KEY"
        ),
        "{}",
        many.stderr
    );
}

/// With no network, the error names the host and the cause (refused, DNS), not only the vendor.
#[test]
fn no_network_names_the_host_and_the_cause() {
    let keys = [
        ("CONFLUENT_CLOUD_API_KEY", "KEY"),
        ("CONFLUENT_CLOUD_API_SECRET", "SECRET"),
        ("TIDBCLOUD_PUBLIC_KEY", "PUBLIC"),
        ("TIDBCLOUD_PRIVATE_KEY", "PRIVATE"),
    ];
    let mut command = linkplan_command(&["plan", "examples/orders-cdc.yaml"]);
    command
        .env("LINKPLAN_CONFLUENT_URL", "http://127.0.0.1:9")
        .env("LINKPLAN_TIDBCLOUD_URL", "http://127.0.0.1:9")
        .envs(keys);
    let run = run_command(command);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let said = unwrapped(&run.stderr);
    assert!(said.contains("could not connect to 127.0.0.1:9 for GET"), "{}", run.stderr);
    assert!(said.contains("connection refused"), "{}", run.stderr);
}

/// An error report's words on one line (miette wraps them, with a `|` gutter).
fn unwrapped(report: &str) -> String {
    report.split_whitespace().filter(|word| *word != "|").collect::<Vec<_>>().join(" ")
}

/// The runbook's rules live in the linter: with the live facts merged in, a network in another
/// region or without a shared zone stops plan, apply and status before anything is created,
/// with the rule's code pointing at the key the fact was looked up by.
#[test]
fn the_live_facts_go_through_the_linter_before_anything_is_planned() {
    // The example without what the clouds can say (the network's zones, subdomain and
    // service; its region is required), so the live values fill them in.
    let sparse: String = example()
        .lines()
        .filter(|l| !["    zones:", "    dns_subdomain:", "  vpc_service_endpoint:"].iter().any(|k| l.starts_with(k)))
        .map(|l| format!("{l}\n"))
        .collect();
    // The network in us-west-2 (declared so, as the schema needs a region): RG002 offline too,
    // so the cross-region case is the service name the live facts bring.
    let cross = sparse.replace("id: n-abc123", "id: n-w2x9k4");
    let dir = TempDir::new("live-gate");
    let cases = [
        ("cross-region", dir.write("cross.yaml", cross), "RG002"),
        ("no-shared-az", dir.write("no-az.yaml", sparse), "AZ003"),
    ];
    for (world, plan, code) in cases {
        let world = format!("fixtures/sim/worlds/{world}.yaml");
        let plan = plan.display().to_string();
        let journal = dir.path().join("journal.jsonl").display().to_string();
        for args in [
            vec!["plan", "--sandbox", "--world", &world, "--detailed-exitcode", &plan],
            vec!["apply", "--sandbox", "--world", &world, "--auto-approve", "--journal", &journal, &plan],
            vec!["status", "--sandbox", "--world", &world, &plan],
        ] {
            let run = linkplan(&args);
            assert_eq!(run.code, 1, "{args:?}: {}", run.transcript());
            assert!(run.stdout.contains(code), "{args:?}: {}", run.transcript());
            assert!(run.stderr.contains("merged with the live values: nothing was created"), "{}", run.transcript());
            assert!(!run.stdout.contains("Plan:"), "no plan is made: {}", run.transcript());
        }
    }
}

/// A plan file that is a FIFO is refused unopened by every command that reads one (opening it
/// would wait for a writer forever); an empty URL variable is an error, not the production URL.
#[cfg(unix)]
#[test]
fn a_fifo_plan_and_an_empty_url_variable_are_refused() {
    let dir = TempDir::new("plan-fifo");
    let fifo = dir.path().join("plan.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", fifo.display());
    let fifo = fifo.display().to_string();
    let journal = dir.path().join("journal.jsonl").display().to_string();
    for args in [
        vec!["plan", "--sandbox", &fifo],
        vec!["apply", "--sandbox", "--auto-approve", "--journal", &journal, &fifo],
        vec!["destroy", "--sandbox", "--auto-approve", "--journal", &journal, &fifo],
        vec!["status", "--sandbox", &fifo],
    ] {
        let run = crate::lint::linkplan_within_30s(&args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.transcript());
        assert!(unwrapped(&run.stderr).contains("it is a named pipe (FIFO), not a regular file"), "{}", run.stderr);
    }

    let mut command = linkplan_command(&["plan", "examples/orders-cdc.yaml"]);
    command
        .env("LINKPLAN_CONFLUENT_URL", "")
        .env("CONFLUENT_CLOUD_API_KEY", "KEY")
        .env("CONFLUENT_CLOUD_API_SECRET", "SECRET")
        .env("TIDBCLOUD_PUBLIC_KEY", "PUBLIC")
        .env("TIDBCLOUD_PRIVATE_KEY", "PRIVATE");
    let run = run_command(command);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(unwrapped(&run.stderr).contains("LINKPLAN_CONFLUENT_URL is set but empty"), "{}", run.stderr);
}

/// `--replace` takes step ids as `plan` prints them: anything else is refused, and an id that
/// replaces nothing (no such step, or nothing forces it) is said, not silently ignored.
#[test]
fn replace_takes_step_ids_and_says_when_it_replaces_nothing() {
    for bad in ["orders", "confluent.clusters/n-abc123/orders", "confluent.cluster/", "confluent.cluster/a//b"] {
        let run = linkplan(&["plan", "--sandbox", "--replace", bad, "examples/orders-cdc.yaml"]);
        assert_eq!(run.code, 1, "{bad}: {}", run.transcript());
        assert!(run.stderr.contains(&format!("`{bad}` is not a step id")), "{bad}: {}", run.stderr);
    }
    let unused = "confluent.cluster/n-abc123/orders";
    let run = linkplan(&["plan", "--sandbox", "--replace", unused, "examples/orders-cdc.yaml"]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(unwrapped(&run.stderr).contains(&format!("--replace {unused}: nothing is replaced")), "{}", run.stderr);
}
