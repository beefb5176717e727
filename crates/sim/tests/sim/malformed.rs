//! Malformed requests never panic: bad JSON, wrong types, missing fields and huge bodies get a 400.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::util::{CLUSTER, ENV, Harness, cf_error};

const CF_POSTS: [&str; 3] = ["/networking/v1/networks", "/networking/v1/private-link-accesses", "/cmk/v2/clusters"];

#[tokio::test]
async fn confluent_rejects_malformed_bodies_with_its_error_body() {
    let h = Harness::new().await;
    let (key, secret) = h.confluent_key();
    let huge = format!("{{\"spec\":{{\"display_name\":\"{}\"}}}}", "x".repeat(200_000));
    let raw_bodies = ["", "{", "not json", "[1,2]", "null", "\"spec\"", huge.as_str()];
    for path in CF_POSTS {
        for body in raw_bodies {
            let r = h
                .send(
                    h.raw(Method::POST, path)
                        .basic_auth(&key, Some(&secret))
                        .header("content-type", "application/json")
                        .body(body.to_owned()),
                )
                .await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path} {:.40}", body);
            assert_eq!(cf_error(&r.body)["status"], "400");
            assert!(cf_error(&r.body)["detail"].as_str().is_some_and(|d| !d.is_empty()));
        }
        for body in [json!({}), json!({ "spec": 1 }), json!({ "spec": {} }), json!({ "spec": { "cloud": 5 } })] {
            let r = h.cf(Method::POST, path, Some(body.clone())).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path} {body}");
            assert!(
                cf_error(&r.body)["source"]["pointer"].as_str().is_some_and(|p| p.starts_with("/spec")),
                "{}",
                r.body
            );
        }
    }
    let wrong_type = h
        .cf(
            Method::POST,
            "/networking/v1/networks",
            Some(json!({ "spec": { "cloud": "AWS", "region": "us-east-1", "connection_types": "PRIVATELINK", "environment": { "id": ENV } } })),
        )
        .await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    assert_eq!(cf_error(&wrong_type.body)["source"]["pointer"], "/spec/connection_types");
    let bad_account = h
        .cf(
            Method::POST,
            "/networking/v1/private-link-accesses",
            Some(json!({ "spec": { "cloud": { "kind": "AwsPrivateLinkAccess", "account": 123456789012_u64 }, "network": { "id": "n-abc123" }, "environment": { "id": ENV } } })),
        )
        .await;
    assert_eq!(bad_account.status, StatusCode::BAD_REQUEST);
    assert_eq!(h.cf(Method::GET, "/org/v2/environments", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn tidbcloud_rejects_malformed_bodies_with_its_error_body() {
    let h = Harness::new().await;
    let create = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections");
    // Authenticate once so the cached challenge signs the raw requests below.
    assert_eq!(h.ti(Method::GET, &create, None).await.status, StatusCode::OK);
    let (user, pass) = h.tidb_key();
    let huge = format!("{{\"privateLinkConnection\":{{\"displayName\":\"{}\"}}}}", "x".repeat(200_000));
    for body in ["", "{", "[]", "42", huge.as_str()] {
        let auth = h.authorization(&Method::POST, &create, &user, &pass).expect("challenge cached");
        let r = h
            .send(
                h.raw(Method::POST, &create)
                    .header("authorization", auth)
                    .header("content-type", "application/json")
                    .body(body.to_owned()),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:.40}", body);
        assert!(r.body["code"].is_i64() && r.body["message"].is_string() && r.body["details"].is_array(), "{}", r.body);
    }
    for body in [
        json!({}),
        json!({ "privateLinkConnection": [] }),
        json!({ "privateLinkConnection": { "clusterId": CLUSTER } }),
        json!({ "privateLinkConnection": { "clusterId": CLUSTER, "displayName": 7, "type": "AWS_ENDPOINT_SERVICE" } }),
        json!({ "privateLinkConnection": { "clusterId": CLUSTER, "displayName": "x", "type": "AWS_ENDPOINT_SERVICE" } }),
        json!({ "privateLinkConnection": { "clusterId": "other", "displayName": "x", "type": "AWS_ENDPOINT_SERVICE", "awsEndpointService": { "name": "s" } } }),
        json!({ "privateLinkConnection": { "clusterId": CLUSTER, "displayName": "x", "type": "GCP", "awsEndpointService": { "name": "s" } } }),
    ] {
        let r = h.ti(Method::POST, &create, Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert!(r.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let attach = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/plc-x:attachDomains");
    for body in [
        json!({}),
        json!({ "attachDomain": "x" }),
        json!({ "attachDomain": { "type": "CONFLUENT" }, "validateOnly": "yes" }),
    ] {
        let r = h.ti(Method::POST, &attach, Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
    }
    let detach = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/plc-x:detachDomains");
    assert_eq!(h.ti(Method::POST, &detach, Some(json!({ "attachDomainId": 1 }))).await.status, StatusCode::BAD_REQUEST);
    let bad_page = h.ti(Method::GET, &format!("{create}?pageSize=abc"), None).await;
    assert_eq!(bad_page.status, StatusCode::BAD_REQUEST);
    let bad_token = h.ti(Method::GET, &format!("{create}?pageToken=zzz"), None).await;
    assert_eq!(bad_token.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_paths_and_methods_get_vendor_errors() {
    let h = Harness::new().await;
    let r = h.cf(Method::GET, "/networking/v1/nothing", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(cf_error(&r.body)["status"], "404");
    let r = h.cf(Method::PUT, "/org/v2/environments", None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.body["errors"].is_array());
    let r = h.ti(Method::GET, "/v1beta1/nothing", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body["code"].is_i64());
}

/// Every route that takes a body, with the vendor it belongs to.
fn body_routes() -> Vec<(Method, String, bool)> {
    let plc = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections");
    let feeds = format!("/v1beta1/clusters/{CLUSTER}/changefeeds");
    vec![
        (Method::POST, "/networking/v1/networks".to_owned(), true),
        (Method::PATCH, "/networking/v1/networks/n-abc123".to_owned(), true),
        (Method::POST, "/networking/v1/private-link-accesses".to_owned(), true),
        (Method::PATCH, "/networking/v1/private-link-accesses/pla-x".to_owned(), true),
        (Method::POST, "/cmk/v2/clusters".to_owned(), true),
        (Method::PATCH, "/cmk/v2/clusters/lkc-x".to_owned(), true),
        (Method::POST, plc.clone(), false),
        (Method::POST, format!("{plc}/plc-x:attachDomains"), false),
        (Method::POST, format!("{plc}/plc-x:detachDomains"), false),
        (Method::POST, "/iam/v2/service-accounts".to_owned(), true),
        (Method::PATCH, "/iam/v2/service-accounts/sa-x".to_owned(), true),
        (Method::POST, "/iam/v2/api-keys".to_owned(), true),
        (Method::PATCH, "/iam/v2/api-keys/KEYX".to_owned(), true),
        (Method::POST, "/iam/v2/role-bindings".to_owned(), true),
        (Method::POST, feeds.clone(), false),
        (Method::PATCH, format!("{feeds}/cfd-x"), false),
        (Method::POST, format!("{feeds}/cfd-x:start"), false),
        (Method::POST, format!("{feeds}/cfd-x:stop"), false),
        (Method::POST, format!("{feeds}:test"), false),
        (Method::POST, format!("{feeds}:describeSchemaTable"), false),
    ]
}

/// Garbage bodies: not JSON, not an object, wrong types at every level, deep nesting, huge.
fn garbage() -> Vec<String> {
    let mut bodies: Vec<String> = [
        "",
        " ",
        "{",
        "}",
        "nul",
        "null",
        "true",
        "0",
        "-1e999",
        "\"text\"",
        "[]",
        "[{}]",
        "{\"spec\":",
        "{\"spec\": null}",
        "{\"spec\": []}",
        "{\"spec\": \"x\"}",
        "{\"spec\": {\"environment\": 5}}",
        "{\"spec\": {\"environment\": {\"id\": []}}}",
        "{\"spec\": {\"environment\": {\"id\": \"env-abc123\"}, \"display_name\": {}}}",
        "{\"spec\": {\"environment\": {\"id\": \"env-abc123\"}, \"config\": {\"kind\": \"Dedicated\", \"cku\": \"2\"}}}",
        "{\"spec\": {\"environment\": {\"id\": \"env-abc123\"}, \"config\": {\"kind\": \"Dedicated\", \"cku\": 1.5}}}",
        "{\"spec\": {\"environment\": {\"id\": \"env-abc123\"}, \"config\": {\"kind\": \"Dedicated\", \"cku\": 1e30}}}",
        "{\"privateLinkConnection\": 1}",
        "{\"privateLinkConnection\": {\"clusterId\": [], \"displayName\": {}, \"type\": 3}}",
        "{\"privateLinkConnection\": {\"awsEndpointService\": \"x\"}}",
        "{\"attachDomain\": []}",
        "{\"attachDomain\": {\"type\": 1, \"uniqueName\": false}, \"validateOnly\": 1}",
        "{\"attachDomainId\": null}",
        "{\"attachDomainId\": {\"a\": 1}}",
        "{\"sink\": 1, \"filter\": []}",
        "{\"sink\": {\"type\": \"KAFKA\", \"kafka\": {\"network\": {\"networkType\": 7}}}, \"filter\": {}}",
        "{\"sink\": {\"type\": \"KAFKA\", \"kafka\": []}, \"filter\": {\"filterRule\": [1]}}",
        "{\"filterRules\": \"*.*\"}",
        "{\"filterRules\": [\"[\"]}",
        "{\"startPosition\": {\"tso\": -1}}",
        "{\"display_name\": 5, \"principal\": [], \"role_name\": {}, \"crn_pattern\": null}",
        "{\"spec\": {\"owner\": \"sa-x\", \"resource\": 1}}",
        "\u{0}\u{1}\u{2}",
        "{\"a\":\"\\ud800\"}",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    bodies.push(format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)));
    bodies.push(format!("{}{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)));
    bodies.push(format!("{{\"spec\":{{\"display_name\":\"{}\"}}}}", "x".repeat(1 << 20)));
    bodies
}

#[tokio::test]
async fn garbage_bodies_on_every_post_and_patch_route_get_vendor_400s() {
    let h = Harness::new().await;
    // Authenticate the TiDB side once so the cached challenge signs the raw requests below.
    assert_eq!(h.ti(Method::GET, "/v1beta1/clusters", None).await.status, StatusCode::OK);
    let (key, secret) = h.confluent_key();
    let (user, pass) = h.tidb_key();
    for (method, path, confluent) in body_routes() {
        // A fresh rate-limit window for each route (TiDB allows 100 requests a minute), and a
        // fresh Digest challenge when the nonce went stale meanwhile.
        h.advance(60);
        assert_eq!(h.ti(Method::GET, "/v1beta1/clusters", None).await.status, StatusCode::OK);
        for body in garbage() {
            let mut req = h.raw(method.clone(), &path).header("content-type", "application/json").body(body.clone());
            req = if confluent {
                req.basic_auth(&key, Some(&secret))
            } else {
                let auth = h.authorization(&method, &path, &user, &pass).expect("challenge cached");
                req.header("authorization", auth)
            };
            let r = h.send(req).await;
            let shown = body.chars().take(60).collect::<String>();
            let object = serde_json::from_str::<serde_json::Value>(&body).is_ok_and(|v| v.is_object());
            if !object {
                // Not a JSON object at all: always the vendor's 400.
                assert_eq!(r.status, StatusCode::BAD_REQUEST, "{method} {path} {shown:?}: {}", r.body);
            } else if r.status.is_success() {
                // An object whose odd fields this route ignores (Confluent ignores unknown fields).
                continue;
            } else {
                let allowed = [StatusCode::BAD_REQUEST, StatusCode::NOT_FOUND, StatusCode::UNPROCESSABLE_ENTITY];
                assert!(allowed.contains(&r.status), "{method} {path} {shown:?}: {} {}", r.status, r.body);
            }
            if confluent {
                let e = cf_error(&r.body);
                assert_eq!(e["status"], r.status.as_str(), "{method} {path} {shown:?}: {}", r.body);
                assert!(e["code"].is_string() && e["detail"].as_str().is_some_and(|d| !d.is_empty()), "{}", r.body);
                assert!(r.headers.contains_key("x-request-id"));
            } else {
                assert!(r.body["code"].is_i64(), "{method} {path} {shown:?}: {}", r.body);
                assert!(r.body["message"].as_str().is_some_and(|m| !m.is_empty()) && r.body["details"].is_array());
            }
        }
    }
    // Still serving, state untouched.
    let nets = h.cf(Method::GET, &format!("/networking/v1/networks?environment={ENV}"), None).await;
    assert_eq!(nets.body["metadata"]["total_size"], 1);
    assert_eq!(h.ti(Method::GET, "/v1beta1/clusters", None).await.status, StatusCode::OK);
    assert_eq!(h.sim.cdc_inventory(), linkplan_sim::CdcInventory::default(), "no garbage made a resource");
}

#[tokio::test]
async fn bad_path_ids_and_query_parameters_get_vendor_400s() {
    let h = Harness::new().await;
    for path in [
        format!("/networking/v1/networks/%FF%FE?environment={ENV}"),
        format!("/cmk/v2/clusters/%C0?environment={ENV}"),
        "/org/v2/environments/%80".to_owned(),
        format!("/networking/v1/networks?environment={ENV}&page_size=-1"),
        format!("/networking/v1/networks?environment={ENV}&page_size=1001"),
        format!("/networking/v1/networks?environment={ENV}&page_size=1e3"),
        format!("/networking/v1/private-link-accesses?environment={ENV}&page_token=%FF"),
        format!("/cmk/v2/clusters?environment={ENV}&spec.deletion_protection=maybe"),
        "/cmk/v2/clusters?environment=".to_owned(),
    ] {
        let r = h.cf(Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert_eq!(cf_error(&r.body)["status"], "400", "{path}");
    }
    let long = "x".repeat(10_000);
    let r = h.cf(Method::GET, &format!("/networking/v1/networks/{long}?environment={ENV}"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let plc = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections");
    for path in [
        "/v1beta1/clusters/%FF".to_owned(),
        format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections/%FF"),
        format!("/v1beta1/clusters/{CLUSTER}?view=EVERYTHING"),
        "/v1beta1/clusters?pageSize=-3".to_owned(),
        "/v1beta1/clusters?pageSize=ten".to_owned(),
        "/v1beta1/clusters?skip=-1".to_owned(),
        "/v1beta1/clusters?filter=state".to_owned(),
        "/v1beta1/clusters?filter=color%3Dblue".to_owned(),
        "/v1beta1/clusters?orderBy=size".to_owned(),
        format!("{plc}?state=RUNNING"),
        format!("{plc}?pageToken=%FF%FF"),
    ] {
        let r = h.ti(Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.body);
        assert!(r.body["code"].is_i64() && r.body["message"].is_string(), "{path}: {}", r.body);
    }
}
