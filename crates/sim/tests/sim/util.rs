//! Test harness: a simulator on an explicit clock and the test kit's plain HTTP client, which
//! speaks Basic and Digest (with the kit's own signer, not the product client's).

use std::ops::Deref;
use std::time::Duration;

use linkplan_sim::{RunningSim, Sim, SimConfig, World};
use linkplan_testkit::RawClient;
pub(crate) use linkplan_testkit::{Algorithm, Challenge, Reply};
use serde_json::{Value, json};

pub(crate) const CLUSTER: &str = "10140100115280519574";
pub(crate) const ENV: &str = "env-abc123";
pub(crate) const NETWORK: &str = "n-abc123";
pub(crate) const SERVICE: &str = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";
pub(crate) const ACCOUNT: &str = "123456789012";

/// The simulator and a [`RawClient`] with its keys; the client's methods (`cf`, `ti`, `raw`,
/// `send`, `authorization`, …) are the harness's.
pub(crate) struct Harness {
    pub(crate) sim: RunningSim,
    client: RawClient,
}

impl Deref for Harness {
    type Target = RawClient;

    fn deref(&self) -> &RawClient {
        &self.client
    }
}

impl Harness {
    pub(crate) async fn new() -> Harness {
        Harness::with_world(World::example()).await
    }

    pub(crate) async fn with_yaml(yaml: &str) -> Harness {
        Harness::with_world(World::from_yaml(yaml).expect("test world parses")).await
    }

    pub(crate) async fn with_world(world: World) -> Harness {
        Harness::with_config(world, SimConfig::explicit()).await
    }

    pub(crate) async fn with_config(world: World, config: SimConfig) -> Harness {
        let sim = Sim::start(world, config).await.expect("simulator starts");
        let client = RawClient::for_sim(&sim);
        Harness { sim, client }
    }

    pub(crate) fn advance(&self, secs: u64) {
        self.sim.advance(Duration::from_secs(secs));
    }
}

/// The create body of the example's Dedicated cluster "orders" (2 CKUs, multi-zone) on the
/// example network.
pub(crate) fn dedicated_cluster() -> Value {
    json!({ "spec": {
        "display_name": "orders", "availability": "MULTI_ZONE", "cloud": "AWS", "region": "us-east-1",
        "config": { "kind": "Dedicated", "cku": 2 },
        "environment": { "id": ENV }, "network": { "id": NETWORK },
    }})
}

/// The single Confluent error in a body.
pub(crate) fn cf_error(body: &Value) -> &Value {
    &body["errors"][0]
}
