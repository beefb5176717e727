//! What the engine never provokes, driven by hand over plain HTTP (the test kit's `RawClient`:
//! Basic for Confluent, its own Digest signer with MD5 for TiDB Cloud, while the engine's client
//! signs with SHA-256): the vendors' error statuses — bad bodies and parameters, unknown ids,
//! conflicts with what the engine just created, a wrong key, and 429/500 through the
//! simulator's faults — and the operations the simulator serves that the engine never calls
//! ([`super::ALSO_SERVED`]). Runs after the engine's apply, while its resources exist (and, for
//! the changefeed's credentials, inside the clients' scenario, [`credentials`]); it creates
//! nothing and renames things to the names they have.

use linkplan_conformance::Vendor;
use linkplan_engine::Observed;
use linkplan_sim::{Fault, FaultAction, RunningSim, World};
use linkplan_testkit::{Algorithm, Method, RawClient, Reply, RequestBuilder, with_json};
use serde_json::{Value, json};

use super::{Exchange, Run, Source};

/// The ids of the example world after the engine's apply.
pub(super) struct Live {
    env: String,
    network: String,
    network_name: String,
    account: String,
    tidb_cluster: String,
    access: String,
    access_name: String,
    connection: String,
    unique_name: String,
}

impl Live {
    /// From the seed and what the engine observed once it had converged.
    pub(super) fn of(world: &World, observed: &Observed) -> Result<Live, String> {
        let cluster = world.tidbcloud.clusters.first().ok_or("the example world has no TiDB cluster")?;
        let env = world.confluent.environments.first().ok_or("the example world has no environment")?;
        let network = world.confluent.networks.first().ok_or("the example world has no network")?;
        let account = cluster.aws_account_id.clone();
        let access = observed
            .accesses
            .iter()
            .find(|a| a.account.as_deref() == Some(account.as_str()))
            .ok_or("after apply there is no access for TiDB's account")?;
        let connection = observed.connection.as_ref().ok_or("after apply there is no connection")?;
        Ok(Live {
            env: env.id.clone(),
            network: network.id.clone(),
            network_name: network.display_name.clone().ok_or("the example network has no display name")?,
            account,
            tidb_cluster: cluster.id.clone(),
            access: access.id.clone(),
            access_name: access.display_name.clone().ok_or("the access has no display name")?,
            connection: connection.id.clone(),
            unique_name: format!("{}.{}", network.dns_domain_id, network.region),
        })
    }
}

const OK: &[u16] = &[200];

/// Every step by hand; the exchanges and any unexpected status go into `run`.
pub(super) async fn drive(sim: &RunningSim, live: &Live, run: &mut Run) {
    let mut h = Hand { sim, raw: RawClient::for_sim(sim).with_algorithm(Algorithm::Md5), run };
    confluent(&mut h, live).await;
    h.sim.clear_faults();
    tidbcloud(&mut h, live).await;
}

async fn confluent(h: &mut Hand<'_>, live: &Live) {
    let env = live.env.as_str();
    // Environments: the list is served but not used by the engine (it reads its one
    // environment); a wrong secret; a page larger than the maximum.
    let (key, _) = h.raw.confluent_key();
    h.cf_as(Method::GET, "/org/v2/environments", None, (&key, "wrong-secret"), &[401]).await;
    h.cf(Method::GET, "/org/v2/environments", None, OK).await;
    h.cf(Method::GET, "/org/v2/environments?page_size=101", None, &[400]).await;
    h.cf(Method::GET, "/org/v2/environments/env-doesnotexist", None, &[404]).await;

    // Networks: no environment, someone else's, unknown id, two zones, deleting one in use.
    let networks = "/networking/v1/networks";
    h.cf(Method::GET, networks, None, &[400]).await;
    h.cf(Method::GET, &format!("{networks}?environment=env-doesnotexist"), None, &[403]).await;
    h.cf(Method::GET, &format!("{networks}/n-doesnotexist?environment={env}"), None, &[404]).await;
    let two_zones = json!({ "spec": {
        "display_name": "conformance-west", "cloud": "AWS", "region": "us-west-2",
        "connection_types": ["PRIVATELINK"], "zones": ["usw2-az1", "usw2-az2"],
        "dns_config": { "resolution": "PRIVATE" }, "environment": { "id": env },
    }});
    h.cf(Method::POST, networks, Some(two_zones), &[400, 422]).await;
    let network = format!("{networks}/{}", live.network);
    h.cf(Method::DELETE, &format!("{network}?environment={env}"), None, &[400]).await;
    h.cf(Method::DELETE, &format!("{networks}/n-doesnotexist?environment={env}"), None, &[404]).await;
    // Renames are served but not used by the engine: to the name it has; a region is immutable.
    let rename = |name: &str| json!({ "spec": { "display_name": name, "environment": { "id": env } } });
    h.cf(Method::PATCH, &network, Some(rename(&live.network_name)), OK).await;
    let mut moved = rename(&live.network_name);
    moved["spec"]["region"] = json!("us-east-2");
    h.cf(Method::PATCH, &network, Some(moved), &[400, 422]).await;

    // Accesses: the engine's again, an account that is not one, unknown ids, no environment.
    let accesses = "/networking/v1/private-link-accesses";
    let access = |account: &str| {
        json!({ "spec": {
            "display_name": "conformance-tidb",
            "cloud": { "kind": "AwsPrivateLinkAccess", "account": account },
            "network": { "id": live.network }, "environment": { "id": env },
        }})
    };
    h.cf(Method::POST, accesses, Some(access(&live.account)), &[409]).await;
    h.cf(Method::POST, accesses, Some(access("12345")), &[400, 422]).await;
    h.cf(Method::GET, accesses, None, &[400]).await;
    h.cf(Method::GET, &format!("{accesses}/pla-doesnotexist?environment={env}"), None, &[404]).await;
    h.cf(Method::DELETE, &format!("{accesses}/pla-doesnotexist?environment={env}"), None, &[404]).await;
    h.cf(Method::PATCH, &format!("{accesses}/{}", live.access), Some(rename(&live.access_name)), OK).await;
    h.cf(Method::PATCH, &format!("{accesses}/pla-doesnotexist"), Some(rename("x")), &[404]).await;

    // Kafka clusters: a body without its required parts, unknown ids.
    let bad = json!({ "spec": { "display_name": "x", "cloud": "AWS", "environment": { "id": env } } });
    h.cf(Method::POST, "/cmk/v2/clusters", Some(bad), &[400, 422]).await;
    h.cf(Method::GET, &format!("/cmk/v2/clusters/lkc-doesnotexist?environment={env}"), None, &[404]).await;
    h.cf(Method::DELETE, &format!("/cmk/v2/clusters/lkc-doesnotexist?environment={env}"), None, &[404]).await;

    // Faults: 429 and 500 with the vendor's error body.
    let vendor = linkplan_sim::Vendor::Confluent;
    h.sim.add_fault(fault(vendor, "GET", "/cmk/v2/clusters", FaultAction::RateLimit { retry_after: 1 }));
    h.cf(Method::GET, &format!("/cmk/v2/clusters?environment={env}"), None, &[429]).await;
    h.sim.add_fault(fault(vendor, "GET", networks, FaultAction::ServerError { status: 500 }));
    h.cf(Method::GET, &format!("{network}?environment={env}"), None, &[500]).await;
}

async fn tidbcloud(h: &mut Hand<'_>, live: &Live) {
    // The cluster list is served but not used by the engine; the first request here is
    // answered by the Digest challenge (a documented 401).
    h.ti(Method::GET, "/v1beta1/clusters?pageSize=10", None, OK).await;
    h.ti(Method::GET, "/v1beta1/clusters/10000000000000000000", None, &[404]).await;
    let unknown = "/v1beta1/clusters/10000000000000000000/privateLinkConnections:getAvailabilityZones";
    h.ti(Method::GET, unknown, None, &[404]).await;

    // Connections: a body without its required parts, unknown ids.
    let plcs = format!("/v1beta1/clusters/{}/privateLinkConnections", live.tidb_cluster);
    let incomplete = json!({ "privateLinkConnection": { "clusterId": live.tidb_cluster } });
    h.ti(Method::POST, &plcs, Some(incomplete), &[400]).await;
    h.ti(Method::GET, &format!("{plcs}/plc-doesnotexist"), None, &[404]).await;
    h.ti(Method::DELETE, &format!("{plcs}/plc-doesnotexist"), None, &[404]).await;

    // Domains: a unique name that is not the network's, the engine's attachment again, unknown
    // connection and attachment ids.
    let attach = format!("{plcs}/{}:attachDomains", live.connection);
    let domain = |unique: &str, validate_only: bool| json!({ "attachDomain": { "type": "CONFLUENT", "uniqueName": unique }, "validateOnly": validate_only });
    h.ti(Method::POST, &attach, Some(domain("other.us-east-1", true)), &[400]).await;
    h.ti(Method::POST, &attach, Some(domain(&live.unique_name, false)), &[409]).await;
    let nowhere = format!("{plcs}/plc-doesnotexist:attachDomains");
    h.ti(Method::POST, &nowhere, Some(domain(&live.unique_name, true)), &[404]).await;
    let detach = format!("{plcs}/{}:detachDomains", live.connection);
    h.ti(Method::POST, &detach, Some(json!({ "attachDomainId": "doesnotexist" })), &[404]).await;

    // Faults.
    let vendor = linkplan_sim::Vendor::Tidbcloud;
    h.sim.add_fault(fault(vendor, "GET", &plcs, FaultAction::RateLimit { retry_after: 1 }));
    h.ti(Method::GET, &plcs, None, &[429]).await;
    h.sim.add_fault(fault(vendor, "GET", &plcs, FaultAction::ServerError { status: 500 }));
    h.ti(Method::GET, &format!("{plcs}/{}", live.connection), None, &[500]).await;
}

/// The changefeed's part (`clients.rs` runs it): the two served operations the clients do not
/// implement (`getOrgV2Organization`, `updateIamV2ApiKey`, to the name the key has), and error
/// statuses the clients' own calls do not provoke. `key` is a live Kafka API key.
pub(super) async fn credentials(sim: &RunningSim, org: &str, key: &str, run: &mut Run) {
    let mut h = Hand { sim, raw: RawClient::for_sim(sim).with_algorithm(Algorithm::Md5), run };
    h.cf(Method::GET, &format!("/org/v2/organizations/{org}"), None, OK).await;
    h.cf(Method::GET, "/org/v2/organizations/00000000-0000-4000-8000-000000000000", None, &[404]).await;
    let rename = json!({ "spec": { "display_name": super::clients::NAME } });
    h.cf(Method::PATCH, &format!("/iam/v2/api-keys/{key}"), Some(rename.clone()), OK).await;
    h.cf(Method::PATCH, "/iam/v2/api-keys/DOESNOTEXIST", Some(rename), &[404]).await;
    h.cf(Method::GET, "/iam/v2/role-bindings", None, &[400]).await;
    h.cf(Method::GET, "/iam/v2/service-accounts?page_size=101", None, &[400]).await;
    h.cf(Method::POST, "/iam/v2/service-accounts", Some(json!({ "description": "no name" })), &[400, 422]).await;
    let feeds = "/v1beta1/clusters/10000000000000000000/changefeeds";
    h.ti(Method::GET, feeds, None, &[404]).await;
    h.ti(Method::POST, &format!("{feeds}:describeSchemaTable"), Some(json!({ "filterRules": ["a.*"] })), &[404]).await;
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

/// The simulator, a plain client with its keys, and where the exchanges go.
struct Hand<'a> {
    sim: &'a RunningSim,
    raw: RawClient,
    run: &'a mut Run,
}

impl Hand<'_> {
    /// A Confluent call with the simulator's key.
    async fn cf(&mut self, method: Method, path: &str, body: Option<Value>, expect: &[u16]) {
        let (key, secret) = self.raw.confluent_key();
        self.cf_as(method, path, body, (&key, &secret), expect).await;
    }

    async fn cf_as(&mut self, method: Method, path: &str, body: Option<Value>, key: (&str, &str), expect: &[u16]) {
        let req = self.raw.basic(method.clone(), path, key);
        self.send(Vendor::Confluent, req, &method, path, body.as_ref(), expect).await;
    }

    /// A TiDB Cloud call with Digest authentication: a 401 (the first challenge, or a stale
    /// nonce) is recorded as the documented answer it is, and the challenge answered.
    async fn ti(&mut self, method: Method, path: &str, body: Option<Value>, expect: &[u16]) {
        let mut expect_now = expect.to_vec();
        expect_now.push(401);
        for _ in 0..3 {
            let req = self.raw.digest(method.clone(), path);
            let Some(reply) = self.send(Vendor::Tidbcloud, req, &method, path, body.as_ref(), &expect_now).await else {
                return;
            };
            if reply.status.as_u16() != 401 || expect.contains(&401) {
                return;
            }
            if !self.raw.learn(&reply) {
                break;
            }
        }
        self.run.failures.push(format!("{method} {path}: Digest authentication failed"));
    }

    /// Send, record the exchange, and fail on a status not in `expect`.
    async fn send(
        &mut self,
        vendor: Vendor,
        req: RequestBuilder,
        method: &Method,
        path: &str,
        body: Option<&Value>,
        expect: &[u16],
    ) -> Option<Reply> {
        let mut exchange = Exchange {
            source: Source::Hand,
            vendor,
            method: method.to_string(),
            target: path.to_owned(),
            status: None,
            request_body: body.cloned(),
            response_body: None,
            problems: Vec::new(),
            notes: Vec::new(),
            op: None,
        };
        let reply = match self.raw.fetch(with_json(req, body)).await {
            Ok(reply) => reply,
            Err(e) => {
                self.run.failures.push(format!("{method} {path}: request failed: {e}"));
                self.run.exchanges.push(exchange);
                return None;
            }
        };
        let status = reply.status.as_u16();
        if !expect.contains(&status) {
            self.run.failures.push(format!("{method} {path}: expected {expect:?}, got {status} {}", reply.body));
        }
        exchange.status = Some(status);
        exchange.response_body = (!reply.body.is_null()).then(|| reply.body.clone());
        exchange.problems.extend(reply.not_json.iter().map(|e| format!("response body is not JSON: {e}")));
        self.run.exchanges.push(exchange);
        Some(reply)
    }
}
