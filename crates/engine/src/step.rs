//! The step plan: [`StepId`] (stable, from natural keys), [`StepKind`], [`Action`] and
//! [`StepPlan`] with its human rendering (`+` create, `~` wait/attach, `=` unchanged).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::observe::{Drift, Observed};

/// Version of the serialized plan (a saved plan is a compatibility boundary).
pub const PLAN_VERSION: u32 = 1;

/// A step's stable id, built from the resource's natural key, e.g.
/// `confluent.private_link_access/n-abc123/123456789012`; it survives restarts and re-plans.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StepId(String);

impl StepId {
    pub(crate) fn new(kind: StepKind, key: &[&str]) -> StepId {
        StepId(format!("{}/{}", kind.resource(), key.join("/")))
    }

    /// A step id as `plan` prints it: a known resource prefix, `/`, a natural key.
    pub fn parse(text: &str) -> Option<StepId> {
        let (resource, key) = text.split_once('/')?;
        let known = StepKind::ALL.iter().any(|kind| kind.resource() == resource);
        (known && !key.is_empty() && !key.split('/').any(str::is_empty)).then(|| StepId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The kind whose resource prefix this id starts with.
    pub fn kind(&self) -> Option<StepKind> {
        let (resource, _) = self.0.split_once('/')?;
        StepKind::ALL.into_iter().find(|kind| kind.resource() == resource)
    }
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a step does; one file per kind in `steps/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Create the Confluent PrivateLink network (`create: true` only).
    CreateNetwork,
    /// Ensure the PrivateLink access for TiDB Cloud's AWS account.
    PrivateLinkAccess,
    /// Ensure the Dedicated Kafka cluster.
    Cluster,
    /// Ensure TiDB's private link connection to the network's endpoint service.
    PrivateLinkConnection,
    /// Attach the CONFLUENT domains to the connection.
    AttachDomains,
    /// Ensure the Confluent service account the changefeed writes as (`credentials.create`).
    ServiceAccount,
    /// Ensure its Kafka API key for the cluster (the secret goes to the changefeed, in memory).
    ApiKey,
    /// Ensure its role bindings on the changefeed's topics.
    RoleBindings,
    /// Ensure the changefeed from TiDB into the Kafka cluster over the connection.
    Changefeed,
}

impl StepKind {
    /// Every kind.
    pub const ALL: [StepKind; 9] = [
        StepKind::CreateNetwork,
        StepKind::PrivateLinkAccess,
        StepKind::Cluster,
        StepKind::PrivateLinkConnection,
        StepKind::AttachDomains,
        StepKind::ServiceAccount,
        StepKind::ApiKey,
        StepKind::RoleBindings,
        StepKind::Changefeed,
    ];

    /// Whose API the step's resource lives in.
    pub fn vendor(self) -> Vendor {
        match self {
            StepKind::PrivateLinkConnection | StepKind::AttachDomains | StepKind::Changefeed => Vendor::TidbCloud,
            StepKind::CreateNetwork
            | StepKind::PrivateLinkAccess
            | StepKind::Cluster
            | StepKind::ServiceAccount
            | StepKind::ApiKey
            | StepKind::RoleBindings => Vendor::Confluent,
        }
    }

    /// The resource prefix of step ids.
    pub fn resource(self) -> &'static str {
        match self {
            StepKind::CreateNetwork => "confluent.network",
            StepKind::PrivateLinkAccess => "confluent.private_link_access",
            StepKind::Cluster => "confluent.cluster",
            StepKind::PrivateLinkConnection => "tidbcloud.private_link_connection",
            StepKind::AttachDomains => "tidbcloud.domains",
            StepKind::ServiceAccount => "confluent.service_account",
            StepKind::ApiKey => "confluent.api_key",
            StepKind::RoleBindings => "confluent.role_bindings",
            StepKind::Changefeed => "tidbcloud.changefeed",
        }
    }
}

/// The two APIs a runbook talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Confluent,
    TidbCloud,
}

/// What apply will do for a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// `+`: create the resource, then wait for it.
    Create,
    /// `~`: it exists and is still getting ready; wait.
    Wait,
    /// `~`: attach (domains), then wait.
    Attach,
    /// `-`: delete (destroy), then wait until it is gone.
    Delete,
    /// `=`: already done.
    Unchanged,
    /// `~`: change what the API changes in place (the step's [`Change`]s), then wait.
    Update,
    /// `-/+`: delete and create again (a change the API cannot make in place); only when asked
    /// for by step id ([`PlanOptions::replace`]).
    Replace,
}

impl Action {
    /// One character: `+`, `~`, `=`, `-`, and `±` for a replace (see [`Action::sign`]).
    pub fn symbol(self) -> char {
        match self {
            Action::Create => '+',
            Action::Wait | Action::Attach | Action::Update => '~',
            Action::Unchanged => '=',
            Action::Delete => '-',
            Action::Replace => '±',
        }
    }

    /// What a running step of this action is doing, in a word or two (`creating`).
    pub fn doing(self) -> &'static str {
        match self {
            Action::Create => "creating",
            Action::Wait => "waiting",
            Action::Attach => "attaching",
            Action::Delete => "deleting",
            Action::Unchanged => "checking",
            Action::Update => "updating",
            Action::Replace => "replacing",
        }
    }

    /// How plans show it: `+`, `~`, `=`, `-` and Terraform's `-/+` for a replace.
    pub fn sign(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Wait | Action::Attach | Action::Update => "~",
            Action::Unchanged => "=",
            Action::Delete => "-",
            Action::Replace => "-/+",
        }
    }
}

/// A managed attribute whose live value differs from the plan's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The plan key, e.g. `confluent.cluster.cku`.
    pub key: String,
    /// The live value.
    pub from: String,
    /// The plan's value.
    pub to: String,
    /// The API cannot change it in place: the resource must be replaced.
    pub forces_replacement: bool,
}

/// What `plan` may propose beyond what the plan file says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Steps whose resource may be replaced (deleted and created again) when a change cannot
    /// be made in place (`--replace STEP_ID`, Terraform's `-replace`).
    pub replace: Vec<StepId>,
}

/// One step of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub id: StepId,
    pub kind: StepKind,
    pub action: Action,
    /// Steps that must succeed first.
    pub depends_on: Vec<StepId>,
    /// One line for humans.
    pub summary: String,
    /// `key: value` lines shown under the summary (the request a create sends, the live state).
    pub details: Vec<(String, String)>,
    /// Managed values the live resource does not have yet (`~ cku: 2 → 6`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
}

/// Something that stops apply before any create (the live world contradicts the plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocker {
    pub message: String,
    /// The next thing to try.
    pub hint: String,
}

/// Values the steps need that the planner resolved from observation (and apply fills in as
/// resources appear).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resolved {
    /// TiDB Cloud's AWS account.
    pub account: Option<String>,
    /// The network id, once known.
    pub network_id: Option<String>,
    /// Zones to create the network with.
    pub network_zones: Vec<String>,
    /// The network's VPC endpoint service name, once known.
    pub service_name: Option<String>,
    /// The network's unique name, once known.
    pub unique_name: Option<String>,
    /// TiDB's private link connection id, once known.
    pub connection_id: Option<String>,
    /// The access's id, once known.
    pub access_id: Option<String>,
    /// The Kafka cluster's id, once known.
    pub kafka_cluster_id: Option<String>,
    /// The CONFLUENT attachment's id, once known.
    pub attach_domain_id: Option<String>,
    /// The Kafka cluster's private bootstrap host (the changefeed's TLS server name), once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka_bootstrap_host: Option<String>,
    /// The Confluent organization (role binding CRNs), once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The changefeed's service account, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_id: Option<String>,
    /// The Kafka API key the changefeed uses (never its secret), once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_id: Option<String>,
    /// The role bindings, once known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub role_binding_ids: Vec<String>,
    /// The changefeed, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changefeed_id: Option<String>,
}

/// A plan saved by `plan --out` for a later `apply`: the plan file it was made from (and a
/// digest of its text), the steps, and a digest over both. Refused when the saved plan was
/// edited, when the plan file changed, or when the world changed since ([`StepPlan::is_current`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// Always `linkplan-saved-plan` (tells a saved plan from a plan file).
    pub kind: String,
    pub version: u32,
    /// The plan file, relative to the directory of the saved plan (or absolute).
    pub plan_file: String,
    /// SHA-256 of the plan file's text.
    pub plan_digest: String,
    /// SHA-256 over `plan_digest` and the steps ([`SavedPlan::digest_of`]).
    pub digest: String,
    pub plan: StepPlan,
}

/// The `kind` of a [`SavedPlan`].
pub const SAVED_PLAN_KIND: &str = "linkplan-saved-plan";

/// The saved-plan format version (2: digests, the plan file relative to the saved plan).
pub const SAVED_PLAN_VERSION: u32 = 2;

/// Why a saved plan may not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SavedPlanError {
    #[error("the saved plan is version {found}; this linkplan reads version {SAVED_PLAN_VERSION}")]
    Version { found: u32 },
    #[error("the saved plan was edited after `linkplan plan --out` wrote it (its digest does not match its steps)")]
    Edited,
    #[error("the plan file `{plan_file}` changed since the plan was saved")]
    PlanFileChanged { plan_file: String },
}

impl SavedPlan {
    /// `plan_file` as the saved plan should name it (relative to the saved plan's directory).
    pub fn new(plan_file: &str, plan_text: &str, plan: StepPlan) -> SavedPlan {
        let plan_digest = sha256(plan_text.as_bytes());
        let digest = SavedPlan::digest_of(&plan_digest, &plan);
        SavedPlan {
            kind: SAVED_PLAN_KIND.to_owned(),
            version: SAVED_PLAN_VERSION,
            plan_file: plan_file.to_owned(),
            plan_digest,
            digest,
            plan,
        }
    }

    /// The digest a saved plan carries: SHA-256 over the plan file's digest and the steps' JSON.
    pub fn digest_of(plan_digest: &str, plan: &StepPlan) -> String {
        let steps = serde_json::to_vec(plan).unwrap_or_default();
        let mut input = Vec::with_capacity(plan_digest.len() + 1 + steps.len());
        input.extend_from_slice(plan_digest.as_bytes());
        input.push(b'\n');
        input.extend_from_slice(&steps);
        sha256(&input)
    }

    /// Check that the saved plan is as `plan --out` wrote it and that `plan_text` is the text of
    /// the plan file it was made from.
    pub fn verify(&self, plan_text: &str) -> Result<(), SavedPlanError> {
        if self.version != SAVED_PLAN_VERSION {
            return Err(SavedPlanError::Version { found: self.version });
        }
        if self.digest != SavedPlan::digest_of(&self.plan_digest, &self.plan) {
            return Err(SavedPlanError::Edited);
        }
        if self.plan_digest != sha256(plan_text.as_bytes()) {
            return Err(SavedPlanError::PlanFileChanged { plan_file: self.plan_file.clone() });
        }
        Ok(())
    }
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The ordered plan: topological, ties broken by [`StepId`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepPlan {
    pub version: u32,
    /// Facts the plan rests on, one line each (the TiDB cluster, the referenced network).
    pub context: Vec<String>,
    pub steps: Vec<Step>,
    pub blockers: Vec<Blocker>,
    pub drift: Vec<Drift>,
    pub resolved: Resolved,
    /// [`Observed::fingerprint`] of the state this plan was made from.
    pub observed_fingerprint: String,
    /// Made by [`crate::destroy_plan`] (its summary counts deletes and kept resources).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub destroy: bool,
}

impl StepPlan {
    /// Whether every step is `=`.
    pub fn is_converged(&self) -> bool {
        self.steps.iter().all(|s| s.action == Action::Unchanged)
    }

    /// Whether apply may run: no blockers and no drift.
    pub fn can_apply(&self) -> bool {
        self.blockers.is_empty() && self.drift.is_empty()
    }

    /// Whether the world still looks as it did when the plan was made (a saved plan whose world
    /// changed must be made again).
    pub fn is_current(&self, observed: &Observed) -> bool {
        self.observed_fingerprint == observed.fingerprint()
    }

    pub fn step(&self, id: &StepId) -> Option<&Step> {
        self.steps.iter().find(|s| &s.id == id)
    }
}

impl StepPlan {
    /// The steps that act (not `=`), by depth in the step graph: a step's wave is one more than
    /// the deepest acting step it is `after` (what is already done holds nothing up). The steps
    /// of one wave have no order between them.
    pub fn waves(&self) -> Vec<Vec<&StepId>> {
        let acting: Vec<&Step> = self.steps.iter().filter(|s| s.action != Action::Unchanged).collect();
        let mut depth: std::collections::HashMap<&StepId, usize> = std::collections::HashMap::new();
        // Steps are listed after what they depend on; a few passes settle any other order.
        for _ in 0..acting.len() {
            let mut changed = false;
            for step in &acting {
                let d = step.depends_on.iter().filter_map(|dep| depth.get(dep)).map(|d| d + 1).max().unwrap_or(0);
                if depth.get(&step.id) != Some(&d) {
                    depth.insert(&step.id, d);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let mut waves: Vec<Vec<&StepId>> = Vec::new();
        for step in &acting {
            let d = depth.get(&step.id).copied().unwrap_or(0);
            if waves.len() <= d {
                waves.resize_with(d + 1, Vec::new);
            }
            waves[d].push(&step.id);
        }
        waves.retain(|w| !w.is_empty());
        waves
    }
}

impl fmt::Display for StepPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.context {
            writeln!(f, "  {line}")?;
        }
        if !self.context.is_empty() {
            writeln!(f)?;
        }
        for step in &self.steps {
            writeln!(f, "{} {}", step.action.sign(), step.id)?;
            writeln!(f, "    {}", step.summary)?;
            for (key, value) in &step.details {
                writeln!(f, "      {key}: {value}")?;
            }
            // What it waits for; steps without an `after` start at once, side by side.
            if !step.depends_on.is_empty() {
                let after: Vec<&str> = step.depends_on.iter().map(StepId::as_str).collect();
                writeln!(f, "      after: {}", after.join(", "))?;
            }
            for c in &step.changes {
                let replace = if c.forces_replacement { " (forces replacement)" } else { "" };
                writeln!(f, "    ~ {}: {} → {}{replace}", c.key, c.from, c.to)?;
            }
        }
        for d in &self.drift {
            writeln!(f, "drift: `{}` declares {} but the live value is {}", d.key, d.declared, d.live)?;
        }
        for b in &self.blockers {
            writeln!(f, "error: {}", b.message)?;
            writeln!(f, "  help: {}", b.hint)?;
        }
        let waves = self.waves();
        if waves.len() > 1 || waves.first().is_some_and(|w| w.len() > 1) {
            writeln!(
                f,
                "Order (steps on one line run side by side; each starts once the steps it is `after` are done):"
            )?;
            for (i, wave) in waves.iter().enumerate() {
                let ids: Vec<&str> = wave.iter().map(|id| id.as_str()).collect();
                writeln!(f, "  {}. {}", i + 1, ids.join(", "))?;
            }
        }
        let count = |pred: fn(Action) -> bool| self.steps.iter().filter(|s| pred(s.action)).count();
        let deletes = count(|a| a == Action::Delete);
        if self.destroy {
            write!(f, "Destroy: {deletes} to delete, {} kept.", count(|a| a == Action::Unchanged))?;
        } else {
            write!(f, "Plan: {} to create, ", count(|a| a == Action::Create))?;
            let (updates, replaces) = (count(|a| a == Action::Update), count(|a| a == Action::Replace));
            if updates > 0 {
                write!(f, "{updates} to update in place, ")?;
            }
            if replaces > 0 {
                write!(f, "{replaces} to replace, ")?;
            }
            write!(
                f,
                "{} to wait or attach, {} unchanged.",
                count(|a| matches!(a, Action::Wait | Action::Attach)),
                count(|a| a == Action::Unchanged)
            )?;
        }
        if !self.can_apply() {
            write!(f, " Apply is blocked until the errors above are fixed.")?;
        }
        writeln!(f)
    }
}

/// A step failed: which step, what it was doing, the vendor's message and what to try next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("step {step}: {doing} failed: {message}{}", hint.as_ref().map(|h| format!(" (help: {h})")).unwrap_or_default())]
pub struct StepError {
    pub step: StepId,
    /// What the step was doing, e.g. `creating the PrivateLink access`.
    pub doing: String,
    /// The vendor's message (or ours).
    pub message: String,
    /// The next thing to try.
    pub hint: Option<String>,
}

impl StepError {
    pub(crate) fn new(step: &Step, doing: &str, message: impl Into<String>, hint: Option<String>) -> StepError {
        StepError { step: step.id.clone(), doing: doing.to_owned(), message: message.into(), hint }
    }
}

/// What a step produced: the resource's id and the values later steps read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepOutcome {
    pub resource_id: String,
    /// Whether this run created it (false: found by natural key).
    pub created: bool,
    pub outputs: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_names_the_vendor_its_resource_prefix_does() {
        for kind in StepKind::ALL {
            let prefix = match kind.vendor() {
                Vendor::Confluent => "confluent.",
                Vendor::TidbCloud => "tidbcloud.",
            };
            assert!(kind.resource().starts_with(prefix), "{kind:?}: {}", kind.resource());
        }
    }
}
