//! The output formats: `human` (miette's snippets, the default) and the machine-readable
//! `json`, `sarif`, `github` and `junit`. Each is a pure function from reports to text; the CLI
//! prints it. Every format locates a span the same way ([`Locator`]).

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use linkplan_model::{LineIndex, Span};

use crate::FileReport;

/// 1-based start and end positions of a span (end exclusive). Lines end at `\n`; columns count
/// Unicode code points (not bytes, not UTF-16 code units), one per byte that is not UTF-8 (such
/// a byte is one `?` in [`FileReport::text`]). Every format uses these, the human header too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// Turns spans of one file into line/column positions.
pub struct Locator<'a> {
    text: &'a str,
    lines: LineIndex,
}

impl<'a> Locator<'a> {
    pub fn new(report: &'a FileReport) -> Locator<'a> {
        Locator { text: &report.text, lines: LineIndex::new(&report.text) }
    }

    pub fn position(&self, span: Span) -> Position {
        let (line, column) = self.lines.line_col(self.text, span.start);
        let (end_line, end_column) = self.lines.line_col(self.text, span.end);
        Position { line, column, end_line, end_column }
    }
}

/// Counts of findings by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub files: usize,
    pub files_with_findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Summary {
        let mut summary = Summary { files: reports.len(), ..Summary::default() };
        for report in reports {
            if !report.findings.is_empty() {
                summary.files_with_findings += 1;
            }
            for finding in &report.findings {
                match finding.severity {
                    crate::Severity::Error => summary.errors += 1,
                    crate::Severity::Warning => summary.warnings += 1,
                    crate::Severity::Info => summary.infos += 1,
                }
            }
        }
        summary
    }
}
