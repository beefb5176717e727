//! Plumbing shared by the vendor clients (`linkplan-confluent`, `linkplan-tidbcloud`).
//!
//! Public API: [`Secret`] (a credential that never prints), [`BaseUrl`] (HTTPS, or plain HTTP
//! to a loopback address only) and the other configuration checks in [`config`], the
//! [`Transport`] that sends one attempt with a timeout, logs it at debug level and tells an
//! [`Observer`], the backoff mechanics in [`retry`] ([`RetryPolicy`], [`Attempts`]), and the
//! [`open_enum!`] macro for vendor enums that keep unknown values.
//!
//! What is retried stays vendor policy, in each client crate's `retry.rs`; so do authentication
//! and error decoding.

pub mod call;
pub mod config;
mod open_enum;
pub mod retry;
mod secret;
pub mod transport;

pub use config::{BaseUrl, ConfigError};
pub use retry::{Attempts, Retry, RetryPolicy};
pub use secret::Secret;
pub use transport::{Exchange, Incoming, Observer, Outgoing, Transport, TransportConfig, TransportError};

/// Re-exported for the clients' signatures and tests.
pub use reqwest::{Method, StatusCode, Url, header};
