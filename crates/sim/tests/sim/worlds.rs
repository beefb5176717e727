//! The seeded worlds in `fixtures/sim/worlds/`: every file loads and agrees with the plans its
//! header names, and each world behaves over HTTP the way its header says.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use linkplan_sim::{Sim, SimConfig, World};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::util::{ACCOUNT, CLUSTER, ENV, Harness, NETWORK, SERVICE, dedicated_cluster};

/// The worlds the engine's end-to-end tests rely on; more may exist.
const REQUIRED: [&str; 7] = [
    "example.yaml",
    "create-network.yaml",
    "cross-region.yaml",
    "no-shared-az.yaml",
    "already-connected.yaml",
    "flaky.yaml",
    "failed-cluster.yaml",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn worlds_dir() -> PathBuf {
    root().join("fixtures/sim/worlds")
}

fn world(name: &str) -> World {
    let path = worlds_dir().join(name);
    World::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

async fn harness(name: &str) -> Harness {
    Harness::with_world(world(name)).await
}

/// Every `*.yaml` in the worlds directory, sorted.
fn world_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(worlds_dir())
        .expect("fixtures/sim/worlds exists")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    files
}

/// The plan paths named by `Plan: <path>` in the leading comment block.
fn header_plans(text: &str) -> Vec<String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .flat_map(|l| l.split("Plan: ").skip(1).filter_map(|rest| rest.split_whitespace().next()))
        .map(|p| p.trim_end_matches(['.', ',', ';']).to_owned())
        .collect()
}

fn strings(v: &Value) -> BTreeSet<&str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str).collect()
}

/// Each fact the plan declares matches the world; ids the plan names exist in it.
fn check_plan_against_world(plan_path: &str, plan: &Value, world: &World) -> Result<(), String> {
    let tidb = &plan["tidb"];
    let cluster_id = tidb["cluster_id"].as_str().ok_or("no tidb.cluster_id")?;
    let c = world
        .tidbcloud
        .clusters
        .iter()
        .find(|c| c.id == cluster_id)
        .ok_or_else(|| format!("TiDB cluster {cluster_id} is not in the world"))?;
    let differs = |what: &str| Err(format!("{plan_path}: {what} differs from the world"));
    if tidb["region"].as_str().is_some_and(|r| r != c.region) {
        return differs("tidb.region");
    }
    if tidb["aws_account_id"].as_str().is_some_and(|a| a != c.aws_account_id) {
        return differs("tidb.aws_account_id");
    }
    if tidb["availability_zones"].is_array()
        && strings(&tidb["availability_zones"]) != c.availability_zones.iter().map(String::as_str).collect()
    {
        return differs("tidb.availability_zones");
    }
    let confluent = &plan["confluent"];
    let env = confluent["environment"].as_str().ok_or("no confluent.environment")?;
    if !world.confluent.environments.iter().any(|e| e.id == env) {
        return Err(format!("environment {env} is not in the world"));
    }
    let network = &confluent["network"];
    if network["create"] == json!(true) {
        // Other networks may be there (none of which fits, as `init` found); not one by this name.
        let name = network["display_name"].as_str();
        if world
            .confluent
            .networks
            .iter()
            .any(|n| n.environment == env && (name.is_none() || n.display_name.as_deref() == name))
        {
            return Err(format!("{plan_path} creates its network, but {env} already has it"));
        }
        return Ok(());
    }
    let nid = network["id"].as_str().ok_or("neither network.id nor network.create")?;
    let n = world
        .confluent
        .networks
        .iter()
        .find(|n| n.id == nid)
        .ok_or_else(|| format!("network {nid} is not in the world"))?;
    if network["region"].as_str().is_some_and(|r| r != n.region) {
        return differs("confluent.network.region");
    }
    if network["zones"].is_array() && strings(&network["zones"]) != n.zones.iter().map(String::as_str).collect() {
        return differs("confluent.network.zones");
    }
    if confluent["vpc_service_endpoint"].as_str().is_some_and(|s| s != n.service_name) {
        return differs("confluent.vpc_service_endpoint");
    }
    let unique = plan["private_link_connection"]["domains"]["unique_name"].as_str();
    if unique.is_some_and(|u| u != format!("{}.{}", n.dns_domain_id, n.region)) {
        return differs("private_link_connection.domains.unique_name");
    }
    Ok(())
}

#[tokio::test]
async fn every_world_file_loads_starts_and_agrees_with_its_plans() {
    let files = world_files();
    let names: BTreeSet<String> =
        files.iter().filter_map(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).collect();
    for required in REQUIRED {
        assert!(names.contains(required), "fixtures/sim/worlds/{required} is missing");
    }
    let mut problems = Vec::new();
    for path in &files {
        let shown = path.strip_prefix(root()).unwrap_or(path).display().to_string();
        let world = match World::from_path(path) {
            Ok(w) => w,
            Err(e) => {
                problems.push(format!("{shown}: {e}"));
                continue;
            }
        };
        if world.credentials.confluent.is_empty() || world.credentials.tidbcloud.is_empty() {
            problems.push(format!("{shown}: needs credentials for both vendors"));
        }
        let text = std::fs::read_to_string(path).expect("readable");
        let plans = header_plans(&text);
        if plans.is_empty() {
            problems.push(format!("{shown}: the header comment names no `Plan: <path>`"));
        }
        for plan_path in plans {
            let plan_text = match std::fs::read_to_string(root().join(&plan_path)) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{shown}: plan {plan_path}: {e}"));
                    continue;
                }
            };
            let checked = serde_saphyr::from_str::<Value>(&plan_text)
                .map_err(|e| format!("not YAML: {e}"))
                .and_then(|plan| check_plan_against_world(&plan_path, &plan, &world));
            if let Err(e) = checked {
                problems.push(format!("{shown}: plan {plan_path}: {e}"));
            }
        }
        // The vendors' limits hold in every shipped world (a test that must go without says so).
        let limits = world.rate_limits;
        if !limits.enforce || limits.tidbcloud_per_minute != 100 {
            problems.push(format!("{shown}: rate limits are not TiDB Cloud's documented 100 a minute, enforced"));
        }
        match Sim::start(world, SimConfig::explicit()).await {
            Ok(sim) => sim.shutdown().await,
            Err(e) => problems.push(format!("{shown}: does not start: {e}")),
        }
    }
    assert!(problems.is_empty(), "broken worlds:\n{}", problems.join("\n"));
}

#[test]
fn the_example_file_is_the_built_in_world() {
    assert_eq!(world("example.yaml"), World::example());
    assert!(World::example().rate_limits.enforce, "the built-in world enforces the rate limits");
}

// --- helpers over HTTP --------------------------------------------------------------------------

fn plcs_path() -> String {
    format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections")
}

async fn create_access(h: &Harness, network: &str) -> Value {
    let body = json!({ "spec": {
        "display_name": "tidb-orders-cdc",
        "cloud": { "kind": "AwsPrivateLinkAccess", "account": ACCOUNT },
        "network": { "id": network },
        "environment": { "id": ENV },
    }});
    let r = h.cf(Method::POST, "/networking/v1/private-link-accesses", Some(body)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    r.body
}

async fn create_connection(h: &Harness, service: &str) -> String {
    let body = json!({ "privateLinkConnection": {
        "clusterId": CLUSTER,
        "displayName": "confluent-orders",
        "type": "AWS_ENDPOINT_SERVICE",
        "awsEndpointService": { "name": service },
    }});
    let r = h.ti(Method::POST, &plcs_path(), Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["state"], "CREATING");
    r.body["privateLinkConnectionId"].as_str().expect("connection id").to_owned()
}

async fn connection(h: &Harness, id: &str) -> Value {
    let r = h.ti(Method::GET, &format!("{}/{id}", plcs_path()), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

async fn networks(h: &Harness) -> Vec<Value> {
    let r = h.cf(Method::GET, &format!("/networking/v1/networks?environment={ENV}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["data"].as_array().expect("data").clone()
}

/// The network's endpoint service, once the access for TiDB's account on it is READY.
async fn ready_access_on_the_only_network(h: &Harness) -> String {
    let nets = networks(h).await;
    assert_eq!(nets.len(), 1, "{nets:?}");
    let net = nets[0]["id"].as_str().expect("network id");
    let pla = create_access(h, net).await;
    h.advance(60);
    let id = pla["id"].as_str().expect("access id");
    let r = h.cf(Method::GET, &format!("/networking/v1/private-link-accesses/{id}?environment={ENV}"), None).await;
    assert_eq!(r.body["status"]["phase"], "READY", "{}", r.body);
    nets[0]["status"]["cloud"]["private_link_endpoint_service"].as_str().expect("service name").to_owned()
}

// --- one test per world -------------------------------------------------------------------------

#[tokio::test]
async fn example_has_the_network_and_nothing_linkplan_makes() {
    let h = harness("example.yaml").await;
    let nets = networks(&h).await;
    assert_eq!(nets.len(), 1);
    assert_eq!((nets[0]["id"].as_str(), nets[0]["status"]["phase"].as_str()), (Some(NETWORK), Some("READY")));
    let plas = h.cf(Method::GET, &format!("/networking/v1/private-link-accesses?environment={ENV}"), None).await;
    assert_eq!(plas.body["data"], json!([]));
    let kafka = h.cf(Method::GET, &format!("/cmk/v2/clusters?environment={ENV}"), None).await;
    assert_eq!(kafka.body["data"], json!([]));
    let plcs = h.ti(Method::GET, &plcs_path(), None).await;
    assert_eq!(plcs.body["privateLinkConnections"], json!([]));
}

#[tokio::test]
async fn create_network_has_no_network_until_one_is_made() {
    let h = harness("create-network.yaml").await;
    let c = h.ti(Method::GET, &format!("/v1beta1/clusters/{CLUSTER}"), None).await;
    assert_eq!(c.body["state"], "ACTIVE");
    let env = h.cf(Method::GET, &format!("/org/v2/environments/{ENV}"), None).await;
    assert_eq!(env.status, StatusCode::OK);
    assert!(networks(&h).await.is_empty());

    // What `network: create: true` does: the network, with TiDB's zones, then the link.
    let r = h
        .cf(
            Method::POST,
            "/networking/v1/networks",
            Some(json!({ "spec": {
                "display_name": "orders-pl-use1", "cloud": "AWS", "region": "us-east-1",
                "connection_types": ["PRIVATELINK"], "zones": ["use1-az1", "use1-az2", "use1-az4"],
                "dns_config": { "resolution": "PRIVATE" }, "environment": { "id": ENV },
            }})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    h.advance(600);
    let service = ready_access_on_the_only_network(&h).await;
    assert!(service.starts_with("com.amazonaws.vpce.us-east-1.vpce-svc-"), "{service}");
    let id = create_connection(&h, &service).await;
    h.advance(60);
    assert_eq!(connection(&h, &id).await["state"], "ACTIVE");
}

#[tokio::test]
async fn cross_region_fails_the_connection_with_the_region_reason() {
    let h = harness("cross-region.yaml").await;
    let service = ready_access_on_the_only_network(&h).await;
    assert!(service.contains(".us-west-2."), "{service}");
    let id = create_connection(&h, &service).await;
    h.advance(60);
    let p = connection(&h, &id).await;
    assert_eq!(p["state"], "FAILED", "{p}");
    let message = p["message"].as_str().expect("message");
    assert!(
        message.contains(&format!("endpoint service {service} is in region us-west-2"))
            && message.contains(&format!("TiDB cluster {CLUSTER} is in region us-east-1")),
        "{p}"
    );
}

#[tokio::test]
async fn no_shared_az_fails_the_connection_naming_the_zones() {
    let h = harness("no-shared-az.yaml").await;
    let nets = networks(&h).await;
    assert_eq!(nets[0]["spec"]["region"], "us-east-1");
    let service = ready_access_on_the_only_network(&h).await;
    assert_eq!(service, SERVICE);
    let id = create_connection(&h, &service).await;
    h.advance(60);
    let p = connection(&h, &id).await;
    assert_eq!(p["state"], "FAILED", "{p}");
    let message = p["message"].as_str().expect("message");
    assert!(message.contains("availability zone") && message.contains("use1-az3"), "{p}");
}

#[tokio::test]
async fn already_connected_has_every_resource_and_stays_so() {
    let h = harness("already-connected.yaml").await;
    for _ in 0..2 {
        let plas = h.cf(Method::GET, &format!("/networking/v1/private-link-accesses?environment={ENV}"), None).await;
        let pla = &plas.body["data"][0];
        assert_eq!(plas.body["data"].as_array().map(Vec::len), Some(1));
        assert_eq!(pla["spec"]["cloud"]["account"], ACCOUNT);
        assert_eq!(pla["spec"]["network"]["id"], NETWORK);
        assert_eq!(pla["status"]["phase"], "READY");

        let kafka = h.cf(Method::GET, &format!("/cmk/v2/clusters?environment={ENV}"), None).await;
        let lkc = &kafka.body["data"][0];
        assert_eq!(kafka.body["data"].as_array().map(Vec::len), Some(1));
        assert_eq!(lkc["spec"]["display_name"], "orders");
        assert_eq!(lkc["spec"]["network"]["id"], NETWORK);
        assert_eq!(lkc["spec"]["config"], json!({ "kind": "Dedicated", "cku": 2 }));
        assert_eq!(lkc["spec"]["availability"], "MULTI_ZONE");
        assert_eq!(lkc["status"]["phase"], "PROVISIONED");

        let list = h.ti(Method::GET, &plcs_path(), None).await;
        assert_eq!(list.body["totalSize"], 1);
        let id = list.body["privateLinkConnections"][0]["privateLinkConnectionId"].as_str().expect("id").to_owned();
        let p = connection(&h, &id).await;
        assert_eq!(p["state"], "ACTIVE", "{p}");
        assert_eq!(p["displayName"], "confluent-orders");
        assert_eq!(p["awsEndpointService"]["name"], SERVICE);
        assert_eq!(p["awsEndpointService"]["endpointId"], "vpce-0f1e2d3c4b5a69788");
        assert_eq!(p["awsEndpointService"]["availabilityZoneIds"], json!(["use1-az1", "use1-az2", "use1-az4"]));
        let d = &p["attachedDomains"][0];
        assert_eq!(p["attachedDomains"].as_array().map(Vec::len), Some(1));
        assert_eq!((d["type"].as_str(), d["uniqueName"].as_str()), (Some("CONFLUENT"), Some("domnprzqrog.us-east-1")));
        assert_eq!(d["attachDomainId"], "7294617405182936401");
        let names: Vec<&str> =
            d["domains"].as_array().expect("domains").iter().filter_map(|x| x["name"].as_str()).collect();
        assert_eq!(
            names,
            [
                "*.domnprzqrog.us-east-1.aws.confluent.cloud",
                "*.use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud",
                "*.use1-az2.domnprzqrog.us-east-1.aws.confluent.cloud",
                "*.use1-az4.domnprzqrog.us-east-1.aws.confluent.cloud",
            ]
        );
        assert!(d["domains"].as_array().expect("domains").iter().all(|x| x["state"] == "ACTIVE"), "{d}");

        // Doing any step again is refused, as on the real APIs.
        let body = json!({ "spec": {
            "cloud": { "kind": "AwsPrivateLinkAccess", "account": ACCOUNT },
            "network": { "id": NETWORK }, "environment": { "id": ENV },
        }});
        let again = h.cf(Method::POST, "/networking/v1/private-link-accesses", Some(body)).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        let attach = format!("{}/{id}:attachDomains", plcs_path());
        let body = json!({ "attachDomain": { "type": "CONFLUENT", "uniqueName": "domnprzqrog.us-east-1" } });
        let again = h.ti(Method::POST, &attach, Some(body)).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

        h.advance(3600);
    }
}

#[tokio::test]
async fn flaky_storms_then_answers() {
    let h = harness("flaky.yaml").await;

    // 429 storm on the network routes: three times with Retry-After, then through.
    for _ in 0..3 {
        let r = h.cf(Method::GET, &format!("/networking/v1/networks?environment={ENV}"), None).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers["retry-after"], "1");
        assert!(r.body["errors"].is_array(), "{}", r.body);
    }
    assert_eq!(networks(&h).await.len(), 1);

    // 5xx burst on TiDB's connection reads (the cluster route is not affected).
    let c = h.ti(Method::GET, &format!("/v1beta1/clusters/{CLUSTER}"), None).await;
    assert_eq!(c.status, StatusCode::OK);
    let azs = format!("{}:getAvailabilityZones", plcs_path());
    for path in [plcs_path(), azs.clone(), plcs_path()] {
        let r = h.ti(Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(r.body["code"].is_i64(), "{}", r.body);
    }
    let r = h.ti(Method::GET, &azs, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Slow answers to Kafka cluster reads: the first is quick, the next two slow, then quick.
    let path = format!("/cmk/v2/clusters?environment={ENV}");
    let mut took = Vec::new();
    for _ in 0..4 {
        let start = Instant::now();
        let r = h.cf(Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::OK);
        took.push(start.elapsed());
    }
    let slow = Duration::from_millis(450);
    assert!(took[0] < slow && took[1] >= slow && took[2] >= slow && took[3] < slow, "{took:?}");

    // The faults are spent: the runbook goes through.
    let service = ready_access_on_the_only_network(&h).await;
    let id = create_connection(&h, &service).await;
    h.advance(60);
    assert_eq!(connection(&h, &id).await["state"], "ACTIVE");
}

#[tokio::test]
async fn failed_cluster_fails_the_dedicated_cluster_only() {
    let h = harness("failed-cluster.yaml").await;
    let r = h.cf(Method::POST, "/cmk/v2/clusters", Some(dedicated_cluster())).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let lkc = r.body["id"].as_str().expect("id").to_owned();
    let service = ready_access_on_the_only_network(&h).await;
    assert_eq!(service, SERVICE);
    h.advance(600);
    let r = h.cf(Method::GET, &format!("/cmk/v2/clusters/{lkc}?environment={ENV}"), None).await;
    assert_eq!(r.body["status"]["phase"], "FAILED", "{}", r.body);
}

// --- seeded connections in states other than ACTIVE ---------------------------------------------

/// The example world plus one seeded connection (and optional extra YAML in `tidbcloud:`).
fn example_with_connection(connection: &str) -> String {
    let seeded = format!("  private_link_connections:\n{connection}\n");
    linkplan_sim::world::EXAMPLE_WORLD.replacen("\nconfluent:", &format!("{seeded}\nconfluent:"), 1)
}

#[tokio::test]
async fn a_seeded_pending_connection_waits_for_the_owner_to_accept_it() {
    let yaml = example_with_connection(&format!(
        "    - {{ id: plc-seeded0000000000001, cluster_id: \"{CLUSTER}\", display_name: confluent-orders, \
         service_name: {SERVICE}, state: PENDING_ACCEPTANCE }}"
    ));
    let h = Harness::with_yaml(&yaml).await;
    let p = connection(&h, "plc-seeded0000000000001").await;
    assert_eq!(p["state"], "PENDING_ACCEPTANCE", "{p}");
    assert!(p["message"].as_str().expect("message").contains(ACCOUNT), "{p}");
    assert_eq!(p["attachedDomains"], json!([]));
    // An access does not accept an endpoint that already waits: its service's owner does.
    create_access(&h, NETWORK).await;
    h.advance(600);
    assert_eq!(connection(&h, "plc-seeded0000000000001").await["state"], "PENDING_ACCEPTANCE");
    let r = h.send(h.raw(Method::POST, "/_sim/resources/plc-seeded0000000000001/accept")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let p = connection(&h, "plc-seeded0000000000001").await;
    assert_eq!(p["state"], "ACTIVE", "{p}");
    assert!(p["awsEndpointService"]["endpointId"].as_str().is_some_and(|e| e.starts_with("vpce-")), "{p}");
}

#[tokio::test]
async fn seeded_failed_and_deleting_connections_follow_their_lifecycle() {
    let yaml = example_with_connection(&format!(
        "    - {{ id: plc-failed, cluster_id: \"{CLUSTER}\", display_name: old, service_name: {SERVICE}, state: FAILED }}\n\
         \x20   - {{ id: plc-going, cluster_id: \"{CLUSTER}\", display_name: older, service_name: {SERVICE}, state: DELETING }}"
    ));
    let h = Harness::with_yaml(&yaml).await;
    let p = connection(&h, "plc-failed").await;
    assert_eq!((p["state"].as_str(), p["message"].as_str()), (Some("FAILED"), Some("simulated failure")));
    assert_eq!(connection(&h, "plc-going").await["state"], "DELETING");
    h.advance(60);
    let r = h.ti(Method::GET, &format!("{}/plc-going", plcs_path()), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(connection(&h, "plc-failed").await["state"], "FAILED");
}

#[tokio::test]
async fn seeded_creating_domains_become_active_after_the_domain_delay() {
    let already = std::fs::read_to_string(worlds_dir().join("already-connected.yaml")).expect("world");
    let yaml = already.replace(
        "          unique_name: domnprzqrog.us-east-1",
        "          unique_name: domnprzqrog.us-east-1\n          state: CREATING",
    );
    assert_ne!(yaml, already);
    let h = Harness::with_yaml(&yaml).await;
    let p = connection(&h, "plc-5tb8m2q9x4k7w1r3z6np").await;
    assert_eq!(p["attachedDomains"][0]["domains"][0]["state"], "CREATING");
    h.advance(60);
    let p = connection(&h, "plc-5tb8m2q9x4k7w1r3z6np").await;
    assert_eq!(p["attachedDomains"][0]["domains"][0]["state"], "ACTIVE");
}
