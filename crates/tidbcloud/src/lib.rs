//! TiDB Cloud (Starter/Essential, `/v1beta1`) REST client: the calls the PrivateLink runbook
//! makes, typed, with HTTP Digest authentication.
//!
//! Public API: [`Client`] (built by [`ClientBuilder`] from [`Credentials`], or
//! [`ClientBuilder::from_env`]), its handlers [`Client::clusters`],
//! [`Client::private_link_connections`] and [`Client::changefeeds`] (wire types in
//! [`resources`]), and [`Error`] /
//! [`ApiError`]. Configuration pieces ([`RetryPolicy`], [`Secret`], [`Exchange`] for observers)
//! come from `linkplan-http`.
//!
//! Every call goes through one private `send` (Digest auth from a cached challenge, so after
//! the first 401 a call is one request; retries per `retry.rs`; debug logging; observer);
//! lists follow every page; creates and attaches are never replayed after an ambiguous failure
//! ([`Error::is_ambiguous`]): use the `find` helpers instead. A changefeed's Kafka password is a
//! [`Secret`] and the types holding it are not `Serialize`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use linkplan_tidbcloud::ClientBuilder;
//! let client = ClientBuilder::from_env(&|name| std::env::var(name).ok())?.build()?;
//! let zones = client.private_link_connections().availability_zones("10140100115280519574").await?;
//! # Ok(()) }
//! ```

mod auth;
mod client;
mod error;
mod page;
pub mod resources;
mod retry;

pub use client::{Client, ClientBuilder, Credentials, DEFAULT_BASE_URL, ENV_BASE_URL, ENV_PRIVATE_KEY, ENV_PUBLIC_KEY};
pub use error::{ApiError, Error, ErrorBody};
pub use linkplan_http::{ConfigError, Exchange, RetryPolicy, Secret, Timer, TimerSleep, TokioTimer};
