//! Plumbing shared by the vendor clients (`linkplan-confluent`, `linkplan-tidbcloud`).
//!
//! Public API: [`Secret`] (a credential that never prints), [`BaseUrl`] (HTTPS, or plain HTTP
//! to a loopback address only) and the other configuration checks in [`config`], the
//! [`ClientBuilder`] both clients are built with (a vendor crate describes itself as a
//! [`Vendor`]), the [`Transport`] that sends one attempt with a timeout, logs it at debug level
//! and tells an [`Observer`], the [`Call`] loop in [`call`] with the retry decisions and backoff
//! mechanics in [`retry`] ([`RetryPolicy`], [`Attempts`]) on a [`Timer`] (tokio's, or a test's
//! simulated clock), the one [`Error`] type (generic over
//! the vendor's decoded error body, a [`VendorBody`], as is the [`ApiError`] response), and the [`open_enum!`] macro for vendor
//! enums that keep unknown values.
//!
//! What stays in the client crates: authentication, the error body's shape, which calls are
//! safe to replay (the `Call` constructor each operation uses) and the typed operations.

pub mod budget;
pub mod call;
mod client;
pub mod config;
mod error;
mod open_enum;
pub mod retry;
mod secret;
pub mod timer;
pub mod transport;

pub use budget::{Budget, BudgetHeaders, BudgetLimit, Poller};
pub use call::Call;
pub use client::{ClientBuilder, Http, Vendor};
pub use config::{BaseUrl, ConfigError};
pub use error::{ApiError, EncodeError, Error, VendorBody};
pub use retry::{Attempts, Retry, RetryPolicy};
pub use secret::Secret;
pub use timer::{Timer, TimerSleep, TokioTimer};
pub use transport::{Exchange, Incoming, Observer, Outgoing, Transport, TransportConfig, TransportError};

/// Re-exported for the clients' signatures and tests.
pub use reqwest::{Method, StatusCode, Url, header};
