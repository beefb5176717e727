//! `Desired`: what the plan file asks for, typed, with defaults applied and every value parsed.
//!
//! Built from a lint-clean [`PlanView`]; the lenient view reads a missing or mistyped key as
//! `None`, so a required key that is still missing (the caller skipped lint) becomes a
//! [`DesiredError`] naming the key, never a panic. The plan keys are the public contract of
//! `product.md` ("Plan file (v1)"); defaults follow it: display names derive from `name`.

use linkplan_model::values::ValueError;
use linkplan_model::{AwsAccountId, AzId, DnsSubdomain, Located, PlanView, Region, UniqueName, VpcEndpointServiceName};

/// Why a plan could not be turned into [`Desired`] (lint reports all of these first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DesiredError {
    /// A key the engine needs is missing or has the wrong type.
    #[error("`{key}` is missing or not a {expected}")]
    Missing { key: &'static str, expected: &'static str },
    /// A value does not parse.
    #[error("`{key}`: {source}")]
    Invalid {
        key: &'static str,
        #[source]
        source: ValueError,
    },
    /// A value is outside the set linkplan supports.
    #[error("`{key}` is `{value}`; linkplan supports {supported}")]
    Unsupported { key: &'static str, value: String, supported: &'static str },
    /// `confluent.network` has both `id` and `create: true`, or neither.
    #[error("`confluent.network` needs exactly one of `id` and `create: true`")]
    NetworkSource,
    /// `confluent.private_link_access.account` differs from `tidb.aws_account_id`.
    #[error("`confluent.private_link_access.account` ({access}) differs from `tidb.aws_account_id` ({tidb})")]
    AccountMismatch { access: String, tidb: String },
}

/// The whole connection, as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    /// The connection's name (`name`); display names derive from it.
    pub name: String,
    pub tidb: TidbDesired,
    pub confluent: ConfluentDesired,
    pub connection: ConnectionDesired,
    /// `changefeed:`, when the plan streams TiDB's changes into the Kafka cluster.
    pub changefeed: Option<ChangefeedDesired>,
}

/// `tidb:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TidbDesired {
    pub cluster_id: String,
    pub region: Region,
    /// Declared; otherwise read from `getAvailabilityZones`.
    pub aws_account_id: Option<AwsAccountId>,
    /// Declared AZ IDs; otherwise read from `getAvailabilityZones`.
    pub availability_zones: Option<Vec<AzId>>,
}

/// `confluent:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfluentDesired {
    pub environment: String,
    pub network: NetworkDesired,
    pub access: AccessDesired,
    pub cluster: ClusterDesired,
    /// Declared; otherwise read from the network.
    pub vpc_service_endpoint: Option<VpcEndpointServiceName>,
}

/// Where the network comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkSource {
    /// `id: n-…`: referenced, never created or deleted.
    Existing { id: String },
    /// `create: true`: linkplan creates it, found again by display name.
    Create { display_name: String, dns_resolution: DnsResolution },
}

/// `confluent.network.dns_resolution`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsResolution {
    Private,
    ChasedPrivate,
}

impl DnsResolution {
    pub fn as_str(self) -> &'static str {
        match self {
            DnsResolution::Private => "PRIVATE",
            DnsResolution::ChasedPrivate => "CHASED_PRIVATE",
        }
    }
}

/// `confluent.network:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkDesired {
    pub source: NetworkSource,
    pub region: Region,
    /// Declared zones (exactly three when given).
    pub zones: Option<Vec<AzId>>,
    /// Declared zonal subdomain (existing network).
    pub dns_subdomain: Option<DnsSubdomain>,
}

impl NetworkDesired {
    /// The network's natural key in step ids: its id, or the display name it is created with.
    pub fn key(&self) -> &str {
        match &self.source {
            NetworkSource::Existing { id } => id,
            NetworkSource::Create { display_name, .. } => display_name,
        }
    }
}

/// `confluent.private_link_access:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessDesired {
    /// Default `tidb-<name>`.
    pub display_name: String,
    /// Declared account (equal to `tidb.aws_account_id` when both are given).
    pub account: Option<AwsAccountId>,
}

/// `confluent.cluster.availability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    SingleZone,
    MultiZone,
}

impl Availability {
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::SingleZone => "SINGLE_ZONE",
            Availability::MultiZone => "MULTI_ZONE",
        }
    }
}

/// `confluent.cluster:` (always `type: dedicated`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterDesired {
    /// An existing cluster to use instead of creating one.
    pub id: Option<String>,
    pub display_name: String,
    /// Default SINGLE_ZONE.
    pub availability: Availability,
    /// Default 1 (SINGLE_ZONE) or 2 (MULTI_ZONE).
    pub cku: i32,
}

/// `private_link_connection:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionDesired {
    /// Default `confluent-<name>`.
    pub display_name: String,
    /// `domains.unique_name`, else derived from `confluent.network.dns_subdomain`, else read
    /// from the network online.
    pub unique_name: Option<UniqueName>,
}

/// `changefeed:` — TiDB's changes into the Kafka cluster over the private link connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangefeedDesired {
    /// Default the plan's `name`; with the TiDB cluster, the natural key.
    pub display_name: String,
    /// TiDB table filter rules (`orders.*`, `!orders.tmp_*`).
    pub tables: Vec<String>,
    /// `table_mode: FORCE_SYNC` (tables without a handle key are replicated too).
    pub force_sync: bool,
    pub case_sensitive: bool,
    pub protocol: Protocol,
    pub topics: TopicsDesired,
    pub start: StartAt,
    pub credentials: CredentialsDesired,
}

/// `changefeed.protocol` (AVRO needs a schema registry, which plans do not model yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    CanalJson,
    OpenProtocol,
    Debezium,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::CanalJson => "CANAL_JSON",
            Protocol::OpenProtocol => "OPEN_PROTOCOL",
            Protocol::Debezium => "DEBEZIUM",
        }
    }
}

/// `changefeed.topics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicsDesired {
    pub dispatch: Dispatch,
    pub partitions: Option<i64>,
    pub replication_factor: Option<i64>,
}

/// Which topics the changefeed writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dispatch {
    /// Every change into `topic`.
    OneTopic { topic: String },
    /// `<prefix><db><separator><table><suffix>`.
    ByTable { prefix: String, separator: String, suffix: String },
    /// `<prefix><db><suffix>`.
    ByDatabase { prefix: String, suffix: String },
}

impl Dispatch {
    pub fn as_str(&self) -> &'static str {
        match self {
            Dispatch::OneTopic { .. } => "ONE_TOPIC",
            Dispatch::ByTable { .. } => "BY_TABLE",
            Dispatch::ByDatabase { .. } => "BY_DATABASE",
        }
    }

    /// The topics as a role binding's `topic=` pattern: the topic, or every topic with the
    /// prefix (`tidb_*`).
    pub fn topic_pattern(&self) -> String {
        match self {
            Dispatch::OneTopic { topic } => topic.clone(),
            Dispatch::ByTable { prefix, .. } | Dispatch::ByDatabase { prefix, .. } => format!("{prefix}*"),
        }
    }
}

/// `changefeed.start_position`: `now`, a TSO or an RFC 3339 time (the model's parser, the one
/// lint checks with).
pub use linkplan_model::values::StartPosition as StartAt;

/// `changefeed.credentials`: the Kafka API key the changefeed writes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialsDesired {
    /// `create: true`: linkplan creates a service account (this display name), a Kafka API key
    /// for the cluster and role bindings on the changefeed's topics.
    Create { service_account: String },
    /// The user's key, read from these environment variables at plan and apply time.
    FromEnv { key_var: String, secret_var: String },
}

impl Desired {
    /// The typed desired state of a lint-clean plan.
    pub fn from_plan(plan: &PlanView<'_>) -> Result<Desired, DesiredError> {
        let name = required(plan.name(), "name")?.to_owned();
        let tidb = plan.tidb().ok_or(DesiredError::Missing { key: "tidb", expected: "mapping" })?;
        let confluent = plan.confluent().ok_or(DesiredError::Missing { key: "confluent", expected: "mapping" })?;
        let network =
            confluent.network().ok_or(DesiredError::Missing { key: "confluent.network", expected: "mapping" })?;
        let cluster =
            confluent.cluster().ok_or(DesiredError::Missing { key: "confluent.cluster", expected: "mapping" })?;

        if let Some(cloud) = tidb.cloud()
            && !cloud.value.eq_ignore_ascii_case("aws")
        {
            return Err(unsupported("tidb.cloud", cloud.value, "aws"));
        }
        if let Some(cloud) = network.cloud()
            && !cloud.value.eq_ignore_ascii_case("aws")
        {
            return Err(unsupported("confluent.network.cloud", cloud.value, "AWS"));
        }
        let tidb_desired = TidbDesired {
            cluster_id: required(tidb.cluster_id(), "tidb.cluster_id")?.to_owned(),
            region: parse(required(tidb.region(), "tidb.region")?, "tidb.region", Region::parse)?,
            aws_account_id: optional(tidb.aws_account_id(), "tidb.aws_account_id", AwsAccountId::parse)?,
            availability_zones: zones(tidb.availability_zones(), "tidb.availability_zones")?,
        };

        let types = network.connection_types();
        if !types.is_some_and(|t| t.items().any(|i| i.value == "PRIVATELINK")) {
            return Err(DesiredError::Missing {
                key: "confluent.network.connection_types",
                expected: "list with PRIVATELINK",
            });
        }
        let source = match (network.id(), network.creates()) {
            (Some(id), false) => NetworkSource::Existing { id: id.value.to_owned() },
            (None, true) => {
                let region = tidb_desired.region.as_str();
                let display_name =
                    network.display_name().map_or_else(|| format!("{name}-{region}"), |d| d.value.to_owned());
                let dns_resolution = match network.dns_resolution().map(|d| d.value) {
                    None | Some("PRIVATE") => DnsResolution::Private,
                    Some("CHASED_PRIVATE") => DnsResolution::ChasedPrivate,
                    Some(other) => {
                        return Err(unsupported(
                            "confluent.network.dns_resolution",
                            other,
                            "PRIVATE or CHASED_PRIVATE",
                        ));
                    }
                };
                NetworkSource::Create { display_name, dns_resolution }
            }
            _ => return Err(DesiredError::NetworkSource),
        };
        let network_desired = NetworkDesired {
            source,
            region: parse(
                required(network.region(), "confluent.network.region")?,
                "confluent.network.region",
                Region::parse,
            )?,
            zones: zones(network.zones(), "confluent.network.zones")?,
            dns_subdomain: optional(network.dns_subdomain(), "confluent.network.dns_subdomain", DnsSubdomain::parse)?,
        };

        let access = confluent.private_link_access();
        let account =
            optional(access.and_then(|a| a.account()), "confluent.private_link_access.account", AwsAccountId::parse)?;
        if let (Some(access), Some(tidb)) = (&account, &tidb_desired.aws_account_id)
            && access != tidb
        {
            return Err(DesiredError::AccountMismatch {
                access: access.as_str().to_owned(),
                tidb: tidb.as_str().to_owned(),
            });
        }
        let access_desired = AccessDesired {
            display_name: access
                .and_then(|a| a.display_name())
                .map_or_else(|| format!("tidb-{name}"), |d| d.value.to_owned()),
            account,
        };

        let kind = required(cluster.r#type(), "confluent.cluster.type")?;
        if kind != "dedicated" {
            return Err(unsupported(
                "confluent.cluster.type",
                kind,
                "dedicated (PrivateLink needs a Dedicated cluster)",
            ));
        }
        let availability = match cluster.availability().map(|a| a.value) {
            None | Some("SINGLE_ZONE") => Availability::SingleZone,
            Some("MULTI_ZONE") => Availability::MultiZone,
            Some(other) => {
                return Err(unsupported("confluent.cluster.availability", other, "SINGLE_ZONE or MULTI_ZONE"));
            }
        };
        let default_cku = match availability {
            Availability::SingleZone => 1,
            Availability::MultiZone => 2,
        };
        let cku = match cluster.cku() {
            None => default_cku,
            Some(c) => i32::try_from(c.value)
                .ok()
                .filter(|c| *c >= 1)
                .ok_or(DesiredError::Missing { key: "confluent.cluster.cku", expected: "positive integer" })?,
        };
        let cluster_desired = ClusterDesired {
            id: cluster.id().map(|i| i.value.to_owned()),
            display_name: required(cluster.display_name(), "confluent.cluster.display_name")?.to_owned(),
            availability,
            cku,
        };

        let plc = plan.private_link_connection();
        let domains = plc.and_then(|p| p.domains());
        if let Some(kind) = domains.and_then(|d| d.r#type())
            && kind.value != "CONFLUENT"
        {
            return Err(unsupported("private_link_connection.domains.type", kind.value, "CONFLUENT"));
        }
        let unique_name = optional(
            domains.and_then(|d| d.unique_name()),
            "private_link_connection.domains.unique_name",
            UniqueName::parse,
        )?
        .or_else(|| network_desired.dns_subdomain.as_ref().map(|d| d.unique_name().clone()));
        let connection = ConnectionDesired {
            display_name: plc
                .and_then(|p| p.display_name())
                .map_or_else(|| format!("confluent-{name}"), |d| d.value.to_owned()),
            unique_name,
        };

        let changefeed = plan.section("changefeed").map(|c| changefeed_from(&name, c)).transpose()?;
        Ok(Desired {
            name,
            tidb: tidb_desired,
            confluent: ConfluentDesired {
                environment: required(confluent.environment(), "confluent.environment")?.to_owned(),
                network: network_desired,
                access: access_desired,
                cluster: cluster_desired,
                vpc_service_endpoint: optional(
                    confluent.vpc_service_endpoint(),
                    "confluent.vpc_service_endpoint",
                    VpcEndpointServiceName::parse,
                )?,
            },
            connection,
            changefeed,
        })
    }

    /// The AWS account the access must allow, when declared.
    pub fn declared_account(&self) -> Option<&AwsAccountId> {
        self.tidb.aws_account_id.as_ref().or(self.confluent.access.account.as_ref())
    }
}

/// `changefeed:` (lint has checked every value; what is still wrong is a [`DesiredError`]).
fn changefeed_from(name: &str, c: linkplan_model::plan::Section<'_>) -> Result<ChangefeedDesired, DesiredError> {
    let text = |key: &str| c.str(key).map(|v| v.value.to_owned());
    let tables: Vec<String> =
        c.list("tables").map(|l| l.items().map(|i| i.value.to_owned()).collect()).unwrap_or_default();
    if tables.is_empty() {
        return Err(DesiredError::Missing { key: "changefeed.tables", expected: "non-empty list" });
    }
    let force_sync = match text("table_mode").as_deref() {
        None | Some("IGNORE_NOT_SUPPORT_TABLE") => false,
        Some("FORCE_SYNC") => true,
        Some(other) => {
            return Err(unsupported("changefeed.table_mode", other, "IGNORE_NOT_SUPPORT_TABLE or FORCE_SYNC"));
        }
    };
    let protocol = match required(c.str("protocol"), "changefeed.protocol")? {
        "CANAL_JSON" => Protocol::CanalJson,
        "OPEN_PROTOCOL" => Protocol::OpenProtocol,
        "DEBEZIUM" => Protocol::Debezium,
        other => return Err(unsupported("changefeed.protocol", other, "CANAL_JSON, OPEN_PROTOCOL or DEBEZIUM")),
    };
    let Some(t) = c.section("topics") else {
        return Err(DesiredError::Missing { key: "changefeed.topics", expected: "mapping" });
    };
    let topic_text = |key: &str| t.str(key).map(|v| v.value.to_owned());
    let dispatch = match required(t.str("dispatch"), "changefeed.topics.dispatch")? {
        "ONE_TOPIC" => Dispatch::OneTopic { topic: required(t.str("topic"), "changefeed.topics.topic")?.to_owned() },
        "BY_TABLE" => Dispatch::ByTable {
            prefix: required(t.str("prefix"), "changefeed.topics.prefix")?.to_owned(),
            separator: topic_text("separator").unwrap_or_else(|| "_".to_owned()),
            suffix: topic_text("suffix").unwrap_or_default(),
        },
        "BY_DATABASE" => Dispatch::ByDatabase {
            prefix: required(t.str("prefix"), "changefeed.topics.prefix")?.to_owned(),
            suffix: topic_text("suffix").unwrap_or_default(),
        },
        other => {
            return Err(unsupported("changefeed.topics.dispatch", other, "ONE_TOPIC, BY_TABLE or BY_DATABASE"));
        }
    };
    let int = |key: &str, full: &'static str| -> Result<Option<i64>, DesiredError> {
        t.int(key)
            .map(|v| {
                i64::try_from(v.value).map_err(|_| DesiredError::Missing { key: full, expected: "64-bit integer" })
            })
            .transpose()
    };
    let topics = TopicsDesired {
        dispatch,
        partitions: int("partitions", "changefeed.topics.partitions")?,
        replication_factor: int("replication_factor", "changefeed.topics.replication_factor")?,
    };
    let start_error =
        DesiredError::Missing { key: "changefeed.start_position", expected: "`now`, a TSO or an RFC 3339 time" };
    let start = match c.entry("start_position").map(|e| &e.value) {
        None => StartAt::Now,
        Some(node) => StartAt::from_node(node).map_err(|_| start_error)?,
    };
    let credentials = match c.section("credentials") {
        Some(k) if k.bool("create").is_some_and(|b| b.value) => CredentialsDesired::Create {
            service_account: k
                .str("service_account")
                .map_or_else(|| format!("tidb-{name}-cdc"), |s| s.value.to_owned()),
        },
        Some(k) => CredentialsDesired::FromEnv {
            key_var: required(k.str("api_key_env"), "changefeed.credentials.api_key_env")?.to_owned(),
            secret_var: required(k.str("api_secret_env"), "changefeed.credentials.api_secret_env")?.to_owned(),
        },
        None => return Err(DesiredError::Missing { key: "changefeed.credentials", expected: "mapping" }),
    };
    Ok(ChangefeedDesired {
        display_name: text("display_name").unwrap_or_else(|| name.to_owned()),
        tables,
        force_sync,
        case_sensitive: c.bool("case_sensitive").is_some_and(|b| b.value),
        protocol,
        topics,
        start,
        credentials,
    })
}

fn required<'d>(value: Option<Located<&'d str>>, key: &'static str) -> Result<&'d str, DesiredError> {
    value.map(|v| v.value).filter(|v| !v.is_empty()).ok_or(DesiredError::Missing { key, expected: "string" })
}

fn parse<T>(value: &str, key: &'static str, parse: fn(&str) -> Result<T, ValueError>) -> Result<T, DesiredError> {
    parse(value).map_err(|source| DesiredError::Invalid { key, source })
}

fn optional<T>(
    value: Option<Located<&str>>,
    key: &'static str,
    parse_fn: fn(&str) -> Result<T, ValueError>,
) -> Result<Option<T>, DesiredError> {
    value.map(|v| parse(v.value, key, parse_fn)).transpose()
}

fn zones(list: Option<linkplan_model::plan::List<'_>>, key: &'static str) -> Result<Option<Vec<AzId>>, DesiredError> {
    let Some(list) = list else { return Ok(None) };
    let mut ids = Vec::new();
    for item in list.items() {
        let id = AzId::parse(item.value).map_err(|_| DesiredError::Unsupported {
            key,
            value: item.value.to_owned(),
            supported: "AZ IDs such as `use1-az1` (not AZ names)",
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(Some(ids))
}

fn unsupported(key: &'static str, value: &str, supported: &'static str) -> DesiredError {
    DesiredError::Unsupported { key, value: value.to_owned(), supported }
}

#[cfg(test)]
mod tests {
    use linkplan_model::Document;

    use super::*;

    fn desired(text: &str) -> Result<Desired, DesiredError> {
        let Ok(doc) = Document::parse(text) else { panic!("test plan parses") };
        let Some(view) = PlanView::new(&doc) else { panic!("test plan is a mapping") };
        Desired::from_plan(&view)
    }

    const EXAMPLE: &str = include_str!("../../../examples/orders-cdc.yaml");

    #[test]
    fn example_plan() -> Result<(), DesiredError> {
        let d = desired(EXAMPLE)?;
        assert_eq!(d.name, "orders-cdc");
        assert_eq!(d.tidb.cluster_id, "10140100115280519574");
        assert_eq!(d.confluent.network.source, NetworkSource::Existing { id: "n-abc123".to_owned() });
        assert_eq!(d.confluent.network.key(), "n-abc123");
        assert_eq!(d.confluent.access.display_name, "tidb-orders-cdc");
        assert_eq!(d.confluent.cluster.availability, Availability::MultiZone);
        assert_eq!(d.confluent.cluster.cku, 2);
        assert_eq!(d.connection.display_name, "confluent-orders");
        assert_eq!(d.connection.unique_name.as_ref().map(UniqueName::as_str), Some("domnprzqrog.us-east-1"));
        assert_eq!(d.declared_account().map(AwsAccountId::as_str), Some("123456789012"));
        Ok(())
    }

    const MINIMAL: &str = "version: 1\nname: m\ntidb: {cluster_id: '1', region: us-east-1}\n\
        confluent:\n  environment: env-1\n  network: {create: true, connection_types: [PRIVATELINK], region: us-east-1}\n  \
        cluster: {display_name: k, type: dedicated}\n";

    #[test]
    fn defaults_derive_from_the_name() -> Result<(), DesiredError> {
        let d = desired(MINIMAL)?;
        assert_eq!(
            d.confluent.network.source,
            NetworkSource::Create { display_name: "m-us-east-1".to_owned(), dns_resolution: DnsResolution::Private }
        );
        assert_eq!(d.confluent.access.display_name, "tidb-m");
        assert_eq!(d.confluent.cluster.availability, Availability::SingleZone);
        assert_eq!(d.confluent.cluster.cku, 1);
        assert_eq!(d.connection.display_name, "confluent-m");
        assert_eq!(d.connection.unique_name, None);
        assert_eq!(d.declared_account(), None);
        Ok(())
    }

    #[test]
    fn errors_name_the_key() {
        let check = |from: &str, to: &str, expected: &str| {
            let text = MINIMAL.replace(from, to);
            match desired(&text) {
                Ok(_) => panic!("{to:?} should be refused"),
                Err(e) => assert_eq!(e.to_string(), expected),
            }
        };
        check("cluster_id: '1', ", "", "`tidb.cluster_id` is missing or not a string");
        check(
            "type: dedicated",
            "type: basic",
            "`confluent.cluster.type` is `basic`; linkplan supports dedicated (PrivateLink needs a Dedicated cluster)",
        );
        check(
            "create: true",
            "create: true, id: n-1",
            "`confluent.network` needs exactly one of `id` and `create: true`",
        );
        check(
            "region: us-east-1}\nconfluent",
            "region: us-east1}\nconfluent",
            "`tidb.region`: `us-east1` is not an AWS region code such as `us-east-1`",
        );
        check(
            "'1', region",
            "'1', availability_zones: [us-east-1a], region",
            "`tidb.availability_zones` is `us-east-1a`; linkplan supports AZ IDs such as `use1-az1` (not AZ names)",
        );
    }
}
