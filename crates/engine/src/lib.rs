//! The engine: turn a plan file into converged resources on both clouds.
//!
//! Public API:
//! - [`Desired::from_plan`]: the typed desired state of a lint-clean [`linkplan_model::PlanView`];
//! - [`Engine::new`] (the two clients and a [`Clock`]) or [`Engine::from_env`],
//!   [`Engine::observe`] → [`Observed`];
//! - [`plan`] (pure) → [`StepPlan`] of [`Step`]s with stable [`StepId`]s, rendered with `Display`;
//! - [`destroy_plan`] (pure, the reverse; referenced resources and, unless asked, the Kafka
//!   cluster are kept), executed by the same [`Engine::apply`];
//! - [`Engine::apply`] with a [`Journal`] (which also holds the apply lock) and a [`Progress`] sink;
//!   [`Engine::apply_in`] for one plan of several applied together ([`fleet`]: shared steps run
//!   once, `--parallelism`; [`Engine::with_shared_reads`] observes them with shared lists);
//! - [`init::propose`] (pure) over [`Engine::survey`]: `linkplan init`'s choice of network and
//!   the plan file that adopts what exists; [`ZonePicture`], TiDB's zones against the network's;
//! - [`wait::wait_for`], the single polling loop; [`steps`], one module per [`StepKind`];
//! - [`EngineConfig`] (wait budgets), [`SetupError`], [`StepPlan::is_current`] (stale saved plans).
//!
//! Data flow: `PlanView → Desired`, `(Desired, clients) → Observed`, `(Desired, Observed) →
//! StepPlan` (pure), `StepPlan → apply → journal + resources`. Observed state is the truth; the
//! journal is a record and a hint.

mod apply;
pub mod cdc;
pub mod clock;
pub mod desired;
mod destroy;
mod diff;
pub mod doctor;
pub mod fleet;
pub mod init;
pub mod journal;
pub mod observe;
pub mod progress;
pub mod step;
pub mod steps;
pub mod wait;
pub mod zones;

use std::sync::Arc;
use std::time::Duration;

pub use apply::{ApplyError, ApplyReport};
pub use clock::{Clock, ManualClock, ScaledClock, SystemClock};
pub use desired::{Desired, DesiredError};
pub use destroy::{DestroyOptions, destroy_plan};
pub use diff::{choose_zones, overlapping_zones, plan, plan_with};
pub use fleet::{Conflict, DEFAULT_PARALLELISM, Fleet, Member, conflicts, keep_for, sharing, split_shared};
pub use journal::{Holder, Journal, JournalError, JournalStore, Loaded, LockInfo, Owned, Recovered};
pub use observe::{Drift, Known, ObserveError, Observed};
pub use progress::{Event, NoProgress, Progress};
pub use step::{
    Action, Blocker, Change, PlanOptions, SAVED_PLAN_KIND, SAVED_PLAN_VERSION, SavedPlan, SavedPlanError, Step, StepId,
    StepKind, StepPlan,
};
pub use steps::{StepError, StepOutcome};
pub use wait::{Acceptor, WaitPolicy};
pub use zones::ZonePicture;

/// How long to wait for each resource, and the PENDING_ACCEPTANCE grace period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineConfig {
    pub network: WaitPolicy,
    pub access: WaitPolicy,
    pub cluster: WaitPolicy,
    pub connection: WaitPolicy,
    pub domains: WaitPolicy,
    pub changefeed: WaitPolicy,
    /// A connection still PENDING_ACCEPTANCE after this long fails: nobody accepted its endpoint.
    pub pending_acceptance_grace: Duration,
}

impl EngineConfig {
    /// Budgets from the vendor docs (a network or cluster can take hours). The network and the
    /// cluster poll patiently (2 s up to a minute, 14 % late at most); the access, connection,
    /// domains and changefeed, one after another on the critical path, briskly (up to 30 s,
    /// 7 %): see [`wait`](crate::wait).
    pub fn standard() -> EngineConfig {
        let patient = |m: u64| WaitPolicy::patient(Duration::from_secs(m * 60));
        let brisk = |m: u64| WaitPolicy::brisk(Duration::from_secs(m * 60));
        EngineConfig {
            network: patient(180),
            access: brisk(60),
            cluster: patient(360),
            connection: brisk(60),
            domains: brisk(30),
            changefeed: brisk(30),
            pending_acceptance_grace: Duration::from_secs(10 * 60),
        }
    }
}

/// Reads an environment variable (the process's, or a test's).
pub type EnvLookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// The two vendor clients, the clock and the wait budgets. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub(crate) confluent: linkplan_confluent::Client,
    pub(crate) tidb: linkplan_tidbcloud::Client,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: EngineConfig,
    /// Where user-supplied Kafka credentials are read from (the process environment unless
    /// [`Engine::with_env`] says otherwise).
    pub(crate) env: Arc<EnvLookup>,
    /// Observation's list requests shared by the plans of one run ([`Engine::with_shared_reads`]).
    pub(crate) reads: Option<Arc<fleet::Reads>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("confluent", &self.confluent)
            .field("tidb", &self.tidb)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The clients could not be configured (missing keys, a bad base URL).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// API key variables that are not set, or empty: every one of them, both vendors'.
    #[error("{}", missing_keys_message(.missing, .empty))]
    MissingKeys { missing: Vec<&'static str>, empty: Vec<&'static str> },
    #[error("Confluent Cloud client: {0}")]
    Confluent(linkplan_confluent::ConfigError),
    #[error("TiDB Cloud client: {0}")]
    Tidb(linkplan_tidbcloud::ConfigError),
}

fn missing_keys_message(missing: &[&str], empty: &[&str]) -> String {
    let list = |names: &[&str]| names.join(", ");
    match (missing, empty) {
        ([], empty) => format!("API key variables set but empty: {}", list(empty)),
        (missing, []) => format!("API key variables not set: {}", list(missing)),
        (missing, empty) => format!("API key variables not set: {}; set but empty: {}", list(missing), list(empty)),
    }
}

/// The variables both clients need, in the order users set them.
const KEY_VARIABLES: [&str; 4] = [
    linkplan_confluent::ENV_API_KEY,
    linkplan_confluent::ENV_API_SECRET,
    linkplan_tidbcloud::ENV_PUBLIC_KEY,
    linkplan_tidbcloud::ENV_PRIVATE_KEY,
];

impl SetupError {
    /// Whether an API key variable is missing or empty (rather than a bad URL or key).
    pub fn is_missing_key(&self) -> bool {
        use linkplan_confluent::ConfigError as C;
        matches!(
            self,
            SetupError::MissingKeys { .. }
                | SetupError::Confluent(C::MissingEnv { .. } | C::EmptyEnv { .. })
                | SetupError::Tidb(C::MissingEnv { .. } | C::EmptyEnv { .. })
        )
    }

    /// Whether a base URL is unusable (does not parse, or `http://` to a host off loopback).
    pub fn is_bad_url(&self) -> bool {
        // One type: both clients re-export `linkplan_http::ConfigError`.
        use linkplan_confluent::ConfigError as C;
        match self {
            SetupError::Confluent(e) | SetupError::Tidb(e) => matches!(e, C::InvalidUrl { .. } | C::Insecure { .. }),
            SetupError::MissingKeys { .. } => false,
        }
    }
}

impl Engine {
    /// Both clients from the vendors' usual variables (`CONFLUENT_CLOUD_API_KEY`, …, and the
    /// `LINKPLAN_*_URL` overrides), read through `lookup`.
    pub fn from_env(lookup: &dyn Fn(&str) -> Option<String>, clock: Arc<dyn Clock>) -> Result<Engine, SetupError> {
        let value = |name: &str| lookup(name).map(|v| v.trim().is_empty());
        let missing: Vec<&'static str> = KEY_VARIABLES.into_iter().filter(|n| value(n).is_none()).collect();
        let empty: Vec<&'static str> = KEY_VARIABLES.into_iter().filter(|n| value(n) == Some(true)).collect();
        if !missing.is_empty() || !empty.is_empty() {
            return Err(SetupError::MissingKeys { missing, empty });
        }
        let confluent = linkplan_confluent::ClientBuilder::from_env(lookup)
            .and_then(linkplan_confluent::ClientBuilder::build)
            .map_err(SetupError::Confluent)?;
        let tidb = linkplan_tidbcloud::ClientBuilder::from_env(lookup)
            .and_then(linkplan_tidbcloud::ClientBuilder::build)
            .map_err(SetupError::Tidb)?;
        Ok(Engine::new(confluent, tidb, clock))
    }

    pub fn new(
        confluent: linkplan_confluent::Client,
        tidb: linkplan_tidbcloud::Client,
        clock: Arc<dyn Clock>,
    ) -> Engine {
        Engine {
            confluent,
            tidb,
            clock,
            config: EngineConfig::standard(),
            env: Arc::new(|name: &str| std::env::var(name).ok()),
            reads: None,
        }
    }

    /// This engine, observing for several plans at once: the list requests they have in common
    /// (the environment, the networks, a network's accesses and Kafka clusters) are made once,
    /// the first plan's answer serving the others. For one run's observation only: apply and
    /// its waits always ask afresh.
    pub fn with_shared_reads(&self) -> Engine {
        let mut engine = self.clone();
        engine.reads = Some(Arc::new(fleet::Reads::default()));
        engine
    }

    /// How many requests had to wait for room in each key's budget, and the 429s seen:
    /// `(confluent, tidb)`, each `(waited, refused)`.
    pub fn budget_counts(&self) -> ((u64, u64), (u64, u64)) {
        (self.confluent.budget().counts(), self.tidb.budget().counts())
    }

    /// Read user-supplied Kafka credentials (`changefeed.credentials.api_key_env`, …) through
    /// `lookup` instead of the process environment.
    pub fn with_env(mut self, lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Engine {
        self.env = Arc::new(lookup);
        self
    }

    pub fn with_config(mut self, config: EngineConfig) -> Engine {
        self.config = config;
        self
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }
}
