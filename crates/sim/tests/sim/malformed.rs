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
