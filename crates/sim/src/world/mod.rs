//! The world file: what exists before the simulator starts (credentials, clusters, networks…).
//!
//! Reading one is three jobs, one file each: `seed` is the YAML format (the types serde reads),
//! `validate` checks what serde cannot (ids, states, seeded connections against the link rule),
//! and `location` turns either kind of error into a line and column.
//!
//! Besides the networking resources a world seeds what a changefeed needs: per TiDB cluster its
//! `databases` (tables with or without a handle key), `gc_safe_point` or `gc_life_time`; on the
//! Confluent side `service_accounts`, `api_keys` (with their secrets) and `role_bindings`; and
//! the delays `changefeed`, `changefeed_lag`, `changefeed_warning` and `api_key_ready`. Every key
//! is documented in `fixtures/sim/README.md`.

mod location;
mod seed;
#[cfg(test)]
mod tests;
mod validate;

use std::path::Path;

use crate::error::SimError;

pub use seed::{
    AccessSeed, ApiKeySeed, ConfluentKey, ConfluentSide, ConnectionSeed, Credentials, DatabaseSeed, Delays, DomainSeed,
    EnvironmentSeed, ForcedFailure, KafkaClusterSeed, NetworkSeed, RateLimits, ResourceKind, RoleBindingSeed,
    ServiceAccountSeed, TableSeed, TidbClusterSeed, TidbKey, TidbSide, World,
};

/// The built-in world: matches `examples/orders-cdc.yaml` and `fixtures/sim/worlds/example.yaml`.
pub const EXAMPLE_WORLD: &str = include_str!("../../../../fixtures/sim/worlds/example.yaml");

impl World {
    /// Parse a world from YAML text; errors carry the line and column of the problem.
    pub fn from_yaml(text: &str) -> Result<World, SimError> {
        let world: World = serde_saphyr::from_str(text).map_err(|e| location::syntax_error(text, &e))?;
        world.validate().map_err(|invalid| SimError::World {
            path: None,
            location: invalid.near.as_deref().and_then(|needle| location::locate(text, needle)),
            message: invalid.message,
        })?;
        Ok(world)
    }

    /// Read and parse a world file.
    pub fn from_path(path: &Path) -> Result<World, SimError> {
        let text = std::fs::read_to_string(path).map_err(|source| SimError::Read { path: path.to_owned(), source })?;
        World::from_yaml(&text).map_err(|e| match e {
            SimError::World { location, message, .. } => {
                SimError::World { path: Some(path.to_owned()), location, message }
            }
            other => other,
        })
    }

    /// The built-in example world.
    pub fn example() -> World {
        // The example is compiled in and covered by a test, so this cannot fail at run time;
        // fall back to an empty world rather than panic.
        World::from_yaml(EXAMPLE_WORLD).unwrap_or_else(|_| World::empty())
    }
}
