//! What a rule gets while it runs: a place to report findings and to say which facts it lacked.

use linkplan_model::Span;

use crate::finding::Finding;
use crate::rules::Rule;

/// A fact a rule needed but the plan does not declare (it is looked up online).
#[derive(Debug, Clone)]
pub(crate) struct MissingFact {
    /// Dotted path of the key that would hold it, e.g. `tidb.availability_zones`.
    pub(crate) key: &'static str,
    /// Where it would be declared: the key of the enclosing section.
    pub(crate) at: Span,
    pub(crate) rule: &'static str,
}

pub struct Context {
    rule: &'static Rule,
    pub(crate) findings: Vec<Finding>,
    pub(crate) missing: Vec<MissingFact>,
}

impl Context {
    pub(crate) fn new(rule: &'static Rule) -> Context {
        Context { rule, findings: Vec::new(), missing: Vec::new() }
    }

    pub(crate) fn set_rule(&mut self, rule: &'static Rule) {
        self.rule = rule;
    }

    /// A finding of the running rule, at its default severity.
    pub fn finding(&self, span: Span, message: impl Into<String>) -> Finding {
        Finding::new(self.rule.code, self.rule.severity, span, message)
    }

    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Records that the running rule could not check something because `key` is not declared.
    pub fn missing(&mut self, key: &'static str, at: Span) {
        self.missing.push(MissingFact { key, at, rule: self.rule.code });
    }
}
