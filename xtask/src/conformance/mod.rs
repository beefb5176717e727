//! `cargo xtask conformance`: the simulator against the vendors' own API documents, as the real
//! engine uses it.
//!
//! Starts the simulator in-process on an explicit clock and runs the real engine against it
//! (`driver.rs`): plan, apply, a CKU edit and destroy of the example plan on the example world;
//! apply and destroy of the plan that creates its network on the `create-network` world; and the
//! example plan on `already-connected` without its domains (an apply cut off before its last
//! step), where observing previews the attach. The example plan's changefeed brings the
//! Confluent credentials (service account, Kafka API key, role bindings) and the changefeed
//! itself (`:test` answered 400 while a new key settles, then create, wait, delete). What the
//! engine does not call yet — a changefeed's stop/edit/start, renames, gets by id — runs through
//! the product clients' typed calls (`clients.rs`, on `already-connected`): [`CLIENT_CALLS`].
//! A [`Recorder`](linkplan_testkit::Recorder) on each engine client sees every exchange, so the
//! covered operations are the ones the engine actually calls. Only what the engine never
//! provokes is driven by hand over plain HTTP (`errors.rs`): the vendors' error statuses (4xx,
//! and 429/500 through faults) and the operations the simulator serves that the engine never
//! calls. `report.rs` checks every exchange with `linkplan-conformance` — each response body,
//! each request body the engine sent, each request body sent by hand that the simulator
//! accepted — prints the coverage table (statuses seen from the engine and by hand) and fails
//! on a non-conforming body, a request no documented operation matches, an unexpected status, a
//! runbook operation the engine did not call successfully, an operation the engine calls that
//! [`RUNBOOK`] does not list, or a missing error status.
//!
//! To cover a new operation: when the engine calls it, the engine runs cover it; add its
//! `operationId` to [`RUNBOOK`] (the check fails until you do; an operation in [`CLIENT_CALLS`]
//! the engine starts calling moves to [`RUNBOOK`]). A client call the engine does not make yet:
//! a call in `clients.rs` and an entry in [`CLIENT_CALLS`]. An error status the engine never
//! provokes: a step in `errors.rs` with the statuses it expects. An operation the simulator
//! serves but the engine does not call: a step in `errors.rs` and an entry in [`ALSO_SERVED`].

mod clients;
mod driver;
mod errors;
mod report;

use std::process::ExitCode;
use std::time::Instant;

use linkplan_conformance::{Specs, Vendor};
use serde_json::Value;

/// Every operation the engine calls in plan, apply (a CKU edit included) and destroy, which is
/// what the runbook's commands (`plan`, `apply`, `destroy`, `status`, `lint --online`) send.
/// Each must get a 2xx from the engine's own calls.
const RUNBOOK: &[&str] = &[
    "getOrgV2Environment",
    "listNetworkingV1Networks",
    "createNetworkingV1Network",
    "getNetworkingV1Network",
    "deleteNetworkingV1Network",
    "listNetworkingV1PrivateLinkAccesses",
    "createNetworkingV1PrivateLinkAccess",
    "getNetworkingV1PrivateLinkAccess",
    "deleteNetworkingV1PrivateLinkAccess",
    "listCmkV2Clusters",
    "createCmkV2Cluster",
    "getCmkV2Cluster",
    "updateCmkV2Cluster",
    "deleteCmkV2Cluster",
    "ClusterService_GetCluster",
    "PrivateLinkConnectionService_GetAvailabilityZones",
    "PrivateLinkConnectionService_ListPrivateLinkConnections",
    "PrivateLinkConnectionService_CreatePrivateLinkConnection",
    "PrivateLinkConnectionService_GetPrivateLinkConnection",
    "PrivateLinkConnectionService_DeletePrivateLinkConnection",
    "PrivateLinkConnectionService_AttachDomains",
    "PrivateLinkConnectionService_DetachDomains",
    "listOrgV2Organizations",
    "listIamV2ServiceAccounts",
    "createIamV2ServiceAccount",
    "deleteIamV2ServiceAccount",
    "listIamV2ApiKeys",
    "createIamV2ApiKey",
    "deleteIamV2ApiKey",
    "listIamV2RoleBindings",
    "createIamV2RoleBinding",
    "deleteIamV2RoleBinding",
    "ChangefeedService_ListChangefeeds",
    "ChangefeedService_CreateChangefeed",
    "ChangefeedService_GetChangefeed",
    "ChangefeedService_DeleteChangefeed",
    "ChangefeedService_TestChangefeed",
    "ChangefeedService_DescribeSchemaTable",
];

/// Operations the simulator also serves but the engine never calls (lists and renames it does
/// not need): driven by hand, 2xx included, so their bodies are checked too.
const ALSO_SERVED: &[&str] = &[
    "listOrgV2Environments",
    "ClusterService_ListClusters",
    "updateNetworkingV1Network",
    "updateNetworkingV1PrivateLinkAccess",
    "getOrgV2Organization",
    "updateIamV2ApiKey",
];

/// Operations the vendor clients implement for the changefeed that the engine does not call
/// yet: called through the typed clients (`clients.rs`), each must get a 2xx there. Once the
/// engine calls one, it belongs in [`RUNBOOK`] instead (the check says so).
const CLIENT_CALLS: &[&str] = &[
    "getIamV2ServiceAccount",
    "updateIamV2ServiceAccount",
    "getIamV2ApiKey",
    "getIamV2RoleBinding",
    "ChangefeedService_EditChangefeed",
    "ChangefeedService_StartChangefeed",
    "ChangefeedService_StopChangefeed",
];

/// Error statuses each vendor's check must exercise (besides the 2xx of every operation).
const ERROR_STATUSES: &[u16] = &[400, 401, 404, 409, 429, 500];

/// Statuses the simulator answers that the operation's document does not list, with the reason
/// they are tolerated. Each is still reported, and its body is checked against the error schema
/// the operation documents for the other statuses of the same class. Keep this list empty when
/// possible: an entry is a known deviation from the vendor document.
const KNOWN_UNDOCUMENTED: &[(&str, u16, &str)] = &[];

/// Request variants that must each be exercised with a 2xx by the engine.
const VARIANTS: &[(&str, &str)] = &[
    ("PrivateLinkConnectionService_AttachDomains", "validateOnly=true"),
    ("PrivateLinkConnectionService_AttachDomains", "validateOnly=false"),
];

/// Who sent a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// The engine's clients, in plan, apply or destroy.
    Engine,
    /// A hand-written step in `errors.rs`.
    Hand,
    /// A typed call of a vendor client that the engine does not make yet (`clients.rs`).
    Client,
}

/// One HTTP attempt, from either source, before and after the check.
#[derive(Debug)]
struct Exchange {
    source: Source,
    vendor: Vendor,
    method: String,
    /// Path and query.
    target: String,
    /// `None`: no response arrived.
    status: Option<u16>,
    request_body: Option<Value>,
    response_body: Option<Value>,
    /// Found by the check (`report.rs`), or before it (a body that is not JSON).
    problems: Vec<String>,
    /// Tolerated deviations ([`KNOWN_UNDOCUMENTED`]).
    notes: Vec<String>,
    /// The matched operation id, `None` when no documented operation matches.
    op: Option<String>,
}

/// What the runs produced.
#[derive(Debug, Default)]
struct Run {
    exchanges: Vec<Exchange>,
    /// Unexpected statuses, failed engine steps, aborted scenarios.
    failures: Vec<String>,
}

pub(crate) fn run(args: &[String]) -> Result<ExitCode, String> {
    if let Some(arg) = args.first() {
        return Err(format!("conformance takes no arguments (got {arg})"));
    }
    let started = Instant::now();
    let specs = Specs::shared().map_err(|e| format!("{e} (the conformance check needs the vendor documents)"))?;
    let loaded = started.elapsed();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a Tokio runtime: {e}"))?;
    let mut run = runtime.block_on(async {
        let mut run = driver::drive(specs).await?;
        if let Err(e) = clients::drive(specs, &mut run).await {
            run.failures.push(format!("clients: scenario aborted: {e}"));
        }
        Ok::<Run, String>(run)
    })?;
    report::check(specs, &mut run.exchanges);
    let ok = report::print(specs, &run);
    println!(
        "\ntime: {:.0?} (documents loaded in {:.0?}; {} requests)",
        started.elapsed(),
        loaded,
        run.exchanges.len()
    );
    Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
