//! Registry-driven rule tests: every rule's fixtures, snapshots and documentation.
//!
//! For each rule, `fixtures/lint/<CODE>/fail_*.yaml` must produce findings of that rule on the
//! lines its `# Should emit: CODE on lines …` header names, and each rendered finding is
//! snapshotted; `pass_*.yaml` must produce no finding of any rule. A fixture with `# Live:`
//! lines is linted online, with those lines' JSON as what the engine saw of the changefeeds.

use std::path::{Path, PathBuf};

use linkplan_model::{Live, LiveChangefeeds};
use serde::Deserialize;

use super::RULES;
use crate::output::human;
use crate::{FileReport, Linter, Options};

/// The `# Live:` JSON of a fixture: [`LiveChangefeeds`], field for field.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct LiveJson {
    others: Vec<String>,
    gc_safe_point_ms: Option<u64>,
    handle_key_tables: Vec<String>,
    non_handle_key_tables: Vec<String>,
}

/// The live data a fixture carries: its `# Live:` lines joined, as JSON (`None` without any).
fn live_of(text: &str) -> Option<Live> {
    let json: String = text.lines().filter_map(|l| l.strip_prefix("# Live:")).collect::<Vec<_>>().join(" ");
    if json.is_empty() {
        return None;
    }
    let parsed: LiveJson = serde_json::from_str(&json).unwrap_or_else(|e| panic!("`# Live:` is not valid: {e}"));
    let changefeeds = LiveChangefeeds {
        others: parsed.others,
        gc_safe_point_ms: parsed.gc_safe_point_ms,
        handle_key_tables: parsed.handle_key_tables,
        non_handle_key_tables: parsed.non_handle_key_tables,
    };
    Some(Live { facts: Vec::new(), changefeeds: Some(changefeeds) })
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/lint")
}

fn fixtures(code: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir().join(code))
        .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn lint(path: &Path, options: Options) -> FileReport {
    let linter = match Linter::new(options) {
        Ok(linter) => linter,
        Err(e) => panic!("linter: {e}"),
    };
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // Repository-relative, so snapshots do not depend on where the checkout is.
    let parts: Vec<String> = path.iter().rev().take(2).map(|p| p.to_string_lossy().into_owned()).collect();
    let name = match parts.as_slice() {
        [file, dir] => format!("fixtures/lint/{dir}/{file}"),
        _ => path.display().to_string(),
    };
    let live = std::str::from_utf8(&bytes).ok().and_then(live_of);
    match live {
        Some(live) => {
            let mut report = linter.lint_online(name, String::from_utf8_lossy(&bytes).into_owned(), &live);
            if report.findings.is_empty() {
                report.text.clear();
            }
            report
        }
        None => linter.lint_bytes(name, bytes),
    }
}

/// Renders findings the way `linkplan lint` does without colour, at width 80.
pub(crate) fn render(report: &FileReport) -> String {
    let renderer = human::Renderer::new(human::Style { color: false, width: 80 });
    let mut out = String::new();
    for finding in &report.findings {
        renderer.finding(&mut out, report, finding);
    }
    out
}

fn expected_lines(text: &str, code: &str) -> Vec<usize> {
    let header = text.lines().find_map(|l| l.strip_prefix("# Should emit:")).unwrap_or_default();
    let rest = header.trim().strip_prefix(code).unwrap_or_default();
    rest.trim()
        .trim_start_matches("on lines")
        .trim_start_matches("on line")
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

#[test]
fn every_rule_has_failing_and_passing_fixtures() {
    for rule in RULES {
        let files = fixtures(rule.code);
        let name = |p: &PathBuf| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        assert!(files.iter().any(|f| name(f).starts_with("fail_")), "{} has no fail_*.yaml fixture", rule.code);
        assert!(files.iter().any(|f| name(f).starts_with("pass_")), "{} has no pass_*.yaml fixture", rule.code);
    }
}

#[test]
fn failing_fixtures_emit_on_the_named_lines() {
    for rule in RULES {
        for path in fixtures(rule.code) {
            let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if !file_name.starts_with("fail_") {
                continue;
            }
            // All rules run (suppression and missing-fact findings depend on the others), and
            // only this rule's findings are kept.
            let mut report = lint(&path, Options::default());
            report.findings.retain(|f| f.code == rule.code);
            let index = linkplan_model::LineIndex::new(&report.text);
            let lines: Vec<usize> =
                report.findings.iter().map(|f| index.line_col(&report.text, f.span.start).0).collect();
            assert!(!lines.is_empty(), "{}: no {} finding", path.display(), rule.code);
            assert_eq!(
                lines,
                expected_lines(&report.text, rule.code),
                "{}: lines of {} findings",
                path.display(),
                rule.code
            );
            insta::assert_snapshot!(format!("{}_{}", rule.code, file_name), render(&report));
        }
    }
}

#[test]
fn passing_fixtures_are_clean() {
    for rule in RULES {
        for path in fixtures(rule.code) {
            let is_pass = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("pass_"));
            if is_pass {
                let report = lint(&path, Options::default());
                assert!(report.findings.is_empty(), "{} is not clean:\n{}", path.display(), render(&report));
            }
        }
    }
}

#[test]
fn codes_and_names_are_unique_and_ordered() {
    for pair in RULES.windows(2) {
        assert!(pair[0].code < pair[1].code, "{} must come before {}", pair[0].code, pair[1].code);
    }
    let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), RULES.len(), "rule names must be unique");
}

#[test]
fn every_rule_is_documented() {
    for rule in RULES {
        let doc = rule.doc();
        for section in
            ["## What it does", "## Why is this bad?", "## Example", "Use instead:", "## Needs", "## References"]
        {
            assert!(doc.contains(section), "{} ({}) lacks `{section}` in its module docs", rule.code, rule.name);
        }
        assert!(!rule.summary().is_empty(), "{} has no summary", rule.code);
    }
}

#[test]
fn the_example_plans_are_clean() {
    for plan in ["examples/orders-cdc.yaml", "fixtures/plans/changefeed.yaml"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(plan);
        let report = lint(&path, Options::default());
        assert!(report.findings.is_empty(), "{plan}:\n{}", render(&report));
    }
}

/// A finding should be made once, by the rule that knows most: these fixtures break one thing,
/// and only the named rule may report it.
#[test]
fn one_mistake_one_finding() {
    for (fixture, code) in [
        ("RG003/fail_region_typo.yaml", "RG003"),
        ("RG002/fail_whole_network_in_us_west_2.yaml", "RG002"),
        ("NW001/fail_peering_network.yaml", "NW001"),
        ("PL004/fail_lowercase_connection_type.yaml", "PL004"),
        ("CF001/fail_special_and_unsupported.yaml", "CF001"),
        ("CF001/fail_quoting_and_spaces.yaml", "CF001"),
        ("CF002/fail_prefix_characters.yaml", "CF002"),
        ("CF002/fail_empty_prefix.yaml", "CF002"),
        ("CF002/fail_dots.yaml", "CF002"),
        ("CF004/fail_not_a_scalar.yaml", "CF004"),
        ("CF004/fail_unix_seconds.yaml", "CF004"),
        ("CF004/fail_uppercase_now.yaml", "CF004"),
        ("CF005/fail_avro.yaml", "CF005"),
        ("CF007/fail_replication_factor_1.yaml", "CF007"),
        ("CF008/fail_not_a_variable_name.yaml", "CF008"),
    ] {
        let report = lint(&fixtures_dir().join(fixture), Options::default());
        let codes: Vec<&str> = report.findings.iter().map(|f| f.code).collect();
        assert!(codes.iter().all(|c| *c == code), "{fixture}: {codes:?}\n{}", render(&report));
    }
}

#[test]
fn generated_rule_docs_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
    for (name, contents) in super::generated_docs() {
        let on_disk = std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
        assert!(on_disk == contents, "docs/rules/{name} is not up to date: run `cargo xtask codegen`");
    }
}
