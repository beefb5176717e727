//! Schema validation and lint rules for linkplan plan files.
//!
//! Public API: [`Linter`] (compile once, lint many files, from any thread), [`Options`],
//! [`FileReport`], [`Finding`] and [`Severity`], the rule registry ([`rules::RULES`],
//! [`rules::rule`]), rule selection as ruff has it ([`selection`]) and the machine-readable
//! [`output`] formats. The linter does no IO and
//! never fails on bad input: every problem in a file is a finding. [`Linter::lint_online`]
//! runs the same rules on the plan merged with the [`Live`] facts the caller observed (and the
//! online changefeed rules on what it saw of the cluster's changefeeds).

pub mod context;
pub mod facts;
pub mod finding;
pub mod output;
pub mod rules;
pub mod schema;
pub mod selection;
mod suppress;

use linkplan_model::yaml::NodeKind;
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

/// Live facts (`lint --online`): made by the engine from what it observed, merged by
/// [`Linter::lint_online`] where the plan has no value; [`LiveChangefeeds`] feeds the online
/// changefeed rules.
pub use linkplan_model::{Live, LiveChangefeeds, LiveFact, LiveValue};

/// The outcome for one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: String,
    /// The file's text, for rendering snippets; empty when the file has no findings. In a file
    /// that is not UTF-8 each byte that is not is a `?`, so offsets stay the file's.
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
            // The error's offsets are in the file's bytes, and so are the text's.
            let text = same_offsets_text(&bytes[..bytes.len().min(yaml::MAX_FILE_BYTES)]);
            let mut finding = rules::invalid_yaml::finding(&error);
            if let yaml::ParseError::NotUtf8 { offset } = error
                && let Some(byte) = bytes.get(offset)
            {
                finding.label = Some(format!("byte 0x{byte:02X}, shown as `?`"));
            }
            let findings = self.finish(&text, vec![finding], Vec::new());
            let text = if findings.is_empty() { String::new() } else { text };
            return FileReport { path, text, findings };
        }
        let text = String::from_utf8(bytes).unwrap_or_else(|e| same_offsets_text(e.as_bytes()));
        let findings = self.lint_text(&text);
        // Only findings need the text (for snippets); a clean file's is freed at once.
        let text = if findings.is_empty() { String::new() } else { text };
        FileReport { path, text, findings }
    }

    /// Lints a plan's text and returns its findings, ordered.
    pub fn lint_text(&self, text: &str) -> Vec<Finding> {
        match Document::parse(text) {
            Ok(document) => self.lint_document(text, &document),
            Err(error) => self.finish(text, vec![rules::invalid_yaml::finding(&error)], Vec::new()),
        }
    }

    /// Lints a plan with `live` facts merged in where it leaves them out: every rule runs on
    /// the merged plan, and a finding about a live value points at the key it was looked up by
    /// (its label says where the value came from). The online changefeed rules run only when
    /// `live.changefeeds` is there. `text` is the file as the user wrote it.
    pub fn lint_online(&self, path: String, text: String, live: &Live) -> FileReport {
        let findings = match Document::parse(&text) {
            Ok(original) => {
                // What the plan alone gets: labels go only on what the live values add.
                let offline = self.lint_document(&text, &original);
                let mut document = original;
                let mut merged = Vec::new();
                for fact in &live.facts {
                    let Some(span) = anchor(&document, &fact.from) else { continue };
                    let value = match &fact.value {
                        LiveValue::Str(v) => NodeKind::Str(v.clone()),
                        LiveValue::List(items) => NodeKind::Seq(
                            items.iter().map(|v| yaml::Node { span, kind: NodeKind::Str(v.clone()) }).collect(),
                        ),
                    };
                    if document.fill(&fact.path, value, span) {
                        merged.push((span, fact));
                    }
                }
                let mut findings = self.lint_with(&text, &document, live.changefeeds.as_ref());
                label_live(&mut findings, &offline, &merged);
                findings
            }
            Err(error) => self.finish(&text, vec![rules::invalid_yaml::finding(&error)], Vec::new()),
        };
        FileReport { path, text, findings }
    }

    /// Every check on a document the caller parsed from `text` (so a caller that also needs the
    /// document, as `plan` does, parses the file once).
    pub fn lint_document(&self, text: &str, document: &Document) -> Vec<Finding> {
        self.lint_with(text, document, None)
    }

    /// [`Linter::lint_document`], with what was observed of the cluster's changefeeds.
    fn lint_with(&self, text: &str, document: &Document, changefeeds: Option<&LiveChangefeeds>) -> Vec<Finding> {
        let mut findings: Vec<Finding> = document.problems().iter().map(rules::duplicate_key::finding).collect();
        let schema_findings = self.schema.check(document, &document.to_json());
        let mut ctx = Context::new(&RULES[0]);
        if let Some(plan) = PlanView::new(document) {
            let facts = facts::Facts::new(plan).with_changefeeds(changefeeds);
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
        let scalars = suppress::scalars_with_hash(text, document);
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

/// Labels say where a looked-up value came from, on the findings the live values brought (a
/// finding the plan alone already gets is about what the user wrote, even at the same span).
fn label_live(findings: &mut [Finding], offline: &[Finding], live: &[(Span, &LiveFact)]) {
    let source = |span: Span| live.iter().find(|(at, _)| *at == span).map(|(_, fact)| fact.source);
    for finding in findings {
        if offline.iter().any(|f| f.code == finding.code && f.span == finding.span && f.message == finding.message) {
            continue;
        }
        if let Some(source) = source(finding.span) {
            let own = finding.label.take().unwrap_or_default();
            finding.label = Some(format!("{own} (live, from {source})").trim_start().to_owned());
        }
        for (span, label) in &mut finding.related {
            if let Some(source) = source(*span) {
                label.push_str(&format!(" (live, from {source})"));
            }
        }
    }
}

/// The span of the value at the mapping path `path` (or of its nearest declared ancestor's key).
fn anchor(document: &Document, path: &[&str]) -> Option<Span> {
    let mut best = None;
    let mut node = document.root();
    for (depth, key) in path.iter().enumerate() {
        let Some(entry) = node.entry(key) else { break };
        best = Some(if depth + 1 == path.len() { entry.value.span } else { entry.key_span });
        node = &entry.value;
    }
    best
}

/// `bytes` as text with each byte that is not UTF-8 replaced by `?`: every offset, and so every
/// line and column, is the same as in the file (`from_utf8_lossy`'s U+FFFD is three bytes long).
fn same_offsets_text(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        text.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    text
}

/// The registry entry behind a finding's code.
pub fn rule_of(finding: &Finding) -> &'static rules::Rule {
    rules::rule(finding.code).unwrap_or_else(|| builtin(finding.code))
}
