//! Findings: what the linter reports, and how miette renders one against its file.

use std::fmt;

use linkplan_model::{LineIndex, Span};
use miette::{Diagnostic, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SpanContents};
use serde::Serialize;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The primary location: the offending key or value.
    pub span: Span,
    /// Text under the primary span.
    pub label: Option<String>,
    /// Other places that explain the finding (the other side of a mismatch, the first key…).
    pub related: Vec<(Span, String)>,
    pub help: Option<String>,
}

impl Finding {
    pub fn new(code: &'static str, severity: Severity, span: Span, message: impl Into<String>) -> Finding {
        Finding { code, severity, message: message.into(), span, label: None, related: Vec::new(), help: None }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Finding {
        self.label = Some(label.into());
        self
    }

    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Finding {
        self.related.push((span, label.into()));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }
}

/// A finding together with its file, ready for miette's report handlers.
#[derive(Debug)]
pub struct FileDiagnostic<'a> {
    pub finding: &'a Finding,
    pub source: FileSource<'a>,
    pub url: Option<String>,
}

impl fmt::Display for FileDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for FileDiagnostic<'_> {}

impl Diagnostic for FileDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.finding.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.finding.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.url.as_ref().map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let finding = self.finding;
        let primary =
            LabeledSpan::new_primary_with_span(finding.label.clone(), (finding.span.start, finding.span.len()));
        let related = finding
            .related
            .iter()
            .map(|(span, text)| LabeledSpan::new_with_span(Some(text.clone()), (span.start, span.len())));
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}

/// A file's name and text as a miette source.
#[derive(Debug, Clone, Copy)]
pub struct FileSource<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl SourceCode for FileSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self.text.read_span(span, context_lines_before, context_lines_after)?;
        // miette counts the snippet header's column in bytes (and a lone `\r` as a line break);
        // every other format counts code points on `\n` lines: the header says the same.
        let (line, column) = LineIndex::new(self.text).line_col(self.text, inner.span().offset());
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_owned(),
            inner.data(),
            *inner.span(),
            line.saturating_sub(1),
            column.saturating_sub(1),
            inner.line_count(),
        )))
    }
}
