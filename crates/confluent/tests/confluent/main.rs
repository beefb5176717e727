//! `linkplan-confluent` against the simulator: one binary, one module per area.

// Harness: simulator, client from its environment, request recorder, generated worlds.
mod util;

// Every operation: environments, networks, accesses, Kafka clusters.
mod resources;
// The changefeed's credentials: organization, service accounts, API keys, role bindings.
mod iam;
// Full pagination at the maximum page size, with request counts.
mod pagination;
// Error classes: 400/401/403/404/409/422, configuration errors.
mod errors;
// Retries: 429 storms, 5xx bursts, drops, timeouts, deadlines, creates never replayed.
mod retries;
// Secrets never reach logs, `Debug` or errors.
mod secrets;
