//! Confluent IAM: service accounts (unique display names), API keys (the secret in the 202 create
//! response only), role bindings at the RBAC document's path, the organization, and faults, rate
//! limits and authentication on those routes.

use linkplan_sim::{Fault, FaultAction, Vendor};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::changefeeds::{LKC, ORG, connected, topic_crn};
use crate::util::{ENV, Harness, Reply, cf_error};

fn assert_cf_error(r: &Reply, status: StatusCode, code: &str, says: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    let e = cf_error(&r.body);
    assert_eq!((e["status"].as_str(), e["code"].as_str()), (Some(status.as_str()), Some(code)), "{}", r.body);
    let detail = e["detail"].as_str().expect("detail");
    assert!(detail.contains(says), "{detail:?} should say {says:?}");
    assert!(r.headers.contains_key("x-request-id"));
}

async fn service_account(h: &Harness, name: &str) -> Value {
    let r = h
        .cf(Method::POST, "/iam/v2/service-accounts", Some(json!({ "display_name": name, "description": "cdc" })))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

fn ids(r: &Reply) -> Vec<String> {
    r.body["data"].as_array().expect("data").iter().map(|v| v["id"].as_str().expect("id").to_owned()).collect()
}

#[tokio::test]
async fn service_accounts_are_unique_by_display_name_and_page() {
    let h = Harness::new().await;
    let r = h.cf(Method::POST, "/iam/v2/service-accounts", Some(json!({ "display_name": "orders-cdc" }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let sa = r.body["id"].as_str().expect("id").to_owned();
    assert!(sa.starts_with("sa-"), "{sa}");
    assert_eq!((r.body["api_version"].as_str(), r.body["kind"].as_str()), (Some("iam/v2"), Some("ServiceAccount")));
    assert_eq!(
        r.body["metadata"]["resource_name"],
        format!("crn://confluent.cloud/organization={ORG}/service-account={sa}")
    );
    assert!(r.headers["location"].to_str().expect("location").ends_with(&format!("/iam/v2/service-accounts/{sa}")));

    let again = h.cf(Method::POST, "/iam/v2/service-accounts", Some(json!({ "display_name": "orders-cdc" }))).await;
    assert_cf_error(&again, StatusCode::CONFLICT, "resource_already_exists", "'orders-cdc' already exists");
    let empty = h.cf(Method::POST, "/iam/v2/service-accounts", Some(json!({ "display_name": " " }))).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = h.cf(Method::POST, "/iam/v2/service-accounts", Some(json!({ "description": "x" }))).await;
    assert_eq!(
        (missing.status, &cf_error(&missing.body)["source"]["pointer"]),
        (StatusCode::BAD_REQUEST, &json!("/display_name"))
    );

    let mut made = vec![sa.clone()];
    for n in 0..4 {
        made.push(service_account(&h, &format!("sa-{n}")).await["id"].as_str().expect("id").to_owned());
    }
    let mut url = format!("{}/iam/v2/service-accounts?page_size=2", h.base);
    let mut seen = Vec::new();
    loop {
        let path = url.strip_prefix(&h.base).expect("next is a full URL of the simulator").to_owned();
        let r = h.cf(Method::GET, &path, None).await;
        assert_eq!((r.status, r.body["kind"].as_str()), (StatusCode::OK, Some("ServiceAccountList")), "{}", r.body);
        assert_eq!(r.body["metadata"]["total_size"], 5);
        seen.extend(ids(&r));
        match r.body["metadata"]["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, made);
    let r = h.cf(Method::GET, "/iam/v2/service-accounts?display_name=sa-1&display_name=orders-cdc", None).await;
    assert_eq!(ids(&r), [made[0].clone(), made[2].clone()]);
    let r = h.cf(Method::GET, "/iam/v2/service-accounts?display_name=nobody", None).await;
    assert_eq!(r.body["data"], json!([]));
    let r = h.cf(Method::GET, "/iam/v2/service-accounts?page_size=101", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let got = h.cf(Method::GET, &format!("/iam/v2/service-accounts/{sa}"), None).await;
    assert_eq!((got.body["display_name"].as_str(), got.body["description"].as_str()), (Some("orders-cdc"), Some("")));
    let patched = h
        .cf(Method::PATCH, &format!("/iam/v2/service-accounts/{sa}"), Some(json!({ "description": "writes orders" })))
        .await;
    assert_eq!((patched.status, patched.body["description"].as_str()), (StatusCode::OK, Some("writes orders")));
    let clash =
        h.cf(Method::PATCH, &format!("/iam/v2/service-accounts/{sa}"), Some(json!({ "display_name": "sa-0" }))).await;
    assert_eq!(clash.status, StatusCode::CONFLICT);
    let renamed = h
        .cf(Method::PATCH, &format!("/iam/v2/service-accounts/{sa}"), Some(json!({ "display_name": "orders-writer" })))
        .await;
    assert_eq!(renamed.body["display_name"], "orders-writer");

    assert_eq!(
        h.cf(Method::DELETE, &format!("/iam/v2/service-accounts/{sa}"), None).await.status,
        StatusCode::NO_CONTENT
    );
    let gone = h.cf(Method::GET, &format!("/iam/v2/service-accounts/{sa}"), None).await;
    assert_cf_error(&gone, StatusCode::NOT_FOUND, "resource_not_found", &sa);
    assert_eq!(
        h.cf(Method::DELETE, &format!("/iam/v2/service-accounts/{sa}"), None).await.status,
        StatusCode::NOT_FOUND
    );
    let r = h.cf(Method::PATCH, &format!("/iam/v2/service-accounts/{sa}"), Some(json!({ "description": "x" }))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The name is free again.
    service_account(&h, "orders-cdc").await;
}

#[tokio::test]
async fn an_api_key_secret_is_only_in_the_create_response() {
    let h = connected("").await;
    let sa = service_account(&h, "orders-cdc").await["id"].as_str().expect("id").to_owned();
    let body = json!({ "spec": {
        "display_name": "orders-cdc", "description": "changefeed",
        "owner": { "id": sa }, "resource": { "id": LKC, "environment": ENV },
    }});
    let made = h.cf(Method::POST, "/iam/v2/api-keys", Some(body)).await;
    assert_eq!(made.status, StatusCode::ACCEPTED, "{}", made.body);
    let key = made.body["id"].as_str().expect("id").to_owned();
    let secret = made.body["spec"]["secret"].as_str().expect("the secret, once").to_owned();
    assert!(key.len() == 16 && key.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "{key}");
    assert_eq!(secret.len(), 64);
    assert!(made.headers["location"].to_str().expect("location").ends_with(&format!("/iam/v2/api-keys/{key}")));
    let spec = &made.body["spec"];
    assert_eq!(
        (spec["owner"]["id"].as_str(), spec["owner"]["kind"].as_str()),
        (Some(sa.as_str()), Some("ServiceAccount"))
    );
    assert_eq!((spec["resource"]["id"].as_str(), spec["resource"]["environment"].as_str()), (Some(LKC), Some(ENV)));
    assert_eq!(spec["resource"]["kind"], "Cluster");
    assert_eq!(spec["resources"][0]["id"], LKC);

    let shown = [
        h.cf(Method::GET, &format!("/iam/v2/api-keys/{key}"), None).await,
        h.cf(Method::GET, "/iam/v2/api-keys", None).await,
        h.cf(Method::GET, &format!("/iam/v2/api-keys?spec.owner={sa}&spec.resource={LKC}"), None).await,
        h.cf(Method::PATCH, &format!("/iam/v2/api-keys/{key}"), Some(json!({ "spec": { "display_name": "renamed" } })))
            .await,
    ];
    for r in &shown {
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let text = r.body.to_string();
        assert!(!text.contains(&secret), "the secret leaked: {text}");
        assert!(!text.contains("\"secret\""), "{text}");
    }
    assert_eq!(shown[3].body["spec"]["display_name"], "renamed");
    assert_eq!(ids(&shown[2]), std::slice::from_ref(&key));
    for filter in ["spec.owner=sa-nobody", "spec.resource=lkc-other"] {
        let r = h.cf(Method::GET, &format!("/iam/v2/api-keys?{filter}"), None).await;
        assert_eq!(r.body["data"], json!([]), "{filter}");
    }
    let r = h
        .cf(
            Method::PATCH,
            &format!("/iam/v2/api-keys/{key}"),
            Some(json!({ "spec": { "owner": { "id": "sa-other" } } })),
        )
        .await;
    assert_cf_error(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_configuration", "cannot be changed");

    for (spec, status, says) in [
        (json!({ "owner": { "id": "sa-nobody" } }), StatusCode::UNPROCESSABLE_ENTITY, "owner 'sa-nobody'"),
        (
            json!({ "owner": { "id": sa }, "resource": { "id": "lkc-nope", "environment": ENV } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "'lkc-nope' was not found",
        ),
        (
            json!({ "owner": { "id": sa }, "resource": { "id": LKC, "environment": "env-other" } }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "is in environment 'env-abc123'",
        ),
        (
            json!({ "owner": { "id": sa }, "resource": { "id": LKC } }),
            StatusCode::BAD_REQUEST,
            "/spec/resource/environment is required",
        ),
        (json!({ "resource": { "id": LKC, "environment": ENV } }), StatusCode::BAD_REQUEST, "/spec/owner is required"),
    ] {
        let r = h.cf(Method::POST, "/iam/v2/api-keys", Some(json!({ "spec": spec }))).await;
        assert_eq!(r.status, status, "{}", r.body);
        assert!(cf_error(&r.body)["detail"].as_str().is_some_and(|d| d.contains(says)), "{says}: {}", r.body);
    }

    assert_eq!(h.cf(Method::DELETE, &format!("/iam/v2/api-keys/{key}"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(h.cf(Method::GET, &format!("/iam/v2/api-keys/{key}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(h.cf(Method::DELETE, &format!("/iam/v2/api-keys/{key}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(h.sim.cdc_inventory().api_keys, 0);
}

#[tokio::test]
async fn role_bindings_follow_the_rbac_document() {
    let h = connected("").await;
    let sa = service_account(&h, "orders-cdc").await["id"].as_str().expect("id").to_owned();
    let principal = format!("User:{sa}");
    let write = json!({ "principal": principal, "role_name": "DeveloperWrite", "crn_pattern": topic_crn("orders.*") });
    let r = h.cf(Method::POST, "/iam/v2/role-bindings", Some(write.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rb = r.body["id"].as_str().expect("id").to_owned();
    assert!(rb.starts_with("rb-"));
    assert_eq!(
        (r.body["kind"].as_str(), r.body["crn_pattern"].as_str()),
        (Some("RoleBinding"), Some(topic_crn("orders.*").as_str()))
    );
    assert!(r.headers["location"].to_str().expect("location").ends_with(&format!("/iam/v2/role-bindings/{rb}")));
    let twice = h.cf(Method::POST, "/iam/v2/role-bindings", Some(write)).await;
    assert_cf_error(&twice, StatusCode::CONFLICT, "resource_already_exists", "already has role DeveloperWrite");
    let manage =
        json!({ "principal": principal, "role_name": "DeveloperManage", "crn_pattern": topic_crn("orders.*") });
    let manage =
        h.cf(Method::POST, "/iam/v2/role-bindings", Some(manage)).await.body["id"].as_str().expect("id").to_owned();
    let env_crn = format!("crn://confluent.cloud/organization={ORG}/environment={ENV}");
    let other = json!({ "principal": "User:u-abc123", "role_name": "EnvironmentAdmin", "crn_pattern": env_crn });
    let other = h.cf(Method::POST, "/iam/v2/role-bindings", Some(other)).await;
    assert_eq!(other.status, StatusCode::CREATED, "{}", other.body);

    for (body, says) in [
        (
            json!({ "principal": sa, "role_name": "DeveloperWrite", "crn_pattern": env_crn }),
            "must be User:<id> or Group:<id>",
        ),
        (
            json!({ "principal": principal, "role_name": "Writer", "crn_pattern": env_crn }),
            "not a Confluent Cloud role",
        ),
        (
            json!({ "principal": "User:sa-nobody", "role_name": "DeveloperWrite", "crn_pattern": env_crn }),
            "'sa-nobody'",
        ),
        (
            json!({ "principal": principal, "role_name": "DeveloperWrite", "crn_pattern": "crn://confluent.cloud/organization=other" }),
            "not in organization",
        ),
        (
            json!({ "principal": principal, "role_name": "DeveloperWrite", "crn_pattern": format!("{env_crn}/cloud-cluster=lkc-nope") }),
            "'lkc-nope'",
        ),
        (
            json!({ "principal": principal, "role_name": "DeveloperWrite", "crn_pattern": format!("crn://confluent.cloud/organization={ORG}/environment=env-nope") }),
            "'env-nope'",
        ),
        (json!({ "principal": principal, "role_name": "DeveloperWrite" }), "/crn_pattern is required"),
    ] {
        let r = h.cf(Method::POST, "/iam/v2/role-bindings", Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert!(cf_error(&r.body)["detail"].as_str().is_some_and(|d| d.contains(says)), "{says}: {}", r.body);
    }

    // The list needs crn_pattern, and matches it as a prefix.
    let r = h.cf(Method::GET, "/iam/v2/role-bindings", None).await;
    assert_eq!((r.status, &cf_error(&r.body)["source"]["parameter"]), (StatusCode::BAD_REQUEST, &json!("crn_pattern")));
    let h = &h;
    let list = |query: String| async move { h.cf(Method::GET, &format!("/iam/v2/role-bindings?{query}"), None).await };
    let r = list(format!("crn_pattern={env_crn}")).await;
    assert_eq!(
        (r.body["kind"].as_str(), r.body["metadata"]["total_size"].as_u64()),
        (Some("RoleBindingList"), Some(3))
    );
    let r = list(format!("crn_pattern={}", topic_crn(""))).await;
    assert_eq!(ids(&r), [rb.clone(), manage.clone()]);
    let r = list(format!("crn_pattern={env_crn}&principal={principal}&role_name=DeveloperManage")).await;
    assert_eq!(ids(&r), std::slice::from_ref(&manage));
    let r =
        list(format!("crn_pattern=crn://confluent.cloud/organization={ORG}/environment={ENV}/cloud-cluster=lkc-nope"))
            .await;
    assert_eq!(r.body["data"], json!([]));

    let got = h.cf(Method::GET, &format!("/iam/v2/role-bindings/{rb}"), None).await;
    assert_eq!(
        (got.body["principal"].as_str(), got.body["role_name"].as_str()),
        (Some(principal.as_str()), Some("DeveloperWrite"))
    );
    // DELETE answers 200 with the binding (the RBAC document), then it is gone.
    let gone = h.cf(Method::DELETE, &format!("/iam/v2/role-bindings/{rb}"), None).await;
    assert_eq!((gone.status, gone.body["id"].as_str()), (StatusCode::OK, Some(rb.as_str())));
    assert_eq!(h.cf(Method::GET, &format!("/iam/v2/role-bindings/{rb}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(h.cf(Method::DELETE, &format!("/iam/v2/role-bindings/{rb}"), None).await.status, StatusCode::NOT_FOUND);

    // Deleting the service account takes its keys and bindings with it.
    let key = json!({ "spec": { "owner": { "id": sa }, "resource": { "id": LKC, "environment": ENV } } });
    assert_eq!(h.cf(Method::POST, "/iam/v2/api-keys", Some(key)).await.status, StatusCode::ACCEPTED);
    let before = h.sim.cdc_inventory();
    assert_eq!((before.service_accounts, before.api_keys, before.role_bindings), (1, 1, 2));
    assert_eq!(
        h.cf(Method::DELETE, &format!("/iam/v2/service-accounts/{sa}"), None).await.status,
        StatusCode::NO_CONTENT
    );
    let after = h.sim.cdc_inventory();
    assert_eq!((after.service_accounts, after.api_keys, after.role_bindings), (0, 0, 1), "u-abc123's binding stays");
}

#[tokio::test]
async fn the_organization_is_the_worlds() {
    let h = Harness::new().await;
    let r = h.cf(Method::GET, "/org/v2/organizations", None).await;
    assert_eq!((r.status, r.body["kind"].as_str()), (StatusCode::OK, Some("OrganizationList")), "{}", r.body);
    assert_eq!(r.body["data"][0]["id"], ORG);
    assert_eq!(r.body["data"][0]["metadata"]["resource_name"], format!("crn://confluent.cloud/organization={ORG}"));
    assert_eq!(r.body["metadata"]["total_size"], 1);
    let one = h.cf(Method::GET, &format!("/org/v2/organizations/{ORG}"), None).await;
    assert_eq!((one.status, one.body["kind"].as_str()), (StatusCode::OK, Some("Organization")));
    assert_eq!(h.cf(Method::GET, "/org/v2/organizations/nope", None).await.status, StatusCode::NOT_FOUND);

    let other = linkplan_sim::world::EXAMPLE_WORLD.replacen(
        "\ntidbcloud:",
        "organization_id: 99999999-2222-4333-8444-555555555555\n\ntidbcloud:",
        1,
    );
    let h = Harness::with_yaml(&other).await;
    let r = h.cf(Method::GET, "/org/v2/organizations", None).await;
    assert_eq!(r.body["data"][0]["id"], "99999999-2222-4333-8444-555555555555");
}

#[tokio::test]
async fn iam_routes_authenticate_and_take_faults_and_rate_limits() {
    let h = connected("rate_limits: { confluent_per_minute: 4 }\n").await;
    for path in [
        "/iam/v2/service-accounts",
        "/iam/v2/api-keys",
        "/iam/v2/role-bindings?crn_pattern=crn://x",
        "/org/v2/organizations",
    ] {
        let r = h.send(h.raw(Method::GET, path)).await;
        assert_cf_error(&r, StatusCode::UNAUTHORIZED, "user_unauthenticated", "credentials");
    }
    let (key, _) = h.confluent_key();
    let wrong = h.send(h.basic(Method::GET, "/iam/v2/api-keys", (&key, "nope"))).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    h.sim.add_fault(Fault {
        vendor: Some(Vendor::Confluent),
        method: Some("POST".to_owned()),
        path: Some("/iam/v2/api-keys".to_owned()),
        after: 0,
        times: Some(1),
        action: FaultAction::RateLimit { retry_after: 9 },
    });
    let r = h.cf(Method::POST, "/iam/v2/api-keys", Some(json!({}))).await;
    assert_eq!((r.status, r.headers["retry-after"].to_str().ok()), (StatusCode::TOO_MANY_REQUESTS, Some("9")));
    h.sim.add_fault(Fault {
        vendor: None,
        method: None,
        path: Some("/iam/v2/service-accounts".to_owned()),
        after: 0,
        times: Some(1),
        action: FaultAction::ServerError { status: 502 },
    });
    let r = h.cf(Method::GET, "/iam/v2/service-accounts", None).await;
    assert_eq!((r.status, cf_error(&r.body)["status"].as_str()), (StatusCode::BAD_GATEWAY, Some("502")));

    // Four counted requests a minute for the key, then 429 until the minute turns.
    for path in ["/iam/v2/service-accounts", "/iam/v2/api-keys", "/org/v2/organizations", "/iam/v2/service-accounts"] {
        let r = h.cf(Method::GET, path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        assert_eq!(r.headers["x-ratelimit-limit"], "4");
    }
    let r = h.cf(Method::GET, "/iam/v2/role-bindings?crn_pattern=crn://x", None).await;
    assert_cf_error(&r, StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "rate limit");
    h.advance(60);
    assert_eq!(h.cf(Method::GET, "/iam/v2/api-keys", None).await.status, StatusCode::OK);
}
