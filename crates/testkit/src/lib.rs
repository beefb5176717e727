//! The dev-only test kit: what the tests and tools of this workspace share instead of copying.
//!
//! - [`digest`]: the test side's HTTP Digest signer (RFC 7616, MD5 and SHA-256, `qop=auth`),
//!   independent of the product client's, checked against the RFC's example.
//! - [`raw`]: [`RawClient`], plain HTTP to a running simulator (Basic; Digest with a cached
//!   challenge), for the simulator's tests, the conformance check's error cases and the load
//!   example.
//! - [`clients`]: [`ClientHarness`], the vendor clients' test harness (a simulator on an explicit
//!   clock, a client from its environment with fast retries on [`SimTimer`], the request
//!   [`Recorder`]), generic over the client crate's vendor so this crate depends on neither.
//! - [`logs`]: [`LogCapture`], a process-wide tracing subscriber into a string, and the helpers
//!   of the "no secret ever shows" tests.
//!
//! Never a dependency of a product crate: only `[dev-dependencies]` (and xtask) use it.

pub mod clients;
pub mod digest;
pub mod logs;
pub mod raw;

pub use clients::{
    ClientHarness, SimTimer, VendorOf, assert_stopped_at_the_deadline, credentials_in_the_url, fast_retry, recorder,
    refused_builder, sim_builder, sim_env, storm_policy,
};
pub use digest::{Algorithm, Challenge};
pub use linkplan_conformance::recorder::{Record, Recorder};
pub use logs::{LogCapture, assert_none_shown, describe, describe_each};
pub use raw::{Method, RawClient, Reply, RequestBuilder, StatusCode, basic_authorization, with_json};
