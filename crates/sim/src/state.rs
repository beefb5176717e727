//! The world at run time: every resource, its lifecycle, and the link between the two vendors.
//!
//! The link rule has two halves: [`State::link`] here (can a private link connection be ACTIVE)
//! and [`State::sink_link`] in `sink.rs` (can a changefeed's Kafka sink use that connection to
//! reach and write a Kafka cluster). Changefeed lifecycles are in `changefeeds.rs`.

mod changefeeds;
mod sink;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

pub(crate) use changefeeds::{
    CREATE_FAILED, Changefeed, DELETED, MAX_CHANGEFEEDS, PAUSED, RUNNING, RUNNING_FAILED, WARNING,
};
pub(crate) use sink::{BOOTSTRAP_PORT, DispatchType, KafkaSink, TableSelection};

use crate::clock::{Clock, ClockMode, parse_rfc3339};
use crate::faults::{Faults, Vendor};
use crate::ids::IdGen;
use crate::world::{ConfluentKey, Delays, ForcedFailure, RateLimits, ResourceKind, TidbKey, World};

/// A secret kept in the world (an API key's, a changefeed's SASL password): `Debug` never shows it.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Hidden(pub(crate) String);

impl std::fmt::Debug for Hidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Confluent phases (open enums in the specs; these are the values the simulator produces).
pub(crate) const PROVISIONING: &str = "PROVISIONING";
pub(crate) const READY: &str = "READY";
pub(crate) const PROVISIONED: &str = "PROVISIONED";
pub(crate) const FAILED: &str = "FAILED";
pub(crate) const DEPROVISIONING: &str = "DEPROVISIONING";

/// TiDB private link connection states.
pub(crate) const CREATING: &str = "CREATING";
pub(crate) const ACTIVE: &str = "ACTIVE";
pub(crate) const PENDING_ACCEPTANCE: &str = "PENDING_ACCEPTANCE";
pub(crate) const DELETING: &str = "DELETING";

/// Timestamps and the next scheduled transition of a resource.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub(crate) created: Duration,
    pub(crate) updated: Duration,
    pub(crate) deleted: Option<Duration>,
    /// When the current phase ends (None: stable).
    pub(crate) due: Option<Duration>,
}

impl Meta {
    pub(crate) fn at(now: Duration, due: Option<Duration>) -> Meta {
        Meta { created: now, updated: now, deleted: None, due }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Environment {
    pub(crate) id: String,
    pub(crate) display_name: String,
    pub(crate) meta: Meta,
}

#[derive(Debug, Clone)]
pub(crate) struct Network {
    pub(crate) id: String,
    pub(crate) env: String,
    pub(crate) display_name: Option<String>,
    pub(crate) cloud: String,
    pub(crate) region: String,
    pub(crate) connection_types: Vec<String>,
    pub(crate) zones: Vec<String>,
    pub(crate) dns_resolution: Option<String>,
    pub(crate) dns_id: String,
    pub(crate) service_name: String,
    pub(crate) cf_account: String,
    pub(crate) vpc: String,
    /// Endpoints wait in PENDING_ACCEPTANCE for the owner (never for a network made over the API).
    pub(crate) acceptance_required: bool,
    pub(crate) phase: &'static str,
    pub(crate) error: Option<String>,
    pub(crate) meta: Meta,
}

impl Network {
    /// `<dns-id>.<region>`, the unique name TiDB's CONFLUENT domain attachment expects.
    pub(crate) fn unique_name(&self) -> String {
        format!("{}.{}", self.dns_id, self.region)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Access {
    pub(crate) id: String,
    pub(crate) env: String,
    pub(crate) network: String,
    pub(crate) account: String,
    pub(crate) display_name: Option<String>,
    pub(crate) phase: &'static str,
    pub(crate) error: Option<String>,
    pub(crate) meta: Meta,
}

#[derive(Debug, Clone)]
pub(crate) struct KafkaCluster {
    pub(crate) id: String,
    pub(crate) env: String,
    pub(crate) network: Option<String>,
    pub(crate) display_name: String,
    pub(crate) availability: String,
    pub(crate) cloud: String,
    pub(crate) region: String,
    /// The requested CKUs (`spec.config.cku`).
    pub(crate) cku: u32,
    /// The CKUs in service (`status.cku`); catches up with `cku` after a resize.
    pub(crate) applied_cku: u32,
    /// When a resize to `cku` finishes.
    pub(crate) resize_due: Option<Duration>,
    pub(crate) zones: Option<Vec<String>>,
    pub(crate) deletion_protection: Option<bool>,
    pub(crate) phase: &'static str,
    pub(crate) meta: Meta,
}

#[derive(Debug, Clone)]
pub(crate) struct TidbCluster {
    pub(crate) id: String,
    pub(crate) display_name: String,
    pub(crate) region: String,
    pub(crate) cloud: String,
    pub(crate) plan: String,
    pub(crate) state: String,
    pub(crate) account: String,
    pub(crate) azs: Vec<String>,
    pub(crate) project_id: Option<String>,
    pub(crate) created: Duration,
    /// User tables, in seed order.
    pub(crate) tables: Vec<Table>,
    pub(crate) gc: GcSafePoint,
}

/// A user table of a TiDB cluster.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub(crate) schema: String,
    pub(crate) name: String,
    /// A primary key or a NOT NULL unique key.
    pub(crate) handle_key: bool,
}

/// Where a cluster's GC safe point is.
#[derive(Debug, Clone, Copy)]
pub(crate) enum GcSafePoint {
    /// Fixed, in Unix milliseconds.
    Fixed(u64),
    /// Trailing simulated time by this much.
    Trailing(Duration),
}

/// A Confluent service account.
#[derive(Debug, Clone)]
pub(crate) struct ServiceAccount {
    pub(crate) id: String,
    pub(crate) display_name: String,
    pub(crate) description: String,
    pub(crate) meta: Meta,
}

/// The resource an API key is for (a Kafka cluster of an environment).
#[derive(Debug, Clone)]
pub(crate) struct KeyResource {
    pub(crate) id: String,
    pub(crate) env: String,
}

/// A Confluent API key; the secret is shown once, in the create response.
#[derive(Debug, Clone)]
pub(crate) struct ApiKey {
    pub(crate) id: String,
    pub(crate) secret: Hidden,
    pub(crate) display_name: String,
    pub(crate) description: String,
    /// `sa-…` or `u-…`.
    pub(crate) owner: String,
    pub(crate) resource: Option<KeyResource>,
    /// From when a SASL login with the key works.
    pub(crate) ready_at: Duration,
    pub(crate) meta: Meta,
}

/// A Confluent role binding.
#[derive(Debug, Clone)]
pub(crate) struct RoleBinding {
    pub(crate) id: String,
    pub(crate) principal: String,
    pub(crate) role_name: String,
    pub(crate) crn_pattern: String,
    pub(crate) meta: Meta,
}

#[derive(Debug, Clone)]
pub(crate) struct Plc {
    pub(crate) id: String,
    pub(crate) cluster_id: String,
    pub(crate) display_name: String,
    pub(crate) kind: String,
    pub(crate) service_name: String,
    pub(crate) region: Option<String>,
    pub(crate) state: &'static str,
    pub(crate) message: Option<String>,
    /// The endpoint service allowed TiDB's account when the connection was created: AWS checks
    /// a service's principals once, when the endpoint is requested.
    pub(crate) allowed: bool,
    /// The endpoint service's owner accepted the endpoint (`/_sim/resources/{id}/accept`).
    pub(crate) accepted: bool,
    pub(crate) endpoint_id: Option<String>,
    pub(crate) az_ids: Vec<String>,
    pub(crate) created_by: String,
    pub(crate) domains: Vec<Attached>,
    pub(crate) meta: Meta,
}

#[derive(Debug, Clone)]
pub(crate) struct Attached {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) unique_name: String,
    pub(crate) names: Vec<String>,
    pub(crate) state: &'static str,
    pub(crate) created_by: String,
    pub(crate) created: Duration,
    pub(crate) due: Option<Duration>,
}

/// A Digest nonce the server handed out.
#[derive(Debug)]
pub(crate) struct Nonce {
    pub(crate) issued: Duration,
    pub(crate) seen: HashSet<u32>,
}

/// Everything behind the one mutex.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) clock: Clock,
    pub(crate) delays: Delays,
    pub(crate) ids: IdGen,
    pub(crate) faults: Faults,
    pub(crate) failures: Vec<ForcedFailure>,
    pub(crate) rate_limits: RateLimits,
    /// Per vendor and key: the minute of simulated time and the requests counted in it.
    rate_windows: HashMap<(Vendor, String), (u64, u32)>,
    pub(crate) org: String,
    pub(crate) base_url: String,
    pub(crate) confluent_keys: Vec<ConfluentKey>,
    pub(crate) tidb_keys: Vec<TidbKey>,
    pub(crate) environments: Vec<Environment>,
    pub(crate) networks: Vec<Network>,
    pub(crate) accesses: Vec<Access>,
    pub(crate) kafka: Vec<KafkaCluster>,
    pub(crate) tidb_clusters: Vec<TidbCluster>,
    pub(crate) plcs: Vec<Plc>,
    pub(crate) service_accounts: Vec<ServiceAccount>,
    pub(crate) api_keys: Vec<ApiKey>,
    pub(crate) role_bindings: Vec<RoleBinding>,
    pub(crate) changefeeds: Vec<Changefeed>,
    pub(crate) nonces: HashMap<String, Nonce>,
}

pub(crate) fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(Duration::ZERO)
}

impl State {
    pub(crate) fn new(world: World, mode: ClockMode, delays: Delays) -> State {
        let clock = Clock::new(mode);
        let now = clock.now();
        let mut ids = IdGen::new(world.seed);
        let environments = world
            .confluent
            .environments
            .iter()
            .map(|e| Environment { id: e.id.clone(), display_name: e.display_name.clone(), meta: Meta::at(now, None) })
            .collect();
        let networks: Vec<Network> = world
            .confluent
            .networks
            .iter()
            .map(|n| Network {
                id: n.id.clone(),
                env: n.environment.clone(),
                display_name: n.display_name.clone(),
                cloud: n.cloud.clone(),
                region: n.region.clone(),
                connection_types: n.connection_types.clone(),
                zones: n.zones.clone(),
                dns_resolution: n.dns_resolution.clone(),
                dns_id: n.dns_domain_id.clone(),
                service_name: n.service_name.clone(),
                cf_account: ids.digits(12),
                vpc: format!("vpc-{}", ids.hex(17)),
                acceptance_required: n.acceptance_required,
                phase: seed_phase(n.phase.as_deref(), READY),
                error: None,
                meta: seed_meta(now, seed_phase(n.phase.as_deref(), READY), delays.network, delays.network_delete),
            })
            .collect();
        let accesses = world
            .confluent
            .private_link_accesses
            .iter()
            .map(|a| Access {
                id: a.id.clone(),
                env: a.environment.clone(),
                network: a.network.clone(),
                account: a.account.clone(),
                display_name: a.display_name.clone(),
                phase: seed_phase(a.phase.as_deref(), READY),
                error: None,
                meta: seed_meta(
                    now,
                    seed_phase(a.phase.as_deref(), READY),
                    delays.private_link_access,
                    delays.private_link_access_delete,
                ),
            })
            .collect();
        let kafka = world
            .confluent
            .clusters
            .iter()
            .map(|c| KafkaCluster {
                id: c.id.clone(),
                env: c.environment.clone(),
                network: c.network.clone(),
                display_name: c.display_name.clone(),
                availability: c.availability.clone(),
                cloud: "AWS".to_owned(),
                region: c.region.clone(),
                cku: c.cku,
                applied_cku: c.cku,
                resize_due: None,
                zones: None,
                deletion_protection: None,
                phase: seed_phase(c.phase.as_deref(), PROVISIONED),
                meta: seed_meta(
                    now,
                    seed_phase(c.phase.as_deref(), PROVISIONED),
                    delays.cluster,
                    delays.cluster_delete,
                ),
            })
            .collect();
        let tidb_clusters: Vec<TidbCluster> = world
            .tidbcloud
            .clusters
            .iter()
            .map(|c| TidbCluster {
                id: c.id.clone(),
                display_name: c.display_name.clone(),
                region: c.region.clone(),
                cloud: c.cloud.clone(),
                plan: c.plan.clone(),
                state: c.state.clone(),
                account: c.aws_account_id.clone(),
                azs: c.availability_zones.clone(),
                project_id: c.project_id.clone(),
                created: now,
                tables: c
                    .databases
                    .iter()
                    .flat_map(|db| {
                        db.tables.iter().map(|t| Table {
                            schema: db.name.clone(),
                            name: t.name.clone(),
                            handle_key: t.handle_key,
                        })
                    })
                    .collect(),
                gc: match c.gc_safe_point.as_deref().and_then(parse_rfc3339) {
                    Some(ms) => GcSafePoint::Fixed(ms),
                    None => GcSafePoint::Trailing(secs(c.gc_life_time)),
                },
            })
            .collect();
        let service_accounts = world
            .confluent
            .service_accounts
            .iter()
            .map(|a| ServiceAccount {
                id: a.id.clone(),
                display_name: a.display_name.clone(),
                description: a.description.clone().unwrap_or_default(),
                meta: Meta::at(now, None),
            })
            .collect();
        let api_keys = world
            .confluent
            .api_keys
            .iter()
            .map(|k| ApiKey {
                id: k.id.clone(),
                secret: Hidden(k.secret.clone()),
                display_name: k.display_name.clone().unwrap_or_default(),
                description: k.description.clone().unwrap_or_default(),
                owner: k.owner.clone(),
                resource: k.resource.as_ref().map(|r| KeyResource {
                    id: r.clone(),
                    env: world
                        .confluent
                        .clusters
                        .iter()
                        .find(|c| &c.id == r)
                        .map(|c| c.environment.clone())
                        .unwrap_or_default(),
                }),
                ready_at: now,
                meta: Meta::at(now, None),
            })
            .collect();
        let role_bindings = world
            .confluent
            .role_bindings
            .iter()
            .map(|b| RoleBinding {
                id: b.id.clone(),
                principal: b.principal.clone(),
                role_name: b.role_name.clone(),
                crn_pattern: b.crn_pattern.clone(),
                meta: Meta::at(now, None),
            })
            .collect();
        let plcs = seed_connections(&world, &networks, &tidb_clusters, &mut ids, now, delays);
        let mut faults = Faults::default();
        for f in world.faults {
            faults.add(f);
        }
        let mut state = State {
            clock,
            delays,
            ids,
            faults,
            failures: world.failures,
            rate_limits: world.rate_limits,
            rate_windows: HashMap::new(),
            org: world.organization_id,
            base_url: String::new(),
            confluent_keys: world.credentials.confluent,
            tidb_keys: world.credentials.tidbcloud,
            environments,
            networks,
            accesses,
            kafka,
            tidb_clusters,
            plcs,
            service_accounts,
            api_keys,
            role_bindings,
            changefeeds: Vec::new(),
            nonces: HashMap::new(),
        };
        // A seeded connection was requested at time zero, with the world's accesses.
        let allowed: Vec<bool> =
            state.plcs.iter().map(|p| state.allows_cluster(&p.service_name, &p.cluster_id)).collect();
        for (p, allowed) in state.plcs.iter_mut().zip(allowed) {
            p.allowed = allowed;
        }
        // A seeded PENDING_ACCEPTANCE connection says what it waits for, as a created one would.
        let waiting: Vec<Option<String>> = state
            .plcs
            .iter()
            .map(|p| {
                let link = (p.state == PENDING_ACCEPTANCE && p.message.is_none()).then(|| state.link(p));
                link.filter(|l| l.state == PENDING_ACCEPTANCE).and_then(|l| l.message)
            })
            .collect();
        for (p, message) in state.plcs.iter_mut().zip(waiting) {
            if message.is_some() {
                p.message = message;
            }
        }
        state
    }

    pub(crate) fn now(&self) -> Duration {
        self.clock.now()
    }

    pub(crate) fn ts(&self, at: Duration) -> String {
        self.clock.timestamp(at)
    }

    /// The simulation instant `delay` seconds from now.
    pub(crate) fn due_in(&self, delay: f64) -> Option<Duration> {
        Some(self.now() + secs(delay))
    }

    /// The configured failure for a resource of this kind and name, if any.
    pub(crate) fn forced_failure(&self, kind: ResourceKind, name: Option<&str>) -> Option<String> {
        self.failures
            .iter()
            .find(|f| f.kind == kind && f.display_name.as_deref().is_none_or(|want| Some(want) == name))
            .map(|f| f.message.clone())
    }

    /// Whether endpoint service `service` allows TiDB cluster `cluster`'s AWS account now: a READY
    /// access for the account on the READY network behind the service.
    pub(crate) fn allows_cluster(&self, service: &str, cluster: &str) -> bool {
        let Some(account) = self.tidb_clusters.iter().find(|c| c.id == cluster).map(|c| &c.account) else {
            return false;
        };
        self.networks
            .iter()
            .filter(|n| n.phase == READY && n.service_name == service)
            .any(|n| self.accesses.iter().any(|a| a.network == n.id && &a.account == account && a.phase == READY))
    }

    /// The vendor's limit per minute (at least 1: the limit header never says 0).
    fn rate_limit(&self, vendor: Vendor) -> u32 {
        let limit = match vendor {
            Vendor::Confluent => self.rate_limits.confluent_per_minute,
            Vendor::Tidbcloud => self.rate_limits.tidbcloud_per_minute,
        };
        limit.max(1)
    }

    /// The current minute of simulated time and the seconds until it ends (1 to 60).
    fn rate_minute(&self) -> (u64, u64) {
        let now = self.now().as_secs();
        (now / 60, 60 - now % 60)
    }

    /// Count a request against its key's window, enforced or not. `Err` (with the window, at
    /// 0 remaining) when the key is over an enforced limit: that request is refused and not
    /// counted.
    pub(crate) fn rate_count(&mut self, vendor: Vendor, key: &str) -> Result<RateWindow, RateWindow> {
        let limit = self.rate_limit(vendor);
        let (minute, reset) = self.rate_minute();
        let enforce = self.rate_limits.enforce;
        let entry = self.rate_windows.entry((vendor, key.to_owned())).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        if enforce && entry.1 >= limit {
            return Err(RateWindow { limit, remaining: 0, reset });
        }
        entry.1 = entry.1.saturating_add(1);
        Ok(RateWindow { limit, remaining: limit.saturating_sub(entry.1), reset })
    }

    /// The window of the key a request names (not necessarily a valid one), without counting:
    /// for responses that are not counted (authentication failures, injected faults). A request
    /// that names no key sees a full window.
    pub(crate) fn rate_peek(&self, vendor: Vendor, key: Option<&str>) -> RateWindow {
        let limit = self.rate_limit(vendor);
        let (minute, reset) = self.rate_minute();
        let used = key
            .and_then(|k| self.rate_windows.get(&(vendor, k.to_owned())))
            .filter(|(m, _)| *m == minute)
            .map_or(0, |(_, used)| *used);
        RateWindow { limit, remaining: limit.saturating_sub(used), reset }
    }

    /// The owner of the endpoint service accepts a PENDING_ACCEPTANCE connection (it turns
    /// ACTIVE now, or FAILED when the link became impossible meanwhile).
    pub(crate) fn accept(&mut self, id: &str) -> Result<(), AcceptError> {
        let p = self.plcs.iter_mut().find(|p| p.id == id).ok_or(AcceptError::NotFound)?;
        if p.state != PENDING_ACCEPTANCE {
            return Err(AcceptError::NotPending(p.state));
        }
        p.accepted = true;
        self.tick();
        Ok(())
    }

    /// Force a resource (any kind, by id) into FAILED now.
    pub(crate) fn force_failed(&mut self, id: &str, message: &str) -> bool {
        let now = self.now();
        if let Some(n) = self.networks.iter_mut().find(|n| n.id == id) {
            n.phase = FAILED;
            n.error = Some(message.to_owned());
            n.meta.due = None;
            n.meta.updated = now;
            return true;
        }
        if let Some(a) = self.accesses.iter_mut().find(|a| a.id == id) {
            a.phase = FAILED;
            a.error = Some(message.to_owned());
            a.meta.due = None;
            a.meta.updated = now;
            return true;
        }
        if let Some(c) = self.kafka.iter_mut().find(|c| c.id == id) {
            c.phase = FAILED;
            c.meta.due = None;
            c.meta.updated = now;
            return true;
        }
        if let Some(p) = self.plcs.iter_mut().find(|p| p.id == id) {
            p.state = FAILED;
            p.message = Some(message.to_owned());
            p.meta.due = None;
            p.meta.updated = now;
            return true;
        }
        if let Some(cf) = self.changefeeds.iter_mut().find(|c| c.id == id) {
            cf.state = if cf.state == CREATING { CREATE_FAILED } else { RUNNING_FAILED };
            cf.error = Some(message.to_owned());
            cf.warned_at = None;
            cf.meta.due = None;
            cf.meta.updated = now;
            return true;
        }
        false
    }

    /// A TiDB cluster's GC safe point now, in Unix milliseconds.
    pub(crate) fn gc_safe_point(&self, c: &TidbCluster) -> u64 {
        match c.gc {
            GcSafePoint::Fixed(ms) => ms,
            GcSafePoint::Trailing(by) => {
                let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
                self.clock.unix_millis(self.now()).saturating_sub(by)
            }
        }
    }

    /// Run every transition that is due. Called on each request and after the clock moves.
    pub(crate) fn tick(&mut self) {
        let now = self.now();
        let is_due = |m: &Meta| m.due.is_some_and(|d| d <= now);

        // Networks.
        let mut net_fail = Vec::new();
        for n in &self.networks {
            if n.phase == PROVISIONING && is_due(&n.meta) {
                net_fail.push((n.id.clone(), self.forced_failure(ResourceKind::Network, n.display_name.as_deref())));
            }
        }
        for (id, fail) in net_fail {
            if let Some(n) = self.networks.iter_mut().find(|n| n.id == id) {
                n.meta.due = None;
                n.meta.updated = now;
                match fail {
                    Some(msg) => {
                        n.phase = FAILED;
                        n.error = Some(msg);
                    }
                    None => n.phase = READY,
                }
            }
        }
        self.networks.retain(|n| !(n.phase == DEPROVISIONING && is_due(&n.meta)));

        // PrivateLink accesses: READY only once their network is.
        let mut pla_updates = Vec::new();
        for a in &self.accesses {
            if a.phase == PROVISIONING && is_due(&a.meta) {
                let net_phase = self.networks.iter().find(|n| n.id == a.network).map(|n| n.phase);
                let outcome = match net_phase {
                    Some(READY) => {
                        match self.forced_failure(ResourceKind::PrivateLinkAccess, a.display_name.as_deref()) {
                            Some(msg) => Some((FAILED, Some(msg))),
                            None => Some((READY, None)),
                        }
                    }
                    Some(FAILED) | None => Some((FAILED, Some("the network is not available".to_owned()))),
                    Some(_) => None,
                };
                if let Some(o) = outcome {
                    pla_updates.push((a.id.clone(), o));
                }
            }
        }
        for (id, (phase, error)) in pla_updates {
            if let Some(a) = self.accesses.iter_mut().find(|a| a.id == id) {
                a.phase = phase;
                a.error = error;
                a.meta.due = None;
                a.meta.updated = now;
            }
        }
        self.accesses.retain(|a| !(a.phase == DEPROVISIONING && is_due(&a.meta)));

        // Kafka clusters: PROVISIONED only once their network is READY.
        let mut kafka_updates = Vec::new();
        for c in &self.kafka {
            if c.meta.deleted.is_none() && c.phase == PROVISIONING && is_due(&c.meta) {
                let net_ready =
                    c.network.as_ref().is_none_or(|nid| self.networks.iter().any(|n| &n.id == nid && n.phase == READY));
                if net_ready {
                    let failed = self.forced_failure(ResourceKind::Cluster, Some(&c.display_name)).is_some();
                    kafka_updates.push((c.id.clone(), if failed { FAILED } else { PROVISIONED }));
                }
            }
        }
        for (id, phase) in kafka_updates {
            if let Some(c) = self.kafka.iter_mut().find(|c| c.id == id) {
                c.phase = phase;
                c.applied_cku = c.cku;
                c.meta.due = None;
                c.meta.updated = now;
            }
        }
        for c in &mut self.kafka {
            if c.phase == PROVISIONED && c.resize_due.is_some_and(|d| d <= now) {
                c.applied_cku = c.cku;
                c.resize_due = None;
                c.meta.updated = now;
            }
        }
        self.kafka.retain(|c| !(c.meta.deleted.is_some() && is_due(&c.meta)));

        // TiDB private link connections: the cross-vendor link.
        let mut plc_updates = Vec::new();
        for p in &self.plcs {
            let evaluate = (p.state == CREATING && is_due(&p.meta)) || p.state == PENDING_ACCEPTANCE;
            if evaluate {
                let mut outcome = self.link(p);
                if outcome.state == ACTIVE
                    && let Some(msg) = self.forced_failure(ResourceKind::PrivateLinkConnection, Some(&p.display_name))
                {
                    outcome = Link { state: FAILED, message: Some(msg), cause: None, az_ids: Vec::new() };
                }
                if outcome.state != p.state || p.state == CREATING {
                    plc_updates.push((p.id.clone(), outcome));
                }
            }
        }
        for (id, link) in plc_updates {
            let endpoint = format!("vpce-{}", self.ids.hex(17));
            if let Some(p) = self.plcs.iter_mut().find(|p| p.id == id) {
                if link.state == ACTIVE {
                    p.endpoint_id.get_or_insert(endpoint);
                }
                p.state = link.state;
                p.message = link.message;
                p.az_ids = link.az_ids;
                p.meta.due = None;
                p.meta.updated = now;
            }
        }
        self.plcs.retain(|p| !(p.state == DELETING && is_due(&p.meta)));
        for p in &mut self.plcs {
            for d in &mut p.domains {
                if d.state == CREATING && d.due.is_some_and(|t| t <= now) {
                    d.state = ACTIVE;
                    d.due = None;
                }
            }
            p.domains.retain(|d| !(d.state == DELETING && d.due.is_some_and(|t| t <= now)));
        }

        // Changefeeds last: they judge their sink against everything above as it is now.
        self.tick_changefeeds(now);
    }

    /// Where a TiDB connection to an endpoint service stands, given the Confluent side.
    ///
    /// As AWS decides it: the service must exist (a READY network with that service name) in the
    /// connection's region, which must be the cluster's, and share an AZ with the cluster. AWS
    /// refuses the interface endpoint (FAILED when CREATING ends) unless the service allowed
    /// TiDB's account — a READY access for it on the network — when the connection was created;
    /// an access made later does not revive it. An allowed endpoint is ACTIVE at once, unless the
    /// service requires acceptance: then it waits in PENDING_ACCEPTANCE until the owner accepts it.
    ///
    /// World validation asks the same rule of every seeded ACTIVE connection (`world/validate.rs`).
    pub(crate) fn link(&self, p: &Plc) -> Link {
        let fail = |message: String, cause: Option<String>| Link {
            state: FAILED,
            message: Some(message),
            cause,
            az_ids: Vec::new(),
        };
        let Some(cluster) = self.tidb_clusters.iter().find(|c| c.id == p.cluster_id) else {
            return fail("the cluster no longer exists".to_owned(), None);
        };
        let service = &p.service_name;
        let target_region = p.region.as_deref().unwrap_or(&cluster.region);
        let Some(net) = self.networks.iter().find(|n| n.phase == READY && &n.service_name == service) else {
            return fail(
                format!("endpoint service {service} does not exist in region {target_region}, or is not available"),
                Some(format!("no READY network has service name {service}")),
            );
        };
        let on_network = || Some(format!("network {}", net.id));
        if let Some(problem) = region_problem(service, &net.region, p.region.as_deref(), cluster) {
            return fail(problem, on_network());
        }
        let shared: Vec<String> = cluster.azs.iter().filter(|az| net.zones.contains(az)).cloned().collect();
        if shared.is_empty() {
            return fail(
                format!(
                    "endpoint service {service} has no availability zone in common with the cluster (service: {}; \
                     cluster: {})",
                    net.zones.join(", "),
                    cluster.azs.join(", ")
                ),
                on_network(),
            );
        }
        let account = &cluster.account;
        let waits = if p.state == PENDING_ACCEPTANCE {
            // Already past AWS's principal check; only its owner moves it on.
            !p.accepted
        } else {
            if !p.allowed {
                return fail(
                    format!(
                        "endpoint service {service} is not available to AWS account {account}: the service does \
                         not allow the account as a principal"
                    ),
                    Some(format!("no READY private link access on network {} allows account {account}", net.id)),
                );
            }
            net.acceptance_required && !p.accepted
        };
        if waits {
            return Link {
                state: PENDING_ACCEPTANCE,
                message: Some(format!(
                    "waiting for the owner of endpoint service {service} to accept the endpoint from AWS account \
                     {account}"
                )),
                cause: None,
                az_ids: Vec::new(),
            };
        }
        Link { state: ACTIVE, message: None, cause: None, az_ids: shared }
    }
}

/// Why the regions of a connection, its endpoint service and its cluster do not fit, saying
/// which region is whose: the service must be in the connection's region (the
/// `awsEndpointService.region` given at creation, else the cluster's), and that must be the
/// cluster's.
fn region_problem(service: &str, service_region: &str, given: Option<&str>, cluster: &TidbCluster) -> Option<String> {
    let (id, cluster_region) = (&cluster.id, &cluster.region);
    match given {
        Some(given) if given != service_region => Some(format!(
            "endpoint service {service} is in region {service_region}, not in {given} (the connection's \
             awsEndpointService.region)"
        )),
        Some(_) if service_region != cluster_region => Some(format!(
            "endpoint service {service} is in region {service_region} (as the connection's \
             awsEndpointService.region says), but TiDB cluster {id} is in region {cluster_region}: the service \
             must be in the cluster's region"
        )),
        None if service_region != cluster_region => Some(format!(
            "endpoint service {service} is in region {service_region}, but TiDB cluster {id} is in region \
             {cluster_region} (the connection's region, as no awsEndpointService.region was given): the service \
             must be in the cluster's region"
        )),
        _ => None,
    }
}

/// A rate-limit window as the headers report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateWindow {
    pub(crate) limit: u32,
    pub(crate) remaining: u32,
    /// Seconds until the window resets.
    pub(crate) reset: u64,
}

/// Why [`State::accept`] did not accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AcceptError {
    NotFound,
    NotPending(&'static str),
}

/// The outcome of evaluating a connection: what the link rule ([`State::link`]) decided.
pub(crate) struct Link {
    pub(crate) state: &'static str,
    /// The status message, in the vendor's words.
    pub(crate) message: Option<String>,
    /// For a refusal, what in the simulated world causes it, in a world file's terms (the network
    /// or access to fix), which the vendor's message does not name.
    pub(crate) cause: Option<String>,
    pub(crate) az_ids: Vec<String>,
}

/// The DNS names TiDB Cloud attaches for CONFLUENT domains: the wildcard and one per zone.
pub(crate) fn confluent_domain_names(unique: &str, zones: &[String]) -> Vec<String> {
    let mut names = vec![format!("*.{unique}.aws.confluent.cloud")];
    names.extend(zones.iter().map(|z| format!("*.{z}.{unique}.aws.confluent.cloud")));
    names
}

/// The world's private link connections and their domains, as the API would show them.
fn seed_connections(
    world: &World,
    networks: &[Network],
    clusters: &[TidbCluster],
    ids: &mut IdGen,
    now: Duration,
    delays: Delays,
) -> Vec<Plc> {
    let created_by =
        world.credentials.tidbcloud.first().map_or_else(|| "apikey".to_owned(), |k| format!("apikey-{}", k.public_key));
    let mut plcs = Vec::new();
    for p in &world.tidbcloud.private_link_connections {
        let net = networks.iter().find(|n| n.service_name == p.service_name);
        let cluster_azs = clusters.iter().find(|c| c.id == p.cluster_id).map(|c| c.azs.as_slice()).unwrap_or_default();
        let (state, due) = match p.state.as_str() {
            "CREATING" => (CREATING, Some(now + secs(delays.private_link_connection))),
            "PENDING_ACCEPTANCE" => (PENDING_ACCEPTANCE, None),
            "FAILED" => (FAILED, None),
            "DELETING" => (DELETING, Some(now + secs(delays.private_link_connection_delete))),
            _ => (ACTIVE, None),
        };
        let active = state == ACTIVE;
        let az_ids = match net {
            Some(n) if active => cluster_azs.iter().filter(|az| n.zones.contains(az)).cloned().collect(),
            _ => Vec::new(),
        };
        let endpoint_id = active.then(|| p.endpoint_id.clone().unwrap_or_else(|| format!("vpce-{}", ids.hex(17))));
        let message = match (&p.message, state) {
            (None, FAILED) => Some("simulated failure".to_owned()),
            (m, _) => m.clone(),
        };
        let domains = p
            .domains
            .iter()
            .map(|d| {
                let (state, due) = match d.state.as_str() {
                    "CREATING" => (CREATING, Some(now + secs(delays.domains))),
                    "DELETING" => (DELETING, Some(now + secs(delays.domains))),
                    _ => (ACTIVE, None),
                };
                let names = if d.kind == "CONFLUENT" {
                    confluent_domain_names(&d.unique_name, net.map(|n| n.zones.as_slice()).unwrap_or_default())
                } else {
                    vec![format!("*.{}.aws.plc.tidbcloud.com", d.unique_name)]
                };
                Attached {
                    id: d.id.clone().unwrap_or_else(|| ids.digits(19)),
                    kind: d.kind.clone(),
                    unique_name: d.unique_name.clone(),
                    names,
                    state,
                    created_by: created_by.clone(),
                    created: now,
                    due,
                }
            })
            .collect();
        plcs.push(Plc {
            id: p.id.clone(),
            cluster_id: p.cluster_id.clone(),
            display_name: p.display_name.clone(),
            kind: "AWS_ENDPOINT_SERVICE".to_owned(),
            service_name: p.service_name.clone(),
            region: p.region.clone(),
            state,
            message,
            allowed: false,
            // A seeded ACTIVE connection is past every step, the owner's acceptance included.
            accepted: active,
            endpoint_id,
            az_ids,
            created_by: created_by.clone(),
            domains,
            meta: Meta::at(now, due),
        });
    }
    plcs
}

/// A seeded resource that is still provisioning (or deprovisioning) finishes after the usual delay.
fn seed_meta(now: Duration, phase: &str, create: f64, delete: f64) -> Meta {
    match phase {
        PROVISIONING => Meta::at(now, Some(now + secs(create))),
        DEPROVISIONING => Meta { deleted: Some(now), ..Meta::at(now, Some(now + secs(delete))) },
        _ => Meta::at(now, None),
    }
}

fn seed_phase(given: Option<&str>, default: &'static str) -> &'static str {
    match given {
        Some("PROVISIONING") => PROVISIONING,
        Some("READY") => READY,
        Some("PROVISIONED") => PROVISIONED,
        Some("FAILED") => FAILED,
        Some("DEPROVISIONING") => DEPROVISIONING,
        _ => default,
    }
}
