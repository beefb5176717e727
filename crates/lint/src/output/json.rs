//! `--format json`: a stable document, version 1. Documented in `docs/json-output.md`.
//!
//! ```json
//! {"version": 1, "tool": {"name": "linkplan", "version": "0.1.0"},
//!  "summary": {"files": 1, "files_with_findings": 1, "errors": 1, "warnings": 0, "infos": 0},
//!  "files": [{"path": "plan.yaml", "findings": [{"code": "AZ001", "name": "az-name-instead-of-id",
//!    "severity": "error", "message": "…", "label": "…", "help": "…", "url": "…",
//!    "location": {"line": 9, "column": 25, "end_line": 9, "end_column": 35, "offset": 201, "length": 10},
//!    "related": [{"label": "…", "location": {…}}]}]}]}
//! ```
//! Fields are only added, never renamed or removed, within version 1.

use serde::Serialize;

use super::{Locator, Summary};
use crate::{FileReport, Severity, rule_of};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    files: Vec<File<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct File<'a> {
    path: &'a str,
    findings: Vec<Finding<'a>>,
}

#[derive(Serialize)]
struct Finding<'a> {
    code: &'a str,
    name: &'a str,
    severity: Severity,
    message: &'a str,
    label: Option<&'a str>,
    help: Option<&'a str>,
    url: String,
    location: Location,
    related: Vec<Related<'a>>,
}

#[derive(Serialize)]
struct Related<'a> {
    label: &'a str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    offset: usize,
    length: usize,
}

fn location(locator: &Locator<'_>, span: linkplan_model::Span) -> Location {
    let p = locator.position(span);
    Location {
        line: p.line,
        column: p.column,
        end_line: p.end_line,
        end_column: p.end_column,
        offset: span.start,
        length: span.len(),
    }
}

/// Renders the reports as pretty-printed JSON.
pub fn render(reports: &[FileReport]) -> String {
    let files = reports
        .iter()
        .map(|report| {
            let locator = Locator::new(report);
            let findings = report
                .findings
                .iter()
                .map(|f| {
                    let rule = rule_of(f);
                    Finding {
                        code: f.code,
                        name: rule.name,
                        severity: f.severity,
                        message: &f.message,
                        label: f.label.as_deref(),
                        help: f.help.as_deref(),
                        url: rule.url(),
                        location: location(&locator, f.span),
                        related: f
                            .related
                            .iter()
                            .map(|(span, label)| Related { label, location: location(&locator, *span) })
                            .collect(),
                    }
                })
                .collect();
            File { path: &report.path, findings }
        })
        .collect();
    let document = Document {
        version: 1,
        tool: Tool { name: "linkplan", version: env!("CARGO_PKG_VERSION") },
        summary: Summary::of(reports),
        files,
    };
    serde_json::to_string_pretty(&document).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
