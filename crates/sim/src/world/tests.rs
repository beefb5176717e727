//! Reading worlds through `World::from_yaml`: the example, bad worlds, seeded connections, fault
//! syntax, and where errors point.

use super::{EXAMPLE_WORLD, World};
use crate::SimError;

#[test]
fn the_example_world_parses_and_matches_the_example_plan() {
    let w = World::from_yaml(EXAMPLE_WORLD).expect("example world parses");
    assert_eq!(w, World::example());
    let c = &w.tidbcloud.clusters[0];
    assert_eq!(
        (c.id.as_str(), c.region.as_str(), c.aws_account_id.as_str()),
        ("10140100115280519574", "us-east-1", "123456789012")
    );
    let n = &w.confluent.networks[0];
    assert_eq!(n.id, "n-abc123");
    assert_eq!(n.service_name, "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0");
    assert_eq!(n.dns_domain_id, "domnprzqrog");
}

#[test]
fn bad_worlds_are_errors_not_panics() {
    assert!(World::from_yaml("").is_ok_and(|w| w == World::empty()));
    let bad_network = "confluent:\n  environments: [{id: env-x, display_name: x}]\n  networks:\n    - {id: n-1, environment: env-x, region: r, zones: [a], dns_domain_id: d, service_name: s}\n";
    for text in ["credentials: 5", "unknown_key: 1", "tidbcloud: {clusters: [{id: 1}]}", "[", bad_network] {
        assert!(World::from_yaml(text).is_err(), "{text}");
    }
}

/// The example world plus one seeded connection (YAML flow mapping) and maybe an access.
fn with_connection(connection: &str, access: bool) -> String {
    let mut text = EXAMPLE_WORLD.replacen(
        "\nconfluent:",
        &format!("  private_link_connections:\n    - {connection}\n\nconfluent:"),
        1,
    );
    if access {
        text.push_str(
            "  private_link_accesses:\n    - {id: pla-1, environment: env-abc123, network: n-abc123, account: \"123456789012\"}\n",
        );
    }
    text
}

const ACTIVE: &str = "{id: plc-1, cluster_id: \"10140100115280519574\", display_name: c, \
                      service_name: com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";

#[test]
fn seeded_connections_must_be_consistent() {
    let ok = with_connection(&format!("{ACTIVE}, domains: [{{unique_name: domnprzqrog.us-east-1}}]}}"), true);
    let w = World::from_yaml(&ok).expect("an ACTIVE connection with its access parses");
    let p = &w.tidbcloud.private_link_connections[0];
    assert_eq!(
        (p.state.as_str(), p.domains[0].kind.as_str(), p.domains[0].state.as_str()),
        ("ACTIVE", "CONFLUENT", "ACTIVE")
    );

    let cases = [
        (with_connection(&format!("{ACTIVE}}}"), false), "no READY private link access on network n-abc123"),
        (with_connection(&format!("{ACTIVE}, state: PENDING_ACCEPTANCE}}"), false), ""),
        (
            with_connection(&format!("{ACTIVE}, state: PENDING_ACCEPTANCE, domains: [{{unique_name: x}}]}}"), true),
            "only be attached to an ACTIVE connection",
        ),
        (
            with_connection(&format!("{ACTIVE}, domains: [{{unique_name: other.us-east-1}}]}}"), true),
            "must be domnprzqrog.us-east-1",
        ),
        (
            with_connection(
                &format!(
                    "{ACTIVE}, domains: [{{id: \"1\", type: TIDBCLOUD_MANAGED, unique_name: a}}, {{id: \"1\", type: TIDBCLOUD_MANAGED, unique_name: b}}]}}"
                ),
                true,
            ),
            "used twice",
        ),
        (with_connection(&format!("{ACTIVE}, state: RUNNING}}"), true), "private link connection state must be one of"),
        (
            with_connection(
                &format!(
                    "{ACTIVE}, domains: [{{unique_name: domnprzqrog.us-east-1}}, {{unique_name: domnprzqrog.us-east-1}}]}}"
                ),
                true,
            ),
            "is attached twice",
        ),
        (with_connection(&format!("{ACTIVE}, x: 1}}"), true), "unknown field"),
        (
            with_connection(&format!("{}}}", ACTIVE.replace("10140100115280519574", "404")), true),
            "unknown TiDB cluster 404",
        ),
        (
            with_connection(
                &format!("{}}}", ACTIVE.replace("us-east-1.vpce-svc-0123456789abcdef0", "us-east-1.vpce-svc-1")),
                true,
            ),
            "no READY network has service name",
        ),
    ];
    for (text, want) in cases {
        match World::from_yaml(&text) {
            Ok(_) if want.is_empty() => {}
            Ok(_) => panic!("expected an error containing {want:?}"),
            Err(e) => assert!(!want.is_empty() && e.to_string().contains(want), "{want:?}: {e}"),
        }
    }
    let no_access = with_connection(&format!("{ACTIVE}}}"), false);
    let (_, _, text, _) = located(&no_access);
    assert_eq!(text, "plc-1");
}

/// A seeded ACTIVE connection is judged by the simulator's own link rule (`State::link`): the error
/// gives the vendor's message a created connection would get, and the world's object to fix.
#[test]
fn seeded_active_connections_are_judged_by_the_link_rule() {
    let cases = [
        (
            with_connection(&format!("{ACTIVE}}}"), false),
            "is ACTIVE, but the simulator would make it FAILED: endpoint service \
             com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0 is not available to AWS account 123456789012: \
             the service does not allow the account as a principal (no READY private link access on network \
             n-abc123 allows account 123456789012); seed it as PENDING_ACCEPTANCE or FAILED, or fix the world",
        ),
        (
            with_connection(&format!("{ACTIVE}, region: us-west-2}}"), true),
            "is in region us-east-1, not in us-west-2 (the connection's awsEndpointService.region) (network n-abc123)",
        ),
        (
            with_connection(&format!("{ACTIVE}}}"), true)
                .replace("      region: us-east-1\n      cloud: aws", "      region: us-west-2\n      cloud: aws"),
            "but TiDB cluster 10140100115280519574 is in region us-west-2",
        ),
        (
            with_connection(&format!("{ACTIVE}}}"), true)
                .replace("[use1-az1, use1-az2, use1-az4]\n      project_id", "[use1-az3]\n      project_id"),
            "no availability zone in common with the cluster (service: use1-az1, use1-az2, use1-az4; cluster: \
             use1-az3) (network n-abc123)",
        ),
        (
            with_connection(&format!("{ACTIVE}}}"), true)
                .replace("      dns_resolution: PRIVATE", "      dns_resolution: PRIVATE\n      phase: PROVISIONING"),
            "endpoint service com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0 does not exist in region \
             us-east-1, or is not available (no READY network has service name",
        ),
    ];
    for (text, want) in cases {
        match World::from_yaml(&text) {
            Ok(_) => panic!("expected an error containing {want:?}"),
            Err(e) => assert!(e.to_string().contains(want), "{want:?}: {e}"),
        }
    }
    // The owner of a service that requires acceptance accepted a seeded ACTIVE connection.
    let accepting = with_connection(&format!("{ACTIVE}}}"), true)
        .replace("      dns_resolution: PRIVATE", "      dns_resolution: PRIVATE\n      acceptance_required: true");
    assert!(World::from_yaml(&accepting).is_ok());
}

#[test]
fn every_fault_action_has_a_yaml_form() {
    use crate::faults::FaultAction;
    let text = "faults:\n  - action: drop\n  - action: drop_after_apply\n  - action: { rate_limit: {} }\n  \
                - action: { server_error: {} }\n  - action: { unavailable: { retry_after: 30 } }\n  \
                - { vendor: confluent, method: get, path: /cmk, after: 1, times: 2, action: { slow: { millis: 5 } } }\n  \
                - action: { hang: { after_apply: true } }\n";
    let w = World::from_yaml(text).expect("faults parse");
    let actions: Vec<FaultAction> = w.faults.iter().map(|f| f.action).collect();
    assert_eq!(
        actions,
        [
            FaultAction::Drop,
            FaultAction::DropAfterApply,
            FaultAction::RateLimit { retry_after: 1 },
            FaultAction::ServerError { status: 503 },
            FaultAction::Unavailable { retry_after: 30 },
            FaultAction::Slow { millis: 5 },
            FaultAction::Hang { millis: 60_000, after_apply: true },
        ]
    );
    assert_eq!((w.faults[5].after, w.faults[5].times, w.faults[0].times), (1, Some(2), None));
    assert!(World::from_yaml("faults:\n  - action: { slow: {} }\n").is_err(), "slow needs millis");
}

fn located(text: &str) -> (usize, usize, String, String) {
    match World::from_yaml(text) {
        Err(SimError::World { location: Some(l), message, .. }) => {
            (l.line, l.column, text[l.offset..l.offset + l.len].to_owned(), message)
        }
        other => panic!("expected a located world error, got {other:?}"),
    }
}

#[test]
fn errors_point_at_the_line() {
    let typo = EXAMPLE_WORLD.replace("  environments:", "  environmentz:");
    let (line, _, text, message) = located(&typo);
    assert_eq!(line, 31, "{message}");
    assert_eq!(text, "environmentz");
    assert!(message.contains("environmentz"), "{message}");
    assert!(!message.contains("at line"), "{message}");

    let syntax = "credentials:\n  confluent: [\n";
    let (line, ..) = located(syntax);
    assert!(line >= 2, "{line}");

    let unknown_env = EXAMPLE_WORLD.replace("      environment: env-abc123", "      environment: env-nope");
    let (line, column, text, message) = located(&unknown_env);
    assert_eq!((line, column, text.as_str()), (36, 20, "env-nope"), "{message}");
    assert!(message.contains("unknown environment env-nope"));

    let bad_phase =
        EXAMPLE_WORLD.replace("      dns_resolution: PRIVATE", "      dns_resolution: PRIVATE\n      phase: RUNNING");
    let (line, _, text, _) = located(&bad_phase);
    assert_eq!((line, text.as_str()), (45, "RUNNING"));
}

#[test]
fn tables_gc_and_credentials_seed_and_are_checked() {
    let w = World::example();
    let c = &w.tidbcloud.clusters[0];
    let tables: Vec<(&str, &str, bool)> = c
        .databases
        .iter()
        .flat_map(|db| db.tables.iter().map(move |t| (db.name.as_str(), t.name.as_str(), t.handle_key)))
        .collect();
    assert!(tables.contains(&("orders", "customers", true)) && tables.contains(&("orders", "audit_log", false)));
    assert_eq!((c.gc_safe_point.as_deref(), c.gc_life_time), (None, 600.0));

    let with = |cluster_keys: &str, confluent_keys: &str| {
        EXAMPLE_WORLD.replacen("      databases:\n", &format!("{cluster_keys}      databases:\n"), 1).replacen(
            "\n  networks:\n",
            &format!("\n{confluent_keys}  networks:\n"),
            1,
        )
    };
    let good = with(
        "      gc_safe_point: \"2025-12-31T00:00:00Z\"\n",
        "  service_accounts: [{id: sa-1, display_name: cdc}]\n  api_keys: [{id: KEY1, secret: s, owner: sa-1}]\n  \
         role_bindings: [{id: rb-1, principal: \"User:sa-1\", role_name: DeveloperWrite, crn_pattern: \
         \"crn://confluent.cloud/organization=11111111-2222-4333-8444-555555555555/environment=env-abc123\"}]\n",
    );
    let w = World::from_yaml(&good).expect("a world with credentials parses");
    assert_eq!(w.confluent.api_keys[0].owner, "sa-1");
    assert!(!format!("{:?}", w.confluent.api_keys[0]).contains("secret: \"s\""), "Debug redacts the secret");
    for (bad, says) in [
        (with("      gc_safe_point: yesterday\n", ""), "gc_safe_point must be an RFC 3339"),
        (with("      gc_life_time: -1\n", ""), "gc_life_time"),
        (with("", "  service_accounts: [{id: sa-1, display_name: a}, {id: sa-2, display_name: a}]\n"), "unique"),
        (with("", "  api_keys: [{id: K, secret: s, owner: sa-nope}]\n"), "owner sa-nope"),
        (with("", "  api_keys: [{id: K, secret: \"\", owner: u-1}]\n"), "non-empty secret"),
        (with("", "  api_keys: [{id: K, secret: s, owner: u-1, resource: lkc-nope}]\n"), "not a Kafka cluster"),
        (
            with("", "  role_bindings: [{id: rb-1, principal: sa-1, role_name: DeveloperWrite, crn_pattern: x}]\n"),
            "principal",
        ),
        (
            with("", "  role_bindings: [{id: rb-1, principal: \"User:u-1\", role_name: Writer, crn_pattern: x}]\n"),
            "role_name",
        ),
        (
            with(
                "",
                "  role_bindings: [{id: rb-1, principal: \"User:u-1\", role_name: DeveloperWrite, crn_pattern: \
                 \"crn://confluent.cloud/organization=other\"}]\n",
            ),
            "crn_pattern must start with",
        ),
    ] {
        let e = World::from_yaml(&bad).expect_err(says);
        assert!(e.to_string().contains(says), "{says}: {e}");
    }
    let system = EXAMPLE_WORLD.replace("        - name: billing\n", "        - name: mysql\n");
    assert!(World::from_yaml(&system).expect_err("system schema").to_string().contains("system schema"));
    let twice = EXAMPLE_WORLD.replace("tables: [invoices]", "tables: [invoices, Invoices]");
    assert!(World::from_yaml(&twice).is_err(), "table names are unique, ignoring case");
}
