//! The changefeed's operations through the product clients: what the engine does not call yet
//! (TiDB Cloud changefeeds; Confluent's organization, service accounts, Kafka API keys and role
//! bindings), called with the typed calls of `linkplan-tidbcloud` and `linkplan-confluent`, each
//! recorded ([`super::Source::Client`]), so the bodies checked are the ones those clients build
//! and decode. The scenario is the runbook's last part on the `already-connected` world (an
//! ACTIVE connection with its domains, a PROVISIONED Dedicated cluster): make the credentials,
//! test the sink (and a broken one), run a changefeed through its lifecycle, then remove it all.
//! The two operations the clients do not implement are sent by hand (`errors::credentials`).

use std::sync::Arc;
use std::time::Duration;

use linkplan_confluent::resources::api_keys::{ApiKeyFilter, CreateApiKey};
use linkplan_confluent::resources::role_bindings::{
    CreateRoleBinding, DEVELOPER_MANAGE, DEVELOPER_WRITE, RoleBindingFilter, cluster_crn, principal, topic_crn,
};
use linkplan_confluent::resources::service_accounts::{
    CreateServiceAccount, ServiceAccountFilter, UpdateServiceAccount,
};
use linkplan_conformance::{Specs, Vendor};
use linkplan_sim::{RunningSim, Sim, SimConfig, World};
use linkplan_testkit::{Recorder, sim_builder, sim_env};
use linkplan_tidbcloud::resources::changefeeds::{
    CONFLUENT_PRIVATE_LINK_PORT, ChangefeedState, ChangefeedType, CreateChangefeed, DataFormat, EditChangefeed, Filter,
    KafkaAuthentication, KafkaNetwork, KafkaProtocol, KafkaSink, Sink, TableMode, TopicDispatchType,
    TopicPartitionConfig,
};

use super::errors;
use super::{Exchange, Run, Source};

/// The display name of everything the scenario makes.
pub(super) const NAME: &str = "linkplan-conformance-cdc";

/// The scenario on its own simulator; what it sent goes into `run`.
pub(super) async fn drive(specs: &'static Specs, run: &mut Run) -> Result<(), String> {
    let root = crate::project_root();
    let path = root.join("fixtures/sim/worlds/already-connected.yaml");
    let mut world = World::from_path(&path).map_err(|e| e.to_string())?;
    with_tables(&mut world);
    let sim = Sim::start(world.clone(), SimConfig::explicit())
        .await
        .map_err(|e| format!("cannot start the simulator: {e}"))?;
    let sim = Arc::new(sim);
    let env = sim_env(&sim);
    let recorders = [Recorder::with_specs(Vendor::Confluent, specs), Recorder::with_specs(Vendor::Tidbcloud, specs)];
    let confluent: linkplan_confluent::ClientBuilder = sim_builder(&sim, &env, &recorders[0]);
    let tidb: linkplan_tidbcloud::ClientBuilder = sim_builder(&sim, &env, &recorders[1]);
    let clients = Clients {
        confluent: confluent.build().map_err(|e| format!("the Confluent client: {e}"))?,
        tidb: tidb.build().map_err(|e| format!("the TiDB Cloud client: {e}"))?,
        sim: Arc::clone(&sim),
        world,
    };
    let result = clients.scenario(run, &recorders).await;
    collect(&recorders, run);
    drop(clients);
    if let Ok(sim) = Arc::try_unwrap(sim) {
        sim.shutdown().await;
    }
    result
}

/// Tables for the filter and `:describeSchemaTable`, when the world has none.
fn with_tables(world: &mut World) {
    let Some(cluster) = world.tidbcloud.clusters.first_mut() else { return };
    if cluster.databases.is_empty() {
        let table = |name: &str, handle_key| linkplan_sim::world::TableSeed { name: name.to_owned(), handle_key };
        cluster.databases.push(linkplan_sim::world::DatabaseSeed {
            name: "orders".to_owned(),
            tables: vec![table("orders", true), table("order_items", true), table("audit_log", false)],
        });
    }
}

struct Clients {
    confluent: linkplan_confluent::Client,
    tidb: linkplan_tidbcloud::Client,
    sim: Arc<RunningSim>,
    world: World,
}

impl Clients {
    async fn scenario(&self, run: &mut Run, recorders: &[Recorder; 2]) -> Result<(), String> {
        let world = &self.world;
        let tidb_cluster = world.tidbcloud.clusters.first().ok_or("the world has no TiDB cluster")?;
        let connection = world.tidbcloud.private_link_connections.first().ok_or("the world has no connection")?;
        let kafka = world.confluent.clusters.first().ok_or("the world has no Kafka cluster")?;
        let network = world.confluent.networks.first().ok_or("the world has no network")?;
        let (cluster, env) = (tidb_cluster.id.as_str(), kafka.environment.as_str());
        let server_name = format!("{}.{}.{}.aws.confluent.cloud", kafka.id, network.dns_domain_id, network.region);

        // The credentials: organization, service account, Kafka API key, role bindings.
        let org = self.confluent.organizations().current().await.map_err(step("list organizations"))?;
        let org = org.ok_or("no organization")?.id;
        let accounts = self.confluent.service_accounts();
        let request =
            CreateServiceAccount { display_name: NAME.to_owned(), description: Some("CDC writer".to_owned()) };
        let account = accounts.create(&request).await.map_err(step("create a service account"))?;
        expect_status(accounts.create(&request).await.map(drop), 409, "create the service account again", run);
        accounts.find(NAME).await.map_err(step("find the service account"))?.ok_or("the account is not found")?;
        accounts.list(&ServiceAccountFilter::default()).await.map_err(step("list service accounts"))?;
        let update = UpdateServiceAccount { description: Some("CDC writer".to_owned()), ..Default::default() };
        accounts.update(&account.id, &update).await.map_err(step("update the service account"))?;
        accounts.get(&account.id).await.map_err(step("get the service account"))?;

        let keys = self.confluent.api_keys();
        let key_request = CreateApiKey {
            display_name: NAME.to_owned(),
            description: None,
            owner: account.id.clone(),
            cluster: kafka.id.clone(),
            environment: env.to_owned(),
        };
        let key = keys.create(&key_request).await.map_err(step("create a Kafka API key"))?;
        keys.get(key.id()).await.map_err(step("get the key"))?;
        let filter = ApiKeyFilter { owner: Some(account.id.clone()), resource: Some(kafka.id.clone()) };
        keys.list(&filter).await.map_err(step("list keys"))?;
        let mut elsewhere = key_request.clone();
        elsewhere.cluster = "lkc-doesnotexist".to_owned();
        expect_status(keys.create(&elsewhere).await.map(drop), 422, "create a key for no cluster", run);

        let bindings = self.confluent.role_bindings();
        let write = CreateRoleBinding {
            principal: principal(&account.id),
            role_name: DEVELOPER_WRITE.to_owned(),
            crn_pattern: topic_crn(&org, env, &kafka.id, "tidb_*"),
        };
        let manage = CreateRoleBinding { role_name: DEVELOPER_MANAGE.to_owned(), ..write.clone() };
        let mut made = Vec::new();
        for b in [&write, &manage] {
            made.push(bindings.create(b).await.map_err(step("create a role binding"))?.id);
        }
        expect_status(bindings.create(&write).await.map(drop), 409, "create the role binding again", run);
        bindings.find(&write).await.map_err(step("find the role binding"))?.ok_or("the binding is not found")?;
        let under = RoleBindingFilter {
            principal: Some(write.principal.clone()),
            ..RoleBindingFilter::under(cluster_crn(&org, env, &kafka.id))
        };
        bindings.list(&under).await.map_err(step("list role bindings"))?;
        for id in &made {
            bindings.get(id).await.map_err(step("get a role binding"))?;
        }
        // What the clients do not implement, by hand while the key exists.
        collect(recorders, run);
        errors::credentials(&self.sim, &org, key.id(), run).await;

        // A new key works after a moment.
        self.sim.advance(Duration::from_secs(60));

        // The changefeed: tables, the connectivity test, the lifecycle.
        let feeds = self.tidb.changefeeds();
        let rules = vec!["orders.*".to_owned()];
        feeds.describe_schema_table(cluster, &rules).await.map_err(step("describe the tables"))?;
        let sink = |port| {
            Sink::kafka(KafkaSink::new(
                KafkaNetwork::private_link(&connection.id, port),
                KafkaAuthentication::sasl_plain_tls(key.id(), key.secret.clone(), &server_name),
                DataFormat::protocol(KafkaProtocol::CanalJson),
                TopicPartitionConfig::per_table(TopicDispatchType::ByTable, "tidb_")
                    .with_topic_settings(Some(3), Some(3)),
            ))
        };
        feeds.test(cluster, &sink(CONFLUENT_PRIVATE_LINK_PORT)).await.map_err(step("test the sink"))?;
        expect_status(feeds.test(cluster, &sink(9093)).await, 400, "test a sink on the wrong port", run);
        let filter = Filter::rules(rules.clone(), Some(TableMode::IgnoreNotSupportTable));
        let create = CreateChangefeed {
            cluster_id: cluster.to_owned(),
            display_name: NAME.to_owned(),
            sink: sink(CONFLUENT_PRIVATE_LINK_PORT),
            filter: filter.clone(),
            start_position: None,
        };
        let created = feeds.create(&create).await.map_err(step("create the changefeed"))?;
        let id = created.changefeed_id.as_str();
        self.sim.advance(Duration::from_secs(60));
        let running = feeds.get(cluster, id).await.map_err(step("get the changefeed"))?;
        if running.state != Some(ChangefeedState::Running) {
            return Err(format!("the changefeed is {:?}, not RUNNING: {:?}", running.state, running.error));
        }
        feeds.find(cluster, NAME).await.map_err(step("find the changefeed"))?.ok_or("the changefeed is not found")?;
        feeds.list(cluster, Some(&ChangefeedType::Kafka)).await.map_err(step("list changefeeds"))?;
        let edit = EditChangefeed { display_name: None, sink: sink(CONFLUENT_PRIVATE_LINK_PORT), filter };
        expect_status(feeds.edit(cluster, id, &edit).await.map(drop), 400, "edit a running changefeed", run);
        feeds.stop(cluster, id).await.map_err(step("stop the changefeed"))?;
        feeds.edit(cluster, id, &edit).await.map_err(step("edit the changefeed"))?;
        feeds.start(cluster, id).await.map_err(step("start the changefeed"))?;
        feeds.delete(cluster, id).await.map_err(step("delete the changefeed"))?;
        expect_status(feeds.get(cluster, id).await.map(drop), 404, "get the deleted changefeed", run);

        // Remove the credentials, bindings first (as destroy does).
        for id in &made {
            bindings.delete(id).await.map_err(step("delete a role binding"))?;
        }
        expect_status(bindings.get(&made[0]).await.map(drop), 404, "get a deleted role binding", run);
        keys.delete(key.id()).await.map_err(step("delete the key"))?;
        expect_status(keys.get(key.id()).await.map(drop), 404, "get the deleted key", run);
        accounts.delete(&account.id).await.map_err(step("delete the service account"))?;
        expect_status(accounts.get(&account.id).await.map(drop), 404, "get the deleted service account", run);
        Ok(())
    }
}

/// An error of step `what`, for the scenario's `?`.
fn step<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> String {
    move |e| format!("{what}: {e}")
}

/// A call that must fail with `status`; anything else is a failure of the run.
fn expect_status<E: ClientError>(result: Result<(), E>, status: u16, what: &str, run: &mut Run) {
    match result {
        Err(e) if e.status() == Some(status) => {}
        Err(e) => run.failures.push(format!("clients: {what}: expected {status}, got {e}")),
        Ok(()) => run.failures.push(format!("clients: {what}: expected {status}, got a success")),
    }
}

/// The status of either client's error.
trait ClientError: std::fmt::Display {
    fn status(&self) -> Option<u16>;
}

impl ClientError for linkplan_confluent::Error {
    fn status(&self) -> Option<u16> {
        linkplan_confluent::Error::status(self).map(|s| s.as_u16())
    }
}

impl ClientError for linkplan_tidbcloud::Error {
    fn status(&self) -> Option<u16> {
        linkplan_tidbcloud::Error::status(self).map(|s| s.as_u16())
    }
}

/// Move what the recorders saw into `run`, as the clients' exchanges.
fn collect(recorders: &[Recorder; 2], run: &mut Run) {
    for recorder in recorders {
        let vendor = recorder.vendor();
        for r in recorder.take() {
            let problems: Vec<String> =
                r.response_not_json.iter().map(|e| format!("response body is not JSON: {e}")).collect();
            if r.status.is_none() {
                run.failures.push(format!(
                    "clients: {} {}: no response ({})",
                    r.method,
                    r.target,
                    r.error.as_deref().unwrap_or("?")
                ));
            }
            run.exchanges.push(Exchange {
                source: Source::Client,
                vendor,
                method: r.method,
                target: r.target,
                status: r.status,
                request_body: r.request_body,
                response_body: r.response_body,
                problems,
                notes: Vec::new(),
                op: None,
            });
        }
    }
}
