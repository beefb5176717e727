//! Live facts: values a vendor API reports for keys a plan may leave out (TiDB's region, zones
//! and account, the network's zones and endpoint service, the cluster's type). The engine makes
//! them from what it observed; the linter merges them into the plan where it has no value, so
//! every rule checks them as if they had been declared. [`Live`] bundles them with what the
//! engine saw of the cluster's changefeeds ([`LiveChangefeeds`]), which no plan key holds.

/// A value observed on a live API, for one plan key. Declared values always win; a declared
/// value that disagrees with the live one is drift, the engine's business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFact {
    /// Where it goes in the plan, e.g. `["tidb", "availability_zones"]`.
    pub path: Vec<&'static str>,
    pub value: LiveValue,
    /// The declared key whose lookup produced it (`["tidb", "cluster_id"]`): findings about the
    /// live value point there.
    pub from: Vec<&'static str>,
    /// Who said so, e.g. `TiDB Cloud`.
    pub source: &'static str,
}

/// A live value: text or a list of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveValue {
    Str(String),
    List(Vec<String>),
}

/// What the engine observed about changefeeds on the plan's TiDB cluster, for the online
/// changefeed rules (CF101–CF104).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveChangefeeds {
    /// The display names of the cluster's other changefeeds (not the plan's own, not DELETED):
    /// TiDB allows ten per cluster.
    pub others: Vec<String>,
    /// The cluster's GC safe point in Unix milliseconds (`:describeSchemaTable`'s
    /// `gcSafePoint`): a changefeed cannot start before it. Leave it `None` once the plan's
    /// changefeed exists: its start position no longer matters, and the safe point moves past it.
    pub gc_safe_point_ms: Option<u64>,
    /// The tables the plan's filter matches that have a handle key (a primary key or a not-null
    /// unique key), as `db.table` (`:describeSchemaTable`'s `handleKeyTables`).
    pub handle_key_tables: Vec<String>,
    /// The matched tables without one, as `db.table` (`nonHandleKeyTables`). Both lists empty
    /// means the filter matched no table: when the tables could not be described, leave
    /// [`Live::changefeeds`] `None` instead.
    pub non_handle_key_tables: Vec<String>,
}

/// Everything the engine observed that the linter checks: live facts for plan keys, and what it
/// saw of the cluster's changefeeds (`None`: not observed, and the online changefeed rules do
/// not run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Live {
    pub facts: Vec<LiveFact>,
    pub changefeeds: Option<LiveChangefeeds>,
}

impl Live {
    /// Live facts only (no changefeed observations).
    pub fn from_facts(facts: Vec<LiveFact>) -> Live {
        Live { facts, changefeeds: None }
    }
}
