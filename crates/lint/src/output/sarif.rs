//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! Hand-written serde structs for the parts used: `serde-sarif` needs a build-time code
//! generator and does not compile on its own (see ARCHITECTURE.md). A test validates the
//! output against the official SARIF 2.1.0 schema.
//!
//! Columns count Unicode code points, as in every other format, and the run says so with
//! `columnKind: unicodeCodePoints` (SARIF's default is UTF-16 code units); `byteOffset` and
//! `byteLength` are in the file's bytes.

use serde::Serialize;

use super::Locator;
use crate::rules::{RULES, Rule};
use crate::{FileReport, Severity};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
struct Run {
    tool: Tool,
    results: Vec<SarifResult>,
    #[serde(rename = "columnKind")]
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: &'static str,
    short_description: Message,
    full_description: Message,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    byte_offset: usize,
    byte_length: usize,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn descriptor(rule: &'static Rule) -> ReportingDescriptor {
    let doc = rule.doc();
    ReportingDescriptor {
        id: rule.code,
        name: rule.name,
        short_description: Message { text: rule.summary() },
        full_description: Message { text: rule.summary() },
        help: Help { text: doc.clone(), markdown: doc },
        help_uri: rule.url(),
        default_configuration: Configuration { level: level(rule.severity) },
    }
}

/// Renders the reports as one SARIF 2.1.0 log with one run.
pub fn render(reports: &[FileReport]) -> String {
    let mut results = Vec::new();
    for report in reports.iter().filter(|r| !r.findings.is_empty()) {
        let locator = Locator::new(report);
        let artifact = artifact(&report.path);
        let location = |span: linkplan_model::Span, id: Option<usize>, message: Option<&str>| {
            let p = locator.position(span);
            Location {
                id,
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri: artifact.0.clone(), uri_base_id: artifact.1 },
                    region: Region {
                        start_line: p.line,
                        start_column: p.column,
                        end_line: p.end_line,
                        end_column: p.end_column,
                        byte_offset: span.start,
                        byte_length: span.len(),
                    },
                },
                message: message.map(|m| Message { text: m.to_owned() }),
            }
        };
        for finding in &report.findings {
            let rule_index = RULES.iter().position(|r| r.code == finding.code).unwrap_or(0);
            let mut text = finding.message.clone();
            if let Some(help) = &finding.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            results.push(SarifResult {
                rule_id: finding.code,
                rule_index,
                level: level(finding.severity),
                message: Message { text },
                locations: vec![location(finding.span, None, finding.label.as_deref())],
                related_locations: finding
                    .related
                    .iter()
                    .enumerate()
                    .map(|(idx, (span, label))| location(*span, Some(idx), Some(label)))
                    .collect(),
            });
        }
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "linkplan",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: RULES.iter().map(descriptor).collect(),
                },
            },
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// A URI reference for a path: relative paths against `%SRCROOT%`, absolute ones as `file://`.
fn artifact(path: &str) -> (String, Option<&'static str>) {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    if path.starts_with('/') { (format!("file://{}", encode(path)), None) } else { (encode(path), Some("%SRCROOT%")) }
}

fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn artifact_uris() {
        assert_eq!(super::artifact("./plans/a b.yaml"), ("plans/a%20b.yaml".to_owned(), Some("%SRCROOT%")));
        assert_eq!(super::artifact("/tmp/x.yaml").0, "file:///tmp/x.yaml");
    }
}
