//! Property tests: generated and mutated plans never panic, never hang, and every finding
//! points inside its file, in every output format (human, json, sarif, github, junit).
//!
//! Bounded for CI: `PROPTEST_CASES` (default 256 per property) sets the number of cases.

use std::time::{Duration, Instant};

use linkplan_lint::output::human::{self, Style};
use linkplan_lint::output::{github, json, junit, sarif};
use linkplan_lint::{FileReport, Linter, Options};
use proptest::prelude::*;

const EXAMPLE: &str = include_str!("../../../examples/orders-cdc.yaml");

/// Characters that matter to YAML, plus a few multi-byte ones.
const ALPHABET: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "-",
    "&a",
    "*a",
    "!",
    "!!str ",
    "|",
    ">",
    "'",
    "\"",
    "#",
    "\n",
    "\t",
    " ",
    "  ",
    "?",
    "%",
    "@",
    "`",
    "---\n",
    "...\n",
    "é",
    "🦀",
    "\u{feff}",
    "0",
    "us-east-1a",
    "use1-az9",
    "<<: *a\n",
    "\\",
    "\r\n",
];

#[derive(Debug, Clone)]
enum Edit {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    DuplicateLine { line: usize },
    SwapLines { a: usize, b: usize },
    Truncate { at: usize },
}

fn edit() -> impl Strategy<Value = Edit> {
    let piece = proptest::collection::vec(proptest::sample::select(ALPHABET), 1..6).prop_map(|p| p.concat());
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), piece).prop_map(|(at, text)| Edit::Insert { at, text }),
        any::<usize>().prop_map(|line| Edit::DuplicateLine { line }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines { a, b }),
        any::<usize>().prop_map(|at| Edit::Truncate { at }),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for edit in edits {
        let n = bytes.len().max(1);
        match edit {
            Edit::Delete { at, len } => {
                let start = at % n;
                let end = (start + len).min(bytes.len());
                if start < end {
                    bytes.drain(start..end);
                }
            }
            Edit::Insert { at, text } => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, text.bytes());
            }
            Edit::DuplicateLine { line } | Edit::SwapLines { a: line, .. } if bytes.is_empty() => {
                let _ = line;
            }
            Edit::DuplicateLine { line } => {
                let mut lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
                let idx = line % lines.len();
                lines.insert(idx, lines[idx].clone());
                bytes = lines.join(&b'\n');
            }
            Edit::SwapLines { a, b } => {
                let mut lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
                let len = lines.len();
                lines.swap(a % len, b % len);
                bytes = lines.join(&b'\n');
            }
            Edit::Truncate { at } => bytes.truncate(at % n),
        }
    }
    bytes
}

fn check(linter: &Linter, bytes: Vec<u8>) -> Result<(), TestCaseError> {
    let started = Instant::now();
    let report = linter.lint_bytes("mutated.yaml".to_owned(), bytes);
    prop_assert!(started.elapsed() < Duration::from_secs(10), "lint took {:?}", started.elapsed());
    assert_well_formed(&report)?;
    Ok(())
}

fn assert_well_formed(report: &FileReport) -> Result<(), TestCaseError> {
    for finding in &report.findings {
        for span in std::iter::once(&finding.span).chain(finding.related.iter().map(|(s, _)| s)) {
            prop_assert!(span.start <= span.end && span.end <= report.text.len(), "{finding:?} out of bounds");
            prop_assert!(
                report.text.is_char_boundary(span.start) && report.text.is_char_boundary(span.end),
                "{finding:?}"
            );
        }
    }
    let reports = std::slice::from_ref(report);
    for style in
        [Style { color: false, width: 100 }, Style { color: true, width: 40 }, Style { color: false, width: 1 }]
    {
        let rendered = human::render(reports, style);
        // Every finding is there (its code, in the snippet's title or the plain line).
        for finding in &report.findings {
            prop_assert!(rendered.contains(finding.code), "{} missing from {rendered}", finding.code);
        }
    }
    for rendered in [json::render(reports), sarif::render(reports), github::render(reports), junit::render(reports)] {
        prop_assert!(!rendered.is_empty() || report.findings.is_empty());
    }
    Ok(())
}

fn linter() -> Linter {
    match Linter::new(Options::default()) {
        Ok(linter) => linter,
        Err(e) => panic!("{e}"),
    }
}

/// A plan-shaped document built from the plan's keys and a pool of good and bad values.
fn generated_plan() -> impl Strategy<Value = String> {
    let value = proptest::sample::select(vec![
        "us-east-1",
        "us-west-2",
        "\"123456789012\"",
        "012345678901",
        "[use1-az1, use1-az2, use1-az4]",
        "[us-east-1a]",
        "[]",
        "{}",
        "true",
        "no",
        "~",
        "dedicated",
        "standard",
        "MULTI_ZONE",
        "2",
        "-1",
        "1e400",
        "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
        "com.amazonaws.vpce.eu-west-1.vpce-svc-0123abcd",
        "use1-az1.domnprzqrog.us-east-1.aws.confluent.cloud",
        "domnprzqrog.us-west-2",
        "[PRIVATELINK]",
        "[PEERING]",
        "n-abc123",
        "'quoted: value'",
    ]);
    let sections =
        ["tidb", "confluent", "network", "cluster", "private_link_access", "private_link_connection", "domains"];
    let keys: Vec<&'static str> = linkplan_model::keys::OBJECTS.iter().flat_map(|o| o.keys.iter().copied()).collect();
    let line = (0usize..4, proptest::sample::select(keys), value, proptest::bool::weighted(0.3)).prop_map(
        move |(depth, key, value, open)| {
            let indent = "  ".repeat(depth);
            if open && sections.contains(&key) {
                format!("{indent}{key}:\n")
            } else {
                format!("{indent}{key}: {value}\n")
            }
        },
    );
    proptest::collection::vec(line, 0..40).prop_map(|lines| format!("version: 1\nname: gen\n{}", lines.concat()))
}

/// Lines too long for miette's snippets (it panicked on a label past column 65,535): a finding
/// far along a line, one on a long line's neighbour, a related span, tabs and wide characters
/// (four and two columns each), and a span over several lines with a long one inside.
fn long_line_files() -> Vec<(&'static str, Vec<u8>)> {
    let pad = |n: usize, s: &str| s.repeat(n);
    vec![
        ("finding past column 65535", format!("{{version: 1, name: a{}, bogus: 1}}", pad(70_000, " ")).into_bytes()),
        (
            "long line before the finding",
            format!("# {}\nversion: 1\nname: a\nbogus: 1\n", pad(70_000, "x")).into_bytes(),
        ),
        ("tabs", format!("{{version: 1, name: a,{}bogus: 1}}", pad(20_000, "\t")).into_bytes()),
        ("wide characters", format!("version: 1\nname: \"{}\"\nbogus: 1\n", pad(40_000, "日")).into_bytes()),
        (
            "duplicate key far along",
            format!("{{version: 1, name: a, tidb: {{}}, confluent: {{}},{} name: b}}", pad(70_000, " ")).into_bytes(),
        ),
        (
            "multi-line span",
            format!("version: 1\nname: a\ntidb:\n  region: [us-east-1,\n{}x]\n", pad(70_000, " ")).into_bytes(),
        ),
        ("syntax error far along", format!("version: 1\nname: \"a{}\n", pad(70_000, " ")).into_bytes()),
        ("not UTF-8 far along", [format!("version: 1\nname: a{}", pad(70_000, " ")).into_bytes(), vec![0xff]].concat()),
    ]
}

#[test]
fn long_lines_render_in_every_format() {
    let linter = linter();
    for (name, bytes) in long_line_files() {
        let report = linter.lint_bytes("long.yaml".to_owned(), bytes);
        assert!(!report.findings.is_empty(), "{name}: no finding");
        if let Err(e) = assert_well_formed(&report) {
            panic!("{name}: {e}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { max_shrink_time: 20_000, ..ProptestConfig::default() })]

    /// The example with a run of spaces, tabs or wide characters inserted anywhere.
    #[test]
    fn long_lines_never_panic(
        at in any::<usize>(),
        fill in proptest::sample::select(vec![" ", "\t", "日", "x"]),
        len in 16_000usize..70_000,
    ) {
        let mut bytes = EXAMPLE.as_bytes().to_vec();
        let at = at % bytes.len();
        bytes.splice(at..at, fill.repeat(len).into_bytes());
        check(&linter(), bytes)?;
    }

    #[test]
    fn mutated_example_never_panics(edits in proptest::collection::vec(edit(), 1..8)) {
        check(&linter(), apply(EXAMPLE, &edits))?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&linter(), bytes)?;
    }

    #[test]
    fn generated_plans_never_panic(text in generated_plan()) {
        check(&linter(), text.into_bytes())?;
    }
}
