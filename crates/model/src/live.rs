//! Live facts: values a vendor API reports for keys a plan may leave out (TiDB's region, zones
//! and account, the network's zones and endpoint service, the cluster's type). The engine makes
//! them from what it observed; the linter merges them into the plan where it has no value, so
//! every rule checks them as if they had been declared.

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
