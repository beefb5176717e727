//! Unit tests: path templates without the documents; schema conversion and validation against
//! the real vendor documents (skipped with a notice when `../shared/vendor-specs` is absent).

use serde_json::{Value, json};

use crate::path::{PathTemplate, join, url_path};
use crate::{Direction, ResponseKey, SpecError, Specs, Vendor, Violation, ViolationKind};

fn params(template: &str, path: &str) -> Option<Vec<(String, String)>> {
    PathTemplate::parse(template).matches(path)
}

fn pair(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}

#[test]
fn templates_match_segments_and_colon_methods() {
    assert_eq!(params("/cmk/v2/clusters/{id}", "/cmk/v2/clusters/lkc-1"), Some(vec![pair("id", "lkc-1")]));
    assert_eq!(params("/cmk/v2/clusters/{id}", "/cmk/v2/clusters/"), None, "a parameter is never empty");
    assert_eq!(params("/cmk/v2/clusters/{id}", "/cmk/v2/clusters/a/b"), None, "a parameter never spans a /");
    assert_eq!(params("/cmk/v2/clusters", "/cmk/v2/clusters/lkc-1"), None);

    let zones = "/v1beta1/clusters/{clusterId}/privateLinkConnections:getAvailabilityZones";
    assert_eq!(
        params(zones, "/v1beta1/clusters/123/privateLinkConnections:getAvailabilityZones"),
        Some(vec![pair("clusterId", "123")])
    );
    assert_eq!(params(zones, "/v1beta1/clusters/123/privateLinkConnections"), None);
    assert_eq!(params(zones, "/v1beta1/clusters/123/privateLinkConnections:getAvailabilityZone"), None);

    let attach = "/v1beta1/clusters/{clusterId}/privateLinkConnections/{privateLinkConnectionId}:attachDomains";
    assert_eq!(
        params(attach, "/v1beta1/clusters/1/privateLinkConnections/plc-a:b:attachDomains"),
        Some(vec![pair("clusterId", "1"), pair("privateLinkConnectionId", "plc-a:b")])
    );
    assert_eq!(params(attach, "/v1beta1/clusters/1/privateLinkConnections/:attachDomains"), None);
    // The plain template also matches: ranking by literal length picks the custom method.
    let get = PathTemplate::parse("/v1beta1/clusters/{clusterId}/privateLinkConnections/{privateLinkConnectionId}");
    assert!(get.matches("/v1beta1/clusters/1/privateLinkConnections/plc-1:attachDomains").is_some());
    assert!(PathTemplate::parse(attach).literal_len() > get.literal_len());
    // Dotted parameter names (Swagger `{cluster.clusterId}`).
    assert_eq!(params("/clusters/{cluster.clusterId}", "/clusters/9"), Some(vec![pair("cluster.clusterId", "9")]));
}

#[test]
fn base_paths_join() {
    assert_eq!(join("/v1beta1", "/clusters/{clusterId}"), "/v1beta1/clusters/{clusterId}");
    assert_eq!(join("/v1beta1/", "/clusters"), "/v1beta1/clusters");
    assert_eq!(join("", "/org/v2/environments"), "/org/v2/environments");
    assert_eq!(url_path("https://api.confluent.cloud"), "");
    assert_eq!(url_path("https://api.confluent.cloud/"), "/");
    assert_eq!(url_path("https://example.com/api/v1"), "/api/v1");
    assert_eq!(url_path("/relative"), "/relative");
}

/// The documents, loaded once; `None` (with a notice) when they are not beside the checkout.
fn specs() -> Option<&'static Specs> {
    match Specs::shared() {
        Ok(specs) => Some(specs),
        Err(SpecError::Missing { dir }) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("NOTICE: vendor specs not found at {}; skipping this test", dir.display());
            }
            None
        }
        Err(e) => panic!("vendor specs do not load: {e}"),
    }
}

fn pointers(violations: &[Violation]) -> Vec<&str> {
    violations.iter().map(|v| v.pointer.as_str()).collect()
}

#[test]
fn concrete_paths_find_their_operations() {
    let Some(specs) = specs() else { return };
    let find =
        |vendor: Vendor, method: &str, path: &str| specs.operation(vendor, method, path).map(|o| o.id().to_owned());
    let ti = Vendor::Tidbcloud;
    let plcs = "/v1beta1/clusters/10140100115280519574/privateLinkConnections";
    assert_eq!(
        find(ti, "GET", &format!("{plcs}:getAvailabilityZones")).as_deref(),
        Some("PrivateLinkConnectionService_GetAvailabilityZones")
    );
    assert_eq!(
        find(ti, "post", &format!("{plcs}/plc-1:attachDomains")).as_deref(),
        Some("PrivateLinkConnectionService_AttachDomains")
    );
    assert_eq!(
        find(ti, "POST", &format!("{plcs}/plc-1:detachDomains")).as_deref(),
        Some("PrivateLinkConnectionService_DetachDomains")
    );
    assert_eq!(
        find(ti, "GET", &format!("{plcs}/plc-1")).as_deref(),
        Some("PrivateLinkConnectionService_GetPrivateLinkConnection")
    );
    assert_eq!(
        find(ti, "GET", &format!("{plcs}?pageSize=2&pageToken=x")).as_deref(),
        Some("PrivateLinkConnectionService_ListPrivateLinkConnections")
    );
    // The cluster document's basePath.
    assert_eq!(find(ti, "GET", "/v1beta1/clusters/123?view=FULL").as_deref(), Some("ClusterService_GetCluster"));
    assert_eq!(find(ti, "GET", "/v1beta1/clusters").as_deref(), Some("ClusterService_ListClusters"));
    assert_eq!(find(ti, "GET", "/clusters/123"), None, "paths carry the base path");

    let cf = Vendor::Confluent;
    assert_eq!(find(cf, "GET", "/org/v2/environments/env-1").as_deref(), Some("getOrgV2Environment"));
    assert_eq!(
        find(cf, "DELETE", "/networking/v1/private-link-accesses/pla-1?environment=env-1").as_deref(),
        Some("deleteNetworkingV1PrivateLinkAccess")
    );
    assert_eq!(find(cf, "POST", "/cmk/v2/clusters").as_deref(), Some("createCmkV2Cluster"));
    assert_eq!(find(cf, "GET", "/v1beta1/clusters"), None, "vendors do not mix");
    assert_eq!(find(cf, "PUT", "/cmk/v2/clusters/lkc-1"), None);

    // The by-path helpers, as client tests use them.
    let v = specs.validate_request(cf, "POST", "/networking/v1/private-link-accesses", Some(&access_request()));
    assert_eq!(v, vec![]);
    let v = specs.validate_request(cf, "POST", "/networking/v1/privatelink-accesses", Some(&access_request()));
    assert_eq!(v[0].kind, ViolationKind::UnknownOperation, "{v:?}");
    let v = specs.validate_response(ti, "GET", &format!("{plcs}:getAvailabilityZones"), 200, Some(&json!({})));
    assert_eq!(v, vec![]);
}

fn access_request() -> Value {
    json!({ "spec": {
        "display_name": "from-tidb",
        "cloud": { "kind": "AwsPrivateLinkAccess", "account": "000123456789" },
        "network": { "id": "n-test1" },
        "environment": { "id": "env-test1" },
    }})
}

#[test]
fn confluent_request_bodies() {
    let Some(specs) = specs() else { return };
    let op = specs.operation_by_id("createNetworkingV1PrivateLinkAccess").expect("operation");
    assert_eq!(op.validate_request(Some(&access_request())), vec![]);

    let mut bad = access_request();
    bad["spec"]["cloud"]["account"] = json!("1234");
    bad["spec"]["network"] = json!({});
    let v = op.validate_request(Some(&bad));
    assert!(pointers(&v).contains(&"/spec/cloud/account"), "{v:?}");
    assert!(pointers(&v).contains(&"/spec/network"), "{v:?}");
    assert!(v.iter().all(|v| v.kind == ViolationKind::Schema));

    // The discriminator: unknown kind, and a known kind whose schema does not match.
    let mut unknown = access_request();
    unknown["spec"]["cloud"]["kind"] = json!("OnPremAccess");
    assert!(pointers(&op.validate_request(Some(&unknown))).contains(&"/spec/cloud/kind"));
    let mut wrong = access_request();
    wrong["spec"]["cloud"] = json!({ "kind": "AwsPrivateLinkAccess" });
    let v = op.validate_request(Some(&wrong));
    assert!(v.iter().any(|v| v.pointer == "/spec/cloud" && v.message.contains("account")), "{v:?}");

    // Read-only properties are neither required nor allowed in a request.
    let mut echoed = access_request();
    echoed["spec"]["environment"]["related"] = json!("https://api.confluent.cloud/org/v2/environments/env-test1");
    echoed["status"] = json!({ "phase": "READY" });
    let v = op.validate_request(Some(&echoed));
    assert_eq!(pointers(&v), ["/spec/environment/related", "/status"], "{v:?}");
    assert!(v[0].message.contains("read-only"));

    assert_eq!(op.validate_request(None), vec![], "the document does not mark this body required");
    let get = specs.operation_by_id("getNetworkingV1PrivateLinkAccess").expect("operation");
    assert_eq!(get.validate_request(Some(&json!({})))[0].kind, ViolationKind::UnexpectedBody);
}

fn access_response() -> Value {
    json!({
        "api_version": "networking/v1",
        "kind": "PrivateLinkAccess",
        "id": "pla-test1",
        "metadata": {
            "self": "https://api.confluent.cloud/networking/v1/private-link-accesses/pla-test1",
            "resource_name": "crn://confluent.cloud/organization=1/environment=env-test1/private-link-access=pla-test1",
            "created_at": "2026-01-02T03:04:05Z",
        },
        "spec": {
            "display_name": "from-tidb",
            "cloud": { "kind": "AwsPrivateLinkAccess", "account": "000123456789" },
            "network": { "id": "n-test1", "related": "https://api.confluent.cloud/networking/v1/networks/n-test1",
                         "resource_name": "crn://confluent.cloud/environment=env-test1/network=n-test1" },
            "environment": { "id": "env-test1", "related": "https://api.confluent.cloud/org/v2/environments/env-test1",
                             "resource_name": "crn://confluent.cloud/environment=env-test1" },
        },
        "status": { "phase": "PROVISIONING" },
    })
}

#[test]
fn confluent_response_bodies() {
    let Some(specs) = specs() else { return };
    let op = specs.operation_by_id("getNetworkingV1PrivateLinkAccess").expect("operation");
    assert_eq!(op.validate_response(200, Some(&access_response())), vec![]);

    let mut bad = access_response();
    bad["spec"]["environment"] = json!({ "id": "env-test1" });
    bad["metadata"]["created_at"] = json!("yesterday");
    bad["status"] = json!({});
    let v = op.validate_response(200, Some(&bad));
    let mut p = pointers(&v);
    p.sort_unstable();
    assert_eq!(p, ["/metadata/created_at", "/spec/environment", "/spec/environment", "/status"], "{v:?}");

    let error = json!({ "errors": [{ "id": "x", "status": "404", "code": "resource_not_found", "title": "Not Found",
                                     "detail": "nope", "source": { "parameter": "id" } }] });
    assert_eq!(op.validate_response(404, Some(&error)), vec![]);
    assert_eq!(op.response_key(404), Some(ResponseKey::Status(404)));
    assert_eq!(
        op.validate_response(404, Some(&json!({ "errors": [{ "status": 404 }] })))[0].pointer,
        "/errors/0/status"
    );
    assert_eq!(op.validate_response(404, None)[0].kind, ViolationKind::MissingBody);
    // 429 is documented without a body schema: the body is not checked.
    assert!(!op.response_has_schema(429));
    assert_eq!(op.validate_response(429, Some(&json!("anything"))), vec![]);
    let v = op.validate_response(418, Some(&error));
    assert_eq!(v[0].kind, ViolationKind::UndocumentedStatus, "{v:?}");

    let delete = specs.operation_by_id("deleteNetworkingV1PrivateLinkAccess").expect("operation");
    assert_eq!(delete.validate_response(204, None), vec![]);
}

#[test]
fn nullable_and_x_nullable() {
    let Some(specs) = specs() else { return };
    // OpenAPI 3.0 `nullable: true` on ListMeta.next (a uri); total_size is not nullable.
    let list = specs.operation_by_id("listOrgV2Environments").expect("operation");
    let page = |next: Value, total: Value| {
        json!({ "api_version": "org/v2", "kind": "EnvironmentList", "data": [],
                "metadata": { "first": "https://api.confluent.cloud/org/v2/environments", "next": next, "total_size": total } })
    };
    assert_eq!(list.validate_response(200, Some(&page(Value::Null, json!(0)))), vec![]);
    assert_eq!(
        list.validate_response(200, Some(&page(json!("https://api.confluent.cloud/x?page_token=a"), json!(3)))),
        vec![]
    );
    assert_eq!(pointers(&list.validate_response(200, Some(&page(json!(7), json!(0))))), ["/metadata/next"]);
    assert_eq!(pointers(&list.validate_response(200, Some(&page(Value::Null, Value::Null)))), ["/metadata/total_size"]);
    // int32: total_size beyond the range.
    assert_eq!(
        pointers(&list.validate_response(200, Some(&page(Value::Null, json!(5_000_000_000_u64))))),
        ["/metadata/total_size"]
    );

    // Swagger `x-nullable: true` on PrivateLinkConnection.updateTime; createTime is not nullable.
    let get = specs.operation_by_id("PrivateLinkConnectionService_GetPrivateLinkConnection").expect("operation");
    let plc = |update: Value, create: Value| {
        json!({ "privateLinkConnectionId": "plc-1", "clusterId": "1", "displayName": "x", "type": "AWS_ENDPOINT_SERVICE",
                "state": "CREATING", "createTime": create, "updateTime": update,
                "awsEndpointService": { "name": "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0" } })
    };
    assert_eq!(get.validate_response(200, Some(&plc(Value::Null, json!("2026-01-01T00:00:00Z")))), vec![]);
    assert_eq!(
        pointers(&get.validate_response(200, Some(&plc(json!("2026-01-01T00:00:00Z"), Value::Null)))),
        ["/createTime"]
    );
}

fn plc_request() -> Value {
    json!({ "privateLinkConnection": {
        "clusterId": "10000000000000000001",
        "displayName": "to-kafka",
        "type": "AWS_ENDPOINT_SERVICE",
        "awsEndpointService": { "name": "com.amazonaws.vpce.us-west-2.vpce-svc-00000000000000001" },
    }})
}

#[test]
fn tidbcloud_bodies() {
    let Some(specs) = specs() else { return };
    let create = specs.operation_by_id("PrivateLinkConnectionService_CreatePrivateLinkConnection").expect("operation");
    assert_eq!(create.validate_request(Some(&plc_request())), vec![]);
    assert_eq!(create.validate_request(None)[0].kind, ViolationKind::MissingBody, "Swagger body is required");

    let mut bad = plc_request();
    bad["privateLinkConnection"]["type"] = json!("GCP_PSC");
    bad["privateLinkConnection"]["awsEndpointService"] = json!({ "region": "us-west-2" });
    bad["privateLinkConnection"]["state"] = json!("ACTIVE");
    let v = create.validate_request(Some(&bad));
    let mut p = pointers(&v);
    p.sort_unstable();
    assert_eq!(
        p,
        ["/privateLinkConnection/awsEndpointService", "/privateLinkConnection/state", "/privateLinkConnection/type"]
    );
    assert_eq!(pointers(&create.validate_request(Some(&json!({ "privateLinkConnection": {} })))).len(), 3);

    let attach = specs.operation_by_id("PrivateLinkConnectionService_AttachDomains").expect("operation");
    let body = json!({ "attachDomain": { "type": "CONFLUENT", "uniqueName": "abc.us-west-2" }, "validateOnly": true });
    assert_eq!(attach.validate_request(Some(&body)), vec![]);
    let bad = json!({ "attachDomain": { "type": "CONFLUENT", "attachDomainId": "x" }, "validateOnly": "yes" });
    assert_eq!(pointers(&attach.validate_request(Some(&bad))), ["/attachDomain/attachDomainId", "/validateOnly"]);

    // Only `200` and `default` are documented: every error status falls to `default` (Status).
    let error = json!({ "code": 49_900_404, "message": "not found", "details": [] });
    assert_eq!(create.response_key(404), Some(ResponseKey::Default));
    assert_eq!(create.validate_response(404, Some(&error)), vec![]);
    assert_eq!(pointers(&create.validate_response(404, Some(&json!({ "code": "404" })))), ["/code"]);

    let zones = specs.operation_by_id("PrivateLinkConnectionService_GetAvailabilityZones").expect("operation");
    assert_eq!(
        zones.validate_response(200, Some(&json!({ "accountId": "000000000001", "azIds": ["usw2-az1"] }))),
        vec![]
    );
    assert_eq!(pointers(&zones.validate_response(200, Some(&json!({ "azIds": "usw2-az1" })))), ["/azIds"]);
}

#[test]
fn every_operation_of_every_document_compiles() {
    let Some(specs) = specs() else { return };
    assert!(specs.operations().len() > 50);
    for op in specs.operations() {
        if let Err(e) = op.compile_all() {
            panic!("{} ({}): {e}", op.id(), op.file());
        }
    }
    // The converted schema is plain JSON Schema.
    let op = specs.operation_by_id("createCmkV2Cluster").expect("operation");
    let schema = op.json_schema(Direction::Request, None).expect("has a body").expect("converts");
    assert!(schema["$defs"].get("cmk.v2.ClusterSpec").is_some());
    assert!(schema["$defs"].get("cmk.v2.ClusterStatus").is_none(), "read-only status is not pulled into requests");
}

#[test]
fn response_keys_parse() {
    assert_eq!(ResponseKey::parse("200"), Some(ResponseKey::Status(200)));
    assert_eq!(ResponseKey::parse("2XX"), Some(ResponseKey::Range(2)));
    assert_eq!(ResponseKey::parse("5xx"), Some(ResponseKey::Range(5)));
    assert_eq!(ResponseKey::parse("default"), Some(ResponseKey::Default));
    assert_eq!(ResponseKey::parse("7XX"), None);
    assert_eq!(ResponseKey::parse("x-extension"), None);
    assert_eq!(ResponseKey::Range(4).to_string(), "4XX");
}

/// The changefeed document and the three Confluent IAM documents: their operations resolve
/// (colon methods, the literal `privateLinkEndpoint` over `{changefeedId}`, the role bindings
/// from `mds/v2`) and their bodies check, the read-only API key secret and the uint64 TSO
/// included.
#[test]
fn changefeed_and_iam_documents() {
    let Some(specs) = specs() else { return };
    let find =
        |vendor: Vendor, method: &str, path: &str| specs.operation(vendor, method, path).map(|o| o.id().to_owned());
    let ti = Vendor::Tidbcloud;
    let feeds = "/v1beta1/clusters/1/changefeeds";
    for (method, path, id) in [
        ("GET", feeds.to_owned(), "ChangefeedService_ListChangefeeds"),
        ("POST", feeds.to_owned(), "ChangefeedService_CreateChangefeed"),
        ("GET", format!("{feeds}/cf-1"), "ChangefeedService_GetChangefeed"),
        ("PATCH", format!("{feeds}/cf-1"), "ChangefeedService_EditChangefeed"),
        ("DELETE", format!("{feeds}/cf-1"), "ChangefeedService_DeleteChangefeed"),
        ("POST", format!("{feeds}/cf-1:start"), "ChangefeedService_StartChangefeed"),
        ("POST", format!("{feeds}/cf-1:stop"), "ChangefeedService_StopChangefeed"),
        ("POST", format!("{feeds}:test"), "ChangefeedService_TestChangefeed"),
        ("POST", format!("{feeds}:describeSchemaTable"), "ChangefeedService_DescribeSchemaTable"),
        ("GET", format!("{feeds}/privateLinkEndpoint"), "ChangefeedService_GetPrivateLinkEndpoint"),
    ] {
        assert_eq!(find(ti, method, &path).as_deref(), Some(id), "{method} {path}");
    }
    let cf = Vendor::Confluent;
    for (method, path, id) in [
        ("GET", "/iam/v2/service-accounts?display_name=a", "listIamV2ServiceAccounts"),
        ("PATCH", "/iam/v2/service-accounts/sa-1", "updateIamV2ServiceAccount"),
        ("POST", "/iam/v2/api-keys", "createIamV2ApiKey"),
        ("DELETE", "/iam/v2/api-keys/KEY1", "deleteIamV2ApiKey"),
        ("GET", "/iam/v2/role-bindings?crn_pattern=crn%3A%2F%2Fx", "listIamV2RoleBindings"),
        ("DELETE", "/iam/v2/role-bindings/rb-1", "deleteIamV2RoleBinding"),
        ("GET", "/org/v2/organizations", "listOrgV2Organizations"),
    ] {
        assert_eq!(find(cf, method, path).as_deref(), Some(id), "{method} {path}");
    }

    let sink = json!({ "type": "KAFKA", "kafka": {
        "network": { "networkType": "PRIVATE_LINK", "privateLink": { "privateLinkConnectionId": "plc-1", "port": 9092 } },
        "authentication": { "authType": "SASL_PLAIN", "username": "K", "password": "S", "enableTls": true,
                            "serverName": "lkc-1.dom.us-east-1.aws.confluent.cloud" },
        "dataFormat": { "protocol": "CANAL_JSON" },
        "topicPartitionConfig": { "dispatchType": "ONE_TOPIC", "defaultTopic": "t", "partitionNum": 3 },
    }});
    let create = json!({ "displayName": "cf", "sink": sink, "filter": { "filterRule": ["a.*"] },
                         "startPosition": { "mode": "FROM_TSO", "tso": "449812354101215234" } });
    assert_eq!(specs.validate_request(ti, "POST", feeds, Some(&create)), vec![]);
    assert_eq!(pointers(&specs.validate_request(ti, "POST", feeds, Some(&json!({ "sink": sink })))), [""]);
    let mut bad_tso = create.clone();
    bad_tso["startPosition"]["tso"] = json!("-1");
    assert!(!specs.validate_request(ti, "POST", feeds, Some(&bad_tso)).is_empty(), "a uint64 TSO is not negative");
    let test = format!("{feeds}:test");
    assert_eq!(specs.validate_request(ti, "POST", &test, Some(&json!({ "sink": sink }))), vec![]);
    assert_eq!(specs.validate_response(ti, "POST", &test, 200, Some(&json!({}))), vec![]);
    let running = json!({ "changefeedId": "cf-1", "clusterId": "1", "state": "RUNNING", "sink": sink,
                          "filter": { "filterRule": ["a.*"] }, "startPosition": { "mode": "FROM_NOW" },
                          "checkpoint": { "tso": "1", "time": "2026-01-01T00:00:00Z" },
                          "createTime": "2026-01-01T00:00:00Z", "updateTime": null });
    assert_eq!(specs.validate_response(ti, "GET", &format!("{feeds}/cf-1"), 200, Some(&running)), vec![]);
    let key = json!({ "spec": { "display_name": "k", "owner": { "id": "sa-1" },
                                "resource": { "id": "lkc-1", "environment": "env-1" } } });
    assert_eq!(specs.validate_request(cf, "POST", "/iam/v2/api-keys", Some(&key)), vec![]);
    let mut with_secret = key.clone();
    with_secret["spec"]["secret"] = json!("S");
    assert_eq!(pointers(&specs.validate_request(cf, "POST", "/iam/v2/api-keys", Some(&with_secret))), ["/spec/secret"]);
    let binding = json!({ "principal": "User:sa-1", "role_name": "DeveloperWrite",
                          "crn_pattern": "crn://confluent.cloud/organization=o/environment=e/cloud-cluster=c/kafka=c/topic=t*" });
    assert_eq!(specs.validate_request(cf, "POST", "/iam/v2/role-bindings", Some(&binding)), vec![]);
    let mut group = binding.clone();
    group["principal"] = json!("sa-1");
    assert_eq!(pointers(&specs.validate_request(cf, "POST", "/iam/v2/role-bindings", Some(&group))), ["/principal"]);
}
