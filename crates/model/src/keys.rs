//! The keys of every object in plan v1: the public contract, shared by the typed view, the
//! linter's "did you mean" hints and the test that keeps `schemas/plan.schema.json` in sync.

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
        keys: &["version", "name", "tidb", "confluent", "private_link_connection"],
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
];

/// The keys allowed in the object at `pointer`.
pub fn keys_at(pointer: &str) -> Option<&'static ObjectKeys> {
    OBJECTS.iter().find(|o| o.pointer == pointer)
}
