//! The changefeed's credentials against the simulator: the organization, service accounts, Kafka
//! API keys (the secret only from the create; a lost create answer means delete and make a new
//! one) and role bindings (the `mds/v2` paths), with their errors and pagination.

use linkplan_confluent::resources::api_keys::{ApiKeyFilter, CreateApiKey};
use linkplan_confluent::resources::role_bindings::{
    self, CreateRoleBinding, DEVELOPER_MANAGE, DEVELOPER_WRITE, RoleBindingFilter, cluster_crn, principal, topic_crn,
};
use linkplan_confluent::resources::service_accounts::{
    self, CreateServiceAccount, ServiceAccountFilter, UpdateServiceAccount,
};
use linkplan_confluent::resources::{api_keys, organizations};
use linkplan_sim::{FaultAction, World};
use serde_json::json;

use crate::util::{ENV, Harness, NETWORK, world_with};

const ORG: &str = "11111111-2222-4333-8444-555555555555";
const KAFKA: &str = "lkc-m4x8p2";

fn pages(items: usize, page_size: u32) -> usize {
    items.div_ceil(page_size as usize).max(1)
}

/// The example credentials and network, a Dedicated cluster on it, and `extra` YAML under
/// `confluent:`.
fn iam_world(extra: &str) -> World {
    let cluster = format!(
        "  clusters:\n    - {{ id: {KAFKA}, environment: {ENV}, network: {NETWORK}, display_name: orders, region: us-east-1 }}\n"
    );
    world_with("", &format!("{cluster}{extra}"))
}

fn cdc_account() -> CreateServiceAccount {
    CreateServiceAccount { display_name: "linkplan-orders-cdc".to_owned(), description: Some("CDC writer".to_owned()) }
}

fn kafka_key(owner: &str) -> CreateApiKey {
    CreateApiKey {
        display_name: "linkplan-orders-cdc".to_owned(),
        description: None,
        owner: owner.to_owned(),
        cluster: KAFKA.to_owned(),
        environment: ENV.to_owned(),
    }
}

#[tokio::test]
async fn the_organization_names_the_crns() {
    let h = Harness::new().await;
    let orgs = h.client.organizations().list().await.expect("list");
    assert_eq!(orgs.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(), [ORG]);
    let current = h.client.organizations().current().await.expect("current").expect("one organization");
    assert_eq!(current.id, ORG);
    let records = h.requests.take();
    assert_eq!(records[0].target, format!("/org/v2/organizations?page_size={}", organizations::MAX_PAGE_SIZE));
    assert_eq!(
        topic_crn(&current.id, ENV, KAFKA, "tidb_*"),
        format!(
            "crn://confluent.cloud/organization={ORG}/environment={ENV}/cloud-cluster={KAFKA}/kafka={KAFKA}/topic=tidb_*"
        )
    );
}

#[tokio::test]
async fn service_account_lifecycle() {
    let h = Harness::new().await;
    let accounts = h.client.service_accounts();
    assert!(accounts.find("linkplan-orders-cdc").await.expect("find").is_none());
    h.requests.take();

    let created = accounts.create(&cdc_account()).await.expect("create");
    assert!(created.id.starts_with("sa-"), "{}", created.id);
    assert_eq!(created.display_name.as_deref(), Some("linkplan-orders-cdc"));
    let sent = h.requests.take();
    assert_eq!(
        (sent[0].method.as_str(), sent[0].target.as_str(), sent[0].status),
        ("POST", "/iam/v2/service-accounts", Some(201))
    );
    assert_eq!(
        sent[0].request_body,
        Some(json!({ "display_name": "linkplan-orders-cdc", "description": "CDC writer" }))
    );

    let taken = accounts.create(&cdc_account()).await.expect_err("the name is unique in the organization");
    assert!(taken.is_conflict() && !taken.is_ambiguous(), "{taken}");
    assert_eq!(taken.api().and_then(|a| a.body()).and_then(|b| b.code()), Some("resource_already_exists"));

    let found = accounts.find("linkplan-orders-cdc").await.expect("find").expect("found");
    assert_eq!(found.id, created.id);
    assert_eq!(found.principal(), format!("User:{}", created.id));
    let filter = ServiceAccountFilter { display_name: vec!["linkplan-orders-cdc".to_owned(), "other".to_owned()] };
    h.requests.take();
    assert_eq!(accounts.list(&filter).await.expect("list").len(), 1);
    let target = h.requests.take().pop().expect("the list").target;
    assert!(target.contains("display_name=linkplan-orders-cdc&display_name=other"), "{target}");

    let update = UpdateServiceAccount { description: Some("writes orders".to_owned()), ..Default::default() };
    let updated = accounts.update(&created.id, &update).await.expect("update");
    assert_eq!(updated.description.as_deref(), Some("writes orders"));
    let sent = h.requests.take().pop().expect("the update");
    assert_eq!((sent.method.as_str(), sent.request_body), ("PATCH", Some(json!({ "description": "writes orders" }))));
    assert_eq!(accounts.get(&created.id).await.expect("get").description.as_deref(), Some("writes orders"));

    accounts.delete(&created.id).await.expect("delete");
    assert!(accounts.get(&created.id).await.expect_err("gone").is_not_found());
    assert!(accounts.delete(&created.id).await.expect_err("gone").is_not_found());
    assert!(accounts.find("linkplan-orders-cdc").await.expect("find").is_none());
}

#[tokio::test]
async fn a_kafka_api_key_shows_its_secret_once() {
    let h = Harness::with_world(iam_world("")).await;
    let account = h.client.service_accounts().create(&cdc_account()).await.expect("service account");
    let keys = h.client.api_keys();
    h.requests.take();

    let new = keys.create(&kafka_key(&account.id)).await.expect("create");
    assert!(!new.secret.expose().is_empty());
    assert_eq!((new.key.owner_id(), new.key.resource_id()), (Some(account.id.as_str()), Some(KAFKA)));
    let sent = h.requests.take().pop().expect("the create");
    assert_eq!(sent.status, Some(202));
    assert_eq!(
        sent.request_body,
        Some(json!({ "spec": { "display_name": "linkplan-orders-cdc", "owner": { "id": account.id },
                               "resource": { "id": KAFKA, "environment": ENV } } }))
    );
    assert!(!format!("{new:?}").contains(new.secret.expose()));

    // Never again: neither get nor list carries it.
    let got = keys.get(new.id()).await.expect("get");
    assert_eq!(got.id, new.id());
    let listed = keys.list(&ApiKeyFilter { owner: Some(account.id.clone()), resource: None }).await.expect("list");
    assert_eq!(listed.len(), 1);
    for r in h.requests.take() {
        let body = r.response_body.map(|b| b.to_string()).expect("a JSON answer");
        assert!(!body.contains("\"secret\"") && !body.contains(new.secret.expose()), "{} {body}", r.target);
        if r.target.contains('?') {
            assert!(r.target.contains("spec.owner="), "{}", r.target);
        }
    }
    let by_cluster = ApiKeyFilter { owner: None, resource: Some(KAFKA.to_owned()) };
    assert_eq!(keys.list(&by_cluster).await.expect("list").len(), 1);
    let others = ApiKeyFilter { owner: Some("sa-nobody".to_owned()), resource: Some(KAFKA.to_owned()) };
    assert!(keys.list(&others).await.expect("list").is_empty());
    let found = keys.find_all(&account.id, KAFKA, "linkplan-orders-cdc").await.expect("find_all");
    assert_eq!(found.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(), [new.id()]);
    assert!(keys.find_all(&account.id, KAFKA, "another-name").await.expect("find_all").is_empty());

    keys.delete(new.id()).await.expect("delete");
    assert!(keys.get(new.id()).await.expect_err("gone").is_not_found());
    assert!(keys.delete(new.id()).await.expect_err("gone").is_not_found());
}

#[tokio::test]
async fn a_key_whose_create_answer_was_lost_is_deleted_and_made_again() {
    let h = Harness::with_world(iam_world("")).await;
    let account = h.client.service_accounts().create(&cdc_account()).await.expect("service account");
    let keys = h.client.api_keys();
    h.requests.take();
    h.fault("POST", "/iam/v2/api-keys", Some(1), FaultAction::DropAfterApply);
    let err = keys.create(&kafka_key(&account.id)).await.expect_err("the answer was lost");
    assert!(err.is_ambiguous(), "{err}");
    assert_eq!(h.requests.count(), 1, "a create is not replayed after a dropped connection");

    // The key exists, but its secret went with the answer: it is useless. Delete, then create.
    let orphans = keys.find_all(&account.id, KAFKA, "linkplan-orders-cdc").await.expect("find_all");
    assert_eq!(orphans.len(), 1, "the lost create happened");
    for orphan in &orphans {
        keys.delete(&orphan.id).await.expect("delete the unusable key");
    }
    let new = keys.create(&kafka_key(&account.id)).await.expect("a new key");
    assert!(!new.secret.expose().is_empty());
    let live = keys.find_all(&account.id, KAFKA, "linkplan-orders-cdc").await.expect("find_all");
    assert_eq!(live.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(), [new.id()], "no orphan is left");

    // A 5xx on a create is ambiguous too, and not retried.
    h.fault("POST", "/iam/v2/api-keys", Some(1), FaultAction::ServerError { status: 500 });
    h.requests.take();
    let err = keys.create(&kafka_key(&account.id)).await.expect_err("500");
    assert!(err.is_ambiguous() && err.is_retryable(), "{err}");
    assert_eq!(h.requests.count(), 1);
}

#[tokio::test]
async fn api_key_errors_point_at_the_problem() {
    let h = Harness::with_world(iam_world("")).await;
    let keys = h.client.api_keys();
    let err = keys.create(&kafka_key("sa-nobody")).await.expect_err("no such owner");
    assert!(!err.is_ambiguous(), "a 4xx created nothing: {err}");
    assert_eq!(err.api().and_then(|a| a.body()).and_then(|b| b.source_pointer()), Some("/spec/owner/id"), "{err}");
    let account = h.client.service_accounts().create(&cdc_account()).await.expect("service account");
    let mut elsewhere = kafka_key(&account.id);
    elsewhere.cluster = "lkc-nope".to_owned();
    let err = keys.create(&elsewhere).await.expect_err("no such cluster");
    assert_eq!(err.api().and_then(|a| a.body()).and_then(|b| b.source_pointer()), Some("/spec/resource/id"), "{err}");
    assert!(keys.get("NOSUCHKEY").await.expect_err("404").is_not_found());
}

#[tokio::test]
async fn role_binding_lifecycle() {
    let h = Harness::with_world(iam_world("")).await;
    let account = h.client.service_accounts().create(&cdc_account()).await.expect("service account");
    let bindings = h.client.role_bindings();
    let write = CreateRoleBinding {
        principal: principal(&account.id),
        role_name: DEVELOPER_WRITE.to_owned(),
        crn_pattern: topic_crn(ORG, ENV, KAFKA, "tidb_*"),
    };
    let manage = CreateRoleBinding { role_name: DEVELOPER_MANAGE.to_owned(), ..write.clone() };
    assert!(bindings.find(&write).await.expect("find").is_none());
    h.requests.take();

    let created = bindings.create(&write).await.expect("create");
    assert!(created.id.starts_with("rb-") && created.matches(&write), "{created:?}");
    let sent = h.requests.take().pop().expect("the create");
    assert_eq!((sent.target.as_str(), sent.status), ("/iam/v2/role-bindings", Some(201)));
    assert_eq!(
        sent.request_body,
        Some(json!({ "principal": write.principal, "role_name": "DeveloperWrite", "crn_pattern": write.crn_pattern }))
    );
    let twice = bindings.create(&write).await.expect_err("the same binding twice");
    assert!(twice.is_conflict(), "{twice}");
    let managed = bindings.create(&manage).await.expect("create");

    let found = bindings.find(&write).await.expect("find").expect("found");
    assert_eq!(found.id, created.id);
    assert_eq!(bindings.find(&manage).await.expect("find").map(|b| b.id), Some(managed.id.clone()));
    let under_cluster = RoleBindingFilter {
        principal: Some(write.principal.clone()),
        ..RoleBindingFilter::under(cluster_crn(ORG, ENV, KAFKA))
    };
    h.requests.take();
    assert_eq!(bindings.list(&under_cluster).await.expect("list").len(), 2);
    let target = h.requests.take().pop().expect("the list").target;
    assert!(target.starts_with("/iam/v2/role-bindings?crn_pattern=crn%3A%2F%2Fconfluent.cloud"), "{target}");
    assert!(target.contains("principal=User%3A"), "{target}");
    let only_write = RoleBindingFilter { role_name: Some(DEVELOPER_WRITE.to_owned()), ..under_cluster.clone() };
    assert_eq!(bindings.list(&only_write).await.expect("list").len(), 1);
    let elsewhere = RoleBindingFilter::under(cluster_crn(ORG, ENV, "lkc-other"));
    assert!(bindings.list(&elsewhere).await.expect("list").is_empty());
    assert_eq!(bindings.get(&created.id).await.expect("get").role_name.as_deref(), Some(DEVELOPER_WRITE));

    bindings.delete(&created.id).await.expect("delete (200 with the binding)");
    assert!(bindings.get(&created.id).await.expect_err("gone").is_not_found());
    assert!(bindings.delete(&created.id).await.expect_err("gone").is_not_found());
    assert!(bindings.find(&write).await.expect("find").is_none());
    assert!(bindings.find(&manage).await.expect("find").is_some());
}

#[tokio::test]
async fn role_binding_errors_point_at_the_problem() {
    let h = Harness::with_world(iam_world("")).await;
    let bindings = h.client.role_bindings();
    let unknown = CreateRoleBinding {
        principal: principal("sa-nobody"),
        role_name: DEVELOPER_WRITE.to_owned(),
        crn_pattern: topic_crn(ORG, ENV, KAFKA, "orders"),
    };
    let err = bindings.create(&unknown).await.expect_err("no such service account");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
    assert_eq!(err.api().and_then(|a| a.body()).and_then(|b| b.source_pointer()), Some("/principal"));
    assert!(!err.is_ambiguous());
    let account = h.client.service_accounts().create(&cdc_account()).await.expect("service account");
    let other_org = CreateRoleBinding {
        principal: principal(&account.id),
        crn_pattern: topic_crn("o-other", ENV, KAFKA, "x"),
        ..unknown
    };
    let err = bindings.create(&other_org).await.expect_err("another organization");
    assert_eq!(err.api().and_then(|a| a.body()).and_then(|b| b.source_pointer()), Some("/crn_pattern"), "{err}");
    // The list needs a CRN pattern: an empty one is the vendor's 400 about the parameter.
    let err = bindings.list(&RoleBindingFilter::under("")).await.expect_err("crn_pattern is required");
    assert_eq!(err.api().and_then(|a| a.body()).and_then(|b| b.source_parameter()), Some("crn_pattern"), "{err}");
}

#[tokio::test]
async fn iam_lists_follow_every_page() {
    let accounts: String =
        (0..249).map(|i| format!("    - {{ id: sa-gen{i}, display_name: account-{i} }}\n")).collect();
    let keys: String = (0..150)
        .map(|i| {
            format!("    - {{ id: GENKEY{i:05}, secret: s{i}, owner: sa-gen0, resource: {KAFKA}, display_name: k }}\n")
        })
        .collect();
    let crn = topic_crn(ORG, ENV, KAFKA, "");
    let bindings: String = (0..120)
        .map(|i| format!("    - {{ id: rb-gen{i}, principal: 'User:sa-gen1', role_name: DeveloperWrite, crn_pattern: '{crn}t{i}' }}\n"))
        .collect();
    let extra = format!("  service_accounts:\n{accounts}  api_keys:\n{keys}  role_bindings:\n{bindings}");
    let h = Harness::with_world(iam_world(&extra)).await;

    let all = h.client.service_accounts().list(&ServiceAccountFilter::default()).await.expect("list");
    assert_eq!(all.len(), 249);
    let records = h.requests.take();
    assert_eq!(records.len(), pages(249, service_accounts::MAX_PAGE_SIZE));
    assert_eq!(records.len(), 3);
    assert!(records[0].target.contains("page_size=100") && records[1].target.contains("page_token="));
    h.client.service_accounts().create(&cdc_account()).await.expect("create");
    h.requests.take();
    let found = h.client.service_accounts().find("account-248").await.expect("find").expect("found");
    assert_eq!(found.id, "sa-gen248");
    assert_eq!(h.requests.count(), 1, "the display name is filtered by the server");

    let filter = ApiKeyFilter { owner: Some("sa-gen0".to_owned()), resource: Some(KAFKA.to_owned()) };
    h.requests.take();
    assert_eq!(h.client.api_keys().list(&filter).await.expect("list").len(), 150);
    let records = h.requests.take();
    assert_eq!(records.len(), pages(150, api_keys::MAX_PAGE_SIZE));
    assert!(records.iter().all(|r| r.target.contains("spec.owner=sa-gen0") && r.target.contains("spec.resource=")));

    let filter = RoleBindingFilter {
        principal: Some("User:sa-gen1".to_owned()),
        ..RoleBindingFilter::under(cluster_crn(ORG, ENV, KAFKA))
    };
    assert_eq!(h.client.role_bindings().list(&filter).await.expect("list").len(), 120);
    let records = h.requests.take();
    assert_eq!(records.len(), pages(120, role_bindings::MAX_PAGE_SIZE));
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r.target.contains("crn_pattern=") && r.target.contains("principal=")));
}
