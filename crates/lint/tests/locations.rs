//! One location scheme in every output format: 1-based lines, columns in Unicode code points
//! (SARIF says `columnKind: unicodeCodePoints`), offsets and lengths in the file's own bytes.

use linkplan_lint::output::human::{self, Style};
use linkplan_lint::output::{github, json, junit, sarif};
use linkplan_lint::{FileReport, Linter, Options};
use serde_json::Value;

fn lint(bytes: &[u8], codes: &[&'static str]) -> FileReport {
    let options = Options { select: Some(codes.to_vec()), ..Options::default() };
    let linter = match Linter::new(options) {
        Ok(linter) => linter,
        Err(e) => panic!("{e}"),
    };
    linter.lint_bytes("plan.yaml".to_owned(), bytes.to_vec())
}

fn parse(text: &str) -> Value {
    match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => panic!("{e}: {text}"),
    }
}

/// The `path:line:col` the human format shows for each finding: miette's snippet header, or the
/// start of the plain line it prints for a finding on a very long line.
fn human_headers(report: &FileReport) -> Vec<String> {
    let out = human::render(std::slice::from_ref(report), Style::default());
    let plain = format!("{}:", report.path);
    out.lines()
        .filter_map(|line| match line.split_once("╭─[") {
            Some((_, rest)) => Some(rest.trim_end_matches(']').to_owned()),
            None if line.starts_with(&plain) => line.split(": ").next().map(str::to_owned),
            None => None,
        })
        .collect()
}

#[test]
fn columns_count_code_points_in_every_format() {
    // `日本🦀` is 3 code points, 10 bytes and 4 UTF-16 code units: bytes would put the second
    // `region` at column 40, UTF-16 code units at 34, code points at 33.
    let text = "version: 1\nname: a\ntidb: {cloud: \"日本🦀\", region: x, region: y, bogus: 1}\n";
    let report = lint(text.as_bytes(), &["PL002", "PL003"]);
    let codes: Vec<&str> = report.findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, ["PL002", "PL003"], "{:?}", report.findings);
    let offset = |needle: &str| text.rfind(needle).unwrap_or_default();
    let (region, first_region, bogus) = (offset("region: y"), text.find("region").unwrap_or_default(), offset("bogus"));

    let json = parse(&json::render(std::slice::from_ref(&report)));
    let findings = &json["files"][0]["findings"];
    let location = |v: &Value| {
        let l = &v["location"];
        (l["line"].as_u64(), l["column"].as_u64(), l["end_column"].as_u64(), l["offset"].as_u64(), l["length"].as_u64())
    };
    let some = |line, column, end_column, offset: usize, length| {
        (Some(line), Some(column), Some(end_column), Some(offset as u64), Some(length))
    };
    assert_eq!(location(&findings[0]), some(3, 33, 39, region, 6), "{findings}");
    assert_eq!(location(&findings[0]["related"][0]), some(3, 22, 28, first_region, 6), "{findings}");
    assert_eq!(location(&findings[1]), some(3, 44, 49, bogus, 5), "{findings}");

    let sarif = parse(&sarif::render(std::slice::from_ref(&report)));
    assert_eq!(sarif["runs"][0]["columnKind"], "unicodeCodePoints");
    let region_of = |result: &Value| {
        let r = &result["locations"][0]["physicalLocation"]["region"];
        (r["startLine"].as_u64(), r["startColumn"].as_u64(), r["endColumn"].as_u64(), r["byteOffset"].as_u64())
    };
    let results = &sarif["runs"][0]["results"];
    assert_eq!(region_of(&results[0]), (Some(3), Some(33), Some(39), Some(region as u64)));
    assert_eq!(region_of(&results[1]), (Some(3), Some(44), Some(49), Some(bogus as u64)));
    let related = &results[0]["relatedLocations"][0]["physicalLocation"]["region"];
    assert_eq!(related["startColumn"], 22);

    let github = github::render(std::slice::from_ref(&report));
    assert!(github.contains("line=3,col=33,endLine=3,endColumn=39,"), "{github}");
    assert!(github.contains("line=3,col=44,endLine=3,endColumn=49,"), "{github}");

    let junit = junit::render(std::slice::from_ref(&report));
    assert!(junit.contains("plan.yaml:3:33: PL002") && junit.contains("at 3:33"), "{junit}");
    assert!(junit.contains("plan.yaml:3:44: PL003") && junit.contains("at 3:44"), "{junit}");

    assert_eq!(human_headers(&report), ["plan.yaml:3:33", "plan.yaml:3:44"]);

    // On a line too long to draw, the plain line counts the same way.
    let text = format!("version: 1\nname: a\ntidb: {{cloud: \"日本🦀\",{} bogus: 1}}\n", " ".repeat(5000));
    let report = lint(text.as_bytes(), &["PL003"]);
    assert_eq!(human_headers(&report), ["plan.yaml:3:5022"]);
    let json = parse(&json::render(std::slice::from_ref(&report)));
    assert_eq!(json["files"][0]["findings"][0]["location"]["column"], 5022);
}

/// PL001 on bytes that are not UTF-8: the message, the location and the snippet all count in
/// the file's bytes; each byte that is not UTF-8 is one column.
#[test]
fn text_that_is_not_utf8_is_located_in_its_own_bytes() {
    let cases: &[(&[u8], usize, usize)] = &[
        // (file, offset of the bad byte, its column)
        (b"\xff", 0, 1),
        // The NUL is found first; the two bytes before it are one column each.
        (b"\xff\xfe#\0", 3, 4),
        (b"name: caf\xe9\n", 9, 10),
        // `é` is two bytes and one column.
        (b"\xc3\xa9\xff", 2, 2),
    ];
    for &(bytes, offset, column) in cases {
        let report = lint(bytes, &["PL001"]);
        let [finding] = report.findings.as_slice() else { panic!("{bytes:?}: {:?}", report.findings) };
        assert!(finding.message.contains(&format!("offset {offset}")), "{bytes:?}: {}", finding.message);
        assert_eq!(report.text.len(), bytes.len(), "{bytes:?}: the text keeps the file's offsets");
        let json = parse(&json::render(std::slice::from_ref(&report)));
        let location = &json["files"][0]["findings"][0]["location"];
        assert_eq!(location["offset"], offset, "{bytes:?}: {location}");
        assert_eq!(location["length"], 1, "{bytes:?}: {location}");
        assert_eq!((location["line"].as_u64(), location["column"].as_u64()), (Some(1), Some(column as u64)));
        let sarif = parse(&sarif::render(std::slice::from_ref(&report)));
        let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
        assert_eq!((region["byteOffset"].as_u64(), region["byteLength"].as_u64()), (Some(offset as u64), Some(1)));
        assert_eq!(human_headers(&report), [format!("plan.yaml:1:{column}")], "{bytes:?}");
    }
}
