//! `cargo xtask conformance`: the simulator against the vendors' own API documents.
//!
//! Starts the simulator in-process (explicit clock, the built-in example world), plays the
//! runbook and its failure cases over HTTP (Basic for Confluent, Digest for TiDB Cloud), and
//! checks with `linkplan-conformance` every response body, and every request body the simulator
//! accepted (2xx), against the vendor schema of the operation the request went to. Prints a
//! coverage table and fails when a body does not conform, a request matches no documented
//! operation, a step gets an unexpected status, or a runbook operation / error status is not
//! exercised.
//!
//! To cover a new operation: add a step to `confluent`, `tidbcloud` or `teardown` below (the
//! driver finds and checks the operation by itself), then add its `operationId` to [`RUNBOOK`]
//! (or [`ALSO_SERVED`] when the runbook does not use it).

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use linkplan_conformance::{ResponseKey, Specs, Vendor, ViolationKind};
use linkplan_sim::{Fault, FaultAction, RunningSim, Sim, SimConfig, World};
use md5::{Digest as _, Md5};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, WWW_AUTHENTICATE};
use serde_json::{Value, json};

/// Every operation the runbook (plan, apply, destroy, status, `lint --online`) uses.
const RUNBOOK: &[&str] = &[
    "listOrgV2Environments",
    "getOrgV2Environment",
    "listNetworkingV1Networks",
    "createNetworkingV1Network",
    "getNetworkingV1Network",
    "deleteNetworkingV1Network",
    "listNetworkingV1PrivateLinkAccesses",
    "createNetworkingV1PrivateLinkAccess",
    "getNetworkingV1PrivateLinkAccess",
    "deleteNetworkingV1PrivateLinkAccess",
    "listCmkV2Clusters",
    "createCmkV2Cluster",
    "getCmkV2Cluster",
    "deleteCmkV2Cluster",
    "ClusterService_ListClusters",
    "ClusterService_GetCluster",
    "PrivateLinkConnectionService_GetAvailabilityZones",
    "PrivateLinkConnectionService_ListPrivateLinkConnections",
    "PrivateLinkConnectionService_CreatePrivateLinkConnection",
    "PrivateLinkConnectionService_GetPrivateLinkConnection",
    "PrivateLinkConnectionService_DeletePrivateLinkConnection",
    "PrivateLinkConnectionService_AttachDomains",
    "PrivateLinkConnectionService_DetachDomains",
];

/// Operations the simulator also serves (updates the runbook does not need); covered the same.
const ALSO_SERVED: &[&str] =
    &["updateNetworkingV1Network", "updateNetworkingV1PrivateLinkAccess", "updateCmkV2Cluster"];

/// Error statuses each vendor's check must exercise (besides the 2xx of every operation).
const ERROR_STATUSES: &[u16] = &[400, 401, 404, 409, 429, 500];

/// Statuses the simulator answers that the operation's document does not list, with the reason
/// they are tolerated. Each is still reported, and its body is checked against the error schema
/// the operation documents for the other statuses of the same class. Keep this list empty when
/// possible: an entry is a known deviation from the vendor document.
const KNOWN_UNDOCUMENTED: &[(&str, u16, &str)] = &[];

/// Request variants that must each be exercised with a 2xx.
const VARIANTS: &[(&str, &str)] = &[
    ("PrivateLinkConnectionService_AttachDomains", "validateOnly=true"),
    ("PrivateLinkConnectionService_AttachDomains", "validateOnly=false"),
];

pub(crate) fn run(args: &[String]) -> Result<ExitCode, String> {
    if let Some(arg) = args.first() {
        return Err(format!("conformance takes no arguments (got {arg})"));
    }
    let started = Instant::now();
    let dir = Specs::default_dir();
    let specs = Specs::load(&dir).map_err(|e| format!("{e} (the conformance check needs the vendor documents)"))?;
    let loaded = started.elapsed();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a Tokio runtime: {e}"))?;
    let report = runtime.block_on(drive(&specs))?;
    let ok = print_report(&specs, &report);
    println!(
        "\ntime: {:.0?} (documents loaded in {:.0?}; {} requests)",
        started.elapsed(),
        loaded,
        report.records.len()
    );
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// One request/response and what the check found.
struct Record {
    vendor: Vendor,
    method: String,
    path: String,
    /// The matched operation id, `None` when no documented operation matches.
    op: Option<String>,
    status: u16,
    variant: Option<String>,
    problems: Vec<String>,
    /// Tolerated deviations ([`KNOWN_UNDOCUMENTED`]).
    notes: Vec<String>,
}

#[derive(Default)]
struct Report {
    records: Vec<Record>,
    /// Driver failures: unexpected statuses, aborted scenarios.
    failures: Vec<String>,
}

struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

struct Challenge {
    realm: String,
    nonce: String,
    opaque: Option<String>,
    nc: u32,
}

struct Driver<'s> {
    specs: &'s Specs,
    sim: RunningSim,
    http: reqwest::Client,
    base: String,
    confluent_key: (String, String),
    tidb_key: (String, String),
    challenge: Option<Challenge>,
    report: Report,
}

async fn drive(specs: &Specs) -> Result<Report, String> {
    let sim = Sim::start(World::example(), SimConfig::explicit())
        .await
        .map_err(|e| format!("cannot start the simulator: {e}"))?;
    let env: BTreeMap<&str, String> = sim.env().into_iter().collect();
    let get = |k: &str| env.get(k).cloned().ok_or_else(|| format!("the simulator does not provide {k}"));
    let http =
        reqwest::Client::builder().no_proxy().build().map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let mut d = Driver {
        specs,
        base: get("LINKPLAN_CONFLUENT_URL")?,
        confluent_key: (get("CONFLUENT_CLOUD_API_KEY")?, get("CONFLUENT_CLOUD_API_SECRET")?),
        tidb_key: (get("TIDBCLOUD_PUBLIC_KEY")?, get("TIDBCLOUD_PRIVATE_KEY")?),
        sim,
        http,
        challenge: None,
        report: Report::default(),
    };
    if get("LINKPLAN_TIDBCLOUD_URL")? != d.base {
        return Err("the check assumes one simulator base URL for both vendors".to_owned());
    }
    let world = World::example();
    let ids = Ids::from_world(&world)?;
    if let Err(e) = scenario(&mut d, &ids).await {
        d.report.failures.push(format!("scenario aborted: {e}"));
    }
    let Driver { sim, report, .. } = d;
    sim.shutdown().await;
    Ok(report)
}

/// What the example world contains.
struct Ids {
    cluster: String,
    account: String,
    env: String,
    network: String,
    service: String,
    unique_name: String,
}

impl Ids {
    fn from_world(world: &World) -> Result<Ids, String> {
        let cluster = world.tidbcloud.clusters.first().ok_or("the example world has no TiDB cluster")?;
        let env = world.confluent.environments.first().ok_or("the example world has no environment")?;
        let network = world.confluent.networks.first().ok_or("the example world has no network")?;
        Ok(Ids {
            cluster: cluster.id.clone(),
            account: cluster.aws_account_id.clone(),
            env: env.id.clone(),
            network: network.id.clone(),
            service: network.service_name.clone(),
            unique_name: format!("{}.{}", network.dns_domain_id, network.region),
        })
    }
}

fn id_of(reply: &Reply, field: &str) -> Result<String, String> {
    reply
        .body
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("no `{field}` in the {} response: {}", reply.status, reply.body))
}

/// Resources the Confluent steps create and the teardown removes.
struct Created {
    west: String,
    pla: String,
    lkc: String,
}

async fn scenario(d: &mut Driver<'_>, ids: &Ids) -> Result<(), String> {
    let created = confluent(d, ids).await?;
    let plc = tidbcloud(d, ids).await?;
    teardown(d, ids, &created, &plc).await
}

fn fault(vendor: linkplan_sim::Vendor, method: &str, path: &str, action: FaultAction) -> Fault {
    Fault {
        vendor: Some(vendor),
        method: Some(method.to_owned()),
        path: Some(path.to_owned()),
        after: 0,
        times: Some(1),
        action,
    }
}

const OK: &[u16] = &[200];

/// Confluent: pre-flight, steps 1–3 of the runbook and their failure cases.
async fn confluent(d: &mut Driver<'_>, ids: &Ids) -> Result<Created, String> {
    let env = ids.env.as_str();
    // Pre-flight: the environment.
    let key = d.confluent_key.0.clone();
    d.cf_as(Method::GET, "/org/v2/environments", None, (&key, "wrong-secret"), &[401]).await;
    d.cf_pages("/org/v2/environments?page_size=1").await?;
    d.cf(Method::GET, "/org/v2/environments?page_size=101", None, &[400]).await;
    d.cf(Method::GET, &format!("/org/v2/environments/{env}"), None, OK).await;
    d.cf(Method::GET, "/org/v2/environments/env-doesnotexist", None, &[404]).await;

    // Step 1: networks.
    d.cf_pages(&format!("/networking/v1/networks?environment={env}")).await?;
    d.cf(Method::GET, "/networking/v1/networks", None, &[400]).await;
    d.cf(Method::GET, "/networking/v1/networks?environment=env-doesnotexist", None, &[403]).await;
    d.cf(Method::GET, &format!("/networking/v1/networks/{}?environment={env}", ids.network), None, OK).await;
    d.cf(Method::GET, &format!("/networking/v1/networks/n-doesnotexist?environment={env}"), None, &[404]).await;
    let network = |zones: Value| {
        json!({ "spec": {
            "display_name": "conformance-west", "cloud": "AWS", "region": "us-west-2",
            "connection_types": ["PRIVATELINK"], "zones": zones,
            "dns_config": { "resolution": "PRIVATE" }, "environment": { "id": env },
        }})
    };
    d.cf(Method::POST, "/networking/v1/networks", Some(network(json!(["usw2-az1", "usw2-az2"]))), &[400, 422]).await;
    let zones = json!(["usw2-az1", "usw2-az2", "usw2-az3"]);
    let reply = d.cf(Method::POST, "/networking/v1/networks", Some(network(zones)), &[202]).await;
    let west = id_of(&reply, "id")?;
    d.cf(Method::GET, &format!("/networking/v1/networks/{west}?environment={env}"), None, OK).await;
    d.sim.advance(Duration::from_secs(3600));
    d.cf(Method::GET, &format!("/networking/v1/networks/{west}?environment={env}"), None, OK).await;
    d.cf_pages(&format!("/networking/v1/networks?environment={env}&page_size=1")).await?;

    // Step 2: the PrivateLink access for TiDB's account (and one on the new network).
    let access = |network: &str, account: &str| {
        json!({ "spec": {
            "display_name": "conformance-tidb",
            "cloud": { "kind": "AwsPrivateLinkAccess", "account": account },
            "network": { "id": network }, "environment": { "id": env },
        }})
    };
    let path = "/networking/v1/private-link-accesses";
    let reply = d.cf(Method::POST, path, Some(access(&ids.network, &ids.account)), &[202]).await;
    let pla = id_of(&reply, "id")?;
    d.cf(Method::POST, path, Some(access(&ids.network, &ids.account)), &[409]).await;
    d.cf(Method::POST, path, Some(access(&ids.network, "12345")), &[400, 422]).await;
    d.cf(Method::POST, path, Some(access(&west, "000000000001")), &[202]).await;
    d.cf(Method::GET, &format!("{path}/{pla}?environment={env}"), None, OK).await;
    d.sim.advance(Duration::from_secs(3600));
    d.cf(Method::GET, &format!("{path}/{pla}?environment={env}"), None, OK).await;
    d.cf(Method::GET, &format!("{path}/pla-doesnotexist?environment={env}"), None, &[404]).await;
    d.cf_pages(&format!("{path}?environment={env}&page_size=1")).await?;
    d.cf(Method::GET, &format!("{path}?environment={env}&spec.network={}", ids.network), None, OK).await;
    d.cf(Method::GET, path, None, &[400]).await;

    // Step 3: the Dedicated cluster.
    let cluster = json!({ "spec": {
        "display_name": "conformance-orders", "availability": "MULTI_ZONE", "cloud": "AWS", "region": "us-east-1",
        "config": { "kind": "Dedicated", "cku": 2 },
        "environment": { "id": env }, "network": { "id": ids.network },
    }});
    let reply = d.cf(Method::POST, "/cmk/v2/clusters", Some(cluster), &[202]).await;
    let lkc = id_of(&reply, "id")?;
    let bad = json!({ "spec": { "display_name": "x", "cloud": "AWS", "environment": { "id": env } } });
    d.cf(Method::POST, "/cmk/v2/clusters", Some(bad), &[400, 422]).await;
    d.cf(Method::GET, &format!("/cmk/v2/clusters/{lkc}?environment={env}"), None, OK).await;
    d.sim.advance(Duration::from_secs(3 * 3600));
    d.cf(Method::GET, &format!("/cmk/v2/clusters/{lkc}?environment={env}"), None, OK).await;
    d.cf_pages(&format!("/cmk/v2/clusters?environment={env}&spec.network={}&page_size=1", ids.network)).await?;
    d.cf(Method::GET, &format!("/cmk/v2/clusters/lkc-doesnotexist?environment={env}"), None, &[404]).await;

    // Updates: display names, CKUs; immutable fields and unknown ids are refused.
    let update = |name: &str| json!({ "spec": { "display_name": name, "environment": { "id": env } } });
    d.cf(Method::PATCH, &format!("/networking/v1/networks/{west}"), Some(update("conformance-west-2")), OK).await;
    let mut moved = update("conformance-west-2");
    moved["spec"]["region"] = json!("us-east-2");
    d.cf(Method::PATCH, &format!("/networking/v1/networks/{west}"), Some(moved), &[400, 422]).await;
    d.cf(Method::PATCH, &format!("{path}/{pla}"), Some(update("conformance-tidb-2")), OK).await;
    d.cf(Method::PATCH, &format!("{path}/pla-doesnotexist"), Some(update("x")), &[404]).await;
    d.cf(Method::PATCH, &format!("/cmk/v2/clusters/{lkc}"), Some(update("conformance-orders-2")), OK).await;
    let mut resize = update("conformance-orders-2");
    resize["spec"]["config"] = json!({ "kind": "Dedicated", "cku": 3 });
    d.cf(Method::PATCH, &format!("/cmk/v2/clusters/{lkc}"), Some(resize), OK).await;
    d.sim.advance(Duration::from_secs(3 * 3600));
    d.cf(Method::GET, &format!("/cmk/v2/clusters/{lkc}?environment={env}"), None, OK).await;

    // Faults: 429 and 500 with the vendor's error body.
    let vendor = linkplan_sim::Vendor::Confluent;
    d.sim.add_fault(fault(vendor, "GET", "/cmk/v2/clusters", FaultAction::RateLimit { retry_after: 1 }));
    d.cf(Method::GET, &format!("/cmk/v2/clusters?environment={env}"), None, &[429]).await;
    d.sim.add_fault(fault(vendor, "GET", "/networking/v1/networks", FaultAction::ServerError { status: 500 }));
    d.cf(Method::GET, &format!("/networking/v1/networks/{}?environment={env}", ids.network), None, &[500]).await;
    d.sim.clear_faults();
    Ok(Created { west, pla, lkc })
}

/// TiDB Cloud: pre-flight and step 4 of the runbook with their failure cases; the
/// connection's id.
async fn tidbcloud(d: &mut Driver<'_>, ids: &Ids) -> Result<String, String> {
    let cluster = ids.cluster.as_str();
    // The first request is answered by the Digest challenge (a documented 401).
    d.ti(Method::GET, "/v1beta1/clusters?pageSize=10", None, OK).await;
    d.ti(Method::GET, &format!("/v1beta1/clusters/{cluster}"), None, OK).await;
    d.ti(Method::GET, &format!("/v1beta1/clusters/{cluster}?view=FULL"), None, OK).await;
    d.ti(Method::GET, "/v1beta1/clusters/10000000000000000000", None, &[404]).await;
    let plcs = format!("/v1beta1/clusters/{cluster}/privateLinkConnections");
    d.ti(Method::GET, &format!("{plcs}:getAvailabilityZones"), None, OK).await;
    d.ti(
        Method::GET,
        "/v1beta1/clusters/10000000000000000000/privateLinkConnections:getAvailabilityZones",
        None,
        &[404],
    )
    .await;

    let body = |name: &str, service: &str| {
        json!({ "privateLinkConnection": {
            "clusterId": cluster, "displayName": name, "type": "AWS_ENDPOINT_SERVICE",
            "awsEndpointService": { "name": service },
        }})
    };
    d.ti(Method::POST, &plcs, Some(json!({ "privateLinkConnection": { "clusterId": cluster } })), &[400]).await;
    let reply = d.ti(Method::POST, &plcs, Some(body("conformance", &ids.service)), OK).await;
    let plc = id_of(&reply, "privateLinkConnectionId")?;
    d.ti(
        Method::POST,
        &plcs,
        Some(body("unknown-service", "com.amazonaws.vpce.us-east-1.vpce-svc-00000000000000000")),
        OK,
    )
    .await;
    d.ti(Method::GET, &format!("{plcs}/{plc}"), None, OK).await;
    d.sim.advance(Duration::from_secs(600));
    d.ti(Method::GET, &format!("{plcs}/{plc}"), None, OK).await;
    d.ti(Method::GET, &format!("{plcs}/plc-doesnotexist"), None, &[404]).await;
    d.ti_pages(&format!("{plcs}?pageSize=1")).await?;
    d.ti(Method::GET, &format!("{plcs}?state=FAILED"), None, OK).await;

    // Domains: preview, a wrong unique name, attach, attach again, read back.
    let attach = format!("{plcs}/{plc}:attachDomains");
    let domain = |unique: &str, validate_only: bool| json!({ "attachDomain": { "type": "CONFLUENT", "uniqueName": unique }, "validateOnly": validate_only });
    d.ti(Method::POST, &attach, Some(domain(&ids.unique_name, true)), OK).await;
    d.ti(Method::POST, &attach, Some(domain("other.us-east-1", true)), &[400]).await;
    let reply = d.ti(Method::POST, &attach, Some(domain(&ids.unique_name, false)), OK).await;
    let attach_id = id_of(&reply, "attachDomainId")?;
    d.ti(Method::POST, &attach, Some(domain(&ids.unique_name, false)), &[409]).await;
    d.sim.advance(Duration::from_secs(600));
    d.ti(Method::GET, &format!("{plcs}/{plc}"), None, OK).await;
    d.ti(Method::POST, &format!("{plcs}/plc-doesnotexist:attachDomains"), Some(domain(&ids.unique_name, true)), &[404])
        .await;

    // Faults.
    let vendor = linkplan_sim::Vendor::Tidbcloud;
    d.sim.add_fault(fault(vendor, "GET", &plcs, FaultAction::RateLimit { retry_after: 1 }));
    d.ti(Method::GET, &plcs, None, &[429]).await;
    d.sim.add_fault(fault(vendor, "GET", &plcs, FaultAction::ServerError { status: 500 }));
    d.ti(Method::GET, &format!("{plcs}/{plc}"), None, &[500]).await;
    d.sim.clear_faults();

    // Detach (once more: the id is gone).
    let detach = format!("{plcs}/{plc}:detachDomains");
    d.ti(Method::POST, &detach, Some(json!({ "attachDomainId": attach_id })), OK).await;
    d.sim.advance(Duration::from_secs(600));
    d.ti(Method::POST, &detach, Some(json!({ "attachDomainId": attach_id })), &[404]).await;
    Ok(plc)
}

/// The runbook's teardown, in reverse order, with the reads that watch each delete.
async fn teardown(d: &mut Driver<'_>, ids: &Ids, created: &Created, plc: &str) -> Result<(), String> {
    let env = ids.env.as_str();
    let plcs = format!("/v1beta1/clusters/{}/privateLinkConnections", ids.cluster);
    d.ti(Method::DELETE, &format!("{plcs}/{plc}"), None, OK).await;
    d.ti(Method::GET, &format!("{plcs}/{plc}"), None, &[200, 404]).await;
    d.sim.advance(Duration::from_secs(600));
    d.ti(Method::GET, &format!("{plcs}/{plc}"), None, &[404]).await;
    d.ti(Method::DELETE, &format!("{plcs}/{plc}"), None, &[404]).await;

    let network = format!("/networking/v1/networks/{}?environment={env}", ids.network);
    d.cf(Method::DELETE, &network, None, &[400]).await;
    let cluster = format!("/cmk/v2/clusters/{}?environment={env}", created.lkc);
    d.cf(Method::DELETE, &cluster, None, &[204]).await;
    d.cf(Method::GET, &cluster, None, &[200, 404]).await;
    d.sim.advance(Duration::from_secs(3600));
    d.cf(Method::GET, &cluster, None, &[404]).await;
    d.cf(Method::DELETE, &cluster, None, &[404]).await;

    let access = format!("/networking/v1/private-link-accesses/{}?environment={env}", created.pla);
    d.cf(Method::DELETE, &access, None, &[204]).await;
    d.cf(Method::GET, &access, None, &[200, 404]).await;
    d.sim.advance(Duration::from_secs(3600));
    d.cf(Method::GET, &access, None, &[404]).await;
    d.cf(Method::DELETE, &access, None, &[404]).await;

    let west = format!("/networking/v1/networks/{}?environment={env}", created.west);
    let accesses = format!("/networking/v1/private-link-accesses?environment={env}&spec.network={}", created.west);
    let reply = d.cf(Method::GET, &accesses, None, OK).await;
    for pla in reply.body["data"].as_array().into_iter().flatten().filter_map(|a| a["id"].as_str()) {
        d.cf(Method::DELETE, &format!("/networking/v1/private-link-accesses/{pla}?environment={env}"), None, &[204])
            .await;
    }
    d.sim.advance(Duration::from_secs(3600));
    d.cf(Method::DELETE, &west, None, &[204]).await;
    d.cf(Method::GET, &west, None, &[200, 404]).await;
    d.sim.advance(Duration::from_secs(3600));
    d.cf(Method::GET, &west, None, &[404]).await;
    d.cf(Method::DELETE, &west, None, &[404]).await;
    Ok(())
}

impl Driver<'_> {
    /// A Confluent call with the world's key.
    async fn cf(&mut self, method: Method, path: &str, body: Option<Value>, expect: &[u16]) -> Reply {
        let (key, secret) = self.confluent_key.clone();
        self.cf_as(method, path, body, (&key, &secret), expect).await
    }

    async fn cf_as(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Value>,
        (key, secret): (&str, &str),
        expect: &[u16],
    ) -> Reply {
        let req = self.http.request(method.clone(), format!("{}{path}", self.base)).basic_auth(key, Some(secret));
        self.exchange(Vendor::Confluent, req, method, path, body, expect).await
    }

    /// Follow `metadata.next` (a full URL) to the end.
    async fn cf_pages(&mut self, first: &str) -> Result<(), String> {
        let mut path = first.to_owned();
        for _ in 0..100 {
            let reply = self.cf(Method::GET, &path, None, OK).await;
            match reply.body.pointer("/metadata/next").and_then(Value::as_str) {
                Some(next) => path = self.relative(next)?,
                None => return Ok(()),
            }
        }
        Err(format!("{first}: more than 100 pages"))
    }

    /// Follow `nextPageToken` to the end.
    async fn ti_pages(&mut self, first: &str) -> Result<(), String> {
        let mut path = first.to_owned();
        for _ in 0..100 {
            let reply = self.ti(Method::GET, &path, None, OK).await;
            match reply.body.get("nextPageToken").and_then(Value::as_str) {
                Some(token) if !token.is_empty() => path = format!("{first}&pageToken={token}"),
                _ => return Ok(()),
            }
        }
        Err(format!("{first}: more than 100 pages"))
    }

    /// A path relative to the simulator from a full URL it returned.
    fn relative(&self, url: &str) -> Result<String, String> {
        url.strip_prefix(&self.base)
            .map(str::to_owned)
            .ok_or_else(|| format!("link {url} does not point at the simulator ({})", self.base))
    }

    /// A TiDB Cloud call with Digest authentication: answer the challenge (recorded as the
    /// documented 401) and reuse it with an incrementing nonce count.
    async fn ti(&mut self, method: Method, path: &str, body: Option<Value>, expect: &[u16]) -> Reply {
        for _ in 0..3 {
            let mut req = self.http.request(method.clone(), format!("{}{path}", self.base));
            if let Some(auth) = self.authorization(method.as_str(), path) {
                req = req.header(AUTHORIZATION, auth);
            }
            // A 401 is expected while there is no challenge yet or the nonce went stale.
            let mut expect_now = expect.to_vec();
            expect_now.push(401);
            let reply = self.exchange(Vendor::Tidbcloud, req, method.clone(), path, body.clone(), &expect_now).await;
            if reply.status == 401 && !expect.contains(&401) {
                match parse_challenge(&reply.headers) {
                    Some(ch) => self.challenge = Some(ch),
                    None => break,
                }
                continue;
            }
            return reply;
        }
        self.report.failures.push(format!("{method} {path}: Digest authentication failed"));
        Reply { status: 401, headers: HeaderMap::new(), body: Value::Null }
    }

    fn authorization(&mut self, method: &str, uri: &str) -> Option<String> {
        let ch = self.challenge.as_mut()?;
        ch.nc += 1;
        let (user, pass) = &self.tidb_key;
        let nc = format!("{:08x}", ch.nc);
        let cnonce = "c0nf0rm";
        let ha1 = md5_hex(&format!("{user}:{}:{pass}", ch.realm));
        let ha2 = md5_hex(&format!("{method}:{uri}"));
        let response = md5_hex(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", ch.nonce));
        let opaque = ch.opaque.as_ref().map(|o| format!(", opaque=\"{o}\"")).unwrap_or_default();
        Some(format!(
            "Digest username=\"{user}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm=MD5, qop=auth, \
             nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\"{opaque}",
            ch.realm, ch.nonce
        ))
    }

    /// Send, read, and check the exchange against the vendor document.
    async fn exchange(
        &mut self,
        vendor: Vendor,
        mut req: reqwest::RequestBuilder,
        method: Method,
        path: &str,
        body: Option<Value>,
        expect: &[u16],
    ) -> Reply {
        if let Some(b) = &body {
            req = req.header(CONTENT_TYPE, "application/json").body(b.to_string());
        }
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        let (status, headers, bytes) = match req.send().await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                match resp.bytes().await {
                    Ok(bytes) => (status, headers, bytes.to_vec()),
                    Err(e) => {
                        problems.push(format!("cannot read the response body: {e}"));
                        (status, headers, Vec::new())
                    }
                }
            }
            Err(e) => {
                self.report.failures.push(format!("{method} {path}: request failed: {e}"));
                return Reply { status: 0, headers: HeaderMap::new(), body: Value::Null };
            }
        };
        let response = if bytes.is_empty() {
            None
        } else {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => Some(v),
                Err(e) => {
                    problems.push(format!("response body is not JSON: {e}"));
                    None
                }
            }
        };
        if !expect.is_empty() && !expect.contains(&status) {
            let shown = response.as_ref().map(Value::to_string).unwrap_or_default();
            self.report.failures.push(format!("{method} {path}: expected {expect:?}, got {status} {shown}"));
        }
        let op = self.specs.operation(vendor, method.as_str(), path);
        match op {
            None => problems.push(format!("no {vendor} operation documents {method} {path}")),
            Some(op) => {
                // A request body counts only when the simulator accepted it.
                if status < 300 {
                    for v in op.validate_request(body.as_ref()) {
                        problems.push(format!("request {v}"));
                    }
                }
                let known = KNOWN_UNDOCUMENTED.iter().find(|(id, code, _)| *id == op.id() && *code == status);
                let mut violations = op.validate_response(status, response.as_ref());
                if let Some((_, _, reason)) = known
                    && violations.iter().any(|v| v.kind == ViolationKind::UndocumentedStatus)
                {
                    notes.push(format!("status {status} is not documented for {}: {reason}", op.id()));
                    // Check the body as the operation's documented error of the same class.
                    let sibling = op.response_keys().find_map(|k| match k {
                        ResponseKey::Status(code) if code / 100 == status / 100 && op.response_has_schema(code) => {
                            Some(code)
                        }
                        _ => None,
                    });
                    violations = sibling.map(|code| op.validate_response(code, response.as_ref())).unwrap_or_default();
                }
                for v in violations {
                    let what = if v.kind == ViolationKind::UndocumentedStatus { "status" } else { "response" };
                    problems.push(format!("{what} {v}"));
                }
            }
        }
        let variant = body
            .as_ref()
            .and_then(|b| b.get("validateOnly"))
            .and_then(Value::as_bool)
            .map(|v| format!("validateOnly={v}"));
        self.report.records.push(Record {
            vendor,
            method: method.to_string(),
            path: path.to_owned(),
            op: op.map(|o| o.id().to_owned()),
            status,
            variant,
            problems,
            notes,
        });
        Reply { status, headers, body: response.unwrap_or(Value::Null) }
    }
}

fn md5_hex(s: &str) -> String {
    Md5::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The MD5 (or algorithm-less) Digest challenge among the `WWW-Authenticate` headers.
fn parse_challenge(headers: &HeaderMap) -> Option<Challenge> {
    headers.get_all(WWW_AUTHENTICATE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let params = v.trim().strip_prefix("Digest ")?;
        let mut map = BTreeMap::new();
        for part in split_params(params) {
            if let Some((k, v)) = part.split_once('=') {
                map.insert(k.trim().to_ascii_lowercase(), v.trim().trim_matches('"').to_owned());
            }
        }
        if map.get("algorithm").is_some_and(|a| !a.eq_ignore_ascii_case("MD5")) {
            return None;
        }
        Some(Challenge {
            realm: map.get("realm")?.clone(),
            nonce: map.get("nonce")?.clone(),
            opaque: map.get("opaque").cloned(),
            nc: 0,
        })
    })
}

/// Split `a="x, y", b=z` on the commas outside quotes.
fn split_params(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Per operation: statuses seen, request variants seen, problems, calls, statuses with a known
/// deviation.
type Coverage<'r> = (BTreeSet<u16>, BTreeSet<&'r str>, usize, usize, BTreeSet<u16>);

/// Print the coverage table, the problems and the summary; whether everything passed.
fn print_report(specs: &Specs, report: &Report) -> bool {
    // operation id → (statuses, variants, problem count, requests, statuses with a known deviation)
    let mut by_op: BTreeMap<&str, Coverage<'_>> = BTreeMap::new();
    for r in &report.records {
        if let Some(op) = &r.op {
            let e = by_op.entry(op.as_str()).or_default();
            e.0.insert(r.status);
            if !r.notes.is_empty() {
                e.4.insert(r.status);
            }
            if let Some(v) = &r.variant
                && r.status < 300
            {
                e.1.insert(v.as_str());
            }
            e.2 += r.problems.len();
            e.3 += 1;
        }
    }
    let required: Vec<&str> = RUNBOOK.iter().chain(ALSO_SERVED).copied().collect();
    let mut ids = required.clone();
    ids.extend(by_op.keys().copied().filter(|k| !required.contains(k)));
    let mut rows = Vec::new();
    let mut uncovered = Vec::new();
    for id in ids {
        let Some(op) = specs.operation_by_id(id) else {
            uncovered.push(format!("{id} is not in the vendor documents"));
            continue;
        };
        let (statuses, variants, problems, requests, deviations) = by_op.get(id).cloned().unwrap_or_default();
        let covered = statuses.iter().any(|s| (200..300).contains(s));
        if required.contains(&id) && !covered {
            uncovered.push(format!("{id}: no successful call"));
        }
        let mut shown: Vec<String> =
            statuses.iter().map(|s| if deviations.contains(s) { format!("{s}*") } else { s.to_string() }).collect();
        shown.extend(variants.iter().map(|v| (*v).to_owned()));
        let result = if problems > 0 {
            format!("FAIL ({problems})")
        } else if !covered {
            "UNCOVERED".to_owned()
        } else {
            "pass".to_owned()
        };
        rows.push([
            id.to_owned(),
            op.method().to_owned(),
            op.path().to_owned(),
            shown.join(" "),
            requests.to_string(),
            result,
        ]);
    }
    for &(id, variant) in VARIANTS {
        if !by_op.get(id).is_some_and(|e| e.1.contains(variant)) {
            uncovered.push(format!("{id}: {variant} not exercised successfully"));
        }
    }
    for vendor in [Vendor::Confluent, Vendor::Tidbcloud] {
        for status in ERROR_STATUSES {
            if !report.records.iter().any(|r| r.vendor == vendor && r.status == *status && r.op.is_some()) {
                uncovered.push(format!("{vendor}: no {status} response exercised"));
            }
        }
    }

    let header = ["operation", "method", "path", "statuses", "calls", "result"].map(str::to_owned);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |row: &[String; 6]| {
        let cells: Vec<String> = row.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        cells.join("  ").trim_end().to_owned()
    };
    println!("conformance: simulator vs vendor documents in {}\n", specs.dir().display());
    println!("{}", line(&header));
    for row in &rows {
        println!("{}", line(row));
    }

    let failing: Vec<&Record> = report.records.iter().filter(|r| !r.problems.is_empty()).collect();
    if !failing.is_empty() {
        println!("\nnon-conforming exchanges:");
        for r in &failing {
            let op = r.op.as_deref().unwrap_or("(no operation)");
            println!("  {} {} → {} [{op}]", r.method, r.path, r.status);
            for p in &r.problems {
                println!("      {p}");
            }
        }
    }
    let mut notes: Vec<&str> = report.records.iter().flat_map(|r| r.notes.iter().map(String::as_str)).collect();
    notes.sort_unstable();
    notes.dedup();
    if !notes.is_empty() {
        println!("\n* known deviations from the vendor documents (tolerated, see KNOWN_UNDOCUMENTED):");
        for n in notes {
            println!("  {n}");
        }
    }
    if !report.failures.is_empty() {
        println!("\nscenario failures:");
        for f in &report.failures {
            println!("  {f}");
        }
    }
    if !uncovered.is_empty() {
        println!("\nmissing coverage:");
        for u in &uncovered {
            println!("  {u}");
        }
    }
    let covered = |id: &str| by_op.get(id).is_some_and(|e| e.0.iter().any(|s| (200..300).contains(s)));
    let runbook_covered = RUNBOOK.iter().filter(|id| covered(id)).count();
    let others_covered = ALSO_SERVED.iter().filter(|id| covered(id)).count();
    let ok = failing.is_empty() && report.failures.is_empty() && uncovered.is_empty();
    println!(
        "\nsummary: {} — {} exchanges, {}/{} runbook operations covered (+{}/{} other served), \
         {} operations exercised, {} non-conforming exchanges, {} scenario failures, {} coverage gaps",
        if ok { "PASS" } else { "FAIL" },
        report.records.len(),
        runbook_covered,
        RUNBOOK.len(),
        others_covered,
        ALSO_SERVED.len(),
        by_op.len(),
        failing.len(),
        report.failures.len(),
        uncovered.len(),
    );
    ok
}
