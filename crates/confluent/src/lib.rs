//! Confluent Cloud REST client: the calls the PrivateLink runbook makes, typed.
//!
//! Public API: [`Client`] (built by [`ClientBuilder`] from [`Credentials`], or
//! [`ClientBuilder::from_env`]), its handlers [`Client::environments`], [`Client::networks`],
//! [`Client::private_link_accesses`] and [`Client::clusters`], and for a changefeed's
//! credentials [`Client::organizations`], [`Client::service_accounts`], [`Client::api_keys`]
//! and [`Client::role_bindings`] (wire types in [`resources`]), and [`Error`] / [`ApiError`].
//! Configuration pieces ([`RetryPolicy`], [`Secret`], [`Exchange`] for observers) come from
//! `linkplan-http`.
//!
//! Every call goes through one private `send` (Basic auth, retries per `retry.rs`, debug
//! logging, observer); lists follow every page at the documented maximum page size; creates
//! are never replayed after an ambiguous failure ([`Error::is_ambiguous`]): use the `find`
//! helpers to look the object up by its natural key instead. A Kafka API key's secret comes
//! only from its create ([`resources::api_keys::NewApiKey`], a [`Secret`]): after an ambiguous
//! create the key is unusable and must be deleted and made again, never adopted.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use linkplan_confluent::{ClientBuilder, resources::networks::NetworkFilter};
//! let client = ClientBuilder::from_env(&|name| std::env::var(name).ok())?.build()?;
//! let networks = client.networks().list("env-abc123", &NetworkFilter::default()).await?;
//! # Ok(()) }
//! ```

mod client;
mod error;
mod page;
pub mod resources;
mod retry;

pub use client::{Client, ClientBuilder, Credentials, DEFAULT_BASE_URL, ENV_API_KEY, ENV_API_SECRET, ENV_BASE_URL};
pub use error::{ApiError, Error, ErrorBody};
pub use linkplan_http::{ConfigError, Exchange, RetryPolicy, Secret, Timer, TimerSleep, TokioTimer};
