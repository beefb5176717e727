//! TiDB Cloud: Digest authentication end to end, clusters, connection lists.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::util::{Algorithm, CLUSTER, Challenge, Harness, SERVICE};

#[tokio::test]
async fn digest_challenge_offers_sha256_and_md5() {
    let h = Harness::new().await;
    let r = h.send(h.raw(Method::GET, "/v1beta1/clusters")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body["code"].is_i64() && r.body["message"].is_string() && r.body["details"].is_array());
    let challenges: Vec<&str> =
        r.headers.get_all("www-authenticate").iter().map(|v| v.to_str().expect("ascii")).collect();
    assert_eq!(challenges.len(), 2, "{challenges:?}");
    assert!(challenges[0].contains("algorithm=SHA-256") && challenges[1].contains("algorithm=MD5"));
    for c in &challenges {
        assert!(c.starts_with("Digest ") && c.contains("qop=\"auth\"") && c.contains("realm=") && c.contains("nonce="));
    }
}

#[tokio::test]
async fn a_full_digest_exchange_works_with_both_algorithms() {
    let h = Harness::new().await;
    let (user, pass) = h.tidb_key();
    for algorithm in [Algorithm::Md5, Algorithm::Sha256] {
        let first = h.send(h.raw(Method::GET, "/v1beta1/clusters?pageSize=5")).await;
        let mut ch = Challenge::pick(&first.headers, algorithm).expect("challenge");
        for _ in 0..3 {
            ch.nc += 1;
            let auth = ch.authorization("GET", "/v1beta1/clusters?pageSize=5", &user, &pass, "abcdef");
            let r = h.send(h.raw(Method::GET, "/v1beta1/clusters?pageSize=5").header("authorization", auth)).await;
            assert_eq!(r.status, StatusCode::OK, "{algorithm:?}: {}", r.body);
            assert_eq!(r.body["clusters"][0]["clusterId"], CLUSTER);
            assert_eq!(r.body["nextPageToken"], "");
            assert_eq!(r.body["totalSize"], 1);
            assert_eq!(r.headers["x-ratelimit-limit-minute"], "100");
            assert!(
                r.headers.contains_key("x-ratelimit-remaining-minute") && r.headers.contains_key("x-ratelimit-reset")
            );
        }
        // Replaying a nonce count is refused with a fresh, stale challenge.
        let auth = ch.authorization("GET", "/v1beta1/clusters?pageSize=5", &user, &pass, "abcdef");
        let replay = h.send(h.raw(Method::GET, "/v1beta1/clusters?pageSize=5").header("authorization", auth)).await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
        assert!(replay.headers["www-authenticate"].to_str().expect("ascii").contains("stale=true"));
    }
}

#[tokio::test]
async fn wrong_keys_and_wrong_uris_are_refused() {
    let h = Harness::new().await;
    let (user, pass) = h.tidb_key();
    let first = h.send(h.raw(Method::GET, "/v1beta1/clusters")).await;
    let mut ch = Challenge::pick(&first.headers, Algorithm::Md5).expect("challenge");
    ch.nc = 1;
    let bad_pass = ch.authorization("GET", "/v1beta1/clusters", &user, "wrong", "x");
    let r = h.send(h.raw(Method::GET, "/v1beta1/clusters").header("authorization", bad_pass)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(!r.headers["www-authenticate"].to_str().expect("ascii").contains("stale=true"));
    ch.nc = 2;
    let other_uri = ch.authorization("GET", "/v1beta1/clusters/other", &user, &pass, "x");
    let r = h.send(h.raw(Method::GET, "/v1beta1/clusters").header("authorization", other_uri)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let basic = h.send(h.raw(Method::GET, "/v1beta1/clusters").basic_auth(&user, Some(&pass))).await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_nonces_get_a_stale_challenge() {
    let h = Harness::new().await;
    let (user, pass) = h.tidb_key();
    let first = h.send(h.raw(Method::GET, "/v1beta1/clusters")).await;
    let mut ch = Challenge::pick(&first.headers, Algorithm::Sha256).expect("challenge");
    ch.nc = 1;
    let auth = ch.authorization("GET", "/v1beta1/clusters", &user, &pass, "x");
    assert_eq!(
        h.send(h.raw(Method::GET, "/v1beta1/clusters").header("authorization", auth)).await.status,
        StatusCode::OK
    );
    h.sim.advance(Duration::from_secs(301));
    ch.nc = 2;
    let auth = ch.authorization("GET", "/v1beta1/clusters", &user, &pass, "x");
    let r = h.send(h.raw(Method::GET, "/v1beta1/clusters").header("authorization", auth)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.headers["www-authenticate"].to_str().expect("ascii").contains("stale=true"));
    // The new nonce works.
    let mut fresh = Challenge::pick(&r.headers, Algorithm::Sha256).expect("challenge");
    fresh.nc = 1;
    let auth = fresh.authorization("GET", "/v1beta1/clusters", &user, &pass, "x");
    assert_eq!(
        h.send(h.raw(Method::GET, "/v1beta1/clusters").header("authorization", auth)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn clusters_and_connections_read_back_and_page() {
    let h = Harness::new().await;
    let r = h.ti(Method::GET, "/v1beta1/clusters/nope", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body["code"].is_i64());
    let r = h.ti(Method::GET, &format!("/v1beta1/clusters/{CLUSTER}?view=FULL"), None).await;
    assert_eq!(r.body["name"], format!("clusters/{CLUSTER}"));
    assert_eq!(r.body["region"]["name"], "regions/aws-us-east-1");
    assert_eq!(r.body["region"]["cloudProvider"], "aws");

    for n in 0..3 {
        let r = h
            .ti(
                Method::POST,
                &format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections"),
                Some(json!({ "privateLinkConnection": {
                    "clusterId": CLUSTER, "displayName": format!("plc-{n}"), "type": "AWS_ENDPOINT_SERVICE",
                    "awsEndpointService": { "name": SERVICE },
                }})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body["privateLinkConnectionId"].as_str().expect("id").starts_with("plc-"));
        assert_eq!(r.body["awsEndpointService"]["region"], "us-east-1");
    }
    let base = format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections");
    let mut token = String::new();
    let mut names = Vec::new();
    loop {
        let r = h.ti(Method::GET, &format!("{base}?pageSize=2&pageToken={token}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["totalSize"], 3);
        for p in r.body["privateLinkConnections"].as_array().expect("list") {
            assert!(p.get("attachedDomains").is_none(), "list does not carry attachedDomains");
            names.push(p["displayName"].as_str().expect("name").to_owned());
        }
        token = r.body["nextPageToken"].as_str().expect("token").to_owned();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(names, ["plc-0", "plc-1", "plc-2"]);
    h.advance(60);
    // No access allows TiDB's account: AWS refused all three endpoints.
    let failed = h.ti(Method::GET, &format!("{base}?state=FAILED"), None).await;
    assert_eq!(failed.body["totalSize"], 3);
    let pending = h.ti(Method::GET, &format!("{base}?state=PENDING_ACCEPTANCE"), None).await;
    assert_eq!(pending.body["privateLinkConnections"], json!([]));
    let active = h.ti(Method::GET, &format!("{base}?state=ACTIVE"), None).await;
    assert_eq!(active.body["privateLinkConnections"], json!([]));

    let r = h.ti(Method::GET, &format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections:nope"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_cluster_list_filters_skips_and_orders() {
    let second = "    - id: \"20000000000000000001\"\n      display_name: analytics\n      region: us-west-2\n      state: PAUSED\n      aws_account_id: \"210987654321\"\n      availability_zones: [usw2-az1]\n";
    let yaml = linkplan_sim::world::EXAMPLE_WORLD.replacen("\n\nconfluent:", &format!("\n{second}\nconfluent:"), 1);
    let h = crate::util::Harness::with_yaml(&yaml).await;

    let ids = |r: &crate::util::Reply| -> Vec<String> {
        r.body["clusters"]
            .as_array()
            .expect("clusters")
            .iter()
            .map(|c| c["clusterId"].as_str().expect("id").to_owned())
            .collect()
    };
    let all = h.ti(Method::GET, "/v1beta1/clusters", None).await;
    assert_eq!(all.body["totalSize"], 2, "{}", all.body);
    for (query, want) in [
        ("filter=state%3D%22ACTIVE%22", vec![CLUSTER]),
        ("filter=region.name%3D%22regions%2Faws-us-west-2%22", vec!["20000000000000000001"]),
        ("filter=region.provider%3D%22aws%22%20AND%20displayName%3D%22orders%22", vec![CLUSTER]),
        ("filter=clusterId%3D20000000000000000001%2C10140100115280519574", vec![CLUSTER, "20000000000000000001"]),
        ("filter=projectId%3D1372813089454525346", vec![CLUSTER]),
        ("orderBy=displayName", vec!["20000000000000000001", CLUSTER]),
        ("orderBy=displayName%20desc", vec![CLUSTER, "20000000000000000001"]),
        ("skip=1", vec!["20000000000000000001"]),
        ("skip=5", vec![]),
    ] {
        let r = h.ti(Method::GET, &format!("/v1beta1/clusters?{query}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
        assert_eq!(ids(&r), want, "{query}");
    }
    let first = h.ti(Method::GET, "/v1beta1/clusters?pageSize=1", None).await;
    let token = first.body["nextPageToken"].as_str().expect("token").to_owned();
    assert!(!token.is_empty());
    let second = h.ti(Method::GET, &format!("/v1beta1/clusters?pageSize=1&pageToken={token}"), None).await;
    assert_eq!(ids(&second), ["20000000000000000001"]);
    assert_eq!(second.body["nextPageToken"], "");
}
