//! Schema validation and lint rules for linkplan plan files.
//!
//! Public API: [`Linter`] (compile once, lint many files, from any thread), [`Options`],
//! [`FileReport`], [`Finding`] and [`Severity`], the rule registry ([`rules::RULES`],
//! [`rules::rule`]) and the machine-readable [`output`] formats. The linter does no IO and
//! never fails on bad input: every problem in a file is a finding.

pub mod context;
pub mod facts;
pub mod finding;
pub mod output;
pub mod rules;
pub mod schema;
mod suppress;

use linkplan_model::{Document, LineIndex, PlanView, Span, yaml};

pub use finding::{FileDiagnostic, FileSource, Finding, Severity};
pub use schema::Schema;

use crate::context::Context;
use crate::rules::{RULES, builtin};

/// Which rules run and which severities fail the run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Only these codes (`None`: all).
    pub select: Option<Vec<&'static str>>,
    /// Never these codes.
    pub ignore: Vec<&'static str>,
    /// Findings at or above this severity are raised to errors (`--deny warnings`).
    pub deny: Severity,
}

impl Default for Options {
    fn default() -> Options {
        Options { select: None, ignore: Vec::new(), deny: Severity::Error }
    }
}

impl Options {
    pub fn is_enabled(&self, code: &str) -> bool {
        self.select.as_ref().is_none_or(|s| s.contains(&code)) && !self.ignore.contains(&code)
    }
}

/// The outcome for one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: String,
    /// The file's text (lossy when it was not UTF-8), for rendering snippets; empty when the
    /// file has no findings.
    pub text: String,
    /// Ordered by position, then code.
    pub findings: Vec<Finding>,
}

impl FileReport {
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    pub fn source(&self) -> FileSource<'_> {
        FileSource { name: &self.path, text: &self.text }
    }

    /// Each finding as a miette diagnostic, with a link to the rule's page when `urls`.
    pub fn diagnostics(&self, urls: bool) -> impl Iterator<Item = FileDiagnostic<'_>> {
        self.findings.iter().map(move |finding| FileDiagnostic {
            finding,
            source: self.source(),
            url: if urls { rules::rule(finding.code).map(rules::Rule::url) } else { None },
        })
    }
}

/// Errors setting up the linter (never about a plan file).
#[derive(Debug, thiserror::Error)]
pub enum LintError {
    #[error("{0}")]
    Schema(String),
}

/// The linter: the compiled schema and the options. `Sync`, so threads can share one.
#[derive(Debug)]
pub struct Linter {
    schema: Schema,
    options: Options,
}

impl Linter {
    pub fn new(options: Options) -> Result<Linter, LintError> {
        Ok(Linter { schema: Schema::plan().map_err(LintError::Schema)?, options })
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Lints a file's raw bytes without copying them when they are UTF-8.
    pub fn lint_bytes(&self, path: String, bytes: Vec<u8>) -> FileReport {
        if let Err(error) = yaml::text_from_bytes(&bytes) {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(yaml::MAX_FILE_BYTES)]).into_owned();
            let mut finding = rules::invalid_yaml::finding(&error);
            if let yaml::ParseError::NotUtf8 { offset } | yaml::ParseError::Binary { offset } = error {
                finding.span = lossy_span(&text, &bytes, offset);
            }
            let findings = self.finish(&text, vec![finding], Vec::new());
            return FileReport { path, text, findings };
        }
        match String::from_utf8(bytes) {
            Ok(text) => {
                let findings = self.lint_text(&text);
                // Only findings need the text (for snippets); a clean file's is freed at once.
                let text = if findings.is_empty() { String::new() } else { text };
                FileReport { path, text, findings }
            }
            Err(e) => {
                FileReport { path, text: String::from_utf8_lossy(e.as_bytes()).into_owned(), findings: Vec::new() }
            }
        }
    }

    /// Lints a plan's text and returns its findings, ordered.
    pub fn lint_text(&self, text: &str) -> Vec<Finding> {
        let document = match Document::parse(text) {
            Ok(document) => document,
            Err(error) => {
                return self.finish(text, vec![rules::invalid_yaml::finding(&error)], Vec::new());
            }
        };
        let mut findings: Vec<Finding> = document.problems().iter().map(rules::duplicate_key::finding).collect();
        let schema_findings = self.schema.check(&document, &document.to_json());
        let mut ctx = Context::new(&RULES[0]);
        if let Some(plan) = PlanView::new(&document) {
            let facts = facts::Facts::new(plan);
            for rule in RULES.iter().filter(|r| self.options.is_enabled(r.code)) {
                if let Some(check) = rule.check {
                    ctx.set_rule(rule);
                    check(&mut ctx, &facts);
                }
            }
        }
        // A rule's finding on a value says more than the schema's on the same value.
        let covered: Vec<Span> = ctx.findings.iter().map(|f| f.span).collect();
        findings.extend(schema_findings.into_iter().filter(|f| !covered.contains(&f.span)));
        findings.append(&mut ctx.findings);
        findings.extend(rules::fact_not_declared::findings(&ctx.missing));
        let scalars = suppress::scalars_with_hash(text, &document);
        self.finish(text, findings, suppress::parse(text, &scalars))
    }

    /// Applies suppressions, selection and `--deny`, and orders the findings.
    fn finish(&self, text: &str, mut findings: Vec<Finding>, suppressions: Vec<suppress::Suppression>) -> Vec<Finding> {
        findings.retain(|f| self.options.is_enabled(f.code));
        if !suppressions.is_empty() {
            let lines = LineIndex::new(text);
            let extra = suppress::apply(&mut findings, &suppressions, &lines, text, |c| self.options.is_enabled(c));
            findings.extend(extra.into_iter().filter(|f| self.options.is_enabled(f.code)));
        }
        for finding in &mut findings {
            if finding.severity >= self.options.deny {
                finding.severity = Severity::Error;
            }
        }
        findings.sort_by(|a, b| a.span.start.cmp(&b.span.start).then(a.code.cmp(b.code)));
        findings
    }
}

/// The span of the character at byte `offset` of `bytes`, in their lossy UTF-8 `text`.
fn lossy_span(text: &str, bytes: &[u8], offset: usize) -> Span {
    let mut start = String::from_utf8_lossy(&bytes[..offset.min(bytes.len())]).len().min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    Span::new(start, start + text[start..].chars().next().map_or(0, char::len_utf8))
}

/// The registry entry behind a finding's code.
pub fn rule_of(finding: &Finding) -> &'static rules::Rule {
    rules::rule(finding.code).unwrap_or_else(|| builtin(finding.code))
}
