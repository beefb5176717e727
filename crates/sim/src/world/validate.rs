//! Checking a parsed world: ids unique and known, values the vendors allow, and seeded
//! connections the simulator could have made. A problem names a value to point at; `location`
//! finds it in the text.

use super::{Delays, World};
use crate::clock::{ClockMode, parse_rfc3339};
use crate::confluent::ROLES;
use crate::state::{ACTIVE, State};

impl World {
    /// The first semantic problem in the world, if any.
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        let mut seen = std::collections::HashSet::new();
        if self.rate_limits.confluent_per_minute == 0 || self.rate_limits.tidbcloud_per_minute == 0 {
            return Err(Invalid::new(
                "rate_limits: a limit must be at least 1 request a minute (use `enforce: false` to send more)",
                None,
            ));
        }
        for key in &self.credentials.confluent {
            if key.key.is_empty() || key.secret.is_empty() {
                return Err(Invalid::new("a Confluent credential needs a non-empty key and secret", None));
            }
        }
        for key in &self.credentials.tidbcloud {
            if key.public_key.is_empty() || key.private_key.is_empty() {
                return Err(Invalid::new("a TiDB Cloud credential needs a non-empty public_key and private_key", None));
            }
        }
        for c in &self.tidbcloud.clusters {
            unique(&mut seen, &c.id)?;
            if !is_account(&c.aws_account_id) {
                return Err(Invalid::new(
                    format!("TiDB cluster {}: aws_account_id must be 12 digits (quote it)", c.id),
                    Some(&c.aws_account_id),
                ));
            }
            if !is_tidb_display_name(&c.display_name) {
                return Err(Invalid::new(
                    format!("TiDB cluster {}: display_name must be 4 to 64 letters, digits and inner hyphens", c.id),
                    Some(&c.display_name),
                ));
            }
            one_of("TiDB cluster plan", &c.plan, &["STARTER", "ESSENTIAL"])?;
            one_of("TiDB cluster state", &c.state, &TIDB_STATES)?;
            one_of("TiDB cluster cloud", &c.cloud, &["aws", "gcp", "azure", "alicloud"])?;
            if c.availability_zones.is_empty() {
                return Err(Invalid::new(
                    format!("TiDB cluster {} needs at least one availability zone", c.id),
                    Some(&c.id),
                ));
            }
        }
        let envs: Vec<&str> = self.confluent.environments.iter().map(|e| e.id.as_str()).collect();
        let nets: Vec<&str> = self.confluent.networks.iter().map(|n| n.id.as_str()).collect();
        for e in &self.confluent.environments {
            unique(&mut seen, &e.id)?;
        }
        for n in &self.confluent.networks {
            unique(&mut seen, &n.id)?;
            if !envs.contains(&n.environment.as_str()) {
                return Err(Invalid::new(
                    format!("network {} names unknown environment {}", n.id, n.environment),
                    Some(&n.environment),
                ));
            }
            let mut zones = n.zones.clone();
            zones.sort();
            zones.dedup();
            if n.zones.len() != 3 || zones.len() != 3 {
                return Err(Invalid::new(format!("network {} must have exactly 3 distinct zones", n.id), Some(&n.id)));
            }
            if let Some(phase) = &n.phase {
                one_of("network phase", phase, &["PROVISIONING", "READY", "FAILED", "DEPROVISIONING"])?;
            }
        }
        for a in &self.confluent.private_link_accesses {
            unique(&mut seen, &a.id)?;
            if !envs.contains(&a.environment.as_str()) {
                return Err(Invalid::new(
                    format!("private link access {} names unknown environment {}", a.id, a.environment),
                    Some(&a.environment),
                ));
            }
            if !nets.contains(&a.network.as_str()) {
                return Err(Invalid::new(
                    format!("private link access {} names unknown network {}", a.id, a.network),
                    Some(&a.network),
                ));
            }
            if !is_account(&a.account) {
                return Err(Invalid::new(
                    format!("private link access {}: account must be 12 digits (quote it)", a.id),
                    Some(&a.account),
                ));
            }
            if let Some(phase) = &a.phase {
                one_of("private link access phase", phase, &["PROVISIONING", "READY", "FAILED", "DEPROVISIONING"])?;
            }
        }
        for c in &self.confluent.clusters {
            unique(&mut seen, &c.id)?;
            if !envs.contains(&c.environment.as_str()) {
                return Err(Invalid::new(
                    format!("cluster {} names unknown environment {}", c.id, c.environment),
                    Some(&c.environment),
                ));
            }
            if let Some(n) = &c.network
                && !nets.contains(&n.as_str())
            {
                return Err(Invalid::new(format!("cluster {} names unknown network {n}", c.id), Some(n)));
            }
            one_of("cluster availability", &c.availability, &["SINGLE_ZONE", "MULTI_ZONE", "LOW", "HIGH"])?;
            if c.cku == 0 {
                return Err(Invalid::new(format!("cluster {} needs cku of at least 1", c.id), Some(&c.id)));
            }
            if let Some(phase) = &c.phase {
                one_of("cluster phase", phase, &["PROVISIONING", "PROVISIONED", "FAILED"])?;
            }
        }
        self.validate_tables()?;
        self.validate_iam(&mut seen)?;
        let mut domain_ids = std::collections::HashSet::new();
        // A seeded ACTIVE connection must be one the simulator would have made ACTIVE: ask the link
        // rule of the world as it starts.
        let seeds_active = self.tidbcloud.private_link_connections.iter().any(|p| p.state == "ACTIVE");
        let started = seeds_active.then(|| State::new(self.clone(), ClockMode::Explicit, Delays::default()));
        for p in &self.tidbcloud.private_link_connections {
            unique(&mut seen, &p.id)?;
            if !self.tidbcloud.clusters.iter().any(|c| c.id == p.cluster_id) {
                return Err(Invalid::new(
                    format!("private link connection {} names unknown TiDB cluster {}", p.id, p.cluster_id),
                    Some(&p.cluster_id),
                ));
            };
            if p.display_name.trim().is_empty() || p.display_name.chars().count() > 64 {
                return Err(Invalid::new(
                    format!("private link connection {}: display_name must be 1 to 64 characters", p.id),
                    Some(&p.id),
                ));
            }
            one_of("private link connection state", &p.state, &PLC_STATES)?;
            if p.state == "ACTIVE"
                && let Some(reason) = started.as_ref().and_then(|state| refusal(state, &p.id))
            {
                return Err(Invalid::new(
                    format!(
                        "private link connection {} is ACTIVE, but {reason}; seed it as PENDING_ACCEPTANCE or \
                         FAILED, or fix the world",
                        p.id
                    ),
                    Some(&p.id),
                ));
            }
            if !p.domains.is_empty() && p.state != "ACTIVE" {
                return Err(Invalid::new(
                    format!("private link connection {}: domains can only be attached to an ACTIVE connection", p.id),
                    Some(&p.state),
                ));
            }
            let network = self.confluent.networks.iter().find(|n| n.service_name == p.service_name);
            let mut attached = std::collections::HashSet::new();
            for d in &p.domains {
                if let Some(id) = &d.id
                    && (id.is_empty() || !domain_ids.insert(id.as_str()))
                {
                    return Err(Invalid::new(format!("attached domain id {id:?} is empty or used twice"), Some(id)));
                }
                one_of("attached domain type", &d.kind, &["CONFLUENT", "TIDBCLOUD_MANAGED"])?;
                one_of("attached domain state", &d.state, &["CREATING", "ACTIVE", "DELETING"])?;
                if d.unique_name.is_empty() {
                    return Err(Invalid::new(
                        format!("private link connection {}: an attached domain needs a unique_name", p.id),
                        Some(&p.id),
                    ));
                }
                if d.kind == "CONFLUENT"
                    && let Some(n) = network
                    && d.unique_name != format!("{}.{}", n.dns_domain_id, n.region)
                {
                    return Err(Invalid::new(
                        format!(
                            "private link connection {}: CONFLUENT unique_name must be {}.{} (network {})",
                            p.id, n.dns_domain_id, n.region, n.id
                        ),
                        Some(&d.unique_name),
                    ));
                }
                if !attached.insert((d.kind.as_str(), d.unique_name.as_str())) {
                    return Err(Invalid::new(
                        format!("private link connection {}: {} {} is attached twice", p.id, d.kind, d.unique_name),
                        Some(&d.unique_name),
                    ));
                }
            }
        }
        Ok(())
    }
}

impl World {
    /// Each TiDB cluster's databases and tables, and its GC safe point.
    fn validate_tables(&self) -> Result<(), Invalid> {
        for c in &self.tidbcloud.clusters {
            if let Some(at) = &c.gc_safe_point
                && parse_rfc3339(at).is_none()
            {
                return Err(Invalid::new(
                    format!("TiDB cluster {}: gc_safe_point must be an RFC 3339 timestamp", c.id),
                    Some(at),
                ));
            }
            if !(c.gc_life_time.is_finite() && c.gc_life_time >= 0.0) {
                return Err(Invalid::new(
                    format!("TiDB cluster {}: gc_life_time must be a non-negative number of seconds", c.id),
                    Some(&c.id),
                ));
            }
            let mut schemas = std::collections::HashSet::new();
            for db in &c.databases {
                if db.name.is_empty() || !schemas.insert(db.name.to_lowercase()) {
                    return Err(Invalid::new(
                        format!("TiDB cluster {}: database names must be non-empty and unique", c.id),
                        Some(&db.name),
                    ));
                }
                if SYSTEM_SCHEMAS.contains(&db.name.to_lowercase().as_str()) {
                    return Err(Invalid::new(
                        format!(
                            "TiDB cluster {}: {} is a system schema, which changefeeds never replicate",
                            c.id, db.name
                        ),
                        Some(&db.name),
                    ));
                }
                let mut tables = std::collections::HashSet::new();
                for t in &db.tables {
                    if t.name.is_empty() || !tables.insert(t.name.to_lowercase()) {
                        return Err(Invalid::new(
                            format!(
                                "TiDB cluster {}: tables of database {} must be non-empty and unique",
                                c.id, db.name
                            ),
                            Some(&t.name),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Service accounts, API keys and role bindings.
    fn validate_iam<'w>(&'w self, seen: &mut std::collections::HashSet<&'w str>) -> Result<(), Invalid> {
        let side = &self.confluent;
        let mut names = std::collections::HashSet::new();
        for a in &side.service_accounts {
            unique(seen, &a.id)?;
            if a.display_name.trim().is_empty() || !names.insert(a.display_name.as_str()) {
                return Err(Invalid::new(
                    format!("service account {}: display_name must be non-empty and unique in the organization", a.id),
                    Some(&a.display_name),
                ));
            }
        }
        for k in &side.api_keys {
            unique(seen, &k.id)?;
            if k.secret.is_empty() {
                return Err(Invalid::new(format!("API key {} needs a non-empty secret", k.id), Some(&k.id)));
            }
            let owner_known = side.service_accounts.iter().any(|a| a.id == k.owner) || k.owner.starts_with("u-");
            if !owner_known {
                return Err(Invalid::new(
                    format!(
                        "API key {}: owner {} is not a service account of this world (or a u-… user)",
                        k.id, k.owner
                    ),
                    Some(&k.owner),
                ));
            }
            if let Some(r) = &k.resource
                && !side.clusters.iter().any(|c| &c.id == r)
            {
                return Err(Invalid::new(
                    format!("API key {}: resource {r} is not a Kafka cluster of this world", k.id),
                    Some(r),
                ));
            }
        }
        let org = format!("crn://confluent.cloud/organization={}", self.organization_id);
        for b in &side.role_bindings {
            unique(seen, &b.id)?;
            let shaped = ["User:", "Group:"].iter().any(|p| b.principal.strip_prefix(p).is_some_and(|r| !r.is_empty()));
            if !shaped {
                return Err(Invalid::new(
                    format!("role binding {}: principal must be User:<id> or Group:<id>", b.id),
                    Some(&b.principal),
                ));
            }
            one_of("role binding role_name", &b.role_name, &ROLES)?;
            let in_org = b.crn_pattern == org || b.crn_pattern.starts_with(&format!("{org}/"));
            if !in_org {
                return Err(Invalid::new(
                    format!("role binding {}: crn_pattern must start with {org}", b.id),
                    Some(&b.crn_pattern),
                ));
            }
        }
        Ok(())
    }
}

/// Schemas TiDB keeps for itself; changefeeds never replicate them.
const SYSTEM_SCHEMAS: [&str; 5] = ["mysql", "information_schema", "performance_schema", "metrics_schema", "sys"];

/// Why the link rule would not make the seeded connection `id` ACTIVE: the state it would give,
/// the vendor's message and what in the world causes it.
fn refusal(state: &State, id: &str) -> Option<String> {
    let link = state.link(state.plcs.iter().find(|p| p.id == id)?);
    (link.state != ACTIVE).then(|| {
        let mut reason = format!("the simulator would make it {}", link.state);
        if let Some(message) = &link.message {
            reason.push_str(&format!(": {message}"));
        }
        if let Some(cause) = &link.cause {
            reason.push_str(&format!(" ({cause})"));
        }
        reason
    })
}

/// TiDB private link connection states (`PrivateLinkConnectionState.Enum`).
const PLC_STATES: [&str; 5] = ["CREATING", "ACTIVE", "PENDING_ACCEPTANCE", "FAILED", "DELETING"];

/// TiDB Cloud cluster states (`commonv1beta1ClusterState`).
const TIDB_STATES: [&str; 13] = [
    "CREATING",
    "DELETING",
    "ACTIVE",
    "RESTORING",
    "MAINTENANCE",
    "DELETED",
    "INACTIVE",
    "UPGRADING",
    "IMPORTING",
    "MODIFYING",
    "PAUSING",
    "PAUSED",
    "RESUMING",
];

/// A semantic problem in a world, and a value to point at.
pub(super) struct Invalid {
    pub(super) message: String,
    pub(super) near: Option<String>,
}

impl Invalid {
    fn new(message: impl Into<String>, near: Option<&str>) -> Invalid {
        Invalid { message: message.into(), near: near.map(str::to_owned) }
    }
}

fn unique<'w>(seen: &mut std::collections::HashSet<&'w str>, id: &'w str) -> Result<(), Invalid> {
    if id.is_empty() {
        return Err(Invalid::new("an id must not be empty", None));
    }
    if seen.insert(id) { Ok(()) } else { Err(Invalid::new(format!("id {id} is used twice"), Some(id))) }
}

fn one_of(what: &str, value: &str, allowed: &[&str]) -> Result<(), Invalid> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Invalid::new(format!("{what} must be one of {}, not {value:?}", allowed.join(", ")), Some(value)))
    }
}

/// The vendor's pattern for a cluster name: `^[A-Za-z0-9][-A-Za-z0-9]{2,62}[A-Za-z0-9]$`.
fn is_tidb_display_name(s: &str) -> bool {
    let b = s.as_bytes();
    (4..=64).contains(&b.len())
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}
