//! The runbook end to end, and each way the TiDB ↔ Confluent link fails or waits.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::util::{ACCOUNT, CLUSTER, ENV, Harness, NETWORK, SERVICE, dedicated_cluster};

fn plc_body(name: &str, service: &str) -> Value {
    json!({ "privateLinkConnection": {
        "clusterId": CLUSTER,
        "displayName": name,
        "type": "AWS_ENDPOINT_SERVICE",
        "awsEndpointService": { "name": service },
    }})
}

async fn create_plc(h: &Harness, service: &str) -> String {
    let r = h
        .ti(
            Method::POST,
            &format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections"),
            Some(plc_body("to-confluent", service)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["state"], "CREATING");
    r.body["privateLinkConnectionId"].as_str().expect("plc id").to_owned()
}

async fn plc(h: &Harness, id: &str) -> Value {
    let r = h.ti(Method::GET, &format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/{id}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

async fn create_pla(h: &Harness, network: &str, account: &str) -> Value {
    let body = json!({ "spec": {
        "display_name": "tidb-orders-cdc",
        "cloud": { "kind": "AwsPrivateLinkAccess", "account": account },
        "network": { "id": network },
        "environment": { "id": ENV },
    }});
    h.cf(Method::POST, "/networking/v1/private-link-accesses", Some(body)).await.body
}

#[tokio::test]
async fn the_runbook_connects_and_tears_down() {
    let h = Harness::new().await;

    // Pre-flight.
    let c = h.ti(Method::GET, &format!("/v1beta1/clusters/{CLUSTER}"), None).await;
    assert_eq!(c.status, StatusCode::OK);
    assert_eq!(c.body["state"], "ACTIVE");
    assert_eq!(c.body["region"]["regionId"], "aws-us-east-1");
    assert_eq!(c.body["clusterPlan"], "ESSENTIAL");
    let azs = h
        .ti(Method::GET, &format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections:getAvailabilityZones"), None)
        .await;
    assert_eq!(azs.body, json!({ "accountId": ACCOUNT, "azIds": ["use1-az1", "use1-az2", "use1-az4"] }));
    let env = h.cf(Method::GET, &format!("/org/v2/environments/{ENV}"), None).await;
    assert_eq!(env.status, StatusCode::OK);
    assert_eq!(env.body["kind"], "Environment");

    // Step 1: the network exists and is READY with its DNS and service name.
    let nets = h.cf(Method::GET, &format!("/networking/v1/networks?environment={ENV}"), None).await;
    let net = &nets.body["data"][0];
    assert_eq!(net["id"], NETWORK);
    assert_eq!(net["status"]["phase"], "READY");
    assert_eq!(net["status"]["cloud"]["private_link_endpoint_service"], SERVICE);
    assert_eq!(net["status"]["zonal_subdomains"]["use1-az1"], "use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud");

    // Step 2: the access for TiDB's account.
    let r = h
        .cf(
            Method::POST,
            "/networking/v1/private-link-accesses",
            Some(json!({ "spec": {
                "display_name": "tidb-orders-cdc",
                "cloud": { "kind": "AwsPrivateLinkAccess", "account": ACCOUNT },
                "network": { "id": NETWORK },
                "environment": { "id": ENV },
            }})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["status"]["phase"], "PROVISIONING");
    let pla = r.body["id"].as_str().expect("id").to_owned();
    let location = r.headers["location"].to_str().expect("location");
    assert!(location.ends_with(&format!("/networking/v1/private-link-accesses/{pla}")));
    h.advance(60);
    let r = h.cf(Method::GET, &format!("/networking/v1/private-link-accesses/{pla}?environment={ENV}"), None).await;
    assert_eq!(r.body["status"]["phase"], "READY");

    // Step 3: the Dedicated cluster.
    let r = h.cf(Method::POST, "/cmk/v2/clusters", Some(dedicated_cluster())).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["status"]["phase"], "PROVISIONING");
    let lkc = r.body["id"].as_str().expect("id").to_owned();
    assert!(r.headers.contains_key("location"));
    h.advance(600);
    let r = h.cf(Method::GET, &format!("/cmk/v2/clusters/{lkc}?environment={ENV}"), None).await;
    assert_eq!(r.body["status"]["phase"], "PROVISIONED");
    assert_eq!(r.body["spec"]["endpoints"]["PRIVATE_LINK"]["connection_type"], "PRIVATE_LINK");

    // Step 4: the TiDB connection and the Confluent domains.
    let id = create_plc(&h, SERVICE).await;
    h.advance(60);
    let p = plc(&h, &id).await;
    assert_eq!(p["state"], "ACTIVE", "{p}");
    assert!(p["awsEndpointService"]["endpointId"].as_str().expect("endpoint").starts_with("vpce-"));
    assert_eq!(p["awsEndpointService"]["availabilityZoneIds"], json!(["use1-az1", "use1-az2", "use1-az4"]));

    let attach = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/{id}:attachDomains");
    let dry = h
        .ti(Method::POST, &attach, Some(json!({ "attachDomain": { "type": "CONFLUENT", "uniqueName": "domnprzqrog.us-east-1" }, "validateOnly": true })))
        .await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
    assert!(dry.body.get("attachDomainId").is_none());
    assert_eq!(dry.body["domains"][0]["name"], "*.domnprzqrog.us-east-1.aws.confluent.cloud");
    assert!(plc(&h, &id).await["attachedDomains"].as_array().expect("array").is_empty());

    let wrong = h
        .ti(
            Method::POST,
            &attach,
            Some(json!({ "attachDomain": { "type": "CONFLUENT", "uniqueName": "other.us-east-1" } })),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body["message"].as_str().expect("message").contains("does not match"));

    let done = h
        .ti(Method::POST, &attach, Some(json!({ "attachDomain": { "type": "CONFLUENT", "uniqueName": "domnprzqrog.us-east-1" }, "validateOnly": false })))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let attach_id = done.body["attachDomainId"].as_str().expect("attach id").to_owned();
    let again = h
        .ti(
            Method::POST,
            &attach,
            Some(json!({ "attachDomain": { "type": "CONFLUENT", "uniqueName": "domnprzqrog.us-east-1" } })),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    h.advance(30);
    let p = plc(&h, &id).await;
    assert_eq!(p["attachedDomains"][0]["attachDomainId"], attach_id.as_str());
    assert_eq!(p["attachedDomains"][0]["domains"][0]["state"], "ACTIVE");

    // Teardown, in reverse.
    let detach = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/{id}:detachDomains");
    let r = h.ti(Method::POST, &detach, Some(json!({ "attachDomainId": attach_id }))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    h.advance(30);
    assert!(plc(&h, &id).await["attachedDomains"].as_array().expect("array").is_empty());
    let r = h.ti(Method::DELETE, &format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/{id}"), None).await;
    assert_eq!(r.body["state"], "DELETING");
    h.advance(30);
    let r = h.ti(Method::GET, &format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/{id}"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body["code"].is_i64() && r.body["details"].is_array());

    // The network cannot go while the access and cluster use it.
    let r = h.cf(Method::DELETE, &format!("/networking/v1/networks/{NETWORK}?environment={ENV}"), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body["errors"][0]["detail"].as_str().is_some_and(|d| d.contains("delete them first")));

    let r = h.cf(Method::DELETE, &format!("/cmk/v2/clusters/{lkc}?environment={ENV}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    h.advance(60);
    let r = h.cf(Method::GET, &format!("/cmk/v2/clusters/{lkc}?environment={ENV}"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = h.cf(Method::DELETE, &format!("/networking/v1/private-link-accesses/{pla}?environment={ENV}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h.cf(Method::GET, &format!("/networking/v1/private-link-accesses/{pla}?environment={ENV}"), None).await;
    assert_eq!(r.body["status"]["phase"], "DEPROVISIONING");
    assert!(r.body["metadata"]["deleted_at"].is_string());
    h.advance(60);
    let r = h.cf(Method::GET, &format!("/networking/v1/private-link-accesses/{pla}?environment={ENV}"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = h.cf(Method::DELETE, &format!("/networking/v1/networks/{NETWORK}?environment={ENV}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = h.cf(Method::GET, &format!("/networking/v1/networks/{NETWORK}?environment={ENV}"), None).await;
    assert_eq!(r.body["status"]["phase"], "DEPROVISIONING");
    h.advance(60);
    let r = h.cf(Method::GET, &format!("/networking/v1/networks/{NETWORK}?environment={ENV}"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_connection_made_before_the_account_is_allowed_fails_naming_service_and_account() {
    let h = Harness::new().await;
    // An access for another account does not allow TiDB's.
    create_pla(&h, NETWORK, "999999999999").await;
    h.advance(60);
    let id = create_plc(&h, SERVICE).await;
    h.advance(60);
    let p = plc(&h, &id).await;
    assert_eq!(p["state"], "FAILED", "{p}");
    let message = p["message"].as_str().expect("message");
    assert!(message.contains("not available to AWS account 123456789012"), "{message}");
    assert!(message.contains(SERVICE), "{message}");
    assert!(p["awsEndpointService"].get("endpointId").is_none(), "{p}");

    // Allowing the account afterwards does not revive it: AWS refused the endpoint.
    create_pla(&h, NETWORK, ACCOUNT).await;
    h.advance(60);
    assert_eq!(plc(&h, &id).await["state"], "FAILED");
    // A connection made once the account is allowed becomes ACTIVE at once (Confluent's
    // services accept allowed accounts by themselves).
    let again = create_plc(&h, SERVICE).await;
    h.advance(60);
    let p = plc(&h, &again).await;
    assert_eq!(p["state"], "ACTIVE", "{p}");
    assert!(p.get("message").is_none(), "{p}");
}

#[tokio::test]
async fn a_connection_made_while_the_access_is_provisioning_fails() {
    let h = Harness::new().await;
    let access = create_pla(&h, NETWORK, ACCOUNT).await;
    assert_eq!(access["status"]["phase"], "PROVISIONING");
    let id = create_plc(&h, SERVICE).await;
    h.advance(60);
    let p = plc(&h, &id).await;
    assert_eq!(p["state"], "FAILED", "{p}");
    assert!(p["message"].as_str().expect("message").contains("not available to AWS account"), "{p}");
}

#[tokio::test]
async fn a_service_that_requires_acceptance_waits_for_its_owner() {
    let world = linkplan_sim::world::EXAMPLE_WORLD
        .replace("      dns_resolution: PRIVATE", "      dns_resolution: PRIVATE\n      acceptance_required: true");
    let h = Harness::with_yaml(&world).await;
    // Not allowed: refused, acceptance or not.
    let refused = create_plc(&h, SERVICE).await;
    h.advance(60);
    assert_eq!(plc(&h, &refused).await["state"], "FAILED");

    create_pla(&h, NETWORK, ACCOUNT).await;
    h.advance(60);
    let id = create_plc(&h, SERVICE).await;
    h.advance(600);
    let p = plc(&h, &id).await;
    assert_eq!(p["state"], "PENDING_ACCEPTANCE", "{p}");
    let message = p["message"].as_str().expect("message");
    assert!(message.contains(SERVICE) && message.contains(ACCOUNT) && message.contains("accept"), "{message}");

    let accept = |id: &str| h.raw(Method::POST, &format!("/_sim/resources/{id}/accept"));
    assert_eq!(h.send(accept("plc-nope")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(h.send(accept(&refused)).await.status, StatusCode::CONFLICT, "only a pending endpoint is accepted");
    let r = h.send(accept(&id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let p = plc(&h, &id).await;
    assert_eq!(p["state"], "ACTIVE", "{p}");
    assert!(p.get("message").is_none(), "{p}");
    assert!(p["awsEndpointService"]["endpointId"].as_str().is_some_and(|e| e.starts_with("vpce-")), "{p}");
}

#[tokio::test]
async fn a_service_in_another_region_fails_the_connection() {
    let h = Harness::new().await;
    let r = h
        .cf(
            Method::POST,
            "/networking/v1/networks",
            Some(json!({ "spec": {
                "display_name": "west", "cloud": "AWS", "region": "us-west-2",
                "connection_types": ["PRIVATELINK"], "zones": ["usw2-az1", "usw2-az2", "usw2-az3"],
                "dns_config": { "resolution": "PRIVATE" }, "environment": { "id": ENV },
            }})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert!(r.body["status"].get("cloud").is_none(), "no service name before READY");
    let net = r.body["id"].as_str().expect("id").to_owned();
    h.advance(600);
    let r = h.cf(Method::GET, &format!("/networking/v1/networks/{net}?environment={ENV}"), None).await;
    assert_eq!(r.body["status"]["phase"], "READY");
    let service = r.body["status"]["cloud"]["private_link_endpoint_service"].as_str().expect("service").to_owned();
    assert!(service.starts_with("com.amazonaws.vpce.us-west-2.vpce-svc-"));
    assert_eq!(service.len(), "com.amazonaws.vpce.us-west-2.vpce-svc-".len() + 17);
    create_pla(&h, &net, ACCOUNT).await;
    h.advance(60);

    let id = create_plc(&h, &service).await;
    h.advance(60);
    let p = plc(&h, &id).await;
    assert_eq!(p["state"], "FAILED");
    let message = p["message"].as_str().expect("message");
    assert!(
        message.contains(&format!("endpoint service {service} is in region us-west-2"))
            && message.contains(&format!("TiDB cluster {CLUSTER} is in region us-east-1")),
        "{message}"
    );

    // Naming the service's region in awsEndpointService.region does not make it the cluster's:
    // the message says which region is whose (it once read "is in region us-west-2, but the
    // connection is in region us-west-2").
    let west = |name: &str, region: &str| {
        let mut body = plc_body(name, &service);
        body["privateLinkConnection"]["awsEndpointService"]["region"] = json!(region);
        body
    };
    let path = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections");
    let r = h.ti(Method::POST, &path, Some(west("cross-region", "us-west-2"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["awsEndpointService"]["region"], "us-west-2");
    let cross = r.body["privateLinkConnectionId"].as_str().expect("id").to_owned();
    // A region that is not the service's at all.
    let r = h.ti(Method::POST, &path, Some(west("wrong-region", "eu-west-1"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let wrong = r.body["privateLinkConnectionId"].as_str().expect("id").to_owned();
    h.advance(60);

    let p = plc(&h, &cross).await;
    assert_eq!(p["state"], "FAILED");
    let message = p["message"].as_str().expect("message");
    assert!(!message.contains("but the connection is in region us-west-2"), "{message}");
    assert!(
        message.contains(&format!("endpoint service {service} is in region us-west-2"))
            && message.contains("awsEndpointService.region")
            && message.contains(&format!("TiDB cluster {CLUSTER} is in region us-east-1")),
        "{message}"
    );
    let p = plc(&h, &wrong).await;
    assert_eq!(p["state"], "FAILED");
    let message = p["message"].as_str().expect("message");
    assert!(
        message.contains(&format!("endpoint service {service} is in region us-west-2, not in eu-west-1"))
            && message.contains("awsEndpointService.region"),
        "{message}"
    );
}

#[tokio::test]
async fn a_service_without_a_shared_zone_fails_the_connection() {
    let world = linkplan_sim::world::EXAMPLE_WORLD
        .replace("\n      zones: [use1-az1, use1-az2, use1-az4]", "\n      zones: [use1-az3, use1-az5, use1-az6]");
    let h = Harness::with_yaml(&world).await;
    create_pla(&h, NETWORK, ACCOUNT).await;
    h.advance(60);
    let id = create_plc(&h, SERVICE).await;
    h.advance(60);
    let p = plc(&h, &id).await;
    assert_eq!(p["state"], "FAILED");
    assert!(p["message"].as_str().expect("message").contains("availability zone"), "{p}");
}

#[tokio::test]
async fn an_unknown_service_fails_the_connection() {
    let h = Harness::new().await;
    let id = create_plc(&h, "com.amazonaws.vpce.us-east-1.vpce-svc-00000000000000000").await;
    h.advance(60);
    let p = plc(&h, &id).await;
    assert_eq!(p["state"], "FAILED");
    assert!(p["message"].as_str().expect("message").contains("does not exist"), "{p}");
    // Domains cannot be attached to a failed connection.
    let r = h
        .ti(
            Method::POST,
            &format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/{id}:attachDomains"),
            Some(json!({ "attachDomain": { "type": "CONFLUENT", "uniqueName": "domnprzqrog.us-east-1" } })),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_second_access_for_the_same_account_is_a_conflict() {
    let h = Harness::new().await;
    let first = create_pla(&h, NETWORK, ACCOUNT).await;
    let body = json!({ "spec": {
        "cloud": { "kind": "AwsPrivateLinkAccess", "account": ACCOUNT },
        "network": { "id": NETWORK }, "environment": { "id": ENV },
    }});
    let r = h.cf(Method::POST, "/networking/v1/private-link-accesses", Some(body)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["errors"][0]["code"], "resource_already_exists");
    assert_eq!(r.body["errors"][0]["status"], "409");
    let loc = r.headers["location"].to_str().expect("location");
    assert!(loc.ends_with(first["id"].as_str().expect("id")));
}

#[tokio::test]
async fn tidbcloud_managed_domains_can_be_previewed_without_a_unique_name() {
    let h = Harness::new().await;
    create_pla(&h, NETWORK, ACCOUNT).await;
    h.advance(60);
    let id = create_plc(&h, SERVICE).await;
    h.advance(60);
    let attach = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/{id}:attachDomains");
    let preview = h
        .ti(
            Method::POST,
            &attach,
            Some(json!({ "attachDomain": { "type": "TIDBCLOUD_MANAGED" }, "validateOnly": true })),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let generated = preview.body["uniqueName"].as_str().expect("generated unique name").to_owned();
    assert!(!generated.is_empty());
    assert!(preview.body["domains"][0]["name"].as_str().expect("name").contains(&generated));
    let r = h.ti(Method::POST, &attach, Some(json!({ "attachDomain": { "type": "TIDBCLOUD_MANAGED" } }))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "a real attach needs the unique name: {}", r.body);
    let r = h.ti(Method::POST, &attach, Some(json!({ "attachDomain": { "type": "AZURE", "uniqueName": "x" } }))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let detach = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/{id}:detachDomains");
    let r = h.ti(Method::POST, &detach, Some(json!({ "attachDomainId": "123" }))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = h
        .ti(Method::POST, &format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/{id}:explode"), Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
