//! Value types of the plan: AWS regions, AZ IDs, account IDs, VPC endpoint service names and
//! Confluent network names; for the changefeed, TiDB table filter rules, Kafka topic names and
//! their parts, start positions and environment variable names. Each `parse` checks the syntax
//! and keeps the parts rules (and the engine) use.

use std::fmt;

mod env_var;
mod start_position;
mod table_filter;
mod topic;

pub use env_var::{EnvVarName, EnvVarNameError};
pub use start_position::{StartPosition, StartPositionError, format_ms, rfc3339_unix_ms};
pub use table_filter::{FilterPattern, TableFilterError, TableFilterRule};
pub use topic::{TopicAffix, TopicName, TopicNameError};

/// Why a value does not have the expected shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("`{0}` is not an AWS region code such as `us-east-1`")]
    Region(String),
    #[error("`{0}` is not a 12-digit AWS account ID")]
    AccountId(String),
    #[error("`{value}` does not start with `com.amazonaws.vpce.<region>.vpce-svc-`")]
    ServicePrefix { value: String },
    #[error("the service ID in `{value}` has {len} characters; AWS endpoint service IDs have 17 hex digits")]
    ServiceIdLength { value: String, len: usize },
    #[error("the service ID in `{value}` is not lowercase hexadecimal")]
    ServiceIdNotHex { value: String },
    #[error("`{value}` is not a Confluent network unique name `<dns-id>.<region>`")]
    UniqueName { value: String, reason: &'static str },
    #[error("`{value}` is not a Confluent DNS subdomain `<az-id>.<dns-id>.<region>.aws.confluent.cloud`")]
    DnsSubdomain { value: String },
}

/// Regions and their AZ ID prefixes (AWS "AZ IDs": `use1-az1` is in `us-east-1`).
const AZ_PREFIXES: &[(&str, &str)] = &[
    ("af-south-1", "afs1"),
    ("ap-east-1", "ape1"),
    ("ap-northeast-1", "apne1"),
    ("ap-northeast-2", "apne2"),
    ("ap-northeast-3", "apne3"),
    ("ap-south-1", "aps1"),
    ("ap-south-2", "aps2"),
    ("ap-southeast-1", "apse1"),
    ("ap-southeast-2", "apse2"),
    ("ap-southeast-3", "apse3"),
    ("ap-southeast-4", "apse4"),
    ("ca-central-1", "cac1"),
    ("ca-west-1", "caw1"),
    ("eu-central-1", "euc1"),
    ("eu-central-2", "euc2"),
    ("eu-north-1", "eun1"),
    ("eu-south-1", "eus1"),
    ("eu-south-2", "eus2"),
    ("eu-west-1", "euw1"),
    ("eu-west-2", "euw2"),
    ("eu-west-3", "euw3"),
    ("il-central-1", "ilc1"),
    ("me-central-1", "mec1"),
    ("me-south-1", "mes1"),
    ("sa-east-1", "sae1"),
    ("us-east-1", "use1"),
    ("us-east-2", "use2"),
    ("us-west-1", "usw1"),
    ("us-west-2", "usw2"),
];

/// An AWS region code such as `us-east-1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region(String);

impl Region {
    /// Accepts `<area>-<direction>-<n>` and `<area>-gov-<direction>-<n>`, all lowercase.
    pub fn parse(value: &str) -> Result<Region, ValueError> {
        if is_region_syntax(value) { Ok(Region(value.to_owned())) } else { Err(ValueError::Region(value.to_owned())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The AZ ID prefix of this region, when linkplan knows the region.
    pub fn az_prefix(&self) -> Option<&'static str> {
        AZ_PREFIXES.iter().find(|(r, _)| *r == self.0).map(|(_, p)| *p)
    }

    /// Every region linkplan knows the AZ ID prefix of.
    pub fn known() -> impl Iterator<Item = &'static str> {
        AZ_PREFIXES.iter().map(|(r, _)| *r)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_region_syntax(value: &str) -> bool {
    let lower = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase());
    let mut parts = value.split('-');
    let (Some(area), Some(last)) = (parts.next(), value.rsplit('-').next()) else { return false };
    let middle = value.matches('-').count().saturating_sub(1);
    area.len() == 2
        && lower(area)
        && (1..=2).contains(&middle)
        && parts.take(middle).all(lower)
        && (1..=2).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_digit())
}

/// An availability zone ID such as `use1-az1`: the same physical zone in every AWS account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AzId(String);

/// Why a value is not an AZ ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AzIdError {
    /// An AZ *name* such as `us-east-1a`, which names a different zone in every account.
    #[error("`{value}` is an availability zone name, not an AZ ID")]
    Name { value: String, region: String },
    #[error("`{value}` is not an AZ ID such as `use1-az1`")]
    Malformed { value: String },
}

impl AzId {
    pub fn parse(value: &str) -> Result<AzId, AzIdError> {
        if let Some((prefix, number)) = value.split_once("-az") {
            let prefix_ok = prefix.len() >= 3
                && prefix.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
                && prefix.bytes().last().is_some_and(|b| b.is_ascii_digit())
                && prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
            let number_ok = !number.is_empty() && number.len() <= 3 && number.bytes().all(|b| b.is_ascii_digit());
            if prefix_ok && number_ok {
                return Ok(AzId(value.to_owned()));
            }
        }
        if let Some(region) = value.strip_suffix(|c: char| c.is_ascii_lowercase())
            && is_region_syntax(region)
        {
            return Err(AzIdError::Name { value: value.to_owned(), region: region.to_owned() });
        }
        Err(AzIdError::Malformed { value: value.to_owned() })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The region part, e.g. `use1` in `use1-az1`.
    pub fn prefix(&self) -> &str {
        self.0.split_once("-az").map_or(&self.0, |(p, _)| p)
    }

    /// The region this AZ ID belongs to, when linkplan knows its prefix.
    pub fn region(&self) -> Option<&'static str> {
        AZ_PREFIXES.iter().find(|(_, p)| *p == self.prefix()).map(|(r, _)| *r)
    }
}

impl fmt::Display for AzId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 12-digit AWS account ID. Leading zeros count: it is a string, never a number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AwsAccountId(String);

impl AwsAccountId {
    pub fn parse(value: &str) -> Result<AwsAccountId, ValueError> {
        if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AwsAccountId(value.to_owned()))
        } else {
            Err(ValueError::AccountId(value.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A VPC endpoint service name, `com.amazonaws.vpce.<region>.vpce-svc-<17 hex>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VpcEndpointServiceName {
    value: String,
    region: Region,
    legacy: bool,
}

impl VpcEndpointServiceName {
    const PREFIX: &'static str = "com.amazonaws.vpce.";
    const ID_PREFIX: &'static str = ".vpce-svc-";

    /// Accepts 17 hex digits, and the older 8-digit form (see [`Self::is_legacy`]).
    pub fn parse(value: &str) -> Result<VpcEndpointServiceName, ValueError> {
        let prefix_error = || ValueError::ServicePrefix { value: value.to_owned() };
        let rest = value.strip_prefix(Self::PREFIX).ok_or_else(prefix_error)?;
        let (region, id) = rest.split_once(Self::ID_PREFIX).ok_or_else(prefix_error)?;
        let region = Region::parse(region).map_err(|_| prefix_error())?;
        if !id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(ValueError::ServiceIdNotHex { value: value.to_owned() });
        }
        match id.len() {
            17 => Ok(VpcEndpointServiceName { value: value.to_owned(), region, legacy: false }),
            8 => Ok(VpcEndpointServiceName { value: value.to_owned(), region, legacy: true }),
            len => Err(ValueError::ServiceIdLength { value: value.to_owned(), len }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The region embedded in the name.
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// An 8-hex-digit service ID, from before AWS lengthened them.
    pub fn is_legacy(&self) -> bool {
        self.legacy
    }
}

/// A Confluent network's unique name, `<dns-id>.<region>` (e.g. `domnprzqrog.us-east-1`),
/// which TiDB Cloud's CONFLUENT domain attachment needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UniqueName {
    value: String,
    region: Region,
}

impl UniqueName {
    pub fn parse(value: &str) -> Result<UniqueName, ValueError> {
        let error = |reason| ValueError::UniqueName { value: value.to_owned(), reason };
        if value.ends_with(".confluent.cloud") {
            return Err(error("it is a DNS name: drop the zone label and the `.aws.confluent.cloud` suffix"));
        }
        let (dns_id, region) = value.split_once('.').ok_or_else(|| error("it has no `.<region>` part"))?;
        if dns_id.contains("-az") && AzId::parse(dns_id).is_ok() {
            return Err(error("it starts with an AZ ID; drop the zone label"));
        }
        if value.split('.').any(|label| label == "glb") {
            return Err(error("it contains the `glb` label, which is not part of the name"));
        }
        if dns_id.is_empty() || !dns_id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
            return Err(error("the DNS ID must be lowercase letters and digits"));
        }
        let region = Region::parse(region).map_err(|_| error("the part after the first `.` is not a region"))?;
        Ok(UniqueName { value: value.to_owned(), region })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn region(&self) -> &Region {
        &self.region
    }
}

impl fmt::Display for UniqueName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

/// A Confluent network DNS (sub)domain such as
/// `use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DnsSubdomain {
    value: String,
    zone: Option<AzId>,
    unique_name: UniqueName,
}

impl DnsSubdomain {
    /// Accepts a zonal subdomain or the network's DNS domain (optionally the `.aws.glb.` form).
    pub fn parse(value: &str) -> Result<DnsSubdomain, ValueError> {
        let error = || ValueError::DnsSubdomain { value: value.to_owned() };
        let rest = value.strip_suffix(".confluent.cloud").ok_or_else(error)?;
        // `….aws.glb.confluent.cloud` is the global-endpoint form of the same domain.
        let rest = rest.strip_suffix(".glb").unwrap_or(rest);
        let mut labels: Vec<&str> = rest.split('.').collect();
        if labels.pop() != Some("aws") {
            return Err(error());
        }
        let (zone, dns_id, region) = match labels.as_slice() {
            [zone, dns_id, region] => (Some(AzId::parse(zone).map_err(|_| error())?), *dns_id, *region),
            [dns_id, region] => (None, *dns_id, *region),
            _ => return Err(error()),
        };
        let unique_name = UniqueName::parse(&format!("{dns_id}.{region}")).map_err(|_| error())?;
        Ok(DnsSubdomain { value: value.to_owned(), zone, unique_name })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The zone label, for a zonal subdomain.
    pub fn zone(&self) -> Option<&AzId> {
        self.zone.as_ref()
    }

    /// The network's unique name this subdomain derives from.
    pub fn unique_name(&self) -> &UniqueName {
        &self.unique_name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        assert!(Region::parse("us-east-1").is_ok());
        assert!(Region::parse("us-gov-west-1").is_ok());
        assert!(Region::parse("us-east-1a").is_err());
        assert!(Region::parse("US-EAST-1").is_err());
        assert_eq!(Region::parse("ap-southeast-1").ok().and_then(|r| r.az_prefix()), Some("apse1"));
    }

    #[test]
    fn az_ids_and_names() {
        let az = AzId::parse("use1-az4");
        assert_eq!(az.as_ref().map(AzId::prefix), Ok("use1"));
        assert_eq!(az.ok().and_then(|a| a.region()), Some("us-east-1"));
        assert!(matches!(AzId::parse("us-east-1a"), Err(AzIdError::Name { region, .. }) if region == "us-east-1"));
        assert!(matches!(AzId::parse("use1az1"), Err(AzIdError::Malformed { .. })));
        assert!(matches!(AzId::parse("use1-az"), Err(AzIdError::Malformed { .. })));
    }

    #[test]
    fn account_ids_keep_leading_zeros() {
        assert_eq!(AwsAccountId::parse("012345678901").map(|a| a.as_str().to_owned()), Ok("012345678901".into()));
        assert!(AwsAccountId::parse("12345678901").is_err());
        assert!(AwsAccountId::parse("12345678901x").is_err());
    }

    #[test]
    fn service_names() {
        let ok = VpcEndpointServiceName::parse("com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0");
        assert_eq!(ok.as_ref().map(|s| s.region().as_str()), Ok("us-east-1"));
        assert_eq!(ok.map(|s| s.is_legacy()), Ok(false));
        let legacy = VpcEndpointServiceName::parse("com.amazonaws.vpce.us-east-1.vpce-svc-0123abcd");
        assert_eq!(legacy.map(|s| s.is_legacy()), Ok(true));
        assert!(matches!(
            VpcEndpointServiceName::parse("com.amazonaws.vpce.us-east-1.vpce-svc-0123abc"),
            Err(ValueError::ServiceIdLength { len: 7, .. })
        ));
        assert!(matches!(
            VpcEndpointServiceName::parse("com.amazonaws.vpce.us-east-1.vpce-0123456789abcdef0"),
            Err(ValueError::ServicePrefix { .. })
        ));
        assert!(matches!(
            VpcEndpointServiceName::parse("com.amazonaws.vpce.us-east-1.vpce-svc-0123456789ABCDEF0"),
            Err(ValueError::ServiceIdNotHex { .. })
        ));
    }

    #[test]
    fn unique_names_and_subdomains() {
        assert!(UniqueName::parse("domnprzqrog.us-east-1").is_ok());
        assert!(UniqueName::parse("use1-az1.domnprzqrog.us-east-1").is_err());
        assert!(UniqueName::parse("domnprzqrog.us-east-1.aws.confluent.cloud").is_err());
        assert!(UniqueName::parse("domnprzqrog.glb.us-east-1").is_err());
        let sub = DnsSubdomain::parse("use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud");
        assert_eq!(sub.as_ref().map(|s| s.unique_name().as_str()), Ok("domnprzqrog.us-east-1"));
        assert_eq!(sub.ok().and_then(|s| s.zone().cloned()).map(|z| z.to_string()), Some("use1-az1".into()));
        let glb = DnsSubdomain::parse("domnprzqrog.us-east-1.aws.glb.confluent.cloud");
        assert_eq!(glb.map(|s| s.unique_name().as_str().to_owned()), Ok("domnprzqrog.us-east-1".into()));
        assert!(DnsSubdomain::parse("use1-az1.domnprzqrog.us-east-1.aws.example.com").is_err());
    }
}
