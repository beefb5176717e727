//! The simulator's HTTP surface, driven with a plain HTTP client: one binary, one module per area.

// Harness: start a simulator, Basic and Digest requests, clock control.
mod util;

// Confluent: environments, networks, accesses, clusters, pagination, Basic auth, headers.
mod confluent;
// TiDB Cloud: clusters, connections, domains, Digest auth.
mod tidbcloud;
// The two vendors linked: the runbook end to end and each way the link can fail.
mod linkage;
// TiDB changefeeds: lifecycle, checkpoint, each broken sink condition, limits, table filter.
mod changefeeds;
// Confluent IAM: service accounts, API keys (the secret once), role bindings, the organization.
mod iam;
// Faults: 429, 5xx bursts, slow responses, dropped connections, forced failures.
mod faults;
// Malformed requests: bad JSON, wrong types, missing fields, huge bodies.
mod malformed;
// The seeded worlds in fixtures/sim/worlds/: all load, and each behaves as its header says.
mod worlds;
