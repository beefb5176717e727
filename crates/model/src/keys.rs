//! The keys of every object in plan v1: the public contract, shared by the typed view, the
//! linter's "did you mean" hints and the test that keeps `schemas/plan.schema.json` in sync.
//!
//! # The `changefeed` block
//!
//! Optional and additive (plans stay `version: 1`): stream TiDB's changes into the Kafka
//! cluster over the private link connection.
//!
//! ```yaml
//! changefeed:
//!   display_name: orders-to-kafka           # optional; default: the plan's `name`
//!   tables: ["orders.*", "!orders.tmp_*"]   # required: TiDB table filter rules
//!   table_mode: IGNORE_NOT_SUPPORT_TABLE    # optional: IGNORE_NOT_SUPPORT_TABLE (default) | FORCE_SYNC
//!   case_sensitive: false                   # optional, default false
//!   protocol: CANAL_JSON                    # required: CANAL_JSON | OPEN_PROTOCOL | DEBEZIUM (AVRO: CF005)
//!   topics:                                 # required
//!     dispatch: BY_TABLE                    # required: ONE_TOPIC | BY_TABLE | BY_DATABASE
//!     # topic: orders-cdc                   # ONE_TOPIC only, and required there
//!     prefix: tidb_                         # BY_TABLE / BY_DATABASE only, and required there
//!     separator: "_"                        # BY_TABLE only; default "_"
//!     suffix: ""                            # BY_TABLE / BY_DATABASE only; optional
//!     partitions: 6                         # optional, 1..=4500
//!     replication_factor: 3                 # optional; Confluent Cloud needs 3
//!   start_position: now                     # optional: now (default) | a TSO (integer) | an RFC 3339 time
//!   credentials:                            # required: exactly one of the two modes
//!     create: true                          # a service account, a Kafka API key, role bindings
//!     service_account: tidb-orders-cdc      # (create only) default "tidb-<name>-cdc"
//!     # api_key_env: ORDERS_KAFKA_API_KEY   # or: the NAMES of two environment variables
//!     # api_secret_env: ORDERS_KAFKA_API_SECRET
//! ```
//!
//! - `tables`: each item is `[!]<database>.<table>` in TiDB's table filter syntax (`*`, `?`,
//!   `[a-z]`, `[!a-z]`, `\` escapes, `"quoted"` or `` `quoted` `` names; the last matching
//!   rule decides, `!` excludes). `/regex/` and `@file` are not supported
//!   ([`crate::values::TableFilterRule`]).
//! - `table_mode: FORCE_SYNC` also replicates tables without a primary or not-null unique key
//!   (which may then arrive duplicated); the default skips them.
//! - `topics`: `ONE_TOPIC` writes every change to `topic`; `BY_TABLE` to
//!   `<prefix><db><separator><table><suffix>`; `BY_DATABASE` to `<prefix><db><suffix>`. Kafka
//!   topic names are 1–249 characters of `[a-zA-Z0-9._-]` ([`crate::values::TopicName`]).
//! - `start_position`: `now`, e.g. `449451550310400000` (a TSO: Unix ms << 18), or
//!   `2024-05-01T00:00:00Z` ([`crate::values::StartPosition`]).
//! - `credentials`: `create: true` (linkplan makes and owns them, destroy removes them) or
//!   `api_key_env` + `api_secret_env`, the names of variables holding a Kafka API key for this
//!   cluster ([`crate::values::EnvVarName`]). TLS and the SNI server name are not keys:
//!   linkplan always turns TLS on and takes the server name from the cluster's private
//!   bootstrap endpoint.

/// One object of the plan: where it is, which keys it may have and which it must have.
#[derive(Debug, Clone, Copy)]
pub struct ObjectKeys {
    /// JSON pointer of the object (no array indices occur in plan objects).
    pub pointer: &'static str,
    pub keys: &'static [&'static str],
    pub required: &'static [&'static str],
}

pub const OBJECTS: &[ObjectKeys] = &[
    ObjectKeys {
        pointer: "",
        keys: &["version", "name", "state", "tidb", "confluent", "private_link_connection", "changefeed"],
        required: &["version", "name", "tidb", "confluent"],
    },
    ObjectKeys {
        pointer: "/tidb",
        keys: &["cluster_id", "cloud", "region", "aws_account_id", "availability_zones"],
        required: &["cluster_id", "region"],
    },
    ObjectKeys {
        pointer: "/confluent",
        keys: &["environment", "network", "private_link_access", "cluster", "vpc_service_endpoint"],
        required: &["environment", "network", "cluster"],
    },
    ObjectKeys {
        pointer: "/confluent/network",
        keys: &[
            "id",
            "create",
            "display_name",
            "dns_resolution",
            "cloud",
            "connection_types",
            "region",
            "zones",
            "dns_subdomain",
        ],
        required: &["connection_types", "region"],
    },
    ObjectKeys { pointer: "/confluent/private_link_access", keys: &["display_name", "account"], required: &[] },
    ObjectKeys {
        pointer: "/confluent/cluster",
        keys: &["id", "display_name", "type", "availability", "cku"],
        required: &["display_name", "type"],
    },
    ObjectKeys { pointer: "/private_link_connection", keys: &["display_name", "domains"], required: &[] },
    ObjectKeys { pointer: "/private_link_connection/domains", keys: &["type", "unique_name"], required: &[] },
    ObjectKeys {
        pointer: "/changefeed",
        keys: &[
            "display_name",
            "tables",
            "table_mode",
            "case_sensitive",
            "protocol",
            "topics",
            "start_position",
            "credentials",
        ],
        required: &["tables", "protocol", "topics", "credentials"],
    },
    ObjectKeys {
        pointer: "/changefeed/topics",
        keys: &["dispatch", "topic", "prefix", "separator", "suffix", "partitions", "replication_factor"],
        required: &["dispatch"],
    },
    ObjectKeys {
        pointer: "/changefeed/credentials",
        keys: &["create", "service_account", "api_key_env", "api_secret_env"],
        required: &[],
    },
];

/// The keys allowed in the object at `pointer`.
pub fn keys_at(pointer: &str) -> Option<&'static ObjectKeys> {
    OBJECTS.iter().find(|o| o.pointer == pointer)
}
