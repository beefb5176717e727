//! The step plan: [`StepId`] (stable, from natural keys), [`StepKind`], [`Action`] and
//! [`StepPlan`] with its human rendering (`+` create, `~` wait/attach, `=` unchanged).

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

    pub fn as_str(&self) -> &str {
        &self.0
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
}

impl StepKind {
    /// The resource prefix of step ids.
    pub fn resource(self) -> &'static str {
        match self {
            StepKind::CreateNetwork => "confluent.network",
            StepKind::PrivateLinkAccess => "confluent.private_link_access",
            StepKind::Cluster => "confluent.cluster",
            StepKind::PrivateLinkConnection => "tidbcloud.private_link_connection",
            StepKind::AttachDomains => "tidbcloud.domains",
        }
    }
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
}

impl Action {
    pub fn symbol(self) -> char {
        match self {
            Action::Create => '+',
            Action::Wait | Action::Attach => '~',
            Action::Unchanged => '=',
            Action::Delete => '-',
        }
    }
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
}

/// A plan saved by `plan --out` for a later `apply`: the plan file it was made from (and a
/// digest of its text) and the steps. Refused when the file or the world changed since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPlan {
    /// Always `linkplan-saved-plan` (tells a saved plan from a plan file).
    pub kind: String,
    pub version: u32,
    /// The plan file, as given on the command line.
    pub plan_file: String,
    /// [`text_digest`] of the plan file's text.
    pub plan_digest: String,
    pub plan: StepPlan,
}

/// The `kind` of a [`SavedPlan`].
pub const SAVED_PLAN_KIND: &str = "linkplan-saved-plan";

impl SavedPlan {
    pub fn new(plan_file: &str, plan_text: &str, plan: StepPlan) -> SavedPlan {
        SavedPlan {
            kind: SAVED_PLAN_KIND.to_owned(),
            version: PLAN_VERSION,
            plan_file: plan_file.to_owned(),
            plan_digest: text_digest(plan_text),
            plan,
        }
    }

    /// Whether `plan_text` is the text the plan was made from.
    pub fn matches_file(&self, plan_text: &str) -> bool {
        self.plan_digest == text_digest(plan_text)
    }
}

/// A digest of a text (FNV-1a, hex): change detection, not security.
pub fn text_digest(text: &str) -> String {
    format!("{:016x}", crate::clock::seed_of(text))
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

impl fmt::Display for StepPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.context {
            writeln!(f, "  {line}")?;
        }
        if !self.context.is_empty() {
            writeln!(f)?;
        }
        for step in &self.steps {
            writeln!(f, "{} {}", step.action.symbol(), step.id)?;
            writeln!(f, "    {}", step.summary)?;
            for (key, value) in &step.details {
                writeln!(f, "      {key}: {value}")?;
            }
        }
        for d in &self.drift {
            writeln!(f, "drift: `{}` declares {} but the live value is {}", d.key, d.declared, d.live)?;
        }
        for b in &self.blockers {
            writeln!(f, "error: {}", b.message)?;
            writeln!(f, "  help: {}", b.hint)?;
        }
        let count = |pred: fn(Action) -> bool| self.steps.iter().filter(|s| pred(s.action)).count();
        let deletes = count(|a| a == Action::Delete);
        if self.destroy {
            write!(f, "Destroy: {deletes} to delete, {} kept.", count(|a| a == Action::Unchanged))?;
        } else {
            write!(
                f,
                "Plan: {} to create, {} to wait or attach, {} unchanged.",
                count(|a| a == Action::Create),
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
