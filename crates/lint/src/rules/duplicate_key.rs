//! ## What it does
//! Flags a key that appears twice in the same mapping.
//!
//! ## Why is this bad?
//! YAML forbids duplicate keys, but many tools quietly keep the last value, so a reviewer reads
//! one region while the tool uses another. linkplan keeps the first value, checks the rest of
//! the file, and reports the duplicate.
//!
//! ## Example
//! ```yaml
//! tidb:
//!   region: us-east-1
//!   cluster_id: "10140100115280519574"
//!   region: us-west-2
//! ```
//!
//! Use instead:
//! ```yaml
//! tidb:
//!   region: us-east-1
//!   cluster_id: "10140100115280519574"
//! ```
//!
//! ## Needs
//! Only the file.
//!
//! ## References
//! - YAML 1.2.2, §3.2.1.1 "mapping keys are unique"

use linkplan_model::Problem;

use crate::finding::Finding;
use crate::rules::builtin;

/// PL002: the finding for a duplicate key.
pub(crate) fn finding(problem: &Problem) -> Finding {
    let rule = builtin("PL002");
    match problem {
        Problem::DuplicateKey { key, first, duplicate } => {
            Finding::new(rule.code, rule.severity, *duplicate, format!("duplicate key `{key}`"))
                .with_label("defined again here")
                .with_related(*first, "first defined here")
                .with_help("remove one of them; linkplan uses the first")
        }
    }
}
