//! `linkplan-tidbcloud` against the simulator: one binary, one module per area.

// Harness: simulator, client from its environment, request recorder, generated worlds.
mod util;

// Every operation: clusters, availability zones, connections, domains.
mod resources;
// Changefeeds: the table check, the connectivity test, the lifecycle, failures, lost answers.
mod changefeeds;
// Digest: one request per call after the first challenge, stale nonces, wrong keys.
mod digest;
// Full pagination at the maximum page size, with request counts.
mod pagination;
// Error classes: 400/401/404/409, configuration errors.
mod errors;
// Retries: 429 storms, 5xx bursts, drops, timeouts, deadlines, creates never replayed.
mod retries;
// Secrets never reach logs, `Debug` or errors.
mod secrets;
