//! Every operation against the simulator: clusters, availability zones, private link
//! connections, and domains (preview, attach, detach).

use linkplan_tidbcloud::resources::clusters::{ClusterPlan, ClusterState};
use linkplan_tidbcloud::resources::private_link_connections::{
    AttachDomainRequest, DomainType, PrivateLinkConnectionState, PrivateLinkConnectionType,
};
use serde_json::json;

use crate::util::{ACCOUNT, CLUSTER, Harness, SERVICE, UNIQUE_NAME, allow_tidb_account, connection};

fn confluent_domains() -> AttachDomainRequest {
    AttachDomainRequest { kind: DomainType::Confluent, unique_name: UNIQUE_NAME.to_owned() }
}

#[tokio::test]
async fn clusters_get_and_list() {
    let h = Harness::new().await;
    let c = h.client.clusters().get(CLUSTER).await.expect("get");
    assert_eq!(c.cluster_id, CLUSTER);
    assert_eq!(c.state, Some(ClusterState::Active));
    assert_eq!(c.cluster_plan, Some(ClusterPlan::Essential));
    assert_eq!(c.aws_region(), Some("us-east-1"));
    assert_eq!(c.labels.get("tidb.cloud/project").map(String::as_str), Some("1372813089454525346"));
    let all = h.client.clusters().list(None).await.expect("list");
    assert_eq!(all.len(), 1);
    let none = h.client.clusters().list(Some("displayName=\"nope\"")).await.expect("filtered list");
    assert!(none.is_empty());
    let targets: Vec<String> = h.requests.take().into_iter().map(|r| r.target).collect();
    assert!(targets.contains(&"/v1beta1/clusters/10140100115280519574".to_owned()), "{targets:?}");
    assert!(targets.iter().any(|t| t.starts_with("/v1beta1/clusters?pageSize=100")), "{targets:?}");
}

#[tokio::test]
async fn availability_zones_use_the_colon_path() {
    let h = Harness::new().await;
    let zones = h.client.private_link_connections().availability_zones(CLUSTER).await.expect("zones");
    assert_eq!(zones.account_id.as_deref(), Some(ACCOUNT));
    assert_eq!(zones.az_ids, ["use1-az1", "use1-az2", "use1-az4"]);
    let last = h.requests.take().pop().expect("a request");
    assert_eq!(last.method, "GET");
    assert_eq!(last.target, "/v1beta1/clusters/10140100115280519574/privateLinkConnections:getAvailabilityZones");
    assert!(last.request_id.is_some(), "X-Debug-Trace-Id is recorded");
}

#[tokio::test]
async fn connection_lifecycle_with_domains() {
    let h = Harness::new().await;
    allow_tidb_account(&h).await;
    let plcs = h.client.private_link_connections();
    assert!(plcs.find(CLUSTER, SERVICE).await.expect("find").is_none());

    h.requests.take();
    let created = plcs.create(&connection()).await.expect("create");
    assert_eq!(created.state, Some(PrivateLinkConnectionState::Creating));
    assert_eq!(created.kind, Some(PrivateLinkConnectionType::AwsEndpointService));
    assert_eq!(created.aws_service_name(), Some(SERVICE));
    let sent = h.requests.take().pop().expect("the create");
    assert_eq!(
        sent.request_body,
        Some(json!({ "privateLinkConnection": {
            "clusterId": CLUSTER, "displayName": "to-confluent", "type": "AWS_ENDPOINT_SERVICE",
            "awsEndpointService": { "name": SERVICE },
        }}))
    );

    let err = plcs.attach_domains(CLUSTER, &created.private_link_connection_id, &confluent_domains()).await;
    let err = err.expect_err("not ACTIVE yet");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");

    h.advance(60);
    let id = created.private_link_connection_id.clone();
    let active = plcs.get(CLUSTER, &id).await.expect("get");
    assert_eq!(active.state, Some(PrivateLinkConnectionState::Active));
    assert!(active.aws_endpoint_service.as_ref().is_some_and(|s| s.endpoint_id.is_some()));
    let found = plcs.find(CLUSTER, SERVICE).await.expect("find").expect("found");
    assert_eq!(found.private_link_connection_id, id);
    let active_only = plcs.list(CLUSTER, Some(&PrivateLinkConnectionState::Active)).await.expect("list");
    assert_eq!(active_only.len(), 1);
    assert!(plcs.list(CLUSTER, Some(&PrivateLinkConnectionState::Failed)).await.expect("list").is_empty());

    let preview = plcs.preview_domains(CLUSTER, &id, &confluent_domains()).await.expect("preview");
    assert!(preview.attach_domain_id.is_none());
    assert!(preview.domains.iter().any(|d| d.name.as_deref() == Some("*.domnprzqrog.us-east-1.aws.confluent.cloud")));
    assert!(plcs.find_attached(CLUSTER, &id, &confluent_domains()).await.expect("get").is_none(), "preview only");
    h.requests.take();

    let attached = plcs.attach_domains(CLUSTER, &id, &confluent_domains()).await.expect("attach");
    let attach_id = attached.attach_domain_id.clone().expect("an attach id");
    let sent = h.requests.take().pop().expect("the attach");
    assert!(sent.target.ends_with(&format!("/privateLinkConnections/{id}:attachDomains")), "{}", sent.target);
    assert_eq!(
        sent.request_body,
        Some(json!({ "attachDomain": { "type": "CONFLUENT", "uniqueName": UNIQUE_NAME }, "validateOnly": false }))
    );
    let again = plcs.attach_domains(CLUSTER, &id, &confluent_domains()).await.expect_err("attached twice");
    assert!(again.is_conflict(), "{again}");
    h.advance(60);
    let found = plcs.find_attached(CLUSTER, &id, &confluent_domains()).await.expect("get").expect("attached");
    assert_eq!(found.attach_domain_id.as_deref(), Some(attach_id.as_str()));
    assert!(found.domains.iter().all(|d| d.state.as_deref() == Some("ACTIVE")), "{found:?}");

    let detached = plcs.detach_domains(CLUSTER, &id, &attach_id).await.expect("detach");
    assert_eq!(detached.attach_domain_id.as_deref(), Some(attach_id.as_str()));
    assert!(plcs.detach_domains(CLUSTER, &id, "42").await.expect_err("unknown attachment").is_not_found());

    let deleted = plcs.delete(CLUSTER, &id).await.expect("delete");
    assert_eq!(deleted.state, Some(PrivateLinkConnectionState::Deleting));
    h.advance(60);
    assert!(plcs.get(CLUSTER, &id).await.expect_err("gone").is_not_found());
    assert!(plcs.find(CLUSTER, SERVICE).await.expect("find").is_none());
}

#[tokio::test]
async fn a_connection_without_an_access_fails_with_the_reason() {
    let h = Harness::new().await;
    let plcs = h.client.private_link_connections();
    let created = plcs.create(&connection()).await.expect("create");
    h.advance(60);
    let plc = plcs.get(CLUSTER, &created.private_link_connection_id).await.expect("get");
    assert_eq!(plc.state, Some(PrivateLinkConnectionState::Failed), "{plc:?}");
    let message = plc.message.as_deref().unwrap_or_default();
    assert!(message.contains("is not available to AWS account") && message.contains(SERVICE), "{message}");
}
